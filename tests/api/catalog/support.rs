//! What the catalogue tests share: reading answers and building courses, editions and
//! sessions.

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Parses a timestamp the API returned.
pub(super) fn parse_ts(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("timestamp: {v}")))
        .expect("rfc 3339")
        .with_timezone(&Utc)
}

/// The ids of a page's items, in order.
pub(super) fn item_ids(body: &Value) -> Vec<Uuid> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {body}"))
        .iter()
        .map(id_of)
        .collect()
}

/// The fields named in a validation problem.
pub(super) fn error_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts a 422 `validation_failed` that names `field` among its errors.
pub(super) fn assert_invalid(status: StatusCode, body: &Value, field: &str) {
    assert_problem(
        status,
        body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let fields = error_fields(body);
    assert!(
        fields.iter().any(|f| f == field),
        "expected an error on `{field}`, got {fields:?}: {body}"
    );
}

pub(super) async fn anon_get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    app.call(Method::GET, path, None, None).await
}

/// A POST without a body (lifecycle steps, archive).
pub(super) async fn post_empty(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    app.call(Method::POST, path, Some(token), None).await
}

pub(super) async fn delete(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    app.call(Method::DELETE, path, Some(token), None).await
}

/// Creates a course from a full body; panics unless 201.
pub(super) async fn create_course_with(app: &TestApp, admin: &Actor, body: Value) -> Value {
    let (_, course) = app.create("/api/v1/courses", &admin.token, body).await;
    course
}

/// Creates a course of a kind with topics.
pub(super) async fn course(
    app: &TestApp,
    admin: &Actor,
    title: &str,
    kind: &str,
    topics: &[&str],
) -> Uuid {
    let body = create_course_with(
        app,
        admin,
        json!({"title": title, "kind": kind, "topics": topics, "description": "A course."}),
    )
    .await;
    id_of(&body)
}

/// Creates a draft edition from a full body; panics unless 201.
pub(super) async fn create_edition_with(
    app: &TestApp,
    admin: &Actor,
    course: Uuid,
    body: Value,
) -> Value {
    let (_, edition) = app
        .create(
            &format!("/api/v1/courses/{course}/editions"),
            &admin.token,
            body,
        )
        .await;
    edition
}

/// A draft edition with 20 seats and the given trainers.
pub(super) async fn edition(app: &TestApp, admin: &Actor, course: Uuid, trainers: &[Uuid]) -> Uuid {
    let body = create_edition_with(
        app,
        admin,
        course,
        json!({"capacity": 20, "trainer_ids": trainers, "location": "Utrecht"}),
    )
    .await;
    id_of(&body)
}

/// Adds a session; panics unless 201.
pub(super) async fn session(
    app: &TestApp,
    admin: &Actor,
    edition: Uuid,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
) -> Value {
    let (_, body) = app
        .create(
            &format!("/api/v1/editions/{edition}/sessions"),
            &admin.token,
            json!({"starts_at": ts(starts), "ends_at": ts(ends)}),
        )
        .await;
    body
}

/// Publishes; panics unless 200.
pub(super) async fn publish(app: &TestApp, admin: &Actor, edition: Uuid) -> Value {
    let (status, body) = post_empty(
        app,
        &format!("/api/v1/editions/{edition}/publish"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "published", "{body}");
    body
}

/// A published edition whose one session runs `days` from today, 09:00–12:00.
pub(super) async fn published_on(
    app: &TestApp,
    admin: &Actor,
    course: Uuid,
    days: i64,
    trainers: &[Uuid],
) -> Uuid {
    let e = edition(app, admin, course, trainers).await;
    session(app, admin, e, at(days, 9), at(days, 12)).await;
    publish(app, admin, e).await;
    e
}

pub(super) fn accreditation<'a>(course: &'a Value, register: &str) -> Option<&'a Value> {
    course["accreditations"]
        .as_array()
        .expect("accreditations")
        .iter()
        .find(|a| a["register"] == register)
}
