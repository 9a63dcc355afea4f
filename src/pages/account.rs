//! `/account/password`: the form an invitation or reset link opens, to choose a password.

use std::sync::Arc;

use entity::{AccountTokenPurpose, Locale};
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;

use super::{alert, locale, page, para, t};
use crate::domain::accounts;
use crate::error::DomainError;
use crate::mail::letter::escape;
use crate::state::AppState;

/// The link's query.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    token: Option<String>,
    lang: Option<String>,
}

/// The form's fields.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    token: Option<String>,
    password: Option<String>,
    password_repeat: Option<String>,
    lang: Option<String>,
}

fn title(locale: Locale, purpose: Option<AccountTokenPurpose>) -> &'static str {
    match purpose {
        Some(AccountTokenPurpose::Invitation) => {
            t(locale, "Kies je wachtwoord", "Choose your password")
        }
        _ => t(locale, "Nieuw wachtwoord", "New password"),
    }
}

fn form(locale: Locale, token: &str, email: &str, error: Option<&str>) -> String {
    let lang = locale.tag();
    let mut out = String::new();
    if let Some(e) = error {
        out.push_str(&alert(e));
    }
    out.push_str(&format!(
        "<p>{} <strong>{}</strong>.</p>\n\
         <form method=\"post\" action=\"/account/password\">\n\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\n\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\">\n\
         <input type=\"text\" name=\"username\" value=\"{email}\" autocomplete=\"username\" hidden>\n\
         <label for=\"password\">{}</label>\n\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required minlength=\"10\" maxlength=\"1024\" aria-describedby=\"password-hint\">\n\
         <p class=\"hint\" id=\"password-hint\">{}</p>\n\
         <label for=\"password_repeat\">{}</label>\n\
         <input id=\"password_repeat\" name=\"password_repeat\" type=\"password\" autocomplete=\"new-password\" required minlength=\"10\" maxlength=\"1024\">\n\
         <button type=\"submit\">{}</button>\n\
         </form>\n",
        t(locale, "Je kiest het wachtwoord voor", "You choose the password for"),
        escape(email),
        t(locale, "Nieuw wachtwoord", "New password"),
        t(
            locale,
            "Minstens 10 tekens. Een zin van een paar woorden is sterk en goed te onthouden.",
            "At least 10 characters. A sentence of a few words is strong and easy to remember.",
        ),
        t(locale, "Herhaal het wachtwoord", "Repeat the password"),
        t(locale, "Wachtwoord instellen", "Set password"),
        token = escape(token),
        email = escape(email),
    ));
    out
}

fn invalid(state: &AppState, locale: Locale) -> Response {
    page(
        StatusCode::GONE,
        locale,
        &state.config.academy_name,
        t(
            locale,
            "Deze link werkt niet meer",
            "This link no longer works",
        ),
        &para(t(
            locale,
            "De link is al gebruikt, verlopen of vervangen door een nieuwere. Vraag een nieuwe link aan bij het aanmelden (\u{201c}wachtwoord vergeten\u{201d}) of bij HR van je organisatie.",
            "The link was used already, has expired or was replaced by a newer one. Ask for a new link when signing in (\u{201c}forgot password\u{201d}) or from your organisation's HR.",
        )),
    )
}

/// `GET /account/password?token=…`: the form, or why the link does not work.
#[handler]
pub async fn show(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Query(q): Query<LinkQuery>,
) -> Response {
    let token = q.token.unwrap_or_default();
    match accounts::peek(&state.db, &token).await {
        Ok((link, person)) => {
            let locale = locale(q.lang.as_deref(), Some(person.locale), req);
            page(
                StatusCode::OK,
                locale,
                &state.config.academy_name,
                title(locale, Some(link.purpose)),
                &form(
                    locale,
                    &token,
                    person.email.as_deref().unwrap_or_default(),
                    None,
                ),
            )
        }
        Err(DomainError::Validation(_)) => invalid(&state, locale(q.lang.as_deref(), None, req)),
        Err(e) => failed(&state, locale(q.lang.as_deref(), None, req), &e),
    }
}

/// `POST /account/password`: sets the password, or shows the form again with what is
/// wrong.
#[handler]
pub async fn submit(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Form(f): Form<PasswordForm>,
) -> Response {
    let token = f.token.unwrap_or_default();
    let (purpose, person) = match accounts::peek(&state.db, &token).await {
        Ok((link, person)) => (link.purpose, person),
        Err(DomainError::Validation(_)) => {
            return invalid(&state, locale(f.lang.as_deref(), None, req));
        }
        Err(e) => return failed(&state, locale(f.lang.as_deref(), None, req), &e),
    };
    let locale = locale(f.lang.as_deref(), Some(person.locale), req);
    let email = person.email.clone().unwrap_or_default();
    let again = |error: &str| {
        page(
            StatusCode::UNPROCESSABLE_ENTITY,
            locale,
            &state.config.academy_name,
            title(locale, Some(purpose)),
            &form(locale, &token, &email, Some(error)),
        )
    };
    let password = f.password.unwrap_or_default();
    if password != f.password_repeat.unwrap_or_default() {
        return again(t(
            locale,
            "De twee wachtwoorden zijn niet gelijk. Typ ze opnieuw.",
            "The two passwords differ. Type them again.",
        ));
    }
    if password.chars().count() < 10 {
        return again(t(
            locale,
            "Het wachtwoord is te kort: gebruik minstens 10 tekens.",
            "The password is too short: use at least 10 characters.",
        ));
    }
    match accounts::set_password(&state.db, &token, &password).await {
        Ok(person) => {
            state.access.advance(person.id, person.token_version);
            page(
                StatusCode::OK,
                locale,
                &state.config.academy_name,
                t(locale, "Je wachtwoord is ingesteld", "Your password is set"),
                &format!(
                    "<p class=\"ok\" role=\"status\">{}</p>\n",
                    escape(t(
                        locale,
                        "Je kunt je nu aanmelden met je e-mailadres en het nieuwe wachtwoord. Op andere apparaten ben je afgemeld.",
                        "You can now sign in with your e-mail address and the new password. You were signed out on other devices.",
                    ))
                ),
            )
        }
        Err(DomainError::Validation(errors)) if errors.iter().any(|e| e.field == "token") => {
            invalid(&state, locale)
        }
        Err(DomainError::Validation(errors)) => again(
            &errors
                .first()
                .map(|e| format!("{}: {}", t(locale, "Wachtwoord", "Password"), e.message))
                .unwrap_or_default(),
        ),
        Err(e) => failed(&state, locale, &e),
    }
}

fn failed(state: &AppState, locale: Locale, e: &DomainError) -> Response {
    tracing::error!(error = %e, "account page");
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        locale,
        &state.config.academy_name,
        t(locale, "Dat lukte niet", "That did not work"),
        &para(t(
            locale,
            "Er ging bij ons iets mis; er is niets veranderd. Probeer het over een paar minuten opnieuw.",
            "Something went wrong on our side; nothing was changed. Try again in a few minutes.",
        )),
    )
}
