//! Report output formats. The queries live in `domain::reports`; here is how rows become
//! spreadsheet-safe CSV: the sheet itself ([`csv`]) and the reports' columns and cells.

pub mod completions;
pub mod csv;
pub mod register;
