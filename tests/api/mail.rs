//! E-mail through a real SMTP server on loopback: what each registration change sends,
//! the calendar part matching the feed entry, retries, failures, the admins' outbox,
//! password resets and invitations, and delivery after a crash.

use std::io::BufReader;

use ical::parser::ical::component::IcalEvent;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{ADMIN_EMAIL, Actor, PASSWORD, TestApp, at, id_of, ts};
use crate::smtp::{Mail, SmtpSink};

/// The app sending to `sink` from the academy's own address, retrying after a second.
pub(crate) async fn app_with(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    TestApp::spawn_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_retry_seconds = 1;
        c.mail_from = "opleidingen@academie.test".to_owned();
    })
    .await
}

pub(crate) fn events(ics: &str) -> Vec<IcalEvent> {
    let mut parser = ical::IcalParser::new(BufReader::new(ics.as_bytes()));
    let calendar = parser.next().expect("a calendar").expect("parses");
    calendar.events
}

pub(crate) fn prop(e: &IcalEvent, name: &str) -> String {
    e.properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
        .unwrap_or_default()
}

pub(crate) fn calendar_method(ics: &str) -> String {
    let mut parser = ical::IcalParser::new(BufReader::new(ics.as_bytes()));
    let calendar = parser.next().expect("a calendar").expect("parses");
    calendar
        .properties
        .iter()
        .find(|p| p.name == "METHOD")
        .and_then(|p| p.value.clone())
        .unwrap_or_default()
}

