//! From sessions to a feed: what each `VEVENT` says (summary, description, place, link,
//! status) and the feed's validators (`ETag`, `Last-Modified`). Pure, so it can be
//! benchmarked and snapshot-tested without a database.

use std::time::Duration;

use crate::auth::secret::sha256_hex;
use crate::texts::{kind_name, t};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Amsterdam;
use entity::Locale;
use uuid::Uuid;

use super::ics::{self, Attendee, Event, EventStatus, Feed, IcsError, Method};

/// How often calendar programs are asked to reload a feed.
pub const REFRESH: Duration = Duration::from_secs(3600);

/// One session as a feed shows it.
#[derive(Debug, Clone)]
pub struct Item {
    /// The session (its id makes the stable UID).
    pub session_id: Uuid,
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
    /// The session's revision: the `SEQUENCE`.
    pub revision: i32,
    /// Last change of the session, its edition or course as shown (UTC).
    pub updated_at: DateTime<Utc>,
    /// The edition.
    pub edition_id: Uuid,
    /// The course title: the `SUMMARY`.
    pub course_title: String,
    /// The kind of course.
    pub kind: entity::CourseKind,
    /// The feed's language: the person's for a personal feed, else Dutch.
    pub locale: entity::Locale,
    /// Place: the session's, else the edition's.
    pub location: Option<String>,
    /// Online link: the session's, else the edition's.
    pub online_url: Option<String>,
    /// Which session of the edition (1-based) and of how many scheduled ones.
    pub ordinal: (usize, usize),
    /// Confirmed, tentative (waiting list, pending approval, a draft) or cancelled.
    pub status: EventStatus,
    /// A line about the person's own registration, for personal feeds.
    pub remark: Option<String>,
}

/// Where the service lives and who organises.
#[derive(Debug, Clone)]
pub struct Site<'a> {
    /// Public base URL (links).
    pub public_url: &'a str,
    /// The academy's name (organiser, product id).
    pub academy_name: &'a str,
    /// The organiser's e-mail address (the academy's sender address).
    pub organizer_email: &'a str,
    /// The domain of event UIDs: chosen once and kept, so that a new public URL does not
    /// make every calendar show each session twice.
    pub uid_domain: &'a str,
}

/// The `UID` of a session's event, the same in every feed and mail.
pub fn uid(session_id: Uuid, uid_domain: &str) -> String {
    format!("session-{session_id}@{uid_domain}")
}

/// A rendered feed with its validators.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The iCalendar text.
    pub body: String,
    /// A strong validator: a hash of the body.
    pub etag: String,
    /// The latest change of anything shown (or the feed's epoch when empty).
    pub last_modified: DateTime<Utc>,
}

fn description(site: &Site<'_>, item: &Item, edition_url: &str) -> String {
    let l = item.locale;
    let mut lines = Vec::new();
    let (k, n) = item.ordinal;
    if item.status == EventStatus::Cancelled {
        lines.push(t(l, "GEANNULEERD", "CANCELLED").to_owned());
    }
    let kind = kind_name(l, item.kind);
    if n > 1 {
        lines.push(match l {
            Locale::Nl => format!("{kind} · bijeenkomst {k} van {n}"),
            Locale::En => format!("{kind} · session {k} of {n}"),
        });
    } else {
        lines.push(kind.to_owned());
    }
    let start = item.starts_at.with_timezone(&Amsterdam);
    let end = item.ends_at.with_timezone(&Amsterdam);
    lines.push(format!(
        "{} {}–{} ({})",
        start.format("%d-%m-%Y"),
        start.format("%H:%M"),
        end.format("%H:%M"),
        t(l, "Nederlandse tijd", "Dutch time"),
    ));
    if let Some(remark) = &item.remark {
        lines.push(remark.clone());
    }
    if let Some(place) = &item.location {
        lines.push(format!("{}: {place}", t(l, "Locatie", "Place")));
    }
    if let Some(url) = &item.online_url {
        lines.push(format!("Online: {url}"));
    }
    lines.push(format!(
        "{}: {edition_url}",
        t(l, "Meer informatie", "More information")
    ));
    lines.push(format!(
        "{} {}",
        t(l, "Georganiseerd door", "Organised by"),
        site.academy_name
    ));
    lines.join("\n")
}

/// Renders a feed of items (in the order given).
pub fn render(
    site: &Site<'_>,
    name: &str,
    items: &[Item],
    now: DateTime<Utc>,
) -> Result<Rendered, IcsError> {
    build(site, name, items, now, Method::Publish, None)
}

/// The calendar part of a mail: the same events as the person's feed shows (same `UID`
/// and `SEQUENCE`), as a `REQUEST` to add or update them or a `CANCEL` to remove them.
pub fn invitation(
    site: &Site<'_>,
    name: &str,
    items: &[Item],
    now: DateTime<Utc>,
    method: Method,
    attendee: Attendee<'_>,
) -> Result<String, IcsError> {
    build(site, name, items, now, method, Some(attendee)).map(|r| r.body)
}

fn build(
    site: &Site<'_>,
    name: &str,
    items: &[Item],
    now: DateTime<Utc>,
    method: Method,
    attendee: Option<Attendee<'_>>,
) -> Result<Rendered, IcsError> {
    let texts: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            let url = format!(
                "{}/edition?id={}&lang={}",
                site.public_url,
                i.edition_id,
                i.locale.tag()
            );
            let text = description(site, i, &url);
            (url, text)
        })
        .collect();
    let events: Vec<Event<'_>> = items
        .iter()
        .zip(&texts)
        .map(|(i, (url, text))| Event {
            uid: uid(i.session_id, site.uid_domain),
            // The last change, not the time of the request: the same data always gives
            // the same bytes, so the ETag only changes when something shown changes.
            dtstamp: i.updated_at,
            last_modified: i.updated_at,
            sequence: i.revision,
            starts_at: i.starts_at,
            ends_at: i.ends_at,
            all_day: false,
            summary: &i.course_title,
            description: text,
            location: i.location.as_deref().or(i.online_url.as_deref()),
            url: Some(url.as_str()),
            status: i.status,
        })
        .collect();
    let prodid = format!("-//{}//Academy//NL", site.academy_name);
    let feed = Feed {
        method,
        attendee,
        name,
        prodid: &prodid,
        refresh: REFRESH,
        organizer_name: site.academy_name,
        organizer_email: site.organizer_email,
        generated_at: now,
        events: &events,
    };
    let body = ics::render(&feed)?;
    let etag = format!("\"{}\"", &sha256_hex(&body)[..32]);
    let last_modified = items
        .iter()
        .map(|i| i.updated_at)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    Ok(Rendered {
        body,
        etag,
        last_modified,
    })
}
