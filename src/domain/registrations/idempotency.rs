//! `Idempotency-Key`s of registration requests: a retried request with the same key and
//! body is answered with the first answer; the same key with another body is refused.

use chrono::Duration;
use entity::{idempotency_key, registration};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};

/// How long a remembered idempotent response is replayed.
pub const IDEMPOTENCY_TTL: Duration = Duration::hours(24);
/// A request's `Idempotency-Key` and what identifies the request.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The key as sent.
    pub key: String,
    /// SHA-256 (hex) of method, path and body.
    pub fingerprint: String,
}

/// The outcome of a registration request.
#[derive(Debug)]
pub enum Registered {
    /// A new registration.
    Created(registration::Model),
    /// The body of the remembered first response (a 201) to the same idempotent request.
    Replayed(String),
}

pub(super) fn key_reused() -> DomainError {
    DomainError::Validation(vec![crate::error::FieldError::new(
        "Idempotency-Key",
        "was used before for a different request; use a new key for a new request",
    )])
}

/// A remembered response, if it is younger than [`IDEMPOTENCY_TTL`].
pub(super) async fn remembered(
    db: &impl ConnectionTrait,
    subject: Uuid,
    key: &str,
) -> DomainResult<Option<idempotency_key::Model>> {
    let found = idempotency_key::Entity::find_by_id((subject, key.to_owned()))
        .one(db)
        .await?;
    match found {
        Some(k) if k.created_at > crate::domain::now() - IDEMPOTENCY_TTL => Ok(Some(k)),
        Some(_) => {
            // Expired: forget it, so the key starts afresh.
            idempotency_key::Entity::delete_by_id((subject, key.to_owned()))
                .exec(db)
                .await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Forgets idempotency keys older than [`IDEMPOTENCY_TTL`]; returns how many.
pub async fn forget_expired_keys(db: &DatabaseConnection) -> DomainResult<u64> {
    let res = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lte(crate::domain::now() - IDEMPOTENCY_TTL))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
