//! A single-use account link (an invitation or a password reset), stored only as the
//! hash of the token the e-mail carries.

use sea_orm::entity::prelude::*;

use crate::enums::AccountTokenPurpose;

/// A row of `account_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_tokens")]
pub struct Model {
    /// SHA-256 (hex) of the token.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    /// Whose account it opens.
    pub user_id: Uuid,
    /// An invitation (7 days) or a password reset (1 hour).
    pub purpose: AccountTokenPurpose,
    /// When it stops working (UTC).
    pub expires_at: DateTimeUtc,
    /// When it was used; a token works once.
    pub used_at: Option<DateTimeUtc>,
    /// When it was made (UTC).
    pub created_at: DateTimeUtc,
}

/// No relations needed.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
