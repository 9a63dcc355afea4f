//! Mails due at a time: reminders before sessions, the evaluation invitation, HR's daily
//! digest and the monthly points digest, each created once however often (and by however
//! many instances) the planner runs.

use chrono::{Datelike, Duration, SecondsFormat, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use reqwest::{Method, StatusCode};
use serde_json::json;

use academy::domain::schedule;

use crate::certificates::{enrol, mark, past_edition};
use crate::helpers::{Actor, TestApp, id_of};
use crate::smtp::SmtpSink;

fn stamp(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn count(app: &TestApp, kind: &str) -> usize {
    let rows: Vec<entity::message::Model> =
        <entity::message::Entity as sea_orm::EntityTrait>::find()
            .all(&app.state.db)
            .await
            .unwrap();
    rows.iter().filter(|m| m.kind == kind).count()
}

/// Plans as two instances would, at the same moment, several times; then lets the
/// clock catch up with the moment planned for, so what was planned is sent now.
async fn plan_everywhere(a: &TestApp, b: &TestApp, now: chrono::DateTime<Utc>) {
    for _ in 0..2 {
        let (x, y) = tokio::join!(
            schedule::plan(&a.state.db, now),
            schedule::plan(&b.state.db, now)
        );
        x.unwrap();
        y.unwrap();
    }
    time_passes(a).await;
}

/// Planning at a moment ahead of the clock dates the messages then; make them due now.
async fn time_passes(app: &TestApp) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    entity::message::Entity::update_many()
        .col_expr(
            entity::message::Column::DueAt,
            Expr::value(academy::domain::now()),
        )
        .filter(entity::message::Column::Status.eq(entity::MessageStatus::Queued))
        .filter(entity::message::Column::Attempts.eq(0))
        .exec(&app.state.db)
        .await
        .unwrap();
}

async fn plan(app: &TestApp, now: chrono::DateTime<Utc>) {
    schedule::plan(&app.state.db, now).await.unwrap();
    time_passes(app).await;
}

#[tokio::test]
async fn reminders_come_before_each_session_once_and_only_to_those_who_want_them() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with_mail(&sink).await;
    let url = sink.url();
    let other = app
        .another_instance_with(move |c| c.smtp_url = Some(url))
        .await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Lindenhout", "provider").await;
    let wil = app
        .create_user(&admin, org, &["professional"], "wil@example.test")
        .await;
    let quiet = app
        .create_user(&admin, org, &["professional"], "quiet@example.test")
        .await;
    let (status, body) = app
        .patch("/api/v1/me", &quiet.token, json!({"reminders": false}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["reminders"], false);

    let (_, course) = app
        .post(
            "/api/v1/courses",
            &admin.token,
            json!({"title": "Verklarende analyse", "kind": "training", "description": "Twee dagen."}),
        )
        .await;
    let (_, e) = app
        .create(
            &format!("/api/v1/courses/{}/editions", id_of(&course)),
            &admin.token,
            json!({"capacity": 10, "reminder_days_first": 3, "reminder_days_later": 1}),
        )
        .await;
    assert_eq!(e["reminder_days_first"], 3);
    let edition = id_of(&e);
    let first_start = Utc::now() + Duration::days(5);
    let second_start = Utc::now() + Duration::days(9);
    let mut sessions = Vec::new();
    for start in [first_start, second_start] {
        let (_, s) = app
            .create(
                &format!("/api/v1/editions/{edition}/sessions"),
                &admin.token,
                json!({"starts_at": stamp(start), "ends_at": stamp(start + Duration::hours(3))}),
            )
            .await;
        sessions.push(id_of(&s));
    }
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/editions/{edition}/publish"),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    for who in [&wil, &quiet] {
        let _ = app
            .create(
                &format!("/api/v1/editions/{edition}/registrations"),
                &who.token,
                json!({}),
            )
            .await;
    }

    // Four days ahead of the first session: too early for its 3-day reminder.
    plan_everywhere(&app, &other, first_start - Duration::days(4)).await;
    assert_eq!(count(&app, "session.reminder").await, 0);
    // Within three days of it: one reminder, to Wil only, however often it is planned.
    plan_everywhere(
        &app,
        &other,
        first_start - Duration::days(3) + Duration::minutes(1),
    )
    .await;
    assert_eq!(count(&app, "session.reminder").await, 1);
    let mail = sink
        .wait_for_mail(&wil.email, "Herinnering: Verklarende analyse", 10)
        .await;
    assert!(
        mail.text.contains("Herinneringen kun je uitzetten"),
        "{}",
        mail.text
    );
    let (method, ics) = mail.calendar.clone().expect("calendar part");
    assert_eq!(method, "REQUEST");
    assert!(
        ics.contains(&format!("UID:session-{}@academy.test", sessions[0])),
        "{ics}"
    );
    // The second session: one day before it, not before.
    plan_everywhere(&app, &other, second_start - Duration::days(2)).await;
    assert_eq!(count(&app, "session.reminder").await, 1);
    plan_everywhere(&app, &other, second_start - Duration::hours(23)).await;
    assert_eq!(count(&app, "session.reminder").await, 2);
    sink.wait_for(3, 10).await;
    assert!(
        sink.to(&quiet.email)
            .iter()
            .all(|m| !m.subject.starts_with("Herinnering"))
    );

    // A moved session is reminded of again (at its new time).
    let new_start = second_start + Duration::hours(2);
    let (status, body) = app
        .patch(
            &format!("/api/v1/sessions/{}", sessions[1]),
            &admin.token,
            json!({"starts_at": stamp(new_start), "ends_at": stamp(new_start + Duration::hours(3))}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    plan_everywhere(&app, &other, new_start - Duration::hours(23)).await;
    assert_eq!(count(&app, "session.reminder").await, 3);
}

#[tokio::test]
async fn after_the_last_session_those_who_attended_are_invited_to_evaluate() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with_mail(&sink).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Pluryn", "provider").await;
    let trainer = app
        .create_user(&admin, org, &["trainer"], "t@example.test")
        .await;
    let came = app
        .create_user(&admin, org, &["professional"], "came@example.test")
        .await;
    let absent = app
        .create_user(&admin, org, &["professional"], "absent@example.test")
        .await;
    let (edition, sessions) = past_edition(&app, &admin, &trainer, "Rapporteren", 1, 100.0).await;
    let r1 = enrol(&app, &admin, edition, &came).await;
    let r2 = enrol(&app, &admin, edition, &absent).await;
    let (status, body) = mark(
        &app,
        &trainer.token,
        sessions[0],
        json!([{"registration_id": r1, "status": "present"}, {"registration_id": r2, "status": "absent"}]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // past_edition's session ended ten days ago: beyond the catch-up window of two days,
    // so plan as of the day after it ended.
    let (_, e) = app
        .get(&format!("/api/v1/editions/{edition}"), &admin.token)
        .await;
    let ended: chrono::DateTime<Utc> = e["last_session_at"].as_str().unwrap().parse().unwrap();
    plan(&app, ended + Duration::hours(20)).await;
    plan(&app, ended + Duration::hours(21)).await;
    assert_eq!(count(&app, "evaluation.invitation").await, 1);
    let mail = sink
        .wait_for_mail(&came.email, "Hoe was het? Rapporteren", 10)
        .await;
    assert!(
        mail.text.contains(&format!(
            "http://academy.test/evaluation?edition={edition}&lang=nl"
        )),
        "{}",
        mail.text
    );
    assert!(
        sink.to(&absent.email)
            .iter()
            .all(|m| !m.subject.starts_with("Hoe was het"))
    );
}

/// 07:30 in the Netherlands today.
fn this_morning() -> chrono::DateTime<Utc> {
    let today = Utc::now().with_timezone(&Amsterdam).date_naive();
    Amsterdam
        .from_local_datetime(&today.and_hms_opt(7, 30, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// 07:30 in the Netherlands on the first of next month: a month the service's own
/// background planning (which runs on the real clock) cannot have worked out already.
fn next_month_morning() -> chrono::DateTime<Utc> {
    let today = Utc::now().with_timezone(&Amsterdam).date_naive();
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .unwrap();
    Amsterdam
        .from_local_datetime(&first.and_hms_opt(7, 30, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn hr_who_chose_a_digest_get_one_mail_a_day_instead_of_one_per_request() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with_mail(&sink).await;
    let admin = app.admin().await;
    let org = app
        .create_org(&admin, "Gemeente Lelystad", "municipality")
        .await;
    let hr = app
        .create_user(&admin, org, &["hr"], "hr@lelystad.test")
        .await;
    let (status, body) = app
        .patch(
            "/api/v1/me",
            &hr.token,
            json!({"approval_mails": "daily_digest"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let people: Vec<Actor> = {
        let mut v = Vec::new();
        for i in 0..2 {
            v.push(
                app.create_user(
                    &admin,
                    org,
                    &["professional"],
                    &format!("p{i}@lelystad.test"),
                )
                .await,
            );
        }
        v
    };
    let edition = app
        .open_edition(
            &admin,
            20,
            json!({"capacity": 10, "requires_approval": true}),
        )
        .await;
    for p in &people {
        let _ = app
            .create(
                &format!("/api/v1/editions/{edition}/registrations"),
                &p.token,
                json!({}),
            )
            .await;
    }
    sink.wait_for(2, 10).await;
    assert_eq!(count(&app, "registration.approval_requested").await, 0);
    plan(&app, this_morning() - Duration::hours(1)).await;
    assert_eq!(
        count(&app, "registration.approval_digest").await,
        0,
        "not before 07:00"
    );
    plan(&app, this_morning()).await;
    plan(&app, this_morning() + Duration::hours(3)).await;
    assert_eq!(count(&app, "registration.approval_digest").await, 1);
    let digest = sink
        .wait_for_mail(
            &hr.email,
            "2 inschrijving(en) wachten op je goedkeuring",
            10,
        )
        .await;
    assert!(
        digest
            .text
            .contains("Test p0@lelystad.test – Verklarende analyse"),
        "{}",
        digest.text
    );
    assert!(digest.text.contains("Test p1@lelystad.test"));
}

#[tokio::test]
async fn people_short_of_points_are_named_to_their_hr_monthly_and_told_once_themselves() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with_mail(&sink).await;
    let url = sink.url();
    let other = app
        .another_instance_with(move |c| c.smtp_url = Some(url))
        .await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Timon", "provider").await;
    let hr = app.create_user(&admin, org, &["hr"], "hr@timon.test").await;
    let today = Utc::now().date_naive();
    let start = |years_ago: i32| {
        today
            .checked_sub_months(chrono::Months::new(years_ago as u32 * 12 - 6))
            .unwrap()
            .to_string()
    };
    // Ends in about six months with no points: short. Ends in three and a half years: not yet.
    let create = |email: &'static str, period_start: String| {
        let app = &app;
        let admin = &admin;
        async move {
            let _ = app.create("/api/v1/users",
                    &admin.token,
                    json!({
                        "email": email, "name": format!("Test {email}"), "organization_id": org,
                        "roles": ["professional"], "password": crate::helpers::PASSWORD,
                        "registers": [{"register": "SKJ", "number": "100200300", "period_start": period_start}],
                    })).await;
        }
    };
    create("late@timon.test", start(5)).await;
    create("fine@timon.test", start(2)).await;
    // The month's digest is worked out once, from the 1st; planning again later that
    // month adds nothing.
    plan_everywhere(&app, &other, next_month_morning()).await;
    plan_everywhere(&app, &other, next_month_morning() + Duration::days(3)).await;
    assert_eq!(count(&app, "points.digest").await, 1);
    assert_eq!(count(&app, "points.reminder").await, 1);
    let digest = sink
        .wait_for_mail(&hr.email, "Registerpunten: wie loopt achter", 10)
        .await;
    assert!(
        digest
            .text
            .contains("Test late@timon.test: SKJ 0 van 60 punten"),
        "{}",
        digest.text
    );
    assert!(!digest.text.contains("fine@timon.test"));
    let own = sink
        .wait_for_mail("late@timon.test", "Je registerpunten", 10)
        .await;
    assert!(
        own.text.contains("eenmaal per registratieperiode"),
        "{}",
        own.text
    );
    assert!(sink.to("fine@timon.test").is_empty());
}
