//! `/catalogue`: the page a points reminder's "find a course" link opens: the editions
//! still to start that have free seats, earliest first, each linking to its page.

use std::sync::Arc;

use entity::Locale;
use poem::http::StatusCode;
use poem::web::{Data, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{locale, page, para, t};
use crate::domain::editions::catalogue::{self, EditionFilter};
use crate::mail::letter::escape;
use crate::state::AppState;

/// Editions on one page.
const PER_PAGE: u32 = 25;

/// The page's query.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    cursor: Option<String>,
    lang: Option<String>,
}

/// `GET /catalogue`.
#[handler]
pub async fn show(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Query(q): Query<PageQuery>,
) -> Response {
    let locale = locale(q.lang.as_deref(), None, req);
    let academy = &state.config.academy_name;
    let title = t(locale, "Cursusaanbod", "Courses");
    let filter = EditionFilter {
        from: Some(crate::domain::time::now()),
        has_seats: Some(true),
        ..EditionFilter::default()
    };
    let (views, next) = match catalogue::list(
        &state.db,
        None,
        &filter,
        Some(PER_PAGE),
        q.cursor.as_deref(),
    )
    .await
    {
        Ok(found) => found,
        Err(crate::error::DomainError::Validation(_)) => {
            return page(
                StatusCode::BAD_REQUEST,
                locale,
                academy,
                title,
                &para(t(
                    locale,
                    "Deze link klopt niet. Begin opnieuw bij de eerste pagina.",
                    "This link is not right. Start again at the first page.",
                )),
            );
        }
        Err(e) => {
            tracing::error!(error = %e, "catalogue page");
            return page(
                StatusCode::SERVICE_UNAVAILABLE,
                locale,
                academy,
                t(locale, "Dat lukte niet", "That did not work"),
                &para(t(
                    locale,
                    "Er ging bij ons iets mis. Probeer het zo opnieuw.",
                    "Something went wrong on our side. Try again shortly.",
                )),
            );
        }
    };
    let lang = locale.tag();
    let mut main = String::new();
    if views.is_empty() {
        main.push_str(&para(t(
            locale,
            "Er zijn nu geen edities met vrije plaatsen.",
            "No edition has free seats now.",
        )));
    } else {
        main.push_str(&para(t(
            locale,
            "Edities die nog beginnen en vrije plaatsen hebben, de eerste bovenaan. Inschrijven doe je via het intranet van je organisatie of de site van de academie.",
            "Editions still to start that have free seats, the earliest first. You register through your organisation's intranet or the academy's site.",
        )));
        main.push_str("<ul>\n");
        for v in &views {
            let when = v
                .edition
                .first_session_at
                .map(|at| {
                    crate::domain::time::in_amsterdam(at)
                        .format("%d-%m-%Y")
                        .to_string()
                })
                .unwrap_or_default();
            let seats = match locale {
                Locale::Nl => format!("{} plaatsen vrij", v.seats_available()),
                Locale::En => format!("{} seats free", v.seats_available()),
            };
            let place = v
                .edition
                .location
                .as_deref()
                .map(|p| format!(", {}", escape(p)))
                .unwrap_or_default();
            main.push_str(&format!(
                "<li><a href=\"/edition?id={id}&amp;lang={lang}\">{title}</a> ({kind}), {when}{place}: {seats}</li>\n",
                id = v.edition.id,
                title = escape(&v.course_title),
                kind = crate::texts::kind_name(locale, v.course_kind),
                seats = escape(&seats),
            ));
        }
        main.push_str("</ul>\n");
    }
    if let Some(cursor) = next {
        main.push_str(&format!(
            "<p><a href=\"/catalogue?cursor={}&amp;lang={lang}\">{}</a></p>\n",
            escape(&cursor),
            t(locale, "Meer edities", "More editions"),
        ));
    }
    page(StatusCode::OK, locale, academy, title, &main)
}
