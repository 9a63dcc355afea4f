//! `/api/v1/auth/token` (RFC 6749), `/api/v1/auth/revoke` (RFC 7009) and
//! `/.well-known/jwks.json`.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use poem::Request;
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::payload::{Form, Json};
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::problem::{ApiError, Problem};
use super::tags::ApiTags;
use crate::domain::auth::{self as grants, Grant, GrantError};
use crate::state::AppState;

/// A token request, form-encoded as RFC 6749 prescribes. What each grant needs:
///
/// - `password` (people): `username` and `password`.
/// - `client_credentials` (partner clients): `client_id` and `client_secret`, or HTTP
///   Basic authentication with them; `scope` optionally narrows the granted scopes.
/// - `refresh_token` (people): `refresh_token`, which can be used once.
#[derive(Debug, Object, Deserialize)]
pub struct TokenRequest {
    /// The grant.
    pub grant_type: GrantType,
    /// E-mail address (password grant).
    pub username: Option<String>,
    /// Password (password grant).
    pub password: Option<String>,
    /// Client id (client credentials, unless sent with HTTP Basic).
    pub client_id: Option<String>,
    /// Client secret (client credentials, unless sent with HTTP Basic).
    pub client_secret: Option<String>,
    /// The refresh token (refresh grant).
    pub refresh_token: Option<String>,
    /// Requested scope; a client always gets the scopes it was granted.
    pub scope: Option<String>,
}

/// The name of a grant: documented as the three the service knows, read as any text,
/// so that another answers RFC 6749's `unsupported_grant_type` rather than a parse
/// error.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct GrantType(pub String);

/// The grants, as the document lists them.
pub const GRANT_TYPES: [&str; 3] = ["password", "client_credentials", "refresh_token"];

impl poem_openapi::types::Type for GrantType {
    const IS_REQUIRED: bool = true;
    type RawValueType = String;
    type RawElementValueType = String;

    fn name() -> std::borrow::Cow<'static, str> {
        "GrantType".into()
    }

    fn schema_ref() -> poem_openapi::registry::MetaSchemaRef {
        let mut schema = poem_openapi::registry::MetaSchema::new("string");
        schema.enum_items = GRANT_TYPES.iter().map(|g| serde_json::json!(g)).collect();
        poem_openapi::registry::MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&String> {
        Some(&self.0)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        Box::new(std::iter::once(&self.0))
    }
}

impl poem_openapi::types::ParseFromJSON for GrantType {
    fn parse_from_json(value: Option<serde_json::Value>) -> poem_openapi::types::ParseResult<Self> {
        super::types::strict_string(value)
            .map(Self)
            .map_err(poem_openapi::types::ParseError::propagate)
    }
}

impl poem_openapi::types::ToJSON for GrantType {
    fn to_json(&self) -> Option<serde_json::Value> {
        Some(serde_json::Value::String(self.0.clone()))
    }
}

/// Tokens issued.
#[derive(Debug, Object)]
pub struct TokenResponse {
    /// The access token (a JWT signed with EdDSA).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i32,
    /// A refresh token (people only); it can be used once.
    #[oai(skip_serializing_if_is_none)]
    pub refresh_token: Option<String>,
    /// Scopes granted (clients only).
    #[oai(skip_serializing_if_is_none)]
    pub scope: Option<String>,
}

/// An RFC 6749 §5.2 error, which is also an RFC 9457 problem.
#[derive(Debug, Object)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_grant`, `invalid_client` or `unsupported_grant_type`.
    pub error: String,
    /// Human-readable explanation.
    pub error_description: String,
    /// Problem type URI.
    #[oai(rename = "type")]
    pub type_: String,
    /// Short summary.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// Same as `error_description`.
    pub detail: String,
    /// Same as `error`.
    pub code: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &str, description: &str) -> Self {
        let p = Problem::new(status, error, description);
        Self {
            error: error.to_owned(),
            error_description: description.to_owned(),
            type_: p.type_,
            title: p.title,
            status: p.status,
            detail: p.detail,
            code: p.code,
        }
    }
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "token_parse_error")]
enum TokenResult {
    /// Tokens issued.
    #[oai(status = 200)]
    Ok(
        Json<TokenResponse>,
        /// Always `no-store`.
        #[oai(header = "Cache-Control")]
        String,
    ),
    /// The request or the grant is invalid (`invalid_request`, `invalid_grant`,
    /// `unsupported_grant_type`).
    #[oai(status = 400)]
    BadRequest(Json<OAuthError>),
    /// Client authentication failed (`invalid_client`).
    #[oai(status = 401)]
    InvalidClient(
        Json<OAuthError>,
        /// The scheme to authenticate with.
        #[oai(header = "WWW-Authenticate")]
        String,
    ),
    /// Too many wrong passwords for this account; retry after `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(
        Json<Problem>,
        /// Seconds until the window passes.
        #[oai(header = "Retry-After")]
        u32,
    ),
    /// The body is not form-encoded (`unsupported_media_type`).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// The service failed; nothing was changed.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database cannot be reached; try again shortly.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

