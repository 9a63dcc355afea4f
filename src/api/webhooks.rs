//! `/api/v1/webhooks`: partner clients' webhook endpoints, their secrets, test events and
//! delivery log, for admins.

use std::sync::Arc;

use entity::{DeliveryStatus, webhook_endpoint};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::AdminAuth;
use super::tags::ApiTags;
use super::types::Timestamp;
use super::wire::DeliveryStatusName;
use crate::api::types::{PageSize, page_size};
use crate::domain::paging::PageRequest;
use crate::domain::webhooks::deliveries::{self, DeliveryView};
use crate::domain::webhooks::endpoints::{self, EndpointChange, NewEndpoint, WithSecret};
use crate::domain::webhooks::events::EventType;
use crate::state::AppState;

/// What partners can be told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum WebhookEventType {
    /// A person registered (`registrations:read` or `:write`, own organisation).
    #[oai(rename = "registration.created")]
    RegistrationCreated,
    /// A registration's status changed (`registrations:read` or `:write`, own
    /// organisation).
    #[oai(rename = "registration.status_changed")]
    RegistrationStatusChanged,
    /// An edition was published (`catalog:read`).
    #[oai(rename = "edition.published")]
    EditionPublished,
    /// A published edition's dates, place, capacity or status changed (`catalog:read`).
    #[oai(rename = "edition.changed")]
    EditionChanged,
    /// A session of a published edition was added, moved or cancelled (`catalog:read`).
    #[oai(rename = "session.changed")]
    SessionChanged,
    /// A participant's attendance of a session was marked or changed (`reports:read`,
    /// own organisation).
    #[oai(rename = "attendance.marked")]
    AttendanceMarked,
    /// A certificate was issued (`certificates:read`, own organisation).
    #[oai(rename = "certificate.issued")]
    CertificateIssued,
    /// A certificate was revoked (`certificates:read`, own organisation).
    #[oai(rename = "certificate.revoked")]
    CertificateRevoked,
    /// A person's data was erased (`users:read`, `registrations:*`, `certificates:read`
    /// or `reports:read`, own organisation).
    #[oai(rename = "user.erased")]
    UserErased,
}

impl WebhookEventType {
    fn name(self) -> &'static str {
        match self {
            Self::RegistrationCreated => EventType::RegistrationCreated,
            Self::RegistrationStatusChanged => EventType::RegistrationStatusChanged,
            Self::EditionPublished => EventType::EditionPublished,
            Self::EditionChanged => EventType::EditionChanged,
            Self::SessionChanged => EventType::SessionChanged,
            Self::AttendanceMarked => EventType::AttendanceMarked,
            Self::CertificateIssued => EventType::CertificateIssued,
            Self::CertificateRevoked => EventType::CertificateRevoked,
            Self::UserErased => EventType::UserErased,
        }
        .as_str()
    }
}

fn names(events: &[WebhookEventType]) -> Vec<String> {
    events.iter().map(|e| e.name().to_owned()).collect()
}

/// A new webhook endpoint.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewWebhook {
    /// The partner client whose events are delivered.
    pub client_id: Uuid,
    /// Where deliveries are posted: https, to an address on the internet.
    #[oai(
        deserialize_with = "crate::api::types::strict_string",
        validator(min_length = 1, max_length = 2000)
    )]
    pub url: String,
    /// The event types to deliver; each within what the client may read.
    #[oai(validator(min_items = 1, max_items = 9))]
    pub events: Vec<WebhookEventType>,
    /// What the endpoint is for.
    #[oai(
        nullable,
        deserialize_with = "crate::api::types::strict_maybe_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub description: MaybeUndefined<String>,
    /// Deliver from now on (default `true`).
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub enabled: Option<bool>,
}

