//! From attendance to a certificate anyone can verify: marking, closing, the completion
//! rule, certificates with their PDF and signed credential, verification, revocation,
//! and corrections after re-opening.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Actor, TestApp, assert_problem, at, id_of, ts};

/// An edition of a new course whose `n` sessions are over (one a day, 09:00–12:00 UTC,
/// starting `n + 10` days ago), taught by `trainer`, with SKJ and NIP accreditations.
pub async fn past_edition(
    app: &TestApp,
    admin: &Actor,
    trainer: &Actor,
    title: &str,
    n: i64,
    min_percent: f64,
) -> (Uuid, Vec<Uuid>) {
    let (_, course) = app
        .create(
            "/api/v1/courses",
            &admin.token,
            json!({
                "title": title,
                "kind": "training",
                "description": "Acht dagdelen.",
                "hours": 24,
                "accreditations": [
                    {"register": "SKJ", "number": "SKJ-2026-0420", "points": 24},
                    {"register": "NIP", "number": "NIP-77", "points": 20}
                ],
                "completion": {"min_attendance_percent": min_percent}
            }),
        )
        .await;
    let (_, e) = app
        .create(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 20, "trainer_ids": [trainer.id]}),
        )
        .await;
    let edition = id_of(&e);
    let mut sessions = Vec::new();
    for k in 0..n {
        let day = k - n - 10;
        let (_, s) = app
            .create(
                &format!("/api/v1/editions/{edition}/sessions"),
                &admin.token,
                json!({"starts_at": ts(at(day, 9)), "ends_at": ts(at(day, 12))}),
            )
            .await;
        sessions.push(id_of(&s));
    }
    app.publish_as_if_planned(admin, edition).await;
    (edition, sessions)
}

/// Registers a person (as admin, who may do so after the window) and returns the
/// registration id.
pub async fn enrol(app: &TestApp, admin: &Actor, edition: Uuid, person: &Actor) -> Uuid {
    let (_, r) = app
        .create(
            &format!("/api/v1/editions/{edition}/registrations"),
            &admin.token,
            json!({"user_id": person.id}),
        )
        .await;
    assert_eq!(r["status"], "confirmed", "{r}");
    id_of(&r)
}

pub async fn mark(
    app: &TestApp,
    token: &str,
    session: Uuid,
    records: Value,
) -> (StatusCode, Value) {
    app.call(
        Method::PUT,
        &format!("/api/v1/sessions/{session}/attendance"),
        Some(token),
        Some(json!({ "records": records })),
    )
    .await
}

async fn transition(app: &TestApp, token: &str, edition: Uuid, step: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &format!("/api/v1/editions/{edition}/{step}"),
        Some(token),
        None,
    )
    .await
}

/// Marks every session: `pattern[k]` is the status for session k.
async fn mark_pattern(
    app: &TestApp,
    trainer: &Actor,
    sessions: &[Uuid],
    reg: Uuid,
    pattern: &[&str],
) {
    for (s, status) in sessions.iter().zip(pattern) {
        let (code, body) = mark(
            app,
            &trainer.token,
            *s,
            json!([{"registration_id": reg, "status": status}]),
        )
        .await;
        assert_eq!(code, StatusCode::OK, "{body}");
    }
}

