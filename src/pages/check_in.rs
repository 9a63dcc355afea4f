//! `/check-in`: the page the check-in code's link (shown as a QR code in the room)
//! opens. The participant signs in on it and is checked in, in one step.

use std::sync::Arc;

use entity::Locale;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;

use super::{Refused, alert, credentials, done, locale, page, para, sign_in, t};
use crate::domain::attendance::{self, Presence};
use crate::error::DomainError;
use crate::mail::letter::escape;
use crate::state::AppState;

/// The link's query.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    session: Option<String>,
    code: Option<String>,
    lang: Option<String>,
}

/// The form's fields.
#[derive(Debug, Deserialize)]
pub struct CheckInForm {
    session: Option<String>,
    code: Option<String>,
    email: Option<String>,
    password: Option<String>,
    lang: Option<String>,
}

fn form(locale: Locale, session: &str, code: &str, email: &str, error: Option<&str>) -> String {
    let lang = locale.tag();
    let mut out = String::new();
    if let Some(e) = error {
        out.push_str(&alert(e));
    }
    out.push_str(&para(t(
        locale,
        "Meld je aan met je e-mailadres en wachtwoord; daarmee ben je meteen ingecheckt voor deze bijeenkomst.",
        "Sign in with your e-mail address and password; that checks you in for this session at once.",
    )));
    out.push_str(&format!(
        "<form method=\"post\" action=\"/check-in\">\n\
         <input type=\"hidden\" name=\"session\" value=\"{session}\">\n\
         <input type=\"hidden\" name=\"code\" value=\"{code}\">\n\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\">\n\
         {}\
         <button type=\"submit\">{}</button>\n\
         </form>\n",
        credentials(locale, email),
        t(locale, "Aanmelden en inchecken", "Sign in and check in"),
        session = escape(session),
        code = escape(code),
    ));
    out
}

fn title(locale: Locale) -> &'static str {
    t(locale, "Inchecken", "Check in")
}

/// `GET /check-in?session=…&code=…`: the sign-in form.
#[handler]
pub async fn show(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Query(q): Query<LinkQuery>,
) -> Response {
    let locale = locale(q.lang.as_deref(), None, req);
    let (Some(session), Some(code)) = (q.session, q.code) else {
        return page(
            StatusCode::BAD_REQUEST,
            locale,
            &state.config.academy_name,
            title(locale),
            &para(t(
                locale,
                "Deze link is niet compleet. Scan de QR-code in de zaal opnieuw of typ de code over in de app.",
                "This link is incomplete. Scan the QR code in the room again or type the code in the app.",
            )),
        );
    };
    page(
        StatusCode::OK,
        locale,
        &state.config.academy_name,
        title(locale),
        &form(locale, &session, &code, "", None),
    )
}

/// `POST /check-in`: signs in and checks in; says what happened.
#[handler]
pub async fn submit(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Form(f): Form<CheckInForm>,
) -> Response {
    let locale = locale(f.lang.as_deref(), None, req);
    let session_text = f.session.unwrap_or_default();
    let code = f.code.unwrap_or_default();
    let email = f.email.unwrap_or_default();
    let academy = &state.config.academy_name;
    let again = |status: StatusCode, error: &str| {
        page(
            status,
            locale,
            academy,
            title(locale),
            &form(locale, &session_text, &code, &email, Some(error)),
        )
    };
    let Ok(session) = session_text.parse::<Uuid>() else {
        return again(
            StatusCode::BAD_REQUEST,
            t(
                locale,
                "Deze link hoort bij geen bijeenkomst.",
                "This link belongs to no session.",
            ),
        );
    };
    let principal =
        match sign_in(&state, req, locale, &email, &f.password.unwrap_or_default()).await {
            Ok(p) => p,
            Err(Refused { status, text }) if status != StatusCode::SERVICE_UNAVAILABLE => {
                return again(status, text);
            }
            Err(_) => return failed(&state, locale, "signing in"),
        };
    let client = state.client_key(req);
    match attendance::check(
        &state.db,
        &principal,
        &state.check_in_secret,
        session,
        &code,
        Presence::In,
        &client,
    )
    .await
    {
        Ok(row) => {
            let late = row.status == entity::AttendanceStatus::Late;
            let text = match (locale, late) {
                (Locale::Nl, false) => "Je bent ingecheckt. Welkom!",
                (Locale::Nl, true) => {
                    "Je bent ingecheckt (na het begin: genoteerd als te laat). Welkom!"
                }
                (Locale::En, false) => "You are checked in. Welcome!",
                (Locale::En, true) => {
                    "You are checked in (after the start: noted as late). Welcome!"
                }
            };
            page(
                StatusCode::OK,
                locale,
                academy,
                t(locale, "Ingecheckt", "Checked in"),
                &done(text),
            )
        }
        Err(e) => {
            let (status, text) = refusal(locale, &e);
            if status == StatusCode::SERVICE_UNAVAILABLE {
                return failed(&state, locale, &e.to_string());
            }
            page(status, locale, academy, title(locale), &alert(text))
        }
    }
}

/// What the participant is told when the check-in is refused.
fn refusal(locale: Locale, e: &DomainError) -> (StatusCode, &'static str) {
    match e {
        DomainError::Validation(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t(
                locale,
                "De code klopt niet of is verlopen. Scan de QR-code opnieuw; hij verandert elke minuut.",
                "The code is wrong or has expired. Scan the QR code again; it changes every minute.",
            ),
        ),
        DomainError::Conflict {
            code: "check_in_closed",
            ..
        } => (
            StatusCode::CONFLICT,
            t(
                locale,
                "Inchecken kan vanaf een half uur voor het begin tot het einde van de bijeenkomst.",
                "Checking in is possible from half an hour before the start until the end of the session.",
            ),
        ),
        DomainError::Forbidden {
            code: "self_marking",
            ..
        } => (
            StatusCode::FORBIDDEN,
            t(
                locale,
                "Je geeft deze bijeenkomst; een andere trainer of de academie registreert je aanwezigheid.",
                "You teach this session; another trainer or the academy records your attendance.",
            ),
        ),
        DomainError::NotFound(_) | DomainError::Forbidden { .. } => (
            StatusCode::FORBIDDEN,
            t(
                locale,
                "Je hebt geen bevestigde inschrijving voor deze bijeenkomst. Meld je bij de trainer.",
                "You have no confirmed registration for this session. Please see the trainer.",
            ),
        ),
        DomainError::RateLimited { .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            t(
                locale,
                "Te veel pogingen. Wacht even of vraag de trainer je aan te melden.",
                "Too many attempts. Wait a moment or ask the trainer to mark you.",
            ),
        ),
        DomainError::Conflict { .. } => (
            StatusCode::CONFLICT,
            t(
                locale,
                "Inchecken kan nu niet voor deze bijeenkomst. Meld je bij de trainer.",
                "Checking in is not possible for this session now. Please see the trainer.",
            ),
        ),
        DomainError::Db(_) | DomainError::Internal(_) => (StatusCode::SERVICE_UNAVAILABLE, ""),
    }
}

fn failed(state: &AppState, locale: Locale, why: &str) -> Response {
    tracing::error!(error = why, "check-in page");
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        locale,
        &state.config.academy_name,
        t(locale, "Dat lukte niet", "That did not work"),
        &para(t(
            locale,
            "Er ging bij ons iets mis. Probeer het zo opnieuw, of vraag de trainer je aan te melden.",
            "Something went wrong on our side. Try again shortly, or ask the trainer to mark you.",
        )),
    )
}
