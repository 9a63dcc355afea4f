//! The authorisation matrix of attendance and certificates: marking a session, its list
//! and audit trail, the check-in code (JSON and QR), checking in, closing and re-opening
//! an edition, the certificate lists, one certificate (JSON, PDF, signed credential),
//! revocation and public verification, called by every kind of caller. Exactly the
//! allowed cells succeed; every refusal is the documented problem, the lists hold only
//! what the caller may see, and refused writes change nothing.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::matrix;

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    /// A partner client of organisation A with `registrations:read registrations:write`.
    Client,
    /// A professional of organisation A: registered for every edition, holds a
    /// certificate.
    Pro,
    /// Another professional of organisation A, registered for nothing.
    Colleague,
    /// The trainer of every edition.
    Trainer,
    /// A trainer who teaches none of them.
    OtherTrainer,
    /// HR of organisation A.
    HrA,
    /// HR of organisation B.
    HrB,
    Admin,
}

use Who::*;

const EVERYONE: [Who; 9] = [
    Anonymous,
    Client,
    Pro,
    Colleague,
    Trainer,
    OtherTrainer,
    HrA,
    HrB,
    Admin,
];

/// The signed-in people (not the client).
const PEOPLE: [Who; 7] = [Pro, Colleague, Trainer, OtherTrainer, HrA, HrB, Admin];

type Table = matrix::Table<Who>;

/// The callers and what they act on.
struct World {
    admin: Actor,
    people: BTreeMap<Who, Actor>,
    client: String,
    org_a: Uuid,
    org_b: Uuid,
    /// A professional of organisation B, registered where the professional is.
    outsider: Actor,
    /// A session running now (starts in 10 minutes, ends in 2 hours) of a published
    /// edition; the professional and the outsider are registered.
    live: Uuid,
    /// The professional's registration for the live session's edition.
    live_reg: Uuid,
    /// The live session's check-in code, fetched by the trainer.
    code: String,
    /// A session of a draft edition.
    draft: Uuid,
    /// The over session of the closed edition the certificates are for.
    past: Uuid,
    /// The professional's registration for it.
    past_reg: Uuid,
    /// The professional's certificate and its code.
    cert: Uuid,
    cert_code: String,
    /// The outsider's certificate (revoked by the admin's cell) and its code.
    outsider_cert: Uuid,
    outsider_code: String,
    /// A published edition, all sessions over, that the refused callers try to close.
    close_refused: Uuid,
    /// Per allowed caller (admin, trainer): a published, over edition they close. The
    /// refused callers try to re-open the admin's; the admin re-opens the trainer's.
    to_close: BTreeMap<Who, Uuid>,
    /// Ids and their names, for readable mismatches.
    names: Vec<(Uuid, String)>,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Anonymous => None,
            Client => Some(&self.client),
            Admin => Some(&self.admin.token),
            _ => Some(&self.people[&who].token),
        }
    }

    fn person(&self, who: Who) -> &Actor {
        match who {
            Admin => &self.admin,
            _ => &self.people[&who],
        }
    }

    fn pro(&self) -> &Actor {
        &self.people[&Pro]
    }

    /// `text` with the known ids replaced by names.
    fn describe(&self, text: &str) -> String {
        matrix::named(text, &self.names)
    }
}

/// A course that certifies: three hours, SKJ points, every session must be attended.
async fn course(app: &TestApp, admin: &Actor) -> Uuid {
    let (_, course) = app
        .create(
            "/api/v1/courses",
            &admin.token,
            json!({
                "title": "Signalen van kindermishandeling",
                "kind": "workshop",
                "description": "Een dagdeel.",
                "hours": 3,
                "accreditations": [{"register": "SKJ", "number": "A-123", "points": 3}],
                "completion": {"min_attendance_percent": 100}
            }),
        )
        .await;
    id_of(&course)
}

/// An edition of `course` taught by `trainer` with one session (`starts`–`ends`, RFC
/// 3339), published unless `draft`; its id and the session's.
async fn edition(
    app: &TestApp,
    admin: &Actor,
    course: Uuid,
    trainer: &Actor,
    (starts, ends): (String, String),
    draft: bool,
) -> (Uuid, Uuid) {
    let (_, e) = app
        .create(
            &format!("/api/v1/courses/{course}/editions"),
            &admin.token,
            json!({"capacity": 20, "trainer_ids": [trainer.id]}),
        )
        .await;
    let edition = id_of(&e);
    let (_, s) = app
        .create(
            &format!("/api/v1/editions/{edition}/sessions"),
            &admin.token,
            json!({"starts_at": starts, "ends_at": ends}),
        )
        .await;
    if !draft {
        app.publish_as_if_planned(admin, edition).await;
    }
    (edition, id_of(&s))
}

