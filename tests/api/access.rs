//! The authorisation matrix: every endpoint of organisations, users, clients and `/me`,
//! called by every kind of caller on their own and on another organisation. Exactly the
//! allowed cells succeed; every refusal is the documented problem.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::matrix;

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Client,
    Professional,
    Trainer,
    Hr,
    Admin,
}

use Who::*;

const EVERYONE: [Who; 6] = [Anonymous, Client, Professional, Trainer, Hr, Admin];

type Table = matrix::Table<Who>;

/// The callers' tokens and the people and clients the calls are about.
struct World {
    admin: Actor,
    client_token: String,
    professional: Actor,
    trainer: Actor,
    hr: Actor,
    org_a: Uuid,
    org_b: Uuid,
    /// A professional of A that other users act on.
    subject_a: Actor,
    /// A professional of B that other users act on.
    subject_b: Actor,
    /// Users of B, to show that listings never leak them.
    b_users: Vec<Uuid>,
    /// A client that the matrix deletes.
    victim: Uuid,
    victim_secret: String,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Anonymous => None,
            Client => Some(&self.client_token),
            Professional => Some(&self.professional.token),
            Trainer => Some(&self.trainer.token),
            Hr => Some(&self.hr.token),
            Admin => Some(&self.admin.token),
        }
    }

    /// `text` with the known ids replaced by names, for readable mismatches.
    fn describe(&self, text: &str) -> String {
        let names = [
            (self.admin.id, "{admin}"),
            (self.professional.id, "{professional_a}"),
            (self.trainer.id, "{trainer_a}"),
            (self.hr.id, "{hr_a}"),
            (self.subject_a.id, "{subject_a}"),
            (self.subject_b.id, "{subject_b}"),
            (self.org_a, "{org_a}"),
            (self.org_b, "{org_b}"),
            (self.victim, "{deleted_client}"),
        ];
        matrix::named(text, &names)
    }

    fn user(&self, who: Who) -> Option<&Actor> {
        match who {
            Professional => Some(&self.professional),
            Trainer => Some(&self.trainer),
            Hr => Some(&self.hr),
            Admin => Some(&self.admin),
            Anonymous | Client => None,
        }
    }
}

/// A partner client bound to `org`, as created by the admin: `(client_id, client_secret)`.
async fn create_client(app: &TestApp, admin: &Actor, name: &str, org: Uuid) -> (Uuid, String) {
    let (_, body) = app
        .create(
            "/api/v1/clients",
            &admin.token,
            json!({"name": name, "organization_id": org, "scopes": ["catalog:read"]}),
        )
        .await;
    let id = body["client_id"]
        .as_str()
        .expect("client_id")
        .parse()
        .expect("uuid");
    let secret = body["client_secret"]
        .as_str()
        .expect("client_secret")
        .to_owned();
    (id, secret)
}

async fn client_grant(app: &TestApp, id: Uuid, secret: &str) -> reqwest::Response {
    app.token_request(&[
        ("grant_type", "client_credentials"),
        ("client_id", &id.to_string()),
        ("client_secret", secret),
    ])
    .await
}

