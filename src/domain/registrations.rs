//! Registrations and the waiting list.
//!
//! Every change to an edition's registrations runs in one write transaction that first
//! locks the edition (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite `BEGIN IMMEDIATE` holds
//! the database's write lock), so the seat count, the waiting-list positions and the
//! "already registered" check are read and written by one transaction at a time per
//! edition, across any number of service instances. The database's own constraints (one
//! active registration per person and edition, one holder per waiting-list position, a
//! position exactly while waitlisted) are the last line of defence. Busy and serialisation
//! failures are retried here ([`crate::db::retrying`]), never returned to the user.
//!
//! Invariants kept by every operation: never more confirmed than capacity; no free seat
//! while someone waits (of a published edition); positions 1..n without gaps or repeats.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Duration, Utc};
use entity::{
    ActorKind, EditionStatus, RegistrationStatus, Role, course, edition, idempotency_key,
    registration, registration_event, session, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveEnum, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, SqlErr,
};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::actor::{ActorRef, SYSTEM, actor_of};
use super::editions;
use super::messages::{self, Kind, Notice, Outgoing};
use super::paging::PageRequest;
use crate::auth::tokens::{Principal, SubjectKind};
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult};

/// How long a remembered idempotent response is replayed.
pub const IDEMPOTENCY_TTL: Duration = Duration::hours(24);

/// A request's `Idempotency-Key` and what identifies the request.
#[derive(Debug, Clone)]
pub struct Idempotency {
    /// The key as sent.
    pub key: String,
    /// SHA-256 (hex) of method, path and body.
    pub fingerprint: String,
}

/// The outcome of a registration request.
#[derive(Debug)]
pub enum Registered {
    /// A new registration.
    Created(registration::Model),
    /// The body of the remembered first response (a 201) to the same idempotent request.
    Replayed(String),
}

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

/// How the caller stands to the person a registration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// The person themself.
    Own,
    /// An admin, the person's HR, or a partner client of their organisation that may write.
    Manager,
    /// May read (a trainer of the edition, a reading partner client).
    Reader,
    /// Nothing.
    None,
}

/// Whether the actor manages people of this organisation (admins manage everyone).
fn manages(actor: &Principal, org: Uuid) -> bool {
    actor.is_admin()
        || (actor.has_role(Role::Hr) && actor.org == Some(org))
        || (actor.has_scope("registrations:write") && actor.org == Some(org))
}

/// Whether the actor may approve or decline registrations of people of this organisation.
fn approves(actor: &Principal, org: Uuid) -> bool {
    actor.is_admin() || (actor.has_role(Role::Hr) && actor.org == Some(org))
}

async fn standing(
    db: &impl ConnectionTrait,
    actor: &Principal,
    person: &user::Model,
    edition_id: Uuid,
) -> DomainResult<Standing> {
    if actor.kind == SubjectKind::User && actor.id == person.id {
        return Ok(Standing::Own);
    }
    if manages(actor, person.organization_id) {
        return Ok(Standing::Manager);
    }
    if (actor.has_scope("registrations:read") && actor.org == Some(person.organization_id))
        || editions::access::is_trainer_of(db, actor, edition_id).await?
    {
        return Ok(Standing::Reader);
    }
    Ok(Standing::None)
}

/// Renders the response body of a new registration (kept with an idempotency key).
pub type Render = fn(&registration::Model) -> String;

/// Registers a person (the caller when `user_id` is absent) for an edition.
///
/// Requests for the same edition that arrive while its previous transaction runs are
/// combined into the next one ([`Combiner`]): one lock, one seat count and one commit for
/// all of them, decided in arrival order. Under a rush on one edition (1,000 people at the
/// same second) that keeps the edition's lock free most of the time instead of queueing
/// a thousand transactions behind it.
pub async fn register(
    db: &DatabaseConnection,
    combiner: &Arc<Combiner>,
    actor: &Principal,
    edition_id: Uuid,
    user_id: Option<Uuid>,
    idempotency: Option<Idempotency>,
    render: Render,
) -> DomainResult<Registered> {
    let person = target(db, actor, user_id).await?;
    let (reply, answer) = oneshot::channel();
    let job = Job {
        request: Request {
            actor: actor.clone(),
            person,
            idempotency,
        },
        reply,
    };
    if combiner.push(edition_id, job) {
        // The first in line drains the queue in a task of its own, so that a request
        // whose client goes away cannot strand the ones behind it.
        tokio::spawn(drain(db.clone(), combiner.clone(), edition_id, render));
    }
    answer
        .await
        .map_err(|_| DomainError::Internal("a registration batch was lost".into()))?
}

