//! `/api/v1/reports/…` (completions, points per professional, the register export) and
//! `/api/v1/me/points`. HR see their own organisation, partner clients with
//! `reports:read` the organisation they are bound to, admins everyone (or the
//! organisation they ask for). Completions and the register export come as JSON or, with
//! `Accept: text/csv` (or `?format=csv`), as CSV; the completions CSV is streamed page by
//! page, so memory stays flat however many rows there are.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use entity::Register;
use poem::web::Data;
use poem::{Body, Request};
use poem_openapi::param::Query;
use poem_openapi::payload::{Binary, Json};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, ResponseContent};
use sea_orm::{ActiveEnum, DatabaseConnection};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{AdminAuth, Auth, UserAuth};
use super::tags::ApiTags;
use super::types::Timestamp;
use super::wire::CertificateStatus as CertificateState;
use super::wire::RegisterName;
use crate::api::types::{PageSize, page_size};
use crate::certificates::code;
use crate::domain::paging::{Cursor, PageRequest};
use crate::domain::reports::{
    self, BATCH, CompletionFilter, CompletionLine, PointsLine, Position, RegisterRecord, Scope,
};
use crate::domain::statistics::{self, EditionFigures, Grouping};
use crate::domain::values;
use crate::error::DomainError;
use crate::http::{AbortSwitch, abort_on_error};
use crate::reports::csv::{Page, Style};
use crate::state::AppState;

/// A register and a number in it.
#[derive(Debug, Object)]
pub struct RegisterNumber {
    /// The register.
    pub register: RegisterName,
    /// The number.
    pub number: String,
}

/// Points in one register.
#[derive(Debug, Object)]
pub struct RegisterPoints {
    /// The register.
    pub register: RegisterName,
    /// Points.
    pub points: f64,
}

/// A certificate as a report names it.
#[derive(Debug, Object)]
pub struct ReportCertificate {
    /// Identifier.
    pub id: Uuid,
    /// Verification code.
    pub code: String,
    /// Valid or revoked.
    pub status: CertificateState,
}

/// One completed registration.
#[derive(Debug, Object)]
pub struct CompletionRow {
    /// The registration.
    pub registration_id: Uuid,
    /// The person.
    pub user_id: Uuid,
    /// Their name.
    pub name: String,
    /// Their e-mail address.
    #[oai(nullable)]
    pub email: Option<String>,
    /// Their organisation.
    pub organization_id: Uuid,
    /// Their register numbers now.
    pub registers: Vec<RegisterNumber>,
    /// The course.
    pub course_id: Uuid,
    /// The course's title.
    pub course_title: String,
    /// The edition.
    pub edition_id: Uuid,
    /// The edition's first day (Europe/Amsterdam).
    #[oai(nullable)]
    pub first_day: Option<NaiveDate>,
    /// The edition's last day.
    #[oai(nullable)]
    pub last_day: Option<NaiveDate>,
    /// The day it was completed.
    pub completed_on: NaiveDate,
    /// Study load in hours.
    #[oai(nullable)]
    pub hours: Option<f64>,
    /// Points per register on the certificate.
    pub points: Vec<RegisterPoints>,
    /// The certificate, if issued.
    #[oai(nullable)]
    pub certificate: Option<ReportCertificate>,
}

impl From<CompletionLine> for CompletionRow {
    fn from(l: CompletionLine) -> Self {
        Self {
            registration_id: l.completion.registration_id,
            user_id: l.completion.user_id,
            name: l.name,
            email: l.email,
            organization_id: l.organization_id,
            registers: l
                .registers
                .into_iter()
                .map(|(register, number)| RegisterNumber {
                    register: register.into(),
                    number,
                })
                .collect(),
            course_id: l.course_id,
            course_title: l.course_title,
            edition_id: l.completion.edition_id,
            first_day: l.first_day,
            last_day: l.last_day,
            completed_on: l.completion.completed_on,
            hours: l.hours,
            points: l
                .points
                .into_iter()
                .map(|(register, points)| RegisterPoints {
                    register: register.into(),
                    points,
                })
                .collect(),
            certificate: l.certificate.map(|(id, c, status)| ReportCertificate {
                id,
                code: code::display(&c),
                status: status.into(),
            }),
        }
    }
}

