//! Deliveries: claimed per endpoint (one instance delivers to an endpoint at a time, and
//! a resource's events go in order), settled with an entry in the delivery log for every
//! attempt, retried on a schedule of about three days, and kept for 30 days.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{
    DeliveryStatus, api_client, webhook_attempt, webhook_delivery, webhook_endpoint, webhook_event,
};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::endpoints::{self, give_up_queued};
use super::events::{self, Event, EventType, row};
use crate::db::{begin_read, begin_write, retrying};
use crate::domain::messages::{self, Kind, Outgoing};
use crate::domain::paging::PageRequest;
use crate::error::{DomainError, DomainResult};

/// How long an instance has an endpoint to itself once it claimed deliveries to it.
pub const LEASE: Duration = Duration::minutes(5);

/// The waits after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h, for
/// about three days (13 attempts over 77.6 hours, so that an endpoint failing all along
/// is past [`FAILING_LIMIT`] at its last attempt) before a delivery is given up.
pub const RETRY_AFTER_SECONDS: [i64; 12] = [
    5, 300, 1_800, 7_200, 18_000, 36_000, 36_000, 36_000, 36_000, 36_000, 36_000, 36_000,
];

/// An endpoint failing this long without a success is turned off.
pub const FAILING_LIMIT: Duration = Duration::days(3);

/// How long the delivery log is kept.
pub const KEPT: Duration = Duration::days(30);

/// Deliveries claimed for one endpoint, in the order they are to be sent.
#[derive(Debug)]
pub struct Batch {
    /// The endpoint, leased to the caller.
    pub endpoint: webhook_endpoint::Model,
    /// Until when: the lease is the caller's while the endpoint's `lease_until` is this.
    pub lease_until: DateTime<Utc>,
    /// Each delivery with its event.
    pub items: Vec<(webhook_delivery::Model, webhook_event::Model)>,
}

fn unleased(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(webhook_endpoint::Column::LeaseUntil.is_null())
        .add(webhook_endpoint::Column::LeaseUntil.lte(now))
}

/// Endpoints that may be delivered to now (on, of a client not revoked, and not leased
/// to an instance) and have a delivery to send, those whose deliveries waited longest
/// first. Endpoints are few and their queued deliveries are in a partial index by
/// endpoint and due time: this looks at each endpoint's first deliveries, not at the
/// whole queue (which a rush makes long).
fn ready_endpoints(now: DateTime<Utc>, n: u64) -> sea_orm::sea_query::SelectStatement {
    let revoked = Query::select()
        .column(api_client::Column::Id)
        .from(api_client::Entity)
        .and_where(api_client::Column::RevokedAt.is_not_null())
        .to_owned();
    let of_endpoint = || {
        Expr::col((
            webhook_delivery::Entity,
            webhook_delivery::Column::EndpointId,
        ))
        .equals((webhook_endpoint::Entity, webhook_endpoint::Column::Id))
    };
    let to_send = sendable(now)
        .select_only()
        .expr(Expr::val(1))
        .filter(of_endpoint())
        .into_query();
    let waited_since = Query::select()
        .expr(Expr::col(webhook_delivery::Column::DueAt).min())
        .from(webhook_delivery::Entity)
        .and_where(Expr::cust("webhook_deliveries.status = 'queued'"))
        .and_where(of_endpoint())
        .to_owned();
    Query::select()
        .column((webhook_endpoint::Entity, webhook_endpoint::Column::Id))
        .from(webhook_endpoint::Entity)
        .and_where(webhook_endpoint::Column::Enabled.eq(true))
        .and_where(webhook_endpoint::Column::ClientId.not_in_subquery(revoked))
        .cond_where(unleased(now))
        .and_where(Expr::exists(to_send))
        .order_by_expr(
            Expr::SubQuery(None, Box::new(waited_since.into())),
            sea_orm::Order::Asc,
        )
        .limit(n)
        .to_owned()
}

