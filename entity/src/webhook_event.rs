//! Something partners hear of: the event a webhook delivery carries. Changes write one in
//! their transaction (pending until the webhook worker fans it out to the endpoints that
//! want it); a registration's change becomes one when it is fanned out.

use sea_orm::entity::prelude::*;

/// A row of `webhook_events`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    /// Identifier (UUID v7): the `webhook-id` receivers de-duplicate by.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The event type (`registration.created`, `edition.changed`, …).
    pub kind: String,
    /// The resource it is about: its deliveries to one endpoint go in order.
    pub resource_id: Uuid,
    /// The person it concerns, whose organisation decides which clients hear of it.
    pub user_id: Option<Uuid>,
    /// The ids and status the payload's `data` holds (JSON object).
    pub data: String,
    /// When the change happened.
    pub occurred_at: DateTimeUtc,
    /// Not yet fanned out to the endpoints.
    pub pending: bool,
}

/// Relations of the row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
