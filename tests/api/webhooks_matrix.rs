//! The scoping matrix of webhooks: partner clients holding each scope alone (bound to
//! organisation A), one of organisation B and one of no organisation (all scopes), and one
//! revoked after it subscribed. Each subscribes to everything it may (and is refused the
//! rest); then every event type happens to a person of organisation A, and exactly the
//! expected clients hear of each, every delivery signed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::certificates::{enrol, mark, past_edition};
use crate::helpers::*;
use crate::webhooks::{Receiver, app, client, deliveries, endpoint, register};

/// Who listens: a partner client and its one endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    /// `catalog:read`, organisation A.
    Catalog,
    /// `registrations:read`, organisation A.
    RegistrationsRead,
    /// `registrations:write`, organisation A.
    RegistrationsWrite,
    /// `reports:read`, organisation A.
    Reports,
    /// `certificates:read`, organisation A.
    Certificates,
    /// `users:read`, organisation A.
    Users,
    /// Every scope, organisation B.
    OrgB,
    /// Every scope, no organisation (the academy's website, say).
    Unbound,
    /// Every scope, organisation A; revoked after the first event.
    Revoked,
}

use Who::*;

const ALL_SCOPES: [&str; 6] = [
    "catalog:read",
    "registrations:read",
    "registrations:write",
    "reports:read",
    "certificates:read",
    "users:read",
];

/// Each client: its scopes and whether it is bound to organisation A (else B, for `OrgB`,
/// or none, for `Unbound`).
fn scopes(who: Who) -> &'static [&'static str] {
    match who {
        Catalog => &["catalog:read"],
        RegistrationsRead => &["registrations:read"],
        RegistrationsWrite => &["registrations:write"],
        Reports => &["reports:read"],
        Certificates => &["certificates:read"],
        Users => &["users:read"],
        OrgB | Unbound | Revoked => &ALL_SCOPES,
    }
}

/// The event types, in the order of the columns of [`SUBSCRIBES`].
const TYPES: [&str; 9] = [
    "registration.created",
    "registration.status_changed",
    "edition.published",
    "edition.changed",
    "session.changed",
    "attendance.marked",
    "certificate.issued",
    "certificate.revoked",
    "user.erased",
];

/// What each client may subscribe to (`X`); every other type is refused with 422.
#[rustfmt::skip]
const SUBSCRIBES: [(Who, &str); 9] = [
    //                        registration.created, .status_changed
    //                        |  edition.published, edition.changed, session.changed
    //                        |  |   attendance.marked
    //                        |  |   | certificate.issued, .revoked
    //                        |  |   | |  user.erased
    (Catalog,            ".. XXX . .. ."),
    (RegistrationsRead,  "XX ... . .. X"),
    (RegistrationsWrite, "XX ... . .. X"),
    (Reports,            ".. ... X .. X"),
    (Certificates,       ".. ... . XX X"),
    (Users,              ".. ... . .. X"),
    (OrgB,               "XX XXX X XX X"),
    // Bound to no organisation: nothing about people.
    (Unbound,            ".. XXX . .. ."),
    (Revoked,            "XX XXX X XX X"),
];

/// What a client heard of: an event type, split by what caused it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Heard {
    RegistrationCreated,
    RegistrationStatusChanged,
    EditionPublished,
    /// `edition.changed` with `changed: ["dates"]` (a session moved).
    EditionDates,
    /// … `["place"]`.
    EditionPlace,
    /// … `["capacity"]`.
    EditionCapacity,
    /// … `["status"]` (the edition closed).
    EditionStatus,
    SessionChanged,
    /// `attendance.marked` by the trainer marking the register.
    MarkedByTrainer,
    /// `attendance.marked` by the participant checking in with the code.
    CheckedIn,
    CertificateIssued,
    CertificateRevoked,
    UserErased,
}

use Heard::*;

/// The columns of [`HEARS`], in order.
const COLUMNS: [Heard; 13] = [
    RegistrationCreated,
    RegistrationStatusChanged,
    EditionPublished,
    EditionDates,
    EditionPlace,
    EditionCapacity,
    EditionStatus,
    SessionChanged,
    MarkedByTrainer,
    CheckedIn,
    CertificateIssued,
    CertificateRevoked,
    UserErased,
];

