//! Values parsed once at the boundary: a value of these types is valid by construction.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::error::{DomainError, FieldError};

/// The first day the service takes as input anywhere; anything earlier is a typing error.
pub const EARLIEST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// The last day the service takes as input anywhere.
pub const LATEST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2999, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// The range a number of the API must lie in: the API's document shows it and its
/// request types refuse what lies outside, and the domain checks the same range for
/// input that does not come through the API (the demo data).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// The least value, or the bound above which values lie when `min_exclusive`.
    pub min: f64,
    /// Whether `min` itself is outside.
    pub min_exclusive: bool,
    /// The greatest value.
    pub max: f64,
}

impl Bounds {
    /// `min..=max`.
    pub const fn between(min: f64, max: f64) -> Self {
        Self {
            min,
            min_exclusive: false,
            max,
        }
    }

    /// More than `min`, at most `max`.
    pub const fn above(min: f64, max: f64) -> Self {
        Self {
            min,
            min_exclusive: true,
            max,
        }
    }

    /// Whether `v` lies inside.
    pub fn contains(&self, v: f64) -> bool {
        let low = if self.min_exclusive {
            v > self.min
        } else {
            v >= self.min
        };
        low && v <= self.max
    }

    /// The refusal of a value outside: "must be between 1 and 200".
    pub fn refusal(&self) -> String {
        if self.min_exclusive {
            format!("must be more than {} and at most {}", self.min, self.max)
        } else {
            format!("must be between {} and {}", self.min, self.max)
        }
    }

    /// `v` if it lies inside, else the field's refusal.
    pub fn check(&self, field: &str, v: f64) -> Result<f64, FieldError> {
        if self.contains(v) {
            Ok(v)
        } else {
            Err(FieldError::new(field, self.refusal()))
        }
    }
}

/// A course's study load in hours.
pub const HOURS: Bounds = Bounds::above(0.0, 1000.0);
/// Register points of an accreditation.
pub const POINTS: Bounds = Bounds::between(0.0, 1000.0);
/// The share of sessions a completion asks, in percent.
pub const ATTENDANCE_PERCENT: Bounds = Bounds::above(0.0, 100.0);
/// Seats of an edition.
pub const CAPACITY: Bounds = Bounds::between(1.0, 100_000.0);
/// Days before a session its reminder goes out (0: none).
pub const REMINDER_DAYS: Bounds = Bounds::between(0.0, 14.0);
/// Rows of a page.
pub const PAGE_SIZE: Bounds = Bounds::between(1.0, 200.0);
/// When something takes place: ends after it starts, within the years 2000 to 2100
/// (anything outside is a typing error, and keeps every catalogue sort key inside the
/// range a cursor can carry), and lasts at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// The start.
    pub starts_at: DateTime<Utc>,
    /// The end, after the start.
    pub ends_at: DateTime<Utc>,
}

/// The longest a session lasts.
pub const MAX_SESSION: Duration = Duration::hours(24);

impl TimeRange {
    /// A session's time, or why not: the refusal names `starts_at` or `ends_at`.
    pub fn session(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<Self, FieldError> {
        let earliest = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
        let latest = Utc.with_ymd_and_hms(2101, 1, 1, 0, 0, 0).single();
        if earliest.is_some_and(|e| starts_at < e) || latest.is_some_and(|l| ends_at > l) {
            return Err(FieldError::new(
                "starts_at",
                "must lie between the years 2000 and 2100",
            ));
        }
        if starts_at >= ends_at {
            return Err(FieldError::new("ends_at", "must be after starts_at"));
        }
        if ends_at - starts_at > MAX_SESSION {
            return Err(FieldError::new(
                "ends_at",
                format!("a session lasts at most {} hours", MAX_SESSION.num_hours()),
            ));
        }
        Ok(Self { starts_at, ends_at })
    }
}

/// A window that opens and closes (registration): when both ends are set, `closes` (the
/// field named `closes_field`) must come after `opens` (`opens_field`).
pub fn window(
    opens: Option<DateTime<Utc>>,
    closes: Option<DateTime<Utc>>,
    opens_field: &str,
    closes_field: &str,
) -> Result<(), FieldError> {
    match (opens, closes) {
        (Some(open), Some(close)) if open >= close => Err(FieldError::new(
            closes_field,
            format!("must be after {opens_field}"),
        )),
        _ => Ok(()),
    }
}

/// The longest reason given with a decision or a cancellation, in characters.
pub const REASON_MAX: usize = 500;

/// The mean of `n` values summing to `sum`, to two decimals; none of no values.
pub fn mean(sum: f64, n: u32) -> Option<f64> {
    (n > 0).then(|| (sum / f64::from(n) * 100.0).round() / 100.0)
}

/// A day inside the plausible range, [`EARLIEST_DAY`] to [`LATEST_DAY`]: every date the
/// API takes (query parameters and bodies) passes here, so no database is ever asked about
/// a day it cannot store.
pub fn day(field: &str, d: NaiveDate) -> Result<NaiveDate, FieldError> {
    if (EARLIEST_DAY..=LATEST_DAY).contains(&d) {
        Ok(d)
    } else {
        Err(FieldError::new(
            field,
            format!("must be a day from {EARLIEST_DAY} to {LATEST_DAY}"),
        ))
    }
}

/// Optional days of a request, each checked by [`day`]; every one out of range is named.
pub fn days(fields: &[(&str, Option<NaiveDate>)]) -> Result<(), DomainError> {
    let errors: Vec<FieldError> = fields
        .iter()
        .filter_map(|(field, d)| d.and_then(|d| day(field, d).err()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(errors))
    }
}

/// A lower-cased, trimmed e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address; the error names the field.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim().to_lowercase();
        let bad = |m: &str| FieldError::new(field, m);
        if value.len() > 254 {
            return Err(bad("must be at most 254 characters"));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(bad("must be an e-mail address"));
        };
        if local.is_empty()
            || domain.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
            || value.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad("must be an e-mail address"));
        }
        Ok(Self(value))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A trimmed, non-empty text of bounded length without control characters.
