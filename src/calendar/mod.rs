//! iCalendar (RFC 5545) feeds of sessions: the writer (`ics`: escaping, octet folding,
//! CRLF) and the Europe/Amsterdam `VTIMEZONE` derived from chrono-tz (`tz`). The `ical`
//! crate's generator does not escape TEXT, folds by characters instead of octets, writes
//! backslash-escaped parameters and panics on an empty parameter value, so the service
//! owns this small writer; the `ical` parser reads every feed back in the tests.

pub mod feeds;
pub mod ics;
pub mod tz;
