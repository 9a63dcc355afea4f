//! Loading the demo data: through the domain functions, one step at a time, so it is
//! checked like API input; the registrations, dated in the past, are written directly.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{
    ActorKind, AttendanceStatus, OrganizationKind, RegistrationStatus, Role, organization,
    registration, registration_event, session, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::auth::password;
use crate::auth::tokens::{Principal, SubjectKind};
use crate::db::begin_write;
use crate::domain::attendance::{self, Mark};
use crate::domain::courses;
use crate::domain::editions::{self, lifecycle::EditionInput, lifecycle::Transition};
use crate::domain::organizations;
use crate::domain::sessions::{self, SessionInput};
use crate::domain::users::{self, NewUser, UserPatch};
use crate::error::{DomainError, DomainResult};

use super::courses::course_inputs;
use super::editions::{EditionPlan, Outcome, local, local_hour, plans};
use super::people::{DEMO_ADMIN_EMAIL, DEMO_PASSWORD, ORGANIZATIONS, Person, Workplace, people};
use super::summary::{DemoLogin, DemoSummary};

/// Loads the demo data when the database is empty; `None` (and no change) otherwise.
/// `issuer` is the academy's name on the certificates of the closed editions.
pub async fn load(db: &DatabaseConnection, issuer: &str) -> anyhow::Result<Option<DemoSummary>> {
    let started = Instant::now();
    let today = crate::domain::time::today();
    let people = people(today);
    if !is_empty(db, &people).await? {
        return Ok(None);
    }
    let summary = Loader::new(db, today, issuer)
        .run(&people, started)
        .await
        .context("loading the demo data (what was loaded before the failure stays)")?;
    Ok(Some(summary))
}

/// Whether the database holds nothing the demo data would clash with.
async fn is_empty(db: &DatabaseConnection, people: &[Person]) -> anyhow::Result<bool> {
    let other_orgs = organization::Entity::find()
        .filter(organization::Column::Kind.ne(OrganizationKind::Academy))
        .count(db)
        .await?;
    let academies = organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrganizationKind::Academy))
        .count(db)
        .await?;
    let courses = entity::course::Entity::find().count(db).await?;
    if other_orgs > 0 || academies > 1 || courses > 0 {
        return Ok(false);
    }
    let emails: Vec<String> = people.iter().map(Person::email).collect();
    let taken = user::Entity::find()
        .filter(user::Column::Email.is_in(emails))
        .count(db)
        .await?;
    if taken > 0 {
        return Ok(false);
    }
    // An admin of the demo address may exist (a bootstrap admin); anyone else may not.
    if let Some(existing) = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_ADMIN_EMAIL))
        .one(db)
        .await?
    {
        return Ok(crate::domain::roles::roles_of(db, existing.id)
            .await?
            .contains(&Role::Admin));
    }
    Ok(true)
}

