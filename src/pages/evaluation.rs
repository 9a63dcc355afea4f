//! `/evaluation?edition=…`: the page the evaluation invitation's link opens. The
//! participant signs in on it and gives (or changes) a score and a comment, in one step.

use std::sync::Arc;

use entity::Locale;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;

use super::{Refused, alert, credentials, done, locale, page, para, sign_in, t};
use crate::domain::evaluations::{self, Input, MAX_COMMENT};
use crate::error::DomainError;
use crate::mail::letter::escape;
use crate::state::AppState;

/// The link's query.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    edition: Option<String>,
    lang: Option<String>,
}

/// The form's fields.
#[derive(Debug, Deserialize)]
pub struct EvaluationForm {
    edition: Option<String>,
    email: Option<String>,
    password: Option<String>,
    score: Option<String>,
    comment: Option<String>,
    lang: Option<String>,
}

struct Filled<'a> {
    edition: &'a str,
    email: &'a str,
    score: Option<i64>,
    comment: &'a str,
}

fn form(locale: Locale, f: &Filled<'_>, error: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(e) = error {
        out.push_str(&alert(e));
    }
    out.push_str(&para(t(
        locale,
        "Meld je aan met je e-mailadres en wachtwoord en geef een cijfer van 1 tot en met 10. Een opmerking is welkom maar niet nodig. Heb je al een evaluatie gegeven, dan vervang je die hiermee.",
        "Sign in with your e-mail address and password and give a score from 1 to 10. A comment is welcome but not needed. If you gave an evaluation before, this replaces it.",
    )));
    let options: String = (evaluations::MIN_SCORE..=evaluations::MAX_SCORE)
        .map(|n| {
            let selected = if f.score == Some(n) { " selected" } else { "" };
            format!("<option value=\"{n}\"{selected}>{n}</option>")
        })
        .collect();
    out.push_str(&format!(
        "<form method=\"post\" action=\"/evaluation\">\n\
         <input type=\"hidden\" name=\"edition\" value=\"{edition}\">\n\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\">\n\
         {credentials}\
         <label for=\"score\">{score_label}</label>\n\
         <select id=\"score\" name=\"score\" required><option value=\"\"></option>{options}</select>\n\
         <label for=\"comment\">{comment_label}</label>\n\
         <textarea id=\"comment\" name=\"comment\" rows=\"5\" maxlength=\"{MAX_COMMENT}\">{comment}</textarea>\n\
         <button type=\"submit\">{button}</button>\n\
         </form>\n",
        edition = escape(f.edition),
        lang = locale.tag(),
        credentials = credentials(locale, f.email),
        score_label = t(locale, "Cijfer (1 tot en met 10)", "Score (1 to 10)"),
        comment_label = t(locale, "Opmerking (niet verplicht)", "Comment (optional)"),
        comment = escape(f.comment),
        button = t(locale, "Aanmelden en versturen", "Sign in and send"),
    ));
    out
}

fn title(locale: Locale) -> &'static str {
    t(locale, "Evaluatie", "Evaluation")
}

/// `GET /evaluation?edition=…`: the form.
#[handler]
pub async fn show(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Query(q): Query<LinkQuery>,
) -> Response {
    let locale = locale(q.lang.as_deref(), None, req);
    let filled = Filled {
        edition: q.edition.as_deref().unwrap_or_default(),
        email: "",
        score: None,
        comment: "",
    };
    page(
        StatusCode::OK,
        locale,
        &state.config.academy_name,
        title(locale),
        &form(locale, &filled, None),
    )
}

