//! A certificate: what was completed, by whom, as it stood when issued.

use sea_orm::entity::prelude::*;

use crate::enums::{CertificateStatus, CourseKind};

/// A row of `certificates`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    /// Identifier (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Verification code: 15 Crockford base32 characters (75 random bits), unique.
    #[sea_orm(unique)]
    pub code: String,
    /// The completed registration; one certificate per registration.
    #[sea_orm(unique)]
    pub registration_id: Uuid,
    /// The holder.
    pub user_id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// The holder's name when issued.
    pub holder_name: String,
    /// The course title when issued.
    pub course_title: String,
    /// The kind of course.
    pub course_kind: CourseKind,
    /// Study load in hours.
    pub hours: Option<f64>,
    /// The edition's first day (Europe/Amsterdam).
    pub first_day: Option<Date>,
    /// The edition's last day (Europe/Amsterdam).
    pub last_day: Option<Date>,
    /// The day it was completed.
    pub completed_on: Date,
    /// The issuing academy's name.
    pub issuer: String,
    /// When it was issued (UTC).
    pub issued_at: DateTimeUtc,
    /// Valid or revoked.
    pub status: CertificateStatus,
    /// When it was revoked (UTC).
    pub revoked_at: Option<DateTimeUtc>,
    /// Why it was revoked.
    pub revoked_reason: Option<String>,
    /// Its place in the published revocation status lists (list `index / 131072`, bit
    /// `index % 131072`), unique; `null` only for rows written outside the service.
    #[sea_orm(unique)]
    pub status_index: Option<i64>,
}

/// Relations of a certificate.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its accreditations.
    #[sea_orm(has_many = "super::certificate_accreditation::Entity")]
    Accreditations,
    /// The holder.
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    Holder,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Holder.def()
    }
}

impl Related<super::certificate_accreditation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Accreditations.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
