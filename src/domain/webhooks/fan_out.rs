//! The fan-out: pending events become deliveries to the endpoints that want them and
//! whose client may read what they are about. A registration's change is its history
//! entry, pending (`webhook_pending`) until fanned out; other changes record a pending
//! `webhook_events` row. One instance at a time fans out (it holds the `webhook_fan_out`
//! counter row), oldest first, so a resource's events become deliveries in the order they
//! happened.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    DeliveryStatus, RegistrationStatus, api_client, registration, registration_event, user,
    webhook_delivery, webhook_endpoint, webhook_event,
};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set, Statement,
};
use uuid::Uuid;

use super::events::EventType;
use crate::db::{begin_write, retrying};
use crate::error::DomainResult;

/// An enabled endpoint of a client that is not revoked, as the fan-out matches it.
struct Listener {
    id: Uuid,
    since: DateTime<Utc>,
    events: HashSet<EventType>,
    scopes: Vec<String>,
    org: Option<Uuid>,
}

impl Listener {
    /// Whether the endpoint gets an event: of a type it subscribed to, that happened
    /// once it existed, about what its client may read.
    fn hears(&self, kind: EventType, at: DateTime<Utc>, person_org: Option<Uuid>) -> bool {
        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        self.events.contains(&kind)
            && at >= self.since
            && kind.heard_by(&scopes, self.org, person_org)
    }
}

/// An endpoint's id, creation time and event types, and its client's scopes and
/// organisation.
type EndpointRow = (Uuid, DateTime<Utc>, String, String, Option<Uuid>);

async fn listeners(db: &impl ConnectionTrait) -> DomainResult<Vec<Listener>> {
    let rows: Vec<EndpointRow> = webhook_endpoint::Entity::find()
        .select_only()
        .column(webhook_endpoint::Column::Id)
        .column(webhook_endpoint::Column::CreatedAt)
        .column(webhook_endpoint::Column::Events)
        .column(api_client::Column::Scopes)
        .column(api_client::Column::OrganizationId)
        .join(
            JoinType::InnerJoin,
            webhook_endpoint::Relation::Client.def(),
        )
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .filter(api_client::Column::RevokedAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, since, events, scopes, org)| Listener {
            id,
            since,
            events: events.split(' ').filter_map(EventType::parse).collect(),
            scopes: scopes.split(' ').map(str::to_owned).collect(),
            org,
        })
        .collect())
}

/// The organisations of these people.
async fn organisations(
    db: &impl ConnectionTrait,
    people: HashSet<Uuid>,
) -> DomainResult<HashMap<Uuid, Uuid>> {
    if people.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::OrganizationId)
        .filter(user::Column::Id.is_in(people))
        .into_tuple::<(Uuid, Uuid)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// A delivery of an event to an endpoint, due at once.
pub(super) fn queued(
    endpoint: Uuid,
    event_id: Uuid,
    resource: Uuid,
    now: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        endpoint_id: Set(endpoint),
        event_id: Set(event_id),
        resource_id: Set(resource),
        status: Set(DeliveryStatus::Queued),
        attempts: Set(0),
        due_at: Set(now),
        created_at: Set(now),
        finished_at: Set(None),
        last_status: Set(None),
        last_error: Set(None),
    }
}

async fn insert(
    db: &impl ConnectionTrait,
    rows: Vec<webhook_delivery::ActiveModel>,
) -> DomainResult<usize> {
    for chunk in rows.chunks(100) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(rows.len())
}

/// Whether anything waits to be fanned out (without the write lock).
async fn anything_pending(db: &DatabaseConnection) -> DomainResult<bool> {
    let entry = registration_event::Entity::find()
        .select_only()
        .column(registration_event::Column::Id)
        .filter(Expr::cust("webhook_pending"))
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    if entry.is_some() {
        return Ok(true);
    }
    Ok(webhook_event::Entity::find()
        .select_only()
        .column(webhook_event::Column::Id)
        .filter(Expr::cust("pending"))
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// Fans out up to `n` registration history entries and `n` other events. Returns how
/// many deliveries it queued.
pub async fn fan_out(db: &DatabaseConnection, n: u64, now: DateTime<Utc>) -> DomainResult<usize> {
    if !anything_pending(db).await? {
        return Ok(0);
    }
    retrying(|| async {
        let txn = begin_write(db).await?;
        if !take_turn(&txn).await? {
            txn.commit().await?;
            return Ok(0);
        }
        let queued = fan_out_in(&txn, n, now).await?;
        txn.commit().await?;
        Ok(queued)
    })
    .await
}

/// Takes the fan-out's turn: on PostgreSQL the counter row, skipped when another
/// instance holds it; SQLite's write lock is already exclusive.
async fn take_turn(txn: &DatabaseTransaction) -> DomainResult<bool> {
    if txn.get_database_backend() != DbBackend::Postgres {
        return Ok(true);
    }
    let held = txn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT name FROM counters WHERE name = 'webhook_fan_out' FOR UPDATE SKIP LOCKED",
        ))
        .await?;
    Ok(held.is_some())
}

