//! The outbox: every e-mail is a row written in the transaction of the change that
//! causes it, so a rolled-back change sends nothing and a crash after the commit loses
//! nothing. The mail worker ([`crate::mail`]) claims due rows, renders them from the
//! database's current state and the row's payload, and records the outcome here.
//!
//! Claiming moves a row's due time past the time a send may take (a lease): if the
//! instance dies while sending, the row becomes due again and another instance sends it.
//! On PostgreSQL the claim skips rows other instances are claiming at that moment
//! (`FOR UPDATE SKIP LOCKED`); on SQLite the write lock serialises claims.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{MessageStatus, message};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::Value;
use uuid::Uuid;

use super::paging::PageRequest;
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult};

/// How long a claimed message is left to its sender before others may take it.
pub const LEASE: Duration = Duration::minutes(5);

/// Sending attempts before a message is `failed`.
pub const MAX_ATTEMPTS: i32 = 10;

/// Longest wait between two attempts.
const MAX_BACKOFF_SECONDS: u64 = 3600;

/// Most messages inserted by one statement.
const INSERT_CHUNK: usize = 32;

/// What a message is about; the wire and database name is [`Kind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A registration took a seat.
    RegistrationConfirmed,
    /// A registration is on the waiting list.
    RegistrationWaitlisted,
    /// A registration waits for HR's approval.
    RegistrationPending,
    /// To HR: a registration of one of their people waits for approval.
    ApprovalRequested,
    /// HR or an admin approved a registration.
    RegistrationApproved,
    /// HR or an admin declined a registration.
    RegistrationDeclined,
    /// A registration was cancelled.
    RegistrationCancelled,
    /// A seat became free and went to this person on the waiting list.
    RegistrationPromoted,
    /// The edition was cancelled.
    EditionCancelled,
    /// One session was cancelled.
    SessionCancelled,
    /// One session moved (or changed place).
    SessionMoved,
    /// A new account: choose a password.
    AccountInvitation,
    /// A forgotten password: choose a new one.
    AccountReset,
    /// A certificate was issued (or reinstated): the PDF and the verification link.
    CertificateIssued,
    /// A certificate was revoked.
    CertificateRevoked,
    /// A session is near (the edition's reminder days before it).
    SessionReminder,
    /// The last session is over: please evaluate.
    EvaluationInvitation,
    /// To HR who chose it: the day's registrations waiting for approval.
    ApprovalDigest,
    /// To HR, monthly: people short of register points within a year of their period's end.
    PointsDigest,
    /// To a person, once per period: short of points within a year of the period's end.
    PointsReminder,
    /// To a partner client's contact: the service turned one of its webhook endpoints off.
    WebhookDisabled,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 21] = [
        Kind::RegistrationConfirmed,
        Kind::RegistrationWaitlisted,
        Kind::RegistrationPending,
        Kind::ApprovalRequested,
        Kind::RegistrationApproved,
        Kind::RegistrationDeclined,
        Kind::RegistrationCancelled,
        Kind::RegistrationPromoted,
        Kind::EditionCancelled,
        Kind::SessionCancelled,
        Kind::SessionMoved,
        Kind::AccountInvitation,
        Kind::AccountReset,
        Kind::CertificateIssued,
        Kind::CertificateRevoked,
        Kind::SessionReminder,
        Kind::EvaluationInvitation,
        Kind::ApprovalDigest,
        Kind::PointsDigest,
        Kind::PointsReminder,
        Kind::WebhookDisabled,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RegistrationConfirmed => "registration.confirmed",
            Kind::RegistrationWaitlisted => "registration.waitlisted",
            Kind::RegistrationPending => "registration.pending_approval",
            Kind::ApprovalRequested => "registration.approval_requested",
            Kind::RegistrationApproved => "registration.approved",
            Kind::RegistrationDeclined => "registration.declined",
            Kind::RegistrationCancelled => "registration.cancelled",
            Kind::RegistrationPromoted => "registration.promoted",
            Kind::EditionCancelled => "edition.cancelled",
            Kind::SessionCancelled => "session.cancelled",
            Kind::SessionMoved => "session.moved",
            Kind::AccountInvitation => "account.invitation",
            Kind::AccountReset => "account.password_reset",
            Kind::CertificateIssued => "certificate.issued",
            Kind::CertificateRevoked => "certificate.revoked",
            Kind::SessionReminder => "session.reminder",
            Kind::EvaluationInvitation => "evaluation.invitation",
            Kind::ApprovalDigest => "registration.approval_digest",
            Kind::PointsDigest => "points.digest",
            Kind::PointsReminder => "points.reminder",
            Kind::WebhookDisabled => "webhook.disabled",
        }
    }

    /// The kind of a stored name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether the payload holds a secret (a single-use link), emptied once sent.
    pub fn holds_secret(self) -> bool {
        matches!(self, Kind::AccountInvitation | Kind::AccountReset)
    }
}

