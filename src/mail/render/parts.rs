//! What the letters share: the edition's facts, the greeting, the dates in the person's
//! language, the payload's fields, the letter's frame and its calendar part.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Amsterdam;
use entity::{Locale, SessionStatus, course, edition, session, user};
use lettre::message::Mailbox;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::calendar::feeds::{self, Item};
use crate::calendar::ics::{Attendee, Method};
use crate::error::DomainError;
use crate::mail::letter::Letter;
use crate::state::AppState;
use crate::texts;

/// Why a row cannot become a mail.
#[derive(Debug)]
pub enum Unsendable {
    /// Nobody to send it to, or nothing left to say: skip it for good.
    Skip(String),
    /// The database failed: try again later.
    Retry(String),
}

impl From<DomainError> for Unsendable {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(what) => Unsendable::Skip(format!("the {what} is gone")),
            other => Unsendable::Retry(other.to_string()),
        }
    }
}

impl From<sea_orm::DbErr> for Unsendable {
    fn from(e: sea_orm::DbErr) -> Self {
        Unsendable::Retry(e.to_string())
    }
}

/// A mail ready to compose: to whom and what.
pub struct Ready {
    /// The recipient.
    pub to: Mailbox,
    /// The content.
    pub letter: Letter,
}

/// The Dutch or the English text, to build on.
pub(super) fn t(locale: Locale, nl: &str, en: &str) -> String {
    crate::texts::t(locale, nl, en).to_owned()
}

/// "dinsdag 8 december 2026, 09:30–12:30" in Dutch time.
pub(super) fn when(locale: Locale, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let start = starts_at.with_timezone(&Amsterdam);
    let end = ends_at.with_timezone(&Amsterdam);
    let end_text = if end.date_naive() == start.date_naive() {
        end.format("%H:%M").to_string()
    } else {
        format!("{} {}", end.format("%d-%m-%Y"), end.format("%H:%M"))
    };
    format!(
        "{} {}, {}–{end_text}",
        texts::weekday(locale, start.weekday()),
        texts::long_date(locale, start.date_naive()),
        start.format("%H:%M"),
    )
}

/// Everything a mail or page about one edition shows.
pub struct EditionFacts {
    /// The edition.
    pub edition: edition::Model,
    /// Its course.
    pub course: course::Model,
    /// Its sessions, earliest first.
    pub sessions: Vec<session::Model>,
}

/// Loads what a mail or page about edition `edition_id` shows.
pub async fn edition_facts(
    db: &sea_orm::DatabaseConnection,
    edition_id: Uuid,
) -> Result<EditionFacts, Unsendable> {
    let edition = edition::Entity::find_by_id(edition_id)
        .one(db)
        .await?
        .ok_or_else(|| Unsendable::Skip("the edition is gone".into()))?;
    let course = course::Entity::find_by_id(edition.course_id)
        .one(db)
        .await?
        .ok_or_else(|| Unsendable::Skip("the course is gone".into()))?;
    let sessions = session::Entity::find()
        .filter(session::Column::EditionId.eq(edition_id))
        .order_by_asc(session::Column::StartsAt)
        .all(db)
        .await?;
    Ok(EditionFacts {
        edition,
        course,
        sessions,
    })
}

impl EditionFacts {
    /// Course, dates of the scheduled sessions, place and online link, as labelled lines.
    pub fn facts(&self, locale: Locale) -> Vec<(String, String)> {
        let mut out = vec![(t(locale, "Cursus", "Course"), self.course.title.clone())];
        let scheduled: Vec<&session::Model> = self
            .sessions
            .iter()
            .filter(|s| s.status == SessionStatus::Scheduled)
            .collect();
        if !scheduled.is_empty() {
            let label = if scheduled.len() == 1 {
                t(locale, "Datum", "Date")
            } else {
                t(locale, "Data", "Dates")
            };
            let lines: Vec<String> = scheduled
                .iter()
                .map(|s| when(locale, s.starts_at, s.ends_at))
                .collect();
            out.push((label, lines.join("\n")));
        }
        if let Some(place) = &self.edition.location {
            out.push((t(locale, "Locatie", "Place"), place.clone()));
        }
        if let Some(url) = &self.edition.online_url {
            out.push(("Online".to_owned(), url.clone()));
        }
        out
    }
}

pub(super) fn mailbox(person: &user::Model) -> Result<Mailbox, Unsendable> {
    let Some(email) = person.email.as_deref() else {
        return Err(Unsendable::Skip(
            "the person has no e-mail address (erased)".into(),
        ));
    };
    let address = email
        .parse()
        .map_err(|_| Unsendable::Skip("the person's e-mail address cannot be mailed".into()))?;
    Ok(Mailbox::new(Some(person.name.clone()), address))
}

