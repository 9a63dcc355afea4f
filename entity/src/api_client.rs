//! A partner client (a provider intranet, the academy's website) using client credentials.

use sea_orm::entity::prelude::*;

/// A row of `api_clients`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    /// Identifier, also the OAuth `client_id`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// SHA-256 of the client secret (hex); the secret is random and shown once.
    pub secret_hash: String,
    /// The organisation the client acts for, if bound to one.
    pub organization_id: Option<Uuid>,
    /// Granted scopes, space-separated as in OAuth.
    pub scopes: String,
    /// Who to tell when the service has to turn one of its webhook endpoints off.
    pub contact_email: Option<String>,
    /// Creation time (UTC).
    pub created_at: DateTimeUtc,
    /// Set when the client was revoked; it can no longer obtain tokens.
    pub revoked_at: Option<DateTimeUtc>,
}

/// Relations of a client.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The organisation it is bound to.
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrganizationId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
