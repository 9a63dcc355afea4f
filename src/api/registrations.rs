//! `/api/v1/editions/{id}/registrations`, `/api/v1/registrations/{id}` (cancel, approve,
//! decline, history) and `/api/v1/me/registrations`.

use std::sync::Arc;

use entity::{registration, registration_event};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{AdminAuth, Auth, UserAuth};
use super::sessions::Session;
use super::tags::ApiTags;
use super::types::{OptionalJson, RenderedJson, Timestamp, strict_opt_string};
use super::wire::CourseKind as Kind;
use super::wire::EditionStatus as EditionState;
use super::wire::{ActorKind as Actor, RegistrationStatus as Status};
use crate::api::types::{PageSize, page_size};
use crate::auth::secret::sha256_hex;
use crate::domain::registrations;
use crate::domain::registrations::decisions::Decision;
use crate::domain::registrations::idempotency::{Idempotency, Registered};
use crate::domain::registrations::lists::{Attendee, Mine};
use crate::domain::values::optional_text;
use crate::state::AppState;

/// A person's registration for an edition.
#[derive(Debug, Object)]
pub struct Registration {
    /// Identifier.
    pub id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// The person.
    pub user_id: Uuid,
    /// Where it stands.
    pub status: Status,
    /// Place on the waiting list (1 = next), while waitlisted.
    #[oai(nullable)]
    pub waitlist_position: Option<i32>,
    /// Cancelled after the edition's cancellation deadline.
    pub late: bool,
    /// Registered at (UTC).
    pub created_at: Timestamp,
    /// Last change (UTC).
    pub updated_at: Timestamp,
}

impl From<registration::Model> for Registration {
    fn from(r: registration::Model) -> Self {
        Self {
            id: r.id,
            edition_id: r.edition_id,
            user_id: r.user_id,
            status: r.status.into(),
            waitlist_position: r.waitlist_position,
            late: r.late_cancellation,
            created_at: r.created_at.into(),
            updated_at: r.updated_at.into(),
        }
    }
}

/// A registration in an edition's list, with the person.
#[derive(Debug, Object)]
pub struct Participant {
    /// The registration.
    #[oai(flatten)]
    pub registration: Registration,
    /// The person's name.
    pub user_name: String,
    /// The person's e-mail address.
    #[oai(nullable)]
    pub user_email: Option<String>,
    /// The person's organisation.
    pub organization_id: Uuid,
}

impl From<Attendee> for Participant {
    fn from(a: Attendee) -> Self {
        Self {
            registration: a.registration.into(),
            user_name: a.user.name,
            user_email: a.user.email,
            organization_id: a.user.organization_id,
        }
    }
}

/// The edition of one of the caller's registrations.
#[derive(Debug, Object)]
pub struct RegisteredEdition {
    /// Identifier.
    pub id: Uuid,
    /// Lifecycle state.
    pub status: EditionState,
    /// The course.
    pub course_id: Uuid,
    /// The course's title.
    pub course_title: String,
    /// The course's kind.
    pub course_kind: Kind,
    /// Where it takes place.
    #[oai(nullable)]
    pub location: Option<String>,
    /// Online meeting link.
    #[oai(nullable)]
    pub online_url: Option<String>,
    /// After this, cancelling is recorded as late.
    #[oai(nullable)]
    pub cancellation_deadline: Option<Timestamp>,
    /// Start of the first scheduled session.
    #[oai(nullable)]
    pub first_session_at: Option<Timestamp>,
    /// End of the last scheduled session.
    #[oai(nullable)]
    pub last_session_at: Option<Timestamp>,
}

/// One of the caller's registrations with its edition, course and session dates.
#[derive(Debug, Object)]
pub struct MyRegistration {
    /// The registration.
    #[oai(flatten)]
    pub registration: Registration,
    /// The edition.
    pub edition: RegisteredEdition,
    /// The edition's sessions, by start.
    pub sessions: Vec<Session>,
}

impl From<Mine> for MyRegistration {
    fn from(m: Mine) -> Self {
        let e = m.edition;
        Self {
            registration: m.registration.into(),
            edition: RegisteredEdition {
                id: e.id,
                status: e.status.into(),
                course_id: e.course_id,
                course_title: m.course_title,
                course_kind: m.course_kind.into(),
                location: e.location,
                online_url: e.online_url,
                cancellation_deadline: e.cancellation_deadline.map(Into::into),
                first_session_at: e.first_session_at.map(Into::into),
                last_session_at: e.last_session_at.map(Into::into),
            },
            sessions: m.sessions.into_iter().map(Into::into).collect(),
        }
    }
}

/// One status change of a registration.
#[derive(Debug, Object)]
pub struct RegistrationEvent {
    /// The status before; `null` when the registration was made.
    #[oai(nullable)]
    pub from: Option<Status>,
    /// The status after.
    pub to: Status,
    /// Who made the change.
    pub by_kind: Actor,
    /// The person or client who made it; `null` for the service itself.
    #[oai(nullable)]
    pub by_id: Option<Uuid>,
    /// Why.
    #[oai(nullable)]
    pub reason: Option<String>,
    /// When (UTC).
    pub at: Timestamp,
}

