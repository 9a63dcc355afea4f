//! Users and organisations: creation, case-insensitive e-mail, registers, paging.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn users_are_created_with_roles_and_registers_and_never_show_a_password() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Jeugdzorg Flevoland", "provider")
        .await;
    let (_, user) = app.create("/api/v1/users",
            &admin.token,
            json!({
                "email": "  Anne.de.Vries@Jeugdzorg.NL ",
                "name": "Anne de Vries",
                "organization_id": org,
                "roles": ["professional", "hr", "professional"],
                "registers": [{"register": "SKJ", "number": "110012345", "period_start": "2024-03-01"}],
                "password": "a-long-password"
            })).await;
    assert_eq!(user["email"], "anne.de.vries@jeugdzorg.nl");
    assert_eq!(user["roles"], json!(["professional", "hr"]));
    assert_eq!(user["registers"][0]["register"], "SKJ");
    assert_eq!(user["registers"][0]["period_start"], "2024-03-01");
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));

    // The same address in other case is taken; sign-in ignores case too.
    let (status, body) = app
        .post(
            "/api/v1/users",
            &admin.token,
            json!({"email": "ANNE.DE.VRIES@jeugdzorg.nl", "name": "Other", "organization_id": org, "roles": ["professional"]}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "email_taken");
    app.sign_in("Anne.De.Vries@jeugdzorg.nl", "a-long-password")
        .await;

    // Patch replaces registers and roles.
    let id = user["id"].as_str().unwrap();
    let (status, patched) = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin.token,
            json!({"name": "Anne de Vries-Bakker", "roles": ["professional"], "registers": [
                {"register": "SKJ", "number": "110012345", "period_start": "2024-03-01"},
                {"register": "NIP", "number": "NIP-778", "period_start": "2022-01-01"}
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], "Anne de Vries-Bakker");
    assert_eq!(patched["roles"], json!(["professional"]));
    assert_eq!(patched["registers"].as_array().unwrap().len(), 2);
    let (_, again) = app.get(&format!("/api/v1/users/{id}"), &admin.token).await;
    assert_eq!(again, patched);
}

#[tokio::test]
async fn lists_page_with_cursors_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Paging provider", "provider").await;
    let mut created = Vec::new();
    for i in 0..7 {
        let (status, body) = app
            .post(
                "/api/v1/users",
                &admin.token,
                json!({"email": format!("u{i}@paging.test"), "name": format!("User {i}"), "organization_id": org, "roles": ["professional"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        created.push(body["id"].as_str().unwrap().to_owned());
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?organization_id={org}&limit=3&cursor={c}"),
            None => format!("/api/v1/users?organization_id={org}&limit=3"),
        };
        let (status, page) = app.get(&path, &admin.token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages += 1;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    let (_, orgs) = app
        .get("/api/v1/organizations?kind=provider", &admin.token)
        .await;
    assert_eq!(orgs["items"].as_array().unwrap().len(), 1);
    assert!(orgs["next_cursor"].is_null());
}

#[tokio::test]
async fn hr_manages_their_own_people_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let a = app.create_org(&admin, "Provider A", "provider").await;
    let b = app.create_org(&admin, "Provider B", "provider").await;
    let hr = app.create_user(&admin, a, &["hr"], "hr@a.test").await;
    let staff = app
        .create_user(&hr, a, &["professional"], "staff@a.test")
        .await;
    let other = app
        .create_user(&admin, b, &["professional"], "staff@b.test")
        .await;

    // HR can make a colleague HR, not admin, and cannot move people out.
    let (status, _) = app
        .patch(
            &format!("/api/v1/users/{}", staff.id),
            &hr.token,
            json!({"roles": ["professional", "hr"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{}", staff.id),
            &hr.token,
            json!({"roles": ["admin"]}),
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{}", staff.id),
            &hr.token,
            json!({"organization_id": b}),
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{}", other.id),
            &hr.token,
            json!({"name": "X"}),
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    // Admins can move people between organisations.
    let (status, moved) = app
        .patch(
            &format!("/api/v1/users/{}", other.id),
            &admin.token,
            json!({"organization_id": a}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moved["organization_id"], a.to_string());
    // An admin cannot lock themself out.
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{}", admin.id),
            &admin.token,
            json!({"roles": ["professional"]}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::CONFLICT,
        "cannot_remove_own_admin",
    );
}
