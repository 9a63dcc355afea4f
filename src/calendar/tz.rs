//! Time-zone data for iCalendar feeds, derived from chrono-tz.
//!
//! iCalendar clients resolve `DTSTART;TZID=Europe/Amsterdam:…` through the `VTIMEZONE`
//! component of the same feed, so the feed must carry the zone's rules. This module derives
//! them from the tz database compiled into chrono-tz: it scans the zone's UTC offsets,
//! finds the actual transitions around the years a feed covers ([`transitions`]) and, when
//! the transitions follow one yearly rule over that span (as Europe/Amsterdam's EU rule
//! does: last Sunday of March and of October, 01:00 UTC), describes each kind of
//! observance by one `RRULE`; otherwise it lists every transition as its own observance
//! ([`vtimezone`]). Nothing here is hard-coded but the zone's name.
//!
//! This module knows no iCalendar syntax beyond value formats; the writer lives in
//! `ics.rs`.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};
use chrono_tz::{OffsetComponents, OffsetName, Tz, TzOffset};

/// The zone every feed is written in.
pub const FEED_TZ: Tz = chrono_tz::Europe::Amsterdam;

/// Step of the offset scan. Transitions closer together than this could be missed; tzdata
/// has none for Europe/Amsterdam (the hourly check in the tests proves the result).
const SCAN_STEP_SECONDS: i64 = 86_400;

/// One change of a zone's UTC offset (or of its abbreviation or DST flag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The first instant at which the new offset applies.
    pub at: DateTime<Utc>,
    /// UTC offset in effect before `at`.
    pub offset_from: FixedOffset,
    /// UTC offset in effect from `at` on.
    pub offset_to: FixedOffset,
    /// Abbreviation in effect from `at` on (`CEST`, `CET`); `None` when tzdata has only a
    /// numeric one.
    pub name: Option<String>,
    /// Whether the new offset is daylight-saving time (chrono-tz reports a non-zero DST
    /// component).
    pub is_dst: bool,
}

impl Transition {
    /// The wall-clock time of the transition in the offset *before* it, which is how
    /// RFC 5545 expresses an observance's `DTSTART` (e.g. 02:00 for the March change in
    /// Amsterdam, 03:00 for the October one).
    #[must_use]
    pub fn local_onset(&self) -> NaiveDateTime {
        self.at.naive_utc() + Duration::seconds(i64::from(self.offset_from.local_minus_utc()))
    }
}

/// Whether an observance is a `STANDARD` or a `DAYLIGHT` sub-component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservanceKind {
    /// `BEGIN:STANDARD`.
    Standard,
    /// `BEGIN:DAYLIGHT`.
    Daylight,
}

/// A yearly recurrence `FREQ=YEARLY;BYMONTH=m;BYDAY=<ordinal><weekday>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearlyRule {
    /// Month, 1–12.
    pub month: u32,
    /// Week of the month: 1–4 for the first to fourth, -1 for the last.
    pub ordinal: i8,
    /// Day of the week.
    pub weekday: Weekday,
}

impl YearlyRule {
    /// The date this rule selects in `year`, if any.
    #[must_use]
    pub fn date_in(&self, year: i32) -> Option<NaiveDate> {
        if self.ordinal > 0 {
            let n = u8::try_from(self.ordinal).ok()?;
            NaiveDate::from_weekday_of_month_opt(year, self.month, self.weekday, n)
        } else {
            let last = last_day_of_month(year, self.month)?;
            let back = (7 + last.weekday().num_days_from_monday()
                - self.weekday.num_days_from_monday())
                % 7;
            last.checked_sub_signed(Duration::days(i64::from(back)))
        }
    }

    /// The RRULE value, e.g. `FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`.
    #[must_use]
    pub fn to_rrule(&self) -> String {
        format!(
            "FREQ=YEARLY;BYMONTH={};BYDAY={}{}",
            self.month,
            self.ordinal,
            weekday_code(self.weekday)
        )
    }
}

/// One `STANDARD` or `DAYLIGHT` sub-component of a `VTIMEZONE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observance {
    /// `STANDARD` or `DAYLIGHT`.
    pub kind: ObservanceKind,
    /// `DTSTART`: the first onset, as local time in `offset_from`.
    pub dtstart: NaiveDateTime,
    /// `TZOFFSETFROM`.
    pub offset_from: FixedOffset,
    /// `TZOFFSETTO`.
    pub offset_to: FixedOffset,
    /// `TZNAME`, if tzdata has an alphabetic abbreviation.
    pub name: Option<String>,
    /// `RRULE`, when the onsets recur by a yearly rule over the whole scanned span.
    pub rule: Option<YearlyRule>,
}

