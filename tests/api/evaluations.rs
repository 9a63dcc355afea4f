//! Evaluations: a participant scores an edition once its first session has started, once
//! per registration (also under concurrent submissions), and may change it until 30 days
//! after the edition closes; admins and the edition's trainers read the summary, only
//! admins with names and times.

use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::certificates::{enrol, past_edition};
use crate::helpers::{Actor, TestApp, assert_problem, at, id_of, ts};
use crate::matrix;

struct Setup {
    app: TestApp,
    admin: Actor,
    trainer: Actor,
    people: Vec<Actor>,
}

async fn setup(n: usize) -> Setup {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Jeugdzorg Utrecht", "provider")
        .await;
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

fn evaluations(edition: Uuid) -> String {
    format!("/api/v1/editions/{edition}/evaluations")
}

fn mine(edition: Uuid) -> String {
    format!("/api/v1/editions/{edition}/evaluations/mine")
}

fn summary(edition: Uuid) -> String {
    format!("/api/v1/editions/{edition}/evaluations/summary")
}

async fn submit(app: &TestApp, person: &Actor, edition: Uuid, body: Value) -> (StatusCode, Value) {
    app.post(&evaluations(edition), &person.token, body).await
}

async fn change(app: &TestApp, person: &Actor, edition: Uuid, body: Value) -> (StatusCode, Value) {
    app.call(Method::PUT, &mine(edition), Some(&person.token), Some(body))
        .await
}

/// An edition taught by `trainer` whose one session starts `days` from now (09:00–12:00
/// UTC); published unless `draft`.
async fn edition_in(app: &TestApp, admin: &Actor, trainer: &Actor, days: i64, draft: bool) -> Uuid {
    let (_, course) = app.create("/api/v1/courses",
            &admin.token,
            json!({"title": "Motiverende gespreksvoering", "kind": "workshop", "description": "Een dagdeel."})).await;
    let (_, e) = app
        .create(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 20, "trainer_ids": [trainer.id]}),
        )
        .await;
    let edition = id_of(&e);
    let _ = app
        .create(
            &format!("/api/v1/editions/{edition}/sessions"),
            &admin.token,
            json!({"starts_at": ts(at(days, 9)), "ends_at": ts(at(days, 12))}),
        )
        .await;
    if !draft {
        transition(app, admin, edition, "publish").await;
    }
    edition
}

async fn transition(app: &TestApp, actor: &Actor, edition: Uuid, step: &str) {
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/{step}"),
            Some(&actor.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{step}: {body}");
}

fn time(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("a time: {v}")))
        .unwrap()
        .with_timezone(&Utc)
}

/// The edition's last change as stored (closing sets it).
async fn edition_updated_at(app: &TestApp, edition: Uuid) -> DateTime<Utc> {
    entity::edition::Entity::find_by_id(edition)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .updated_at
}

/// Moves the edition's last change (its closing) into the past: waiting 30 days is not
/// an option in a test.
async fn closed_days_ago(app: &TestApp, edition: Uuid, days: i64) {
    let when = Utc::now() - Duration::days(days);
    entity::edition::Entity::update_many()
        .col_expr(entity::edition::Column::UpdatedAt, Expr::value(when))
        .filter(entity::edition::Column::Id.eq(edition))
        .exec(&app.state.db)
        .await
        .unwrap();
}

