//! A register's export as a spreadsheet: one row per attended activity, in the columns
//! the registers' import takes.

use super::csv::{Sheet, Style, safe};
use crate::domain::reports::RegisterRecord;
use crate::error::DomainError;

/// The rows of one batch as a CSV file.
pub fn sheet(style: Style, records: &[&RegisterRecord]) -> Result<Vec<u8>, DomainError> {
    let failed = |e: csv::Error| DomainError::Internal(format!("CSV: {e}"));
    let mut sheet = Sheet::new(
        style,
        &[
            "external_person_id",
            "accreditation_number",
            "course_id",
            "edition_id",
            "meeting_id",
            "date",
            "points",
        ],
    )
    .map_err(failed)?;
    for r in records {
        sheet
            .row([
                safe(&r.number).into_owned(),
                safe(&r.accreditation_number).into_owned(),
                r.course_id.to_string(),
                r.edition_id.to_string(),
                r.session_id.map(|s| s.to_string()).unwrap_or_default(),
                r.date.to_string(),
                style.number(r.points),
            ])
            .map_err(failed)?;
    }
    sheet.take().map_err(failed)
}
