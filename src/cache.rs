//! A read cache for public catalogue responses, kept correct by invalidation.
//!
//! The public catalogue is read far more often than it changes, and rendering a page of
//! editions (with seat counts from the database) costs about a millisecond. The cache keeps
//! the rendered JSON of public pages under a *generation*:
//!
//! - every successful write to what the pages show (courses, editions, sessions,
//!   registrations: [`changes_cached`]) starts a new generation when it finishes, before
//!   its response leaves, so whoever changed something reads their own change; refused,
//!   unmatched and unrelated requests leave the cache as it is, so nobody can keep it cold;
//! - on PostgreSQL, instances tell each other (`NOTIFY academy_catalog`, sent after the
//!   write committed and coalesced, never inside the writing transaction, where it would
//!   serialise commits); an instance that lost its listening connection stops using the
//!   cache until it is back;
//! - an entry is never served after [`MAX_AGE`], which bounds what a change made outside
//!   the service (a manual SQL fix) can leave behind.
//!
//! A reader takes a [`Ticket`] before it queries and stores its result under it; a result
//! read before a change can therefore never be stored as belonging to after it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use tokio::sync::Notify;
use uuid::Uuid;

/// Longest time an entry is served: the bound on what a change made outside the service
/// (which no request of this service announces) can leave behind.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// Bytes the cache may hold; when full, about a quarter of the entries make room.
const MAX_BYTES: usize = 32 * 1024 * 1024;

/// The PostgreSQL channel instances announce changes on.
const CHANNEL: &str = "academy_catalog";

/// Longest a change waits before it is announced to other instances; announcements of
/// changes in the same interval are one.
const ANNOUNCE_INTERVAL: Duration = Duration::from_millis(2);

/// The generation a reader started in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

struct Entries {
    generation: u64,
    bytes: usize,
    map: HashMap<String, (Instant, Bytes)>,
}

/// Rendered public responses by key, valid for one generation.
pub struct ResponseCache {
    generation: AtomicU64,
    live: AtomicBool,
    entries: RwLock<Entries>,
    changed: Notify,
    instance: String,
}

impl Default for ResponseCache {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseCache {
    /// An empty cache, in use.
    pub fn new() -> Self {
        Self {
            generation: AtomicU64::new(0),
            live: AtomicBool::new(true),
            entries: RwLock::new(Entries {
                generation: 0,
                bytes: 0,
                map: HashMap::new(),
            }),
            changed: Notify::new(),
            instance: Uuid::new_v4().simple().to_string(),
        }
    }

    /// The current generation, or `None` while the cache cannot be trusted.
    pub fn ticket(&self) -> Option<Ticket> {
        self.live
            .load(Ordering::Acquire)
            .then(|| Ticket(self.generation.load(Ordering::Acquire)))
    }

    /// A stored response of the current generation, not older than [`MAX_AGE`].
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let ticket = self.ticket()?;
        let entries = self.entries.read().ok()?;
        if entries.generation != ticket.0 {
            return None;
        }
        entries
            .map
            .get(key)
            .filter(|(at, _)| at.elapsed() < MAX_AGE)
            .map(|(_, body)| body.clone())
    }

    /// Stores a response read under `ticket`, unless something changed since.
    pub fn put(&self, ticket: Ticket, key: String, body: Bytes) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        // Checked under the lock: a change starts its generation before anyone can store.
        if self.ticket().map(|t| t.0) != Some(ticket.0) {
            return;
        }
        if entries.generation != ticket.0 {
            entries.generation = ticket.0;
            entries.bytes = 0;
            entries.map.clear();
        }
        if entries.bytes + body.len() > MAX_BYTES {
            // Make room: drop entries (in the map's arbitrary order) down to 3/4.
            let mut bytes = entries.bytes;
            entries.map.retain(|_, (_, b)| {
                if bytes + body.len() > MAX_BYTES / 4 * 3 {
                    bytes -= b.len();
                    false
                } else {
                    true
                }
            });
            entries.bytes = bytes;
        }
        entries.bytes += body.len();
        if let Some((_, old)) = entries.map.insert(key, (Instant::now(), body)) {
            entries.bytes -= old.len();
        }
    }

    /// The response to a request (keyed by its path and query, and by the person it is
    /// for when it is personal): the stored one while nothing changed, else `render`'s,
    /// stored for the next asker. `render` runs only on a miss, after the ticket is taken.
    pub async fn get_or_render<E>(
        &self,
        req: &poem::Request,
        owner: Option<Uuid>,
        render: impl Future<Output = Result<Bytes, E>>,
    ) -> Result<Bytes, E> {
        let key = request_key(req, owner);
        if let Some(body) = self.get(&key) {
            return Ok(body);
        }
        let ticket = self.ticket();
        let body = render.await?;
        if let Some(ticket) = ticket {
            self.put(ticket, key, body.clone());
        }
        Ok(body)
    }

    /// Something may have changed here: start a new generation and tell other instances.
    pub fn invalidate(&self) {
        self.bump();
        self.changed.notify_one();
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn set_live(&self, live: bool) {
        self.bump();
        self.live.store(live, Ordering::Release);
    }

    /// On PostgreSQL, keeps this instance's cache in step with the other instances':
    /// announces local changes and listens for theirs. Nothing to do on SQLite, which one
    /// process serves.
    pub fn spawn_sync(self: &Arc<Self>, db: &DatabaseConnection, url: &str) {
        if db.get_database_backend() != DbBackend::Postgres {
            return;
        }
        // Not trusted until the listener runs.
        self.set_live(false);
        tokio::spawn(announce(self.clone(), db.clone()));
        tokio::spawn(listen(self.clone(), url.to_owned()));
    }
}