/// A message to queue.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// What it is about.
    pub kind: Kind,
    /// The person it is for.
    pub user_id: Uuid,
    /// The registration, session or edition it is about.
    pub about: Option<Uuid>,
    /// What rendering needs besides the database's state.
    pub payload: Value,
}

impl Outgoing {
    /// A message about something, with a payload.
    pub fn new(kind: Kind, user_id: Uuid, about: Option<Uuid>, payload: Value) -> Self {
        Self {
            kind,
            user_id,
            about,
            payload,
        }
    }
}

/// The message a registration's status change sends to the registration's person. It
/// is written on the change's history entry (`registration_events`), the row the change
/// writes anyway, and the worker's claim moves it into the outbox: a registration rush
/// pays two columns per registration for its mail rather than a row of its own.
#[derive(Debug, Clone)]
pub struct Notice {
    /// What it is about.
    pub kind: Kind,
    /// What rendering needs besides the database's state.
    pub payload: Value,
}

impl Notice {
    /// A notice of this kind.
    pub fn new(kind: Kind, payload: Value) -> Self {
        Self { kind, payload }
    }
}

/// A queued message, due at `due`.
pub(crate) fn queued_row(
    id: Uuid,
    kind: &str,
    user_id: Uuid,
    about: Option<Uuid>,
    payload: String,
    created_at: DateTime<Utc>,
    due: DateTime<Utc>,
) -> message::ActiveModel {
    message::ActiveModel {
        id: Set(id),
        kind: Set(kind.to_owned()),
        user_id: Set(Some(user_id)),
        to_address: Set(None),
        about_id: Set(about),
        payload: Set(payload),
        dedup_key: Set(None),
        status: Set(MessageStatus::Queued),
        attempts: Set(0),
        due_at: Set(due),
        last_error: Set(None),
        recipient: Set(None),
        subject: Set(None),
        created_at: Set(created_at),
        sent_at: Set(None),
    }
}

/// Queues messages in the caller's transaction, due at once.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    list: Vec<Outgoing>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    if list.is_empty() {
        return Ok(());
    }
    let rows: Vec<message::ActiveModel> = list
        .into_iter()
        .map(|m| {
            let payload = m.payload.to_string();
            queued_row(
                Uuid::now_v7(),
                m.kind.as_str(),
                m.user_id,
                m.about,
                payload,
                now,
                now,
            )
        })
        .collect();
    insert_rows(db, rows).await
}

/// Queues a message to an address rather than a person (a partner client's contact), in
/// the caller's transaction, due at once.
pub async fn enqueue_to_address(
    db: &impl ConnectionTrait,
    kind: Kind,
    address: &str,
    about: Option<Uuid>,
    payload: Value,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let mut row = queued_row(
        Uuid::now_v7(),
        kind.as_str(),
        Uuid::nil(),
        about,
        payload.to_string(),
        now,
        now,
    );
    row.user_id = Set(None);
    row.to_address = Set(Some(address.to_owned()));
    insert_rows(db, vec![row]).await
}

