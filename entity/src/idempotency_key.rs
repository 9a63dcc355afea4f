//! The remembered outcome of a registration request sent with an `Idempotency-Key`.

use sea_orm::entity::prelude::*;

use crate::RegistrationStatus;

/// A row of `idempotency_keys`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// The user or client who sent it (keys are theirs alone).
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject_id: Uuid,
    /// The key as sent.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 (hex) of the request: method, path and body.
    pub fingerprint: String,
    /// The registration the first request made.
    pub registration_id: Uuid,
    /// Its edition.
    pub edition_id: Uuid,
    /// The person registered.
    pub user_id: Uuid,
    /// The status it was given: confirmed, waitlisted or pending approval.
    pub status: RegistrationStatus,
    /// Its place on the waiting list then.
    pub waitlist_position: Option<i32>,
    /// When the first request was decided (UTC); kept 24 hours.
    pub created_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
