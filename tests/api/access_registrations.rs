//! The authorisation matrix of registrations: registering (oneself and someone else),
//! an edition's list, one registration, cancelling, approving, declining, the history and
//! `/me/registrations`, called by every kind of caller. Exactly the allowed cells succeed;
//! every refusal is the documented problem, and the lists hold only what the caller may
//! see.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::matrix;

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    /// The professional of organisation A the registrations are for.
    Pro,
    /// Another professional of organisation A.
    Colleague,
    /// HR of organisation A.
    HrA,
    /// HR of organisation B.
    HrB,
    /// A trainer of every edition the registrations are for.
    Trainer,
    /// A trainer who teaches none of them.
    OtherTrainer,
    Admin,
    /// A partner client bound to organisation A with `registrations:write`.
    ClientAWrite,
    /// A partner client bound to organisation A with `registrations:read`.
    ClientARead,
    /// A partner client bound to organisation B with `registrations:write`.
    ClientBWrite,
}

use Who::*;

const EVERYONE: [Who; 11] = [
    Anonymous,
    Pro,
    Colleague,
    HrA,
    HrB,
    Trainer,
    OtherTrainer,
    Admin,
    ClientAWrite,
    ClientARead,
    ClientBWrite,
];

/// The signed-in people (not the clients).
const PEOPLE: [Who; 7] = [Pro, Colleague, HrA, HrB, Trainer, OtherTrainer, Admin];

/// Who may register the professional (`{"user_id": P}`).
const REGISTER_PRO: [Who; 4] = [Pro, Admin, HrA, ClientAWrite];
/// Who may cancel the professional's registration.
const CANCELLERS: [Who; 4] = [Pro, HrA, Admin, ClientAWrite];
/// Who may approve or decline it.
const APPROVERS: [Who; 2] = [HrA, Admin];

type Table = matrix::Table<Who>;

/// The callers and the registrations they act on.
struct World {
    admin: Actor,
    people: BTreeMap<Who, Actor>,
    clients: BTreeMap<Who, String>,
    /// A professional of organisation B, registered for `main`.
    outsider: Actor,
    /// Taught by `Trainer`; the professional and the outsider are registered.
    main: Uuid,
    /// The professional's (confirmed) registration for `main`.
    reg: Uuid,
    /// The outsider's registration for `main`.
    outsider_reg: Uuid,
    /// Everyone registers themself here.
    self_edition: Uuid,
    /// Where the refused registrations of the professional are attempted.
    refused_edition: Uuid,
    /// Per allowed caller: an edition they register the professional for.
    for_pro: BTreeMap<Who, Uuid>,
    /// Per allowed caller: a confirmed registration of the professional they cancel.
    to_cancel: BTreeMap<Who, Uuid>,
    /// A pending registration of the professional that every refusal meets.
    pending: Uuid,
    /// Per approver: a pending registration of the professional they approve.
    to_approve: BTreeMap<Who, Uuid>,
    /// Per approver: a pending registration of the professional they decline.
    to_decline: BTreeMap<Who, Uuid>,
    /// Ids and their names, for readable mismatches.
    names: Vec<(Uuid, String)>,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Anonymous => None,
            Admin => Some(&self.admin.token),
            ClientAWrite | ClientARead | ClientBWrite => Some(&self.clients[&who]),
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

    fn name(&mut self, id: Uuid, name: impl Into<String>) {
        self.names.push((id, format!("{{{}}}", name.into())));
    }

    /// `text` with the known ids replaced by names.
    fn describe(&self, text: &str) -> String {
        matrix::named(text, &self.names)
    }
}

/// A published edition taught by `trainer`, optionally needing approval.
async fn edition(app: &TestApp, admin: &Actor, trainer: &Actor, approval: bool) -> Uuid {
    app.open_edition(
        admin,
        10,
        json!({"capacity": 10, "trainer_ids": [trainer.id], "requires_approval": approval}),
    )
    .await
}

