//! The authorisation matrix of the catalogue: courses, editions, sessions and
//! `/me/teaching`, called by every kind of caller. Exactly the allowed cells succeed;
//! every refusal is the documented problem.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use uuid::Uuid;

use crate::helpers::*;
use crate::matrix;

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// A token that does not verify.
    BadToken,
    Client,
    Professional,
    /// The trainer of the draft and of the first past edition.
    Trainer,
    /// A trainer who teaches nothing here.
    Trainer2,
    Hr,
    Admin,
}

use Who::*;

/// Every real caller (not the forged token).
const EVERYONE: [Who; 7] = [
    Anonymous,
    Client,
    Professional,
    Trainer,
    Trainer2,
    Hr,
    Admin,
];

/// Everyone but the admin, then the admin: refusals first, so the admin's change comes
/// last and the refused calls still meet the object in its original state.
const ADMIN_LAST: [Who; 7] = [
    Anonymous,
    Client,
    Professional,
    Trainer,
    Trainer2,
    Hr,
    Admin,
];

type Table = matrix::Table<Who>;

/// The callers' tokens and the catalogue they act on.
struct World {
    admin: Actor,
    client_token: String,
    professional: Actor,
    trainer: Actor,
    trainer2: Actor,
    hr: Actor,
    /// The course everything hangs off.
    course: Uuid,
    /// A course that the admin archives.
    to_archive: Uuid,
    /// An archived course that the admin restores.
    to_unarchive: Uuid,
    /// A course without editions that the admin deletes.
    to_delete: Uuid,
    /// A draft taught by `trainer`.
    draft: Uuid,
    /// A session of the draft.
    draft_session: Uuid,
    /// A session of the draft that the admin deletes.
    doomed_session: Uuid,
    /// A draft with a session that the admin publishes.
    to_publish: Uuid,
    /// A draft that the admin cancels.
    to_cancel: Uuid,
    /// A published edition with a future session, taught by nobody.
    published: Uuid,
    /// Its session.
    published_session: Uuid,
    /// A published edition in the past, taught by `trainer`, who closes it.
    past: Uuid,
    /// A published edition in the past, taught by nobody, that the admin closes.
    past_admin: Uuid,
}

impl World {
    fn token(&self, who: Who) -> Option<&str> {
        match who {
            Anonymous => None,
            BadToken => Some("not-a-valid-token"),
            Client => Some(&self.client_token),
            Professional => Some(&self.professional.token),
            Trainer => Some(&self.trainer.token),
            Trainer2 => Some(&self.trainer2.token),
            Hr => Some(&self.hr.token),
            Admin => Some(&self.admin.token),
        }
    }

    /// `text` with the known ids replaced by names, for readable mismatches.
    fn describe(&self, text: &str) -> String {
        let names = [
            (self.course, "{course}"),
            (self.to_archive, "{to_archive}"),
            (self.to_unarchive, "{to_unarchive}"),
            (self.to_delete, "{to_delete}"),
            (self.draft, "{draft}"),
            (self.draft_session, "{draft_session}"),
            (self.doomed_session, "{doomed_session}"),
            (self.to_publish, "{to_publish}"),
            (self.to_cancel, "{to_cancel}"),
            (self.published, "{published}"),
            (self.published_session, "{published_session}"),
            (self.past, "{past}"),
            (self.past_admin, "{past_admin}"),
        ];
        matrix::named(text, &names)
    }
}

async fn new_course(app: &TestApp, admin: &Actor, title: &str) -> Uuid {
    let (_, body) = app
        .create(
            "/api/v1/courses",
            &admin.token,
            json!({"title": title, "kind": "workshop", "description": "A course."}),
        )
        .await;
    id_of(&body)
}

async fn new_edition(app: &TestApp, admin: &Actor, course: Uuid, trainers: &[Uuid]) -> Uuid {
    let (_, body) = app
        .create(
            &format!("/api/v1/courses/{course}/editions"),
            &admin.token,
            json!({"capacity": 20, "trainer_ids": trainers, "location": "Utrecht"}),
        )
        .await;
    id_of(&body)
}

