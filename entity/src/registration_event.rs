//! One status change of a registration.

use sea_orm::entity::prelude::*;

use crate::enums::{ActorKind, RegistrationStatus};

/// A row of `registration_events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registration_events")]
pub struct Model {
    /// Identifier (UUID v7, so ids sort in time order).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The registration.
    pub registration_id: Uuid,
    /// The status before (none when the registration was created).
    pub from_status: Option<RegistrationStatus>,
    /// The status after.
    pub to_status: RegistrationStatus,
    /// Who made the change.
    pub actor_kind: ActorKind,
    /// The person or client who made it (none for the service itself).
    pub actor_id: Option<Uuid>,
    /// Why.
    pub reason: Option<String>,
    /// When (UTC).
    pub at: DateTimeUtc,
    /// The kind of message this change sends to the registration's person, until the
    /// mail worker has moved it into the outbox (`messages`); then none.
    pub notice_kind: Option<String>,
    /// What rendering that message needs besides the database's state (JSON).
    pub notice_payload: Option<String>,
}

/// Relations of an event.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The registration.
    #[sea_orm(
        belongs_to = "super::registration::Entity",
        from = "Column::RegistrationId",
        to = "super::registration::Column::Id"
    )]
    Registration,
}

impl Related<super::registration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Registration.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