fn field_errors(body: &Value) -> Vec<&str> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors in {body}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_participant_evaluates_once_the_first_session_has_started() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(2).await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    enrol(&app, &admin, edition, &people[0]).await;
    enrol(&app, &admin, edition, &people[1]).await;

    let resp = app
        .client
        .post(app.url(&evaluations(edition)))
        .bearer_auth(&people[0].token)
        .json(&json!({"score": 8, "comment": "  Heel praktisch.\nGoede casussen.  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        mine(edition),
        "the Location names the evaluation"
    );
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["edition_id"], edition.to_string(), "{created}");
    assert_eq!(created["score"], 8);
    assert_eq!(created["comment"], "Heel praktisch.\nGoede casussen.");
    assert_eq!(created["editable_until"], Value::Null, "open until closed");
    assert_eq!(created["created_at"], created["updated_at"]);

    let (status, got) = app.get(&mine(edition), &people[0].token).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got, created);
    let (status, body) = app.get(&mine(edition), &people[1].token).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");

    // A blank comment is none.
    let (status, other) = submit(
        &app,
        &people[1],
        edition,
        json!({"score": 6, "comment": " \n "}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{other}");
    assert_eq!(other["comment"], Value::Null);

    // Once.
    let (status, body) = submit(&app, &people[0], edition, json!({"score": 3})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "already_evaluated");
    let (_, got) = app.get(&mine(edition), &people[0].token).await;
    assert_eq!(got["score"], 8, "the first evaluation stands");

    // Not before the first session.
    let upcoming = edition_in(&app, &admin, &trainer, 5, false).await;
    enrol(&app, &admin, upcoming, &people[0]).await;
    let (status, body) = submit(&app, &people[0], upcoming, json!({"score": 9})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "evaluation_not_open");
    let (status, body) = app.get(&mine(upcoming), &people[0].token).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn only_people_with_a_confirmed_registration_evaluate() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(3).await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    enrol(&app, &admin, edition, &people[0]).await;
    let cancelled = enrol(&app, &admin, edition, &people[1]).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/registrations/{cancelled}/cancel"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    for who in [&people[1], &people[2], &trainer, &admin] {
        let (status, body) = submit(&app, who, edition, json!({"score": 7})).await;
        assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let client = app
        .client_token(&admin, people[0].org, &["registrations:write"])
        .await;
    let (status, body) = app
        .post(&evaluations(edition), &client, json!({"score": 7}))
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .call(
            Method::POST,
            &evaluations(edition),
            None,
            Some(json!({"score": 7})),
        )
        .await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");

    // A draft edition is not found; an unknown one neither.
    let draft = edition_in(&app, &admin, &trainer, -2, true).await;
    let (status, body) = submit(&app, &people[0], draft, json!({"score": 7})).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = submit(&app, &people[0], Uuid::now_v7(), json!({"score": 7})).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");

    let (status, body) = submit(&app, &people[0], edition, json!({"score": 7})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, s) = app.get(&summary(edition), &admin.token).await;
    assert_eq!(s["count"], 1, "the refused submissions left nothing: {s}");
}

#[tokio::test]
async fn five_concurrent_submissions_by_one_person_land_once() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(1).await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    enrol(&app, &admin, edition, &people[0]).await;

    let attempts = (1..=5).map(|score| {
        let app = &app;
        let person = &people[0];
        async move { submit(app, person, edition, json!({"score": score + 4})).await }
    });
    let results = futures::future::join_all(attempts).await;
    let created: Vec<&Value> = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(created.len(), 1, "{results:?}");
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_problem(*status, body, StatusCode::CONFLICT, "already_evaluated");
    }
    let (_, got) = app.get(&mine(edition), &people[0].token).await;
    assert_eq!(got["id"], created[0]["id"]);
    let (_, s) = app.get(&summary(edition), &admin.token).await;
    assert_eq!(s["count"], 1, "{s}");
}

