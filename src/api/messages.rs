//! `/api/v1/messages`: the outbox of e-mails, for admins.

use std::sync::Arc;

use entity::message;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::AdminAuth;
use super::tags::ApiTags;
use super::types::Timestamp;
use super::wire::MessageStatusName;
use crate::api::types::{PageSize, page_size};
use crate::domain::messages::{self, Kind, MessageFilter};
use crate::domain::paging::PageRequest;
use crate::state::AppState;

/// A message of the outbox (its content is not kept apart from the subject).
#[derive(Debug, Object)]
pub struct Message {
    /// Identifier; also the `Message-ID`'s local part.
    pub id: Uuid,
    /// What it is about, e.g. `registration.confirmed`, `account.password_reset`.
    pub kind: String,
    /// The person it is for.
    #[oai(nullable)]
    pub user_id: Option<Uuid>,
    /// The registration, session or edition it is about.
    #[oai(nullable)]
    pub about_id: Option<Uuid>,
    /// Where it stands.
    pub status: MessageStatusName,
    /// Sending attempts made.
    pub attempts: i32,
    /// When the next attempt is due (queued messages).
    pub due_at: Timestamp,
    /// Why the last attempt failed.
    #[oai(nullable)]
    pub last_error: Option<String>,
    /// The address it was sent to; before it is sent, the address it goes to when the
    /// message is for an address rather than a person (else the person's address at
    /// the time of sending).
    #[oai(nullable)]
    pub recipient: Option<String>,
    /// The subject it was sent with.
    #[oai(nullable)]
    pub subject: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it was sent.
    #[oai(nullable)]
    pub sent_at: Option<Timestamp>,
}

impl From<message::Model> for Message {
    fn from(m: message::Model) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            user_id: m.user_id,
            about_id: m.about_id,
            status: m.status.into(),
            attempts: m.attempts,
            due_at: m.due_at.into(),
            last_error: m.last_error,
            recipient: m.recipient.or(m.to_address),
            subject: m.subject,
            created_at: m.created_at.into(),
            sent_at: m.sent_at.map(Into::into),
        }
    }
}

super::paging::page_type!(MessagePage, Message, "A page of messages, oldest first.");

#[derive(ApiResponse)]
enum MessageList {
    /// A page of messages.
    #[oai(status = 200)]
    Ok(Json<MessagePage>),
}

#[derive(ApiResponse)]
enum MessageOne {
    /// The message, queued again.
    #[oai(status = 200)]
    Ok(Json<Message>),
}

/// Outbox endpoints.
pub struct MessagesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Messages")]
impl MessagesApi {
    /// List messages
    ///
    /// The e-mails the academy sent, is sending or gave up on, oldest first (admins).
    #[oai(path = "/messages", method = "get", operation_id = "listMessages")]
    #[expect(clippy::too_many_arguments, reason = "one parameter per query option")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        /// Only messages in this state.
        status: Query<Option<MessageStatusName>>,
        /// Only messages to this person.
        user_id: Query<Option<Uuid>>,
        /// Only this kind, e.g. `registration.confirmed`.
        #[oai(validator(max_length = 64))]
        kind: Query<Option<String>>,
        /// Only messages to this e-mail address (any case): sent to it, waiting to go to
        /// it, or for the person who has it now.
        #[oai(validator(max_length = 254))]
        recipient: Query<Option<String>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<MessageList, ApiError> {
        let page = PageRequest::parse(page_size(limit.0), cursor.0.as_deref())?;
        let kind = match kind.0.as_deref() {
            None | Some("") => None,
            Some(k) => Some(Kind::parse(k).ok_or_else(|| {
                ApiError::invalid(
                    "kind",
                    format!(
                        "is not a kind of message; one of {}",
                        Kind::ALL.map(Kind::as_str).join(", ")
                    ),
                )
            })?),
        };
        let filter = MessageFilter {
            status: status.0.map(Into::into),
            user_id: user_id.0,
            kind,
            recipient: recipient.0.filter(|r| !r.trim().is_empty()),
        };
        let (items, next_cursor) = messages::list(&state.db, &filter, page).await?;
        Ok(MessageList::Ok(Json(MessagePage {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor,
        })))
    }

    /// Retry a failed message
    ///
    /// Queues it again, due at once, with a fresh count of attempts (409
    /// `message_not_failed` for a message that did not fail).
    #[oai(
        path = "/messages/:id/retry",
        method = "post",
        operation_id = "retryMessage"
    )]
    async fn retry(
        &self,
        state: Data<&Arc<AppState>>,
        _auth: AdminAuth,
        id: Path<Uuid>,
    ) -> Result<MessageOne, ApiError> {
        Ok(MessageOne::Ok(Json(
            messages::retry(&state.db, id.0).await?.into(),
        )))
    }
}
