//! `/api/v1/editions` and `/api/v1/courses/{id}/editions`.

use std::sync::Arc;

use entity::EditionStatus;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{AdminAuth, MaybeAuth, UserAuth, optional_principal};
use super::tags::ApiTags;
use super::types::{RenderedJson, Timestamp, maybe, strict_opt_string, wire_i32};
use super::wire::CourseKind as Kind;
use super::wire::EditionStatus as Status;
use crate::api::types::{Capacity, PageSize, ReminderDays, page_size};
use crate::auth::tokens::Principal;
use crate::domain::completions::Outcome;
use crate::domain::editions;
use crate::domain::editions::catalogue::{EditionFilter, EditionView};
use crate::domain::editions::lifecycle::{EditionInput, Transition};
use crate::state::AppState;

/// One scheduled run of a course.
#[derive(Debug, Object)]
pub struct Edition {
    /// Identifier.
    pub id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// The course's title.
    pub course_title: String,
    /// The course's kind.
    pub course_kind: Kind,
    /// Lifecycle state.
    pub status: Status,
    /// Seats.
    pub capacity: i32,
    /// Whether a waiting list opens when it is full.
    pub waitlist_enabled: bool,
    /// Whether registrations need approval by HR or an admin.
    pub requires_approval: bool,
    /// Days before the first session that participants are reminded (0: not at all).
    pub reminder_days_first: i32,
    /// Days before each later session that participants are reminded (0: not at all).
    pub reminder_days_later: i32,
    /// Registration opens (UTC); from publication when absent.
    #[oai(nullable)]
    pub registration_opens_at: Option<Timestamp>,
    /// Registration closes (UTC); at the first session when absent.
    #[oai(nullable)]
    pub registration_closes_at: Option<Timestamp>,
    /// After this, cancellations are recorded as late.
    #[oai(nullable)]
    pub cancellation_deadline: Option<Timestamp>,
    /// Where it takes place.
    #[oai(nullable)]
    pub location: Option<String>,
    /// Online meeting link.
    #[oai(nullable)]
    pub online_url: Option<String>,
    /// Trainers.
    pub trainer_ids: Vec<Uuid>,
    /// Start of the first scheduled session.
    #[oai(nullable)]
    pub first_session_at: Option<Timestamp>,
    /// End of the last scheduled session.
    #[oai(nullable)]
    pub last_session_at: Option<Timestamp>,
    /// Confirmed registrations.
    pub seats_taken: i32,
    /// Seats still free.
    pub seats_available: i32,
    /// People on the waiting list.
    pub waitlist_length: i32,
    /// Creation time (UTC).
    pub created_at: Timestamp,
    /// Last change (UTC).
    pub updated_at: Timestamp,
}

impl From<EditionView> for Edition {
    fn from(v: EditionView) -> Self {
        let seats_available = v.seats_available();
        let e = v.edition;
        Self {
            id: e.id,
            course_id: e.course_id,
            course_title: v.course_title,
            course_kind: v.course_kind.into(),
            status: e.status.into(),
            capacity: e.capacity,
            waitlist_enabled: e.waitlist_enabled,
            requires_approval: e.requires_approval,
            reminder_days_first: e.reminder_days_first,
            reminder_days_later: e.reminder_days_later,
            registration_opens_at: e.registration_opens_at.map(Into::into),
            registration_closes_at: e.registration_closes_at.map(Into::into),
            cancellation_deadline: e.cancellation_deadline.map(Into::into),
            location: e.location,
            online_url: e.online_url,
            trainer_ids: v.trainer_ids,
            first_session_at: e.first_session_at.map(Into::into),
            last_session_at: e.last_session_at.map(Into::into),
            seats_taken: wire_i32(v.seats_taken),
            seats_available: wire_i32(seats_available),
            waitlist_length: wire_i32(v.waitlist_length),
            created_at: e.created_at.into(),
            updated_at: e.updated_at.into(),
        }
    }
}