/// `who` registers themself for `edition`; the new registration must have `status`.
async fn register_self(app: &TestApp, who: &Actor, edition: Uuid, status: &str) -> Uuid {
    let (code, body) = app
        .post(
            &format!("/api/v1/editions/{edition}/registrations"),
            &who.token,
            json!({}),
        )
        .await;
    assert_eq!(code, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], status, "{body}");
    id_of(&body)
}

async fn setup(app: &TestApp) -> World {
    let admin = app.admin().await;
    let org_a = app.create_org(&admin, "Provider A", "provider").await;
    let org_b = app.create_org(&admin, "Provider B", "provider").await;
    let mut people = BTreeMap::new();
    for (who, org, role, email) in [
        (Pro, org_a, "professional", "pro@a.test"),
        (Colleague, org_a, "professional", "colleague@a.test"),
        (HrA, org_a, "hr", "hr@a.test"),
        (HrB, org_b, "hr", "hr@b.test"),
        (Trainer, org_a, "trainer", "trainer@a.test"),
        (OtherTrainer, org_a, "trainer", "trainer2@a.test"),
    ] {
        people.insert(who, app.person(&admin, org, &[role], email).await);
    }
    let outsider = app
        .person(&admin, org_b, &["professional"], "pro@b.test")
        .await;
    let clients = BTreeMap::from([
        (
            ClientAWrite,
            app.client_token(&admin, org_a, &["registrations:write"])
                .await,
        ),
        (
            ClientARead,
            app.client_token(&admin, org_a, &["registrations:read"])
                .await,
        ),
        (
            ClientBWrite,
            app.client_token(&admin, org_b, &["registrations:write"])
                .await,
        ),
    ]);
    let pro = people[&Pro].clone();
    let trainer = people[&Trainer].clone();

    let main = edition(app, &admin, &trainer, false).await;
    let reg = register_self(app, &pro, main, "confirmed").await;
    let outsider_reg = register_self(app, &outsider, main, "confirmed").await;
    let self_edition = edition(app, &admin, &trainer, false).await;
    let refused_edition = edition(app, &admin, &trainer, false).await;

    let mut for_pro = BTreeMap::new();
    for who in REGISTER_PRO {
        for_pro.insert(who, edition(app, &admin, &trainer, false).await);
    }
    let mut to_cancel = BTreeMap::new();
    for who in CANCELLERS {
        let e = edition(app, &admin, &trainer, false).await;
        to_cancel.insert(who, register_self(app, &pro, e, "confirmed").await);
    }
    let e = edition(app, &admin, &trainer, true).await;
    let pending = register_self(app, &pro, e, "pending_approval").await;
    let mut to_approve = BTreeMap::new();
    let mut to_decline = BTreeMap::new();
    for who in APPROVERS {
        let e = edition(app, &admin, &trainer, true).await;
        to_approve.insert(who, register_self(app, &pro, e, "pending_approval").await);
        let e = edition(app, &admin, &trainer, true).await;
        to_decline.insert(who, register_self(app, &pro, e, "pending_approval").await);
    }

    let mut w = World {
        admin,
        people,
        clients,
        outsider,
        main,
        reg,
        outsider_reg,
        self_edition,
        refused_edition,
        for_pro,
        to_cancel,
        pending,
        to_approve,
        to_decline,
        names: Vec::new(),
    };
    for (id, name) in [
        (w.main, "main"),
        (w.reg, "reg"),
        (w.outsider_reg, "outsider_reg"),
        (w.self_edition, "self_edition"),
        (w.refused_edition, "refused_edition"),
        (w.pending, "pending"),
        (w.pro().id, "pro"),
    ] {
        w.name(id, name);
    }
    let named: Vec<(Uuid, String)> = [
        ("for_pro", &w.for_pro),
        ("to_cancel", &w.to_cancel),
        ("to_approve", &w.to_approve),
        ("to_decline", &w.to_decline),
    ]
    .into_iter()
    .flat_map(|(what, map)| {
        map.iter()
            .map(move |(who, id)| (*id, format!("{what}:{who:?}")))
    })
    .collect();
    for (id, name) in named {
        w.name(id, name);
    }
    w
}