async fn setup(app: &TestApp) -> World {
    let admin = app.admin().await;
    let org_a = app.create_org(&admin, "Provider A", "provider").await;
    let org_b = app.create_org(&admin, "Provider B", "provider").await;
    let professional = app
        .create_user(&admin, org_a, &["professional"], "pro@a.test")
        .await;
    let trainer = app
        .create_user(&admin, org_a, &["trainer"], "trainer@a.test")
        .await;
    let hr = app.create_user(&admin, org_a, &["hr"], "hr@a.test").await;
    let subject_a = app
        .create_user(&admin, org_a, &["professional"], "subject@a.test")
        .await;
    let pro_b = app
        .create_user(&admin, org_b, &["professional"], "pro@b.test")
        .await;
    let trainer_b = app
        .create_user(&admin, org_b, &["trainer"], "trainer@b.test")
        .await;
    let hr_b = app.create_user(&admin, org_b, &["hr"], "hr@b.test").await;
    let subject_b = app
        .create_user(&admin, org_b, &["professional"], "subject@b.test")
        .await;

    let (client_id, client_secret) = create_client(app, &admin, "Intranet A", org_a).await;
    let resp = client_grant(app, client_id, &client_secret).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let grant: Value = resp.json().await.expect("token json");
    let client_token = grant["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned();

    let (victim, victim_secret) = create_client(app, &admin, "Doomed client", org_a).await;
    assert_eq!(
        client_grant(app, victim, &victim_secret).await.status(),
        StatusCode::OK
    );

    World {
        admin,
        client_token,
        professional,
        trainer,
        hr,
        org_a,
        org_b,
        b_users: vec![pro_b.id, trainer_b.id, hr_b.id, subject_b.id],
        subject_a,
        subject_b,
        victim,
        victim_secret,
    }
}

/// 401 for no token, 403 for everyone but the admin, `ok` for the admin.
fn admin_only(who: Who, ok: StatusCode) -> StatusCode {
    match who {
        Anonymous => StatusCode::UNAUTHORIZED,
        Admin => ok,
        _ => StatusCode::FORBIDDEN,
    }
}

fn build_table(w: &World) -> Table {
    let mut t = Table::default();
    let (a, b) = (w.org_a, w.org_b);

    // The caller's own profile: people only.
    for who in EVERYONE {
        let expected = match who {
            Anonymous => StatusCode::UNAUTHORIZED,
            Client => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        };
        t.add(who, Method::GET, "/api/v1/me", None, expected);
    }

    // Organisations: everyone with a token reads, only admins write.
    for who in EVERYONE {
        let read = if who == Anonymous {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        t.add(who, Method::GET, "/api/v1/organizations", None, read);
        for org in [a, b] {
            t.add(
                who,
                Method::GET,
                format!("/api/v1/organizations/{org}"),
                None,
                read,
            );
        }
        let name = format!("Organisation {}", t.unique());
        t.add(
            who,
            Method::POST,
            "/api/v1/organizations",
            Some(json!({"name": name, "kind": "municipality"})),
            admin_only(who, StatusCode::CREATED),
        );
        for (org, letter) in [(a, 'A'), (b, 'B')] {
            let name = format!("Provider {letter} (renamed {})", t.unique());
            t.add(
                who,
                Method::PATCH,
                format!("/api/v1/organizations/{org}"),
                Some(json!({"name": name})),
                admin_only(who, StatusCode::OK),
            );
        }
    }

    // Listing users: admins everyone, HR their own organisation.
    for who in EVERYONE {
        let (all, own, other) = match who {
            Anonymous => (
                StatusCode::UNAUTHORIZED,
                StatusCode::UNAUTHORIZED,
                StatusCode::UNAUTHORIZED,
            ),
            Client | Professional | Trainer => (
                StatusCode::FORBIDDEN,
                StatusCode::FORBIDDEN,
                StatusCode::FORBIDDEN,
            ),
            Hr => (StatusCode::OK, StatusCode::OK, StatusCode::FORBIDDEN),
            Admin => (StatusCode::OK, StatusCode::OK, StatusCode::OK),
        };
        t.add(who, Method::GET, "/api/v1/users", None, all);
        t.add(
            who,
            Method::GET,
            format!("/api/v1/users?organization_id={a}"),
            None,
            own,
        );
        t.add(
            who,
            Method::GET,
            format!("/api/v1/users?organization_id={b}"),
            None,
            other,
        );
    }

    // Creating users: admins anywhere, HR in their own organisation without `admin`.
    for who in EVERYONE {
        for org in [a, b] {
            let n = t.unique();
            let body = json!({
                "email": format!("new{n}@access.test"),
                "name": format!("New person {n}"),
                "organization_id": org,
                "roles": ["professional"],
                "password": PASSWORD,
            });
            let expected = match who {
                Hr if org == a => StatusCode::CREATED,
                Hr => StatusCode::FORBIDDEN,
                _ => admin_only(who, StatusCode::CREATED),
            };
            t.add(who, Method::POST, "/api/v1/users", Some(body), expected);
        }
        let n = t.unique();
        let body = json!({
            "email": format!("new-admin{n}@access.test"),
            "name": format!("New admin {n}"),
            "organization_id": a,
            "roles": ["admin"],
            "password": PASSWORD,
        });
        t.add(
            who,
            Method::POST,
            "/api/v1/users",
            Some(body),
            admin_only(who, StatusCode::CREATED),
        );
    }

    // Reading one user: themself, HR their organisation, admins anyone (and clients with
    // users:read their organisation, see access_scopes); the rest is indistinguishable
    // from a user that does not exist.
    for who in EVERYONE {
        let (own, other) = match who {
            Anonymous => (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED),
            Client | Professional | Trainer => (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
            Hr => (StatusCode::OK, StatusCode::NOT_FOUND),
            Admin => (StatusCode::OK, StatusCode::OK),
        };
        t.add(
            who,
            Method::GET,
            format!("/api/v1/users/{}", w.subject_a.id),
            None,
            own,
        );
        t.add(
            who,
            Method::GET,
            format!("/api/v1/users/{}", w.subject_b.id),
            None,
            other,
        );
        if let Some(me) = w.user(who) {
            t.add(
                who,
                Method::GET,
                format!("/api/v1/users/{}", me.id),
                None,
                StatusCode::OK,
            );
        }
    }
    // A professional does not see their colleagues either.
    t.add(
        Professional,
        Method::GET,
        format!("/api/v1/users/{}", w.trainer.id),
        None,
        StatusCode::NOT_FOUND,
    );
    t.add(
        Hr,
        Method::GET,
        format!("/api/v1/users/{}", w.admin.id),
        None,
        StatusCode::NOT_FOUND,
    );

    // Changing a user: admins anyone, HR the non-admins of their own organisation.
    let rename = || Some(json!({"name": "New name"}));
    for who in EVERYONE {
        let (own, other) = match who {
            Anonymous => (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED),
            Client | Professional | Trainer => (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
            Hr => (StatusCode::OK, StatusCode::NOT_FOUND),
            Admin => (StatusCode::OK, StatusCode::OK),
        };
        t.add(
            who,
            Method::PATCH,
            format!("/api/v1/users/{}", w.subject_a.id),
            rename(),
            own,
        );
        t.add(
            who,
            Method::PATCH,
            format!("/api/v1/users/{}", w.subject_b.id),
            rename(),
            other,
        );
        if let Some(me) = w.user(who) {
            let expected = match who {
                Professional | Trainer => StatusCode::FORBIDDEN,
                _ => StatusCode::OK,
            };
            let body = Some(json!({"name": format!("Self-chosen name {}", t.unique())}));
            t.add(
                who,
                Method::PATCH,
                format!("/api/v1/users/{}", me.id),
                body,
                expected,
            );
        }
    }
    t.add(
        Hr,
        Method::PATCH,
        format!("/api/v1/users/{}", w.admin.id),
        rename(),
        StatusCode::NOT_FOUND,
    );
    t.add(
        Hr,
        Method::PATCH,
        format!("/api/v1/users/{}", w.subject_a.id),
        Some(json!({"roles": ["admin"]})),
        StatusCode::FORBIDDEN,
    );
    t.add(
        Hr,
        Method::PATCH,
        format!("/api/v1/users/{}", w.subject_a.id),
        Some(json!({"organization_id": b})),
        StatusCode::FORBIDDEN,
    );

    // Partner clients: admins only. The deletions by others come before the admin's.
    for who in EVERYONE {
        let n = t.unique();
        t.add(
            who,
            Method::POST,
            "/api/v1/clients",
            Some(json!({"name": format!("Client {n}"), "organization_id": a, "scopes": ["catalog:read"]})),
            admin_only(who, StatusCode::CREATED),
        );
        t.add(
            who,
            Method::GET,
            "/api/v1/clients",
            None,
            admin_only(who, StatusCode::OK),
        );
    }
    for who in EVERYONE.into_iter().filter(|w| *w != Admin).chain([Admin]) {
        t.add(
            who,
            Method::DELETE,
            format!("/api/v1/clients/{}", w.victim),
            None,
            admin_only(who, StatusCode::NO_CONTENT),
        );
    }

    t
}

#[tokio::test]
async fn access_matrix_allows_exactly_the_documented_cells() {
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

    // `/me` is the caller.
    for who in [Professional, Trainer, Hr, Admin] {
        let user = w.user(who).expect("user");
        let (status, me) = app.get("/api/v1/me", &user.token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["id"], json!(user.id), "{who:?}");
        assert_eq!(me["organization_id"], json!(user.org), "{who:?}");
    }

    // HR's listing holds their own organisation only; the admin's holds both.
    let ids = |body: &Value| -> Vec<Uuid> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["id"].as_str().expect("id").parse().expect("uuid"))
            .collect()
    };
    let (status, hr_list) = app.get("/api/v1/users", &w.hr.token).await;
    assert_eq!(status, StatusCode::OK);
    let hr_ids = ids(&hr_list);
    assert!(
        hr_ids.contains(&w.subject_a.id) && hr_ids.contains(&w.hr.id),
        "{hr_list}"
    );
    for item in hr_list["items"].as_array().expect("items") {
        assert_eq!(item["organization_id"], json!(w.org_a), "{item}");
    }
    for id in &w.b_users {
        assert!(!hr_ids.contains(id), "HR of A sees {id} of B: {hr_list}");
    }
    let (status, admin_list) = app.get("/api/v1/users?limit=200", &w.admin.token).await;
    assert_eq!(status, StatusCode::OK);
    let admin_ids = ids(&admin_list);
    assert!(admin_ids.contains(&w.subject_a.id) && admin_ids.contains(&w.hr.id));
    for id in &w.b_users {
        assert!(
            admin_ids.contains(id),
            "the admin misses {id} of B: {admin_list}"
        );
    }
    let (status, b_only) = app
        .get(
            &format!("/api/v1/users?organization_id={}", w.org_b),
            &w.admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let b_ids = ids(&b_only);
    for id in &w.b_users {
        assert!(b_ids.contains(id), "{b_only}");
    }
    for item in b_only["items"].as_array().expect("items") {
        assert_eq!(item["organization_id"], json!(w.org_b), "{item}");
    }

    // The refused changes changed nothing.
    let (_, subject) = app
        .get(&format!("/api/v1/users/{}", w.subject_a.id), &w.admin.token)
        .await;
    assert_eq!(subject["roles"], json!(["professional"]), "{subject}");
    assert_eq!(subject["organization_id"], json!(w.org_a), "{subject}");
    let (_, admin) = app.get("/api/v1/me", &w.admin.token).await;
    assert_ne!(admin["name"], "New name", "HR renamed the admin: {admin}");
    assert!(
        admin["roles"]
            .as_array()
            .expect("roles")
            .contains(&json!("admin"))
    );

    // A deleted client can no longer obtain tokens.
    let resp = client_grant(&app, w.victim, &w.victim_secret).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "invalid_client", "{body}");
    let (status, clients) = app.get("/api/v1/clients", &w.admin.token).await;
    assert_eq!(status, StatusCode::OK);
    let victim = clients["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["client_id"] == json!(w.victim))
        .expect("the revoked client is still listed");
    assert!(victim["revoked_at"].is_string(), "{victim}");
}
