//! Partner clients' webhook endpoints, managed by admins; and their signing secrets.
//!
//! A secret is never stored: it is the HMAC of the endpoint's id and a random salt under
//! a key derived from the service's secret key, so a copy of the database alone signs
//! nothing. It is shown when the endpoint is registered and when it is rotated; the
//! secret before a rotation keeps signing beside the new one for [`ROTATION_GRACE`].

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use entity::{DeliveryStatus, api_client, webhook_delivery, webhook_endpoint};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::address;
use super::events::EventType;
use crate::auth::secret::hmac_sha256;
use crate::db::{begin_write, retrying};
use crate::domain::paging::PageRequest;
use crate::domain::values::{keep, optional_text};
use crate::error::{DomainError, DomainResult, FieldError};

/// How long the secret before a rotation keeps signing.
pub const ROTATION_GRACE: Duration = Duration::hours(24);

/// An endpoint as registered or rotated: the secret is only known at this moment.
pub struct WithSecret {
    /// The stored endpoint.
    pub endpoint: webhook_endpoint::Model,
    /// `whsec_` and the base64 of the key, as Standard Webhooks libraries take it.
    pub secret: String,
}

/// What registering an endpoint takes.
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    /// The partner client.
    pub client_id: Uuid,
    /// Where to post.
    pub url: String,
    /// The event types to deliver.
    pub events: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
    /// Whether to deliver from now on (default yes).
    pub enabled: bool,
}

/// A change to an endpoint; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct EndpointChange {
    /// Where to post.
    pub url: Option<String>,
    /// The event types to deliver.
    pub events: Option<Vec<String>>,
    /// What it is for (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Turn deliveries on or off.
    pub enabled: Option<bool>,
}

fn new_salt() -> String {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn key_of(key: &[u8; 32], endpoint: Uuid, salt: &str) -> [u8; 32] {
    hmac_sha256(
        key,
        &[b"webhook secret", endpoint.as_bytes(), salt.as_bytes()],
    )
}

/// The secret in the form receivers' libraries take.
fn written(key: &[u8; 32]) -> String {
    format!("whsec_{}", STANDARD.encode(key))
}

/// The keys that sign the endpoint's deliveries at `now`: the current one, and the one
/// before the last rotation during its grace.
pub fn signing_keys(
    key: &[u8; 32],
    e: &webhook_endpoint::Model,
    now: DateTime<Utc>,
) -> Vec<[u8; 32]> {
    let mut keys = vec![key_of(key, e.id, &e.secret_salt)];
    if let (Some(salt), Some(until)) = (&e.previous_salt, e.previous_until)
        && now < until
    {
        keys.push(key_of(key, e.id, salt));
    }
    keys
}

/// The client, which must exist and not be revoked.
async fn live_client(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<api_client::Model> {
    let client = api_client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::invalid("client_id", "is not a partner client"))?;
    if client.revoked_at.is_some() {
        return Err(DomainError::invalid("client_id", "names a revoked client"));
    }
    Ok(client)
}

/// The event types of a request, each known and within what the client may read.
fn event_types(raw: &[String], client: &api_client::Model) -> Result<Vec<EventType>, FieldError> {
    let scopes: Vec<&str> = client.scopes.split(' ').collect();
    let mut out = Vec::new();
    for (i, name) in raw.iter().enumerate() {
        let field = format!("events[{i}]");
        let Some(t) = EventType::parse(name).filter(|t| *t != EventType::Ping) else {
            return Err(FieldError::new(
                field,
                format!(
                    "is not an event type; one of {}",
                    EventType::SUBSCRIBABLE.map(EventType::as_str).join(", ")
                ),
            ));
        };
        if !t.subscribable_by(&scopes, client.organization_id) {
            let needs = t.scopes().join(" or ");
            let why = if client.organization_id.is_none()
                && t.scopes().iter().any(|s| scopes.contains(s))
            {
                "is about people, and this client is bound to no organisation".to_owned()
            } else {
                format!("needs the client to hold {needs}")
            };
            return Err(FieldError::new(field, why));
        }
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        return Err(FieldError::new(
            "events",
            "at least one event type is required",
        ));
    }
    Ok(out)
}

fn joined(types: &[EventType]) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Registers an endpoint and returns its secret.
pub async fn create(
    db: &DatabaseConnection,
    key: &[u8; 32],
    by: Uuid,
    allow_private: bool,
    input: NewEndpoint,
) -> DomainResult<WithSecret> {
    let client = live_client(db, input.client_id).await?;
    let mut errors = Vec::new();
    let url = keep(
        &mut errors,
        address::check("url", &input.url, allow_private).await,
    );
    let events = keep(&mut errors, event_types(&input.events, &client));
    let description = keep(
        &mut errors,
        optional_text("description", input.description.as_deref(), 500),
    );
    let (Some(url), Some(events), Some(description)) = (url, events, description) else {
        return Err(DomainError::Validation(errors));
    };
    let now = crate::domain::now();
    let endpoint = webhook_endpoint::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(client.id),
        url: Set(url),
        description: Set(description),
        events: Set(joined(&events)),
        enabled: Set(input.enabled),
        disabled_reason: Set(None),
        secret_salt: Set(new_salt()),
        previous_salt: Set(None),
        previous_until: Set(None),
        created_by: Set(Some(by)),
        created_at: Set(now),
        updated_at: Set(now),
        failing_since: Set(None),
        lease_until: Set(None),
    }
    .insert(db)
    .await?;
    let secret = written(&key_of(key, endpoint.id, &endpoint.secret_salt));
    Ok(WithSecret { endpoint, secret })
}

