//! Marking attendance (all or nothing, audited), self check-in with a rotating code, and
//! e-learning completion.

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::certificates::{enrol, mark, past_edition};
use crate::helpers::{Actor, TestApp, assert_problem, id_of};

struct Setup {
    app: TestApp,
    admin: Actor,
    trainer: Actor,
    people: Vec<Actor>,
}

async fn setup(n: usize) -> Setup {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Youké", "provider").await;
    let trainer = app
        .person(&admin, org, &["trainer"], "trainer@example.test")
        .await;
    let people = app.people(&admin, org, "deelnemer", n).await;
    Setup {
        app,
        admin,
        trainer,
        people,
    }
}

fn stamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A published edition taught by `trainer` with one session from `start` minutes from
/// now, lasting two hours.
async fn edition_starting_in(
    app: &TestApp,
    admin: &Actor,
    trainer: &Actor,
    start: i64,
) -> (Uuid, Uuid) {
    let (_, course) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Online symposium", "kind": "symposium", "description": "Jaarlijks."}),
        )
        .await;
    let (_, e) = app
        .post(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 240, "trainer_ids": [trainer.id], "online_url": "https://meet.example.test/symposium"}),
        )
        .await;
    let edition = id_of(&e);
    let starts = Utc::now() + Duration::minutes(start);
    let (_, s) = app
        .create(
            &format!("/api/v1/editions/{edition}/sessions"),
            &admin.token,
            json!({"starts_at": stamp(starts), "ends_at": stamp(starts + Duration::hours(2))}),
        )
        .await;
    let (status, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/publish"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    (edition, id_of(&s))
}

#[tokio::test]
async fn a_request_with_any_bad_entry_applies_nothing_and_names_each() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(3).await;
    let (edition, sessions) =
        past_edition(&app, &admin, &trainer, "Verklarende analyse", 1, 100.0).await;
    let (other, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    let good = enrol(&app, &admin, edition, &people[0]).await;
    let foreign = enrol(&app, &admin, other, &people[1]).await;
    let cancelled = enrol(&app, &admin, edition, &people[2]).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/registrations/{cancelled}/cancel"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = mark(
        &app,
        &trainer.token,
        sessions[0],
        json!([
            {"registration_id": good, "status": "present"},
            {"registration_id": Uuid::now_v7(), "status": "present"},
            {"registration_id": foreign, "status": "late"},
            {"registration_id": cancelled, "status": "absent"}
        ]),
    )
    .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "records[1].registration_id",
            "records[2].registration_id",
            "records[3].registration_id"
        ]
    );
    // Nothing of it was applied.
    let (status, list) = app
        .get(
            &format!("/api/v1/sessions/{}/attendance", sessions[0]),
            &trainer.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only the confirmed registration: {list}");
    assert_eq!(items[0]["registration_id"], good.to_string());
    assert_eq!(items[0]["attendance"], Value::Null);

    // Duplicates and bad values are refused before anything is read.
    let (status, body) = mark(
        &app,
        &trainer.token,
        sessions[0],
        json!([{"registration_id": good, "status": "present"}, {"registration_id": good, "status": "late"}]),
    )
    .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(body["errors"][0]["field"], "records[1].registration_id");
    let (status, body) = mark(
        &app,
        &trainer.token,
        sessions[0],
        json!([{"registration_id": good, "status": "sleeping"}]),
    )
    .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(body["errors"][0]["field"], "records[0].status");
    let (status, body) = mark(&app, &trainer.token, sessions[0], json!([])).await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
}

