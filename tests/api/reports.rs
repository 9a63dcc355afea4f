//! Reports checked against a hand-computed fixture: completions (JSON, paged, and CSV
//! with BOM, `;` and formula neutralisation), SKJ points inside and outside the period
//! (revoked certificates excluded), the register export with people lacking a number, and
//! the scope per role (other organisations' people never appear).

use chrono::{TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::certificates::enrol;
use crate::helpers::{Actor, TestApp, assert_problem, id_of, ts};

/// A closed edition of a new course with SKJ `points`, whose sessions were on the given
/// days (09:00–12:00 UTC), attended by every participant, closed by the admin.
async fn completed(
    app: &TestApp,
    admin: &Actor,
    title: &str,
    points: f64,
    days: &[(i32, u32, u32)],
    people: &[&Actor],
) -> Uuid {
    let (_, course) = app.create("/api/v1/courses",
            &admin.token,
            json!({"title": title, "kind": "workshop", "description": "-", "hours": 7.5, "topics": ["rapporteren"],
                   "accreditations": [{"register": "SKJ", "number": format!("SKJ-{title}"), "points": points}]})).await;
    let (_, e) = app
        .post(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 30}),
        )
        .await;
    let edition = id_of(&e);
    let mut sessions = Vec::new();
    for (y, m, d) in days {
        let start = Utc.with_ymd_and_hms(*y, *m, *d, 9, 0, 0).unwrap();
        let (_, s) = app
            .create(
                &format!("/api/v1/editions/{edition}/sessions"),
                &admin.token,
                json!({"starts_at": ts(start), "ends_at": ts(start + chrono::Duration::hours(3))}),
            )
            .await;
        sessions.push(id_of(&s));
    }
    app.publish_as_if_planned(admin, edition).await;
    let mut regs = Vec::new();
    for p in people {
        regs.push(enrol(app, admin, edition, p).await);
    }
    for s in &sessions {
        let records: Vec<Value> = regs
            .iter()
            .map(|r| json!({"registration_id": r, "status": "present"}))
            .collect();
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/sessions/{s}/attendance"),
                Some(&admin.token),
                Some(json!({"records": records})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/close"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    edition
}

struct World {
    app: TestApp,
    admin: Actor,
    hr_a: Actor,
    org_a: Uuid,
    org_b: Uuid,
    p1: Actor,
    p2: Actor,
    p3: Actor,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org_a = app.create_org(&admin, "Jeugdhulp A", "provider").await;
    let org_b = app.create_org(&admin, "Gemeente B", "municipality").await;
    let hr_a = app
        .person(&admin, org_a, &["hr"], "hr-a@example.test")
        .await;
    let p1 = app
        .person(&admin, org_a, &["professional"], "p1@example.test")
        .await;
    let p2 = app
        .person(&admin, org_a, &["professional"], "p2@example.test")
        .await;
    let p3 = app
        .person(&admin, org_b, &["professional"], "p3@example.test")
        .await;
    for (p, name, registers) in [
        (
            &p1,
            "Anna de Boer",
            json!([{"register": "SKJ", "number": "110000001", "period_start": "2024-01-01"}]),
        ),
        (&p2, "=cmd|' /C calc'!A0", json!([])),
        (
            &p3,
            "Bram Bakker",
            json!([{"register": "SKJ", "number": "110000003", "period_start": "2024-01-01"}]),
        ),
    ] {
        let (status, body) = app
            .patch(
                &format!("/api/v1/users/{}", p.id),
                &admin.token,
                json!({"name": name, "registers": registers}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // X: 24 points, in 2026, for all three. Y: 8 points, p1 only, revoked later.
    // Z: 10 points, finished in 2023, before p1's period began.
    completed(
        &app,
        &admin,
        "X",
        24.0,
        &[(2026, 9, 1), (2026, 9, 8)],
        &[&p1, &p2, &p3],
    )
    .await;
    completed(&app, &admin, "Y", 8.0, &[(2026, 10, 6)], &[&p1]).await;
    completed(&app, &admin, "Z", 10.0, &[(2023, 5, 2)], &[&p1]).await;
    let (_, certs) = app.get("/api/v1/me/certificates", &p1.token).await;
    let y = certs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["course_title"] == "Y")
        .unwrap()
        .clone();
    let (status, _) = app
        .post(
            &format!("/api/v1/certificates/{}/revoke", id_of(&y)),
            &admin.token,
            json!({"reason": "dubbel"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    World {
        app,
        admin,
        hr_a,
        org_a,
        org_b,
        p1,
        p2,
        p3,
    }
}

fn names(page: &Value) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_owned(),
                r["course_title"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn completions_points_and_export_match_the_hand_computed_fixture() {
    let World {
        app,
        admin,
        hr_a,
        org_a,
        org_b,
        p1,
        p2,
        p3,
    } = world().await;

    // Completions: HR A sees A's people only.
    let (status, page) = app.get("/api/v1/reports/completions", &hr_a.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let expected = vec![
        ("=cmd|' /C calc'!A0".to_owned(), "X".to_owned()),
        ("Anna de Boer".to_owned(), "X".to_owned()),
        ("Anna de Boer".to_owned(), "Y".to_owned()),
        ("Anna de Boer".to_owned(), "Z".to_owned()),
    ];
    assert_eq!(names(&page), expected);
    let y = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["course_title"] == "Y")
        .unwrap();
    assert_eq!(y["certificate"]["status"], "revoked");
    assert_eq!(y["points"], json!([{"register": "SKJ", "points": 8.0}]));
    assert_eq!(
        y["registers"],
        json!([{"register": "SKJ", "number": "110000001"}])
    );
    assert_eq!(y["hours"], 7.5);
    // Filters.
    let (_, page) = app
        .get(
            "/api/v1/reports/completions?from=2026-01-01&to=2026-09-30",
            &hr_a.token,
        )
        .await;
    assert_eq!(names(&page).len(), 2, "X for p1 and p2: {page}");
    let (_, page) = app
        .get(
            "/api/v1/reports/completions?topic=rapporteren&limit=3",
            &hr_a.token,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, rest) = app
        .get(
            &format!("/api/v1/reports/completions?topic=rapporteren&limit=3&cursor={cursor}"),
            &hr_a.token,
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);
    // Scope per role.
    let (_, page) = app
        .get(
            &format!("/api/v1/reports/completions?organization_id={org_b}"),
            &admin.token,
        )
        .await;
    assert_eq!(
        names(&page),
        vec![("Bram Bakker".to_owned(), "X".to_owned())]
    );
    let (_, page) = app.get("/api/v1/reports/completions", &admin.token).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    let (status, body) = app
        .get(
            &format!("/api/v1/reports/completions?organization_id={org_b}"),
            &hr_a.token,
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    for token in [&p1.token, &p3.token] {
        let (status, body) = app.get("/api/v1/reports/completions", token).await;
        assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    let reader = app.client_token(&admin, org_a, &["reports:read"]).await;
    let (status, page) = app.get("/api/v1/reports/completions", &reader).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(names(&page), expected);
    let other = app
        .client_token(&admin, org_a, &["registrations:read"])
        .await;
    let (status, _) = app.get("/api/v1/reports/completions", &other).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The same as CSV: BOM, `;`, decimal commas, the formula neutralised.
    let resp = app
        .client
        .get(app.url("/api/v1/reports/completions?bom=true&separator=semicolon"))
        .bearer_auth(&hr_a.token)
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let text = resp.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[2], "name");
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter().any(|r| r[2] == "'=cmd|' /C calc'!A0"),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r[12] == "7,5"), "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r[13] == "SKJ 24" && r[5] == "SKJ 110000001")
    );
    assert!(!text.contains("Bram Bakker"));

    // Points: only A's SKJ members; X counts, Y is revoked, Z finished before the period.
    let (status, page) = app
        .get("/api/v1/reports/points?register=SKJ", &hr_a.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["user_id"], p1.id.to_string());
    assert_eq!(items[0]["number"], "110000001");
    assert_eq!(items[0]["period_start"], "2024-01-01");
    assert_eq!(items[0]["period_end"], "2028-12-31");
    assert_eq!(items[0]["points"], 24.0);
    assert_eq!(items[0]["norm"], 60.0);
    assert_eq!(items[0]["shortfall"], 36.0);
    let today = Utc::now().date_naive();
    let left = (chrono::NaiveDate::from_ymd_opt(2028, 12, 31).unwrap() - today).num_days();
    assert!((items[0]["days_left"].as_i64().unwrap() - left).abs() <= 1);
    let (_, mine) = app.get("/api/v1/me/points", &p1.token).await;
    assert_eq!(mine[0]["points"], 24.0);
    assert_eq!(mine[0]["register"], "SKJ");
    // A fixed cycle: from 2019, Z (2023) counts and X (2026) does not.
    let (_, cycle) = app
        .get("/api/v1/reports/points?cycle_start=2019-01-01", &hr_a.token)
        .await;
    assert_eq!(cycle["items"][0]["period_end"], "2023-12-31", "{cycle}");
    assert_eq!(cycle["items"][0]["points"], 10.0, "{cycle}");
    let (_, all) = app
        .get("/api/v1/reports/points?sort=name", &admin.token)
        .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);

    // The register export: p1's attended meetings of valid certificates; p2 has no number.
    let (status, export) = app
        .get("/api/v1/reports/register-export?register=SKJ", &hr_a.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(export["batch"], 1);
    assert_eq!(export["batches"], 1);
    let records = export["records"].as_array().unwrap();
    let courses: Vec<&str> = records
        .iter()
        .map(|r| r["accreditation_number"].as_str().unwrap())
        .collect();
    assert_eq!(courses, ["SKJ-Z", "SKJ-X", "SKJ-X"], "{export}");
    assert!(
        records
            .iter()
            .all(|r| r["external_person_id"] == "110000001")
    );
    assert!(records.iter().all(|r| r["meeting_id"].is_string()));
    assert_eq!(records[1]["date"], "2026-09-01");
    assert_eq!(records[1]["points"], 24.0);
    let missing = export["without_number"].as_array().unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["user_id"], p2.id.to_string());
    assert_eq!(missing[0]["activities"], 1);
    let (_, ranged) = app
        .get(
            "/api/v1/reports/register-export?register=SKJ&from=2026-01-01",
            &hr_a.token,
        )
        .await;
    assert_eq!(ranged["records"].as_array().unwrap().len(), 2);
    let resp = app
        .client
        .get(app.url("/api/v1/reports/register-export?format=csv"))
        .bearer_auth(&hr_a.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-batches"], "1");
    let csv_text = resp.text().await.unwrap();
    assert_eq!(csv_text.lines().count(), 4, "{csv_text}");
    assert!(csv_text.starts_with("external_person_id,accreditation_number,"));
    let (status, body) = app
        .get("/api/v1/reports/register-export?batch=2", &hr_a.token)
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let _ = p3;
    overview_checks(&app, &admin, &hr_a).await;
}

async fn overview_checks(app: &TestApp, admin: &Actor, hr_a: &Actor) {
    // The academy overview (admins), per course and per organisation, for 2026.
    let (status, body) = app.get("/api/v1/reports/overview", &hr_a.token).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, rows) = app
        .get(
            "/api/v1/reports/overview?from=2026-01-01&group=course",
            &admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rows}");
    let by_label = |rows: &Value, label: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["label"] == label)
            .cloned()
            .unwrap_or_else(|| panic!("{label} in {rows}"))
    };
    let counts = |r: &Value| (r["registrations"].as_u64(), r["completions"].as_u64());
    let x = by_label(&rows, "X");
    assert_eq!(counts(&x), (Some(3), Some(3)));
    assert_eq!(x["points"], json!([{"register": "SKJ", "points": 72.0}]));
    let y = by_label(&rows, "Y");
    assert_eq!(counts(&y), (Some(1), Some(1)));
    assert_eq!(y["points"], json!([]), "revoked");
    let z = by_label(&rows, "Z");
    assert_eq!(counts(&z), (Some(1), Some(0)), "completed in 2023");
    let (_, rows) = app
        .get(
            "/api/v1/reports/overview?from=2026-01-01&group=organization",
            &admin.token,
        )
        .await;
    let a = by_label(&rows, "Jeugdhulp A");
    assert_eq!(counts(&a), (Some(4), Some(3)));
    assert_eq!(a["points"], json!([{"register": "SKJ", "points": 48.0}]));
    let b = by_label(&rows, "Gemeente B");
    assert_eq!(b["points"], json!([{"register": "SKJ", "points": 24.0}]));
}

#[tokio::test]
async fn edition_statistics_count_the_waiting_list_peak_and_attendance() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Triade", "provider").await;
    let trainer = app
        .person(&admin, org, &["trainer"], "trainer@example.test")
        .await;
    let people = app.people(&admin, org, "stat", 3).await;
    let edition = app
        .open_edition(
            &admin,
            3,
            json!({"capacity": 1, "waitlist_enabled": true, "trainer_ids": [trainer.id]}),
        )
        .await;
    let mut regs = Vec::new();
    for p in &people {
        let (_, r) = app
            .create(
                &format!("/api/v1/editions/{edition}/registrations"),
                &p.token,
                json!({}),
            )
            .await;
        regs.push(id_of(&r));
    }
    let (status, _) = app
        .post(
            &format!("/api/v1/registrations/{}/cancel", regs[2]),
            &people[2].token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, f) = app
        .get(
            &format!("/api/v1/editions/{edition}/statistics"),
            &trainer.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(f["capacity"], 1);
    assert_eq!(f["confirmed"], 1);
    assert_eq!(f["fill_rate"], 1.0);
    assert_eq!(f["waitlist_length"], 1);
    assert_eq!(f["waitlist_peak"], 2);
    assert_eq!(f["cancellations"], 1);
    assert_eq!(f["late_cancellations"], 0);
    assert_eq!(f["sessions"][0]["unmarked"], 1);
    assert_eq!(f["no_show_rate"], Value::Null);
    assert_eq!(f["completion_rate"], Value::Null);
    assert_eq!(f["evaluations"], 0);
    let (status, body) = app
        .get(
            &format!("/api/v1/editions/{edition}/statistics"),
            &people[0].token,
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
}
