//! Courses: topics, accreditations, the completion rule, archive and deletion.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

use super::support::*;

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
