//! Bad input never gives a 500: every refusal is RFC 9457 problem+json with a stable
//! `code`, and the service keeps answering afterwards.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// A response as far as these tests care.
struct Reply {
    status: StatusCode,
    content_type: String,
    body: Value,
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        content_type,
        body,
    }
}

/// A request with a raw body and the given content type.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Reply {
    send(
        app.client
            .request(method, app.url(path))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body),
    )
    .await
}

async fn json_call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    send(req).await
}

/// Asserts a problem+json reply with this status and code; returns the body.
#[track_caller]
fn problem(what: &str, reply: &Reply, status: StatusCode, code: &str) -> Value {
    let body = &reply.body;
    assert_eq!(reply.status, status, "{what}: {body}");
    assert!(
        reply.content_type.starts_with("application/problem+json"),
        "{what}: content-type {:?}, body {body}",
        reply.content_type
    );
    assert_eq!(body["code"], code, "{what}: {body}");
    assert_eq!(body["status"], status.as_u16(), "{what}: {body}");
    for field in ["type", "title", "detail"] {
        assert!(
            body[field].is_string(),
            "{what}: `{field}` missing in {body}"
        );
    }
    body.clone()
}

/// Asserts a 422 `validation_failed` naming `field` among its errors.
#[track_caller]
fn invalid_field(what: &str, reply: &Reply, field: &str) {
    let body = problem(
        what,
        reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no `errors` in {body}"));
    assert!(
        errors
            .iter()
            .any(|e| e["field"].as_str().is_some_and(|f| f == field
                || f.strip_prefix(field)
                    .is_some_and(|rest| rest.starts_with(['[', '.'])))
                && e["message"].is_string()),
        "{what}: no error for `{field}` in {body}"
    );
}

/// Asserts a 422 `validation_failed` with a non-empty `errors` array.
#[track_caller]
fn invalid(what: &str, reply: &Reply) {
    let body = problem(
        what,
        reply,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no `errors` in {body}"));
    assert!(!errors.is_empty(), "{what}: {body}");
    for e in errors {
        assert!(
            e["field"].is_string() && e["message"].is_string(),
            "{what}: {body}"
        );
    }
}

fn new_user(email: &str, org: Uuid) -> Value {
    json!({
        "email": email,
        "name": "Someone",
        "organization_id": org,
        "roles": ["professional"],
        "password": PASSWORD,
    })
}

const ORGS: &str = "/api/v1/organizations";
const USERS: &str = "/api/v1/users";
const CLIENTS: &str = "/api/v1/clients";

/// The service, its admin and an organisation to create people in.
async fn setup() -> (TestApp, Actor, Uuid) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider Errors", "provider").await;
    (app, admin, org)
}

/// After bad input the service still answers.
async fn still_standing(app: &TestApp, token: &str) {
    let r = send(app.client.get(app.url("/health"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = json_call(app, Method::GET, ORGS, token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn malformed_bodies_and_other_media_types_are_told_apart() {
    let (app, admin, _org) = setup().await;
    let token = admin.token.as_str();
    let r = raw(
        &app,
        Method::POST,
        ORGS,
        token,
        "application/json",
        r#"{"name": "x", "kind": "#,
    )
    .await;
    problem(
        "truncated JSON",
        &r,
        StatusCode::BAD_REQUEST,
        "malformed_body",
    );
    let r = raw(
        &app,
        Method::POST,
        ORGS,
        token,
        "application/json",
        "not json at all",
    )
    .await;
    problem("not JSON", &r, StatusCode::BAD_REQUEST, "malformed_body");
    let r = raw(&app, Method::POST, ORGS, token, "application/json", "").await;
    // An empty JSON body is read as `null`: not an organisation.
    invalid("empty body", &r);
    let r = raw(
        &app,
        Method::POST,
        ORGS,
        token,
        "text/plain",
        r#"{"name":"x","kind":"other"}"#,
    )
    .await;
    problem(
        "text/plain body",
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    still_standing(&app, token).await;
}

#[tokio::test]
async fn bodies_of_the_wrong_shape_name_what_is_wrong() {
    let (app, admin, org) = setup().await;
    let token = admin.token.as_str();
    let cases = [
        ("wrong type", json!({"name": "Org wrong type", "kind": 5})),
        (
            "name of the wrong type",
            json!({"name": {"text": "Org"}, "kind": "other"}),
        ),
        (
            "array body",
            json!([{"name": "Org in array", "kind": "other"}]),
        ),
        ("scalar body", json!("Org as a string")),
        (
            "unknown enum value",
            json!({"name": "Org castle", "kind": "castle"}),
        ),
        (
            "unknown field",
            json!({"name": "Org unknown", "kind": "other", "colour": "red"}),
        ),
        (
            "missing required field",
            json!({"name": "Org without kind"}),
        ),
        (
            "null required field",
            json!({"name": null, "kind": "other"}),
        ),
    ];
    for (what, body) in cases {
        let r = json_call(&app, Method::POST, ORGS, token, Some(body)).await;
        invalid(what, &r);
    }
    let r = json_call(
        &app,
        Method::POST,
        ORGS,
        token,
        Some(json!({"kind": "other"})),
    )
    .await;
    invalid("missing name", &r);
    let r = json_call(
        &app,
        Method::PATCH,
        &format!("{ORGS}/{org}"),
        token,
        Some(json!({"kind": "castle"})),
    )
    .await;
    invalid("unknown enum value in a patch", &r);
    // `null` for an optional field the document does not declare nullable.
    let r = json_call(
        &app,
        Method::POST,
        "/api/v1/clients",
        token,
        Some(json!({"name": "Null contact", "scopes": ["catalog:read"], "contact_email": null})),
    )
    .await;
    invalid_field("null for a field that is not nullable", &r, "contact_email");
    still_standing(&app, token).await;
}

#[tokio::test]
async fn bad_parameters_are_refused_with_what_they_must_be() {
    let (app, admin, _org) = setup().await;
    let token = admin.token.as_str();
    let r = json_call(
        &app,
        Method::GET,
        &format!("{ORGS}/not-a-uuid"),
        token,
        None,
    )
    .await;
    problem(
        "bad UUID in path",
        &r,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
    );
    let r = json_call(&app, Method::GET, "/api/v1/users/12345", token, None).await;
    problem(
        "bad user UUID in path",
        &r,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
    );
    let r = json_call(&app, Method::DELETE, "/api/v1/clients/zzz", token, None).await;
    problem(
        "bad client UUID in path",
        &r,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
    );
    for list in [ORGS, "/api/v1/users", "/api/v1/clients"] {
        let r = json_call(&app, Method::GET, &format!("{list}?limit=500"), token, None).await;
        let body = problem(
            "limit=500",
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        assert_eq!(body["errors"][0]["field"], "limit", "{list}: {body}");
        let r = json_call(&app, Method::GET, &format!("{list}?limit=0"), token, None).await;
        invalid_field(&format!("{list}?limit=0"), &r, "limit");
        let r = json_call(&app, Method::GET, &format!("{list}?limit=-1"), token, None).await;
        assert!(
            r.status.is_client_error(),
            "{list}?limit=-1: {} {}",
            r.status,
            r.body
        );
        let r = json_call(&app, Method::GET, &format!("{list}?limit=ten"), token, None).await;
        assert!(
            r.status.is_client_error(),
            "{list}?limit=ten: {} {}",
            r.status,
            r.body
        );
        let r = json_call(
            &app,
            Method::GET,
            &format!("{list}?cursor=zzz"),
            token,
            None,
        )
        .await;
        invalid_field(&format!("{list}?cursor=zzz"), &r, "cursor");
    }
    let r = json_call(
        &app,
        Method::GET,
        "/api/v1/users?organization_id=nope",
        token,
        None,
    )
    .await;
    problem(
        "bad UUID in query",
        &r,
        StatusCode::BAD_REQUEST,
        "invalid_parameter",
    );
    let r = json_call(
        &app,
        Method::GET,
        &format!("{ORGS}?kind=castle"),
        token,
        None,
    )
    .await;
    assert!(
        r.status.is_client_error(),
        "kind=castle: {} {}",
        r.status,
        r.body
    );
    still_standing(&app, token).await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_problems() {
    let (app, admin, org) = setup().await;
    let token = admin.token.as_str();
    let r = json_call(&app, Method::GET, "/api/v1/nowhere", token, None).await;
    problem("unknown route", &r, StatusCode::NOT_FOUND, "not_found");
    let r = send(app.client.get(app.url("/api/v1/nowhere"))).await;
    problem(
        "unknown route without a token",
        &r,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let r = json_call(&app, Method::PUT, ORGS, token, Some(json!({}))).await;
    problem(
        "wrong method",
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    let r = json_call(&app, Method::DELETE, &format!("{ORGS}/{org}"), token, None).await;
    problem(
        "wrong method on an item",
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    still_standing(&app, token).await;
}

#[tokio::test]
async fn the_rules_of_users_name_the_field() {
    let (app, admin, org) = setup().await;
    let token = admin.token.as_str();
    for bad in ["not-an-email", "jan@", "@x.nl", "jan@nl", "a b@x.nl"] {
        let r = json_call(&app, Method::POST, USERS, token, Some(new_user(bad, org))).await;
        invalid_field(&format!("email {bad:?}"), &r, "email");
    }
    let mut body = new_user("short@errors.test", org);
    body["password"] = json!("123456789");
    let r = json_call(&app, Method::POST, USERS, token, Some(body)).await;
    invalid_field("short password", &r, "password");
    let r = json_call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(new_user("Jan.Jansen@Errors.test", org)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let existing = r.body["id"].as_str().expect("id").to_owned();
    let r = json_call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(new_user("jan.jansen@errors.TEST", org)),
    )
    .await;
    problem("duplicate e-mail", &r, StatusCode::CONFLICT, "email_taken");
    let r = json_call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(new_user("  JAN.JANSEN@ERRORS.TEST ", org)),
    )
    .await;
    problem(
        "duplicate e-mail, upper case",
        &r,
        StatusCode::CONFLICT,
        "email_taken",
    );
    let r = json_call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(new_user("other@errors.test", org)),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let other = r.body["id"].as_str().expect("id").to_owned();
    let r = json_call(
        &app,
        Method::PATCH,
        &format!("{USERS}/{other}"),
        token,
        Some(json!({"email": "JAN.jansen@errors.test"})),
    )
    .await;
    problem(
        "e-mail changed to a taken one",
        &r,
        StatusCode::CONFLICT,
        "email_taken",
    );
    let r = json_call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(new_user("nobody@errors.test", Uuid::now_v7())),
    )
    .await;
    invalid_field("unknown organisation", &r, "organization_id");
    let mut body = new_user("noroles@errors.test", org);
    body["roles"] = json!([]);
    let r = json_call(&app, Method::POST, USERS, token, Some(body)).await;
    invalid_field("no roles", &r, "roles");
    let mut body = new_user("badrole@errors.test", org);
    body["roles"] = json!(["wizard"]);
    let r = json_call(&app, Method::POST, USERS, token, Some(body)).await;
    invalid("unknown role", &r);
    let mut body = new_user("rolestring@errors.test", org);
    body["roles"] = json!("professional");
    let r = json_call(&app, Method::POST, USERS, token, Some(body)).await;
    invalid("roles as a string", &r);
    let mut body = new_user("badorg@errors.test", org);
    body["organization_id"] = json!("not-a-uuid");
    let r = json_call(&app, Method::POST, USERS, token, Some(body)).await;
    invalid("organization_id not a UUID", &r);
    let r = json_call(
        &app,
        Method::PATCH,
        &format!("{USERS}/{existing}"),
        token,
        Some(json!({"disabled": "yes"})),
    )
    .await;
    invalid("disabled as a string", &r);
    let r = json_call(
        &app,
        Method::PATCH,
        &format!("{USERS}/{existing}"),
        token,
        Some(json!({"password": "short"})),
    )
    .await;
    invalid_field("short password in a patch", &r, "password");
    let r = json_call(
        &app,
        Method::PATCH,
        &format!("{USERS}/{existing}"),
        token,
        Some(json!({"organization_id": Uuid::now_v7()})),
    )
    .await;
    invalid_field("moved to an unknown organisation", &r, "organization_id");
    let r = json_call(
        &app,
        Method::GET,
        &format!("{USERS}/{}", Uuid::now_v7()),
        token,
        None,
    )
    .await;
    problem("unknown user", &r, StatusCode::NOT_FOUND, "not_found");
    still_standing(&app, token).await;
}

#[tokio::test]
async fn the_rules_of_organisations_and_clients_name_the_field() {
    let (app, admin, _org) = setup().await;
    let token = admin.token.as_str();
    let r = json_call(
        &app,
        Method::POST,
        ORGS,
        token,
        Some(json!({"name": "Provider Errors", "kind": "other"})),
    )
    .await;
    problem(
        "duplicate organisation",
        &r,
        StatusCode::CONFLICT,
        "organization_exists",
    );
    let second = app
        .create_org(&admin, "Provider Errors 2", "provider")
        .await;
    let r = json_call(
        &app,
        Method::PATCH,
        &format!("{ORGS}/{second}"),
        token,
        Some(json!({"name": "Provider Errors"})),
    )
    .await;
    problem(
        "renamed to a taken name",
        &r,
        StatusCode::CONFLICT,
        "organization_exists",
    );
    let r = json_call(
        &app,
        Method::POST,
        ORGS,
        token,
        Some(json!({"name": "   ", "kind": "other"})),
    )
    .await;
    invalid_field("blank name", &r, "name");
    let r = json_call(
        &app,
        Method::GET,
        &format!("{ORGS}/{}", Uuid::now_v7()),
        token,
        None,
    )
    .await;
    problem(
        "unknown organisation",
        &r,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    let r = json_call(
        &app,
        Method::POST,
        CLIENTS,
        token,
        Some(json!({"name": "Partner", "scopes": ["catalog:read", "everything:write"]})),
    )
    .await;
    invalid_field("unknown scope", &r, "scopes");
    let r = json_call(
        &app,
        Method::POST,
        CLIENTS,
        token,
        Some(json!({"name": "Partner", "scopes": []})),
    )
    .await;
    invalid_field("no scopes", &r, "scopes");
    let r = json_call(
        &app,
        Method::POST,
        CLIENTS,
        token,
        Some(json!({"name": "Partner", "organization_id": Uuid::now_v7(), "scopes": ["catalog:read"]})),
    )
    .await;
    invalid_field("client of an unknown organisation", &r, "organization_id");
    let r = json_call(
        &app,
        Method::DELETE,
        &format!("{CLIENTS}/{}", Uuid::now_v7()),
        token,
        None,
    )
    .await;
    problem("unknown client", &r, StatusCode::NOT_FOUND, "not_found");
    still_standing(&app, token).await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_and_small_chunked_ones_arrive_whole() {
    let (app, admin, org) = setup().await;
    let token = admin.token.as_str();
    let long = "x".repeat(100 * 1024);
    let r = json_call(
        &app,
        Method::POST,
        ORGS,
        token,
        Some(json!({"name": long, "kind": "other"})),
    )
    .await;
    invalid("100 KiB organisation name", &r);
    let r = json_call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(json!({
            "email": "long@errors.test", "name": long, "organization_id": org,
            "roles": ["professional"], "password": PASSWORD,
        })),
    )
    .await;
    invalid("100 KiB user name", &r);
    let r = json_call(
        &app,
        Method::POST,
        CLIENTS,
        token,
        Some(json!({"name": long, "scopes": ["catalog:read"]})),
    )
    .await;
    invalid("100 KiB client name", &r);

    let huge = format!(
        r#"{{"name": "{}", "kind": "other"}}"#,
        "x".repeat(10 * 1024 * 1024)
    );
    let r = raw(
        &app,
        Method::POST,
        ORGS,
        token,
        "application/json",
        huge.clone(),
    )
    .await;
    problem(
        "10 MiB with Content-Length",
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = huge
        .as_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let r = raw(&app, Method::POST, ORGS, token, "application/json", body).await;
    problem(
        "10 MiB chunked",
        &r,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    // A small chunked body still arrives whole.
    let small = br#"{"name": "Chunked organisation", "kind": "other"}"#;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        small.chunks(7).map(|c| Ok(c.to_vec())).collect();
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let r = raw(&app, Method::POST, ORGS, token, "application/json", body).await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "small chunked body: {}",
        r.body
    );
    assert_eq!(r.body["name"], "Chunked organisation");
    still_standing(&app, token).await;
}

#[tokio::test]
async fn the_body_limit_holds_over_http2_without_a_length() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let mut huge = br#"{"name": "Smuggled over h2c", "kind": "other"}"#.to_vec();
    huge.extend(std::iter::repeat_n(b' ', 3 * 1024 * 1024));
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        huge.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let resp = h2
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(&admin.token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.version(), reqwest::Version::HTTP_2);
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
    let (_, orgs) = app.get("/api/v1/organizations", &admin.token).await;
    assert!(
        !orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["name"] == "Smuggled over h2c")
    );
}

#[tokio::test]
async fn type_errors_name_the_field_and_405_lists_the_allowed_methods() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let cases = [
        (
            json!({"name": "X", "kind": "castle"}),
            "kind",
            "must be one of `municipality`, `provider`, `certified_institution`, `academy`, `other`",
        ),
        (json!({"kind": "provider"}), "name", "is required"),
        (json!({"name": "X"}), "kind", "is required"),
    ];
    for (body, field, message) in cases {
        let (status, problem) = app.post("/api/v1/organizations", &admin.token, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        assert_eq!(problem["errors"][0]["message"], message, "{problem}");
    }
    // Nested fields by their path, every problem of the body at once, in plain words.
    let course = app.open_edition(&admin, 30, json!({"capacity": 5})).await;
    let (_, edition) = app
        .get(&format!("/api/v1/editions/{course}"), &admin.token)
        .await;
    let (status, problem) = app
        .post(
            &format!("/api/v1/courses/{}/editions", edition["course_id"].as_str().unwrap()),
            &admin.token,
            json!({"capacity": "12", "waitlist_enabled": "yes", "trainer_ids": ["x"], "colour": "red"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let errors: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("capacity", "must be a whole number"),
        ("waitlist_enabled", "must be true or false"),
        ("trainer_ids[0]", "must be a UUID"),
        ("colour", "is not a field of this request"),
    ] {
        assert!(
            errors
                .iter()
                .any(|(f, m)| f == expected.0 && m == expected.1),
            "{expected:?} in {problem}"
        );
    }
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("capacity: must be a whole number")
    );
    // Query parameters in the same words.
    let (status, problem) = app.get("/api/v1/editions?limit=500", &admin.token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "limit", "{problem}");
    assert_eq!(
        problem["errors"][0]["message"], "must be at most 200",
        "{problem}"
    );
    let (status, problem) = app.get("/api/v1/editions?limit=many", &admin.token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["code"], "invalid_parameter");
    assert_eq!(
        problem["detail"], "parameter `limit` must be a whole number",
        "{problem}"
    );
    // A malformed id in the path.
    let (status, problem) = app.get("/api/v1/courses/not-an-id", &admin.token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["code"], "invalid_parameter");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("ids are UUIDs"),
        "{problem}"
    );
    let resp = app
        .client
        .put(app.url("/api/v1/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(resp.headers()["allow"], "GET, POST");
}

#[tokio::test]
async fn nul_bytes_are_refused_before_they_reach_the_database() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let r = app
        .client
        .get(app.url("/api/v1/courses?topic=a%00b"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .client
        .get(app.url("/api/v1/editions?topic=%00"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "a\0@b.nl"),
            ("password", "x"),
        ])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (status, body) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Nul", "kind": "lecture", "description": "a\u{0}b"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["errors"][0]["field"], "description");
    let (status, _) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Regels", "kind": "lecture", "description": "regel 1\nregel 2\tmet tab"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}
