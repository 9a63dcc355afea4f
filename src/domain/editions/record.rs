//! The edition row itself: read for a change (locked), and its dates kept in step with
//! its sessions.

use chrono::{DateTime, TimeZone, Utc};
use entity::{EditionStatus, SessionStatus, edition, session};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::domain::webhooks::{self, EventType};
use crate::error::{DomainError, DomainResult};

/// Sort key of editions without sessions: after every dated one.
pub fn undated() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Reads the edition for a change, locking its row on PostgreSQL (SQLite writers hold
/// the database lock from `BEGIN IMMEDIATE`).
pub async fn lock(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<edition::Model> {
    let mut q = edition::Entity::find_by_id(id);
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(db).await?.ok_or(DomainError::NotFound("edition"))
}

/// Recomputes the first and last session of an edition from its scheduled sessions;
/// partners of a published edition hear of new dates (`edition.changed`).
pub async fn refresh_schedule(db: &impl ConnectionTrait, e: &edition::Model) -> DomainResult<()> {
    let edition_id = e.id;
    let sessions = session::Entity::find()
        .filter(session::Column::EditionId.eq(edition_id))
        .filter(session::Column::Status.eq(SessionStatus::Scheduled))
        .all(db)
        .await?;
    let first = sessions.iter().map(|s| s.starts_at).min();
    let last = sessions.iter().map(|s| s.ends_at).max();
    edition::Entity::update_many()
        .col_expr(edition::Column::FirstSessionAt, Expr::value(first))
        .col_expr(edition::Column::LastSessionAt, Expr::value(last))
        .col_expr(
            edition::Column::SortAt,
            Expr::value(first.unwrap_or_else(undated)),
        )
        .filter(edition::Column::Id.eq(edition_id))
        .exec(db)
        .await?;
    if e.status != EditionStatus::Draft && (first, last) != (e.first_session_at, e.last_session_at)
    {
        let moved = edition::Model {
            first_session_at: first,
            last_session_at: last,
            ..e.clone()
        };
        let event = webhooks::Event::edition(EventType::EditionChanged, &moved, &["dates"]);
        webhooks::emit(db, vec![event], crate::domain::now()).await?;
    }
    Ok(())
}