/// One endpoint.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<webhook_endpoint::Model> {
    webhook_endpoint::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("webhook"))
}

/// Endpoints by registration order, optionally of one client.
pub async fn list(
    db: &DatabaseConnection,
    client_id: Option<Uuid>,
    page: PageRequest,
) -> DomainResult<(Vec<webhook_endpoint::Model>, Option<String>)> {
    let mut q = webhook_endpoint::Entity::find().order_by_asc(webhook_endpoint::Column::Id);
    if let Some(client) = client_id {
        q = q.filter(webhook_endpoint::Column::ClientId.eq(client));
    }
    if let Some(after) = page.after {
        q = q.filter(webhook_endpoint::Column::Id.gt(after));
    }
    let rows = q.limit(page.fetch()).all(db).await?;
    Ok(page.finish(rows, |e| e.id))
}

/// Changes an endpoint. Turning it on again clears why it was turned off and its
/// failures; turning it off gives up its queued deliveries.
pub async fn update(
    db: &DatabaseConnection,
    id: Uuid,
    allow_private: bool,
    change: EndpointChange,
) -> DomainResult<webhook_endpoint::Model> {
    let current = get(db, id).await?;
    let client = api_client::Entity::find_by_id(current.client_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("webhook"))?;
    let mut errors = Vec::new();
    let url = match &change.url {
        Some(raw) => keep(&mut errors, address::check("url", raw, allow_private).await).map(Some),
        None => Some(None),
    };
    let events = match &change.events {
        Some(raw) => keep(&mut errors, event_types(raw, &client)).map(Some),
        None => Some(None),
    };
    let description = match &change.description {
        Some(d) => keep(&mut errors, optional_text("description", d.as_deref(), 500)).map(Some),
        None => Some(None),
    };
    let (Some(url), Some(events), Some(description)) = (url, events, description) else {
        return Err(DomainError::Validation(errors));
    };
    retrying(|| async {
        let now = crate::domain::now();
        let txn = begin_write(db).await?;
        let current = get(&txn, id).await?;
        let was_enabled = current.enabled;
        let mut active: webhook_endpoint::ActiveModel = current.into();
        if let Some(url) = &url {
            active.url = Set(url.clone());
        }
        if let Some(events) = &events {
            active.events = Set(joined(events));
        }
        if let Some(description) = &description {
            active.description = Set(description.clone());
        }
        if let Some(enabled) = change.enabled {
            active.enabled = Set(enabled);
            if enabled && !was_enabled {
                active.disabled_reason = Set(None);
                active.failing_since = Set(None);
            }
        }
        active.updated_at = Set(now);
        let row = active.update(&txn).await?;
        if was_enabled && !row.enabled {
            give_up_queued(&txn, row.id, "the endpoint was turned off", now).await?;
        }
        txn.commit().await?;
        Ok(row)
    })
    .await
}

