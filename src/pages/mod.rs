//! The few pages a person opens in a browser from a mail or a QR code: small, accessible
//! HTML in Dutch or English, without script, with the academy's name. They sit beside
//! the API (not in its document) and call the same domain functions.

pub mod account;
pub mod approval;
pub mod catalogue;
pub mod check_in;
pub mod edition;
pub mod evaluation;
pub mod verify;

use poem::Response;
use poem::http::{StatusCode, header};

use crate::auth::tokens::Principal;
use crate::domain::auth::{self as grants, GrantError};
use crate::mail::letter::escape;
use crate::state::AppState;
use entity::Locale;

/// The language of a page: `?lang=`, else the person's own, else the browser's first
/// choice of Dutch or English, else Dutch.
pub fn locale(query_lang: Option<&str>, person: Option<Locale>, req: &poem::Request) -> Locale {
    match query_lang {
        Some("en") => return Locale::En,
        Some("nl") => return Locale::Nl,
        _ => {}
    }
    if let Some(l) = person {
        return l;
    }
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    for tag in accept.split(',') {
        let tag = tag
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if tag.starts_with("nl") {
            return Locale::Nl;
        }
        if tag.starts_with("en") {
            return Locale::En;
        }
    }
    Locale::Nl
}

pub use crate::texts::t;

/// A whole page: `main` holds the given (already escaped) HTML.
pub fn html(locale: Locale, academy: &str, title: &str, main: &str) -> String {
    let lang = locale.tag();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} – {academy}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><p class=\"academy\">{academy}</p></header>\n<main>\n<h1>{title}</h1>\n{main}</main>\n\
         </body>\n</html>\n",
        title = escape(title),
        academy = escape(academy),
    )
}

/// A page as a response, with the headers every page carries.
pub fn page(
    status: StatusCode,
    locale: Locale,
    academy: &str,
    title: &str,
    main: &str,
) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/html; charset=utf-8")
        // Links hold secrets (tokens, codes): not cached, not passed on, not framed.
        .header(header::CACHE_CONTROL, "no-store")
        .header("Referrer-Policy", "no-referrer")
        .header("Content-Security-Policy", CSP)
        .header("X-Content-Type-Options", "nosniff")
        .body(html(locale, academy, title, main))
}

/// What a page may load: its own inline styles, nothing else; forms post back here.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Whether the request asks for HTML before JSON (a browser following a link).
pub fn wants_html(req: &poem::Request) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let quality = |media: &str| -> Option<f32> {
        accept.split(',').find_map(|item| {
            let mut parts = item.split(';');
            let name = parts.next()?.trim();
            if !name.eq_ignore_ascii_case(media) {
                return None;
            }
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse().ok())
                .unwrap_or(1.0);
            Some(q)
        })
    };
    match (quality("text/html"), quality("application/json")) {
        (Some(h), Some(j)) => h > j,
        (Some(h), None) => h > 0.0,
        _ => false,
    }
}

/// Why a page's sign-in did not give a person, as the page tells it.
pub struct Refused {
    /// The page's status.
    pub status: StatusCode,
    /// What the person reads.
    pub text: &'static str,
}

/// Signs a person in from a page's form, for that one request: the refresh token the
/// sign-in gives is revoked at once. Wrong credentials and too many attempts are told as
/// the token endpoint counts them.
pub async fn sign_in(
    state: &AppState,
    req: &poem::Request,
    locale: Locale,
    email: &str,
    password: &str,
) -> Result<Principal, Refused> {
    let client = state.client_key(req);
    let grant =
        match grants::password_grant(&state.db, &state.tokens, email, password, &client).await {
            Ok(grant) => grant,
            Err(GrantError::InvalidGrant(_)) => {
                return Err(Refused {
                    status: StatusCode::UNAUTHORIZED,
                    text: t(
                        locale,
                        "E-mailadres of wachtwoord klopt niet.",
                        "Wrong e-mail address or password.",
                    ),
                });
            }
            Err(GrantError::RateLimited { .. }) => {
                return Err(Refused {
                    status: StatusCode::TOO_MANY_REQUESTS,
                    text: t(
                        locale,
                        "Te veel mislukte pogingen. Wacht een kwartier en probeer het opnieuw.",
                        "Too many failed attempts. Wait a quarter of an hour and try again.",
                    ),
                });
            }
            Err(e) => {
                tracing::error!(error = ?e, "sign-in on a page");
                return Err(unavailable(locale));
            }
        };
    if let Some(refresh) = &grant.refresh_token {
        let _ = grants::revoke(&state.db, refresh).await;
    }
    state.tokens.verify(&grant.access_token).ok_or_else(|| {
        tracing::error!("a fresh token did not verify");
        unavailable(locale)
    })
}

fn unavailable(locale: Locale) -> Refused {
    Refused {
        status: StatusCode::SERVICE_UNAVAILABLE,
        text: t(
            locale,
            "Er ging bij ons iets mis. Probeer het zo opnieuw.",
            "Something went wrong on our side. Try again shortly.",
        ),
    }
}

/// The sign-in fields of a page's form: e-mail address (kept when the form comes back)
/// and password.
pub fn credentials(locale: Locale, email: &str) -> String {
    format!(
        "<label for=\"email\">{}</label>\n\
         <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required value=\"{}\">\n\
         <label for=\"password\">{}</label>\n\
         <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\n",
        t(locale, "E-mailadres", "E-mail address"),
        escape(email),
        t(locale, "Wachtwoord", "Password"),
    )
}

/// A confirmation announced to screen readers.
pub fn done(text: &str) -> String {
    format!("<p class=\"ok\" role=\"status\">{}</p>\n", escape(text))
}

/// A paragraph of escaped text.
pub fn para(text: &str) -> String {
    format!("<p>{}</p>\n", escape(text))
}

/// A message announced to screen readers (errors, outcomes).
pub fn alert(text: &str) -> String {
    format!("<p class=\"alert\" role=\"alert\">{}</p>\n", escape(text))
}

const STYLE: &str = "body{margin:0;font-family:Arial,Helvetica,sans-serif;font-size:1.0625rem;line-height:1.5;color:#1a1a1a;background:#f4f4f4}\
header,main{max-width:36rem;margin:0 auto;padding:1rem 1.5rem}\
main{background:#fff;border-radius:4px}\
.academy{color:#4a4a4a;margin:0}\
h1{font-size:1.5rem}\
label{display:block;font-weight:bold;margin-top:1rem}\
input,select,textarea{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;border:2px solid #595959;border-radius:4px;font-family:inherit}\
input[type=radio]{width:auto;margin:.75rem .5rem 0 0}\
label.choice{display:inline;font-weight:normal;margin:0 1.5rem 0 0}\
fieldset{border:none;padding:0;margin:1rem 0 0}legend{font-weight:bold;padding:0}\
input:focus,select:focus,textarea:focus,button:focus,a:focus{outline:3px solid #ffbf47;outline-offset:2px}\
.hint{color:#4a4a4a;margin:.25rem 0 0}\
button{margin-top:1.5rem;font-size:1rem;padding:.75rem 1.25rem;background:#00539b;color:#fff;border:none;border-radius:4px;cursor:pointer}\
.alert{border-left:4px solid #b10e1e;padding:.5rem 1rem;background:#fdf2f2}\
.ok{border-left:4px solid #00703c;padding:.5rem 1rem;background:#f0f9f4}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:bold}dd{margin:0}";