fn explain(e: &DomainError) -> String {
    match e {
        DomainError::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Names the step a domain error happened in.
trait Step<T> {
    fn step(self, what: impl FnOnce() -> String) -> anyhow::Result<T>;
}

impl<T> Step<T> for DomainResult<T> {
    fn step(self, what: impl FnOnce() -> String) -> anyhow::Result<T> {
        self.map_err(|e| anyhow!("{}: {}", what(), explain(&e)))
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// `n` different people from `list`, starting at `start` and striding so that every
/// edition draws from several organisations.
fn pick(list: &[Uuid], start: usize, n: usize) -> Vec<Uuid> {
    let len = list.len();
    if len == 0 {
        return Vec::new();
    }
    let stride = [7, 11, 13, 1]
        .into_iter()
        .find(|&s| gcd(s, len) == 1)
        .unwrap_or(1);
    (0..n.min(len))
        .filter_map(|k| list.get((start + k * stride) % len).copied())
        .collect()
}

struct Loader<'a> {
    db: &'a DatabaseConnection,
    today: NaiveDate,
    issuer: &'a str,
    now: DateTime<Utc>,
}

struct Created {
    id: Uuid,
    person: Person,
}

impl<'a> Loader<'a> {
    fn new(db: &'a DatabaseConnection, today: NaiveDate, issuer: &'a str) -> Self {
        Self {
            db,
            today,
            issuer,
            now: crate::domain::now(),
        }
    }

    async fn run(&self, people: &[Person], started: Instant) -> anyhow::Result<DemoSummary> {
        let db = self.db;
        let academy = organizations::academy(db)
            .await
            .step(|| "the academy".into())?;

        // The admin: created with the demo password, or an existing admin kept as it is.
        let existing = user::Entity::find()
            .filter(user::Column::Email.eq(DEMO_ADMIN_EMAIL))
            .one(db)
            .await?;
        let (admin_id, admin_name, admin_password, mut users_created) = match existing {
            Some(u) => (u.id, u.name, None, 0),
            None => {
                let view = users::create_admin(db, DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
                    .await
                    .step(|| "the demo admin".into())?;
                (
                    view.user.id,
                    view.user.name,
                    Some(DEMO_PASSWORD.to_owned()),
                    1,
                )
            }
        };
        let actor = Principal {
            id: admin_id,
            kind: SubjectKind::User,
            roles: vec![Role::Admin],
            org: Some(academy.id),
            scopes: Vec::new(),
            version: 0,
        };
        let admin_name = if admin_password.is_some() {
            let name = "Coördinatie Flevo Academie Jeugd";
            users::update(
                db,
                &actor,
                admin_id,
                UserPatch {
                    name: Some(name.to_owned()),
                    ..UserPatch::default()
                },
            )
            .await
            .step(|| "naming the demo admin".into())?;
            name.to_owned()
        } else {
            admin_name
        };

        // Organisations.
        let mut org_ids = Vec::with_capacity(ORGANIZATIONS.len());
        for spec in ORGANIZATIONS {
            let org = organizations::create(db, spec.name, spec.kind)
                .await
                .step(|| format!("organisation {}", spec.name))?;
            org_ids.push(org.id);
        }

        // People: validated by `users::create` without a password, then given the hash of
        // the demo password (hashed once: Argon2id per user would take seconds).
        let mut created = Vec::with_capacity(people.len());
        for person in people {
            let organization_id = match person.workplace {
                Workplace::Org(i) => *org_ids
                    .get(i)
                    .ok_or_else(|| anyhow!("no organisation {i}"))?,
                Workplace::Academy => academy.id,
            };
            let view = users::create(
                db,
                &actor,
                NewUser {
                    email: person.email(),
                    name: person.name(),
                    organization_id,
                    roles: vec![person.role],
                    registers: person.registers.clone(),
                    password: None,
                    // Given the demo password below.
                    locale: None,
                    invite: false,
                },
            )
            .await
            .step(|| format!("user {}", person.email()))?;
            created.push(Created {
                id: view.user.id,
                person: person.clone(),
            });
        }
        users_created += created.len();
        let hash = password::hash(DEMO_PASSWORD.to_owned())
            .await
            .map_err(|e| anyhow!("hashing the demo password: {e}"))?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(Some(hash)))
            .filter(user::Column::Id.is_in(created.iter().map(|c| c.id)))
            .exec(db)
            .await?;
        let of_role = |role: Role| -> Vec<&Created> {
            created.iter().filter(|c| c.person.role == role).collect()
        };
        let professionals: Vec<Uuid> = of_role(Role::Professional).iter().map(|c| c.id).collect();
        let trainers: Vec<Uuid> = of_role(Role::Trainer).iter().map(|c| c.id).collect();

        // Courses.
        let mut course_ids = Vec::new();
        for input in course_inputs(self.today) {
            let title = input.title.clone().unwrap_or_default();
            let view = courses::create(db, input)
                .await
                .step(|| format!("course {title}"))?;
            course_ids.push(view.course.id);
        }

        // Editions, their sessions and registrations.
        let mut editions = 0;
        let mut sessions = 0;
        let mut registrations = 0;
        let mut printed_professional = None;
        for plan in plans(self.today, local_hour(self.now)) {
            let course_id = *course_ids
                .get(plan.course)
                .ok_or_else(|| anyhow!("no course {}", plan.course))?;
            let edition = self.edition(&actor, course_id, &plan, &trainers).await?;
            editions += 1;
            sessions += plan.dates.len();
            let people = pick(&professionals, plan.first_professional, plan.registrations);
            if plan.outcome == Outcome::Published
                && plan.registrations > usize::try_from(plan.capacity).unwrap_or(usize::MAX)
                && printed_professional.is_none()
            {
                // The first of a full edition: has a seat where others wait.
                printed_professional = people.first().copied();
            }
            registrations += self.register(edition, &plan, &people).await?;
            if plan.outcome == Outcome::Closed {
                self.mark_attendance(&actor, edition).await?;
                editions::lifecycle::transition(
                    db,
                    &actor,
                    edition,
                    Transition::Close,
                    self.issuer,
                )
                .await
                .step(|| "closing an edition".into())?;
            }
        }

        // The logins to print.
        let login = |role: &'static str, c: Option<&&Created>| {
            c.map(|c| DemoLogin {
                role,
                name: c.person.name(),
                email: c.person.email(),
                password: Some(DEMO_PASSWORD.to_owned()),
            })
        };
        let mut logins = vec![DemoLogin {
            role: "admin",
            name: admin_name,
            email: DEMO_ADMIN_EMAIL.to_owned(),
            password: admin_password,
        }];
        logins.extend(login("trainer", of_role(Role::Trainer).first()));
        logins.extend(login("hr", of_role(Role::Hr).first()));
        let professional = created
            .iter()
            .find(|c| Some(c.id) == printed_professional)
            .or_else(|| of_role(Role::Professional).first().copied());
        logins.extend(login("professional", professional.as_ref()));

        Ok(DemoSummary {
            logins,
            organizations: org_ids.len(),
            users: users_created,
            courses: course_ids.len(),
            editions,
            sessions,
            registrations,
            elapsed: started.elapsed(),
        })
    }

    /// Creates an edition with its sessions and publishes it if the plan says so.
    async fn edition(
        &self,
        actor: &Principal,
        course_id: Uuid,
        plan: &EditionPlan,
        trainers: &[Uuid],
    ) -> anyhow::Result<Uuid> {
        let db = self.db;
        let what = || format!("an edition of course {}", plan.course);
        let first = plan.dates.first().copied();
        let window = match (plan.outcome, first) {
            (Outcome::Draft, _) => None,
            (Outcome::Closed, Some(first)) => Some((
                local(first - Duration::days(56), (9, 0))?,
                Some(local(first - Duration::days(2), (9, 0))?),
                Some(local(first - Duration::days(plan.cancel_days), (9, 0))?),
            )),
            (Outcome::Published, Some(first)) => Some((
                local(self.today - Duration::days(21), (9, 0))?,
                Some(local(first - Duration::days(2), (9, 0))?),
                Some(local(first - Duration::days(plan.cancel_days), (9, 0))?),
            )),
            // E-learning: open from three weeks ago, no end.
            (_, None) => Some((local(self.today - Duration::days(21), (9, 0))?, None, None)),
        };
        let trainer_ids = plan
            .trainers
            .iter()
            .map(|&i| {
                trainers
                    .get(i)
                    .copied()
                    .ok_or_else(|| anyhow!("no trainer {i}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let view = editions::lifecycle::create(
            db,
            course_id,
            EditionInput {
                capacity: Some(plan.capacity),
                waitlist_enabled: Some(true),
                requires_approval: Some(plan.requires_approval),
                registration_opens_at: Some(window.map(|w| w.0)),
                registration_closes_at: Some(window.and_then(|w| w.1)),
                cancellation_deadline: Some(window.and_then(|w| w.2)),
                location: Some(plan.location.map(str::to_owned)),
                online_url: Some(plan.online_url.map(str::to_owned)),
                trainer_ids: Some(trainer_ids),
                reminder_days_first: None,
                reminder_days_later: None,
            },
        )
        .await
        .step(what)?;
        let id = view.edition.id;
        // An edition is published before it takes place: the sessions of one that lies
        // in the past are planned ahead first and moved to their real dates once it is
        // published (before anyone registers, so nobody is mailed about the move).
        let shift = match plan.dates.iter().max() {
            Some(&last) if plan.outcome != Outcome::Draft && last < self.today => {
                self.today - last + Duration::days(1)
            }
            _ => Duration::zero(),
        };
        let mut planned = Vec::with_capacity(plan.dates.len());
        for &date in &plan.dates {
            let s = sessions::create(
                db,
                id,
                SessionInput {
                    starts_at: Some(local(date + shift, plan.slot.0)?),
                    ends_at: Some(local(date + shift, plan.slot.1)?),
                    ..SessionInput::default()
                },
            )
            .await
            .step(|| format!("a session on {date}"))?;
            planned.push((s.id, date));
        }
        if plan.outcome != Outcome::Draft {
            editions::lifecycle::transition(db, actor, id, Transition::Publish, self.issuer)
                .await
                .step(what)?;
        }
        if shift > Duration::zero() {
            for (session, date) in planned {
                sessions::update(
                    db,
                    session,
                    SessionInput {
                        starts_at: Some(local(date, plan.slot.0)?),
                        ends_at: Some(local(date, plan.slot.1)?),
                        ..SessionInput::default()
                    },
                )
                .await
                .step(|| format!("the session on {date}"))?;
            }
        }
        Ok(id)
    }

    /// Marks a finished edition's sessions: everyone present but every seventh person,
    /// who misses one session in three (so some do not complete).
    async fn mark_attendance(&self, actor: &Principal, edition_id: Uuid) -> anyhow::Result<()> {
        let confirmed = registration::Entity::find()
            .filter(registration::Column::EditionId.eq(edition_id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .order_by_asc(registration::Column::Id)
            .all(self.db)
            .await?;
        let sessions = session::Entity::find()
            .filter(session::Column::EditionId.eq(edition_id))
            .order_by_asc(session::Column::StartsAt)
            .all(self.db)
            .await?;
        for (k, s) in sessions.iter().enumerate() {
            let marks: Vec<Mark> = confirmed
                .iter()
                .enumerate()
                .map(|(i, r)| Mark {
                    registration_id: r.id,
                    status: match (i % 7, k % 3) {
                        (6, 0) => AttendanceStatus::Absent,
                        (3, 1) => AttendanceStatus::Late,
                        _ => AttendanceStatus::Present,
                    },
                    note: None,
                })
                .collect();
            if !marks.is_empty() {
                attendance::mark(self.db, actor, s.id, &marks)
                    .await
                    .step(|| "marking attendance".into())?;
            }
        }
        Ok(())
    }

    /// Registers people in one transaction, on dates in the past: confirmed up to the
    /// capacity, then on the waiting list in order, each with its history entry.
    async fn register(
        &self,
        edition_id: Uuid,
        plan: &EditionPlan,
        people: &[Uuid],
    ) -> anyhow::Result<usize> {
        if people.is_empty() {
            return Ok(0);
        }
        let opened = match (plan.outcome, plan.dates.first()) {
            (Outcome::Closed, Some(&first)) => local(first - Duration::days(56), (9, 0))?,
            _ => local(self.today - Duration::days(21), (9, 0))?,
        };
        let capacity = usize::try_from(plan.capacity).unwrap_or(usize::MAX);
        let mut rows = Vec::with_capacity(people.len());
        let mut events = Vec::with_capacity(people.len());
        // Of an upcoming edition that needs approval, the last three people of
        // organisations with HR wait for their HR.
        let waiting: HashSet<Uuid> = if plan.requires_approval && plan.outcome == Outcome::Published
        {
            let with_hr: HashSet<Uuid> = user::Entity::find()
                .select_only()
                .column(user::Column::OrganizationId)
                .inner_join(entity::user_role::Entity)
                .filter(entity::user_role::Column::Role.eq(Role::Hr))
                .into_tuple::<Uuid>()
                .all(self.db)
                .await?
                .into_iter()
                .collect();
            let orgs: HashMap<Uuid, Uuid> = user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .column(user::Column::OrganizationId)
                .filter(user::Column::Id.is_in(people.iter().copied()))
                .into_tuple::<(Uuid, Uuid)>()
                .all(self.db)
                .await?
                .into_iter()
                .collect();
            people
                .iter()
                .rev()
                .filter(|p| orgs.get(p).is_some_and(|o| with_hr.contains(o)))
                .take(3)
                .copied()
                .collect()
        } else {
            HashSet::new()
        };
        let mut pending = Vec::new();
        for (k, &user_id) in people.iter().enumerate() {
            // A few hours apart, and never in the future.
            let at = (opened + Duration::hours(5 * k as i64)).min(self.now);
            let (status, position) = if waiting.contains(&user_id) {
                (RegistrationStatus::PendingApproval, None)
            } else if k < capacity {
                (RegistrationStatus::Confirmed, None)
            } else {
                let position = i32::try_from(k - capacity + 1)?;
                (RegistrationStatus::Waitlisted, Some(position))
            };
            let id = Uuid::now_v7();
            if status == RegistrationStatus::PendingApproval {
                pending.push(id);
            }
            events.push(registration_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                registration_id: Set(id),
                from_status: Set(None),
                to_status: Set(status),
                actor_kind: Set(ActorKind::User),
                actor_id: Set(Some(user_id)),
                reason: Set(Some("registered".to_owned())),
                at: Set(at),
                // The demo's history is of before: nobody is told of it again.
                notice_kind: Set(None),
                notice_payload: Set(None),
            });
            rows.push(registration::ActiveModel {
                id: Set(id),
                edition_id: Set(edition_id),
                user_id: Set(user_id),
                status: Set(status),
                waitlist_position: Set(position),
                late_cancellation: Set(false),
                created_at: Set(at),
                updated_at: Set(at),
            });
        }
        let txn = begin_write(self.db).await?;
        registration::Entity::insert_many(rows).exec(&txn).await?;
        registration_event::Entity::insert_many(events)
            .exec(&txn)
            .await?;
        // HR hears of the ones waiting, as they would have.
        let requests =
            crate::domain::registrations::approvals::approval_requests_for(&txn, &pending)
                .await
                .map_err(|e| anyhow!("{}", explain(&e)))?;
        crate::domain::messages::enqueue(&txn, requests, self.now)
            .await
            .map_err(|e| anyhow!("{}", explain(&e)))?;
        txn.commit().await?;
        Ok(people.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_are_distinct() {
        let list: Vec<Uuid> = (0..61).map(|_| Uuid::new_v4()).collect();
        let mut picked = pick(&list, 40, 61);
        picked.sort();
        picked.dedup();
        assert_eq!(picked.len(), 61);
    }
}
