//! Registering: requests for the same edition that arrive while its previous transaction
//! runs are combined into the next one, so a rush costs one lock, one seat count and one
//! commit per batch instead of per person.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use entity::{RegistrationStatus, Role, idempotency_key, registration, registration_event, user};
use sea_orm::{
    ActiveEnum, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, SqlErr,
};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::approvals::approval_requests;
use super::changes::event;
use super::idempotency::{
    Idempotency, Registered, first_answer, key_reused, remembered, remembering,
};
use super::seats::{Figures, check_open};
use super::standing::{approves, manages};
use crate::auth::tokens::{Principal, SubjectKind};
use crate::db::{begin_write, retrying};
use crate::domain::actor::actor_of;
use crate::domain::editions;
use crate::domain::messages::{self, Kind, Notice};
use crate::error::{DomainError, DomainResult};

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
        tokio::spawn(drain(db.clone(), combiner.clone(), edition_id));
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

async fn drain(db: DatabaseConnection, combiner: Arc<Combiner>, edition_id: Uuid) {
    // The queue holds the jobs being decided too (so that arrivals meanwhile see a
    // drainer at work): take them out only when their batch is done.
    while let Some(batch) = combiner.peek(edition_id) {
        let started = std::time::Instant::now();
        let results = decide_batch(&db, edition_id, &batch).await;
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
) -> Vec<DomainResult<Registered>> {
    match retrying(|| register_batch(db, edition_id, batch)).await {
        Ok(results) => results,
        Err(e) if batch.len() == 1 => vec![Err(e)],
        Err(_) => {
            let mut out = Vec::with_capacity(batch.len());
            for one in batch.chunks(1) {
                let result = retrying(|| register_batch(db, edition_id, one)).await;
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
) -> DomainResult<Vec<DomainResult<Registered>>> {
    let txn = begin_write(db).await?;
    let edition = editions::record::lock(&txn, edition_id).await?;
    let now = crate::domain::now();
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
    // Keys used earlier in this batch: (subject, key) → (fingerprint, registration).
    let mut fresh_keys: HashMap<(Uuid, String), (String, registration::Model)> = HashMap::new();
    let mut rows = Vec::new();
    let mut events = Vec::new();
    let mut keys = Vec::new();
    let mut pending = Vec::new();
    let mut out = Vec::with_capacity(batch.len());
    for request in batch {
        let actor = &request.actor;
        if let Some(idem) = &request.idempotency {
            let earlier = match fresh_keys.get(&(actor.id, idem.key.clone())) {
                Some((fingerprint, row)) => Some((fingerprint.clone(), row.clone())),
                None => remembered(&txn, actor.id, &idem.key)
                    .await?
                    .map(|k| (k.fingerprint.clone(), first_answer(&k))),
            };
            if let Some((fingerprint, row)) = earlier {
                out.push(if fingerprint == idem.fingerprint {
                    Ok(Registered::Replayed(row))
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
            fresh_keys.insert(
                (actor.id, idem.key.clone()),
                (idem.fingerprint.clone(), row.clone()),
            );
            keys.push(remembering(actor.id, idem, &row));
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

fn already_registered() -> DomainError {
    DomainError::conflict(
        "already_registered",
        "this person is already registered for this edition",
    )
}