/// The matrix: which client hears (`X`) of what happened to organisation A's person and
/// to the catalogue.
#[rustfmt::skip]
const HEARS: [(Who, &str); 9] = [
    //                        registration.created, .status_changed
    //                        |  edition.published
    //                        |  | edition.changed: dates, place, capacity, status
    //                        |  | |    session.changed
    //                        |  | |    | attendance.marked: by the trainer, by check-in
    //                        |  | |    | |  certificate.issued, .revoked
    //                        |  | |    | |  |  user.erased
    (Catalog,            ".. X XXXX X .. .. ."),
    (RegistrationsRead,  "XX . .... . .. .. X"),
    (RegistrationsWrite, "XX . .... . .. .. X"),
    (Reports,            ".. . .... . XX .. X"),
    (Certificates,       ".. . .... . .. XX X"),
    (Users,              ".. . .... . .. .. X"),
    // Organisation B's client hears of the catalogue, never of A's person.
    (OrgB,               ".. X XXXX X .. .. ."),
    (Unbound,            ".. X XXXX X .. .. ."),
    // The first registration, before it was revoked; nothing after.
    (Revoked,            "X. . .... . .. .. ."),
];

/// The cells of a row, blanks dropped.
fn cells(row: &str) -> Vec<bool> {
    row.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c == 'X')
        .collect()
}

/// One listener: its client, endpoint, secret and receiver.
struct Listener {
    client: Uuid,
    hook: Uuid,
    secret: String,
    rx: Receiver,
}

/// The resources the events are about, to tell the causes of one type apart.
struct Ids {
    person: Uuid,
    past_session: Uuid,
    live_session: Uuid,
    first_registration: Uuid,
}

impl fmt::Display for Heard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// What one delivery tells of, or why it is a surprise.
fn classify(body: &Value, ids: &Ids) -> Result<Vec<Heard>, String> {
    let d = &body["data"];
    let kind = body["type"].as_str().unwrap_or_default();
    let about_person = matches!(
        kind,
        "registration.created"
            | "registration.status_changed"
            | "attendance.marked"
            | "certificate.issued"
            | "certificate.revoked"
            | "user.erased"
    );
    if about_person && d["user_id"] != ids.person.to_string() {
        return Err(format!("about someone else: {body}"));
    }
    let heard = match kind {
        "registration.created" => vec![RegistrationCreated],
        "registration.status_changed" => vec![RegistrationStatusChanged],
        "edition.published" => vec![EditionPublished],
        "edition.changed" => {
            let mut out = Vec::new();
            for what in d["changed"].as_array().cloned().unwrap_or_default() {
                out.push(match what.as_str() {
                    Some("dates") => EditionDates,
                    Some("place") => EditionPlace,
                    Some("capacity") => EditionCapacity,
                    Some("status") => EditionStatus,
                    _ => return Err(format!("an unexpected change: {body}")),
                });
            }
            out
        }
        "session.changed" => vec![SessionChanged],
        "attendance.marked" if d["session_id"] == ids.past_session.to_string() => {
            vec![MarkedByTrainer]
        }
        "attendance.marked" if d["session_id"] == ids.live_session.to_string() => {
            vec![CheckedIn]
        }
        "certificate.issued" => vec![CertificateIssued],
        "certificate.revoked" => vec![CertificateRevoked],
        "user.erased" => vec![UserErased],
        _ => return Err(format!("an unexpected event: {body}")),
    };
    Ok(heard)
}

/// Events waiting for the fan-out: registration history entries and other events.
async fn pending(app: &TestApp) -> u64 {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
    let entries = entity::registration_event::Entity::find()
        .filter(Expr::cust("webhook_pending"))
        .count(&app.state.db)
        .await
        .unwrap();
    let events = entity::webhook_event::Entity::find()
        .filter(entity::webhook_event::Column::Pending.eq(true))
        .count(&app.state.db)
        .await
        .unwrap();
    entries + events
}

/// Whether everything is delivered: nothing waits for the fan-out, no delivery waits to be
/// tried (again), and each receiver got exactly the attempts its endpoint's log shows.
async fn settled(app: &TestApp, admin: &Actor, listeners: &BTreeMap<Who, Listener>) -> bool {
    if pending(app).await > 0 {
        return false;
    }
    for l in listeners.values() {
        let log = deliveries(app, admin, l.hook).await;
        if log.iter().any(|d| d["status"] == "queued") {
            return false;
        }
        let attempts: usize = log
            .iter()
            .map(|d| d["attempts"].as_array().map_or(0, Vec::len))
            .sum();
        if l.rx.got().len() != attempts {
            return false;
        }
    }
    true
}

