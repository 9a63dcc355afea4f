//! A setting the service chooses once and keeps, shared by every instance (such as the
//! domain of calendar UIDs).

use sea_orm::entity::prelude::*;

/// A row of `settings`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "settings")]
pub struct Model {
    /// Name.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Value.
    pub value: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
