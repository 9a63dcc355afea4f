//! A change of a registration as history records it: the entry, who made it, and the
//! notice it sends the person.

use chrono::{DateTime, Utc};
use entity::{ActorKind, RegistrationStatus, registration, registration_event};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

use crate::domain::actor::ActorRef;
use crate::domain::messages::Notice;
use crate::error::DomainResult;

/// Who made a change, for the mail about it.
pub(super) fn by_payload(by: ActorRef, person: Uuid) -> serde_json::Value {
    let who = match by.kind {
        ActorKind::User if by.id == Some(person) => "self",
        ActorKind::User => "user",
        ActorKind::Client => "client",
        ActorKind::System => "system",
    };
    serde_json::json!({ "by": who, "by_id": by.id, "by_self": who == "self" })
}

/// The history entry of a change, with the message the change sends to the registration's person.
pub(super) fn event(
    row: &registration::Model,
    from: Option<RegistrationStatus>,
    by: ActorRef,
    reason: Option<&str>,
    at: DateTime<Utc>,
    notice: Notice,
) -> registration_event::ActiveModel {
    registration_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        registration_id: Set(row.id),
        from_status: Set(from),
        to_status: Set(row.status),
        actor_kind: Set(by.kind),
        actor_id: Set(by.id),
        reason: Set(reason.map(str::to_owned)),
        at: Set(at),
        notice_kind: Set(Some(notice.kind.as_str().to_owned())),
        notice_payload: Set(Some(notice.payload.to_string())),
    }
}

pub(super) async fn record(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    from: Option<RegistrationStatus>,
    by: ActorRef,
    reason: Option<&str>,
    at: DateTime<Utc>,
    notice: Notice,
) -> DomainResult<()> {
    event(row, from, by, reason, at, notice).insert(db).await?;
    Ok(())
}

/// Moves a registration to a new status (and position), with its history entry.
pub(super) async fn change(
    db: &impl ConnectionTrait,
    current: registration::Model,
    (to, position): (RegistrationStatus, Option<i32>),
    by: ActorRef,
    reason: Option<&str>,
    now: DateTime<Utc>,
    notice: Notice,
) -> DomainResult<registration::Model> {
    let from = current.status;
    let mut active: registration::ActiveModel = current.into();
    active.status = Set(to);
    active.waitlist_position = Set(position);
    active.updated_at = Set(now);
    let row = active.update(db).await?;
    record(db, &row, Some(from), by, reason, now, notice).await?;
    Ok(row)
}