fn first_name(person: &user::Model) -> &str {
    person
        .name
        .split_whitespace()
        .next()
        .unwrap_or(&person.name)
}

pub(super) fn greeting(locale: Locale, person: &user::Model) -> String {
    match locale {
        Locale::Nl => format!("Beste {},", first_name(person)),
        Locale::En => format!("Dear {},", first_name(person)),
    }
}

pub(super) fn payload_str<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

pub(super) fn payload_time(payload: &Value, key: &str) -> Option<DateTime<Utc>> {
    payload_str(payload, key)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// The frame of a mail about an edition: greeting, facts, link, footer.
pub(super) fn base(
    state: &AppState,
    locale: Locale,
    person: &user::Model,
    facts: &EditionFacts,
) -> Letter {
    Letter {
        lang: locale.tag(),
        subject: String::new(),
        greeting: greeting(locale, person),
        paragraphs: Vec::new(),
        facts: facts.facts(locale),
        action: Some((
            t(locale, "Meer over deze editie", "More about this edition"),
            format!(
                "{}/edition?id={}&lang={}",
                state.config.public_url,
                facts.edition.id,
                locale.tag()
            ),
        )),
        why: match locale {
            Locale::Nl => format!(
                "Je ontvangt dit bericht van {} omdat je bent ingeschreven voor {}. Berichten over je inschrijving kun je niet uitzetten.",
                state.config.academy_name, facts.course.title
            ),
            Locale::En => format!(
                "You receive this message from {} because you registered for {}. Messages about your registration cannot be turned off.",
                state.config.academy_name, facts.course.title
            ),
        },
        calendar: None,
        attachment: None,
    }
}

/// The calendar part: the person's events of the edition (or of one session) as their
/// feed shows them.
pub(super) async fn calendar(
    state: &AppState,
    person: &user::Model,
    edition_id: Uuid,
    session_id: Option<Uuid>,
    method: Method,
) -> Result<Option<(Method, String)>, Unsendable> {
    let mut items: Vec<Item> =
        crate::domain::calendar::personal_edition(&state.db, person, edition_id).await?;
    if let Some(id) = session_id {
        items.retain(|i| i.session_id == id);
    }
    if items.is_empty() {
        return Ok(None);
    }
    let Some(email) = person.email.as_deref() else {
        return Ok(None);
    };
    let organizer = state.organizer_email();
    let site = state.site(&organizer);
    let name = format!("{} – {}", state.config.academy_name, items[0].course_title);
    let ics = feeds::invitation(
        &site,
        &name,
        &items,
        crate::domain::now(),
        method,
        Attendee {
            name: &person.name,
            email,
        },
    )
    .map_err(|e| Unsendable::Retry(format!("rendering the calendar part: {e}")))?;
    Ok(Some((method, ics)))
}

/// What the message is about (its `about_id`); a message without is skipped.
pub(super) fn about(m: &entity::message::Model, what: &str) -> Result<Uuid, Unsendable> {
    m.about_id
        .ok_or_else(|| Unsendable::Skip(format!("no {what}")))
}

/// The organisation an HR mail is about, while the HR person still works there.
pub(super) fn hr_organisation(
    m: &entity::message::Model,
    hr: &user::Model,
) -> Result<Uuid, Unsendable> {
    let org = about(m, "organisation")?;
    if hr.organization_id != org {
        return Err(Unsendable::Skip("HR moved to another organisation".into()));
    }
    Ok(org)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_read_the_dutch_and_the_english_way_in_dutch_time() {
        // 8 December 2026 09:30 Amsterdam is 08:30 UTC (winter time).
        let start = Utc.with_ymd_and_hms(2026, 12, 8, 8, 30, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 12, 8, 11, 30, 0).unwrap();
        assert_eq!(
            when(Locale::Nl, start, end),
            "dinsdag 8 december 2026, 09:30–12:30"
        );
        assert_eq!(
            when(Locale::En, start, end),
            "Tuesday 8 December 2026, 09:30–12:30"
        );
        // Summer time: 14 July 2026 10:00 Amsterdam is 08:00 UTC.
        let summer = Utc.with_ymd_and_hms(2026, 7, 14, 8, 0, 0).unwrap();
        assert_eq!(
            when(Locale::Nl, summer, summer + chrono::Duration::hours(2)),
            "dinsdag 14 juli 2026, 10:00–12:00"
        );
    }
}
