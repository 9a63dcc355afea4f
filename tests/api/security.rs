//! The holes a security review found, each shut: bounded metric labels, final erasure,
//! per-address sign-in limits behind trusted proxies, access that ends at once on every
//! instance, tables that are cleaned, a cache nobody can keep cold, and secrets that do
//! not depend on the signing key.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

fn series(metrics: &str) -> usize {
    metrics
        .lines()
        .filter(|l| l.starts_with("academy_http_requests_total{"))
        .count()
}

async fn metrics(app: &TestApp) -> String {
    app.client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn made_up(app: &TestApp, i: usize) {
    let method = Method::from_bytes(format!("BREW{i}").as_bytes()).unwrap();
    let _ = app
        .client
        .request(method, app.url(&format!("/made/up/{i}/{}", Uuid::new_v4())))
        .send()
        .await
        .unwrap();
    let _ = app
        .client
        .get(app.url(&format!("/api/v1/nothing-{i}")))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn made_up_methods_and_paths_add_no_metric_series() {
    let app = TestApp::spawn().await;
    // One of each first: the `OTHER` and `unmatched` series exist from then on.
    made_up(&app, 0).await;
    let before = series(&metrics(&app).await);
    for chunk in (1..=1000).collect::<Vec<_>>().chunks(50) {
        futures::future::join_all(chunk.iter().map(|i| made_up(&app, *i))).await;
    }
    let text = metrics(&app).await;
    // `/metrics` itself may add its own series once.
    assert!(
        series(&text) <= before + 1,
        "{before} series grew to {}",
        series(&text)
    );
    assert!(
        text.contains(r#"method="OTHER",route="unmatched""#),
        "{text}"
    );
    assert!(!text.contains("BREW"), "a made-up method is a label");
    assert!(!text.contains("/made/up"), "a made-up path is a label");
}

async fn feed_path(app: &TestApp, token: &str) -> String {
    let (status, feed) = app.get("/api/v1/me/calendar-feed", token).await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    let url = feed["url"].as_str().unwrap();
    url.strip_prefix(ISSUER).unwrap().to_owned()
}

async fn get_raw(app: &TestApp, path: &str) -> StatusCode {
    app.client.get(app.url(path)).send().await.unwrap().status()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    app.token_request(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
    ])
    .await
}

#[tokio::test]
async fn erasure_is_final() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Zorgaanbieder", "provider").await;
    let hr = app.person(&admin, org, &["hr"], "hr@example.test").await;
    let person = app
        .create_user(&admin, org, &["professional"], "erase.me@example.test")
        .await;
    let signed_in = app.sign_in(&person.email, PASSWORD).await;
    let refresh_token = signed_in["refresh_token"].as_str().unwrap().to_owned();
    let old_feed = feed_path(&app, &person.token).await;
    assert_eq!(get_raw(&app, &old_feed).await, StatusCode::OK);
    // A failed sign-in under their address, to be forgotten with them.
    let wrong = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", &person.email),
            ("password", "not-the-password"),
        ])
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);

    let (status, body) = app
        .post(
            &format!("/api/v1/users/{}/erase", person.id),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Nobody brings the account back, HR nor admin, in whole or in part.
    for (actor, patch) in [
        (
            &hr,
            json!({"disabled": false, "email": "back@example.test", "password": "a-new-password-1"}),
        ),
        (&admin, json!({"disabled": false})),
        (&admin, json!({"name": "Weer terug"})),
        (&admin, json!({"roles": ["professional", "trainer"]})),
    ] {
        let (status, body) = app
            .patch(&format!("/api/v1/users/{}", person.id), &actor.token, patch)
            .await;
        assert_problem(status, &body, StatusCode::CONFLICT, "user_erased");
    }
    let back = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "back@example.test"),
            ("password", "a-new-password-1"),
        ])
        .await;
    assert_eq!(back.status(), StatusCode::BAD_REQUEST);
    // Their sign-in rows are gone.
    let tokens = entity::refresh_token::Entity::find()
        .filter(entity::refresh_token::Column::UserId.eq(person.id))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(tokens, 0);
    let failures = entity::login_failure::Entity::find()
        .filter(
            entity::login_failure::Column::AccountHash
                .eq(academy::auth::secret::sha256_hex(&person.email)),
        )
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(failures, 0);
    let again = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", &person.email),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        refresh(&app, &refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
    // No secret of before works: the access token, the feed URL.
    let (status, body) = app.get("/api/v1/me", &person.token).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
    let (status, body) = app.get("/api/v1/me/export", &person.token).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(get_raw(&app, &old_feed).await, StatusCode::NOT_FOUND);
}

