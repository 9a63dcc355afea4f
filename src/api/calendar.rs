//! iCalendar feeds: `/api/v1/editions/{id}/calendar.ics`, `/api/v1/calendar/catalog.ics`,
//! the personal feed's secret URL (`/api/v1/me/calendar-feed`, rotation) and the feed
//! itself (`/api/v1/calendar/feeds/{token}.ics`, no bearer token needed). Every feed
//! carries `ETag` and `Last-Modified` and answers `If-None-Match` / `If-Modified-Since`
//! with 304.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{MaybeAuth, UserAuth, optional_principal};
use super::tags::ApiTags;
use super::types::Timestamp;
use super::wire::CourseKind as Kind;
use crate::calendar::feeds::{self, Item, Rendered};
use crate::domain::calendar;
use crate::domain::editions::catalogue::EditionFilter;
use crate::error::DomainError;
use crate::state::AppState;

#[derive(ApiResponse)]
enum CalendarFile {
    /// The feed (RFC 5545), times in Europe/Amsterdam.
    #[oai(status = 200, content_type = "text/calendar; charset=utf-8")]
    Ok(
        PlainText<String>,
        /// Changes whenever anything in the feed changes.
        #[oai(header = "ETag")]
        String,
        /// The latest change of anything in the feed.
        #[oai(header = "Last-Modified")]
        String,
        /// Revalidate on every use.
        #[oai(header = "Cache-Control")]
        String,
    ),
    /// Unchanged since the `ETag` or date the client sent.
    #[oai(status = 304)]
    NotModified(
        /// The feed's current validator.
        #[oai(header = "ETag")]
        String,
        /// The latest change of anything in the feed.
        #[oai(header = "Last-Modified")]
        String,
        /// Revalidate on every use.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

/// A personal feed's secret address.
#[derive(Debug, Object)]
pub struct CalendarFeed {
    /// Subscribe to this URL in a calendar program; it needs no sign-in, so keep it
    /// private. Rotate it when it leaked.
    pub url: String,
}

#[derive(ApiResponse)]
enum FeedUrl {
    /// The feed's URL.
    #[oai(status = 200)]
    Ok(Json<CalendarFeed>),
}

const PUBLIC_CACHE: &str = "no-cache";
const PRIVATE_CACHE: &str = "private, no-cache";

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether the client's copy is current: `If-None-Match` decides when sent, else
/// `If-Modified-Since` (whole seconds, as HTTP dates have).
fn unchanged(req: &Request, r: &Rendered) -> bool {
    let headers = req.headers();
    if let Some(tags) = headers
        .get(poem::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return tags
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t == r.etag || t.strip_prefix("W/").is_some_and(|w| w == r.etag));
    }
    headers
        .get(poem::http::header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v.trim()).ok())
        .is_some_and(|since| r.last_modified.timestamp() <= since.timestamp())
}

#[expect(
    clippy::result_large_err,
    reason = "the error is the response itself, built once per refused request"
)]
fn respond(
    state: &AppState,
    req: &Request,
    name: &str,
    items: &[Item],
    cache: &str,
) -> Result<CalendarFile, ApiError> {
    let email = state.organizer_email();
    let site = state.site(&email);
    let rendered = feeds::render(&site, name, items, crate::domain::now())
        .map_err(|e| DomainError::Internal(format!("rendering a calendar: {e}")))?;
    let modified = http_date(rendered.last_modified);
    if unchanged(req, &rendered) {
        return Ok(CalendarFile::NotModified(
            rendered.etag,
            modified,
            cache.to_owned(),
        ));
    }
    Ok(CalendarFile::Ok(
        PlainText(rendered.body),
        rendered.etag,
        modified,
        cache.to_owned(),
    ))
}

