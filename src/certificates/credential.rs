//! A certificate as a W3C Verifiable Credential in Open Badges 3.0 shape
//! (`OpenBadgeCredential`), secured as a JWT (VC-JWT, Open Badges 3.0 §8.2): the payload
//! is the credential itself plus the registered claims `iss`, `jti`, `nbf` and `sub`;
//! the header names the service's Ed25519 key (`kid`), published at
//! `/.well-known/jwks.json`, so anyone verifies it offline.
//!
//! Its `credentialStatus` is a W3C Bitstring Status List entry: the certificate's bit in
//! a revocation list the service publishes as a credential signed the same way
//! ([`status_list`]), so a verifier learns of a revocation without calling the API.

use chrono::{NaiveDate, NaiveTime};
use sea_orm::ActiveEnum;
use serde_json::{Value, json};

use super::code;
use crate::auth::secret::sha256_hex;
use crate::auth::tokens::TokenService;
use crate::domain::certificates::{Certificate, STATUS_LIST_SIZE};
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
        "id": format!("urn:uuid:{}", row.user_id),
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": {
            "id": format!("{public_url}/api/v1/courses/{}", row.course_id),
            "type": ["Achievement"],
            "achievementType": "Course",
            "name": row.course_title,
            "description": format!("{} van {}", crate::texts::kind_label(row.course_kind), row.issuer),
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
    let mut credential = json!({
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
        "credentialSchema": [{
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }],
        // The page the certificate's QR code opens, for people.
        "evidence": [{
            "id": verify_url,
            "type": ["Evidence"],
            "name": "Verificatie",
        }],
    });
    if let Some(index) = row.status_index {
        let list = status_list_url(public_url, index / STATUS_LIST_SIZE);
        let position = index % STATUS_LIST_SIZE;
        credential["credentialStatus"] = json!({
            "id": format!("{list}#{position}"),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": position.to_string(),
            "statusListCredential": list,
        });
    }
    credential
}

/// Where status list `list` is published.
pub fn status_list_url(public_url: &str, list: i64) -> String {
    format!("{public_url}/api/v1/status-lists/{list}")
}

/// The revocation list `list` as a signed `BitstringStatusListCredential` (a compact JWT
/// whose payload is the credential, like the certificates' own): the bits of the
/// `revoked` positions set, issued by the same issuer, valid from `now`.
pub fn status_list(
    tokens: &TokenService,
    public_url: &str,
    list: i64,
    revoked: &[i64],
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<String> {
    let url = status_list_url(public_url, list);
    let payload = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": public_url,
        "validFrom": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(revoked)?,
        },
        "iss": public_url,
        "jti": url,
        "nbf": now.timestamp(),
    });
    tokens
        .sign_typed(&payload, JWT_TYPE)
        .map_err(|e| DomainError::Internal(format!("signing a status list: {e}")))
}

/// A list's bits as Bitstring Status List encodes them: position 0 is the left-most
/// (most significant) bit of the first byte; the bytes GZIP-compressed, then base64url
/// without padding with the multibase prefix `u`.
pub fn encoded_list(set: &[i64]) -> DomainResult<String> {
    use base64::Engine;
    use std::io::Write;
    let mut bits = vec![0u8; (STATUS_LIST_SIZE / 8) as usize];
    for &position in set {
        let Some(byte) = usize::try_from(position / 8)
            .ok()
            .and_then(|b| bits.get_mut(b))
        else {
            continue;
        };
        *byte |= 0x80 >> (position % 8);
    }
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&bits)
        .and_then(|()| gzip.finish())
        .map(|zipped| {
            format!(
                "u{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(zipped)
            )
        })
        .map_err(|e| DomainError::Internal(format!("compressing a status list: {e}")))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(encoded: &str) -> Vec<u8> {
        use base64::Engine;
        use std::io::Read;
        let zipped = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded.strip_prefix('u').expect("the multibase prefix"))
            .expect("base64url");
        let mut bits = Vec::new();
        flate2::read::GzDecoder::new(zipped.as_slice())
            .read_to_end(&mut bits)
            .expect("gzip");
        bits
    }

    #[test]
    fn positions_are_bits_from_the_left_of_the_first_byte() {
        let bits = decoded(&encoded_list(&[0, 9, STATUS_LIST_SIZE - 1]).expect("encoded"));
        assert_eq!(bits.len(), 16 * 1024, "the W3C minimum of 131,072 entries");
        assert_eq!(bits[0], 0b1000_0000);
        assert_eq!(bits[1], 0b0100_0000);
        assert_eq!(bits[bits.len() - 1], 0b0000_0001);
        assert_eq!(bits.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
        let empty = decoded(&encoded_list(&[]).expect("encoded"));
        assert!(empty.iter().all(|b| *b == 0));
    }
}