fn build_table(w: &World) -> Table {
    let mut t = Table::default();
    let pro = w.pro().id;

    // Registering oneself: any signed-in person; a client has no self to register.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            ClientAWrite | ClientARead | ClientBWrite => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::CREATED,
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{}/registrations", w.self_edition),
            Some(json!({})),
            expected,
        );
    }

    // Registering the professional: themself, their HR, a writing client of their
    // organisation, an admin. Each allowed caller on an edition of their own.
    for who in EVERYONE {
        let (edition, expected) = match who {
            Anonymous => (w.refused_edition, StatusCode::UNAUTHORIZED),
            Pro | Admin | HrA | ClientAWrite => (w.for_pro[&who], StatusCode::CREATED),
            _ => (w.refused_edition, StatusCode::FORBIDDEN),
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{edition}/registrations"),
            Some(json!({"user_id": pro})),
            expected,
        );
    }

    // An edition's list: admins and its trainers (everyone), HR and registration
    // clients (their own organisation's people; checked below).
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Pro | Colleague | OtherTrainer => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        };
        t.add(
            who,
            Method::GET,
            format!("/api/v1/editions/{}/registrations", w.main),
            None,
            expected,
        );
    }

    // One registration: hidden (404) from whoever has no standing towards it.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Pro | HrA | Admin | Trainer | ClientARead | ClientAWrite => StatusCode::OK,
            Colleague | HrB | OtherTrainer | ClientBWrite => StatusCode::NOT_FOUND,
        };
        t.add(
            who,
            Method::GET,
            format!("/api/v1/registrations/{}", w.reg),
            None,
            expected,
        );
    }

    // Cancelling: the person, their HR, a writing client of their organisation, an admin;
    // readers are refused, the rest do not see it. Each allowed caller has a registration
    // of their own; the refusals all meet `reg`.
    for who in EVERYONE {
        let (reg, expected) = match who {
            Anonymous => (w.reg, StatusCode::UNAUTHORIZED),
            Pro | HrA | Admin | ClientAWrite => (w.to_cancel[&who], StatusCode::OK),
            Trainer | ClientARead => (w.reg, StatusCode::FORBIDDEN),
            Colleague | HrB | OtherTrainer | ClientBWrite => (w.reg, StatusCode::NOT_FOUND),
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/registrations/{reg}/cancel"),
            None,
            expected,
        );
    }

    // Approving and declining: the person's HR and admins only.
    for (step, allowed) in [("approve", &w.to_approve), ("decline", &w.to_decline)] {
        for who in EVERYONE {
            let (reg, expected) = match who {
                Anonymous => (w.pending, StatusCode::UNAUTHORIZED),
                HrA | Admin => (allowed[&who], StatusCode::OK),
                Pro | Trainer | ClientARead | ClientAWrite => (w.pending, StatusCode::FORBIDDEN),
                Colleague | HrB | OtherTrainer | ClientBWrite => (w.pending, StatusCode::NOT_FOUND),
            };
            t.add(
                who,
                Method::POST,
                format!("/api/v1/registrations/{reg}/{step}"),
                None,
                expected,
            );
        }
    }

    // The history: admins only.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Admin => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        t.add(
            who,
            Method::GET,
            format!("/api/v1/registrations/{}/history", w.reg),
            None,
            expected,
        );
    }

    // My registrations: people only.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            ClientAWrite | ClientARead | ClientBWrite => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        };
        t.add(who, Method::GET, "/api/v1/me/registrations", None, expected);
    }

    // A person's registrations: themself, their HR, admins and their organisation's
    // clients; to anyone else the person does not exist.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Pro | HrA | Admin | ClientAWrite | ClientARead => StatusCode::OK,
            _ => StatusCode::NOT_FOUND,
        };
        t.add(
            who,
            Method::GET,
            format!("/api/v1/users/{}/registrations", w.pro().id),
            None,
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
async fn registration_access_matrix_allows_exactly_the_documented_cells() {
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

    // The edition's list: everyone for admins and its trainer, the caller's own
    // organisation's people for HR and clients (HR B sees none of organisation A's).
    let list = format!("/api/v1/editions/{}/registrations", w.main);
    for (who, expected) in [
        (Admin, BTreeSet::from([pro, outsider])),
        (Trainer, BTreeSet::from([pro, outsider])),
        (HrA, BTreeSet::from([pro])),
        (ClientARead, BTreeSet::from([pro])),
        (ClientAWrite, BTreeSet::from([pro])),
        (HrB, BTreeSet::from([outsider])),
        (ClientBWrite, BTreeSet::from([outsider])),
    ] {
        let (status, page) = app.call(Method::GET, &list, w.token(who), None).await;
        assert_eq!(status, StatusCode::OK, "{who:?}: {page}");
        assert_eq!(uuids(items(&page), "user_id"), expected, "{who:?}: {page}");
        let regs = uuids(items(&page), "id");
        assert_eq!(
            regs.contains(&w.reg),
            expected.contains(&pro),
            "{who:?}: {page}"
        );
        assert_eq!(
            regs.contains(&w.outsider_reg),
            expected.contains(&outsider),
            "{who:?}: {page}"
        );
    }

    // My registrations: each person's own only, the self-registration among them.
    for who in PEOPLE {
        let me = w.person(who);
        let (status, page) = app.get("/api/v1/me/registrations", &me.token).await;
        assert_eq!(status, StatusCode::OK, "{who:?}: {page}");
        assert_eq!(
            uuids(items(&page), "user_id"),
            BTreeSet::from([me.id]),
            "{who:?}: {page}"
        );
        let editions: BTreeSet<Uuid> = items(&page).iter().map(|i| id_of(&i["edition"])).collect();
        assert!(editions.contains(&w.self_edition), "{who:?}: {page}");
    }
    // The professional's list holds every registration made for them; the colleague's
    // none of them.
    let (_, mine) = app.get("/api/v1/me/registrations", &w.pro().token).await;
    let mine_ids = uuids(items(&mine), "id");
    let mine_editions: BTreeSet<Uuid> = items(&mine).iter().map(|i| id_of(&i["edition"])).collect();
    assert!(
        mine_ids.contains(&w.reg) && mine_ids.contains(&w.pending),
        "{mine}"
    );
    for who in REGISTER_PRO {
        assert!(mine_editions.contains(&w.for_pro[&who]), "{who:?}: {mine}");
    }
    // HR and the organisation's client see the same list at /users/{id}/registrations.
    for who in [HrA, ClientARead] {
        let (_, page) = app
            .call(
                Method::GET,
                &format!("/api/v1/users/{}/registrations", w.pro().id),
                w.token(who),
                None,
            )
            .await;
        assert_eq!(uuids(items(&page), "id"), mine_ids, "{who:?}: {page}");
    }
    let (_, theirs) = app
        .get("/api/v1/me/registrations", &w.people[&Colleague].token)
        .await;
    assert!(
        uuids(items(&theirs), "id").is_disjoint(&mine_ids),
        "{theirs}"
    );

    // The allowed changes took; the refused ones changed nothing.
    let status_of = |id: Uuid| {
        let app = &app;
        let token = w.admin.token.clone();
        async move {
            let (status, body) = app
                .get(&format!("/api/v1/registrations/{id}"), &token)
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["status"].as_str().expect("status").to_owned()
        }
    };
    assert_eq!(status_of(w.reg).await, "confirmed");
    assert_eq!(status_of(w.outsider_reg).await, "confirmed");
    assert_eq!(status_of(w.pending).await, "pending_approval");
    for (who, id) in &w.to_cancel {
        assert_eq!(status_of(*id).await, "cancelled", "{who:?}");
    }
    for (who, id) in &w.to_approve {
        assert_eq!(status_of(*id).await, "confirmed", "{who:?}");
    }
    for (who, id) in &w.to_decline {
        assert_eq!(status_of(*id).await, "declined", "{who:?}");
    }
    // The writing client's cancellation is recorded as the client's.
    let (status, history) = app
        .get(
            &format!(
                "/api/v1/registrations/{}/history",
                w.to_cancel[&ClientAWrite]
            ),
            &w.admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history[1]["to"], "cancelled", "{history}");
    assert_eq!(history[1]["by_kind"], "client", "{history}");
}
