//! `/api/v1/me/teaching`: what a trainer teaches.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::editions::Edition;
use super::problem::ApiError;
use super::security::UserAuth;
use super::sessions::Session;
use super::tags::ApiTags;
use crate::api::types::{PageSize, page_size};
use crate::domain::editions;
use crate::state::AppState;

/// An edition someone teaches, with its sessions.
#[derive(Debug, Object)]
pub struct TeachingItem {
    /// The edition.
    pub edition: Edition,
    /// Its sessions, by start.
    pub sessions: Vec<Session>,
}

super::paging::page_type!(TeachingPage, TeachingItem, "A page of editions taught.");

#[derive(ApiResponse)]
enum TeachingList {
    /// The editions the caller teaches, by first session.
    #[oai(status = 200)]
    Ok(Json<TeachingPage>),
}

/// The trainer's own list.
pub struct TeachingApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Catalog")]
impl TeachingApi {
    /// What I teach
    ///
    /// The editions the signed-in trainer teaches, in every state, with their sessions.
    #[oai(
        path = "/me/teaching",
        method = "get",
        operation_id = "getMyTeaching",
        tag = "ApiTags::Auth"
    )]
    async fn teaching(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<TeachingList, ApiError> {
        let (items, next_cursor) = editions::teaching::teaching(
            &state.db,
            &auth.0,
            page_size(limit.0),
            cursor.0.as_deref(),
        )
        .await?;
        Ok(TeachingList::Ok(Json(TeachingPage {
            items: items
                .into_iter()
                .map(|(e, s)| TeachingItem {
                    edition: e.into(),
                    sessions: s.into_iter().map(Into::into).collect(),
                })
                .collect(),
            next_cursor,
        })))
    }
}
