//! Access and refresh tokens: every forged, stale or foreign token is 401; refresh
//! tokens rotate and a reused one revokes the whole sign-in; brute force is limited.

use academy::auth::tokens::{Claims, SubjectKind};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

fn claims(actor: &Actor) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: actor.id,
        sub_kind: SubjectKind::User,
        roles: vec!["admin".into()],
        org: Some(actor.org),
        scope: None,
        exp: now + 600,
        iat: now,
        nbf: now,
        iss: ISSUER.into(),
        aud: "academy-api".into(),
        jti: Uuid::new_v4(),
        ver: 0,
    }
}

async fn me_status(app: &TestApp, token: &str) -> (StatusCode, Value) {
    app.get("/api/v1/me", token).await
}

#[tokio::test]
async fn a_signed_token_works_and_every_forgery_is_401() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (status, me) = me_status(&app, &admin.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert!(me.get("password").is_none() && me.get("password_hash").is_none());

    let sign = |c: &Claims| app.state.tokens.sign(c).unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut cases: Vec<(&str, String)> = Vec::new();

    let mut c = claims(&admin);
    c.exp = now - 120;
    c.iat = now - 1000;
    c.nbf = now - 1000;
    cases.push(("expired", sign(&c)));

    let mut c = claims(&admin);
    c.nbf = now + 600;
    cases.push(("not yet valid", sign(&c)));

    let mut c = claims(&admin);
    c.aud = "another-service".into();
    cases.push(("wrong audience", sign(&c)));

    let mut c = claims(&admin);
    c.iss = "http://evil.test".into();
    cases.push(("wrong issuer", sign(&c)));

    // Tampered payload: promote a professional's claims, keep the signature.
    let parts: Vec<&str> = admin.token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["sub"] = json!(Uuid::now_v7());
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap()),
        parts[2]
    );
    cases.push(("tampered payload", tampered));

    // Wrong signature: the same claims signed by a key the service does not know.
    let other = academy::auth::tokens::TokenService::new(
        academy::auth::keys::KeyRing::ephemeral().unwrap(),
        ISSUER.into(),
        "academy-api".into(),
    );
    cases.push(("unknown key", other.sign(&claims(&admin)).unwrap()));
    let mut foreign_sig = admin.token.rsplit_once('.').unwrap().0.to_owned();
    let other_token = other.sign(&claims(&admin)).unwrap();
    foreign_sig.push('.');
    foreign_sig.push_str(other_token.rsplit('.').next().unwrap());
    cases.push(("wrong signature", foreign_sig));

    // alg: none.
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(&admin)).unwrap());
    cases.push(("alg none", format!("{header}.{body}.")));

    // HS256 signed with the public key as the HMAC secret (key confusion).
    let jwk = &app.state.tokens.keys().jwks()[0];
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(jwk.kid.clone());
    let hs = jsonwebtoken::encode(
        &h,
        &claims(&admin),
        &EncodingKey::from_secret(jwk.x.as_bytes()),
    )
    .unwrap();
    cases.push(("HS256 with the public key", hs));
    let raw_key = URL_SAFE_NO_PAD.decode(&jwk.x).unwrap();
    let hs_raw =
        jsonwebtoken::encode(&h, &claims(&admin), &EncodingKey::from_secret(&raw_key)).unwrap();
    cases.push(("HS256 with the raw public key", hs_raw));

    cases.push(("garbage", "not-a-jwt".into()));
    cases.push(("empty", String::new()));

    for (name, token) in &cases {
        let (status, body) = me_status(&app, token).await;
        assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
        let _ = name;
    }
    // No token at all.
    let (status, body) = app
        .call(reqwest::Method::GET, "/api/v1/me", None, None)
        .await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
    // The service still accepts the genuine token afterwards.
    assert_eq!(me_status(&app, &admin.token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn access_tokens_carry_the_documented_claims_and_verify_from_the_jwks_alone() {
    let app = TestApp::spawn().await;
    let tokens = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let access = tokens["access_token"].as_str().unwrap();

    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(access).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    let kid = header.kid.unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("the token's kid is published");
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    let decoding =
        jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::EdDSA);
    validation.set_audience(&["academy-api"]);
    validation.set_issuer(&[ISSUER]);
    let data = jsonwebtoken::decode::<Value>(access, &decoding, &validation).unwrap();
    let c = data.claims;
    assert_eq!(c["roles"], json!(["admin"]));
    assert!(c["org"].is_string() && c["sub"].is_string());
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 900);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_chain() {
    let app = TestApp::spawn().await;
    let first = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();

    let resp = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", &r1)])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let second: Value = resp.json().await.unwrap();
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    assert_eq!(
        me_status(&app, second["access_token"].as_str().unwrap())
            .await
            .0,
        StatusCode::OK
    );

    // Reusing r1 is refused and revokes r2 too.
    let resp = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", &r1)])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let resp = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", &r2)])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // A separate sign-in is unaffected, and RFC 7009 revocation ends it.
    let other = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r3 = other["refresh_token"].as_str().unwrap().to_owned();
    let resp = app
        .client
        .post(app.url("/api/v1/auth/revoke"))
        .form(&[("token", r3.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", &r3)])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // Unknown tokens are answered the same way (RFC 7009).
    let resp = app
        .client
        .post(app.url("/api/v1/auth/revoke"))
        .form(&[("token", "unknown")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn concurrent_use_of_one_refresh_token_lets_at_most_one_through() {
    let app = TestApp::spawn().await;
    let first = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();
    let attempts = (0..8).map(|_| {
        let app = &app;
        let r1 = r1.clone();
        async move {
            app.token_request(&[("grant_type", "refresh_token"), ("refresh_token", &r1)])
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(ok <= 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::BAD_REQUEST)
    );
}

#[tokio::test]
async fn grant_errors_follow_rfc_6749() {
    let app = TestApp::spawn().await;
    type Case<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (vec![], StatusCode::BAD_REQUEST, "invalid_request"),
        (
            vec![("grant_type", "implicit")],
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            vec![("grant_type", "password"), ("username", ADMIN_EMAIL)],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "password"),
                ("username", "nobody@academy.test"),
                ("password", "whatever-123"),
            ],
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "nope"),
                ("client_secret", "x"),
            ],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            vec![("grant_type", "refresh_token"), ("refresh_token", "nope")],
            StatusCode::BAD_REQUEST,
            "invalid_grant",
        ),
    ];
    for (form, status, error) in cases {
        let resp = app.token_request(&form).await;
        assert_eq!(resp.status(), status, "{form:?}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], error, "{form:?}");
        assert_eq!(body["code"], error, "{form:?}");
    }
    // Case-insensitive account names.
    let resp = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", "ADMIN@Academy.Test"),
            ("password", ADMIN_PASSWORD),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_the_window() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let resp = app
            .token_request(&[
                ("grant_type", "password"),
                ("username", ADMIN_EMAIL),
                ("password", "wrong-password"),
            ])
            .await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    }
    // Now even the right password is refused, with Retry-After.
    let resp = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "too_many_attempts");
    // Other accounts are not affected.
    let admin = app.admin_from_state().await;
    let org = app.create_org(&admin, "Other provider", "provider").await;
    app.create_user(&admin, org, &["professional"], "pro@provider.test")
        .await;
}

#[tokio::test]
async fn partner_clients_get_scoped_tokens_without_refresh_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Intranet provider", "provider")
        .await;
    let (_, created) = app.create("/api/v1/clients",
            &admin.token,
            json!({"name": "Intranet", "organization_id": org, "scopes": ["catalog:read", "registrations:write"]})).await;
    let id = created["client_id"].as_str().unwrap();
    let secret = created["client_secret"].as_str().unwrap();
    let resp = app
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["scope"], "catalog:read registrations:write");
    let principal = app
        .state
        .tokens
        .verify(body["access_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(principal.org, Some(org));
    assert!(principal.has_scope("registrations:write"));
    // HTTP Basic works too; a wrong secret does not.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    let resp = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .header("authorization", format!("Basic {basic}"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", "wrong"),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // The secret is not listed.
    let (_, list) = app.get("/api/v1/clients", &admin.token).await;
    assert!(list["items"][0].get("client_secret").is_none());
}

#[tokio::test]
async fn a_password_change_or_disabling_ends_existing_sign_ins() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Provider", "provider").await;
    let pro = app
        .create_user(&admin, org, &["professional"], "p@provider.test")
        .await;
    let signed = app.sign_in(&pro.email, PASSWORD).await;
    let refresh = signed["refresh_token"].as_str().unwrap();
    let (status, _) = app
        .patch(
            &format!("/api/v1/users/{}", pro.id),
            &admin.token,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let resp = app
        .token_request(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", &pro.email),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn parallel_guesses_do_not_get_past_the_limit() {
    let app = TestApp::spawn().await;
    let guesses = (0..20).map(|i| {
        let app = &app;
        async move {
            let password = format!("wrong-password-{i}");
            app.token_request(&[
                ("grant_type", "password"),
                ("username", ADMIN_EMAIL),
                ("password", &password),
            ])
            .await
            .status()
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, limited), (5, 15), "{statuses:?}");
    let resp = app
        .token_request(&[
            ("grant_type", "password"),
            ("username", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
}