#[tokio::test]
async fn every_change_is_audited_and_re_marking_replaces() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(1).await;
    let (edition, sessions) =
        past_edition(&app, &admin, &trainer, "Verklarende analyse", 1, 100.0).await;
    let reg = enrol(&app, &admin, edition, &people[0]).await;
    let s = sessions[0];
    let (status, body) = mark(
        &app,
        &trainer.token,
        s,
        json!([{"registration_id": reg, "status": "absent"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["attendance"]["status"], "absent");
    assert_eq!(body["next_cursor"], Value::Null);
    assert_eq!(
        body["items"][0]["attendance"]["marked_by_id"],
        trainer.id.to_string()
    );
    // The same again changes nothing; a new status and note replace.
    mark(
        &app,
        &trainer.token,
        s,
        json!([{"registration_id": reg, "status": "absent"}]),
    )
    .await;
    let (status, body) = mark(
        &app,
        &admin.token,
        s,
        json!([{"registration_id": reg, "status": "late", "note": "trein vertraagd"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["attendance"]["status"], "late");
    assert_eq!(body["items"][0]["attendance"]["note"], "trein vertraagd");
    assert_eq!(
        body["items"][0]["attendance"]["marked_by_id"],
        admin.id.to_string()
    );

    let (status, history) = app
        .get(
            &format!("/api/v1/sessions/{s}/attendance/history"),
            &admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let changes = history["items"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{history}");
    assert_eq!(changes[0]["from"], Value::Null);
    assert_eq!(changes[0]["to"], "absent");
    assert_eq!(changes[0]["by_id"], trainer.id.to_string());
    assert_eq!(changes[1]["from"], "absent");
    assert_eq!(changes[1]["to"], "late");
    assert_eq!(changes[1]["to_note"], "trein vertraagd");
    assert_eq!(changes[1]["by_id"], admin.id.to_string());
    assert_eq!(changes[1]["action"], "marked");
    let (status, body) = app
        .get(
            &format!("/api/v1/sessions/{s}/attendance/history"),
            &trainer.token,
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn before_a_session_only_excused_can_be_marked() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(1).await;
    let (edition, session) = edition_starting_in(&app, &admin, &trainer, 24 * 60).await;
    let reg = enrol(&app, &admin, edition, &people[0]).await;
    let (status, body) = mark(
        &app,
        &trainer.token,
        session,
        json!([{"registration_id": reg, "status": "present"}]),
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "session_not_started");
    let (status, body) = mark(
        &app,
        &trainer.token,
        session,
        json!([{"registration_id": reg, "status": "excused", "note": "ziek gemeld"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn code_of(app: &TestApp, trainer: &Actor, session: Uuid) -> Value {
    let (status, code) = app
        .get(
            &format!("/api/v1/sessions/{session}/check-in-code"),
            &trainer.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{code}");
    code
}

#[tokio::test]
async fn participants_check_in_and_out_with_the_rotating_code() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(3).await;
    let (edition, session) = edition_starting_in(&app, &admin, &trainer, 10).await;
    let reg = enrol(&app, &admin, edition, &people[0]).await;
    enrol(&app, &admin, edition, &people[1]).await;

    let code = code_of(&app, &trainer, session).await;
    let digits = code["code"].as_str().unwrap().to_owned();
    assert_eq!(digits.len(), 6);
    assert!(digits.chars().all(|c| c.is_ascii_digit()));
    assert!(
        code["url"]
            .as_str()
            .unwrap()
            .contains(&format!("session={session}"))
    );
    let rotates: chrono::DateTime<Utc> = code["rotates_at"].as_str().unwrap().parse().unwrap();
    let expires: chrono::DateTime<Utc> = code["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(
        rotates > Utc::now() - Duration::seconds(1)
            && rotates <= Utc::now() + Duration::seconds(61)
    );
    assert_eq!(expires - rotates, Duration::seconds(60));
    // The QR code of the same link.
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/sessions/{session}/check-in-code.png")))
        .bearer_auth(&trainer.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(
        resp.bytes()
            .await
            .unwrap()
            .starts_with(b"\x89PNG\r\n\x1a\n")
    );
    // Participants do not get the code.
    let (status, body) = app
        .get(
            &format!("/api/v1/sessions/{session}/check-in-code"),
            &people[0].token,
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");

    let path = format!("/api/v1/sessions/{session}/check-in");
    let (status, body) = app
        .post(&path, &people[0].token, json!({"code": digits}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "present");
    assert_eq!(body["registration_id"], reg.to_string());
    assert!(body["checked_in_at"].is_string());
    // Again: nothing changes.
    let (status, again) = app
        .post(&path, &people[0].token, json!({"code": digits}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["checked_in_at"], body["checked_in_at"]);
    // The trainer's list shows it.
    let (_, list) = app
        .get(
            &format!("/api/v1/sessions/{session}/attendance"),
            &trainer.token,
        )
        .await;
    let line = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["registration_id"] == reg.to_string())
        .unwrap()
        .clone();
    assert_eq!(line["attendance"]["status"], "present");
    assert_eq!(line["attendance"]["marked_by_kind"], "user");
    assert_eq!(line["attendance"]["marked_by_id"], people[0].id.to_string());

    // Check-out records the leaving time.
    let (status, out) = app
        .post(
            &format!("/api/v1/sessions/{session}/check-out"),
            &people[0].token,
            json!({"code": digits}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert!(out["checked_out_at"].is_string());
    assert_eq!(out["status"], "present");
    // Checking out without checking in first.
    let (status, body) = app
        .post(
            &format!("/api/v1/sessions/{session}/check-out"),
            &people[1].token,
            json!({"code": digits}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "not_checked_in");
    // Someone without a registration.
    let (status, body) = app
        .post(&path, &people[2].token, json!({"code": digits}))
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");

    // Wrong codes: 422, and after five in a row, 429 even for the right one.
    let wrong = if digits == "000000" {
        "000001"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let (status, body) = app
            .post(&path, &people[1].token, json!({"code": wrong}))
            .await;
        assert_problem(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert_eq!(body["errors"][0]["field"], "code");
    }
    let resp = app
        .client
        .post(app.url(&path))
        .bearer_auth(&people[1].token)
        .json(&json!({"code": digits}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.headers().contains_key("retry-after"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    // The audit trail names the check-ins.
    let (_, history) = app
        .get(
            &format!("/api/v1/sessions/{session}/attendance/history"),
            &admin.token,
        )
        .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["checked_in", "checked_out"]);
}

#[tokio::test]
async fn check_in_is_open_from_half_an_hour_before_until_the_end_and_late_after_a_quarter() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(1).await;
    let (early_edition, early) = edition_starting_in(&app, &admin, &trainer, 45).await;
    enrol(&app, &admin, early_edition, &people[0]).await;
    let code = code_of(&app, &trainer, early).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/sessions/{early}/check-in"),
            &people[0].token,
            json!({"code": code["code"]}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "check_in_closed");

    let (late_edition, late) = edition_starting_in(&app, &admin, &trainer, -20).await;
    enrol(&app, &admin, late_edition, &people[0]).await;
    let code = code_of(&app, &trainer, late).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/sessions/{late}/check-in"),
            &people[0].token,
            json!({"code": code["code"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "late");
}

#[tokio::test]
async fn an_elearning_module_is_marked_done_with_a_date() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(1).await;
    let (_, course) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Hechting en het gedrag van mijn pleegkind", "kind": "elearning", "description": "Online module.",
                   "hours": 4, "accreditations": [{"register": "SKJ", "number": "EL-1", "points": 4}]}),
        )
        .await;
    let (_, e) = app
        .create(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 500, "trainer_ids": [trainer.id]}),
        )
        .await;
    let edition = id_of(&e);
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/publish"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reg = enrol(&app, &admin, edition, &people[0]).await;
    let path = format!("/api/v1/registrations/{reg}/completion");
    let tomorrow = (Utc::now() + Duration::days(2)).date_naive().to_string();
    let (status, body) = app
        .call(
            Method::PUT,
            &path,
            Some(&trainer.token),
            Some(json!({"completed_on": tomorrow})),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let day = (Utc::now() - Duration::days(3)).date_naive().to_string();
    let (status, body) = app
        .call(
            Method::PUT,
            &path,
            Some(&trainer.token),
            Some(json!({"completed_on": day})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["certificate"], "issued");
    let (_, certs) = app.get("/api/v1/me/certificates", &people[0].token).await;
    let cert = certs["items"][0].clone();
    assert_eq!(cert["completed_on"], day);
    assert_eq!(cert["course_kind"], "elearning");
    assert_eq!(cert["accreditations"][0]["points"], 4.0);
    // A participant cannot mark themself.
    let (status, _) = app
        .call(
            Method::PUT,
            &path,
            Some(&people[0].token),
            Some(json!({"completed_on": day})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Taken back: the certificate is withdrawn; marked again: the same one is valid again.
    let (status, _) = app
        .call(Method::DELETE, &path, Some(&admin.token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, certs) = app.get("/api/v1/me/certificates", &people[0].token).await;
    assert_eq!(certs["items"][0]["status"], "revoked");
    assert_eq!(certs["items"][0]["revoked_reason"], "completion_withdrawn");
    let (status, body) = app
        .call(
            Method::PUT,
            &path,
            Some(&admin.token),
            Some(json!({"completed_on": day})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["certificate"], "reinstated");
    let (_, certs) = app.get("/api/v1/me/certificates", &people[0].token).await;
    assert_eq!(certs["items"].as_array().unwrap().len(), 1);
    assert_eq!(certs["items"][0]["code"], cert["code"]);
    assert_eq!(certs["items"][0]["status"], "valid");

    // Other kinds of course complete when their edition closes.
    let (other, _) = past_edition(&app, &admin, &trainer, "Verklarende analyse", 1, 100.0).await;
    let other_reg = enrol(&app, &admin, other, &people[0]).await;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/registrations/{other_reg}/completion"),
            Some(&admin.token),
            Some(json!({"completed_on": day})),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "not_elearning");
}
