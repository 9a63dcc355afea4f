//! Reading registrations: one with its history, an edition's list, a person's own.

use std::collections::HashMap;

use entity::{
    EditionStatus, RegistrationStatus, Role, course, edition, registration, registration_event,
    session, user,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::standing::{Standing, manages, standing};
use crate::auth::tokens::{Principal, SubjectKind};
use crate::domain::editions;
use crate::domain::paging::PageRequest;
use crate::error::{DomainError, DomainResult};

/// A registration with the person it is for (lists for trainers, HR and admins).
#[derive(Debug, Clone)]
pub struct Attendee {
    /// The registration.
    pub registration: registration::Model,
    /// The person.
    pub user: user::Model,
}

/// One of a person's own registrations, with what they need to see about the edition.
#[derive(Debug, Clone)]
pub struct Mine {
    /// The registration.
    pub registration: registration::Model,
    /// The edition.
    pub edition: edition::Model,
    /// Its course's title.
    pub course_title: String,
    /// Its course's kind.
    pub course_kind: entity::CourseKind,
    /// Its sessions, by start.
    pub sessions: Vec<session::Model>,
}

pub(super) async fn find(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<registration::Model> {
    registration::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("registration"))
}

/// One registration, for whoever may see it: the person, their HR, admins, the edition's
/// trainers, partner clients of the person's organisation.
pub async fn get(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
) -> DomainResult<registration::Model> {
    let (found, person) = with_person(db, id).await?;
    if standing(db, actor, &person, found.edition_id).await? == Standing::None {
        return Err(DomainError::NotFound("registration"));
    }
    Ok(found)
}

/// A registration's status changes, oldest first.
pub async fn history(
    db: &DatabaseConnection,
    id: Uuid,
) -> DomainResult<Vec<registration_event::Model>> {
    find(db, id).await?;
    Ok(registration_event::Entity::find()
        .filter(registration_event::Column::RegistrationId.eq(id))
        .order_by_asc(registration_event::Column::At)
        .order_by_asc(registration_event::Column::Id)
        .all(db)
        .await?)
}

/// An edition's registrations: all of them for admins and its trainers, their own
/// organisation's people for HR and reading partner clients.
pub async fn for_edition(
    db: &DatabaseConnection,
    actor: &Principal,
    edition_id: Uuid,
    status: Option<RegistrationStatus>,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<Attendee>, Option<String>)> {
    let page = PageRequest::parse(limit, cursor)?;
    let e = edition::Entity::find_by_id(edition_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("edition"))?;
    let everyone =
        actor.is_admin() || editions::access::is_trainer_of(db, actor, edition_id).await?;
    let own_org = (actor.has_role(Role::Hr)
        || actor.has_scope("registrations:read")
        || actor.has_scope("registrations:write"))
    .then_some(actor.org)
    .flatten();
    if !everyone && own_org.is_none() {
        if e.status != EditionStatus::Published {
            return Err(DomainError::NotFound("edition"));
        }
        return Err(DomainError::forbidden(
            "registration lists are for admins, the edition's trainers and HR",
        ));
    }
    let mut q = registration::Entity::find()
        .find_also_related(user::Entity)
        .filter(registration::Column::EditionId.eq(edition_id));
    if !everyone && let Some(org) = own_org {
        q = q.filter(user::Column::OrganizationId.eq(org));
    }
    if let Some(s) = status {
        q = q.filter(registration::Column::Status.eq(s));
    }
    if let Some(after) = page.after {
        q = q.filter(registration::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(registration::Column::Id)
        .limit(page.fetch())
        .all(db)
        .await?;
    let rows: Vec<Attendee> = rows
        .into_iter()
        .filter_map(|(registration, user)| user.map(|user| Attendee { registration, user }))
        .collect();
    Ok(page.finish(rows, |a| a.registration.id))
}

/// The caller's own registrations (newest first), with edition, course and sessions.
pub async fn mine(
    db: &DatabaseConnection,
    actor: &Principal,
    status: Option<RegistrationStatus>,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<Mine>, Option<String>)> {
    of_person(db, actor.id, status, limit, cursor).await
}

/// One person's registrations (newest first), for themself, admins, their organisation's
/// HR and partner clients with `registrations:read` or `registrations:write` of it;
/// anyone else is told the person does not exist.
pub async fn of_user(
    db: &DatabaseConnection,
    actor: &Principal,
    user_id: Uuid,
    status: Option<RegistrationStatus>,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<Mine>, Option<String>)> {
    let person = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("user"))?;
    let org = person.organization_id;
    let own = actor.kind == SubjectKind::User && actor.id == user_id;
    let reads =
        manages(actor, org) || (actor.has_scope("registrations:read") && actor.org == Some(org));
    if !(own || reads) {
        return Err(DomainError::NotFound("user"));
    }
    of_person(db, user_id, status, limit, cursor).await
}

async fn of_person(
    db: &DatabaseConnection,
    user_id: Uuid,
    status: Option<RegistrationStatus>,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<Mine>, Option<String>)> {
    let page = PageRequest::parse(limit, cursor)?;
    let mut q = registration::Entity::find()
        .find_also_related(edition::Entity)
        .filter(registration::Column::UserId.eq(user_id));
    if let Some(s) = status {
        q = q.filter(registration::Column::Status.eq(s));
    }
    if let Some(after) = page.after {
        q = q.filter(registration::Column::Id.lt(after));
    }
    let rows = q
        .order_by_desc(registration::Column::Id)
        .limit(page.fetch())
        .all(db)
        .await?;
    let (rows, next) = page.finish(rows, |(r, _)| r.id);
    let editions: Vec<Uuid> = rows.iter().map(|(r, _)| r.edition_id).collect();
    let course_ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|(_, e)| e.as_ref().map(|e| e.course_id))
        .collect();
    // Independent of each other: both at once.
    let (courses, sessions) = futures_util::try_join!(
        async {
            if course_ids.is_empty() {
                return Ok(Vec::new());
            }
            course::Entity::find()
                .select_only()
                .columns([
                    course::Column::Id,
                    course::Column::Title,
                    course::Column::Kind,
                ])
                .filter(course::Column::Id.is_in(course_ids))
                .into_tuple::<(Uuid, String, entity::CourseKind)>()
                .all(db)
                .await
                .map_err(DomainError::from)
        },
        crate::domain::sessions::by_edition(db, editions),
    )?;
    let courses: HashMap<Uuid, (String, entity::CourseKind)> = courses
        .into_iter()
        .map(|(id, title, kind)| (id, (title, kind)))
        .collect();
    let items = rows
        .into_iter()
        .filter_map(|(registration, edition)| {
            let edition = edition?;
            let (course_title, course_kind) = courses.get(&edition.course_id)?;
            Some(Mine {
                sessions: sessions.get(&edition.id).cloned().unwrap_or_default(),
                course_title: course_title.clone(),
                course_kind: *course_kind,
                registration,
                edition,
            })
        })
        .collect();
    Ok((items, next))
}

/// A registration and the person it is for.
pub(super) async fn with_person(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> DomainResult<(registration::Model, user::Model)> {
    let found = find(db, id).await?;
    let person = user::Entity::find_by_id(found.user_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("registration"))?;
    Ok((found, person))
}
