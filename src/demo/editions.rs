//! The demo's editions: past (closed), running, upcoming (published) and draft, with
//! their dates, places, trainers and how full they get.

use anyhow::anyhow;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};

use super::courses::c;

const LELYSTAD: &str = "Flevo Academie Jeugd, Stationsplein 12, Lelystad";
const ALMERE: &str = "Flevo Academie Jeugd, Grote Markt 45, Almere";
const AGORA: &str = "Agora Theater, Agorabaan 12, Lelystad";

/// Where an edition ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Draft,
    Published,
    Closed,
}

/// A half-day, evening or day: (hour, minute) from and to, local time.
type Slot = ((u32, u32), (u32, u32));

const MORNING: Slot = ((9, 0), (12, 30));
const AFTERNOON: Slot = ((13, 30), (17, 0));
const MELDCODE_SLOT: Slot = ((13, 0), (17, 0));
const EVENING: Slot = ((19, 30), (21, 30));
const DAY: Slot = ((9, 30), (16, 0));

pub(super) struct EditionPlan {
    pub(super) course: usize,
    pub(super) outcome: Outcome,
    /// Session dates, all in the same slot.
    pub(super) dates: Vec<NaiveDate>,
    pub(super) slot: Slot,
    pub(super) capacity: i64,
    pub(super) location: Option<&'static str>,
    pub(super) online_url: Option<&'static str>,
    pub(super) trainers: &'static [usize],
    pub(super) requires_approval: bool,
    /// Days before the first session the cancellation deadline falls.
    pub(super) cancel_days: i64,
    /// Registrations: up to `capacity` confirmed, the rest waitlisted.
    pub(super) registrations: usize,
    /// Where in the list of professionals the registrations start.
    pub(super) first_professional: usize,
}

/// The date of a weekday in the week `weeks` from `today` (on or after that day).
fn day(today: NaiveDate, weeks: i64, weekday: Weekday) -> NaiveDate {
    let base = today + Duration::weeks(weeks);
    let ahead = (7 + weekday.num_days_from_monday() - base.weekday().num_days_from_monday()) % 7;
    base + Duration::days(i64::from(ahead))
}

/// Today's session: from an hour before the current hour for four hours, or until the
/// end of the day, so that it is under way whenever the demo is loaded.
fn today_slot(hour: u32) -> Slot {
    let start = hour.saturating_sub(1).min(22);
    if start + 4 > 23 {
        ((start, 0), (23, 59))
    } else {
        ((start, 0), (start + 4, 0))
    }
}

/// The current hour in the Netherlands.
pub(super) fn local_hour(now: DateTime<Utc>) -> u32 {
    use chrono::Timelike;
    now.with_timezone(&chrono_tz::Europe::Amsterdam).hour()
}

/// `count` dates a week apart.
fn weekly(first: NaiveDate, count: i64) -> Vec<NaiveDate> {
    (0..count).map(|k| first + Duration::weeks(k)).collect()
}