/// Registration requests waiting for their edition's next transaction.
#[derive(Default)]
pub struct Combiner {
    queues: Mutex<HashMap<Uuid, Vec<Job>>>,
}

/// Most requests decided in one transaction.
const MAX_BATCH: usize = 256;

/// Most rows in one insert statement.
const INSERT_CHUNK: usize = 32;

struct Job {
    request: Request,
    reply: oneshot::Sender<DomainResult<Registered>>,
}

impl Combiner {
    /// Queues a request; `true` when nobody drains this edition's queue yet. A queue
    /// exists exactly while a drainer works on it: only the drainer removes it, when it
    /// finds it empty.
    fn push(&self, edition_id: Uuid, job: Job) -> bool {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        let new = !queues.contains_key(&edition_id);
        queues.entry(edition_id).or_default().push(job);
        new
    }

    /// The first requests of an edition's queue (up to [`MAX_BATCH`]), left in the queue.
    fn peek(&self, edition_id: Uuid) -> Option<Vec<Request>> {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        let queue = queues.get(&edition_id)?;
        if queue.is_empty() {
            queues.remove(&edition_id);
            return None;
        }
        Some(
            queue
                .iter()
                .take(MAX_BATCH)
                .map(|j| j.request.clone())
                .collect(),
        )
    }

