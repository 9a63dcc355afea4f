//! iCalendar (RFC 5545) feeds of academy sessions.
//!
//! [`render`] turns a [`Feed`] into the bytes of a `text/calendar` document: a `VCALENDAR`
//! with one `VTIMEZONE` for Europe/Amsterdam (built from chrono-tz by [`super::tz`]) and one
//! `VEVENT` per session.
//!
//! # Why this module has its own writer
//! The `ical` crate's generator (0.11) cannot produce valid output for this feed: it does not
//! escape TEXT values (a `,` `;` or newline in a title passes through and a newline breaks
//! the content line), it folds lines after 75 *characters* rather than 75 octets (lines of
//! Dutch text come out longer than 75 octets), it writes parameter values with backslash
//! escapes (RFC 5545 has none; values with `:;,` must be DQUOTE-quoted), it has no notion
//! of value types (URI vs TEXT), and it has no time-zone data. Its model
//! (`Property { name, params, value }`) would only hold already-escaped strings, so building
//! it first would add a copy of every value and decide nothing. The writer below streams
//! straight into one `String`; the `ical` crate's *parser* is used in the tests to read
//! every rendered feed back.
//!
//! # Output rules
//! * Every line ends with CRLF, including the last one.
//! * Lines are folded so that no physical line exceeds 75 octets (CRLF excluded); a fold is
//!   CRLF plus one space and never splits a UTF-8 character or an escape sequence such as
//!   `\n`. When a fold would leave spaces or tabs at the end of a physical line, they are
//!   carried over to the start of the continuation line instead, because some parsers (the
//!   `ical` crate's among them) trim trailing whitespace of each physical line.
//! * TEXT values escape `\`, `;`, `,` and newlines (CRLF, CR and LF all become `\n`); other
//!   control characters, which RFC 5545 does not allow, are dropped (tab is kept).
//! * Parameter values (`CN`) drop DQUOTE and control characters (newlines become spaces)
//!   and are enclosed in DQUOTEs when they contain `:`, `;` or `,`.
//! * URI values (`URL`, the `mailto:` of `ORGANIZER`) are written as given, minus control
//!   characters; they are not TEXT and are not escaped.
//! * Times are truncated to whole seconds.
//! * The same [`Feed`] always gives the same bytes; events keep the order of the slice.
//!
//! # Local times and daylight saving time
//! Events are stored in UTC, so their Amsterdam wall-clock time always exists (the hour
//! skipped in March is never produced). In the hour repeated in October (02:00–03:00 local)
//! a wall-clock time such as 02:30 happens twice, and RFC 5545 (3.3.5) says that a local
//! time with `TZID` means the *first* occurrence (CEST). A time in the second occurrence
//! (CET) is therefore written in UTC form, `DTSTART:20261025T013000Z`, which is exact;
//! RFC 5545 allows UTC and `TZID` forms side by side. Every other time is written as
//! `DTSTART;TZID=Europe/Amsterdam:YYYYMMDDTHHMMSS`.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration as StdDuration;

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};

use super::tz::{self, FEED_TZ, ObservanceKind, VTimezone};

/// Years accepted for event times, `DTSTAMP` and `LAST-MODIFIED` (iCalendar needs four
/// digits; the bound also keeps the time-zone scan short).
pub const SUPPORTED_YEARS: RangeInclusive<i32> = 1970..=2199;

/// Maximum length of a physical line in octets, CRLF excluded (RFC 5545 3.1).
const MAX_LINE_OCTETS: usize = 75;

/// The status of a session, written as `STATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventStatus {
    /// `STATUS:CONFIRMED`.
    Confirmed,
    /// `STATUS:TENTATIVE`.
    Tentative,
    /// `STATUS:CANCELLED`; such events are also `TRANSP:TRANSPARENT` (they block no time).
    Cancelled,
}

impl EventStatus {
    /// The `STATUS` value.
    #[must_use]
    pub fn as_ical(self) -> &'static str {
        match self {
            EventStatus::Confirmed => "CONFIRMED",
            EventStatus::Tentative => "TENTATIVE",
            EventStatus::Cancelled => "CANCELLED",
        }
    }
}

/// What a calendar object asks of its reader (RFC 5546 `METHOD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A feed to subscribe to (`METHOD:PUBLISH`).
    Publish,
    /// An invitation in a mail: add or update these events (`METHOD:REQUEST`).
    Request,
    /// A cancellation in a mail: remove these events (`METHOD:CANCEL`).
    Cancel,
}

impl Method {
    fn as_ical(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// The person a mailed invitation is for (`ATTENDEE`).
#[derive(Debug, Clone, Copy)]
pub struct Attendee<'a> {
    /// Display name (`CN`).
    pub name: &'a str,
    /// E-mail address.
    pub email: &'a str,
}

/// One calendar feed: the calendar's own properties and its events.
#[derive(Debug, Clone)]
pub struct Feed<'a> {
    /// `PUBLISH` for feeds; `REQUEST` or `CANCEL` for the calendar part of a mail.
    pub method: Method,
    /// The invited person, written on every event of a `REQUEST` or `CANCEL`.
    pub attendee: Option<Attendee<'a>>,
    /// Display name of the calendar (`X-WR-CALNAME`).
    pub name: &'a str,
    /// Product identifier (`PRODID`), e.g. `-//Flevo Academie Jeugd//Academy//NL`.
    pub prodid: &'a str,
    /// How often clients should reload the feed (`REFRESH-INTERVAL;VALUE=DURATION` and
    /// `X-PUBLISHED-TTL`); at least one second, written in whole seconds.
    pub refresh: StdDuration,
    /// Organiser's display name (`CN` of `ORGANIZER`); omitted when empty.
    pub organizer_name: &'a str,
    /// Organiser's e-mail address (`ORGANIZER:mailto:…`).
    pub organizer_email: &'a str,
    /// When the feed is produced (normally `Utc::now()`). Only its year is used, and only
    /// when there are no events: the `VTIMEZONE` then covers that year. Passing it in keeps
    /// [`render`] a pure function.
    pub generated_at: DateTime<Utc>,
    /// The events, written in this order.
    pub events: &'a [Event<'a>],
}