impl From<registration_event::Model> for RegistrationEvent {
    fn from(e: registration_event::Model) -> Self {
        Self {
            from: e.from_status.map(Into::into),
            to: e.to_status.into(),
            by_kind: e.actor_kind.into(),
            by_id: e.actor_id,
            reason: e.reason,
            at: e.at.into(),
        }
    }
}

/// A registration request.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewRegistration {
    /// The person to register; absent: the caller. HR and partner clients register people
    /// of their own organisation, admins anyone.
    #[oai(deserialize_with = "crate::api::types::absent_not_null")]
    pub user_id: Option<Uuid>,
}

/// A cancellation, approval or decline, with an optional reason.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Decided {
    /// Why (kept in the history), up to 500 characters, no control characters.
    #[oai(
        deserialize_with = "strict_opt_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub reason: Option<String>,
}

super::paging::page_type!(
    ParticipantPage,
    Participant,
    "A page of an edition's registrations."
);
super::paging::page_type!(
    MyRegistrationPage,
    MyRegistration,
    "A page of a person's registrations, with edition, course and session dates."
);

#[derive(ApiResponse)]
enum RegistrationCreated {
    /// Registered: `confirmed`, `waitlisted` (with a position) or `pending_approval`. With
    /// an `Idempotency-Key` seen before, the first response again.
    #[oai(status = 201)]
    Created(
        RenderedJson<Registration>,
        /// The registration's URL.
        #[oai(header = "Location")]
        String,
        /// `true` when this is the remembered response to an earlier identical request.
        #[oai(header = "Idempotent-Replayed")]
        Option<String>,
    ),
}

#[derive(ApiResponse)]
enum RegistrationOne {
    /// The registration.
    #[oai(status = 200)]
    Ok(Json<Registration>),
}

#[derive(ApiResponse)]
enum ParticipantList {
    /// A page of registrations, oldest first.
    #[oai(status = 200)]
    Ok(Json<ParticipantPage>),
}

#[derive(ApiResponse)]
enum MyList {
    /// A page of the caller's registrations, newest first.
    #[oai(status = 200)]
    Ok(RenderedJson<MyRegistrationPage>),
}

#[derive(ApiResponse)]
enum PersonList {
    /// A page of the person's registrations, newest first.
    #[oai(status = 200)]
    Ok(Json<MyRegistrationPage>),
}

#[derive(ApiResponse)]
enum History {
    /// Every status change, oldest first.
    #[oai(status = 200)]
    Ok(Json<Vec<RegistrationEvent>>),
}

