//! What a partner client reaches with each scope: every operation that takes a token,
//! called by a client of each scope (bound to organisation A) and by one holding every
//! scope but bound to no organisation. Exactly the allowed cells succeed, every refusal is
//! the documented problem, the table covers every secured operation of the document, and
//! what a client reads holds its own organisation's people only.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::certificates::{enrol, mark, past_edition};
use crate::helpers::*;
use crate::matrix;

/// A partner client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    CatalogRead,
    RegistrationsRead,
    RegistrationsWrite,
    ReportsRead,
    CertificatesRead,
    UsersRead,
    /// Every scope, no organisation (the academy's own website).
    Unbound,
}

use Who::*;

const CLIENTS: [Who; 7] = [
    CatalogRead,
    RegistrationsRead,
    RegistrationsWrite,
    ReportsRead,
    CertificatesRead,
    UsersRead,
    Unbound,
];

impl Who {
    fn scopes(self) -> &'static [&'static str] {
        match self {
            CatalogRead => &["catalog:read"],
            RegistrationsRead => &["registrations:read"],
            RegistrationsWrite => &["registrations:write"],
            ReportsRead => &["reports:read"],
            CertificatesRead => &["certificates:read"],
            UsersRead => &["users:read"],
            Unbound => &[
                "catalog:read",
                "registrations:read",
                "registrations:write",
                "reports:read",
                "certificates:read",
                "users:read",
            ],
        }
    }
}

type Table = matrix::Table<Who>;

struct World {
    tokens: Vec<(Who, String)>,
    org_a: Uuid,
    org_b: Uuid,
    pro_a: Actor,
    pro_b: Actor,
    /// A person of organisation A the registrations:write client registers.
    newcomer: Actor,
    /// The closed edition both professionals completed.
    closed: Uuid,
    /// Their certificates, and the public code of A's.
    cert_a: Uuid,
    cert_b: Uuid,
    code_a: String,
    /// A published edition with registrations of A's and B's professional, and one of a
    /// third person of A that the registrations:write client cancels.
    open: Uuid,
    session: Uuid,
    course: Uuid,
    reg_a: Uuid,
    reg_b: Uuid,
    reg_cancel: Uuid,
    names: Vec<(Uuid, &'static str)>,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, t)| t.as_str())
    }

    fn describe(&self, text: &str) -> String {
        let braced: Vec<(Uuid, String)> = self
            .names
            .iter()
            .map(|(id, name)| (*id, format!("{{{name}}}")))
            .collect();
        matrix::named(text, &braced)
    }
}

