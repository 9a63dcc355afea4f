//! Access tokens: EdDSA-signed JWTs with a `kid`, 15 minutes, verified locally against
//! the key ring so any instance can check any other instance's tokens.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use chrono::Utc;
use entity::Role;
use jsonwebtoken::{Algorithm, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keys::KeyRing;

/// Lifetime of an access token, in seconds.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;

/// Who a token was issued to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A person.
    User,
    /// A partner client (client credentials).
    Client,
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User or client id.
    pub sub: Uuid,
    /// Whether `sub` is a user or a client.
    pub sub_kind: SubjectKind,
    /// Roles of a user (empty for clients).
    pub roles: Vec<String>,
    /// The organisation the subject belongs to or is bound to.
    pub org: Option<Uuid>,
    /// Scopes of a client, space-separated (absent for users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Issue time.
    pub iat: i64,
    /// Not valid before.
    pub nbf: i64,
    /// Issuer: the service's public URL.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Unique token id.
    pub jti: Uuid,
    /// The person's token version when it was issued; a token of an older version is
    /// refused (see [`crate::auth::access`]).
    #[serde(default)]
    pub ver: i32,
}

/// Signs and verifies access tokens.
pub struct TokenService {
    keys: KeyRing,
    issuer: String,
    audience: String,
    /// Tokens already verified, until they expire: a signature check costs more than the
    /// rest of a typical read.
    verified: Mutex<HashMap<String, (Principal, i64)>>,
}

/// The `typ` of access tokens (RFC 9068).
const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Verified tokens remembered at most; the memo is emptied when full.
const VERIFIED_CAPACITY: usize = 20_000;

/// A verified token's subject.
#[derive(Debug, Clone)]
pub struct Principal {
    /// User or client id.
    pub id: Uuid,
    /// User or client.
    pub kind: SubjectKind,
    /// Roles (users).
    pub roles: Vec<Role>,
    /// Organisation.
    pub org: Option<Uuid>,
    /// Scopes (clients).
    pub scopes: Vec<String>,
    /// The token version it was issued under (people).
    pub version: i32,
}

impl Principal {
    /// Whether the subject is a user holding this role.
    pub fn has_role(&self, role: Role) -> bool {
        self.kind == SubjectKind::User && self.roles.contains(&role)
    }

    /// Whether the subject is a client granted this scope.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.kind == SubjectKind::Client && self.scopes.iter().any(|s| s == scope)
    }

    /// Whether the subject is an admin.
    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }
}

impl TokenService {
    /// Creates the service.
    pub fn new(keys: KeyRing, issuer: String, audience: String) -> Self {
        Self {
            keys,
            issuer,
            audience,
            verified: Mutex::new(HashMap::new()),
        }
    }

    /// The key ring (for the JWKS).
    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// The issuer (`iss`) of tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Signs an access token for a subject, under the person's token version.
    pub fn issue(
        &self,
        sub: Uuid,
        sub_kind: SubjectKind,
        roles: &[Role],
        org: Option<Uuid>,
        scope: Option<String>,
        ver: i32,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub,
            sub_kind,
            roles: roles.iter().map(|r| role_name(*r).to_owned()).collect(),
            org,
            scope,
            exp: now + ACCESS_TOKEN_SECONDS,
            iat: now,
            nbf: now,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            jti: Uuid::new_v4(),
            ver,
        };
        self.sign(&claims)
    }

    /// Signs access-token claims with the current key (`typ: at+jwt`).
    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, jsonwebtoken::errors::Error> {
        self.sign_typed(claims, ACCESS_TOKEN_TYPE)
    }

    /// Signs other claims (a credential) with the current key and the given `typ`; such a
    /// token is never accepted as an access token.
    pub fn sign_typed<T: Serialize>(
        &self,
        claims: &T,
        typ: &str,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let key = self.keys.signing();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        header.typ = Some(typ.to_owned());
        encode(&header, claims, &key.encoding)
    }

    /// Verifies a token: EdDSA only, a known `kid`, signature, `exp`, `nbf`, `iss`, `aud`.
    /// Anything else is `None`. Tokens seen before are answered from memory until they
    /// expire.
    pub fn verify(&self, token: &str) -> Option<Principal> {
        let now = Utc::now().timestamp();
        if let Ok(memo) = self.verified.lock()
            && let Some((principal, exp)) = memo.get(token)
            && *exp > now
        {
            return Some(principal.clone());
        }
        let (principal, exp) = self.verify_signature(token)?;
        if let Ok(mut memo) = self.verified.lock() {
            if memo.len() >= VERIFIED_CAPACITY {
                memo.retain(|_, (_, e)| *e > now);
                if memo.len() >= VERIFIED_CAPACITY {
                    memo.clear();
                }
            }
            memo.insert(token.to_owned(), (principal.clone(), exp));
        }
        Some(principal)
    }

    fn verify_signature(&self, token: &str) -> Option<(Principal, i64)> {
        let header = decode_header(token).ok()?;
        if header.alg != Algorithm::EdDSA || header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
            return None;
        }
        let key = self.keys.find(header.kid.as_deref()?)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = 30;
        validation.validate_nbf = true;
        validation.set_audience(&[self.audience.as_str()]);
        validation.set_issuer(&[self.issuer.as_str()]);
        validation.required_spec_claims =
            HashSet::from(["exp", "nbf", "iat", "iss", "aud", "sub"].map(str::to_owned));
        let data = decode::<Claims>(token, &key.decoding, &validation).ok()?;
        let claims = data.claims;
        let roles = claims
            .roles
            .iter()
            .filter_map(|r| parse_role(r))
            .collect::<Vec<_>>();
        let scopes = claims
            .scope
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        let principal = Principal {
            id: claims.sub,
            kind: claims.sub_kind,
            roles,
            org: claims.org,
            scopes,
            version: claims.ver,
        };
        // Remembered no longer than the token is valid, leeway excluded.
        Some((principal, claims.exp))
    }
}

/// The wire name of a role.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Professional => "professional",
        Role::Trainer => "trainer",
        Role::Hr => "hr",
        Role::Admin => "admin",
    }
}

/// Parses a role's wire name.
pub fn parse_role(name: &str) -> Option<Role> {
    match name {
        "professional" => Some(Role::Professional),
        "trainer" => Some(Role::Trainer),
        "hr" => Some(Role::Hr),
        "admin" => Some(Role::Admin),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> TokenService {
        TokenService::new(
            KeyRing::ephemeral().unwrap(),
            "http://issuer".into(),
            "academy-api".into(),
        )
    }

    #[test]
    fn round_trip_and_foreign_keys_are_refused() {
        let svc = service();
        let id = Uuid::now_v7();
        let token = svc
            .issue(id, SubjectKind::User, &[Role::Hr], Some(id), None, 0)
            .unwrap();
        let p = svc.verify(&token).unwrap();
        assert_eq!(p.id, id);
        assert!(p.has_role(Role::Hr));
        assert!(!p.is_admin());
        // Another service's key (same kid is impossible) is refused.
        assert!(service().verify(&token).is_none());
    }

    #[test]
    fn verifies_from_the_published_jwk_alone() {
        let svc = service();
        let token = svc
            .issue(Uuid::now_v7(), SubjectKind::User, &[], None, None, 0)
            .unwrap();
        let jwk = &svc.keys().jwks()[0];
        let key = jsonwebtoken::DecodingKey::from_ed_components(&jwk.x).unwrap();
        let mut v = Validation::new(Algorithm::EdDSA);
        v.set_audience(&["academy-api"]);
        assert!(decode::<Claims>(&token, &key, &v).is_ok());
    }
}
