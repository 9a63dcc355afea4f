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
    // "Authorize" signs in at the token endpoint: the password grant for people, client
    // credentials for partner clients; every operation that takes a token names it.
    let oauth2 = &spec["components"]["securitySchemes"]["oauth2"];
    let token_url = format!(
        "{}/api/v1/auth/token",
        spec["servers"][0]["url"].as_str().unwrap()
    );
    assert_eq!(oauth2["flows"]["password"]["tokenUrl"], token_url.as_str());
    assert_eq!(
        oauth2["flows"]["clientCredentials"]["tokenUrl"],
        token_url.as_str()
    );
    let scopes = oauth2["flows"]["clientCredentials"]["scopes"]
        .as_object()
        .unwrap();
    assert!(scopes.contains_key("users:read") && scopes.contains_key("certificates:read"));
    let me = &spec["paths"]["/api/v1/me"]["get"]["security"];
    assert_eq!(me, &serde_json::json!([{"bearerAuth": []}, {"oauth2": []}]));
    let catalogue = &spec["paths"]["/api/v1/editions"]["get"]["security"];
    assert_eq!(
        catalogue,
        &serde_json::json!([{"bearerAuth": []}, {"oauth2": []}, {}])
    );

    // The docs page loads the served document rather than a copy of its own.
    let docs = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    let page = docs.text().await.unwrap();
    assert!(page.contains("SwaggerUIBundle"));
    assert!(
        page.contains(r#"url: "/openapi.json","#),
        "the page loads /openapi.json"
    );
    assert!(!page.contains("\"openapi\": \"3.0"), "no document embedded");
    assert!(page.len() < 2_000_000, "{} bytes", page.len());
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

/// Reads a whole response as raw bytes, with its headers, whatever its encoding.
async fn raw(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

fn decoded(encoding: &str, body: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    match encoding {
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .unwrap(),
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .unwrap(),
        other => panic!("unexpected encoding {other}"),
    };
    out
}

#[tokio::test]
async fn responses_are_compressed_as_the_client_accepts() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    // The document and the docs page, brotli or gzip as asked, the same bytes once decoded.
    let (_, plain_headers, plain) = raw(&app, "/openapi.json", None, &[]).await;
    assert!(plain_headers.get("content-encoding").is_none());
    for (path, accept, encoding) in [
        ("/openapi.json", "gzip, deflate, br", "br"),
        ("/openapi.json", "gzip", "gzip"),
        ("/docs", "br;q=0.5, gzip", "gzip"),
    ] {
        let (status, headers, body) = raw(&app, path, None, &[("accept-encoding", accept)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-encoding"], encoding, "{path} {accept}");
        assert_eq!(headers["vary"], "accept-encoding");
        let (_, _, identity) = raw(&app, path, None, &[]).await;
        assert_eq!(decoded(encoding, &body), identity, "{path}");
        assert!(
            body.len() * 3 < identity.len(),
            "{path}: {} of {}",
            body.len(),
            identity.len()
        );
    }
    assert_eq!(
        plain.len(),
        raw(&app, "/openapi.json", None, &[]).await.2.len()
    );

    // Refused encodings and small answers go as they are.
    let (_, headers, _) = raw(
        &app,
        "/openapi.json",
        None,
        &[("accept-encoding", "br;q=0, gzip;q=0")],
    )
    .await;
    assert!(headers.get("content-encoding").is_none());
    let (_, headers, body) = raw(&app, "/health", None, &[("accept-encoding", "br")]).await;
    assert!(headers.get("content-encoding").is_none());
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["status"],
        "ok"
    );

    // A streamed CSV report.
    let csv = [("accept", "text/csv"), ("accept-encoding", "gzip")];
    let (status, headers, body) = raw(
        &app,
        "/api/v1/reports/completions",
        Some(&admin.token),
        &csv,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "gzip");
    let (_, _, identity) = raw(
        &app,
        "/api/v1/reports/completions",
        Some(&admin.token),
        &csv[..1],
    )
    .await;
    assert_eq!(decoded("gzip", &body), identity);

    // A calendar: the compressed feed's ETag is weak and still answers If-None-Match.
    let edition = app
        .open_edition(&admin, 10, serde_json::json!({"capacity": 10}))
        .await;
    let path = format!("/api/v1/editions/{edition}/calendar.ics");
    let (_, plain_headers, identity) = raw(&app, &path, None, &[]).await;
    let (status, headers, body) = raw(&app, &path, None, &[("accept-encoding", "br")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(decoded("br", &body), identity);
    let strong = plain_headers["etag"].to_str().unwrap();
    let weak = headers["etag"].to_str().unwrap();
    assert_eq!(weak, format!("W/{strong}"));
    let (status, _, _) = raw(
        &app,
        &path,
        None,
        &[("accept-encoding", "br"), ("if-none-match", weak)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}