async fn certificates_of(app: &TestApp, person: &Actor) -> Vec<Value> {
    let (status, page) = app.get("/api/v1/me/certificates", &person.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

struct Fixture {
    app: TestApp,
    admin: Actor,
    trainer: Actor,
    people: Vec<Actor>,
}

async fn fixture(n_people: usize) -> Fixture {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Jeugdzorg Flevoland", "provider")
        .await;
    let trainer = app
        .person(&admin, org, &["trainer"], "trainer@example.test")
        .await;
    let mut people = Vec::new();
    for i in 0..n_people {
        let p = app
            .person(
                &admin,
                org,
                &["professional"],
                &format!("p{i}@example.test"),
            )
            .await;
        people.push(p);
    }
    Fixture {
        app,
        admin,
        trainer,
        people,
    }
}

#[tokio::test]
async fn the_completion_rule_counts_present_and_late_not_excused_or_absent() {
    let Fixture {
        app,
        admin,
        trainer,
        people,
    } = fixture(5).await;
    let (edition, sessions) = past_edition(
        &app,
        &admin,
        &trainer,
        "Zorg voor het getraumatiseerde kind",
        8,
        87.5,
    )
    .await;
    let mut regs = Vec::new();
    for p in &people {
        regs.push(enrol(&app, &admin, edition, p).await);
    }
    let p = "present";
    // 7 of 8 with one absent: 87.5 % → completes.
    mark_pattern(
        &app,
        &trainer,
        &sessions,
        regs[0],
        &[p, p, p, p, p, p, p, "absent"],
    )
    .await;
    // 6 present and 2 late → completes.
    mark_pattern(
        &app,
        &trainer,
        &sessions,
        regs[1],
        &[p, "late", p, p, "late", p, p, p],
    )
    .await;
    // 7 present, 1 excused: excused does not count → 87.5 % → completes.
    mark_pattern(
        &app,
        &trainer,
        &sessions,
        regs[2],
        &[p, p, p, "excused", p, p, p, p],
    )
    .await;
    // 6 present, 1 excused, 1 absent: 75 % → does not.
    mark_pattern(
        &app,
        &trainer,
        &sessions,
        regs[3],
        &[p, p, "excused", p, p, "absent", p, p],
    )
    .await;
    // Nothing marked → does not.

    let (status, closed) = transition(&app, &trainer.token, edition, "close").await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        closed["completions"],
        json!({"completed": 3, "not_completed": 2, "certificates_issued": 3,
               "certificates_reinstated": 0, "certificates_withdrawn": 0})
    );
    for (i, expected) in [1, 1, 1, 0, 0].into_iter().enumerate() {
        assert_eq!(
            certificates_of(&app, &people[i]).await.len(),
            expected,
            "person {i}"
        );
    }
    // Closing twice is a conflict.
    let (status, body) = transition(&app, &trainer.token, edition, "close").await;
    assert_problem(status, &body, StatusCode::CONFLICT, "invalid_transition");
}

#[tokio::test]
async fn a_cancelled_session_does_not_count_in_the_total() {
    let Fixture {
        app,
        admin,
        trainer,
        people,
    } = fixture(1).await;
    let (edition, sessions) =
        past_edition(&app, &admin, &trainer, "Kindermishandeling", 3, 100.0).await;
    let reg = enrol(&app, &admin, edition, &people[0]).await;
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/sessions/{}", sessions[1]),
            Some(&admin.token),
            Some(json!({"status": "cancelled"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Marking a cancelled session is refused.
    let (status, body) = mark(
        &app,
        &trainer.token,
        sessions[1],
        json!([{"registration_id": reg, "status": "present"}]),
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "session_cancelled");
    mark_pattern(
        &app,
        &trainer,
        &[sessions[0], sessions[2]],
        reg,
        &["present", "late"],
    )
    .await;
    let (status, closed) = transition(&app, &admin.token, edition, "close").await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["completions"]["completed"], 1, "{closed}");
    let certs = certificates_of(&app, &people[0]).await;
    assert_eq!(certs.len(), 1);
    // Completed on the last counted session's day (Europe/Amsterdam).
    assert_eq!(
        certs[0]["completed_on"],
        at(-11, 9).date_naive().to_string()
    );
}

#[tokio::test]
async fn a_certificate_is_issued_verified_printed_signed_and_revoked() {
    let Fixture {
        app,
        admin,
        trainer,
        people,
    } = fixture(1).await;
    let holder = &people[0];
    // The holder is in SKJ (with a number) but not in NIP.
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{}", holder.id),
            &admin.token,
            json!({"name": "Anouk van den Bërg", "registers": [{"register": "SKJ", "number": "110012345", "period_start": "2024-01-01"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let title = "Zorg voor het getraumatiseerde kind; deel 2, ‘veerkracht’ — één dag";
    let (edition, sessions) = past_edition(&app, &admin, &trainer, title, 2, 100.0).await;
    let reg = enrol(&app, &admin, edition, holder).await;
    mark_pattern(&app, &trainer, &sessions, reg, &["present", "present"]).await;
    let (status, closed) = transition(&app, &trainer.token, edition, "close").await;
    assert_eq!(status, StatusCode::OK, "{closed}");

    let certs = certificates_of(&app, holder).await;
    assert_eq!(certs.len(), 1);
    let cert = &certs[0];
    let id = id_of(cert);
    assert_eq!(cert["holder_name"], "Anouk van den Bërg");
    assert_eq!(cert["course_title"], title);
    assert_eq!(cert["course_kind"], "training");
    assert_eq!(cert["hours"], 24.0);
    assert_eq!(cert["status"], "valid");
    assert_eq!(cert["edition_id"], edition.to_string());
    assert_eq!(cert["issuer"], "Flevo Academie Jeugd");
    assert_eq!(
        cert["accreditations"],
        json!([
            {"register": "NIP", "number": "NIP-77", "points": 20.0, "holder_number": null},
            {"register": "SKJ", "number": "SKJ-2026-0420", "points": 24.0, "holder_number": "110012345"}
        ])
    );
    let code = cert["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 17, "three groups of five: {code}");
    assert_eq!(code.matches('-').count(), 2);
    assert!(cert["verify_url"].as_str().unwrap().ends_with(&code));

    // Anyone verifies by code, also typed sloppily; only the listed fields come back.
    let sloppy = code.to_lowercase().replace('-', " ");
    let (status, v) = app
        .call(Method::GET, &format!("/api/v1/verify/{sloppy}"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "accreditations",
            "completed_on",
            "course_title",
            "holder_name",
            "issuer",
            "status",
            "valid"
        ]
    );
    assert_eq!(v["valid"], true);
    assert_eq!(v["holder_name"], "Anouk van den Bërg");
    assert_eq!(
        v["accreditations"][1],
        json!({"register": "SKJ", "number": "SKJ-2026-0420", "points": 24.0})
    );
    let (status, body) = app
        .call(Method::GET, "/api/v1/verify/00000-00000-00000", None, None)
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    // Public, but a token that is sent must be valid.
    let (status, body) = app
        .get(&format!("/api/v1/verify/{code}"), "not-a-jwt")
        .await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");

    // The PDF: A4 landscape, real text with holder, course and code, fonts embedded.
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/certificates/{id}/pdf")))
        .bearer_auth(&holder.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let pdf = resp.bytes().await.unwrap().to_vec();
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "Certificaat",
        "Anouk van den Bërg",
        "getraumatiseerde",
        "veerkracht",
        &code,
        "SKJ-2026-0420",
        "110012345",
    ] {
        assert!(flat.contains(needle), "{needle} not in {flat}");
    }
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let embedded = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .any(|d| d.has(b"FontFile2") || d.has(b"FontFile3"));
    assert!(embedded, "no embedded font");

    // The signed credential verifies offline against the published keys.
    let (status, jwt) = app
        .get(
            &format!("/api/v1/certificates/{id}/credential"),
            &holder.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{jwt}");
    let jwt = jwt.as_str().unwrap().to_owned();
    let (_, jwks) = app
        .call(Method::GET, "/.well-known/jwks.json", None, None)
        .await;
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .expect("the credential's key is published");
    let decoding =
        jsonwebtoken::DecodingKey::from_ed_components(key["x"].as_str().unwrap()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<Value>(&jwt, &decoding, &validation).unwrap();
    let vc = data.claims;
    assert_eq!(
        vc["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(vc["@context"][0], "https://www.w3.org/ns/credentials/v2");
    assert_eq!(vc["jti"], format!("urn:uuid:{id}"));
    assert_eq!(vc["id"], format!("urn:uuid:{id}"));
    assert_eq!(vc["issuer"]["name"], "Flevo Academie Jeugd");
    assert_eq!(vc["iss"], vc["issuer"]["id"]);
    assert_eq!(vc["credentialSubject"]["achievement"]["name"], title);
    // The claims a VC-JWT verifier maps: sub is the subject, jti the id, iss the issuer.
    assert_eq!(vc["sub"], vc["credentialSubject"]["id"]);
    assert_eq!(vc["sub"], format!("urn:uuid:{}", holder.id));
    assert_eq!(vc["evidence"][0]["id"], cert["verify_url"]);
    // The official Open Badges 3.0 schema accepts it.
    open_badges_schema_accepts(&vc);
    // Its status: a bit in a revocation list the service publishes, still clear.
    let entry = &vc["credentialStatus"];
    assert_eq!(entry["type"], "BitstringStatusListEntry");
    assert_eq!(entry["statusPurpose"], "revocation");
    let position: usize = entry["statusListIndex"].as_str().unwrap().parse().unwrap();
    let list_url = entry["statusListCredential"].as_str().unwrap().to_owned();
    assert_ne!(entry["id"], entry["statusListCredential"]);
    let list = status_list(&app, &list_url, &decoding, &validation).await;
    assert_eq!(list["issuer"], vc["iss"]);
    assert!(!bit(&list, position), "not revoked yet");
    // A tampered credential does not verify.
    let mut parts: Vec<String> = jwt.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    assert!(jsonwebtoken::decode::<Value>(&parts.join("."), &decoding, &validation).is_err());
    // A credential is no access token.
    let (status, _) = app.get("/api/v1/me", &jwt).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Revocation (admins, with a reason) shows in verification at once.
    let (status, body) = app
        .post(
            &format!("/api/v1/certificates/{id}/revoke"),
            &admin.token,
            json!({"reason": "  "}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (status, revoked) = app
        .post(
            &format!("/api/v1/certificates/{id}/revoke"),
            &admin.token,
            json!({"reason": "fraude bij de aanwezigheid"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revoked_reason"], "fraude bij de aanwezigheid");
    let (_, v) = app
        .call(Method::GET, &format!("/api/v1/verify/{code}"), None, None)
        .await;
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["status"], "revoked");
    // And in the status list, for verifiers that never call the API: that bit only.
    let list = status_list(&app, &list_url, &decoding, &validation).await;
    assert!(bit(&list, position), "revoked");
    assert_eq!(set_bits(&list), 1);
    let (status, body) = app
        .post(
            &format!("/api/v1/certificates/{id}/revoke"),
            &admin.token,
            json!({"reason": "nogmaals"}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "certificate_revoked");
    let (status, body) = app
        .get(&format!("/api/v1/certificates/{id}/pdf"), &holder.token)
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "certificate_revoked");
}

/// Validates a credential against the Open Badges 3.0 AchievementCredential schema as
/// 1EdTech publishes it (JSON Schema 2019-09, vendored in `fixtures/`).
fn open_badges_schema_accepts(vc: &Value) {
    let schema: Value = serde_json::from_str(include_str!(
        "fixtures/ob_v3p0_achievementcredential_schema.json"
    ))
    .unwrap();
    let validator = jsonschema::draft201909::new(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(vc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{vc:#}");
    // The schema is in force: without its achievement the credential is refused.
    let mut broken = vc.clone();
    broken["credentialSubject"]
        .as_object_mut()
        .unwrap()
        .remove("achievement");
    assert!(!validator.is_valid(&broken));
}

/// Fetches a status list credential (publicly, as a verifier would) and checks its
/// signature and shape.
async fn status_list(
    app: &TestApp,
    url: &str,
    key: &jsonwebtoken::DecodingKey,
    validation: &jsonwebtoken::Validation,
) -> Value {
    let resp = app
        .client
        .get(url.replace(crate::helpers::ISSUER, &app.url("")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/vc+jwt");
    let jwt = resp.text().await.unwrap();
    let list = jsonwebtoken::decode::<Value>(&jwt, key, validation)
        .unwrap()
        .claims;
    assert_eq!(
        list["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(list["id"], url);
    assert_eq!(list["credentialSubject"]["type"], "BitstringStatusList");
    assert_eq!(list["credentialSubject"]["statusPurpose"], "revocation");
    list
}

/// The list's bits: multibase base64url of GZIP, position 0 the first byte's left-most bit.
fn bits(list: &Value) -> Vec<u8> {
    use base64::Engine;
    use std::io::Read;
    let encoded = list["credentialSubject"]["encodedList"].as_str().unwrap();
    let zipped = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.strip_prefix('u').expect("multibase base64url"))
        .unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(zipped.as_slice())
        .read_to_end(&mut out)
        .unwrap();
    assert!(out.len() >= 16 * 1024, "at least 131,072 entries");
    out
}

fn bit(list: &Value, position: usize) -> bool {
    bits(list)[position / 8] & (0x80 >> (position % 8)) != 0
}

fn set_bits(list: &Value) -> u32 {
    bits(list).iter().map(|b| b.count_ones()).sum()
}

#[tokio::test]
async fn reopening_and_closing_again_settles_only_what_changed() {
    let Fixture {
        app,
        admin,
        trainer,
        people,
    } = fixture(3).await;
    let (edition, sessions) = past_edition(
        &app,
        &admin,
        &trainer,
        "Waardevrij en objectief rapporteren",
        2,
        100.0,
    )
    .await;
    let a = enrol(&app, &admin, edition, &people[0]).await;
    let b = enrol(&app, &admin, edition, &people[1]).await;
    let c = enrol(&app, &admin, edition, &people[2]).await;
    mark_pattern(&app, &trainer, &sessions, a, &["present", "present"]).await;
    mark_pattern(&app, &trainer, &sessions, b, &["present", "absent"]).await;
    mark_pattern(&app, &trainer, &sessions, c, &["present", "present"]).await;
    let (status, closed) = transition(&app, &admin.token, edition, "close").await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["completions"]["certificates_issued"], 2);
    let first_a = certificates_of(&app, &people[0]).await[0].clone();
    // C's certificate is revoked by an admin for a reason of its own.
    let c_cert = id_of(&certificates_of(&app, &people[2]).await[0]);
    let (status, _) = app
        .post(
            &format!("/api/v1/certificates/{c_cert}/revoke"),
            &admin.token,
            json!({"reason": "dubbel ingeschreven"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Marking a closed edition is refused until an admin re-opens it; trainers cannot.
    let (status, body) = mark(
        &app,
        &trainer.token,
        sessions[1],
        json!([{"registration_id": b, "status": "present"}]),
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_closed");
    let (status, body) = transition(&app, &trainer.token, edition, "reopen").await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = transition(&app, &admin.token, edition, "reopen").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "published");

    // The correction: B was there after all, A was not.
    mark_pattern(&app, &trainer, &sessions[1..], b, &["present"]).await;
    mark_pattern(&app, &trainer, &sessions[1..], a, &["absent"]).await;
    let (status, closed) = transition(&app, &admin.token, edition, "close").await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(
        closed["completions"],
        json!({"completed": 2, "not_completed": 1, "certificates_issued": 1,
               "certificates_reinstated": 0, "certificates_withdrawn": 1})
    );
    let a_certs = certificates_of(&app, &people[0]).await;
    assert_eq!(a_certs.len(), 1, "never duplicated");
    assert_eq!(a_certs[0]["id"], first_a["id"]);
    assert_eq!(a_certs[0]["status"], "revoked");
    assert_eq!(a_certs[0]["revoked_reason"], "completion_withdrawn");
    assert_eq!(
        certificates_of(&app, &people[1]).await[0]["status"],
        "valid"
    );
    // C completes still, but an admin's revocation is not undone by closing again.
    let c_certs = certificates_of(&app, &people[2]).await;
    assert_eq!(c_certs.len(), 1);
    assert_eq!(c_certs[0]["revoked_reason"], "dubbel ingeschreven");

    // Corrected back: A's same certificate (same code) is valid again.
    transition(&app, &admin.token, edition, "reopen").await;
    mark_pattern(&app, &trainer, &sessions[1..], a, &["late"]).await;
    let (status, closed) = transition(&app, &admin.token, edition, "close").await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(
        closed["completions"]["certificates_reinstated"], 1,
        "{closed}"
    );
    assert_eq!(closed["completions"]["certificates_issued"], 0, "{closed}");
    let a_certs = certificates_of(&app, &people[0]).await;
    assert_eq!(a_certs.len(), 1);
    assert_eq!(a_certs[0]["code"], first_a["code"]);
    assert_eq!(a_certs[0]["status"], "valid");
    assert_eq!(a_certs[0]["revoked_reason"], Value::Null);
    let (_, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/verify/{}", first_a["code"].as_str().unwrap()),
            None,
            None,
        )
        .await;
    assert_eq!(v["valid"], true);
}

#[tokio::test]
async fn closing_needs_every_session_over() {
    let Fixture {
        app,
        admin,
        trainer,
        ..
    } = fixture(0).await;
    let edition = app
        .open_edition(
            &admin,
            2,
            json!({"capacity": 5, "trainer_ids": [trainer.id]}),
        )
        .await;
    let (status, body) = transition(&app, &trainer.token, edition, "close").await;
    assert_problem(status, &body, StatusCode::CONFLICT, "sessions_not_over");
}

#[tokio::test]
async fn verification_is_rate_limited_per_address() {
    let app = TestApp::spawn().await;
    let mut last = (StatusCode::OK, Value::Null);
    for _ in 0..61 {
        last = app
            .call(Method::GET, "/api/v1/verify/7KQ2M-9XWM4-HTRB8", None, None)
            .await;
        if last.0 == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(last.0, StatusCode::NOT_FOUND);
    }
    assert_problem(
        last.0,
        &last.1,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    );
    let resp = app
        .client
        .get(app.url("/api/v1/verify/7KQ2M-9XWM4-HTRB8"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
}

#[tokio::test]
async fn hr_lists_their_own_peoples_certificates() {
    let Fixture {
        app,
        admin,
        trainer,
        people,
    } = fixture(1).await;
    let other_org = app
        .create_org(&admin, "Gemeente Almere", "municipality")
        .await;
    let outsider = app
        .person(
            &admin,
            other_org,
            &["professional"],
            "outsider@example.test",
        )
        .await;
    let hr = app
        .person(&admin, people[0].org, &["hr"], "hr@example.test")
        .await;
    let (edition, sessions) =
        past_edition(&app, &admin, &trainer, "Verklarende analyse", 1, 100.0).await;
    let mine = enrol(&app, &admin, edition, &people[0]).await;
    let theirs = enrol(&app, &admin, edition, &outsider).await;
    mark(&app, &trainer.token, sessions[0], json!([{"registration_id": mine, "status": "present"}, {"registration_id": theirs, "status": "present"}])).await;
    let (status, _) = transition(&app, &admin.token, edition, "close").await;
    assert_eq!(status, StatusCode::OK);
    let (status, page) = app.get("/api/v1/certificates", &hr.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let holders: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(holders, [people[0].id.to_string()]);
    let (status, page) = app.get("/api/v1/certificates", &admin.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let outsider_cert = id_of(&certificates_of(&app, &outsider).await[0]);
    let (status, body) = app
        .get(&format!("/api/v1/certificates/{outsider_cert}"), &hr.token)
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}