pub fn text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(value.to_owned())
}

/// Keeps the value of a parse, or adds its error to `errors`: for validating many fields
/// and reporting every invalid one at once.
pub fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// An optional text: absent, empty or blank is `None`; anything else must pass [`text`].
pub fn optional_text(
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(t) => text(field, t, max).map(Some),
        None => Ok(None),
    }
}

/// An absolute http(s) URL of sane length.
pub fn url(field: &str, raw: &str) -> Result<String, FieldError> {
    let url = text(field, raw, 2000)?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| FieldError::new(field, "must be an http or https URL"))?;
    if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
        return Err(FieldError::new(field, "must be an http or https URL"));
    }
    Ok(url)
}

/// An optional http(s) URL: absent, empty or blank is `None`.
pub fn optional_url(field: &str, raw: Option<&str>) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(u) => url(field, u).map(Some),
        None => Ok(None),
    }
}

/// A password: 10 to 1,024 characters.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    /// Parses a new password.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n < 10 {
            return Err(FieldError::new(field, "must be at least 10 characters"));
        }
        if n > 1024 {
            return Err(FieldError::new(field, "must be at most 1024 characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_say_what_they_refuse() {
        assert!(HOURS.contains(1000.0) && !HOURS.contains(0.0) && !HOURS.contains(1000.5));
        assert!(POINTS.contains(0.0) && !POINTS.contains(-0.5));
        assert_eq!(HOURS.refusal(), "must be more than 0 and at most 1000");
        assert_eq!(CAPACITY.refusal(), "must be between 1 and 100000");
        assert!(PAGE_SIZE.check("limit", 201.0).is_err());
        assert_eq!(mean(7.0, 3), Some(2.33));
        assert_eq!(mean(0.0, 0), None);
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("email", "  Jan.Jansen@Provider.NL ")
                .unwrap()
                .as_str(),
            "jan.jansen@provider.nl"
        );
        for bad in ["", "jan", "@x.nl", "jan@", "jan@nl", "a b@x.nl", "a@b@x.nl"] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_and_password_bounds() {
        assert_eq!(text("name", "  Ans  ", 10).unwrap(), "Ans");
        assert!(text("name", "   ", 10).is_err());
        assert!(text("name", "abcdefghijk", 10).is_err());
        assert!(text("name", "a\nb", 10).is_err());
        assert!(Password::parse("password", "short").is_err());
        assert!(Password::parse("password", "long enough!").is_ok());
        assert_eq!(
            format!("{:?}", Password::parse("p", "long enough!").unwrap()),
            "Password(…)"
        );
    }

    #[test]
    fn a_session_ends_after_it_starts_within_a_day_and_the_century() {
        let at = |y, h| Utc.with_ymd_and_hms(y, 3, 10, h, 0, 0).unwrap();
        let ok = TimeRange::session(at(2027, 9), at(2027, 12)).unwrap();
        assert_eq!((ok.starts_at, ok.ends_at), (at(2027, 9), at(2027, 12)));
        let field = |r: Result<TimeRange, FieldError>| r.unwrap_err().field;
        assert_eq!(
            field(TimeRange::session(at(2027, 12), at(2027, 9))),
            "ends_at"
        );
        assert_eq!(
            field(TimeRange::session(at(2027, 9), at(2027, 9))),
            "ends_at"
        );
        assert_eq!(
            field(TimeRange::session(
                at(2027, 9),
                at(2027, 9) + Duration::hours(25)
            )),
            "ends_at"
        );
        assert!(TimeRange::session(at(2027, 9), at(2027, 9) + MAX_SESSION).is_ok());
        assert_eq!(
            field(TimeRange::session(at(1999, 9), at(1999, 12))),
            "starts_at"
        );
        assert_eq!(
            field(TimeRange::session(at(2101, 9), at(2101, 12))),
            "starts_at"
        );
        let open = Some(at(2027, 9));
        assert!(window(open, Some(at(2027, 10)), "opens", "closes").is_ok());
        assert!(window(open, None, "opens", "closes").is_ok());
        let refused = window(open, open, "opens", "closes").unwrap_err();
        assert_eq!(
            (refused.field.as_str(), refused.message.as_str()),
            ("closes", "must be after opens")
        );
    }
}
