//! Registrations and the waiting list: the seat rule, approvals, the registration window,
//! who may register whom, cancellation and promotion, capacity changes, edition
//! cancellation, history, idempotency keys, the lists, and correctness under real
//! concurrency (on SQLite, PostgreSQL, and two service processes on PostgreSQL).

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

async fn register(app: &TestApp, token: &str, edition: Uuid, body: Value) -> (StatusCode, Value) {
    app.post(
        &format!("/api/v1/editions/{edition}/registrations"),
        token,
        body,
    )
    .await
}

async fn register_self(app: &TestApp, who: &Actor, edition: Uuid) -> Value {
    let (status, body) = register(app, &who.token, edition, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn act(app: &TestApp, token: &str, registration: &Value, step: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/registrations/{}/{step}", id_of(registration)),
        Some(token),
        None,
    )
    .await
}

async fn edition_figures(app: &TestApp, edition: Uuid) -> (i64, i64, i64) {
    let (status, e) = app
        .call(
            Method::GET,
            &format!("/api/v1/editions/{edition}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    (
        e["seats_taken"].as_i64().unwrap(),
        e["seats_available"].as_i64().unwrap(),
        e["waitlist_length"].as_i64().unwrap(),
    )
}

/// Every registration of an edition, through the admin list (all pages).
async fn all_registrations(app: &TestApp, admin: &Actor, edition: Uuid) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = app
            .get(
                &format!("/api/v1/editions/{edition}/registrations?limit=200{cursor}"),
                &admin.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

/// The invariants users trust: never more confirmed than capacity, one active
/// registration per person, waiting-list positions exactly 1..n.
fn assert_invariants(regs: &[Value], capacity: usize) -> (usize, usize) {
    let confirmed = regs.iter().filter(|r| r["status"] == "confirmed").count();
    assert!(
        confirmed <= capacity,
        "{confirmed} confirmed for {capacity} seats"
    );
    let mut positions: Vec<i64> = regs
        .iter()
        .filter(|r| r["status"] == "waitlisted")
        .map(|r| r["waitlist_position"].as_i64().expect("position"))
        .collect();
    positions.sort_unstable();
    let expected: Vec<i64> = (1..=positions.len() as i64).collect();
    assert_eq!(positions, expected, "waiting-list positions");
    let mut active: BTreeMap<String, usize> = BTreeMap::new();
    for r in regs.iter().filter(|r| {
        ["confirmed", "waitlisted", "pending_approval"].contains(&r["status"].as_str().unwrap())
    }) {
        *active.entry(r["user_id"].to_string()).or_default() += 1;
    }
    assert!(
        active.values().all(|n| *n == 1),
        "one active registration per person"
    );
    if positions.is_empty() {
        (confirmed, 0)
    } else {
        assert_eq!(confirmed, capacity, "nobody waits while a seat is free");
        (confirmed, positions.len())
    }
}

/// The admin and a provider organisation.
async fn org_of(app: &TestApp) -> (Actor, Uuid) {
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Jeugdzorg Flevoland", "provider")
        .await;
    (admin, org)
}

// ---------------------------------------------------------------------------------------
// The seat rule and the waiting list
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn seats_then_the_waiting_list_then_promotion_in_order() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let e = app
        .open_edition(&admin, 10, json!({"capacity": 2, "waitlist_enabled": true}))
        .await;
    let people = app.people(&admin, org, "p", 5).await;
    let mut regs = Vec::new();
    for p in &people {
        regs.push(register_self(&app, p, e).await);
    }
    let statuses: Vec<_> = regs.iter().map(|r| r["status"].clone()).collect();
    assert_eq!(
        statuses,
        [
            "confirmed",
            "confirmed",
            "waitlisted",
            "waitlisted",
            "waitlisted"
        ]
    );
    assert_eq!(regs[2]["waitlist_position"], 1);
    assert_eq!(regs[4]["waitlist_position"], 3);
    assert_eq!(regs[0]["waitlist_position"], Value::Null);
    assert_eq!(edition_figures(&app, e).await, (2, 0, 3));

    // Registering twice is refused.
    let (status, body) = register(&app, &people[0].token, e, json!({})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "already_registered");
    let (status, body) = register(&app, &people[3].token, e, json!({})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "already_registered");

    // A confirmed person cancels: the first waiting gets the seat, the rest move up.
    let (status, body) = act(&app, &people[0].token, &regs[0], "cancel").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["late"], false);
    let (_, promoted) = app
        .get(
            &format!("/api/v1/registrations/{}", id_of(&regs[2])),
            &people[2].token,
        )
        .await;
    assert_eq!(promoted["status"], "confirmed", "{promoted}");
    assert_eq!(promoted["waitlist_position"], Value::Null);
    let all = all_registrations(&app, &admin, e).await;
    assert_eq!(assert_invariants(&all, 2), (2, 2));
    let pos = |r: &Value| {
        all.iter()
            .find(|x| x["id"] == r["id"])
            .map(|x| x["waitlist_position"].clone())
            .unwrap()
    };
    assert_eq!(pos(&regs[3]), 1);
    assert_eq!(pos(&regs[4]), 2);

    // A waiting person in front leaves: the one behind moves up.
    let (status, _) = act(&app, &people[3].token, &regs[3], "cancel").await;
    assert_eq!(status, StatusCode::OK);
    let all = all_registrations(&app, &admin, e).await;
    assert_eq!(assert_invariants(&all, 2), (2, 1));
    assert_eq!(edition_figures(&app, e).await, (2, 0, 1));

    // Cancelling twice is a conflict; registering again goes to the back of the queue.
    let (status, body) = act(&app, &people[0].token, &regs[0], "cancel").await;
    assert_problem(
        status,
        &body,
        StatusCode::CONFLICT,
        "registration_not_active",
    );
    let again = register_self(&app, &people[0], e).await;
    assert_ne!(again["id"], regs[0]["id"], "a new registration");
    assert_eq!(again["status"], "waitlisted");
    assert_eq!(again["waitlist_position"], 2);

    // The promoted registration's history: made, waited, promoted by the service.
    let (status, history) = app
        .get(
            &format!("/api/v1/registrations/{}/history", id_of(&regs[2])),
            &admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let steps: Vec<(Value, Value, Value)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from"].clone(), h["to"].clone(), h["by_kind"].clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (Value::Null, json!("waitlisted"), json!("user")),
            (json!("waitlisted"), json!("confirmed"), json!("system")),
        ]
    );
    assert_eq!(history[0]["by_id"], people[2].id.to_string());
    // History is for admins.
    let (status, body) = app
        .get(
            &format!("/api/v1/registrations/{}/history", id_of(&regs[2])),
            &people[2].token,
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
}

#[tokio::test]
async fn without_a_waiting_list_a_full_edition_refuses() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let e = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 1, "waitlist_enabled": false}),
        )
        .await;
    let people = app.people(&admin, org, "f", 2).await;
    register_self(&app, &people[0], e).await;
    let (status, body) = register(&app, &people[1].token, e, json!({})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_full");
    assert_eq!(edition_figures(&app, e).await, (1, 0, 0));
}

