//! Editions: scheduled runs of a course, their lifecycle (draft → published → closed, or
//! cancelled from draft or published), trainers, visibility and the catalogue query.
//! Seat figures are counted from the registrations on every read, never kept as counters.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use entity::{
    CourseKind, EditionStatus, RegistrationStatus, Role, SessionStatus, course, edition,
    edition_trainer, registration, session, user_role,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::completions::Outcome;
use super::paging::check_limit;
use super::values::{keep, optional_text, optional_url};
use super::webhooks::{self, EventType};
use crate::auth::tokens::Principal;
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult, FieldError};

/// Sort key of editions without sessions: after every dated one.
pub fn undated() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9999, 12, 31, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// An edition with what its responses carry.
#[derive(Debug, Clone)]
pub struct EditionView {
    /// The row.
    pub edition: edition::Model,
    /// The course's title.
    pub course_title: String,
    /// The course's kind.
    pub course_kind: CourseKind,
    /// Trainers.
    pub trainer_ids: Vec<Uuid>,
    /// Confirmed registrations.
    pub seats_taken: i64,
    /// People on the waiting list.
    pub waitlist_length: i64,
}

impl EditionView {
    /// Seats still free.
    pub fn seats_available(&self) -> i64 {
        std::cmp::max(i64::from(self.edition.capacity) - self.seats_taken, 0)
    }
}

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
pub const MAX_REMINDER_DAYS: i32 = 14;

/// Catalogue filters.
#[derive(Debug, Clone, Default)]
pub struct EditionFilter {
    /// Editions of this course.
    pub course_id: Option<Uuid>,
    /// Of courses of this kind.
    pub kind: Option<CourseKind>,
    /// Of courses with this topic.
    pub topic: Option<String>,
    /// First session at or after.
    pub from: Option<DateTime<Utc>>,
    /// First session before.
    pub to: Option<DateTime<Utc>>,
    /// In this state (default: published).
    pub status: Option<EditionStatus>,
    /// Taught by this trainer.
    pub trainer_id: Option<Uuid>,
    /// Only with free seats (true) or only full (false).
    pub has_seats: Option<bool>,
}

/// Whether the actor sees an edition whatever its state: admins, and its trainers.
pub async fn sees_in_full(
    db: &impl ConnectionTrait,
    actor: Option<&Principal>,
    edition_id: Uuid,
) -> DomainResult<bool> {
    let Some(actor) = actor else {
        return Ok(false);
    };
    if actor.is_admin() {
        return Ok(true);
    }
    is_trainer_of(db, actor, edition_id).await
}

/// The edition, if the actor sees it in full (admins and its trainers); anyone else is
/// refused with `refusal`, and learns nothing of a draft.
pub async fn for_staff(
    db: &impl ConnectionTrait,
    actor: &Principal,
    edition_id: Uuid,
    refusal: &str,
) -> DomainResult<edition::Model> {
    let e = edition::Entity::find_by_id(edition_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("edition"))?;
    if sees_in_full(db, Some(actor), edition_id).await? {
        return Ok(e);
    }
    Err(if e.status == EditionStatus::Draft {
        DomainError::NotFound("edition")
    } else {
        DomainError::forbidden(refusal)
    })
}

/// Whether the actor teaches this edition.
pub async fn is_trainer_of(
    db: &impl ConnectionTrait,
    actor: &Principal,
    edition_id: Uuid,
) -> DomainResult<bool> {
    if !actor.has_role(Role::Trainer) {
        return Ok(false);
    }
    Ok(edition_trainer::Entity::find_by_id((edition_id, actor.id))
        .one(db)
        .await?
        .is_some())
}

/// One edition, if the actor may see it: published ones for everyone; others for admins,
/// its trainers and the people registered for it.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: Option<&Principal>,
    id: Uuid,
) -> DomainResult<EditionView> {
    let row = edition::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("edition"))?;
    if row.status != EditionStatus::Published && !sees_in_full(db, actor, id).await? {
        let registered = match actor {
            Some(a) => registration::Entity::find()
                .filter(registration::Column::EditionId.eq(id))
                .filter(registration::Column::UserId.eq(a.id))
                .one(db)
                .await?
                .is_some(),
            None => false,
        };
        if !registered {
            return Err(DomainError::NotFound("edition"));
        }
    }
    fetch_views(db, edition::Entity::find_by_id(id))
        .await?
        .pop()
        .ok_or(DomainError::NotFound("edition"))
}

