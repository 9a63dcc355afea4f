//! `/api/v1/sessions/{id}/attendance` (marking and the list, with its audit trail),
//! self check-in with a rotating code, and e-learning completion
//! (`/api/v1/registrations/{id}/completion`).

use std::sync::Arc;

use chrono::NaiveDate;
use entity::{attendance_event, completion};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{AdminAuth, Auth, UserAuth};
use super::tags::ApiTags;
use super::types::{Timestamp, strict_opt_string, strict_string};
use super::wire::{ActorKind as Actor, RegistrationStatus as RegistrationState};
use super::wire::{AttendanceAction as Action, AttendanceStatus as Status, CertificateOutcome};
use crate::api::types::{PageSize, page_size};
use crate::certificates::qr;
use crate::domain::attendance::{self, Line, Mark, Presence};
use crate::domain::certificates::Settled;
use crate::domain::completions;
use crate::error::DomainError;
use crate::state::AppState;

/// One entry of a marking request.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MarkRecord {
    /// A confirmed registration of the session's edition.
    pub registration_id: Uuid,
    /// Its attendance.
    pub status: Status,
    /// A note (up to 500 characters, no control characters); blank or absent: none.
    #[oai(
        deserialize_with = "strict_opt_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub note: Option<String>,
}

/// Attendance of many registrations at one session; all applied or none.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct MarkRequest {
    /// 1 to 1,000 records, each registration at most once.
    #[oai(validator(min_items = 1, max_items = 1000))]
    pub records: Vec<MarkRecord>,
}

/// A registration's attendance at a session.
#[derive(Debug, Object)]
pub struct AttendanceRecord {
    /// The registration.
    pub registration_id: Uuid,
    /// The session.
    pub session_id: Uuid,
    /// Present, late, excused or absent.
    pub status: Status,
    /// The note.
    #[oai(nullable)]
    pub note: Option<String>,
    /// Who marked it last: a person, a client or the service.
    pub marked_by_kind: Actor,
    /// The person or client who marked it last.
    #[oai(nullable)]
    pub marked_by_id: Option<Uuid>,
    /// When it was marked last (UTC).
    pub marked_at: Timestamp,
    /// First check-in with the session's code (UTC).
    #[oai(nullable)]
    pub checked_in_at: Option<Timestamp>,
    /// Last check-out (UTC).
    #[oai(nullable)]
    pub checked_out_at: Option<Timestamp>,
}

impl From<entity::attendance::Model> for AttendanceRecord {
    fn from(a: entity::attendance::Model) -> Self {
        Self {
            registration_id: a.registration_id,
            session_id: a.session_id,
            status: a.status.into(),
            note: a.note,
            marked_by_kind: a.marked_by_kind.into(),
            marked_by_id: a.marked_by_id,
            marked_at: a.marked_at.into(),
            checked_in_at: a.checked_in_at.map(Into::into),
            checked_out_at: a.checked_out_at.map(Into::into),
        }
    }
}

/// One participant of a session: the registration, the person and the attendance.
#[derive(Debug, Object)]
pub struct AttendanceLine {
    /// The registration.
    pub registration_id: Uuid,
    /// Where the registration stands (normally `confirmed`; a record stays when a
    /// registration is cancelled later).
    pub registration_status: RegistrationState,
    /// The person.
    pub user_id: Uuid,
    /// The person's name.
    pub user_name: String,
    /// The person's organisation.
    pub organization_id: Uuid,
    /// The attendance; `null` while not marked.
    #[oai(nullable)]
    pub attendance: Option<AttendanceRecord>,
}

impl From<Line> for AttendanceLine {
    fn from(l: Line) -> Self {
        Self {
            registration_id: l.registration.id,
            registration_status: l.registration.status.into(),
            user_id: l.user.id,
            user_name: l.user.name,
            organization_id: l.user.organization_id,
            attendance: l.attendance.map(Into::into),
        }
    }
}