/// A revocation request (RFC 7009).
#[derive(Debug, Object, Deserialize)]
pub struct RevokeRequest {
    /// The refresh token to revoke.
    pub token: Option<String>,
    /// `refresh_token` (access tokens expire by themselves).
    pub token_type_hint: Option<String>,
}

#[derive(ApiResponse)]
#[oai(bad_request_handler = "revoke_parse_error")]
enum RevokeResult {
    /// Revoked, or the token was unknown (RFC 7009 answers the same).
    #[oai(status = 200)]
    Ok,
    /// No token given (`invalid_request`).
    #[oai(status = 400)]
    BadRequest(Json<OAuthError>),
    /// The body is not form-encoded (`unsupported_media_type`).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// The service failed; nothing was changed.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The database cannot be reached; try again shortly.
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

/// A public key of the service.
#[derive(Debug, Object)]
pub struct JwkObject {
    /// Key type: `OKP`.
    pub kty: String,
    /// Curve: `Ed25519`.
    pub crv: String,
    /// Algorithm: `EdDSA`.
    pub alg: String,
    /// Use: `sig`.
    #[oai(rename = "use")]
    pub key_use: String,
    /// Key id, as in the tokens' `kid` header.
    pub kid: String,
    /// Public key, base64url.
    pub x: String,
}

/// The JSON Web Key Set.
#[derive(Debug, Object)]
pub struct JwkSet {
    /// The keys tokens and credentials are signed with.
    pub keys: Vec<JwkObject>,
}

#[derive(ApiResponse)]
enum JwksResult {
    /// The public keys.
    #[oai(status = 200)]
    Ok(
        Json<JwkSet>,
        /// Caching allowed for a few minutes.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

/// Token endpoints.
pub struct AuthApi;

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Obtain tokens
    ///
    /// RFC 6749: `grant_type=password` (people), `client_credentials` (partner clients,
    /// credentials in the form or with HTTP Basic), `refresh_token` (rotates the refresh
    /// token; a reused one revokes the whole sign-in). After 5 wrong passwords for one
    /// account from one client address within 15 minutes, or 30 for any accounts from
    /// one address, further attempts from that address get 429 until the window passes;
    /// other addresses are not affected.
    #[oai(
        path = "/api/v1/auth/token",
        method = "post",
        operation_id = "createToken"
    )]
    async fn token(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        body: Form<TokenRequest>,
    ) -> TokenResult {
        let body = body.0;
        let result = match body.grant_type.0.as_str() {
            "password" => match (body.username.as_deref(), body.password.as_deref()) {
                (Some(u), Some(p)) => {
                    let client = state.client_key(req);
                    grants::password_grant(&state.db, &state.tokens, u, p, &client).await
                }
                _ => return invalid_request("`username` and `password` are required"),
            },
            "client_credentials" => {
                let (id, secret) = match basic_credentials(req) {
                    Some(pair) => pair,
                    None => match (body.client_id, body.client_secret) {
                        (Some(i), Some(s)) => (i, s),
                        _ => {
                            return invalid_request("`client_id` and `client_secret` are required");
                        }
                    },
                };
                grants::client_credentials_grant(&state.db, &state.tokens, &id, &secret).await
            }
            "refresh_token" => match body.refresh_token.as_deref() {
                Some(t) => grants::refresh_grant(&state.db, &state.tokens, t).await,
                None => return invalid_request("`refresh_token` is required"),
            },
            _ => {
                return TokenResult::BadRequest(Json(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "unsupported_grant_type",
                    "grant_type must be password, client_credentials or refresh_token",
                )));
            }
        };
        match result {
            Ok(grant) => ok(grant),
            Err(GrantError::InvalidGrant(why)) => TokenResult::BadRequest(Json(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                why,
            ))),
            Err(GrantError::InvalidClient) => TokenResult::InvalidClient(
                Json(OAuthError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "unknown client or wrong secret",
                )),
                r#"Basic realm="academy""#.to_owned(),
            ),
            Err(GrantError::RateLimited { retry_after }) => TokenResult::TooManyRequests(
                Json(Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!(
                        "too many failed sign-ins from this address; try again in {retry_after} seconds"
                    ),
                )),
                super::types::wire_seconds(retry_after),
            ),
            Err(GrantError::Domain(e)) => {
                let (internal, problem) = server_failure(e);
                if internal {
                    TokenResult::Internal(Json(problem))
                } else {
                    TokenResult::Unavailable(Json(problem))
                }
            }
        }
    }

    /// Revoke a refresh token
    ///
    /// RFC 7009: revokes the refresh token and every token of the same sign-in.
    #[oai(
        path = "/api/v1/auth/revoke",
        method = "post",
        operation_id = "revokeToken"
    )]
    async fn revoke(&self, state: Data<&Arc<AppState>>, body: Form<RevokeRequest>) -> RevokeResult {
        let Some(token) = body.0.token.filter(|t| !t.is_empty()) else {
            return RevokeResult::BadRequest(Json(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "`token` is required",
            )));
        };
        match grants::revoke(&state.db, &token).await {
            Ok(()) => RevokeResult::Ok,
            Err(e) => match server_failure(e) {
                (true, p) => RevokeResult::Internal(Json(p)),
                (false, p) => RevokeResult::Unavailable(Json(p)),
            },
        }
    }

    /// The service's public keys
    ///
    /// JWKS (RFC 7517) with the Ed25519 keys that sign access tokens and credentials.
    #[oai(
        path = "/.well-known/jwks.json",
        method = "get",
        operation_id = "getJwks"
    )]
    async fn jwks(&self, state: Data<&Arc<AppState>>) -> JwksResult {
        let keys = state
            .tokens
            .keys()
            .jwks()
            .into_iter()
            .map(|k| JwkObject {
                kty: k.kty.to_owned(),
                crv: k.crv.to_owned(),
                alg: k.alg.to_owned(),
                key_use: k.key_use.to_owned(),
                kid: k.kid,
                x: k.x,
            })
            .collect();
        JwksResult::Ok(Json(JwkSet { keys }), "public, max-age=300".to_owned())
    }
}