async fn new_session(app: &TestApp, admin: &Actor, edition: Uuid, days: i64) -> Uuid {
    let (_, body) = app
        .create(
            &format!("/api/v1/editions/{edition}/sessions"),
            &admin.token,
            json!({"starts_at": ts(at(days, 9)), "ends_at": ts(at(days, 12))}),
        )
        .await;
    id_of(&body)
}

async fn post_ok(app: &TestApp, admin: &Actor, path: &str) {
    let (status, body) = app.call(Method::POST, path, Some(&admin.token), None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
}

async fn setup(app: &TestApp) -> World {
    let admin = app.admin().await;
    let org_a = app.create_org(&admin, "Provider A", "provider").await;
    let _org_b = app.create_org(&admin, "Provider B", "provider").await;
    let professional = app
        .create_user(&admin, org_a, &["professional"], "pro@a.test")
        .await;
    let trainer = app
        .create_user(&admin, org_a, &["trainer"], "trainer@a.test")
        .await;
    let hr = app.create_user(&admin, org_a, &["hr"], "hr@a.test").await;
    let trainer2 = app
        .create_user(&admin, org_a, &["trainer"], "trainer2@a.test")
        .await;

    let client_token = app.client_token(&admin, org_a, &["catalog:read"]).await;

    let course = new_course(app, &admin, "Wound care").await;
    let to_archive = new_course(app, &admin, "To archive").await;
    let to_unarchive = new_course(app, &admin, "To unarchive").await;
    post_ok(
        app,
        &admin,
        &format!("/api/v1/courses/{to_unarchive}/archive"),
    )
    .await;
    let to_delete = new_course(app, &admin, "Never run").await;

    let draft = new_edition(app, &admin, course, &[trainer.id]).await;
    let draft_session = new_session(app, &admin, draft, 30).await;
    let doomed_session = new_session(app, &admin, draft, 31).await;

    let to_publish = new_edition(app, &admin, course, &[]).await;
    new_session(app, &admin, to_publish, 40).await;
    let to_cancel = new_edition(app, &admin, course, &[]).await;

    let published = new_edition(app, &admin, course, &[]).await;
    let published_session = new_session(app, &admin, published, 20).await;
    post_ok(
        app,
        &admin,
        &format!("/api/v1/editions/{published}/publish"),
    )
    .await;

    // Past sessions are added while still a draft, then published.
    let past = new_edition(app, &admin, course, &[trainer.id]).await;
    new_session(app, &admin, past, -10).await;
    new_session(app, &admin, past, -9).await;
    app.publish_as_if_planned(&admin, past).await;
    let past_admin = new_edition(app, &admin, course, &[]).await;
    new_session(app, &admin, past_admin, -8).await;
    app.publish_as_if_planned(&admin, past_admin).await;

    World {
        admin,
        client_token,
        professional,
        trainer,
        trainer2,
        hr,
        course,
        to_archive,
        to_unarchive,
        to_delete,
        draft,
        draft_session,
        doomed_session,
        to_publish,
        to_cancel,
        published,
        published_session,
        past,
        past_admin,
    }
}

/// 401 for no token, 403 for everyone but the admin, `ok` for the admin.
fn admin_only(who: Who, ok: StatusCode) -> StatusCode {
    match who {
        Anonymous | BadToken => StatusCode::UNAUTHORIZED,
        Admin => ok,
        _ => StatusCode::FORBIDDEN,
    }
}

fn build_table(w: &World) -> Table {
    let mut t = Table::default();
    let c = w.course;

    // Public reads: everyone, anonymous included; a token that is sent must be valid.
    let public = [
        "/api/v1/courses".to_owned(),
        format!("/api/v1/courses/{c}"),
        format!("/api/v1/courses/{c}/editions"),
        "/api/v1/editions".to_owned(),
        format!("/api/v1/editions/{}", w.published),
        format!("/api/v1/editions/{}/sessions", w.published),
        format!("/api/v1/sessions/{}", w.published_session),
    ];
    for path in &public {
        for who in EVERYONE {
            t.add(who, Method::GET, path.clone(), None, StatusCode::OK);
        }
        t.add(
            BadToken,
            Method::GET,
            path.clone(),
            None,
            StatusCode::UNAUTHORIZED,
        );
    }

    // A draft: admins and its trainers; for everyone else it does not exist.
    for who in EVERYONE {
        let expected = match who {
            Admin | Trainer => StatusCode::OK,
            _ => StatusCode::NOT_FOUND,
        };
        for path in [
            format!("/api/v1/editions/{}", w.draft),
            format!("/api/v1/editions/{}/sessions", w.draft),
            format!("/api/v1/sessions/{}", w.draft_session),
        ] {
            t.add(who, Method::GET, path, None, expected);
        }
    }
    // Other states in the catalogue: admins, and trainers (their own editions).
    for who in EVERYONE {
        let expected = match who {
            Admin | Trainer | Trainer2 => StatusCode::OK,
            _ => StatusCode::FORBIDDEN,
        };
        t.add(
            who,
            Method::GET,
            "/api/v1/editions?status=draft",
            None,
            expected,
        );
    }
    t.add(
        BadToken,
        Method::GET,
        "/api/v1/editions?status=draft",
        None,
        StatusCode::UNAUTHORIZED,
    );

    // Catalogue changes: admins only. Refusals first, the admin last.
    for who in ADMIN_LAST.into_iter().chain([BadToken]) {
        t.add(
            who,
            Method::POST,
            "/api/v1/courses",
            Some(json!({"title": format!("New course by {who:?}"), "kind": "lecture"})),
            admin_only(who, StatusCode::CREATED),
        );
        t.add(
            who,
            Method::PATCH,
            format!("/api/v1/courses/{c}"),
            Some(json!({"description": format!("Described by {who:?}")})),
            admin_only(who, StatusCode::OK),
        );
        t.add(
            who,
            Method::POST,
            format!("/api/v1/courses/{}/archive", w.to_archive),
            None,
            admin_only(who, StatusCode::OK),
        );
        t.add(
            who,
            Method::POST,
            format!("/api/v1/courses/{}/unarchive", w.to_unarchive),
            None,
            admin_only(who, StatusCode::OK),
        );
        t.add(
            who,
            Method::POST,
            format!("/api/v1/courses/{c}/editions"),
            Some(json!({"capacity": 5})),
            admin_only(who, StatusCode::CREATED),
        );
        for edition in [w.draft, w.published] {
            t.add(
                who,
                Method::PATCH,
                format!("/api/v1/editions/{edition}"),
                Some(json!({"location": format!("Set by {who:?}")})),
                admin_only(who, StatusCode::OK),
            );
        }
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{}/publish", w.to_publish),
            None,
            admin_only(who, StatusCode::OK),
        );
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{}/cancel", w.to_cancel),
            None,
            admin_only(who, StatusCode::OK),
        );
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{}/sessions", w.draft),
            Some(json!({"starts_at": ts(at(50, 9)), "ends_at": ts(at(50, 12))})),
            admin_only(who, StatusCode::CREATED),
        );
        t.add(
            who,
            Method::PATCH,
            format!("/api/v1/sessions/{}", w.draft_session),
            Some(json!({"location": "Room 2"})),
            admin_only(who, StatusCode::OK),
        );
        t.add(
            who,
            Method::DELETE,
            format!("/api/v1/sessions/{}", w.doomed_session),
            None,
            admin_only(who, StatusCode::NO_CONTENT),
        );
        t.add(
            who,
            Method::DELETE,
            format!("/api/v1/courses/{}", w.to_delete),
            None,
            admin_only(who, StatusCode::NO_CONTENT),
        );
    }

    // Closing: people only (not clients); admins and the edition's trainers. A draft is
    // hidden from those who may not see it.
    for who in EVERYONE.into_iter().chain([BadToken]) {
        let draft = match who {
            Anonymous | BadToken => StatusCode::UNAUTHORIZED,
            Client => StatusCode::FORBIDDEN,
            Professional | Trainer2 | Hr => StatusCode::NOT_FOUND,
            // Allowed, but a draft cannot be closed.
            Admin | Trainer => StatusCode::CONFLICT,
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{}/close", w.draft),
            None,
            draft,
        );
        let past = match who {
            Anonymous | BadToken => StatusCode::UNAUTHORIZED,
            Client | Professional | Trainer2 | Hr => StatusCode::FORBIDDEN,
            Trainer | Admin => continue,
        };
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{}/close", w.past),
            None,
            past,
        );
        t.add(
            who,
            Method::POST,
            format!("/api/v1/editions/{}/close", w.past_admin),
            None,
            past,
        );
    }
    // Trainer2 does not teach it; the trainer of `past` does not teach `past_admin`.
    t.add(
        Trainer,
        Method::POST,
        format!("/api/v1/editions/{}/close", w.past_admin),
        None,
        StatusCode::FORBIDDEN,
    );
    t.add(
        Admin,
        Method::POST,
        format!("/api/v1/editions/{}/close", w.past_admin),
        None,
        StatusCode::OK,
    );
    t.add(
        Trainer,
        Method::POST,
        format!("/api/v1/editions/{}/close", w.past),
        None,
        StatusCode::OK,
    );

    // What I teach: people only.
    for who in EVERYONE.into_iter().chain([BadToken]) {
        let expected = match who {
            Anonymous | BadToken => StatusCode::UNAUTHORIZED,
            Client => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        };
        t.add(who, Method::GET, "/api/v1/me/teaching", None, expected);
    }

    t
}

