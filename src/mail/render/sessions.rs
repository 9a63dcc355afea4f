//! Letters about the dates: an edition or session cancelled, a session moved, the
//! reminders, and the evaluation invitation after the last session.

use entity::{Locale, SessionStatus, message, registration, session, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::calendar::ics::Method;
use crate::domain::messages::Kind;
use crate::mail::letter::Letter;
use crate::state::AppState;

use super::parts::{
    Unsendable, about, base, calendar, edition_facts, payload_str, payload_time, t, when,
};
use super::registrations::about_registration;

/// The session a message is about.
async fn about_session(state: &AppState, m: &message::Model) -> Result<session::Model, Unsendable> {
    let id = about(m, "session")?;
    session::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| Unsendable::Skip("the session is gone".into()))
}

/// To everyone registered: the edition does not take place.
pub(super) async fn edition_cancelled(
    state: &AppState,
    m: &message::Model,
    person: &user::Model,
) -> Result<Letter, Unsendable> {
    let locale = person.locale;
    let edition_id = about(m, "edition")?;
    let facts = edition_facts(&state.db, edition_id).await?;
    let mut letter = base(state, locale, person, &facts);
    letter.subject = t(locale, "Geannuleerd: ", "Cancelled: ") + &facts.course.title;
    letter.paragraphs = vec![t(
        locale,
        "Deze editie gaat niet door. Je inschrijving is daarmee vervallen; je hoeft niets te doen. De bijeenkomsten verdwijnen uit je agenda.",
        "This edition will not take place. Your registration has lapsed with it; there is nothing you need to do. The sessions are removed from your calendar.",
    )];
    letter.calendar = calendar(state, person, edition_id, None, Method::Cancel).await?;
    Ok(letter)
}

pub(super) async fn session_changed(
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

pub(super) async fn reminder(
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

pub(super) async fn evaluation_invitation(
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
            "{}/evaluation?edition={}&lang={}",
            state.config.public_url,
            reg.edition_id,
            locale.tag()
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
