//! `/api/v1/organizations`.

use std::sync::Arc;

use entity::organization;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{AdminAuth, Auth};
use super::tags::ApiTags;
use super::types::Timestamp;
use super::wire::OrganizationKind as Kind;
use crate::api::types::{PageSize, page_size};
use crate::domain::organizations;
use crate::domain::paging::PageRequest;
use crate::state::AppState;

/// An organisation.
#[derive(Debug, Object)]
pub struct Organization {
    /// Identifier.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: Kind,
    /// Creation time (UTC).
    pub created_at: Timestamp,
    /// Last change (UTC).
    pub updated_at: Timestamp,
}

impl From<organization::Model> for Organization {
    fn from(m: organization::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            kind: m.kind.into(),
            created_at: m.created_at.into(),
            updated_at: m.updated_at.into(),
        }
    }
}

/// A new organisation.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewOrganization {
    /// Name, unique (1–200 characters).
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    ))]
    #[oai(deserialize_with = "crate::api::types::strict_string")]
    pub name: String,
    /// Kind.
    pub kind: Kind,
}

/// Changes to an organisation.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct OrganizationPatch {
    /// New name.
    #[oai(validator(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    ))]
    #[oai(nullable, deserialize_with = "crate::api::types::strict_opt_string")]
    pub name: Option<String>,
    /// New kind.
    #[oai(nullable)]
    pub kind: Option<Kind>,
}

super::paging::page_type!(OrganizationPage, Organization, "A page of organisations.");

#[derive(ApiResponse)]
enum OrganizationList {
    /// A page of organisations.
    #[oai(status = 200)]
    Ok(Json<OrganizationPage>),
}

#[derive(ApiResponse)]
enum OrganizationOne {
    /// The organisation.
    #[oai(status = 200)]
    Ok(Json<Organization>),
}

#[derive(ApiResponse)]
enum OrganizationCreated {
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<Organization>,
        /// URL of the new organisation.
        #[oai(header = "Location")]
        String,
    ),
}

/// Organisation endpoints.
pub struct OrganizationsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Organizations")]
impl OrganizationsApi {
    /// List organisations
    ///
    /// Every signed-in user and client may read the organisations.
    #[oai(
        path = "/organizations",
        method = "get",
        operation_id = "listOrganizations"
    )]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: Auth,
        /// Only organisations of this kind.
        kind: Query<Option<Kind>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<OrganizationList, ApiError> {
        let page = PageRequest::parse(page_size(limit.0), cursor.0.as_deref())?;
        let (items, next_cursor) =
            organizations::list(&state.db, page, kind.0.map(Into::into)).await?;
        Ok(OrganizationList::Ok(Json(OrganizationPage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// Create an organisation
    #[oai(
        path = "/organizations",
        method = "post",
        operation_id = "createOrganization"
    )]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        body: Json<NewOrganization>,
    ) -> Result<OrganizationCreated, ApiError> {
        let org = organizations::create(&state.db, &body.name, body.kind.into()).await?;
        let location = format!("/api/v1/organizations/{}", org.id);
        Ok(OrganizationCreated::Created(Json(org.into()), location))
    }

    /// Get an organisation
    #[oai(
        path = "/organizations/:id",
        method = "get",
        operation_id = "getOrganization"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: Auth,
        id: Path<Uuid>,
    ) -> Result<OrganizationOne, ApiError> {
        let org = organizations::get(&state.db, id.0).await?;
        Ok(OrganizationOne::Ok(Json(org.into())))
    }

    /// Change an organisation
    #[oai(
        path = "/organizations/:id",
        method = "patch",
        operation_id = "updateOrganization"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<OrganizationPatch>,
    ) -> Result<OrganizationOne, ApiError> {
        let org = organizations::update(
            &state.db,
            id.0,
            body.name.as_deref(),
            body.kind.map(Into::into),
        )
        .await?;
        Ok(OrganizationOne::Ok(Json(org.into())))
    }
}
