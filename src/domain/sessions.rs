//! Sessions: the dated meetings of an edition. A change of time, place or status bumps the
//! revision (the calendar's SEQUENCE); once the edition is published a session is never
//! deleted, only cancelled.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    CourseKind, EditionStatus, RegistrationStatus, SessionStatus, course, registration, session,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::editions;
use super::messages::{self, Kind, Outgoing};
use super::values::{TimeRange, keep, optional_text, optional_url};
use super::webhooks;
use crate::auth::tokens::Principal;
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult, FieldError};

/// The fields of a session; on update, `None` leaves a field as it is and `Some(None)`
/// clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    /// Start.
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Place (overrides the edition's).
    pub location: Option<Option<String>>,
    /// Online link (overrides the edition's).
    pub online_url: Option<Option<String>>,
    /// Scheduled or cancelled.
    pub status: Option<SessionStatus>,
}

/// The sessions of an edition the actor may see, by start.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: Option<&Principal>,
    edition_id: Uuid,
) -> DomainResult<Vec<session::Model>> {
    editions::access::get(db, actor, edition_id).await?;
    Ok(session::Entity::find()
        .filter(session::Column::EditionId.eq(edition_id))
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?)
}

/// The sessions of several editions, each edition's by start.
pub async fn by_edition(
    db: &impl ConnectionTrait,
    edition_ids: Vec<Uuid>,
) -> DomainResult<HashMap<Uuid, Vec<session::Model>>> {
    let mut out: HashMap<Uuid, Vec<session::Model>> = HashMap::new();
    if edition_ids.is_empty() {
        return Ok(out);
    }
    for s in session::Entity::find()
        .filter(session::Column::EditionId.is_in(edition_ids))
        .order_by_asc(session::Column::StartsAt)
        .order_by_asc(session::Column::Id)
        .all(db)
        .await?
    {
        out.entry(s.edition_id).or_default().push(s);
    }
    Ok(out)
}

/// One session, if the actor may see its edition.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: Option<&Principal>,
    id: Uuid,
) -> DomainResult<session::Model> {
    let s = session::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("session"))?;
    editions::access::get(db, actor, s.edition_id)
        .await
        .map_err(|e| match e {
            DomainError::NotFound(_) | DomainError::Forbidden { .. } => {
                DomainError::NotFound("session")
            }
            other => other,
        })?;
    Ok(s)
}

