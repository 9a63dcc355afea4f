//! `Idempotency-Key`s of registration requests: a retried request with the same key and
//! body is answered with the first answer; the same key with another body is refused.
//! What is remembered is the outcome (the registration as it was decided), not an HTTP
//! response: the API renders a replay as it renders the first answer.

use chrono::Duration;
use entity::{idempotency_key, registration};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
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
    /// The registration as the first answer to the same idempotent request showed it.
    Replayed(registration::Model),
}

/// The registration as the first answer showed it.
pub(super) fn first_answer(k: &idempotency_key::Model) -> registration::Model {
    registration::Model {
        id: k.registration_id,
        edition_id: k.edition_id,
        user_id: k.user_id,
        status: k.status,
        waitlist_position: k.waitlist_position,
        late_cancellation: false,
        created_at: k.created_at,
        updated_at: k.created_at,
    }
}

/// What to remember of a new registration made with a key.
pub(super) fn remembering(
    subject_id: Uuid,
    idem: &Idempotency,
    r: &registration::Model,
) -> idempotency_key::ActiveModel {
    idempotency_key::ActiveModel {
        subject_id: Set(subject_id),
        key: Set(idem.key.clone()),
        fingerprint: Set(idem.fingerprint.clone()),
        registration_id: Set(r.id),
        edition_id: Set(r.edition_id),
        user_id: Set(r.user_id),
        status: Set(r.status),
        waitlist_position: Set(r.waitlist_position),
        created_at: Set(r.created_at),
    }
}

pub(super) fn key_reused() -> DomainError {
    DomainError::Validation(vec![crate::error::FieldError::new(
        "Idempotency-Key",
        "was used before for a different request; use a new key for a new request",
    )])
}

/// A remembered outcome, if it is younger than [`IDEMPOTENCY_TTL`].
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