async fn certificate_of(app: &TestApp, admin: &Actor, person: &Actor) -> Value {
    let (status, page) = app
        .get(
            &format!("/api/v1/certificates?user_id={}", person.id),
            &admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"][0].clone()
}

async fn setup(app: &TestApp) -> World {
    let admin = app.admin().await;
    let org_a = app.create_org(&admin, "Jeugdzorg A", "provider").await;
    let org_b = app.create_org(&admin, "Jeugdzorg B", "provider").await;
    let pro_a = app
        .person(&admin, org_a, &["professional"], "pro@a.test")
        .await;
    let pro_b = app
        .person(&admin, org_b, &["professional"], "pro@b.test")
        .await;
    let leaver = app
        .person(&admin, org_a, &["professional"], "leaver@a.test")
        .await;
    let newcomer = app
        .person(&admin, org_a, &["professional"], "new@a.test")
        .await;
    let trainer = app
        .person(&admin, org_a, &["trainer"], "trainer@a.test")
        .await;

    let (closed, sessions) = past_edition(app, &admin, &trainer, "Signalen", 1, 100.0).await;
    let mut records = Vec::new();
    for p in [&pro_a, &pro_b] {
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
    let cert_a = certificate_of(app, &admin, &pro_a).await;
    let cert_b = certificate_of(app, &admin, &pro_b).await;

    let open = app.open_edition(&admin, 20, json!({"capacity": 10})).await;
    let (status, sessions) = app
        .get(&format!("/api/v1/editions/{open}/sessions"), &admin.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let session = sessions["items"]
        .as_array()
        .and_then(|s| s.first())
        .map(id_of)
        .expect("a session");
    let (_, edition) = app
        .get(&format!("/api/v1/editions/{open}"), &admin.token)
        .await;
    let course: Uuid = edition["course_id"].as_str().unwrap().parse().unwrap();
    let reg_a = enrol(app, &admin, open, &pro_a).await;
    let reg_b = enrol(app, &admin, open, &pro_b).await;
    let reg_cancel = enrol(app, &admin, open, &leaver).await;

    let mut tokens = Vec::new();
    for who in CLIENTS {
        let scopes: Vec<&str> = who.scopes().to_vec();
        let token = if who == Unbound {
            unbound_client_token(app, &admin, &scopes).await
        } else {
            app.client_token(&admin, org_a, &scopes).await
        };
        tokens.push((who, token));
    }
    let names = vec![
        (org_a, "org_a"),
        (org_b, "org_b"),
        (pro_a.id, "pro_a"),
        (pro_b.id, "pro_b"),
        (newcomer.id, "newcomer"),
        (closed, "closed"),
        (open, "open"),
        (session, "session"),
        (course, "course"),
        (reg_a, "reg_a"),
        (reg_b, "reg_b"),
        (reg_cancel, "reg_cancel"),
        (id_of(&cert_a), "cert_a"),
        (id_of(&cert_b), "cert_b"),
    ];
    World {
        tokens,
        org_a,
        org_b,
        pro_a,
        pro_b,
        newcomer,
        closed,
        cert_a: id_of(&cert_a),
        cert_b: id_of(&cert_b),
        code_a: cert_a["code"].as_str().unwrap().to_owned(),
        open,
        session,
        course,
        reg_a,
        reg_b,
        reg_cancel,
        names,
    }
}

/// A client bound to no organisation, granted `scopes`.
async fn unbound_client_token(app: &TestApp, admin: &Actor, scopes: &[&str]) -> String {
    let (_, client) = app
        .create(
            "/api/v1/clients",
            &admin.token,
            json!({"name": "Website", "scopes": scopes}),
        )
        .await;
    let resp = app
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", client["client_id"].as_str().unwrap()),
            ("client_secret", client["client_secret"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let grant: Value = resp.json().await.unwrap();
    grant["access_token"].as_str().unwrap().to_owned()
}

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;

/// `yes` for the clients named, `no` for the others.
fn only(clients: &[Who], yes: StatusCode, no: StatusCode) -> impl Fn(Who) -> StatusCode {
    let clients = clients.to_vec();
    move |who| if clients.contains(&who) { yes } else { no }
}

fn build_table(w: &World) -> Table {
    let mut t = Table::default();
    let row = |t: &mut Table,
               method: Method,
               path: String,
               body: Option<Value>,
               rule: &dyn Fn(Who) -> StatusCode| {
        for who in CLIENTS {
            t.add(who, method.clone(), path.clone(), body.clone(), rule(who));
        }
    };
    let all = |s: StatusCode| move |_: Who| s;
    let none = Uuid::now_v7();
    let (open, closed, session, course) = (w.open, w.closed, w.session, w.course);

    // The catalogue and the public pages: every client, whatever its scopes.
    for path in [
        "/api/v1/courses".to_owned(),
        format!("/api/v1/courses/{course}"),
        format!("/api/v1/courses/{course}/editions"),
        "/api/v1/editions".to_owned(),
        format!("/api/v1/editions/{open}"),
        format!("/api/v1/editions/{open}/calendar.ics"),
        format!("/api/v1/editions/{open}/sessions"),
        format!("/api/v1/sessions/{session}"),
        "/api/v1/calendar/catalog.ics".to_owned(),
        format!("/api/v1/verify/{}", w.code_a),
        "/api/v1/organizations".to_owned(),
        format!("/api/v1/organizations/{}", w.org_b),
    ] {
        row(&mut t, Method::GET, path, None, &all(OK));
    }

    // Certificates: certificates:read, of organisation A's people.
    row(
        &mut t,
        Method::GET,
        "/api/v1/certificates".into(),
        None,
        &only(&[CertificatesRead], OK, FORBIDDEN),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/certificates?organization_id={}", w.org_b),
        None,
        &all(FORBIDDEN),
    );
    for suffix in ["", "/credential", "/pdf"] {
        row(
            &mut t,
            Method::GET,
            format!("/api/v1/certificates/{}{suffix}", w.cert_a),
            None,
            &only(&[CertificatesRead], OK, NOT_FOUND),
        );
        row(
            &mut t,
            Method::GET,
            format!("/api/v1/certificates/{}{suffix}", w.cert_b),
            None,
            &all(NOT_FOUND),
        );
    }
    row(
        &mut t,
        Method::POST,
        format!("/api/v1/certificates/{}/revoke", w.cert_a),
        Some(json!({"reason": "Fout"})),
        &all(FORBIDDEN),
    );

    // People: users:read, of organisation A.
    row(
        &mut t,
        Method::GET,
        "/api/v1/users".into(),
        None,
        &only(&[UsersRead], OK, FORBIDDEN),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/users?organization_id={}", w.org_b),
        None,
        &all(FORBIDDEN),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/users/{}", w.pro_a.id),
        None,
        &only(&[UsersRead], OK, NOT_FOUND),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/users/{}", w.pro_b.id),
        None,
        &all(NOT_FOUND),
    );
    row(
        &mut t,
        Method::POST,
        "/api/v1/users".into(),
        Some(
            json!({"email": "x@a.test", "name": "X", "organization_id": w.org_a, "roles": ["professional"]}),
        ),
        &all(FORBIDDEN),
    );
    row(
        &mut t,
        Method::PATCH,
        format!("/api/v1/users/{}", w.pro_a.id),
        Some(json!({"name": "Y"})),
        &all(FORBIDDEN),
    );
    row(
        &mut t,
        Method::POST,
        format!("/api/v1/users/{}/erase", w.pro_a.id),
        None,
        &all(FORBIDDEN),
    );

    // Registrations: read and write of organisation A's people.
    let readers = [RegistrationsRead, RegistrationsWrite];
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/editions/{open}/registrations"),
        None,
        &only(&readers, OK, FORBIDDEN),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/registrations/{}", w.reg_a),
        None,
        &only(&readers, OK, NOT_FOUND),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/registrations/{}/history", w.reg_a),
        None,
        // Who changed what is for admins.
        &all(FORBIDDEN),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/registrations/{}", w.reg_b),
        None,
        &all(NOT_FOUND),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/registrations/{}/history", w.reg_b),
        None,
        &all(FORBIDDEN),
    );
    row(
        &mut t,
        Method::POST,
        format!("/api/v1/editions/{open}/registrations"),
        Some(json!({"user_id": w.newcomer.id})),
        &only(&[RegistrationsWrite], CREATED, FORBIDDEN),
    );
    row(
        &mut t,
        Method::POST,
        format!("/api/v1/editions/{open}/registrations"),
        Some(json!({"user_id": w.pro_b.id})),
        &all(FORBIDDEN),
    );
    row(
        &mut t,
        Method::POST,
        format!("/api/v1/registrations/{}/cancel", w.reg_cancel),
        Some(json!({})),
        &|who| match who {
            RegistrationsWrite => OK,
            RegistrationsRead => FORBIDDEN,
            _ => NOT_FOUND,
        },
    );
    row(
        &mut t,
        Method::POST,
        format!("/api/v1/registrations/{}/cancel", w.reg_b),
        Some(json!({})),
        &all(NOT_FOUND),
    );
    for step in ["approve", "decline"] {
        row(
            &mut t,
            Method::POST,
            format!("/api/v1/registrations/{}/{step}", w.reg_a),
            Some(json!({"reason": "Vol"})),
            &only(&readers, FORBIDDEN, NOT_FOUND),
        );
    }
    row(
        &mut t,
        Method::PUT,
        format!("/api/v1/registrations/{}/completion", w.reg_a),
        Some(json!({})),
        &all(FORBIDDEN),
    );
    row(
        &mut t,
        Method::DELETE,
        format!("/api/v1/registrations/{}/completion", w.reg_a),
        None,
        &all(FORBIDDEN),
    );

    row(
        &mut t,
        Method::GET,
        format!("/api/v1/users/{}/registrations", w.pro_a.id),
        None,
        &only(&readers, OK, NOT_FOUND),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/users/{}/registrations", w.pro_b.id),
        None,
        &all(NOT_FOUND),
    );

    // Reports: reports:read, of organisation A.
    for report in ["completions", "points", "register-export"] {
        row(
            &mut t,
            Method::GET,
            format!("/api/v1/reports/{report}"),
            None,
            &only(&[ReportsRead], OK, FORBIDDEN),
        );
        row(
            &mut t,
            Method::GET,
            format!("/api/v1/reports/{report}?organization_id={}", w.org_b),
            None,
            &all(FORBIDDEN),
        );
    }
    row(
        &mut t,
        Method::GET,
        "/api/v1/reports/overview".into(),
        None,
        &all(FORBIDDEN),
    );
    row(
        &mut t,
        Method::GET,
        format!("/api/v1/editions/{closed}/statistics"),
        None,
        &all(FORBIDDEN),
    );

    // For people, trainers and admins only: no scope reaches them.
    let refused: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/v1/clients".into(), None),
        (
            Method::POST,
            "/api/v1/clients".into(),
            Some(json!({"name": "C", "scopes": ["catalog:read"]})),
        ),
        (Method::DELETE, format!("/api/v1/clients/{none}"), None),
        (
            Method::POST,
            "/api/v1/courses".into(),
            Some(json!({"title": "T", "kind": "workshop", "description": "D"})),
        ),
        (Method::DELETE, format!("/api/v1/courses/{course}"), None),
        (
            Method::PATCH,
            format!("/api/v1/courses/{course}"),
            Some(json!({"title": "T"})),
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/archive"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/unarchive"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/editions"),
            Some(json!({"capacity": 5})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/editions/{open}"),
            Some(json!({"capacity": 12})),
        ),
        (
            Method::POST,
            format!("/api/v1/editions/{open}/cancel"),
            Some(json!({"reason": "Ziek"})),
        ),
        (Method::POST, format!("/api/v1/editions/{open}/close"), None),
        (
            Method::POST,
            format!("/api/v1/editions/{open}/publish"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/editions/{open}/reopen"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/editions/{open}/sessions"),
            Some(json!({"starts_at": ts(at(30, 9)), "ends_at": ts(at(30, 12))})),
        ),
        (
            Method::POST,
            format!("/api/v1/editions/{closed}/evaluations"),
            Some(json!({"score": 8})),
        ),
        (
            Method::GET,
            format!("/api/v1/editions/{closed}/evaluations/mine"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/editions/{closed}/evaluations/mine"),
            Some(json!({"score": 8})),
        ),
        (
            Method::GET,
            format!("/api/v1/editions/{closed}/evaluations/summary"),
            None,
        ),
        (Method::GET, "/api/v1/me".into(), None),
        (
            Method::PATCH,
            "/api/v1/me".into(),
            Some(json!({"reminders": false})),
        ),
        (Method::GET, "/api/v1/me/calendar-feed".into(), None),
        (Method::POST, "/api/v1/me/calendar-feed/rotate".into(), None),
        (Method::GET, "/api/v1/me/certificates".into(), None),
        (Method::GET, "/api/v1/me/export".into(), None),
        (Method::GET, "/api/v1/me/points".into(), None),
        (Method::GET, "/api/v1/me/registrations".into(), None),
        (Method::GET, "/api/v1/me/teaching".into(), None),
        (Method::GET, "/api/v1/messages".into(), None),
        (Method::POST, format!("/api/v1/messages/{none}/retry"), None),
        (Method::GET, "/api/v1/webhooks".into(), None),
        (
            Method::POST,
            "/api/v1/webhooks".into(),
            Some(
                json!({"client_id": none, "url": "https://93.184.216.34/", "events": ["edition.changed"]}),
            ),
        ),
        (Method::GET, format!("/api/v1/webhooks/{none}"), None),
        (
            Method::PATCH,
            format!("/api/v1/webhooks/{none}"),
            Some(json!({"enabled": false})),
        ),
        (Method::DELETE, format!("/api/v1/webhooks/{none}"), None),
        (
            Method::POST,
            format!("/api/v1/webhooks/{none}/rotate-secret"),
            None,
        ),
        (Method::POST, format!("/api/v1/webhooks/{none}/ping"), None),
        (
            Method::GET,
            format!("/api/v1/webhooks/{none}/deliveries"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/webhooks/{none}/deliveries/{none}/redeliver"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/organizations".into(),
            Some(json!({"name": "O", "kind": "provider"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/organizations/{}", w.org_a),
            Some(json!({"name": "O"})),
        ),
        (Method::DELETE, format!("/api/v1/sessions/{session}"), None),
        (
            Method::PATCH,
            format!("/api/v1/sessions/{session}"),
            Some(json!({"location": "Lelystad"})),
        ),
        (
            Method::GET,
            format!("/api/v1/sessions/{session}/attendance"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/sessions/{session}/attendance"),
            Some(json!({"records": [{"registration_id": w.reg_a, "status": "present"}]})),
        ),
        (
            Method::GET,
            format!("/api/v1/sessions/{session}/attendance/history"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/sessions/{session}/check-in"),
            Some(json!({"code": "123456"})),
        ),
        (
            Method::POST,
            format!("/api/v1/sessions/{session}/check-out"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/sessions/{session}/check-in-code"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/sessions/{session}/check-in-code.png"),
            None,
        ),
    ];
    for (method, path, body) in refused {
        row(&mut t, method, path, body, &all(FORBIDDEN));
    }
    t
}

#[tokio::test]
async fn every_scope_reaches_exactly_its_operations_for_its_own_organisation() {
    let app = TestApp::spawn().await;
    let w = setup(&app).await;
    let table = build_table(&w);

    // Every operation that takes a token has its row.
    let doc: Value = serde_json::from_str(&academy::openapi_json()).unwrap();
    let templates: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let mut covered = std::collections::BTreeSet::new();
    for case in &table.cases {
        let template = crate::conformance::template_of(&templates, &case.path)
            .unwrap_or_else(|| panic!("{} is not in the document", case.path));
        covered.insert((case.method.as_str().to_lowercase(), template.to_owned()));
    }
    let mut missing = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured && !covered.contains(&(method.clone(), path.clone())) {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(missing.is_empty(), "operations without a row: {missing:?}");

    matrix::assert_cells(
        &app,
        &table,
        |who| w.token(who),
        |s| w.describe(s),
        matrix::refusals(&[]),
    )
    .await;

    // What the clients read is their organisation's.
    let token = |who| w.token(who).unwrap();
    let (_, users) = app.get("/api/v1/users", token(UsersRead)).await;
    let ids: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&w.pro_a.id.to_string().as_str()), "{users}");
    assert!(!ids.contains(&w.pro_b.id.to_string().as_str()), "{users}");
    for u in users["items"].as_array().unwrap() {
        assert_eq!(u["organization_id"], json!(w.org_a), "{u}");
    }
    let (_, certificates) = app
        .get("/api/v1/certificates", token(CertificatesRead))
        .await;
    let ids: Vec<Uuid> = certificates["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, vec![w.cert_a], "{certificates}");
    assert_ne!(w.cert_b, w.cert_a);
    let (_, regs) = app
        .get(
            &format!("/api/v1/editions/{}/registrations", w.open),
            token(RegistrationsRead),
        )
        .await;
    let ids: Vec<Uuid> = regs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert!(ids.contains(&w.reg_a) && !ids.contains(&w.reg_b), "{regs}");
}