/// Adds a session to a draft or published edition of a course with sessions.
pub async fn create(
    db: &DatabaseConnection,
    edition_id: Uuid,
    input: SessionInput,
) -> DomainResult<session::Model> {
    let txn = begin_write(db).await?;
    let edition = editions::record::lock(&txn, edition_id).await?;
    ensure_open(edition.status)?;
    let course = course::Entity::find_by_id(edition.course_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    if course.kind == CourseKind::Elearning {
        return Err(DomainError::conflict(
            "elearning_has_no_sessions",
            "an e-learning module has no sessions",
        ));
    }
    let mut errors = Vec::new();
    if input.starts_at.is_none() {
        errors.push(FieldError::new("starts_at", "is required"));
    }
    if input.ends_at.is_none() {
        errors.push(FieldError::new("ends_at", "is required"));
    }
    let now = super::now();
    let draft = session::Model {
        id: Uuid::now_v7(),
        edition_id,
        starts_at: input.starts_at.unwrap_or(now),
        ends_at: input.ends_at.unwrap_or(now),
        location: None,
        online_url: None,
        status: SessionStatus::Scheduled,
        revision: 0,
        created_at: now,
        updated_at: now,
    };
    let model = apply(draft, &input, &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let row = session::Entity::insert(session::ActiveModel::from(model))
        .exec_with_returning(&txn)
        .await?;
    editions::record::refresh_schedule(&txn, &edition).await?;
    announce(&txn, &edition, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// Changes a session; time, place or status changes bump the revision.
pub async fn update(
    db: &DatabaseConnection,
    id: Uuid,
    input: SessionInput,
) -> DomainResult<session::Model> {
    let txn = begin_write(db).await?;
    let (current, edition) = lock_for_change(&txn, id).await?;
    let mut errors = Vec::new();
    let mut model = apply(current.clone(), &input, &mut errors);
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let changed = model.starts_at != current.starts_at
        || model.ends_at != current.ends_at
        || model.location != current.location
        || model.online_url != current.online_url
        || model.status != current.status;
    if !changed {
        return Ok(current);
    }
    model.revision = current.revision + 1;
    model.updated_at = super::now();
    let row = session::ActiveModel::from(model)
        .reset_all()
        .update(&txn)
        .await?;
    editions::record::refresh_schedule(&txn, &edition).await?;
    tell_registered(&txn, &current, &row).await?;
    announce(&txn, &edition, &row).await?;
    txn.commit().await?;
    Ok(row)
}

/// What removing a session did.
#[derive(Debug)]
pub enum Removed {
    /// The edition was a draft: the session is gone.
    Deleted,
    /// The edition is published: the session is cancelled and kept.
    Cancelled(session::Model),
}

/// Removes a session from a draft, or cancels it in a published edition.
pub async fn remove(db: &DatabaseConnection, id: Uuid) -> DomainResult<Removed> {
    let txn = begin_write(db).await?;
    let (current, edition) = lock_for_change(&txn, id).await?;
    let result = if edition.status == EditionStatus::Draft {
        session::Entity::delete_by_id(id).exec(&txn).await?;
        Removed::Deleted
    } else if current.status == SessionStatus::Cancelled {
        Removed::Cancelled(current)
    } else {
        let mut active: session::ActiveModel = current.clone().into();
        active.status = Set(SessionStatus::Cancelled);
        active.revision = Set(current.revision + 1);
        active.updated_at = Set(super::now());
        let row = active.update(&txn).await?;
        tell_registered(&txn, &current, &row).await?;
        announce(&txn, &edition, &row).await?;
        Removed::Cancelled(row)
    };
    editions::record::refresh_schedule(&txn, &edition).await?;
    txn.commit().await?;
    Ok(result)
}

/// Queues the mail about a changed session (cancelled, or moved in time or place) to
/// everyone registered for its edition, in the transaction of the change.
async fn tell_registered(
    db: &impl ConnectionTrait,
    before: &session::Model,
    after: &session::Model,
) -> DomainResult<()> {
    let kind = if after.status == SessionStatus::Cancelled {
        if before.status == SessionStatus::Cancelled {
            return Ok(());
        }
        Kind::SessionCancelled
    } else if before.starts_at != after.starts_at
        || before.ends_at != after.ends_at
        || before.location != after.location
        || before.online_url != after.online_url
        || before.status != after.status
    {
        Kind::SessionMoved
    } else {
        return Ok(());
    };
    let people: Vec<Uuid> = registration::Entity::find()
        .select_only()
        .column(registration::Column::UserId)
        .filter(registration::Column::EditionId.eq(after.edition_id))
        .filter(registration::Column::Status.is_in(RegistrationStatus::ACTIVE))
        .into_tuple()
        .all(db)
        .await?;
    let payload = serde_json::json!({
        "old_starts_at": before.starts_at,
        "old_ends_at": before.ends_at,
        "old_location": before.location,
    });
    messages::enqueue(
        db,
        people
            .into_iter()
            .map(|person| Outgoing::new(kind, person, Some(after.id), payload.clone()))
            .collect(),
        super::now(),
    )
    .await
}

/// Partners hear of the sessions of editions in the catalogue (`session.changed`).
async fn announce(
    db: &impl ConnectionTrait,
    edition: &entity::edition::Model,
    row: &session::Model,
) -> DomainResult<()> {
    if edition.status == EditionStatus::Draft {
        return Ok(());
    }
    webhooks::emit(db, vec![webhooks::Event::session(row)], row.updated_at).await
}

/// A session and its edition, locked for a change the edition's state allows.
async fn lock_for_change(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> DomainResult<(session::Model, entity::edition::Model)> {
    let edition_id = session::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("session"))?
        .edition_id;
    // The edition's lock serialises every change to its sessions; the session is read
    // again under it, so two changes cannot both start from the same revision.
    let edition = editions::record::lock(db, edition_id).await?;
    ensure_open(edition.status)?;
    let current = session::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("session"))?;
    Ok((current, edition))
}

fn ensure_open(status: EditionStatus) -> DomainResult<()> {
    if matches!(status, EditionStatus::Closed | EditionStatus::Cancelled) {
        return Err(DomainError::conflict(
            "edition_not_editable",
            format!(
                "the sessions of a {} edition cannot change",
                status.as_str()
            ),
        ));
    }
    Ok(())
}

fn apply(
    mut s: session::Model,
    input: &SessionInput,
    errors: &mut Vec<FieldError>,
) -> session::Model {
    if let Some(v) = input.starts_at {
        s.starts_at = v;
    }
    if let Some(v) = input.ends_at {
        s.ends_at = v;
    }
    if let Some(v) = input.status {
        s.status = v;
    }
    keep(errors, TimeRange::session(s.starts_at, s.ends_at));
    if let Some(v) = &input.location {
        s.location = keep(errors, optional_text("location", v.as_deref(), 500)).flatten();
    }
    if let Some(v) = &input.online_url {
        s.online_url = keep(errors, optional_url("online_url", v.as_deref())).flatten();
    }
    s
}
