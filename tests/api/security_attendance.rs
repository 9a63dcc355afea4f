//! Defences around attendance and its neighbours: parallel guessing of check-in codes,
//! reads that must not wait behind a locked edition, trainers certifying themselves,
//! evaluation comments that give their writers away, dates outside any plausible range,
//! and CSV reports that must never look complete when they are not.

use std::time::Duration as StdDuration;

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::certificates::{enrol, mark, past_edition};
use crate::helpers::{Actor, TestApp, assert_problem, id_of};

struct Setup {
    app: TestApp,
    admin: Actor,
    org: Uuid,
    trainer: Actor,
    people: Vec<Actor>,
}

async fn setup(n: usize) -> Setup {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Youké", "provider").await;
    let trainer = app
        .person(
            &admin,
            org,
            &["trainer", "professional"],
            "trainer@example.test",
        )
        .await;
    let people = app.people(&admin, org, "deelnemer", n).await;
    Setup {
        app,
        admin,
        org,
        trainer,
        people,
    }
}

fn stamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A published edition of a new course of `kind`, taught by `trainers`, with one session
/// from `start` minutes from now lasting two hours (none for e-learning).
async fn edition(
    app: &TestApp,
    admin: &Actor,
    trainers: &[&Actor],
    kind: &str,
    start: i64,
) -> (Uuid, Option<Uuid>) {
    let (_, course) = app.create("/api/v1/courses",
            &admin.token,
            json!({"title": "Meldcode kindermishandeling", "kind": kind, "description": "Een dagdeel.",
                   "hours": 3, "accreditations": [{"register": "SKJ", "number": "SKJ-1", "points": 3}]})).await;
    let trainer_ids: Vec<Uuid> = trainers.iter().map(|t| t.id).collect();
    let (_, e) = app
        .create(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 50, "trainer_ids": trainer_ids}),
        )
        .await;
    let edition = id_of(&e);
    let session = if kind == "elearning" {
        None
    } else {
        let starts = Utc::now() + Duration::minutes(start);
        let (_, s) = app
            .create(
                &format!("/api/v1/editions/{edition}/sessions"),
                &admin.token,
                json!({"starts_at": stamp(starts), "ends_at": stamp(starts + Duration::hours(2))}),
            )
            .await;
        Some(id_of(&s))
    };
    let (status, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/publish"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    (edition, session)
}

