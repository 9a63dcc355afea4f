//! A failed password sign-in, kept for the brute-force window (and deleted by the hourly
//! clean-up after it).

use sea_orm::entity::prelude::*;

/// A row of `login_failures`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_failures")]
pub struct Model {
    /// Identifier.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// SHA-256 (hex) of the account name tried (the lower-cased e-mail address), known
    /// or not: what was typed is never stored.
    pub account_hash: String,
    /// The client address the attempt came from.
    pub client_addr: String,
    /// When it failed (UTC).
    pub failed_at: DateTimeUtc,
}

/// No relations: failures are kept by account name, also for unknown accounts.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