/// One session as a `VEVENT`.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// `UID`, e.g. `session-{uuid}@{host}`; must not be empty.
    pub uid: String,
    /// `DTSTAMP` (written in UTC).
    pub dtstamp: DateTime<Utc>,
    /// `LAST-MODIFIED` (written in UTC).
    pub last_modified: DateTime<Utc>,
    /// `SEQUENCE`; must not be negative.
    pub sequence: i32,
    /// Start of the session.
    pub starts_at: DateTime<Utc>,
    /// End of the session; not before `starts_at`. For a timed event equal to `starts_at`
    /// no `DTEND` is written (RFC 5545: the event then ends when it starts).
    pub ends_at: DateTime<Utc>,
    /// Whole-day event: written as `DTSTART;VALUE=DATE` with the Amsterdam date of
    /// `starts_at` and an exclusive `DTEND;VALUE=DATE`. The end date is the Amsterdam date
    /// of `ends_at` when that is local midnight (already exclusive), otherwise the day after
    /// it; it is always at least one day after the start.
    pub all_day: bool,
    /// `SUMMARY` (TEXT).
    pub summary: &'a str,
    /// `DESCRIPTION` (TEXT); omitted when empty.
    pub description: &'a str,
    /// `LOCATION` (TEXT), if any.
    pub location: Option<&'a str>,
    /// `URL` (a URI, not escaped), if any.
    pub url: Option<&'a str>,
    /// `STATUS`.
    pub status: EventStatus,
}

/// Why a feed cannot be rendered. Nothing is written when an error is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    /// An event has an empty `UID`.
    #[error("an event has an empty UID")]
    EmptyUid,
    /// An event ends before it starts.
    #[error("event {uid}: ends_at is before starts_at")]
    EndsBeforeStart {
        /// The event's UID.
        uid: String,
    },
    /// An event has a negative `SEQUENCE`.
    #[error("event {uid}: SEQUENCE {sequence} is negative")]
    NegativeSequence {
        /// The event's UID.
        uid: String,
        /// The rejected value.
        sequence: i32,
    },
    /// A time lies outside [`SUPPORTED_YEARS`].
    #[error("event {uid}: year {year} is outside the supported years")]
    YearOutOfRange {
        /// The event's UID.
        uid: String,
        /// The rejected year.
        year: i32,
    },
    /// The refresh interval is shorter than one second.
    #[error("the refresh interval must be at least one second")]
    RefreshTooShort,
}

/// Renders `feed` as an iCalendar document (CRLF line ends, folded, UTF-8).
///
/// # Errors
/// [`IcsError`] when an event is invalid (empty UID, end before start, negative
/// `SEQUENCE`, year outside [`SUPPORTED_YEARS`]) or the refresh interval is under a second.
pub fn render(feed: &Feed<'_>) -> Result<String, IcsError> {
    let mut out = String::with_capacity(2048 + feed.events.len() * 1024);
    write_feed(&mut out, feed)?;
    Ok(out)
}

/// Appends `feed` as an iCalendar document to `out`.
///
/// # Errors
/// As [`render`]; everything is validated before the first byte is written, so on error
/// `out` is left unchanged.
pub fn write_feed(out: &mut String, feed: &Feed<'_>) -> Result<(), IcsError> {
    if feed.refresh.as_secs() == 0 {
        return Err(IcsError::RefreshTooShort);
    }
    let mut years: Option<(i32, i32)> = None;
    for event in feed.events {
        let (first, last) = validate(event)?;
        years = Some(years.map_or((first, last), |(a, b)| (a.min(first), b.max(last))));
    }
    let (first_year, last_year) = years.unwrap_or_else(|| {
        let year = feed.generated_at.with_timezone(&FEED_TZ).year();
        (year, year)
    });
    let vtimezone = tz::vtimezone(FEED_TZ, first_year, last_year);

    let mut w = ContentWriter::new(out);
    w.begin("VCALENDAR");
    w.prop_raw("VERSION", "2.0");
    w.prop_text("PRODID", feed.prodid);
    w.prop_raw("CALSCALE", "GREGORIAN");
    w.prop_raw("METHOD", feed.method.as_ical());
    w.prop_text("X-WR-CALNAME", feed.name);
    w.prop_raw("X-WR-TIMEZONE", FEED_TZ.name());
    if feed.method == Method::Publish {
        let refresh = format_duration(feed.refresh);
        w.name("REFRESH-INTERVAL");
        w.param_raw("VALUE", "DURATION");
        w.value_raw(&refresh);
        w.prop_raw("X-PUBLISHED-TTL", &refresh);
    }
    write_vtimezone(&mut w, &vtimezone);
    for event in feed.events {
        write_event(&mut w, feed, event);
    }
    w.end("VCALENDAR");
    Ok(())
}

/// Checks one event and returns the first and last Amsterdam year it touches.
fn validate(event: &Event<'_>) -> Result<(i32, i32), IcsError> {
    let uid = || event.uid.clone();
    if event.uid.is_empty() {
        return Err(IcsError::EmptyUid);
    }
    if event.ends_at < event.starts_at {
        return Err(IcsError::EndsBeforeStart { uid: uid() });
    }
    if event.sequence < 0 {
        return Err(IcsError::NegativeSequence {
            uid: uid(),
            sequence: event.sequence,
        });
    }
    let (first, last) = if event.all_day {
        let (start, end) = all_day_dates(event);
        (start.year(), end.year())
    } else {
        (
            event.starts_at.with_timezone(&FEED_TZ).year(),
            event.ends_at.with_timezone(&FEED_TZ).year(),
        )
    };
    for year in [
        first,
        last,
        event.dtstamp.year(),
        event.last_modified.year(),
    ] {
        if !SUPPORTED_YEARS.contains(&year) {
            return Err(IcsError::YearOutOfRange { uid: uid(), year });
        }
    }
    Ok((first, last))
}

fn write_vtimezone(w: &mut ContentWriter<'_>, vtz: &VTimezone) {
    w.begin("VTIMEZONE");
    w.prop_text("TZID", vtz.tzid);
    w.prop_text("X-LIC-LOCATION", vtz.tzid);
    for obs in &vtz.observances {
        let kind = match obs.kind {
            ObservanceKind::Standard => "STANDARD",
            ObservanceKind::Daylight => "DAYLIGHT",
        };
        w.begin(kind);
        w.prop_raw("TZOFFSETFROM", &tz::format_utc_offset(obs.offset_from));
        w.prop_raw("TZOFFSETTO", &tz::format_utc_offset(obs.offset_to));
        if let Some(name) = &obs.name {
            w.prop_text("TZNAME", name);
        }
        w.name("DTSTART");
        w.colon();
        w.date_time(&obs.dtstart);
        w.end_line();
        if let Some(rule) = &obs.rule {
            w.prop_raw("RRULE", &rule.to_rrule());
        }
        w.end(kind);
    }
    w.end("VTIMEZONE");
}

