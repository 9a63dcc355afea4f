//! One attempt of a delivery: the delivery log.

use sea_orm::entity::prelude::*;

/// A row of `webhook_attempts`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    /// Identifier (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The delivery.
    pub delivery_id: Uuid,
    /// When the request was sent.
    pub at: DateTimeUtc,
    /// The answer's HTTP status, if one came.
    pub status_code: Option<i32>,
    /// How long the request took, in milliseconds.
    pub duration_ms: i32,
    /// What went wrong (no answer, not 2xx).
    pub error: Option<String>,
}

/// Relations of the row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