/// A new edition (created as a draft).
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewEdition {
    /// Seats (at least 1).
    pub capacity: Capacity,
    /// Whether a waiting list opens when it is full (default true).
    #[oai(nullable)]
    pub waitlist_enabled: Option<bool>,
    /// Whether registrations need approval (default false).
    #[oai(nullable)]
    pub requires_approval: Option<bool>,
    /// Days before the first session that participants are reminded, 0–14 (default 2;
    /// 0: no reminder).
    #[oai(nullable)]
    pub reminder_days_first: Option<ReminderDays>,
    /// Days before each later session, 0–14 (default 1; 0: no reminder).
    #[oai(nullable)]
    pub reminder_days_later: Option<ReminderDays>,
    /// Registration opens.
    #[oai(nullable)]
    pub registration_opens_at: Option<Timestamp>,
    /// Registration closes (after it opens).
    #[oai(nullable)]
    pub registration_closes_at: Option<Timestamp>,
    /// After this, cancellations are recorded as late.
    #[oai(nullable)]
    pub cancellation_deadline: Option<Timestamp>,
    /// Where it takes place.
    #[oai(
        nullable,
        deserialize_with = "strict_opt_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub location: Option<String>,
    /// Online meeting link (http or https).
    #[oai(
        nullable,
        deserialize_with = "strict_opt_string",
        validator(max_length = 2000, pattern = "^\\s*$|^https?://[^\\s/]\\S*$")
    )]
    pub online_url: Option<String>,
    /// Trainers: users with the trainer role.
    #[oai(default, nullable, validator(max_items = 20))]
    pub trainer_ids: Vec<Uuid>,
}

/// Changes to an edition; absent fields stay as they are, `null` clears an optional one.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct EditionPatch {
    /// Seats; not below the confirmed registrations (409 `capacity_below_confirmed`).
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub capacity: Option<Capacity>,
    /// Waiting list on or off.
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub waitlist_enabled: Option<bool>,
    /// Approval required.
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub requires_approval: Option<bool>,
    /// Days before the first session that participants are reminded (0–14, 0: none).
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub reminder_days_first: Option<ReminderDays>,
    /// Days before each later session (0–14, 0: none).
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub reminder_days_later: Option<ReminderDays>,
    /// Registration opens.
    #[oai(nullable)]
    pub registration_opens_at: poem_openapi::types::MaybeUndefined<Timestamp>,
    /// Registration closes.
    #[oai(nullable)]
    pub registration_closes_at: poem_openapi::types::MaybeUndefined<Timestamp>,
    /// Cancellation deadline.
    #[oai(nullable)]
    pub cancellation_deadline: poem_openapi::types::MaybeUndefined<Timestamp>,
    /// Location.
    #[oai(
        nullable,
        deserialize_with = "crate::api::types::strict_maybe_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub location: poem_openapi::types::MaybeUndefined<String>,
    /// Online meeting link (http or https).
    #[oai(
        nullable,
        deserialize_with = "crate::api::types::strict_maybe_string",
        validator(max_length = 2000, pattern = "^\\s*$|^https?://[^\\s/]\\S*$")
    )]
    pub online_url: poem_openapi::types::MaybeUndefined<String>,
    /// Replace the trainers.
    #[oai(
        deserialize_with = "crate::api::types::absent_not_null",
        validator(max_items = 20)
    )]
    pub trainer_ids: Option<Vec<Uuid>>,
}

super::paging::page_type!(EditionPage, Edition, "A page of editions.");

#[derive(ApiResponse)]
enum EditionList {
    /// A page of editions, by first session.
    #[oai(status = 200)]
    Ok(RenderedJson<EditionPage>),
}

/// A page of the catalogue. Public pages (published editions, whoever asks) come from the
/// response cache when nothing changed since they were rendered.
async fn catalogue_page(
    state: &AppState,
    req: &Request,
    actor: Option<Principal>,
    filter: EditionFilter,
    limit: Option<u32>,
    cursor: Option<String>,
    of_course: bool,
) -> Result<EditionList, ApiError> {
    let public = filter.status.is_none_or(|s| s == EditionStatus::Published);
    let render = async {
        if let Some(course_id) = filter.course_id.filter(|_| of_course) {
            // A missing course is a 404, not an empty list.
            crate::domain::courses::get(&state.db, course_id).await?;
        }
        let (items, next_cursor) =
            editions::catalogue::list(&state.db, actor.as_ref(), &filter, limit, cursor.as_deref())
                .await?;
        Ok::<_, ApiError>(
            RenderedJson::render(&EditionPage {
                items: items.into_iter().map(Into::into).collect(),
                next_cursor,
            })
            .bytes(),
        )
    };
    let body = if public {
        state.cache.get_or_render(req, None, render).await?
    } else {
        render.await?
    };
    Ok(EditionList::Ok(RenderedJson::from_bytes(body)))
}

#[derive(ApiResponse)]
enum EditionOne {
    /// The edition.
    #[oai(status = 200)]
    Ok(Json<Edition>),
}

/// What closing an edition settled.
#[derive(Debug, Object)]
pub struct CompletionSummary {
    /// Confirmed registrations that completed.
    pub completed: u32,
    /// Confirmed registrations that did not.
    pub not_completed: u32,
    /// Certificates issued.
    pub certificates_issued: u32,
    /// Withdrawn certificates valid again after a correction.
    pub certificates_reinstated: u32,
    /// Certificates revoked because a correction took the completion away.
    pub certificates_withdrawn: u32,
}

