//! An e-mail in the outbox: written in the transaction of the change that causes it,
//! rendered and sent by the mail worker, kept afterwards as the record of what was sent.

use sea_orm::entity::prelude::*;

use crate::enums::MessageStatus;

/// A row of `messages`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    /// Identifier (UUID v7); also the `Message-ID`'s local part.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// What the message is about (`registration.confirmed`, `account.reset`, …).
    pub kind: String,
    /// The person it is for, whose current address and language are used at sending.
    pub user_id: Option<Uuid>,
    /// An address to send to instead of the person's.
    pub to_address: Option<String>,
    /// The registration, session, edition or certificate it is about.
    pub about_id: Option<Uuid>,
    /// What the message needs besides the database's current state (JSON), such as a
    /// session's old time; emptied after sending when it held a secret link.
    pub payload: String,
    /// Keeps a scheduled message from being created twice (one per purpose).
    pub dedup_key: Option<String>,
    /// Queued, sent, failed or skipped.
    pub status: MessageStatus,
    /// Sending attempts made.
    pub attempts: i32,
    /// Earliest time of the next attempt (UTC).
    pub due_at: DateTimeUtc,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The address it was sent to.
    pub recipient: Option<String>,
    /// The subject it was sent with.
    pub subject: Option<String>,
    /// When it was queued (UTC).
    pub created_at: DateTimeUtc,
    /// When it was sent (UTC).
    pub sent_at: Option<DateTimeUtc>,
}

/// No relations: a message outlives nothing it names.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
