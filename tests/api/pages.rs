//! The pages a person opens from a mail or a QR code (certificate verification, check-in)
//! and the certificate mails that link to them; publishing only what lies ahead.

use chrono::{Duration, SecondsFormat, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::certificates::{enrol, mark, past_edition};
use crate::helpers::{PASSWORD, TestApp, assert_problem, id_of};
use crate::smtp::SmtpSink;

#[tokio::test]
async fn a_certificate_is_mailed_with_its_pdf_and_its_page_tells_valid_from_revoked() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with_mail(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Jeugdformaat", "provider").await;
    let trainer = app
        .create_user(&admin, org, &["trainer"], "trainer@example.test")
        .await;
    let ilse = app
        .create_user(&admin, org, &["professional"], "ilse@example.test")
        .await;
    let (edition, sessions) =
        past_edition(&app, &admin, &trainer, "Waardevrij rapporteren", 1, 100.0).await;
    let reg = enrol(&app, &admin, edition, &ilse).await;
    let (status, body) = mark(
        &app,
        &trainer.token,
        sessions[0],
        json!([{"registration_id": reg, "status": "present"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/close"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let mail = sink
        .wait_for_mail(&ilse.email, "Je certificaat: Waardevrij rapporteren", 10)
        .await;
    let parsed = mail_parser::MessageParser::default()
        .parse(mail.raw.as_bytes())
        .unwrap();
    let pdf = parsed.attachment(0).expect("the PDF is attached");
    assert!(pdf.contents().starts_with(b"%PDF"), "a PDF");
    assert!(mail.text.contains("SKJ punten: 24"), "{}", mail.text);
    let link = mail
        .text
        .lines()
        .find(|l| l.starts_with("http://academy.test/api/v1/verify/"))
        .expect("the verification link")
        .to_owned();
    let path = link.strip_prefix("http://academy.test").unwrap();

    // A browser gets the page; programs keep the JSON.
    let page = |lang: &'static str| {
        let url = app.url(path);
        let client = app.client.clone();
        async move {
            let resp = client
                .get(url)
                .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
                .header("Accept-Language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            assert!(
                resp.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{:?}",
                resp.headers()
            );
            resp.text().await.unwrap()
        }
    };
    let html = page("nl-NL,nl;q=0.9").await;
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
    assert!(html.contains("Geldig."), "{html}");
    assert!(html.contains("Test ilse@example.test"));
    assert!(html.contains("Waardevrij rapporteren"));
    assert!(!html.contains("<script"));
    let english = page("en-GB,en;q=0.9").await;
    assert!(english.contains("<html lang=\"en\">") && english.contains("Valid."));
    let (status, json) = app.call(Method::GET, path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["valid"], true);

    // Revoked: the holder is told, and the page says so.
    let (_, list) = app.get("/api/v1/me/certificates", &ilse.token).await;
    let certificate = list["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .post(
            &format!("/api/v1/certificates/{certificate}/revoke"),
            &admin.token,
            json!({"reason": "aanwezigheid onjuist geregistreerd"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let revoked = sink
        .wait_for_mail(&ilse.email, "Certificaat ingetrokken", 10)
        .await;
    assert!(
        revoked
            .text
            .contains("Reden: aanwezigheid onjuist geregistreerd"),
        "{}",
        revoked.text
    );
    let html = page("nl").await;
    assert!(html.contains("Ingetrokken."), "{html}");
    assert!(!html.contains("Geldig."));
}

#[tokio::test]
async fn the_check_in_link_signs_the_participant_in_and_checks_them_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Intermetzo", "provider").await;
    let trainer = app
        .create_user(&admin, org, &["trainer"], "coach@example.test")
        .await;
    let joris = app
        .create_user(&admin, org, &["professional"], "joris@example.test")
        .await;
    let (_, course) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Kindermishandeling", "kind": "workshop", "description": "Signalen."}),
        )
        .await;
    let (_, e) = app
        .post(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 20, "trainer_ids": [trainer.id]}),
        )
        .await;
    let edition = id_of(&e);
    let start = Utc::now() - Duration::minutes(5);
    let stamp = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let (_, s) = app
        .create(
            &format!("/api/v1/editions/{edition}/sessions"),
            &admin.token,
            json!({"starts_at": stamp(start), "ends_at": stamp(start + Duration::hours(3))}),
        )
        .await;
    let session = id_of(&s);
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/publish"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    enrol(&app, &admin, edition, &joris).await;
    let (status, code) = app
        .get(
            &format!("/api/v1/sessions/{session}/check-in-code"),
            &trainer.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{code}");
    let url = code["url"].as_str().unwrap();
    let path = url.strip_prefix("http://academy.test").unwrap();

    let form = app.client.get(app.url(path)).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let html = form.text().await.unwrap();
    assert!(
        html.contains("<form method=\"post\" action=\"/check-in\">"),
        "{html}"
    );
    assert!(html.contains("autocomplete=\"current-password\""));

    let submit = |password: &'static str| {
        let app = &app;
        let code = code["code"].as_str().unwrap().to_owned();
        async move {
            let resp = app
                .client
                .post(app.url("/check-in"))
                .form(&[
                    ("session", session.to_string().as_str()),
                    ("code", code.as_str()),
                    ("email", "joris@example.test"),
                    ("password", password),
                    ("lang", "nl"),
                ])
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    let (status, html) = submit("niet-het-wachtwoord").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("E-mailadres of wachtwoord klopt niet."));
    let (status, html) = submit(PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Je bent ingecheckt."), "{html}");
    let (status, list) = app
        .get(
            &format!("/api/v1/sessions/{session}/attendance"),
            &trainer.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list.to_string().contains("\"present\""), "{list}");
}

#[tokio::test]
async fn an_edition_whose_sessions_are_over_is_not_published() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (_, course) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Verklarende analyse", "kind": "workshop", "description": "Een dag."}),
        )
        .await;
    let (_, e) = app
        .post(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 20}),
        )
        .await;
    let edition = id_of(&e);
    let stamp = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let past = Utc::now() - Duration::days(3);
    let (status, _) = app
        .post(
            &format!("/api/v1/editions/{edition}/sessions"),
            &admin.token,
            json!({"starts_at": stamp(past), "ends_at": stamp(past + Duration::hours(3))}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/publish"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "sessions_over");
    // An e-learning module has no sessions and is published whenever.
    let (_, module) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Meldcode", "kind": "elearning", "description": "Online."}),
        )
        .await;
    let (_, e) = app
        .post(
            &format!("/api/v1/courses/{}/editions", id_of(&module)),
            &admin.token,
            json!({"capacity": 500}),
        )
        .await;
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{}/publish", id_of(&e)),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The line of a mail's text that holds a link to `page`, as a path on the test app.
fn link_to(text: &str, page: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.contains(&format!("http://academy.test{page}?")))
        .unwrap_or_else(|| panic!("no link to {page} in {text}"));
    let start = line.find("http://academy.test").unwrap();
    let url = line[start..].split_whitespace().next().unwrap();
    url.strip_prefix("http://academy.test")
        .unwrap()
        .trim_end_matches(['>', ')'])
        .to_owned()
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let resp = app
        .client
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn an_approval_request_links_hr_to_a_page_that_decides_it() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with_mail(&sink).await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Jeugdhulp Flevoland", "provider")
        .await;
    let hr = app
        .create_user(&admin, org, &["hr"], "hr@example.test")
        .await;
    let sanne = app
        .create_user(&admin, org, &["professional"], "sanne@example.test")
        .await;
    let edition = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 5, "requires_approval": true}),
        )
        .await;
    let (_, r) = app
        .create(
            &format!("/api/v1/editions/{edition}/registrations"),
            &sanne.token,
            json!({}),
        )
        .await;
    assert_eq!(r["status"], "pending_approval");
    let asked = sink
        .wait_for_mail(&hr.email, "Goedkeuring gevraagd", 10)
        .await;
    let path = link_to(&asked.text, "/approval");
    assert!(path.contains(&id_of(&r).to_string()), "{path}");

    let form = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(
        form.headers()["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    let html = form.text().await.unwrap();
    assert!(
        html.contains("<form method=\"post\" action=\"/approval\">"),
        "{html}"
    );
    assert!(html.contains("<legend>Besluit</legend>"), "{html}");
    let registration = id_of(&r).to_string();
    let decide = |password: &'static str, decision: &'static str, who: &'static str| {
        let registration = registration.clone();
        let app = &app;
        async move {
            post_form(
                app,
                "/approval",
                &[
                    ("registration", registration.as_str()),
                    ("email", who),
                    ("password", password),
                    ("decision", decision),
                    (
                        "reason",
                        "  Past niet in het opleidingsplan van dit jaar.  ",
                    ),
                    ("lang", "nl"),
                ],
            )
            .await
        }
    };
    let (status, html) = decide("niet-het-wachtwoord", "decline", "hr@example.test").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{html}");
    assert!(
        html.contains("E-mailadres of wachtwoord klopt niet."),
        "{html}"
    );
    // The participant cannot decide their own registration.
    let (status, html) = decide(PASSWORD, "approve", "sanne@example.test").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    let (status, html) = decide(PASSWORD, "decline", "hr@example.test").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("De inschrijving is afgewezen"), "{html}");
    let (status, body) = app
        .get(
            &format!("/api/v1/registrations/{registration}"),
            &admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "declined", "{body}");
    let declined = sink
        .wait_for_mail(&sanne.email, "Niet goedgekeurd", 10)
        .await;
    assert!(
        declined
            .text
            .contains("Past niet in het opleidingsplan van dit jaar."),
        "{}",
        declined.text
    );
    // Decided once: a second decision is refused on the page.
    let (status, html) = decide(PASSWORD, "approve", "hr@example.test").await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
}