fn write_event(w: &mut ContentWriter<'_>, feed: &Feed<'_>, event: &Event<'_>) {
    w.begin("VEVENT");
    w.prop_text("UID", &event.uid);
    w.utc_prop("DTSTAMP", event.dtstamp);
    w.utc_prop("LAST-MODIFIED", event.last_modified);
    w.name("SEQUENCE");
    w.colon();
    w.fmt(format_args!("{}", event.sequence));
    w.end_line();
    if event.all_day {
        let (start, end) = all_day_dates(event);
        w.date_prop("DTSTART", start);
        w.date_prop("DTEND", end);
    } else {
        w.local_prop("DTSTART", event.starts_at);
        if event.ends_at > event.starts_at {
            w.local_prop("DTEND", event.ends_at);
        }
    }
    w.prop_text("SUMMARY", event.summary);
    if !event.description.is_empty() {
        w.prop_text("DESCRIPTION", event.description);
    }
    if let Some(location) = event.location {
        w.prop_text("LOCATION", location);
    }
    if let Some(url) = event.url {
        w.prop_raw("URL", url);
    }
    w.prop_raw("STATUS", event.status.as_ical());
    w.name("ORGANIZER");
    if !feed.organizer_name.is_empty() {
        w.param("CN", feed.organizer_name);
    }
    w.colon();
    let email = feed.organizer_email;
    let has_scheme = email
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("mailto:"));
    if !has_scheme {
        w.raw("mailto:");
    }
    w.raw(email);
    w.end_line();
    if let Some(attendee) = feed.attendee.filter(|_| feed.method != Method::Publish) {
        w.name("ATTENDEE");
        if !attendee.name.is_empty() {
            w.param("CN", attendee.name);
        }
        w.param_raw("ROLE", "REQ-PARTICIPANT");
        w.param_raw("RSVP", "FALSE");
        w.colon();
        w.raw("mailto:");
        w.raw(attendee.email);
        w.end_line();
    }
    let transp = if event.status == EventStatus::Cancelled {
        "TRANSPARENT"
    } else {
        "OPAQUE"
    };
    w.prop_raw("TRANSP", transp);
    w.end("VEVENT");
}

/// The Amsterdam start date and the exclusive end date of an all-day event: the end is the
/// date of `ends_at` if that is local midnight, else the day after; at least start + 1 day.
fn all_day_dates(event: &Event<'_>) -> (NaiveDate, NaiveDate) {
    let start = event.starts_at.with_timezone(&FEED_TZ).date_naive();
    let end_local = event.ends_at.with_timezone(&FEED_TZ);
    let end_date = end_local.date_naive();
    let end = if end_local.time() == NaiveTime::MIN {
        end_date
    } else {
        end_date.succ_opt().unwrap_or(end_date)
    };
    if end > start {
        (start, end)
    } else {
        (start, start.succ_opt().unwrap_or(start))
    }
}

/// Formats a duration as an RFC 5545 `dur-value` in whole seconds: `PT1H`, `PT15M`,
/// `PT1H0M30S`, `PT48H`.
#[must_use]
pub fn format_duration(duration: StdDuration) -> String {
    let secs = duration.as_secs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    // dur-hour = 1*DIGIT "H" [dur-minute]; dur-minute = 1*DIGIT "M" [dur-second]
    match (h, m, s) {
        (0, 0, s) => format!("PT{s}S"),
        (0, m, 0) => format!("PT{m}M"),
        (0, m, s) => format!("PT{m}M{s}S"),
        (h, 0, 0) => format!("PT{h}H"),
        (h, m, 0) => format!("PT{h}H{m}M"),
        (h, m, s) => format!("PT{h}H{m}M{s}S"),
    }
}

/// How a value's characters are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    /// TEXT: escape `\ ; ,` and newlines, drop other controls.
    Text,
    /// Parameter value: drop DQUOTE and controls, newlines become spaces.
    Param,
    /// URI, DATE-TIME, keywords: drop controls.
    Raw,
}

/// What to do with one special ASCII byte.
enum Special {
    Keep,
    Drop,
    Replace(&'static str),
    /// CR, LF or CRLF.
    Newline,
}

fn classify(kind: ValueKind, byte: u8) -> Special {
    let is_control = byte < 0x20 || byte == 0x7f;
    match (kind, byte) {
        (ValueKind::Raw, _) if is_control => Special::Drop,
        (ValueKind::Raw, _) => Special::Keep,
        (_, b'\r' | b'\n') => Special::Newline,
        (_, b'\t') => Special::Keep,
        (_, _) if is_control => Special::Drop,
        (ValueKind::Text, b'\\') => Special::Replace("\\\\"),
        (ValueKind::Text, b';') => Special::Replace("\\;"),
        (ValueKind::Text, b',') => Special::Replace("\\,"),
        (ValueKind::Param, b'"') => Special::Drop,
        _ => Special::Keep,
    }
}

/// Streams content lines into a `String`, folding at 75 octets.
struct ContentWriter<'o> {
    out: &'o mut String,
    /// Octets in the current physical line, including a continuation's leading space.
    line_len: usize,
    /// Whether the current physical line is a continuation (starts with the fold space).
    continued: bool,
}

impl<'o> ContentWriter<'o> {
    fn new(out: &'o mut String) -> Self {
        ContentWriter {
            out,
            line_len: 0,
            continued: false,
        }
    }

    fn begin(&mut self, component: &str) {
        self.prop_raw("BEGIN", component);
    }

    fn end(&mut self, component: &str) {
        self.prop_raw("END", component);
    }

    fn prop_text(&mut self, name: &str, value: &str) {
        self.name(name);
        self.colon();
        self.value(value, ValueKind::Text);
        self.end_line();
    }

    fn prop_raw(&mut self, name: &str, value: &str) {
        self.name(name);
        self.value_raw(value);
    }

    /// `:value` CRLF.
    fn value_raw(&mut self, value: &str) {
        self.colon();
        self.raw(value);
        self.end_line();
    }

    fn utc_prop(&mut self, name: &str, at: DateTime<Utc>) {
        self.name(name);
        self.colon();
        self.date_time(&at.naive_utc());
        self.unit("Z");
        self.end_line();
    }

    fn date_prop(&mut self, name: &str, date: NaiveDate) {
        self.name(name);
        self.param_raw("VALUE", "DATE");
        self.colon();
        self.date(date);
        self.end_line();
    }

    /// `NAME;TZID=Europe/Amsterdam:local`, or `NAME:utcZ` for the second occurrence of a
    /// repeated local time (see the module documentation).
    fn local_prop(&mut self, name: &str, at: DateTime<Utc>) {
        let at = at.with_nanosecond(0).unwrap_or(at);
        let local = at.with_timezone(&FEED_TZ).naive_local();
        let first_occurrence = match FEED_TZ.from_local_datetime(&local) {
            LocalResult::Ambiguous(earliest, _) => earliest.with_timezone(&Utc) == at,
            LocalResult::Single(_) | LocalResult::None => true,
        };
        self.name(name);
        if first_occurrence {
            self.param_raw("TZID", FEED_TZ.name());
            self.colon();
            self.date_time(&local);
        } else {
            self.colon();
            self.date_time(&at.naive_utc());
            self.unit("Z");
        }
        self.end_line();
    }