#[tokio::test]
async fn the_edition_and_its_window_decide_whether_it_takes_registrations() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let p = app
        .person(&admin, org, &["professional"], "w@example.test")
        .await;

    let later = app
        .open_edition(
            &admin,
            30,
            json!({"capacity": 5, "registration_opens_at": ts(at(5, 9))}),
        )
        .await;
    let (status, body) = register(&app, &p.token, later, json!({})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "registration_closed");

    let closed = app
        .open_edition(
            &admin,
            30,
            json!({"capacity": 5, "registration_closes_at": ts(at(-1, 9)),
                   "registration_opens_at": ts(at(-5, 9))}),
        )
        .await;
    let (status, body) = register(&app, &p.token, closed, json!({})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "registration_closed");
    // An admin may still add someone after the window (a late addition).
    let (status, body) = register(&app, &admin.token, closed, json!({"user_id": p.id})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let cancelled = app.open_edition(&admin, 30, json!({"capacity": 5})).await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{cancelled}/cancel"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = register(&app, &p.token, cancelled, json!({})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_cancelled");

    // A draft is not open, whoever asks.
    let (status, course) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Concept", "kind": "lecture", "description": "Nog niet gepubliceerd."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, draft) = app
        .post(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 5}),
        )
        .await;
    let (status, body) = register(&app, &p.token, id_of(&draft), json!({})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_open");
    let (status, body) =
        register(&app, &admin.token, id_of(&draft), json!({"user_id": p.id})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_open");

    let (status, body) = register(&app, &p.token, Uuid::now_v7(), json!({})).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

// ---------------------------------------------------------------------------------------
// Who registers whom; approvals
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn hr_and_partner_clients_register_their_own_people_only() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let other = app
        .create_org(&admin, "Gemeente Almere", "municipality")
        .await;
    let e = app.open_edition(&admin, 10, json!({"capacity": 10})).await;
    let hr = app.person(&admin, org, &["hr"], "hr@example.test").await;
    let mine = app
        .person(&admin, org, &["professional"], "mine@example.test")
        .await;
    let theirs = app
        .person(&admin, other, &["professional"], "theirs@example.test")
        .await;

    let (status, body) = register(&app, &hr.token, e, json!({"user_id": mine.id})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user_id"], mine.id.to_string());
    let (status, body) = register(&app, &hr.token, e, json!({"user_id": theirs.id})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // A professional registers themself only.
    let (status, body) = register(&app, &mine.token, e, json!({"user_id": theirs.id})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    // Nobody registers an unknown person.
    let (status, body) = register(&app, &admin.token, e, json!({"user_id": Uuid::now_v7()})).await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );

    let writer = app
        .client_token(&admin, other, &["registrations:write"])
        .await;
    let (status, body) = register(&app, &writer, e, json!({"user_id": theirs.id})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = register(&app, &writer, e, json!({"user_id": hr.id})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = register(&app, &writer, e, json!({})).await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let reader = app
        .client_token(&admin, other, &["registrations:read"])
        .await;
    let (status, body) = register(&app, &reader, e, json!({"user_id": theirs.id})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");

    // Lists: admins see all, HR and reading clients their own people, others nothing.
    let list = format!("/api/v1/editions/{e}/registrations");
    let users = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["user_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = app.get(&list, &admin.token).await;
    assert_eq!(users(&all).len(), 2);
    assert_eq!(all["items"][0]["user_name"], "Test mine@example.test");
    let (_, by_hr) = app.get(&list, &hr.token).await;
    assert_eq!(users(&by_hr), vec![mine.id.to_string()]);
    let (_, by_client) = app.get(&list, &reader).await;
    assert_eq!(users(&by_client), vec![theirs.id.to_string()]);
    let (status, body) = app.get(&list, &mine.token).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");

    // HR of another organisation does not see, let alone cancel, this registration.
    let (_, reg) = app.get(&list, &hr.token).await;
    let reg = reg["items"][0].clone();
    let other_hr = app.person(&admin, other, &["hr"], "hr2@example.test").await;
    let (status, body) = act(&app, &other_hr.token, &reg, "cancel").await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = app
        .get(
            &format!("/api/v1/registrations/{}", id_of(&reg)),
            &other_hr.token,
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    // Their own HR cancels it.
    let (status, body) = act(&app, &hr.token, &reg, "cancel").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn approval_comes_first_where_the_edition_asks_for_it() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let other = app
        .create_org(&admin, "Gemeente Lelystad", "municipality")
        .await;
    let e = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 1, "requires_approval": true, "waitlist_enabled": true}),
        )
        .await;
    let hr = app.person(&admin, org, &["hr"], "hr@example.test").await;
    let other_hr = app.person(&admin, other, &["hr"], "ohr@example.test").await;
    let people = app.people(&admin, org, "a", 3).await;
    let regs: Vec<Value> = {
        let mut v = Vec::new();
        for p in &people {
            let r = register_self(&app, p, e).await;
            assert_eq!(r["status"], "pending_approval", "{r}");
            v.push(r);
        }
        v
    };
    // Pending registrations take no seat.
    assert_eq!(edition_figures(&app, e).await, (0, 1, 0));

    let (status, body) = act(&app, &people[0].token, &regs[0], "approve").await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = act(&app, &other_hr.token, &regs[0], "approve").await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");

    let (status, body) = act(&app, &hr.token, &regs[0], "approve").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "confirmed");
    let (status, body) = act(&app, &admin.token, &regs[1], "approve").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "waitlisted");
    assert_eq!(body["waitlist_position"], 1);
    let (status, body) = app
        .post(
            &format!("/api/v1/registrations/{}/decline", id_of(&regs[2])),
            &hr.token,
            json!({"reason": "Geen budget dit kwartaal"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "declined");
    let (status, body) = act(&app, &hr.token, &regs[2], "approve").await;
    assert_problem(status, &body, StatusCode::CONFLICT, "not_pending");
    let (_, history) = app
        .get(
            &format!("/api/v1/registrations/{}/history", id_of(&regs[2])),
            &admin.token,
        )
        .await;
    assert_eq!(history[1]["reason"], "Geen budget dit kwartaal");
    assert_eq!(history[1]["by_id"], hr.id.to_string());

    // HR registering their own person is the approval.
    let d = app
        .person(&admin, org, &["professional"], "direct@example.test")
        .await;
    let (status, body) = register(&app, &hr.token, e, json!({"user_id": d.id})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "waitlisted");
    assert_eq!(body["waitlist_position"], 2);
}

// ---------------------------------------------------------------------------------------
// Deadlines, capacity, edition cancellation
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn late_cancellations_are_allowed_and_recorded() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let e = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 5, "cancellation_deadline": ts(at(-1, 12))}),
        )
        .await;
    let p = app
        .person(&admin, org, &["professional"], "late@example.test")
        .await;
    let r = register_self(&app, &p, e).await;
    let (status, body) = act(&app, &p.token, &r, "cancel").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["late"], true);
    let (_, history) = app
        .get(
            &format!("/api/v1/registrations/{}/history", id_of(&r)),
            &admin.token,
        )
        .await;
    assert_eq!(
        history[1]["reason"],
        "cancelled after the cancellation deadline"
    );
}