    /// Answers the first `n` requests of the queue and removes them.
    fn finish(&self, edition_id: Uuid, n: usize, results: Vec<DomainResult<Registered>>) {
        let done: Vec<Job> = {
            let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
            match queues.get_mut(&edition_id) {
                Some(queue) => queue.drain(..n.min(queue.len())).collect(),
                None => Vec::new(),
            }
        };
        for (job, result) in done.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

async fn drain(db: DatabaseConnection, combiner: Arc<Combiner>, edition_id: Uuid, render: Render) {
    // The queue holds the jobs being decided too (so that arrivals meanwhile see a
    // drainer at work): take them out only when their batch is done.
    while let Some(batch) = combiner.peek(edition_id) {
        let started = std::time::Instant::now();
        let results = decide_batch(&db, edition_id, &batch, render).await;
        tracing::debug!(
            edition = %edition_id,
            requests = batch.len(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "registration batch decided"
        );
        combiner.finish(edition_id, batch.len(), results);
    }
}

/// What deciding a request needs.
#[derive(Debug, Clone)]
struct Request {
    actor: Principal,
    person: Person,
    idempotency: Option<Idempotency>,
}

/// Decides a batch in one transaction; if that transaction fails for a reason other than
/// a transient one, decides each request on its own, so one bad request cannot fail the
/// others.
async fn decide_batch(
    db: &DatabaseConnection,
    edition_id: Uuid,
    batch: &[Request],
    render: Render,
) -> Vec<DomainResult<Registered>> {
    match retrying(|| register_batch(db, edition_id, batch, render)).await {
        Ok(results) => results,
        Err(e) if batch.len() == 1 => vec![Err(e)],
        Err(_) => {
            let mut out = Vec::with_capacity(batch.len());
            for one in batch.chunks(1) {
                let result = retrying(|| register_batch(db, edition_id, one, render)).await;
                out.push(result.and_then(|mut r| {
                    r.pop()
                        .unwrap_or_else(|| Err(DomainError::Internal("no result".into())))
                }));
            }
            out
        }
    }
}

/// The person a registration request is for, if the caller may register them.
async fn target(
    db: &DatabaseConnection,
    actor: &Principal,
    user_id: Option<Uuid>,
) -> DomainResult<Person> {
    let self_id = (actor.kind == SubjectKind::User).then_some(actor.id);
    let id = match (user_id, self_id) {
        (Some(id), _) => id,
        (None, Some(me)) => me,
        (None, None) => {
            return Err(DomainError::invalid(
                "user_id",
                "is required: a client registers people of its organisation",
            ));
        }
    };
    if Some(id) == self_id {
        // The token speaks for the caller; no lookup needed.
        let org = actor
            .org
            .ok_or_else(|| DomainError::Internal("a user token without organisation".into()))?;
        return Ok(Person {
            id,
            organization_id: org,
        });
    }
    if !(actor.is_admin() || actor.has_role(Role::Hr) || actor.has_scope("registrations:write")) {
        return Err(DomainError::forbidden(
            "people register themselves; HR and admins register others",
        ));
    }
    let person = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| u.disabled_at.is_none())
        .ok_or_else(|| DomainError::invalid("user_id", "is not an active user"))?;
    if !manages(actor, person.organization_id) {
        return Err(DomainError::forbidden(
            "HR and partner clients register people of their own organisation only",
        ));
    }
    Ok(Person {
        id: person.id,
        organization_id: person.organization_id,
    })
}

/// The person being registered.
#[derive(Debug, Clone, Copy)]
struct Person {
    id: Uuid,
    organization_id: Uuid,
}

/// Decides registration requests for one edition in one transaction, in order: each
/// gets its own answer; the transaction fails only for reasons that concern all of them.
async fn register_batch(
    db: &DatabaseConnection,
    edition_id: Uuid,
    batch: &[Request],
    render: Render,
) -> DomainResult<Vec<DomainResult<Registered>>> {
    let txn = begin_write(db).await?;
    let edition = editions::record::lock(&txn, edition_id).await?;
    let now = super::now();
    let mut figures = Figures::read(&txn, edition_id).await?;
    let mut active: HashSet<Uuid> = registration::Entity::find()
        .select_only()
        .column(registration::Column::UserId)
        .filter(registration::Column::EditionId.eq(edition_id))
        .filter(registration::Column::UserId.is_in(batch.iter().map(|r| r.person.id)))
        .filter(registration::Column::Status.is_in(RegistrationStatus::ACTIVE))
        .into_tuple::<Uuid>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    // Keys used earlier in this batch: (subject, key) → (fingerprint, body).
    let mut fresh_keys: HashMap<(Uuid, String), (String, String)> = HashMap::new();
    let mut rows = Vec::new();
    let mut events = Vec::new();
    let mut keys = Vec::new();
    let mut pending = Vec::new();
    let mut out = Vec::with_capacity(batch.len());
    for request in batch {
        let actor = &request.actor;
        if let Some(idem) = &request.idempotency {
            let earlier = match fresh_keys.get(&(actor.id, idem.key.clone())) {
                Some((fingerprint, body)) => Some((fingerprint.clone(), body.clone())),
                None => remembered(&txn, actor.id, &idem.key)
                    .await?
                    .map(|k| (k.fingerprint, k.body)),
            };
            if let Some((fingerprint, body)) = earlier {
                out.push(if fingerprint == idem.fingerprint {
                    Ok(Registered::Replayed(body))
                } else {
                    Err(key_reused())
                });
                continue;
            }
        }
        if let Err(e) = check_open(&edition, now, actor.is_admin()) {
            out.push(Err(e));
            continue;
        }
        if active.contains(&request.person.id) {
            out.push(Err(already_registered()));
            continue;
        }
        let (status, position, reason) =
            if edition.requires_approval && !approves(actor, request.person.organization_id) {
                (
                    RegistrationStatus::PendingApproval,
                    None,
                    "waits for approval by HR or an admin",
                )
            } else {
                match figures.seat(&edition) {
                    Ok((status, position)) => (status, position, "registered"),
                    Err(e) => {
                        out.push(Err(e));
                        continue;
                    }
                }
            };
        match status {
            RegistrationStatus::Confirmed => figures.confirmed += 1,
            RegistrationStatus::Waitlisted => figures.last_position += 1,
            _ => {}
        }
        active.insert(request.person.id);
        let row = registration::Model {
            id: Uuid::now_v7(),
            edition_id,
            user_id: request.person.id,
            status,
            waitlist_position: position,
            late_cancellation: false,
            created_at: now,
            updated_at: now,
        };
        let notice = Notice::new(
            match status {
                RegistrationStatus::Confirmed => Kind::RegistrationConfirmed,
                RegistrationStatus::Waitlisted => Kind::RegistrationWaitlisted,
                _ => Kind::RegistrationPending,
            },
            serde_json::json!({ "status": status.to_value(), "position": position }),
        );
        events.push(event(
            &row,
            None,
            actor_of(actor),
            Some(reason),
            now,
            notice,
        ));
        if status == RegistrationStatus::PendingApproval {
            pending.push((row.id, request.person.organization_id));
        }
        if let Some(idem) = &request.idempotency {
            let body = render(&row);
            fresh_keys.insert(
                (actor.id, idem.key.clone()),
                (idem.fingerprint.clone(), body.clone()),
            );
            keys.push(idempotency_key::ActiveModel {
                subject_id: Set(actor.id),
                key: Set(idem.key.clone()),
                fingerprint: Set(idem.fingerprint.clone()),
                status_code: Set(201),
                body: Set(body),
                created_at: Set(now),
            });
        }
        rows.push(row.clone().into_active_model());
        out.push(Ok(Registered::Created(row)));
    }
    // In statements of a modest size: one huge statement costs far more to send (over
    // TLS especially) than a few ordinary ones.
    for chunk in rows.chunks(INSERT_CHUNK) {
        registration::Entity::insert_many(chunk.iter().cloned())
            .exec_without_returning(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => already_registered(),
                _ => DomainError::Db(e),
            })?;
    }
    for chunk in events.chunks(INSERT_CHUNK) {
        registration_event::Entity::insert_many(chunk.iter().cloned())
            .exec_without_returning(&txn)
            .await?;
    }
    messages::enqueue(&txn, approval_requests(&txn, &pending).await?, now).await?;
    for chunk in keys.chunks(INSERT_CHUNK) {
        idempotency_key::Entity::insert_many(chunk.iter().cloned())
            .exec_without_returning(&txn)
            .await
            .map_err(|e| match e.sql_err() {
                // The same key, at the same moment, for another edition.
                Some(SqlErr::UniqueConstraintViolation(_)) => DomainError::conflict(
                    "idempotency_key_in_use",
                    "another request with this Idempotency-Key is being processed; retry it",
                ),
                _ => DomainError::Db(e),
            })?;
    }
    txn.commit().await?;
    Ok(out)
}

/// The mails asking HR to decide on new pending registrations: one per request to each
/// HR person of the registered person's organisation who wants them per request.
async fn approval_requests(
    db: &impl ConnectionTrait,
    pending: &[(Uuid, Uuid)],
) -> DomainResult<Vec<Outgoing>> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let orgs: HashSet<Uuid> = pending.iter().map(|(_, org)| *org).collect();
    let hr: Vec<(Uuid, Uuid)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::OrganizationId)
        .inner_join(entity::user_role::Entity)
        .filter(entity::user_role::Column::Role.eq(Role::Hr))
        .filter(user::Column::OrganizationId.is_in(orgs))
        .filter(user::Column::DisabledAt.is_null())
        .filter(user::Column::ApprovalMails.eq(entity::ApprovalMails::PerRequest))
        .into_tuple()
        .all(db)
        .await?;
    Ok(pending
        .iter()
        .flat_map(|(registration, org)| {
            hr.iter()
                .filter(move |(_, o)| o == org)
                .map(move |(hr, _)| {
                    Outgoing::new(
                        Kind::ApprovalRequested,
                        *hr,
                        Some(*registration),
                        serde_json::json!({}),
                    )
                })
        })
        .collect())
}

