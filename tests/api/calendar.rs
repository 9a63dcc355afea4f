//! Calendar feeds: parsed back with the `ical` crate, stable UIDs across a reschedule,
//! SEQUENCE bumped only for the changed session, cancellations, Dutch text folded and
//! escaped, ETag/Last-Modified with 304, the personal feed's secret URL and rotation, and
//! a snapshot of one complete feed. With `ACADEMY_ICS_OUT=dir` the feeds are also written
//! there, for CI to check them with an independent parser (Python's `icalendar`).

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone, Utc};
use ical::parser::ical::component::IcalCalendar;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Actor, TestApp, at, id_of, ts};

const TITLE: &str = "Zorg voor het getraumatiseerde kind; deel 2, ‘veerkracht’ — één dag";

struct Feed {
    raw: String,
    etag: String,
    last_modified: String,
    calendar: IcalCalendar,
}

async fn fetch(app: &TestApp, path: &str, token: Option<&str>) -> Feed {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    assert_eq!(
        resp.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    let last_modified = resp.headers()["last-modified"].to_str().unwrap().to_owned();
    let raw = resp.text().await.unwrap();
    save(path, &raw);
    let calendar = ical::IcalParser::new(raw.as_bytes())
        .next()
        .expect("one calendar")
        .expect("parses");
    Feed {
        raw,
        etag,
        last_modified,
        calendar,
    }
}

/// Writes a feed for the CI's independent check, when asked to.
fn save(path: &str, raw: &str) {
    if let Ok(dir) = std::env::var("ACADEMY_ICS_OUT") {
        let name: String = path
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.ics"), raw).unwrap();
    }
}

fn prop<'a>(
    props: &'a [ical::property::Property],
    name: &str,
) -> Option<&'a ical::property::Property> {
    props.iter().find(|p| p.name == name)
}

fn value(props: &[ical::property::Property], name: &str) -> String {
    prop(props, name)
        .and_then(|p| p.value.clone())
        .unwrap_or_else(|| panic!("no {name}"))
}