    fn name(&mut self, name: &str) {
        self.push_plain(name);
    }

    fn colon(&mut self) {
        self.unit(":");
    }

    /// `;NAME=value` with a value known to need no quoting.
    fn param_raw(&mut self, name: &str, value: &str) {
        self.unit(";");
        self.push_plain(name);
        self.unit("=");
        self.value(value, ValueKind::Raw);
    }

    /// `;NAME=value` with RFC 5545 `param-value` rules.
    fn param(&mut self, name: &str, value: &str) {
        self.unit(";");
        self.push_plain(name);
        self.unit("=");
        let quote = value.contains([':', ';', ',']);
        if quote {
            self.unit("\"");
        }
        self.value(value, ValueKind::Param);
        if quote {
            self.unit("\"");
        }
    }

    fn raw(&mut self, value: &str) {
        self.value(value, ValueKind::Raw);
    }

    fn date(&mut self, date: NaiveDate) {
        self.fmt(format_args!(
            "{:04}{:02}{:02}",
            date.year(),
            date.month(),
            date.day()
        ));
    }

    fn date_time(&mut self, at: &NaiveDateTime) {
        self.date(at.date());
        self.fmt(format_args!(
            "T{:02}{:02}{:02}",
            at.hour(),
            at.minute(),
            at.second()
        ));
    }

    fn fmt(&mut self, args: fmt::Arguments<'_>) {
        // `write_str` below never fails, so neither does this.
        let _ = fmt::Write::write_fmt(self, args);
    }

    fn end_line(&mut self) {
        self.out.push_str("\r\n");
        self.line_len = 0;
        self.continued = false;
    }

    /// Writes `value`, handling special ASCII bytes per `kind` and copying runs of other
    /// characters. All special bytes are ASCII, so every index used is a char boundary.
    fn value(&mut self, value: &str, kind: ValueKind) {
        let bytes = value.as_bytes();
        let mut run_start = 0;
        let mut i = 0;
        while i < bytes.len() {
            let byte = bytes[i];
            let special = if byte < 0x80 {
                classify(kind, byte)
            } else {
                Special::Keep
            };
            if matches!(special, Special::Keep) {
                i += 1;
                continue;
            }
            self.push_plain(&value[run_start..i]);
            let mut next = i + 1;
            match special {
                Special::Keep | Special::Drop => {}
                Special::Replace(escaped) => self.unit(escaped),
                Special::Newline => {
                    if byte == b'\r' && bytes.get(next) == Some(&b'\n') {
                        next += 1;
                    }
                    self.unit(if kind == ValueKind::Text { "\\n" } else { " " });
                }
            }
            i = next;
            run_start = next;
        }
        self.push_plain(&value[run_start..]);
    }

    /// Writes `unit` (a character or an escape sequence) without splitting it.
    fn unit(&mut self, unit: &str) {
        if self.line_len + unit.len() > MAX_LINE_OCTETS {
            self.fold(unit.len());
        }
        self.out.push_str(unit);
        self.line_len += unit.len();
    }

    /// Writes text that needs no escaping, folding between characters.
    fn push_plain(&mut self, mut s: &str) {
        while !s.is_empty() {
            let room = MAX_LINE_OCTETS.saturating_sub(self.line_len);
            if s.len() <= room {
                self.out.push_str(s);
                self.line_len += s.len();
                return;
            }
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let (head, tail) = s.split_at(cut);
            self.out.push_str(head);
            self.line_len += head.len();
            self.fold(tail.chars().next().map_or(1, char::len_utf8));
            s = tail;
        }
    }

    /// Ends the physical line with CRLF SPACE. Trailing spaces/tabs of the line move to the
    /// continuation when they fit together with the next `next_len` octets.
    fn fold(&mut self, next_len: usize) {
        let content_start = self.out.len() - self.line_len + usize::from(self.continued);
        let content = &self.out[content_start..];
        let kept = content.trim_end_matches([' ', '\t']).len();
        let trailing = content.len() - kept;
        if trailing > 0 && kept > 0 && 1 + trailing + next_len <= MAX_LINE_OCTETS {
            self.out.insert_str(content_start + kept, "\r\n ");
            self.line_len = 1 + trailing;
        } else {
            self.out.push_str("\r\n ");
            self.line_len = 1;
        }
        self.continued = true;
    }
}