/// Inserts message rows in statements of [`INSERT_CHUNK`].
async fn insert_rows(
    db: &impl ConnectionTrait,
    rows: Vec<message::ActiveModel>,
) -> DomainResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        message::Entity::insert_many(chunk.iter().cloned())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Whether any registration history entry still carries its notice.
async fn notices_waiting(db: &impl ConnectionTrait) -> DomainResult<bool> {
    use entity::registration_event;
    Ok(registration_event::Entity::find()
        .select_only()
        .column(registration_event::Column::Id)
        .filter(registration_event::Column::NoticeKind.is_not_null())
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// Moves up to `n` notices of registration history entries into the outbox, oldest
/// first, in the caller's transaction: each becomes a queued message with the entry's id
/// (so it sorts with the person's other messages by the time of the change), and the
/// entry's notice is cleared. A notice is about its registration, except an edition's
/// cancellation, which is about the edition. Moving no more than a round sends keeps the
/// round's transaction short, and a rush's notices wait on their entries, where they
/// cost least.
async fn relay(txn: &DatabaseTransaction, n: u64, now: DateTime<Utc>) -> DomainResult<()> {
    use entity::{registration, registration_event};
    let mut q = registration_event::Entity::find()
        .filter(registration_event::Column::NoticeKind.is_not_null())
        .order_by_asc(registration_event::Column::Id)
        .limit(n);
    // Another instance relaying at the same moment takes other entries.
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let entries = q.all(txn).await?;
    if entries.is_empty() {
        return Ok(());
    }
    let registrations: HashMap<Uuid, (Uuid, Uuid)> = registration::Entity::find()
        .select_only()
        .column(registration::Column::Id)
        .column(registration::Column::UserId)
        .column(registration::Column::EditionId)
        .filter(
            registration::Column::Id.is_in(
                entries
                    .iter()
                    .map(|e| e.registration_id)
                    .collect::<Vec<_>>(),
            ),
        )
        .into_tuple::<(Uuid, Uuid, Uuid)>()
        .all(txn)
        .await?
        .into_iter()
        .map(|(id, user, edition)| (id, (user, edition)))
        .collect();
    let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
    let rows: Vec<message::ActiveModel> = entries
        .into_iter()
        .filter_map(|e| {
            let (user, edition) = *registrations.get(&e.registration_id)?;
            let kind = e.notice_kind?;
            let about = if kind == Kind::EditionCancelled.as_str() {
                edition
            } else {
                e.registration_id
            };
            let payload = e.notice_payload.unwrap_or_else(|| "{}".to_owned());
            Some(queued_row(
                e.id,
                &kind,
                user,
                Some(about),
                payload,
                e.at,
                now,
            ))
        })
        .collect();
    insert_rows(txn, rows).await?;
    clear_notices(txn, registration_event::Column::Id.is_in(ids)).await
}

/// Clears the notices of the history entries that match `which`.
async fn clear_notices(db: &impl ConnectionTrait, which: Expr) -> DomainResult<()> {
    use entity::registration_event;
    registration_event::Entity::update_many()
        .col_expr(
            registration_event::Column::NoticeKind,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            registration_event::Column::NoticePayload,
            Expr::value(Option::<String>::None),
        )
        .filter(registration_event::Column::NoticeKind.is_not_null())
        .filter(which)
        .exec(db)
        .await?;
    Ok(())
}

/// Claims up to `n` due messages for sending, after moving up to `n` waiting notices
/// into the outbox in the same transaction: each attempt is counted and the row is
/// leased to the caller for [`LEASE`].
pub async fn claim(
    db: &DatabaseConnection,
    n: u64,
    now: DateTime<Utc>,
) -> DomainResult<Vec<message::Model>> {
    // Most looks find nothing to do: find that out without taking the write lock.
    let due = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::Status.eq(MessageStatus::Queued))
        .filter(message::Column::DueAt.lte(now))
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    if due.is_none() && !notices_waiting(db).await? {
        return Ok(Vec::new());
    }
    retrying(|| async {
        let txn = begin_write(db).await?;
        relay(&txn, n, now).await?;
        // A person's messages go out one after the other, in the order they were
        // queued, whichever instance sends them: only a person's oldest queued message
        // can be claimed (one being sent or waiting for a retry holds back the rest).
        let older = Alias::new("older");
        let mut earlier = Query::select();
        earlier
            .expr(Expr::val(1))
            .from_as(message::Entity, older.clone())
            .and_where(
                Expr::col((older.clone(), message::Column::UserId))
                    .equals((message::Entity, message::Column::UserId)),
            )
            .and_where(
                Expr::col((older.clone(), message::Column::Status))
                    .eq(MessageStatus::Queued.to_value()),
            )
            .and_where(
                Expr::col((older, message::Column::Id))
                    .lt(Expr::col((message::Entity, message::Column::Id))),
            );
        let mut due = Query::select();
        due.column((message::Entity, message::Column::Id))
            .from(message::Entity)
            .and_where(
                Expr::col((message::Entity, message::Column::Status))
                    .eq(MessageStatus::Queued.to_value()),
            )
            .and_where(Expr::col((message::Entity, message::Column::DueAt)).lte(now))
            .and_where(Expr::exists(earlier).not())
            .order_by(
                (message::Entity, message::Column::DueAt),
                sea_orm::Order::Asc,
            )
            .limit(n);
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let ids: Vec<Uuid> = message::Entity::find()
            .select_only()
            .column(message::Column::Id)
            .filter(message::Column::Id.in_subquery(due))
            .into_tuple::<Uuid>()
            .all(&txn)
            .await?;
        if ids.is_empty() {
            txn.commit().await?;
            return Ok(Vec::new());
        }
        message::Entity::update_many()
            .col_expr(message::Column::DueAt, Expr::value(now + LEASE))
            .col_expr(
                message::Column::Attempts,
                Expr::col(message::Column::Attempts).add(1),
            )
            .filter(message::Column::Id.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        let rows = message::Entity::find()
            .filter(message::Column::Id.is_in(ids))
            .order_by_asc(message::Column::DueAt)
            .order_by_asc(message::Column::Id)
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(rows)
    })
    .await
}

/// How a sending attempt ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Handed over to the mail server, to this address with this subject.
    Sent {
        /// The address.
        recipient: String,
        /// The subject.
        subject: String,
    },
    /// Not sendable and never will be (nobody to send to); why.
    Skipped(String),
    /// The server refused for now, or could not be reached: try again later.
    Retry(String),
    /// The server refused for good.
    Failed(String),
}

/// The wait before attempt `attempts + 1`: the first retry after `base`, each further one
/// twice as long, at most an hour, with up to a fifth of random jitter so that many
/// messages failed together do not all come back at the same second.
pub fn backoff(base_seconds: u64, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
    let seconds = Ord::min(
        base_seconds.saturating_mul(1u64 << doublings),
        MAX_BACKOFF_SECONDS,
    );
    let jitter = rand::random_range(0..=seconds / 5);
    Duration::seconds(i64::try_from(seconds + jitter).unwrap_or(i64::MAX))
}

/// Records the outcomes of a round of attempts, in one transaction (one commit for the
/// round rather than one per message).
pub async fn settle_all(
    db: &DatabaseConnection,
    outcomes: Vec<(message::Model, Outcome)>,
    retry_base_seconds: u64,
) -> DomainResult<()> {
    retrying(|| async {
        let txn = begin_write(db).await?;
        for (claimed, outcome) in &outcomes {
            settle(&txn, claimed, outcome.clone(), retry_base_seconds).await?;
        }
        txn.commit().await?;
        Ok(())
    })
    .await
}

/// Records the outcome of an attempt on a claimed message.
pub async fn settle(
    db: &impl ConnectionTrait,
    claimed: &message::Model,
    outcome: Outcome,
    retry_base_seconds: u64,
) -> DomainResult<()> {
    let now = super::now();
    let mut update = message::Entity::update_many().filter(message::Column::Id.eq(claimed.id));
    let error = |e: String| Expr::value(Some(truncate(&e, 500)));
    update = match outcome {
        Outcome::Sent { recipient, subject } => {
            let mut u = update
                .col_expr(message::Column::Status, Expr::value(MessageStatus::Sent))
                .col_expr(message::Column::SentAt, Expr::value(Some(now)))
                .col_expr(
                    message::Column::Recipient,
                    Expr::value(Some(truncate(&recipient, 254))),
                )
                .col_expr(
                    message::Column::Subject,
                    Expr::value(Some(truncate(&subject, 300))),
                )
                .col_expr(
                    message::Column::LastError,
                    Expr::value(Option::<String>::None),
                );
            if Kind::parse(&claimed.kind).is_some_and(Kind::holds_secret) {
                // The link was for the person only; the record keeps that it was sent.
                u = u.col_expr(message::Column::Payload, Expr::value("{}"));
            }
            u
        }
        Outcome::Skipped(why) => update
            .col_expr(message::Column::Status, Expr::value(MessageStatus::Skipped))
            .col_expr(message::Column::LastError, error(why))
            .col_expr(message::Column::Payload, Expr::value("{}")),
        Outcome::Retry(why) if claimed.attempts < MAX_ATTEMPTS => update
            .col_expr(
                message::Column::DueAt,
                Expr::value(now + backoff(retry_base_seconds, claimed.attempts)),
            )
            .col_expr(message::Column::LastError, error(why)),
        Outcome::Retry(why) | Outcome::Failed(why) => update
            .col_expr(message::Column::Status, Expr::value(MessageStatus::Failed))
            .col_expr(message::Column::LastError, error(why)),
    };
    update.exec(db).await?;
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

/// Filters of the admins' message list.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    /// Only this status.
    pub status: Option<MessageStatus>,
    /// Only messages to this person.
    pub user_id: Option<Uuid>,
    /// Only this kind.
    pub kind: Option<Kind>,
    /// Only messages to this address (any case): sent to it, queued for it, or for the
    /// person who has it now.
    pub recipient: Option<String>,
}

/// Messages, oldest first.
pub async fn list(
    db: &DatabaseConnection,
    filter: &MessageFilter,
    page: PageRequest,
) -> DomainResult<(Vec<message::Model>, Option<String>)> {
    let mut q = message::Entity::find();
    if let Some(status) = filter.status {
        q = q.filter(message::Column::Status.eq(status));
    }
    if let Some(user) = filter.user_id {
        q = q.filter(message::Column::UserId.eq(user));
    }
    if let Some(kind) = filter.kind {
        q = q.filter(message::Column::Kind.eq(kind.as_str()));
    }
    if let Some(address) = &filter.recipient {
        let address = address.trim().to_lowercase();
        let lower = |c: message::Column| Expr::expr(Func::lower(Expr::col(c)));
        let holder = Query::select()
            .column(entity::user::Column::Id)
            .from(entity::user::Entity)
            .and_where(
                Expr::expr(Func::lower(Expr::col(entity::user::Column::Email))).eq(address.clone()),
            )
            .to_owned();
        q = q.filter(
            Condition::any()
                .add(lower(message::Column::Recipient).eq(address.clone()))
                .add(lower(message::Column::ToAddress).eq(address))
                .add(message::Column::UserId.in_subquery(holder)),
        );
    }
    if let Some(after) = page.after {
        q = q.filter(message::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(message::Column::Id)
        .limit(page.fetch())
        .all(db)
        .await?;
    Ok(page.finish(rows, |m| m.id))
}

/// One message.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<message::Model> {
    message::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("message"))
}

/// Queues a failed message again, due at once with a fresh count of attempts.
pub async fn retry(db: &DatabaseConnection, id: Uuid) -> DomainResult<message::Model> {
    let current = get(db, id).await?;
    if current.status != MessageStatus::Failed {
        return Err(DomainError::conflict(
            "message_not_failed",
            format!(
                "only a failed message is retried; this one is {}",
                current.status.to_value()
            ),
        ));
    }
    message::Entity::update_many()
        .col_expr(message::Column::Status, Expr::value(MessageStatus::Queued))
        .col_expr(message::Column::Attempts, Expr::value(0))
        .col_expr(message::Column::DueAt, Expr::value(super::now()))
        .filter(message::Column::Id.eq(id))
        .filter(message::Column::Status.eq(MessageStatus::Failed))
        .exec(db)
        .await?;
    get(db, id).await
}

/// The queue's state for the metrics: messages waiting, failed, and the age in seconds of
/// the oldest one due.
pub async fn queue_figures(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> DomainResult<(u64, u64, f64)> {
    let count = |status: MessageStatus| {
        message::Entity::find()
            .filter(message::Column::Status.eq(status))
            .count(db)
    };
    use sea_orm::PaginatorTrait;
    let queued = count(MessageStatus::Queued).await?;
    let failed = count(MessageStatus::Failed).await?;
    let oldest: Option<DateTime<Utc>> = message::Entity::find()
        .select_only()
        .column(message::Column::CreatedAt)
        .filter(message::Column::Status.eq(MessageStatus::Queued))
        .filter(message::Column::DueAt.lte(now))
        .order_by_asc(message::Column::CreatedAt)
        .limit(1)
        .into_tuple::<DateTime<Utc>>()
        .one(db)
        .await?;
    let age = oldest.map_or(0.0, |t| (now - t).num_milliseconds() as f64 / 1000.0);
    Ok((queued, failed, age))
}

/// Whether a claimed message is still in the outbox: an erasure removes a person's
/// messages, including one claimed by a worker that has not sent it yet.
pub async fn still_queued(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<bool> {
    Ok(message::Entity::find_by_id(id)
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::Status.eq(MessageStatus::Queued))
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// Erasure: the person's messages, queued or sent, and the notices still waiting on
/// their registrations' history entries. The notices go first: on PostgreSQL that waits
/// for a worker moving them at that moment (it holds their rows), so the delete after it
/// also takes what it moved.
pub async fn forget_person(db: &impl ConnectionTrait, user_id: Uuid) -> DomainResult<()> {
    use entity::{registration, registration_event};
    let theirs = Query::select()
        .column(registration::Column::Id)
        .from(registration::Entity)
        .and_where(registration::Column::UserId.eq(user_id))
        .to_owned();
    clear_notices(
        db,
        registration_event::Column::RegistrationId.in_subquery(theirs),
    )
    .await?;
    message::Entity::delete_many()
        .filter(message::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::json;

    use super::*;

    /// The wait without jitter before attempt `attempts + 1`, from `base` seconds.
    fn plain(base: u64, attempts: u32) -> u64 {
        Ord::min(
            base.saturating_mul(2u64.saturating_pow(attempts.saturating_sub(1))),
            MAX_BACKOFF_SECONDS,
        )
    }

    fn seconds(d: Duration) -> u64 {
        u64::try_from(d.num_seconds()).expect("a wait is never negative")
    }

    #[test]
    fn the_wait_doubles_from_the_retry_setting_up_to_an_hour() {
        // A fifth of less than five seconds is no jitter at all: these are exact.
        assert_eq!(
            seconds(backoff(1, 1)),
            1,
            "the first retry after the setting"
        );
        assert_eq!(seconds(backoff(1, 2)), 2);
        assert_eq!(seconds(backoff(1, 3)), 4);
        // Before any attempt counts as after the first.
        assert_eq!(seconds(backoff(1, 0)), 1);
        assert_eq!(seconds(backoff(1, -5)), 1);
        // From the default 15 seconds: 15, 30, 60 … 1920, then an hour, plus jitter.
        assert_eq!(plain(15, 8), 1920);
        assert_eq!(plain(15, 9), 3600);
        for attempts in 1..=25 {
            let wait = plain(15, attempts);
            for _ in 0..50 {
                let got = seconds(backoff(15, i32::try_from(attempts).unwrap()));
                assert!(
                    (wait..=wait + wait / 5).contains(&got),
                    "attempt {attempts}: {got} s, not {wait} s + a fifth"
                );
            }
        }
        // However many attempts, however long the setting: at most an hour and its fifth.
        for (base, attempts) in [
            (15, 1_000),
            (15, i32::MAX),
            (1, i32::MAX),
            (3600, 1),
            (86_400, 1),
            (u64::MAX, 2),
        ] {
            let got = seconds(backoff(base, attempts));
            assert!(
                (3600..=3600 + 720).contains(&got),
                "{base} s, {attempts} attempts: {got} s"
            );
        }
    }

    #[test]
    fn the_jitter_spreads_the_waits_over_a_fifth_more() {
        // 100 s: from 100 to 120 s, every whole second of it (21 values; 2,000 draws miss
        // one of them with a chance of about e^-97).
        let waits: HashSet<u64> = (0..2000).map(|_| seconds(backoff(100, 1))).collect();
        assert_eq!(waits, (100..=120).collect::<HashSet<u64>>());
        // At the cap: an hour to an hour and twelve minutes, spread.
        let capped: HashSet<u64> = (0..2000).map(|_| seconds(backoff(60, 12))).collect();
        assert!(
            capped.iter().all(|s| (3600..=4320).contains(s)),
            "{capped:?}"
        );
        assert!(capped.len() > 100, "spread: {} values", capped.len());
    }

    /// A fresh outbox on SQLite.
    async fn outbox() -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("outbox.db").display()
        );
        let db = crate::db::connect(&url, 2).await.unwrap();
        crate::db::migrate(&db).await.unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn a_message_refused_for_now_is_tried_max_attempts_times_then_failed() {
        let (_dir, db) = outbox().await;
        let now = super::super::now();
        enqueue_to_address(
            &db,
            Kind::WebhookDisabled,
            "partner@example.test",
            None,
            json!({}),
            now,
        )
        .await
        .unwrap();
        // Claimed as if enough time passed for each retry to be due.
        let later = now + Duration::days(400);
        let slack = Duration::seconds(1);
        for attempt in 1..=MAX_ATTEMPTS {
            let claimed = claim(&db, 10, later).await.unwrap();
            assert_eq!(claimed.len(), 1, "attempt {attempt} is made");
            assert_eq!(claimed[0].attempts, attempt, "each claim counts an attempt");
            let before = super::super::now();
            settle(
                &db,
                &claimed[0],
                Outcome::Retry("451 4.3.0 try again later".into()),
                60,
            )
            .await
            .unwrap();
            let after = super::super::now();
            let row = get(&db, claimed[0].id).await.unwrap();
            assert_eq!(row.last_error.as_deref(), Some("451 4.3.0 try again later"));
            if attempt < MAX_ATTEMPTS {
                assert_eq!(row.status, MessageStatus::Queued, "attempt {attempt}");
                let wait = i64::try_from(plain(60, attempt.unsigned_abs())).unwrap();
                assert!(
                    row.due_at >= before + Duration::seconds(wait) - slack
                        && row.due_at <= after + Duration::seconds(wait + wait / 5) + slack,
                    "attempt {attempt}: due {} after {before}, not {wait} s + a fifth",
                    row.due_at
                );
            } else {
                assert_eq!(
                    row.status,
                    MessageStatus::Failed,
                    "given up after {MAX_ATTEMPTS}"
                );
                assert_eq!(row.attempts, MAX_ATTEMPTS);
            }
        }
        assert!(
            claim(&db, 10, later).await.unwrap().is_empty(),
            "a failed message is not tried again"
        );

        // A refusal for good fails at the first attempt.
        enqueue_to_address(
            &db,
            Kind::WebhookDisabled,
            "other@example.test",
            None,
            json!({}),
            now,
        )
        .await
        .unwrap();
        let claimed = claim(&db, 10, later).await.unwrap();
        assert_eq!(claimed.len(), 1);
        settle(
            &db,
            &claimed[0],
            Outcome::Failed("550 5.1.1 mailbox unavailable".into()),
            60,
        )
        .await
        .unwrap();
        let row = get(&db, claimed[0].id).await.unwrap();
        assert_eq!(row.status, MessageStatus::Failed);
        assert_eq!(row.attempts, 1);
        // An admin's retry starts the count again.
        let retried = retry(&db, row.id).await.unwrap();
        assert_eq!(retried.status, MessageStatus::Queued);
        assert_eq!(retried.attempts, 0);
    }
}
