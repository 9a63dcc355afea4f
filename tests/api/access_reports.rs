//! The authorisation matrix of reports, statistics and personal data: the completions
//! and points reports and the register export (with and without an organisation), the
//! academy overview, an edition's statistics, `/me/points`, `/me/export` and erasure,
//! called by every kind of caller. Exactly the allowed cells succeed; every refusal is
//! the documented problem, and each report holds only the people the caller may see.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::certificates::{enrol, mark, past_edition};
use crate::helpers::*;
use crate::matrix;

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    /// A partner client bound to organisation A with `reports:read`.
    ClientReports,
    /// A partner client bound to organisation A with only `registrations:read`.
    ClientRegs,
    /// A professional of organisation A with an SKJ number, who completed the closed
    /// edition.
    Pro,
    /// The trainer of the closed and the draft edition.
    Trainer,
    /// A trainer who teaches neither.
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
    ClientReports,
    ClientRegs,
    Pro,
    Trainer,
    OtherTrainer,
    HrA,
    HrB,
    Admin,
];

/// The signed-in people (not the clients).
const PEOPLE: [Who; 6] = [Pro, Trainer, OtherTrainer, HrA, HrB, Admin];

/// The organisation-scoped reports.
const REPORTS: [&str; 3] = [
    "/api/v1/reports/completions",
    "/api/v1/reports/points",
    "/api/v1/reports/register-export",
];

/// The professionals' SKJ numbers.
const PRO_NUMBER: &str = "110000001";
const OUTSIDER_NUMBER: &str = "110000002";

type Table = matrix::Table<Who>;

/// The callers and what they act on.
struct World {
    admin: Actor,
    people: BTreeMap<Who, Actor>,
    clients: BTreeMap<Who, String>,
    org_a: Uuid,
    org_b: Uuid,
    /// A professional of organisation B with an SKJ number, who completed the closed
    /// edition.
    outsider: Actor,
    /// A professional of organisation A without a register number, who completed the
    /// closed edition (listed by the export as lacking a number).
    unnumbered: Actor,
    /// The closed edition (SKJ 24 points, one session, all three present), taught by
    /// `Trainer`.
    closed: Uuid,
    /// A draft edition taught by `Trainer`.
    draft: Uuid,
    /// A professional of organisation B with nothing to their name, erased by the
    /// admin's cell.
    throwaway: Actor,
    /// Ids and their names, for readable mismatches.
    names: Vec<(Uuid, String)>,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Anonymous => None,
            ClientReports | ClientRegs => Some(&self.clients[&who]),
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

/// A draft edition of a new course, taught by `trainer`.
async fn draft_edition(app: &TestApp, admin: &Actor, trainer: &Actor) -> Uuid {
    let (_, course) = app
        .create(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Concept", "kind": "workshop", "description": "Nog niet open."}),
        )
        .await;
    let (_, e) = app
        .create(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 10, "trainer_ids": [trainer.id]}),
        )
        .await;
    assert_eq!(e["status"], "draft", "{e}");
    id_of(&e)
}

