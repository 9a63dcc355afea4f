//! The record that a person's personal data was erased.

use sea_orm::entity::prelude::*;

/// A row of `erasures`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "erasures")]
pub struct Model {
    /// The erased person (their row stays, anonymised).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The admin who erased them.
    pub erased_by: Uuid,
    /// When (UTC).
    pub erased_at: DateTimeUtc,
    /// Why, as the admin recorded it.
    pub reason: Option<String>,
}

/// No relations needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