/// Registration endpoints.
pub struct RegistrationsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Registrations")]
impl RegistrationsApi {
    /// Register for an edition
    ///
    /// A person registers themself (`{}`); HR registers people of their organisation, a
    /// partner client with `registrations:write` people of the organisation it is bound
    /// to, an admin anyone (`{"user_id": …}`). The result is `confirmed` while seats
    /// remain, else `waitlisted` at the back of the waiting list (or 409 `edition_full`
    /// without one); `pending_approval` first when the edition needs approval and the
    /// caller is not an approver. 409 `already_registered`, `edition_not_open`,
    /// `edition_cancelled`, `edition_closed`, `registration_closed`. With an
    /// `Idempotency-Key`, repeating the same request within 24 hours replays the first
    /// response; the same key with another request is 422.
    #[oai(
        path = "/editions/:id/registrations",
        method = "post",
        operation_id = "createRegistration"
    )]
    async fn register(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
        /// Makes retrying safe: the same key and request give the first response again.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = "^[\\x21-\\x7e]+$")
        )]
        idempotency_key: Header<Option<String>>,
        body: Json<NewRegistration>,
    ) -> Result<RegistrationCreated, ApiError> {
        let idempotency = idempotency_key.0.map(|key| Idempotency {
            key,
            fingerprint: sha256_hex(&format!(
                "POST /api/v1/editions/{}/registrations\n{}",
                id.0,
                body.0.user_id.map(|u| u.to_string()).unwrap_or_default()
            )),
        });
        let outcome = registrations::combiner::register(
            &state.db,
            &state.registrations,
            &auth.0,
            id.0,
            body.0.user_id,
            idempotency,
        )
        .await?;
        let (row, replayed) = match outcome {
            Registered::Created(row) => (row, None),
            Registered::Replayed(row) => (row, Some("true".to_owned())),
        };
        let location = format!("/api/v1/registrations/{}", row.id);
        Ok(RegistrationCreated::Created(
            RenderedJson::render(&Registration::from(row)),
            location,
            replayed,
        ))
    }

    /// List an edition's registrations
    ///
    /// Admins and the edition's trainers see everyone; HR, and partner clients with
    /// `registrations:read`, the people of their own organisation.
    #[oai(
        path = "/editions/:id/registrations",
        method = "get",
        operation_id = "listEditionRegistrations"
    )]
    async fn list_for_edition(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
        /// Only registrations in this state.
        status: Query<Option<Status>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<ParticipantList, ApiError> {
        let (items, next_cursor) = registrations::lists::for_edition(
            &state.db,
            &auth.0,
            id.0,
            status.0.map(Into::into),
            page_size(limit.0),
            cursor.0.as_deref(),
        )
        .await?;
        Ok(ParticipantList::Ok(Json(ParticipantPage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// My registrations
    ///
    /// The caller's registrations, newest first, with edition, course and session dates.
    #[oai(
        path = "/me/registrations",
        method = "get",
        operation_id = "listMyRegistrations"
    )]
    async fn mine(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: UserAuth,
        /// Only registrations in this state.
        status: Query<Option<Status>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<MyList, ApiError> {
        let render = async {
            let (items, next_cursor) = registrations::lists::mine(
                &state.db,
                &auth.0,
                status.0.map(Into::into),
                page_size(limit.0),
                cursor.0.as_deref(),
            )
            .await?;
            Ok::<_, ApiError>(
                RenderedJson::render(&MyRegistrationPage {
                    items: items.into_iter().map(Into::into).collect(),
                    next_cursor,
                })
                .bytes(),
            )
        };
        let body = state
            .cache
            .get_or_render(req, Some(auth.0.id), render)
            .await?;
        Ok(MyList::Ok(RenderedJson::from_bytes(body)))
    }

    /// A person's registrations
    ///
    /// Newest first, with edition, course and session dates: for the person, admins,
    /// their organisation's HR and partner clients with `registrations:read` or
    /// `registrations:write` of it.
    #[oai(
        path = "/users/:id/registrations",
        method = "get",
        operation_id = "listUserRegistrations"
    )]
    async fn of_user(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        /// The person.
        id: Path<Uuid>,
        /// Only registrations in this state.
        status: Query<Option<Status>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<PersonList, ApiError> {
        let (items, next_cursor) = registrations::lists::of_user(
            &state.db,
            &auth.0,
            id.0,
            status.0.map(Into::into),
            page_size(limit.0),
            cursor.0.as_deref(),
        )
        .await?;
        Ok(PersonList::Ok(Json(MyRegistrationPage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// Get a registration
    ///
    /// For the person, their HR, admins, the edition's trainers and partner clients of
    /// the person's organisation.
    #[oai(
        path = "/registrations/:id",
        method = "get",
        operation_id = "getRegistration"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
    ) -> Result<RegistrationOne, ApiError> {
        let row = registrations::lists::get(&state.db, &auth.0, id.0).await?;
        Ok(RegistrationOne::Ok(Json(row.into())))
    }

    /// Cancel a registration
    ///
    /// By the person, their HR, a partner client of their organisation with
    /// `registrations:write`, or an admin. A freed seat goes to the first on the waiting
    /// list in the same transaction, and everyone behind moves up. After the edition's
    /// cancellation deadline it is still cancelled, recorded as `late`.
    #[oai(
        path = "/registrations/:id/cancel",
        method = "post",
        operation_id = "cancelRegistration"
    )]
    async fn cancel(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
        body: OptionalJson<Decided>,
    ) -> Result<RegistrationOne, ApiError> {
        decide(&state, &auth.0, id.0, Decision::Cancel, body.0).await
    }

    /// Approve a registration
    ///
    /// By the person's HR or an admin; then the seat rule applies (`confirmed`, or
    /// `waitlisted`, or 409 `edition_full` and it stays pending).
    #[oai(
        path = "/registrations/:id/approve",
        method = "post",
        operation_id = "approveRegistration"
    )]
    async fn approve(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
        body: OptionalJson<Decided>,
    ) -> Result<RegistrationOne, ApiError> {
        decide(&state, &auth.0, id.0, Decision::Approve, body.0).await
    }

    /// Decline a registration
    ///
    /// By the person's HR or an admin: a pending registration becomes `declined`.
    #[oai(
        path = "/registrations/:id/decline",
        method = "post",
        operation_id = "declineRegistration"
    )]
    async fn decline(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
        body: OptionalJson<Decided>,
    ) -> Result<RegistrationOne, ApiError> {
        decide(&state, &auth.0, id.0, Decision::Decline, body.0).await
    }

    /// A registration's history
    ///
    /// Every status change: from, to, by whom, when and why. For admins.
    #[oai(
        path = "/registrations/:id/history",
        method = "get",
        operation_id = "getRegistrationHistory"
    )]
    async fn history(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<History, ApiError> {
        let events = registrations::lists::history(&state.db, id.0).await?;
        Ok(History::Ok(Json(
            events.into_iter().map(Into::into).collect(),
        )))
    }
}

/// The response body of a new registration.
async fn decide(
    state: &AppState,
    actor: &crate::auth::tokens::Principal,
    id: Uuid,
    decision: Decision,
    body: Option<Decided>,
) -> Result<RegistrationOne, ApiError> {
    let reason = optional_text(
        "reason",
        body.and_then(|b| b.reason).as_deref(),
        crate::domain::values::REASON_MAX,
    )
    .map_err(|e| crate::error::DomainError::Validation(vec![e]))?;
    let row =
        registrations::decisions::decide(&state.db, actor, id, decision, reason.as_deref()).await?;
    Ok(RegistrationOne::Ok(Json(row.into())))
}