/// Queued deliveries due at `now` that are the oldest of their resource at their
/// endpoint (one waiting for its retry holds back the later events of its resource).
fn sendable(now: DateTime<Utc>) -> sea_orm::Select<webhook_delivery::Entity> {
    let older = Alias::new("older");
    let earlier = Query::select()
        .expr(Expr::val(1))
        .from_as(webhook_delivery::Entity, older.clone())
        .and_where(
            Expr::col((older.clone(), webhook_delivery::Column::EndpointId)).equals((
                webhook_delivery::Entity,
                webhook_delivery::Column::EndpointId,
            )),
        )
        .and_where(
            Expr::col((older.clone(), webhook_delivery::Column::ResourceId)).equals((
                webhook_delivery::Entity,
                webhook_delivery::Column::ResourceId,
            )),
        )
        .and_where(
            Expr::col((older.clone(), webhook_delivery::Column::Status))
                .eq(DeliveryStatus::Queued.to_value()),
        )
        .and_where(
            Expr::col((older, webhook_delivery::Column::EventId)).lt(Expr::col((
                webhook_delivery::Entity,
                webhook_delivery::Column::EventId,
            ))),
        )
        .to_owned();
    // Written out, so that both databases take the partial index of queued deliveries.
    webhook_delivery::Entity::find()
        .filter(Expr::cust("webhook_deliveries.status = 'queued'"))
        .filter(webhook_delivery::Column::DueAt.lte(now))
        .filter(Expr::exists(earlier).not())
}

/// Claims the sendable deliveries of up to `endpoints` free endpoints, at most
/// `per_endpoint` each, the endpoints whose deliveries waited longest first. Each
/// endpoint comes leased to the caller until [`Batch::lease_until`].
pub async fn claim(
    db: &DatabaseConnection,
    endpoints: u64,
    per_endpoint: u64,
    now: DateTime<Utc>,
) -> DomainResult<Vec<Batch>> {
    // Most looks find nothing to do: find that out without the write lock.
    if db.query_one(&ready_endpoints(now, 1)).await?.is_none() {
        return Ok(Vec::new());
    }
    retrying(|| async {
        let txn = begin_write(db).await?;
        let mut candidates: Vec<Uuid> = txn
            .query_all(&ready_endpoints(now, endpoints))
            .await?
            .iter()
            .map(|row| row.try_get_by_index(0))
            .collect::<Result<_, _>>()?;
        // Leases are taken in one order, so two instances never wait on each other in a
        // circle.
        candidates.sort();
        let lease_until = now + LEASE;
        let mut batches = Vec::new();
        for endpoint_id in candidates {
            // The conditional update is the lease: of two instances, the second finds
            // the endpoint leased (on PostgreSQL after waiting for the first to commit).
            let won = webhook_endpoint::Entity::update_many()
                .col_expr(
                    webhook_endpoint::Column::LeaseUntil,
                    Expr::value(Some(lease_until)),
                )
                .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
                .filter(webhook_endpoint::Column::Enabled.eq(true))
                .filter(unleased(now))
                .exec(&txn)
                .await?
                .rows_affected
                == 1;
            if !won {
                continue;
            }
            // At most one per resource (the oldest), so the order within the batch is
            // free: the one the index gives.
            let due = sendable(now)
                .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
                .order_by_asc(webhook_delivery::Column::DueAt)
                .limit(per_endpoint)
                .all(&txn)
                .await?;
            let mut events = events::load(&txn, due.iter().map(|d| d.event_id).collect()).await?;
            let endpoint = webhook_endpoint::Entity::find_by_id(endpoint_id)
                .one(&txn)
                .await?;
            let items: Vec<_> = due
                .into_iter()
                .filter_map(|d| {
                    let event = events.remove(&d.event_id)?;
                    Some((d, event))
                })
                .collect();
            match endpoint {
                Some(endpoint) if !items.is_empty() => batches.push(Batch {
                    endpoint,
                    lease_until,
                    items,
                }),
                // Nothing after all (another instance sent it meanwhile): give it back.
                _ => {
                    release(&txn, endpoint_id, lease_until).await?;
                }
            }
        }
        txn.commit().await?;
        Ok(batches)
    })
    .await
}