/// Calendar endpoints.
pub struct CalendarApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Calendar")]
impl CalendarApi {
    /// An edition's sessions as a calendar
    ///
    /// Public for published, closed and cancelled editions (drafts: admins and the
    /// edition's trainers). One event per session with a UID that never changes and
    /// SEQUENCE = the session's revision; cancelled sessions (and all sessions of a
    /// cancelled edition) are `STATUS:CANCELLED` for 30 days, then gone.
    #[oai(
        path = "/editions/:id/calendar.ics",
        method = "get",
        operation_id = "getEditionCalendar"
    )]
    async fn edition(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> Result<CalendarFile, ApiError> {
        let actor = optional_principal(req, &state, auth).await?;
        let (_, items) = calendar::edition_feed(&state.db, actor.as_ref(), id.0).await?;
        let name = items.first().map_or_else(
            || state.config.academy_name.clone(),
            |i| format!("{} – {}", i.course_title, state.config.academy_name),
        );
        respond(&state, req, &name, &items, PUBLIC_CACHE)
    }

    /// The catalogue as a calendar
    ///
    /// Every session of the published editions, with the catalogue's filters; sessions
    /// from 30 days ago on unless `from` is given. Editions cancelled in the last 30 days
    /// show as cancelled.
    #[oai(
        path = "/calendar/catalog.ics",
        method = "get",
        operation_id = "getCatalogCalendar"
    )]
    #[expect(clippy::too_many_arguments, reason = "one parameter per filter")]
    async fn catalog(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: MaybeAuth,
        /// Editions of this course.
        course_id: Query<Option<Uuid>>,
        /// Of courses of this kind.
        kind: Query<Option<Kind>>,
        /// Of courses with this topic.
        #[oai(validator(max_length = 64, pattern = "^[^\\x00-\\x1f\\x7f]*$"))]
        topic: Query<Option<String>>,
        /// Editions whose first session is at or after this instant.
        from: Query<Option<Timestamp>>,
        /// Editions whose first session is before this instant.
        to: Query<Option<Timestamp>>,
        /// Taught by this trainer.
        trainer_id: Query<Option<Uuid>>,
    ) -> Result<CalendarFile, ApiError> {
        optional_principal(req, &state, auth).await?;
        let filter = EditionFilter {
            course_id: course_id.0,
            kind: kind.0.map(Into::into),
            topic: topic.0,
            from: from.0.map(|t| t.0),
            to: to.0.map(|t| t.0),
            status: None,
            trainer_id: trainer_id.0,
            has_seats: None,
        };
        let items = calendar::catalog_feed(&state.db, &filter).await?;
        let name = format!("{} – agenda", state.config.academy_name);
        respond(&state, req, &name, &items, PUBLIC_CACHE)
    }

    /// The caller's personal feed URL
    ///
    /// A secret URL (`/api/v1/calendar/feeds/{token}.ics`, 256-bit token, stored only as
    /// a hash) that calendar programs read without a bearer token. The same URL on every
    /// call until it is rotated.
    #[oai(
        path = "/me/calendar-feed",
        method = "get",
        operation_id = "getMyCalendarFeed"
    )]
    async fn my_feed(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
    ) -> Result<FeedUrl, ApiError> {
        let token = calendar::feed_token(&state.db, &state.calendar_secret, auth.0.id).await?;
        Ok(FeedUrl::Ok(Json(feed_url(&state, &token))))
    }

    /// Replace the caller's personal feed URL
    ///
    /// A new secret URL; every earlier one stops working at once.
    #[oai(
        path = "/me/calendar-feed/rotate",
        method = "post",
        operation_id = "rotateMyCalendarFeed"
    )]
    async fn rotate(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
    ) -> Result<FeedUrl, ApiError> {
        let token = calendar::rotate(&state.db, &state.calendar_secret, auth.0.id).await?;
        Ok(FeedUrl::Ok(Json(feed_url(&state, &token))))
    }

    /// A personal calendar feed
    ///
    /// Read by the secret URL alone. The sessions of the person's registrations
    /// (waiting list and pending approval `TENTATIVE`; cancelled or declined
    /// registrations and cancelled sessions `CANCELLED` for 30 days, then gone) and of the
    /// editions they teach, over the past year and the future. An unknown or rotated
    /// token is 404.
    #[oai(
        path = "/calendar/feeds/:file",
        method = "get",
        operation_id = "getPersonalCalendar"
    )]
    async fn personal(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        /// `{token}.ics`, as in the URL from `/api/v1/me/calendar-feed`.
        #[oai(validator(max_length = 100))]
        file: Path<String>,
    ) -> Result<CalendarFile, ApiError> {
        let token = file
            .0
            .strip_suffix(".ics")
            .filter(|t| t.len() == 43)
            .ok_or(DomainError::NotFound("calendar feed"))?;
        let person = calendar::owner_of(&state.db, token).await?;
        let items = calendar::personal_feed(&state.db, &person).await?;
        let name = format!("{} – {}", state.config.academy_name, person.name);
        respond(&state, req, &name, &items, PRIVATE_CACHE)
    }
}

fn feed_url(state: &AppState, token: &str) -> CalendarFeed {
    CalendarFeed {
        url: format!(
            "{}/api/v1/calendar/feeds/{token}.ics",
            state.config.public_url
        ),
    }
}