#[tokio::test]
async fn capacity_changes_promote_at_once_and_never_unconfirm() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let e = app
        .open_edition(&admin, 10, json!({"capacity": 2, "waitlist_enabled": true}))
        .await;
    let people = app.people(&admin, org, "c", 5).await;
    for p in &people {
        register_self(&app, p, e).await;
    }
    let path = format!("/api/v1/editions/{e}");
    let (status, body) = app.patch(&path, &admin.token, json!({"capacity": 1})).await;
    assert_problem(
        status,
        &body,
        StatusCode::CONFLICT,
        "capacity_below_confirmed",
    );
    let (status, body) = app
        .patch(&path, &admin.token, json!({"waitlist_enabled": false}))
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "waitlist_not_empty");

    let (status, body) = app.patch(&path, &admin.token, json!({"capacity": 4})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["seats_taken"], 4, "{body}");
    assert_eq!(body["waitlist_length"], 1, "{body}");
    let all = all_registrations(&app, &admin, e).await;
    assert_eq!(assert_invariants(&all, 4), (4, 1));
    let last = all
        .iter()
        .find(|r| r["user_id"] == people[4].id.to_string())
        .unwrap();
    assert_eq!(
        last["waitlist_position"], 1,
        "the last to come waits, now first"
    );
}