impl From<Outcome> for CompletionSummary {
    fn from(o: Outcome) -> Self {
        Self {
            completed: o.completed,
            not_completed: o.not_completed,
            certificates_issued: o.issued,
            certificates_reinstated: o.reinstated,
            certificates_withdrawn: o.withdrawn,
        }
    }
}

/// A closed edition and what closing it settled.
#[derive(Debug, Object)]
pub struct ClosedEdition {
    /// The edition, now closed.
    #[oai(flatten)]
    pub edition: Edition,
    /// Completions and certificates.
    pub completions: CompletionSummary,
}

#[derive(ApiResponse)]
enum EditionClosed {
    /// The closed edition with what closing it settled.
    #[oai(status = 200)]
    Ok(Json<ClosedEdition>),
}

#[derive(ApiResponse)]
enum EditionCreated {
    /// Created as a draft.
    #[oai(status = 201)]
    Created(
        Json<Edition>,
        /// URL of the new edition.
        #[oai(header = "Location")]
        String,
    ),
}

/// Edition endpoints.
pub struct EditionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Catalog")]
impl EditionsApi {
    /// The catalogue: list editions
    ///
    /// Public: published editions, sorted by first session. Other states (`status`) are for
    /// admins, and for trainers their own editions.
    #[oai(path = "/editions", method = "get", operation_id = "listEditions")]
    #[expect(clippy::too_many_arguments, reason = "one parameter per query option")]
    async fn list(
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
        /// First session at or after this instant.
        from: Query<Option<Timestamp>>,
        /// First session before this instant.
        to: Query<Option<Timestamp>>,
        /// State (default `published`).
        status: Query<Option<Status>>,
        /// Taught by this trainer.
        trainer_id: Query<Option<Uuid>>,
        /// Only editions with free seats (`true`) or only full ones (`false`).
        has_seats: Query<Option<bool>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<EditionList, ApiError> {
        let actor = optional_principal(req, &state, auth).await?;
        let filter = EditionFilter {
            course_id: course_id.0,
            kind: kind.0.map(Into::into),
            topic: topic.0,
            from: from.0.map(|t| t.0),
            to: to.0.map(|t| t.0),
            status: status.0.map(Into::into),
            trainer_id: trainer_id.0,
            has_seats: has_seats.0,
        };
        catalogue_page(
            &state,
            req,
            actor,
            filter,
            page_size(limit.0),
            cursor.0,
            false,
        )
        .await
    }

    /// List a course's editions
    ///
    /// Public, with the same rules and filters as the catalogue.
    #[oai(
        path = "/courses/:id/editions",
        method = "get",
        operation_id = "listCourseEditions"
    )]
    #[expect(clippy::too_many_arguments, reason = "one parameter per query option")]
    async fn list_for_course(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: MaybeAuth,
        id: Path<Uuid>,
        /// State (default `published`).
        status: Query<Option<Status>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{32}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<EditionList, ApiError> {
        let actor = optional_principal(req, &state, auth).await?;
        let filter = EditionFilter {
            course_id: Some(id.0),
            status: status.0.map(Into::into),
            ..EditionFilter::default()
        };
        catalogue_page(
            &state,
            req,
            actor,
            filter,
            page_size(limit.0),
            cursor.0,
            true,
        )
        .await
    }

    /// Create an edition
    ///
    /// Created as a draft; publish it when its sessions are planned.
    #[oai(
        path = "/courses/:id/editions",
        method = "post",
        operation_id = "createEdition"
    )]
    async fn create(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<NewEdition>,
    ) -> Result<EditionCreated, ApiError> {
        let b = body.0;
        let input = EditionInput {
            capacity: Some(b.capacity.0),
            waitlist_enabled: Some(b.waitlist_enabled.unwrap_or(true)),
            requires_approval: Some(b.requires_approval.unwrap_or(false)),
            registration_opens_at: Some(b.registration_opens_at.map(|t| t.0)),
            registration_closes_at: Some(b.registration_closes_at.map(|t| t.0)),
            cancellation_deadline: Some(b.cancellation_deadline.map(|t| t.0)),
            location: Some(b.location),
            online_url: Some(b.online_url),
            trainer_ids: Some(b.trainer_ids),
            reminder_days_first: b.reminder_days_first.map(|d| d.0),
            reminder_days_later: b.reminder_days_later.map(|d| d.0),
        };
        let view = editions::lifecycle::create(&state.db, id.0, input).await?;
        let location = format!("/api/v1/editions/{}", view.edition.id);
        Ok(EditionCreated::Created(Json(view.into()), location))
    }

    /// Get an edition
    ///
    /// Public when published; otherwise for admins, its trainers and the people registered.
    #[oai(path = "/editions/:id", method = "get", operation_id = "getEdition")]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: MaybeAuth,
        id: Path<Uuid>,
    ) -> Result<EditionOne, ApiError> {
        let actor = optional_principal(req, &state, auth).await?;
        Ok(EditionOne::Ok(Json(
            editions::access::get(&state.db, actor.as_ref(), id.0)
                .await?
                .into(),
        )))
    }

    /// Change an edition
    #[oai(
        path = "/editions/:id",
        method = "patch",
        operation_id = "updateEdition"
    )]
    async fn update(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<EditionPatch>,
    ) -> Result<EditionOne, ApiError> {
        let b = body.0;
        let input = EditionInput {
            capacity: b.capacity.map(|c| c.0),
            waitlist_enabled: b.waitlist_enabled,
            requires_approval: b.requires_approval,
            registration_opens_at: maybe(b.registration_opens_at, |t| t.0),
            registration_closes_at: maybe(b.registration_closes_at, |t| t.0),
            cancellation_deadline: maybe(b.cancellation_deadline, |t| t.0),
            location: maybe(b.location, |s| s).map(|o| o.filter(|s| !s.trim().is_empty())),
            online_url: maybe(b.online_url, |s| s).map(|o| o.filter(|s| !s.trim().is_empty())),
            trainer_ids: b.trainer_ids,
            reminder_days_first: b.reminder_days_first.map(|d| d.0),
            reminder_days_later: b.reminder_days_later.map(|d| d.0),
        };
        Ok(EditionOne::Ok(Json(
            editions::lifecycle::update(&state.db, id.0, input)
                .await?
                .into(),
        )))
    }

    /// Publish an edition
    ///
    /// draft → published: it appears in the catalogue and opens for registration. Needs
    /// a scheduled session (except e-learning) and a course that is not archived.
    #[oai(
        path = "/editions/:id/publish",
        method = "post",
        operation_id = "publishEdition"
    )]
    async fn publish(
        &self,
        state: Data<&Arc<AppState>>,
        auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<EditionOne, ApiError> {
        step(&state, &auth.0, id.0, Transition::Publish).await
    }

    /// Cancel an edition
    ///
    /// draft or published → cancelled; every registration is cancelled with it.
    #[oai(
        path = "/editions/:id/cancel",
        method = "post",
        operation_id = "cancelEdition"
    )]
    async fn cancel(
        &self,
        state: Data<&Arc<AppState>>,
        auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<EditionOne, ApiError> {
        step(&state, &auth.0, id.0, Transition::Cancel).await
    }

    /// Close an edition
    ///
    /// published → closed, once every session is over (409 `sessions_not_over`). For
    /// admins and the edition's trainers. Computes each confirmed registration's
    /// completion from attendance (present and late count, excused and absent do not,
    /// cancelled sessions are left out of the total) and issues certificates. After a
    /// re-opening, closing again settles only what changed: certificates of completions
    /// that no longer hold are revoked (`completion_withdrawn`), new ones issued, none
    /// duplicated.
    #[oai(
        path = "/editions/:id/close",
        method = "post",
        operation_id = "closeEdition"
    )]
    async fn close(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        id: Path<Uuid>,
    ) -> Result<EditionClosed, ApiError> {
        let (v, outcome) = transition(&state, &auth.0, id.0, Transition::Close).await?;
        Ok(EditionClosed::Ok(Json(ClosedEdition {
            edition: v.into(),
            completions: outcome.unwrap_or_default().into(),
        })))
    }

    /// Re-open a closed edition
    ///
    /// closed → published, for corrections of attendance (admins). Certificates stay as
    /// they are until the edition is closed again.
    #[oai(
        path = "/editions/:id/reopen",
        method = "post",
        operation_id = "reopenEdition"
    )]
    async fn reopen(
        &self,
        state: Data<&Arc<AppState>>,
        auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<EditionOne, ApiError> {
        step(&state, &auth.0, id.0, Transition::Reopen).await
    }
}

/// A lifecycle step whose answer is the edition as it is afterwards.
async fn step(
    state: &AppState,
    actor: &Principal,
    id: Uuid,
    step: Transition,
) -> Result<EditionOne, ApiError> {
    let (v, _) = transition(state, actor, id, step).await?;
    Ok(EditionOne::Ok(Json(v.into())))
}

async fn transition(
    state: &AppState,
    actor: &Principal,
    id: Uuid,
    step: Transition,
) -> Result<(EditionView, Option<Outcome>), ApiError> {
    Ok(
        editions::lifecycle::transition(&state.db, actor, id, step, &state.config.academy_name)
            .await?,
    )
}
