//! What the letters say, through the real SMTP server on loopback: a decline with its
//! reason (and its calendar entry cancelled, as in the feed), a place on the waiting
//! list, one session cancelled, a late cancellation in Dutch and English, and the
//! account links (HR's invitations, a partner's own password page).

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Actor, TestApp, at, id_of, ts};
use crate::mail::{app_with, feed, link_in, mail_events, token_of};
use crate::smtp::{Mail, SmtpSink};

/// Registers `who` for `edition`; the registration.
async fn register(app: &TestApp, who: &Actor, edition: Uuid) -> serde_json::Value {
    let (_, body) = app
        .create(
            &format!("/api/v1/editions/{edition}/registrations"),
            &who.token,
            json!({}),
        )
        .await;
    body
}

/// `who` reads their mail in English from now on.
async fn speaks_english(app: &TestApp, who: &Actor) {
    let (status, body) = app
        .patch("/api/v1/me", &who.token, json!({"locale": "en"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["locale"], "en");
}

/// The SEQUENCE of an event as a number.
fn sequence(event: &(String, String, String)) -> i32 {
    event
        .1
        .parse()
        .unwrap_or_else(|_| panic!("a SEQUENCE in {event:?}"))
}

/// The line of a mail's text holding a single-use link (whatever page it points at).
fn token_link(mail: &Mail) -> String {
    mail.text
        .lines()
        .find(|l| l.contains("?token="))
        .unwrap_or_else(|| panic!("no link with a token in {}", mail.text))
        .trim()
        .to_owned()
}

/// Sets a password with the token of a link; the answer's status.
async fn choose_password(app: &TestApp, token: &str, password: &str) -> StatusCode {
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(json!({ "token": token, "password": password })),
        )
        .await;
    assert!(
        status == StatusCode::NO_CONTENT || status.is_client_error(),
        "{status} {body}"
    );
    status
}

#[tokio::test]
async fn a_declined_registration_is_told_with_the_reason_and_cancelled_in_the_calendar() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Gemeente Lelystad", "municipality")
        .await;
    let hr = app
        .create_user(&admin, org, &["hr"], "hr@lelystad.test")
        .await;
    let nina = app
        .create_user(&admin, org, &["professional"], "nina@example.test")
        .await;
    let olaf = app
        .create_user(&admin, org, &["professional"], "olaf@example.test")
        .await;
    speaks_english(&app, &olaf).await;
    let edition = app
        .open_edition(
            &admin,
            12,
            json!({"capacity": 5, "requires_approval": true}),
        )
        .await;

    let nina_reg = id_of(&register(&app, &nina, edition).await);
    let pending = sink
        .wait_for_mail(&nina.email, "Wacht op goedkeuring", 10)
        .await;
    let (method, pending_events) = mail_events(&pending);
    assert_eq!(method, "REQUEST");
    assert_eq!(pending_events, feed(&app, &nina).await);
    assert_eq!(pending_events.len(), 1);
    assert_eq!(pending_events[0].2, "TENTATIVE");

    let (status, body) = app
        .post(
            &format!("/api/v1/registrations/{nina_reg}/decline"),
            &hr.token,
            json!({"reason": "Past niet in het opleidingsplan"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "declined", "{body}");
    let declined = sink
        .wait_for_mail(&nina.email, "Niet goedgekeurd: Verklarende analyse", 10)
        .await;
    assert!(
        declined
            .text
            .contains("Je inschrijving is niet goedgekeurd."),
        "{}",
        declined.text
    );
    assert!(
        declined
            .text
            .contains("Reden: Past niet in het opleidingsplan"),
        "{}",
        declined.text
    );
    assert!(
        declined.html.contains("Past niet in het opleidingsplan"),
        "{}",
        declined.html
    );
    // The calendar entry is withdrawn the way the feed now shows it: the same UID,
    // STATUS:CANCELLED and a higher SEQUENCE, so a calendar program applies it.
    let (method, declined_events) = mail_events(&declined);
    assert_eq!(method, "CANCEL");
    assert_eq!(declined_events, feed(&app, &nina).await, "as in the feed");
    assert_eq!(declined_events.len(), 1);
    assert_eq!(declined_events[0].0, pending_events[0].0, "the same entry");
    assert_eq!(declined_events[0].2, "CANCELLED");
    assert!(
        sequence(&declined_events[0]) > sequence(&pending_events[0]),
        "a decline bumps SEQUENCE: {pending_events:?} → {declined_events:?}"
    );

    // In English, with the reason under its English label.
    let olaf_reg = id_of(&register(&app, &olaf, edition).await);
    sink.wait_for_mail(&olaf.email, "Awaiting approval", 10)
        .await;
    let (status, body) = app
        .post(
            &format!("/api/v1/registrations/{olaf_reg}/decline"),
            &hr.token,
            json!({"reason": "No budget left this year"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let declined = sink
        .wait_for_mail(&olaf.email, "Not approved: Verklarende analyse", 10)
        .await;
    assert!(
        declined
            .text
            .contains("Your registration was not approved."),
        "{}",
        declined.text
    );
    assert!(
        declined.text.contains("Reason: No budget left this year"),
        "{}",
        declined.text
    );
    let (method, events) = mail_events(&declined);
    assert_eq!(method, "CANCEL");
    assert_eq!(events, feed(&app, &olaf).await);
    assert!(events.iter().all(|e| e.2 == "CANCELLED"), "{events:?}");
}

#[tokio::test]
async fn a_full_edition_tells_each_newcomer_their_place_on_the_waiting_list() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Pluryn", "provider").await;
    let first = app
        .create_user(&admin, org, &["professional"], "eerste@example.test")
        .await;
    let second = app
        .create_user(&admin, org, &["professional"], "tweede@example.test")
        .await;
    let third = app
        .create_user(&admin, org, &["professional"], "derde@example.test")
        .await;
    speaks_english(&app, &third).await;
    let edition = app
        .open_edition(&admin, 9, json!({"capacity": 1, "waitlist_enabled": true}))
        .await;

    let seat = register(&app, &first, edition).await;
    assert_eq!(seat["status"], "confirmed", "{seat}");
    sink.wait_for_mail(&first.email, "Ingeschreven", 10).await;

    let waiting = register(&app, &second, edition).await;
    assert_eq!(waiting["status"], "waitlisted", "{waiting}");
    let mail = sink
        .wait_for_mail(&second.email, "Op de wachtlijst: Verklarende analyse", 10)
        .await;
    assert!(
        mail.text
            .contains("Je staat op de wachtlijst, op plaats 1."),
        "{}",
        mail.text
    );
    assert!(mail.html.contains("op plaats 1"), "{}", mail.html);
    let (method, events) = mail_events(&mail);
    assert_eq!(method, "REQUEST");
    assert_eq!(events, feed(&app, &second).await);
    assert!(events.iter().all(|e| e.2 == "TENTATIVE"), "{events:?}");

    // The next one is behind them, and told so in English.
    let behind = register(&app, &third, edition).await;
    assert_eq!(behind["status"], "waitlisted", "{behind}");
    let mail = sink
        .wait_for_mail(&third.email, "On the waiting list: Verklarende analyse", 10)
        .await;
    assert!(
        mail.text
            .contains("You are on the waiting list, at position 2."),
        "{}",
        mail.text
    );
    assert!(mail.html.contains("<html lang=\"en\">"));
    let (_, events) = mail_events(&mail);
    assert_eq!(events, feed(&app, &third).await);
    assert!(events.iter().all(|e| e.2 == "TENTATIVE"), "{events:?}");
    // Nobody was told of a place they do not have.
    assert!(
        sink.to(&first.email)
            .iter()
            .all(|m| !m.subject.contains("wachtlijst")),
        "the first has a seat"
    );
}

#[tokio::test]
async fn a_cancelled_session_is_withdrawn_from_the_calendar_of_everyone_registered_alone() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Timon", "provider").await;
    let anna = app
        .create_user(&admin, org, &["professional"], "anna@timon.test")
        .await;
    let ben = app
        .create_user(&admin, org, &["professional"], "ben@timon.test")
        .await;
    speaks_english(&app, &ben).await;
    let carl = app
        .create_user(&admin, org, &["professional"], "carl@timon.test")
        .await;

    // Two sessions, a seat for one: Anna has it, Ben waits, Carl cancelled.
    let (_, course) = app.create("/api/v1/courses",
            &admin.token,
            json!({"title": "Traumasensitief werken", "kind": "training", "description": "Twee dagen."})).await;
    let (_, e) = app
        .create(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 1, "waitlist_enabled": true}),
        )
        .await;
    let edition = id_of(&e);
    let mut sessions = Vec::new();
    for days in [16, 23] {
        let (_, s) = app
            .create(
                &format!("/api/v1/editions/{edition}/sessions"),
                &admin.token,
                json!({"starts_at": ts(at(days, 9)), "ends_at": ts(at(days, 16))}),
            )
            .await;
        sessions.push(id_of(&s));
    }
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/publish"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    register(&app, &anna, edition).await;
    register(&app, &ben, edition).await;
    let carl_reg = id_of(&register(&app, &carl, edition).await);
    let (status, body) = app
        .post(
            &format!("/api/v1/registrations/{carl_reg}/cancel"),
            &carl.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sink.wait_for_mail(&anna.email, "Ingeschreven", 10).await;
    sink.wait_for_mail(&ben.email, "On the waiting list", 10)
        .await;
    sink.wait_for_mail(&carl.email, "Afgemeld", 10).await;
    let carl_before = sink.to(&carl.email).len();

    // The second session is cancelled.
    let cancelled = sessions[1];
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/sessions/{cancelled}"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled", "{body}");

    for (who, subject, says) in [
        (
            &anna,
            "Bijeenkomst vervalt: Traumasensitief werken",
            "Je inschrijving voor de andere bijeenkomsten blijft staan.",
        ),
        (
            &ben,
            "Session cancelled: Traumasensitief werken",
            "Your registration for the other sessions stands.",
        ),
    ] {
        let mail = sink.wait_for_mail(&who.email, subject, 10).await;
        assert!(mail.text.contains(says), "{}", mail.text);
        let (method, events) = mail_events(&mail);
        assert_eq!(method, "CANCEL", "{}", who.email);
        // Only that session's event, as the feed has it now.
        assert_eq!(events.len(), 1, "{events:?}");
        let (uid, _, status) = &events[0];
        assert!(uid.contains(&cancelled.to_string()), "{uid}");
        assert_eq!(status, "CANCELLED");
        let in_feed = feed(&app, who).await;
        assert_eq!(in_feed.len(), 2, "{in_feed:?}");
        assert!(
            in_feed.contains(&events[0]),
            "the mail's event is the feed's: {events:?} in {in_feed:?}"
        );
        let other = in_feed
            .iter()
            .find(|e| &e.0 != uid)
            .expect("the other session");
        assert!(other.0.contains(&sessions[0].to_string()), "{other:?}");
        assert_ne!(other.2, "CANCELLED", "the other session stays: {other:?}");
    }
    // Carl, no longer registered, hears nothing of it.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let carl_now = sink.to(&carl.email);
    assert_eq!(carl_now.len(), carl_before, "{:?}", carl_now);
}

#[tokio::test]
async fn a_cancellation_after_the_deadline_is_told_as_late_in_dutch_and_in_english() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Lijn5", "provider").await;
    let dirk = app
        .create_user(&admin, org, &["professional"], "dirk@example.test")
        .await;
    let emma = app
        .create_user(&admin, org, &["professional"], "emma@example.test")
        .await;
    speaks_english(&app, &emma).await;
    let fleur = app
        .create_user(&admin, org, &["professional"], "fleur@example.test")
        .await;
    // The deadline passed yesterday: cancelling still works, but late.
    let past = app
        .open_edition(
            &admin,
            6,
            json!({"capacity": 10, "cancellation_deadline": ts(at(-1, 9))}),
        )
        .await;
    let cancel = |who: &Actor, reg: Uuid| {
        let token = who.token.clone();
        let app = &app;
        async move {
            let (status, body) = app
                .post(
                    &format!("/api/v1/registrations/{reg}/cancel"),
                    &token,
                    json!({}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body
        }
    };

    let reg = id_of(&register(&app, &dirk, past).await);
    sink.wait_for_mail(&dirk.email, "Ingeschreven", 10).await;
    let body = cancel(&dirk, reg).await;
    assert_eq!(body["late"], true, "{body}");
    let mail = sink
        .wait_for_mail(&dirk.email, "Afgemeld: Verklarende analyse", 10)
        .await;
    assert!(mail.text.contains("Je hebt je afgemeld"), "{}", mail.text);
    assert!(
        mail.text
            .contains("De afmelding kwam na de annuleringstermijn"),
        "{}",
        mail.text
    );
    assert!(
        mail.html
            .contains("De afmelding kwam na de annuleringstermijn"),
        "{}",
        mail.html
    );

    let reg = id_of(&register(&app, &emma, past).await);
    sink.wait_for_mail(&emma.email, "Registered", 10).await;
    let body = cancel(&emma, reg).await;
    assert_eq!(body["late"], true, "{body}");
    let mail = sink
        .wait_for_mail(&emma.email, "Cancelled: Verklarende analyse", 10)
        .await;
    assert!(
        mail.text.contains("You cancelled your registration."),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .contains("The cancellation came after the cancellation deadline"),
        "{}",
        mail.text
    );
    assert!(
        !mail.text.contains("annuleringstermijn"),
        "no Dutch in the English mail: {}",
        mail.text
    );

    // Before the deadline nothing is said of it.
    let future = app
        .open_edition(
            &admin,
            6,
            json!({"capacity": 10, "cancellation_deadline": ts(at(3, 9))}),
        )
        .await;
    let reg = id_of(&register(&app, &fleur, future).await);
    sink.wait_for_mail(&fleur.email, "Ingeschreven", 10).await;
    let body = cancel(&fleur, reg).await;
    assert_eq!(body["late"], false, "{body}");
    let mail = sink.wait_for_mail(&fleur.email, "Afgemeld", 10).await;
    assert!(mail.text.contains("Je hebt je afgemeld"), "{}", mail.text);
    assert!(!mail.text.contains("annuleringstermijn"), "{}", mail.text);
}

#[tokio::test]
async fn hr_creating_a_person_without_a_password_sends_the_invitation() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Accare", "provider").await;
    let hr = app
        .create_user(&admin, org, &["hr"], "hr@accare.test")
        .await;
    let (_, body) = app
        .create(
            "/api/v1/users",
            &hr.token,
            json!({
                "email": "gijs@example.test",
                "name": "Gijs Mulder",
                "organization_id": org,
                "roles": ["professional"],
            }),
        )
        .await;
    let mail = sink
        .wait_for_mail(
            "gijs@example.test",
            "Je account bij Flevo Academie Jeugd",
            10,
        )
        .await;
    assert!(mail.text.contains("Beste Gijs,"), "{}", mail.text);
    assert!(
        mail.text.contains("gijs@example.test als gebruikersnaam"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("De link werkt 7 dagen"), "{}", mail.text);
    let token = token_of(&token_link(&mail));
    assert_eq!(
        choose_password(&app, &token, "gijs-zijn-wachtwoord").await,
        StatusCode::NO_CONTENT
    );
    app.sign_in("gijs@example.test", "gijs-zijn-wachtwoord")
        .await;
    // The invitation is in the outbox as such, and it was the only mail.
    let (status, list) = app
        .get(
            &format!("/api/v1/messages?user_id={}", id_of(&body)),
            &admin.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["account.invitation"], "{list}");
}

#[tokio::test]
async fn with_an_account_url_invitations_and_resets_link_to_the_partners_page() {
    const ACCOUNT_URL: &str = "https://intranet.partner.test/wachtwoord";
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::spawn_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_retry_seconds = 1;
        c.account_url = Some(ACCOUNT_URL.to_owned());
    })
    .await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Intermetzo", "provider").await;
    let prefix = format!("{ACCOUNT_URL}?token=");

    let _ = app
        .create(
            "/api/v1/users",
            &admin.token,
            json!({
                "email": "hanna@example.test",
                "name": "Hanna Smit",
                "organization_id": org,
                "roles": ["professional"],
            }),
        )
        .await;
    let invitation = sink
        .wait_for_mail("hanna@example.test", "Je account bij", 10)
        .await;
    let link = link_in(&invitation.text, &prefix);
    assert_eq!(token_link(&invitation), link, "the only link with a token");
    assert!(
        !invitation.text.contains("/account/password"),
        "not the service's own page: {}",
        invitation.text
    );
    assert!(invitation.html.contains(&link), "{}", invitation.html);
    let token = token_of(&link);
    assert!(token.len() >= 22, "{token}");
    assert_eq!(
        choose_password(&app, &token, "hanna-haar-wachtwoord").await,
        StatusCode::NO_CONTENT
    );
    app.sign_in("hanna@example.test", "hanna-haar-wachtwoord")
        .await;

    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({"email": "hanna@example.test"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let reset = sink
        .wait_for_mail("hanna@example.test", "Nieuw wachtwoord instellen", 10)
        .await;
    let link = link_in(&reset.text, &prefix);
    assert!(!reset.text.contains("/account/password"), "{}", reset.text);
    assert!(reset.html.contains(&link), "{}", reset.html);
    let reset_token = token_of(&link);
    assert_ne!(reset_token, token);
    assert_eq!(
        choose_password(&app, &reset_token, "hanna-nieuw-wachtwoord").await,
        StatusCode::NO_CONTENT
    );
    app.sign_in("hanna@example.test", "hanna-nieuw-wachtwoord")
        .await;
}

#[tokio::test]
async fn the_admin_finds_a_persons_messages_by_their_address_in_any_case() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Vitree", "provider").await;
    let lotte = app
        .create_user(&admin, org, &["professional"], "lotte.dekker@example.test")
        .await;
    let other = app
        .create_user(&admin, org, &["professional"], "someone.else@example.test")
        .await;
    for who in [&lotte, &other] {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/auth/password-reset",
                None,
                Some(json!({"email": who.email})),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    sink.wait_for_mail(&lotte.email, "", 10).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (status, page) = app
            .get(
                "/api/v1/messages?recipient=%20Lotte.Dekker%40Example.TEST%20",
                &admin.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().unwrap().clone();
        assert!(!items.is_empty(), "{page}");
        for m in &items {
            assert_eq!(m["user_id"], lotte.id.to_string(), "{m}");
        }
        if items
            .iter()
            .any(|m| m["kind"] == "account.password_reset" && m["recipient"] == lotte.email)
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{page}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (_, none) = app
        .get(
            "/api/v1/messages?recipient=nobody%40example.test",
            &admin.token,
        )
        .await;
    assert_eq!(none["items"], json!([]), "{none}");
}