fn unescape(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Per UID: (SEQUENCE, STATUS, DTSTART value, DTSTART TZID).
fn events(feed: &Feed) -> HashMap<String, (i32, String, String, String)> {
    feed.calendar
        .events
        .iter()
        .map(|e| {
            let start = prop(&e.properties, "DTSTART").unwrap();
            let tzid = start
                .params
                .as_ref()
                .and_then(|ps| ps.iter().find(|(k, _)| k == "TZID"))
                .map(|(_, v)| v.join(","))
                .unwrap_or_default();
            (
                value(&e.properties, "UID"),
                (
                    value(&e.properties, "SEQUENCE").parse().unwrap(),
                    value(&e.properties, "STATUS"),
                    start.value.clone().unwrap(),
                    tzid,
                ),
            )
        })
        .collect()
}

/// A published training with a long Dutch title: sessions on 10 March 2027 (winter
/// time) and 16 June 2027 (summer time), 09:00–12:30 in Amsterdam.
async fn training(app: &TestApp, admin: &Actor, trainer: &Actor) -> (Uuid, Vec<Uuid>) {
    let (_, course) = app.create("/api/v1/courses",
            &admin.token,
            json!({"title": TITLE, "kind": "training", "description": "Acht dagdelen.", "topics": ["trauma"]})).await;
    let (status, e) = app
        .post(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 1, "waitlist_enabled": true, "trainer_ids": [trainer.id],
                   "location": "Stadhuisplein 1, Almere; zaal \"De Wadden\""}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let edition = id_of(&e);
    let mut sessions = Vec::new();
    for (start, end) in [
        (
            Utc.with_ymd_and_hms(2027, 3, 10, 8, 0, 0),
            Utc.with_ymd_and_hms(2027, 3, 10, 11, 30, 0),
        ),
        (
            Utc.with_ymd_and_hms(2027, 6, 16, 7, 0, 0),
            Utc.with_ymd_and_hms(2027, 6, 16, 10, 30, 0),
        ),
    ] {
        let (_, s) = app
            .create(
                &format!("/api/v1/editions/{edition}/sessions"),
                &admin.token,
                json!({"starts_at": ts(start.unwrap()), "ends_at": ts(end.unwrap())}),
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
    (edition, sessions)
}

async fn setup() -> (TestApp, Actor, Actor, Vec<Actor>) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Vitree", "provider").await;
    let trainer = app
        .person(&admin, org, &["trainer"], "trainer@example.test")
        .await;
    let people = app.people(&admin, org, "agenda", 2).await;
    (app, admin, trainer, people)
}

#[tokio::test]
async fn an_edition_feed_is_valid_icalendar_in_amsterdam_time() {
    let (app, admin, trainer, _) = setup().await;
    let (edition, sessions) = training(&app, &admin, &trainer).await;
    let path = format!("/api/v1/editions/{edition}/calendar.ics");
    let feed = fetch(&app, &path, None).await;

    // Line structure: CRLF everywhere, at most 75 octets, no character split.
    assert!(feed.raw.ends_with("\r\n"));
    for line in feed.raw.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
        assert!(!line.contains('\n') && !line.contains('\r'));
    }
    let props = &feed.calendar.properties;
    assert_eq!(value(props, "VERSION"), "2.0");
    assert_eq!(value(props, "METHOD"), "PUBLISH");
    assert_eq!(value(props, "X-WR-TIMEZONE"), "Europe/Amsterdam");
    assert_eq!(value(props, "REFRESH-INTERVAL"), "PT1H");
    assert_eq!(value(props, "X-PUBLISHED-TTL"), "PT1H");
    assert!(value(props, "PRODID").contains("Flevo Academie Jeugd"));
    assert!(unescape(&value(props, "X-WR-CALNAME")).starts_with(TITLE));

    let tz = &feed.calendar.timezones;
    assert_eq!(tz.len(), 1);
    assert_eq!(value(&tz[0].properties, "TZID"), "Europe/Amsterdam");
    let kinds: Vec<String> = tz[0]
        .transitions
        .iter()
        .map(|t| value(&t.properties, "TZOFFSETTO"))
        .collect();
    // Summer time (+0200) and winter time (+0100).
    assert!(
        kinds.contains(&"+0200".to_owned()) && kinds.contains(&"+0100".to_owned()),
        "{kinds:?}"
    );

    let by_uid = events(&feed);
    assert_eq!(by_uid.len(), 2);
    // 08:00 UTC in March is 09:00 in Amsterdam; 07:00 UTC in June is 09:00 too.
    let winter = &by_uid[&format!("session-{}@academy.test", sessions[0])];
    let summer = &by_uid[&format!("session-{}@academy.test", sessions[1])];
    assert_eq!(winter.2, "20270310T090000");
    assert_eq!(summer.2, "20270616T090000");
    assert_eq!(winter.3, "Europe/Amsterdam");
    assert_eq!(winter.1, "CONFIRMED");

    let event = &feed.calendar.events[0];
    // The title round-trips through TEXT escaping; commas and semicolons are escaped.
    let raw_summary = value(&event.properties, "SUMMARY");
    assert!(
        raw_summary.contains("\\;") && raw_summary.contains("\\,"),
        "{raw_summary}"
    );
    assert_eq!(unescape(&raw_summary), TITLE);
    let location = unescape(&value(&event.properties, "LOCATION"));
    assert_eq!(location, "Stadhuisplein 1, Almere; zaal \"De Wadden\"");
    let description = unescape(&value(&event.properties, "DESCRIPTION"));
    assert!(description.contains("bijeenkomst 1 van 2"), "{description}");
    assert!(description.contains('\n'));
    assert!(value(&event.properties, "URL").ends_with(&format!("/edition?id={edition}&lang=nl")));
    assert!(value(&event.properties, "DTSTAMP").ends_with('Z'));
    assert!(value(&event.properties, "LAST-MODIFIED").ends_with('Z'));
    assert!(value(&event.properties, "ORGANIZER").starts_with("mailto:"));
    // A draft is not public.
    let (_, course) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Concept", "kind": "lecture", "description": "-"}),
        )
        .await;
    let (_, draft) = app
        .post(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 5}),
        )
        .await;
    let (status, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/editions/{}/calendar.ics", id_of(&draft)),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_reschedule_keeps_the_uid_and_bumps_only_that_sessions_sequence() {
    let (app, admin, trainer, _) = setup().await;
    let (edition, sessions) = training(&app, &admin, &trainer).await;
    let path = format!("/api/v1/editions/{edition}/calendar.ics");
    let before = fetch(&app, &path, None).await;
    let before_events = events(&before);

    // 304 for an unchanged feed, by ETag and by date.
    let resp = app
        .client
        .get(app.url(&path))
        .header("If-None-Match", &before.etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(resp.headers()["etag"], before.etag.as_str());
    let resp = app
        .client
        .get(app.url(&path))
        .header("If-Modified-Since", &before.last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_MODIFIED);
    let resp = app
        .client
        .get(app.url(&path))
        .header("If-None-Match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let moved = Utc.with_ymd_and_hms(2027, 3, 11, 12, 0, 0).unwrap();
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{}", sessions[0]),
            &admin.token,
            json!({"starts_at": ts(moved), "ends_at": ts(moved + chrono::Duration::hours(3))}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = fetch(&app, &path, None).await;
    assert_ne!(after.etag, before.etag);
    assert_ne!(after.last_modified, before.last_modified);
    let after_events = events(&after);
    let first = format!("session-{}@academy.test", sessions[0]);
    let second = format!("session-{}@academy.test", sessions[1]);
    assert_eq!(after_events.len(), 2, "same UIDs");
    assert_eq!(after_events[&first].0, before_events[&first].0 + 1);
    assert_eq!(after_events[&first].2, "20270311T130000");
    assert_eq!(after_events[&second], before_events[&second], "untouched");
    // The old validators no longer match.
    let resp = app
        .client
        .get(app.url(&path))
        .header("If-None-Match", &before.etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // A cancelled session stays in the feed, as cancelled, with its sequence bumped.
    let (status, _) = app
        .patch(
            &format!("/api/v1/sessions/{}", sessions[1]),
            &admin.token,
            json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let cancelled = events(&fetch(&app, &path, None).await);
    assert_eq!(cancelled[&second].1, "CANCELLED");
    assert_eq!(cancelled[&second].0, before_events[&second].0 + 1);
    assert_eq!(cancelled[&first].1, "CONFIRMED");

    // Cancelling the edition cancels every event in its feed and in the catalogue's.
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/cancel"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let all = events(&fetch(&app, &path, None).await);
    assert!(all.values().all(|e| e.1 == "CANCELLED"), "{all:?}");
    let catalog = events(&fetch(&app, "/api/v1/calendar/catalog.ics", None).await);
    assert_eq!(catalog[&first].1, "CANCELLED");
}

#[tokio::test]
async fn the_personal_feed_is_private_marks_waiting_and_cancellations_and_rotates() {
    let (app, admin, trainer, people) = setup().await;
    let (edition, sessions) = training(&app, &admin, &trainer).await;
    // Capacity 1: the first has a seat, the second waits.
    for p in &people {
        let _ = app
            .create(
                &format!("/api/v1/editions/{edition}/registrations"),
                &p.token,
                json!({}),
            )
            .await;
    }
    let (status, first) = app.get("/api/v1/me/calendar-feed", &people[0].token).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let url = first["url"].as_str().unwrap().to_owned();
    let (_, again) = app.get("/api/v1/me/calendar-feed", &people[0].token).await;
    assert_eq!(again["url"], url.as_str(), "the same URL until rotated");
    let path = url.strip_prefix("http://academy.test").unwrap().to_owned();
    let token = path
        .strip_prefix("/api/v1/calendar/feeds/")
        .and_then(|f| f.strip_suffix(".ics"))
        .unwrap();
    assert!(token.len() >= 22, "≥ 128 bits");

    // Read without a bearer token.
    let mine = events(&fetch(&app, &path, None).await);
    assert_eq!(mine.len(), 2);
    assert!(mine.values().all(|e| e.1 == "CONFIRMED"));
    let (_, waiting) = app.get("/api/v1/me/calendar-feed", &people[1].token).await;
    let waiting_path = waiting["url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://academy.test")
        .unwrap()
        .to_owned();
    let theirs = fetch(&app, &waiting_path, None).await;
    assert!(events(&theirs).values().all(|e| e.1 == "TENTATIVE"));
    assert!(
        unescape(&value(&theirs.calendar.events[0].properties, "DESCRIPTION"))
            .contains("Je staat op de wachtlijst (plaats 1).")
    );
    // A person who reads English reads their feed in English.
    let (status, body) = app
        .patch("/api/v1/me", &people[1].token, json!({"locale": "en"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let english = fetch(&app, &waiting_path, None).await;
    let text = unescape(&value(
        &english.calendar.events[0].properties,
        "DESCRIPTION",
    ));
    for line in [
        "Training · session 1 of 2",
        "(Dutch time)",
        "You are on the waiting list (place 1).",
        "More information: http://academy.test/edition?id=",
        "&lang=en",
        "Organised by",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(!text.contains("wachtlijst"), "{text}");

    // The trainer's feed holds what they teach.
    let (_, teaching) = app.get("/api/v1/me/calendar-feed", &trainer.token).await;
    let teaching_path = teaching["url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://academy.test")
        .unwrap()
        .to_owned();
    let taught = events(&fetch(&app, &teaching_path, None).await);
    assert_eq!(taught.len(), 2);

    // Cancelling: the seat goes to the second person (now confirmed), the first person's
    // events are cancelled.
    let (_, regs) = app.get("/api/v1/me/registrations", &people[0].token).await;
    let reg = regs["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = app
        .post(
            &format!("/api/v1/registrations/{reg}/cancel"),
            &people[0].token,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mine = events(&fetch(&app, &path, None).await);
    assert!(mine.values().all(|e| e.1 == "CANCELLED"), "{mine:?}");
    let theirs = events(&fetch(&app, &waiting_path, None).await);
    assert!(theirs.values().all(|e| e.1 == "CONFIRMED"), "{theirs:?}");
    assert_eq!(
        theirs[&format!("session-{}@academy.test", sessions[0])].0,
        1,
        "the promotion bumps the promoted person's SEQUENCE, so calendars apply it"
    );
    assert!(
        mine.values().all(|e| e.0 == 1),
        "the cancellation bumps SEQUENCE with STATUS:CANCELLED: {mine:?}"
    );

    // Rotation: the old URL stops working at once.
    let (status, rotated) = app
        .call(
            Method::POST,
            "/api/v1/me/calendar-feed/rotate",
            Some(&people[0].token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_ne!(rotated["url"], url.as_str());
    let (status, _) = app.call(Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let new_path = rotated["url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://academy.test")
        .unwrap()
        .to_owned();
    fetch(&app, &new_path, None).await;
    let (_, now) = app.get("/api/v1/me/calendar-feed", &people[0].token).await;
    assert_eq!(now["url"], rotated["url"]);
    // Unknown tokens and malformed names.
    for bad in [
        "/api/v1/calendar/feeds/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
        "/api/v1/calendar/feeds/nope",
    ] {
        let (status, _) = app.call(Method::GET, bad, None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn the_catalogue_feed_has_published_sessions_with_the_catalogue_filters() {
    let (app, admin, trainer, _) = setup().await;
    let (_, sessions) = training(&app, &admin, &trainer).await;
    let other = app.open_edition(&admin, 5, json!({"capacity": 10})).await;
    let all = events(&fetch(&app, "/api/v1/calendar/catalog.ics", None).await);
    assert_eq!(all.len(), 3, "{all:?}");
    let trauma = events(&fetch(&app, "/api/v1/calendar/catalog.ics?topic=trauma", None).await);
    let uids: Vec<&String> = trauma.keys().collect();
    assert_eq!(trauma.len(), 2, "{uids:?}");
    assert!(trauma.contains_key(&format!("session-{}@academy.test", sessions[0])));
    let by_course = fetch(
        &app,
        &format!("/api/v1/calendar/catalog.ics?from={}", ts(at(4, 0))),
        None,
    )
    .await;
    assert_eq!(events(&by_course).len(), 3);
    let until = fetch(
        &app,
        &format!("/api/v1/calendar/catalog.ics?to={}", ts(at(30, 0))),
        None,
    )
    .await;
    assert_eq!(
        events(&until).len(),
        1,
        "only the edition starting in 5 days"
    );
    let _ = other;
}

#[tokio::test]
async fn snapshot_of_an_edition_feed() {
    let (app, admin, trainer, _) = setup().await;
    let (edition, sessions) = training(&app, &admin, &trainer).await;
    let feed = fetch(
        &app,
        &format!("/api/v1/editions/{edition}/calendar.ics"),
        None,
    )
    .await;
    // Unfolded, with ids and change times redacted: everything else is fixed.
    let mut text = feed.raw.replace("\r\n ", "").replace("\r\n", "\n");
    text = text.replace(&edition.to_string(), "[edition]");
    for (i, s) in sessions.iter().enumerate() {
        text = text.replace(&s.to_string(), &format!("[session-{i}]"));
    }
    let text: Vec<String> = text
        .lines()
        .map(|l| match l.split_once(':') {
            Some((k, _)) if k == "DTSTAMP" || k == "LAST-MODIFIED" => format!("{k}:[redacted]"),
            _ => l.to_owned(),
        })
        .collect();
    let year = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    assert!(
        text.iter()
            .any(|l| l.contains(&year.format("%Y").to_string()))
    );
    insta::assert_snapshot!("edition_feed", text.join("\n"));
}
