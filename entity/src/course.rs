//! A catalogue item: a lecture, workshop, training, symposium or e-learning module.

use sea_orm::entity::prelude::*;

use crate::enums::CourseKind;

/// A row of `courses`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "courses")]
pub struct Model {
    /// Identifier (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Title, e.g. "Verklarende analyse".
    pub title: String,
    /// Kind of activity.
    pub kind: CourseKind,
    /// Description, plain text or Markdown.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Who it is for.
    pub target_audience: Option<String>,
    /// Study load in hours.
    pub hours: Option<f64>,
    /// Minimum share of an edition's sessions attended to complete (0 < p ≤ 100).
    pub min_attendance_percent: f64,
    /// Set when archived: kept for history, no new editions.
    pub archived_at: Option<DateTimeUtc>,
    /// Creation time (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of a course.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its editions.
    #[sea_orm(has_many = "super::edition::Entity")]
    Editions,
    /// Its topics.
    #[sea_orm(has_many = "super::course_topic::Entity")]
    Topics,
    /// Its accreditations.
    #[sea_orm(has_many = "super::accreditation::Entity")]
    Accreditations,
}

impl Related<super::edition::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Editions.def()
    }
}

impl Related<super::course_topic::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Topics.def()
    }
}

impl Related<super::accreditation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Accreditations.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
