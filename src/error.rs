//! The one error type of the domain: the cases a user can hit, plus database failures.
//! It maps to RFC 9457 problem+json in one place (`api::problem`).

use sea_orm::{DbErr, SqlErr};

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as named in the request (`email`, `registers[0].number`, `limit`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// Creates a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything a domain operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The thing does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller is known but may not do this; `code` is stable (`forbidden`, or a more
    /// precise one such as `self_marking`).
    #[error("{detail}")]
    Forbidden {
        /// Stable machine-readable code.
        code: &'static str,
        /// Human-readable explanation.
        detail: String,
    },
    /// The request conflicts with the current state; `code` is stable.
    #[error("{detail}")]
    Conflict {
        /// Stable machine-readable code, e.g. `already_registered`.
        code: &'static str,
        /// Human-readable explanation.
        detail: String,
    },
    /// The input is well-formed but invalid.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// Too many attempts; retry after the given number of seconds.
    #[error("{detail}")]
    RateLimited {
        /// Stable machine-readable code.
        code: &'static str,
        /// Human-readable explanation.
        detail: String,
        /// Seconds until a new attempt can succeed.
        retry_after: u64,
    },
    /// A database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// Anything else that is the service's fault.
    #[error("{0}")]
    Internal(String),
}

impl DomainError {
    /// A conflict with a stable code.
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
        }
    }

    /// A validation failure of one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// A refusal (`forbidden`).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden {
            code: "forbidden",
            detail: detail.into(),
        }
    }

    /// A refusal with a more precise stable code than `forbidden`.
    pub fn forbidden_as(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            detail: detail.into(),
        }
    }

    /// 403 `self_marking`: a person's own attendance, check-in or completion is decided
    /// by someone else (or an admin).
    pub fn self_marking(detail: impl Into<String>) -> Self {
        Self::forbidden_as("self_marking", detail)
    }

    /// Database constraint violations are the client's conflict, not a server error; a
    /// row that was deleted between reading and updating it (another request won) is no
    /// longer there.
    pub fn from_db(err: DbErr) -> Self {
        if matches!(err, DbErr::RecordNotUpdated) {
            return Self::NotFound("record");
        }
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Self::conflict("conflict", "a record with these values already exists")
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => Self::conflict(
                "reference_conflict",
                "the record refers to, or is referred to by, another record",
            ),
            _ => Self::Db(err),
        }
    }
}

/// Result of a domain operation.
pub type DomainResult<T> = Result<T, DomainError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_deleted_under_an_update_is_not_found() {
        assert!(matches!(
            DomainError::from_db(DbErr::RecordNotUpdated),
            DomainError::NotFound(_)
        ));
    }
}