pub(super) fn plans(today: NaiveDate, hour: u32) -> Vec<EditionPlan> {
    use Outcome::{Closed, Draft, Published};
    use Weekday::{Fri, Mon, Thu, Tue, Wed};
    let plan = |course, outcome, dates, slot, capacity, location, trainers| EditionPlan {
        course,
        outcome,
        dates,
        slot,
        capacity,
        location,
        online_url: None,
        trainers,
        requires_approval: false,
        cancel_days: 7,
        registrations: 0,
        first_professional: 0,
    };
    vec![
        // Past, closed.
        EditionPlan {
            registrations: 14,
            first_professional: 3,
            ..plan(
                c::ANALYSE,
                Closed,
                weekly(day(today, -10, Tue), 2),
                MORNING,
                16,
                Some(LELYSTAD),
                &[0, 2],
            )
        },
        EditionPlan {
            registrations: 18,
            first_professional: 11,
            ..plan(
                c::MELDCODE,
                Closed,
                vec![day(today, -6, Thu)],
                MELDCODE_SLOT,
                20,
                Some(ALMERE),
                &[1],
            )
        },
        EditionPlan {
            registrations: 14,
            first_professional: 20,
            requires_approval: true,
            cancel_days: 14,
            ..plan(
                c::TRAUMA,
                Closed,
                weekly(day(today, -11, Wed), 8),
                MORNING,
                14,
                Some(LELYSTAD),
                &[0, 3],
            )
        },
        EditionPlan {
            registrations: 38,
            first_professional: 30,
            online_url: Some("https://live.flevoacademiejeugd.nl/lezing-loyaliteit"),
            cancel_days: 1,
            ..plan(
                c::LEZING_LOYALITEIT,
                Closed,
                vec![day(today, -3, Mon)],
                EVENING,
                150,
                Some(LELYSTAD),
                &[3],
            )
        },
        EditionPlan {
            registrations: 52,
            first_professional: 5,
            online_url: Some("https://live.flevoacademiejeugd.nl/symposium-veerkracht"),
            cancel_days: 14,
            ..plan(
                c::SYMPOSIUM,
                Closed,
                vec![day(today, -40, Fri)],
                DAY,
                300,
                Some(AGORA),
                &[3, 0],
            )
        },
        // Running this week: a session today (begun an hour ago, so the trainer can show
        // the check-in code and mark attendance at once) and one next week.
        EditionPlan {
            registrations: 12,
            first_professional: 0,
            ..plan(
                c::RAPPORTEREN,
                Published,
                vec![today, today + Duration::weeks(1)],
                today_slot(hour),
                16,
                Some(LELYSTAD),
                &[0],
            )
        },
        // Upcoming, published.
        EditionPlan {
            registrations: 17, // 12 seats, 5 waiting
            first_professional: 0,
            ..plan(
                c::ANALYSE,
                Published,
                weekly(day(today, 3, Tue), 2),
                MORNING,
                12,
                Some(LELYSTAD),
                &[0, 2],
            )
        },
        EditionPlan {
            registrations: 5,
            first_professional: 40,
            ..plan(
                c::ANALYSE,
                Published,
                weekly(day(today, 9, Thu), 2),
                AFTERNOON,
                16,
                Some(ALMERE),
                &[2],
            )
        },
        EditionPlan {
            registrations: 11,
            first_professional: 15,
            ..plan(
                c::RAPPORTEREN,
                Published,
                vec![day(today, 2, Wed)],
                MORNING,
                20,
                Some(ALMERE),
                &[2],
            )
        },
        EditionPlan {
            registrations: 23, // 20 seats, 3 waiting
            first_professional: 25,
            ..plan(
                c::MELDCODE,
                Published,
                vec![day(today, 5, Thu)],
                MELDCODE_SLOT,
                20,
                Some(LELYSTAD),
                &[1],
            )
        },
        EditionPlan {
            registrations: 9,
            first_professional: 44,
            requires_approval: true,
            cancel_days: 14,
            ..plan(
                c::TRAUMA,
                Published,
                weekly(day(today, 6, Wed), 8),
                MORNING,
                14,
                Some(LELYSTAD),
                &[0, 3],
            )
        },
        EditionPlan {
            registrations: 27,
            first_professional: 8,
            online_url: Some("https://live.flevoacademiejeugd.nl/lezing-lvb"),
            cancel_days: 1,
            ..plan(
                c::LEZING_LVB,
                Published,
                vec![day(today, 1, Mon)],
                EVENING,
                200,
                Some(ALMERE),
                &[3],
            )
        },
        EditionPlan {
            registrations: 8,
            first_professional: 50,
            online_url: Some("https://live.flevoacademiejeugd.nl/lezing-sexting"),
            cancel_days: 1,
            ..plan(
                c::LEZING_SEXTING,
                Published,
                vec![day(today, 7, Tue)],
                EVENING,
                250,
                None,
                &[2],
            )
        },
        EditionPlan {
            registrations: 46,
            first_professional: 13,
            online_url: Some("https://live.flevoacademiejeugd.nl/symposium-veerkracht"),
            cancel_days: 14,
            ..plan(
                c::SYMPOSIUM,
                Published,
                vec![day(today, 12, Fri)],
                DAY,
                300,
                Some(AGORA),
                &[3, 0],
            )
        },
        EditionPlan {
            registrations: 17,
            first_professional: 33,
            ..plan(c::HECHTING, Published, Vec::new(), DAY, 500, None, &[])
        },
        // Being prepared.
        plan(
            c::RAPPORTEREN,
            Draft,
            vec![day(today, 15, Wed)],
            MORNING,
            20,
            Some(LELYSTAD),
            &[2],
        ),
        plan(
            c::MELDCODE,
            Draft,
            Vec::new(),
            MELDCODE_SLOT,
            20,
            Some(ALMERE),
            &[1],
        ),
    ]
}

/// A local Europe/Amsterdam time as UTC.
pub(super) fn local(date: NaiveDate, (hour, minute): (u32, u32)) -> anyhow::Result<DateTime<Utc>> {
    crate::domain::time::at_local(date, hour, minute)
        .ok_or_else(|| anyhow!("{date} {hour:02}:{minute:02} is not a time in the Netherlands"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn todays_session_is_under_way_at_any_hour() {
        for hour in 0..24 {
            let ((h0, m0), (h1, m1)) = today_slot(hour);
            assert!(
                (h0, m0) <= (hour, 0) && (hour, 59) <= (h1, m1),
                "{hour}: {h0}:{m0}–{h1}:{m1}"
            );
        }
    }

    #[test]
    fn dates_fall_on_the_weekday_asked() {
        let today = date(2026, 11, 23); // a Monday
        assert_eq!(day(today, 0, Weekday::Mon), today);
        assert_eq!(day(today, 1, Weekday::Tue), date(2026, 12, 1));
        assert_eq!(day(today, -2, Weekday::Fri), date(2026, 11, 13));
    }
}
