//! Ending a person's access tokens before they expire.
//!
//! Every person has a token version (`users.token_version`) that each access token carries
//! as `ver`. Disabling, erasing, a change of roles, organisation or password bumps it (in
//! the changing transaction, [`end_access`]); from then on a token of an older version is
//! refused on every instance:
//!
//! - each instance keeps the versions it has read in memory, so a signed-in request costs
//!   no query once its person is known;
//! - on PostgreSQL the bump sends `NOTIFY academy_access` from inside the transaction, so
//!   the instances learn of it when it commits (and never of one rolled back); an instance
//!   that lost its listening connection reads the version from the database on every
//!   request until it is back, and forgets what it knew when it reconnects;
//! - on SQLite, which one process serves, the instance that made the change records it
//!   itself ([`AccessVersions::advance`]);
//! - a version read is trusted at most [`MAX_AGE`], which bounds what a change made
//!   outside the service can leave behind.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use entity::user;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Statement,
};
use uuid::Uuid;

/// Longest a version read from the database is trusted without hearing of a change.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// The PostgreSQL channel on which bumped versions are announced.
const CHANNEL: &str = "academy_access";

/// Versions remembered at most; the memory is emptied when full.
const CAPACITY: usize = 100_000;

/// Bumps a person's token version inside the caller's transaction, ending every access
/// token issued before; returns the new version. On PostgreSQL the other instances hear
/// of it when the transaction commits.
pub async fn end_access(db: &impl ConnectionTrait, user_id: Uuid) -> Result<i32, DbErr> {
    user::Entity::update_many()
        .col_expr(
            user::Column::TokenVersion,
            Expr::col(user::Column::TokenVersion).add(1),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    let version = current_in_db(db, user_id).await?.unwrap_or(0);
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), format!("{user_id}:{version}").into()],
        ))
        .await?;
    }
    Ok(version)
}

async fn current_in_db(db: &impl ConnectionTrait, user_id: Uuid) -> Result<Option<i32>, DbErr> {
    user::Entity::find_by_id(user_id)
        .select_only()
        .column(user::Column::TokenVersion)
        .into_tuple::<i32>()
        .one(db)
        .await
}

/// The token versions this instance knows.
pub struct AccessVersions {
    live: AtomicBool,
    known: RwLock<HashMap<Uuid, (i32, Instant)>>,
}

impl Default for AccessVersions {
    fn default() -> Self {
        Self::new()
    }
}

impl AccessVersions {
    /// Nothing known yet, trusted (as on SQLite).
    pub fn new() -> Self {
        Self {
            live: AtomicBool::new(true),
            known: RwLock::new(HashMap::new()),
        }
    }

    /// Whether a token of this version still gives access: its person exists and has
    /// not had their version bumped since it was issued.
    pub async fn admits(
        &self,
        db: &DatabaseConnection,
        user_id: Uuid,
        version: i32,
    ) -> Result<bool, DbErr> {
        // A token newer than what is known here was issued after a change this instance
        // has not heard of yet: read through.
        if self.live.load(Ordering::Acquire)
            && let Ok(known) = self.known.read()
            && let Some((current, at)) = known.get(&user_id)
            && at.elapsed() < MAX_AGE
            && *current >= version
        {
            return Ok(*current == version);
        }
        let Some(current) = current_in_db(db, user_id).await? else {
            return Ok(false);
        };
        let current = self.advance(user_id, current);
        Ok(current == version)
    }

    /// Records that a person's version is at least `version` (after a change this
    /// instance made, or one another instance announced); returns the version known now.
    /// Versions only grow, so a read that raced with a change never moves one back.
    pub fn advance(&self, user_id: Uuid, version: i32) -> i32 {
        let Ok(mut known) = self.known.write() else {
            return version;
        };
        if known.len() >= CAPACITY && !known.contains_key(&user_id) {
            known.clear();
        }
        let entry = known.entry(user_id).or_insert((version, Instant::now()));
        if version >= entry.0 {
            *entry = (version, Instant::now());
        }
        entry.0
    }

    fn set_live(&self, live: bool) {
        if let Ok(mut known) = self.known.write() {
            known.clear();
        }
        self.live.store(live, Ordering::Release);
    }

    /// On PostgreSQL, listens for the versions other instances bump. Nothing to do on
    /// SQLite.
    pub fn spawn_sync(self: &Arc<Self>, db: &DatabaseConnection, url: &str) {
        if db.get_database_backend() != DbBackend::Postgres {
            return;
        }
        // Read through to the database until the listener runs.
        self.set_live(false);
        tokio::spawn(listen(self.clone(), url.to_owned()));
    }
}

fn parse_announcement(payload: &str) -> Option<(Uuid, i32)> {
    let (id, version) = payload.split_once(':')?;
    Some((id.parse().ok()?, version.parse().ok()?))
}

async fn listen(versions: Arc<AccessVersions>, url: String) {
    // While the listener is down, versions are read through to the database.
    crate::db::listen_forever(
        &url,
        CHANNEL,
        |live| versions.set_live(live),
        |payload| {
            if let Some((user_id, version)) = parse_announcement(payload) {
                versions.advance(user_id, version);
            }
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_only_grow() {
        let v = AccessVersions::new();
        let id = Uuid::now_v7();
        assert_eq!(v.advance(id, 2), 2);
        assert_eq!(v.advance(id, 1), 2, "a stale read does not move it back");
        assert_eq!(v.advance(id, 3), 3);
    }

    #[test]
    fn announcements_are_parsed_strictly() {
        let id = Uuid::now_v7();
        assert_eq!(parse_announcement(&format!("{id}:7")), Some((id, 7)));
        assert_eq!(parse_announcement("nonsense"), None);
        assert_eq!(parse_announcement(&format!("{id}:x")), None);
    }
}
