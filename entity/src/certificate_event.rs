//! One event in a certificate's life: issued, revoked, reinstated.

use sea_orm::entity::prelude::*;

use crate::enums::{ActorKind, CertificateAction};

/// A row of `certificate_events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate_events")]
pub struct Model {
    /// Identifier (UUID v7, so ids sort in time order).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The certificate.
    pub certificate_id: Uuid,
    /// What happened.
    pub action: CertificateAction,
    /// Why.
    pub reason: Option<String>,
    /// Who did it.
    pub actor_kind: ActorKind,
    /// The person or client.
    pub actor_id: Option<Uuid>,
    /// When (UTC).
    pub at: DateTimeUtc,
}

/// Relations of a certificate event.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The certificate.
    #[sea_orm(
        belongs_to = "super::certificate::Entity",
        from = "Column::CertificateId",
        to = "super::certificate::Column::Id",
        on_delete = "Cascade"
    )]
    Certificate,
}

impl Related<super::certificate::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Certificate.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
