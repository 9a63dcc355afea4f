//! The catalogue cache: every change shows at once, on every instance.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

use super::support::*;

/// The one edition on the first public catalogue page.
async fn listed(app: &TestApp, path: &str) -> Value {
    let (status, page) = anon_get(app, path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

#[tokio::test]
async fn cached_catalogue_pages_show_every_change_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(
        &app,
        &admin,
        "Verklarende analyse",
        "workshop",
        &["analyse"],
    )
    .await;
    let e = published_on(&app, &admin, c, 10, &[]).await;
    let list = "/api/v1/editions?limit=50";
    let of_course = format!("/api/v1/courses/{c}/editions");
    // Read twice: the second read comes from the cache.
    for _ in 0..2 {
        assert_eq!(listed(&app, list).await["items"][0]["capacity"], 20);
        assert_eq!(listed(&app, &of_course).await["items"][0]["capacity"], 20);
    }

    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{e}"),
            &admin.token,
            json!({"capacity": 35}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(listed(&app, list).await["items"][0]["capacity"], 35);
    assert_eq!(listed(&app, &of_course).await["items"][0]["capacity"], 35);

    let (status, body) = app
        .patch(
            &format!("/api/v1/courses/{c}"),
            &admin.token,
            json!({"title": "Verklarende analyse (herzien)"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        listed(&app, list).await["items"][0]["course_title"],
        "Verklarende analyse (herzien)"
    );

    let (status, body) =
        post_empty(&app, &format!("/api/v1/editions/{e}/cancel"), &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(listed(&app, list).await["items"], json!([]));
    assert_eq!(listed(&app, &of_course).await["items"], json!([]));

    // A cached page of a course does not outlive the course.
    let empty = course(&app, &admin, "Nog te plannen", "lecture", &[]).await;
    let path = format!("/api/v1/courses/{empty}/editions");
    assert_eq!(listed(&app, &path).await["items"], json!([]));
    let (status, _) = delete(&app, &format!("/api/v1/courses/{empty}"), &admin.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = anon_get(&app, &path).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn signed_in_and_bad_tokens_are_not_answered_from_the_cache() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Waardevrij rapporteren", "workshop", &[]).await;
    published_on(&app, &admin, c, 5, &[]).await;
    let draft = edition(&app, &admin, c, &[]).await;
    let list = "/api/v1/editions";
    assert_eq!(
        listed(&app, list).await["items"].as_array().unwrap().len(),
        1
    );
    // A bad token is refused even when the public page is cached.
    let (status, body) = app.get(list, "not-a-token").await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
    // Other states depend on who asks and are never shared.
    let (status, page) = app.get(&format!("{list}?status=draft"), &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"][0]["id"], draft.to_string());
    let (status, body) = anon_get(&app, &format!("{list}?status=draft")).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn another_instance_drops_its_cached_pages_when_one_changes_something() {
    let a = TestApp::spawn().await;
    if !a.db.is_postgres() {
        // One process serves an SQLite database; instances share PostgreSQL.
        return;
    }
    let b = a.another_instance().await;
    let admin = a.admin().await;
    let c = course(
        &a,
        &admin,
        "Kindermishandeling en de meldcode",
        "workshop",
        &[],
    )
    .await;
    let e = published_on(&a, &admin, c, 3, &[]).await;
    let list = "/api/v1/editions?limit=10";
    // Wait until B listens (a page served from the cache proves it), then cache the page.
    let started = std::time::Instant::now();
    while b.state.cache.ticket().is_none() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "B never listened"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(listed(&b, list).await["items"][0]["capacity"], 20);
    assert_eq!(listed(&b, list).await["items"][0]["capacity"], 20);

    let (status, body) = a
        .patch(
            &format!("/api/v1/editions/{e}"),
            &admin.token,
            json!({"capacity": 21}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let changed = std::time::Instant::now();
    loop {
        if listed(&b, list).await["items"][0]["capacity"] == 21 {
            break;
        }
        // Well before the cache's own age limit: only the announcement can explain it.
        assert!(
            changed.elapsed() < academy::cache::MAX_AGE / 2,
            "instance B kept serving the old page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}
