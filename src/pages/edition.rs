//! `/edition?id=…`: the page a mail's "more about this edition" link opens: the course,
//! the dates, the place, and the seats left, for anyone (a published edition only).

use std::sync::Arc;

use entity::{EditionStatus, Locale};
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;

use super::{alert, locale, page, para, t};
use crate::domain::editions;
use crate::error::DomainError;
use crate::mail::letter::escape;
use crate::mail::render::{Unsendable, edition_facts};
use crate::state::AppState;

/// The link's query.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    id: Option<String>,
    lang: Option<String>,
}

/// `GET /edition?id=…`.
#[handler]
pub async fn show(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Query(q): Query<LinkQuery>,
) -> Response {
    let locale = locale(q.lang.as_deref(), None, req);
    let academy = &state.config.academy_name;
    let title = t(locale, "Editie", "Edition");
    let gone = || {
        page(
            StatusCode::NOT_FOUND,
            locale,
            academy,
            title,
            &para(t(
                locale,
                "Deze editie bestaat niet (meer) of staat nog niet in de catalogus.",
                "This edition does not exist (any more) or is not in the catalogue yet.",
            )),
        )
    };
    let Some(id) = q.id.as_deref().and_then(|s| s.parse::<Uuid>().ok()) else {
        return gone();
    };
    let view = match editions::access::get(&state.db, None, id).await {
        Ok(v) => v,
        Err(DomainError::NotFound(_) | DomainError::Forbidden { .. }) => return gone(),
        Err(e) => return unavailable(&state, locale, &e.to_string()),
    };
    let facts = match edition_facts(&state.db, id).await {
        Ok(f) => f,
        Err(Unsendable::Skip(_)) => return gone(),
        Err(Unsendable::Retry(why)) => return unavailable(&state, locale, &why),
    };
    let mut main = String::new();
    match view.edition.status {
        EditionStatus::Cancelled => main.push_str(&alert(t(
            locale,
            "Deze editie gaat niet door.",
            "This edition has been cancelled.",
        ))),
        EditionStatus::Closed => main.push_str(&para(t(
            locale,
            "Deze editie is afgerond.",
            "This edition has finished.",
        ))),
        EditionStatus::Draft | EditionStatus::Published => {}
    }
    let mut lines = facts.facts(locale);
    if view.edition.status == EditionStatus::Published {
        let seats = match locale {
            Locale::Nl => format!(
                "{} van {} vrij",
                view.seats_available(),
                view.edition.capacity
            ),
            Locale::En => format!(
                "{} of {} free",
                view.seats_available(),
                view.edition.capacity
            ),
        };
        lines.push((t(locale, "Plaatsen", "Seats").to_owned(), seats));
        if view.waitlist_length > 0 {
            lines.push((
                t(locale, "Wachtlijst", "Waiting list").to_owned(),
                view.waitlist_length.to_string(),
            ));
        }
        if let Some(closes) = view.edition.registration_closes_at {
            lines.push((
                t(locale, "Inschrijven kan tot", "Registration closes").to_owned(),
                crate::domain::time::in_amsterdam(closes)
                    .format("%d-%m-%Y %H:%M")
                    .to_string(),
            ));
        }
    }
    main.push_str("<dl>\n");
    for (label, value) in &lines {
        main.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape(label),
            escape(value).replace('\n', "<br>")
        ));
    }
    main.push_str("</dl>\n");
    main.push_str(&para(t(
        locale,
        "Inschrijven en afmelden doe je via het intranet van je organisatie of de site van de academie.",
        "You register and cancel through your organisation's intranet or the academy's site.",
    )));
    page(StatusCode::OK, locale, academy, &facts.course.title, &main)
}

fn unavailable(state: &AppState, locale: Locale, why: &str) -> Response {
    tracing::error!(error = why, "edition page");
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        locale,
        &state.config.academy_name,
        t(locale, "Dat lukte niet", "That did not work"),
        &para(t(
            locale,
            "Er ging bij ons iets mis. Probeer het zo opnieuw.",
            "Something went wrong on our side. Try again shortly.",
        )),
    )
}