/// A `VTIMEZONE`: the zone's identifier and its observances, ordered by first onset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VTimezone {
    /// `TZID` (also written as `X-LIC-LOCATION`): the IANA name.
    pub tzid: &'static str,
    /// The `STANDARD`/`DAYLIGHT` sub-components.
    pub observances: Vec<Observance>,
}

/// Whether two offsets are the same regime: total offset, abbreviation and DST flag.
fn same_regime(a: &TzOffset, b: &TzOffset) -> bool {
    a.fix() == b.fix()
        && a.abbreviation() == b.abbreviation()
        && a.dst_offset().is_zero() == b.dst_offset().is_zero()
}

/// All transitions of `tz` in `[from, to)`, found by sampling the offset once per day and
/// bisecting each change to the second.
#[must_use]
pub fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Transition> {
    let mut found = Vec::new();
    let end = to.naive_utc();
    let mut lo = from.naive_utc();
    let mut lo_offset = tz.offset_from_utc_datetime(&lo);
    while lo < end {
        let hi = (lo + Duration::seconds(SCAN_STEP_SECONDS)).min(end);
        let hi_offset = tz.offset_from_utc_datetime(&hi);
        if same_regime(&hi_offset, &lo_offset) {
            lo = hi;
            lo_offset = hi_offset;
            continue;
        }
        // Invariant: the regime at `a` is `lo_offset`'s, the one at `b` is not.
        let (mut a, mut b) = (lo, hi);
        while (b - a).num_seconds() > 1 {
            let mid = a + Duration::seconds((b - a).num_seconds() / 2);
            if same_regime(&tz.offset_from_utc_datetime(&mid), &lo_offset) {
                a = mid;
            } else {
                b = mid;
            }
        }
        let after = tz.offset_from_utc_datetime(&b);
        if b < end {
            found.push(Transition {
                at: b.and_utc(),
                offset_from: lo_offset.fix(),
                offset_to: after.fix(),
                name: after.abbreviation().map(str::to_owned),
                is_dst: !after.dst_offset().is_zero(),
            });
        }
        lo = b;
        lo_offset = after;
    }
    found
}

/// Builds the `VTIMEZONE` for `tz` that is exact for every instant from 1 January of
/// `first_year` to 31 December of `last_year` (UTC), with a year of margin on both sides.
///
/// The scan starts on 1 January of `first_year - 1`, so the observance in force on
/// 1 January of `first_year` is included, and ends on 1 January of `last_year + 2`. If,
/// over that span, the daylight and the standard transitions each happen exactly once a
/// year, on the same weekday-of-month rule, at the same local time and with the same
/// offsets and names, each kind becomes one observance with an `RRULE` and `DTSTART` at its
/// first onset in the span; clients extrapolate such rules beyond the span, which matches
/// tzdata as long as the rule holds. Otherwise every transition becomes its own
/// observance without `RRULE`. A zone without transitions in the span gets a single
/// `STANDARD` observance.
#[must_use]
pub fn vtimezone(tz: Tz, first_year: i32, last_year: i32) -> VTimezone {
    let (first_year, last_year) = (first_year.min(last_year), first_year.max(last_year));
    let scan_first = first_year - 1;
    let scan_last = last_year + 1;
    let from = jan_first(scan_first);
    let to = jan_first(scan_last + 1);
    let all = transitions(tz, from, to);

    let mut observances = if all.is_empty() {
        let offset = tz.offset_from_utc_datetime(&from.naive_utc());
        let fix = offset.fix();
        vec![Observance {
            kind: if offset.dst_offset().is_zero() {
                ObservanceKind::Standard
            } else {
                ObservanceKind::Daylight
            },
            dtstart: from.naive_utc() + Duration::seconds(i64::from(fix.local_minus_utc())),
            offset_from: fix,
            offset_to: fix,
            name: offset.abbreviation().map(str::to_owned),
            rule: None,
        }]
    } else {
        let (daylight, standard): (Vec<&Transition>, Vec<&Transition>) =
            all.iter().partition(|t| t.is_dst);
        let years = scan_first..=scan_last;
        match (
            yearly_rule(&daylight, years.clone()),
            yearly_rule(&standard, years),
        ) {
            (Some(d_rule), Some(s_rule)) => vec![
                observance(daylight[0], Some(d_rule)),
                observance(standard[0], Some(s_rule)),
            ],
            _ => all.iter().map(|t| observance(t, None)).collect(),
        }
    };
    observances.sort_by_key(|o| o.dtstart);
    VTimezone {
        tzid: tz.name(),
        observances,
    }
}

fn observance(t: &Transition, rule: Option<YearlyRule>) -> Observance {
    Observance {
        kind: if t.is_dst {
            ObservanceKind::Daylight
        } else {
            ObservanceKind::Standard
        },
        dtstart: t.local_onset(),
        offset_from: t.offset_from,
        offset_to: t.offset_to,
        name: t.name.clone(),
        rule,
    }
}

