//! Database connection: pool settings per backend, migrations, write transactions, and
//! listening for PostgreSQL notifications.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    AccessMode, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Opens the pool. SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL the
/// ordinary pool settings.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        // A broken connection fails its query and is replaced; pinging before every
        // acquire would cost a round trip per query.
        .test_before_acquire(false)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Begins a transaction that will write. On SQLite it takes the write lock up front
/// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout instead of
/// failing when a read lock would have to be upgraded.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin().await,
    }
}

/// Begins a transaction that only reads, all of it from one snapshot: on PostgreSQL
/// `REPEATABLE READ, READ ONLY`; on SQLite a deferred transaction, whose first read fixes
/// the snapshot (WAL). For answers made of several queries that must agree.
pub async fn begin_read(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        _ => db.begin().await,
    }
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Pool size and idle connections, for the metrics.
pub fn pool_stats(db: &DatabaseConnection) -> (u32, u32) {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            )
        }
        _ => (0, 0),
    }
}

/// Whether a failure is the database asking to try again: SQLite busy or locked,
/// PostgreSQL serialisation failure or deadlock. Such failures are retried by
/// [`retrying`], never shown to users.
pub fn is_transient(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(e) = e.as_ref() else {
        return false;
    };
    // SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED, 517 SQLITE_BUSY_SNAPSHOT, 261 BUSY_RECOVERY;
    // PostgreSQL: 40001 serialization_failure, 40P01 deadlock_detected.
    matches!(
        e.code().as_deref(),
        Some("5" | "6" | "261" | "517" | "40001" | "40P01")
    )
}

/// Runs a transactional operation again (up to 20 times, with a short random pause) while
/// it fails with a transient database error.
pub async fn retrying<T, E, F, Fut>(mut op: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
    E: Transient,
{
    let mut attempt = 0u32;
    loop {
        match op().await {
            Err(e) if e.is_transient() && attempt < 20 => {
                attempt += 1;
                let pause = rand::random_range(1..=(5 * u64::from(attempt.min(10))));
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            other => return other,
        }
    }
}

/// Errors that may be transient database failures.
pub trait Transient {
    /// Whether trying again may succeed.
    fn is_transient(&self) -> bool;
}

impl Transient for DbErr {
    fn is_transient(&self) -> bool {
        is_transient(self)
    }
}

impl Transient for crate::error::DomainError {
    fn is_transient(&self) -> bool {
        matches!(self, Self::Db(e) if is_transient(e))
    }
}

/// Listens on a PostgreSQL channel for as long as the process runs, reconnecting after a
/// second when the connection is lost. `live(true)` is called once listening (again after
/// each reconnection), `live(false)` when the connection was lost, with the notifications
/// sent meanwhile; `heard` gets each payload.
pub async fn listen_forever(
    url: &str,
    channel: &str,
    live: impl Fn(bool),
    heard: impl Fn(&str),
) -> ! {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        let listener = async {
            let mut listener = PgListener::connect(url).await?;
            listener.listen(channel).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        }
        .await;
        match listener {
            Ok(mut listener) => {
                live(true);
                // `None` or an error: the connection was lost, and notifications with it.
                while let Ok(Some(n)) = listener.try_recv().await {
                    heard(n.payload());
                }
                tracing::warn!(channel, "lost the notification listener");
                live(false);
            }
            Err(e) => tracing::warn!(channel, error = %e, "listening for notifications"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