/// A change to a webhook endpoint; absent fields stay as they are.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct WebhookChange {
    /// Where deliveries are posted.
    #[oai(
        deserialize_with = "crate::api::types::strict_maybe_string",
        validator(min_length = 1, max_length = 2000)
    )]
    pub url: MaybeUndefined<String>,
    /// The event types to deliver.
    #[oai(
        deserialize_with = "crate::api::types::absent_not_null",
        validator(min_items = 1, max_items = 9)
    )]
    pub events: Option<Vec<WebhookEventType>>,
    /// What the endpoint is for (`null` clears it).
    #[oai(
        nullable,
        deserialize_with = "crate::api::types::strict_maybe_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub description: MaybeUndefined<String>,
    /// Turn deliveries on or off. Turning off gives up the queued deliveries; turning on
    /// again starts afresh.
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub enabled: Option<bool>,
}

/// A webhook endpoint. Its secret is only shown when it is registered or rotated.
#[derive(Debug, Object)]
pub struct Webhook {
    /// Identifier.
    pub id: Uuid,
    /// The partner client whose events are delivered.
    pub client_id: Uuid,
    /// Where deliveries are posted.
    pub url: String,
    /// What it is for.
    #[oai(nullable)]
    pub description: Option<String>,
    /// The event types delivered.
    pub events: Vec<String>,
    /// Whether events are delivered.
    pub enabled: bool,
    /// Why the service turned it off (it answered 410 Gone, or failed for three days).
    #[oai(nullable)]
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed.
    #[oai(nullable)]
    pub failing_since: Option<Timestamp>,
    /// Until when the secret before the last rotation still signs too.
    #[oai(nullable)]
    pub previous_secret_until: Option<Timestamp>,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
}

impl From<webhook_endpoint::Model> for Webhook {
    fn from(e: webhook_endpoint::Model) -> Self {
        let events = endpoints::types_of(&e)
            .into_iter()
            .map(|t| t.as_str().to_owned())
            .collect();
        let now = crate::domain::now();
        Self {
            id: e.id,
            client_id: e.client_id,
            url: e.url,
            description: e.description,
            events,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            failing_since: e.failing_since.map(Into::into),
            previous_secret_until: e.previous_until.filter(|u| *u > now).map(Into::into),
            created_at: e.created_at.into(),
            updated_at: e.updated_at.into(),
        }
    }
}

