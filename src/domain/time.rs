//! The academy's clock: instants at the precision both databases store, and days as
//! they fall in the Netherlands.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use chrono_tz::Europe::Amsterdam;

/// The current time, at the microsecond precision both databases store.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The Europe/Amsterdam day of an instant.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Amsterdam).date_naive()
}

/// Today in the Netherlands.
pub fn today() -> NaiveDate {
    local_day(now())
}
