//! Report output formats. The queries live in `domain::reports`; here is how rows become
//! spreadsheet-safe CSV.

pub mod csv;
