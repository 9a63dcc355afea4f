//! One change of an attendance record: the audit trail.

use sea_orm::entity::prelude::*;

use crate::enums::{ActorKind, AttendanceAction, AttendanceStatus};

/// A row of `attendance_events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attendance_events")]
pub struct Model {
    /// Identifier (UUID v7, so ids sort in time order).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The registration.
    pub registration_id: Uuid,
    /// The session.
    pub session_id: Uuid,
    /// Marked, checked in or checked out.
    pub action: AttendanceAction,
    /// The status before (none when first marked).
    pub from_status: Option<AttendanceStatus>,
    /// The status after.
    pub to_status: AttendanceStatus,
    /// The note before.
    pub from_note: Option<String>,
    /// The note after.
    pub to_note: Option<String>,
    /// Who made the change.
    pub actor_kind: ActorKind,
    /// The person or client who made it.
    pub actor_id: Option<Uuid>,
    /// When (UTC).
    pub at: DateTimeUtc,
}

/// Relations of an attendance event.
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
