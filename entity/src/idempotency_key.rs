//! A remembered response to a request sent with an `Idempotency-Key`.

use sea_orm::entity::prelude::*;

/// A row of `idempotency_keys`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// The user or client who sent it (keys are theirs alone).
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject_id: Uuid,
    /// The key as sent.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 (hex) of the request: method, path and body.
    pub fingerprint: String,
    /// The status of the first response.
    pub status_code: i32,
    /// The body of the first response.
    pub body: String,
    /// When the first response was given (UTC); kept 24 hours.
    pub created_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
