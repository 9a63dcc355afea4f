//! The catalogue: editions with their course, trainers and seat figures, filtered and
//! sorted by first session with a cursor. Seat figures are counted from the
//! registrations on every read, never kept as counters.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use entity::{
    CourseKind, EditionStatus, RegistrationStatus, Role, course, edition, edition_trainer,
    registration,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::record::undated;
use crate::auth::tokens::Principal;
use crate::domain::paging::{Cursor, check_limit};
use crate::error::{DomainError, DomainResult};

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
            courses.and_where(
                course::Column::Id.in_subquery(crate::domain::courses::with_topic(topic)),
            );
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
pub(super) fn taught_by(user_id: Uuid) -> sea_orm::sea_query::SimpleExpr {
    edition::Column::Id.in_subquery(
        Query::select()
            .column(edition_trainer::Column::EditionId)
            .from(edition_trainer::Entity)
            .and_where(edition_trainer::Column::UserId.eq(user_id))
            .to_owned(),
    )
}

/// A page of editions in catalogue order (first session, then id), after a cursor.
pub(super) struct SortPage {
    limit: u32,
    after: Option<(DateTime<Utc>, Uuid)>,
}

impl SortPage {
    pub(super) fn parse(limit: Option<u32>, cursor: Option<&str>) -> DomainResult<Self> {
        let limit = check_limit(limit)?;
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(SortKey::decode)
            .transpose()?
            .map(|k| (k.at, k.id));
        Ok(Self { limit, after })
    }

    pub(super) async fn fetch(
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
            rows.last().map(|v| {
                SortKey {
                    at: v.edition.sort_at,
                    id: v.edition.id,
                }
                .encode()
            })
        } else {
            None
        };
        Ok((rows, next))
    }
}

/// Where a catalogue page ends: the last edition's sort time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SortKey {
    at: DateTime<Utc>,
    id: Uuid,
}

impl Cursor for SortKey {
    const WIDTH: usize = 24;

    fn to_bytes(&self) -> Vec<u8> {
        [
            &self.at.timestamp_micros().to_be_bytes()[..],
            self.id.as_bytes(),
        ]
        .concat()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let micros = i64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let at = DateTime::<Utc>::from_timestamp_micros(micros)?;
        // Every sort key lies between year 1 and the undated sentinel; anything else was
        // not made here (and PostgreSQL could not compare it).
        let earliest = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single()?;
        if at < earliest || at > undated() {
            return None;
        }
        let id = Uuid::from_slice(bytes.get(8..)?).ok()?;
        Some(Self { at, id })
    }
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
/// An edition with its course's title and kind and its seat figures, read in one
/// statement.
#[derive(Debug, sea_orm::DerivePartialModel)]
#[sea_orm(entity = "edition::Entity")]
struct EditionRow {
    #[sea_orm(nested)]
    edition: edition::Model,
    #[sea_orm(nested)]
    course: CourseName,
    #[sea_orm(from_expr = "Expr::cust(SEATS_TAKEN_SQL)")]
    seats_taken: i64,
    #[sea_orm(from_expr = "Expr::cust(WAITLIST_SQL)")]
    waitlist_length: i64,
}

#[derive(Debug, sea_orm::DerivePartialModel)]
#[sea_orm(entity = "course::Entity")]
struct CourseName {
    title: String,
    kind: CourseKind,
}

/// Runs an edition query with its course and seat figures in the same statement, and the
/// trainers in one more: two round trips for a page of any size.
pub async fn fetch_views(
    db: &impl ConnectionTrait,
    q: sea_orm::Select<edition::Entity>,
) -> DomainResult<Vec<EditionView>> {
    use sea_orm::QueryTrait;

    let mut q = q;
    QueryTrait::query(&mut q).inner_join(
        course::Entity,
        Expr::col((course::Entity, course::Column::Id))
            .equals((edition::Entity, edition::Column::CourseId)),
    );
    let rows = q.into_partial_model::<EditionRow>().all(db).await?;
    let mut out: Vec<EditionView> = rows
        .into_iter()
        .map(|r| EditionView {
            edition: r.edition,
            course_title: r.course.title,
            course_kind: r.course.kind,
            trainer_ids: Vec::new(),
            seats_taken: r.seats_taken,
            waitlist_length: r.waitlist_length,
        })
        .collect();
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
