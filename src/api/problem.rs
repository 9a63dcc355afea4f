//! RFC 9457 problem details: the one place where errors become responses, for the
//! domain's errors and for the framework's own (malformed JSON, bad parameters, missing
//! or bad tokens, unknown routes, oversized bodies).

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::error::{DomainError, FieldError};

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Object)]
pub struct Problem {
    /// A URI reference identifying the problem type.
    #[oai(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// Explanation specific to this occurrence.
    pub detail: String,
    /// Stable machine-readable code, e.g. `edition_full`, `validation_failed`.
    pub code: String,
    /// The fields that failed validation, when `code` is `validation_failed`.
    #[oai(skip_serializing_if_is_none)]
    pub errors: Option<Vec<ProblemField>>,
}

/// One invalid field.
#[derive(Debug, Clone, Object)]
pub struct ProblemField {
    /// The field, as named in the request.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl Problem {
    /// A problem with the given status, code and detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            type_: format!("https://problems.academy.invalid/{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            errors: None,
        }
    }

    /// A 422 listing the invalid fields.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut p = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            detail,
        );
        p.errors = Some(
            errors
                .into_iter()
                .map(|e| ProblemField {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
        );
        p
    }
}

/// Every error response an operation can give.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed (syntax, bad parameter).
    #[oai(status = 400, content_type = "application/problem+json")]
    BadRequest(Json<Problem>),
    /// No token, or a token that is expired, tampered with or not ours (`invalid_token`).
    #[oai(status = 401, content_type = "application/problem+json")]
    Unauthorized(
        Json<Problem>,
        /// The authentication scheme expected.
        #[oai(header = "WWW-Authenticate")]
        String,
    ),
    /// Signed in, but not allowed to do this (`forbidden`, or a more precise code such as
    /// `self_marking`).
    #[oai(status = 403, content_type = "application/problem+json")]
    Forbidden(Json<Problem>),
    /// The resource does not exist or is not visible to the caller (`not_found`).
    #[oai(status = 404, content_type = "application/problem+json")]
    NotFound(Json<Problem>),
    /// The request conflicts with the current state.
    #[oai(status = 409, content_type = "application/problem+json")]
    Conflict(Json<Problem>),
    /// The body is larger than 1 MiB (`payload_too_large`).
    #[oai(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Json<Problem>),
    /// The body's media type is not the one this operation takes (`unsupported_media_type`).
    #[oai(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Json<Problem>),
    /// The input is well-formed but invalid (`validation_failed`, with `errors`).
    #[oai(status = 422, content_type = "application/problem+json")]
    Unprocessable(Json<Problem>),
    /// Too many attempts; retry later.
    #[oai(status = 429, content_type = "application/problem+json")]
    TooManyRequests(
        Json<Problem>,
        /// Seconds until a new attempt can succeed.
        #[oai(header = "Retry-After")]
        u32,
    ),
    /// The service failed; nothing was changed.
    #[oai(status = 500, content_type = "application/problem+json")]
    Internal(Json<Problem>),
    /// The service cannot answer now (the database is unavailable).
    #[oai(status = 503, content_type = "application/problem+json")]
    Unavailable(Json<Problem>),
}

impl ApiError {
    /// 401 `invalid_token`.
    pub fn invalid_token(detail: &str) -> Self {
        Self::Unauthorized(
            Json(Problem::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                detail,
            )),
            r#"Bearer error="invalid_token""#.to_owned(),
        )
    }

    /// 403 `forbidden`.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden(Json(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            detail,
        )))
    }

    /// 404 `not_found`.
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(Json(Problem::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )))
    }

    /// 400 with a code.
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::BadRequest(Json(Problem::new(StatusCode::BAD_REQUEST, code, detail)))
    }

    /// 422 `validation_failed` for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Unprocessable(Json(Problem::validation(vec![FieldError::new(
            field, message,
        )])))
    }

    fn internal() -> Self {
        Self::Internal(Json(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the service failed to handle the request; nothing was changed",
        )))
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::NotFound(what) => Self::not_found(what),
            DomainError::Forbidden { code, detail } => {
                Self::Forbidden(Json(Problem::new(StatusCode::FORBIDDEN, code, detail)))
            }
            DomainError::Conflict { code, detail } => {
                Self::Conflict(Json(Problem::new(StatusCode::CONFLICT, code, detail)))
            }
            DomainError::Validation(errors) => {
                Self::Unprocessable(Json(Problem::validation(errors)))
            }
            DomainError::RateLimited {
                code,
                detail,
                retry_after,
            } => Self::TooManyRequests(
                Json(Problem::new(StatusCode::TOO_MANY_REQUESTS, code, detail)),
                super::types::wire_seconds(retry_after),
            ),
            DomainError::Db(db) => {
                let db = match DomainError::from_db(db) {
                    DomainError::Db(db) => db,
                    mapped => return mapped.into(),
                };
                if is_unavailable(&db) {
                    tracing::warn!(error = %db, "database unavailable");
                    Self::Unavailable(Json(Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "database_unavailable",
                        "the database cannot be reached; try again shortly",
                    )))
                } else {
                    tracing::error!(error = %db, "database error");
                    Self::internal()
                }
            }
            DomainError::Internal(msg) => {
                tracing::error!(error = %msg, "internal error");
                Self::internal()
            }
        }
    }
}

