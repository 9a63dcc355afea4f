//! One event on its way to one endpoint: queued until delivered (a 2xx answer) or given
//! up, with its attempts in `webhook_attempts`.

use sea_orm::entity::prelude::*;

use crate::enums::DeliveryStatus;

/// A row of `webhook_deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Identifier (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Where it goes.
    pub endpoint_id: Uuid,
    /// What it carries: a `webhook_events` row, or a registration's history entry
    /// (`registration_events`).
    pub event_id: Uuid,
    /// The event's resource (a copy, for the "in order per resource" rule).
    pub resource_id: Uuid,
    /// Queued, delivered or failed.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (queued deliveries).
    pub due_at: DateTimeUtc,
    /// When it was queued.
    pub created_at: DateTimeUtc,
    /// When it was delivered or given up.
    pub finished_at: Option<DateTimeUtc>,
    /// The HTTP status of the last attempt, if one came back.
    pub last_status: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// Relations of the row (`event_id` names a `webhook_events` row or a registration's
/// history entry, so it has none).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
