//! A course's accreditation by one register: its number and points.

use sea_orm::entity::prelude::*;

use crate::enums::Register;

/// A row of `accreditations`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "accreditations")]
pub struct Model {
    /// The course.
    #[sea_orm(primary_key, auto_increment = false)]
    pub course_id: Uuid,
    /// The register; one accreditation per register and course.
    #[sea_orm(primary_key, auto_increment = false)]
    pub register: Register,
    /// The register's accreditation number.
    pub number: String,
    /// Points awarded on completion.
    pub points: f64,
    /// First day the accreditation applies.
    pub valid_from: Option<Date>,
    /// Last day the accreditation applies.
    pub valid_until: Option<Date>,
}

/// Relations of an accreditation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The course.
    #[sea_orm(
        belongs_to = "super::course::Entity",
        from = "Column::CourseId",
        to = "super::course::Column::Id",
        on_delete = "Cascade"
    )]
    Course,
}

impl Related<super::course::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Course.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
