//! A completed registration: the course's rule was met (or an e-learning module was
//! marked done).

use sea_orm::entity::prelude::*;

use crate::enums::{ActorKind, CompletionSource};

/// A row of `completions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "completions")]
pub struct Model {
    /// The registration that completed.
    #[sea_orm(primary_key, auto_increment = false)]
    pub registration_id: Uuid,
    /// Its edition.
    pub edition_id: Uuid,
    /// The person.
    pub user_id: Uuid,
    /// The day it was completed (Europe/Amsterdam): the last counted session's day, or
    /// the date marked.
    pub completed_on: Date,
    /// Sessions attended (present or late).
    pub sessions_attended: i32,
    /// Sessions that counted (all but cancelled ones).
    pub sessions_counted: i32,
    /// Computed from attendance or marked.
    pub source: CompletionSource,
    /// Who decided it: whoever closed the edition or marked the module.
    pub decided_by_kind: ActorKind,
    /// The person or client.
    pub decided_by_id: Option<Uuid>,
    /// When (UTC).
    pub decided_at: DateTimeUtc,
}

/// Relations of a completion.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The registration.
    #[sea_orm(
        belongs_to = "super::registration::Entity",
        from = "Column::RegistrationId",
        to = "super::registration::Column::Id",
        on_delete = "Cascade"
    )]
    Registration,
}

impl Related<super::registration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Registration.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
