//! Sessions: validation, revisions, moves and removal.

use chrono::Duration;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

use super::support::*;

// ---------------------------------------------------------------------------------------
// 6. Sessions
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn session_times_are_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Tijden", "workshop", &[]).await;
    let e = edition(&app, &admin, c, &[]).await;
    let path = format!("/api/v1/editions/{e}/sessions");
    let start = at(5, 9);

    for end in [start, start - Duration::hours(1)] {
        let (status, body) = app
            .post(
                &path,
                &admin.token,
                json!({"starts_at": ts(start), "ends_at": ts(end)}),
            )
            .await;
        assert_invalid(status, &body, "ends_at");
    }
    let (status, body) = app
        .post(
            &path,
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(24) + Duration::seconds(1))}),
        )
        .await;
    assert_invalid(status, &body, "ends_at");
    let (status, body) = app
        .post(
            &path,
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": "tomorrow"}),
        )
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (status, body) = app
        .post(&path, &admin.token, json!({"starts_at": ts(start)}))
        .await;
    assert_problem(
        status,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    let (status, body) = app
        .post(
            &path,
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(1)), "online_url": "ftp://x"}),
        )
        .await;
    assert_invalid(status, &body, "online_url");
    let (_, sessions) = app.get(&path, &admin.token).await;
    assert_eq!(sessions["items"], json!([]), "nothing was stored");

    // Exactly 24 hours is allowed; offsets are stored as UTC.
    let (_, body) = app
        .create(
            &path,
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(24))}),
        )
        .await;
    assert_eq!(body["status"], "scheduled");
    assert_eq!(body["revision"], 0);
    let local = (start + Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%S+01:00")
        .to_string();
    let (_, body) = app.create(&path,
            &admin.token,
            json!({"starts_at": local, "ends_at": ts(start + Duration::hours(2)), "location": "Zaal 3"})).await;
    assert_eq!(body["starts_at"], ts(start));
    assert_eq!(body["location"], "Zaal 3");
    let sid = id_of(&body);

    // A PATCH that makes the times invalid is refused and changes nothing.
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{sid}"),
            &admin.token,
            json!({"ends_at": ts(start - Duration::minutes(1))}),
        )
        .await;
    assert_invalid(status, &body, "ends_at");
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{sid}"),
            &admin.token,
            json!({"ends_at": ts(start + Duration::hours(25))}),
        )
        .await;
    assert_invalid(status, &body, "ends_at");
    let (_, body) = app
        .get(&format!("/api/v1/sessions/{sid}"), &admin.token)
        .await;
    assert_eq!(body["ends_at"], ts(start + Duration::hours(2)));
    assert_eq!(body["revision"], 0);

    // Sessions are written by admins only.
    let org = app.create_org(&admin, "Org sessies", "provider").await;
    let trainer = app
        .create_user(&admin, org, &["trainer"], "trainer@sessions.test")
        .await;
    let (status, body) = app
        .post(
            &path,
            &trainer.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(1))}),
        )
        .await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app
        .post(
            &format!("/api/v1/editions/{}/sessions", Uuid::now_v7()),
            &admin.token,
            json!({"starts_at": ts(start), "ends_at": ts(start + Duration::hours(1))}),
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn session_changes_bump_the_revision_once_and_move_the_edition() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Revisies", "training", &[]).await;
    let e = edition(&app, &admin, c, &[]).await;
    let first = session(&app, &admin, e, at(10, 9), at(10, 12)).await;
    session(&app, &admin, e, at(17, 9), at(17, 12)).await;
    publish(&app, &admin, e).await;
    let sid = id_of(&first);
    let spath = format!("/api/v1/sessions/{sid}");
    assert_eq!(first["revision"], 0);

    // Moving the time: revision + 1, and the edition's first session follows.
    let (status, moved) = app
        .patch(
            &spath,
            &admin.token,
            json!({"starts_at": ts(at(8, 13)), "ends_at": ts(at(8, 16))}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["revision"], 1);
    assert_eq!(moved["starts_at"], ts(at(8, 13)));
    assert_eq!(moved["ends_at"], ts(at(8, 16)));
    let (_, ed) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(8, 13));
    assert_eq!(parse_ts(&ed["last_session_at"]), at(17, 12));

    // The same values again: no change, no bump.
    let (status, same) = app
        .patch(
            &spath,
            &admin.token,
            json!({"starts_at": ts(at(8, 13)), "ends_at": ts(at(8, 16))}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{same}");
    assert_eq!(same["revision"], 1);
    assert_eq!(same["updated_at"], moved["updated_at"]);
    let (status, same) = app.patch(&spath, &admin.token, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{same}");
    assert_eq!(same["revision"], 1);

    // Only the end moves: one bump.
    let (_, body) = app
        .patch(&spath, &admin.token, json!({"ends_at": ts(at(8, 17))}))
        .await;
    assert_eq!(body["revision"], 2);
    assert_eq!(body["starts_at"], ts(at(8, 13)));

    // The place: set, same again, cleared.
    let (status, body) = app
        .patch(&spath, &admin.token, json!({"location": "Zaal 5"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["location"], "Zaal 5");
    assert_eq!(body["revision"], 3);
    let (_, body) = app
        .patch(&spath, &admin.token, json!({"location": "Zaal 5"}))
        .await;
    assert_eq!(body["revision"], 3);
    let (_, body) = app
        .patch(
            &spath,
            &admin.token,
            json!({"online_url": "https://meet.example/r"}),
        )
        .await;
    assert_eq!(body["revision"], 4);
    assert_eq!(body["online_url"], "https://meet.example/r");
    let (_, body) = app
        .patch(&spath, &admin.token, json!({"location": null}))
        .await;
    assert_eq!(body["revision"], 5);
    assert!(body["location"].is_null(), "{body}");

    // What a reader sees.
    let (status, body) = anon_get(&app, &spath).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revision"], 5);
    assert_eq!(body["starts_at"], ts(at(8, 13)));

    // Moving it after the other one moves the edition's first session to the other.
    let (_, body) = app
        .patch(
            &spath,
            &admin.token,
            json!({"starts_at": ts(at(25, 9)), "ends_at": ts(at(25, 10))}),
        )
        .await;
    assert_eq!(body["revision"], 6);
    let (_, ed) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(17, 9));
    assert_eq!(parse_ts(&ed["last_session_at"]), at(25, 10));
    let (_, list) = anon_get(&app, &format!("/api/v1/editions?from={}", ts(at(17, 9)))).await;
    assert_eq!(
        item_ids(&list),
        vec![e],
        "the catalogue filters on the new first session"
    );

    // Unknown session.
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{}", Uuid::now_v7()),
            &admin.token,
            json!({"location": "x"}),
        )
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn removing_a_session_deletes_it_from_a_draft_and_cancels_it_once_published() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let c = course(&app, &admin, "Verwijderen", "training", &[]).await;

    // Draft: gone.
    let draft = edition(&app, &admin, c, &[]).await;
    let s = session(&app, &admin, draft, at(6, 9), at(6, 12)).await;
    let keep = session(&app, &admin, draft, at(9, 9), at(9, 12)).await;
    let (status, body) = delete(
        &app,
        &format!("/api/v1/sessions/{}", id_of(&s)),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, sessions) = app
        .get(&format!("/api/v1/editions/{draft}/sessions"), &admin.token)
        .await;
    let ids: Vec<Uuid> = sessions["items"]
        .as_array()
        .expect("list")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, vec![id_of(&keep)]);
    let (status, body) = app
        .get(&format!("/api/v1/sessions/{}", id_of(&s)), &admin.token)
        .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (_, ed) = app
        .get(&format!("/api/v1/editions/{draft}"), &admin.token)
        .await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(9, 9));
    // The last one too: the draft has no schedule left and cannot be published.
    let (status, _) = delete(
        &app,
        &format!("/api/v1/sessions/{}", id_of(&keep)),
        &admin.token,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, ed) = app
        .get(&format!("/api/v1/editions/{draft}"), &admin.token)
        .await;
    assert!(ed["first_session_at"].is_null(), "{ed}");
    let (status, body) = post_empty(
        &app,
        &format!("/api/v1/editions/{draft}/publish"),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::CONFLICT, "no_sessions");

    // Published: cancelled and kept, so calendars can show it.
    let e = edition(&app, &admin, c, &[]).await;
    let s1 = session(&app, &admin, e, at(6, 9), at(6, 12)).await;
    let s2 = session(&app, &admin, e, at(13, 9), at(13, 12)).await;
    publish(&app, &admin, e).await;
    let s1_path = format!("/api/v1/sessions/{}", id_of(&s1));
    let (status, body) = delete(&app, &s1_path, &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], s1["id"]);
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["revision"], 1);
    assert_eq!(body["starts_at"], ts(at(6, 9)), "the time stays as it was");

    let (status, sessions) = anon_get(&app, &format!("/api/v1/editions/{e}/sessions")).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let list = sessions["items"].as_array().expect("list");
    assert_eq!(list.len(), 2, "{sessions}");
    assert_eq!(list[0]["id"], s1["id"]);
    assert_eq!(list[0]["status"], "cancelled");
    assert_eq!(list[1]["id"], s2["id"]);
    assert_eq!(list[1]["status"], "scheduled");

    // The edition's schedule ignores the cancelled session.
    let (_, ed) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(13, 9));
    assert_eq!(parse_ts(&ed["last_session_at"]), at(13, 12));
    let (_, list) = anon_get(&app, &format!("/api/v1/editions?to={}", ts(at(7, 0)))).await;
    assert!(item_ids(&list).is_empty(), "{list}");

    // Removing it again changes nothing.
    let (status, body) = delete(&app, &s1_path, &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(body["revision"], 1);

    // Reinstating it is a change of status: one more bump, and the schedule follows.
    let (status, body) = app
        .patch(&s1_path, &admin.token, json!({"status": "scheduled"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "scheduled");
    assert_eq!(body["revision"], 2);
    let (_, ed) = anon_get(&app, &format!("/api/v1/editions/{e}")).await;
    assert_eq!(parse_ts(&ed["first_session_at"]), at(6, 9));

    // Not by others; not for unknown sessions.
    let org = app.create_org(&admin, "Org verwijderen", "provider").await;
    let pro = app
        .create_user(&admin, org, &["professional"], "pro@remove.test")
        .await;
    let (status, body) = delete(&app, &s1_path, &pro.token).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = delete(
        &app,
        &format!("/api/v1/sessions/{}", Uuid::now_v7()),
        &admin.token,
    )
    .await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn implausible_session_dates_and_hidden_editions_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Dates provider", "provider").await;
    let c = course(&app, &admin, "Datums", "workshop", &[]).await;
    let e = edition(&app, &admin, c, &[]).await;
    for (starts, ends) in [
        ("1899-12-31T09:00:00Z", "1899-12-31T12:00:00Z"),
        ("9999-12-31T09:00:00Z", "9999-12-31T12:00:00Z"),
    ] {
        let (status, body) = app
            .post(
                &format!("/api/v1/editions/{e}/sessions"),
                &admin.token,
                json!({"starts_at": starts, "ends_at": ends}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"][0]["field"], "starts_at", "{body}");
    }
    // Closing a draft one cannot see says nothing about it.
    let pro = app
        .create_user(&admin, org, &["professional"], "nosy@dates.test")
        .await;
    let (status, body) = post_empty(&app, &format!("/api/v1/editions/{e}/close"), &pro.token).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

// ---------------------------------------------------------------------------------------
// The catalogue cache: every change shows at once
// ---------------------------------------------------------------------------------------
