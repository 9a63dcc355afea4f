//! Editions: lifecycle, visibility to trainers and admins, /me/teaching, seat figures.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

use super::support::*;

// ---------------------------------------------------------------------------------------
// 2. Edition lifecycle
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn edition_is_created_as_draft_and_published_once_it_has_a_session() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Levenscyclus", "workshop", &["x"]).await;

    let resp = app
        .client
        .post(app.url(&format!("/api/v1/courses/{c}/editions")))
        .bearer_auth(&admin.token)
        .json(&json!({"capacity": 15, "location": "Amersfoort", "online_url": "https://meet.example/abc"}))
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    let created: Value = resp.json().await.expect("json");
    let e = id_of(&created);
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/editions/{e}").as_str())
    );
    assert_eq!(created["status"], "draft");
    assert_eq!(created["course_id"], c.to_string());
    assert_eq!(created["course_title"], "Levenscyclus");
    assert_eq!(created["course_kind"], "workshop");
    assert_eq!(created["location"], "Amersfoort");
    assert_eq!(created["online_url"], "https://meet.example/abc");
    assert_eq!(created["waitlist_enabled"], true);
    assert_eq!(created["requires_approval"], false);
    assert_eq!(created["trainer_ids"], json!([]));
    assert!(created["first_session_at"].is_null(), "{created}");

    // No sessions yet.
    let (status, body) =
        post_empty(&app, &format!("/api/v1/editions/{e}/publish"), &admin.token).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "no_sessions");
    let (_, body) = app
        .get(&format!("/api/v1/editions/{e}"), &admin.token)
        .await;
    assert_eq!(body["status"], "draft");

    session(&app, &admin, e, at(7, 13), at(7, 17)).await;
    let published = publish(&app, &admin, e).await;
    assert_eq!(parse_ts(&published["first_session_at"]), at(7, 13));
    assert_eq!(parse_ts(&published["last_session_at"]), at(7, 17));

    // Publishing twice is not a transition.
    let (status, body) =
        post_empty(&app, &format!("/api/v1/editions/{e}/publish"), &admin.token).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "invalid_transition");

    // Now public.
    let (status, body) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "published");

    // A published edition is still editable.
    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{e}"),
            &admin.token,
            json!({"location": "Zwolle", "online_url": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["location"], "Zwolle");
    assert!(body["online_url"].is_null(), "{body}");
    assert_eq!(body["status"], "published");

    // Editions of an unknown course, or an unknown edition.
    let (status, body) = app
        .post(
            &format!("/api/v1/courses/{}/editions", Uuid::now_v7()),
            &admin.token,
            json!({"capacity": 5}),
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{}/publish", Uuid::now_v7()),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn edition_is_cancelled_from_draft_or_published_and_then_frozen() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org annuleren", "provider").await;
    let pro = app
        .create_user(&admin, org, &["professional"], "pro@cancel.test")
        .await;
    let c = course(&app, &admin, "Annuleren", "lecture", &[]).await;

    // From draft.
    let draft = edition(&app, &admin, c, &[]).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{draft}/cancel"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");

    // From published.
    let published = published_on(&app, &admin, c, 6, &[]).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{published}/cancel"),
        &pro.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{published}/cancel"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");

    // Gone from the public catalogue.
    let (status, body) = anon_get(&app, &format!("/api/v1/editions/{published}")).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (_, list) = anon_get(&app, "/api/v1/editions").await;
    assert!(item_ids(&list).is_empty(), "{list}");
    let (_, list) = app
        .get("/api/v1/editions?status=cancelled", &admin.token)
        .await;
    let mut ids = item_ids(&list);
    ids.sort();
    let mut expected = vec![draft, published];
    expected.sort();
    assert_eq!(ids, expected);

    for e in [draft, published] {
        for step in ["cancel", "publish", "close"] {
            let (status, body) =
                post_empty(&app, &format!("/api/v1/editions/{e}/{step}"), &admin.token).await;
            assert_problem(status, &body, StatusCode::CONFLICT, "invalid_transition");
        }
        let (status, body) = app
            .patch(
                &format!("/api/v1/editions/{e}"),
                &admin.token,
                json!({"capacity": 40}),
            )
            .await;
        assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_editable");
        let (status, body) = app
            .post(
                &format!("/api/v1/editions/{e}/sessions"),
                &admin.token,
                json!({"starts_at": ts(at(9, 9)), "ends_at": ts(at(9, 10))}),
            )
            .await;
        assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_editable");
        let (_, body) = app
            .get(&format!("/api/v1/editions/{e}"), &admin.token)
            .await;
        assert_eq!(body["status"], "cancelled");
        assert_eq!(body["capacity"], 20);
    }
}

