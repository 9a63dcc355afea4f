//! From an outbox row to a mail: who it is for, and which letter its kind is.

use entity::{message, user};
use sea_orm::EntityTrait;
use serde_json::Value;

use crate::domain::messages::Kind;
use crate::state::AppState;

use super::accounts::{account, webhook_disabled};
use super::certificates::{certificate_letter, points_letter};
use super::parts::{Ready, Unsendable, mailbox};
use super::registrations::{approval_digest, approval_requested, registration_letter};
use super::sessions::{edition_cancelled, evaluation_invitation, reminder, session_changed};

/// Renders one outbox row.
pub async fn render(state: &AppState, m: &message::Model) -> Result<Ready, Unsendable> {
    let kind =
        Kind::parse(&m.kind).ok_or_else(|| Unsendable::Skip(format!("unknown kind {}", m.kind)))?;
    if kind == Kind::WebhookDisabled {
        return webhook_disabled(state, m).await;
    }
    let user_id = m
        .user_id
        .ok_or_else(|| Unsendable::Skip("the message names nobody".into()))?;
    let person = user::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?
        .ok_or_else(|| Unsendable::Skip("the person is gone".into()))?;
    if person.disabled_at.is_some() && kind != Kind::AccountInvitation {
        return Err(Unsendable::Skip("the person's account is disabled".into()));
    }
    let to = mailbox(&person)?;
    let payload: Value = serde_json::from_str(&m.payload).unwrap_or(Value::Null);
    let letter = match kind {
        Kind::AccountInvitation | Kind::AccountReset => account(state, kind, &person, &payload)?,
        Kind::ApprovalRequested => approval_requested(state, m, &person).await?,
        Kind::EditionCancelled => edition_cancelled(state, m, &person).await?,
        Kind::SessionCancelled | Kind::SessionMoved => {
            session_changed(state, kind, m, &person, &payload).await?
        }
        Kind::CertificateIssued | Kind::CertificateRevoked => {
            certificate_letter(state, kind, m, &person).await?
        }
        Kind::SessionReminder => reminder(state, m, &person, &payload).await?,
        Kind::EvaluationInvitation => evaluation_invitation(state, m, &person).await?,
        Kind::ApprovalDigest => approval_digest(state, m, &person).await?,
        Kind::PointsDigest | Kind::PointsReminder => {
            points_letter(state, kind, m, &person, &payload).await?
        }
        _ => registration_letter(state, kind, m, &person, &payload).await?,
    };
    Ok(Ready { to, letter })
}