fn is_unavailable(err: &sea_orm::DbErr) -> bool {
    matches!(
        err,
        sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_)
    )
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        DomainError::Db(err).into()
    }
}

/// Turns any error that reaches the top of the app into problem+json. Errors that are
/// already responses (our own `ApiError`s) pass through unchanged. `body` is the JSON
/// request body, if any, used to name the offending field precisely.
pub fn problem_from_poem_error(err: poem::Error, body: Option<&[u8]>) -> Response {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseMultipartError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };

    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let api_error = if err.is::<AuthorizationError>() {
        ApiError::invalid_token("a valid bearer token is required")
    } else if let Some(e) = err.downcast_ref::<ParseParamError>() {
        if e.reason.contains("verification failed") {
            ApiError::invalid(e.name, describe_validator(&e.reason))
        } else {
            ApiError::bad_request(
                "invalid_parameter",
                format!("parameter `{}`: {}", e.name, e.reason),
            )
        }
    } else if let Some(e) = err.downcast_ref::<ParsePathError>() {
        ApiError::bad_request("invalid_parameter", format!("path: {}", e.reason))
    } else if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        if !is_json_syntax_error(&e.reason) {
            let json = body.and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
            let (field, message) = split_payload_reason(&e.reason, json.as_ref());
            ApiError::invalid(&field, message)
        } else {
            ApiError::bad_request(
                "malformed_body",
                format!("the body is not valid JSON: {}", e.reason),
            )
        }
    } else if err.is::<ContentTypeError>() {
        ApiError::UnsupportedMediaType(Json(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            err.to_string(),
        )))
    } else if err.is::<ParseMultipartError>() {
        ApiError::bad_request("malformed_body", err.to_string())
    } else {
        match status {
            StatusCode::NOT_FOUND => return generic(status, "not_found", "no such resource"),
            StatusCode::METHOD_NOT_ALLOWED => {
                return generic(status, "method_not_allowed", "method not allowed here");
            }
            StatusCode::PAYLOAD_TOO_LARGE => {
                return generic(status, "payload_too_large", "the body exceeds 1 MiB");
            }
            s if s.is_client_error() => return generic(s, "bad_request", &err.to_string()),
            _ => {
                tracing::error!(error = %err, "unhandled error");
                ApiError::internal()
            }
        }
    };
    api_error.into_response()
}

/// A problem with an arbitrary status, for the framework's rarer errors.
pub struct ProblemResponse(StatusCode, Problem);

impl IntoResponse for ProblemResponse {
    fn into_response(self) -> Response {
        let mut problem = self.1;
        problem.status = self.0.as_u16();
        let body = poem_openapi::types::ToJSON::to_json_string(&problem);
        Response::builder()
            .status(self.0)
            .content_type("application/problem+json")
            .body(body)
    }
}

fn generic(status: StatusCode, code: &str, detail: &str) -> Response {
    ProblemResponse(status, Problem::new(status, code, detail)).into_response()
}

/// serde_json's syntax errors end with the position; type errors found while mapping
/// the document onto the schema do not.
fn is_json_syntax_error(reason: &str) -> bool {
    let mut words = reason.rsplit(' ');
    let column = words
        .next()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()));
    let column_word = words.next() == Some("column");
    column && column_word
}

/// Turns a poem-openapi validator message into plain words.
fn describe_validator(reason: &str) -> String {
    let rule = reason
        .split("verification failed.")
        .nth(1)
        .map(str::trim)
        .unwrap_or(reason);
    format!("does not satisfy {rule}")
}

/// poem-openapi reports payload type errors as `Expected input type "T", found …`
/// followed by `(occurred while parsing "Parent")` for every enclosing type, without the
/// field names. The field is recovered from the document (the property of each parent
/// whose schema is the next inner type) and, where two properties share a type, from the
/// request body itself.
fn split_payload_reason(reason: &str, body: Option<&serde_json::Value>) -> (String, String) {
    let path = field_from_type_chain(reason, body);
    let named = reason
        .contains("field `")
        .then(|| reason.split('`').nth(1))
        .flatten();
    let field = match (path, named) {
        (Some(p), Some(n)) => format!("{p}.{n}"),
        (None, Some(n)) => n.to_owned(),
        (Some(p), None) => p,
        (None, None) => "body".to_owned(),
    };
    let message = match reason.split_once("verification failed.") {
        Some((_, rule)) if rule.trim_start().starts_with("pattern") => {
            "has an invalid format".to_owned()
        }
        Some((_, rule)) => {
            let rule = rule
                .split(" (occurred while parsing")
                .next()
                .unwrap_or(rule);
            format!("does not satisfy {}", rule.trim())
        }
        None => plain_type_error(reason),
    };
    (field, message)
}