/// Three days ago, 09:00–12:00 UTC.
fn over() -> (String, String) {
    (ts(at(-3, 9)), ts(at(-3, 12)))
}

/// The admin registers `person` (outside the registration window, as admins may).
async fn enrol(app: &TestApp, admin: &Actor, edition: Uuid, person: &Actor) -> Uuid {
    let (_, r) = app
        .create(
            &format!("/api/v1/editions/{edition}/registrations"),
            &admin.token,
            json!({"user_id": person.id}),
        )
        .await;
    assert_eq!(r["status"], "confirmed", "{r}");
    id_of(&r)
}

/// The one certificate `person` holds: its id and code.
async fn only_certificate(app: &TestApp, person: &Actor) -> (Uuid, String) {
    let (status, page) = app.get("/api/v1/me/certificates", &person.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = items(&page);
    assert_eq!(items.len(), 1, "{page}");
    let code = items[0]["code"].as_str().expect("code").to_owned();
    (id_of(&items[0]), code)
}

async fn setup(app: &TestApp) -> World {
    let admin = app.admin().await;
    let org_a = app.create_org(&admin, "Jeugdzorg A", "provider").await;
    let org_b = app.create_org(&admin, "Jeugdzorg B", "provider").await;
    let mut people = BTreeMap::new();
    for (who, org, role, email) in [
        (Pro, org_a, "professional", "pro@a.test"),
        (Colleague, org_a, "professional", "colleague@a.test"),
        (Trainer, org_a, "trainer", "trainer@a.test"),
        (OtherTrainer, org_a, "trainer", "trainer2@a.test"),
        (HrA, org_a, "hr", "hr@a.test"),
        (HrB, org_b, "hr", "hr@b.test"),
    ] {
        people.insert(who, app.person(&admin, org, &[role], email).await);
    }
    let outsider = app
        .person(&admin, org_b, &["professional"], "pro@b.test")
        .await;
    let client = app
        .client_token(
            &admin,
            org_a,
            &["registrations:read", "registrations:write"],
        )
        .await;
    let pro = people[&Pro].clone();
    let trainer = people[&Trainer].clone();
    let course = course(app, &admin).await;

    // The certificates: both marked present by the trainer, the edition closed.
    let (past_edition, past) = edition(app, &admin, course, &trainer, over(), false).await;
    let past_reg = enrol(app, &admin, past_edition, &pro).await;
    let past_outsider_reg = enrol(app, &admin, past_edition, &outsider).await;
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/sessions/{past}/attendance"),
            Some(&trainer.token),
            Some(json!({"records": [
                {"registration_id": past_reg, "status": "present"},
                {"registration_id": past_outsider_reg, "status": "present"},
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, closed) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{past_edition}/close"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["completions"]["certificates_issued"], 2, "{closed}");
    let (cert, cert_code) = only_certificate(app, &pro).await;
    let (outsider_cert, outsider_code) = only_certificate(app, &outsider).await;

    // Editions to close and re-open.
    let (close_refused, _) = edition(app, &admin, course, &trainer, over(), false).await;
    let mut to_close = BTreeMap::new();
    for who in [Admin, Trainer] {
        to_close.insert(
            who,
            edition(app, &admin, course, &trainer, over(), false)
                .await
                .0,
        );
    }

    // A draft edition's session (ten days ahead).
    let (_, draft) = edition(
        app,
        &admin,
        course,
        &trainer,
        (ts(at(10, 9)), ts(at(10, 12))),
        true,
    )
    .await;

    // A session that runs now: check-in is open.
    let now = Utc::now();
    let (live_edition, live) = edition(
        app,
        &admin,
        course,
        &trainer,
        (
            ts(now + Duration::minutes(10)),
            ts(now + Duration::hours(2)),
        ),
        false,
    )
    .await;
    let live_reg = enrol(app, &admin, live_edition, &pro).await;
    enrol(app, &admin, live_edition, &outsider).await;
    // Last, so the code is fresh when the check-in cells (which come first) run: it is
    // accepted for at least another minute.
    let (status, body) = app
        .get(
            &format!("/api/v1/sessions/{live}/check-in-code"),
            &trainer.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let code = body["code"].as_str().expect("code").to_owned();

    let mut w = World {
        admin,
        people,
        client,
        org_a,
        org_b,
        outsider,
        live,
        live_reg,
        code,
        draft,
        past,
        past_reg,
        cert,
        cert_code,
        outsider_cert,
        outsider_code,
        close_refused,
        to_close,
        names: Vec::new(),
    };
    let mut names = vec![
        (w.live, "live".to_owned()),
        (w.live_reg, "live_reg".to_owned()),
        (w.draft, "draft".to_owned()),
        (w.past, "past".to_owned()),
        (w.past_reg, "past_reg".to_owned()),
        (w.cert, "cert".to_owned()),
        (w.outsider_cert, "outsider_cert".to_owned()),
        (w.close_refused, "close_refused".to_owned()),
        (w.org_a, "org_a".to_owned()),
        (w.org_b, "org_b".to_owned()),
    ];
    for (who, id) in &w.to_close {
        names.push((*id, format!("to_close:{who:?}")));
    }
    w.names = names
        .into_iter()
        .map(|(id, name)| (id, format!("{{{name}}}")))
        .collect();
    w
}

/// A check-in code that is not the live one.
fn wrong(code: &str) -> String {
    let n: u32 = code.parse().expect("six digits");
    format!("{:06}", (n + 500_000) % 1_000_000)
}

fn build_table(w: &World) -> Table {
    let mut t = Table::default();

    // Checking in (first: the code is only good for a minute or two): a person with a
    // confirmed registration of the edition; nobody else, however senior. A wrong code
    // is invalid input.
    let check_in = format!("/api/v1/sessions/{}/check-in", w.live);
    t.add(
        Pro,
        Method::POST,
        &check_in,
        Some(json!({"code": wrong(&w.code)})),
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Pro => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        t.add(
            who,
            Method::POST,
            &check_in,
            Some(json!({"code": w.code})),
            expected,
        );
    }
    // A draft edition's session is hidden from whoever is not registered.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Client => StatusCode::FORBIDDEN,
            _ => StatusCode::NOT_FOUND,
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/sessions/{}/check-in", w.draft),
            Some(json!({"code": "123456"})),
            expected,
        );
    }

    // Marking: admins and the edition's trainers. Each caller's note names them, so the
    // audit trail shows whose writes took.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Trainer | Admin => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        t.add(
            who,
            Method::PUT,
            format!("/api/v1/sessions/{}/attendance", w.live),
            Some(json!({"records": [
                {"registration_id": w.live_reg, "status": "late", "note": format!("{who:?}")}
            ]})),
            expected,
        );
    }
    // A draft edition's session: hidden from the rest; the teachers get as far as the
    // unknown registration.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Client => StatusCode::FORBIDDEN,
            Trainer | Admin => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::NOT_FOUND,
        };
        t.add(
            who,
            Method::PUT,
            format!("/api/v1/sessions/{}/attendance", w.draft),
            Some(json!({"records": [{"registration_id": Uuid::now_v7(), "status": "excused"}]})),
            expected,
        );
    }
    // A closed edition: the teachers learn it is closed (409), the rest are refused.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Trainer | Admin => StatusCode::CONFLICT,
            _ => StatusCode::FORBIDDEN,
        };
        t.add(
            who,
            Method::PUT,
            format!("/api/v1/sessions/{}/attendance", w.past),
            Some(json!({"records": [{"registration_id": w.past_reg, "status": "absent"}]})),
            expected,
        );
    }

    // The list: admins and trainers (everyone), HR (their own organisation's people;
    // checked below).
    for session in [w.live, w.past] {
        for who in EVERYONE {
            let expected = match who {
                Anonymous => StatusCode::UNAUTHORIZED,
                Trainer | Admin | HrA | HrB => StatusCode::OK,
                _ => StatusCode::FORBIDDEN,
            };
            t.add(
                who,
                Method::GET,
                format!("/api/v1/sessions/{session}/attendance"),
                None,
                expected,
            );
        }
    }
    // A draft edition's session: hidden from whoever has no standing.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Trainer | Admin => StatusCode::OK,
            // Nobody else learns that a draft edition's session exists, HR included.
            _ => StatusCode::NOT_FOUND,
        };
        t.add(
            who,
            Method::GET,
            format!("/api/v1/sessions/{}/attendance", w.draft),
            None,
            expected,
        );
    }

    // The audit trail: admins only.
    for session in [w.live, w.past] {
        for who in EVERYONE {
            let expected = match who {
                Anonymous => StatusCode::UNAUTHORIZED,
                Admin => StatusCode::OK,
                _ => StatusCode::FORBIDDEN,
            };
            t.add(
                who,
                Method::GET,
                format!("/api/v1/sessions/{session}/attendance/history"),
                None,
                expected,
            );
        }
    }

    // The check-in code, as JSON and as a QR code: admins and the edition's trainers;
    // hidden for a draft edition, a conflict for a closed one.
    for suffix in ["check-in-code", "check-in-code.png"] {
        for who in EVERYONE {
            let (live, draft, past) = match who {
                Anonymous => (
                    StatusCode::UNAUTHORIZED,
                    StatusCode::UNAUTHORIZED,
                    StatusCode::UNAUTHORIZED,
                ),
                Trainer | Admin => (StatusCode::OK, StatusCode::OK, StatusCode::CONFLICT),
                Client => (
                    StatusCode::FORBIDDEN,
                    StatusCode::FORBIDDEN,
                    StatusCode::FORBIDDEN,
                ),
                _ => (
                    StatusCode::FORBIDDEN,
                    StatusCode::NOT_FOUND,
                    StatusCode::FORBIDDEN,
                ),
            };
            for (session, expected) in [(w.live, live), (w.draft, draft), (w.past, past)] {
                t.add(
                    who,
                    Method::GET,
                    format!("/api/v1/sessions/{session}/{suffix}"),
                    None,
                    expected,
                );
            }
        }
    }

    // My certificates: people only (checked below: their own).
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Client => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        };
        t.add(who, Method::GET, "/api/v1/me/certificates", None, expected);
    }

    // The certificate list: admins (all) and HR (their own organisation's; checked
    // below). HR asking for another organisation is refused.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Admin | HrA | HrB => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        t.add(who, Method::GET, "/api/v1/certificates", None, expected);
    }
    for (who, org, expected) in [
        (HrA, w.org_a, StatusCode::OK),
        (HrA, w.org_b, StatusCode::FORBIDDEN),
        (HrB, w.org_b, StatusCode::OK),
        (HrB, w.org_a, StatusCode::FORBIDDEN),
        (Admin, w.org_a, StatusCode::OK),
        (Admin, w.org_b, StatusCode::OK),
        (Client, w.org_a, StatusCode::FORBIDDEN),
        (Pro, w.org_a, StatusCode::FORBIDDEN),
    ] {
        t.add(
            who,
            Method::GET,
            format!("/api/v1/certificates?organization_id={org}"),
            None,
            expected,
        );
    }

    // One certificate, its PDF and its credential: the holder, the holder's HR and
    // admins; hidden from everyone else.
    for suffix in ["", "/pdf", "/credential"] {
        for who in EVERYONE {
            let expected = match who {
                Anonymous => StatusCode::UNAUTHORIZED,
                Pro | HrA | Admin => StatusCode::OK,
                _ => StatusCode::NOT_FOUND,
            };
            t.add(
                who,
                Method::GET,
                format!("/api/v1/certificates/{}{suffix}", w.cert),
                None,
                expected,
            );
        }
    }
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            HrB | Admin => StatusCode::OK,
            _ => StatusCode::NOT_FOUND,
        };
        t.add(
            who,
            Method::GET,
            format!("/api/v1/certificates/{}", w.outsider_cert),
            None,
            expected,
        );
    }

    // Verification: anyone, with or without a token; an unknown or malformed code is
    // not found.
    for who in EVERYONE {
        t.add(
            who,
            Method::GET,
            format!("/api/v1/verify/{}", w.cert_code),
            None,
            StatusCode::OK,
        );
    }
    for code in ["00000-00000-00000", "not-a-code"] {
        t.add(
            Anonymous,
            Method::GET,
            format!("/api/v1/verify/{code}"),
            None,
            StatusCode::NOT_FOUND,
        );
    }

    // Closing: admins and the edition's trainers, each an edition of their own.
    for who in EVERYONE {
        let (edition, expected) = match who {
            Anonymous => (w.close_refused, StatusCode::UNAUTHORIZED),
            Trainer | Admin => (w.to_close[&who], StatusCode::OK),
            _ => (w.close_refused, StatusCode::FORBIDDEN),
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{edition}/close"),
            None,
            expected,
        );
    }
    // Re-opening: admins only. The refusals meet the edition the admin closed, the admin
    // re-opens the one the trainer closed.
    for who in EVERYONE {
        let (edition, expected) = match who {
            Anonymous => (w.to_close[&Admin], StatusCode::UNAUTHORIZED),
            Admin => (w.to_close[&Trainer], StatusCode::OK),
            _ => (w.to_close[&Admin], StatusCode::FORBIDDEN),
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{edition}/reopen"),
            None,
            expected,
        );
    }

    // Revoking (last: it changes what the cells above read): admins only.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Admin => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/certificates/{}/revoke", w.outsider_cert),
            Some(json!({"reason": format!("revoked by {who:?}")})),
            expected,
        );
    }

    t
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items: {page}"))
}

