//! Partner clients: a provider intranet or the academy's website calling with its own
//! credentials, limited to the scopes it was granted and, optionally, to one organisation.

use entity::api_client;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::organizations;
use super::paging::PageRequest;
use super::values::{Email, text};
use crate::auth::secret;
use crate::error::{DomainError, DomainResult, FieldError};

/// Scopes a client can be granted.
pub const SCOPES: &[&str] = &[
    "catalog:read",
    "registrations:read",
    "registrations:write",
    "reports:read",
    "certificates:read",
    "users:read",
];

/// A client as created: the secret is only known at this moment.
pub struct CreatedClient {
    /// The stored client.
    pub client: api_client::Model,
    /// The plain secret, shown once.
    pub secret: String,
}

/// Registers a client and returns its one-time secret.
pub async fn create(
    db: &impl ConnectionTrait,
    name: &str,
    organization_id: Option<Uuid>,
    scopes: &[String],
    contact_email: Option<&str>,
) -> DomainResult<CreatedClient> {
    let mut errors = Vec::new();
    let name = text("name", name, 200).map_err(|e| errors.push(e)).ok();
    let scopes = parse_scopes(scopes).map_err(|e| errors.push(e)).ok();
    let contact = match contact_email.map(str::trim).filter(|c| !c.is_empty()) {
        Some(raw) => Email::parse("contact_email", raw)
            .map(|e| Some(e.into_inner()))
            .map_err(|e| errors.push(e))
            .ok(),
        None => Some(None),
    };
    let (Some(name), Some(scopes), Some(contact_email)) = (name, scopes, contact) else {
        return Err(DomainError::Validation(errors));
    };
    if let Some(org) = organization_id {
        organizations::referenced(db, org).await?;
    }
    let plain = secret::random_token();
    let client = api_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        secret_hash: Set(secret::sha256_hex(&plain)),
        organization_id: Set(organization_id),
        scopes: Set(scopes.join(" ")),
        contact_email: Set(contact_email),
        created_at: Set(super::now()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(CreatedClient {
        client,
        secret: plain,
    })
}

/// Lists clients by creation order.
pub async fn list(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> DomainResult<(Vec<api_client::Model>, Option<String>)> {
    let mut q = api_client::Entity::find().order_by_asc(api_client::Column::Id);
    if let Some(after) = page.after {
        q = q.filter(api_client::Column::Id.gt(after));
    }
    let rows = q.limit(page.fetch()).all(db).await?;
    Ok(page.finish(rows, |c| c.id))
}

/// Revokes a client: it can no longer obtain tokens.
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<()> {
    let client = api_client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("client"))?;
    if client.revoked_at.is_none() {
        let mut m: api_client::ActiveModel = client.into();
        m.revoked_at = Set(Some(super::now()));
        m.update(db).await?;
        super::webhooks::endpoints::give_up_for_client(db, id).await?;
    }
    Ok(())
}

/// The client with these credentials, if they are right and it is not revoked.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    client_id: &str,
    client_secret: &str,
) -> DomainResult<Option<api_client::Model>> {
    let Ok(id) = Uuid::parse_str(client_id) else {
        return Ok(None);
    };
    let Some(client) = api_client::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let ok = secret::constant_time_eq(
        secret::sha256_hex(client_secret).as_bytes(),
        client.secret_hash.as_bytes(),
    );
    Ok((ok && client.revoked_at.is_none()).then_some(client))
}

fn parse_scopes(scopes: &[String]) -> Result<Vec<String>, FieldError> {
    let mut out = Vec::new();
    for s in scopes {
        if !SCOPES.contains(&s.as_str()) {
            return Err(FieldError::new(
                "scopes",
                format!("unknown scope `{s}`; known: {}", SCOPES.join(", ")),
            ));
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    if out.is_empty() {
        return Err(FieldError::new("scopes", "at least one scope is required"));
    }
    out.sort();
    Ok(out)
}
