//! A partner client's webhook endpoint: where its events are delivered, signed with a
//! secret derived from the service's key and the endpoint's salt.

use sea_orm::entity::prelude::*;

/// A row of `webhook_endpoints`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoints")]
pub struct Model {
    /// Identifier (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The partner client whose events these are.
    pub client_id: Uuid,
    /// Where deliveries are posted.
    pub url: String,
    /// What the endpoint is for, in the admins' words.
    pub description: Option<String>,
    /// The event types delivered, separated by spaces.
    pub events: String,
    /// Whether events are delivered.
    pub enabled: bool,
    /// Why the service turned it off (a 410, or three days of failures).
    pub disabled_reason: Option<String>,
    /// With the service's key, makes the signing secret (base64url).
    pub secret_salt: String,
    /// The salt of the secret before the last rotation, still signing until
    /// `previous_until`.
    pub previous_salt: Option<String>,
    /// Until when the previous secret signs too.
    pub previous_until: Option<DateTimeUtc>,
    /// The admin who registered it.
    pub created_by: Option<Uuid>,
    /// When it was registered.
    pub created_at: DateTimeUtc,
    /// When it was last changed.
    pub updated_at: DateTimeUtc,
    /// The first failure since the last success.
    pub failing_since: Option<DateTimeUtc>,
    /// Until when one instance is delivering to it (one delivery at a time).
    pub lease_until: Option<DateTimeUtc>,
}

/// Relations of the row.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The partner client.
    #[sea_orm(
        belongs_to = "super::api_client::Entity",
        from = "Column::ClientId",
        to = "super::api_client::Column::Id"
    )]
    Client,
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