super::paging::page_type!(CompletionPage, CompletionRow, "A page of completions.");

/// A professional's standing in a register's current five-year period.
#[derive(Debug, Object)]
pub struct PointsRow {
    /// The person.
    pub user_id: Uuid,
    /// Their name.
    pub name: String,
    /// Their organisation.
    pub organization_id: Uuid,
    /// The register.
    pub register: RegisterName,
    /// Their number in it.
    pub number: String,
    /// First day of the current period.
    pub period_start: NaiveDate,
    /// Last day of the current period.
    pub period_end: NaiveDate,
    /// Points of valid certificates completed inside the period (only activities
    /// finished inside it count).
    pub points: f64,
    /// The register's norm per period (SKJ: 60); `null` where none is known.
    #[oai(nullable)]
    pub norm: Option<f64>,
    /// Points still needed; 0 when the norm is met.
    #[oai(nullable)]
    pub shortfall: Option<f64>,
    /// Days until the period ends.
    pub days_left: i32,
}

impl From<PointsLine> for PointsRow {
    fn from(l: PointsLine) -> Self {
        Self {
            user_id: l.user_id,
            name: l.name,
            organization_id: l.organization_id,
            register: l.register.into(),
            number: l.number,
            period_start: l.period_start,
            period_end: l.period_end,
            points: l.points,
            norm: l.norm,
            shortfall: l.shortfall,
            days_left: super::types::wire_i32(l.days_left),
        }
    }
}

super::paging::page_type!(PointsPage, PointsRow, "A page of professionals' points.");

/// The order of the points report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "PointsOrder", rename_all = "snake_case")]
pub enum PointsOrder {
    /// Largest shortfall first, then the period ending soonest.
    Shortfall,
    /// By name.
    Name,
}

/// One attendance record for a register's upload.
#[derive(Debug, Object)]
pub struct RegisterRecordRow {
    /// External person id: the person's number in the register.
    pub external_person_id: String,
    /// The course's accreditation number at the register.
    pub accreditation_number: String,
    /// The course.
    pub course_id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// The meeting (session); `null` for e-learning.
    #[oai(nullable)]
    pub meeting_id: Option<Uuid>,
    /// The meeting's day (the completion day for e-learning).
    pub date: NaiveDate,
    /// Points of the completed activity in this register.
    pub points: f64,
}

impl From<&RegisterRecord> for RegisterRecordRow {
    fn from(r: &RegisterRecord) -> Self {
        Self {
            external_person_id: r.number.clone(),
            accreditation_number: r.accreditation_number.clone(),
            course_id: r.course_id,
            edition_id: r.edition_id,
            meeting_id: r.session_id,
            date: r.date,
            points: r.points,
        }
    }
}

/// Someone left out of the export for lack of a number in the register.
#[derive(Debug, Object)]
pub struct MissingNumberRow {
    /// The person.
    pub user_id: Uuid,
    /// Their name.
    pub name: String,
    /// Their organisation.
    pub organization_id: Uuid,
    /// Completed activities with points in this register.
    pub activities: u32,
}

/// One batch of the register export.
#[derive(Debug, Object)]
pub struct RegisterExport {
    /// The register.
    pub register: RegisterName,
    /// This batch (1-based).
    pub batch: u32,
    /// Batches in all (at most 1,000 records each).
    pub batches: u32,
    /// Records in all batches.
    pub total_records: u32,
    /// This batch's records.
    pub records: Vec<RegisterRecordRow>,
    /// People with completed activities but no number in this register: not exported.
    pub without_number: Vec<MissingNumberRow>,
}