/// Gives an endpoint's lease back, if it is still the caller's.
async fn release(
    db: &impl ConnectionTrait,
    endpoint_id: Uuid,
    lease_until: DateTime<Utc>,
) -> DomainResult<()> {
    webhook_endpoint::Entity::update_many()
        .col_expr(
            webhook_endpoint::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(webhook_endpoint::Column::Id.eq(endpoint_id))
        .filter(webhook_endpoint::Column::LeaseUntil.eq(lease_until))
        .exec(db)
        .await?;
    Ok(())
}

/// One attempt of a delivery, as the sender saw it.
#[derive(Debug, Clone)]
pub struct Attempted {
    /// The delivery.
    pub delivery: webhook_delivery::Model,
    /// When the request went out.
    pub at: DateTime<Utc>,
    /// How long it took.
    pub duration_ms: i32,
    /// The answer's status, if one came.
    pub status: Option<u16>,
    /// What went wrong, if it did.
    pub error: Option<String>,
}

impl Attempted {
    fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    fn gone(&self) -> bool {
        self.status == Some(410)
    }
}

/// Records a batch's attempts in one transaction and gives the endpoint back. Returns
/// why the endpoint was turned off, when it was: it answered 410 Gone, or it has been
/// failing for [`FAILING_LIMIT`]. Its client's contact is then told by e-mail.
pub async fn settle(
    db: &DatabaseConnection,
    batch: &Batch,
    attempts: Vec<Attempted>,
) -> DomainResult<Option<String>> {
    retrying(|| async {
        let now = crate::domain::now();
        let txn = begin_write(db).await?;
        // The endpoint first (on PostgreSQL locked, as an admin's change locks it before
        // its deliveries), as it is now: an admin may have changed it during the batch.
        let mut q = webhook_endpoint::Entity::find_by_id(batch.endpoint.id);
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        let Some(endpoint) = q.one(&txn).await? else {
            // Removed meanwhile, with its deliveries.
            txn.commit().await?;
            return Ok(None);
        };
        let delivered = attempts.iter().any(Attempted::delivered);
        let failing_since = if delivered {
            None
        } else {
            endpoint
                .failing_since
                .or_else(|| attempts.first().map(|a| a.at))
        };
        let turned_off = if !endpoint.enabled {
            None
        } else if attempts.iter().any(Attempted::gone) {
            Some("the endpoint answered 410 Gone".to_owned())
        } else if failing_since.is_some_and(|since| now - since >= FAILING_LIMIT) {
            Some("every delivery to the endpoint failed for three days".to_owned())
        } else {
            None
        };
        let mut update = webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::FailingSince,
                Expr::value(failing_since),
            )
            .filter(webhook_endpoint::Column::Id.eq(endpoint.id));
        if endpoint.lease_until == Some(batch.lease_until) {
            update = update.col_expr(
                webhook_endpoint::Column::LeaseUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        }
        if let Some(why) = &turned_off {
            update = update
                .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
                .col_expr(
                    webhook_endpoint::Column::DisabledReason,
                    Expr::value(Some(why.clone())),
                )
                .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now));
        }
        update.exec(&txn).await?;
        for a in &attempts {
            record(&txn, a, now).await?;
        }
        if let Some(why) = &turned_off {
            give_up_queued(&txn, endpoint.id, "the endpoint was turned off", now).await?;
            tell_contact(&txn, &endpoint, why, now).await?;
        }
        txn.commit().await?;
        Ok(turned_off)
    })
    .await
}

/// Writes one attempt to the log and moves its delivery on: delivered, due again after
/// the schedule's next wait, or given up.
async fn record(db: &impl ConnectionTrait, a: &Attempted, now: DateTime<Utc>) -> DomainResult<()> {
    let made = a.delivery.attempts + 1;
    let error = a.error.as_deref().map(|e| truncate(e, 500));
    webhook_attempt::Entity::insert(webhook_attempt::ActiveModel {
        id: Set(Uuid::now_v7()),
        delivery_id: Set(a.delivery.id),
        at: Set(a.at),
        status_code: Set(a.status.map(i32::from)),
        duration_ms: Set(a.duration_ms),
        error: Set(error.clone()),
    })
    .exec_without_returning(db)
    .await?;
    let mut update = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(made))
        .col_expr(
            webhook_delivery::Column::LastStatus,
            Expr::value(a.status.map(i32::from)),
        )
        .col_expr(webhook_delivery::Column::LastError, Expr::value(error))
        .filter(webhook_delivery::Column::Id.eq(a.delivery.id))
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Queued));
    let wait = usize::try_from(made - 1)
        .ok()
        .and_then(|i| RETRY_AFTER_SECONDS.get(i));
    update = match wait {
        _ if a.delivered() => update
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(DeliveryStatus::Delivered),
            )
            .col_expr(webhook_delivery::Column::FinishedAt, Expr::value(Some(now))),
        Some(wait) if !a.gone() => update.col_expr(
            webhook_delivery::Column::DueAt,
            Expr::value(a.at + Duration::seconds(*wait)),
        ),
        _ => update
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(DeliveryStatus::Failed),
            )
            .col_expr(webhook_delivery::Column::FinishedAt, Expr::value(Some(now))),
    };
    update.exec(db).await?;
    Ok(())
}