async fn sign_in_from(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
) -> (StatusCode, Value) {
    let resp = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("x-forwarded-for", address)
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_attacker_at_one_address_neither_locks_the_owner_out_nor_sprays_freely() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.admin().await;
    let attacker = "198.51.100.7";
    let owner_at = "203.0.113.9";
    for _ in 0..academy::domain::auth::MAX_FAILURES {
        let (status, _) = sign_in_from(&app, attacker, ADMIN_EMAIL, "guess").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    // The attacker is held back, even with the right password …
    let (status, body) = sign_in_from(&app, attacker, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // … the owner elsewhere is not.
    let (status, body) = sign_in_from(&app, owner_at, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Spraying: one address trying many accounts runs into the address's limit.
    let sprayer = "198.51.100.8";
    for i in 0..academy::domain::auth::MAX_FAILURES_PER_ADDRESS {
        let (status, _) =
            sign_in_from(&app, sprayer, &format!("user{i}@example.test"), "Welkom01").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "attempt {i}");
    }
    let (status, body) = sign_in_from(&app, sprayer, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_problem(
        status,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    );
    // An IPv6 client walking through its /64 is one address.
    let v6 = |i: usize| format!("2001:db8:1:2::{i:x}");
    for i in 0..academy::domain::auth::MAX_FAILURES {
        let (status, _) = sign_in_from(&app, &v6(i + 1), ADMIN_EMAIL, "guess").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, _) = sign_in_from(&app, &v6(0xffff), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // Certificate verification counts the same client address.
    let mut last = StatusCode::OK;
    for _ in 0..61 {
        last = app
            .client
            .get(app.url("/api/v1/verify/AAAAA-AAAAA-AAAAA"))
            .header("x-forwarded-for", attacker)
            .send()
            .await
            .unwrap()
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = app
        .client
        .get(app.url("/api/v1/verify/AAAAA-AAAAA-AAAAA"))
        .header("x-forwarded-for", owner_at)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(elsewhere, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn forwarded_headers_from_untrusted_peers_buy_nothing() {
    // No trusted proxies: the peer's address counts, whatever the headers claim.
    let app = TestApp::spawn().await;
    app.admin().await;
    for i in 0..academy::domain::auth::MAX_FAILURES {
        let (status, _) =
            sign_in_from(&app, &format!("198.51.100.{i}"), ADMIN_EMAIL, "guess").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, _) = sign_in_from(&app, "198.51.100.99", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

/// A session of a new edition taught by `trainer` that is open for check-in now, with
/// `people` registered.
async fn session_open_for_check_in(
    app: &TestApp,
    admin: &Actor,
    trainer: &Actor,
    people: &[&Actor],
) -> Uuid {
    let now = Utc::now();
    let edition = app
        .open_edition(
            admin,
            30,
            json!({"capacity": 50, "trainer_ids": [trainer.id]}),
        )
        .await;
    let (_, s) = app
        .create(
            &format!("/api/v1/editions/{edition}/sessions"),
            &admin.token,
            json!({
                "starts_at": ts(now + chrono::Duration::minutes(10)),
                "ends_at": ts(now + chrono::Duration::hours(2)),
            }),
        )
        .await;
    for person in people {
        crate::certificates::enrol(app, admin, edition, person).await;
    }
    id_of(&s)
}

#[tokio::test]
async fn wrong_check_in_codes_are_limited_per_client_address_too() {
    let app = TestApp::spawn_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Aanbieder", "provider").await;
    let trainer = app
        .person(&admin, org, &["trainer"], "trainer@example.test")
        .await;
    let people = app.people(&admin, org, "guesser", 7).await;
    let refs: Vec<&Actor> = people.iter().collect();
    let session = session_open_for_check_in(&app, &admin, &trainer, &refs).await;
    let (_, shown) = app
        .get(
            &format!("/api/v1/sessions/{session}/check-in-code"),
            &trainer.token,
        )
        .await;
    let right = shown["code"].as_str().unwrap().to_owned();
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let check_in = |person: &Actor, address: &'static str, code: String| {
        let req = app
            .client
            .post(app.url(&format!("/api/v1/sessions/{session}/check-in")))
            .bearer_auth(&person.token)
            .header("x-forwarded-for", address)
            .json(&json!({ "code": code }));
        async move { req.send().await.unwrap().status() }
    };
    // Six accounts at one address, five wrong codes each: thirty compared …
    for person in &people[..6] {
        for _ in 0..5 {
            assert_eq!(
                check_in(person, "198.51.100.20", wrong.clone()).await,
                StatusCode::UNPROCESSABLE_ENTITY
            );
        }
    }
    // … and the seventh account at that address is held back, even with the right code,
    let seventh = &people[6];
    assert_eq!(
        check_in(seventh, "198.51.100.20", right.clone()).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // while from another address it checks in.
    assert_eq!(
        check_in(seventh, "203.0.113.20", right).await,
        StatusCode::OK
    );
}

/// Polls until the token is refused, at most five seconds.
async fn refused_within_five_seconds(app: &TestApp, token: &str) {
    let start = Instant::now();
    loop {
        let (status, _) = app.get("/api/v1/me", token).await;
        if status == StatusCode::UNAUTHORIZED {
            return;
        }
        assert_eq!(status, StatusCode::OK);
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the token still works after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn access_ends_on_every_instance_when_a_person_changes() {
    let a = TestApp::spawn().await;
    // On PostgreSQL a second instance shares the database; on SQLite one serves.
    let b = if a.db.is_postgres() {
        a.another_instance().await
    } else {
        a.another_view()
    };
    let admin = a.admin().await;
    let org = a
        .create_org(&admin, "Gemeente Almere", "municipality")
        .await;
    let other = a
        .create_org(&admin, "Gemeente Lelystad", "municipality")
        .await;
    let cases = [
        ("disabled", json!({"disabled": true})),
        ("roles", json!({"roles": ["professional"]})),
        ("organisation", json!({"organization_id": other})),
        ("password", json!({"password": "another-password-2"})),
    ];
    for (what, patch) in cases {
        let person = a
            .create_user(
                &admin,
                org,
                &["professional", "hr"],
                &format!("{what}@example.test"),
            )
            .await;
        let signed_in = a.sign_in(&person.email, PASSWORD).await;
        let token = signed_in["access_token"].as_str().unwrap().to_owned();
        // Both instances know the token (and remember its person's version).
        for app in [&a, &b] {
            let (status, body) = app.get("/api/v1/me", &token).await;
            assert_eq!(status, StatusCode::OK, "{what}: {body}");
            let (status, body) = app.get("/api/v1/me/export", &token).await;
            assert_eq!(status, StatusCode::OK, "{what}: {body}");
        }
        let (status, body) = a
            .patch(&format!("/api/v1/users/{}", person.id), &admin.token, patch)
            .await;
        assert_eq!(status, StatusCode::OK, "{what}: {body}");
        let (status, body) = a.get("/api/v1/me", &token).await;
        assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
        refused_within_five_seconds(&b, &token).await;
        let (status, _) = b.get("/api/v1/me/export", &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        // A role or organisation change keeps the sign-in: a refresh gives a token with
        // the new rights, which works on both instances.
        let renewed = refresh(&a, signed_in["refresh_token"].as_str().unwrap()).await;
        if matches!(what, "roles" | "organisation") {
            assert_eq!(renewed.status(), StatusCode::OK, "{what}");
            let renewed: Value = renewed.json().await.unwrap();
            let fresh = renewed["access_token"].as_str().unwrap();
            for app in [&a, &b] {
                let (status, me) = app.get("/api/v1/me", fresh).await;
                assert_eq!(status, StatusCode::OK, "{what}: {me}");
            }
        } else {
            assert_eq!(renewed.status(), StatusCode::BAD_REQUEST, "{what}");
        }
    }
    // Changes that touch none of these keep the tokens.
    let person = a
        .create_user(&admin, org, &["professional"], "kept@example.test")
        .await;
    let (status, body) = a
        .patch(
            &format!("/api/v1/users/{}", person.id),
            &admin.token,
            json!({"name": "Andere Naam"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = b.get("/api/v1/me", &person.token).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_hourly_clean_up_forgets_old_tokens_and_failures() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let db = &app.state.db;
    let now = Utc::now();
    let token = |expires: chrono::DateTime<Utc>, revoked: Option<chrono::DateTime<Utc>>| {
        entity::refresh_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            family_id: Set(Uuid::now_v7()),
            user_id: Set(admin.id),
            token_hash: Set(Uuid::new_v4().simple().to_string()),
            created_at: Set(now - chrono::Duration::days(40)),
            expires_at: Set(expires),
            rotated_at: Set(None),
            revoked_at: Set(revoked),
        }
    };
    let expired = token(now - chrono::Duration::days(1), None)
        .insert(db)
        .await
        .unwrap();
    let revoked_long_ago = token(
        now + chrono::Duration::days(20),
        Some(now - chrono::Duration::days(2)),
    )
    .insert(db)
    .await
    .unwrap();
    let revoked_now = token(now + chrono::Duration::days(20), Some(now))
        .insert(db)
        .await
        .unwrap();
    let live = token(now + chrono::Duration::days(20), None)
        .insert(db)
        .await
        .unwrap();
    let failure = |at: chrono::DateTime<Utc>| entity::login_failure::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_hash: Set("0".repeat(64)),
        client_addr: Set("192.0.2.1".into()),
        failed_at: Set(at),
    };
    let old_failure = failure(now - chrono::Duration::hours(1))
        .insert(db)
        .await
        .unwrap();
    let new_failure = failure(now).insert(db).await.unwrap();

    academy::domain::auth::forget_old(db, now).await.unwrap();

    let kept = |id: Uuid| async move {
        entity::refresh_token::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .is_some()
    };
    assert!(!kept(expired.id).await, "expired");
    assert!(!kept(revoked_long_ago.id).await, "revoked two days ago");
    assert!(kept(revoked_now.id).await, "revoked today");
    assert!(kept(live.id).await, "live");
    let failure_kept = |id: Uuid| async move {
        entity::login_failure::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .is_some()
    };
    assert!(!failure_kept(old_failure.id).await);
    assert!(failure_kept(new_failure.id).await);
}

#[tokio::test]
async fn only_committed_catalogue_changes_drop_the_cache() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Aanbieder", "provider").await;
    let person = app
        .person(&admin, org, &["professional"], "p@example.test")
        .await;
    let edition = app.open_edition(&admin, 10, json!({"capacity": 5})).await;
    let ticket = || async {
        // On PostgreSQL the cache is in use once its listener runs.
        let start = Instant::now();
        loop {
            if let Some(t) = app.state.cache.ticket() {
                return t;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "cache never live"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let before = ticket().await;
    // Anonymous noise: unknown routes, wrong methods, refused and failing writes.
    let noise = [
        (Method::POST, "/api/v1/nothing-here".to_owned(), None),
        (Method::DELETE, "/api/v1/editions".to_owned(), None),
        (
            Method::POST,
            format!("/api/v1/editions/{edition}/registrations"),
            None,
        ),
        (Method::POST, "/api/v1/auth/revoke".to_owned(), None),
        (
            Method::PATCH,
            format!("/api/v1/editions/{edition}"),
            Some(person.token.as_str()),
        ),
        (
            Method::POST,
            format!("/api/v1/editions/{}/registrations", Uuid::now_v7()),
            Some(person.token.as_str()),
        ),
    ];
    for (method, path, token) in noise {
        let mut req = app.client.request(method, app.url(&path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.json(&json!({})).send().await.unwrap();
        assert!(!resp.status().is_success(), "{path}: {}", resp.status());
    }
    // Revoking an unknown token answers 200 (RFC 7009) but changes nothing cached.
    let resp = app
        .client
        .post(app.url("/api/v1/auth/revoke"))
        .form(&[("token", "nonsense")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(ticket().await, before, "noise dropped the cache");
    // A registration changes the seats the catalogue shows.
    let _ = app
        .create(
            &format!("/api/v1/editions/{edition}/registrations"),
            &person.token,
            json!({}),
        )
        .await;
    assert_ne!(
        ticket().await,
        before,
        "a registration must start a generation"
    );
}

#[tokio::test]
async fn a_new_signing_key_changes_no_feed_url_and_no_check_in_code() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let before = feed_path(&app, &admin.token).await;
    let check_in = app.state.check_in_secret;
    std::thread::sleep(Duration::from_millis(2));
    academy::auth::keys::generate_key_file(&app.data_dir().join("keys")).unwrap();
    let restarted = app.another_instance().await;
    assert_ne!(
        restarted.state.tokens.keys().signing().kid,
        app.state.tokens.keys().signing().kid,
        "the new key signs"
    );
    let admin_there = restarted.admin().await;
    assert_eq!(feed_path(&restarted, &admin_there.token).await, before);
    assert_eq!(restarted.state.check_in_secret, check_in);
    assert_eq!(get_raw(&restarted, &before).await, StatusCode::OK);
}

/// Everything the service logs, from the moment the capture starts (all tests of this
/// binary log into it; the secrets looked for are this test's own).
#[derive(Clone, Default)]
struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn start() -> Self {
        let capture = Self::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        capture
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Whether `digits` stands in `text` as a number of its own (not inside a longer one,
/// nor as the decimals of one).
fn holds_number(text: &str, digits: &str) -> bool {
    text.match_indices(digits).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + digits.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[tokio::test]
async fn no_secret_reaches_a_log_line() {
    let capture = Capture::start();
    let app = TestApp::spawn().await;
    let mut secrets: Vec<(&str, String)> = Vec::new();

    // Passwords, right and wrong; access and refresh tokens.
    let signed_in = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let wrong_password = format!("wrong-{}", Uuid::new_v4().simple());
    let resp = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", ADMIN_EMAIL),
            ("password", &wrong_password),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let token = signed_in["access_token"].as_str().unwrap().to_owned();
    let admin = Actor {
        id: Uuid::nil(),
        org: Uuid::nil(),
        email: ADMIN_EMAIL.into(),
        token: token.clone(),
    };
    let first_refresh = signed_in["refresh_token"].as_str().unwrap().to_owned();
    let renewed: Value = refresh(&app, &first_refresh).await.json().await.unwrap();
    let second_refresh = renewed["refresh_token"].as_str().unwrap().to_owned();
    // A reuse, and a revocation.
    assert_eq!(
        refresh(&app, &first_refresh).await.status(),
        StatusCode::BAD_REQUEST
    );
    let resp = app
        .client
        .post(app.url("/api/v1/auth/revoke"))
        .form(&[("token", second_refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    secrets.push(("password", ADMIN_PASSWORD.into()));
    secrets.push(("wrong password", wrong_password));
    secrets.push(("access token", token.clone()));
    secrets.push(("refresh token", first_refresh));
    secrets.push(("refresh token", second_refresh));

    // A partner client's secret, in the form and with HTTP Basic.
    let org = app.create_org(&admin, "Aanbieder", "provider").await;
    let (_, client) = app
        .create(
            "/api/v1/clients",
            &token,
            json!({"name": "Intranet", "organization_id": org, "scopes": ["catalog:read"]}),
        )
        .await;
    let client_id = client["client_id"].as_str().unwrap().to_owned();
    let client_secret = client["client_secret"].as_str().unwrap().to_owned();
    let resp = app
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    secrets.push(("client secret", client_secret));

    // The personal feed URL, polled as a calendar program does, and a wrong one.
    let feed = feed_path(&app, &token).await;
    assert_eq!(get_raw(&app, &feed).await, StatusCode::OK);
    let feed_token = feed
        .trim_start_matches("/api/v1/calendar/feeds/")
        .trim_end_matches(".ics")
        .to_owned();
    let made_up = format!("/api/v1/calendar/feeds/{}.ics", Uuid::new_v4().simple());
    assert_eq!(get_raw(&app, &made_up).await, StatusCode::NOT_FOUND);
    secrets.push(("feed token", feed_token));
    secrets.push(("made-up feed token", made_up));

    // A certificate's verification code, typed as people type it.
    let trainer = app
        .person(&admin, org, &["trainer"], "trainer@example.test")
        .await;
    let holder = app
        .person(&admin, org, &["professional"], "holder@example.test")
        .await;
    let (edition, sessions) =
        crate::certificates::past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    let reg = crate::certificates::enrol(&app, &admin, edition, &holder).await;
    let (status, body) = crate::certificates::mark(
        &app,
        &trainer.token,
        sessions[0],
        json!([{"registration_id": reg, "status": "present"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/close"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, certs) = app.get("/api/v1/me/certificates", &holder.token).await;
    let code = certs["items"][0]["code"].as_str().unwrap().to_owned();
    for typed in [code.clone(), code.to_lowercase(), code.replace('-', " ")] {
        let status = get_raw(&app, &format!("/api/v1/verify/{typed}")).await;
        assert_eq!(status, StatusCode::OK, "{typed}");
    }
    secrets.push(("verification code", code.clone()));
    secrets.push(("verification code", code.replace('-', "")));

    // A check-in code, right and wrong.
    let session = session_open_for_check_in(&app, &admin, &trainer, &[&holder]).await;
    let (status, shown) = app
        .get(
            &format!("/api/v1/sessions/{session}/check-in-code"),
            &trainer.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    let check_in_code = shown["code"].as_str().unwrap().to_owned();
    let wrong_code = format!(
        "{:06}",
        (check_in_code.parse::<u32>().unwrap() + 1) % 1_000_000
    );
    for typed in [&wrong_code, &check_in_code] {
        let (status, body) = app
            .post(
                &format!("/api/v1/sessions/{session}/check-in"),
                &holder.token,
                json!({"code": typed}),
            )
            .await;
        assert!(status.is_client_error() || status.is_success(), "{body}");
    }

    let log = capture.text();
    assert!(
        log.contains("/api/v1/calendar/feeds/[redacted]") && log.contains("/api/v1/verify/"),
        "the capture holds the requests"
    );
    for (what, secret) in &secrets {
        assert!(!log.contains(secret.as_str()), "a {what} reached the log");
    }
    for (what, digits) in [
        ("check-in code", &check_in_code),
        ("wrong check-in code", &wrong_code),
    ] {
        assert!(!holds_number(&log, digits), "a {what} reached the log");
    }
    // Nor a metric label.
    let text = metrics(&app).await;
    for (what, secret) in &secrets {
        assert!(!text.contains(secret.as_str()), "a {what} reached a metric");
    }
}