/// The CSV separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "CsvSeparator", rename_all = "snake_case")]
pub enum Separator {
    /// `,` with decimal points.
    Comma,
    /// `;` with decimal commas (Dutch spreadsheets).
    Semicolon,
}

/// The response format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "ReportFormat", rename_all = "snake_case")]
pub enum Format {
    /// JSON (the default).
    Json,
    /// CSV (as `Accept: text/csv`).
    Csv,
}

#[derive(ResponseContent)]
enum CompletionsBody {
    Json(Json<CompletionPage>),
    /// The whole result as CSV with a header row, streamed.
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Body>),
}

#[derive(ApiResponse)]
enum CompletionsReport {
    /// A page of completions (JSON), or all of them (CSV).
    #[oai(status = 200)]
    Ok(
        CompletionsBody,
        /// For CSV: a file name.
        #[oai(header = "Content-Disposition")]
        Option<String>,
    ),
}

#[derive(ApiResponse)]
enum PointsReport {
    /// A page of professionals.
    #[oai(status = 200)]
    Ok(Json<PointsPage>),
}

#[derive(ApiResponse)]
enum MyPoints {
    /// The caller's standing in each register they are a member of.
    #[oai(status = 200)]
    Ok(Json<Vec<PointsRow>>),
}

#[derive(ResponseContent)]
enum ExportBody {
    Json(Json<RegisterExport>),
    /// The batch's records as CSV with a header row.
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(Binary<Vec<u8>>),
}

#[derive(ApiResponse)]
enum ExportReport {
    /// One batch of records.
    #[oai(status = 200)]
    Ok(
        ExportBody,
        /// For CSV: a file name.
        #[oai(header = "Content-Disposition")]
        Option<String>,
        /// Batches in all.
        #[oai(header = "X-Batches")]
        u32,
    ),
}

