//! The public catalogue: order, paging, cursors and filters.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

use super::support::*;

// ---------------------------------------------------------------------------------------
// 5. The catalogue: order, paging, filters
// ---------------------------------------------------------------------------------------

struct Catalogue {
    app: TestApp,
    lecture: Uuid,
    training: Uuid,
    module: Uuid,
    trainer: Uuid,
    /// Every published edition, in catalogue order.
    order: Vec<Uuid>,
    /// Each published edition's first session (None for the e-learning one).
    first: Vec<(Uuid, Option<DateTime<Utc>>)>,
}

impl Catalogue {
    async fn build() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let org = app.create_org(&admin, "Catalogus", "academy").await;
        let trainer = app
            .create_user(&admin, org, &["trainer"], "trainer@catalogue.test")
            .await;
        let lecture = course(&app, &admin, "Lezing trauma", "lecture", &["Trauma"]).await;
        let training = course(
            &app,
            &admin,
            "Training hechting",
            "training",
            &["hechting", "trauma"],
        )
        .await;
        let module = course(&app, &admin, "Module online", "elearning", &["online"]).await;

        let mut first = Vec::new();
        let a1 = published_on(&app, &admin, lecture, 10, &[trainer.id]).await;
        first.push((a1, Some(at(10, 9))));
        let b1 = published_on(&app, &admin, training, 12, &[]).await;
        first.push((b1, Some(at(12, 9))));
        // Two editions starting at the same instant: the id breaks the tie.
        let a2 = published_on(&app, &admin, lecture, 14, &[]).await;
        first.push((a2, Some(at(14, 9))));
        let b2 = published_on(&app, &admin, training, 14, &[]).await;
        first.push((b2, Some(at(14, 9))));
        // Two sessions: the first one counts, whatever the order they were added in.
        let b3 = edition(&app, &admin, training, &[]).await;
        session(&app, &admin, b3, at(21, 9), at(21, 12)).await;
        session(&app, &admin, b3, at(20, 9), at(20, 12)).await;
        publish(&app, &admin, b3).await;
        first.push((b3, Some(at(20, 9))));
        let a3 = published_on(&app, &admin, lecture, 30, &[trainer.id]).await;
        first.push((a3, Some(at(30, 9))));
        let c1 = edition(&app, &admin, module, &[]).await;
        publish(&app, &admin, c1).await;
        first.push((c1, None));

        // Not in the catalogue: a draft, a cancelled edition.
        let draft = edition(&app, &admin, lecture, &[trainer.id]).await;
        session(&app, &admin, draft, at(11, 9), at(11, 12)).await;
        let gone = published_on(&app, &admin, training, 13, &[]).await;
        let (status, _) = post_empty(
            &app,
            &format!("/api/v1/editions/{gone}/cancel"),
            &admin.token,
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        let mut sorted = first.clone();
        sorted.sort_by_key(|(id, t)| (t.unwrap_or(DateTime::<Utc>::MAX_UTC), *id));
        let order = sorted.iter().map(|(id, _)| *id).collect();
        Self {
            app,
            lecture,
            training,
            module,
            trainer: trainer.id,
            order,
            first,
        }
    }

    /// The published editions (in catalogue order) that satisfy `keep`.
    fn expect(&self, keep: impl Fn(Uuid, Option<DateTime<Utc>>) -> bool) -> Vec<Uuid> {
        self.order
            .iter()
            .copied()
            .filter(|id| {
                let t = self
                    .first
                    .iter()
                    .find(|(e, _)| e == id)
                    .and_then(|(_, t)| *t);
                keep(*id, t)
            })
            .collect()
    }