/// A registration history entry waiting to be fanned out: its id, registration,
/// previous status, time and person.
type Entry = (Uuid, Uuid, Option<RegistrationStatus>, DateTime<Utc>, Uuid);

async fn fan_out_in(txn: &DatabaseTransaction, n: u64, now: DateTime<Utc>) -> DomainResult<usize> {
    let entries: Vec<Entry> = registration_event::Entity::find()
        .select_only()
        .column(registration_event::Column::Id)
        .column(registration_event::Column::RegistrationId)
        .column(registration_event::Column::FromStatus)
        .column(registration_event::Column::At)
        .column(registration::Column::UserId)
        .join(
            JoinType::InnerJoin,
            registration_event::Relation::Registration.def(),
        )
        .filter(Expr::cust("registration_events.webhook_pending"))
        .order_by_asc(registration_event::Column::Id)
        .limit(n)
        .into_tuple()
        .all(txn)
        .await?;
    let pending = webhook_event::Entity::find()
        .filter(Expr::cust("pending"))
        .order_by_asc(webhook_event::Column::Id)
        .limit(n)
        .all(txn)
        .await?;
    if entries.is_empty() && pending.is_empty() {
        return Ok(0);
    }
    let listeners = listeners(txn).await?;
    let orgs = if listeners.is_empty() {
        HashMap::new()
    } else {
        let people = entries
            .iter()
            .map(|e| e.4)
            .chain(pending.iter().filter_map(|e| e.user_id))
            .collect();
        organisations(txn, people).await?
    };
    let hearers = |kind: EventType, at: DateTime<Utc>, person: Option<Uuid>| -> Vec<Uuid> {
        let org = person.and_then(|p| orgs.get(&p).copied());
        listeners
            .iter()
            .filter(|l| l.hears(kind, at, org))
            .map(|l| l.id)
            .collect()
    };
    let mut rows = Vec::new();
    // A registration's history entry is its event: the delivery names the entry.
    for (id, registration_id, from, at, person) in &entries {
        let kind = if from.is_none() {
            EventType::RegistrationCreated
        } else {
            EventType::RegistrationStatusChanged
        };
        for endpoint in hearers(kind, *at, Some(*person)) {
            rows.push(queued(endpoint, *id, *registration_id, now));
        }
    }
    let mut heard = Vec::new();
    let mut unheard = Vec::new();
    for e in &pending {
        let to = EventType::parse(&e.kind)
            .map(|kind| hearers(kind, e.occurred_at, e.user_id))
            .unwrap_or_default();
        if to.is_empty() {
            unheard.push(e.id);
        } else {
            heard.push(e.id);
            rows.extend(to.into_iter().map(|l| queued(l, e.id, e.resource_id, now)));
        }
    }
    let queued = insert(txn, rows).await?;
    let entry_ids: Vec<Uuid> = entries.iter().map(|e| e.0).collect();
    for ids in entry_ids.chunks(500) {
        let stmt = Query::update()
            .table(registration_event::Entity)
            .value(Alias::new("webhook_pending"), false)
            .and_where(registration_event::Column::Id.is_in(ids.to_vec()))
            .to_owned();
        txn.execute(&stmt).await?;
    }
    if !heard.is_empty() {
        webhook_event::Entity::update_many()
            .col_expr(webhook_event::Column::Pending, Expr::value(false))
            .filter(webhook_event::Column::Id.is_in(heard))
            .exec(txn)
            .await?;
    }
    // Events nobody listens to are not kept.
    if !unheard.is_empty() {
        webhook_event::Entity::delete_many()
            .filter(webhook_event::Column::Id.is_in(unheard))
            .exec(txn)
            .await?;
    }
    Ok(queued)
}