/// A webhook endpoint with its signing secret, shown this once.
#[derive(Debug, Object)]
pub struct WebhookWithSecret {
    /// The endpoint.
    #[oai(flatten)]
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`), as Standard Webhooks libraries take it: store it
    /// now, it cannot be shown again.
    pub secret: String,
}

impl From<WithSecret> for WebhookWithSecret {
    fn from(w: WithSecret) -> Self {
        Self {
            webhook: w.endpoint.into(),
            secret: w.secret,
        }
    }
}

/// One attempt of a delivery.
#[derive(Debug, Object)]
pub struct DeliveryAttempt {
    /// When the request was sent.
    pub at: Timestamp,
    /// The answer's HTTP status, if one came.
    #[oai(nullable)]
    pub status_code: Option<i32>,
    /// How long the request took, in milliseconds.
    pub duration_ms: i32,
    /// What went wrong.
    #[oai(nullable)]
    pub error: Option<String>,
}

/// One event on its way to one endpoint, with every attempt.
#[derive(Debug, Object)]
pub struct WebhookDelivery {
    /// Identifier.
    pub id: Uuid,
    /// The event's id: the `webhook-id` header, the same on every attempt.
    pub event_id: Uuid,
    /// The event type.
    pub event_type: String,
    /// When the change happened.
    pub occurred_at: Timestamp,
    /// Where it stands.
    pub status: DeliveryStatusName,
    /// The attempts, oldest first.
    pub attempts: Vec<DeliveryAttempt>,
    /// When the next attempt is due (queued deliveries).
    #[oai(nullable)]
    pub next_attempt_at: Option<Timestamp>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it was delivered or given up.
    #[oai(nullable)]
    pub finished_at: Option<Timestamp>,
}

impl From<DeliveryView> for WebhookDelivery {
    fn from(v: DeliveryView) -> Self {
        let d = v.delivery;
        Self {
            id: d.id,
            event_id: v.event.id,
            event_type: v.event.kind,
            occurred_at: v.event.occurred_at.into(),
            status: d.status.into(),
            attempts: v
                .attempts
                .into_iter()
                .map(|a| DeliveryAttempt {
                    at: a.at.into(),
                    status_code: a.status_code,
                    duration_ms: a.duration_ms,
                    error: a.error,
                })
                .collect(),
            next_attempt_at: (d.status == DeliveryStatus::Queued).then(|| d.due_at.into()),
            created_at: d.created_at.into(),
            finished_at: d.finished_at.map(Into::into),
        }
    }
}

super::paging::page_type!(WebhookPage, Webhook, "A page of webhook endpoints.");
super::paging::page_type!(
    DeliveryPage,
    WebhookDelivery,
    "A page of deliveries, oldest first."
);

#[derive(ApiResponse)]
enum WebhookCreated {
    /// Registered; the secret is in the body.
    #[oai(status = 201)]
    Created(
        Json<WebhookWithSecret>,
        /// URL of the endpoint.
        #[oai(header = "Location")]
        String,
        /// Always `no-store`.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
enum WebhookSecret {
    /// The endpoint with its new secret.
    #[oai(status = 200)]
    Ok(
        Json<WebhookWithSecret>,
        /// Always `no-store`.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
enum WebhookList {
    /// A page of endpoints.
    #[oai(status = 200)]
    Ok(Json<WebhookPage>),
}

#[derive(ApiResponse)]
enum WebhookOne {
    /// The endpoint.
    #[oai(status = 200)]
    Ok(Json<Webhook>),
}

#[derive(ApiResponse)]
enum WebhookDeleted {
    /// Removed, with its delivery log.
    #[oai(status = 204)]
    NoContent,
}

#[derive(ApiResponse)]
enum DeliveryList {
    /// A page of deliveries.
    #[oai(status = 200)]
    Ok(Json<DeliveryPage>),
}

#[derive(ApiResponse)]
enum DeliveryQueued {
    /// Queued; it goes out within seconds.
    #[oai(status = 202)]
    Accepted(Json<WebhookDelivery>),
}

/// Webhook endpoints.
pub struct WebhooksApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// Register a webhook endpoint
    ///
    /// Events of the client's choice are posted to `url`, signed as Standard Webhooks
    /// prescribes with the secret returned here (shown only here). A client hears only of
    /// what its scopes and organisation let it read.
    #[oai(path = "/webhooks", method = "post", operation_id = "createWebhook")]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        auth: AdminAuth,
        body: Json<NewWebhook>,
    ) -> Result<WebhookCreated, ApiError> {
        let body = body.0;
        let input = NewEndpoint {
            client_id: body.client_id,
            url: body.url,
            events: names(&body.events),
            description: body.description.take(),
            enabled: body.enabled.unwrap_or(true),
        };
        let created = endpoints::create(
            &state.db,
            &state.webhook_secret,
            auth.0.id,
            state.config.webhooks_allow_private,
            input,
        )
        .await?;
        let location = format!("/api/v1/webhooks/{}", created.endpoint.id);
        Ok(WebhookCreated::Created(
            Json(created.into()),
            location,
            "no-store".to_owned(),
        ))
    }

    /// List webhook endpoints
    #[oai(path = "/webhooks", method = "get", operation_id = "listWebhooks")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        /// Only this client's endpoints.
        client_id: Query<Option<Uuid>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<WebhookList, ApiError> {
        let page = PageRequest::parse(page_size(limit.0), cursor.0.as_deref())?;
        let (items, next_cursor) = endpoints::list(&state.db, client_id.0, page).await?;
        Ok(WebhookList::Ok(Json(WebhookPage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// Get a webhook endpoint
    #[oai(path = "/webhooks/:id", method = "get", operation_id = "getWebhook")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<WebhookOne, ApiError> {
        Ok(WebhookOne::Ok(Json(
            endpoints::get(&state.db, id.0).await?.into(),
        )))
    }

    /// Change a webhook endpoint
    #[oai(
        path = "/webhooks/:id",
        method = "patch",
        operation_id = "updateWebhook"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<WebhookChange>,
    ) -> Result<WebhookOne, ApiError> {
        let body = body.0;
        if body.url.is_null() {
            return Err(ApiError::invalid(
                "url",
                "cannot be removed; give the new URL",
            ));
        }
        let change = EndpointChange {
            url: body.url.take(),
            events: body.events.as_deref().map(names),
            description: match body.description {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(Some(d)),
            },
            enabled: body.enabled,
        };
        let row =
            endpoints::update(&state.db, id.0, state.config.webhooks_allow_private, change).await?;
        Ok(WebhookOne::Ok(Json(row.into())))
    }

    /// Remove a webhook endpoint
    ///
    /// With its delivery log; queued deliveries are not sent.
    #[oai(
        path = "/webhooks/:id",
        method = "delete",
        operation_id = "deleteWebhook"
    )]
    async fn delete(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<WebhookDeleted, ApiError> {
        endpoints::delete(&state.db, id.0).await?;
        Ok(WebhookDeleted::NoContent)
    }

    /// Rotate a webhook endpoint's secret
    ///
    /// Returns the new secret (shown only here). For 24 hours deliveries carry a
    /// signature with the old secret too, so the receiver can switch without losing one.
    #[oai(
        path = "/webhooks/:id/rotate-secret",
        method = "post",
        operation_id = "rotateWebhookSecret"
    )]
    async fn rotate(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<WebhookSecret, ApiError> {
        let rotated = endpoints::rotate(&state.db, &state.webhook_secret, id.0).await?;
        Ok(WebhookSecret::Ok(
            Json(rotated.into()),
            "no-store".to_owned(),
        ))
    }

    /// Send a test event
    ///
    /// Queues a `webhook.ping` event to the endpoint (409 `webhook_disabled` when it is
    /// turned off); its delivery shows in the log like any other.
    #[oai(
        path = "/webhooks/:id/ping",
        method = "post",
        operation_id = "pingWebhook"
    )]
    async fn ping(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<DeliveryQueued, ApiError> {
        Ok(DeliveryQueued::Accepted(Json(
            deliveries::ping(&state.db, id.0).await?.into(),
        )))
    }

    /// List an endpoint's deliveries
    ///
    /// The delivery log of the last 30 days, oldest first: each event with its attempts
    /// (time, status code, duration, error).
    #[oai(
        path = "/webhooks/:id/deliveries",
        method = "get",
        operation_id = "listWebhookDeliveries"
    )]
    async fn deliveries(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        /// Only deliveries in this state.
        status: Query<Option<DeliveryStatusName>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<DeliveryList, ApiError> {
        let page = PageRequest::parse(page_size(limit.0), cursor.0.as_deref())?;
        let (items, next_cursor) =
            deliveries::list(&state.db, id.0, status.0.map(Into::into), page).await?;
        Ok(DeliveryList::Ok(Json(DeliveryPage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// Deliver again
    ///
    /// Queues the delivery again, due at once with a fresh round of retries and the same
    /// event id (409 `webhook_disabled` when the endpoint is turned off).
    #[oai(
        path = "/webhooks/:id/deliveries/:delivery_id/redeliver",
        method = "post",
        operation_id = "redeliverWebhookDelivery"
    )]
    async fn redeliver(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        delivery_id: Path<Uuid>,
    ) -> Result<DeliveryQueued, ApiError> {
        Ok(DeliveryQueued::Accepted(Json(
            deliveries::redeliver(&state.db, id.0, delivery_id.0)
                .await?
                .into(),
        )))
    }
}
