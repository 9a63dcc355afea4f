//! The catalogue: courses (topics, accreditations, completion rule, archive), editions
//! (lifecycle, visibility, trainers, seat figures), the public catalogue query (filters,
//! order, paging) and sessions (validation, revisions, removal).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Parses a timestamp the API returned.
fn parse_ts(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("timestamp: {v}")))
        .expect("rfc 3339")
        .with_timezone(&Utc)
}

/// The ids of a page's items, in order.
fn item_ids(body: &Value) -> Vec<Uuid> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items in {body}"))
        .iter()
        .map(id_of)
        .collect()
}

/// The fields named in a validation problem.
fn error_fields(body: &Value) -> Vec<String> {
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
fn assert_invalid(status: StatusCode, body: &Value, field: &str) {
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

async fn anon_get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    app.call(Method::GET, path, None, None).await
}

/// A POST without a body (lifecycle steps, archive).
async fn post_empty(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    app.call(Method::POST, path, Some(token), None).await
}

async fn delete(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    app.call(Method::DELETE, path, Some(token), None).await
}

/// Creates a course from a full body; panics unless 201.
async fn create_course_with(app: &TestApp, admin: &Actor, body: Value) -> Value {
    let (_, course) = app.create("/api/v1/courses", &admin.token, body).await;
    course
}

/// Creates a course of a kind with topics.
async fn course(app: &TestApp, admin: &Actor, title: &str, kind: &str, topics: &[&str]) -> Uuid {
    let body = create_course_with(
        app,
        admin,
        json!({"title": title, "kind": kind, "topics": topics, "description": "A course."}),
    )
    .await;
    id_of(&body)
}

/// Creates a draft edition from a full body; panics unless 201.
async fn create_edition_with(app: &TestApp, admin: &Actor, course: Uuid, body: Value) -> Value {
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
async fn edition(app: &TestApp, admin: &Actor, course: Uuid, trainers: &[Uuid]) -> Uuid {
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
async fn session(
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
async fn publish(app: &TestApp, admin: &Actor, edition: Uuid) -> Value {
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
async fn published_on(
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

fn accreditation<'a>(course: &'a Value, register: &str) -> Option<&'a Value> {
    course["accreditations"]
        .as_array()
        .expect("accreditations")
        .iter()
        .find(|a| a["register"] == register)
}

// ---------------------------------------------------------------------------------------
// 1. Courses
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn course_is_created_with_normalised_topics_and_accreditations() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let resp = app
        .client
        .post(app.url("/api/v1/courses"))
        .bearer_auth(&admin.token)
        .json(&json!({
            "title": "Traumasensitief werken",
            "kind": "training",
            "topics": ["Trauma", " trauma ", "JEUGD", "Hechting", "hechting"],
            "description": "Drie dagdelen over trauma.",
            "target_audience": "Jeugdprofessionals",
            "hours": 12.5,
            "accreditations": [
                {"register": "SKJ", "number": "SKJ-2025-001", "points": 12,
                 "valid_from": "2025-01-01", "valid_until": "2027-12-31"},
                {"register": "BIG", "number": "BIG-77", "points": 2.5}
            ],
            "completion": {"min_attendance_percent": 87.5}
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    let created: Value = resp.json().await.expect("json");
    let id = id_of(&created);
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/courses/{id}").as_str())
    );

    assert_eq!(created["title"], "Traumasensitief werken");
    assert_eq!(created["kind"], "training");
    assert_eq!(
        created["topics"],
        json!(["hechting", "jeugd", "trauma"]),
        "{created}"
    );
    assert_eq!(created["hours"], 12.5);
    assert_eq!(created["completion"]["min_attendance_percent"], 87.5);
    assert_eq!(created["archived"], false);
    assert_eq!(created["accreditations"].as_array().map(Vec::len), Some(2));
    let skj = accreditation(&created, "SKJ").expect("SKJ accreditation");
    assert_eq!(skj["number"], "SKJ-2025-001");
    assert_eq!(skj["points"], 12.0);
    assert_eq!(skj["valid_from"], "2025-01-01");
    assert_eq!(skj["valid_until"], "2027-12-31");
    let big = accreditation(&created, "BIG").expect("BIG accreditation");
    assert_eq!(big["points"], 2.5);
    assert!(big["valid_from"].is_null(), "{big}");

    // What was stored is what a reader sees, without a token.
    let (status, fetched) = anon_get(&app, &format!("/api/v1/courses/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{fetched}");
    assert_eq!(fetched["topics"], created["topics"]);
    assert_eq!(fetched["accreditations"], created["accreditations"]);
    assert_eq!(fetched["completion"], created["completion"]);

    // Without a completion rule, every session is required.
    let plain = create_course_with(
        &app,
        &admin,
        json!({"title": "Lezing hechting", "kind": "lecture"}),
    )
    .await;
    assert_eq!(plain["completion"]["min_attendance_percent"], 100.0);
    assert_eq!(plain["topics"], json!([]));
    assert_eq!(plain["accreditations"], json!([]));
    assert!(plain["hours"].is_null(), "{plain}");
}

#[tokio::test]
async fn course_validation_names_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let base = |extra: Value| {
        let mut b = json!({"title": "Valid title", "kind": "workshop"});
        for (k, v) in extra.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };

    // One accreditation per register: the second one is named.
    let (status, body) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            base(json!({"accreditations": [
                {"register": "SKJ", "number": "A-1", "points": 3},
                {"register": "SKJ", "number": "A-2", "points": 4}
            ]})),
        )
        .await;
    assert_invalid(status, &body, "accreditations[1].register");

    // The attendance rule: more than 0, at most 100.
    for bad in [0.0, -5.0, 100.5] {
        let (status, body) = app
            .post(
                "/api/v1/courses",
                &admin.token,
                base(json!({"completion": {"min_attendance_percent": bad}})),
            )
            .await;
        assert_problem(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert!(
            error_fields(&body)
                .iter()
                // Named without its parent: see `nested_and_missing_fields_are_named_as_in_the_request`.
                .any(|f| f.ends_with("min_attendance_percent")),
            "{bad}: {body}"
        );
    }
    for ok in [87.5, 100.0, 0.5] {
        let (status, body) = app
            .post(
                "/api/v1/courses",
                &admin.token,
                base(json!({"completion": {"min_attendance_percent": ok}})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{ok}: {body}");
        assert_eq!(body["completion"]["min_attendance_percent"], ok);
    }

    // Hours: more than 0, at most 1000.
    for bad in [0.0, -1.0, 1000.5] {
        let (status, body) = app
            .post("/api/v1/courses", &admin.token, base(json!({"hours": bad})))
            .await;
        assert_invalid(status, &body, "hours");
    }
    let (_, body) = app
        .create(
            "/api/v1/courses",
            &admin.token,
            base(json!({"hours": 1000})),
        )
        .await;
    assert_eq!(body["hours"], 1000.0);

    // Points between 0 and 1000; valid_until not before valid_from.
    let (status, body) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            base(json!({"accreditations": [
                {"register": "NIP", "number": "N-1", "points": 2,
                 "valid_from": "2026-06-01", "valid_until": "2026-01-01"}
            ]})),
        )
        .await;
    assert_invalid(status, &body, "accreditations[0].valid_until");

    // An e-learning module is completed when marked done: no partial attendance.
    let (status, body) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Module", "kind": "elearning", "completion": {"min_attendance_percent": 80}}),
        )
        .await;
    assert_invalid(status, &body, "completion.min_attendance_percent");

    // Blank title and blank topics.
    let (status, body) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "   ", "kind": "lecture"}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (status, body) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            base(json!({"topics": ["ok", "  "]})),
        )
        .await;
    assert_invalid(status, &body, "topics[1]");

    // Nothing invalid was stored: only the four valid courses above exist.
    let (status, list) = app.get("/api/v1/courses", &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(item_ids(&list).len(), 4, "{list}");
}

#[tokio::test]
async fn courses_are_public_to_read_and_admin_only_to_write() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Gemeente Zwolle", "municipality")
        .await;
    let pro = app
        .create_user(&admin, org, &["professional"], "pro@courses-public.test")
        .await;
    let trainer = app
        .create_user(&admin, org, &["trainer"], "trainer@courses-public.test")
        .await;
    let hr = app
        .create_user(&admin, org, &["hr"], "hr@courses-public.test")
        .await;
    let partner = app.client_token(&admin, org, &["catalog:read"]).await;
    let id = course(&app, &admin, "Publieke cursus", "lecture", &["ouderschap"]).await;

    // Anyone reads, without a token.
    let (status, list) = anon_get(&app, "/api/v1/courses").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(item_ids(&list), vec![id]);
    assert!(list["next_cursor"].is_null(), "{list}");
    let (status, one) = anon_get(&app, &format!("/api/v1/courses/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["title"], "Publieke cursus");
    let (status, body) = anon_get(&app, &format!("/api/v1/courses/{}", Uuid::now_v7())).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");

    // And with any valid token.
    for token in [&pro.token, &trainer.token, &hr.token, &partner] {
        let (status, list) = app.get("/api/v1/courses", token).await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(item_ids(&list), vec![id]);
    }

    // A token that is sent must be valid, even where none is needed.
    let (status, body) = app
        .call(Method::GET, "/api/v1/courses", Some("not-a-jwt"), None)
        .await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
    let (status, body) = app
        .call(Method::GET, "/api/v1/editions", Some("not-a-jwt"), None)
        .await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");

    // Writing is for admins: 403 for every other signed-in caller, 401 without a token.
    let new = json!({"title": "Nope", "kind": "lecture"});
    let patch = json!({"title": "Changed"});
    for token in [&pro.token, &trainer.token, &hr.token, &partner] {
        let (status, body) = app.post("/api/v1/courses", token, new.clone()).await;
        assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, body) = app
            .patch(&format!("/api/v1/courses/{id}"), token, patch.clone())
            .await;
        assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, body) = delete(&app, &format!("/api/v1/courses/{id}"), token).await;
        assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
        let (status, body) =
            post_empty(&app, &format!("/api/v1/courses/{id}/archive"), token).await;
        assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let (status, body) = app
        .call(Method::POST, "/api/v1/courses", None, Some(new))
        .await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
    let (status, body) = app
        .call(Method::DELETE, &format!("/api/v1/courses/{id}"), None, None)
        .await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");

    // Nothing changed.
    let (_, one) = anon_get(&app, &format!("/api/v1/courses/{id}")).await;
    assert_eq!(one["title"], "Publieke cursus");
    assert_eq!(one["archived"], false);
}

/// `GET /api/v1/courses/{id}` ignores the Authorization header: a bad token is served as
/// anonymous, while every other public endpoint answers 401 `invalid_token`.
#[tokio::test]
async fn bad_token_on_get_course_is_invalid_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = course(&app, &admin, "Tokencheck", "lecture", &[]).await;
    let e = published_on(&app, &admin, id, 5, &[]).await;

    for path in [
        "/api/v1/courses".to_owned(),
        format!("/api/v1/courses/{id}/editions"),
        format!("/api/v1/editions/{e}"),
        format!("/api/v1/editions/{e}/sessions"),
        format!("/api/v1/courses/{id}"),
    ] {
        let (status, body) = app.call(Method::GET, &path, Some("not-a-jwt"), None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "GET {path} with a bad token: {body}"
        );
        assert_eq!(body["code"], "invalid_token", "GET {path}: {body}");
    }
}

#[tokio::test]
async fn course_patch_replaces_topics_and_accreditations() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = create_course_with(
        &app,
        &admin,
        json!({
            "title": "Gespreksvoering",
            "kind": "workshop",
            "topics": ["communicatie", "ouders"],
            "hours": 3,
            "accreditations": [
                {"register": "SKJ", "number": "S-1", "points": 3},
                {"register": "NVO", "number": "V-1", "points": 3}
            ]
        }),
    )
    .await;
    let id = id_of(&created);
    let path = format!("/api/v1/courses/{id}");

    // A title alone leaves the lists as they are.
    let (status, body) = app
        .patch(
            &path,
            &admin.token,
            json!({"title": "Gespreksvoering met ouders"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["title"], "Gespreksvoering met ouders");
    assert_eq!(body["topics"], json!(["communicatie", "ouders"]));
    assert_eq!(body["accreditations"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["hours"], 3.0);

    // Lists given are replaced wholesale, with the same normalisation as on create.
    let (status, body) = app
        .patch(
            &path,
            &admin.token,
            json!({
                "topics": ["Gezinnen", "GEZINNEN", "Communicatie"],
                "accreditations": [{"register": "NIP", "number": "N-9", "points": 1.5}],
                "completion": {"min_attendance_percent": 75},
                "hours": 4.5
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["topics"], json!(["communicatie", "gezinnen"]));
    assert_eq!(
        body["accreditations"].as_array().map(Vec::len),
        Some(1),
        "{body}"
    );
    assert_eq!(accreditation(&body, "NIP").expect("NIP")["number"], "N-9");
    assert!(accreditation(&body, "SKJ").is_none(), "{body}");
    assert_eq!(body["completion"]["min_attendance_percent"], 75.0);
    assert_eq!(body["hours"], 4.5);

    // The replacement is what is stored.
    let (_, fetched) = anon_get(&app, &path).await;
    assert_eq!(fetched["topics"], json!(["communicatie", "gezinnen"]));
    assert_eq!(fetched["accreditations"], body["accreditations"]);

    // An invalid replacement changes nothing.
    let (status, problem) = app
        .patch(
            &path,
            &admin.token,
            json!({"topics": ["x"], "accreditations": [
                {"register": "BIG", "number": "B-1", "points": 1},
                {"register": "BIG", "number": "B-2", "points": 1}
            ]}),
        )
        .await;
    assert_invalid(status, &problem, "accreditations[1].register");
    let (status, problem) = app
        .patch(
            &path,
            &admin.token,
            json!({"completion": {"min_attendance_percent": 0}}),
        )
        .await;
    assert_problem(
        status,
        &problem,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (_, fetched) = anon_get(&app, &path).await;
    assert_eq!(fetched["topics"], json!(["communicatie", "gezinnen"]));
    assert_eq!(fetched["accreditations"], body["accreditations"]);
    assert_eq!(fetched["completion"]["min_attendance_percent"], 75.0);

    // Empty lists clear them.
    let (status, body) = app
        .patch(
            &path,
            &admin.token,
            json!({"topics": [], "accreditations": []}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["topics"], json!([]));
    assert_eq!(body["accreditations"], json!([]));

    // An unknown course is 404.
    let (status, problem) = app
        .patch(
            &format!("/api/v1/courses/{}", Uuid::now_v7()),
            &admin.token,
            json!({"title": "Ghost"}),
        )
        .await;
    assert_problem(status, &problem, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn only_a_course_without_editions_is_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;

    let unused = course(&app, &admin, "Nooit gegeven", "lecture", &["oud"]).await;
    let (status, body) = delete(&app, &format!("/api/v1/courses/{unused}"), &admin.token).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert!(body.is_null(), "204 has no body: {body}");
    let (status, body) = anon_get(&app, &format!("/api/v1/courses/{unused}")).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = delete(&app, &format!("/api/v1/courses/{unused}"), &admin.token).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (_, list) = anon_get(&app, "/api/v1/courses").await;
    assert!(!item_ids(&list).contains(&unused), "{list}");

    // A course with an edition (even a draft one) is kept.
    let used = course(&app, &admin, "Gegeven cursus", "workshop", &[]).await;
    edition(&app, &admin, used, &[]).await;
    let (status, body) = delete(&app, &format!("/api/v1/courses/{used}"), &admin.token).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "course_has_editions");
    let (status, body) = anon_get(&app, &format!("/api/v1/courses/{used}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Nor can its kind change any more.
    let (status, body) = app
        .patch(
            &format!("/api/v1/courses/{used}"),
            &admin.token,
            json!({"kind": "lecture"}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "course_has_editions");
}

#[tokio::test]
async fn archived_course_leaves_the_catalogue_until_restored() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Jeugdzorg Noord", "provider").await;
    let pro = app
        .create_user(&admin, org, &["professional"], "pro@archive.test")
        .await;
    let keep = course(&app, &admin, "Blijft staan", "lecture", &["a"]).await;
    let old = course(&app, &admin, "Wordt gearchiveerd", "training", &["a"]).await;
    let draft = edition(&app, &admin, old, &[]).await;
    session(&app, &admin, draft, at(10, 9), at(10, 12)).await;

    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/courses/{old}/archive"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["archived"], true);

    // Out of the public list, for everyone; still readable by id.
    let (_, list) = anon_get(&app, "/api/v1/courses").await;
    assert_eq!(item_ids(&list), vec![keep]);
    let (_, list) = app.get("/api/v1/courses", &admin.token).await;
    assert_eq!(
        item_ids(&list),
        vec![keep],
        "admins see archived ones only on request"
    );
    let (_, list) = anon_get(&app, "/api/v1/courses?topic=a").await;
    assert_eq!(item_ids(&list), vec![keep]);
    let (status, body) = anon_get(&app, &format!("/api/v1/courses/{old}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["archived"], true);

    // include_archived is for admins.
    let (status, body) = anon_get(&app, "/api/v1/courses?include_archived=true").await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .get("/api/v1/courses?include_archived=true", &pro.token)
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, list) = app
        .get("/api/v1/courses?include_archived=true", &admin.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let ids = item_ids(&list);
    assert!(ids.contains(&keep) && ids.contains(&old), "{list}");
    assert_eq!(ids.len(), 2);

    // No new editions, and its drafts cannot be published.
    let (status, body) = app
        .post(
            &format!("/api/v1/courses/{old}/editions"),
            &admin.token,
            json!({"capacity": 5}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "course_archived");
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{draft}/publish"),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "course_archived");

    // Restored: back in the list, and it takes editions again.
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/courses/{old}/unarchive"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["archived"], false);
    let (_, list) = anon_get(&app, "/api/v1/courses").await;
    assert_eq!(item_ids(&list), vec![keep, old]);
    publish(&app, &admin, draft).await;
    create_edition_with(&app, &admin, old, json!({"capacity": 5})).await;

    // Unknown course.
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/courses/{}/archive", Uuid::now_v7()),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

// ---------------------------------------------------------------------------------------
// 2. Edition lifecycle
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn edition_is_created_as_draft_and_published_once_it_has_a_session() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Levenscyclus", "workshop", &["x"]).await;

    let resp = app
        .client
        .post(app.url(&format!("/api/v1/courses/{c}/editions")))
        .bearer_auth(&admin.token)
        .json(&json!({"capacity": 15, "location": "Amersfoort", "online_url": "https://meet.example/abc"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    let created: Value = resp.json().await.expect("json");
    let e = id_of(&created);
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/editions/{e}").as_str())
    );
    assert_eq!(created["status"], "draft");
    assert_eq!(created["course_id"], c.to_string());
    assert_eq!(created["course_title"], "Levenscyclus");
    assert_eq!(created["course_kind"], "workshop");
    assert_eq!(created["location"], "Amersfoort");
    assert_eq!(created["online_url"], "https://meet.example/abc");
    assert_eq!(created["waitlist_enabled"], true);
    assert_eq!(created["requires_approval"], false);
    assert_eq!(created["trainer_ids"], json!([]));
    assert!(created["first_session_at"].is_null(), "{created}");

    // No sessions yet.
    let (status, body) =
        post_empty(&app, &format!("/api/v1/editions/{e}/publish"), &admin.token).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "no_sessions");
    let (_, body) = app
        .get(&format!("/api/v1/editions/{e}"), &admin.token)
        .await;
    assert_eq!(body["status"], "draft");

    session(&app, &admin, e, at(7, 13), at(7, 17)).await;
    let published = publish(&app, &admin, e).await;
    assert_eq!(parse_ts(&published["first_session_at"]), at(7, 13));
    assert_eq!(parse_ts(&published["last_session_at"]), at(7, 17));

    // Publishing twice is not a transition.
    let (status, body) =
        post_empty(&app, &format!("/api/v1/editions/{e}/publish"), &admin.token).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "invalid_transition");

    // Now public.
    let (status, body) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "published");

    // A published edition is still editable.
    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{e}"),
            &admin.token,
            json!({"location": "Zwolle", "online_url": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["location"], "Zwolle");
    assert!(body["online_url"].is_null(), "{body}");
    assert_eq!(body["status"], "published");

    // Editions of an unknown course, or an unknown edition.
    let (status, body) = app
        .post(
            &format!("/api/v1/courses/{}/editions", Uuid::now_v7()),
            &admin.token,
            json!({"capacity": 5}),
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{}/publish", Uuid::now_v7()),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn edition_is_cancelled_from_draft_or_published_and_then_frozen() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org annuleren", "provider").await;
    let pro = app
        .create_user(&admin, org, &["professional"], "pro@cancel.test")
        .await;
    let c = course(&app, &admin, "Annuleren", "lecture", &[]).await;

    // From draft.
    let draft = edition(&app, &admin, c, &[]).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{draft}/cancel"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");

    // From published.
    let published = published_on(&app, &admin, c, 6, &[]).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{published}/cancel"),
        &pro.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{published}/cancel"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");

    // Gone from the public catalogue.
    let (status, body) = anon_get(&app, &format!("/api/v1/editions/{published}")).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (_, list) = anon_get(&app, "/api/v1/editions").await;
    assert!(item_ids(&list).is_empty(), "{list}");
    let (_, list) = app
        .get("/api/v1/editions?status=cancelled", &admin.token)
        .await;
    let mut ids = item_ids(&list);
    ids.sort();
    let mut expected = vec![draft, published];
    expected.sort();
    assert_eq!(ids, expected);

    for e in [draft, published] {
        for step in ["cancel", "publish", "close"] {
            let (status, body) =
                post_empty(&app, &format!("/api/v1/editions/{e}/{step}"), &admin.token).await;
            assert_problem(status, &body, StatusCode::CONFLICT, "invalid_transition");
        }
        let (status, body) = app
            .patch(
                &format!("/api/v1/editions/{e}"),
                &admin.token,
                json!({"capacity": 40}),
            )
            .await;
        assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_editable");
        let (status, body) = app
            .post(
                &format!("/api/v1/editions/{e}/sessions"),
                &admin.token,
                json!({"starts_at": ts(at(9, 9)), "ends_at": ts(at(9, 10))}),
            )
            .await;
        assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_editable");
        let (_, body) = app
            .get(&format!("/api/v1/editions/{e}"), &admin.token)
            .await;
        assert_eq!(body["status"], "cancelled");
        assert_eq!(body["capacity"], 20);
    }
}

#[tokio::test]
async fn edition_closes_only_when_its_sessions_are_over() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org sluiten", "provider").await;
    let trainer = app
        .create_user(&admin, org, &["trainer"], "trainer@close.test")
        .await;
    let other_trainer = app
        .create_user(&admin, org, &["trainer"], "other@close.test")
        .await;
    let c = course(&app, &admin, "Sluiten", "training", &[]).await;

    // A session still to come.
    let future = published_on(&app, &admin, c, 3, &[]).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{future}/close"),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "sessions_not_over");
    let (_, body) = anon_get(&app, &format!("/api/v1/editions/{future}")).await;
    assert_eq!(body["status"], "published");

    // A draft cannot be closed.
    let draft = edition(&app, &admin, c, &[]).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{draft}/close"),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "invalid_transition");

    // Every session in the past: it closes (by the admin).
    let past = edition(&app, &admin, c, &[]).await;
    session(&app, &admin, past, at(-10, 9), at(-10, 12)).await;
    session(&app, &admin, past, at(-3, 9), at(-3, 12)).await;
    app.publish_as_if_planned(&admin, past).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{past}/close"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "closed");

    // ...or by its own trainer, but not by another one.
    let taught = edition(&app, &admin, c, &[trainer.id]).await;
    session(&app, &admin, taught, at(-2, 9), at(-2, 12)).await;
    app.publish_as_if_planned(&admin, taught).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{taught}/close"),
        &other_trainer.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{taught}/close"),
        &trainer.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "closed");

    // Closed is final.
    for step in ["publish", "cancel", "close"] {
        let (status, body) = post_empty(
            &app,
            &format!("/api/v1/editions/{past}/{step}"),
            &admin.token,
        )
        .await;
        assert_problem(status, &body, StatusCode::CONFLICT, "invalid_transition");
    }
    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{past}"),
            &admin.token,
            json!({"location": "Elders"}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_editable");
    let (status, body) = app
        .post(
            &format!("/api/v1/editions/{past}/sessions"),
            &admin.token,
            json!({"starts_at": ts(at(-1, 9)), "ends_at": ts(at(-1, 10))}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_editable");
    let (_, body) = app
        .get(&format!("/api/v1/editions/{past}"), &admin.token)
        .await;
    assert_eq!(body["status"], "closed");
    assert_eq!(body["location"], "Utrecht");
}

#[tokio::test]
async fn elearning_edition_publishes_without_sessions_and_takes_none() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let module = create_course_with(
        &app,
        &admin,
        json!({"title": "E-learning meldcode", "kind": "elearning", "topics": ["meldcode"]}),
    )
    .await;
    assert_eq!(module["completion"]["min_attendance_percent"], 100.0);
    let c = id_of(&module);

    let e = edition(&app, &admin, c, &[]).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/editions/{e}/sessions"),
            &admin.token,
            json!({"starts_at": ts(at(4, 9)), "ends_at": ts(at(4, 10))}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::CONFLICT,
        "elearning_has_no_sessions",
    );

    let published = publish(&app, &admin, e).await;
    assert_eq!(published["course_kind"], "elearning");
    assert!(published["first_session_at"].is_null(), "{published}");

    let (status, body) = app
        .post(
            &format!("/api/v1/editions/{e}/sessions"),
            &admin.token,
            json!({"starts_at": ts(at(4, 9)), "ends_at": ts(at(4, 10))}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::CONFLICT,
        "elearning_has_no_sessions",
    );
    let (status, sessions) = anon_get(&app, &format!("/api/v1/editions/{e}/sessions")).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    assert_eq!(sessions, json!({"items": [], "next_cursor": null}));
    let (_, list) = anon_get(&app, "/api/v1/editions").await;
    assert_eq!(item_ids(&list), vec![e]);
}

// ---------------------------------------------------------------------------------------
// 3. Visibility, trainers and /me/teaching
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn drafts_are_seen_by_admins_and_their_own_trainers_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Zichtbaarheid", "provider").await;
    let pro = app
        .create_user(&admin, org, &["professional"], "pro@visibility.test")
        .await;
    let t1 = app
        .create_user(&admin, org, &["trainer"], "t1@visibility.test")
        .await;
    let t2 = app
        .create_user(&admin, org, &["trainer"], "t2@visibility.test")
        .await;
    let partner = app.client_token(&admin, org, &["catalog:read"]).await;
    let c = course(&app, &admin, "Zichtbaar", "workshop", &["zicht"]).await;

    let published = published_on(&app, &admin, c, 8, &[t1.id]).await;
    let d1 = edition(&app, &admin, c, &[t1.id]).await;
    session(&app, &admin, d1, at(9, 9), at(9, 12)).await;
    let d2 = edition(&app, &admin, c, &[t2.id]).await;
    let unassigned = edition(&app, &admin, c, &[]).await;

    // Outsiders: published only.
    let outsiders: [(&str, Option<&str>); 3] = [
        ("anonymous", None),
        ("professional", Some(pro.token.as_str())),
        ("partner client", Some(partner.as_str())),
    ];
    for (who, token) in outsiders {
        let (status, list) = app.call(Method::GET, "/api/v1/editions", token, None).await;
        assert_eq!(status, StatusCode::OK, "{who}: {list}");
        assert_eq!(item_ids(&list), vec![published], "{who}");
        let (status, list) = app
            .call(
                Method::GET,
                &format!("/api/v1/courses/{c}/editions"),
                token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {list}");
        assert_eq!(item_ids(&list), vec![published], "{who}");
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/editions/{published}"),
                token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {body}");
        for draft in [d1, d2, unassigned] {
            let (status, body) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/editions/{draft}"),
                    token,
                    None,
                )
                .await;
            assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
            let (status, body) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/editions/{draft}/sessions"),
                    token,
                    None,
                )
                .await;
            assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
        }
        for path in [
            "/api/v1/editions?status=draft".to_owned(),
            format!("/api/v1/courses/{c}/editions?status=draft"),
        ] {
            let (status, body) = app.call(Method::GET, &path, token, None).await;
            assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
        }
    }

    // The admin sees every draft.
    let (status, list) = app.get("/api/v1/editions?status=draft", &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let mut ids = item_ids(&list);
    ids.sort();
    let mut all_drafts = vec![d1, d2, unassigned];
    all_drafts.sort();
    assert_eq!(ids, all_drafts);
    // Dated drafts first.
    assert_eq!(item_ids(&list)[0], d1);
    let (status, body) = app
        .get(&format!("/api/v1/editions/{d2}"), &admin.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A trainer sees their own draft, and only that.
    let (status, body) = app.get(&format!("/api/v1/editions/{d1}"), &t1.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "draft");
    assert_eq!(body["trainer_ids"], json!([t1.id]));
    let (status, sessions) = app
        .get(&format!("/api/v1/editions/{d1}/sessions"), &t1.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    assert_eq!(sessions["items"].as_array().map(Vec::len), Some(1));
    for other in [d2, unassigned] {
        let (status, body) = app
            .get(&format!("/api/v1/editions/{other}"), &t1.token)
            .await;
        assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, list) = app.get("/api/v1/editions?status=draft", &t1.token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(item_ids(&list), vec![d1]);
    let (_, list) = app.get("/api/v1/editions?status=draft", &t2.token).await;
    assert_eq!(item_ids(&list), vec![d2]);
    let (_, list) = app.get("/api/v1/editions", &t2.token).await;
    assert_eq!(
        item_ids(&list),
        vec![published],
        "published ones are for everyone"
    );

    // Trainers must be users with the trainer role.
    let (status, body) = app
        .post(
            &format!("/api/v1/courses/{c}/editions"),
            &admin.token,
            json!({"capacity": 10, "trainer_ids": [t1.id, pro.id]}),
        )
        .await;
    assert_invalid(status, &body, "trainer_ids");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(&pro.id.to_string()),
        "{body}"
    );
    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{d2}"),
            &admin.token,
            json!({"trainer_ids": [Uuid::now_v7()]}),
        )
        .await;
    assert_invalid(status, &body, "trainer_ids");
    let (_, body) = app
        .get(&format!("/api/v1/editions/{d2}"), &admin.token)
        .await;
    assert_eq!(
        body["trainer_ids"],
        json!([t2.id]),
        "unchanged after a refused patch"
    );

    // Re-assigning moves the draft between trainers.
    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{d2}"),
            &admin.token,
            json!({"trainer_ids": [t1.id, t1.id]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["trainer_ids"], json!([t1.id]));
    let (status, _) = app.get(&format!("/api/v1/editions/{d2}"), &t1.token).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.get(&format!("/api/v1/editions/{d2}"), &t2.token).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn me_teaching_lists_a_trainers_editions_in_every_state() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Docenten", "academy").await;
    let t1 = app
        .create_user(&admin, org, &["trainer"], "t1@teaching.test")
        .await;
    let t2 = app
        .create_user(&admin, org, &["trainer"], "t2@teaching.test")
        .await;
    let c = course(&app, &admin, "Lesgeven", "training", &[]).await;

    // A published edition whose sessions are added out of order.
    let published = edition(&app, &admin, c, &[t1.id, t2.id]).await;
    let s3 = session(&app, &admin, published, at(20, 9), at(20, 12)).await;
    let s1 = session(&app, &admin, published, at(12, 9), at(12, 12)).await;
    let s2 = session(&app, &admin, published, at(15, 13), at(15, 16)).await;
    publish(&app, &admin, published).await;
    // A draft, earlier than the published one.
    let draft = edition(&app, &admin, c, &[t1.id]).await;
    session(&app, &admin, draft, at(5, 9), at(5, 12)).await;
    // A cancelled one, without sessions.
    let cancelled = edition(&app, &admin, c, &[t1.id]).await;
    let (status, _) = post_empty(
        &app,
        &format!("/api/v1/editions/{cancelled}/cancel"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Not theirs.
    let other = edition(&app, &admin, c, &[t2.id]).await;
    edition(&app, &admin, c, &[]).await;

    let (status, page) = app.get("/api/v1/me/teaching", &t1.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page["next_cursor"].is_null(), "{page}");
    let items = page["items"].as_array().expect("items");
    let editions: Vec<Uuid> = items.iter().map(|i| id_of(&i["edition"])).collect();
    assert_eq!(
        editions,
        vec![draft, published, cancelled],
        "by first session, undated last"
    );
    let statuses: Vec<&str> = items
        .iter()
        .map(|i| i["edition"]["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, vec!["draft", "published", "cancelled"]);

    let sessions: Vec<Uuid> = items[1]["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(
        sessions,
        vec![id_of(&s1), id_of(&s2), id_of(&s3)],
        "sorted by start"
    );
    assert_eq!(items[0]["sessions"].as_array().map(Vec::len), Some(1));
    assert_eq!(items[2]["sessions"], json!([]));
    assert_eq!(
        parse_ts(&items[1]["edition"]["first_session_at"]),
        at(12, 9)
    );
    assert_eq!(
        parse_ts(&items[1]["edition"]["last_session_at"]),
        at(20, 12)
    );

    // The other trainer sees theirs.
    let (_, page) = app.get("/api/v1/me/teaching", &t2.token).await;
    let editions: Vec<Uuid> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| id_of(&i["edition"]))
        .collect();
    assert_eq!(editions, vec![published, other]);

    // Paged.
    let (status, page) = app.get("/api/v1/me/teaching?limit=2", &t1.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
    let (status, page) = app
        .get(
            &format!("/api/v1/me/teaching?limit=2&cursor={cursor}"),
            &t1.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(id_of(&page["items"][0]["edition"]), cancelled);
    assert!(page["next_cursor"].is_null());

    // A signed-in person is needed.
    let (status, body) = anon_get(&app, "/api/v1/me/teaching").await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
}

// ---------------------------------------------------------------------------------------
// 4. Seat figures
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn fresh_edition_has_all_seats_free() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Stoelen", "symposium", &[]).await;
    let created = create_edition_with(
        &app,
        &admin,
        c,
        json!({"capacity": 12, "waitlist_enabled": false, "requires_approval": true}),
    )
    .await;
    let e = id_of(&created);
    assert_eq!(created["capacity"], 12);
    assert_eq!(created["seats_taken"], 0);
    assert_eq!(created["seats_available"], 12);
    assert_eq!(created["waitlist_length"], 0);
    assert_eq!(created["waitlist_enabled"], false);
    assert_eq!(created["requires_approval"], true);

    for bad in [json!({"capacity": 0}), json!({"capacity": -3})] {
        let (status, body) = app
            .patch(&format!("/api/v1/editions/{e}"), &admin.token, bad)
            .await;
        assert_invalid(status, &body, "capacity");
    }
    let (status, body) = app
        .post(
            &format!("/api/v1/courses/{c}/editions"),
            &admin.token,
            json!({"capacity": 0}),
        )
        .await;
    assert_invalid(status, &body, "capacity");

    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{e}"),
            &admin.token,
            json!({"capacity": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["capacity"], 30);
    assert_eq!(body["seats_available"], 30);
    assert_eq!(body["seats_taken"], 0);

    // The same figures in the catalogue.
    session(&app, &admin, e, at(3, 9), at(3, 17)).await;
    publish(&app, &admin, e).await;
    let (_, list) = anon_get(&app, "/api/v1/editions").await;
    let item = &list["items"][0];
    assert_eq!(id_of(item), e);
    assert_eq!(item["capacity"], 30);
    assert_eq!(item["seats_taken"], 0);
    assert_eq!(item["seats_available"], 30);
    assert_eq!(item["waitlist_length"], 0);
}

// ---------------------------------------------------------------------------------------
// 5. The catalogue: order, paging, filters
// ---------------------------------------------------------------------------------------

struct Catalogue {
    app: TestApp,
    lecture: Uuid,
    training: Uuid,
    module: Uuid,
    trainer: Uuid,
    /// Every published edition, in catalogue order.
    order: Vec<Uuid>,
    /// Each published edition's first session (None for the e-learning one).
    first: Vec<(Uuid, Option<DateTime<Utc>>)>,
}

impl Catalogue {
    async fn build() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let org = app.create_org(&admin, "Catalogus", "academy").await;
        let trainer = app
            .create_user(&admin, org, &["trainer"], "trainer@catalogue.test")
            .await;
        let lecture = course(&app, &admin, "Lezing trauma", "lecture", &["Trauma"]).await;
        let training = course(
            &app,
            &admin,
            "Training hechting",
            "training",
            &["hechting", "trauma"],
        )
        .await;
        let module = course(&app, &admin, "Module online", "elearning", &["online"]).await;

        let mut first = Vec::new();
        let a1 = published_on(&app, &admin, lecture, 10, &[trainer.id]).await;
        first.push((a1, Some(at(10, 9))));
        let b1 = published_on(&app, &admin, training, 12, &[]).await;
        first.push((b1, Some(at(12, 9))));
        // Two editions starting at the same instant: the id breaks the tie.
        let a2 = published_on(&app, &admin, lecture, 14, &[]).await;
        first.push((a2, Some(at(14, 9))));
        let b2 = published_on(&app, &admin, training, 14, &[]).await;
        first.push((b2, Some(at(14, 9))));
        // Two sessions: the first one counts, whatever the order they were added in.
        let b3 = edition(&app, &admin, training, &[]).await;
        session(&app, &admin, b3, at(21, 9), at(21, 12)).await;
        session(&app, &admin, b3, at(20, 9), at(20, 12)).await;
        publish(&app, &admin, b3).await;
        first.push((b3, Some(at(20, 9))));
        let a3 = published_on(&app, &admin, lecture, 30, &[trainer.id]).await;
        first.push((a3, Some(at(30, 9))));
        let c1 = edition(&app, &admin, module, &[]).await;
        publish(&app, &admin, c1).await;
        first.push((c1, None));

        // Not in the catalogue: a draft, a cancelled edition.
        let draft = edition(&app, &admin, lecture, &[trainer.id]).await;
        session(&app, &admin, draft, at(11, 9), at(11, 12)).await;
        let gone = published_on(&app, &admin, training, 13, &[]).await;
        let (status, _) = post_empty(
            &app,
            &format!("/api/v1/editions/{gone}/cancel"),
            &admin.token,
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        let mut sorted = first.clone();
        sorted.sort_by_key(|(id, t)| (t.unwrap_or(DateTime::<Utc>::MAX_UTC), *id));
        let order = sorted.iter().map(|(id, _)| *id).collect();
        Self {
            app,
            lecture,
            training,
            module,
            trainer: trainer.id,
            order,
            first,
        }
    }

    /// The published editions (in catalogue order) that satisfy `keep`.
    fn expect(&self, keep: impl Fn(Uuid, Option<DateTime<Utc>>) -> bool) -> Vec<Uuid> {
        self.order
            .iter()
            .copied()
            .filter(|id| {
                let t = self
                    .first
                    .iter()
                    .find(|(e, _)| e == id)
                    .and_then(|(_, t)| *t);
                keep(*id, t)
            })
            .collect()
    }

    async fn ids(&self, query: &str) -> Vec<Uuid> {
        let (status, body) = anon_get(&self.app, &format!("/api/v1/editions{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert!(body["next_cursor"].is_null(), "{query}: {body}");
        item_ids(&body)
    }
}

#[tokio::test]
async fn catalogue_is_sorted_by_first_session_and_pages_visit_every_edition_once() {
    let cat = Catalogue::build().await;
    let app = &cat.app;

    let (status, all) = anon_get(app, "/api/v1/editions").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(item_ids(&all), cat.order);
    assert_eq!(cat.order.len(), 7);
    assert_eq!(
        *cat.order.last().expect("last"),
        cat.first[6].0,
        "undated sorts last"
    );
    let starts: Vec<Option<DateTime<Utc>>> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (!i["first_session_at"].is_null()).then(|| parse_ts(&i["first_session_at"])))
        .collect();
    let dated: Vec<DateTime<Utc>> = starts.iter().flatten().copied().collect();
    assert!(dated.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    assert_eq!(starts[6], None);
    assert!(all["next_cursor"].is_null());

    // Three pages of three.
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/editions?limit=3&cursor={c}"),
            None => "/api/v1/editions?limit=3".to_owned(),
        };
        let (status, page) = anon_get(app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        let ids = item_ids(&page);
        sizes.push(ids.len());
        seen.extend(ids);
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(c.len(), 32, "cursor format: {c}");
                cursor = Some(c.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(sizes, vec![3, 3, 1]);
    assert_eq!(seen, cat.order, "every edition exactly once, in order");

    // Paging within a filter keeps the filter.
    let (_, page) = anon_get(
        app,
        &format!("/api/v1/editions?course_id={}&limit=2", cat.lecture),
    )
    .await;
    let mut ids = item_ids(&page);
    let c = page["next_cursor"].as_str().expect("cursor").to_owned();
    let (_, page) = anon_get(
        app,
        &format!(
            "/api/v1/editions?course_id={}&limit=2&cursor={c}",
            cat.lecture
        ),
    )
    .await;
    ids.extend(item_ids(&page));
    assert!(page["next_cursor"].is_null());
    // The lecture's editions were created first, third and sixth.
    let lecture = [cat.first[0].0, cat.first[2].0, cat.first[5].0];
    assert_eq!(ids, cat.expect(|id, _| lecture.contains(&id)));
}

#[tokio::test]
async fn catalogue_filters_return_exactly_the_matching_editions() {
    let cat = Catalogue::build().await;
    let a = [cat.first[0].0, cat.first[2].0, cat.first[5].0];
    let b = [cat.first[1].0, cat.first[3].0, cat.first[4].0];
    let c = [cat.first[6].0];

    assert_eq!(
        cat.ids(&format!("?course_id={}", cat.lecture)).await,
        cat.expect(|id, _| a.contains(&id))
    );
    assert_eq!(
        cat.ids(&format!("?course_id={}", cat.training)).await,
        cat.expect(|id, _| b.contains(&id))
    );
    assert_eq!(
        cat.ids(&format!("?course_id={}", cat.module)).await,
        c.to_vec()
    );
    assert_eq!(
        cat.ids(&format!("?course_id={}", Uuid::now_v7())).await,
        Vec::<Uuid>::new()
    );
    // The course's own list says the same.
    let (status, body) = anon_get(
        &cat.app,
        &format!("/api/v1/courses/{}/editions", cat.lecture),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(item_ids(&body), cat.expect(|id, _| a.contains(&id)));

    assert_eq!(
        cat.ids("?kind=lecture").await,
        cat.expect(|id, _| a.contains(&id))
    );
    assert_eq!(
        cat.ids("?kind=training").await,
        cat.expect(|id, _| b.contains(&id))
    );
    assert_eq!(cat.ids("?kind=elearning").await, c.to_vec());
    assert_eq!(cat.ids("?kind=symposium").await, Vec::<Uuid>::new());

    assert_eq!(
        cat.ids("?topic=trauma").await,
        cat.expect(|id, _| !c.contains(&id))
    );
    assert_eq!(
        cat.ids("?topic=TRAUMA").await,
        cat.expect(|id, _| !c.contains(&id)),
        "topics match case-insensitively"
    );
    assert_eq!(
        cat.ids("?topic=hechting").await,
        cat.expect(|id, _| b.contains(&id))
    );
    assert_eq!(cat.ids("?topic=online").await, c.to_vec());
    assert_eq!(cat.ids("?topic=nothing").await, Vec::<Uuid>::new());
    assert_eq!(
        cat.ids("?kind=lecture&topic=hechting").await,
        Vec::<Uuid>::new()
    );

    // from is inclusive, to exclusive; both compare the first session.
    let day14 = at(14, 9);
    let from = ts(day14);
    assert_eq!(
        cat.ids(&format!("?from={from}")).await,
        cat.expect(|_, t| t.is_some_and(|t| t >= day14))
    );
    assert_eq!(cat.ids(&format!("?from={from}")).await.len(), 4);
    assert_eq!(
        cat.ids(&format!("?to={from}")).await,
        cat.expect(|_, t| t.is_some_and(|t| t < day14))
    );
    assert_eq!(cat.ids(&format!("?to={from}")).await.len(), 2);
    let (lo, hi) = (at(12, 9), at(20, 9));
    assert_eq!(
        cat.ids(&format!("?from={}&to={}", ts(lo), ts(hi))).await,
        cat.expect(|_, t| t.is_some_and(|t| t >= lo && t < hi))
    );
    assert_eq!(
        cat.ids(&format!("?from={}&to={}", ts(lo), ts(hi)))
            .await
            .len(),
        3
    );
    // One second later excludes the editions of that instant; an offset is honoured.
    assert_eq!(
        cat.ids(&format!("?from={}", ts(day14 + Duration::seconds(1))))
            .await
            .len(),
        2
    );
    let amsterdam = (day14 + Duration::hours(2))
        .format("%Y-%m-%dT%H:%M:%S%%2B02:00")
        .to_string();
    assert_eq!(cat.ids(&format!("?from={amsterdam}")).await.len(), 4);
    assert_eq!(
        cat.ids(&format!("?course_id={}&from={from}", cat.lecture))
            .await,
        cat.expect(|id, t| a.contains(&id) && t.is_some_and(|t| t >= day14))
    );

    assert_eq!(
        cat.ids(&format!("?trainer_id={}", cat.trainer)).await,
        vec![cat.first[0].0, cat.first[5].0]
    );
    assert_eq!(
        cat.ids(&format!("?trainer_id={}", Uuid::now_v7())).await,
        Vec::<Uuid>::new()
    );

    assert_eq!(cat.ids("?has_seats=true").await, cat.order);
    assert_eq!(cat.ids("?has_seats=false").await, Vec::<Uuid>::new());
}

#[tokio::test]
async fn catalogue_rejects_bad_paging_parameters() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Paging", "lecture", &[]).await;
    let e1 = published_on(&app, &admin, c, 5, &[]).await;
    let e2 = published_on(&app, &admin, c, 6, &[]).await;

    for limit in ["500", "201", "0"] {
        let (status, body) = anon_get(&app, &format!("/api/v1/editions?limit={limit}")).await;
        assert_invalid(status, &body, "limit");
    }
    let (status, body) = anon_get(&app, "/api/v1/editions?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = anon_get(&app, "/api/v1/courses?limit=500").await;
    assert_invalid(status, &body, "limit");

    // Not the cursor's format.
    for cursor in ["not-a-cursor", "abc", "A%2BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let (status, body) = anon_get(&app, &format!("/api/v1/editions?cursor={cursor}")).await;
        assert_invalid(status, &body, "cursor");
    }
    let (status, body) = anon_get(&app, "/api/v1/courses?cursor=short").await;
    assert_invalid(status, &body, "cursor");

    // Well-formed but not one the service returned: the time in it is out of range.
    use base64::Engine;
    let encode = |micros: i64| {
        let mut bytes = micros.to_be_bytes().to_vec();
        bytes.extend_from_slice(Uuid::nil().as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let huge = encode(i64::MAX);
    assert_eq!(huge.len(), 32);
    let (status, body) = anon_get(&app, &format!("/api/v1/editions?cursor={huge}")).await;
    assert_invalid(status, &body, "cursor");

    // 32 base64url characters decode to *some* position: "A"*32 is 1970-01-01 with the
    // nil id, i.e. before everything, which is harmless and answered like the first page.
    let zeros = "A".repeat(32);
    let (status, body) = anon_get(&app, &format!("/api/v1/editions?cursor={zeros}")).await;
    assert!(
        status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{status} {body}"
    );
    if status == StatusCode::OK {
        assert_eq!(item_ids(&body), vec![e1, e2]);
    } else {
        assert_invalid(status, &body, "cursor");
    }
    // Same for an arbitrary one: never a server error.
    for cursor in ["_".repeat(32), "f".repeat(32), "gA".repeat(16)] {
        let (status, body) = anon_get(&app, &format!("/api/v1/editions?cursor={cursor}")).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
            "cursor {cursor}: {status} {body}"
        );
    }

    // Bad times and enums are client errors too.
    for query in [
        "from=yesterday",
        "to=2026-13-01T00:00:00Z",
        "kind=castle",
        "status=gone",
        "has_seats=maybe",
        "course_id=42",
    ] {
        let (status, body) = anon_get(&app, &format!("/api/v1/editions?{query}")).await;
        assert!(status.is_client_error(), "{query}: {status} {body}");
        assert!(body["code"].is_string(), "{query}: {body}");
    }
}

/// A cursor is 24 bytes: microseconds since 1970 and an id. One that decodes to a year
/// that chrono accepts but the database does not (before 4713 BC on PostgreSQL) must be
/// refused as a bad cursor, not reach the database.
#[tokio::test]
async fn cursor_with_an_ancient_time_is_a_client_error() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Oud", "lecture", &[]).await;
    published_on(&app, &admin, c, 5, &[]).await;

    use base64::Engine;
    let mut bytes = (-1_000_000_000_000_000_000_i64).to_be_bytes().to_vec(); // about 29,700 BC
    bytes.extend_from_slice(Uuid::nil().as_bytes());
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut failures = Vec::new();
    for path in [
        format!("/api/v1/editions?cursor={cursor}"),
        format!("/api/v1/courses/{c}/editions?cursor={cursor}"),
        format!("/api/v1/me/teaching?cursor={cursor}"),
    ] {
        let (status, body) = app.get(&path, &admin.token).await;
        if status.is_server_error() {
            failures.push(format!("GET {path}: {status} {body}"));
        } else {
            assert!(
                status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {status} {body}"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "on {}: {failures:#?}",
        if app.db.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    );
}

/// Ties on the first session (to the millisecond, and among undated e-learning editions)
/// are broken by id, so one-item pages still visit every edition exactly once.
#[tokio::test]
async fn paging_one_by_one_through_ties_and_sub_second_times() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Gelijktijdig", "lecture", &[]).await;
    let m = course(&app, &admin, "Modules", "elearning", &[]).await;
    let base = at(4, 9);
    let millis = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut expected = Vec::new();
    for offset_ms in [500, 250, 250, 0] {
        let e = edition(&app, &admin, c, &[]).await;
        let start = base + Duration::milliseconds(offset_ms);
        let (_, body) = app
            .create(
                &format!("/api/v1/editions/{e}/sessions"),
                &admin.token,
                json!({"starts_at": millis(start), "ends_at": millis(start + Duration::hours(1))}),
            )
            .await;
        assert_eq!(parse_ts(&body["starts_at"]), start);
        publish(&app, &admin, e).await;
        expected.push((Some(start), e));
    }
    for _ in 0..3 {
        let e = edition(&app, &admin, m, &[]).await;
        publish(&app, &admin, e).await;
        expected.push((None, e));
    }
    expected.sort_by_key(|(t, id)| (t.unwrap_or(DateTime::<Utc>::MAX_UTC), *id));
    let expected: Vec<Uuid> = expected.into_iter().map(|(_, id)| id).collect();

    let (_, all) = anon_get(&app, "/api/v1/editions").await;
    assert_eq!(item_ids(&all), expected);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/editions?limit=1&cursor={c}"),
            None => "/api/v1/editions?limit=1".to_owned(),
        };
        let (status, page) = anon_get(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        seen.extend(item_ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, expected, "every edition exactly once, in order");
}

/// Validation problems name the field as the request spells it (`errors[].field`), as the
/// domain's own checks do (`completion.min_attendance_percent`, `accreditations[1].register`).
/// The framework's checks lose the parent of a nested field, leak poem-openapi's type
/// chain into the message, and name a missing or unparseable field `body`.
#[tokio::test]
async fn nested_and_missing_fields_are_named_as_in_the_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Velden", "workshop", &[]).await;
    let e = edition(&app, &admin, c, &[]).await;
    let sessions = format!("/api/v1/editions/{e}/sessions");
    let start = ts(at(5, 9));

    let cases = [
        (
            "/api/v1/courses".to_owned(),
            json!({"title": "x", "kind": "lecture", "completion": {"min_attendance_percent": 0}}),
            "completion.min_attendance_percent",
        ),
        (
            "/api/v1/courses".to_owned(),
            json!({"title": "x", "kind": "lecture", "completion": {"min_attendance_percent": 100.5}}),
            "completion.min_attendance_percent",
        ),
        (sessions.clone(), json!({"starts_at": start}), "ends_at"),
        (
            sessions.clone(),
            json!({"starts_at": start, "ends_at": "tomorrow"}),
            "ends_at",
        ),
    ];
    let mut wrong = Vec::new();
    for (path, body, field) in cases {
        let (status, problem) = app.post(&path, &admin.token, body.clone()).await;
        assert_problem(
            status,
            &problem,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        let fields = error_fields(&problem);
        let messages: Vec<&str> = problem["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["message"].as_str()).collect())
            .unwrap_or_default();
        if fields != [field]
            || messages
                .iter()
                .any(|m| m.contains("occurred while parsing"))
        {
            wrong.push(format!(
                "POST {path} {body}: expected field {field:?}, got {fields:?} {messages:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

// ---------------------------------------------------------------------------------------
// 6. Sessions
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn session_times_are_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Tijden", "workshop", &[]).await;
    let e = edition(&app, &admin, c, &[]).await;
    let path = format!("/api/v1/editions/{e}/sessions");
    let start = at(5, 9);

    for end in [start, start - Duration::hours(1)] {
        let (status, body) = app
            .post(
                &path,
                &admin.token,
                json!({"starts_at": ts(start), "ends_at": ts(end)}),
            )
            .await;
        assert_invalid(status, &body, "ends_at");
    }
    let (status, body) = app
        .post(
            &path,
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(24) + Duration::seconds(1))}),
        )
        .await;
    assert_invalid(status, &body, "ends_at");
    let (status, body) = app
        .post(
            &path,
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": "tomorrow"}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (status, body) = app
        .post(&path, &admin.token, json!({"starts_at": ts(start)}))
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (status, body) = app
        .post(
            &path,
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(1)), "online_url": "ftp://x"}),
        )
        .await;
    assert_invalid(status, &body, "online_url");
    let (_, sessions) = app.get(&path, &admin.token).await;
    assert_eq!(sessions["items"], json!([]), "nothing was stored");

    // Exactly 24 hours is allowed; offsets are stored as UTC.
    let (_, body) = app
        .create(
            &path,
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(24))}),
        )
        .await;
    assert_eq!(body["status"], "scheduled");
    assert_eq!(body["revision"], 0);
    let local = (start + Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S+01:00")
        .to_string();
    let (_, body) = app.create(&path,
            &admin.token,
            json!({"starts_at": local, "ends_at": ts(start + Duration::hours(2)), "location": "Zaal 3"})).await;
    assert_eq!(body["starts_at"], ts(start));
    assert_eq!(body["location"], "Zaal 3");
    let sid = id_of(&body);

    // A PATCH that makes the times invalid is refused and changes nothing.
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{sid}"),
            &admin.token,
            json!({"ends_at": ts(start - Duration::minutes(1))}),
        )
        .await;
    assert_invalid(status, &body, "ends_at");
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{sid}"),
            &admin.token,
            json!({"ends_at": ts(start + Duration::hours(25))}),
        )
        .await;
    assert_invalid(status, &body, "ends_at");
    let (_, body) = app
        .get(&format!("/api/v1/sessions/{sid}"), &admin.token)
        .await;
    assert_eq!(body["ends_at"], ts(start + Duration::hours(2)));
    assert_eq!(body["revision"], 0);

    // Sessions are written by admins only.
    let org = app.create_org(&admin, "Org sessies", "provider").await;
    let trainer = app
        .create_user(&admin, org, &["trainer"], "trainer@sessions.test")
        .await;
    let (status, body) = app
        .post(
            &path,
            &trainer.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(1))}),
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .post(
            &format!("/api/v1/editions/{}/sessions", Uuid::now_v7()),
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(1))}),
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn session_changes_bump_the_revision_once_and_move_the_edition() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Revisies", "training", &[]).await;
    let e = edition(&app, &admin, c, &[]).await;
    let first = session(&app, &admin, e, at(10, 9), at(10, 12)).await;
    session(&app, &admin, e, at(17, 9), at(17, 12)).await;
    publish(&app, &admin, e).await;
    let sid = id_of(&first);
    let spath = format!("/api/v1/sessions/{sid}");
    assert_eq!(first["revision"], 0);

    // Moving the time: revision + 1, and the edition's first session follows.
    let (status, moved) = app
        .patch(
            &spath,
            &admin.token,
            json!({"starts_at": ts(at(8, 13)), "ends_at": ts(at(8, 16))}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["revision"], 1);
    assert_eq!(moved["starts_at"], ts(at(8, 13)));
    assert_eq!(moved["ends_at"], ts(at(8, 16)));
    let (_, ed) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(8, 13));
    assert_eq!(parse_ts(&ed["last_session_at"]), at(17, 12));

    // The same values again: no change, no bump.
    let (status, same) = app
        .patch(
            &spath,
            &admin.token,
            json!({"starts_at": ts(at(8, 13)), "ends_at": ts(at(8, 16))}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{same}");
    assert_eq!(same["revision"], 1);
    assert_eq!(same["updated_at"], moved["updated_at"]);
    let (status, same) = app.patch(&spath, &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{same}");
    assert_eq!(same["revision"], 1);

    // Only the end moves: one bump.
    let (_, body) = app
        .patch(&spath, &admin.token, json!({"ends_at": ts(at(8, 17))}))
        .await;
    assert_eq!(body["revision"], 2);
    assert_eq!(body["starts_at"], ts(at(8, 13)));

    // The place: set, same again, cleared.
    let (status, body) = app
        .patch(&spath, &admin.token, json!({"location": "Zaal 5"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["location"], "Zaal 5");
    assert_eq!(body["revision"], 3);
    let (_, body) = app
        .patch(&spath, &admin.token, json!({"location": "Zaal 5"}))
        .await;
    assert_eq!(body["revision"], 3);
    let (_, body) = app
        .patch(
            &spath,
            &admin.token,
            json!({"online_url": "https://meet.example/r"}),
        )
        .await;
    assert_eq!(body["revision"], 4);
    assert_eq!(body["online_url"], "https://meet.example/r");
    let (_, body) = app
        .patch(&spath, &admin.token, json!({"location": null}))
        .await;
    assert_eq!(body["revision"], 5);
    assert!(body["location"].is_null(), "{body}");

    // What a reader sees.
    let (status, body) = anon_get(&app, &spath).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revision"], 5);
    assert_eq!(body["starts_at"], ts(at(8, 13)));

    // Moving it after the other one moves the edition's first session to the other.
    let (_, body) = app
        .patch(
            &spath,
            &admin.token,
            json!({"starts_at": ts(at(25, 9)), "ends_at": ts(at(25, 10))}),
        )
        .await;
    assert_eq!(body["revision"], 6);
    let (_, ed) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(17, 9));
    assert_eq!(parse_ts(&ed["last_session_at"]), at(25, 10));
    let (_, list) = anon_get(&app, &format!("/api/v1/editions?from={}", ts(at(17, 9)))).await;
    assert_eq!(
        item_ids(&list),
        vec![e],
        "the catalogue filters on the new first session"
    );

    // Unknown session.
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{}", Uuid::now_v7()),
            &admin.token,
            json!({"location": "x"}),
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn removing_a_session_deletes_it_from_a_draft_and_cancels_it_once_published() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Verwijderen", "training", &[]).await;

    // Draft: gone.
    let draft = edition(&app, &admin, c, &[]).await;
    let s = session(&app, &admin, draft, at(6, 9), at(6, 12)).await;
    let keep = session(&app, &admin, draft, at(9, 9), at(9, 12)).await;
    let (status, body) = delete(
        &app,
        &format!("/api/v1/sessions/{}", id_of(&s)),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, sessions) = app
        .get(&format!("/api/v1/editions/{draft}/sessions"), &admin.token)
        .await;
    let ids: Vec<Uuid> = sessions["items"]
        .as_array()
        .expect("list")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, vec![id_of(&keep)]);
    let (status, body) = app
        .get(&format!("/api/v1/sessions/{}", id_of(&s)), &admin.token)
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (_, ed) = app
        .get(&format!("/api/v1/editions/{draft}"), &admin.token)
        .await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(9, 9));
    // The last one too: the draft has no schedule left and cannot be published.
    let (status, _) = delete(
        &app,
        &format!("/api/v1/sessions/{}", id_of(&keep)),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, ed) = app
        .get(&format!("/api/v1/editions/{draft}"), &admin.token)
        .await;
    assert!(ed["first_session_at"].is_null(), "{ed}");
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{draft}/publish"),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "no_sessions");

    // Published: cancelled and kept, so calendars can show it.
    let e = edition(&app, &admin, c, &[]).await;
    let s1 = session(&app, &admin, e, at(6, 9), at(6, 12)).await;
    let s2 = session(&app, &admin, e, at(13, 9), at(13, 12)).await;
    publish(&app, &admin, e).await;
    let s1_path = format!("/api/v1/sessions/{}", id_of(&s1));
    let (status, body) = delete(&app, &s1_path, &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], s1["id"]);
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["revision"], 1);
    assert_eq!(body["starts_at"], ts(at(6, 9)), "the time stays as it was");

    let (status, sessions) = anon_get(&app, &format!("/api/v1/editions/{e}/sessions")).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let list = sessions["items"].as_array().expect("list");
    assert_eq!(list.len(), 2, "{sessions}");
    assert_eq!(list[0]["id"], s1["id"]);
    assert_eq!(list[0]["status"], "cancelled");
    assert_eq!(list[1]["id"], s2["id"]);
    assert_eq!(list[1]["status"], "scheduled");

    // The edition's schedule ignores the cancelled session.
    let (_, ed) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(13, 9));
    assert_eq!(parse_ts(&ed["last_session_at"]), at(13, 12));
    let (_, list) = anon_get(&app, &format!("/api/v1/editions?to={}", ts(at(7, 0)))).await;
    assert!(item_ids(&list).is_empty(), "{list}");

    // Removing it again changes nothing.
    let (status, body) = delete(&app, &s1_path, &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["revision"], 1);

    // Reinstating it is a change of status: one more bump, and the schedule follows.
    let (status, body) = app
        .patch(&s1_path, &admin.token, json!({"status": "scheduled"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "scheduled");
    assert_eq!(body["revision"], 2);
    let (_, ed) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(6, 9));

    // Not by others; not for unknown sessions.
    let org = app.create_org(&admin, "Org verwijderen", "provider").await;
    let pro = app
        .create_user(&admin, org, &["professional"], "pro@remove.test")
        .await;
    let (status, body) = delete(&app, &s1_path, &pro.token).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = delete(
        &app,
        &format!("/api/v1/sessions/{}", Uuid::now_v7()),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn implausible_session_dates_and_hidden_editions_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Dates provider", "provider").await;
    let c = course(&app, &admin, "Datums", "workshop", &[]).await;
    let e = edition(&app, &admin, c, &[]).await;
    for (starts, ends) in [
        ("1899-12-31T09:00:00Z", "1899-12-31T12:00:00Z"),
        ("9999-12-31T09:00:00Z", "9999-12-31T12:00:00Z"),
    ] {
        let (status, body) = app
            .post(
                &format!("/api/v1/editions/{e}/sessions"),
                &admin.token,
                json!({"starts_at": starts, "ends_at": ends}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "starts_at", "{body}");
    }
    // Closing a draft one cannot see says nothing about it.
    let pro = app
        .create_user(&admin, org, &["professional"], "nosy@dates.test")
        .await;
    let (status, body) = post_empty(&app, &format!("/api/v1/editions/{e}/close"), &pro.token).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

// ---------------------------------------------------------------------------------------
// The catalogue cache: every change shows at once
// ---------------------------------------------------------------------------------------

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