#[tokio::test]
async fn cancelling_an_edition_cancels_its_registrations_with_history() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let e = app
        .open_edition(&admin, 10, json!({"capacity": 1, "waitlist_enabled": true}))
        .await;
    let people = app.people(&admin, org, "x", 2).await;
    let first = register_self(&app, &people[0], e).await;
    register_self(&app, &people[1], e).await;
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{e}/cancel"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let all = all_registrations(&app, &admin, e).await;
    assert!(
        all.iter()
            .all(|r| r["status"] == "cancelled" && r["waitlist_position"].is_null())
    );
    let (_, history) = app
        .get(
            &format!("/api/v1/registrations/{}/history", id_of(&first)),
            &admin.token,
        )
        .await;
    assert_eq!(history[1]["to"], "cancelled");
    assert_eq!(history[1]["reason"], "the edition was cancelled");
    assert_eq!(history[1]["by_id"], admin.id.to_string());
}

// ---------------------------------------------------------------------------------------
// Idempotency and the personal list
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_idempotency_key_replays_the_first_response() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let e = app.open_edition(&admin, 10, json!({"capacity": 5})).await;
    let e2 = app.open_edition(&admin, 11, json!({"capacity": 5})).await;
    let hr = app.person(&admin, org, &["hr"], "hr@example.test").await;
    let p = app
        .person(&admin, org, &["professional"], "idem@example.test")
        .await;
    let q = app
        .person(&admin, org, &["professional"], "idem2@example.test")
        .await;
    let send = |token: String, key: &'static str, edition: Uuid, body: Value| {
        let req = app
            .client
            .post(app.url(&format!("/api/v1/editions/{edition}/registrations")))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body);
        async move {
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let replayed = resp.headers().get("idempotent-replayed").is_some();
            let location = resp
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value = resp.json().await.unwrap();
            (status, replayed, location, body)
        }
    };
    let first = send(hr.token.clone(), "k-1", e, json!({"user_id": p.id})).await;
    assert_eq!(first.0, StatusCode::CREATED, "{}", first.3);
    assert!(!first.1);
    let again = send(hr.token.clone(), "k-1", e, json!({"user_id": p.id})).await;
    assert_eq!(again.0, StatusCode::CREATED);
    assert!(again.1, "marked as a replay");
    assert_eq!(again.2, first.2);
    assert_eq!(again.3, first.3, "the same body");
    // The same key for another request is refused, and changes nothing.
    let other = send(hr.token.clone(), "k-1", e, json!({"user_id": q.id})).await;
    assert_problem(
        other.0,
        &other.3,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let other = send(hr.token.clone(), "k-1", e2, json!({"user_id": p.id})).await;
    assert_problem(
        other.0,
        &other.3,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    // Keys are the caller's own.
    let own = send(q.token.clone(), "k-1", e, json!({})).await;
    assert_eq!(own.0, StatusCode::CREATED, "{}", own.3);
    assert!(!own.1);
    assert_eq!(all_registrations(&app, &admin, e).await.len(), 2);

    // Ten concurrent retries of one request: one registration, ten equal answers.
    let r = app
        .person(&admin, org, &["professional"], "idem3@example.test")
        .await;
    let answers =
        futures::future::join_all((0..10).map(|_| send(r.token.clone(), "k-2", e2, json!({}))))
            .await;
    for a in &answers {
        assert_eq!(a.0, StatusCode::CREATED, "{}", a.3);
        assert_eq!(a.3, answers[0].3);
    }
    assert_eq!(all_registrations(&app, &admin, e2).await.len(), 1);
    // An empty, blank or overlong key is a malformed request, refused, not ignored,
    // and nothing is registered.
    let long: &'static str = "k".repeat(256).leak();
    for bad in ["", "   ", "two words", long] {
        let (status, _, _, body) = send(hr.token.clone(), bad, e2, json!({"user_id": q.id})).await;
        crate::helpers::assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_parameter");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("`Idempotency-Key` must be 1 to 255 characters"),
            "{detail}"
        );
    }
    assert_eq!(all_registrations(&app, &admin, e2).await.len(), 1);
}

