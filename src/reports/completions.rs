//! The completions report as a spreadsheet: its columns, each row's cells (text that
//! could be read as a formula neutralised), streamed page by page so memory stays flat.

use bytes::Bytes;
use chrono::NaiveDate;
use entity::{CertificateStatus, Register};
use futures_util::Stream;
use sea_orm::{ActiveEnum, DatabaseConnection};

use super::csv::{Page, Sheet, Style, safe, stream};
use crate::certificates::code;
use crate::domain::reports::{self, CompletionFilter, CompletionLine, Position, Scope};
use crate::error::DomainError;

fn joined<T>(items: &[(Register, T)], show: impl Fn(&T) -> String) -> String {
    items
        .iter()
        .map(|(r, v)| format!("{} {}", r.to_value(), show(v)))
        .collect::<Vec<_>>()
        .join(" | ")
}

const HEADER: [&str; 16] = [
    "registration_id",
    "user_id",
    "name",
    "email",
    "organization_id",
    "register_numbers",
    "course_id",
    "course_title",
    "edition_id",
    "first_day",
    "last_day",
    "completed_on",
    "hours",
    "points",
    "certificate_code",
    "certificate_status",
];

fn cells(style: Style, l: &CompletionLine) -> Vec<String> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        l.completion.registration_id.to_string(),
        l.completion.user_id.to_string(),
        safe(&l.name).into_owned(),
        safe(l.email.as_deref().unwrap_or_default()).into_owned(),
        l.organization_id.to_string(),
        safe(&joined(&l.registers, |n| n.clone())).into_owned(),
        l.course_id.to_string(),
        safe(&l.course_title).into_owned(),
        l.completion.edition_id.to_string(),
        day(l.first_day),
        day(l.last_day),
        l.completion.completed_on.to_string(),
        l.hours.map(|h| style.number(h)).unwrap_or_default(),
        joined(&l.points, |p| style.number(*p)),
        l.certificate
            .as_ref()
            .map(|(_, c, _)| code::display(c))
            .unwrap_or_default(),
        l.certificate
            .as_ref()
            .map(|(_, _, s)| match s {
                CertificateStatus::Valid => "valid",
                CertificateStatus::Revoked => "revoked",
            })
            .unwrap_or_default()
            .to_owned(),
    ]
}

/// Rows per database round trip while streaming the sheet.
pub const PAGE: u32 = 200;

/// The whole completions report as a CSV stream: header and `first` (the first page,
/// read before answering so that its failure is still an error response), then page
/// after page; a later failure ends the stream with an error.
pub fn sheet(
    db: DatabaseConnection,
    scope: Scope,
    filter: CompletionFilter,
    style: Style,
    first: Page<CompletionLine, Position>,
) -> Result<impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static, DomainError> {
    let sheet =
        Sheet::new(style, &HEADER).map_err(|e| DomainError::Internal(format!("CSV: {e}")))?;
    let fetch = move |after: Position| {
        let db = db.clone();
        let filter = filter.clone();
        async move {
            let (rows, next) = reports::completions(&db, scope, &filter, Some(after), PAGE).await?;
            Ok::<_, DomainError>(Page { rows, next })
        }
    };
    Ok(stream(
        sheet,
        first,
        move |l: &CompletionLine| cells(style, l),
        fetch,
    ))
}
