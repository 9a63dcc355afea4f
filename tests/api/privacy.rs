//! Personal data: the export holds everything about the caller; erasure removes what
//! identifies a person, keeps the anonymous rows that figures rest on, revokes their
//! certificates and ends their sign-in.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::certificates::{enrol, mark, past_edition};
use crate::helpers::{PASSWORD, TestApp, assert_problem, id_of};

#[tokio::test]
async fn export_holds_everything_and_erasure_keeps_only_anonymous_rows() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Spirit", "provider").await;
    let trainer = app
        .person(&admin, org, &["trainer"], "trainer@example.test")
        .await;
    let hr = app.person(&admin, org, &["hr"], "hr@example.test").await;
    let person = app
        .create_user(&admin, org, &["professional"], "lotte@example.test")
        .await;
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{}", person.id),
            &admin.token,
            json!({"name": "Lotte Jansen", "registers": [{"register": "SKJ", "number": "110099999", "period_start": "2024-01-01"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (edition, sessions) =
        past_edition(&app, &admin, &trainer, "Verklarende analyse", 1, 100.0).await;
    let reg = enrol(&app, &admin, edition, &person).await;
    let (status, body) = mark(
        &app,
        &trainer.token,
        sessions[0],
        json!([{"registration_id": reg, "status": "present", "note": "Lotte vertelde over haar casus"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/close"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.get("/api/v1/me/calendar-feed", &person.token).await;

    // The export.
    let (status, export) = app.get("/api/v1/me/export", &person.token).await;
    assert_eq!(status, StatusCode::OK, "{export}");
    assert_eq!(export["profile"]["email"], "lotte@example.test");
    assert_eq!(export["profile"]["registers"][0]["number"], "110099999");
    assert_eq!(export["registrations"].as_array().unwrap().len(), 1);
    assert_eq!(
        export["registrations"][0]["registration"]["id"],
        reg.to_string()
    );
    assert_eq!(export["registrations"][0]["history"][0]["to"], "confirmed");
    assert_eq!(
        export["attendance"][0]["record"]["note"],
        "Lotte vertelde over haar casus"
    );
    assert!(export["attendance"][0]["session_starts_at"].is_string());
    assert_eq!(export["completions"].as_array().unwrap().len(), 1);
    assert_eq!(export["certificates"][0]["holder_name"], "Lotte Jansen");
    assert_eq!(export["calendar_feed"], true);
    assert!(export["evaluations"].is_array());
    let code = export["certificates"][0]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let certificate = id_of(&export["certificates"][0]);

    // Only admins erase, never themselves.
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/users/{}/erase", person.id),
            Some(&hr.token),
            None,
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/users/{}/erase", admin.id),
            Some(&admin.token),
            None,
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "cannot_erase_self");

    let (status, erased) = app
        .post(
            &format!("/api/v1/users/{}/erase", person.id),
            &admin.token,
            json!({"reason": "verzoek van betrokkene"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{erased}");
    assert_eq!(erased["name"], "Verwijderde gebruiker");
    assert_eq!(erased["email"], Value::Null);
    assert_eq!(erased["registers"], json!([]));
    assert_eq!(erased["disabled"], true);
    let (status, body) = app
        .post(
            &format!("/api/v1/users/{}/erase", person.id),
            &admin.token,
            json!({}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "already_erased");

    // No sign-in any more, by password or by the old e-mail address.
    let resp = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "lotte@example.test"),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // The certificate is revoked as erased and carries no name; verification says so.
    let (_, cert) = app
        .get(&format!("/api/v1/certificates/{certificate}"), &admin.token)
        .await;
    assert_eq!(cert["status"], "revoked");
    assert_eq!(cert["revoked_reason"], "erased");
    assert_eq!(cert["holder_name"], "Verwijderde gebruiker");
    assert_eq!(
        cert["accreditations"]
            .as_array()
            .map(|a| a.iter().all(|x| x["holder_number"].is_null())),
        Some(true)
    );
    let (_, verified) = app
        .call(Method::GET, &format!("/api/v1/verify/{code}"), None, None)
        .await;
    assert_eq!(verified["valid"], false);
    assert_eq!(verified["holder_name"], "Verwijderde gebruiker");

    // The anonymous rows stay: the registration, its attendance (without the note), the
    // completion in the academy's report.
    let (_, roster) = app
        .get(
            &format!("/api/v1/sessions/{}/attendance", sessions[0]),
            &admin.token,
        )
        .await;
    let line = &roster["items"][0];
    assert_eq!(line["user_name"], "Verwijderde gebruiker");
    assert_eq!(line["attendance"]["status"], "present");
    assert_eq!(line["attendance"]["note"], Value::Null);
    let (_, history) = app
        .get(
            &format!("/api/v1/sessions/{}/attendance/history", sessions[0]),
            &admin.token,
        )
        .await;
    assert!(
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["to_note"].is_null())
    );
    let (_, report) = app.get("/api/v1/reports/completions", &admin.token).await;
    let rows = report["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["name"], "Verwijderde gebruiker");
    assert_eq!(rows[0]["email"], Value::Null);
    assert_eq!(rows[0]["registers"], json!([]));
    let (_, points) = app.get("/api/v1/reports/points", &admin.token).await;
    assert_eq!(points["items"], json!([]));
    let (status, _) = app
        .get("/api/v1/registrations/".to_owned().as_str(), &admin.token)
        .await;
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);

    // The erasure itself is on record.
    use sea_orm::EntityTrait;
    let record = entity::erasure::Entity::find_by_id(person.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("audited");
    assert_eq!(record.erased_by, admin.id);
    assert_eq!(record.reason.as_deref(), Some("verzoek van betrokkene"));
}
