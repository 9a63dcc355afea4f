//! An organisation: municipality, provider, certified institution or the academy.

use sea_orm::entity::prelude::*;

use crate::enums::OrganizationKind;

/// A row of `organizations`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    /// Identifier (UUID v7, so ids sort by creation).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Display name, unique.
    pub name: String,
    /// Kind of organisation.
    pub kind: OrganizationKind,
    /// Creation time (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
}

/// Relations of an organisation.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Its users.
    #[sea_orm(has_many = "super::user::Entity")]
    Users,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Users.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