/// Gives `person` an SKJ number (period from 1 January 2024).
async fn skj_number(app: &TestApp, admin: &Actor, person: &Actor, number: &str) {
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{}", person.id),
            &admin.token,
            json!({"registers": [{"register": "SKJ", "number": number, "period_start": "2024-01-01"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn setup(app: &TestApp) -> World {
    let admin = app.admin().await;
    let org_a = app.create_org(&admin, "Jeugdzorg A", "provider").await;
    let org_b = app.create_org(&admin, "Jeugdzorg B", "provider").await;
    let mut people = BTreeMap::new();
    for (who, org, role, email) in [
        (Pro, org_a, "professional", "pro@a.test"),
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
    let unnumbered = app
        .person(&admin, org_a, &["professional"], "unnumbered@a.test")
        .await;
    let throwaway = app
        .person(&admin, org_b, &["professional"], "throwaway@b.test")
        .await;
    let clients = BTreeMap::from([
        (
            ClientReports,
            app.client_token(&admin, org_a, &["reports:read"]).await,
        ),
        (
            ClientRegs,
            app.client_token(&admin, org_a, &["registrations:read"])
                .await,
        ),
    ]);
    let pro = people[&Pro].clone();
    let trainer = people[&Trainer].clone();
    skj_number(app, &admin, &pro, PRO_NUMBER).await;
    skj_number(app, &admin, &outsider, OUTSIDER_NUMBER).await;

    // The closed edition: all three present at its one session, closed by the admin.
    let (closed, sessions) =
        past_edition(app, &admin, &trainer, "Signalen herkennen", 1, 100.0).await;
    let mut records = Vec::new();
    for p in [&pro, &outsider, &unnumbered] {
        let reg = enrol(app, &admin, closed, p).await;
        records.push(json!({"registration_id": reg, "status": "present"}));
    }
    let (status, body) = mark(app, &trainer.token, sessions[0], json!(records)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{closed}/close"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["completions"]["certificates_issued"], 3, "{body}");

    let draft = draft_edition(app, &admin, &trainer).await;

    let names = [
        (org_a, "org_a"),
        (org_b, "org_b"),
        (closed, "closed"),
        (draft, "draft"),
        (throwaway.id, "throwaway"),
    ]
    .into_iter()
    .map(|(id, name)| (id, format!("{{{name}}}")))
    .collect();
    World {
        admin,
        people,
        clients,
        org_a,
        org_b,
        outsider,
        unnumbered,
        closed,
        draft,
        throwaway,
        names,
    }
}

fn build_table(w: &World) -> Table {
    let mut t = Table::default();

    // The organisation-scoped reports: admins (all, or the organisation they ask for),
    // HR and the reading client (their own organisation; another is refused).
    for path in REPORTS {
        for who in EVERYONE {
            for (query, org) in [
                (String::new(), None),
                (format!("?organization_id={}", w.org_a), Some(w.org_a)),
                (format!("?organization_id={}", w.org_b), Some(w.org_b)),
            ] {
                let own = match who {
                    HrA | ClientReports => Some(w.org_a),
                    HrB => Some(w.org_b),
                    _ => None,
                };
                let expected = match who {
                    Anonymous => StatusCode::UNAUTHORIZED,
                    Admin => StatusCode::OK,
                    HrA | HrB | ClientReports => match org {
                        Some(org) if Some(org) != own => StatusCode::FORBIDDEN,
                        _ => StatusCode::OK,
                    },
                    ClientRegs | Pro | Trainer | OtherTrainer => StatusCode::FORBIDDEN,
                };
                t.add(who, Method::GET, format!("{path}{query}"), None, expected);
            }
        }
    }

    // The overview: admins only.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Admin => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        t.add(who, Method::GET, "/api/v1/reports/overview", None, expected);
    }

    // An edition's statistics: admins and its trainers; a draft is hidden from the rest.
    for (edition, hidden) in [(w.closed, false), (w.draft, true)] {
        for who in EVERYONE {
            let expected = match who {
                Anonymous => StatusCode::UNAUTHORIZED,
                Admin | Trainer => StatusCode::OK,
                _ if hidden => StatusCode::NOT_FOUND,
                _ => StatusCode::FORBIDDEN,
            };
            t.add(
                who,
                Method::GET,
                format!("/api/v1/editions/{edition}/statistics"),
                None,
                expected,
            );
        }
    }

    // My points and my data: people only (checked below: their own).
    for path in ["/api/v1/me/points", "/api/v1/me/export"] {
        for who in EVERYONE {
            let expected = match who {
                Anonymous => StatusCode::UNAUTHORIZED,
                ClientReports | ClientRegs => StatusCode::FORBIDDEN,
                _ => StatusCode::OK,
            };
            t.add(who, Method::GET, path, None, expected);
        }
    }

    // Erasure (last: it changes data): admins only, on a person with nothing to lose.
    let mut erase: Vec<Who> = EVERYONE.into_iter().filter(|w| *w != Admin).collect();
    erase.push(Admin);
    for who in erase {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Admin => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/users/{}/erase", w.throwaway.id),
            Some(json!({"reason": format!("asked by {who:?}")})),
            expected,
        );
    }

    t
}

fn array<'a>(value: &'a Value, key: &str) -> &'a Vec<Value> {
    value[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key}: {value}"))
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

fn strings<'a>(items: impl IntoIterator<Item = &'a Value>, key: &str) -> BTreeSet<String> {
    items
        .into_iter()
        .map(|item| {
            item[key]
                .as_str()
                .unwrap_or_else(|| panic!("{key} in {item}"))
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn report_and_privacy_access_matrix_allows_exactly_the_documented_cells() {
    let app = TestApp::spawn().await;
    let w = setup(&app).await;
    let table = build_table(&w);

    matrix::assert_cells(
        &app,
        &table,
        |who| w.token(who),
        |t| w.describe(t),
        matrix::refusals(&[]),
    )
    .await;

    let pro = w.pro().id;
    let outsider = w.outsider.id;
    let unnumbered = w.unnumbered.id;
    let a_people = BTreeSet::from([pro, unnumbered]);
    let b_people = BTreeSet::from([outsider]);
    let everyone = BTreeSet::from([pro, unnumbered, outsider]);
    let query_a = format!("?organization_id={}", w.org_a);
    let query_b = format!("?organization_id={}", w.org_b);

    // What each caller's reports hold: (caller, query, people of the closed edition).
    let views = [
        (Admin, String::new(), everyone.clone()),
        (Admin, query_a.clone(), a_people.clone()),
        (Admin, query_b.clone(), b_people.clone()),
        (HrA, String::new(), a_people.clone()),
        (HrA, query_a.clone(), a_people.clone()),
        (ClientReports, String::new(), a_people.clone()),
        (ClientReports, query_a.clone(), a_people.clone()),
        (HrB, String::new(), b_people.clone()),
        (HrB, query_b.clone(), b_people.clone()),
    ];
    let org_of = |id: &Uuid| if *id == outsider { w.org_b } else { w.org_a };
    let number_of = |id: &Uuid| match id {
        id if *id == pro => Some(PRO_NUMBER.to_owned()),
        id if *id == outsider => Some(OUTSIDER_NUMBER.to_owned()),
        _ => None,
    };
    for (who, query, people) in &views {
        let label = format!("{who:?} {}", w.describe(query));
        let get = |path: String| {
            let app = &app;
            let token = w.token(*who);
            async move { app.call(Method::GET, &path, token, None).await }
        };
        let orgs: BTreeSet<Uuid> = people.iter().map(org_of).collect();

        // Completions: one line per completer in scope.
        let (status, page) = get(format!("/api/v1/reports/completions{query}")).await;
        assert_eq!(status, StatusCode::OK, "{label}: {page}");
        let lines = array(&page, "items");
        assert_eq!(lines.len(), people.len(), "{label}: {page}");
        assert_eq!(&uuids(lines, "user_id"), people, "{label}: {page}");
        assert_eq!(uuids(lines, "organization_id"), orgs, "{label}: {page}");
        assert_eq!(
            uuids(lines, "edition_id"),
            BTreeSet::from([w.closed]),
            "{label}: {page}"
        );

        // Points: the people in scope with an SKJ number, 24 points each.
        let numbered: BTreeSet<Uuid> = people
            .iter()
            .filter(|id| number_of(id).is_some())
            .copied()
            .collect();
        let (status, page) = get(format!("/api/v1/reports/points{query}")).await;
        assert_eq!(status, StatusCode::OK, "{label}: {page}");
        let lines = array(&page, "items");
        assert_eq!(uuids(lines, "user_id"), numbered, "{label}: {page}");
        assert!(
            lines
                .iter()
                .all(|l| l["points"] == 24.0 && l["register"] == "SKJ"),
            "{label}: {page}"
        );

        // The export: one record per numbered person in scope, the rest listed apart.
        let (status, export) = get(format!("/api/v1/reports/register-export{query}")).await;
        assert_eq!(status, StatusCode::OK, "{label}: {export}");
        let numbers: BTreeSet<String> = people.iter().filter_map(number_of).collect();
        assert_eq!(
            strings(array(&export, "records"), "external_person_id"),
            numbers,
            "{label}: {export}"
        );
        assert_eq!(export["total_records"], numbers.len(), "{label}: {export}");
        let missing: BTreeSet<Uuid> = people
            .iter()
            .filter(|id| number_of(id).is_none())
            .copied()
            .collect();
        assert_eq!(
            uuids(array(&export, "without_number"), "user_id"),
            missing,
            "{label}: {export}"
        );
    }

    // My points: each person's own standing only.
    for who in PEOPLE {
        let me = w.person(who);
        let (status, rows) = app.get("/api/v1/me/points", &me.token).await;
        assert_eq!(status, StatusCode::OK, "{who:?}: {rows}");
        let rows = rows.as_array().unwrap_or_else(|| panic!("{who:?}: {rows}"));
        let expected = if who == Pro {
            BTreeSet::from([me.id])
        } else {
            BTreeSet::new()
        };
        assert_eq!(uuids(rows, "user_id"), expected, "{who:?}: {rows:?}");
        if who == Pro {
            assert_eq!(rows.len(), 1, "{rows:?}");
            assert_eq!(rows[0]["number"], PRO_NUMBER, "{rows:?}");
            assert_eq!(rows[0]["points"], 24.0, "{rows:?}");
        }
    }

    // My data: each person's own profile, and only the professional's completion.
    for who in PEOPLE {
        let me = w.person(who);
        let (status, export) = app.get("/api/v1/me/export", &me.token).await;
        assert_eq!(status, StatusCode::OK, "{who:?}: {export}");
        assert_eq!(export["profile"]["id"], json!(me.id), "{who:?}: {export}");
        assert_eq!(export["profile"]["email"], me.email, "{who:?}: {export}");
        let completions = array(&export, "completions");
        assert_eq!(
            completions.len(),
            usize::from(who == Pro),
            "{who:?}: {export}"
        );
        let registrations = array(&export, "registrations");
        assert!(
            registrations
                .iter()
                .all(|r| r["registration"]["user_id"] == json!(me.id)),
            "{who:?}: {export}"
        );
    }

    // The admin's erasure took (and only once: a refused one would have made it a
    // conflict); the others' still stand.
    let (status, user) = app
        .get(&format!("/api/v1/users/{}", w.throwaway.id), &w.admin.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["name"], "Verwijderde gebruiker", "{user}");
    assert_eq!(user["email"], Value::Null, "{user}");
    assert_eq!(user["disabled"], true, "{user}");
    for person in [w.pro(), &w.outsider, &w.unnumbered] {
        let (status, user) = app
            .get(&format!("/api/v1/users/{}", person.id), &w.admin.token)
            .await;
        assert_eq!(status, StatusCode::OK, "{user}");
        assert_eq!(user["email"], person.email, "{user}");
    }
}
