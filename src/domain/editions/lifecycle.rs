//! An edition's life: created as a draft, changed, published, closed (completions and
//! certificates follow) or cancelled (its registrations with it), and its trainers.

use chrono::{DateTime, Utc};
use entity::{CourseKind, EditionStatus, Role, course, edition, edition_trainer, user_role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::access::is_trainer_of;
use super::catalogue::{EditionView, views};
use super::record::{lock, undated};
use crate::auth::tokens::Principal;
use crate::db::{begin_write, retrying};
use crate::domain::completions::Outcome;
use crate::domain::values::{self, keep, optional_text, optional_url};
use crate::domain::webhooks::{self, EventType};
use crate::error::{DomainError, DomainResult, FieldError};

/// The fields of an edition; on update, `None` leaves a field as it is and `Some(None)`
/// clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct EditionInput {
    /// Seats.
    pub capacity: Option<i64>,
    /// Waiting list on or off.
    pub waitlist_enabled: Option<bool>,
    /// Approval required.
    pub requires_approval: Option<bool>,
    /// Registration opens.
    pub registration_opens_at: Option<Option<DateTime<Utc>>>,
    /// Registration closes.
    pub registration_closes_at: Option<Option<DateTime<Utc>>>,
    /// Cancellation deadline.
    pub cancellation_deadline: Option<Option<DateTime<Utc>>>,
    /// Location.
    pub location: Option<Option<String>>,
    /// Online link.
    pub online_url: Option<Option<String>>,
    /// Trainers (replaces all).
    pub trainer_ids: Option<Vec<Uuid>>,
    /// Days before the first session that participants are reminded (0–14, 0: none).
    pub reminder_days_first: Option<i32>,
    /// Days before each later session (0–14, 0: none).
    pub reminder_days_later: Option<i32>,
}