/// The person's feed: UID → (SEQUENCE, STATUS).
pub(crate) async fn feed(app: &TestApp, person: &Actor) -> Vec<(String, String, String)> {
    let (status, body) = app.get("/api/v1/me/calendar-feed", &person.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = body["url"].as_str().expect("url");
    let path = url.strip_prefix(crate::helpers::ISSUER).expect("own url");
    let text = app
        .client
        .get(app.url(path))
        .send()
        .await
        .expect("feed")
        .text()
        .await
        .expect("text");
    events(&text)
        .iter()
        .map(|e| (prop(e, "UID"), prop(e, "SEQUENCE"), prop(e, "STATUS")))
        .collect()
}

pub(crate) fn mail_events(mail: &Mail) -> (String, Vec<(String, String, String)>) {
    let (method, ics) = mail.calendar.clone().expect("a calendar part");
    assert_eq!(calendar_method(&ics), method, "part type and METHOD agree");
    let list = events(&ics)
        .iter()
        .map(|e| {
            assert!(
                prop(e, "ORGANIZER").ends_with("opleidingen@academie.test"),
                "organiser is the sender address"
            );
            assert!(
                prop(e, "ATTENDEE").starts_with("mailto:"),
                "the person attends"
            );
            (prop(e, "UID"), prop(e, "SEQUENCE"), prop(e, "STATUS"))
        })
        .collect();
    (method, list)
}

pub(crate) async fn session_of(app: &TestApp, token: &str, edition: Uuid) -> Uuid {
    let (status, body) = app
        .get(&format!("/api/v1/editions/{edition}/sessions"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = body
        .as_array()
        .and_then(|a| a.first())
        .or_else(|| body["items"].as_array().and_then(|a| a.first()))
        .cloned()
        .expect("a session");
    id_of(&first)
}

#[tokio::test]
async fn each_change_mails_the_person_with_the_feeds_own_calendar_entry() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Jeugdzorg Flevoland", "provider")
        .await;
    let anna = app
        .create_user(&admin, org, &["professional"], "anna@example.test")
        .await;
    let edition = app.open_edition(&admin, 14, json!({"capacity": 10})).await;

    let (_, reg) = app
        .create(
            &format!("/api/v1/editions/{edition}/registrations"),
            &anna.token,
            json!({}),
        )
        .await;
    let confirmed = sink
        .wait_for_mail(&anna.email, "Ingeschreven: Verklarende analyse", 10)
        .await;
    assert!(
        confirmed
            .from_header
            .starts_with("Flevo Academie Jeugd <opleidingen@academie.test>"),
        "{}",
        confirmed.from_header
    );
    assert!(
        confirmed.message_id.ends_with("@academy.test"),
        "{}",
        confirmed.message_id
    );
    assert!(confirmed.text.contains("Beste Test,"), "{}", confirmed.text);
    assert!(confirmed.text.contains("Je inschrijving is bevestigd"));
    assert!(
        confirmed
            .text
            .contains("omdat je bent ingeschreven voor Verklarende analyse")
    );
    assert!(
        confirmed.html.contains("<html lang=\"nl\">"),
        "{}",
        confirmed.html
    );
    assert!(confirmed.html.contains("Je inschrijving is bevestigd"));
    let (method, invited) = mail_events(&confirmed);
    assert_eq!(method, "REQUEST");
    let in_feed = feed(&app, &anna).await;
    assert_eq!(
        invited, in_feed,
        "the mail's event is the feed's: same UID and SEQUENCE"
    );
    assert_eq!(invited.len(), 1);
    assert_eq!(invited[0].2, "CONFIRMED");

    // The session moves: the mail names the old and the new time, and its event has
    // the bumped SEQUENCE the feed shows.
    let session = session_of(&app, &admin.token, edition).await;
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{session}"),
            &admin.token,
            json!({"starts_at": ts(at(15, 13)), "ends_at": ts(at(15, 16))}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let moved = sink.wait_for_mail(&anna.email, "Gewijzigd", 10).await;
    assert!(moved.text.contains("Was: "), "{}", moved.text);
    assert!(moved.text.contains("Wordt: "), "{}", moved.text);
    let (method, moved_events) = mail_events(&moved);
    assert_eq!(method, "REQUEST");
    assert_eq!(moved_events, feed(&app, &anna).await);
    assert_eq!(moved_events[0].0, invited[0].0, "the same entry");
    assert_eq!(
        moved_events[0].1.parse::<i32>().unwrap(),
        invited[0].1.parse::<i32>().unwrap() + 1,
        "a move bumps SEQUENCE"
    );

    // Anna cancels: METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE bumped again, as in the feed.
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{}/cancel", id_of(&reg)),
            Some(&anna.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cancelled = sink.wait_for_mail(&anna.email, "Afgemeld", 10).await;
    assert!(
        cancelled.text.contains("Je hebt je afgemeld"),
        "{}",
        cancelled.text
    );
    let (method, cancelled_events) = mail_events(&cancelled);
    assert_eq!(method, "CANCEL");
    assert_eq!(cancelled_events, feed(&app, &anna).await);
    assert_eq!(cancelled_events[0].0, invited[0].0);
    assert_eq!(cancelled_events[0].2, "CANCELLED");
    assert!(
        cancelled_events[0].1.parse::<i32>().unwrap() > moved_events[0].1.parse::<i32>().unwrap(),
        "a cancellation bumps SEQUENCE"
    );
    // Three mails, three distinct Message-IDs.
    let ids: std::collections::HashSet<String> = sink
        .to(&anna.email)
        .into_iter()
        .map(|m| m.message_id)
        .collect();
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn the_waiting_list_approvals_and_a_cancelled_edition_are_told() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Gemeente Almere", "municipality")
        .await;
    let hr = app
        .create_user(&admin, org, &["hr"], "hr@example.test")
        .await;
    let first = app
        .create_user(&admin, org, &["professional"], "first@example.test")
        .await;
    let second = app
        .create_user(&admin, org, &["professional"], "second@example.test")
        .await;
    // English for the second person.
    let (status, body) = app
        .patch("/api/v1/me", &second.token, json!({"locale": "en"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["locale"], "en");

    let edition = app
        .open_edition(
            &admin,
            10,
            json!({"capacity": 1, "waitlist_enabled": true, "requires_approval": true}),
        )
        .await;
    let register = |who: &Actor| {
        let token = who.token.clone();
        let app = &app;
        async move {
            let (_, body) = app
                .create(
                    &format!("/api/v1/editions/{edition}/registrations"),
                    &token,
                    json!({}),
                )
                .await;
            id_of(&body)
        }
    };
    let r1 = register(&first).await;
    sink.wait_for_mail(&first.email, "Wacht op goedkeuring", 10)
        .await;
    let asked = sink
        .wait_for_mail(
            &hr.email,
            "Goedkeuring gevraagd: Test first@example.test",
            10,
        )
        .await;
    assert!(
        asked.text.contains("wacht op jouw goedkeuring"),
        "{}",
        asked.text
    );
    assert!(asked.calendar.is_none(), "HR gets no calendar entry");
    let r2 = register(&second).await;
    sink.wait_for_mail(&second.email, "Awaiting approval", 10)
        .await;

    // HR approves the first (a seat) and the second (the waiting list, position 1).
    for r in [r1, r2] {
        let (status, body) = app
            .post(
                &format!("/api/v1/registrations/{r}/approve"),
                &hr.token,
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let approved = sink.wait_for_mail(&first.email, "Goedgekeurd", 10).await;
    assert!(
        approved.text.contains("Je hebt een plaats"),
        "{}",
        approved.text
    );
    let waiting = sink.wait_for_mail(&second.email, "Approved", 10).await;
    assert!(
        waiting.text.contains("waiting list, at position 1"),
        "{}",
        waiting.text
    );
    assert!(waiting.html.contains("<html lang=\"en\">"));
    let (_, tentative) = mail_events(&waiting);
    assert_eq!(tentative[0].2, "TENTATIVE");

    // HR cancels the first: told who did it; the second is promoted and told.
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/registrations/{r1}/cancel"),
            Some(&hr.token),
            Some(json!({"reason": "dienstrooster"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cancelled = sink.wait_for_mail(&first.email, "Afgemeld", 10).await;
    assert!(
        cancelled.text.contains("door Test hr@example.test"),
        "{}",
        cancelled.text
    );
    assert!(
        cancelled.text.contains("Reden: dienstrooster"),
        "{}",
        cancelled.text
    );
    let promoted = sink.wait_for_mail(&second.email, "Registered", 10).await;
    assert!(
        promoted.text.contains("a seat became free"),
        "{}",
        promoted.text
    );
    let (method, events) = mail_events(&promoted);
    assert_eq!(method, "REQUEST");
    assert_eq!(events, feed(&app, &second).await);
    assert_eq!(events[0].2, "CONFIRMED");

    // The edition is cancelled: everyone still registered is told, with a CANCEL.
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/cancel"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let gone = sink
        .wait_for_mail(&second.email, "Cancelled: Verklarende analyse", 10)
        .await;
    let (method, events) = mail_events(&gone);
    assert_eq!(method, "CANCEL");
    assert_eq!(events, feed(&app, &second).await);
    assert!(events.iter().all(|e| e.2 == "CANCELLED"));
    // The first, cancelled before, hears nothing more.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(sink.to(&first.email).len(), 3);
}

#[tokio::test]
async fn a_refusing_server_is_retried_and_a_permanent_refusal_shows_as_failed() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Triade", "provider").await;
    assert_eq!(metric(&app, FAILED_ATTEMPTS).await, 0.0);
    assert_eq!(metric(&app, FAILED_MESSAGES).await, 0.0);
    sink.refuse_next(2, "451 4.3.0 try again later");
    let bo = app
        .create_user(&admin, org, &["professional"], "bo@example.test")
        .await;
    let edition = app.open_edition(&admin, 7, json!({"capacity": 5})).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/editions/{edition}/registrations"),
            &bo.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    sink.wait_for_mail(&bo.email, "Ingeschreven", 20).await;
    assert_eq!(sink.attempts(), 3, "two refusals, then accepted");
    let sent = loop {
        let (status, list) = app
            .get(
                &format!("/api/v1/messages?user_id={}&status=sent", bo.id),
                &admin.token,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        if let Some(first) = list["items"].as_array().unwrap().first() {
            break first.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(sent["attempts"], 3, "{sent}");
    assert_eq!(sent["kind"], "registration.confirmed");
    assert_eq!(sent["recipient"], "bo@example.test");
    assert!(sent["last_error"].is_null());
    // The two refused attempts are counted; nothing is given up on, nothing waits.
    assert_eq!(
        metric(
            &app,
            "academy_mail_attempts_failed_total{kind=\"registration.confirmed\"}"
        )
        .await,
        2.0
    );
    assert_eq!(metric(&app, FAILED_ATTEMPTS).await, 2.0);
    assert_eq!(metric(&app, FAILED_MESSAGES).await, 0.0);
    assert_eq!(metric(&app, QUEUE_AGE).await, 0.0);

    // For good: the next message fails at once and waits for an admin.
    sink.refuse_always("550 5.1.1 mailbox unavailable");
    let _ = app
        .create(
            &format!(
                "/api/v1/editions/{}/registrations",
                app.open_edition(&admin, 8, json!({"capacity": 5})).await
            ),
            &bo.token,
            json!({}),
        )
        .await;
    let failed = wait_for_status(&app, &admin, bo.id, "failed").await;
    assert!(
        failed["last_error"].as_str().unwrap().contains("550"),
        "{failed}"
    );
    assert_eq!(failed["attempts"], 1);
    assert_eq!(metric(&app, FAILED_ATTEMPTS).await, 3.0);
    assert_eq!(metric(&app, FAILED_MESSAGES).await, 1.0, "given up on");
    assert_eq!(
        metric(&app, QUEUE_AGE).await,
        0.0,
        "a failed one is not due"
    );
    // A wrong filter is a clear 422.
    let (status, body) = app
        .get("/api/v1/messages?kind=nonsense", &admin.token)
        .await;
    crate::helpers::assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    // Only admins see the outbox.
    let (status, _) = app.get("/api/v1/messages", &bo.token).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The server is fixed; the admin retries.
    sink.refuse_always_off();
    let id = failed["id"].as_str().unwrap();
    let (status, body) = app
        .post(
            &format!("/api/v1/messages/{id}/retry"),
            &admin.token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "queued");
    wait_for_status(&app, &admin, bo.id, "sent").await;
    let (status, body) = app
        .post(
            &format!("/api/v1/messages/{id}/retry"),
            &admin.token,
            json!({}),
        )
        .await;
    crate::helpers::assert_problem(status, &body, StatusCode::CONFLICT, "message_not_failed");
    assert_eq!(metric(&app, FAILED_MESSAGES).await, 0.0, "retried and sent");
    assert_eq!(metric(&app, FAILED_ATTEMPTS).await, 3.0);

    // Refused for now, again: Bo's next message waits for its retry and holds back the
    // one after it (a person's messages go out in order), so the queue ages.
    sink.refuse_always("451 4.3.0 try again later");
    let later = [
        app.open_edition(&admin, 9, json!({"capacity": 5})).await,
        app.open_edition(&admin, 10, json!({"capacity": 5})).await,
    ];
    for edition in later {
        let _ = app
            .create(
                &format!("/api/v1/editions/{edition}/registrations"),
                &bo.token,
                json!({}),
            )
            .await;
    }
    let mut waited = 0;
    while metric(&app, FAILED_ATTEMPTS).await < 4.0
        || metric(&app, "academy_mail_queued_messages").await < 2.0
    {
        waited += 1;
        assert!(waited < 200, "a refused attempt and two queued messages");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let age = metric(&app, QUEUE_AGE).await;
    assert!(age > 0.0, "the held-back message is due: {age}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let older = metric(&app, QUEUE_AGE).await;
    assert!(older >= age + 1.0, "the queue ages: {age} → {older}");
    assert_eq!(metric(&app, FAILED_MESSAGES).await, 0.0, "only retried");
    // Accepted again: both go out and the queue is young again.
    sink.refuse_always_off();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while sink.to(&bo.email).len() < 4 {
        assert!(tokio::time::Instant::now() < deadline, "both sent");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut waited = 0;
    while metric(&app, "academy_mail_queued_messages").await > 0.0 {
        waited += 1;
        assert!(waited < 200, "nothing left queued");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(metric(&app, QUEUE_AGE).await, 0.0);
    assert_eq!(metric(&app, FAILED_MESSAGES).await, 0.0);
    assert!(metric(&app, FAILED_ATTEMPTS).await >= 4.0);
    assert!(
        metric(
            &app,
            "academy_mail_sent_total{kind=\"registration.confirmed\"}"
        )
        .await
            >= 4.0
    );
}

/// Failed sending attempts of this instance, all kinds.
const FAILED_ATTEMPTS: &str = "academy_mail_attempts_failed_total";
/// Messages given up on.
const FAILED_MESSAGES: &str = "academy_mail_failed_messages";
/// Age of the oldest message due.
const QUEUE_AGE: &str = "academy_mail_queue_age_seconds";

/// The sum of a metric's samples on `/metrics`: by name (all label sets), or by name
/// with its labels (`name{kind="…"}`); 0 when there is no sample yet.
pub(crate) async fn metric(app: &TestApp, sample: &str) -> f64 {
    let resp = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.expect("text");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let rest = l.strip_prefix(sample)?;
            let labels_follow = !sample.contains('{') && rest.starts_with('{');
            if !(rest.starts_with(' ') || labels_follow) {
                return None;
            }
            l.rsplit(' ').next()?.parse::<f64>().ok()
        })
        .sum()
}

/// The newest message of a kind to a person, once one has this status.
async fn wait_for_status(app: &TestApp, admin: &Actor, user: Uuid, status: &str) -> Value {
    for _ in 0..200 {
        let (code, list) = app
            .get(
                &format!("/api/v1/messages?user_id={user}&status={status}&kind=registration.confirmed&limit=200"),
                &admin.token,
            )
            .await;
        assert_eq!(code, StatusCode::OK, "{list}");
        let items = list["items"].as_array().unwrap();
        // The second registration's message is the one that fails.
        let wanted = if status == "failed" { 1 } else { 2 };
        if items.len() >= wanted || (status == "sent" && items.len() == 1 && wanted == 1) {
            return items.last().unwrap().clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no {status} message for {user}");
}

/// The link in a mail's text.
pub(crate) fn link_in(text: &str, prefix: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no link {prefix} in {text}"))
        .trim()
        .to_owned()
}

pub(crate) fn token_of(link: &str) -> String {
    link.split("token=").nth(1).expect("token").to_owned()
}

/// `.eml` files written to the data directory, parsed.
pub(crate) fn eml_files(app: &TestApp) -> Vec<Mail> {
    let dir = app.data_dir().join("mail");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    names.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "eml"));
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let data = std::fs::read_to_string(&p).expect("eml");
            let to = data
                .lines()
                .find_map(|l| l.strip_prefix("To: "))
                .map(|t| {
                    let t = t.trim();
                    t.rsplit('<')
                        .next()
                        .unwrap_or(t)
                        .trim_end_matches('>')
                        .to_owned()
                })
                .into_iter()
                .collect();
            crate::smtp::Received {
                from: String::new(),
                to,
                data,
            }
            .parse()
        })
        .collect()
}

pub(crate) async fn wait_for_eml(app: &TestApp, to: &str, subject: &str) -> Mail {
    for _ in 0..200 {
        if let Some(m) = eml_files(app)
            .into_iter()
            .find(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no .eml to {to} about {subject}");
}

#[tokio::test]
async fn a_password_reset_works_once_through_the_eml_file() {
    // The embedded default: no SMTP server, every message an .eml file.
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Vitree", "provider").await;
    let cas = app
        .create_user(&admin, org, &["professional"], "cas@example.test")
        .await;
    let before = app.sign_in(&cas.email, PASSWORD).await;

    let reset = |email: &str| {
        let email = email.to_owned();
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/v1/auth/password-reset",
                None,
                Some(json!({ "email": email })),
            )
            .await
        }
    };
    let (status, body) = reset("CAS@example.test").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let mail = wait_for_eml(&app, "cas@example.test", "Nieuw wachtwoord instellen").await;
    let link = link_in(&mail.text, "http://academy.test/account/password?token=");
    let token = token_of(&link);
    assert!(mail.html.contains(&link.replace('&', "&amp;")));
    // The token is stored hashed only.
    let stored: Vec<entity::account_token::Model> =
        <entity::account_token::Entity as sea_orm::EntityTrait>::find()
            .all(&app.state.db)
            .await
            .unwrap();
    assert!(
        stored
            .iter()
            .all(|t| t.token_hash != token && t.token_hash.len() == 64)
    );

    // Unknown addresses get the same answer and no mail.
    let files = eml_files(&app).len();
    let (status, _) = reset("nobody@example.test").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert_eq!(eml_files(&app).len(), files);

    // The form page opens from the link.
    let page = app
        .client
        .get(app.url(link.strip_prefix("http://academy.test").unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"nl\">"), "{html}");
    assert!(html.contains("cas@example.test"));

    let confirm = |token: String, password: &str| {
        let password = password.to_owned();
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/v1/auth/password-reset/confirm",
                None,
                Some(json!({ "token": token, "password": password })),
            )
            .await
        }
    };
    let (status, body) = confirm(token.clone(), "short").await;
    crate::helpers::assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (status, body) = confirm(token.clone(), "een-nieuw-wachtwoord").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    app.sign_in(&cas.email, "een-nieuw-wachtwoord").await;
    // The old sessions ended: the old refresh token no longer works, nor the old password.
    let resp = app
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", before["refresh_token"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let (status, _) = app.get("/api/v1/me", &cas.token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The link works once.
    let (status, body) = confirm(token, "nog-een-wachtwoord").await;
    crate::helpers::assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    // The sent record no longer holds the link.
    let rows: Vec<entity::message::Model> =
        <entity::message::Entity as sea_orm::EntityTrait>::find()
            .all(&app.state.db)
            .await
            .unwrap();
    let sent = rows
        .iter()
        .find(|m| m.kind == "account.password_reset")
        .unwrap();
    assert_eq!(sent.payload, "{}");
}

#[tokio::test]
async fn a_user_created_without_a_password_is_invited_to_choose_one() {
    let sink = SmtpSink::start().await;
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Youké", "provider").await;
    let _ = app
        .create(
            "/api/v1/users",
            &admin.token,
            json!({
                "email": "dana@example.test",
                "name": "Dana de Wit",
                "organization_id": org,
                "roles": ["professional"],
                "locale": "en",
            }),
        )
        .await;
    let mail = sink
        .wait_for_mail(
            "dana@example.test",
            "Your account at Flevo Academie Jeugd",
            10,
        )
        .await;
    assert!(mail.text.contains("Dear Dana,"), "{}", mail.text);
    assert!(mail.text.contains("works for 7 days"));
    let token = token_of(&link_in(
        &mail.text,
        "http://academy.test/account/password?token=",
    ));
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            None,
            Some(json!({ "token": token, "password": "mijn-eerste-wachtwoord" })),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    app.sign_in("dana@example.test", "mijn-eerste-wachtwoord")
        .await;
    // With a password given, nobody is invited.
    app.create_user(&admin, org, &["professional"], "eve@example.test")
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(sink.to("eve@example.test").is_empty());
    let _ = ADMIN_EMAIL;
}

/// A request to the service run as a separate process.
async fn call_process(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Value {
    let mut req = client.request(method, format!("{base}{path}")).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let value: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {value}");
    value
}

async fn token_of_process(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> String {
    let resp = client
        .post(format!("{base}/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ])
        .send()
        .await
        .expect("token");
    let body: Value = resp.json().await.expect("json");
    body["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

#[tokio::test]
async fn a_message_committed_before_a_crash_is_sent_once_after_the_restart() {
    let (test_db, url) = crate::helpers::TestDb::create().await;
    let test_db = std::sync::Arc::new(test_db);
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // A mail server that is down: the service commits the message but cannot send it.
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down_port = down.local_addr().unwrap().port();
    drop(down);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_academy"))
        .arg("serve")
        .env("ACADEMY_DATABASE_URL", &url)
        .env("ACADEMY_LISTEN", format!("127.0.0.1:{port}"))
        .env("ACADEMY_PUBLIC_URL", crate::helpers::ISSUER)
        .env("ACADEMY_DATA_DIR", data.path())
        .env("ACADEMY_BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL)
        .env(
            "ACADEMY_BOOTSTRAP_ADMIN_PASSWORD",
            crate::helpers::ADMIN_PASSWORD,
        )
        .env("ACADEMY_SMTP_URL", format!("smtp://127.0.0.1:{down_port}"))
        .env("ACADEMY_MAIL_RETRY_SECONDS", "1")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the service");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..300 {
        if client
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the service started");
    let admin = token_of_process(&client, &base, ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD).await;
    let org = call_process(
        &client,
        &base,
        Method::POST,
        "/api/v1/organizations",
        Some(&admin),
        json!({"name": "Jeugdbescherming", "kind": "certified_institution"}),
    )
    .await;
    call_process(
        &client,
        &base,
        Method::POST,
        "/api/v1/users",
        Some(&admin),
        json!({
            "email": "fien@example.test", "name": "Fien Bakker", "organization_id": org["id"],
            "roles": ["professional"], "password": PASSWORD,
        }),
    )
    .await;
    let course = call_process(&client, &base, Method::POST, "/api/v1/courses", Some(&admin),
        json!({"title": "Kindermishandeling herkennen", "kind": "workshop", "description": "Een middag."})).await;
    let edition = call_process(
        &client,
        &base,
        Method::POST,
        &format!(
            "/api/v1/courses/{}/editions",
            course["id"].as_str().unwrap()
        ),
        Some(&admin),
        json!({"capacity": 12}),
    )
    .await;
    let edition = edition["id"].as_str().unwrap().to_owned();
    call_process(
        &client,
        &base,
        Method::POST,
        &format!("/api/v1/editions/{edition}/sessions"),
        Some(&admin),
        json!({"starts_at": ts(at(20, 12)), "ends_at": ts(at(20, 15))}),
    )
    .await;
    call_process(
        &client,
        &base,
        Method::POST,
        &format!("/api/v1/editions/{edition}/publish"),
        Some(&admin),
        json!({}),
    )
    .await;
    let fien = token_of_process(&client, &base, "fien@example.test", PASSWORD).await;
    call_process(
        &client,
        &base,
        Method::POST,
        &format!("/api/v1/editions/{edition}/registrations"),
        Some(&fien),
        json!({}),
    )
    .await;
    // The registration is committed, its mail not sent: the process dies (SIGKILL).
    child.kill().expect("kill");
    child.wait().expect("reap");

    // The mail was committed with the registration: as the notice on its history entry,
    // or, once the worker has moved it, as a queued message with the entry's id.
    use sea_orm::EntityTrait;
    let db = academy::db::connect(&url, 1).await.unwrap();
    let entry = entity::registration_event::Entity::find()
        .one(&db)
        .await
        .unwrap()
        .expect("the registration's history entry");
    let queued = entity::message::Entity::find_by_id(entry.id)
        .one(&db)
        .await
        .unwrap();
    match queued {
        Some(m) => {
            assert_eq!(m.kind, "registration.confirmed");
            assert_eq!(m.status, entity::MessageStatus::Queued);
            assert_eq!(entry.notice_kind, None, "moved, not copied");
        }
        None => assert_eq!(
            entry.notice_kind.as_deref(),
            Some("registration.confirmed"),
            "the notice waits on the history entry"
        ),
    }
    drop(db);

    // Restarted, with the mail server up: sent, once.
    let sink = SmtpSink::start().await;
    let sink_url = sink.url();
    let _app = TestApp::on_database(test_db.clone(), url.clone(), move |c| {
        c.smtp_url = Some(sink_url);
        c.mail_retry_seconds = 1;
    })
    .await;
    let mail = sink
        .wait_for_mail(
            "fien@example.test",
            "Ingeschreven: Kindermishandeling herkennen",
            30,
        )
        .await;
    assert_eq!(mail.message_id, format!("{}@academy.test", entry.id));
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(sink.to("fien@example.test").len(), 1, "sent exactly once");
}

#[tokio::test]
async fn two_instances_send_a_backlog_of_a_thousand_messages_each_once() {
    let sink = SmtpSink::start().await;
    // Each instance sends up to 40 a second (ACADEMY_MAIL_RATE), so a round claims 40 of
    // the fifty people's oldest messages: one person's messages go out one at a time, and
    // with rounds as large as the number of people one instance could take every person's
    // next message each time, leaving the other nothing to do.
    let url = sink.url();
    let a = TestApp::spawn_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_retry_seconds = 1;
        c.mail_rate = 40;
    })
    .await;
    let url = sink.url();
    let b = a
        .another_instance_with(move |c| {
            c.smtp_url = Some(url);
            c.mail_retry_seconds = 1;
            c.mail_rate = 40;
        })
        .await;
    let admin = a.admin().await;
    let org = a.create_org(&admin, "Kwintes", "provider").await;
    // Fifty people, each invited (fifty mails).
    let people = a.people(&admin, org, "staff", 50).await;
    sink.wait_for(50, 30).await;

    // A backlog, committed at once (as after an outage of the mail server): twenty
    // messages for each person.
    use academy::domain::messages::{Kind, Outgoing, enqueue};
    use sea_orm::TransactionTrait;
    let txn = a.state.db.begin().await.unwrap();
    let backlog = (0..1000)
        .map(|i| {
            Outgoing::new(
                Kind::AccountReset,
                people[i % 50].id,
                None,
                json!({ "token": format!("backlog-{i}") }),
            )
        })
        .collect();
    enqueue(&txn, backlog, academy::domain::now())
        .await
        .unwrap();
    txn.commit().await.unwrap();

    sink.wait_for(1050, 120).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let received = sink.received();
    let ids: std::collections::HashSet<String> =
        received.iter().map(|r| r.parse().message_id).collect();
    assert_eq!(received.len(), 1050, "no message twice");
    assert_eq!(ids.len(), 1050);
    // Each person's twenty arrived in the order they were queued.
    let first = &people[0].email;
    let links: Vec<usize> = sink
        .to(first)
        .iter()
        .filter_map(|m| m.text.split("token=backlog-").nth(1))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(links.len(), 20);
    assert!(links.windows(2).all(|w| w[0] < w[1]), "in order: {links:?}");
    // Both instances took part.
    for app in [&a, &b] {
        let metrics = app
            .client
            .get(app.url("/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let sent: f64 = metrics
            .lines()
            .filter(|l| l.starts_with("academy_mail_sent_total"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        assert!(sent > 0.0, "each instance sent some: {metrics}");
    }

    // The fifty register, half through each instance: each confirmation (a notice on
    // the registration's history entry, moved into the outbox by whichever instance
    // gets to it first) is sent once.
    let edition = a.open_edition(&admin, 20, json!({"capacity": 100})).await;
    let path = format!("/api/v1/editions/{edition}/registrations");
    futures::future::join_all(people.iter().enumerate().map(|(i, p)| {
        let app = if i % 2 == 0 { &a } else { &b };
        let path = path.clone();
        async move {
            let _ = app.create(&path, &p.token, json!({})).await;
        }
    }))
    .await;
    sink.wait_for(1100, 60).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(sink.received().len(), 1100, "no confirmation twice");
    for p in &people {
        let confirmations = sink
            .to(&p.email)
            .iter()
            .filter(|m| m.subject == "Ingeschreven: Verklarende analyse")
            .count();
        assert_eq!(confirmations, 1, "{}", p.email);
    }
}

#[tokio::test]
async fn password_resets_are_limited_per_account_and_per_address() {
    let app = TestApp::spawn().await;
    let ask = |email: String| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/v1/auth/password-reset",
                None,
                Some(json!({ "email": email })),
            )
            .await
        }
    };
    // Not an address at all: refused as such, not taken as a string.
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({ "email": false })),
        )
        .await;
    crate::helpers::assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    // Three an hour for one account name, known or not (so the answer tells nothing).
    for _ in 0..3 {
        let (status, _) = ask("someone@example.test".into()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    let (status, body) = ask("someone@example.test".into()).await;
    crate::helpers::assert_problem(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Ten per quarter of an hour from one address, over any names.
    for i in 0..6 {
        let (status, _) = ask(format!("other{i}@example.test")).await;
        assert_eq!(status, StatusCode::ACCEPTED, "request {i}");
    }
    let (status, body) = ask("yet-another@example.test".into()).await;
    crate::helpers::assert_problem(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn calendar_uids_stay_when_the_public_url_changes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let edition = app.open_edition(&admin, 5, json!({"capacity": 4})).await;
    let uids = |app: &TestApp| {
        let url = app.url(&format!("/api/v1/editions/{edition}/calendar.ics"));
        let client = app.client.clone();
        async move {
            let text = client.get(url).send().await.unwrap().text().await.unwrap();
            events(&text)
                .iter()
                .map(|e| prop(e, "UID"))
                .collect::<Vec<_>>()
        }
    };
    let before = uids(&app).await;
    assert!(before[0].ends_with("@academy.test"), "{before:?}");
    // The academy moves to a new address: same UIDs, so no calendar shows a session twice.
    let moved = app
        .another_instance_with(|c| c.public_url = "https://academie.example.nl".to_owned())
        .await;
    assert_eq!(uids(&moved).await, before);
}

#[tokio::test]
async fn an_erased_person_is_sent_nothing_that_was_still_waiting() {
    let sink = SmtpSink::start().await;
    // Refused for now: whatever is queued stays queued.
    sink.refuse_always("451 4.3.0 try again later");
    let app = app_with(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Kwintes", "provider").await;
    let person = app
        .person(&admin, org, &["professional"], "jan@example.test")
        .await;
    let edition = app.open_edition(&admin, 20, json!({"capacity": 10})).await;
    let _ = app
        .create(
            &format!("/api/v1/editions/{edition}/registrations"),
            &person.token,
            json!({}),
        )
        .await;
    let (status, body) = app
        .post(
            &format!("/api/v1/users/{}/erase", person.id),
            &admin.token,
            json!({"reason": "verzoek van betrokkene"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Neither the queued messages nor the confirmation still on the registration's
    // history entry (whichever it was when the erasure came) survive it.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let messages = entity::message::Entity::find()
        .filter(entity::message::Column::UserId.eq(person.id))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(messages, vec![]);
    let waiting = entity::registration_event::Entity::find()
        .filter(entity::registration_event::Column::NoticeKind.is_not_null())
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(waiting, vec![]);
    // And nothing goes out once the mail server is back. (An attempt already talking to
    // the server when the erasure came cannot be called back: it ends, refused, first.)
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    sink.refuse_always_off();
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let got: Vec<String> = sink
        .to("jan@example.test")
        .iter()
        .map(|m| m.subject.clone())
        .collect();
    assert!(got.is_empty(), "{got:?}");
}