fn wants_csv(req: &Request, format: Option<Format>) -> bool {
    match format {
        Some(f) => f == Format::Csv,
        None => req
            .headers()
            .get(poem::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
    }
}

fn style(separator: Option<Separator>, bom: Option<bool>) -> Style {
    Style {
        separator: match separator {
            Some(Separator::Semicolon) => b';',
            _ => b',',
        },
        bom: bom.unwrap_or(false),
    }
}

/// The whole completions report as a CSV stream ([`crate::reports::completions`]); a
/// failure after the answer began aborts the connection (`abort`), so the client sees a
/// broken transfer and never a complete-looking file.
fn completions_csv(
    db: DatabaseConnection,
    scope: Scope,
    filter: CompletionFilter,
    style: Style,
    first: Page<CompletionLine, Position>,
    abort: Option<AbortSwitch>,
) -> Result<Body, DomainError> {
    let rows = crate::reports::completions::sheet(db, scope, filter, style, first)?;
    Ok(Body::from_bytes_stream(abort_on_error(rows, abort)))
}

/// Attendance at one session.
#[derive(Debug, Object)]
pub struct SessionAttendanceFigures {
    /// The session.
    pub session_id: Uuid,
    /// Its start (UTC).
    pub starts_at: Timestamp,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// Present.
    pub present: u32,
    /// Late.
    pub late: u32,
    /// Excused.
    pub excused: u32,
    /// Absent.
    pub absent: u32,
    /// Confirmed participants not marked.
    pub unmarked: u32,
}

/// The figures of one edition.
#[derive(Debug, Object)]
pub struct EditionStatistics {
    /// Seats.
    pub capacity: i32,
    /// Confirmed registrations now.
    pub confirmed: u32,
    /// Confirmed ÷ capacity (0–1, three decimals).
    pub fill_rate: f64,
    /// Waiting now.
    pub waitlist_length: u32,
    /// The longest the waiting list has been.
    pub waitlist_peak: u32,
    /// Cancellations.
    pub cancellations: u32,
    /// Cancellations after the cancellation deadline.
    pub late_cancellations: u32,
    /// Attendance per session.
    pub sessions: Vec<SessionAttendanceFigures>,
    /// Absent ÷ marked records of sessions that took place; `null` before any.
    #[oai(nullable)]
    pub no_show_rate: Option<f64>,
    /// Completed ÷ confirmed, once the edition is closed.
    #[oai(nullable)]
    pub completion_rate: Option<f64>,
    /// Evaluations given.
    pub evaluations: u32,
    /// Their mean score (1–10).
    #[oai(nullable)]
    pub evaluation_mean: Option<f64>,
}

impl From<EditionFigures> for EditionStatistics {
    fn from(f: EditionFigures) -> Self {
        Self {
            capacity: f.capacity,
            confirmed: f.confirmed,
            fill_rate: f.fill_rate,
            waitlist_length: f.waitlist_length,
            waitlist_peak: f.waitlist_peak,
            cancellations: f.cancellations,
            late_cancellations: f.late_cancellations,
            sessions: f
                .sessions
                .into_iter()
                .map(|s| SessionAttendanceFigures {
                    session_id: s.session_id,
                    starts_at: s.starts_at.into(),
                    cancelled: s.cancelled,
                    present: s.present,
                    late: s.late,
                    excused: s.excused,
                    absent: s.absent,
                    unmarked: s.unmarked,
                })
                .collect(),
            no_show_rate: f.no_show_rate,
            completion_rate: f.completion_rate,
            evaluations: f.evaluations,
            evaluation_mean: f.evaluation_mean,
        }
    }
}

/// How the overview groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename = "OverviewGrouping", rename_all = "snake_case")]
pub enum Group {
    /// Per calendar month.
    Month,
    /// Per course.
    Course,
    /// Per organisation of the people.
    Organization,
}

/// One row of the academy overview.
#[derive(Debug, Object)]
pub struct OverviewLine {
    /// The month (`2026-09`), course id or organisation id.
    pub key: String,
    /// The month, the course's title or the organisation's name.
    pub label: String,
    /// Registrations made in the period (any outcome).
    pub registrations: u32,
    /// Completions in the period.
    pub completions: u32,
    /// Points of valid certificates completed in the period, per register.
    pub points: Vec<RegisterPoints>,
    /// Evaluations given in the period.
    pub evaluations: u32,
    /// Their mean score.
    #[oai(nullable)]
    pub evaluation_mean: Option<f64>,
}

#[derive(ApiResponse)]
enum Statistics {
    /// The edition's figures.
    #[oai(status = 200)]
    Ok(Json<EditionStatistics>),
}

#[derive(ApiResponse)]
enum Overview {
    /// One row per group, in key order.
    #[oai(status = 200)]
    Ok(Json<Vec<OverviewLine>>),
}

/// Report endpoints.
pub struct ReportsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Reports")]
impl ReportsApi {
    /// Completions report
    ///
    /// One row per completed registration: person, register numbers, course, edition,
    /// dates, hours, points per register and certificate (code and status). JSON is
    /// paged; `Accept: text/csv` (or `format=csv`) gives the whole result as CSV, streamed,
    /// with a header row; `bom=true` starts it with a UTF-8 byte order mark for Excel,
    /// `separator=semicolon` uses `;` and decimal commas. Cells that would run as a
    /// spreadsheet formula are neutralised. A failure before the first row is answered
    /// with a problem document; one while the CSV streams closes the connection before the
    /// body's end, so a cut-off file never looks complete. HR: own organisation; partner
    /// clients with `reports:read`: their organisation; admins: all or `organization_id`.
    #[oai(
        path = "/reports/completions",
        method = "get",
        operation_id = "reportCompletions"
    )]
    #[expect(clippy::too_many_arguments, reason = "one parameter per query option")]
    async fn completions(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: Auth,
        /// People of this organisation (HR and clients: their own).
        organization_id: Query<Option<Uuid>>,
        /// Completed on or after this day (1900-01-01 to 2999-12-31, else 422).
        from: Query<Option<NaiveDate>>,
        /// Completed on or before this day (1900-01-01 to 2999-12-31, else 422).
        to: Query<Option<NaiveDate>>,
        /// Of this course.
        course_id: Query<Option<Uuid>>,
        /// Of courses with this topic.
        #[oai(validator(max_length = 64, pattern = "^[^\\x00-\\x1f\\x7f]*$"))]
        topic: Query<Option<String>>,
        /// `json` or `csv` (overrides `Accept`).
        format: Query<Option<Format>>,
        /// CSV: `comma` (default) or `semicolon`.
        separator: Query<Option<Separator>>,
        /// CSV: start with a UTF-8 byte order mark.
        bom: Query<Option<bool>>,
        /// Page size, 1–200 (default 50; JSON only).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page (JSON only).
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{43}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<CompletionsReport, ApiError> {
        values::days(&[("from", from.0), ("to", to.0)])?;
        let scope = reports::scope(&auth.0, organization_id.0)?;
        let filter = CompletionFilter {
            from: from.0,
            to: to.0,
            course_id: course_id.0,
            topic: topic.0,
        };
        if wants_csv(req, format.0) {
            // The first page before the answer: a failing query is a problem document, not
            // a 200 with a broken file.
            let (rows, next) = reports::completions(
                &state.db,
                scope,
                &filter,
                None,
                crate::reports::completions::PAGE,
            )
            .await?;
            let first = Page { rows, next };
            let body = completions_csv(
                state.db.clone(),
                scope,
                filter,
                style(separator.0, bom.0),
                first,
                AbortSwitch::of(req),
            )?;
            return Ok(CompletionsReport::Ok(
                CompletionsBody::Csv(Binary(body)),
                Some("attachment; filename=\"completions.csv\"".to_owned()),
            ));
        }
        let limit = crate::domain::paging::check_limit(page_size(limit.0))?;
        let after = cursor.0.as_deref().map(Position::decode).transpose()?;
        let (lines, next) = reports::completions(&state.db, scope, &filter, after, limit).await?;
        let next_cursor = next.map(|p| p.encode());
        Ok(CompletionsReport::Ok(
            CompletionsBody::Json(Json(CompletionPage {
                items: lines.into_iter().map(Into::into).collect(),
                next_cursor,
            })),
            None,
        ))
    }

    /// Points report
    ///
    /// Per professional with a number in the register (default SKJ): their current
    /// five-year period (or the five years from `cycle_start`), points of valid certificates completed inside it (only
    /// activities finished inside the period count), the norm (SKJ: 60), the shortfall
    /// and the days left. Sorted by shortfall (default) or name. Scope as the completions
    /// report.
    #[oai(
        path = "/reports/points",
        method = "get",
        operation_id = "reportPoints"
    )]
    #[expect(clippy::too_many_arguments, reason = "one parameter per query option")]
    async fn points(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        /// People of this organisation (HR and clients: their own).
        organization_id: Query<Option<Uuid>>,
        /// The register (default `SKJ`).
        register: Query<Option<RegisterName>>,
        /// Count the five years from this day for everyone, instead of each person's own
        /// current period (1900-01-01 to 2999-12-31, else 422).
        cycle_start: Query<Option<NaiveDate>>,
        /// The order (default `shortfall`).
        sort: Query<Option<PointsOrder>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<PointsReport, ApiError> {
        values::days(&[("cycle_start", cycle_start.0)])?;
        let scope = reports::scope(&auth.0, organization_id.0)?;
        let page = PageRequest::parse(page_size(limit.0), cursor.0.as_deref())?;
        let register = register.0.map_or(Register::Skj, Into::into);
        let today = crate::domain::time::today();
        let mut lines =
            reports::points(&state.db, scope, register, None, cycle_start.0, today).await?;
        match sort.0.unwrap_or(PointsOrder::Shortfall) {
            PointsOrder::Shortfall => lines.sort_by(|a, b| {
                b.shortfall
                    .unwrap_or(0.0)
                    .total_cmp(&a.shortfall.unwrap_or(0.0))
                    .then(a.days_left.cmp(&b.days_left))
                    .then(a.name.cmp(&b.name))
                    .then(a.user_id.cmp(&b.user_id))
            }),
            PointsOrder::Name => {
                lines.sort_by(|a, b| a.name.cmp(&b.name).then(a.user_id.cmp(&b.user_id)));
            }
        }
        let start = match page.after {
            Some(after) => lines
                .iter()
                .position(|l| l.user_id == after)
                .map_or(lines.len(), |p| p + 1),
            None => 0,
        };
        let end = (start + page.limit as usize).min(lines.len());
        let next_cursor = (end < lines.len())
            .then(|| lines.get(end.saturating_sub(1)).map(|l| l.user_id.encode()))
            .flatten();
        let items = lines.drain(start.min(end)..end).map(Into::into).collect();
        Ok(PointsReport::Ok(Json(PointsPage { items, next_cursor })))
    }

    /// The register export
    ///
    /// Attendance records shaped for upload to a register's continuing-education system
    /// (PE-online style): external person id = the register number, the course's
    /// accreditation number, edition id, meeting id, date and points, for every meeting
    /// attended (present or late) of a completed registration with a valid certificate
    /// that carries points in the register (e-learning: one record on the completion
    /// day). At most 1,000 records per batch (`batch`, 1-based; `X-Batches` tells how
    /// many). People without a number for the register are listed separately in JSON,
    /// never dropped silently. JSON or CSV like the completions report.
    #[oai(
        path = "/reports/register-export",
        method = "get",
        operation_id = "reportRegisterExport"
    )]
    #[expect(clippy::too_many_arguments, reason = "one parameter per query option")]
    async fn register_export(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: Auth,
        /// The register (default `SKJ`).
        register: Query<Option<RegisterName>>,
        /// People of this organisation (HR and clients: their own).
        organization_id: Query<Option<Uuid>>,
        /// Meetings on or after this day (1900-01-01 to 2999-12-31, else 422).
        from: Query<Option<NaiveDate>>,
        /// Meetings on or before this day (1900-01-01 to 2999-12-31, else 422).
        to: Query<Option<NaiveDate>>,
        /// The batch, 1-based (default 1).
        #[oai(validator(minimum(value = "1"), maximum(value = "100000")))]
        batch: Query<Option<u32>>,
        /// `json` or `csv` (overrides `Accept`).
        format: Query<Option<Format>>,
        /// CSV: `comma` (default) or `semicolon`.
        separator: Query<Option<Separator>>,
        /// CSV: start with a UTF-8 byte order mark.
        bom: Query<Option<bool>>,
    ) -> Result<ExportReport, ApiError> {
        values::days(&[("from", from.0), ("to", to.0)])?;
        let scope = reports::scope(&auth.0, organization_id.0)?;
        let register = register.0.map_or(Register::Skj, Into::into);
        let (records, missing) =
            reports::register_export(&state.db, scope, register, from.0, to.0).await?;
        let batches = u32::try_from(records.len().div_ceil(BATCH))
            .unwrap_or(u32::MAX)
            .max(1);
        let n = batch.0.unwrap_or(1);
        if n > batches {
            return Err(
                DomainError::invalid("batch", format!("there are {batches} batches")).into(),
            );
        }
        let skip = (n as usize - 1) * BATCH;
        let this: Vec<&RegisterRecord> = records.iter().skip(skip).take(BATCH).collect();
        if wants_csv(req, format.0) {
            let style = style(separator.0, bom.0);
            let bytes = crate::reports::register::sheet(style, &this)?;
            return Ok(ExportReport::Ok(
                ExportBody::Csv(Binary(bytes)),
                Some(format!(
                    "attachment; filename=\"{}-export-{n}-of-{batches}.csv\"",
                    register.to_value().to_lowercase()
                )),
                batches,
            ));
        }
        Ok(ExportReport::Ok(
            ExportBody::Json(Json(RegisterExport {
                register: register.into(),
                batch: n,
                batches,
                total_records: u32::try_from(records.len()).unwrap_or(u32::MAX),
                records: this.into_iter().map(Into::into).collect(),
                without_number: missing
                    .into_iter()
                    .map(|m| MissingNumberRow {
                        user_id: m.user_id,
                        name: m.name,
                        organization_id: m.organization_id,
                        activities: m.activities,
                    })
                    .collect(),
            })),
            None,
            batches,
        ))
    }

    /// Edition statistics
    ///
    /// For admins and the edition's trainers: fill rate, the waiting list now and at its
    /// peak, cancellations (late ones apart), attendance per session, the no-show rate,
    /// the completion rate once closed, and the evaluation count and mean.
    #[oai(
        path = "/editions/:id/statistics",
        method = "get",
        operation_id = "getEditionStatistics"
    )]
    async fn statistics(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: poem_openapi::param::Path<Uuid>,
    ) -> Result<Statistics, ApiError> {
        let f = statistics::edition(&state.db, &auth.0, id.0).await?;
        Ok(Statistics::Ok(Json(f.into())))
    }

    /// Academy overview
    ///
    /// For admins: per month (default), course or organisation, from `from` to `to`
    /// (default: this year so far): registrations, completions, points awarded per
    /// register and the evaluation mean.
    #[oai(
        path = "/reports/overview",
        method = "get",
        operation_id = "reportOverview"
    )]
    async fn overview(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        /// First day (default: 1 January of this year; 1900-01-01 to 2999-12-31).
        from: Query<Option<NaiveDate>>,
        /// Last day (default: today; 1900-01-01 to 2999-12-31).
        to: Query<Option<NaiveDate>>,
        /// `month` (default), `course` or `organization`.
        group: Query<Option<Group>>,
    ) -> Result<Overview, ApiError> {
        values::days(&[("from", from.0), ("to", to.0)])?;
        let today = crate::domain::time::today();
        let from = from
            .0
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today));
        let to = to.0.unwrap_or(today);
        if from > to {
            return Err(DomainError::invalid("to", "must not be before from").into());
        }
        let grouping = match group.0.unwrap_or(Group::Month) {
            Group::Month => Grouping::Month,
            Group::Course => Grouping::Course,
            Group::Organization => Grouping::Organization,
        };
        let rows = statistics::overview(&state.db, from, to, grouping).await?;
        Ok(Overview::Ok(Json(
            rows.into_iter()
                .map(|r| OverviewLine {
                    key: r.key,
                    label: r.label,
                    registrations: r.registrations,
                    completions: r.completions,
                    points: r
                        .points
                        .into_iter()
                        .filter_map(|(register, points)| {
                            Register::try_from_value(&register)
                                .ok()
                                .map(|r| RegisterPoints {
                                    register: r.into(),
                                    points,
                                })
                        })
                        .collect(),
                    evaluations: r.evaluations,
                    evaluation_mean: r.evaluation_mean,
                })
                .collect(),
        )))
    }

    /// The caller's points
    ///
    /// For each register the caller is a member of: the current five-year period, points
    /// earned inside it, the norm, shortfall and days left.
    #[oai(path = "/me/points", method = "get", operation_id = "getMyPoints")]
    async fn my_points(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
    ) -> Result<MyPoints, ApiError> {
        let today = crate::domain::time::today();
        let mut out = Vec::new();
        for register in <Register as sea_orm::Iterable>::iter() {
            let lines = reports::points(
                &state.db,
                Scope::All,
                register,
                Some(auth.0.id),
                None,
                today,
            )
            .await?;
            out.extend(lines.into_iter().map(PointsRow::from));
        }
        Ok(MyPoints::Ok(Json(out)))
    }
}
