//! From an outbox row to a [`Letter`]: the database's current state (the person, the
//! edition, its sessions), the row's payload (what changed), in the person's language.
//! The calendar part holds the events exactly as the person's feed shows them.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Amsterdam;
use entity::{
    Locale, SessionStatus, course, edition, message, organization, registration, session, user,
};
use lettre::message::Mailbox;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::letter::Letter;
use crate::calendar::feeds::{self, Item};
use crate::calendar::ics::{Attendee, Method};
use crate::domain::messages::Kind;
use crate::error::DomainError;
use crate::state::AppState;

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

/// Picks the Dutch or the English text.
fn t(locale: Locale, nl: &str, en: &str) -> String {
    match locale {
        Locale::Nl => nl.to_owned(),
        Locale::En => en.to_owned(),
    }
}

fn lang(locale: Locale) -> &'static str {
    match locale {
        Locale::Nl => "nl",
        Locale::En => "en",
    }
}

const DAYS_NL: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "dinsdag 8 december 2026, 09:30–12:30" in Dutch time.
pub fn when(locale: Locale, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> String {
    use chrono::Datelike;
    let start = starts_at.with_timezone(&Amsterdam);
    let end = ends_at.with_timezone(&Amsterdam);
    let day = start.weekday().num_days_from_monday() as usize;
    let month = start.month0() as usize;
    let (days, months) = match locale {
        Locale::Nl => (DAYS_NL, MONTHS_NL),
        Locale::En => (DAYS_EN, MONTHS_EN),
    };
    let end_text = if end.date_naive() == start.date_naive() {
        end.format("%H:%M").to_string()
    } else {
        format!("{} {}", end.format("%d-%m-%Y"), end.format("%H:%M"))
    };
    format!(
        "{} {} {} {}, {}–{}",
        days[day],
        start.day(),
        months[month],
        start.year(),
        start.format("%H:%M"),
        end_text
    )
}

/// Everything a mail about one edition shows.
struct EditionFacts {
    edition: edition::Model,
    course: course::Model,
    sessions: Vec<session::Model>,
}

async fn edition_facts(
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
    fn facts(&self, locale: Locale) -> Vec<(String, String)> {
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

fn mailbox(person: &user::Model) -> Result<Mailbox, Unsendable> {
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

fn greeting(locale: Locale, person: &user::Model) -> String {
    match locale {
        Locale::Nl => format!("Beste {},", first_name(person)),
        Locale::En => format!("Dear {},", first_name(person)),
    }
}

fn payload_str<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn payload_time(payload: &Value, key: &str) -> Option<DateTime<Utc>> {
    payload_str(payload, key)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
}

/// Renders one outbox row.
pub async fn render(state: &AppState, m: &message::Model) -> Result<Ready, Unsendable> {
    let kind =
        Kind::parse(&m.kind).ok_or_else(|| Unsendable::Skip(format!("unknown kind {}", m.kind)))?;
    if kind == Kind::WebhookDisabled {
        return webhook_disabled(state, m).await;
    }
    let user_id = m
        .user_id
        .ok_or_else(|| Unsendable::Skip("the message names nobody".into()))?;
    let person = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| Unsendable::Skip("the person is gone".into()))?;
    if person.disabled_at.is_some() && kind != Kind::AccountInvitation {
        return Err(Unsendable::Skip("the person's account is disabled".into()));
    }
    let to = mailbox(&person)?;
    let payload: Value = serde_json::from_str(&m.payload).unwrap_or(Value::Null);
    let locale = person.locale;
    let letter = match kind {
        Kind::AccountInvitation | Kind::AccountReset => account(state, kind, &person, &payload)?,
        Kind::ApprovalRequested => approval_requested(state, m, &person).await?,
        Kind::EditionCancelled => {
            let edition_id = m
                .about_id
                .ok_or_else(|| Unsendable::Skip("no edition".into()))?;
            let facts = edition_facts(&state.db, edition_id).await?;
            let mut letter = base(state, locale, &person, &facts);
            letter.subject = t(locale, "Geannuleerd: ", "Cancelled: ") + &facts.course.title;
            letter.paragraphs = vec![t(
                locale,
                "Deze editie gaat niet door. Je inschrijving is daarmee vervallen; je hoeft niets te doen. De bijeenkomsten verdwijnen uit je agenda.",
                "This edition will not take place. Your registration has lapsed with it; there is nothing you need to do. The sessions are removed from your calendar.",
            )];
            letter.calendar = calendar(state, &person, edition_id, None, Method::Cancel).await?;
            letter
        }
        Kind::SessionCancelled | Kind::SessionMoved => {
            session_changed(state, kind, m, &person, &payload).await?
        }
        Kind::CertificateIssued | Kind::CertificateRevoked => {
            certificate_letter(state, kind, m, &person).await?
        }
        Kind::SessionReminder => reminder(state, m, &person, &payload).await?,
        Kind::EvaluationInvitation => evaluation_invitation(state, m, &person).await?,
        Kind::ApprovalDigest => approval_digest(state, m, &person).await?,
        Kind::PointsDigest | Kind::PointsReminder => {
            points_letter(state, kind, m, &person, &payload).await?
        }
        _ => registration_letter(state, kind, m, &person, &payload).await?,
    };
    Ok(Ready { to, letter })
}

/// To a partner client's contact (an address; the text in Dutch and English) or to the
/// admin who registered the endpoint (in their language): the service turned an endpoint
/// off.
async fn webhook_disabled(state: &AppState, m: &message::Model) -> Result<Ready, Unsendable> {
    let payload: Value = serde_json::from_str(&m.payload).unwrap_or(Value::Null);
    let client = payload_str(&payload, "client").unwrap_or("?").to_owned();
    let host = payload_str(&payload, "host").unwrap_or("?").to_owned();
    let reason = payload_str(&payload, "reason")
        .unwrap_or_default()
        .to_owned();
    let academy = &state.config.academy_name;
    let (to, locales, greeting_line) = match (&m.to_address, m.user_id) {
        (Some(address), _) => {
            let address = address
                .parse()
                .map_err(|_| Unsendable::Skip("the contact address cannot be mailed".into()))?;
            (
                Mailbox::new(None, address),
                vec![Locale::Nl, Locale::En],
                "Beste beheerder, / Dear administrator,".to_owned(),
            )
        }
        (None, Some(user_id)) => {
            let person = user::Entity::find_by_id(user_id)
                .one(&state.db)
                .await?
                .ok_or_else(|| Unsendable::Skip("the person is gone".into()))?;
            if person.disabled_at.is_some() {
                return Err(Unsendable::Skip("the person's account is disabled".into()));
            }
            (
                mailbox(&person)?,
                vec![person.locale],
                greeting(person.locale, &person),
            )
        }
        (None, None) => return Err(Unsendable::Skip("the message names nobody".into())),
    };
    let mut paragraphs = Vec::new();
    let mut why = Vec::new();
    for locale in &locales {
        paragraphs.push(match locale {
            Locale::Nl => format!(
                "{academy} heeft het webhook-endpoint van de koppeling {client} ({host}) uitgezet: {reason_nl}. Er worden geen gebeurtenissen meer naartoe gestuurd. Herstel het endpoint en vraag de academie het weer aan te zetten (endpoint {{id}}); afleveringen die intussen mislukten kunnen daarna opnieuw worden verstuurd.",
                reason_nl = match reason.as_str() {
                    "the endpoint answered 410 Gone" => "het antwoordde 410 Gone".to_owned(),
                    "every delivery to the endpoint failed for three days" => {
                        "alle afleveringen mislukten drie dagen lang".to_owned()
                    }
                    other => other.to_owned(),
                }
            ),
            Locale::En => format!(
                "{academy} turned off the webhook endpoint of the {client} integration ({host}): {reason}. No more events are sent to it. Fix the endpoint and ask the academy to turn it on again (endpoint {{id}}); deliveries that failed meanwhile can then be sent again."
            ),
        });
        why.push(match locale {
            Locale::Nl => format!(
                "Je ontvangt dit bericht van {academy} omdat dit adres het contact is van de koppeling {client}."
            ),
            Locale::En => format!(
                "You receive this message from {academy} because this address is the contact of the {client} integration."
            ),
        });
    }
    let first = locales.first().copied().unwrap_or(Locale::Nl);
    let endpoint = m.about_id.map(|id| id.to_string()).unwrap_or_default();
    let letter = Letter {
        lang: lang(first),
        subject: match locales.as_slice() {
            [Locale::En] => format!("Webhook turned off: {client}"),
            [Locale::Nl] => format!("Webhook uitgezet: {client}"),
            _ => format!("Webhook uitgezet / turned off: {client}"),
        },
        greeting: greeting_line,
        paragraphs: paragraphs
            .into_iter()
            .map(|p| p.replace("{id}", &endpoint))
            .collect(),
        facts: Vec::new(),
        action: Some((
            t(first, "Afleveringen bekijken", "See the deliveries"),
            format!(
                "{}/api/v1/webhooks/{endpoint}/deliveries",
                state.config.public_url
            ),
        )),
        why: why.join(" "),
        calendar: None,
        attachment: None,
    };
    Ok(Ready { to, letter })
}

/// The frame of a mail about an edition: greeting, facts, link, footer.
fn base(state: &AppState, locale: Locale, person: &user::Model, facts: &EditionFacts) -> Letter {
    Letter {
        lang: lang(locale),
        subject: String::new(),
        greeting: greeting(locale, person),
        paragraphs: Vec::new(),
        facts: facts.facts(locale),
        action: Some((
            t(locale, "Meer over deze editie", "More about this edition"),
            format!(
                "{}/api/v1/editions/{}",
                state.config.public_url, facts.edition.id
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
async fn calendar(
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

/// The registration a message is about.
async fn about_registration(
    state: &AppState,
    m: &message::Model,
) -> Result<registration::Model, Unsendable> {
    let id = m
        .about_id
        .ok_or_else(|| Unsendable::Skip("no registration".into()))?;
    registration::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| Unsendable::Skip("the registration is gone".into()))
}

/// The session a message is about.
async fn about_session(state: &AppState, m: &message::Model) -> Result<session::Model, Unsendable> {
    let id = m
        .about_id
        .ok_or_else(|| Unsendable::Skip("no session".into()))?;
    session::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| Unsendable::Skip("the session is gone".into()))
}

async fn registration_letter(
    state: &AppState,
    kind: Kind,
    m: &message::Model,
    person: &user::Model,
    payload: &Value,
) -> Result<Letter, Unsendable> {
    let reg = about_registration(state, m).await?;
    let facts = edition_facts(&state.db, reg.edition_id).await?;
    let locale = person.locale;
    let mut letter = base(state, locale, person, &facts);
    let title = &facts.course.title;
    let status = payload_str(payload, "status").unwrap_or_default();
    let position = payload.get("position").and_then(Value::as_i64);
    let reason = payload_str(payload, "reason");
    let mut method = Method::Request;
    let canceller = match payload_str(payload, "by_id").and_then(|id| id.parse::<Uuid>().ok()) {
        Some(id) if kind == Kind::RegistrationCancelled => user::Entity::find_by_id(id)
            .one(&state.db)
            .await?
            .map(|u| u.name),
        _ => None,
    };
    match kind {
        Kind::RegistrationConfirmed | Kind::RegistrationPromoted => {
            letter.subject = t(locale, "Ingeschreven: ", "Registered: ") + title;
            letter.paragraphs.push(if kind == Kind::RegistrationPromoted {
                t(
                    locale,
                    "Goed nieuws: er is een plaats vrijgekomen en die is voor jou. Je stond op de wachtlijst en bent nu ingeschreven.",
                    "Good news: a seat became free and it is yours. You were on the waiting list and are now registered.",
                )
            } else {
                t(
                    locale,
                    "Je inschrijving is bevestigd. Je hebt een plaats.",
                    "Your registration is confirmed. You have a seat.",
                )
            });
        }
        Kind::RegistrationWaitlisted => {
            letter.subject = t(locale, "Op de wachtlijst: ", "On the waiting list: ") + title;
            letter.paragraphs.push(match (locale, position) {
                (Locale::Nl, Some(p)) => format!(
                    "De editie is vol. Je staat op de wachtlijst, op plaats {p}. Komt er een plaats vrij, dan krijg je die automatisch en hoor je het van ons."
                ),
                (Locale::En, Some(p)) => format!(
                    "The edition is full. You are on the waiting list, at position {p}. When a seat becomes free it is given to you automatically and we let you know."
                ),
                _ => t(
                    locale,
                    "De editie is vol. Je staat op de wachtlijst.",
                    "The edition is full. You are on the waiting list.",
                ),
            });
        }
        Kind::RegistrationPending => {
            letter.subject = t(locale, "Wacht op goedkeuring: ", "Awaiting approval: ") + title;
            letter.paragraphs.push(t(
                locale,
                "Je inschrijving wacht op goedkeuring door HR van je organisatie. Je hoort van ons zodra er een besluit is.",
                "Your registration awaits approval by your organisation's HR. We let you know as soon as they decide.",
            ));
        }
        Kind::RegistrationApproved => {
            letter.subject = t(locale, "Goedgekeurd: ", "Approved: ") + title;
            letter.paragraphs.push(if status == "waitlisted" {
                match (locale, position) {
                    (Locale::Nl, Some(p)) => format!(
                        "Je inschrijving is goedgekeurd. De editie is inmiddels vol: je staat op de wachtlijst, op plaats {p}."
                    ),
                    (Locale::En, Some(p)) => format!(
                        "Your registration was approved. The edition has filled up meanwhile: you are on the waiting list, at position {p}."
                    ),
                    _ => t(
                        locale,
                        "Je inschrijving is goedgekeurd; je staat op de wachtlijst.",
                        "Your registration was approved; you are on the waiting list.",
                    ),
                }
            } else {
                t(
                    locale,
                    "Je inschrijving is goedgekeurd. Je hebt een plaats.",
                    "Your registration was approved. You have a seat.",
                )
            });
        }
        Kind::RegistrationDeclined => {
            method = Method::Cancel;
            letter.subject = t(locale, "Niet goedgekeurd: ", "Not approved: ") + title;
            letter.paragraphs.push(t(
                locale,
                "Je inschrijving is niet goedgekeurd.",
                "Your registration was not approved.",
            ));
            if let Some(reason) = reason {
                letter
                    .facts
                    .insert(0, (t(locale, "Reden", "Reason"), reason.to_owned()));
            }
        }
        Kind::RegistrationCancelled => {
            method = Method::Cancel;
            letter.subject = t(locale, "Afgemeld: ", "Cancelled: ") + title;
            let by_self = payload
                .get("by_self")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let late = payload
                .get("late")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            letter.paragraphs.push(if by_self {
                t(
                    locale,
                    "Je hebt je afgemeld. Je plaats is vrijgegeven.",
                    "You cancelled your registration. Your seat has been released.",
                )
            } else {
                match (payload_str(payload, "by"), canceller.as_deref()) {
                    (Some("user"), Some(name)) => match locale {
                        Locale::Nl => format!("Je inschrijving is geannuleerd door {name}."),
                        Locale::En => format!("Your registration was cancelled by {name}."),
                    },
                    (Some("client"), _) => t(
                        locale,
                        "Je inschrijving is geannuleerd via het systeem van je organisatie.",
                        "Your registration was cancelled through your organisation's system.",
                    ),
                    _ => t(
                        locale,
                        "Je inschrijving is geannuleerd.",
                        "Your registration was cancelled.",
                    ),
                }
            });
            if late {
                letter.paragraphs.push(t(
                    locale,
                    "De afmelding kwam na de annuleringstermijn; daarvoor kunnen kosten in rekening worden gebracht.",
                    "The cancellation came after the cancellation deadline; costs may be charged for it.",
                ));
            }
            if let Some(reason) = reason {
                letter
                    .facts
                    .insert(0, (t(locale, "Reden", "Reason"), reason.to_owned()));
            }
        }
        _ => {
            return Err(Unsendable::Skip(format!(
                "{} is not about a registration",
                kind.as_str()
            )));
        }
    }
    letter.calendar = calendar(state, person, reg.edition_id, None, method).await?;
    Ok(letter)
}

async fn session_changed(
    state: &AppState,
    kind: Kind,
    m: &message::Model,
    person: &user::Model,
    payload: &Value,
) -> Result<Letter, Unsendable> {
    let s = about_session(state, m).await?;
    let facts = edition_facts(&state.db, s.edition_id).await?;
    let locale = person.locale;
    let mut letter = base(state, locale, person, &facts);
    let title = &facts.course.title;
    let method = if kind == Kind::SessionCancelled {
        letter.subject = t(locale, "Bijeenkomst vervalt: ", "Session cancelled: ") + title;
        letter.paragraphs.push(match locale {
            Locale::Nl => format!(
                "De bijeenkomst van {} gaat niet door. Je inschrijving voor de andere bijeenkomsten blijft staan.",
                when(locale, s.starts_at, s.ends_at)
            ),
            Locale::En => format!(
                "The session of {} will not take place. Your registration for the other sessions stands.",
                when(locale, s.starts_at, s.ends_at)
            ),
        });
        Method::Cancel
    } else {
        letter.subject = t(locale, "Gewijzigd: ", "Changed: ") + title;
        let old = match (
            payload_time(payload, "old_starts_at"),
            payload_time(payload, "old_ends_at"),
        ) {
            (Some(a), Some(b)) => Some(when(locale, a, b)),
            _ => None,
        };
        let new = when(locale, s.starts_at, s.ends_at);
        letter.paragraphs.push(t(
            locale,
            "Een bijeenkomst is gewijzigd. Je agenda wordt bijgewerkt.",
            "A session has changed. Your calendar is updated.",
        ));
        let mut changes = Vec::new();
        if let Some(old) = old.filter(|o| *o != new) {
            changes.push((t(locale, "Was", "Was"), old));
            changes.push((t(locale, "Wordt", "Now"), new));
        }
        let place = s
            .location
            .clone()
            .or_else(|| facts.edition.location.clone());
        if payload_str(payload, "old_location") != place.as_deref()
            && let Some(place) = place
        {
            changes.push((t(locale, "Nieuwe locatie", "New place"), place));
        }
        for (i, c) in changes.into_iter().enumerate() {
            letter.facts.insert(1 + i, c);
        }
        Method::Request
    };
    letter.calendar = calendar(state, person, s.edition_id, Some(s.id), method).await?;
    Ok(letter)
}

async fn approval_requested(
    state: &AppState,
    m: &message::Model,
    hr: &user::Model,
) -> Result<Letter, Unsendable> {
    let reg = about_registration(state, m).await?;
    if reg.status != entity::RegistrationStatus::PendingApproval {
        return Err(Unsendable::Skip(
            "the registration was decided already".into(),
        ));
    }
    let applicant = user::Entity::find_by_id(reg.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| Unsendable::Skip("the person is gone".into()))?;
    let org = organization::Entity::find_by_id(hr.organization_id)
        .one(&state.db)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let facts = edition_facts(&state.db, reg.edition_id).await?;
    let locale = hr.locale;
    let mut details = vec![(t(locale, "Medewerker", "Employee"), applicant.name.clone())];
    details.extend(facts.facts(locale));
    Ok(Letter {
        lang: lang(locale),
        subject: t(locale, "Goedkeuring gevraagd: ", "Approval requested: ")
            + &applicant.name
            + " – "
            + &facts.course.title,
        greeting: greeting(locale, hr),
        paragraphs: vec![match locale {
            Locale::Nl => format!(
                "{} heeft zich ingeschreven voor {} en wacht op jouw goedkeuring. Keur de inschrijving goed of af via het intranet of de API.",
                applicant.name, facts.course.title
            ),
            Locale::En => format!(
                "{} registered for {} and awaits your approval. Approve or decline the registration on the intranet or through the API.",
                applicant.name, facts.course.title
            ),
        }],
        facts: details,
        action: Some((
            t(locale, "De inschrijving", "The registration"),
            format!(
                "{}/api/v1/registrations/{}",
                state.config.public_url, reg.id
            ),
        )),
        why: match locale {
            Locale::Nl => format!(
                "Je ontvangt dit bericht van {} omdat je HR-contactpersoon bent van {org}. In je voorkeuren kun je kiezen voor één overzicht per dag.",
                state.config.academy_name
            ),
            Locale::En => format!(
                "You receive this message from {} because you are an HR contact of {org}. In your preferences you can choose one digest a day instead.",
                state.config.academy_name
            ),
        },
        calendar: None,
        attachment: None,
    })
}

fn account(
    state: &AppState,
    kind: Kind,
    person: &user::Model,
    payload: &Value,
) -> Result<Letter, Unsendable> {
    let token = payload_str(payload, "token")
        .ok_or_else(|| Unsendable::Skip("the link was sent already".into()))?;
    let base = state
        .config
        .account_url
        .clone()
        .unwrap_or_else(|| format!("{}/account/password", state.config.public_url));
    let sep = if base.contains('?') { '&' } else { '?' };
    let link = format!("{base}{sep}token={token}");
    let locale = person.locale;
    let academy = &state.config.academy_name;
    let email = person.email.clone().unwrap_or_default();
    Ok(if kind == Kind::AccountInvitation {
        Letter {
            lang: lang(locale),
            subject: match locale {
                Locale::Nl => format!("Je account bij {academy}"),
                Locale::En => format!("Your account at {academy}"),
            },
            greeting: greeting(locale, person),
            paragraphs: vec![match locale {
                Locale::Nl => format!(
                    "Er is een account voor je aangemaakt bij {academy}, met {email} als gebruikersnaam. Kies een wachtwoord via de link hieronder; daarna kun je je inschrijven, je certificaten bekijken en je agenda koppelen. De link werkt 7 dagen en één keer."
                ),
                Locale::En => format!(
                    "An account was created for you at {academy}, with {email} as the user name. Choose a password with the link below; then you can register, see your certificates and connect your calendar. The link works for 7 days, once."
                ),
            }],
            facts: Vec::new(),
            action: Some((
                t(locale, "Kies je wachtwoord", "Choose your password"),
                link,
            )),
            why: match locale {
                Locale::Nl => format!(
                    "Je ontvangt dit bericht omdat HR of de academie een account voor dit adres heeft aangemaakt bij {academy}."
                ),
                Locale::En => format!(
                    "You receive this message because HR or the academy created an account for this address at {academy}."
                ),
            },
            calendar: None,
            attachment: None,
        }
    } else {
        Letter {
            lang: lang(locale),
            subject: t(locale, "Nieuw wachtwoord instellen", "Set a new password"),
            greeting: greeting(locale, person),
            paragraphs: vec![t(
                locale,
                "Er is gevraagd om een nieuw wachtwoord voor je account. Kies het via de link hieronder. De link werkt een uur en één keer; daarna ben je overal afgemeld en meld je je aan met het nieuwe wachtwoord.",
                "A new password was asked for your account. Choose it with the link below. The link works for an hour, once; afterwards you are signed out everywhere and sign in with the new password.",
            )],
            facts: Vec::new(),
            action: Some((
                t(locale, "Kies een nieuw wachtwoord", "Choose a new password"),
                link,
            )),
            why: match locale {
                Locale::Nl => format!(
                    "Je ontvangt dit bericht van {academy} omdat iemand een nieuw wachtwoord vroeg voor het account met dit adres. Was jij dat niet? Negeer dit bericht dan; je wachtwoord blijft zoals het is."
                ),
                Locale::En => format!(
                    "You receive this message from {academy} because someone asked for a new password for the account with this address. If that was not you, ignore this message; your password stays as it is."
                ),
            },
            calendar: None,
            attachment: None,
        }
    })
}

async fn certificate_letter(
    state: &AppState,
    kind: Kind,
    m: &message::Model,
    person: &user::Model,
) -> Result<Letter, Unsendable> {
    let id = m
        .about_id
        .ok_or_else(|| Unsendable::Skip("no certificate".into()))?;
    let c = crate::domain::certificates::load(&state.db, id).await?;
    let locale = person.locale;
    let academy = &state.config.academy_name;
    let title = c.row.course_title.clone();
    let verify = crate::certificates::code::verify_url(&state.config.public_url, &c.row.code);
    let mut facts = vec![
        (t(locale, "Cursus", "Course"), title.clone()),
        (
            t(locale, "Afgerond op", "Completed on"),
            c.row.completed_on.format("%d-%m-%Y").to_string(),
        ),
        (
            t(locale, "Certificaatcode", "Certificate code"),
            crate::certificates::code::display(&c.row.code),
        ),
    ];
    for a in &c.accreditations {
        use sea_orm::ActiveEnum;
        facts.push((
            format!(
                "{} {}",
                a.register.to_value(),
                t(locale, "punten", "points")
            ),
            format!("{}", a.points),
        ));
    }
    let why = match locale {
        Locale::Nl => format!(
            "Je ontvangt dit bericht van {academy} omdat je {title} hebt afgerond. Berichten over je certificaten kun je niet uitzetten."
        ),
        Locale::En => format!(
            "You receive this message from {academy} because you completed {title}. Messages about your certificates cannot be turned off."
        ),
    };
    if kind == Kind::CertificateRevoked {
        if c.row.status != entity::CertificateStatus::Revoked {
            return Err(Unsendable::Skip("the certificate is valid again".into()));
        }
        if let Some(reason) = &c.row.revoked_reason {
            facts.insert(1, (t(locale, "Reden", "Reason"), reason.clone()));
        }
        return Ok(Letter {
            lang: lang(locale),
            subject: t(locale, "Certificaat ingetrokken: ", "Certificate revoked: ") + &title,
            greeting: greeting(locale, person),
            paragraphs: vec![t(
                locale,
                "Je certificaat is ingetrokken. Wie de code controleert, ziet dat het niet meer geldig is. Heb je vragen, neem dan contact op met de academie.",
                "Your certificate was revoked. Anyone checking its code sees that it is no longer valid. If you have questions, please contact the academy.",
            )],
            facts,
            action: Some((t(locale, "Bekijk de status", "See its status"), verify)),
            why,
            calendar: None,
            attachment: None,
        });
    }
    if c.row.status != entity::CertificateStatus::Valid {
        return Err(Unsendable::Skip(
            "the certificate was revoked meanwhile".into(),
        ));
    }
    let pdf = crate::certificates::document(&state.config.public_url, &c)
        .map_err(|e| Unsendable::Retry(format!("rendering the certificate: {e}")))?;
    Ok(Letter {
        lang: lang(locale),
        subject: t(locale, "Je certificaat: ", "Your certificate: ") + &title,
        greeting: greeting(locale, person),
        paragraphs: vec![t(
            locale,
            "Gefeliciteerd! Je hebt de cursus afgerond. Je certificaat zit als PDF bij dit bericht. Iedereen kan het controleren met de code of de link hieronder; de punten schrijft de academie bij in het register.",
            "Congratulations! You completed the course. Your certificate is attached to this message as a PDF. Anyone can check it with the code or the link below; the academy reports the points to the register.",
        )],
        facts,
        action: Some((
            t(
                locale,
                "Controleer het certificaat",
                "Verify the certificate",
            ),
            verify,
        )),
        why,
        calendar: None,
        attachment: Some((
            format!("certificaat-{}.pdf", c.row.code.to_lowercase()),
            "application/pdf".to_owned(),
            pdf,
        )),
    })
}

async fn reminder(
    state: &AppState,
    m: &message::Model,
    person: &user::Model,
    payload: &Value,
) -> Result<Letter, Unsendable> {
    let s = about_session(state, m).await?;
    let revision = payload.get("revision").and_then(Value::as_i64);
    if s.status != SessionStatus::Scheduled
        || revision != Some(i64::from(s.revision))
        || s.starts_at <= crate::domain::now()
    {
        return Err(Unsendable::Skip("the session changed or began".into()));
    }
    if !person.reminders {
        return Err(Unsendable::Skip("the person turned reminders off".into()));
    }
    let still = registration::Entity::find()
        .filter(registration::Column::EditionId.eq(s.edition_id))
        .filter(registration::Column::UserId.eq(person.id))
        .filter(registration::Column::Status.eq(entity::RegistrationStatus::Confirmed))
        .one(&state.db)
        .await?;
    if still.is_none() {
        return Err(Unsendable::Skip(
            "the person is no longer registered".into(),
        ));
    }
    let facts = edition_facts(&state.db, s.edition_id).await?;
    let locale = person.locale;
    let mut letter = base(state, locale, person, &facts);
    let when_text = when(locale, s.starts_at, s.ends_at);
    letter.subject =
        t(locale, "Herinnering: ", "Reminder: ") + &facts.course.title + ", " + &when_text;
    letter.paragraphs.push(match locale {
        Locale::Nl => format!(
            "Binnenkort is de bijeenkomst van {} op {when_text}. Kun je niet? Meld je dan af, zodat iemand van de wachtlijst je plaats krijgt.",
            facts.course.title
        ),
        Locale::En => format!(
            "The session of {} is coming up on {when_text}. If you cannot come, please cancel, so someone on the waiting list gets your seat.",
            facts.course.title
        ),
    });
    let place = s
        .location
        .clone()
        .or_else(|| facts.edition.location.clone());
    if let Some(place) = place {
        letter
            .facts
            .retain(|(label, _)| label != &t(locale, "Locatie", "Place"));
        letter.facts.push((t(locale, "Locatie", "Place"), place));
    }
    letter.why = match locale {
        Locale::Nl => format!(
            "Je ontvangt deze herinnering van {} omdat je bent ingeschreven voor {}. Herinneringen kun je uitzetten in je voorkeuren.",
            state.config.academy_name, facts.course.title
        ),
        Locale::En => format!(
            "You receive this reminder from {} because you registered for {}. You can turn reminders off in your preferences.",
            state.config.academy_name, facts.course.title
        ),
    };
    letter.calendar = calendar(state, person, s.edition_id, Some(s.id), Method::Request).await?;
    Ok(letter)
}

async fn evaluation_invitation(
    state: &AppState,
    m: &message::Model,
    person: &user::Model,
) -> Result<Letter, Unsendable> {
    let reg = about_registration(state, m).await?;
    let done = entity::evaluation::Entity::find()
        .filter(entity::evaluation::Column::RegistrationId.eq(reg.id))
        .one(&state.db)
        .await?;
    if done.is_some() {
        return Err(Unsendable::Skip("evaluated already".into()));
    }
    let facts = edition_facts(&state.db, reg.edition_id).await?;
    let locale = person.locale;
    let mut letter = base(state, locale, person, &facts);
    letter.subject = t(locale, "Hoe was het? ", "How was it? ") + &facts.course.title;
    letter.paragraphs.push(t(
        locale,
        "Bedankt voor je deelname. Wil je in een minuut laten weten hoe je het vond? Met een cijfer en eventueel een opmerking help je de trainers en de academie. Je kunt je evaluatie tot 30 dagen na de afsluiting aanpassen.",
        "Thank you for taking part. Would you take a minute to tell us how it was? A score and, if you like, a comment help the trainers and the academy. You can change your evaluation until 30 days after the edition closes.",
    ));
    letter.action = Some((
        t(locale, "Geef je evaluatie", "Give your evaluation"),
        format!(
            "{}/api/v1/editions/{}/evaluations/mine",
            state.config.public_url, reg.edition_id
        ),
    ));
    letter
        .facts
        .retain(|(label, _)| label == &t(locale, "Cursus", "Course"));
    letter.why = match locale {
        Locale::Nl => format!(
            "Je ontvangt dit bericht van {} omdat je hebt deelgenomen aan {}.",
            state.config.academy_name, facts.course.title
        ),
        Locale::En => format!(
            "You receive this message from {} because you took part in {}.",
            state.config.academy_name, facts.course.title
        ),
    };
    Ok(letter)
}

async fn approval_digest(
    state: &AppState,
    m: &message::Model,
    hr: &user::Model,
) -> Result<Letter, Unsendable> {
    let org = m
        .about_id
        .ok_or_else(|| Unsendable::Skip("no organisation".into()))?;
    if hr.organization_id != org {
        return Err(Unsendable::Skip("HR moved to another organisation".into()));
    }
    let pending: Vec<(registration::Model, Option<user::Model>)> = registration::Entity::find()
        .find_also_related(user::Entity)
        .filter(user::Column::OrganizationId.eq(org))
        .filter(registration::Column::Status.eq(entity::RegistrationStatus::PendingApproval))
        .order_by_asc(registration::Column::Id)
        .all(&state.db)
        .await?;
    if pending.is_empty() {
        return Err(Unsendable::Skip("nothing waits any more".into()));
    }
    let editions: std::collections::HashSet<Uuid> =
        pending.iter().map(|(r, _)| r.edition_id).collect();
    let mut titles = std::collections::HashMap::new();
    for id in editions {
        let facts = edition_facts(&state.db, id).await?;
        let first = facts
            .sessions
            .iter()
            .find(|s| s.status == SessionStatus::Scheduled)
            .map(|s| when(hr.locale, s.starts_at, s.ends_at));
        titles.insert(id, (facts.course.title, first));
    }
    let locale = hr.locale;
    let lines: Vec<String> = pending
        .iter()
        .map(|(r, person)| {
            let name = person.as_ref().map_or("?", |p| p.name.as_str());
            let (title, first) = titles.get(&r.edition_id).cloned().unwrap_or_default();
            match first {
                Some(first) => format!("{name} – {title} ({first})"),
                None => format!("{name} – {title}"),
            }
        })
        .collect();
    let n = lines.len();
    Ok(Letter {
        lang: lang(locale),
        subject: match locale {
            Locale::Nl => format!("{n} inschrijving(en) wachten op je goedkeuring"),
            Locale::En => format!("{n} registration(s) await your approval"),
        },
        greeting: greeting(locale, hr),
        paragraphs: vec![t(
            locale,
            "Deze inschrijvingen van je organisatie wachten op je goedkeuring. Keur ze goed of af via het intranet of de API.",
            "These registrations of your organisation await your approval. Approve or decline them on the intranet or through the API.",
        )],
        facts: vec![(t(locale, "Wachtend", "Waiting"), lines.join("\n"))],
        action: None,
        why: match locale {
            Locale::Nl => format!(
                "Je ontvangt dit overzicht van {} omdat je als HR-contactpersoon koos voor één bericht per dag.",
                state.config.academy_name
            ),
            Locale::En => format!(
                "You receive this digest from {} because as an HR contact you chose one message a day.",
                state.config.academy_name
            ),
        },
        calendar: None,
        attachment: None,
    })
}

async fn points_letter(
    state: &AppState,
    kind: Kind,
    m: &message::Model,
    person: &user::Model,
    payload: &Value,
) -> Result<Letter, Unsendable> {
    use crate::domain::reports::{self, Scope};
    let today = crate::domain::time::today();
    let locale = person.locale;
    let academy = &state.config.academy_name;
    let registers = [
        entity::Register::Skj,
        entity::Register::Big,
        entity::Register::Nip,
        entity::Register::Nvo,
        entity::Register::Other,
    ];
    let mut short = Vec::new();
    for register in registers {
        use sea_orm::ActiveEnum;
        if reports::norm(register).is_none() {
            continue;
        }
        if kind == Kind::PointsReminder
            && payload_str(payload, "register") != Some(register.to_value().as_str())
        {
            continue;
        }
        let (scope, only) = if kind == Kind::PointsDigest {
            let org = m
                .about_id
                .ok_or_else(|| Unsendable::Skip("no organisation".into()))?;
            if person.organization_id != org {
                return Err(Unsendable::Skip("HR moved to another organisation".into()));
            }
            (Scope::Organization(org), None)
        } else {
            (Scope::All, Some(person.id))
        };
        short.extend(
            reports::points(&state.db, scope, register, only, None, today)
                .await?
                .into_iter()
                .filter(|l| {
                    l.shortfall.is_some_and(|s| s > 0.0) && (0..=365).contains(&l.days_left)
                }),
        );
    }
    if short.is_empty() {
        return Err(Unsendable::Skip("nobody is short of points".into()));
    }
    short.sort_by(|a, b| a.period_end.cmp(&b.period_end).then(a.name.cmp(&b.name)));
    let describe = |l: &reports::PointsLine| {
        use sea_orm::ActiveEnum;
        let need = l.shortfall.unwrap_or_default();
        match locale {
            Locale::Nl => format!(
                "{}: {} {} van {} punten, nog {need} nodig vóór {}",
                l.name,
                l.register.to_value(),
                l.points,
                l.norm.unwrap_or_default(),
                l.period_end.format("%d-%m-%Y")
            ),
            Locale::En => format!(
                "{}: {} {} of {} points, {need} more needed by {}",
                l.name,
                l.register.to_value(),
                l.points,
                l.norm.unwrap_or_default(),
                l.period_end.format("%d-%m-%Y")
            ),
        }
    };
    let lines: Vec<String> = short.iter().map(describe).collect();
    let catalogue = format!("{}/api/v1/editions?has_seats=true", state.config.public_url);
    let hr = kind == Kind::PointsDigest;
    let (subject, paragraph, label, why) = match (hr, locale) {
        (true, _) => (
            t(
                locale,
                "Registerpunten: wie loopt achter",
                "Register points: who is behind",
            ),
            t(
                locale,
                "De registratieperiode van deze medewerkers eindigt binnen een jaar en ze hebben nog niet genoeg punten. Het aanbod van de academie staat in de catalogus.",
                "The registration period of these employees ends within a year and they do not have enough points yet. The academy's offer is in the catalogue.",
            ),
            t(locale, "Medewerkers", "Employees"),
            match locale {
                Locale::Nl => format!(
                    "Je ontvangt dit maandoverzicht van {academy} omdat je HR-contactpersoon bent van je organisatie."
                ),
                Locale::En => format!(
                    "You receive this monthly digest from {academy} because you are an HR contact of your organisation."
                ),
            },
        ),
        (false, _) => (
            t(locale, "Je registerpunten", "Your register points"),
            t(
                locale,
                "Je registratieperiode eindigt binnen een jaar en je hebt nog niet genoeg punten. In de catalogus vind je cursussen met plaats.",
                "Your registration period ends within a year and you do not have enough points yet. The catalogue lists courses with seats.",
            ),
            t(locale, "Stand", "Standing"),
            match locale {
                Locale::Nl => format!(
                    "Je ontvangt dit bericht van {academy} eenmaal per registratieperiode, omdat je in het register staat."
                ),
                Locale::En => format!(
                    "You receive this message from {academy} once per registration period, because you are in the register."
                ),
            },
        ),
    };
    Ok(Letter {
        lang: lang(locale),
        subject,
        greeting: greeting(locale, person),
        paragraphs: vec![paragraph],
        facts: vec![(label, lines.join("\n"))],
        action: Some((t(locale, "De catalogus", "The catalogue"), catalogue)),
        why,
        calendar: None,
        attachment: None,
    })
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