/// The catalogue: editions sorted by first session, with a cursor over (first session, id).
pub async fn list(
    db: &impl ConnectionTrait,
    actor: Option<&Principal>,
    filter: &EditionFilter,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<EditionView>, Option<String>)> {
    let page = SortPage::parse(limit, cursor)?;
    let status = filter.status.unwrap_or(EditionStatus::Published);
    let mut q = edition::Entity::find().filter(edition::Column::Status.eq(status));
    if status != EditionStatus::Published {
        match actor {
            Some(a) if a.is_admin() => {}
            Some(a) if a.has_role(Role::Trainer) => {
                // Trainers see their own editions in every state.
                q = q.filter(taught_by(a.id));
            }
            _ => {
                return Err(DomainError::forbidden(
                    "only published editions are public; other states are for admins and trainers",
                ));
            }
        }
    }
    q = narrow(q, filter);
    let (rows, next) = page.fetch(db, q).await?;
    Ok((rows, next))
}

/// The catalogue filters (course, kind, topic, dates, trainer, free seats) on a query of
/// editions: the catalogue and its calendar feed share them.
pub fn narrow(
    mut q: sea_orm::Select<edition::Entity>,
    filter: &EditionFilter,
) -> sea_orm::Select<edition::Entity> {
    if let Some(course_id) = filter.course_id {
        q = q.filter(edition::Column::CourseId.eq(course_id));
    }
    if filter.kind.is_some() || filter.topic.is_some() {
        let mut courses = Query::select();
        courses.column(course::Column::Id).from(course::Entity);
        if let Some(kind) = filter.kind {
            courses.and_where(course::Column::Kind.eq(kind));
        }
        if let Some(topic) = &filter.topic {
            courses.and_where(course::Column::Id.in_subquery(super::courses::with_topic(topic)));
        }
        q = q.filter(edition::Column::CourseId.in_subquery(courses.to_owned()));
    }
    if let Some(from) = filter.from {
        q = q.filter(edition::Column::FirstSessionAt.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(edition::Column::FirstSessionAt.lt(to));
    }
    if let Some(trainer) = filter.trainer_id {
        q = q.filter(taught_by(trainer));
    }
    if let Some(has_seats) = filter.has_seats {
        let confirmed = Query::select()
            .expr(Expr::col(registration::Column::Id).count())
            .from(registration::Entity)
            .and_where(
                Expr::col((registration::Entity, registration::Column::EditionId))
                    .equals((edition::Entity, edition::Column::Id)),
            )
            .and_where(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .to_owned();
        let capacity = Expr::col((edition::Entity, edition::Column::Capacity));
        let cond = if has_seats {
            capacity.gt(Expr::SubQuery(None, Box::new(confirmed.into())))
        } else {
            capacity.lte(Expr::SubQuery(None, Box::new(confirmed.into())))
        };
        q = q.filter(cond);
    }
    q
}

/// Editions taught by a user.
fn taught_by(user_id: Uuid) -> sea_orm::sea_query::SimpleExpr {
    edition::Column::Id.in_subquery(
        Query::select()
            .column(edition_trainer::Column::EditionId)
            .from(edition_trainer::Entity)
            .and_where(edition_trainer::Column::UserId.eq(user_id))
            .to_owned(),
    )
}

/// A page of editions in catalogue order (first session, then id), after a cursor.
struct SortPage {
    limit: u32,
    after: Option<(DateTime<Utc>, Uuid)>,
}

impl SortPage {
    fn parse(limit: Option<u32>, cursor: Option<&str>) -> DomainResult<Self> {
        let limit = check_limit(limit)?;
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()?;
        Ok(Self { limit, after })
    }

    async fn fetch(
        &self,
        db: &impl ConnectionTrait,
        mut q: sea_orm::Select<edition::Entity>,
    ) -> DomainResult<(Vec<EditionView>, Option<String>)> {
        q = q
            .order_by_asc(edition::Column::SortAt)
            .order_by_asc(edition::Column::Id);
        if let Some((sort_at, id)) = self.after {
            q = q.filter(
                Condition::any()
                    .add(edition::Column::SortAt.gt(sort_at))
                    .add(
                        Condition::all()
                            .add(edition::Column::SortAt.eq(sort_at))
                            .add(edition::Column::Id.gt(id)),
                    ),
            );
        }
        let limit = self.limit as usize;
        let mut rows = fetch_views(db, q.limit(u64::from(self.limit) + 1)).await?;
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last()
                .map(|v| encode_cursor(v.edition.sort_at, v.edition.id))
        } else {
            None
        };
        Ok((rows, next))
    }
}

fn encode_cursor(sort_at: DateTime<Utc>, id: Uuid) -> String {
    use base64::Engine;
    let micros = sort_at.timestamp_micros();
    let mut bytes = micros.to_be_bytes().to_vec();
    bytes.extend_from_slice(id.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn decode_cursor(cursor: &str) -> DomainResult<(DateTime<Utc>, Uuid)> {
    use base64::Engine;
    let bad = || DomainError::invalid("cursor", "is not a cursor this service returned");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    if bytes.len() != 24 {
        return Err(bad());
    }
    let micros = i64::from_be_bytes(bytes[..8].try_into().map_err(|_| bad())?);
    let at = DateTime::<Utc>::from_timestamp_micros(micros).ok_or_else(bad)?;
    // Every sort key lies between year 1 and the undated sentinel; anything else was not
    // made here (and PostgreSQL could not compare it).
    let earliest = Utc
        .with_ymd_and_hms(1, 1, 1, 0, 0, 0)
        .single()
        .ok_or_else(bad)?;
    if at < earliest || at > undated() {
        return Err(bad());
    }
    let id = Uuid::from_slice(&bytes[8..]).map_err(|_| bad())?;
    Ok((at, id))
}

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
    let now = super::now();
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
            format!(
                "a {} edition cannot be changed",
                status_name(current.status)
            ),
        ));
    }
    super::registrations::check_edition_change(
        &txn,
        &current,
        input.capacity,
        input.waitlist_enabled,
    )
    .await?;
    let before = current.clone();
    let (model, trainers) = apply(&txn, current, &input).await?;
    let mut active: edition::ActiveModel = model.into();
    active.updated_at = Set(super::now());
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
    super::registrations::fill_seats(&txn, &row, row.updated_at).await?;
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
        if !(1..=100_000).contains(&capacity) {
            errors.push(FieldError::new("capacity", "must be between 1 and 100000"));
        } else {
            e.capacity = i32::try_from(capacity).unwrap_or(i32::MAX);
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
        match value {
            Some(days) if !(0..=MAX_REMINDER_DAYS).contains(&days) => errors.push(FieldError::new(
                field,
                format!("must be between 0 (no reminder) and {MAX_REMINDER_DAYS} days"),
            )),
            Some(days) => *target = days,
            None => {}
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
    if let (Some(open), Some(close)) = (e.registration_opens_at, e.registration_closes_at)
        && open >= close
    {
        errors.push(FieldError::new(
            "registration_closes_at",
            "must be after registration_opens_at",
        ));
    }
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
                    status_name(from),
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
    let now = super::now();
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
            let by = super::registrations::actor_of(actor);
            outcome =
                Some(super::completions::settle(&txn, &current, &course, issuer, by, now).await?);
        }
        Transition::Cancel => {
            super::registrations::cancel_all(&txn, id, super::registrations::actor_of(actor), now)
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

/// The wire name of a state.
pub fn status_name(s: EditionStatus) -> &'static str {
    match s {
        EditionStatus::Draft => "draft",
        EditionStatus::Published => "published",
        EditionStatus::Closed => "closed",
        EditionStatus::Cancelled => "cancelled",
    }
}

/// Reads the edition for a change, locking its row on PostgreSQL (SQLite writers hold
/// the database lock from `BEGIN IMMEDIATE`).
pub async fn lock(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<edition::Model> {
    let mut q = edition::Entity::find_by_id(id);
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(db).await?.ok_or(DomainError::NotFound("edition"))
}

/// Recomputes the first and last session of an edition from its scheduled sessions;
/// partners of a published edition hear of new dates (`edition.changed`).
pub async fn refresh_schedule(db: &impl ConnectionTrait, e: &edition::Model) -> DomainResult<()> {
    let edition_id = e.id;
    let sessions = session::Entity::find()
        .filter(session::Column::EditionId.eq(edition_id))
        .filter(session::Column::Status.eq(SessionStatus::Scheduled))
        .all(db)
        .await?;
    let first = sessions.iter().map(|s| s.starts_at).min();
    let last = sessions.iter().map(|s| s.ends_at).max();
    edition::Entity::update_many()
        .col_expr(edition::Column::FirstSessionAt, Expr::value(first))
        .col_expr(edition::Column::LastSessionAt, Expr::value(last))
        .col_expr(
            edition::Column::SortAt,
            Expr::value(first.unwrap_or_else(undated)),
        )
        .filter(edition::Column::Id.eq(edition_id))
        .exec(db)
        .await?;
    if e.status != EditionStatus::Draft && (first, last) != (e.first_session_at, e.last_session_at)
    {
        let moved = edition::Model {
            first_session_at: first,
            last_session_at: last,
            ..e.clone()
        };
        let event = webhooks::Event::edition(EventType::EditionChanged, &moved, &["dates"]);
        webhooks::emit(db, vec![event], super::now()).await?;
    }
    Ok(())
}

/// Reads edition rows again with their course, trainers and seat figures, in order.
pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<edition::Model>,
) -> DomainResult<Vec<EditionView>> {
    let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
    let mut found = fetch_views(
        db,
        edition::Entity::find().filter(edition::Column::Id.is_in(ids.clone())),
    )
    .await?;
    found.sort_by_key(|v| ids.iter().position(|id| *id == v.edition.id));
    Ok(found)
}

/// Seats taken, counted where the edition row is read.
const SEATS_TAKEN_SQL: &str = "(SELECT COUNT(*) FROM registrations r \
     WHERE r.edition_id = editions.id AND r.status = 'confirmed')";
/// Waiting-list length, counted where the edition row is read.
const WAITLIST_SQL: &str = "(SELECT COUNT(*) FROM registrations r \
     WHERE r.edition_id = editions.id AND r.status = 'waitlisted')";

/// Runs an edition query with its course and seat figures in the same statement, and the
/// trainers in one more: two round trips for a page of any size.
pub async fn fetch_views(
    db: &impl ConnectionTrait,
    q: sea_orm::Select<edition::Entity>,
) -> DomainResult<Vec<EditionView>> {
    use sea_orm::sea_query::Alias;
    use sea_orm::{FromQueryResult, QueryTrait};

    let mut stmt = q.into_query();
    stmt.expr_as(
        Expr::col((course::Entity, course::Column::Title)),
        Alias::new("course_title"),
    )
    .expr_as(
        Expr::col((course::Entity, course::Column::Kind)),
        Alias::new("course_kind"),
    )
    .expr_as(Expr::cust(SEATS_TAKEN_SQL), Alias::new("seats_taken"))
    .expr_as(Expr::cust(WAITLIST_SQL), Alias::new("waitlist_length"))
    .inner_join(
        course::Entity,
        Expr::col((course::Entity, course::Column::Id))
            .equals((edition::Entity, edition::Column::CourseId)),
    );
    let rows = db.query_all(&stmt).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(EditionView {
            edition: edition::Model::from_query_result(row, "")?,
            course_title: row.try_get("", "course_title")?,
            course_kind: row.try_get("", "course_kind")?,
            trainer_ids: Vec::new(),
            seats_taken: row.try_get("", "seats_taken")?,
            waitlist_length: row.try_get("", "waitlist_length")?,
        });
    }
    if !out.is_empty() {
        let ids: Vec<Uuid> = out.iter().map(|v| v.edition.id).collect();
        let mut trainers: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for t in edition_trainer::Entity::find()
            .filter(edition_trainer::Column::EditionId.is_in(ids))
            .all(db)
            .await?
        {
            trainers.entry(t.edition_id).or_default().push(t.user_id);
        }
        for v in &mut out {
            let mut t = trainers.remove(&v.edition.id).unwrap_or_default();
            t.sort();
            v.trainer_ids = t;
        }
    }
    Ok(out)
}

/// The editions a trainer teaches, in every state, with their sessions, by first session.
pub async fn teaching(
    db: &impl ConnectionTrait,
    actor: &Principal,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<(EditionView, Vec<session::Model>)>, Option<String>)> {
    let page = SortPage::parse(limit, cursor)?;
    let q = edition::Entity::find().filter(taught_by(actor.id));
    let (rows, next) = page.fetch(db, q).await?;
    let ids: Vec<Uuid> = rows.iter().map(|v| v.edition.id).collect();
    let mut sessions = super::sessions::by_edition(db, ids).await?;
    Ok((
        rows.into_iter()
            .map(|v| {
                let s = sessions.remove(&v.edition.id).unwrap_or_default();
                (v, s)
            })
            .collect(),
        next,
    ))
}
