//! Courses: the catalogue items, with topics, accreditations per register and the
//! completion rule. A course with editions is archived, never deleted.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use entity::{CourseKind, Register, accreditation, course, course_topic, edition};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::paging::PageRequest;
use super::values::{self, keep, text};
use crate::db::begin_write;
use crate::error::{DomainError, DomainResult, FieldError};

/// The ids of the courses carrying a topic (topics are stored lower-cased): the catalogue,
/// its feed and the reports filter by it.
pub fn with_topic(topic: &str) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(course_topic::Column::CourseId)
        .from(course_topic::Entity)
        .and_where(course_topic::Column::Topic.eq(topic.trim().to_lowercase()))
        .to_owned()
}
/// An accreditation as given by a client.
#[derive(Debug, Clone)]
pub struct AccreditationInput {
    /// The register.
    pub register: Register,
    /// The register's accreditation number.
    pub number: String,
    /// Points on completion.
    pub points: f64,
    /// First day it applies.
    pub valid_from: Option<NaiveDate>,
    /// Last day it applies.
    pub valid_until: Option<NaiveDate>,
}

/// The fields of a course; on update, `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CourseInput {
    /// Title.
    pub title: Option<String>,
    /// Kind.
    pub kind: Option<CourseKind>,
    /// Topics (replaces all).
    pub topics: Option<Vec<String>>,
    /// Description.
    pub description: Option<String>,
    /// Target audience (`Some(None)` clears it).
    pub target_audience: Option<Option<String>>,
    /// Hours (`Some(None)` clears it).
    pub hours: Option<Option<f64>>,
    /// Accreditations (replaces all).
    pub accreditations: Option<Vec<AccreditationInput>>,
    /// Minimum attendance percentage.
    pub min_attendance_percent: Option<f64>,
}

/// A course with its topics and accreditations.
#[derive(Debug, Clone)]
pub struct CourseView {
    /// The course row.
    pub course: course::Model,
    /// Topics, sorted.
    pub topics: Vec<String>,
    /// Accreditations, by register.
    pub accreditations: Vec<accreditation::Model>,
}

/// Filters of the course list.
#[derive(Debug, Clone, Default)]
pub struct CourseFilter {
    /// Only this kind.
    pub kind: Option<CourseKind>,
    /// Only courses with this topic.
    pub topic: Option<String>,
    /// Include archived courses (admins).
    pub include_archived: bool,
}

/// Lists courses by creation order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &CourseFilter,
    page: PageRequest,
) -> DomainResult<(Vec<CourseView>, Option<String>)> {
    let mut q = course::Entity::find().order_by_asc(course::Column::Id);
    if let Some(after) = page.after {
        q = q.filter(course::Column::Id.gt(after));
    }
    if let Some(kind) = filter.kind {
        q = q.filter(course::Column::Kind.eq(kind));
    }
    if let Some(topic) = &filter.topic {
        q = q.filter(course::Column::Id.in_subquery(with_topic(topic)));
    }
    if !filter.include_archived {
        q = q.filter(course::Column::ArchivedAt.is_null());
    }
    let rows = q.limit(page.fetch()).all(db).await?;
    let (rows, next) = page.finish(rows, |c| c.id);
    Ok((with_details(db, rows).await?, next))
}

/// One course.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<CourseView> {
    let course = course::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    with_details(db, vec![course])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("course"))
}