fn ids(body: &Value, key: Option<&str>) -> BTreeSet<Uuid> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items: {body}"))
        .iter()
        .map(|item| id_of(key.map_or(item, |k| &item[k])))
        .collect()
}

#[tokio::test]
async fn catalog_access_matrix_allows_exactly_the_documented_cells() {
    let app = TestApp::spawn().await;
    let w = setup(&app).await;
    let table = build_table(&w);

    matrix::assert_cells(
        &app,
        &table,
        |who| w.token(who),
        |t| w.describe(t),
        matrix::refusals(&[(StatusCode::CONFLICT, "invalid_transition")]),
    )
    .await;

    // The trainer teaches the draft and the (now closed) past edition, nothing else.
    let (status, teaching) = app.get("/api/v1/me/teaching", &w.trainer.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ids(&teaching, Some("edition")),
        BTreeSet::from([w.draft, w.past]),
        "{teaching}"
    );
    for who in [&w.professional, &w.trainer2, &w.hr] {
        let (status, teaching) = app.get("/api/v1/me/teaching", &who.token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(teaching["items"], json!([]), "{}: {teaching}", who.email);
    }

    // Drafts in the catalogue: the admin sees them all, a trainer only their own.
    let (_, drafts) = app
        .get("/api/v1/editions?status=draft", &w.trainer.token)
        .await;
    assert_eq!(ids(&drafts, None), BTreeSet::from([w.draft]), "{drafts}");
    let (_, drafts) = app
        .get("/api/v1/editions?status=draft", &w.trainer2.token)
        .await;
    assert_eq!(drafts["items"], json!([]), "{drafts}");
    let (_, drafts) = app
        .get("/api/v1/editions?status=draft", &w.admin.token)
        .await;
    assert!(ids(&drafts, None).contains(&w.draft), "{drafts}");

    // The public catalogue holds the published editions only.
    let (_, public) = app.call(Method::GET, "/api/v1/editions", None, None).await;
    let public = ids(&public, None);
    assert!(public.contains(&w.published) && public.contains(&w.to_publish));
    assert!(!public.contains(&w.draft) && !public.contains(&w.to_cancel));

    // The admin's changes took; the refused ones changed nothing.
    let (_, past) = app
        .get(&format!("/api/v1/editions/{}", w.past), &w.admin.token)
        .await;
    assert_eq!(past["status"], "closed", "{past}");
    let (_, cancelled) = app
        .get(&format!("/api/v1/editions/{}", w.to_cancel), &w.admin.token)
        .await;
    assert_eq!(cancelled["status"], "cancelled", "{cancelled}");
    let (_, course) = app
        .get(&format!("/api/v1/courses/{}", w.course), &w.admin.token)
        .await;
    assert_eq!(course["description"], "Described by Admin", "{course}");
    let (_, draft) = app
        .get(&format!("/api/v1/editions/{}", w.draft), &w.admin.token)
        .await;
    assert_eq!(draft["location"], "Set by Admin", "{draft}");
    let (status, _) = app
        .get(&format!("/api/v1/courses/{}", w.to_delete), &w.admin.token)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .get(
            &format!("/api/v1/sessions/{}", w.doomed_session),
            &w.admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
