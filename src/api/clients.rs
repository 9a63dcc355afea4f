//! `/api/v1/clients`: partner clients.

use std::sync::Arc;

use entity::api_client;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::AdminAuth;
use super::tags::ApiTags;
use super::types::Timestamp;
use crate::api::types::{PageSize, page_size};
use crate::domain::clients;
use crate::domain::paging::PageRequest;
use crate::state::AppState;

/// A new partner client.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewClient {
    /// Display name (1–200 characters).
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    ))]
    #[oai(deserialize_with = "crate::api::types::strict_string")]
    pub name: String,
    /// Bind the client to one organisation: it then acts for that organisation only.
    #[oai(nullable)]
    pub organization_id: Option<Uuid>,
    /// Scopes: `catalog:read`, `registrations:read`, `registrations:write`,
    /// `reports:read`, `certificates:read`, `users:read`.
    #[oai(validator(min_items = 1, max_items = 10))]
    pub scopes: Vec<Scope>,
    /// Who the academy tells when it has to turn one of the client's webhook endpoints
    /// off (an e-mail address of the partner's administrator).
    #[oai(
        deserialize_with = "crate::api::types::absent_not_null",
        validator(max_length = 254)
    )]
    pub contact_email: Option<String>,
}

/// A permission a partner client can be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Scope {
    /// Read the catalogue.
    #[oai(rename = "catalog:read")]
    CatalogRead,
    /// Read registrations of its organisation.
    #[oai(rename = "registrations:read")]
    RegistrationsRead,
    /// Register people of its organisation.
    #[oai(rename = "registrations:write")]
    RegistrationsWrite,
    /// Read reports of its organisation.
    #[oai(rename = "reports:read")]
    ReportsRead,
    /// Read certificates of its organisation's people.
    #[oai(rename = "certificates:read")]
    CertificatesRead,
    /// Read its organisation's people (to find their ids).
    #[oai(rename = "users:read")]
    UsersRead,
}

impl Scope {
    /// Every scope, in the order the document lists them.
    pub const ALL: [Scope; 6] = [
        Self::CatalogRead,
        Self::RegistrationsRead,
        Self::RegistrationsWrite,
        Self::ReportsRead,
        Self::CertificatesRead,
        Self::UsersRead,
    ];

    /// What the scope lets a client do, as the OAuth2 scheme of the document says it.
    pub fn description(self) -> &'static str {
        match self {
            Self::CatalogRead => "Read the catalogue.",
            Self::RegistrationsRead => "Read its organisation's registrations.",
            Self::RegistrationsWrite => "Register and cancel its organisation's people.",
            Self::ReportsRead => "Read its organisation's reports.",
            Self::CertificatesRead => "Read the certificates of its organisation's people.",
            Self::UsersRead => "Read its organisation's people.",
        }
    }

    /// The scope's wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CatalogRead => "catalog:read",
            Self::RegistrationsRead => "registrations:read",
            Self::RegistrationsWrite => "registrations:write",
            Self::ReportsRead => "reports:read",
            Self::CertificatesRead => "certificates:read",
            Self::UsersRead => "users:read",
        }
    }
}

/// A partner client. The secret is never shown again after creation.
#[derive(Debug, Object)]
pub struct Client {
    /// The OAuth `client_id`.
    pub client_id: Uuid,
    /// Display name.
    pub name: String,
    /// Organisation it acts for, if bound.
    #[oai(nullable)]
    pub organization_id: Option<Uuid>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Who is told when one of its webhook endpoints is turned off.
    #[oai(nullable)]
    pub contact_email: Option<String>,
    /// Creation time (UTC).
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    #[oai(nullable)]
    pub revoked_at: Option<Timestamp>,
}

impl From<api_client::Model> for Client {
    fn from(m: api_client::Model) -> Self {
        Self {
            client_id: m.id,
            name: m.name,
            organization_id: m.organization_id,
            scopes: m.scopes.split_whitespace().map(str::to_owned).collect(),
            contact_email: m.contact_email,
            created_at: m.created_at.into(),
            revoked_at: m.revoked_at.map(Into::into),
        }
    }
}

/// A client as created, with its secret (shown once).
#[derive(Debug, Object)]
pub struct CreatedClient {
    /// The OAuth `client_id`.
    pub client_id: Uuid,
    /// The client secret: store it now, it cannot be shown again.
    pub client_secret: String,
    /// Display name.
    pub name: String,
    /// Organisation it acts for, if bound.
    #[oai(nullable)]
    pub organization_id: Option<Uuid>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Who is told when one of its webhook endpoints is turned off.
    #[oai(nullable)]
    pub contact_email: Option<String>,
}

super::paging::page_type!(ClientPage, Client, "A page of partner clients.");

#[derive(ApiResponse)]
enum ClientCreated {
    /// Created; the secret is in the body.
    #[oai(status = 201)]
    Created(
        Json<CreatedClient>,
        /// URL of the client.
        #[oai(header = "Location")]
        String,
        /// Always `no-store`.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
enum ClientList {
    /// A page of clients.
    #[oai(status = 200)]
    Ok(Json<ClientPage>),
}

#[derive(ApiResponse)]
enum ClientRevoked {
    /// Revoked; it can no longer obtain tokens.
    #[oai(status = 204)]
    NoContent,
}

/// Partner client endpoints.
pub struct ClientsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Clients")]
impl ClientsApi {
    /// Register a partner client
    ///
    /// Returns `client_id` and `client_secret`; the secret is shown only here.
    #[oai(path = "/clients", method = "post", operation_id = "createClient")]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        body: Json<NewClient>,
    ) -> Result<ClientCreated, ApiError> {
        let created = {
            let scopes: Vec<String> = body.scopes.iter().map(|s| s.as_str().to_owned()).collect();
            clients::create(
                &state.db,
                &body.name,
                body.organization_id,
                &scopes,
                body.contact_email.as_deref(),
            )
            .await?
        };
        let c = created.client;
        let location = format!("/api/v1/clients/{}", c.id);
        Ok(ClientCreated::Created(
            Json(CreatedClient {
                client_id: c.id,
                client_secret: created.secret,
                name: c.name,
                organization_id: c.organization_id,
                scopes: c.scopes.split_whitespace().map(str::to_owned).collect(),
                contact_email: c.contact_email,
            }),
            location,
            "no-store".to_owned(),
        ))
    }

    /// List partner clients
    #[oai(path = "/clients", method = "get", operation_id = "listClients")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<ClientList, ApiError> {
        let page = PageRequest::parse(page_size(limit.0), cursor.0.as_deref())?;
        let (items, next_cursor) = clients::list(&state.db, page).await?;
        Ok(ClientList::Ok(Json(ClientPage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// Revoke a partner client
    #[oai(
        path = "/clients/:id",
        method = "delete",
        operation_id = "revokeClient"
    )]
    async fn revoke(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<ClientRevoked, ApiError> {
        clients::revoke(&state.db, id.0).await?;
        Ok(ClientRevoked::NoContent)
    }
}
