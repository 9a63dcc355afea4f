//! The academy's clock: instants at the precision both databases store, and days as
//! they fall in the Netherlands.

use chrono::{DateTime, NaiveDate, SubsecRound, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;

/// The current time, at the microsecond precision both databases store.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// An instant on the Dutch clock.
pub fn in_amsterdam(at: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
    at.with_timezone(&Amsterdam)
}

/// The Europe/Amsterdam day of an instant.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Amsterdam).date_naive()
}

/// Today in the Netherlands.
pub fn today() -> NaiveDate {
    local_day(now())
}

/// A time of day on a day in the Netherlands as an instant: the earlier one of the hour
/// the clocks go back, none for the hour they skip.
pub fn at_local(day: NaiveDate, hour: u32, minute: u32) -> Option<DateTime<Utc>> {
    let naive = day.and_hms_opt(hour, minute, 0)?;
    Some(
        Amsterdam
            .from_local_datetime(&naive)
            .earliest()?
            .with_timezone(&Utc),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn local_times_follow_dutch_summer_time() {
        let at = |d, h, m| at_local(d, h, m).map(|t| t.to_rfc3339());
        assert_eq!(
            at(date(2026, 1, 13), 9, 0).unwrap(),
            "2026-01-13T08:00:00+00:00"
        );
        assert_eq!(
            at(date(2026, 6, 9), 9, 0).unwrap(),
            "2026-06-09T07:00:00+00:00"
        );
        assert_eq!(
            at(date(2026, 3, 28), 12, 0).unwrap(),
            "2026-03-28T11:00:00+00:00"
        );
        assert_eq!(
            at(date(2026, 3, 29), 12, 0).unwrap(),
            "2026-03-29T10:00:00+00:00"
        );
        assert_eq!(at(date(2026, 3, 29), 2, 30), None);
        assert_eq!(
            at(date(2026, 10, 25), 2, 30).unwrap(),
            "2026-10-25T00:30:00+00:00"
        );
        assert_eq!(
            local_day(at_local(date(2026, 12, 1), 0, 30).unwrap()),
            date(2026, 12, 1)
        );
    }
}