/// Queues the mail telling the client's contact (or, for a client without one, the admin
/// who registered the endpoint) that the endpoint was turned off.
async fn tell_contact(
    db: &impl ConnectionTrait,
    endpoint: &webhook_endpoint::Model,
    why: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let client = api_client::Entity::find_by_id(endpoint.client_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("client"))?;
    let payload = json!({
        "client": client.name,
        "host": url::Url::parse(&endpoint.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned)),
        "reason": why,
    });
    match (client.contact_email, endpoint.created_by) {
        (Some(address), _) => {
            messages::enqueue_to_address(
                db,
                Kind::WebhookDisabled,
                &address,
                Some(endpoint.id),
                payload,
                now,
            )
            .await
        }
        (None, Some(admin)) => {
            messages::enqueue(
                db,
                vec![Outgoing::new(
                    Kind::WebhookDisabled,
                    admin,
                    Some(endpoint.id),
                    payload,
                )],
                now,
            )
            .await
        }
        (None, None) => Ok(()),
    }
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

/// A delivery with its event and every attempt, oldest first.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    /// The delivery.
    pub delivery: webhook_delivery::Model,
    /// Its event.
    pub event: webhook_event::Model,
    /// Its attempts.
    pub attempts: Vec<webhook_attempt::Model>,
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<webhook_delivery::Model>,
) -> DomainResult<Vec<DeliveryView>> {
    let ids: Vec<Uuid> = rows.iter().map(|d| d.id).collect();
    let events = events::load(db, rows.iter().map(|d| d.event_id).collect()).await?;
    let mut attempts: HashMap<Uuid, Vec<webhook_attempt::Model>> = HashMap::new();
    for a in webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(ids))
        .order_by_asc(webhook_attempt::Column::Id)
        .all(db)
        .await?
    {
        attempts.entry(a.delivery_id).or_default().push(a);
    }
    Ok(rows
        .into_iter()
        .filter_map(|d| {
            let event = events.get(&d.event_id).cloned()?;
            let attempts = attempts.remove(&d.id).unwrap_or_default();
            Some(DeliveryView {
                delivery: d,
                event,
                attempts,
            })
        })
        .collect())
}

/// An endpoint's deliveries of the last 30 days, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    endpoint_id: Uuid,
    status: Option<DeliveryStatus>,
    page: PageRequest,
) -> DomainResult<(Vec<DeliveryView>, Option<String>)> {
    endpoints::get(db, endpoint_id).await?;
    // The deliveries and their attempts from one snapshot, so that a delivery settled
    // meanwhile does not show its new attempt with its old schedule.
    let txn = begin_read(db).await?;
    let mut q = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .order_by_asc(webhook_delivery::Column::Id);
    if let Some(status) = status {
        q = q.filter(webhook_delivery::Column::Status.eq(status));
    }
    if let Some(after) = page.after {
        q = q.filter(webhook_delivery::Column::Id.gt(after));
    }
    let rows = q.limit(page.fetch()).all(&txn).await?;
    let (rows, next) = page.finish(rows, |d| d.id);
    let views = views(&txn, rows).await?;
    txn.commit().await?;
    Ok((views, next))
}

async fn one(db: &impl ConnectionTrait, endpoint_id: Uuid, id: Uuid) -> DomainResult<DeliveryView> {
    let row = webhook_delivery::Entity::find_by_id(id)
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("delivery"))?;
    views(db, vec![row])
        .await?
        .pop()
        .ok_or(DomainError::NotFound("delivery"))
}