static SPEC: std::sync::LazyLock<serde_json::Value> = std::sync::LazyLock::new(|| {
    serde_json::from_str(&super::annotated_spec("http://127.0.0.1")).unwrap_or_default()
});

fn quoted_after<'a>(text: &'a str, marker: &str) -> Vec<&'a str> {
    text.match_indices(marker)
        .filter_map(|(i, _)| text[i + marker.len()..].split('"').next())
        .collect()
}

/// The value poem-openapi says it found, as JSON (`null` for a missing field).
fn found_value(reason: &str) -> Option<serde_json::Value> {
    let after = reason.split_once("\", found ")?.1;
    let text = after
        .split(" (occurred while parsing")
        .next()?
        .trim_end_matches('.');
    serde_json::from_str(text).ok()
}

fn field_from_type_chain(reason: &str, body: Option<&serde_json::Value>) -> Option<String> {
    // Innermost first: the expected type, then each enclosing type.
    let mut chain: Vec<&str> = quoted_after(reason, "Expected input type \"");
    chain.extend(quoted_after(reason, "failed to parse \""));
    chain.extend(quoted_after(reason, "occurred while parsing \""));
    let mut chain: Vec<&str> = chain
        .into_iter()
        .map(|t| t.strip_prefix("optional_").unwrap_or(t))
        .collect();
    chain.dedup();
    let found = found_value(reason);
    let schemas = SPEC["components"]["schemas"].as_object()?;
    let mut path: Vec<String> = Vec::new();
    let mut current = body;
    for pair in chain.windows(2).rev() {
        let (child, parent) = (pair[0], pair[1]);
        if parent.starts_with("list_") {
            if let Some(last) = path.last_mut() {
                last.push_str("[]");
            }
            current = None;
            continue;
        }
        let props = schemas.get(parent)?["properties"].as_object()?;
        let candidates: Vec<&String> = props
            .iter()
            .filter(|(_, schema)| type_name(schema) == child)
            .map(|(name, _)| name)
            .collect();
        let name = match candidates.as_slice() {
            [] => return None,
            [one] => (*one).clone(),
            many => {
                // Several properties of that type: the one holding the value found.
                let object = current.and_then(|c| c.as_object())?;
                let value = |n: &str| object.get(n).cloned().unwrap_or(serde_json::Value::Null);
                let mut hits = many.iter().filter(|n| match &found {
                    Some(expected) => value(n.as_str()) == *expected,
                    // A value of the right JSON type that did not parse: find it by parsing.
                    None => !parses_as(child, &value(n.as_str())),
                });
                let hit = hits.next()?;
                if hits.next().is_some() {
                    return None;
                }
                (*hit).clone()
            }
        };
        current = current.and_then(|c| c.get(name.as_str()));
        path.push(name);
    }
    (!path.is_empty()).then(|| path.join("."))
}

/// Whether a JSON value parses as the named string format.
fn parses_as(type_name: &str, value: &serde_json::Value) -> bool {
    let Some(text) = value.as_str() else {
        return false;
    };
    match type_name {
        "string_date-time" => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
        "string_date" => text.parse::<chrono::NaiveDate>().is_ok(),
        "string_uuid" => text.parse::<uuid::Uuid>().is_ok(),
        _ => true,
    }
}

/// poem-openapi's name of the type a property schema stands for.
fn type_name(schema: &serde_json::Value) -> String {
    let schema = schema["allOf"]
        .as_array()
        .and_then(|a| a.first())
        .unwrap_or(schema);
    if let Some(r) = schema["$ref"].as_str() {
        return r.trim_start_matches("#/components/schemas/").to_owned();
    }
    let ty = schema["type"].as_str().unwrap_or_default();
    if ty == "array" {
        return format!("list_{}", type_name(&schema["items"]));
    }
    match schema["format"].as_str() {
        Some(f) => format!("{ty}_{f}"),
        None => ty.to_owned(),
    }
}

/// `Expected input type "Kind", found "castle". (occurred while …)` becomes
/// `expected Kind, found "castle"`; a `null` where a value is needed becomes `is required`.
fn plain_type_error(reason: &str) -> String {
    let first = reason
        .split(" (occurred while parsing")
        .next()
        .unwrap_or(reason);
    if let Some(rest) = first.strip_prefix("Expected input type \"")
        && let Some((ty, found)) = rest.split_once("\", found ")
    {
        let found = found.trim_end_matches('.');
        if found == "null" {
            return "is required".to_owned();
        }
        let ty = ty
            .trim_start_matches("string_")
            .replace("list_", "list of ");
        return format!("expected {ty}, found {found}");
    }
    first.to_owned()
}