/// Creates a course.
pub async fn create(db: &DatabaseConnection, input: CourseInput) -> DomainResult<CourseView> {
    let mut errors = Vec::new();
    let title = match &input.title {
        Some(t) => keep(&mut errors, text("title", t, 200)),
        None => {
            errors.push(FieldError::new("title", "is required"));
            None
        }
    };
    let Some(kind) = input.kind else {
        errors.push(FieldError::new("kind", "is required"));
        return Err(DomainError::Validation(errors));
    };
    let checked = check(&mut errors, &input, kind);
    let (Some(title), true) = (title, errors.is_empty()) else {
        return Err(DomainError::Validation(errors));
    };
    let now = super::now();
    let txn = begin_write(db).await?;
    let course = course::ActiveModel {
        id: Set(Uuid::now_v7()),
        title: Set(title),
        kind: Set(kind),
        description: Set(checked.description.unwrap_or_default()),
        target_audience: Set(checked.target_audience.flatten()),
        hours: Set(checked.hours.flatten()),
        min_attendance_percent: Set(checked.min_attendance_percent.unwrap_or(100.0)),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    replace_topics(&txn, course.id, &checked.topics.unwrap_or_default()).await?;
    replace_accreditations(&txn, course.id, &checked.accreditations.unwrap_or_default()).await?;
    txn.commit().await?;
    get(db, course.id).await
}

/// Changes a course.
pub async fn update(
    db: &DatabaseConnection,
    id: Uuid,
    input: CourseInput,
) -> DomainResult<CourseView> {
    let current = get(db, id).await?;
    let mut errors = Vec::new();
    let title = input
        .title
        .as_deref()
        .and_then(|t| keep(&mut errors, text("title", t, 200)));
    let kind = input.kind.unwrap_or(current.course.kind);
    if kind != current.course.kind {
        let editions = edition::Entity::find()
            .filter(edition::Column::CourseId.eq(id))
            .count(db)
            .await?;
        if editions > 0 {
            return Err(DomainError::conflict(
                "course_has_editions",
                "the kind of a course with editions cannot change",
            ));
        }
    }
    let checked = check(&mut errors, &input, kind);
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let txn = begin_write(db).await?;
    let mut model: course::ActiveModel = current.course.into();
    if let Some(title) = title {
        model.title = Set(title);
    }
    model.kind = Set(kind);
    if let Some(d) = checked.description {
        model.description = Set(d);
    }
    if let Some(t) = checked.target_audience {
        model.target_audience = Set(t);
    }
    if let Some(h) = checked.hours {
        model.hours = Set(h);
    }
    if let Some(p) = checked.min_attendance_percent {
        model.min_attendance_percent = Set(p);
    }
    model.updated_at = Set(super::now());
    model.update(&txn).await?;
    if let Some(topics) = &checked.topics {
        replace_topics(&txn, id, topics).await?;
    }
    if let Some(accreditations) = &checked.accreditations {
        replace_accreditations(&txn, id, accreditations).await?;
    }
    txn.commit().await?;
    get(db, id).await
}

/// Archives (or restores) a course: archived courses leave the catalogue and take no new
/// editions; their editions and certificates stay.
pub async fn set_archived(
    db: &DatabaseConnection,
    id: Uuid,
    archived: bool,
) -> DomainResult<CourseView> {
    let current = get(db, id).await?;
    let mut model: course::ActiveModel = current.course.into();
    model.archived_at = Set(archived.then(super::now));
    model.updated_at = Set(super::now());
    model.update(db).await?;
    get(db, id).await
}

/// Deletes a course that has never had an edition.
pub async fn delete(db: &DatabaseConnection, id: Uuid) -> DomainResult<()> {
    let txn = begin_write(db).await?;
    course::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    let editions = edition::Entity::find()
        .filter(edition::Column::CourseId.eq(id))
        .count(&txn)
        .await?;
    if editions > 0 {
        return Err(DomainError::conflict(
            "course_has_editions",
            "a course with editions is archived, not deleted: POST /api/v1/courses/{id}/archive",
        ));
    }
    course::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

struct Checked {
    description: Option<String>,
    target_audience: Option<Option<String>>,
    hours: Option<Option<f64>>,
    topics: Option<Vec<String>>,
    accreditations: Option<Vec<AccreditationInput>>,
    min_attendance_percent: Option<f64>,
}

fn check(errors: &mut Vec<FieldError>, input: &CourseInput, kind: CourseKind) -> Checked {
    let description = input.description.as_ref().map(|d| d.trim().to_owned());
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 20_000)
    {
        errors.push(FieldError::new(
            "description",
            "must be at most 20000 characters",
        ));
    }
    if description.as_ref().is_some_and(|d| {
        d.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    }) {
        errors.push(FieldError::new(
            "description",
            "must not contain control characters other than line breaks and tabs",
        ));
    }
    let target_audience = input.target_audience.as_ref().map(|t| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .and_then(|t| keep(errors, text("target_audience", t, 500)))
    });
    if let Some(Some(h)) = input.hours {
        keep(errors, values::HOURS.check("hours", h));
    }
    if let Some(p) = input.min_attendance_percent {
        keep(
            errors,
            values::ATTENDANCE_PERCENT.check("completion.min_attendance_percent", p),
        );
    }
    if kind == CourseKind::Elearning && input.min_attendance_percent.is_some_and(|p| p != 100.0) {
        errors.push(FieldError::new(
            "completion.min_attendance_percent",
            "an e-learning module has no sessions; it is completed when marked done",
        ));
    }
    let topics = input.topics.as_ref().map(|topics| {
        let mut set = BTreeSet::new();
        for (i, t) in topics.iter().enumerate() {
            if let Some(t) = keep(errors, text(&format!("topics[{i}]"), t, 64)) {
                set.insert(t.to_lowercase());
            }
        }
        set.into_iter().collect()
    });
    let accreditations = input.accreditations.as_ref().map(|list| {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (i, a) in list.iter().enumerate() {
            let field = |f: &str| format!("accreditations[{i}].{f}");
            if seen.contains(&a.register) {
                errors.push(FieldError::new(
                    field("register"),
                    "one accreditation per register",
                ));
            }
            seen.push(a.register);
            keep(errors, values::POINTS.check(&field("points"), a.points));
            for (name, d) in [("valid_from", a.valid_from), ("valid_until", a.valid_until)] {
                if let Some(d) = d {
                    keep(errors, values::day(&field(name), d));
                }
            }
            if let (Some(from), Some(until)) = (a.valid_from, a.valid_until)
                && from > until
            {
                errors.push(FieldError::new(
                    field("valid_until"),
                    "must not be before valid_from",
                ));
            }
            if let Some(number) = keep(errors, text(&field("number"), &a.number, 64)) {
                out.push(AccreditationInput {
                    number,
                    ..a.clone()
                });
            }
        }
        out
    });
    Checked {
        description,
        target_audience,
        hours: input.hours,
        topics,
        accreditations,
        min_attendance_percent: input.min_attendance_percent,
    }
}

