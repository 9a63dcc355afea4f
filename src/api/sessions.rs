//! An edition's sessions: `/api/v1/editions/{id}/sessions` and `/api/v1/sessions/{id}`.

use std::sync::Arc;

use entity::session;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{AdminAuth, MaybeAuth, optional_principal};
use super::tags::ApiTags;
use super::types::{Timestamp, maybe, strict_opt_string};
use super::wire::SessionStatus as SessionState;
use crate::domain::sessions::{self, Removed, SessionInput};
use crate::state::AppState;

/// One dated meeting of an edition.
#[derive(Debug, Object)]
pub struct Session {
    /// Identifier.
    pub id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// Start (UTC).
    pub starts_at: Timestamp,
    /// End (UTC).
    pub ends_at: Timestamp,
    /// Place, when it differs from the edition's.
    #[oai(nullable)]
    pub location: Option<String>,
    /// Online link, when it differs from the edition's.
    #[oai(nullable)]
    pub online_url: Option<String>,
    /// Scheduled or cancelled.
    pub status: SessionState,
    /// Bumped on every change of time, place or status.
    pub revision: i32,
    /// Last change (UTC).
    pub updated_at: Timestamp,
}

impl From<session::Model> for Session {
    fn from(s: session::Model) -> Self {
        Self {
            id: s.id,
            edition_id: s.edition_id,
            starts_at: s.starts_at.into(),
            ends_at: s.ends_at.into(),
            location: s.location,
            online_url: s.online_url,
            status: s.status.into(),
            revision: s.revision,
            updated_at: s.updated_at.into(),
        }
    }
}

/// A new session.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewSession {
    /// Start.
    pub starts_at: Timestamp,
    /// End: after the start, at most 24 hours later.
    pub ends_at: Timestamp,
    /// Place, when it differs from the edition's.
    #[oai(
        nullable,
        deserialize_with = "strict_opt_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub location: Option<String>,
    /// Online link, when it differs from the edition's.
    #[oai(
        nullable,
        deserialize_with = "strict_opt_string",
        validator(max_length = 2000, pattern = "^\\s*$|^https?://[^\\s/]\\S*$")
    )]
    pub online_url: Option<String>,
}

/// Changes to a session; time, place and status changes bump its revision.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct SessionPatch {
    /// New start.
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub starts_at: Option<Timestamp>,
    /// New end.
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub ends_at: Option<Timestamp>,
    /// New place (`null` clears it).
    #[oai(
        nullable,
        deserialize_with = "crate::api::types::strict_maybe_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub location: poem_openapi::types::MaybeUndefined<String>,
    /// New online link (`null` clears it).
    #[oai(
        nullable,
        deserialize_with = "crate::api::types::strict_maybe_string",
        validator(max_length = 2000, pattern = "^\\s*$|^https?://[^\\s/]\\S*$")
    )]
    pub online_url: poem_openapi::types::MaybeUndefined<String>,
    /// Cancel or reinstate.
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub status: Option<SessionState>,
}

super::paging::page_type!(
    SessionPage,
    Session,
    "An edition's sessions, by start (always one page: `next_cursor` is `null`)."
);

#[derive(ApiResponse)]
enum SessionList {
    /// The sessions, by start.
    #[oai(status = 200)]
    Ok(Json<SessionPage>),
}

#[derive(ApiResponse)]
enum SessionOne {
    /// The session.
    #[oai(status = 200)]
    Ok(Json<Session>),
}

#[derive(ApiResponse)]
enum SessionCreated {
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<Session>,
        /// URL of the new session.
        #[oai(header = "Location")]
        String,
    ),
}

#[derive(ApiResponse)]
enum SessionRemoved {
    /// The edition is published: the session was cancelled and is kept (as the body shows).
    #[oai(status = 200)]
    Cancelled(Json<Session>),
    /// The edition is a draft: the session was deleted.
    #[oai(status = 204)]
    Deleted,
}

/// Session endpoints.
pub struct SessionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Catalog")]
impl SessionsApi {
    /// List an edition's sessions
    ///
    /// Public when the edition is.
    #[oai(
        path = "/editions/:id/sessions",
        method = "get",
        operation_id = "listSessions"
    )]
    async fn sessions(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> Result<SessionList, ApiError> {
        let actor = optional_principal(req, &state, auth).await?;
        let list = sessions::list(&state.db, actor.as_ref(), id.0).await?;
        Ok(SessionList::Ok(Json(SessionPage {
            items: list.into_iter().map(Into::into).collect(),
            next_cursor: None,
        })))
    }

    /// Add a session
    #[oai(
        path = "/editions/:id/sessions",
        method = "post",
        operation_id = "createSession"
    )]
    async fn create_session(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<NewSession>,
    ) -> Result<SessionCreated, ApiError> {
        let b = body.0;
        let input = SessionInput {
            starts_at: Some(b.starts_at.0),
            ends_at: Some(b.ends_at.0),
            location: Some(b.location),
            online_url: Some(b.online_url),
            status: None,
        };
        let s = sessions::create(&state.db, id.0, input).await?;
        let location = format!("/api/v1/sessions/{}", s.id);
        Ok(SessionCreated::Created(Json(s.into()), location))
    }

    /// Get a session
    #[oai(path = "/sessions/:id", method = "get", operation_id = "getSession")]
    async fn get_session(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> Result<SessionOne, ApiError> {
        let actor = optional_principal(req, &state, auth).await?;
        Ok(SessionOne::Ok(Json(
            sessions::get(&state.db, actor.as_ref(), id.0).await?.into(),
        )))
    }

    /// Change a session
    ///
    /// A change of time, place or status bumps the revision (calendars' SEQUENCE).
    #[oai(
        path = "/sessions/:id",
        method = "patch",
        operation_id = "updateSession"
    )]
    async fn update_session(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<SessionPatch>,
    ) -> Result<SessionOne, ApiError> {
        let b = body.0;
        let input = SessionInput {
            starts_at: b.starts_at.map(|t| t.0),
            ends_at: b.ends_at.map(|t| t.0),
            location: maybe(b.location, |s| s),
            online_url: maybe(b.online_url, |s| s),
            status: b.status.map(Into::into),
        };
        Ok(SessionOne::Ok(Json(
            sessions::update(&state.db, id.0, input).await?.into(),
        )))
    }

    /// Remove a session
    ///
    /// From a draft edition the session is deleted (204); once the edition is published
    /// it is cancelled instead and kept, so calendars show the cancellation (200).
    #[oai(
        path = "/sessions/:id",
        method = "delete",
        operation_id = "deleteSession"
    )]
    async fn delete_session(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<SessionRemoved, ApiError> {
        Ok(match sessions::remove(&state.db, id.0).await? {
            Removed::Deleted => SessionRemoved::Deleted,
            Removed::Cancelled(s) => SessionRemoved::Cancelled(Json(s.into())),
        })
    }
}