#[tokio::test]
async fn my_registrations_carry_the_edition_course_and_sessions() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let e = app
        .open_edition(&admin, 10, json!({"capacity": 5, "location": "Lelystad"}))
        .await;
    let e2 = app.open_edition(&admin, 20, json!({"capacity": 5})).await;
    let p = app
        .person(&admin, org, &["professional"], "mine@example.test")
        .await;
    let r1 = register_self(&app, &p, e).await;
    let (status, page) = app.get("/api/v1/me/registrations", &p.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // A new registration shows at once (the page is not served stale).
    register_self(&app, &p, e2).await;
    let (_, page) = app.get("/api/v1/me/registrations", &p.token).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let first = items.iter().find(|i| i["id"] == r1["id"]).unwrap();
    assert_eq!(first["status"], "confirmed");
    assert_eq!(first["edition"]["id"], e.to_string());
    assert_eq!(first["edition"]["course_title"], "Verklarende analyse");
    assert_eq!(first["edition"]["location"], "Lelystad");
    assert_eq!(first["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(first["sessions"][0]["starts_at"], ts(at(10, 9)));
    // Filter and paging.
    let (_, one) = app.get("/api/v1/me/registrations?limit=1", &p.token).await;
    assert_eq!(one["items"].as_array().unwrap().len(), 1);
    let cursor = one["next_cursor"].as_str().expect("a second page");
    let (_, two) = app
        .get(
            &format!("/api/v1/me/registrations?limit=1&cursor={cursor}"),
            &p.token,
        )
        .await;
    assert_eq!(two["items"].as_array().unwrap().len(), 1);
    assert_ne!(two["items"][0]["id"], one["items"][0]["id"]);
    assert!(two["next_cursor"].is_null());
    let (_, cancelled) = app
        .get("/api/v1/me/registrations?status=cancelled", &p.token)
        .await;
    assert_eq!(cancelled["items"], json!([]));
    // Cancelled and registered again: both show, each with the edition's sessions.
    let (status, _) = act(&app, &p.token, &r1, "cancel").await;
    assert_eq!(status, StatusCode::OK);
    register_self(&app, &p, e).await;
    let (_, page) = app.get("/api/v1/me/registrations", &p.token).await;
    let of_e: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["edition"]["id"] == e.to_string())
        .collect();
    assert_eq!(of_e.len(), 2);
    assert!(
        of_e.iter()
            .all(|i| i["sessions"].as_array().unwrap().len() == 1)
    );
    // Someone else's list is their own.
    let q = app
        .person(&admin, org, &["professional"], "q@example.test")
        .await;
    let (_, theirs) = app.get("/api/v1/me/registrations", &q.token).await;
    assert_eq!(theirs["items"], json!([]));
}

// ---------------------------------------------------------------------------------------
// Real concurrency
// ---------------------------------------------------------------------------------------

/// Fires one registration per person at once; returns the statuses and bodies.
async fn storm(app: &TestApp, people: &[Actor], edition: Uuid) -> Vec<(StatusCode, Value)> {
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(people.len()));
    let tasks = people.iter().map(|p| {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/editions/{edition}/registrations"));
        let token = p.token.clone();
        let barrier = barrier.clone();
        tokio::spawn(async move {
            barrier.wait().await;
            let resp = client
                .post(url)
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            let status = resp.status();
            (status, resp.json::<Value>().await.unwrap())
        })
    });
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_at_once_for_twenty_seats() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let people = app.people(&admin, org, "s", 200).await;

    let with_list = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 20, "waitlist_enabled": true}),
        )
        .await;
    let answers = storm(&app, &people, with_list).await;
    assert!(
        answers
            .iter()
            .all(|(s, b)| *s == StatusCode::CREATED || panic!("{s} {b}"))
    );
    let confirmed = answers
        .iter()
        .filter(|(_, b)| b["status"] == "confirmed")
        .count();
    assert_eq!(confirmed, 20);
    let all = all_registrations(&app, &admin, with_list).await;
    assert_eq!(all.len(), 200);
    assert_eq!(assert_invariants(&all, 20), (20, 180));
    assert_eq!(edition_figures(&app, with_list).await, (20, 0, 180));

    let without = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 20, "waitlist_enabled": false}),
        )
        .await;
    let answers = storm(&app, &people, without).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let full = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && b["code"] == "edition_full")
        .count();
    assert_eq!(
        (created, full),
        (20, 180),
        "every answer is 201 or edition_full"
    );
    assert_eq!(edition_figures(&app, without).await, (20, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_person_racing_themself_is_registered_once() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let p = app
        .person(&admin, org, &["professional"], "racer@example.test")
        .await;
    let e = app.open_edition(&admin, 10, json!({"capacity": 5})).await;
    let same = vec![p.clone(); 20];
    let answers = storm(&app, &same, e).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && b["code"] == "already_registered")
        .count();
    assert_eq!((created, refused), (1, 19));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancellations_racing_registrations_keep_the_queue_whole() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let e = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 10, "waitlist_enabled": true}),
        )
        .await;
    let first = app.people(&admin, org, "early", 40).await;
    let mut regs = Vec::new();
    for p in &first {
        regs.push(register_self(&app, p, e).await);
    }
    let late = app.people(&admin, org, "late", 60).await;
    // Half of the early ones (confirmed and waiting alike) cancel while 60 more register.
    let cancels = first.iter().zip(&regs).step_by(2).map(|(p, r)| {
        let client = app.client.clone();
        let url = app.url(&format!("/api/v1/registrations/{}/cancel", id_of(r)));
        let token = p.token.clone();
        tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        })
    });
    let (cancelled, registered) =
        tokio::join!(futures::future::join_all(cancels), storm(&app, &late, e));
    assert!(cancelled.into_iter().all(|s| s.unwrap() == StatusCode::OK));
    assert!(registered.iter().all(|(s, _)| *s == StatusCode::CREATED));
    let all = all_registrations(&app, &admin, e).await;
    let active = all.iter().filter(|r| r["status"] != "cancelled").count();
    assert_eq!(active, 80);
    assert_eq!(assert_invariants(&all, 10), (10, 70));
}