/// `POST /evaluation`: signs in and saves the evaluation; says what happened.
#[handler]
pub async fn submit(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Form(f): Form<EvaluationForm>,
) -> Response {
    let locale = locale(f.lang.as_deref(), None, req);
    let academy = &state.config.academy_name;
    let score = f
        .score
        .as_deref()
        .and_then(|s| s.trim().parse::<i64>().ok());
    let filled = Filled {
        edition: f.edition.as_deref().unwrap_or_default(),
        email: f.email.as_deref().unwrap_or_default(),
        score,
        comment: f.comment.as_deref().unwrap_or_default(),
    };
    let again = |status: StatusCode, error: &str| {
        page(
            status,
            locale,
            academy,
            title(locale),
            &form(locale, &filled, Some(error)),
        )
    };
    let Ok(edition) = filled.edition.parse::<Uuid>() else {
        return again(
            StatusCode::BAD_REQUEST,
            t(
                locale,
                "Deze link hoort bij geen editie. Open de link uit de uitnodiging opnieuw.",
                "This link belongs to no edition. Open the link in the invitation again.",
            ),
        );
    };
    let Some(score) = score else {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            t(
                locale,
                "Kies een cijfer van 1 tot en met 10.",
                "Choose a score from 1 to 10.",
            ),
        );
    };
    let principal = match sign_in(
        &state,
        req,
        locale,
        filled.email,
        f.password.as_deref().unwrap_or_default(),
    )
    .await
    {
        Ok(p) => p,
        Err(Refused { status, text }) => return again(status, text),
    };
    let input = Input {
        score,
        comment: Some(filled.comment.to_owned()),
    };
    let saved = match evaluations::submit(&state.db, &principal, edition, &input).await {
        Err(DomainError::Conflict {
            code: "already_evaluated",
            ..
        }) => evaluations::edit(&state.db, &principal, edition, &input).await,
        other => other,
    };
    match saved {
        Ok(_) => page(
            StatusCode::OK,
            locale,
            academy,
            t(locale, "Bedankt", "Thank you"),
            &done(t(
                locale,
                "Je evaluatie is opgeslagen. Je kunt haar via deze link aanpassen tot 30 dagen na de afsluiting.",
                "Your evaluation is saved. You can change it through this link until 30 days after the edition closes.",
            )),
        ),
        Err(e) => {
            let (status, text) = refusal(locale, &e);
            if status == StatusCode::SERVICE_UNAVAILABLE {
                tracing::error!(error = %e, "evaluation page");
            }
            again(status, text)
        }
    }
}

/// What the participant is told when the evaluation is refused.
fn refusal(locale: Locale, e: &DomainError) -> (StatusCode, &'static str) {
    match e {
        DomainError::Validation(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t(
                locale,
                "Geef een cijfer van 1 tot en met 10 en een opmerking van hoogstens 2000 tekens.",
                "Give a score from 1 to 10 and a comment of at most 2000 characters.",
            ),
        ),
        DomainError::Conflict {
            code: "evaluation_not_open",
            ..
        } => (
            StatusCode::CONFLICT,
            t(
                locale,
                "Evalueren kan zodra de eerste bijeenkomst is begonnen.",
                "You can evaluate once the first session has started.",
            ),
        ),
        DomainError::Conflict {
            code: "evaluation_closed",
            ..
        } => (
            StatusCode::CONFLICT,
            t(
                locale,
                "Evalueren en aanpassen kan tot 30 dagen na de afsluiting; die termijn is voorbij.",
                "Evaluations can be given and changed until 30 days after the edition closes; that time has passed.",
            ),
        ),
        DomainError::Conflict { .. } => (
            StatusCode::CONFLICT,
            t(
                locale,
                "Deze editie kan niet (meer) geëvalueerd worden.",
                "This edition cannot be evaluated (any more).",
            ),
        ),
        DomainError::NotFound(_) | DomainError::Forbidden { .. } => (
            StatusCode::FORBIDDEN,
            t(
                locale,
                "Alleen deelnemers met een bevestigde inschrijving evalueren deze editie.",
                "Only participants with a confirmed registration evaluate this edition.",
            ),
        ),
        DomainError::RateLimited { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            t(
                locale,
                "Te veel pogingen. Wacht even en probeer het opnieuw.",
                "Too many attempts. Wait a moment and try again.",
            ),
        ),
        DomainError::Db(_) | DomainError::Internal(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            t(
                locale,
                "Er ging bij ons iets mis. Probeer het zo opnieuw.",
                "Something went wrong on our side. Try again shortly.",
            ),
        ),
    }
}
