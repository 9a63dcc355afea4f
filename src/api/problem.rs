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
/// already responses (our own `ApiError`s) pass through unchanged.
pub fn problem_from_poem_error(err: poem::Error) -> Response {
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
        // `api::body` names what is wrong with a parameter; this is what it could not.
        ApiError::bad_request(
            "invalid_parameter",
            format!("parameter `{}` is not valid", e.name),
        )
    } else if err.is::<ParsePathError>() {
        ApiError::bad_request(
            "invalid_parameter",
            "a parameter in the path is malformed: ids are UUIDs, list numbers whole numbers",
        )
    } else if err.is::<ParseRequestPayloadError>() {
        // `api::body` names what is wrong with a body the operation cannot read; one it
        // finds nothing wrong with is refused as a whole.
        ApiError::invalid("body", "does not match what this operation takes")
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