#[tokio::test]
async fn scores_and_comments_are_validated() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(2).await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    enrol(&app, &admin, edition, &people[0]).await;
    enrol(&app, &admin, edition, &people[1]).await;
    let p = &people[0];

    for score in [
        json!(0),
        json!(11),
        json!(-3),
        json!(7.5),
        json!("8"),
        Value::Null,
    ] {
        let (status, body) = submit(&app, p, edition, json!({"score": score})).await;
        assert_problem(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert_eq!(field_errors(&body), ["score"], "score {score}: {body}");
    }
    let (status, body) = submit(&app, p, edition, json!({"comment": "Goed."})).await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );

    let too_long = "x".repeat(2001);
    for comment in [
        json!(too_long),
        json!("bel\u{7}"),
        json!("tab\there"),
        json!(42),
    ] {
        let (status, body) =
            submit(&app, p, edition, json!({"score": 8, "comment": comment})).await;
        assert_problem(
            status,
            &body,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert_eq!(field_errors(&body), ["comment"], "{body}");
    }
    let (status, body) = submit(&app, p, edition, json!({"score": 8, "rating": 8})).await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    // Nothing landed; the limits themselves are fine (2,000 characters, the surrounding
    // whitespace trimmed).
    let (status, _) = app.get(&mine(edition), &p.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let longest = format!("  {}\n", "é".repeat(1997));
    let (status, body) = submit(&app, p, edition, json!({"score": 1, "comment": longest})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["comment"].as_str().unwrap().chars().count(), 1997);
    let (status, body) = submit(&app, &people[1], edition, json!({"score": 10})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The same rules apply to a change.
    let (status, body) = change(&app, p, edition, json!({"score": 11})).await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert_eq!(field_errors(&body), ["score"]);
    let (status, body) = change(&app, p, edition, json!({"score": 5, "comment": too_long})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(field_errors(&body), ["comment"]);
    let (_, got) = app.get(&mine(edition), &p.token).await;
    assert_eq!(got["score"], 1, "a refused change changes nothing");
}

#[tokio::test]
async fn an_evaluation_can_be_changed_until_thirty_days_after_closing() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(3).await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    for p in &people {
        enrol(&app, &admin, edition, p).await;
    }
    let (status, first) = submit(
        &app,
        &people[0],
        edition,
        json!({"score": 6, "comment": "Te kort."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, body) = change(&app, &people[1], edition, json!({"score": 6})).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");

    // While published: a change replaces score and comment (an absent comment is removed).
    let (status, changed) = change(&app, &people[0], edition, json!({"score": 7})).await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["id"], first["id"]);
    assert_eq!(changed["score"], 7);
    assert_eq!(changed["comment"], Value::Null);
    assert_eq!(changed["created_at"], first["created_at"]);
    assert!(time(&changed["updated_at"]) >= time(&first["updated_at"]));

    // Closed: the deadline is the closing plus 30 days.
    transition(&app, &trainer, edition, "close").await;
    let closed_at = edition_updated_at(&app, edition).await;
    let (status, changed) = change(
        &app,
        &people[0],
        edition,
        json!({"score": 8, "comment": "Toch goed."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        time(&changed["editable_until"]),
        closed_at + Duration::days(30)
    );
    // Submitting is still possible within the window too.
    let (status, body) = submit(&app, &people[1], edition, json!({"score": 9})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    closed_days_ago(&app, edition, 29).await;
    let (status, body) = change(&app, &people[0], edition, json!({"score": 9})).await;
    assert_eq!(status, StatusCode::OK, "day 29: {body}");

    closed_days_ago(&app, edition, 31).await;
    let (status, body) = change(&app, &people[0], edition, json!({"score": 2})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "evaluation_closed");
    let (status, body) = submit(&app, &people[2], edition, json!({"score": 2})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "evaluation_closed");
    let (status, got) = app.get(&mine(edition), &people[0].token).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["score"], 9, "the last change in time stands");
    assert!(time(&got["editable_until"]) < Utc::now());

    // Re-opened for a correction: open again.
    transition(&app, &admin, edition, "reopen").await;
    let (status, body) = change(&app, &people[0], edition, json!({"score": 8})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["editable_until"], Value::Null);
}

#[tokio::test]
async fn a_cancelled_editions_evaluations_are_frozen() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(1).await;
    // Cancelled after its session (an admin may): evaluations made before it stay.
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    enrol(&app, &admin, edition, &people[0]).await;
    let (status, body) = submit(&app, &people[0], edition, json!({"score": 4})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    transition(&app, &admin, edition, "cancel").await;

    let (status, body) = change(&app, &people[0], edition, json!({"score": 5})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_cancelled");
    let (status, got) = app.get(&mine(edition), &people[0].token).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(got["score"], 4);
    assert_eq!(
        time(&got["editable_until"]),
        edition_updated_at(&app, edition).await,
        "editable until the cancellation"
    );
}

#[tokio::test]
async fn the_summary_counts_averages_and_distributes() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(5).await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    for p in &people {
        enrol(&app, &admin, edition, p).await;
    }
    let (status, empty) = app.get(&summary(edition), &trainer.token).await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(
        empty,
        json!({"count": 0, "mean": null, "distribution": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "comments": []})
    );

    // 8, 9, 7 and 10: mean 8.5; the third has no comment; the fifth person does not evaluate.
    let given = [
        (8, Some("Helder verhaal.")),
        (9, Some("Sterke trainer.")),
        (7, None),
        (10, Some("Direct toepasbaar.")),
    ];
    for (p, (score, comment)) in people.iter().zip(given) {
        let (status, body) = submit(
            &app,
            p,
            edition,
            json!({"score": score, "comment": comment}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    let (status, s) = app.get(&summary(edition), &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{s}");
    assert_eq!(s["count"], 4);
    assert_eq!(s["mean"], 8.5);
    assert_eq!(s["distribution"], json!([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]));
    let comments = s["comments"].as_array().unwrap();
    let texts: Vec<&str> = comments
        .iter()
        .map(|c| c["comment"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["Direct toepasbaar.", "Sterke trainer.", "Helder verhaal."],
        "newest first, without the evaluation that has no comment"
    );
    let scores: Vec<i64> = comments
        .iter()
        .map(|c| c["score"].as_i64().unwrap())
        .collect();
    assert_eq!(scores, [10, 9, 8]);
    // Admins see who wrote what.
    for (c, p) in comments.iter().zip([&people[3], &people[1], &people[0]]) {
        assert_eq!(c["user_id"], p.id.to_string(), "{c}");
        assert_eq!(c["user_name"], format!("Test {}", p.email), "{c}");
        assert!(time(&c["submitted_at"]) <= Utc::now());
    }

    // The edition's trainer reads the same figures and comments, without names, ids or
    // times, in alphabetical order.
    let (status, t) = app.get(&summary(edition), &trainer.token).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["count"], s["count"]);
    assert_eq!(t["mean"], s["mean"]);
    assert_eq!(t["distribution"], s["distribution"]);
    let seen: Vec<(&str, i64)> = t["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["user_id"], Value::Null, "{c}");
            assert_eq!(c["user_name"], Value::Null, "{c}");
            assert_eq!(c["submitted_at"], Value::Null, "{c}");
            (c["comment"].as_str().unwrap(), c["score"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("Direct toepasbaar.", 10),
            ("Helder verhaal.", 8),
            ("Sterke trainer.", 9)
        ]
    );
    let text = t.to_string();
    for p in &people {
        assert!(!text.contains(&p.id.to_string()), "{text}");
        assert!(!text.contains(&p.email), "{text}");
    }

    // A change moves the figures; the mean is rounded to two decimals (8, 9, 8, 10 → 8.75;
    // then 8, 9, 8, 8 → 8.25; with a fifth, 5: 38 / 5 = 7.6).
    let (status, _) = change(&app, &people[2], edition, json!({"score": 8})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, s) = app.get(&summary(edition), &admin.token).await;
    assert_eq!(s["mean"], 8.75);
    assert_eq!(s["distribution"], json!([0, 0, 0, 0, 0, 0, 0, 2, 1, 1]));
    let (status, _) = change(&app, &people[3], edition, json!({"score": 8})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = submit(&app, &people[4], edition, json!({"score": 5})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, s) = app.get(&summary(edition), &admin.token).await;
    assert_eq!(s["count"], 5);
    assert_eq!(s["mean"], 7.6);
    assert_eq!(s["distribution"], json!([0, 0, 0, 0, 1, 0, 0, 3, 1, 0]));
    assert_eq!(s["comments"].as_array().unwrap().len(), 2, "{s}");
}

#[tokio::test]
async fn the_mean_is_rounded_to_two_decimals() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(3).await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    for (p, score) in people.iter().zip([7, 8, 8]) {
        enrol(&app, &admin, edition, p).await;
        let (status, body) = submit(&app, p, edition, json!({"score": score})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (_, s) = app.get(&summary(edition), &trainer.token).await;
    assert_eq!(s["mean"], 7.67, "23 / 3: {s}");
    assert_eq!(s["comments"], json!([]));
}

/// Who calls, in the matrix below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A partner client of the organisation.
    Client,
    /// A professional with a confirmed registration.
    Pro,
    /// A professional registered for nothing.
    Colleague,
    /// HR of the organisation.
    Hr,
    /// The edition's trainer.
    Trainer,
    /// A trainer of other editions.
    OtherTrainer,
    Admin,
}

#[tokio::test]
async fn the_authorisation_matrix_of_evaluations() {
    use Who::*;
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(1).await;
    let org = people[0].org;
    let pro = &people[0];
    let colleague = app
        .person(&admin, org, &["professional"], "collega@example.test")
        .await;
    let hr = app.person(&admin, org, &["hr"], "hr@example.test").await;
    let other_trainer = app
        .person(&admin, org, &["trainer"], "trainer2@example.test")
        .await;
    let client = app
        .client_token(&admin, org, &["registrations:read", "registrations:write"])
        .await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    enrol(&app, &admin, edition, pro).await;
    let draft = edition_in(&app, &admin, &trainer, -2, true).await;

    let token = |who: Who| -> Option<&str> {
        match who {
            Anonymous => None,
            Client => Some(&client),
            Pro => Some(&pro.token),
            Colleague => Some(&colleague.token),
            Hr => Some(&hr.token),
            Trainer => Some(&trainer.token),
            OtherTrainer => Some(&other_trainer.token),
            Admin => Some(&admin.token),
        }
    };
    let body = || Some(json!({"score": 8, "comment": "Goed."}));
    let mut t = matrix::Table::<Who>::default();
    for (who, expected) in [
        (Anonymous, StatusCode::UNAUTHORIZED),
        (Client, StatusCode::FORBIDDEN),
        (Colleague, StatusCode::FORBIDDEN),
        (Hr, StatusCode::FORBIDDEN),
        (Trainer, StatusCode::FORBIDDEN),
        (OtherTrainer, StatusCode::FORBIDDEN),
        (Admin, StatusCode::FORBIDDEN),
        (Pro, StatusCode::CREATED),
        (Pro, StatusCode::CONFLICT),
    ] {
        t.add(who, Method::POST, evaluations(edition), body(), expected);
    }
    for (who, expected) in [
        (Anonymous, StatusCode::UNAUTHORIZED),
        (Client, StatusCode::FORBIDDEN),
        (Colleague, StatusCode::NOT_FOUND),
        (Trainer, StatusCode::NOT_FOUND),
        (Admin, StatusCode::NOT_FOUND),
        (Pro, StatusCode::OK),
    ] {
        t.add(who, Method::GET, mine(edition), None, expected);
        let put = if expected == StatusCode::OK {
            body()
        } else {
            Some(json!({"score": 1}))
        };
        t.add(who, Method::PUT, mine(edition), put, expected);
    }
    for (who, expected) in [
        (Anonymous, StatusCode::UNAUTHORIZED),
        (Client, StatusCode::FORBIDDEN),
        (Pro, StatusCode::FORBIDDEN),
        (Colleague, StatusCode::FORBIDDEN),
        (Hr, StatusCode::FORBIDDEN),
        (OtherTrainer, StatusCode::FORBIDDEN),
        (Trainer, StatusCode::OK),
        (Admin, StatusCode::OK),
    ] {
        t.add(who, Method::GET, summary(edition), None, expected);
    }
    // A draft edition: nobody evaluates it; only those who see it in full learn it exists.
    for (who, expected) in [
        (Client, StatusCode::NOT_FOUND),
        (Pro, StatusCode::NOT_FOUND),
        (OtherTrainer, StatusCode::NOT_FOUND),
        (Trainer, StatusCode::OK),
        (Admin, StatusCode::OK),
    ] {
        t.add(who, Method::GET, summary(draft), None, expected);
    }
    t.add(
        Pro,
        Method::POST,
        evaluations(draft),
        body(),
        StatusCode::NOT_FOUND,
    );
    t.add(Pro, Method::GET, mine(draft), None, StatusCode::NOT_FOUND);

    let names = [(edition, "{edition}"), (draft, "{draft}")];
    matrix::assert_cells(
        &app,
        &t,
        token,
        |text| matrix::named(text, &names),
        matrix::refusals(&[(StatusCode::CONFLICT, "already_evaluated")]),
    )
    .await;

    // The refused writes changed nothing: one evaluation, the professional's.
    let (_, s) = app.get(&summary(edition), &admin.token).await;
    assert_eq!(s["count"], 1, "{s}");
    assert_eq!(s["comments"][0]["user_id"], pro.id.to_string());
}

#[tokio::test]
async fn the_database_refuses_scores_outside_one_to_ten() {
    let Setup {
        app,
        admin,
        trainer,
        people,
    } = setup(1).await;
    let (edition, _) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 100.0).await;
    enrol(&app, &admin, edition, &people[0]).await;
    let (status, body) = submit(&app, &people[0], edition, json!({"score": 10})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for score in [0, 11] {
        let result = entity::evaluation::Entity::update_many()
            .col_expr(entity::evaluation::Column::Score, Expr::value(score))
            .filter(entity::evaluation::Column::EditionId.eq(edition))
            .exec(&app.state.db)
            .await;
        assert!(result.is_err(), "score {score} must be refused");
    }
    let (_, got) = app.get(&mine(edition), &people[0].token).await;
    assert_eq!(got["score"], 10);
}