async fn replace_topics(
    db: &impl ConnectionTrait,
    course_id: Uuid,
    topics: &[String],
) -> DomainResult<()> {
    course_topic::Entity::delete_many()
        .filter(course_topic::Column::CourseId.eq(course_id))
        .exec(db)
        .await?;
    if !topics.is_empty() {
        course_topic::Entity::insert_many(topics.iter().map(|t| course_topic::ActiveModel {
            course_id: Set(course_id),
            topic: Set(t.clone()),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

async fn replace_accreditations(
    db: &impl ConnectionTrait,
    course_id: Uuid,
    list: &[AccreditationInput],
) -> DomainResult<()> {
    accreditation::Entity::delete_many()
        .filter(accreditation::Column::CourseId.eq(course_id))
        .exec(db)
        .await?;
    if !list.is_empty() {
        accreditation::Entity::insert_many(list.iter().map(|a| accreditation::ActiveModel {
            course_id: Set(course_id),
            register: Set(a.register),
            number: Set(a.number.clone()),
            points: Set(a.points),
            valid_from: Set(a.valid_from),
            valid_until: Set(a.valid_until),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Loads topics and accreditations of many courses at once.
pub async fn with_details(
    db: &impl ConnectionTrait,
    courses: Vec<course::Model>,
) -> DomainResult<Vec<CourseView>> {
    let ids: Vec<Uuid> = courses.iter().map(|c| c.id).collect();
    let mut topics: HashMap<Uuid, Vec<String>> = HashMap::new();
    for t in course_topic::Entity::find()
        .filter(course_topic::Column::CourseId.is_in(ids.clone()))
        .order_by_asc(course_topic::Column::Topic)
        .all(db)
        .await?
    {
        topics.entry(t.course_id).or_default().push(t.topic);
    }
    let mut accreditations: HashMap<Uuid, Vec<accreditation::Model>> = HashMap::new();
    for a in accreditation::Entity::find()
        .filter(accreditation::Column::CourseId.is_in(ids))
        .order_by_asc(accreditation::Column::Register)
        .all(db)
        .await?
    {
        accreditations.entry(a.course_id).or_default().push(a);
    }
    Ok(courses
        .into_iter()
        .map(|course| CourseView {
            topics: topics.remove(&course.id).unwrap_or_default(),
            accreditations: accreditations.remove(&course.id).unwrap_or_default(),
            course,
        })
        .collect())
}