#[tokio::test]
async fn edition_closes_only_when_its_sessions_are_over() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org sluiten", "provider").await;
    let trainer = app
        .create_user(&admin, org, &["trainer"], "trainer@close.test")
        .await;
    let other_trainer = app
        .create_user(&admin, org, &["trainer"], "other@close.test")
        .await;
    let c = course(&app, &admin, "Sluiten", "training", &[]).await;

    // A session still to come.
    let future = published_on(&app, &admin, c, 3, &[]).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{future}/close"),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "sessions_not_over");
    let (_, body) = anon_get(&app, &format!("/api/v1/editions/{future}")).await;
    assert_eq!(body["status"], "published");

    // A draft cannot be closed.
    let draft = edition(&app, &admin, c, &[]).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{draft}/close"),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "invalid_transition");

    // Every session in the past: it closes (by the admin).
    let past = edition(&app, &admin, c, &[]).await;
    session(&app, &admin, past, at(-10, 9), at(-10, 12)).await;
    session(&app, &admin, past, at(-3, 9), at(-3, 12)).await;
    app.publish_as_if_planned(&admin, past).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{past}/close"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "closed");

    // ...or by its own trainer, but not by another one.
    let taught = edition(&app, &admin, c, &[trainer.id]).await;
    session(&app, &admin, taught, at(-2, 9), at(-2, 12)).await;
    app.publish_as_if_planned(&admin, taught).await;
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{taught}/close"),
        &other_trainer.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{taught}/close"),
        &trainer.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "closed");

    // Closed is final.
    for step in ["publish", "cancel", "close"] {
        let (status, body) = post_empty(
            &app,
            &format!("/api/v1/editions/{past}/{step}"),
            &admin.token,
        )
        .await;
        assert_problem(status, &body, StatusCode::CONFLICT, "invalid_transition");
    }
    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{past}"),
            &admin.token,
            json!({"location": "Elders"}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_editable");
    let (status, body) = app
        .post(
            &format!("/api/v1/editions/{past}/sessions"),
            &admin.token,
            json!({"starts_at": ts(at(-1, 9)), "ends_at": ts(at(-1, 10))}),
        )
        .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "edition_not_editable");
    let (_, body) = app
        .get(&format!("/api/v1/editions/{past}"), &admin.token)
        .await;
    assert_eq!(body["status"], "closed");
    assert_eq!(body["location"], "Utrecht");
}

