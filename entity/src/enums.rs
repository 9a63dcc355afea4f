//! Enumerations stored as constrained strings.

use sea_orm::entity::prelude::*;

/// What kind of organisation a user works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum OrganizationKind {
    /// A municipality of the region.
    #[sea_orm(string_value = "municipality")]
    Municipality,
    /// A youth-care provider.
    #[sea_orm(string_value = "provider")]
    Provider,
    /// A certified (child-protection) institution.
    #[sea_orm(string_value = "certified_institution")]
    CertifiedInstitution,
    /// The academy itself.
    #[sea_orm(string_value = "academy")]
    Academy,
    /// Anything else.
    #[sea_orm(string_value = "other")]
    Other,
}

/// A role a user holds; a user holds one or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Role {
    /// A youth-care professional taking courses.
    #[sea_orm(string_value = "professional")]
    Professional,
    /// Teaches editions and marks attendance.
    #[sea_orm(string_value = "trainer")]
    Trainer,
    /// Human resources of one organisation.
    #[sea_orm(string_value = "hr")]
    Hr,
    /// The academy's coordinators.
    #[sea_orm(string_value = "admin")]
    Admin,
}

/// A professional quality register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Register {
    /// Stichting Kwaliteitsregister Jeugd.
    #[sea_orm(string_value = "SKJ")]
    Skj,
    /// The BIG register.
    #[sea_orm(string_value = "BIG")]
    Big,
    /// Registerplein, NIP chamber.
    #[sea_orm(string_value = "NIP")]
    Nip,
    /// Registerplein, NVO chamber.
    #[sea_orm(string_value = "NVO")]
    Nvo,
    /// Any other register.
    #[sea_orm(string_value = "other")]
    Other,
}
