//! Fixed-window rate limits whose counters live in the database, so every service
//! instance sees the same counts (wrong check-in codes, certificate verification).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};

use crate::error::{DomainError, DomainResult};
use entity::rate_counter;

/// A limit: at most `max` hits per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    /// Hits allowed in one window.
    pub max: i32,
    /// The window's length.
    pub window: Duration,
    /// The stable problem code when the limit is exceeded.
    pub code: &'static str,
    /// What the caller is told.
    pub detail: &'static str,
}

impl Limit {
    fn exceeded(&self, window_start: DateTime<Utc>, now: DateTime<Utc>) -> DomainError {
        let left = (window_start + self.window - now).num_seconds().max(1);
        DomainError::RateLimited {
            code: self.code,
            detail: self.detail.to_owned(),
            retry_after: u64::try_from(left).unwrap_or(1),
        }
    }
}

/// Counts one hit under `key` and fails when this hit goes over the limit. One atomic
/// statement, so parallel hits cannot all slip under it.
pub async fn hit(
    db: &impl ConnectionTrait,
    key: &str,
    limit: Limit,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "INSERT INTO rate_counters (key, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             hits = CASE WHEN rate_counters.window_start <= $3 THEN 1 ELSE rate_counters.hits + 1 END, \
             window_start = CASE WHEN rate_counters.window_start <= $3 THEN $2 ELSE rate_counters.window_start END \
             RETURNING hits, window_start"
        }
        _ => {
            "INSERT INTO rate_counters (key, window_start, hits) VALUES (?1, ?2, 1) \
             ON CONFLICT (key) DO UPDATE SET \
             hits = CASE WHEN rate_counters.window_start <= ?3 THEN 1 ELSE rate_counters.hits + 1 END, \
             window_start = CASE WHEN rate_counters.window_start <= ?3 THEN ?2 ELSE rate_counters.window_start END \
             RETURNING hits, window_start"
        }
    };
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [key.into(), now.into(), (now - limit.window).into()],
        ))
        .await?
        .ok_or_else(|| DomainError::Internal("the rate counter returned no row".into()))?;
    let counter = <Counter as sea_orm::FromQueryResult>::from_query_result(&row, "")?;
    if counter.hits > limit.max {
        return Err(limit.exceeded(counter.window_start, now));
    }
    Ok(())
}

/// What counting a hit returns: the hits in the current window and when it began.
#[derive(Debug, sea_orm::FromQueryResult)]
struct Counter {
    hits: i32,
    window_start: DateTime<Utc>,
}

/// Gives back one hit counted under `key`, for an attempt that turned out to be
/// legitimate (a right check-in code costs nothing). One atomic statement that never
/// takes the count below zero.
pub async fn refund(db: &impl ConnectionTrait, key: &str) -> DomainResult<()> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE rate_counters SET hits = hits - 1 WHERE key = $1 AND hits > 0"
        }
        _ => "UPDATE rate_counters SET hits = hits - 1 WHERE key = ?1 AND hits > 0",
    };
    db.execute_raw(Statement::from_sql_and_values(backend, sql, [key.into()]))
        .await?;
    Ok(())
}

/// Deletes counters whose window ended more than a day ago.
pub async fn forget_old(db: &impl ConnectionTrait, now: DateTime<Utc>) -> DomainResult<u64> {
    Ok(rate_counter::Entity::delete_many()
        .filter(rate_counter::Column::WindowStart.lt(now - Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected)
}
