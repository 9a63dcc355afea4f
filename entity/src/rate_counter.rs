//! A fixed-window counter behind a rate limit, shared by every service instance.

use sea_orm::entity::prelude::*;

/// A row of `rate_counters`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rate_counters")]
pub struct Model {
    /// What is counted, e.g. `check-in:{user}:{session}` or `verify:{address}`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Start of the current window (UTC).
    pub window_start: DateTimeUtc,
    /// Hits in the current window.
    pub hits: i32,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