/// Ends an endpoint's queued deliveries as failed (it was turned off).
pub(super) async fn give_up_queued(
    db: &impl ConnectionTrait,
    endpoint: Uuid,
    why: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(DeliveryStatus::Failed),
        )
        .col_expr(webhook_delivery::Column::FinishedAt, Expr::value(Some(now)))
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(Some(why.to_owned())),
        )
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Queued))
        .exec(db)
        .await?;
    Ok(())
}

/// A revoked client hears nothing more: its endpoints' queued deliveries are given up.
pub async fn give_up_for_client(db: &impl ConnectionTrait, client_id: Uuid) -> DomainResult<()> {
    let now = crate::domain::now();
    let theirs: Vec<Uuid> = webhook_endpoint::Entity::find()
        .select_only()
        .column(webhook_endpoint::Column::Id)
        .filter(webhook_endpoint::Column::ClientId.eq(client_id))
        .into_tuple()
        .all(db)
        .await?;
    for endpoint in theirs {
        give_up_queued(db, endpoint, "the partner client was revoked", now).await?;
    }
    Ok(())
}

/// Removes an endpoint with its delivery log.
pub async fn delete(db: &DatabaseConnection, id: Uuid) -> DomainResult<()> {
    let gone = retrying(|| webhook_endpoint::Entity::delete_by_id(id).exec(db)).await?;
    if gone.rows_affected == 0 {
        return Err(DomainError::NotFound("webhook"));
    }
    Ok(())
}

/// Gives the endpoint a new secret; the one before keeps signing for
/// [`ROTATION_GRACE`], so receivers can switch without losing a delivery.
pub async fn rotate(db: &DatabaseConnection, key: &[u8; 32], id: Uuid) -> DomainResult<WithSecret> {
    let current = get(db, id).await?;
    let now = crate::domain::now();
    let salt = new_salt();
    // Conditional on the salt read: of two rotations at once, one is refused rather than
    // handing its admin a secret that never signs.
    let changed = webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::PreviousSalt,
            Expr::value(Some(current.secret_salt.clone())),
        )
        .col_expr(
            webhook_endpoint::Column::PreviousUntil,
            Expr::value(Some(now + ROTATION_GRACE)),
        )
        .col_expr(
            webhook_endpoint::Column::SecretSalt,
            Expr::value(salt.clone()),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::SecretSalt.eq(current.secret_salt))
        .exec(db)
        .await?
        .rows_affected;
    if changed == 0 {
        return Err(DomainError::conflict(
            "secret_rotated_meanwhile",
            "the secret was rotated by another request at the same moment; ask again",
        ));
    }
    let endpoint = get(db, id).await?;
    let secret = written(&key_of(key, endpoint.id, &salt));
    Ok(WithSecret { endpoint, secret })
}

/// The event types an endpoint delivers.
pub fn types_of(e: &webhook_endpoint::Model) -> Vec<EventType> {
    e.events.split(' ').filter_map(EventType::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_standard_webhooks_keys_and_change_with_the_salt() {
        let key = [7u8; 32];
        let id = Uuid::now_v7();
        let a = written(&key_of(&key, id, "one"));
        let b = written(&key_of(&key, id, "two"));
        assert!(a.starts_with("whsec_"));
        assert_eq!(
            STANDARD.decode(&a["whsec_".len()..]).map(|k| k.len()).ok(),
            Some(32)
        );
        assert_ne!(a, b);
        assert_ne!(a, written(&key_of(&key, Uuid::now_v7(), "one")));
    }
}
