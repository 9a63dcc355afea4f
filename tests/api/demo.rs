//! `academy serve --demo`: the demo data on an empty database, and nothing on a full one.

use chrono::{DateTime, Utc};
use entity::{course, edition, organization, registration, session, user};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;

use crate::helpers::*;

async fn counts(app: &TestApp) -> [u64; 6] {
    let db = &app.state.db;
    [
        organization::Entity::find().count(db).await.unwrap(),
        user::Entity::find().count(db).await.unwrap(),
        course::Entity::find().count(db).await.unwrap(),
        edition::Entity::find().count(db).await.unwrap(),
        session::Entity::find().count(db).await.unwrap(),
        registration::Entity::find().count(db).await.unwrap(),
    ]
}

#[tokio::test]
async fn demo_data_fills_an_empty_database_once() {
    let app = TestApp::spawn().await;
    // The bootstrap admin and the academy exist: the database still counts as empty.
    let summary = academy::demo::load(&app.state.db, &app.state.config.academy_name)
        .await
        .unwrap()
        .expect("an empty database takes the demo data");
    assert!(summary.users >= 60, "{summary:?}");
    assert_eq!(summary.organizations, 21, "{summary:?}");
    // The demo's data causes mails, queued in the outbox with it: the certificates of
    // the closed editions to their holders, and HR's approval requests for the people
    // waiting for them.
    let queued = entity::message::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let kinds: std::collections::HashSet<&str> = queued.iter().map(|m| m.kind.as_str()).collect();
    assert!(kinds.contains("certificate.issued"), "{kinds:?}");
    assert!(
        kinds.contains("registration.approval_requested"),
        "{kinds:?}"
    );

    // The public catalogue: upcoming published editions, one full with a waiting list,
    // and the symposium for 300 with an online link.
    let (status, page) = app
        .call(
            reqwest::Method::GET,
            "/api/v1/editions?limit=200",
            None,
            None,
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    assert!(items.len() >= 8, "{page}");
    let now = Utc::now();
    for e in items {
        assert_eq!(e["status"], "published", "{e}");
        if let Some(last) = e["last_session_at"].as_str() {
            // Upcoming, or running this week.
            let last: DateTime<Utc> = last.parse().unwrap();
            assert!(last > now, "{e}");
        } else {
            assert_eq!(e["course_kind"], "elearning", "{e}");
        }
    }
    assert!(
        items
            .iter()
            .any(|e| e["seats_available"] == 0 && e["waitlist_length"].as_i64().unwrap() > 0),
        "{page}"
    );
    let symposium = items
        .iter()
        .find(|e| e["course_kind"] == "symposium")
        .expect("a symposium in the catalogue");
    assert_eq!(symposium["capacity"], 300, "{symposium}");
    assert!(
        symposium["online_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")),
        "{symposium}"
    );

    // The courses.
    let (status, courses) = app
        .call(
            reqwest::Method::GET,
            "/api/v1/courses?limit=200",
            None,
            None,
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{courses}");
    let courses = courses["items"].as_array().unwrap();
    assert!(courses.len() >= 7, "{courses:?}");
    let titles: Vec<&str> = courses.iter().filter_map(|c| c["title"].as_str()).collect();
    for title in [
        "Verklarende analyse",
        "Waardevrij & objectief rapporteren",
        "Kindermishandeling en de meldcode",
        "Zorg voor het getraumatiseerde kind",
        "Hechting en het gedrag van mijn pleegkind",
        "Symposium Veerkracht",
    ] {
        assert!(titles.contains(&title), "{title} in {titles:?}");
    }
    let trauma = courses
        .iter()
        .find(|c| c["title"] == "Zorg voor het getraumatiseerde kind")
        .unwrap();
    assert_eq!(trauma["kind"], "training", "{trauma}");
    assert_eq!(
        trauma["completion"]["min_attendance_percent"], 87.5,
        "{trauma}"
    );
    let meldcode = courses
        .iter()
        .find(|c| c["title"] == "Kindermishandeling en de meldcode")
        .unwrap();
    assert!(
        meldcode["accreditations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["register"] == "SKJ" && a["points"].as_f64().unwrap() > 0.0),
        "{meldcode}"
    );

    // Past editions are closed; the admin sees them.
    let mut roles = Vec::new();
    for login in &summary.logins {
        let password = login.password.as_deref().expect("a demo password");
        let token = app.sign_in(&login.email, password).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, me) = app.get("/api/v1/me", &token).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{me}");
        assert_eq!(me["email"], login.email.as_str(), "{me}");
        assert!(
            me["roles"]
                .as_array()
                .unwrap()
                .contains(&Value::from(login.role)),
            "{me}"
        );
        if login.role == "admin" {
            let (status, closed) = app
                .get("/api/v1/editions?status=closed&limit=200", &token)
                .await;
            assert_eq!(status, reqwest::StatusCode::OK, "{closed}");
            assert!(closed["items"].as_array().unwrap().len() >= 3, "{closed}");
            let (_, drafts) = app
                .get("/api/v1/editions?status=draft&limit=200", &token)
                .await;
            assert!(!drafts["items"].as_array().unwrap().is_empty(), "{drafts}");
        }
        if login.role == "trainer" {
            let (status, teaching) = app.get("/api/v1/me/teaching", &token).await;
            assert_eq!(status, reqwest::StatusCode::OK, "{teaching}");
            assert!(
                !teaching["items"].as_array().unwrap().is_empty(),
                "{teaching}"
            );
        }
        roles.push(login.role);
    }
    assert_eq!(roles, ["admin", "trainer", "hr", "professional"]);
    let printed = summary.describe("http://academy.test");
    assert!(printed.contains("http://academy.test/docs"), "{printed}");
    assert!(
        printed.contains(academy::demo::DEMO_ADMIN_EMAIL),
        "{printed}"
    );

    // With no SMTP server configured, the worker writes each of them as an .eml file
    // under the data directory's mail folder.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(120);
    let messages = loop {
        let messages = entity::message::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        if messages
            .iter()
            .all(|m| m.status != entity::MessageStatus::Queued)
        {
            break messages;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the demo's mails are sent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(messages.len() >= queued.len());
    assert!(
        messages
            .iter()
            .all(|m| m.status == entity::MessageStatus::Sent),
        "{:?}",
        messages
            .iter()
            .filter(|m| m.status != entity::MessageStatus::Sent)
            .map(|m| (&m.kind, m.status, &m.last_error))
            .collect::<Vec<_>>()
    );
    let mut sent: Vec<(String, String)> = messages
        .iter()
        .map(|m| {
            (
                m.recipient.clone().unwrap_or_default(),
                m.subject.clone().unwrap_or_default(),
            )
        })
        .collect();
    let files = crate::mail::eml_files(&app);
    let mut written: Vec<(String, String)> = files
        .iter()
        .map(|m| (m.to.join(","), m.subject.clone()))
        .collect();
    sent.sort();
    written.sort();
    assert_eq!(written, sent, "one .eml file per message sent");
    assert!(
        files
            .iter()
            .any(|m| m.subject.starts_with("Goedkeuring gevraagd: ")),
        "HR is asked"
    );
    let certificate = files
        .iter()
        .find(|m| m.subject.starts_with("Je certificaat: "))
        .expect("a holder is sent their certificate");
    assert!(
        certificate.raw.contains("application/pdf"),
        "with the PDF attached"
    );

    // A second load finds data and changes nothing.
    let before = counts(&app).await;
    assert!(
        academy::demo::load(&app.state.db, &app.state.config.academy_name)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(counts(&app).await, before);
    assert_eq!(
        entity::message::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        messages.len() as u64,
        "and queues no mail"
    );
}

#[tokio::test]
async fn demo_data_leaves_a_database_with_data_alone() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_org(&admin, "Eigen aanbieder", "provider").await;
    let before = counts(&app).await;
    assert!(
        academy::demo::load(&app.state.db, &app.state.config.academy_name)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn an_existing_admin_of_the_demo_address_keeps_its_password() {
    let app = TestApp::spawn().await;
    academy::domain::users::create_admin(
        &app.state.db,
        academy::demo::DEMO_ADMIN_EMAIL,
        "own-admin-password",
    )
    .await
    .unwrap();
    let summary = academy::demo::load(&app.state.db, &app.state.config.academy_name)
        .await
        .unwrap()
        .unwrap();
    let admin = &summary.logins[0];
    assert_eq!(admin.role, "admin");
    assert_eq!(admin.password, None);
    app.sign_in(academy::demo::DEMO_ADMIN_EMAIL, "own-admin-password")
        .await;
    let trainer = &summary.logins[1];
    app.sign_in(&trainer.email, academy::demo::DEMO_PASSWORD)
        .await;
}
