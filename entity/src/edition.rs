//! One scheduled run of a course.

use sea_orm::entity::prelude::*;

use crate::enums::EditionStatus;

/// A row of `editions`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "editions")]
pub struct Model {
    /// Identifier (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// Lifecycle state.
    pub status: EditionStatus,
    /// Seats (≥ 1).
    pub capacity: i32,
    /// Whether people may join a waiting list when it is full.
    pub waitlist_enabled: bool,
    /// Whether registrations need approval by HR or an admin.
    pub requires_approval: bool,
    /// Days before the first session that participants are reminded (0: not at all).
    pub reminder_days_first: i32,
    /// Days before each later session that participants are reminded (0: not at all).
    pub reminder_days_later: i32,
    /// Registration opens (UTC); open from publication when absent.
    pub registration_opens_at: Option<DateTimeUtc>,
    /// Registration closes (UTC); open until the first session when absent.
    pub registration_closes_at: Option<DateTimeUtc>,
    /// After this, cancellations are recorded as late.
    pub cancellation_deadline: Option<DateTimeUtc>,
    /// Where it takes place.
    pub location: Option<String>,
    /// Online meeting link.
    pub online_url: Option<String>,
    /// Start of the first scheduled session, kept with the sessions for sorting.
    pub first_session_at: Option<DateTimeUtc>,
    /// End of the last scheduled session.
    pub last_session_at: Option<DateTimeUtc>,
    /// Sort key of the catalogue: the first session, or far in the future without one.
    pub sort_at: DateTimeUtc,
    /// Creation time (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of an edition.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The course.
    #[sea_orm(
        belongs_to = "super::course::Entity",
        from = "Column::CourseId",
        to = "super::course::Column::Id"
    )]
    Course,
    /// Its sessions.
    #[sea_orm(has_many = "super::session::Entity")]
    Sessions,
    /// Its trainers.
    #[sea_orm(has_many = "super::edition_trainer::Entity")]
    Trainers,
    /// Its registrations.
    #[sea_orm(has_many = "super::registration::Entity")]
    Registrations,
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Sessions.def()
    }
}

impl Related<super::edition_trainer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Trainers.def()
    }
}

impl Related<super::registration::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Registrations.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