impl fmt::Write for ContentWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.raw(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Offset};
    use chrono_tz::Tz;
    use ical::parser::ical::component::{IcalCalendar, IcalEvent, IcalTimeZone};
    use ical::property::Property;
    use std::io::BufReader;

    const DUTCH_TITLE: &str =
        "Zorg voor het getraumatiseerde kind; deel 2, ‘veerkracht’ — één dag\nmet \\ backslash";

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn event<'a>(uid: &str, starts_at: DateTime<Utc>, minutes: i64) -> Event<'a> {
        Event {
            uid: format!("session-{uid}@academy.example.nl"),
            dtstamp: utc(2026, 5, 1, 8, 0),
            last_modified: utc(2026, 4, 30, 16, 45),
            sequence: 3,
            starts_at,
            ends_at: starts_at + Duration::minutes(minutes),
            all_day: false,
            summary: "Sessie",
            description: "",
            location: None,
            url: None,
            status: EventStatus::Confirmed,
        }
    }

    fn feed<'a>(events: &'a [Event<'a>]) -> Feed<'a> {
        Feed {
            method: Method::Publish,
            attendee: None,
            name: "Flevo Academie Jeugd — sessies",
            prodid: "-//Flevo Academie Jeugd//Academy//NL",
            refresh: StdDuration::from_secs(3600),
            organizer_name: "Flevo Academie Jeugd, opleidingen",
            organizer_email: "opleidingen@academy.example.nl",
            generated_at: utc(2026, 11, 20, 12, 0),
            events,
        }
    }

    fn parse(ics: &str) -> IcalCalendar {
        let mut parser = ical::IcalParser::new(BufReader::new(ics.as_bytes()));
        let calendar = parser.next().expect("one calendar").expect("parses");
        assert!(parser.next().is_none(), "exactly one calendar");
        calendar
    }

    fn prop<'p>(props: &'p [Property], name: &str) -> &'p Property {
        props
            .iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    }

    fn value<'p>(props: &'p [Property], name: &str) -> &'p str {
        prop(props, name).value.as_deref().unwrap_or("")
    }

    fn param<'p>(property: &'p Property, name: &str) -> Option<&'p str> {
        property
            .params
            .as_ref()?
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }

    fn find_event<'c>(calendar: &'c IcalCalendar, uid: &str) -> &'c IcalEvent {
        calendar
            .events
            .iter()
            .find(|e| value(&e.properties, "UID") == uid)
            .unwrap_or_else(|| panic!("event {uid} missing"))
    }

    /// RFC 5545 TEXT unescaping (the `ical` parser returns values as written).
    fn unescape(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n' | 'N') => out.push('\n'),
                    Some(other) => out.push(other),
                    None => panic!("dangling backslash"),
                }
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Checks the physical layout and returns the lines (without CRLF).
    fn check_lines(ics: &str) -> Vec<&str> {
        assert!(ics.ends_with("\r\n"), "last line ends with CRLF");
        let bytes = ics.as_bytes();
        let mut pieces: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        assert_eq!(pieces.pop(), Some(&b""[..]));
        let mut lines = Vec::new();
        for raw in pieces {
            assert_eq!(raw.last(), Some(&b'\r'), "LF without CR");
            let raw = &raw[..raw.len() - 1];
            assert!(!raw.contains(&b'\r'), "bare CR");
            assert!(raw.len() <= 75, "{} octets: {:?}", raw.len(), raw);
            let line = std::str::from_utf8(raw).expect("each physical line is valid UTF-8");
            lines.push(line);
        }
        for pair in lines.windows(2) {
            let content = pair[0].strip_prefix(' ').unwrap_or(pair[0]);
            if pair[1].starts_with(' ') && !content.trim().is_empty() {
                assert!(
                    !pair[0].ends_with([' ', '\t']),
                    "whitespace before a fold: {:?}",
                    pair[0]
                );
            }
        }
        lines
    }

    // --- a VTIMEZONE interpreter, independent of tz.rs, over the parsed component ---

    struct Onset {
        utc: NaiveDateTime,
        offset_to: i32,
    }

    fn parse_offset(s: &str) -> i32 {
        let sign = if s.starts_with('-') { -1 } else { 1 };
        let digits = &s[1..];
        let n = |r: std::ops::Range<usize>| digits.get(r).map_or(0, |d| d.parse::<i32>().unwrap());
        sign * (n(0..2) * 3600 + n(2..4) * 60 + n(4..6))
    }

    fn weekday_from(code: &str) -> chrono::Weekday {
        match code {
            "MO" => chrono::Weekday::Mon,
            "TU" => chrono::Weekday::Tue,
            "WE" => chrono::Weekday::Wed,
            "TH" => chrono::Weekday::Thu,
            "FR" => chrono::Weekday::Fri,
            "SA" => chrono::Weekday::Sat,
            "SU" => chrono::Weekday::Sun,
            other => panic!("weekday {other}"),
        }
    }

    fn onsets(vtz: &IcalTimeZone, until_year: i32) -> Vec<Onset> {
        let mut all = Vec::new();
        for obs in &vtz.transitions {
            let p = &obs.properties;
            let start =
                NaiveDateTime::parse_from_str(value(p, "DTSTART"), "%Y%m%dT%H%M%S").unwrap();
            let from = parse_offset(value(p, "TZOFFSETFROM"));
            let to = parse_offset(value(p, "TZOFFSETTO"));
            let mut locals = vec![start];
            if let Some(rrule) = p.iter().find(|p| p.name == "RRULE") {
                let rrule = rrule.value.as_deref().unwrap();
                let mut month = 0;
                let mut byday = "";
                for part in rrule.split(';') {
                    match part.split_once('=').unwrap() {
                        ("FREQ", f) => assert_eq!(f, "YEARLY"),
                        ("BYMONTH", m) => month = m.parse().unwrap(),
                        ("BYDAY", d) => byday = d,
                        (k, _) => panic!("unsupported RRULE part {k}"),
                    }
                }
                let (ordinal, code) = byday.split_at(byday.len() - 2);
                let ordinal: i32 = ordinal.parse().unwrap();
                let weekday = weekday_from(code);
                for year in start.year()..=until_year {
                    let days: Vec<NaiveDate> = (1..=31)
                        .filter_map(|d| NaiveDate::from_ymd_opt(year, month, d))
                        .filter(|d| d.weekday() == weekday)
                        .collect();
                    let day = if ordinal < 0 {
                        days[days.len() - 1]
                    } else {
                        days[usize::try_from(ordinal - 1).unwrap()]
                    };
                    let local = day.and_time(start.time());
                    if local > start {
                        locals.push(local);
                    }
                }
            }
            for local in locals {
                all.push(Onset {
                    utc: local - Duration::seconds(i64::from(from)),
                    offset_to: to,
                });
            }
        }
        all.sort_by_key(|o| o.utc);
        all
    }

    fn offset_at(onsets: &[Onset], at: NaiveDateTime) -> Option<i32> {
        onsets
            .iter()
            .take_while(|o| o.utc <= at)
            .last()
            .map(|o| o.offset_to)
    }

    /// Resolves a `TZID` local time as RFC 5545 says: the first occurrence if repeated.
    fn resolve_local(onsets: &[Onset], local: NaiveDateTime) -> NaiveDateTime {
        let mut offsets: Vec<i32> = onsets.iter().map(|o| o.offset_to).collect();
        offsets.sort_unstable();
        offsets.dedup();
        offsets
            .into_iter()
            .map(|o| local - Duration::seconds(i64::from(o)))
            .filter(|utc| {
                offset_at(onsets, *utc).map(|o| *utc + Duration::seconds(i64::from(o)))
                    == Some(local)
            })
            .min()
            .expect("local time exists")
    }

    fn check_offsets_hourly(vtz: &IcalTimeZone, zone: Tz, from_year: i32, to_year: i32) {
        let onsets = onsets(vtz, to_year + 1);
        let mut at = NaiveDate::from_ymd_opt(from_year, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let end = NaiveDate::from_ymd_opt(to_year + 1, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let mut hours = 0;
        while at < end {
            let expected = zone.offset_from_utc_datetime(&at).fix().local_minus_utc();
            assert_eq!(offset_at(&onsets, at), Some(expected), "{zone} at {at}Z");
            at += Duration::hours(1);
            hours += 1;
        }
        assert!(hours > 8760 * (to_year - from_year));
    }

    /// Resolves a parsed DTSTART/DTEND to UTC (or returns the date for VALUE=DATE).
    fn instant(p: &Property, onsets: &[Onset]) -> NaiveDateTime {
        let v = p.value.as_deref().unwrap();
        if let Some(utc) = v.strip_suffix('Z') {
            assert_eq!(param(p, "TZID"), None);
            return NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").unwrap();
        }
        assert_eq!(param(p, "TZID"), Some("Europe/Amsterdam"));
        resolve_local(
            onsets,
            NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").unwrap(),
        )
    }

    // --- tests ---

    #[test]
    fn round_trips_through_the_ical_parser() {
        let mut summer = event("summer", utc(2026, 7, 15, 7, 30), 90);
        summer.summary = DUTCH_TITLE;
        summer.description = "Regel 1\r\nRegel 2, met; tekens\rRegel 3";
        summer.location = Some("Lelystad, Zuiderwagenplein 2");
        summer.url = Some("https://academy.example.nl/s/1?a=1,2;b=3");
        summer.sequence = 7;
        let mut winter = event("winter", utc(2026, 1, 20, 13, 0), 120);
        winter.status = EventStatus::Tentative;
        let mut cancelled = event("cancelled", utc(2026, 3, 2, 9, 0), 60);
        cancelled.status = EventStatus::Cancelled;
        let events = [summer, winter, cancelled];
        let ics = render(&feed(&events)).unwrap();
        check_lines(&ics);
        let cal = parse(&ics);

        let p = &cal.properties;
        assert_eq!(value(p, "VERSION"), "2.0");
        assert_eq!(value(p, "PRODID"), "-//Flevo Academie Jeugd//Academy//NL");
        assert_eq!(value(p, "CALSCALE"), "GREGORIAN");
        assert_eq!(value(p, "METHOD"), "PUBLISH");
        assert_eq!(
            unescape(value(p, "X-WR-CALNAME")),
            "Flevo Academie Jeugd — sessies"
        );
        assert_eq!(value(p, "X-WR-TIMEZONE"), "Europe/Amsterdam");
        assert_eq!(value(p, "REFRESH-INTERVAL"), "PT1H");
        assert_eq!(
            param(prop(p, "REFRESH-INTERVAL"), "VALUE"),
            Some("DURATION")
        );
        assert_eq!(value(p, "X-PUBLISHED-TTL"), "PT1H");

        assert_eq!(cal.timezones.len(), 1);
        let vtz = &cal.timezones[0];
        assert_eq!(value(&vtz.properties, "TZID"), "Europe/Amsterdam");
        assert_eq!(value(&vtz.properties, "X-LIC-LOCATION"), "Europe/Amsterdam");
        assert_eq!(vtz.transitions.len(), 2);

        let s = &find_event(&cal, "session-summer@academy.example.nl").properties;
        let dtstart = prop(s, "DTSTART");
        assert_eq!(param(dtstart, "TZID"), Some("Europe/Amsterdam"));
        assert_eq!(value(s, "DTSTART"), "20260715T093000"); // 07:30Z = 09:30 CEST
        assert_eq!(value(s, "DTEND"), "20260715T110000");
        assert_eq!(value(s, "DTSTAMP"), "20260501T080000Z");
        assert_eq!(value(s, "LAST-MODIFIED"), "20260430T164500Z");
        assert_eq!(value(s, "SEQUENCE"), "7");
        assert_eq!(value(s, "STATUS"), "CONFIRMED");
        assert_eq!(value(s, "TRANSP"), "OPAQUE");
        assert_eq!(unescape(value(s, "SUMMARY")), DUTCH_TITLE);
        assert_eq!(
            unescape(value(s, "DESCRIPTION")),
            "Regel 1\nRegel 2, met; tekens\nRegel 3"
        );
        assert_eq!(
            unescape(value(s, "LOCATION")),
            "Lelystad, Zuiderwagenplein 2"
        );
        assert_eq!(
            value(s, "URL"),
            "https://academy.example.nl/s/1?a=1,2;b=3",
            "URL is a URI, not escaped"
        );
        let organizer = prop(s, "ORGANIZER");
        assert_eq!(
            param(organizer, "CN"),
            Some("Flevo Academie Jeugd, opleidingen")
        );
        assert_eq!(
            value(s, "ORGANIZER"),
            "mailto:opleidingen@academy.example.nl"
        );

        let w = &find_event(&cal, "session-winter@academy.example.nl").properties;
        assert_eq!(param(prop(w, "DTSTART"), "TZID"), Some("Europe/Amsterdam"));
        assert_eq!(value(w, "DTSTART"), "20260120T140000"); // 13:00Z = 14:00 CET
        assert_eq!(value(w, "DTEND"), "20260120T160000");
        assert_eq!(value(w, "SEQUENCE"), "3");
        assert_eq!(value(w, "STATUS"), "TENTATIVE");
        assert!(w.iter().all(|p| p.name != "DESCRIPTION"));

        let c = &find_event(&cal, "session-cancelled@academy.example.nl").properties;
        assert_eq!(value(c, "STATUS"), "CANCELLED");
        assert_eq!(value(c, "TRANSP"), "TRANSPARENT");

        // Every event's times resolve, through the feed's own VTIMEZONE, to the stored UTC.
        let onsets = onsets(vtz, 2027);
        for (e, parsed) in events.iter().zip(&cal.events) {
            let p = &parsed.properties;
            assert_eq!(
                instant(prop(p, "DTSTART"), &onsets),
                e.starts_at.naive_utc()
            );
            assert_eq!(instant(prop(p, "DTEND"), &onsets), e.ends_at.naive_utc());
        }
    }

    #[test]
    fn folds_by_octets_without_splitting_characters() {
        let title: String = "é—€𝄞".chars().cycle().take(300).collect();
        let description: String = "a, b; c\\ d\n ".repeat(40);
        let mut e = event("long", utc(2026, 9, 1, 8, 0), 60);
        e.summary = &title;
        e.description = &description;
        e.location =
            Some("          spaties                                                   rondom    ");
        let events = [e];
        let ics = render(&feed(&events)).unwrap();
        let lines = check_lines(&ics);
        assert!(lines.iter().filter(|l| l.starts_with(' ')).count() > 20);
        // Escape sequences are never split over a fold.
        for pair in lines.windows(2) {
            if pair[1].starts_with(' ') {
                let trailing_backslashes = pair[0].len() - pair[0].trim_end_matches('\\').len();
                assert_eq!(trailing_backslashes % 2, 0, "split escape: {:?}", pair);
            }
        }
        let cal = parse(&ics);
        let p = &cal.events[0].properties;
        assert_eq!(unescape(value(p, "SUMMARY")), title);
        assert_eq!(
            unescape(value(p, "DESCRIPTION")),
            description.trim_end_matches(' ')
        );
        assert_eq!(
            unescape(value(p, "LOCATION")),
            events[0].location.unwrap().trim_end(),
            "the ical parser trims the end of the value; the folds lose nothing"
        );
    }

    #[test]
    fn vtimezone_matches_chrono_tz_every_hour_2020_2035() {
        let events = [
            event("first", utc(2020, 2, 1, 9, 0), 60),
            event("last", utc(2035, 11, 1, 9, 0), 60),
        ];
        let ics = render(&feed(&events)).unwrap();
        let cal = parse(&ics);
        let vtz = &cal.timezones[0];
        assert_eq!(vtz.transitions.len(), 2, "one RRULE per kind");
        let daylight = &vtz.transitions[0].properties;
        assert_eq!(value(daylight, "TZNAME"), "CEST");
        assert_eq!(value(daylight, "TZOFFSETFROM"), "+0100");
        assert_eq!(value(daylight, "TZOFFSETTO"), "+0200");
        assert_eq!(value(daylight, "DTSTART"), "20190331T020000");
        assert_eq!(value(daylight, "RRULE"), "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU");
        let standard = &vtz.transitions[1].properties;
        assert_eq!(value(standard, "TZNAME"), "CET");
        assert_eq!(value(standard, "TZOFFSETFROM"), "+0200");
        assert_eq!(value(standard, "TZOFFSETTO"), "+0100");
        assert_eq!(value(standard, "DTSTART"), "20191027T030000");
        assert_eq!(
            value(standard, "RRULE"),
            "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"
        );
        check_offsets_hourly(vtz, FEED_TZ, 2020, 2035);

        // A feed of a single year still implies the right offsets for the whole range.
        let single = [event("one", utc(2026, 6, 1, 9, 0), 60)];
        let cal = parse(&render(&feed(&single)).unwrap());
        check_offsets_hourly(&cal.timezones[0], FEED_TZ, 2026, 2035);
    }

    #[test]
    fn vtimezone_writer_handles_other_zones_and_rule_changes() {
        for (zone, from, to) in [
            (chrono_tz::America::Sao_Paulo, 2015, 2022), // DST abolished in 2019
            (chrono_tz::Europe::Moscow, 2009, 2016),     // permanent "summer" 2011, back 2014
            (chrono_tz::Australia::Sydney, 2020, 2030),  // southern hemisphere
            (chrono_tz::America::New_York, 2020, 2030),  // 2SU / 1SU rules
            (chrono_tz::Asia::Kolkata, 2020, 2022),      // no transitions
        ] {
            let mut out = String::new();
            let mut w = ContentWriter::new(&mut out);
            w.begin("VCALENDAR");
            write_vtimezone(&mut w, &tz::vtimezone(zone, from, to));
            w.end("VCALENDAR");
            check_lines(&out);
            let cal = parse(&out);
            check_offsets_hourly(&cal.timezones[0], zone, from, to);
        }
    }

    #[test]
    fn repeated_october_hour_uses_utc_for_the_second_occurrence() {
        // 2026-10-25: 02:30 local happens at 00:30Z (CEST) and at 01:30Z (CET).
        let events = [
            event("first", utc(2026, 10, 25, 0, 30), 60),
            event("second", utc(2026, 10, 25, 1, 30), 30),
            event("spring", utc(2026, 3, 29, 0, 30), 60), // 01:30 CET -> 03:30 CEST
        ];
        let ics = render(&feed(&events)).unwrap();
        let cal = parse(&ics);
        let first = &find_event(&cal, "session-first@academy.example.nl").properties;
        assert_eq!(value(first, "DTSTART"), "20261025T023000");
        assert_eq!(
            param(prop(first, "DTSTART"), "TZID"),
            Some("Europe/Amsterdam")
        );
        // Its end, 01:30Z, is the second 02:30.
        assert_eq!(value(first, "DTEND"), "20261025T013000Z");
        assert_eq!(param(prop(first, "DTEND"), "TZID"), None);
        let second = &find_event(&cal, "session-second@academy.example.nl").properties;
        assert_eq!(value(second, "DTSTART"), "20261025T013000Z");
        assert_eq!(value(second, "DTEND"), "20261025T030000"); // 02:00Z = 03:00 CET
        let spring = &find_event(&cal, "session-spring@academy.example.nl").properties;
        assert_eq!(value(spring, "DTSTART"), "20260329T013000");
        assert_eq!(value(spring, "DTEND"), "20260329T033000");
        let onsets = onsets(&cal.timezones[0], 2027);
        for (e, parsed) in events.iter().zip(&cal.events) {
            let p = &parsed.properties;
            assert_eq!(
                instant(prop(p, "DTSTART"), &onsets),
                e.starts_at.naive_utc()
            );
            assert_eq!(instant(prop(p, "DTEND"), &onsets), e.ends_at.naive_utc());
        }
    }

    #[test]
    fn all_day_events_use_dates_with_exclusive_end() {
        // Stored as local midnight to local midnight (already exclusive): 3 and 4 June.
        let mut midnight = event("midnight", utc(2026, 6, 2, 22, 0), 48 * 60);
        midnight.all_day = true;
        // Stored as 09:00–17:00 local on one day: DTEND is the next day.
        let mut office = event("office", utc(2026, 12, 31, 8, 0), 8 * 60);
        office.all_day = true;
        // Zero length still lasts one day.
        let mut zero = event("zero", utc(2026, 1, 10, 23, 0), 0);
        zero.all_day = true;
        let events = [midnight, office, zero];
        let cal = parse(&render(&feed(&events)).unwrap());
        for (uid, start, end) in [
            ("midnight", "20260603", "20260605"),
            ("office", "20261231", "20270101"),
            ("zero", "20260111", "20260112"),
        ] {
            let p = &find_event(&cal, &format!("session-{uid}@academy.example.nl")).properties;
            assert_eq!(value(p, "DTSTART"), start, "{uid}");
            assert_eq!(param(prop(p, "DTSTART"), "VALUE"), Some("DATE"));
            assert_eq!(param(prop(p, "DTSTART"), "TZID"), None);
            assert_eq!(value(p, "DTEND"), end, "{uid}");
            assert_eq!(param(prop(p, "DTEND"), "VALUE"), Some("DATE"));
        }
    }

    #[test]
    fn escaping_and_parameters() {
        let mut out = String::new();
        let mut w = ContentWriter::new(&mut out);
        w.prop_text("SUMMARY", "a\\b;c,d\r\ne\rf\ng\u{0}h\u{7f}i\tj:k\"l");
        w.name("ORGANIZER");
        w.param("CN", "De \"Flevo\"; Academie\r\nJeugd");
        w.colon();
        w.raw("mailto:x@y.nl\r\n");
        w.end_line();
        w.name("ATTENDEE");
        w.param("CN", "Zonder tekens");
        w.value_raw("mailto:a@b.nl");
        assert_eq!(
            out,
            "SUMMARY:a\\\\b\\;c\\,d\\ne\\nf\\nghi\tj:k\"l\r\n\
             ORGANIZER;CN=\"De Flevo; Academie Jeugd\":mailto:x@y.nl\r\n\
             ATTENDEE;CN=Zonder tekens:mailto:a@b.nl\r\n"
        );
    }

    #[test]
    fn folding_is_exact() {
        let mut out = String::new();
        let mut w = ContentWriter::new(&mut out);
        // 10 + 65 = 75 octets: no fold.
        w.prop_text("SUMMARY", &"x".repeat(67));
        // One more octet folds; the continuation has a leading space.
        w.prop_text("SUMMARY", &"x".repeat(68));
        // A 2-octet escape at the boundary moves as a whole.
        w.prop_text("SUMMARY", &format!("{},", "x".repeat(66)));
        // A 4-octet character at the boundary moves as a whole.
        w.prop_text("SUMMARY", &format!("{}𝄞", "x".repeat(64)));
        // Trailing spaces move to the continuation line.
        w.prop_text("SUMMARY", &format!("{}  yy", "x".repeat(65)));
        let x = |n| "x".repeat(n);
        assert_eq!(
            out,
            format!(
                "SUMMARY:{}\r\nSUMMARY:{}\r\n x\r\nSUMMARY:{}\r\n \\,\r\nSUMMARY:{}\r\n 𝄞\r\n\
                 SUMMARY:{}\r\n   yy\r\n",
                x(67),
                x(67),
                x(66),
                x(64),
                x(65)
            )
        );
        check_lines(&out);
    }

    #[test]
    fn durations() {
        let f = |s| format_duration(StdDuration::from_secs(s));
        assert_eq!(f(1), "PT1S");
        assert_eq!(f(900), "PT15M");
        assert_eq!(f(930), "PT15M30S");
        assert_eq!(f(3600), "PT1H");
        assert_eq!(f(5400), "PT1H30M");
        assert_eq!(f(3630), "PT1H0M30S");
        assert_eq!(f(172_800), "PT48H");
    }

    #[test]
    fn empty_feed_covers_the_generation_year() {
        let ics = render(&feed(&[])).unwrap();
        check_lines(&ics);
        let cal = parse(&ics);
        assert!(cal.events.is_empty());
        assert_eq!(cal.timezones.len(), 1);
        check_offsets_hourly(&cal.timezones[0], FEED_TZ, 2026, 2026);
    }

    #[test]
    fn deterministic() {
        let mut e = event("d", utc(2026, 7, 15, 7, 30), 90);
        e.summary = DUTCH_TITLE;
        let events = [e.clone(), e];
        let f = feed(&events);
        assert_eq!(render(&f).unwrap(), render(&f).unwrap());
        let mut appended = String::from("prefix");
        write_feed(&mut appended, &f).unwrap();
        assert_eq!(&appended[6..], render(&f).unwrap());
    }

    #[test]
    fn invalid_input_is_rejected_without_output() {
        let start = utc(2026, 7, 15, 7, 30);
        let mut backwards = event("b", start, 60);
        backwards.ends_at = start - Duration::minutes(1);
        let mut negative = event("n", start, 60);
        negative.sequence = -1;
        let mut empty_uid = event("e", start, 60);
        empty_uid.uid = String::new();
        let far = event("f", utc(2300, 1, 1, 0, 0), 60);
        for (e, expected) in [
            (
                backwards,
                IcsError::EndsBeforeStart {
                    uid: "session-b@academy.example.nl".into(),
                },
            ),
            (
                negative,
                IcsError::NegativeSequence {
                    uid: "session-n@academy.example.nl".into(),
                    sequence: -1,
                },
            ),
            (empty_uid, IcsError::EmptyUid),
            (
                far,
                IcsError::YearOutOfRange {
                    uid: "session-f@academy.example.nl".into(),
                    year: 2300,
                },
            ),
        ] {
            let events = [e];
            let mut out = String::new();
            assert_eq!(write_feed(&mut out, &feed(&events)), Err(expected));
            assert!(out.is_empty());
        }
        let mut f = feed(&[]);
        f.refresh = StdDuration::from_millis(500);
        assert_eq!(render(&f), Err(IcsError::RefreshTooShort));
    }

    #[test]
    fn zero_length_timed_event_has_no_dtend() {
        let events = [event("z", utc(2026, 7, 15, 7, 30), 0)];
        let cal = parse(&render(&feed(&events)).unwrap());
        assert!(cal.events[0].properties.iter().all(|p| p.name != "DTEND"));
    }

    fn json_string(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// Writes a sample feed (and its expectations) for `validate_ics.py`:
    /// `cargo test -- --ignored write_sample_feed`, then
    /// `.venv/bin/python validate_ics.py $ICS_SAMPLE --expect $ICS_SAMPLE.expect.json`.
    #[test]
    #[ignore = "writes a file for the Python validator"]
    fn write_sample_feed() {
        let path = std::env::var("ICS_SAMPLE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| std::env::temp_dir().join("academy-sample.ics"));
        let long: String = "é—€𝄞".chars().cycle().take(300).collect();
        let mut events = vec![
            event("summer", utc(2026, 7, 15, 7, 30), 90),
            event("winter", utc(2026, 1, 20, 13, 0), 120),
            event("oct-first", utc(2026, 10, 25, 0, 30), 30),
            event("oct-second", utc(2026, 10, 25, 1, 30), 30),
            event("march", utc(2027, 3, 28, 0, 30), 60),
            event("allday", utc(2026, 6, 2, 22, 0), 24 * 60),
            event("cancelled", utc(2026, 9, 9, 12, 0), 60),
        ];
        events[0].summary = DUTCH_TITLE;
        events[0].description = "Beschrijving, met; tekens\nen een tweede regel";
        events[0].location = Some("Lelystad, Zuiderwagenplein 2");
        events[0].url = Some("https://academy.example.nl/s/1?a=1,2;b=3");
        events[1].summary = &long;
        events[5].all_day = true;
        events[6].status = EventStatus::Cancelled;
        let ics = render(&feed(&events)).unwrap();
        std::fs::write(&path, &ics).unwrap();
        let mut expect = String::from("{\n");
        for (i, e) in events.iter().enumerate() {
            let (start, end) = if e.all_day {
                ("2026-06-03".to_owned(), "2026-06-04".to_owned())
            } else {
                (
                    e.starts_at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
                    e.ends_at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
                )
            };
            let comma = if i + 1 < events.len() { "," } else { "" };
            expect.push_str(&format!(
                "  {}: {{\"start\": \"{start}\", \"end\": \"{end}\", \"summary\": {}}}{comma}\n",
                json_string(&e.uid),
                json_string(e.summary)
            ));
        }
        expect.push_str("}\n");
        let mut expect_path = path.clone().into_os_string();
        expect_path.push(".expect.json");
        std::fs::write(&expect_path, expect).unwrap();
        println!(
            "wrote {} and {}",
            path.display(),
            expect_path.to_string_lossy()
        );
    }
}
