//! A failed password sign-in, kept for the brute-force window.

use sea_orm::entity::prelude::*;

/// A row of `login_failures`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failures")]
pub struct Model {
    /// Identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The account name tried (lower-cased e-mail), known or not.
    pub email: String,
    /// When it failed (UTC).
    pub failed_at: DateTimeUtc,
}

/// No relations: failures are kept by account name, also for unknown accounts.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