#[tokio::test]
async fn two_service_processes_on_postgresql_never_overbook() {
    let app = TestApp::spawn().await;
    if !app.db.is_postgres() {
        return; // one process serves an SQLite database
    }
    let (admin, org) = org_of(&app).await;
    let people = app.people(&admin, org, "two", 200).await;
    let e = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 20, "waitlist_enabled": true}),
        )
        .await;
    // Two real service processes, sharing the database and the signing keys.
    let a = ServiceProcess::start(&app).await;
    let b = ServiceProcess::start(&app).await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(people.len()));
    let tasks = people.iter().enumerate().map(|(i, p)| {
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let client = app.client.clone();
        let token = p.token.clone();
        let barrier = barrier.clone();
        tokio::spawn(async move {
            barrier.wait().await;
            let resp = client
                .post(format!("{base}/api/v1/editions/{e}/registrations"))
                .bearer_auth(token)
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            resp.status()
        })
    });
    let statuses = futures::future::join_all(tasks).await;
    assert!(
        statuses
            .into_iter()
            .all(|s| s.unwrap() == StatusCode::CREATED)
    );
    let all = all_registrations(&app, &admin, e).await;
    assert_eq!(all.len(), 200);
    assert_eq!(assert_invariants(&all, 20), (20, 180));
    drop((a, b));
}

