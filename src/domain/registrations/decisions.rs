//! Decisions on a registration: cancelled (by the person, HR or an admin), approved or
//! declined; and every registration of a cancelled edition.

use chrono::{DateTime, Utc};
use entity::{EditionStatus, RegistrationStatus, registration, registration_event};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use super::changes::{by_payload, change, event, record};
use super::lists::{find, with_person};
use super::seats::{Figures, check_open, close_up, fill_seats};
use super::standing::{Standing, approves, standing};
use crate::auth::tokens::Principal;
use crate::db::{begin_write, retrying};
use crate::domain::actor::{ActorRef, actor_of};
use crate::domain::editions;
use crate::domain::messages::{Kind, Notice};
use crate::error::{DomainError, DomainResult};

/// Cancels every active registration of an edition that is being cancelled (edition
/// locked by the caller).
pub async fn cancel_all(
    db: &impl ConnectionTrait,
    edition_id: Uuid,
    by: ActorRef,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let active = registration::Entity::find()
        .filter(registration::Column::EditionId.eq(edition_id))
        .filter(registration::Column::Status.is_in(RegistrationStatus::ACTIVE))
        .all(db)
        .await?;
    if active.is_empty() {
        return Ok(0);
    }
    registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Cancelled),
        )
        .col_expr(
            registration::Column::WaitlistPosition,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .filter(registration::Column::EditionId.eq(edition_id))
        .filter(registration::Column::Status.is_in(RegistrationStatus::ACTIVE))
        .exec(db)
        .await?;
    registration_event::Entity::insert_many(active.iter().map(|r| {
        let cancelled = registration::Model {
            status: RegistrationStatus::Cancelled,
            ..r.clone()
        };
        event(
            &cancelled,
            Some(r.status),
            by,
            Some("the edition was cancelled"),
            now,
            Notice::new(
                Kind::EditionCancelled,
                serde_json::json!({ "registration_id": r.id }),
            ),
        )
    }))
    .exec(db)
    .await?;
    Ok(active.len() as u64)
}

/// What a person or their manager can do to one registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Cancel (person, their HR, admin, a writing client of their organisation).
    Cancel,
    /// Approve a pending registration (their HR, admin).
    Approve,
    /// Decline a pending registration (their HR, admin).
    Decline,
}

/// Cancels, approves or declines a registration.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
    decision: Decision,
    reason: Option<&str>,
) -> DomainResult<registration::Model> {
    retrying(|| decide_once(db, actor, id, decision, reason)).await
}

async fn decide_once(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
    decision: Decision,
    reason: Option<&str>,
) -> DomainResult<registration::Model> {
    let txn = begin_write(db).await?;
    let (found, person) = with_person(&txn, id).await?;
    let standing = standing(&txn, actor, &person, found.edition_id).await?;
    let allowed = match decision {
        Decision::Cancel => matches!(standing, Standing::Own | Standing::Manager),
        Decision::Approve | Decision::Decline => approves(actor, person.organization_id),
    };
    if !allowed {
        if standing == Standing::None {
            return Err(DomainError::NotFound("registration"));
        }
        return Err(DomainError::forbidden(match decision {
            Decision::Cancel => "a registration is cancelled by its person, their HR or an admin",
            _ => "approval is for the person's HR and admins",
        }));
    }
    let e = editions::record::lock(&txn, found.edition_id).await?;
    // Read again under the edition's lock: it may have changed meanwhile.
    let current = find(&txn, id).await?;
    let now = crate::domain::now();
    let by = actor_of(actor);
    let row = match decision {
        Decision::Cancel => {
            if !RegistrationStatus::ACTIVE.contains(&current.status) {
                return Err(not_active(current.status));
            }
            if e.status == EditionStatus::Closed {
                return Err(DomainError::conflict(
                    "edition_closed",
                    "registrations of a closed edition stay as they are",
                ));
            }
            let late = e.cancellation_deadline.is_some_and(|d| now > d);
            let from = current.status;
            let vacated = current.waitlist_position;
            let mut active: registration::ActiveModel = current.into();
            active.status = Set(RegistrationStatus::Cancelled);
            active.waitlist_position = Set(None);
            active.late_cancellation = Set(late);
            active.updated_at = Set(now);
            let row = active.update(&txn).await?;
            let why = reason.unwrap_or(if late {
                "cancelled after the cancellation deadline"
            } else {
                "cancelled"
            });
            let mut payload = by_payload(by, row.user_id);
            payload["late"] = late.into();
            payload["reason"] = reason.into();
            let notice = Notice::new(Kind::RegistrationCancelled, payload);
            record(&txn, &row, Some(from), by, Some(why), now, notice).await?;
            if let Some(p) = vacated {
                close_up(&txn, e.id, &[p]).await?;
            }
            if from == RegistrationStatus::Confirmed {
                fill_seats(&txn, &e, now).await?;
            }
            row
        }
        Decision::Approve | Decision::Decline => {
            if current.status != RegistrationStatus::PendingApproval {
                return Err(DomainError::conflict(
                    "not_pending",
                    format!(
                        "only a pending registration is approved or declined; this one is {}",
                        current.status.to_value()
                    ),
                ));
            }
            let (kind, status, position, why) = if decision == Decision::Decline {
                let declined = RegistrationStatus::Declined;
                (Kind::RegistrationDeclined, declined, None, "declined")
            } else {
                check_open(&e, now, true)?;
                let figures = Figures::read(&txn, e.id).await?;
                let (status, position) = figures.seat(&e)?;
                (Kind::RegistrationApproved, status, position, "approved")
            };
            let mut payload = by_payload(by, current.user_id);
            payload["status"] = status.to_value().into();
            payload["position"] = position.into();
            payload["reason"] = reason.into();
            let notice = Notice::new(kind, payload);
            let why = Some(reason.unwrap_or(why));
            change(&txn, current, (status, position), by, why, now, notice).await?
        }
    };
    txn.commit().await?;
    Ok(row)
}

fn not_active(status: RegistrationStatus) -> DomainError {
    DomainError::conflict(
        "registration_not_active",
        format!(
            "the registration is {} already",
            status.to_value().replace('_', " ")
        ),
    )
}
