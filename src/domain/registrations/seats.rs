//! Seats and the waiting list: the figures of an edition, the registration window, the
//! waiting list moving up when a seat frees, and what an edition change must respect.

use chrono::{DateTime, Utc};
use entity::{EditionStatus, RegistrationStatus, edition, registration};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::changes::change;
use crate::domain::actor::SYSTEM;
use crate::domain::messages::{Kind, Notice};
use crate::error::{DomainError, DomainResult};

/// Refuses registrations an edition does not take now. Admins may add people outside the
/// registration window (late additions), never to an edition that is not published.
pub(super) fn check_open(e: &edition::Model, now: DateTime<Utc>, admin: bool) -> DomainResult<()> {
    match e.status {
        EditionStatus::Published => {}
        EditionStatus::Draft => {
            return Err(DomainError::conflict(
                "edition_not_open",
                "the edition is not published yet",
            ));
        }
        EditionStatus::Cancelled => {
            return Err(DomainError::conflict(
                "edition_cancelled",
                "the edition was cancelled",
            ));
        }
        EditionStatus::Closed => {
            return Err(DomainError::conflict(
                "edition_closed",
                "the edition is closed",
            ));
        }
    }
    if admin {
        return Ok(());
    }
    if let Some(opens) = e.registration_opens_at
        && now < opens
    {
        return Err(DomainError::conflict(
            "registration_closed",
            format!("registration opens at {}", opens.to_rfc3339()),
        ));
    }
    if let Some(closes) = e.registration_closes_at.or(e.first_session_at)
        && now >= closes
    {
        return Err(DomainError::conflict(
            "registration_closed",
            format!("registration closed at {}", closes.to_rfc3339()),
        ));
    }
    Ok(())
}

/// The aggregates [`Figures::read`] selects (none over no rows).
#[derive(Debug, sea_orm::FromQueryResult)]
struct Counted {
    confirmed: Option<i64>,
    last_position: Option<i32>,
}

/// An edition's registration figures, read in one statement under the edition's lock.
pub(super) struct Figures {
    pub(super) confirmed: i64,
    pub(super) last_position: i32,
}

impl Figures {
    pub(super) async fn read(db: &impl ConnectionTrait, edition_id: Uuid) -> DomainResult<Self> {
        let stmt = Query::select()
            .expr_as(
                Expr::case(
                    registration::Column::Status.eq(RegistrationStatus::Confirmed),
                    1,
                )
                .finally(0)
                .sum(),
                "confirmed",
            )
            .expr_as(
                Expr::col(registration::Column::WaitlistPosition).max(),
                "last_position",
            )
            .from(registration::Entity)
            .and_where(registration::Column::EditionId.eq(edition_id))
            .to_owned();
        use sea_orm::FromQueryResult;
        let counted = Counted::find_by_statement(db.get_database_backend().build(&stmt))
            .one(db)
            .await?
            .ok_or_else(|| DomainError::Internal("an aggregate returned no row".into()))?;
        Ok(Self {
            confirmed: counted.confirmed.unwrap_or(0),
            last_position: counted.last_position.unwrap_or(0),
        })
    }

    /// The seat rule: confirmed while seats remain, else the back of the waiting list.
    pub(super) fn seat(
        &self,
        e: &edition::Model,
    ) -> DomainResult<(RegistrationStatus, Option<i32>)> {
        if self.confirmed < i64::from(e.capacity) {
            Ok((RegistrationStatus::Confirmed, None))
        } else if e.waitlist_enabled {
            Ok((RegistrationStatus::Waitlisted, Some(self.last_position + 1)))
        } else {
            Err(DomainError::conflict(
                "edition_full",
                "the edition is full and has no waiting list",
            ))
        }
    }
}

/// Closes the gaps the given (vacated) positions left: everyone behind moves up, in
/// order. Two passes through negative numbers keep the unique position index satisfied
/// row by row.
pub(super) async fn close_up(
    db: &impl ConnectionTrait,
    edition_id: Uuid,
    vacated: &[i32],
) -> DomainResult<()> {
    let mut vacated = vacated.to_vec();
    vacated.sort_unstable();
    vacated.dedup();
    if vacated.is_empty() {
        return Ok(());
    }
    let position = || Expr::col(registration::Column::WaitlistPosition);
    for (i, from) in vacated.iter().enumerate() {
        let until = vacated.get(i + 1).copied();
        if until == Some(from + 1) {
            continue; // nobody between two vacated positions
        }
        let shift = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let mut q = registration::Entity::update_many()
            .col_expr(
                registration::Column::WaitlistPosition,
                Expr::val(shift).sub(position()),
            )
            .filter(registration::Column::EditionId.eq(edition_id))
            .filter(registration::Column::WaitlistPosition.gt(*from));
        if let Some(until) = until {
            q = q.filter(registration::Column::WaitlistPosition.lt(until));
        }
        q.exec(db).await?;
    }
    registration::Entity::update_many()
        .col_expr(
            registration::Column::WaitlistPosition,
            Expr::val(0).sub(position()),
        )
        .filter(registration::Column::EditionId.eq(edition_id))
        .filter(registration::Column::WaitlistPosition.lt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives free seats of a published edition to the first on its waiting list, in order,
/// and moves the rest up. Call with the edition locked. Returns who was promoted.
pub async fn fill_seats(
    db: &impl ConnectionTrait,
    e: &edition::Model,
    now: DateTime<Utc>,
) -> DomainResult<Vec<registration::Model>> {
    if e.status != EditionStatus::Published {
        return Ok(Vec::new());
    }
    let figures = Figures::read(db, e.id).await?;
    let free = i64::from(e.capacity) - figures.confirmed;
    if free <= 0 || figures.last_position == 0 {
        return Ok(Vec::new());
    }
    let first = registration::Entity::find()
        .filter(registration::Column::EditionId.eq(e.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .order_by_asc(registration::Column::WaitlistPosition)
        .limit(u64::try_from(free).unwrap_or(0))
        .all(db)
        .await?;
    let mut vacated = Vec::with_capacity(first.len());
    let mut promoted = Vec::with_capacity(first.len());
    for r in first {
        vacated.extend(r.waitlist_position);
        promoted.push(
            change(
                db,
                r,
                (RegistrationStatus::Confirmed, None),
                SYSTEM,
                Some("a seat became free"),
                now,
                Notice::new(
                    Kind::RegistrationPromoted,
                    serde_json::json!({ "status": "confirmed" }),
                ),
            )
            .await?,
        );
    }
    close_up(db, e.id, &vacated).await?;
    Ok(promoted)
}

/// Checks, inside an edition update, what its registrations allow: the capacity not
/// below the confirmed count, the waiting list not switched off while people wait.
pub async fn check_edition_change(
    db: &impl ConnectionTrait,
    e: &edition::Model,
    capacity: Option<i64>,
    waitlist_enabled: Option<bool>,
) -> DomainResult<()> {
    let figures = Figures::read(db, e.id).await?;
    if let Some(c) = capacity
        && c < figures.confirmed
    {
        return Err(DomainError::conflict(
            "capacity_below_confirmed",
            format!(
                "{} people are confirmed; the capacity cannot be lower",
                figures.confirmed
            ),
        ));
    }
    if waitlist_enabled == Some(false) && figures.last_position > 0 {
        return Err(DomainError::conflict(
            "waitlist_not_empty",
            format!(
                "{} people are on the waiting list; cancel them or keep the list",
                figures.last_position
            ),
        ));
    }
    Ok(())
}