/// The service binary, started on the test's database and keys.
struct ServiceProcess {
    child: std::process::Child,
    base: String,
}

impl ServiceProcess {
    async fn start(app: &TestApp) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_academy"))
            .arg("serve")
            .env("ACADEMY_DATABASE_URL", &app.database_url)
            .env("ACADEMY_LISTEN", format!("127.0.0.1:{port}"))
            .env("ACADEMY_DATA_DIR", app.data_dir())
            .env("ACADEMY_PUBLIC_URL", ISSUER)
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let started = std::time::Instant::now();
        loop {
            if let Ok(r) = app.client.get(format!("{base}/ready")).send().await
                && r.status() == StatusCode::OK
            {
                break;
            }
            assert!(
                started.elapsed().as_secs() < 30,
                "the service did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Self { child, base }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_service_killed_mid_storm_loses_no_answered_registration() {
    let app = TestApp::spawn().await;
    let (admin, org) = org_of(&app).await;
    let people = app.people(&admin, org, "k", 300).await;
    let e = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 50, "waitlist_enabled": true}),
        )
        .await;
    let mut service = ServiceProcess::start(&app).await;
    let base = service.base.clone();
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // The requests come over about 600 ms (one every 2 ms), so that the kill after the
    // hundredth answer finds some in flight and more still to come: all at once, the
    // service's combined transactions could answer all 300 before the kill lands.
    let tasks: Vec<_> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let client = app.client.clone();
            let url = format!("{base}/api/v1/editions/{e}/registrations");
            let token = p.token.clone();
            let answered = answered.clone();
            let wait = std::time::Duration::from_millis(2 * i as u64);
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                let resp = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({}))
                    .send()
                    .await;
                let out = match resp {
                    Ok(r) if r.status() == StatusCode::CREATED => r.json::<Value>().await.ok(),
                    _ => None,
                };
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                out
            })
        })
        .collect();
    // Kill it hard once a third has been answered.
    while answered.load(std::sync::atomic::Ordering::SeqCst) < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    service.child.kill().unwrap();
    service.child.wait().unwrap();
    let created: Vec<Value> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .filter_map(|r| r.unwrap())
        .collect();
    assert!(created.len() >= 100, "{} answered with 201", created.len());
    assert!(
        created.len() < 300,
        "the kill came too late to mean anything"
    );

    // Everything that was answered 201 is there, as answered; the invariants hold.
    let all = all_registrations(&app, &admin, e).await;
    for c in &created {
        let stored = all
            .iter()
            .find(|r| r["id"] == c["id"])
            .unwrap_or_else(|| panic!("an answered registration was lost: {c}"));
        assert_eq!(
            (&stored["status"], &stored["waitlist_position"]),
            (&c["status"], &c["waitlist_position"]),
            "an answered registration changed"
        );
    }
    let (confirmed, waiting) = assert_invariants(&all, 50);
    assert_eq!(confirmed + waiting, all.len());
    // And the service starts again on the same database and takes the rest.
    let again = ServiceProcess::start(&app).await;
    let resp = app
        .client
        .post(format!("{}/api/v1/editions/{e}/registrations", again.base))
        .bearer_auth(&people[0].token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(
        [StatusCode::CREATED, StatusCode::CONFLICT].contains(&resp.status()),
        "{}",
        resp.status()
    );
}
