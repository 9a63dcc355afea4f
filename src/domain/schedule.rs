//! Mails that are due at a time rather than caused by a change: reminders before
//! sessions, the evaluation invitation after the last one, HR's daily digest of approvals
//! waiting, and the monthly points-shortfall digest. Every instance plans them each
//! minute; each is an outbox row with a unique key per purpose, so however many instances
//! plan at the same moment, each mail is created once.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, Utc};
use entity::{
    ApprovalMails, AttendanceStatus, EditionStatus, RegistrationStatus, Role, SessionStatus,
    attendance, edition, message, registration, session, setting, user, user_role,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::messages::Kind;
use super::reports::{self, Scope};
use crate::db::begin_write;
use crate::error::DomainResult;

/// How far back a missed moment is still made up for (an instance that was down).
const CATCH_UP: Duration = Duration::days(2);

/// The local time of day digests are sent.
const DIGEST_HOUR: u32 = 7;

/// A scheduled message: its purpose key and what it is.
struct Planned {
    key: String,
    kind: Kind,
    user_id: Uuid,
    about: Option<Uuid>,
    payload: serde_json::Value,
}

/// Creates the scheduled messages due by `now` that do not exist yet. Returns how many
/// were created.
pub async fn plan(db: &DatabaseConnection, now: DateTime<Utc>) -> DomainResult<u64> {
    let mut planned = reminders(db, now).await?;
    planned.extend(evaluation_invitations(db, now).await?);
    planned.extend(approval_digests(db, now).await?);
    let mut created = insert(db, planned, now).await?;
    created += points_digests(db, now).await?;
    Ok(created)
}

async fn insert(
    db: &impl ConnectionTrait,
    planned: Vec<Planned>,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    if planned.is_empty() {
        return Ok(0);
    }
    // Most planning rounds find every key taken: look first, insert only what is new.
    let keys: Vec<String> = planned.iter().map(|p| p.key.clone()).collect();
    let mut taken: HashSet<String> = HashSet::new();
    for chunk in keys.chunks(500) {
        let found: Vec<Option<String>> = message::Entity::find()
            .select_only()
            .column(message::Column::DedupKey)
            .filter(message::Column::DedupKey.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        taken.extend(found.into_iter().flatten());
    }
    let mut created = 0;
    for p in planned.into_iter().filter(|p| !taken.contains(&p.key)) {
        // One row at a time with ON CONFLICT DO NOTHING: another instance may have
        // created the same key since we looked.
        let mut row = super::messages::queued_row(
            Uuid::now_v7(),
            p.kind.as_str(),
            p.user_id,
            p.about,
            p.payload.to_string(),
            now,
            now,
        );
        row.dedup_key = Set(Some(p.key));
        let inserted = message::Entity::insert(row)
            .on_conflict_do_nothing_on([message::Column::DedupKey])
            .exec_without_returning(db)
            .await?;
        if let sea_orm::TryInsertResult::Inserted(n) = inserted {
            created += n;
        }
    }
    Ok(created)
}

/// Reminders whose time has come: `reminder_days_first` days before an edition's first
/// scheduled session, `reminder_days_later` before each later one, for confirmed
/// participants who did not turn reminders off. A session moved after its reminder was
/// sent gets a new one (the key carries its revision).
async fn reminders(db: &impl ConnectionTrait, now: DateTime<Utc>) -> DomainResult<Vec<Planned>> {
    let horizon = now + Duration::days(i64::from(super::editions::lifecycle::MAX_REMINDER_DAYS));
    let upcoming = session::Entity::find()
        .filter(session::Column::Status.eq(SessionStatus::Scheduled))
        .filter(session::Column::StartsAt.gt(now))
        .filter(session::Column::StartsAt.lte(horizon))
        .all(db)
        .await?;
    if upcoming.is_empty() {
        return Ok(Vec::new());
    }
    let edition_ids: HashSet<Uuid> = upcoming.iter().map(|s| s.edition_id).collect();
    let editions: HashMap<Uuid, edition::Model> = edition::Entity::find()
        .filter(edition::Column::Id.is_in(edition_ids.iter().copied()))
        .filter(edition::Column::Status.eq(EditionStatus::Published))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut out = Vec::new();
    for s in upcoming {
        let Some(e) = editions.get(&s.edition_id) else {
            continue;
        };
        let first = e.first_session_at == Some(s.starts_at);
        let days = if first {
            e.reminder_days_first
        } else {
            e.reminder_days_later
        };
        if days <= 0 || now < s.starts_at - Duration::days(i64::from(days)) {
            continue;
        }
        let people: Vec<Uuid> = registration::Entity::find()
            .select_only()
            .column(registration::Column::UserId)
            .inner_join(user::Entity)
            .filter(registration::Column::EditionId.eq(e.id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .filter(user::Column::Reminders.eq(true))
            .into_tuple()
            .all(db)
            .await?;
        for person in people {
            out.push(Planned {
                key: format!("reminder:{}:{}:{person}", s.id, s.revision),
                kind: Kind::SessionReminder,
                user_id: person,
                about: Some(s.id),
                payload: json!({ "revision": s.revision }),
            });
        }
    }
    Ok(out)
}

/// The invitation to evaluate, once the last session of an edition is over, for each
/// participant who attended any session.
async fn evaluation_invitations(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> DomainResult<Vec<Planned>> {
    let ended: Vec<Uuid> = edition::Entity::find()
        .select_only()
        .column(edition::Column::Id)
        .filter(edition::Column::Status.is_in([EditionStatus::Published, EditionStatus::Closed]))
        .filter(edition::Column::LastSessionAt.lte(now))
        .filter(edition::Column::LastSessionAt.gt(now - CATCH_UP))
        .into_tuple()
        .all(db)
        .await?;
    if ended.is_empty() {
        return Ok(Vec::new());
    }
    let attended: Vec<(Uuid, Uuid)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .column(registration::Column::UserId)
        .distinct()
        .join(
            sea_orm::JoinType::InnerJoin,
            registration::Entity::has_many(attendance::Entity)
                .from(registration::Column::Id)
                .to(attendance::Column::RegistrationId)
                .into(),
        )
        .filter(registration::Column::EditionId.is_in(ended))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .filter(
            attendance::Column::Status.is_in([AttendanceStatus::Present, AttendanceStatus::Late]),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(attended
        .into_iter()
        .map(|(reg, person)| Planned {
            key: format!("evaluation:{reg}"),
            kind: Kind::EvaluationInvitation,
            user_id: person,
            about: Some(reg),
            payload: json!({}),
        })
        .collect())
}

/// Today's digest time (07:00 in the Netherlands) as UTC, if it has passed.
fn digest_moment(now: DateTime<Utc>) -> Option<(chrono::NaiveDate, DateTime<Utc>)> {
    let today = crate::domain::time::local_day(now);
    let at = crate::domain::time::at_local(today, DIGEST_HOUR, 0)?;
    (now >= at).then_some((today, at))
}

/// HR who asked for one mail a day: a digest of the registrations of their organisation
/// waiting for approval, each morning there are any.
async fn approval_digests(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> DomainResult<Vec<Planned>> {
    let Some((today, _)) = digest_moment(now) else {
        return Ok(Vec::new());
    };
    let hr: Vec<(Uuid, Uuid)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::OrganizationId)
        .inner_join(user_role::Entity)
        .filter(user_role::Column::Role.eq(Role::Hr))
        .filter(user::Column::ApprovalMails.eq(ApprovalMails::DailyDigest))
        .filter(user::Column::DisabledAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    if hr.is_empty() {
        return Ok(Vec::new());
    }
    let waiting: HashSet<Uuid> = registration::Entity::find()
        .select_only()
        .column(user::Column::OrganizationId)
        .inner_join(user::Entity)
        .filter(registration::Column::Status.eq(RegistrationStatus::PendingApproval))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(hr
        .into_iter()
        .filter(|(_, org)| waiting.contains(org))
        .map(|(person, org)| Planned {
            key: format!("approval-digest:{person}:{today}"),
            kind: Kind::ApprovalDigest,
            user_id: person,
            about: Some(org),
            payload: json!({ "day": today }),
        })
        .collect())
}

/// Each month (from the 1st, 07:00): to HR, the people of their organisation whose
/// register period ends within a year and who are short of points; to each such person,
/// once per period, a word about themself. Worked out once a month by one instance: a
/// marker row, in the same transaction as the messages, says the month is done.
async fn points_digests(db: &DatabaseConnection, now: DateTime<Utc>) -> DomainResult<u64> {
    let Some((today, _)) = digest_moment(now) else {
        return Ok(0);
    };
    let month = format!("{}-{:02}", today.year(), today.month());
    let marker = format!("points-digest:{month}");
    if setting::Entity::find_by_id(marker.clone())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(0);
    }
    let txn = begin_write(db).await?;
    let claimed = setting::Entity::insert(setting::ActiveModel {
        key: Set(marker),
        value: Set(now.to_rfc3339()),
    })
    .on_conflict_do_nothing_on([setting::Column::Key])
    .exec_without_returning(&txn)
    .await?;
    if !matches!(claimed, sea_orm::TryInsertResult::Inserted(1)) {
        txn.commit().await?;
        return Ok(0);
    }
    let mut short: Vec<reports::PointsLine> = Vec::new();
    for register in reports::registers_with_norm() {
        short.extend(
            reports::points(&txn, Scope::All, register, None, None, today)
                .await?
                .into_iter()
                .filter(reports::short_within_a_year),
        );
    }
    let orgs: HashSet<Uuid> = short.iter().map(|l| l.organization_id).collect();
    let hr: Vec<(Uuid, Uuid)> = if orgs.is_empty() {
        Vec::new()
    } else {
        user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::OrganizationId)
            .inner_join(user_role::Entity)
            .filter(user_role::Column::Role.eq(Role::Hr))
            .filter(user::Column::OrganizationId.is_in(orgs))
            .filter(user::Column::DisabledAt.is_null())
            .into_tuple()
            .all(&txn)
            .await?
    };
    let mut out: Vec<Planned> = hr
        .into_iter()
        .map(|(person, org)| Planned {
            key: format!("points-digest:{person}:{month}"),
            kind: Kind::PointsDigest,
            user_id: person,
            about: Some(org),
            payload: json!({ "month": month }),
        })
        .collect();
    for line in short {
        use sea_orm::ActiveEnum;
        out.push(Planned {
            key: format!(
                "points-self:{}:{}:{}",
                line.user_id,
                line.register.to_value(),
                line.period_end
            ),
            kind: Kind::PointsReminder,
            user_id: line.user_id,
            about: None,
            payload: json!({ "register": line.register.to_value() }),
        });
    }
    let created = insert(&txn, out, now).await?;
    txn.commit().await?;
    Ok(created)
}
