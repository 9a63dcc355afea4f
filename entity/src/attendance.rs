//! One registration's attendance at one session.

use sea_orm::entity::prelude::*;

use crate::enums::{ActorKind, AttendanceStatus};

/// A row of `attendance`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attendance")]
pub struct Model {
    /// The registration.
    #[sea_orm(primary_key, auto_increment = false)]
    pub registration_id: Uuid,
    /// The session.
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_id: Uuid,
    /// Present, late, excused or absent.
    pub status: AttendanceStatus,
    /// The marker's note.
    pub note: Option<String>,
    /// Who marked it last.
    pub marked_by_kind: ActorKind,
    /// The person or client who marked it last.
    pub marked_by_id: Option<Uuid>,
    /// When it was marked last (UTC).
    pub marked_at: DateTimeUtc,
    /// First check-in with the session's code (UTC).
    pub checked_in_at: Option<DateTimeUtc>,
    /// Last check-out with the session's code (UTC).
    pub checked_out_at: Option<DateTimeUtc>,
}

/// Relations of an attendance record.
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
    /// The session.
    #[sea_orm(
        belongs_to = "super::session::Entity",
        from = "Column::SessionId",
        to = "super::session::Column::Id",
        on_delete = "Cascade"
    )]
    Session,
}

impl Related<super::registration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Registration.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
