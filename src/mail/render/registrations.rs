//! Letters about a registration: confirmed, waitlisted, pending, approved, declined,
//! cancelled, promoted; and HR's approval requests and daily digest.

use entity::{Locale, SessionStatus, message, organization, registration, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::calendar::ics::Method;
use crate::domain::messages::Kind;
use crate::mail::letter::Letter;
use crate::state::AppState;

use super::parts::{
    Unsendable, about, base, calendar, edition_facts, greeting, hr_organisation, payload_str, t,
    when,
};

/// The registration a message is about.
pub(super) async fn about_registration(
    state: &AppState,
    m: &message::Model,
) -> Result<registration::Model, Unsendable> {
    let id = about(m, "registration")?;
    registration::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| Unsendable::Skip("the registration is gone".into()))
}

pub(super) async fn registration_letter(
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

pub(super) async fn approval_requested(
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
        lang: locale.tag(),
        subject: t(locale, "Goedkeuring gevraagd: ", "Approval requested: ")
            + &applicant.name
            + " – "
            + &facts.course.title,
        greeting: greeting(locale, hr),
        paragraphs: vec![match locale {
            Locale::Nl => format!(
                "{} heeft zich ingeschreven voor {} en wacht op jouw goedkeuring. Keur de inschrijving goed of af via de link hieronder, het intranet of de API.",
                applicant.name, facts.course.title
            ),
            Locale::En => format!(
                "{} registered for {} and awaits your approval. Approve or decline the registration through the link below, on the intranet or through the API.",
                applicant.name, facts.course.title
            ),
        }],
        facts: details,
        action: Some((
            t(locale, "De inschrijving", "The registration"),
            format!(
                "{}/approval?registration={}&lang={}",
                state.config.public_url,
                reg.id,
                locale.tag()
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

pub(super) async fn approval_digest(
    state: &AppState,
    m: &message::Model,
    hr: &user::Model,
) -> Result<Letter, Unsendable> {
    let org = hr_organisation(m, hr)?;
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
        lang: locale.tag(),
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