async fn code_of(app: &TestApp, trainer: &Actor, session: Uuid) -> String {
    let (status, code) = app
        .get(
            &format!("/api/v1/sessions/{session}/check-in-code"),
            &trainer.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{code}");
    code["code"].as_str().unwrap().to_owned()
}

/// A six-digit code other than `right`.
fn wrong_code(right: &str) -> String {
    let n: u32 = right.parse().unwrap();
    format!("{:06}", (n + 500_000) % 1_000_000)
}

async fn check_in(app: &TestApp, person: &Actor, session: Uuid, code: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/sessions/{session}/check-in")))
        .bearer_auth(&person.token)
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap()
}

async fn assert_too_many(resp: reqwest::Response) {
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&retry), "Retry-After {retry}");
    let body: Value = resp.json().await.unwrap();
    assert_problem(
        StatusCode::TOO_MANY_REQUESTS,
        &body,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_codes_get_no_more_than_five_comparisons() {
    let Setup {
        app,
        admin,
        trainer,
        people,
        ..
    } = setup(1).await;
    let (edition, session) = edition(&app, &admin, &[&trainer], "workshop", 10).await;
    let session = session.unwrap();
    enrol(&app, &admin, edition, &people[0]).await;
    let right = code_of(&app, &trainer, session).await;
    let wrong = wrong_code(&right);

    // Open the connections first, so that the guesses arrive together.
    futures::future::join_all((0..150).map(|_| app.client.get(app.url("/health")).send())).await;
    let answers =
        futures::future::join_all((0..150).map(|_| check_in(&app, &people[0], session, &wrong)))
            .await;
    let mut compared = 0;
    let mut limited = 0;
    for resp in answers {
        match resp.status() {
            StatusCode::UNPROCESSABLE_ENTITY => {
                let body: Value = resp.json().await.unwrap();
                assert_eq!(body["errors"][0]["field"], "code", "{body}");
                compared += 1;
            }
            StatusCode::TOO_MANY_REQUESTS => {
                assert_too_many(resp).await;
                limited += 1;
            }
            other => panic!("unexpected {other}: {}", resp.text().await.unwrap()),
        }
    }
    assert!(
        compared <= 5,
        "{compared} codes compared against a limit of 5"
    );
    assert_eq!(compared + limited, 150);
    // The limit holds for the right code too.
    let right = code_of(&app, &trainer, session).await;
    assert_too_many(check_in(&app, &people[0], session, &right).await).await;
}

/// Backends of the test's database waiting for a lock.
async fn waiting(db: &impl ConnectionTrait) -> i64 {
    db.query_one_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND wait_event_type = 'Lock'",
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}

/// Polls until `n` backends wait for a lock, or gives up after five seconds.
async fn until_waiting(db: &impl ConnectionTrait, n: i64) -> bool {
    for _ in 0..100 {
        if waiting(db).await >= n {
            return true;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn a_guess_is_counted_before_its_code_is_compared() {
    let Setup {
        app,
        admin,
        trainer,
        people,
        ..
    } = setup(1).await;
    if !app.db.is_postgres() {
        return; // The order is forced with a row lock.
    }
    let (edition, session) = edition(&app, &admin, &[&trainer], "workshop", 10).await;
    let session = session.unwrap();
    enrol(&app, &admin, edition, &people[0]).await;
    let right = code_of(&app, &trainer, session).await;
    let wrong = wrong_code(&right);
    for _ in 0..4 {
        let resp = check_in(&app, &people[0], session, &wrong).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // One attempt is left. The counter is held (as a slow database would), a wrong guess
    // is sent and waits for it; then the right code. The wrong guess came first and takes
    // the last attempt; the right code, counted after it, must not be compared.
    let other = academy::db::connect(&app.database_url, 1).await.unwrap();
    let txn = other.begin().await.unwrap();
    txn.query_one_raw(Statement::from_string(
        DbBackend::Postgres,
        "SELECT hits FROM rate_counters WHERE key LIKE 'check-in:%' FOR UPDATE",
    ))
    .await
    .unwrap()
    .expect("the counter");
    let first = tokio::spawn({
        let (client, url, token) = (
            app.client.clone(),
            app.url(&format!("/api/v1/sessions/{session}/check-in")),
            people[0].token.clone(),
        );
        let wrong = wrong.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "code": wrong }))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    assert!(
        until_waiting(&txn, 1).await,
        "the wrong guess waits for the counter"
    );
    let right = code_of(&app, &trainer, session).await;
    let second = tokio::spawn({
        let (client, url, token) = (
            app.client.clone(),
            app.url(&format!("/api/v1/sessions/{session}/check-in")),
            people[0].token.clone(),
        );
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "code": right }))
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    // Until the right code waits behind the wrong one (or, compared before it is
    // counted, is answered already).
    for _ in 0..100 {
        if second.is_finished() || waiting(&txn).await >= 2 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    txn.rollback().await.unwrap();
    other.close().await.ok();
    assert_eq!(first.await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        second.await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "the right code got past the limit"
    );
}

#[tokio::test]
async fn a_right_code_costs_nothing_of_the_budget() {
    let Setup {
        app,
        admin,
        trainer,
        people,
        ..
    } = setup(1).await;
    let (edition, session) = edition(&app, &admin, &[&trainer], "workshop", 10).await;
    let session = session.unwrap();
    enrol(&app, &admin, edition, &people[0]).await;
    let right = code_of(&app, &trainer, session).await;
    let wrong = wrong_code(&right);
    for _ in 0..2 {
        let resp = check_in(&app, &people[0], session, &wrong).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Right codes (the first checks in, the rest rejoin) cost nothing: more of them than
    // the budget has room for all work.
    for _ in 0..6 {
        let right = code_of(&app, &trainer, session).await;
        let resp = check_in(&app, &people[0], session, &right).await;
        assert_eq!(
            resp.status(),
            StatusCode::OK,
            "{}",
            resp.text().await.unwrap()
        );
    }
    // Three wrong ones are left of the five, then the limit.
    for _ in 0..3 {
        let resp = check_in(&app, &people[0], session, &wrong).await;
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_too_many(check_in(&app, &people[0], session, &wrong).await).await;
}

#[tokio::test]
async fn reads_do_not_wait_behind_a_locked_edition() {
    let Setup {
        app,
        admin,
        trainer,
        people,
        ..
    } = setup(1).await;
    if !app.db.is_postgres() {
        return; // SQLite takes no row locks.
    }
    let (edition, session) = edition(&app, &admin, &[&trainer], "workshop", 10).await;
    let session = session.unwrap();
    enrol(&app, &admin, edition, &people[0]).await;
    let right = code_of(&app, &trainer, session).await;

    // Another writer holds the edition, as a registration does.
    let other = academy::db::connect(&app.database_url, 1).await.unwrap();
    let txn = other.begin().await.unwrap();
    txn.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT id FROM editions WHERE id = $1 FOR UPDATE",
        [edition.into()],
    ))
    .await
    .unwrap()
    .expect("the edition");

    let within = |what: &'static str| {
        move |r: Result<(StatusCode, Value), tokio::time::error::Elapsed>| {
            r.unwrap_or_else(|_| panic!("{what} waited for the edition's lock"))
        }
    };
    let limit = StdDuration::from_secs(2);
    let (status, roster) = within("the roster")(
        tokio::time::timeout(
            limit,
            app.get(
                &format!("/api/v1/sessions/{session}/attendance"),
                &trainer.token,
            ),
        )
        .await,
    );
    assert_eq!(status, StatusCode::OK, "{roster}");
    assert_eq!(roster["items"].as_array().unwrap().len(), 1);
    let (status, code) = within("the check-in code")(
        tokio::time::timeout(
            limit,
            app.get(
                &format!("/api/v1/sessions/{session}/check-in-code"),
                &trainer.token,
            ),
        )
        .await,
    );
    assert_eq!(status, StatusCode::OK, "{code}");
    // A wrong code is refused by reading alone.
    let (status, body) = within("a wrong check-in")(
        tokio::time::timeout(
            limit,
            app.post(
                &format!("/api/v1/sessions/{session}/check-in"),
                &people[0].token,
                json!({"code": wrong_code(&right)}),
            ),
        )
        .await,
    );
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    txn.rollback().await.unwrap();
    other.close().await.ok();
}

#[tokio::test]
async fn trainers_do_not_mark_their_own_attendance() {
    let Setup {
        app,
        admin,
        org,
        trainer,
        people,
    } = setup(1).await;
    let colleague = app
        .person(&admin, org, &["trainer"], "collega@example.test")
        .await;
    // A session that started an hour ago: marking is open.
    let (edition, session) = edition(&app, &admin, &[&trainer, &colleague], "workshop", -60).await;
    let session = session.unwrap();
    let own = enrol(&app, &admin, edition, &trainer).await;
    let other = enrol(&app, &admin, edition, &people[0]).await;

    let (status, body) = mark(
        &app,
        &trainer.token,
        session,
        json!([{"registration_id": other, "status": "present"}, {"registration_id": own, "status": "present"}]),
    )
    .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "self_marking");
    // Nothing of it was applied.
    let (_, list) = app
        .get(
            &format!("/api/v1/sessions/{session}/attendance"),
            &admin.token,
        )
        .await;
    for line in list["items"].as_array().unwrap() {
        assert_eq!(line["attendance"], Value::Null, "{line}");
    }
    // Marking others still works, and a colleague marks the trainer.
    let (status, body) = mark(
        &app,
        &trainer.token,
        session,
        json!([{"registration_id": other, "status": "present"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = mark(
        &app,
        &colleague.token,
        session,
        json!([{"registration_id": own, "status": "late"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["attendance"]["status"], "late");

    // An admin marks their own registration.
    let own_admin = enrol(&app, &admin, edition, &admin).await;
    let (status, body) = mark(
        &app,
        &admin.token,
        session,
        json!([{"registration_id": own_admin, "status": "present"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn trainers_do_not_check_themselves_in() {
    let Setup {
        app,
        admin,
        trainer,
        people,
        ..
    } = setup(1).await;
    let (edition, session) = edition(&app, &admin, &[&trainer], "workshop", 10).await;
    let session = session.unwrap();
    enrol(&app, &admin, edition, &trainer).await;
    enrol(&app, &admin, edition, &people[0]).await;
    let code = code_of(&app, &trainer, session).await;
    let resp = check_in(&app, &trainer, session, &code).await;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_problem(status, &body, StatusCode::FORBIDDEN, "self_marking");
    // Participants still check in with it.
    let resp = check_in(&app, &people[0], session, &code).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn trainers_do_not_complete_their_own_elearning() {
    let Setup {
        app,
        admin,
        trainer,
        people,
        ..
    } = setup(1).await;
    let (edition, _) = edition(&app, &admin, &[&trainer], "elearning", 0).await;
    let own = enrol(&app, &admin, edition, &trainer).await;
    let other = enrol(&app, &admin, edition, &people[0]).await;
    let own_admin = enrol(&app, &admin, edition, &admin).await;
    let day = (Utc::now() - Duration::days(2)).date_naive().to_string();
    let complete = |reg: Uuid, token: String| {
        let app = &app;
        let day = day.clone();
        async move {
            app.call(
                Method::PUT,
                &format!("/api/v1/registrations/{reg}/completion"),
                Some(&token),
                Some(json!({ "completed_on": day })),
            )
            .await
        }
    };
    let (status, body) = complete(own, trainer.token.clone()).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "self_marking");
    let (_, certs) = app.get("/api/v1/me/certificates", &trainer.token).await;
    assert_eq!(certs["items"], json!([]), "{certs}");
    // Others are marked as before; an admin marks their own.
    let (status, body) = complete(other, trainer.token.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["certificate"], "issued");
    let (status, body) = complete(own_admin, admin.token.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The admin completes the trainer; the trainer cannot take it back either.
    let (status, body) = complete(own, admin.token.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/registrations/{own}/completion"),
            Some(&trainer.token),
            None,
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "self_marking");
}

#[tokio::test]
async fn trainers_read_comments_from_three_answers_without_times_in_alphabetical_order() {
    let Setup {
        app,
        admin,
        trainer,
        people,
        ..
    } = setup(3).await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    for p in &people {
        enrol(&app, &admin, edition, p).await;
    }
    let summary = format!("/api/v1/editions/{edition}/evaluations/summary");
    let submit = |p: &Actor, body: Value| {
        let app = &app;
        let token = p.token.clone();
        async move {
            let _ = app
                .create(
                    &format!("/api/v1/editions/{edition}/evaluations"),
                    &token,
                    body,
                )
                .await;
        }
    };
    submit(&people[0], json!({"score": 8, "comment": "Helder."})).await;
    submit(&people[1], json!({"score": 4, "comment": "Zeer traag."})).await;

    // Two answers: a trainer would know who wrote what, so no comments yet.
    let (status, t) = app.get(&summary, &trainer.token).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["count"], 2);
    assert_eq!(t["comments"], json!([]), "{t}");
    let (_, a) = app.get(&summary, &admin.token).await;
    assert_eq!(a["comments"].as_array().unwrap().len(), 2, "{a}");

    submit(
        &people[2],
        json!({"score": 9, "comment": "Als eerste toepasbaar."}),
    )
    .await;
    let (status, t) = app.get(&summary, &trainer.token).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let comments = t["comments"].as_array().unwrap();
    let texts: Vec<&str> = comments
        .iter()
        .map(|c| c["comment"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["Als eerste toepasbaar.", "Helder.", "Zeer traag."],
        "alphabetical, not in the order given"
    );
    for c in comments {
        assert_eq!(c["submitted_at"], Value::Null, "{c}");
        assert_eq!(c["user_id"], Value::Null, "{c}");
        assert_eq!(c["user_name"], Value::Null, "{c}");
    }
    // Admins keep the full view: newest first, with writer and time.
    let (_, a) = app.get(&summary, &admin.token).await;
    let texts: Vec<&str> = a["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["comment"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Als eerste toepasbaar.", "Zeer traag.", "Helder."]);
    for c in a["comments"].as_array().unwrap() {
        assert!(c["submitted_at"].is_string(), "{c}");
        assert!(c["user_id"].is_string(), "{c}");
    }
}

/// `GET` with an optional `Accept`, giving status, content type and the body as JSON.
async fn report(
    app: &TestApp,
    token: &str,
    path: &str,
    accept: Option<&str>,
) -> (StatusCode, String, Value) {
    let mut req = app.client.get(app.url(path)).bearer_auth(token);
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_owned();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, content_type, body)
}

fn assert_bad_day(status: StatusCode, content_type: &str, body: &Value, field: &str) {
    assert_problem(
        status,
        body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["errors"][0]["field"], field, "{body}");
}

#[tokio::test]
async fn days_outside_a_plausible_range_are_refused_everywhere() {
    let Setup {
        app,
        admin,
        org,
        trainer,
        people,
    } = setup(1).await;
    // One completion, so that the reports have a row.
    let (edition, _) = edition(&app, &admin, &[&trainer], "elearning", 0).await;
    let reg = enrol(&app, &admin, edition, &people[0]).await;
    let day = (Utc::now() - Duration::days(2)).date_naive().to_string();
    let path = format!("/api/v1/registrations/{reg}/completion");
    for bad in ["-262143-01-01", "1899-12-31", "3000-01-01"] {
        let (status, body) = app
            .call(
                Method::PUT,
                &path,
                Some(&admin.token),
                Some(json!({"completed_on": bad})),
            )
            .await;
        assert_bad_day(status, "application/problem+json", &body, "completed_on");
    }
    let (status, body) = app
        .call(
            Method::PUT,
            &path,
            Some(&admin.token),
            Some(json!({"completed_on": day})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Query parameters of the reports, JSON and CSV alike.
    let cases = [
        ("/api/v1/reports/completions?from=-262143-01-01", "from"),
        ("/api/v1/reports/completions?to=3000-01-01", "to"),
        (
            "/api/v1/reports/points?cycle_start=1899-12-31",
            "cycle_start",
        ),
        ("/api/v1/reports/register-export?from=-262143-01-01", "from"),
        ("/api/v1/reports/overview?to=%2B10000-01-01", "to"),
    ];
    for (path, field) in cases {
        for accept in [None, Some("text/csv")] {
            let (status, content_type, body) = report(&app, &admin.token, path, accept).await;
            assert_bad_day(status, &content_type, &body, field);
        }
    }
    let (status, content_type, body) = report(
        &app,
        &admin.token,
        "/api/v1/reports/completions?format=csv&from=-262143-01-01&to=3000-01-01",
        None,
    )
    .await;
    assert_bad_day(status, &content_type, &body, "from");
    assert_eq!(body["errors"][1]["field"], "to", "{body}");

    // The edges of the range are fine, and the report runs (on either database).
    let edges = "from=1900-01-01&to=2999-12-31";
    let (status, _, body) = report(
        &app,
        &admin.token,
        &format!("/api/v1/reports/completions?{edges}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), 1, "{body}");
    let (status, content_type, body) = report(
        &app,
        &admin.token,
        &format!("/api/v1/reports/completions?{edges}"),
        Some("text/csv"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let text = body.as_str().unwrap();
    assert_eq!(text.lines().count(), 2, "header and one row: {text}");
    assert!(text.contains(&reg.to_string()), "{text}");
    let (status, _, body) = report(
        &app,
        &admin.token,
        "/api/v1/reports/points?cycle_start=1900-01-01",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Days in bodies: a register period, an accreditation's validity.
    let (status, body) = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"email": "oud@example.test", "name": "Oud", "organization_id": org, "roles": ["professional"],
                   "registers": [{"register": "SKJ", "number": "1", "period_start": "-262143-01-01"}]}),
        )
        .await;
    assert_bad_day(
        status,
        "application/problem+json",
        &body,
        "registers[0].period_start",
    );
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{}", people[0].id),
            &admin.token,
            json!({"registers": [{"register": "SKJ", "number": "1", "period_start": "3000-01-01"}]}),
        )
        .await;
    assert_bad_day(
        status,
        "application/problem+json",
        &body,
        "registers[0].period_start",
    );
    let (status, body) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Oud", "kind": "lecture", "description": "-",
                   "accreditations": [{"register": "SKJ", "number": "1", "points": 1, "valid_until": "3000-01-01"}]}),
        )
        .await;
    assert_bad_day(
        status,
        "application/problem+json",
        &body,
        "accreditations[0].valid_until",
    );
}

#[tokio::test]
async fn a_csv_whose_first_page_fails_is_an_error_and_not_a_file() {
    let Setup { app, admin, .. } = setup(0).await;
    // The completions table is gone: the report's query fails.
    app.state
        .db
        .execute_unprepared("ALTER TABLE completions RENAME TO completions_elsewhere")
        .await
        .unwrap();
    let (status, content_type, body) = report(
        &app,
        &admin.token,
        "/api/v1/reports/completions",
        Some("text/csv"),
    )
    .await;
    assert_problem(
        status,
        &body,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
    );
    assert_eq!(content_type, "application/problem+json");
}

#[tokio::test]
async fn a_failure_while_a_csv_streams_aborts_the_transfer() {
    use academy::http::{AbortSwitch, Abortable, abort_on_error};
    use academy::reports::csv::{Page, Sheet, Style, stream};
    use futures::StreamExt;
    use poem::listener::{Acceptor, Listener, TcpListener};

    let style = Style {
        separator: b',',
        bom: false,
    };
    let first = || Page {
        rows: vec!["Anouk".to_owned()],
        next: Some(2u32),
    };
    let cells = |r: &String| vec![r.clone()];
    // The second page fails (the database went away, a query timed out …).
    let failing = move || {
        stream(
            Sheet::new(style, &["name"]).unwrap(),
            first(),
            cells,
            |page: u32| async move {
                // A query takes a moment before it fails.
                tokio::time::sleep(StdDuration::from_millis(50)).await;
                Err::<Page<String, u32>, _>(format!("page {page}: the database went away"))
            },
        )
    };
    // The same sheet whose second page is read.
    let working = move || {
        stream(
            Sheet::new(style, &["name"]).unwrap(),
            first(),
            cells,
            |_: u32| async move {
                Ok::<_, String>(Page {
                    rows: vec!["Bram".to_owned()],
                    next: None,
                })
            },
        )
    };

    // The stream: the first page, then an error rather than a clean end.
    let mut s = Box::pin(failing());
    assert_eq!(s.next().await.unwrap().unwrap(), "name\r\nAnouk\r\n");
    assert!(s.next().await.unwrap().is_err());
    assert!(s.next().await.is_none());

    // Over HTTP, served as the service serves (connections through `Abortable`, the
    // body aborting its connection at an error), the client sees a broken transfer.
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = *acceptor.local_addr()[0].as_socket_addr().unwrap();
    let csv = |req: &poem::Request, rows| {
        poem::Response::builder()
            .content_type("text/csv")
            .body(poem::Body::from_bytes_stream(abort_on_error(
                rows,
                AbortSwitch::of(req),
            )))
    };
    let app = poem::Route::new()
        .at(
            "/failing.csv",
            poem::endpoint::make_sync(move |req| csv(&req, failing().boxed())),
        )
        .at(
            "/working.csv",
            poem::endpoint::make_sync(move |req| csv(&req, working().boxed())),
        );
    tokio::spawn(async move {
        let _ = poem::Server::new_with_acceptor(Abortable(acceptor))
            .run(app)
            .await;
    });
    let client = reqwest::Client::new();
    let resp = client
        .get(format!("http://{addr}/working.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "name\r\nAnouk\r\nBram\r\n");
    let resp = client
        .get(format!("http://{addr}/failing.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "the first page was sent");
    assert!(
        resp.bytes().await.is_err(),
        "a cut-off CSV must not read as a complete one"
    );
    // On the wire: the first page, and no last chunk after it.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"GET /failing.csv HTTP/1.1\r\nHost: academy.test\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(StdDuration::from_secs(5), socket.read_to_end(&mut raw))
        .await
        .expect("the connection is closed")
        .ok();
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.contains("name\r\nAnouk\r\n"), "{raw}");
    assert!(
        !raw.ends_with("0\r\n\r\n"),
        "a clean end of the body: {raw}"
    );
}