/// The approval mails for registrations already pending (by id), for HR who want a mail
/// per request.
pub async fn approval_requests_for(
    db: &impl ConnectionTrait,
    registrations: &[Uuid],
) -> DomainResult<Vec<Outgoing>> {
    if registrations.is_empty() {
        return Ok(Vec::new());
    }
    let pending: Vec<(Uuid, Uuid)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .column(user::Column::OrganizationId)
        .inner_join(user::Entity)
        .filter(registration::Column::Id.is_in(registrations.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    approval_requests(db, &pending).await
}

/// Who made a change, for the mail about it.
fn by_payload(by: ActorRef, person: Uuid) -> serde_json::Value {
    let who = match by.kind {
        ActorKind::User if by.id == Some(person) => "self",
        ActorKind::User => "user",
        ActorKind::Client => "client",
        ActorKind::System => "system",
    };
    serde_json::json!({ "by": who, "by_id": by.id, "by_self": who == "self" })
}

fn already_registered() -> DomainError {
    DomainError::conflict(
        "already_registered",
        "this person is already registered for this edition",
    )
}

fn key_reused() -> DomainError {
    DomainError::Validation(vec![crate::error::FieldError::new(
        "Idempotency-Key",
        "was used before for a different request; use a new key for a new request",
    )])
}

/// A remembered response, if it is younger than [`IDEMPOTENCY_TTL`].
async fn remembered(
    db: &impl ConnectionTrait,
    subject: Uuid,
    key: &str,
) -> DomainResult<Option<idempotency_key::Model>> {
    let found = idempotency_key::Entity::find_by_id((subject, key.to_owned()))
        .one(db)
        .await?;
    match found {
        Some(k) if k.created_at > super::now() - IDEMPOTENCY_TTL => Ok(Some(k)),
        Some(_) => {
            // Expired: forget it, so the key starts afresh.
            idempotency_key::Entity::delete_by_id((subject, key.to_owned()))
                .exec(db)
                .await?;
            Ok(None)
        }
        None => Ok(None),
    }
}

/// Forgets idempotency keys older than [`IDEMPOTENCY_TTL`]; returns how many.
pub async fn forget_expired_keys(db: &DatabaseConnection) -> DomainResult<u64> {
    let res = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lte(super::now() - IDEMPOTENCY_TTL))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Refuses registrations an edition does not take now. Admins may add people outside the
/// registration window (late additions), never to an edition that is not published.
fn check_open(e: &edition::Model, now: DateTime<Utc>, admin: bool) -> DomainResult<()> {
    match e.status {
        EditionStatus::Published => {}
        EditionStatus::Draft => {
            return Err(DomainError::conflict(
                "edition_not_open",
                "the edition is not published yet",
            ));
        }
        EditionStatus::Cancelled => {
            return Err(DomainError::conflict(
                "edition_cancelled",
                "the edition was cancelled",
            ));
        }
        EditionStatus::Closed => {
            return Err(DomainError::conflict(
                "edition_closed",
                "the edition is closed",
            ));
        }
    }
    if admin {
        return Ok(());
    }
    if let Some(opens) = e.registration_opens_at
        && now < opens
    {
        return Err(DomainError::conflict(
            "registration_closed",
            format!("registration opens at {}", opens.to_rfc3339()),
        ));
    }
    if let Some(closes) = e.registration_closes_at.or(e.first_session_at)
        && now >= closes
    {
        return Err(DomainError::conflict(
            "registration_closed",
            format!("registration closed at {}", closes.to_rfc3339()),
        ));
    }
    Ok(())
}

/// An edition's registration figures, read in one statement under the edition's lock.
struct Figures {
    confirmed: i64,
    last_position: i32,
}

impl Figures {
    async fn read(db: &impl ConnectionTrait, edition_id: Uuid) -> DomainResult<Self> {
        use sea_orm::sea_query::Alias;
        let stmt = Query::select()
            .expr_as(
                Expr::case(
                    registration::Column::Status.eq(RegistrationStatus::Confirmed),
                    1,
                )
                .finally(0)
                .sum(),
                Alias::new("confirmed"),
            )
            .expr_as(
                Expr::col(registration::Column::WaitlistPosition).max(),
                Alias::new("last_position"),
            )
            .from(registration::Entity)
            .and_where(registration::Column::EditionId.eq(edition_id))
            .to_owned();
        let row = db
            .query_one(&stmt)
            .await?
            .ok_or_else(|| DomainError::Internal("an aggregate returned no row".into()))?;
        let confirmed: Option<i64> = row.try_get("", "confirmed")?;
        let last_position: Option<i32> = row.try_get("", "last_position")?;
        Ok(Self {
            confirmed: confirmed.unwrap_or(0),
            last_position: last_position.unwrap_or(0),
        })
    }

    /// The seat rule: confirmed while seats remain, else the back of the waiting list.
    fn seat(&self, e: &edition::Model) -> DomainResult<(RegistrationStatus, Option<i32>)> {
        if self.confirmed < i64::from(e.capacity) {
            Ok((RegistrationStatus::Confirmed, None))
        } else if e.waitlist_enabled {
            Ok((RegistrationStatus::Waitlisted, Some(self.last_position + 1)))
        } else {
            Err(DomainError::conflict(
                "edition_full",
                "the edition is full and has no waiting list",
            ))
        }
    }
}

/// The history entry of a change, with the message the change sends to the registration's person.
fn event(
    row: &registration::Model,
    from: Option<RegistrationStatus>,
    by: ActorRef,
    reason: Option<&str>,
    at: DateTime<Utc>,
    notice: Notice,
) -> registration_event::ActiveModel {
    registration_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        registration_id: Set(row.id),
        from_status: Set(from),
        to_status: Set(row.status),
        actor_kind: Set(by.kind),
        actor_id: Set(by.id),
        reason: Set(reason.map(str::to_owned)),
        at: Set(at),
        notice_kind: Set(Some(notice.kind.as_str().to_owned())),
        notice_payload: Set(Some(notice.payload.to_string())),
    }
}

async fn record(
    db: &impl ConnectionTrait,
    row: &registration::Model,
    from: Option<RegistrationStatus>,
    by: ActorRef,
    reason: Option<&str>,
    at: DateTime<Utc>,
    notice: Notice,
) -> DomainResult<()> {
    event(row, from, by, reason, at, notice).insert(db).await?;
    Ok(())
}

/// Moves a registration to a new status (and position), with its history entry.
async fn change(
    db: &impl ConnectionTrait,
    current: registration::Model,
    (to, position): (RegistrationStatus, Option<i32>),
    by: ActorRef,
    reason: Option<&str>,
    now: DateTime<Utc>,
    notice: Notice,
) -> DomainResult<registration::Model> {
    let from = current.status;
    let mut active: registration::ActiveModel = current.into();
    active.status = Set(to);
    active.waitlist_position = Set(position);
    active.updated_at = Set(now);
    let row = active.update(db).await?;
    record(db, &row, Some(from), by, reason, now, notice).await?;
    Ok(row)
}

/// Closes the gaps the given (vacated) positions left: everyone behind moves up, in
/// order. Two passes through negative numbers keep the unique position index satisfied
/// row by row.
async fn close_up(
    db: &impl ConnectionTrait,
    edition_id: Uuid,
    vacated: &[i32],
) -> DomainResult<()> {
    let mut vacated = vacated.to_vec();
    vacated.sort_unstable();
    vacated.dedup();
    if vacated.is_empty() {
        return Ok(());
    }
    let position = || Expr::col(registration::Column::WaitlistPosition);
    for (i, from) in vacated.iter().enumerate() {
        let until = vacated.get(i + 1).copied();
        if until == Some(from + 1) {
            continue; // nobody between two vacated positions
        }
        let shift = i32::try_from(i + 1).unwrap_or(i32::MAX);
        let mut q = registration::Entity::update_many()
            .col_expr(
                registration::Column::WaitlistPosition,
                Expr::val(shift).sub(position()),
            )
            .filter(registration::Column::EditionId.eq(edition_id))
            .filter(registration::Column::WaitlistPosition.gt(*from));
        if let Some(until) = until {
            q = q.filter(registration::Column::WaitlistPosition.lt(until));
        }
        q.exec(db).await?;
    }
    registration::Entity::update_many()
        .col_expr(
            registration::Column::WaitlistPosition,
            Expr::val(0).sub(position()),
        )
        .filter(registration::Column::EditionId.eq(edition_id))
        .filter(registration::Column::WaitlistPosition.lt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives free seats of a published edition to the first on its waiting list, in order,
/// and moves the rest up. Call with the edition locked. Returns who was promoted.
pub async fn fill_seats(
    db: &impl ConnectionTrait,
    e: &edition::Model,
    now: DateTime<Utc>,
) -> DomainResult<Vec<registration::Model>> {
    if e.status != EditionStatus::Published {
        return Ok(Vec::new());
    }
    let figures = Figures::read(db, e.id).await?;
    let free = i64::from(e.capacity) - figures.confirmed;
    if free <= 0 || figures.last_position == 0 {
        return Ok(Vec::new());
    }
    let first = registration::Entity::find()
        .filter(registration::Column::EditionId.eq(e.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Waitlisted))
        .order_by_asc(registration::Column::WaitlistPosition)
        .limit(u64::try_from(free).unwrap_or(0))
        .all(db)
        .await?;
    let mut vacated = Vec::with_capacity(first.len());
    let mut promoted = Vec::with_capacity(first.len());
    for r in first {
        vacated.extend(r.waitlist_position);
        promoted.push(
            change(
                db,
                r,
                (RegistrationStatus::Confirmed, None),
                SYSTEM,
                Some("a seat became free"),
                now,
                Notice::new(
                    Kind::RegistrationPromoted,
                    serde_json::json!({ "status": "confirmed" }),
                ),
            )
            .await?,
        );
    }
    close_up(db, e.id, &vacated).await?;
    Ok(promoted)
}

/// Cancels every active registration of an edition that is being cancelled (edition
/// locked by the caller).
pub async fn cancel_all(
    db: &impl ConnectionTrait,
    edition_id: Uuid,
    by: ActorRef,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let active = registration::Entity::find()
        .filter(registration::Column::EditionId.eq(edition_id))
        .filter(registration::Column::Status.is_in(RegistrationStatus::ACTIVE))
        .all(db)
        .await?;
    if active.is_empty() {
        return Ok(0);
    }
    registration::Entity::update_many()
        .col_expr(
            registration::Column::Status,
            Expr::value(RegistrationStatus::Cancelled),
        )
        .col_expr(
            registration::Column::WaitlistPosition,
            Expr::value(Option::<i32>::None),
        )
        .col_expr(registration::Column::UpdatedAt, Expr::value(now))
        .filter(registration::Column::EditionId.eq(edition_id))
        .filter(registration::Column::Status.is_in(RegistrationStatus::ACTIVE))
        .exec(db)
        .await?;
    registration_event::Entity::insert_many(active.iter().map(|r| {
        let cancelled = registration::Model {
            status: RegistrationStatus::Cancelled,
            ..r.clone()
        };
        event(
            &cancelled,
            Some(r.status),
            by,
            Some("the edition was cancelled"),
            now,
            Notice::new(
                Kind::EditionCancelled,
                serde_json::json!({ "registration_id": r.id }),
            ),
        )
    }))
    .exec(db)
    .await?;
    Ok(active.len() as u64)
}

/// What a person or their manager can do to one registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Cancel (person, their HR, admin, a writing client of their organisation).
    Cancel,
    /// Approve a pending registration (their HR, admin).
    Approve,
    /// Decline a pending registration (their HR, admin).
    Decline,
}

/// Cancels, approves or declines a registration.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
    decision: Decision,
    reason: Option<&str>,
) -> DomainResult<registration::Model> {
    retrying(|| decide_once(db, actor, id, decision, reason)).await
}

async fn decide_once(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
    decision: Decision,
    reason: Option<&str>,
) -> DomainResult<registration::Model> {
    let txn = begin_write(db).await?;
    let (found, person) = with_person(&txn, id).await?;
    let standing = standing(&txn, actor, &person, found.edition_id).await?;
    let allowed = match decision {
        Decision::Cancel => matches!(standing, Standing::Own | Standing::Manager),
        Decision::Approve | Decision::Decline => approves(actor, person.organization_id),
    };
    if !allowed {
        if standing == Standing::None {
            return Err(DomainError::NotFound("registration"));
        }
        return Err(DomainError::forbidden(match decision {
            Decision::Cancel => "a registration is cancelled by its person, their HR or an admin",
            _ => "approval is for the person's HR and admins",
        }));
    }
    let e = editions::record::lock(&txn, found.edition_id).await?;
    // Read again under the edition's lock: it may have changed meanwhile.
    let current = find(&txn, id).await?;
    let now = super::now();
    let by = actor_of(actor);
    let row = match decision {
        Decision::Cancel => {
            if !RegistrationStatus::ACTIVE.contains(&current.status) {
                return Err(not_active(current.status));
            }
            if e.status == EditionStatus::Closed {
                return Err(DomainError::conflict(
                    "edition_closed",
                    "registrations of a closed edition stay as they are",
                ));
            }
            let late = e.cancellation_deadline.is_some_and(|d| now > d);
            let from = current.status;
            let vacated = current.waitlist_position;
            let mut active: registration::ActiveModel = current.into();
            active.status = Set(RegistrationStatus::Cancelled);
            active.waitlist_position = Set(None);
            active.late_cancellation = Set(late);
            active.updated_at = Set(now);
            let row = active.update(&txn).await?;
            let why = reason.unwrap_or(if late {
                "cancelled after the cancellation deadline"
            } else {
                "cancelled"
            });
            let mut payload = by_payload(by, row.user_id);
            payload["late"] = late.into();
            payload["reason"] = reason.into();
            let notice = Notice::new(Kind::RegistrationCancelled, payload);
            record(&txn, &row, Some(from), by, Some(why), now, notice).await?;
            if let Some(p) = vacated {
                close_up(&txn, e.id, &[p]).await?;
            }
            if from == RegistrationStatus::Confirmed {
                fill_seats(&txn, &e, now).await?;
            }
            row
        }
        Decision::Approve | Decision::Decline => {
            if current.status != RegistrationStatus::PendingApproval {
                return Err(DomainError::conflict(
                    "not_pending",
                    format!(
                        "only a pending registration is approved or declined; this one is {}",
                        current.status.to_value()
                    ),
                ));
            }
            let (kind, status, position, why) = if decision == Decision::Decline {
                let declined = RegistrationStatus::Declined;
                (Kind::RegistrationDeclined, declined, None, "declined")
            } else {
                check_open(&e, now, true)?;
                let figures = Figures::read(&txn, e.id).await?;
                let (status, position) = figures.seat(&e)?;
                (Kind::RegistrationApproved, status, position, "approved")
            };
            let mut payload = by_payload(by, current.user_id);
            payload["status"] = status.to_value().into();
            payload["position"] = position.into();
            payload["reason"] = reason.into();
            let notice = Notice::new(kind, payload);
            let why = Some(reason.unwrap_or(why));
            change(&txn, current, (status, position), by, why, now, notice).await?
        }
    };
    txn.commit().await?;
    Ok(row)
}

fn not_active(status: RegistrationStatus) -> DomainError {
    DomainError::conflict(
        "registration_not_active",
        format!(
            "the registration is {} already",
            status.to_value().replace('_', " ")
        ),
    )
}

/// A registration and the person it is for.
async fn with_person(
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

async fn find(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<registration::Model> {
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
        super::sessions::by_edition(db, editions),
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

/// Checks, inside an edition update, what its registrations allow: the capacity not
/// below the confirmed count, the waiting list not switched off while people wait.
pub async fn check_edition_change(
    db: &impl ConnectionTrait,
    e: &edition::Model,
    capacity: Option<i64>,
    waitlist_enabled: Option<bool>,
) -> DomainResult<()> {
    let figures = Figures::read(db, e.id).await?;
    if let Some(c) = capacity
        && c < figures.confirmed
    {
        return Err(DomainError::conflict(
            "capacity_below_confirmed",
            format!(
                "{} people are confirmed; the capacity cannot be lower",
                figures.confirmed
            ),
        ));
    }
    if waitlist_enabled == Some(false) && figures.last_position > 0 {
        return Err(DomainError::conflict(
            "waitlist_not_empty",
            format!(
                "{} people are on the waiting list; cancel them or keep the list",
                figures.last_position
            ),
        ));
    }
    Ok(())
}