#[tokio::test]
async fn a_mail_about_an_edition_links_to_its_page() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with_mail(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Samen Sterk", "provider").await;
    let kees = app
        .create_user(&admin, org, &["professional"], "kees@example.test")
        .await;
    let edition = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 12, "location": "Almere, Stadhuisplein 1"}),
        )
        .await;
    let _ = app
        .create(
            &format!("/api/v1/editions/{edition}/registrations"),
            &kees.token,
            json!({}),
        )
        .await;
    let mail = sink.wait_for_mail(&kees.email, "Ingeschreven", 10).await;
    let path = link_to(&mail.text, "/edition");
    let page = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
    assert!(html.contains("Verklarende analyse"), "{html}");
    assert!(html.contains("Almere, Stadhuisplein 1"), "{html}");
    assert!(html.contains("11 van 12 vrij"), "{html}");
    let english = app
        .client
        .get(app.url(&format!("/edition?id={edition}&lang=en")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(english.contains("11 of 12 free"), "{english}");
    // A draft edition and an unknown one are not shown.
    let (_, course) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Concept", "kind": "lecture", "description": "Nog niet klaar."}),
        )
        .await;
    let (_, draft) = app
        .post(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 5}),
        )
        .await;
    for id in [
        id_of(&draft).to_string(),
        uuid::Uuid::nil().to_string(),
        "nope".into(),
    ] {
        let page = app
            .client
            .get(app.url(&format!("/edition?id={id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::NOT_FOUND, "{id}");
        assert!(!page.text().await.unwrap().contains("Concept"));
    }
}

#[tokio::test]
async fn the_evaluation_invitation_links_to_a_page_that_saves_and_changes_the_evaluation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "De Opvoedpoli", "provider").await;
    let trainer = app
        .create_user(&admin, org, &["trainer"], "trainer@example.test")
        .await;
    let noor = app
        .create_user(&admin, org, &["professional"], "noor@example.test")
        .await;
    let (edition, _) =
        past_edition(&app, &admin, &trainer, "Waardevrij rapporteren", 1, 100.0).await;
    enrol(&app, &admin, edition, &noor).await;
    let form = app
        .client
        .get(app.url(&format!("/evaluation?edition={edition}&lang=en")))
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let html = form.text().await.unwrap();
    assert!(
        html.contains("<label for=\"score\">Score (1 to 10)</label>"),
        "{html}"
    );
    let edition_text = edition.to_string();
    let send = |score: &'static str, comment: &'static str, who: &'static str| {
        let edition_text = edition_text.clone();
        let app = &app;
        async move {
            post_form(
                app,
                "/evaluation",
                &[
                    ("edition", edition_text.as_str()),
                    ("email", who),
                    ("password", PASSWORD),
                    ("score", score),
                    ("comment", comment),
                    ("lang", "en"),
                ],
            )
            .await
        }
    };
    let (status, html) = send("11", "", "noor@example.test").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let (status, html) = send("8", "Heldere casussen.", "trainer@example.test").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    let (status, html) = send("8", "Heldere casussen.", "noor@example.test").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Your evaluation is saved."), "{html}");
    let (status, html) = send("6", "Wat lang.", "noor@example.test").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let (status, mine) = app
        .get(
            &format!("/api/v1/editions/{edition}/evaluations/mine"),
            &noor.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["score"], 6, "{mine}");
    assert_eq!(mine["comment"], "Wat lang.", "{mine}");
}

#[tokio::test]
async fn the_catalogue_page_lists_editions_still_to_start_with_free_seats() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let open = app
        .open_edition(&admin, 12, json!({"capacity": 3, "location": "Lelystad"}))
        .await;
    let full = app
        .open_edition(
            &admin,
            14,
            json!({"capacity": 1, "waitlist_enabled": false}),
        )
        .await;
    let org = app.create_org(&admin, "Triade", "provider").await;
    let taker = app
        .create_user(&admin, org, &["professional"], "taker@example.test")
        .await;
    crate::certificates::enrol(&app, &admin, full, &taker).await;
    let page = app
        .client
        .get(app.url("/catalogue?lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/edition?id={open}&amp;lang=en\"")),
        "{html}"
    );
    assert!(html.contains("Lelystad: 3 seats free"), "{html}");
    assert!(
        !html.contains(&full.to_string()),
        "a full edition is not offered"
    );
    let bad = app
        .client
        .get(app.url("/catalogue?cursor=not-a-cursor"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
