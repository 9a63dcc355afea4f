//! The fan-out: pending events (and registration history entries) become deliveries to
//! the endpoints that want them and whose client may read what they are about. One
//! instance at a time fans out (it holds the `webhook_fan_out` counter row), oldest
//! first, so a resource's events become deliveries in the order they happened.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    DeliveryStatus, RegistrationStatus, api_client, registration, registration_event, user,
    webhook_delivery, webhook_endpoint, webhook_event,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Set, Statement,
};
use serde_json::json;
use uuid::Uuid;

use super::events::{Event, EventType, row};
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

/// An endpoint's id, creation time and event types, and its client's scopes and
/// organisation.
type EndpointRow = (Uuid, DateTime<Utc>, String, String, Option<Uuid>);

async fn listeners(txn: &DatabaseTransaction) -> DomainResult<Vec<Listener>> {
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
        .all(txn)
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

/// A registration history entry waiting to be fanned out.
type Entry = (
    Uuid,
    Uuid,
    Option<RegistrationStatus>,
    RegistrationStatus,
    DateTime<Utc>,
    Uuid,
    Uuid,
);

async fn fan_out_in(txn: &DatabaseTransaction, n: u64, now: DateTime<Utc>) -> DomainResult<usize> {
    let listeners = listeners(txn).await?;
    let entries: Vec<Entry> = registration_event::Entity::find()
        .select_only()
        .column(registration_event::Column::Id)
        .column(registration_event::Column::RegistrationId)
        .column(registration_event::Column::FromStatus)
        .column(registration_event::Column::ToStatus)
        .column(registration_event::Column::At)
        .column(registration::Column::UserId)
        .column(registration::Column::EditionId)
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
    let others = webhook_event::Entity::find()
        .filter(Expr::cust("pending"))
        .order_by_asc(webhook_event::Column::Id)
        .limit(n)
        .all(txn)
        .await?;
    if entries.is_empty() && others.is_empty() {
        return Ok(0);
    }
    // The organisations of the people concerned decide which clients hear of them.
    let people: HashSet<Uuid> = entries
        .iter()
        .map(|e| e.5)
        .chain(others.iter().filter_map(|e| e.user_id))
        .collect();
    let orgs: HashMap<Uuid, Uuid> = if people.is_empty() || listeners.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::OrganizationId)
            .filter(user::Column::Id.is_in(people))
            .into_tuple::<(Uuid, Uuid)>()
            .all(txn)
            .await?
            .into_iter()
            .collect()
    };
    let hearers = |kind: EventType, at: DateTime<Utc>, person: Option<Uuid>| -> Vec<Uuid> {
        let org = person.and_then(|p| orgs.get(&p).copied());
        listeners
            .iter()
            .filter(|l| l.hears(kind, at, org))
            .map(|l| l.id)
            .collect()
    };
    let mut events = Vec::new();
    let mut deliveries = Vec::new();
    let mut queue = |event_id: Uuid, resource: Uuid, to: Vec<Uuid>| {
        for endpoint in to {
            deliveries.push(webhook_delivery::ActiveModel {
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
            });
        }
    };
    let entry_ids: Vec<Uuid> = entries.iter().map(|e| e.0).collect();
    for (id, registration_id, from, to, at, user_id, edition_id) in entries {
        let kind = if from.is_none() {
            EventType::RegistrationCreated
        } else {
            EventType::RegistrationStatusChanged
        };
        let to_endpoints = hearers(kind, at, Some(user_id));
        if to_endpoints.is_empty() {
            continue;
        }
        let event = Event {
            kind,
            resource: registration_id,
            person: Some(user_id),
            data: json!({
                "registration_id": registration_id,
                "edition_id": edition_id,
                "user_id": user_id,
                "status": to.to_value(),
                "previous_status": from.map(|f| f.to_value()),
            }),
        };
        // The event keeps the history entry's id: a replayed fan-out cannot send it twice
        // under two ids.
        events.push(row(id, &event, at, false));
        queue(id, registration_id, to_endpoints);
    }
    let mut heard = Vec::new();
    let mut unheard = Vec::new();
    for e in &others {
        let to_endpoints = EventType::parse(&e.kind)
            .map(|kind| hearers(kind, e.occurred_at, e.user_id))
            .unwrap_or_default();
        if to_endpoints.is_empty() {
            unheard.push(e.id);
        } else {
            heard.push(e.id);
            queue(e.id, e.resource_id, to_endpoints);
        }
    }
    for chunk in events.chunks(100) {
        webhook_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    let queued = deliveries.len();
    for chunk in deliveries.chunks(100) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    for ids in entry_ids.chunks(500) {
        let stmt = Query::update()
            .table(registration_event::Entity)
            .value(sea_orm::sea_query::Alias::new("webhook_pending"), false)
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