/// Operations (method and route template) whose success changes what cached pages show:
/// the catalogue (courses, editions, their sessions and seat counts) and people's own
/// registration lists.
const CHANGES: &[(&str, &str)] = &[
    ("POST", "/api/v1/courses"),
    ("PATCH", "/api/v1/courses/{id}"),
    ("DELETE", "/api/v1/courses/{id}"),
    ("POST", "/api/v1/courses/{id}/archive"),
    ("POST", "/api/v1/courses/{id}/unarchive"),
    ("POST", "/api/v1/courses/{id}/editions"),
    ("PATCH", "/api/v1/editions/{id}"),
    ("POST", "/api/v1/editions/{id}/publish"),
    ("POST", "/api/v1/editions/{id}/cancel"),
    ("POST", "/api/v1/editions/{id}/close"),
    ("POST", "/api/v1/editions/{id}/reopen"),
    ("POST", "/api/v1/editions/{id}/sessions"),
    ("POST", "/api/v1/editions/{id}/registrations"),
    ("PATCH", "/api/v1/sessions/{id}"),
    ("DELETE", "/api/v1/sessions/{id}"),
    ("POST", "/api/v1/registrations/{id}/cancel"),
    ("POST", "/api/v1/registrations/{id}/approve"),
    ("POST", "/api/v1/registrations/{id}/decline"),
];

/// Whether a successful request to this operation (its method and matched route
/// pattern, whose parameters poem writes `:param0`, …) changes what the cache holds.
pub fn changes_cached(method: &poem::http::Method, route: &str) -> bool {
    CHANGES.iter().any(|(m, template)| {
        *m == method.as_str() && {
            let mut wanted = template.split('/');
            let mut got = route.split('/');
            loop {
                match (wanted.next(), got.next()) {
                    (None, None) => break true,
                    (Some("{id}"), Some(g)) if g.starts_with(':') => {}
                    (Some(w), Some(g)) if w == g => {}
                    _ => break false,
                }
            }
        }
    })
}

fn request_key(req: &poem::Request, owner: Option<Uuid>) -> String {
    let uri = req.uri();
    let owner = owner.map(|o| o.simple().to_string()).unwrap_or_default();
    match uri.query() {
        Some(q) => format!("{owner}{}?{q}", uri.path()),
        None => format!("{owner}{}", uri.path()),
    }
}

async fn announce(cache: Arc<ResponseCache>, db: DatabaseConnection) {
    loop {
        cache.changed.notified().await;
        tokio::time::sleep(ANNOUNCE_INTERVAL).await;
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), cache.instance.clone().into()],
        );
        if let Err(e) = db.execute_raw(statement).await {
            tracing::warn!(error = %e, "announcing a catalogue change to other instances");
        }
    }
}

async fn listen(cache: Arc<ResponseCache>, url: String) {
    // While the listener is down, the cache is off.
    crate::db::listen_forever(
        &url,
        CHANNEL,
        |live| cache.set_live(live),
        |payload| {
            if payload != cache.instance {
                cache.bump();
            }
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_hides_what_was_stored_before_it() {
        let cache = ResponseCache::new();
        let t = cache.ticket().expect("live");
        cache.put(t, "a".into(), Bytes::from_static(b"1"));
        assert_eq!(cache.get("a").as_deref(), Some(&b"1"[..]));
        cache.invalidate();
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn a_result_read_before_a_change_is_not_stored() {
        let cache = ResponseCache::new();
        let t = cache.ticket().expect("live");
        cache.invalidate();
        cache.put(t, "a".into(), Bytes::from_static(b"old"));
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn nothing_is_served_while_not_live() {
        let cache = ResponseCache::new();
        let t = cache.ticket().expect("live");
        cache.put(t, "a".into(), Bytes::from_static(b"1"));
        cache.set_live(false);
        assert!(cache.ticket().is_none());
        assert!(cache.get("a").is_none());
        cache.set_live(true);
        assert!(
            cache.get("a").is_none(),
            "coming back starts a new generation"
        );
    }

    #[test]
    fn every_listed_change_is_an_operation_of_the_api() {
        let spec: serde_json::Value =
            serde_json::from_str(&crate::openapi_json()).expect("the document is JSON");
        for (method, route) in CHANGES {
            assert!(
                spec["paths"][route][method.to_lowercase()].is_object(),
                "{method} {route} is not an operation"
            );
        }
        let post = poem::http::Method::POST;
        assert!(changes_cached(
            &post,
            "/api/v1/editions/:param0/registrations"
        ));
        assert!(!changes_cached(
            &post,
            "/api/v1/editions/:param0/evaluations"
        ));
        assert!(!changes_cached(&post, "/api/v1/editions/:param0"));
        assert!(!changes_cached(&poem::http::Method::GET, "/api/v1/courses"));
    }

    #[test]
    fn the_size_is_bounded() {
        let cache = ResponseCache::new();
        let t = cache.ticket().expect("live");
        let body = Bytes::from(vec![b'x'; 1024 * 1024]);
        for i in 0..80 {
            cache.put(t, format!("k{i}"), body.clone());
        }
        assert!(cache.get("k79").is_some(), "the newest entry stays");
        let entries = cache.entries.read().expect("lock");
        assert!(entries.bytes <= MAX_BYTES);
        assert!(entries.map.len() > 16, "making room keeps most entries");
        assert_eq!(
            entries.bytes,
            entries.map.values().map(|(_, b)| b.len()).sum::<usize>()
        );
    }
}