/// Waits until everything is delivered (twice in a row, 50 ms apart), at most 20 s.
async fn quiet(app: &TestApp, admin: &Actor, listeners: &BTreeMap<Who, Listener>) {
    let mut calm = 0;
    for _ in 0..400 {
        if settled(app, admin, listeners).await {
            calm += 1;
            if calm == 2 {
                return;
            }
        } else {
            calm = 0;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the deliveries never settled");
}

#[tokio::test]
async fn each_client_hears_exactly_what_its_scopes_and_organisation_let_it_read() {
    let app = app().await;
    let admin = app.admin().await;
    let academy = app.create_org(&admin, "Academie", "academy").await;
    let org_a = app.create_org(&admin, "Provider A", "provider").await;
    let org_b = app.create_org(&admin, "Provider B", "provider").await;
    let trainer = app
        .person(&admin, academy, &["trainer"], "t@example.test")
        .await;
    let pro = app
        .person(&admin, org_a, &["professional"], "a@example.test")
        .await;

    // Before any endpoint exists (so none hears of it): an edition whose one session is
    // over, an edition whose session runs soon (check-in is open), and an edition open
    // for registration; the person is registered for the first two.
    let (past, past_sessions) = past_edition(&app, &admin, &trainer, "Meldcode", 1, 50.0).await;
    let past_reg = enrol(&app, &admin, past, &pro).await;
    let live = soon_edition(&app, &admin, &trainer).await;
    let (_, listed) = app
        .get(&format!("/api/v1/editions/{live}/sessions"), &admin.token)
        .await;
    let live_session = id_of(&listed["items"][0]);
    enrol(&app, &admin, live, &pro).await;
    let open = app.open_edition(&admin, 30, json!({"capacity": 10})).await;
    let (_, listed) = app
        .get(&format!("/api/v1/editions/{open}/sessions"), &admin.token)
        .await;
    let open_session = id_of(&listed["items"][0]);

    // The clients, each with one endpoint for all it may hear of; every other type is
    // refused.
    let mut listeners = BTreeMap::new();
    let mut refusals = Vec::new();
    for (who, row) in SUBSCRIBES {
        let org = match who {
            OrgB => Some(org_b),
            Unbound => None,
            _ => Some(org_a),
        };
        let id = client(&app, &admin, org, scopes(who)).await;
        let allowed = cells(row);
        assert_eq!(allowed.len(), TYPES.len(), "{who:?}");
        let mut wanted = Vec::new();
        for (t, ok) in TYPES.iter().zip(allowed) {
            if ok {
                wanted.push(*t);
                continue;
            }
            let (status, body) = app
                .post(
                    "/api/v1/webhooks",
                    &admin.token,
                    json!({"client_id": id, "url": "http://127.0.0.1:9/hook", "events": [t]}),
                )
                .await;
            let refused = status == StatusCode::UNPROCESSABLE_ENTITY
                && body["code"] == "validation_failed"
                && body["errors"][0]["field"] == "events[0]";
            if !refused {
                refusals.push(format!(
                    "{who:?} subscribing to {t}: expected 422, got {status}: {body}"
                ));
            }
        }
        let rx = Receiver::start().await;
        let (hook, secret) = endpoint(&app, &admin, id, &rx.url, &wanted).await;
        // Nor can the endpoint be changed to hear of a refused type.
        for t in TYPES.iter().filter(|t| !wanted.contains(t)) {
            let events: Vec<&str> = wanted.iter().copied().chain([*t]).collect();
            let (status, body) = app
                .patch(
                    &format!("/api/v1/webhooks/{hook}"),
                    &admin.token,
                    json!({ "events": events }),
                )
                .await;
            let field = format!("events[{}]", wanted.len());
            let refused = status == StatusCode::UNPROCESSABLE_ENTITY
                && body["code"] == "validation_failed"
                && body["errors"][0]["field"] == field;
            if !refused {
                refusals.push(format!(
                    "{who:?} changing its endpoint to {t}: expected 422, got {status}: {body}"
                ));
            }
        }
        let (_, shown) = app
            .get(&format!("/api/v1/webhooks/{hook}"), &admin.token)
            .await;
        if shown["events"] != json!(wanted) {
            refusals.push(format!("{who:?}: its endpoint's events changed: {shown}"));
        }
        listeners.insert(
            who,
            Listener {
                client: id,
                hook,
                secret,
                rx,
            },
        );
    }
    assert!(refusals.is_empty(), "{}", refusals.join("\n"));

    // registration.created, heard by the client that is then revoked.
    let first = register(&app, &pro, open).await;
    let revoked = &listeners[&Revoked];
    revoked.rx.wait_for(1, Duration::from_secs(20)).await;
    for _ in 0..200 {
        let log = deliveries(&app, &admin, revoked.hook).await;
        if log.len() == 1 && log[0]["status"] == "delivered" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/clients/{}", revoked.client),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // A revoked client gets no new endpoint either.
    let (status, body) = app
        .post(
            "/api/v1/webhooks",
            &admin.token,
            json!({"client_id": revoked.client, "url": "http://127.0.0.1:9/hook", "events": ["edition.changed"]}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );

    // registration.status_changed: the person cancels.
    let (status, body) = app
        .post(
            &format!("/api/v1/registrations/{first}/cancel"),
            &pro.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // edition.published, and another registration.created (that the revoked client must
    // not hear of).
    let another = app.open_edition(&admin, 40, json!({"capacity": 10})).await;
    register(&app, &pro, another).await;
    // edition.changed: capacity, then place.
    for change in [
        json!({"capacity": 12}),
        json!({"location": "Lelystad, Stadhuisplein 2"}),
    ] {
        let (status, body) = app
            .patch(&format!("/api/v1/editions/{open}"), &admin.token, change)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // session.changed and edition.changed (dates): the session moves a day.
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{open_session}"),
            &admin.token,
            json!({"starts_at": ts(at(31, 9)), "ends_at": ts(at(31, 12))}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // attendance.marked, by the trainer marking the register …
    let (status, body) = mark(
        &app,
        &trainer.token,
        past_sessions[0],
        json!([{"registration_id": past_reg, "status": "present"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // … and by the person checking in with the code the trainer shows.
    let (status, body) = app
        .get(
            &format!("/api/v1/sessions/{live_session}/check-in-code"),
            &trainer.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = body["code"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post(
            &format!("/api/v1/sessions/{live_session}/check-in"),
            &pro.token,
            json!({ "code": code }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // certificate.issued and edition.changed (status): the past edition closes.
    let (status, closed) = app
        .post(
            &format!("/api/v1/editions/{past}/close"),
            &trainer.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["completions"]["certificates_issued"], 1, "{closed}");
    let (status, page) = app.get("/api/v1/me/certificates", &pro.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let certificate = id_of(&page["items"][0]);
    // certificate.revoked.
    let (status, body) = app
        .post(
            &format!("/api/v1/certificates/{certificate}/revoke"),
            &admin.token,
            json!({"reason": "issued in error"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // user.erased.
    let (status, body) = app
        .post(
            &format!("/api/v1/users/{}/erase", pro.id),
            &admin.token,
            json!({"reason": "asked for it"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    quiet(&app, &admin, &listeners).await;

    // What each heard of, every delivery signed with its endpoint's secret.
    let ids = Ids {
        person: pro.id,
        past_session: past_sessions[0],
        live_session,
        first_registration: first,
    };
    let mut mismatches = Vec::new();
    let mut heard: BTreeMap<Who, BTreeSet<Heard>> = BTreeMap::new();
    for (who, l) in &listeners {
        let got = l.rx.got();
        for r in &got {
            if !r.verifies_with(&l.secret) {
                mismatches.push(format!("{who:?}: a delivery that does not verify: {r:?}"));
            }
            match classify(&r.json(), &ids) {
                Ok(h) => heard.entry(*who).or_default().extend(h),
                Err(why) => mismatches.push(format!("{who:?}: {why}")),
            }
        }
        if *who == Revoked {
            // It stopped hearing: the one delivery is of the first registration.
            let theirs: Vec<Value> = got.iter().map(|r| r.json()).collect();
            if theirs.len() != 1
                || theirs[0]["data"]["registration_id"] != ids.first_registration.to_string()
            {
                mismatches.push(format!(
                    "Revoked: expected the first registration only, got {theirs:?}"
                ));
            }
        }
    }
    for (who, row) in HEARS {
        let expected = cells(row);
        assert_eq!(expected.len(), COLUMNS.len(), "{who:?}");
        for (column, expected) in COLUMNS.iter().zip(expected) {
            let got = heard.get(&who).is_some_and(|h| h.contains(column));
            if got != expected {
                let (e, g) = (word(expected), word(got));
                mismatches.push(format!("{who:?} × {column}: expected {e}, got {g}"));
            }
        }
    }
    for m in &mismatches {
        eprintln!("MISMATCH {m}");
    }
    assert!(
        mismatches.is_empty(),
        "{} cells differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

fn word(heard: bool) -> &'static str {
    if heard { "heard" } else { "not heard" }
}

/// A published edition taught by `trainer` whose one session starts in 10 minutes and
/// ends in 2 hours: check-in is open.
async fn soon_edition(app: &TestApp, admin: &Actor, trainer: &Actor) -> Uuid {
    let (_, course) = app
        .create(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Signaleren", "kind": "workshop", "description": "Een dagdeel."}),
        )
        .await;
    let (_, e) = app
        .create(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 20, "trainer_ids": [trainer.id]}),
        )
        .await;
    let edition = id_of(&e);
    let now = Utc::now();
    let _ = app
        .create(
            &format!("/api/v1/editions/{edition}/sessions"),
            &admin.token,
            json!({
                "starts_at": ts(now + chrono::Duration::minutes(10)),
                "ends_at": ts(now + chrono::Duration::hours(2)),
            }),
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
    edition
}