fn uuids<'a>(items: impl IntoIterator<Item = &'a Value>, key: &str) -> BTreeSet<Uuid> {
    items
        .into_iter()
        .map(|item| {
            item[key]
                .as_str()
                .unwrap_or_else(|| panic!("{key} in {item}"))
                .parse()
                .expect("uuid")
        })
        .collect()
}

#[tokio::test]
async fn attendance_and_certificate_access_matrix_allows_exactly_the_documented_cells() {
    let app = TestApp::spawn().await;
    let w = setup(&app).await;
    let table = build_table(&w);

    matrix::assert_cells(
        &app,
        &table,
        |who| w.token(who),
        |t| w.describe(t),
        matrix::refusals(&[(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")]),
    )
    .await;

    let pro = w.pro().id;
    let outsider = w.outsider.id;
    let admin = &w.admin.token;

    // The session lists: everyone for admins and the trainer, the caller's own
    // organisation's people for HR.
    for session in [w.live, w.past] {
        let path = format!("/api/v1/sessions/{session}/attendance");
        for (who, expected) in [
            (Admin, BTreeSet::from([pro, outsider])),
            (Trainer, BTreeSet::from([pro, outsider])),
            (HrA, BTreeSet::from([pro])),
            (HrB, BTreeSet::from([outsider])),
        ] {
            let (status, page) = app.call(Method::GET, &path, w.token(who), None).await;
            assert_eq!(status, StatusCode::OK, "{who:?}: {page}");
            assert_eq!(uuids(items(&page), "user_id"), expected, "{who:?}: {page}");
            let orgs = uuids(items(&page), "organization_id");
            match who {
                HrA => assert_eq!(orgs, BTreeSet::from([w.org_a]), "{page}"),
                HrB => assert_eq!(orgs, BTreeSet::from([w.org_b]), "{page}"),
                _ => {}
            }
        }
    }
    let (status, page) = app
        .call(
            Method::GET,
            &format!("/api/v1/sessions/{}/attendance", w.draft),
            w.token(HrA),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{page}");

    // The live session: the professional checked in (once), and only the trainer's and
    // the admin's marks took.
    let (_, page) = app
        .get(&format!("/api/v1/sessions/{}/attendance", w.live), admin)
        .await;
    let line = items(&page)
        .iter()
        .find(|l| l["registration_id"] == w.live_reg.to_string())
        .unwrap_or_else(|| panic!("live_reg in {page}"));
    assert!(line["attendance"]["checked_in_at"].is_string(), "{line}");
    assert_eq!(line["attendance"]["status"], "late", "{line}");
    assert_eq!(line["attendance"]["note"], "Admin", "{line}");
    let (status, history) = app
        .get(
            &format!("/api/v1/sessions/{}/attendance/history", w.live),
            admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let changes = items(&history);
    let by = |action: &str| -> Vec<Value> {
        changes
            .iter()
            .filter(|c| c["action"] == action)
            .map(|c| c["by_id"].clone())
            .collect()
    };
    assert_eq!(by("checked_in"), vec![json!(pro)], "{history}");
    assert_eq!(
        by("marked"),
        vec![json!(w.people[&Trainer].id), json!(w.admin.id)],
        "{history}"
    );
    let notes: Vec<&Value> = changes.iter().map(|c| &c["to_note"]).collect();
    assert_eq!(
        notes,
        [&Value::Null, &json!("Trainer"), &json!("Admin")],
        "{history}"
    );
    // The closed edition's attendance is as marked before it closed.
    let (_, history) = app
        .get(
            &format!("/api/v1/sessions/{}/attendance/history", w.past),
            admin,
        )
        .await;
    assert_eq!(items(&history).len(), 2, "{history}");
    assert!(
        items(&history).iter().all(|c| c["to"] == "present"),
        "{history}"
    );
    // The refusal of a closed edition is the documented conflict.
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/sessions/{}/attendance", w.past),
            w.token(Trainer),
            Some(json!({"records": [{"registration_id": w.past_reg, "status": "absent"}]})),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_closed");

    // My certificates: each person's own only.
    for who in PEOPLE {
        let (status, page) = app
            .get("/api/v1/me/certificates", &w.person(who).token)
            .await;
        assert_eq!(status, StatusCode::OK, "{who:?}: {page}");
        let expected = if who == Pro {
            BTreeSet::from([w.cert])
        } else {
            BTreeSet::new()
        };
        assert_eq!(uuids(items(&page), "id"), expected, "{who:?}: {page}");
    }
    let (_, page) = app.get("/api/v1/me/certificates", &w.outsider.token).await;
    assert_eq!(
        uuids(items(&page), "id"),
        BTreeSet::from([w.outsider_cert]),
        "{page}"
    );

    // The certificate lists: all for admins, the own organisation's for HR.
    for (who, query, expected) in [
        (
            Admin,
            String::new(),
            BTreeSet::from([w.cert, w.outsider_cert]),
        ),
        (
            Admin,
            format!("?organization_id={}", w.org_b),
            BTreeSet::from([w.outsider_cert]),
        ),
        (HrA, String::new(), BTreeSet::from([w.cert])),
        (
            HrA,
            format!("?organization_id={}", w.org_a),
            BTreeSet::from([w.cert]),
        ),
        (HrB, String::new(), BTreeSet::from([w.outsider_cert])),
    ] {
        let (status, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/certificates{query}"),
                w.token(who),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who:?} {query}: {page}");
        assert_eq!(
            uuids(items(&page), "id"),
            expected,
            "{who:?} {query}: {page}"
        );
    }

    // The holder's certificate as the holder's HR sees it, and its credential.
    let (_, one) = app
        .call(
            Method::GET,
            &format!("/api/v1/certificates/{}", w.cert),
            w.token(HrA),
            None,
        )
        .await;
    assert_eq!(one["user_id"], json!(pro), "{one}");
    assert_eq!(one["code"], w.cert_code, "{one}");
    let (_, jwt) = app
        .call(
            Method::GET,
            &format!("/api/v1/certificates/{}/credential", w.cert),
            w.token(Pro),
            None,
        )
        .await;
    assert_eq!(jwt.as_str().map(|j| j.split('.').count()), Some(3), "{jwt}");

    // Verification tells anyone only what is printed on the certificate; the revoked one
    // shows as such, the professional's stays valid.
    let (status, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/verify/{}", w.cert_code),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["valid"], true, "{v}");
    let keys: BTreeSet<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "valid",
            "status",
            "holder_name",
            "course_title",
            "completed_on",
            "accreditations",
            "issuer"
        ]),
        "{v}"
    );
    let (status, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/verify/{}", w.outsider_code),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["status"], "revoked", "{v}");
    let (_, c) = app
        .get(&format!("/api/v1/certificates/{}", w.outsider_cert), admin)
        .await;
    assert_eq!(c["revoked_reason"], "revoked by Admin", "{c}");
    let (_, c) = app
        .get(&format!("/api/v1/certificates/{}", w.cert), admin)
        .await;
    assert_eq!(c["status"], "valid", "{c}");

    // Closing and re-opening: the allowed steps took, the refused ones changed nothing.
    for (edition, expected) in [
        (w.close_refused, "published"),
        (w.to_close[&Admin], "closed"),
        (w.to_close[&Trainer], "published"),
    ] {
        let (status, e) = app.get(&format!("/api/v1/editions/{edition}"), admin).await;
        assert_eq!(status, StatusCode::OK, "{e}");
        assert_eq!(e["status"], expected, "{}", w.describe(&e.to_string()));
    }
}
