//! `TestApp::spawn()`: the real application on a random port over a fresh database
//! (an SQLite file by default, a new PostgreSQL database when `TEST_DATABASE_URL` is set).

#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveTime, SecondsFormat, Utc};

use academy::auth::keys::KeyRing;
use academy::config::Config;
use academy::{AppState, build_app, db};
use poem::listener::{Acceptor, Listener, TcpListener};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub const ADMIN_EMAIL: &str = "admin@academy.test";
pub const ADMIN_PASSWORD: &str = "admin-password-1";
pub const PASSWORD: &str = "user-password-1";
pub const ISSUER: &str = "http://academy.test";

/// A database for one test.
pub enum TestDb {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh, empty database and its URL.
    pub async fn create() -> (Self, String) {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("academy_test_{}", Uuid::new_v4().simple());
                let conn = db::connect(&admin_url, 1)
                    .await
                    .expect("connect to TEST_DATABASE_URL");
                use sea_orm::ConnectionTrait;
                conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                conn.close().await.ok();
                let url = replace_db_name(&admin_url, &name);
                (Self::Postgres { admin_url, name }, url)
            }
            _ => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                (Self::Sqlite(dir), url)
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self {
            let admin_url = admin_url.clone();
            let name = name.clone();
            // Dropped from inside a runtime: do the async work on a thread of its own.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(conn) = db::connect(&admin_url, 1).await {
                        use sea_orm::ConnectionTrait;
                        let _ = conn
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await;
                        conn.close().await.ok();
                    }
                });
            })
            .join();
        }
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let new_base = match base[scheme_end..].find('/') {
        Some(slash) => format!("{}/{}", &base[..scheme_end + slash], name),
        None => format!("{base}/{name}"),
    };
    match query {
        Some(q) => format!("{new_base}?{q}"),
        None => new_base,
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: Arc<AppState>,
    pub db: Arc<TestDb>,
    pub database_url: String,
    _data: Arc<tempfile::TempDir>,
}

