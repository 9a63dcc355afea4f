//! Health, readiness, metrics, the served spec and docs, request ids, start and shutdown
//! of the real binary.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn health_ready_metrics_spec_and_docs() {
    let app = TestApp::spawn().await;
    let (status, body) = app.call(reqwest::Method::GET, "/health", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, body) = app.call(reqwest::Method::GET, "/ready", None, None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );

    // A request with an id gets it back; one without gets a fresh one.
    let resp = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "abc-123");
    let resp = app.client.get(app.url("/health")).send().await.unwrap();
    assert!(!resp.headers()["x-request-id"].is_empty());

    let _ = app
        .call(
            reqwest::Method::GET,
            "/api/v1/organizations/not-a-uuid",
            None,
            None,
        )
        .await;
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics
            .contains(r#"academy_http_requests_total{method="GET",route="/health",status="200"}"#),
        "{metrics}"
    );
    assert!(metrics.contains("academy_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("academy_db_pool_connections"));

    let spec: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["info"]["title"], "Academy API");
    assert!(spec["paths"]["/api/v1/me"].is_object());
    let docs = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_binary_starts_fast_and_drains_requests_on_sigterm() {
    let (_db, url) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_academy"))
        .arg("serve")
        .env("ACADEMY_DATABASE_URL", &url)
        .env("ACADEMY_LISTEN", format!("127.0.0.1:{port}"))
        .env("ACADEMY_DATA_DIR", dir.path().join("data"))
        .env("ACADEMY_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ACADEMY_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "warn")
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    loop {
        if let Ok(r) = client.get(format!("{base}/ready")).send().await
            && r.status() == StatusCode::OK
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "service did not become ready"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The signing key was generated into the data dir with mode 0600.
    let keys: Vec<_> = std::fs::read_dir(dir.path().join("data/keys"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "pem"))
        })
        .collect();
    assert_eq!(keys.len(), 1);

    // Sign-ins take a while (Argon2id); SIGTERM while they are in flight.
    let mut in_flight = Vec::new();
    // Five at most: more parallel sign-ins for one account meet the brute-force limit.
    for _ in 0..5 {
        let client = client.clone();
        let url = format!("{base}/api/v1/auth/token");
        in_flight.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&[
                    ("grant_type", "password"),
                    ("username", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                ])
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    tokio::time::sleep(Duration::from_millis(20)).await;
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    for task in in_flight {
        let status = task
            .await
            .unwrap()
            .expect("a request in flight was dropped");
        assert_eq!(status, StatusCode::OK);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "service did not stop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "exit status {status:?}");
}

#[tokio::test]
async fn the_command_line_creates_an_admin_with_the_password_from_stdin() {
    use std::io::Write;
    let (_db, url) = TestDb::create().await;
    let dir = tempfile::tempdir().unwrap();
    let run = |stdin: &'static str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_academy"))
            .args([
                "user",
                "create-admin",
                "--email",
                "Coordinator@Academy.test",
            ])
            .env("ACADEMY_DATABASE_URL", &url)
            .env("ACADEMY_DATA_DIR", dir.path().join("data"))
            .env("RUST_LOG", "warn")
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let short = run("short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    let ok = run("a-good-password\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("coordinator@academy.test"));

    // The admin can sign in through the service on the same database.
    let conn = academy::db::connect(&url, 2).await.unwrap();
    let view =
        academy::domain::users::create_admin(&conn, "coordinator@academy.test", "a-good-password")
            .await
            .unwrap();
    assert_eq!(view.roles, vec![entity::Role::Admin]);
    let openapi = Command::new(env!("CARGO_BIN_EXE_academy"))
        .arg("openapi")
        .output()
        .unwrap();
    assert!(openapi.status.success());
    let spec: Value = serde_json::from_slice(&openapi.stdout).unwrap();
    assert!(spec["paths"]["/api/v1/auth/token"].is_object());
}
