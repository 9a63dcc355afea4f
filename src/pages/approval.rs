//! `/approval?registration=…`: the page an approval request's link opens. The person's
//! HR signs in on it and approves or declines, with a reason, in one step.

use std::sync::Arc;

use entity::{Locale, RegistrationStatus};
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response, handler};
use serde::Deserialize;
use uuid::Uuid;

use super::{Refused, alert, credentials, done, locale, page, para, sign_in, t};
use crate::domain::registrations::decisions::{self, Decision};
use crate::domain::values::{REASON_MAX, optional_text};
use crate::error::DomainError;
use crate::mail::letter::escape;
use crate::state::AppState;

/// The link's query.
#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    registration: Option<String>,
    lang: Option<String>,
}

/// The form's fields.
#[derive(Debug, Deserialize)]
pub struct ApprovalForm {
    registration: Option<String>,
    email: Option<String>,
    password: Option<String>,
    decision: Option<String>,
    reason: Option<String>,
    lang: Option<String>,
}

struct Filled<'a> {
    registration: &'a str,
    email: &'a str,
    decision: Option<Decision>,
    reason: &'a str,
}

fn form(locale: Locale, f: &Filled<'_>, error: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(e) = error {
        out.push_str(&alert(e));
    }
    out.push_str(&para(t(
        locale,
        "Meld je aan met je e-mailadres en wachtwoord en kies of je de inschrijving goedkeurt of afwijst. Een reden bij afwijzen krijgt de deelnemer te lezen.",
        "Sign in with your e-mail address and password and choose whether you approve or decline the registration. The participant reads the reason you give for declining.",
    )));
    let checked = |d: Decision| {
        if f.decision == Some(d) {
            " checked"
        } else {
            ""
        }
    };
    out.push_str(&format!(
        "<form method=\"post\" action=\"/approval\">\n\
         <input type=\"hidden\" name=\"registration\" value=\"{registration}\">\n\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\">\n\
         {credentials}\
         <fieldset>\n<legend>{legend}</legend>\n\
         <input id=\"approve\" name=\"decision\" type=\"radio\" value=\"approve\" required{approve_checked}>\
         <label for=\"approve\" class=\"choice\">{approve}</label>\n\
         <input id=\"decline\" name=\"decision\" type=\"radio\" value=\"decline\"{decline_checked}>\
         <label for=\"decline\" class=\"choice\">{decline}</label>\n\
         </fieldset>\n\
         <label for=\"reason\">{reason_label}</label>\n\
         <textarea id=\"reason\" name=\"reason\" rows=\"3\" maxlength=\"{REASON_MAX}\">{reason}</textarea>\n\
         <button type=\"submit\">{button}</button>\n\
         </form>\n",
        registration = escape(f.registration),
        lang = locale.tag(),
        credentials = credentials(locale, f.email),
        legend = t(locale, "Besluit", "Decision"),
        approve = t(locale, "Goedkeuren", "Approve"),
        decline = t(locale, "Afwijzen", "Decline"),
        approve_checked = checked(Decision::Approve),
        decline_checked = checked(Decision::Decline),
        reason_label = t(locale, "Reden (niet verplicht)", "Reason (optional)"),
        reason = escape(f.reason),
        button = t(locale, "Aanmelden en besluiten", "Sign in and decide"),
    ));
    out
}

fn title(locale: Locale) -> &'static str {
    t(locale, "Inschrijving beoordelen", "Review a registration")
}

/// `GET /approval?registration=…`: the form.
#[handler]
pub async fn show(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Query(q): Query<LinkQuery>,
) -> Response {
    let locale = locale(q.lang.as_deref(), None, req);
    let filled = Filled {
        registration: q.registration.as_deref().unwrap_or_default(),
        email: "",
        decision: None,
        reason: "",
    };
    page(
        StatusCode::OK,
        locale,
        &state.config.academy_name,
        title(locale),
        &form(locale, &filled, None),
    )
}

/// `POST /approval`: signs in and decides; says what happened.
#[handler]
pub async fn submit(
    state: Data<&Arc<AppState>>,
    req: &Request,
    Form(f): Form<ApprovalForm>,
) -> Response {
    let locale = locale(f.lang.as_deref(), None, req);
    let academy = &state.config.academy_name;
    let decision = match f.decision.as_deref() {
        Some("approve") => Some(Decision::Approve),
        Some("decline") => Some(Decision::Decline),
        _ => None,
    };
    let reason = f.reason.as_deref().unwrap_or_default().trim();
    let filled = Filled {
        registration: f.registration.as_deref().unwrap_or_default(),
        email: f.email.as_deref().unwrap_or_default(),
        decision,
        reason,
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
    let Ok(registration) = filled.registration.parse::<Uuid>() else {
        return again(
            StatusCode::BAD_REQUEST,
            t(
                locale,
                "Deze link hoort bij geen inschrijving. Open de link uit het bericht opnieuw.",
                "This link belongs to no registration. Open the link in the message again.",
            ),
        );
    };
    let Some(decision) = decision else {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            t(
                locale,
                "Kies goedkeuren of afwijzen.",
                "Choose approve or decline.",
            ),
        );
    };
    let Ok(reason) = optional_text("reason", Some(reason), REASON_MAX) else {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            t(
                locale,
                "De reden is te lang (hoogstens 500 tekens) of bevat ongeldige tekens.",
                "The reason is too long (at most 500 characters) or holds characters that are not allowed.",
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
    match decisions::decide(
        &state.db,
        &principal,
        registration,
        decision,
        reason.as_deref(),
    )
    .await
    {
        Ok(row) => {
            let text = match (decision, row.status) {
                (Decision::Decline, _) => t(
                    locale,
                    "De inschrijving is afgewezen; de deelnemer krijgt bericht.",
                    "The registration is declined; the participant is told.",
                ),
                (_, RegistrationStatus::Waitlisted) => t(
                    locale,
                    "De inschrijving is goedgekeurd; de editie is vol, dus de deelnemer staat op de wachtlijst en krijgt bericht.",
                    "The registration is approved; the edition is full, so the participant is on the waiting list and is told.",
                ),
                _ => t(
                    locale,
                    "De inschrijving is goedgekeurd; de deelnemer krijgt bericht.",
                    "The registration is approved; the participant is told.",
                ),
            };
            page(
                StatusCode::OK,
                locale,
                academy,
                t(locale, "Besluit opgeslagen", "Decision saved"),
                &done(text),
            )
        }
        Err(e) => {
            let (status, text) = refusal(locale, &e);
            if status == StatusCode::SERVICE_UNAVAILABLE {
                tracing::error!(error = %e, "approval page");
            }
            again(status, text)
        }
    }
}

/// What HR is told when the decision is refused.
fn refusal(locale: Locale, e: &DomainError) -> (StatusCode, &'static str) {
    match e {
        DomainError::Conflict { .. } => (
            StatusCode::CONFLICT,
            t(
                locale,
                "Over deze inschrijving is al besloten, of ze is geannuleerd.",
                "This registration has been decided already, or it was cancelled.",
            ),
        ),
        DomainError::NotFound(_) | DomainError::Forbidden { .. } => (
            StatusCode::FORBIDDEN,
            t(
                locale,
                "Alleen HR van de organisatie van de deelnemer en de academie beoordelen deze inschrijving.",
                "Only HR of the participant's organisation and the academy review this registration.",
            ),
        ),
        DomainError::Validation(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t(
                locale,
                "De reden is te lang (hoogstens 500 tekens) of bevat ongeldige tekens.",
                "The reason is too long (at most 500 characters) or holds characters that are not allowed.",
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
