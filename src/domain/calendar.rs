//! What the calendar feeds hold: the sessions of one edition, of the catalogue, and of one
//! person (their registrations and what they teach), each with its status. Cancelled
//! sessions, editions and registrations stay in a feed as cancelled for 30 days, so
//! subscribed calendars remove them, and are gone after that.
//!
//! Personal feeds are read without a bearer token, by a secret URL: the token in it is
//! derived from the person and a generation number (so asking for the URL again gives
//! the same one) and only its hash is stored; rotating bumps the generation and drops
//! every older token.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use entity::{
    EditionStatus, Locale, RegistrationStatus, SessionStatus, calendar_feed, course, edition,
    edition_trainer, registration, registration_event, session, user,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::editions::{self, catalogue::EditionFilter};
use crate::auth::secret::{hmac_sha256, sha256_hex};
use crate::auth::tokens::Principal;
use crate::calendar::feeds::Item;
use crate::calendar::ics::EventStatus;
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult};
use crate::texts::t;

/// How long something cancelled stays in a feed.
pub const KEEP_CANCELLED: Duration = Duration::days(30);
/// How far back a personal feed reaches.
pub const PERSONAL_HISTORY: Duration = Duration::days(365);
/// Sessions in one catalogue feed at most.
pub const CATALOG_MAX_SESSIONS: u64 = 5_000;

/// A layer's say on an event: shown as it is, tentatively, cancelled, or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Say {
    Confirmed,
    Tentative,
    Cancelled,
    Hidden,
}

fn cancelled_since(at: DateTime<Utc>, now: DateTime<Utc>) -> Say {
    if at >= now - KEEP_CANCELLED {
        Say::Cancelled
    } else {
        Say::Hidden
    }
}

fn edition_say(e: &edition::Model, now: DateTime<Utc>) -> Say {
    match e.status {
        EditionStatus::Cancelled => cancelled_since(e.updated_at, now),
        EditionStatus::Draft => Say::Tentative,
        EditionStatus::Published | EditionStatus::Closed => Say::Confirmed,
    }
}

fn session_say(s: &session::Model, now: DateTime<Utc>) -> Say {
    match s.status {
        SessionStatus::Cancelled => cancelled_since(s.updated_at, now),
        SessionStatus::Scheduled => Say::Confirmed,
    }
}

/// Per edition: the person's say and remark, the latest change behind it, and how many
/// times their registration changed (added to every event's `SEQUENCE`, so a calendar
/// program applies a cancellation, a promotion or a new registration).
type Overlay = HashMap<Uuid, (Say, Option<String>, DateTime<Utc>, i32)>;