/// A signed-in user of a test.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Uuid,
    pub org: Uuid,
    pub email: String,
    pub token: String,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// The app with some settings changed (trusted proxies, say).
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let (test_db, url) = TestDb::create().await;
        let data = Arc::new(tempfile::tempdir().expect("tempdir"));
        Self::start_with(Arc::new(test_db), url, data, adjust).await
    }

    /// A second service instance on the same database, with the same signing keys (as
    /// instances behind one load balancer are).
    pub async fn another_instance(&self) -> Self {
        Self::start(
            self.db.clone(),
            self.database_url.clone(),
            self._data.clone(),
        )
        .await
    }

    /// A second instance on the same database with some settings changed.
    pub async fn another_instance_with(&self, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start_with(
            self.db.clone(),
            self.database_url.clone(),
            self._data.clone(),
            adjust,
        )
        .await
    }

    /// An instance on a database that already exists (as after a restart).
    pub async fn on_database(
        test_db: Arc<TestDb>,
        url: String,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let data = Arc::new(tempfile::tempdir().expect("tempdir"));
        Self::start_with(test_db, url, data, adjust).await
    }

    async fn start(test_db: Arc<TestDb>, url: String, data: Arc<tempfile::TempDir>) -> Self {
        Self::start_with(test_db, url, data, |_| {}).await
    }

    async fn start_with(
        test_db: Arc<TestDb>,
        url: String,
        data: Arc<tempfile::TempDir>,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = Config {
            database_url: url.clone(),
            database_max_connections: 8,
            public_url: ISSUER.to_owned(),
            mail_from: "agenda@academy.test".to_owned(),
            data_dir: data.path().to_path_buf(),
            bootstrap_admin_email: Some(ADMIN_EMAIL.to_owned()),
            bootstrap_admin_password: Some(ADMIN_PASSWORD.to_owned()),
            ..Config::default()
        };
        adjust(&mut config);
        let conn = db::connect(&url, config.database_max_connections)
            .await
            .expect("connect");
        db::migrate(&conn).await.expect("migrate");
        let keys = KeyRing::load(data.path(), None).expect("keys");
        let state = AppState::with_parts(config, conn, keys)
            .await
            .expect("state");
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind");
        let addr = acceptor.local_addr()[0]
            .as_socket_addr()
            .copied()
            .expect("socket address");
        // As `academy serve` does: this instance sends the outbox.
        academy::mail::spawn_worker(state.clone());
        academy::webhooks::spawn_worker(state.clone());
        let app = build_app(state.clone());
        // As `academy serve` does: a response stream that fails aborts its connection.
        let acceptor = academy::http::Abortable(acceptor);
        tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor).run(app).await;
        });
        Self {
            address: format!("http://{addr}"),
            client: reqwest::Client::new(),
            state,
            db: test_db,
            database_url: url,
            _data: data,
        }
    }

    /// Another handle on this same instance.
    pub fn another_view(&self) -> Self {
        Self {
            address: self.address.clone(),
            client: self.client.clone(),
            state: self.state.clone(),
            db: self.db.clone(),
            database_url: self.database_url.clone(),
            _data: self._data.clone(),
        }
    }

    /// The data directory (signing keys) this instance uses.
    pub fn data_dir(&self) -> std::path::PathBuf {
        self._data.path().to_path_buf()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends a JSON request (or none) with an optional bearer token.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let method_name = method.as_str().to_lowercase();
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        crate::conformance::check(&method_name, path, status, &value);
        (status, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Creates a resource that must be created (201): its id (`id`, or a partner
    /// client's `client_id`) and its body.
    pub async fn create(&self, path: &str, token: &str, body: Value) -> (Uuid, Value) {
        let (status, created) = self.post(path, token, body).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {created}");
        let id = created
            .get("id")
            .or_else(|| created.get("client_id"))
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no id in {created}"));
        (id, created)
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// `POST /api/v1/auth/token` with a form.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/token"))
            .form(form)
            .send()
            .await
            .expect("token request")
    }

    /// Signs in with a password; panics unless it works.
    pub async fn sign_in(&self, email: &str, password: &str) -> Value {
        let resp = self
            .token_request(&[
                ("grant_type", "password"),
                ("username", email),
                ("password", password),
            ])
            .await;
        assert_eq!(resp.status(), StatusCode::OK, "sign in as {email}");
        resp.json().await.expect("token json")
    }

    pub async fn admin(&self) -> Actor {
        let token = self.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await["access_token"]
            .as_str()
            .expect("access token")
            .to_owned();
        let (_, me) = self.get("/api/v1/me", &token).await;
        Actor {
            id: me["id"].as_str().expect("id").parse().expect("uuid"),
            org: me["organization_id"]
                .as_str()
                .expect("org")
                .parse()
                .expect("uuid"),
            email: ADMIN_EMAIL.to_owned(),
            token,
        }
    }

    /// The admin, with a token minted directly (for tests that lock the admin's password).
    pub async fn admin_from_state(&self) -> Actor {
        let user =
            academy::domain::users::create_admin(&self.state.db, ADMIN_EMAIL, ADMIN_PASSWORD)
                .await
                .expect("admin");
        let token = self
            .state
            .tokens
            .issue(
                user.user.id,
                academy::auth::tokens::SubjectKind::User,
                &user.roles,
                Some(user.user.organization_id),
                None,
                user.user.token_version,
            )
            .expect("token");
        Actor {
            id: user.user.id,
            org: user.user.organization_id,
            email: ADMIN_EMAIL.to_owned(),
            token,
        }
    }

    pub async fn create_org(&self, admin: &Actor, name: &str, kind: &str) -> Uuid {
        let (status, body) = self
            .post(
                "/api/v1/organizations",
                &admin.token,
                json!({"name": name, "kind": kind}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().expect("id").parse().expect("uuid")
    }

    /// Creates a user through the API as `creator` and signs them in.
    pub async fn create_user(
        &self,
        creator: &Actor,
        org: Uuid,
        roles: &[&str],
        email: &str,
    ) -> Actor {
        let (status, body) = self
            .post(
                "/api/v1/users",
                &creator.token,
                json!({
                    "email": email,
                    "name": format!("Test {email}"),
                    "organization_id": org,
                    "roles": roles,
                    "password": PASSWORD,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let token = self.sign_in(email, PASSWORD).await["access_token"]
            .as_str()
            .expect("token")
            .to_owned();
        Actor {
            id: body["id"].as_str().expect("id").parse().expect("uuid"),
            org,
            email: email.to_owned(),
            token,
        }
    }
}

/// Asserts a problem+json body with the given code.
pub fn assert_problem(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], expected.as_u16(), "{body}");
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(),
        "{body}"
    );
}

/// `days` from today at `hour`:00 UTC, on whole seconds (so the API echoes it verbatim).
pub fn at(days: i64, hour: u32) -> DateTime<Utc> {
    let day = Utc::now().date_naive() + Duration::days(days);
    day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).expect("time"))
        .and_utc()
}

/// RFC 3339 with `Z`, as the API writes it.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The `id` of a response body.
pub fn id_of(body: &Value) -> Uuid {
    body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("id in {body}"))
        .parse()
        .expect("uuid")
}

impl TestApp {
    /// A person created through the API without a password, with an access token minted
    /// directly (fast enough for tests that need hundreds of people).
    pub async fn person(&self, admin: &Actor, org: Uuid, roles: &[&str], email: &str) -> Actor {
        let (status, body) = self
            .post(
                "/api/v1/users",
                &admin.token,
                json!({
                    "email": email,
                    "name": format!("Test {email}"),
                    "organization_id": org,
                    "roles": roles,
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = id_of(&body);
        let roles: Vec<entity::Role> = academy::domain::roles::roles_of(&self.state.db, id)
            .await
            .expect("roles");
        let token = self
            .state
            .tokens
            .issue(
                id,
                academy::auth::tokens::SubjectKind::User,
                &roles,
                Some(org),
                None,
                0,
            )
            .expect("token");
        Actor {
            id,
            org,
            email: email.to_owned(),
            token,
        }
    }

    /// A new partner client of an organisation with the given scopes, and its access token
    /// (client credentials grant).
    pub async fn client_token(&self, admin: &Actor, org: Uuid, scopes: &[&str]) -> String {
        let (status, body) = self
            .post(
                "/api/v1/clients",
                &admin.token,
                json!({"name": format!("Intranet {}", scopes.join(" ")), "organization_id": org, "scopes": scopes}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let resp = self
            .token_request(&[
                ("grant_type", "client_credentials"),
                ("client_id", body["client_id"].as_str().expect("client_id")),
                (
                    "client_secret",
                    body["client_secret"].as_str().expect("client_secret"),
                ),
            ])
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let grant: Value = resp.json().await.expect("token json");
        grant["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// `n` professionals of an organisation, created concurrently.
    pub async fn people(&self, admin: &Actor, org: Uuid, prefix: &str, n: usize) -> Vec<Actor> {
        let mut out = Vec::with_capacity(n);
        for chunk in (0..n).collect::<Vec<_>>().chunks(16) {
            let batch = chunk.iter().map(|i| async move {
                let email = format!("{prefix}{i}@example.test");
                self.person(admin, org, &["professional"], &email).await
            });
            out.extend(futures::future::join_all(batch).await);
        }
        out
    }

    /// A published edition of a new course, one session `days` from now (09:00–12:00
    /// UTC), with the given edition fields (capacity, waiting list, approval, window …).
    pub async fn open_edition(&self, admin: &Actor, days: i64, edition: Value) -> Uuid {
        let (status, course) = self
            .post(
                "/api/v1/courses",
                &admin.token,
                json!({"title": "Verklarende analyse", "kind": "workshop", "description": "Twee dagdelen."}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{course}");
        let (status, e) = self
            .post(
                &format!("/api/v1/courses/{}/editions", id_of(&course)),
                &admin.token,
                edition,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
        let id = id_of(&e);
        let (status, s) = self
            .post(
                &format!("/api/v1/editions/{id}/sessions"),
                &admin.token,
                json!({"starts_at": ts(at(days, 9)), "ends_at": ts(at(days, 12))}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{s}");
        let (status, p) = self
            .call(
                Method::POST,
                &format!("/api/v1/editions/{id}/publish"),
                Some(&admin.token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{p}");
        id
    }
}

impl TestApp {
    /// Publishes an edition whose sessions lie in the past, as a test needs it: the
    /// service publishes only editions still to take place, so the ended sessions are
    /// moved ahead, the edition published, and the sessions moved back. Returns the
    /// publish response.
    pub async fn publish_as_if_planned(&self, admin: &Actor, edition: Uuid) -> Value {
        let (status, list) = self
            .get(
                &format!("/api/v1/editions/{edition}/sessions"),
                &admin.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let items = list["items"]
            .as_array()
            .cloned()
            .expect("a page of sessions");
        let now = Utc::now();
        let mut moved = Vec::new();
        for (k, s) in items.iter().enumerate() {
            let starts: DateTime<Utc> = s["starts_at"]
                .as_str()
                .expect("starts_at")
                .parse()
                .expect("time");
            let ends: DateTime<Utc> = s["ends_at"]
                .as_str()
                .expect("ends_at")
                .parse()
                .expect("time");
            if ends > now || s["status"] != "scheduled" {
                continue;
            }
            let ahead = at(400 + k as i64, 9);
            let (status, body) = self
                .patch(
                    &format!("/api/v1/sessions/{}", id_of(s)),
                    &admin.token,
                    json!({"starts_at": ts(ahead), "ends_at": ts(ahead + (ends - starts))}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            moved.push((id_of(s), starts, ends));
        }
        let (status, published) = self
            .call(
                Method::POST,
                &format!("/api/v1/editions/{edition}/publish"),
                Some(&admin.token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{published}");
        for (id, starts, ends) in moved {
            let (status, body) = self
                .patch(
                    &format!("/api/v1/sessions/{id}"),
                    &admin.token,
                    json!({"starts_at": ts(starts), "ends_at": ts(ends)}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (_, edition) = self
            .get(&format!("/api/v1/editions/{edition}"), &admin.token)
            .await;
        edition
    }
}
