//! Personal data rights: `GET /api/v1/me/export` (everything held about the caller) and
//! `POST /api/v1/users/{id}/erase` (admins).

use std::sync::Arc;

use chrono::NaiveDate;
use entity::completion;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::attendance::AttendanceRecord;
use super::certificates::{Certificate, view};
use super::problem::ApiError;
use super::registrations::{Registration, RegistrationEvent};
use super::security::{AdminAuth, UserAuth};
use super::tags::ApiTags;
use super::types::{OptionalJson, Timestamp, strict_opt_string};
use super::users::User;
use crate::domain::privacy::{self, Export};
use crate::state::AppState;

/// A registration with its history.
#[derive(Debug, Object)]
pub struct ExportedRegistration {
    /// The registration.
    pub registration: Registration,
    /// Every status change, oldest first.
    pub history: Vec<RegistrationEvent>,
}

/// An attendance record with its session's times.
#[derive(Debug, Object)]
pub struct ExportedAttendance {
    /// The record.
    pub record: AttendanceRecord,
    /// The session's start (UTC).
    pub session_starts_at: Timestamp,
    /// The session's end (UTC).
    pub session_ends_at: Timestamp,
}

/// A completion.
#[derive(Debug, Object)]
pub struct ExportedCompletion {
    /// The registration.
    pub registration_id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// The day it was completed.
    pub completed_on: NaiveDate,
    /// Sessions attended.
    pub sessions_attended: i32,
    /// Sessions that counted.
    pub sessions_counted: i32,
}

impl From<completion::Model> for ExportedCompletion {
    fn from(c: completion::Model) -> Self {
        Self {
            registration_id: c.registration_id,
            edition_id: c.edition_id,
            completed_on: c.completed_on,
            sessions_attended: c.sessions_attended,
            sessions_counted: c.sessions_counted,
        }
    }
}

/// An evaluation the person gave.
#[derive(Debug, Object)]
pub struct ExportedEvaluation {
    /// The edition.
    pub edition_id: Uuid,
    /// Score 1–10.
    pub score: i32,
    /// The comment.
    #[oai(nullable)]
    pub comment: Option<String>,
    /// Given at (UTC).
    pub created_at: Timestamp,
    /// Last changed (UTC).
    pub updated_at: Timestamp,
}

/// Everything the service holds about the caller.
#[derive(Debug, Object)]
pub struct PersonalExport {
    /// When this export was made (UTC).
    pub generated_at: Timestamp,
    /// Profile, roles and register memberships.
    pub profile: User,
    /// Registrations with their history.
    pub registrations: Vec<ExportedRegistration>,
    /// Attendance records.
    pub attendance: Vec<ExportedAttendance>,
    /// Completions.
    pub completions: Vec<ExportedCompletion>,
    /// Certificates.
    pub certificates: Vec<Certificate>,
    /// Evaluations given.
    pub evaluations: Vec<ExportedEvaluation>,
    /// Whether a personal calendar feed URL exists (the URL itself is not repeated here).
    pub calendar_feed: bool,
}

fn document(state: &AppState, e: Export) -> PersonalExport {
    PersonalExport {
        generated_at: e.generated_at.into(),
        profile: e.profile.into(),
        registrations: e
            .registrations
            .into_iter()
            .map(|r| ExportedRegistration {
                registration: r.registration.into(),
                history: r.history.into_iter().map(Into::into).collect(),
            })
            .collect(),
        attendance: e
            .attendance
            .into_iter()
            .map(|a| ExportedAttendance {
                session_starts_at: a.session.starts_at.into(),
                session_ends_at: a.session.ends_at.into(),
                record: a.attendance.into(),
            })
            .collect(),
        completions: e.completions.into_iter().map(Into::into).collect(),
        certificates: e.certificates.into_iter().map(|c| view(state, c)).collect(),
        evaluations: e
            .evaluations
            .into_iter()
            .map(|v| ExportedEvaluation {
                edition_id: v.edition_id,
                score: v.score,
                comment: v.comment,
                created_at: v.created_at.into(),
                updated_at: v.updated_at.into(),
            })
            .collect(),
        calendar_feed: e.calendar_feed,
    }
}

/// An erasure request.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Erasure {
    /// Why (kept in the audit trail), up to 500 characters, no control characters.
    #[oai(
        deserialize_with = "strict_opt_string",
        validator(max_length = 500, pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*$")
    )]
    pub reason: Option<String>,
}

#[derive(ApiResponse)]
enum Exported {
    /// Everything held about the caller, as one document.
    #[oai(status = 200)]
    Ok(
        Json<PersonalExport>,
        /// Suggested file name.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

#[derive(ApiResponse)]
enum Erased {
    /// The person as they remain: anonymous, disabled.
    #[oai(status = 200)]
    Ok(Json<User>),
}

/// Personal data endpoints.
pub struct PrivacyApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl PrivacyApi {
    /// Export my data
    ///
    /// Everything the service holds about the caller as one JSON document: profile,
    /// register memberships, registrations with their history, attendance, completions,
    /// certificates and evaluations.
    #[oai(path = "/me/export", method = "get", operation_id = "exportMyData")]
    async fn export(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
    ) -> Result<Exported, ApiError> {
        let e = privacy::export(&state.db, &auth.0).await?;
        Ok(Exported::Ok(
            Json(document(&state, e)),
            "attachment; filename=\"mijn-gegevens.json\"".to_owned(),
        ))
    }

    /// Erase a person's personal data
    ///
    /// For admins. Removes name, e-mail address, password, register numbers, calendar
    /// feed and sign-in sessions, blanks free text about the person (attendance notes,
    /// reasons, evaluation comments, the name on certificates) and revokes their valid
    /// certificates with reason `erased`; the person can no longer sign in. The anonymous
    /// rows stay so the academy's figures stay right. Recorded with who erased, when and
    /// why. 409 `already_erased`, `cannot_erase_self`.
    #[oai(path = "/users/:id/erase", method = "post", operation_id = "eraseUser")]
    async fn erase(
        &self,
        state: Data<&Arc<AppState>>,
        auth: AdminAuth,
        id: Path<Uuid>,
        body: OptionalJson<Erasure>,
    ) -> Result<Erased, ApiError> {
        let reason = body.0.and_then(|b| b.reason);
        let v = privacy::erase(&state.db, &auth.0, id.0, reason.as_deref()).await?;
        state.access.advance(v.user.id, v.user.token_version);
        Ok(Erased::Ok(Json(v.into())))
    }
}