fn refuse_disabled(e: &webhook_endpoint::Model) -> DomainResult<()> {
    if e.enabled {
        return Ok(());
    }
    Err(DomainError::conflict(
        "webhook_disabled",
        "the endpoint is turned off; turn it on (PATCH enabled: true) first",
    ))
}

/// Sends a delivery again, due at once with a fresh schedule of retries (the same event
/// id, so a receiver that has it already can tell).
pub async fn redeliver(
    db: &DatabaseConnection,
    endpoint_id: Uuid,
    id: Uuid,
) -> DomainResult<DeliveryView> {
    let endpoint = endpoints::get(db, endpoint_id).await?;
    one(db, endpoint_id, id).await?;
    refuse_disabled(&endpoint)?;
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::Status,
            Expr::value(DeliveryStatus::Queued),
        )
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(0))
        .col_expr(
            webhook_delivery::Column::DueAt,
            Expr::value(crate::domain::now()),
        )
        .col_expr(
            webhook_delivery::Column::FinishedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(webhook_delivery::Column::Id.eq(id))
        .exec(db)
        .await?;
    one(db, endpoint_id, id).await
}

/// Queues a test event (`webhook.ping`) to one endpoint.
pub async fn ping(db: &DatabaseConnection, endpoint_id: Uuid) -> DomainResult<DeliveryView> {
    let endpoint = endpoints::get(db, endpoint_id).await?;
    refuse_disabled(&endpoint)?;
    let now = crate::domain::now();
    let event = Event {
        kind: EventType::Ping,
        resource: endpoint.id,
        person: None,
        data: json!({ "webhook_id": endpoint.id }),
    };
    let event_id = Uuid::now_v7();
    let delivery = super::fan_out::queued(endpoint.id, event_id, endpoint.id, now);
    let delivery_id = *delivery.id.as_ref();
    let txn = begin_write(db).await?;
    webhook_event::Entity::insert(row(event_id, &event, now, false))
        .exec_without_returning(&txn)
        .await?;
    webhook_delivery::Entity::insert(delivery)
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    one(db, endpoint_id, delivery_id).await
}

/// Forgets the deliveries (with their attempts) queued more than [`KEPT`] ago, and the
/// events of that age no delivery names any more.
pub async fn forget_old(db: &DatabaseConnection, now: DateTime<Utc>) -> DomainResult<u64> {
    let cutoff = now - KEPT;
    let old = Query::select()
        .column(webhook_delivery::Column::Id)
        .from(webhook_delivery::Entity)
        .and_where(webhook_delivery::Column::CreatedAt.lt(cutoff))
        .and_where(webhook_delivery::Column::Status.ne(DeliveryStatus::Queued.to_value()))
        .to_owned();
    let named = Query::select()
        .column(webhook_delivery::Column::EventId)
        .from(webhook_delivery::Entity)
        .to_owned();
    let txn = begin_write(db).await?;
    webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::DeliveryId.in_subquery(old.clone()))
        .exec(&txn)
        .await?;
    let gone = webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::Id.in_subquery(old))
        .exec(&txn)
        .await?
        .rows_affected;
    webhook_event::Entity::delete_many()
        .filter(webhook_event::Column::OccurredAt.lt(cutoff))
        .filter(webhook_event::Column::Pending.eq(false))
        .filter(webhook_event::Column::Id.not_in_subquery(named))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_and_longer_for_about_three_days_then_give_up() {
        const MINUTE: i64 = 60;
        const HOUR: i64 = 60 * MINUTE;
        // 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h from there on.
        assert_eq!(
            RETRY_AFTER_SECONDS[..6],
            [5, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR]
        );
        assert!(RETRY_AFTER_SECONDS[5..].iter().all(|s| *s == 10 * HOUR));
        // A wait after each failed attempt but the last: 13 attempts, then given up.
        assert_eq!(RETRY_AFTER_SECONDS.len() + 1, 13);
        // About three days: past the failing limit at the last attempt (so that an
        // endpoint failing all along is turned off), within four days.
        let total = Duration::seconds(RETRY_AFTER_SECONDS.iter().sum());
        assert_eq!(total.num_seconds(), 279_305);
        assert!(total >= FAILING_LIMIT, "{total}");
        assert!(total < Duration::days(4), "{total}");
    }
}
