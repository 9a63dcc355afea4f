//! A certificate as a W3C Verifiable Credential in Open Badges 3.0 shape
//! (`OpenBadgeCredential`), secured as a JWT (VC-JWT, Open Badges 3.0 §8.2): the payload
//! is the credential itself plus the registered claims `iss`, `jti`, `nbf` and `sub`;
//! the header names the service's Ed25519 key (`kid`), published at
//! `/.well-known/jwks.json`, so anyone verifies it offline.

use chrono::{NaiveDate, NaiveTime};
use sea_orm::ActiveEnum;
use serde_json::{Value, json};

use super::code;
use crate::auth::secret::sha256_hex;
use crate::auth::tokens::TokenService;
use crate::domain::certificates::Certificate;
use crate::error::{DomainError, DomainResult};

/// The `typ` of credential JWTs.
pub const JWT_TYPE: &str = "JWT";

fn day(d: NaiveDate) -> String {
    d.and_time(NaiveTime::MIN)
        .and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The credential's JSON (what the JWT payload carries).
pub fn document(c: &Certificate, public_url: &str, holder_email: Option<&str>) -> Value {
    let row = &c.row;
    let verify_url = code::verify_url(public_url, &row.code);
    let mut identifiers = vec![json!({
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": false,
        "identityHash": row.holder_name,
    })];
    if let Some(email) = holder_email {
        // Salted so the address cannot be looked up in a table of hashes (the Open Badges
        // convention: sha256 of the address followed by the salt).
        let salt = &sha256_hex(&row.id.to_string())[..16];
        let hash = sha256_hex(&format!("{}{salt}", email.to_lowercase()));
        identifiers.push(json!({
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": true,
            "salt": salt,
            "identityHash": format!("sha256${hash}"),
        }));
    }
    for a in c
        .accreditations
        .iter()
        .filter(|a| a.holder_number.is_some())
    {
        identifiers.push(json!({
            "type": "IdentityObject",
            "identityType": "identifier",
            "hashed": false,
            "identityHash": format!(
                "{}:{}",
                a.register.to_value(),
                a.holder_number.as_deref().unwrap_or_default()
            ),
        }));
    }
    let credits: f64 = c
        .accreditations
        .iter()
        .map(|a| a.points)
        .fold(0.0, f64::max);
    let mut subject = json!({
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": {
            "id": format!("{public_url}/api/v1/courses/{}", row.course_id),
            "type": ["Achievement"],
            "achievementType": "Course",
            "name": row.course_title,
            "description": format!("{} van {}", kind_label(row.course_kind), row.issuer),
            "criteria": {
                "narrative": "Voldaan aan de aanwezigheidseis van de cursus (aanwezig of te laat telt; afgemeld en afwezig niet)."
            },
            "otherIdentifiers": c.accreditations.iter().map(|a| json!({
                "type": "IdentifierEntry",
                "identifierType": "identifier",
                "identifier": format!("{} accreditatie {} ({} punten)", a.register.to_value(), a.accreditation_number, a.points),
            })).collect::<Vec<_>>(),
        },
    });
    if let Some(hours) = row.hours {
        subject["achievement"]["creditsAvailable"] = json!(hours);
    }
    if !c.accreditations.is_empty() {
        subject["creditsEarned"] = json!(credits);
    }
    if let Some(first) = row.first_day {
        subject["activityStartDate"] = json!(day(first));
    }
    if let Some(last) = row.last_day {
        subject["activityEndDate"] = json!(day(last));
    }
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": format!("urn:uuid:{}", row.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": row.course_title,
        "issuer": {
            "id": public_url,
            "type": ["Profile"],
            "name": row.issuer,
        },
        "validFrom": row.issued_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": verify_url,
            "type": "AcademyCertificateVerification",
        },
    })
}

/// The credential signed as a compact JWT.
pub fn sign(
    tokens: &TokenService,
    c: &Certificate,
    public_url: &str,
    holder_email: Option<&str>,
) -> DomainResult<String> {
    let mut payload = document(c, public_url, holder_email);
    payload["iss"] = json!(public_url);
    payload["jti"] = json!(format!("urn:uuid:{}", c.row.id));
    payload["nbf"] = json!(c.row.issued_at.timestamp());
    payload["sub"] = json!(format!("urn:uuid:{}", c.row.user_id));
    tokens
        .sign_typed(&payload, JWT_TYPE)
        .map_err(|e| DomainError::Internal(format!("signing a credential: {e}")))
}

/// The Dutch name of a kind of course, as printed.
pub fn kind_label(k: entity::CourseKind) -> &'static str {
    match k {
        entity::CourseKind::Lecture => "Lezing",
        entity::CourseKind::Workshop => "Workshop",
        entity::CourseKind::Training => "Training",
        entity::CourseKind::Symposium => "Symposium",
        entity::CourseKind::Elearning => "E-learning",
    }
}