#[tokio::test]
async fn elearning_edition_publishes_without_sessions_and_takes_none() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let module = create_course_with(
        &app,
        &admin,
        json!({"title": "E-learning meldcode", "kind": "elearning", "topics": ["meldcode"]}),
    )
    .await;
    assert_eq!(module["completion"]["min_attendance_percent"], 100.0);
    let c = id_of(&module);

    let e = edition(&app, &admin, c, &[]).await;
    let (status, body) = app
        .post(
            &format!("/api/v1/editions/{e}/sessions"),
            &admin.token,
            json!({"starts_at": ts(at(4, 9)), "ends_at": ts(at(4, 10))}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::CONFLICT,
        "elearning_has_no_sessions",
    );

    let published = publish(&app, &admin, e).await;
    assert_eq!(published["course_kind"], "elearning");
    assert!(published["first_session_at"].is_null(), "{published}");

    let (status, body) = app
        .post(
            &format!("/api/v1/editions/{e}/sessions"),
            &admin.token,
            json!({"starts_at": ts(at(4, 9)), "ends_at": ts(at(4, 10))}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::CONFLICT,
        "elearning_has_no_sessions",
    );
    let (status, sessions) = anon_get(&app, &format!("/api/v1/editions/{e}/sessions")).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    assert_eq!(sessions, json!({"items": [], "next_cursor": null}));
    let (_, list) = anon_get(&app, "/api/v1/editions").await;
    assert_eq!(item_ids(&list), vec![e]);
}

// ---------------------------------------------------------------------------------------
// 3. Visibility, trainers and /me/teaching
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn drafts_are_seen_by_admins_and_their_own_trainers_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Zichtbaarheid", "provider").await;
    let pro = app
        .create_user(&admin, org, &["professional"], "pro@visibility.test")
        .await;
    let t1 = app
        .create_user(&admin, org, &["trainer"], "t1@visibility.test")
        .await;
    let t2 = app
        .create_user(&admin, org, &["trainer"], "t2@visibility.test")
        .await;
    let partner = app.client_token(&admin, org, &["catalog:read"]).await;
    let c = course(&app, &admin, "Zichtbaar", "workshop", &["zicht"]).await;

    let published = published_on(&app, &admin, c, 8, &[t1.id]).await;
    let d1 = edition(&app, &admin, c, &[t1.id]).await;
    session(&app, &admin, d1, at(9, 9), at(9, 12)).await;
    let d2 = edition(&app, &admin, c, &[t2.id]).await;
    let unassigned = edition(&app, &admin, c, &[]).await;

    // Outsiders: published only.
    let outsiders: [(&str, Option<&str>); 3] = [
        ("anonymous", None),
        ("professional", Some(pro.token.as_str())),
        ("partner client", Some(partner.as_str())),
    ];
    for (who, token) in outsiders {
        let (status, list) = app.call(Method::GET, "/api/v1/editions", token, None).await;
        assert_eq!(status, StatusCode::OK, "{who}: {list}");
        assert_eq!(item_ids(&list), vec![published], "{who}");
        let (status, list) = app
            .call(
                Method::GET,
                &format!("/api/v1/courses/{c}/editions"),
                token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {list}");
        assert_eq!(item_ids(&list), vec![published], "{who}");
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/editions/{published}"),
                token,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {body}");
        for draft in [d1, d2, unassigned] {
            let (status, body) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/editions/{draft}"),
                    token,
                    None,
                )
                .await;
            assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
            let (status, body) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/editions/{draft}/sessions"),
                    token,
                    None,
                )
                .await;
            assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
        }
        for path in [
            "/api/v1/editions?status=draft".to_owned(),
            format!("/api/v1/courses/{c}/editions?status=draft"),
        ] {
            let (status, body) = app.call(Method::GET, &path, token, None).await;
            assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
        }
    }

    // The admin sees every draft.
    let (status, list) = app.get("/api/v1/editions?status=draft", &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let mut ids = item_ids(&list);
    ids.sort();
    let mut all_drafts = vec![d1, d2, unassigned];
    all_drafts.sort();
    assert_eq!(ids, all_drafts);
    // Dated drafts first.
    assert_eq!(item_ids(&list)[0], d1);
    let (status, body) = app
        .get(&format!("/api/v1/editions/{d2}"), &admin.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A trainer sees their own draft, and only that.
    let (status, body) = app.get(&format!("/api/v1/editions/{d1}"), &t1.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "draft");
    assert_eq!(body["trainer_ids"], json!([t1.id]));
    let (status, sessions) = app
        .get(&format!("/api/v1/editions/{d1}/sessions"), &t1.token)
        .await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    assert_eq!(sessions["items"].as_array().map(Vec::len), Some(1));
    for other in [d2, unassigned] {
        let (status, body) = app
            .get(&format!("/api/v1/editions/{other}"), &t1.token)
            .await;
        assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    }
    let (status, list) = app.get("/api/v1/editions?status=draft", &t1.token).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(item_ids(&list), vec![d1]);
    let (_, list) = app.get("/api/v1/editions?status=draft", &t2.token).await;
    assert_eq!(item_ids(&list), vec![d2]);
    let (_, list) = app.get("/api/v1/editions", &t2.token).await;
    assert_eq!(
        item_ids(&list),
        vec![published],
        "published ones are for everyone"
    );

    // Trainers must be users with the trainer role.
    let (status, body) = app
        .post(
            &format!("/api/v1/courses/{c}/editions"),
            &admin.token,
            json!({"capacity": 10, "trainer_ids": [t1.id, pro.id]}),
        )
        .await;
    assert_invalid(status, &body, "trainer_ids");
    assert!(
        body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains(&pro.id.to_string()),
        "{body}"
    );
    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{d2}"),
            &admin.token,
            json!({"trainer_ids": [Uuid::now_v7()]}),
        )
        .await;
    assert_invalid(status, &body, "trainer_ids");
    let (_, body) = app
        .get(&format!("/api/v1/editions/{d2}"), &admin.token)
        .await;
    assert_eq!(
        body["trainer_ids"],
        json!([t2.id]),
        "unchanged after a refused patch"
    );

    // Re-assigning moves the draft between trainers.
    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{d2}"),
            &admin.token,
            json!({"trainer_ids": [t1.id, t1.id]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["trainer_ids"], json!([t1.id]));
    let (status, _) = app.get(&format!("/api/v1/editions/{d2}"), &t1.token).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.get(&format!("/api/v1/editions/{d2}"), &t2.token).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn me_teaching_lists_a_trainers_editions_in_every_state() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Docenten", "academy").await;
    let t1 = app
        .create_user(&admin, org, &["trainer"], "t1@teaching.test")
        .await;
    let t2 = app
        .create_user(&admin, org, &["trainer"], "t2@teaching.test")
        .await;
    let c = course(&app, &admin, "Lesgeven", "training", &[]).await;

    // A published edition whose sessions are added out of order.
    let published = edition(&app, &admin, c, &[t1.id, t2.id]).await;
    let s3 = session(&app, &admin, published, at(20, 9), at(20, 12)).await;
    let s1 = session(&app, &admin, published, at(12, 9), at(12, 12)).await;
    let s2 = session(&app, &admin, published, at(15, 13), at(15, 16)).await;
    publish(&app, &admin, published).await;
    // A draft, earlier than the published one.
    let draft = edition(&app, &admin, c, &[t1.id]).await;
    session(&app, &admin, draft, at(5, 9), at(5, 12)).await;
    // A cancelled one, without sessions.
    let cancelled = edition(&app, &admin, c, &[t1.id]).await;
    let (status, _) = post_empty(
        &app,
        &format!("/api/v1/editions/{cancelled}/cancel"),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Not theirs.
    let other = edition(&app, &admin, c, &[t2.id]).await;
    edition(&app, &admin, c, &[]).await;

    let (status, page) = app.get("/api/v1/me/teaching", &t1.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page["next_cursor"].is_null(), "{page}");
    let items = page["items"].as_array().expect("items");
    let editions: Vec<Uuid> = items.iter().map(|i| id_of(&i["edition"])).collect();
    assert_eq!(
        editions,
        vec![draft, published, cancelled],
        "by first session, undated last"
    );
    let statuses: Vec<&str> = items
        .iter()
        .map(|i| i["edition"]["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(statuses, vec!["draft", "published", "cancelled"]);

    let sessions: Vec<Uuid> = items[1]["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(
        sessions,
        vec![id_of(&s1), id_of(&s2), id_of(&s3)],
        "sorted by start"
    );
    assert_eq!(items[0]["sessions"].as_array().map(Vec::len), Some(1));
    assert_eq!(items[2]["sessions"], json!([]));
    assert_eq!(
        parse_ts(&items[1]["edition"]["first_session_at"]),
        at(12, 9)
    );
    assert_eq!(
        parse_ts(&items[1]["edition"]["last_session_at"]),
        at(20, 12)
    );

    // The other trainer sees theirs.
    let (_, page) = app.get("/api/v1/me/teaching", &t2.token).await;
    let editions: Vec<Uuid> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| id_of(&i["edition"]))
        .collect();
    assert_eq!(editions, vec![published, other]);

    // Paged.
    let (status, page) = app.get("/api/v1/me/teaching?limit=2", &t1.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let cursor = page["next_cursor"].as_str().expect("cursor").to_owned();
    let (status, page) = app
        .get(
            &format!("/api/v1/me/teaching?limit=2&cursor={cursor}"),
            &t1.token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(id_of(&page["items"][0]["edition"]), cancelled);
    assert!(page["next_cursor"].is_null());

    // A signed-in person is needed.
    let (status, body) = anon_get(&app, "/api/v1/me/teaching").await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "invalid_token");
}

// ---------------------------------------------------------------------------------------
// 4. Seat figures
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn fresh_edition_has_all_seats_free() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Stoelen", "symposium", &[]).await;
    let created = create_edition_with(
        &app,
        &admin,
        c,
        json!({"capacity": 12, "waitlist_enabled": false, "requires_approval": true}),
    )
    .await;
    let e = id_of(&created);
    assert_eq!(created["capacity"], 12);
    assert_eq!(created["seats_taken"], 0);
    assert_eq!(created["seats_available"], 12);
    assert_eq!(created["waitlist_length"], 0);
    assert_eq!(created["waitlist_enabled"], false);
    assert_eq!(created["requires_approval"], true);

    for bad in [json!({"capacity": 0}), json!({"capacity": -3})] {
        let (status, body) = app
            .patch(&format!("/api/v1/editions/{e}"), &admin.token, bad)
            .await;
        assert_invalid(status, &body, "capacity");
    }
    let (status, body) = app
        .post(
            &format!("/api/v1/courses/{c}/editions"),
            &admin.token,
            json!({"capacity": 0}),
        )
        .await;
    assert_invalid(status, &body, "capacity");

    let (status, body) = app
        .patch(
            &format!("/api/v1/editions/{e}"),
            &admin.token,
            json!({"capacity": 30}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["capacity"], 30);
    assert_eq!(body["seats_available"], 30);
    assert_eq!(body["seats_taken"], 0);

    // The same figures in the catalogue.
    session(&app, &admin, e, at(3, 9), at(3, 17)).await;
    publish(&app, &admin, e).await;
    let (_, list) = anon_get(&app, "/api/v1/editions").await;
    let item = &list["items"][0];
    assert_eq!(id_of(item), e);
    assert_eq!(item["capacity"], 30);
    assert_eq!(item["seats_taken"], 0);
    assert_eq!(item["seats_available"], 30);
    assert_eq!(item["waitlist_length"], 0);
}