    async fn ids(&self, query: &str) -> Vec<Uuid> {
        let (status, body) = anon_get(&self.app, &format!("/api/v1/editions{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert!(body["next_cursor"].is_null(), "{query}: {body}");
        item_ids(&body)
    }
}

#[tokio::test]
async fn catalogue_is_sorted_by_first_session_and_pages_visit_every_edition_once() {
    let cat = Catalogue::build().await;
    let app = &cat.app;

    let (status, all) = anon_get(app, "/api/v1/editions").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(item_ids(&all), cat.order);
    assert_eq!(cat.order.len(), 7);
    assert_eq!(
        *cat.order.last().expect("last"),
        cat.first[6].0,
        "undated sorts last"
    );
    let starts: Vec<Option<DateTime<Utc>>> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| (!i["first_session_at"].is_null()).then(|| parse_ts(&i["first_session_at"])))
        .collect();
    let dated: Vec<DateTime<Utc>> = starts.iter().flatten().copied().collect();
    assert!(dated.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    assert_eq!(starts[6], None);
    assert!(all["next_cursor"].is_null());

    // Three pages of three.
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/editions?limit=3&cursor={c}"),
            None => "/api/v1/editions?limit=3".to_owned(),
        };
        let (status, page) = anon_get(app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        let ids = item_ids(&page);
        sizes.push(ids.len());
        seen.extend(ids);
        match page["next_cursor"].as_str() {
            Some(c) => {
                assert_eq!(c.len(), 32, "cursor format: {c}");
                cursor = Some(c.to_owned());
            }
            None => break,
        }
    }
    assert_eq!(sizes, vec![3, 3, 1]);
    assert_eq!(seen, cat.order, "every edition exactly once, in order");

    // Paging within a filter keeps the filter.
    let (_, page) = anon_get(
        app,
        &format!("/api/v1/editions?course_id={}&limit=2", cat.lecture),
    )
    .await;
    let mut ids = item_ids(&page);
    let c = page["next_cursor"].as_str().expect("cursor").to_owned();
    let (_, page) = anon_get(
        app,
        &format!(
            "/api/v1/editions?course_id={}&limit=2&cursor={c}",
            cat.lecture
        ),
    )
    .await;
    ids.extend(item_ids(&page));
    assert!(page["next_cursor"].is_null());
    // The lecture's editions were created first, third and sixth.
    let lecture = [cat.first[0].0, cat.first[2].0, cat.first[5].0];
    assert_eq!(ids, cat.expect(|id, _| lecture.contains(&id)));
}

#[tokio::test]
async fn catalogue_filters_return_exactly_the_matching_editions() {
    let cat = Catalogue::build().await;
    let a = [cat.first[0].0, cat.first[2].0, cat.first[5].0];
    let b = [cat.first[1].0, cat.first[3].0, cat.first[4].0];
    let c = [cat.first[6].0];

    assert_eq!(
        cat.ids(&format!("?course_id={}", cat.lecture)).await,
        cat.expect(|id, _| a.contains(&id))
    );
    assert_eq!(
        cat.ids(&format!("?course_id={}", cat.training)).await,
        cat.expect(|id, _| b.contains(&id))
    );
    assert_eq!(
        cat.ids(&format!("?course_id={}", cat.module)).await,
        c.to_vec()
    );
    assert_eq!(
        cat.ids(&format!("?course_id={}", Uuid::now_v7())).await,
        Vec::<Uuid>::new()
    );
    // The course's own list says the same.
    let (status, body) = anon_get(
        &cat.app,
        &format!("/api/v1/courses/{}/editions", cat.lecture),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(item_ids(&body), cat.expect(|id, _| a.contains(&id)));

    assert_eq!(
        cat.ids("?kind=lecture").await,
        cat.expect(|id, _| a.contains(&id))
    );
    assert_eq!(
        cat.ids("?kind=training").await,
        cat.expect(|id, _| b.contains(&id))
    );
    assert_eq!(cat.ids("?kind=elearning").await, c.to_vec());
    assert_eq!(cat.ids("?kind=symposium").await, Vec::<Uuid>::new());

    assert_eq!(
        cat.ids("?topic=trauma").await,
        cat.expect(|id, _| !c.contains(&id))
    );
    assert_eq!(
        cat.ids("?topic=TRAUMA").await,
        cat.expect(|id, _| !c.contains(&id)),
        "topics match case-insensitively"
    );
    assert_eq!(
        cat.ids("?topic=hechting").await,
        cat.expect(|id, _| b.contains(&id))
    );
    assert_eq!(cat.ids("?topic=online").await, c.to_vec());
    assert_eq!(cat.ids("?topic=nothing").await, Vec::<Uuid>::new());
    assert_eq!(
        cat.ids("?kind=lecture&topic=hechting").await,
        Vec::<Uuid>::new()
    );

    // from is inclusive, to exclusive; both compare the first session.
    let day14 = at(14, 9);
    let from = ts(day14);
    assert_eq!(
        cat.ids(&format!("?from={from}")).await,
        cat.expect(|_, t| t.is_some_and(|t| t >= day14))
    );
    assert_eq!(cat.ids(&format!("?from={from}")).await.len(), 4);
    assert_eq!(
        cat.ids(&format!("?to={from}")).await,
        cat.expect(|_, t| t.is_some_and(|t| t < day14))
    );
    assert_eq!(cat.ids(&format!("?to={from}")).await.len(), 2);
    let (lo, hi) = (at(12, 9), at(20, 9));
    assert_eq!(
        cat.ids(&format!("?from={}&to={}", ts(lo), ts(hi))).await,
        cat.expect(|_, t| t.is_some_and(|t| t >= lo && t < hi))
    );
    assert_eq!(
        cat.ids(&format!("?from={}&to={}", ts(lo), ts(hi)))
            .await
            .len(),
        3
    );
    // One second later excludes the editions of that instant; an offset is honoured.
    assert_eq!(
        cat.ids(&format!("?from={}", ts(day14 + Duration::seconds(1))))
            .await
            .len(),
        2
    );
    let amsterdam = (day14 + Duration::hours(2))
        .format("%Y-%m-%dT%H:%M:%S%%2B02:00")
        .to_string();
    assert_eq!(cat.ids(&format!("?from={amsterdam}")).await.len(), 4);
    assert_eq!(
        cat.ids(&format!("?course_id={}&from={from}", cat.lecture))
            .await,
        cat.expect(|id, t| a.contains(&id) && t.is_some_and(|t| t >= day14))
    );

    assert_eq!(
        cat.ids(&format!("?trainer_id={}", cat.trainer)).await,
        vec![cat.first[0].0, cat.first[5].0]
    );
    assert_eq!(
        cat.ids(&format!("?trainer_id={}", Uuid::now_v7())).await,
        Vec::<Uuid>::new()
    );

    assert_eq!(cat.ids("?has_seats=true").await, cat.order);
    assert_eq!(cat.ids("?has_seats=false").await, Vec::<Uuid>::new());
}

#[tokio::test]
async fn catalogue_rejects_bad_paging_parameters() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Paging", "lecture", &[]).await;
    let e1 = published_on(&app, &admin, c, 5, &[]).await;
    let e2 = published_on(&app, &admin, c, 6, &[]).await;

    for limit in ["500", "201", "0"] {
        let (status, body) = anon_get(&app, &format!("/api/v1/editions?limit={limit}")).await;
        assert_invalid(status, &body, "limit");
    }
    let (status, body) = anon_get(&app, "/api/v1/editions?limit=200").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = anon_get(&app, "/api/v1/courses?limit=500").await;
    assert_invalid(status, &body, "limit");

    // Not the cursor's format.
    for cursor in ["not-a-cursor", "abc", "A%2BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let (status, body) = anon_get(&app, &format!("/api/v1/editions?cursor={cursor}")).await;
        assert_invalid(status, &body, "cursor");
    }
    let (status, body) = anon_get(&app, "/api/v1/courses?cursor=short").await;
    assert_invalid(status, &body, "cursor");

    // Well-formed but not one the service returned: the time in it is out of range.
    use base64::Engine;
    let encode = |micros: i64| {
        let mut bytes = micros.to_be_bytes().to_vec();
        bytes.extend_from_slice(Uuid::nil().as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let huge = encode(i64::MAX);
    assert_eq!(huge.len(), 32);
    let (status, body) = anon_get(&app, &format!("/api/v1/editions?cursor={huge}")).await;
    assert_invalid(status, &body, "cursor");

    // 32 base64url characters decode to *some* position: "A"*32 is 1970-01-01 with the
    // nil id, i.e. before everything, which is harmless and answered like the first page.
    let zeros = "A".repeat(32);
    let (status, body) = anon_get(&app, &format!("/api/v1/editions?cursor={zeros}")).await;
    assert!(
        status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{status} {body}"
    );
    if status == StatusCode::OK {
        assert_eq!(item_ids(&body), vec![e1, e2]);
    } else {
        assert_invalid(status, &body, "cursor");
    }
    // Same for an arbitrary one: never a server error.
    for cursor in ["_".repeat(32), "f".repeat(32), "gA".repeat(16)] {
        let (status, body) = anon_get(&app, &format!("/api/v1/editions?cursor={cursor}")).await;
        assert!(
            status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY,
            "cursor {cursor}: {status} {body}"
        );
    }

    // Bad times and enums are client errors too.
    for query in [
        "from=yesterday",
        "to=2026-13-01T00:00:00Z",
        "kind=castle",
        "status=gone",
        "has_seats=maybe",
        "course_id=42",
    ] {
        let (status, body) = anon_get(&app, &format!("/api/v1/editions?{query}")).await;
        assert!(status.is_client_error(), "{query}: {status} {body}");
        assert!(body["code"].is_string(), "{query}: {body}");
    }
}

/// A cursor is 24 bytes: microseconds since 1970 and an id. One that decodes to a year
/// that chrono accepts but the database does not (before 4713 BC on PostgreSQL) must be
/// refused as a bad cursor, not reach the database.
#[tokio::test]
async fn cursor_with_an_ancient_time_is_a_client_error() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Oud", "lecture", &[]).await;
    published_on(&app, &admin, c, 5, &[]).await;

    use base64::Engine;
    let mut bytes = (-1_000_000_000_000_000_000_i64).to_be_bytes().to_vec(); // about 29,700 BC
    bytes.extend_from_slice(Uuid::nil().as_bytes());
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut failures = Vec::new();
    for path in [
        format!("/api/v1/editions?cursor={cursor}"),
        format!("/api/v1/courses/{c}/editions?cursor={cursor}"),
        format!("/api/v1/me/teaching?cursor={cursor}"),
    ] {
        let (status, body) = app.get(&path, &admin.token).await;
        if status.is_server_error() {
            failures.push(format!("GET {path}: {status} {body}"));
        } else {
            assert!(
                status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {status} {body}"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "on {}: {failures:#?}",
        if app.db.is_postgres() {
            "postgres"
        } else {
            "sqlite"
        }
    );
}

/// Ties on the first session (to the millisecond, and among undated e-learning editions)
/// are broken by id, so one-item pages still visit every edition exactly once.
#[tokio::test]
async fn paging_one_by_one_through_ties_and_sub_second_times() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Gelijktijdig", "lecture", &[]).await;
    let m = course(&app, &admin, "Modules", "elearning", &[]).await;
    let base = at(4, 9);
    let millis = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut expected = Vec::new();
    for offset_ms in [500, 250, 250, 0] {
        let e = edition(&app, &admin, c, &[]).await;
        let start = base + Duration::milliseconds(offset_ms);
        let (_, body) = app
            .create(
                &format!("/api/v1/editions/{e}/sessions"),
                &admin.token,
                json!({"starts_at": millis(start), "ends_at": millis(start + Duration::hours(1))}),
            )
            .await;
        assert_eq!(parse_ts(&body["starts_at"]), start);
        publish(&app, &admin, e).await;
        expected.push((Some(start), e));
    }
    for _ in 0..3 {
        let e = edition(&app, &admin, m, &[]).await;
        publish(&app, &admin, e).await;
        expected.push((None, e));
    }
    expected.sort_by_key(|(t, id)| (t.unwrap_or(DateTime::<Utc>::MAX_UTC), *id));
    let expected: Vec<Uuid> = expected.into_iter().map(|(_, id)| id).collect();

    let (_, all) = anon_get(&app, "/api/v1/editions").await;
    assert_eq!(item_ids(&all), expected);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/editions?limit=1&cursor={c}"),
            None => "/api/v1/editions?limit=1".to_owned(),
        };
        let (status, page) = anon_get(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        seen.extend(item_ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, expected, "every edition exactly once, in order");
}

/// Validation problems name the field as the request spells it (`errors[].field`), as the
/// domain's own checks do (`completion.min_attendance_percent`, `accreditations[1].register`).
/// The framework's checks lose the parent of a nested field, leak poem-openapi's type
/// chain into the message, and name a missing or unparseable field `body`.
#[tokio::test]
async fn nested_and_missing_fields_are_named_as_in_the_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Velden", "workshop", &[]).await;
    let e = edition(&app, &admin, c, &[]).await;
    let sessions = format!("/api/v1/editions/{e}/sessions");
    let start = ts(at(5, 9));

    let cases = [
        (
            "/api/v1/courses".to_owned(),
            json!({"title": "x", "kind": "lecture", "completion": {"min_attendance_percent": 0}}),
            "completion.min_attendance_percent",
        ),
        (
            "/api/v1/courses".to_owned(),
            json!({"title": "x", "kind": "lecture", "completion": {"min_attendance_percent": 100.5}}),
            "completion.min_attendance_percent",
        ),
        (sessions.clone(), json!({"starts_at": start}), "ends_at"),
        (
            sessions.clone(),
            json!({"starts_at": start, "ends_at": "tomorrow"}),
            "ends_at",
        ),
    ];
    let mut wrong = Vec::new();
    for (path, body, field) in cases {
        let (status, problem) = app.post(&path, &admin.token, body.clone()).await;
        assert_problem(
            status,
            &problem,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        );
        let fields = error_fields(&problem);
        let messages: Vec<&str> = problem["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["message"].as_str()).collect())
            .unwrap_or_default();
        if fields != [field]
            || messages
                .iter()
                .any(|m| m.contains("occurred while parsing"))
        {
            wrong.push(format!(
                "POST {path} {body}: expected field {field:?}, got {fields:?} {messages:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