/// One change of an attendance record.
#[derive(Debug, Object)]
pub struct AttendanceChange {
    /// Identifier.
    pub id: Uuid,
    /// The registration.
    pub registration_id: Uuid,
    /// Marked, checked in or checked out.
    pub action: Action,
    /// The status before; `null` when first marked.
    #[oai(nullable)]
    pub from: Option<Status>,
    /// The status after.
    pub to: Status,
    /// The note before.
    #[oai(nullable)]
    pub from_note: Option<String>,
    /// The note after.
    #[oai(nullable)]
    pub to_note: Option<String>,
    /// Who made the change.
    pub by_kind: Actor,
    /// The person or client who made it.
    #[oai(nullable)]
    pub by_id: Option<Uuid>,
    /// When (UTC).
    pub at: Timestamp,
}

impl From<attendance_event::Model> for AttendanceChange {
    fn from(e: attendance_event::Model) -> Self {
        Self {
            id: e.id,
            registration_id: e.registration_id,
            action: e.action.into(),
            from: e.from_status.map(Into::into),
            to: e.to_status.into(),
            from_note: e.from_note,
            to_note: e.to_note,
            by_kind: e.actor_kind.into(),
            by_id: e.actor_id,
            at: e.at.into(),
        }
    }
}

/// The code a trainer shows in a session.
#[derive(Debug, Object)]
pub struct CheckInCode {
    /// Six digits.
    pub code: String,
    /// When the next code replaces it (UTC); fetch again then.
    pub rotates_at: Timestamp,
    /// When it stops being accepted (UTC).
    pub expires_at: Timestamp,
    /// The link the QR code carries: the academy's check-in page with session and code.
    pub url: String,
}

/// A participant's check-in or check-out.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CheckIn {
    /// The code shown in the session.
    #[oai(
        deserialize_with = "strict_string",
        validator(min_length = 1, max_length = 32, pattern = "^\\s*[0-9]+\\s*$")
    )]
    pub code: String,
}

/// Marks an e-learning registration done.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CompletionRequest {
    /// The day it was completed (not in the future, not before 1900-01-01).
    pub completed_on: NaiveDate,
}

/// A completed registration.
#[derive(Debug, Object)]
#[oai(rename = "RegistrationCompletion")]
pub struct Completion {
    /// The registration.
    pub registration_id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// The person.
    pub user_id: Uuid,
    /// The day it was completed (Europe/Amsterdam).
    pub completed_on: NaiveDate,
    /// What happened to the certificate.
    pub certificate: CertificateOutcome,
}

impl Completion {
    fn new(c: completion::Model, s: Settled) -> Self {
        Self {
            registration_id: c.registration_id,
            edition_id: c.edition_id,
            user_id: c.user_id,
            completed_on: c.completed_on,
            certificate: s.into(),
        }
    }
}

super::paging::page_type!(
    AttendancePage,
    AttendanceLine,
    "A page of a session's participants."
);
super::paging::page_type!(
    AttendanceChangePage,
    AttendanceChange,
    "A page of a session's attendance changes."
);

#[derive(ApiResponse)]
enum Marked {
    /// The marked participants as they stand now.
    #[oai(status = 200)]
    Ok(Json<AttendancePage>),
}

#[derive(ApiResponse)]
enum Roster {
    /// A page of participants, in registration order.
    #[oai(status = 200)]
    Ok(Json<AttendancePage>),
}

#[derive(ApiResponse)]
enum Changes {
    /// A page of changes, oldest first.
    #[oai(status = 200)]
    Ok(Json<AttendanceChangePage>),
}

