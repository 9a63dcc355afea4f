//! The points a certificate carries in one register, as accredited when it was issued.

use sea_orm::entity::prelude::*;

use crate::enums::Register;

/// A row of `certificate_accreditations`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate_accreditations")]
pub struct Model {
    /// The certificate.
    #[sea_orm(primary_key, auto_increment = false)]
    pub certificate_id: Uuid,
    /// The register.
    #[sea_orm(primary_key, auto_increment = false)]
    pub register: Register,
    /// The course's accreditation number at that register.
    pub accreditation_number: String,
    /// Points earned.
    pub points: f64,
    /// The holder's registration number in that register when issued, if any.
    pub holder_number: Option<String>,
}

/// Relations of a certificate's accreditation.
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