/// Builds items for the sessions of these editions, in start order.
async fn items(
    db: &impl ConnectionTrait,
    editions: Vec<edition::Model>,
    overlay: &Overlay,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    locale: Locale,
) -> DomainResult<Vec<Item>> {
    if editions.is_empty() {
        return Ok(Vec::new());
    }
    let course_ids: Vec<Uuid> = editions.iter().map(|e| e.course_id).collect();
    let courses: HashMap<Uuid, course::Model> = course::Entity::find()
        .filter(course::Column::Id.is_in(course_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let edition_ids: Vec<Uuid> = editions.iter().map(|e| e.id).collect();
    let by_id: HashMap<Uuid, &edition::Model> = editions.iter().map(|e| (e.id, e)).collect();
    let mut q = session::Entity::find().filter(session::Column::EditionId.is_in(edition_ids));
    if let Some(since) = since {
        q = q.filter(session::Column::EndsAt.gte(since));
    }
    let sessions = q
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Id)
        .limit(CATALOG_MAX_SESSIONS)
        .all(db)
        .await?;
    // Ordinals count the scheduled sessions of each edition, all of them, not only the
    // ones in the window.
    let mut scheduled: HashMap<Uuid, Vec<(DateTime<Utc>, Uuid)>> = HashMap::new();
    for (edition_id, starts_at, id) in session::Entity::find()
        .select_only()
        .columns([
            session::Column::EditionId,
            session::Column::StartsAt,
            session::Column::Id,
        ])
        .filter(session::Column::EditionId.is_in(by_id.keys().copied().collect::<Vec<_>>()))
        .filter(session::Column::Status.eq(SessionStatus::Scheduled))
        .into_tuple::<(Uuid, DateTime<Utc>, Uuid)>()
        .all(db)
        .await?
    {
        scheduled
            .entry(edition_id)
            .or_default()
            .push((starts_at, id));
    }
    for list in scheduled.values_mut() {
        list.sort();
    }
    let mut out = Vec::with_capacity(sessions.len());
    for s in sessions {
        let Some(e) = by_id.get(&s.edition_id) else {
            continue;
        };
        let Some(c) = courses.get(&e.course_id) else {
            continue;
        };
        let (personal, remark, personal_at, personal_changes) = overlay
            .get(&e.id)
            .cloned()
            .unwrap_or((Say::Confirmed, None, DateTime::UNIX_EPOCH, 0));
        // A cancelled edition changes every event once more than its sessions did.
        let edition_changes = i32::from(e.status == EditionStatus::Cancelled);
        let say = edition_say(e, now).max(session_say(&s, now)).max(personal);
        let status = match say {
            Say::Hidden => continue,
            Say::Confirmed => EventStatus::Confirmed,
            Say::Tentative => EventStatus::Tentative,
            Say::Cancelled => EventStatus::Cancelled,
        };
        let list = scheduled.get(&e.id).map(Vec::as_slice).unwrap_or_default();
        let k = list
            .iter()
            .position(|(_, id)| *id == s.id)
            .map_or(0, |p| p + 1);
        out.push(Item {
            session_id: s.id,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            revision: s.revision + edition_changes + personal_changes,
            updated_at: s
                .updated_at
                .max(e.updated_at)
                .max(c.updated_at)
                .max(personal_at),
            edition_id: e.id,
            course_title: c.title.clone(),
            kind: c.kind,
            locale,
            location: s.location.clone().or_else(|| e.location.clone()),
            online_url: s.online_url.clone().or_else(|| e.online_url.clone()),
            ordinal: (k, list.len()),
            status,
            remark,
        });
    }
    Ok(out)
}

/// The sessions of one edition: published, closed and (for 30 days) cancelled editions
/// for anyone; drafts only for admins and its trainers.
pub async fn edition_feed(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    edition_id: Uuid,
) -> DomainResult<(edition::Model, Vec<Item>)> {
    let e = edition::Entity::find_by_id(edition_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("edition"))?;
    if e.status == EditionStatus::Draft && !editions::access::sees_in_full(db, actor, e.id).await? {
        return Err(DomainError::NotFound("edition"));
    }
    let now = super::now();
    let list = items(db, vec![e.clone()], &Overlay::new(), None, now, Locale::Nl).await?;
    Ok((e, list))
}

/// The catalogue's sessions: published editions matching the filters (and editions
/// cancelled in the last 30 days), from 30 days ago unless `from` says otherwise.
pub async fn catalog_feed(
    db: &DatabaseConnection,
    filter: &EditionFilter,
) -> DomainResult<Vec<Item>> {
    let now = super::now();
    let q = edition::Entity::find().filter(
        Condition::any()
            .add(edition::Column::Status.eq(EditionStatus::Published))
            .add(
                Condition::all()
                    .add(edition::Column::Status.eq(EditionStatus::Cancelled))
                    .add(edition::Column::UpdatedAt.gte(now - KEEP_CANCELLED)),
            ),
    );
    let rows = editions::catalogue::narrow(q, filter)
        .order_by_asc(edition::Column::SortAt)
        .limit(CATALOG_MAX_SESSIONS)
        .all(db)
        .await?;
    let since = if filter.from.is_some() {
        None
    } else {
        Some(now - KEEP_CANCELLED)
    };
    items(db, rows, &Overlay::new(), since, now, Locale::Nl).await
}

/// A person's sessions: those of their registrations (waiting list and pending approval
/// tentative; cancelled and declined registrations cancelled for 30 days) and those they
/// teach, over the past year and the future.
pub async fn personal_feed(
    db: &DatabaseConnection,
    person: &user::Model,
) -> DomainResult<Vec<Item>> {
    personal(db, person, None).await
}

/// The events of one edition as the person's feed shows them: the calendar part of the
/// mails about it, so a calendar program updates the entry it already has.
pub async fn personal_edition(
    db: &impl ConnectionTrait,
    person: &user::Model,
    edition_id: Uuid,
) -> DomainResult<Vec<Item>> {
    personal(db, person, Some(edition_id)).await
}

async fn personal(
    db: &impl ConnectionTrait,
    person: &user::Model,
    only: Option<Uuid>,
) -> DomainResult<Vec<Item>> {
    let now = super::now();
    let mut overlay = Overlay::new();
    // One edition's entry (a mail's calendar part) reads that edition's rows only.
    let of_edition = |edition: Uuid| registration::Column::EditionId.eq(edition);
    // The latest registration per edition speaks (after a cancellation one may register
    // again).
    let regs = registration::Entity::find()
        .filter(registration::Column::UserId.eq(person.id))
        .apply_if(only, |q, edition| q.filter(of_edition(edition)))
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?;
    // Every status change of the person's registrations for an edition (the first entry
    // of each registration's history is its creation).
    let changes: HashMap<Uuid, i64> = registration_event::Entity::find()
        .select_only()
        .column(registration::Column::EditionId)
        .column_as(registration_event::Column::Id.count(), "n")
        .inner_join(registration::Entity)
        .filter(registration::Column::UserId.eq(person.id))
        .apply_if(only, |q, edition| q.filter(of_edition(edition)))
        .group_by(registration::Column::EditionId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for r in regs {
        let personal_changes = changes
            .get(&r.edition_id)
            .map_or(0, |n| i32::try_from(n - 1).unwrap_or(i32::MAX).max(0));
        let (say, remark) = match r.status {
            RegistrationStatus::Confirmed => (Say::Confirmed, None),
            RegistrationStatus::Waitlisted => (
                Say::Tentative,
                Some(match person.locale {
                    Locale::Nl => format!(
                        "Je staat op de wachtlijst (plaats {}).",
                        r.waitlist_position.unwrap_or_default()
                    ),
                    Locale::En => format!(
                        "You are on the waiting list (place {}).",
                        r.waitlist_position.unwrap_or_default()
                    ),
                }),
            ),
            RegistrationStatus::PendingApproval => (
                Say::Tentative,
                Some(
                    t(
                        person.locale,
                        "Je inschrijving wacht op goedkeuring.",
                        "Your registration awaits approval.",
                    )
                    .to_owned(),
                ),
            ),
            RegistrationStatus::Cancelled => (
                cancelled_since(r.updated_at, now),
                Some(
                    t(
                        person.locale,
                        "Je inschrijving is geannuleerd.",
                        "Your registration is cancelled.",
                    )
                    .to_owned(),
                ),
            ),
            RegistrationStatus::Declined => (
                cancelled_since(r.updated_at, now),
                Some(
                    t(
                        person.locale,
                        "Je inschrijving is niet goedgekeurd.",
                        "Your registration was not approved.",
                    )
                    .to_owned(),
                ),
            ),
        };
        overlay.insert(r.edition_id, (say, remark, r.updated_at, personal_changes));
    }
    let taught: Vec<Uuid> = edition_trainer::Entity::find()
        .filter(edition_trainer::Column::UserId.eq(person.id))
        .apply_if(only, |q, edition| {
            q.filter(edition_trainer::Column::EditionId.eq(edition))
        })
        .all(db)
        .await?
        .into_iter()
        .map(|t| t.edition_id)
        .collect();
    for id in &taught {
        overlay.insert(
            *id,
            (
                Say::Confirmed,
                Some(
                    t(
                        person.locale,
                        "Je geeft deze bijeenkomst.",
                        "You teach this session.",
                    )
                    .to_owned(),
                ),
                DateTime::UNIX_EPOCH,
                0,
            ),
        );
    }
    let ids: Vec<Uuid> = overlay.keys().copied().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = edition::Entity::find()
        .filter(edition::Column::Id.is_in(ids))
        .all(db)
        .await?;
    items(
        db,
        rows,
        &overlay,
        Some(now - PERSONAL_HISTORY),
        now,
        person.locale,
    )
    .await
}

fn derive_token(secret: &[u8; 32], user_id: Uuid, generation: i32) -> String {
    URL_SAFE_NO_PAD.encode(hmac_sha256(
        secret,
        &[user_id.as_bytes(), &generation.to_be_bytes()],
    ))
}

async fn generation_of(db: &impl ConnectionTrait, user_id: Uuid) -> DomainResult<Option<i32>> {
    Ok(calendar_feed::Entity::find()
        .select_only()
        .column_as(calendar_feed::Column::Generation.max(), "g")
        .filter(calendar_feed::Column::UserId.eq(user_id))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten())
}

async fn remember(
    db: &impl ConnectionTrait,
    token: &str,
    user_id: Uuid,
    generation: i32,
) -> DomainResult<()> {
    calendar_feed::Entity::insert(calendar_feed::ActiveModel {
        token_hash: Set(sha256_hex(token)),
        user_id: Set(user_id),
        generation: Set(generation),
        created_at: Set(super::now()),
    })
    .on_conflict_do_nothing_on([calendar_feed::Column::TokenHash])
    .exec(db)
    .await?;
    Ok(())
}

/// The token of a person's feed URL (the same on every call until rotated).
pub async fn feed_token(
    db: &DatabaseConnection,
    secret: &[u8; 32],
    user_id: Uuid,
) -> DomainResult<String> {
    let generation = generation_of(db, user_id).await?.unwrap_or(0);
    let token = derive_token(secret, user_id, generation);
    remember(db, &token, user_id, generation).await?;
    Ok(token)
}

/// Replaces a person's feed token: every earlier URL stops working.
pub async fn rotate(
    db: &DatabaseConnection,
    secret: &[u8; 32],
    user_id: Uuid,
) -> DomainResult<String> {
    retrying(|| async {
        let txn = begin_write(db).await?;
        let generation = generation_of(&txn, user_id).await?.unwrap_or(0) + 1;
        calendar_feed::Entity::delete_many()
            .filter(calendar_feed::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        let token = derive_token(secret, user_id, generation);
        remember(&txn, &token, user_id, generation).await?;
        txn.commit().await?;
        Ok(token)
    })
    .await
}

/// Whose feed a token opens; unknown, rotated-away tokens and disabled people are 404.
pub async fn owner_of(db: &DatabaseConnection, token: &str) -> DomainResult<user::Model> {
    let found = calendar_feed::Entity::find_by_id(sha256_hex(token))
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    match found {
        Some((_, Some(u))) if u.disabled_at.is_none() => Ok(u),
        _ => Err(DomainError::NotFound("calendar feed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_stable_and_change_with_the_generation() {
        let user = Uuid::now_v7();
        let a = derive_token(&[1; 32], user, 0);
        assert_eq!(a, derive_token(&[1; 32], user, 0));
        assert_ne!(a, derive_token(&[1; 32], user, 1));
        assert_ne!(a, derive_token(&[2; 32], user, 0));
        assert_ne!(a, derive_token(&[1; 32], Uuid::now_v7(), 0));
        // 256 bits, URL-safe.
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn the_strongest_say_wins() {
        assert_eq!(Say::Confirmed.max(Say::Tentative), Say::Tentative);
        assert_eq!(Say::Tentative.max(Say::Cancelled), Say::Cancelled);
        assert_eq!(Say::Cancelled.max(Say::Hidden), Say::Hidden);
    }
}