/// The yearly rule that `group` (transitions of one kind, in time order) follows exactly,
/// with one transition in each year of `years`, if there is one.
fn yearly_rule(group: &[&Transition], years: std::ops::RangeInclusive<i32>) -> Option<YearlyRule> {
    let first = group.first()?;
    let onset = first.local_onset();
    let date = onset.date();
    let last_week = date.day() + 7 > last_day_of_month(date.year(), date.month())?.day();
    let nth = (date.day() - 1) / 7 + 1;
    let candidates = [
        last_week.then_some(-1_i8),
        (nth <= 4).then(|| i8::try_from(nth).ok()).flatten(),
    ];
    let year_count = usize::try_from(years.end() - years.start() + 1).ok()?;
    if group.len() != year_count {
        return None;
    }
    candidates.into_iter().flatten().find_map(|ordinal| {
        let rule = YearlyRule {
            month: date.month(),
            ordinal,
            weekday: date.weekday(),
        };
        let fits = group.iter().zip(years.clone()).all(|(t, year)| {
            t.offset_from == first.offset_from
                && t.offset_to == first.offset_to
                && t.name == first.name
                && rule.date_in(year).map(|d| d.and_time(onset.time())) == Some(t.local_onset())
        });
        fits.then_some(rule)
    })
}

/// Formats a UTC offset as RFC 5545 `utc-offset`: `+0100`, `-0330`, `+003412` (seconds only
/// when non-zero). A zero offset is `+0000` (`-0000` is not allowed).
#[must_use]
pub fn format_utc_offset(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

fn weekday_code(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

fn jan_first(year: i32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap()
    }

    #[test]
    fn amsterdam_transitions_2026() {
        let found = transitions(FEED_TZ, utc(2026, 1, 1, 0), utc(2027, 1, 1, 0));
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].at, utc(2026, 3, 29, 1));
        assert_eq!(found[0].local_onset().to_string(), "2026-03-29 02:00:00");
        assert_eq!(found[0].name.as_deref(), Some("CEST"));
        assert!(found[0].is_dst);
        assert_eq!(found[1].at, utc(2026, 10, 25, 1));
        assert_eq!(found[1].local_onset().to_string(), "2026-10-25 03:00:00");
        assert_eq!(found[1].name.as_deref(), Some("CET"));
        assert_eq!(format_utc_offset(found[1].offset_from), "+0200");
        assert_eq!(format_utc_offset(found[1].offset_to), "+0100");
    }

    #[test]
    fn amsterdam_is_one_rule_per_kind() {
        let vtz = vtimezone(FEED_TZ, 2026, 2027);
        assert_eq!(vtz.tzid, "Europe/Amsterdam");
        assert_eq!(vtz.observances.len(), 2);
        let daylight = &vtz.observances[0];
        assert_eq!(daylight.kind, ObservanceKind::Daylight);
        assert_eq!(daylight.dtstart.to_string(), "2025-03-30 02:00:00");
        assert_eq!(
            daylight.rule.map(|r| r.to_rrule()).as_deref(),
            Some("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
        );
        let standard = &vtz.observances[1];
        assert_eq!(standard.kind, ObservanceKind::Standard);
        assert_eq!(standard.dtstart.to_string(), "2025-10-26 03:00:00");
        assert_eq!(
            standard.rule.map(|r| r.to_rrule()).as_deref(),
            Some("FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
        );
    }

    #[test]
    fn changing_rules_fall_back_to_single_onsets() {
        // Brazil abolished DST in 2019.
        let vtz = vtimezone(chrono_tz::America::Sao_Paulo, 2018, 2020);
        assert!(vtz.observances.iter().all(|o| o.rule.is_none()));
        assert!(!vtz.observances.is_empty());
        // Zones without transitions get one STANDARD observance.
        let utc_zone = vtimezone(chrono_tz::UTC, 2026, 2026);
        assert_eq!(utc_zone.observances.len(), 1);
        assert_eq!(utc_zone.observances[0].kind, ObservanceKind::Standard);
    }

    #[test]
    fn ordinal_rules() {
        // US: second Sunday of March, first Sunday of November.
        let vtz = vtimezone(chrono_tz::America::New_York, 2026, 2026);
        let rules: Vec<String> = vtz
            .observances
            .iter()
            .filter_map(|o| o.rule.map(|r| r.to_rrule()))
            .collect();
        assert_eq!(
            rules,
            [
                "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
                "FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"
            ]
        );
    }

    #[test]
    fn offsets_format() {
        let f = |s| format_utc_offset(FixedOffset::east_opt(s).unwrap());
        assert_eq!(f(0), "+0000");
        assert_eq!(f(3600), "+0100");
        assert_eq!(f(-12_600), "-0330");
        assert_eq!(f(1172), "+001932");
    }
}