/// A failure that is not the client's: `(true, …)` for 500, `(false, …)` for 503.
fn server_failure(e: crate::error::DomainError) -> (bool, Problem) {
    match ApiError::from(e) {
        ApiError::Unavailable(Json(p)) => (false, p),
        ApiError::Internal(Json(p)) => (true, p),
        other => {
            tracing::error!(error = ?other, "unexpected error on the token endpoint");
            (
                true,
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "the service failed to handle the request; nothing was changed",
                ),
            )
        }
    }
}

/// A request that cannot be read: RFC 6749 `invalid_request`, or 415 for a body that
/// is not form-encoded.
enum ParseFailure {
    Request(OAuthError),
    MediaType(Problem),
}

fn parse_failure(err: &poem::Error) -> ParseFailure {
    if err.is::<poem_openapi::error::ContentTypeError>() {
        ParseFailure::MediaType(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be application/x-www-form-urlencoded",
        ))
    } else {
        ParseFailure::Request(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("the request cannot be read: {err}"),
        ))
    }
}

fn token_parse_error(err: poem::Error) -> TokenResult {
    match parse_failure(&err) {
        ParseFailure::Request(e) => TokenResult::BadRequest(Json(e)),
        ParseFailure::MediaType(p) => TokenResult::UnsupportedMediaType(Json(p)),
    }
}

fn revoke_parse_error(err: poem::Error) -> RevokeResult {
    match parse_failure(&err) {
        ParseFailure::Request(e) => RevokeResult::BadRequest(Json(e)),
        ParseFailure::MediaType(p) => RevokeResult::UnsupportedMediaType(Json(p)),
    }
}

fn ok(grant: Grant) -> TokenResult {
    TokenResult::Ok(
        Json(TokenResponse {
            access_token: grant.access_token,
            token_type: "Bearer".to_owned(),
            expires_in: super::types::wire_i32(grant.expires_in),
            refresh_token: grant.refresh_token,
            scope: grant.scope,
        }),
        "no-store".to_owned(),
    )
}

fn invalid_request(description: &str) -> TokenResult {
    TokenResult::BadRequest(Json(OAuthError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        description,
    )))
}

/// Client credentials from `Authorization: Basic`, if present.
fn basic_credentials(req: &Request) -> Option<(String, String)> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}