#[derive(ApiResponse)]
enum Code {
    /// The current code.
    #[oai(status = 200)]
    Ok(
        Json<CheckInCode>,
        /// Codes change every minute: never cache.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
enum CodeImage {
    /// The current code's link as a QR code.
    #[oai(status = 200, content_type = "image/png")]
    Ok(
        Binary<Vec<u8>>,
        /// Codes change every minute: never cache.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
enum Checked {
    /// The caller's attendance record.
    #[oai(status = 200)]
    Ok(Json<AttendanceRecord>),
}

#[derive(ApiResponse)]
enum Completed {
    /// The completion, and what happened to the certificate.
    #[oai(status = 200)]
    Ok(Json<Completion>),
}

#[derive(ApiResponse)]
enum Removed {
    /// The completion is gone and its certificate revoked as withdrawn.
    #[oai(status = 204)]
    NoContent,
}

const NO_STORE: &str = "no-store";

/// Attendance endpoints.
pub struct AttendanceApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Attendance")]
impl AttendanceApi {
    /// Mark attendance
    ///
    /// For admins and the edition's trainers: many registrations at once (present, late,
    /// excused, absent, optional note). Re-marking replaces; unchanged entries write
    /// nothing. Only confirmed registrations of the session's edition: any other id makes
    /// the whole request 422 with each offending entry named, and nothing is applied.
    /// Before the session (until 30 minutes ahead) only `excused`: 409
    /// `session_not_started`. 409 `session_cancelled`, `edition_closed` (an admin
    /// re-opens it for corrections), `edition_cancelled`. Nobody but an admin marks their
    /// own registration: 403 `self_marking` (a trainer registered for an edition they
    /// teach is marked by another trainer or an admin). Every change is audited.
    #[oai(
        path = "/sessions/:id/attendance",
        method = "put",
        operation_id = "markAttendance"
    )]
    async fn mark(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        id: Path<Uuid>,
        body: Json<MarkRequest>,
    ) -> Result<Marked, ApiError> {
        let marks: Vec<Mark> = body
            .0
            .records
            .into_iter()
            .map(|r| Mark {
                registration_id: r.registration_id,
                status: r.status.into(),
                note: r.note,
            })
            .collect();
        let lines = attendance::mark(&state.db, &auth.0, id.0, &marks).await?;
        Ok(Marked::Ok(Json(AttendancePage {
            items: lines.into_iter().map(Into::into).collect(),
            next_cursor: None,
        })))
    }

    /// List a session's attendance
    ///
    /// Every confirmed registration of the edition (and anyone with a record for the
    /// session), with their attendance or `null` when not marked. Admins and the
    /// edition's trainers see everyone; HR their own organisation's people.
    #[oai(
        path = "/sessions/:id/attendance",
        method = "get",
        operation_id = "listAttendance"
    )]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<Roster, ApiError> {
        let (items, next_cursor) = attendance::list(
            &state.db,
            &auth.0,
            id.0,
            page_size(limit.0),
            cursor.0.as_deref(),
        )
        .await?;
        Ok(Roster::Ok(Json(AttendancePage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// A session's attendance audit trail
    ///
    /// Every change (old → new, note, by whom, when), oldest first. For admins.
    #[oai(
        path = "/sessions/:id/attendance/history",
        method = "get",
        operation_id = "listAttendanceHistory"
    )]
    async fn history(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<Changes, ApiError> {
        let (items, next_cursor) =
            attendance::history(&state.db, id.0, page_size(limit.0), cursor.0.as_deref()).await?;
        Ok(Changes::Ok(Json(AttendanceChangePage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// The session's check-in code
    ///
    /// For admins and the edition's trainers, to show in the session: six digits, a new
    /// code every 60 seconds; the previous one is accepted for another minute.
    #[oai(
        path = "/sessions/:id/check-in-code",
        method = "get",
        operation_id = "getCheckInCode"
    )]
    async fn code(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        id: Path<Uuid>,
    ) -> Result<Code, ApiError> {
        let c = current_code(&state, &auth, id.0).await?;
        Ok(Code::Ok(Json(c), NO_STORE.to_owned()))
    }

    /// The session's check-in code as a QR code
    ///
    /// The same code's link as a PNG image, for participants to scan.
    #[oai(
        path = "/sessions/:id/check-in-code.png",
        method = "get",
        operation_id = "getCheckInCodeImage"
    )]
    async fn code_image(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        id: Path<Uuid>,
    ) -> Result<CodeImage, ApiError> {
        let c = current_code(&state, &auth, id.0).await?;
        let png = qr::png(&c.url, 8)
            .map_err(|e| ApiError::from(DomainError::Internal(format!("QR code: {e}"))))?;
        Ok(CodeImage::Ok(Binary(png), NO_STORE.to_owned()))
    }

    /// Check in
    ///
    /// A participant with a confirmed registration posts the code shown in the session,
    /// from 30 minutes before its start until its end (else 409 `check_in_closed`), and
    /// is marked present (late after 15 minutes). A wrong or expired code is 422; after
    /// five wrong codes in ten minutes, 429 `too_many_attempts` with `Retry-After` (every
    /// attempt is counted before its code is compared; a right code gives it back).
    /// Someone who teaches the edition sees its code and does not check in: 403
    /// `self_marking`, unless an admin. Checking in again changes nothing.
    #[oai(
        path = "/sessions/:id/check-in",
        method = "post",
        operation_id = "checkIn"
    )]
    async fn check_in(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: UserAuth,
        id: Path<Uuid>,
        body: Json<CheckIn>,
    ) -> Result<Checked, ApiError> {
        let client = state.client_key(req);
        presence(&state, &auth, id.0, &body.0, Presence::In, &client).await
    }

    /// Check out
    ///
    /// Records when a participant leaves (online sessions: the symposium's proof of
    /// attendance), with the session's code, after checking in (else 409
    /// `not_checked_in`). The same window, limits and refusals as checking in.
    #[oai(
        path = "/sessions/:id/check-out",
        method = "post",
        operation_id = "checkOut"
    )]
    async fn check_out(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: UserAuth,
        id: Path<Uuid>,
        body: Json<CheckIn>,
    ) -> Result<Checked, ApiError> {
        let client = state.client_key(req);
        presence(&state, &auth, id.0, &body.0, Presence::Out, &client).await
    }

    /// Mark an e-learning module done
    ///
    /// For admins and the edition's trainers: a confirmed registration of a published
    /// e-learning edition completed on a date; its certificate is issued at once (or
    /// reinstated after a withdrawal). Other kinds of course complete when their edition
    /// closes: 409 `not_elearning`. A trainer's own registration is decided by another
    /// trainer or an admin: 403 `self_marking`.
    #[oai(
        path = "/registrations/:id/completion",
        method = "put",
        operation_id = "markCompletion"
    )]
    async fn complete(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        id: Path<Uuid>,
        body: Json<CompletionRequest>,
    ) -> Result<Completed, ApiError> {
        let (row, settled) = completions::mark_done(
            &state.db,
            &auth.0,
            id.0,
            body.0.completed_on,
            &state.config.academy_name,
        )
        .await?;
        Ok(Completed::Ok(Json(Completion::new(row, settled))))
    }

    /// Take an e-learning completion back
    ///
    /// Corrects a mistake: the completion is removed and its certificate revoked with
    /// reason `completion_withdrawn` (marking it done again reinstates it). Not one's own
    /// (unless an admin): 403 `self_marking`.
    #[oai(
        path = "/registrations/:id/completion",
        method = "delete",
        operation_id = "removeCompletion"
    )]
    async fn uncomplete(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        id: Path<Uuid>,
    ) -> Result<Removed, ApiError> {
        completions::unmark(&state.db, &auth.0, id.0).await?;
        Ok(Removed::NoContent)
    }
}

async fn current_code(
    state: &AppState,
    auth: &UserAuth,
    id: Uuid,
) -> Result<CheckInCode, ApiError> {
    let c = attendance::current_code(&state.db, &auth.0, &state.check_in_secret, id).await?;
    let url = format!(
        "{}/check-in?session={id}&code={}",
        state.config.public_url, c.code
    );
    Ok(CheckInCode {
        code: c.code,
        rotates_at: c.rotates_at.into(),
        expires_at: c.expires_at.into(),
        url,
    })
}

async fn presence(
    state: &AppState,
    auth: &UserAuth,
    session: Uuid,
    body: &CheckIn,
    presence: Presence,
    client: &str,
) -> Result<Checked, ApiError> {
    let row = attendance::check(
        &state.db,
        &auth.0,
        &state.check_in_secret,
        session,
        &body.code,
        presence,
        client,
    )
    .await?;
    Ok(Checked::Ok(Json(row.into())))
}
