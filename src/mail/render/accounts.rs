//! Letters about access: the account invitation and password reset, and the notice to a
//! partner's contact that a webhook endpoint was turned off.

use entity::{Locale, message, user};
use lettre::message::Mailbox;
use sea_orm::EntityTrait;
use serde_json::Value;

use crate::domain::messages::Kind;
use crate::mail::letter::Letter;
use crate::state::AppState;

use super::parts::{Ready, Unsendable, greeting, mailbox, payload_str, t};

/// To a partner client's contact (an address; the text in Dutch and English) or to the
/// admin who registered the endpoint (in their language): the service turned an endpoint
/// off.
pub(super) async fn webhook_disabled(
    state: &AppState,
    m: &message::Model,
) -> Result<Ready, Unsendable> {
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
        lang: first.tag(),
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

pub(super) fn account(
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
            lang: locale.tag(),
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
            lang: locale.tag(),
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
