//! One dated meeting of an edition.

use sea_orm::entity::prelude::*;

use crate::enums::SessionStatus;

/// A row of `sessions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// Identifier (UUID v7); also the stable calendar UID.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// Start (UTC).
    pub starts_at: DateTimeUtc,
    /// End (UTC), after the start and at most 24 hours later.
    pub ends_at: DateTimeUtc,
    /// Place, overriding the edition's.
    pub location: Option<String>,
    /// Online link, overriding the edition's.
    pub online_url: Option<String>,
    /// Scheduled or cancelled.
    pub status: SessionStatus,
    /// Bumped on every change of time, place or status (the calendar SEQUENCE).
    pub revision: i32,
    /// Creation time (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of a session.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The edition.
    #[sea_orm(
        belongs_to = "super::edition::Entity",
        from = "Column::EditionId",
        to = "super::edition::Column::Id",
        on_delete = "Cascade"
    )]
    Edition,
}

impl Related<super::edition::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Edition.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