/// Most days ahead a reminder is sent.
pub const MAX_REMINDER_DAYS: i32 = values::REMINDER_DAYS.max as i32;
/// Creates a draft edition of a course.
pub async fn create(
    db: &DatabaseConnection,
    course_id: Uuid,
    input: EditionInput,
) -> DomainResult<EditionView> {
    let course = course::Entity::find_by_id(course_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    if course.archived_at.is_some() {
        return Err(DomainError::conflict(
            "course_archived",
            "an archived course takes no new editions",
        ));
    }
    let Some(capacity) = input.capacity else {
        return Err(DomainError::invalid("capacity", "is required"));
    };
    let now = crate::domain::now();
    let draft = edition::Model {
        id: Uuid::now_v7(),
        course_id,
        status: EditionStatus::Draft,
        capacity: 1,
        waitlist_enabled: true,
        requires_approval: false,
        reminder_days_first: 2,
        reminder_days_later: 1,
        registration_opens_at: None,
        registration_closes_at: None,
        cancellation_deadline: None,
        location: None,
        online_url: None,
        first_session_at: None,
        last_session_at: None,
        sort_at: undated(),
        created_at: now,
        updated_at: now,
    };
    let input = EditionInput {
        capacity: Some(capacity),
        ..input
    };
    let (model, trainers) = apply(db, draft, &input).await?;
    let txn = begin_write(db).await?;
    let mut active: edition::ActiveModel = model.clone().into();
    active.id = Set(model.id);
    let row = edition::Entity::insert(active)
        .exec_with_returning(&txn)
        .await?;
    if let Some(trainers) = trainers {
        replace_trainers(&txn, row.id, &trainers).await?;
    }
    txn.commit().await?;
    Ok(views(db, vec![row]).await?.remove(0))
}

/// Changes an edition that is a draft or published.
pub async fn update(
    db: &DatabaseConnection,
    id: Uuid,
    input: EditionInput,
) -> DomainResult<EditionView> {
    retrying(|| update_once(db, id, input.clone())).await
}

async fn update_once(
    db: &DatabaseConnection,
    id: Uuid,
    input: EditionInput,
) -> DomainResult<EditionView> {
    let txn = begin_write(db).await?;
    let current = lock(&txn, id).await?;
    if matches!(
        current.status,
        EditionStatus::Closed | EditionStatus::Cancelled
    ) {
        return Err(DomainError::conflict(
            "edition_not_editable",
            format!("a {} edition cannot be changed", current.status.as_str()),
        ));
    }
    crate::domain::registrations::seats::check_edition_change(
        &txn,
        &current,
        input.capacity,
        input.waitlist_enabled,
    )
    .await?;
    let before = current.clone();
    let (model, trainers) = apply(&txn, current, &input).await?;
    let mut active: edition::ActiveModel = model.into();
    active.updated_at = Set(crate::domain::now());
    // Every field may have changed; mark them all for the update.
    active = active.reset_all();
    let row = active.update(&txn).await?;
    let changed = partner_visible_changes(&before, &row);
    if row.status != EditionStatus::Draft && !changed.is_empty() {
        let event = webhooks::Event::edition(EventType::EditionChanged, &row, &changed);
        webhooks::emit(&txn, vec![event], row.updated_at).await?;
    }
    if let Some(trainers) = trainers {
        replace_trainers(&txn, id, &trainers).await?;
    }
    // More seats (or a waiting list again) go to the first waiting at once.
    crate::domain::registrations::seats::fill_seats(&txn, &row, row.updated_at).await?;
    txn.commit().await?;
    Ok(views(db, vec![row]).await?.remove(0))
}

/// Validates and applies an input to an edition; returns the trainers to set, if given.
async fn apply(
    db: &impl ConnectionTrait,
    mut e: edition::Model,
    input: &EditionInput,
) -> DomainResult<(edition::Model, Option<Vec<Uuid>>)> {
    let mut errors = Vec::new();
    if let Some(capacity) = input.capacity {
        match values::CAPACITY.check("capacity", capacity as f64) {
            Ok(_) => e.capacity = i32::try_from(capacity).unwrap_or(i32::MAX),
            Err(refused) => errors.push(refused),
        }
    }
    if let Some(v) = input.waitlist_enabled {
        e.waitlist_enabled = v;
    }
    if let Some(v) = input.requires_approval {
        e.requires_approval = v;
    }
    for (field, value, target) in [
        (
            "reminder_days_first",
            input.reminder_days_first,
            &mut e.reminder_days_first,
        ),
        (
            "reminder_days_later",
            input.reminder_days_later,
            &mut e.reminder_days_later,
        ),
    ] {
        if let Some(days) = value {
            match values::REMINDER_DAYS.check(field, f64::from(days)) {
                Ok(_) => *target = days,
                Err(refused) => errors.push(refused),
            }
        }
    }
    if let Some(v) = input.registration_opens_at {
        e.registration_opens_at = v;
    }
    if let Some(v) = input.registration_closes_at {
        e.registration_closes_at = v;
    }
    if let Some(v) = input.cancellation_deadline {
        e.cancellation_deadline = v;
    }
    keep(
        &mut errors,
        values::window(
            e.registration_opens_at,
            e.registration_closes_at,
            "registration_opens_at",
            "registration_closes_at",
        ),
    );
    if let Some(v) = &input.location {
        e.location = keep(&mut errors, optional_text("location", v.as_deref(), 500)).flatten();
    }
    if let Some(v) = &input.online_url {
        e.online_url = keep(&mut errors, optional_url("online_url", v.as_deref())).flatten();
    }
    let trainers = match &input.trainer_ids {
        Some(ids) => {
            let mut ids = ids.clone();
            ids.sort();
            ids.dedup();
            let trainers = user_role::Entity::find()
                .filter(user_role::Column::UserId.is_in(ids.clone()))
                .filter(user_role::Column::Role.eq(Role::Trainer))
                .all(db)
                .await?;
            for id in &ids {
                if !trainers.iter().any(|t| t.user_id == *id) {
                    errors.push(FieldError::new(
                        "trainer_ids",
                        format!("{id} is not a user with the trainer role"),
                    ));
                }
            }
            Some(ids)
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    Ok((e, trainers))
}

async fn replace_trainers(
    db: &impl ConnectionTrait,
    edition_id: Uuid,
    ids: &[Uuid],
) -> DomainResult<()> {
    edition_trainer::Entity::delete_many()
        .filter(edition_trainer::Column::EditionId.eq(edition_id))
        .exec(db)
        .await?;
    if !ids.is_empty() {
        edition_trainer::Entity::insert_many(ids.iter().map(|id| edition_trainer::ActiveModel {
            edition_id: Set(edition_id),
            user_id: Set(*id),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// A lifecycle step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// draft → published.
    Publish,
    /// draft or published → cancelled.
    Cancel,
    /// published → closed: completions computed, certificates issued.
    Close,
    /// closed → published, for corrections (admins); closing again settles what changed.
    Reopen,
}

/// Moves an edition through its lifecycle, with the checks of each step. Cancelling
/// cancels every registration in the same transaction; closing settles completions and
/// certificates in it (`issuer` names the academy on new certificates).
pub async fn transition(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
    step: Transition,
    issuer: &str,
) -> DomainResult<(EditionView, Option<Outcome>)> {
    retrying(|| transition_once(db, actor, id, step, issuer)).await
}

async fn transition_once(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
    step: Transition,
    issuer: &str,
) -> DomainResult<(EditionView, Option<Outcome>)> {
    let txn = begin_write(db).await?;
    let current = lock(&txn, id).await?;
    let allowed_actor =
        actor.is_admin() || (step == Transition::Close && is_trainer_of(&txn, actor, id).await?);
    if !allowed_actor {
        // Someone who may not see the edition learns nothing about it, not even that it
        // exists.
        if current.status != EditionStatus::Published {
            return Err(DomainError::NotFound("edition"));
        }
        return Err(DomainError::forbidden(match step {
            Transition::Close => "closing is for admins and the edition's trainers",
            _ => "this is for admins",
        }));
    }
    let from = current.status;
    let to = match (step, from) {
        (Transition::Publish, EditionStatus::Draft) => EditionStatus::Published,
        (Transition::Cancel, EditionStatus::Draft | EditionStatus::Published) => {
            EditionStatus::Cancelled
        }
        (Transition::Close, EditionStatus::Published) => EditionStatus::Closed,
        (Transition::Reopen, EditionStatus::Closed) => EditionStatus::Published,
        _ => {
            return Err(DomainError::conflict(
                "invalid_transition",
                format!(
                    "a {} edition cannot be {}",
                    from.as_str(),
                    match step {
                        Transition::Publish => "published",
                        Transition::Cancel => "cancelled",
                        Transition::Close => "closed",
                        Transition::Reopen => "re-opened",
                    }
                ),
            ));
        }
    };
    let now = crate::domain::now();
    let mut outcome = None;
    let course = course::Entity::find_by_id(current.course_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    match step {
        Transition::Publish => {
            if course.archived_at.is_some() {
                return Err(DomainError::conflict(
                    "course_archived",
                    "an edition of an archived course cannot be published",
                ));
            }
            if course.kind != CourseKind::Elearning && current.first_session_at.is_none() {
                return Err(DomainError::conflict(
                    "no_sessions",
                    "an edition needs at least one scheduled session before it is published",
                ));
            }
            if course.kind != CourseKind::Elearning
                && current.last_session_at.is_some_and(|end| end <= now)
            {
                return Err(DomainError::conflict(
                    "sessions_over",
                    "every session of this edition is over: an edition is published before it takes place",
                ));
            }
        }
        Transition::Close => {
            if current.last_session_at.is_some_and(|end| end > now) {
                return Err(DomainError::conflict(
                    "sessions_not_over",
                    "an edition can be closed once all its sessions are over",
                ));
            }
            let by = crate::domain::actor::actor_of(actor);
            outcome = Some(
                crate::domain::completions::settle(&txn, &current, &course, issuer, by, now)
                    .await?,
            );
        }
        Transition::Cancel => {
            crate::domain::registrations::decisions::cancel_all(
                &txn,
                id,
                crate::domain::actor::actor_of(actor),
                now,
            )
            .await?;
        }
        Transition::Reopen => {}
    }
    let mut active: edition::ActiveModel = current.into();
    active.status = Set(to);
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    // Partners hear of editions once they are in the catalogue.
    let event = match (from, to) {
        (EditionStatus::Draft, EditionStatus::Published) => Some(webhooks::Event::edition(
            EventType::EditionPublished,
            &row,
            &[],
        )),
        (EditionStatus::Draft, _) => None,
        _ => Some(webhooks::Event::edition(
            EventType::EditionChanged,
            &row,
            &["status"],
        )),
    };
    webhooks::emit(&txn, event.into_iter().collect(), now).await?;
    txn.commit().await?;
    Ok((views(db, vec![row]).await?.remove(0), outcome))
}

/// What of an edition partners show changed: its place, capacity, waiting list,
/// registration window or cancellation deadline (its dates follow its sessions).
fn partner_visible_changes(before: &edition::Model, after: &edition::Model) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if before.location != after.location || before.online_url != after.online_url {
        changed.push("place");
    }
    if before.capacity != after.capacity {
        changed.push("capacity");
    }
    if before.waitlist_enabled != after.waitlist_enabled
        || before.requires_approval != after.requires_approval
    {
        changed.push("registration_rules");
    }
    if before.registration_opens_at != after.registration_opens_at
        || before.registration_closes_at != after.registration_closes_at
        || before.cancellation_deadline != after.cancellation_deadline
    {
        changed.push("registration_window");
    }
    changed
}
