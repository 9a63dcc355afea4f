//! Approval requests: HR of the person's organisation is told of each registration
//! waiting for their decision.

use std::collections::HashSet;

use entity::{Role, registration, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::domain::messages::{Kind, Outgoing};
use crate::error::DomainResult;

/// The mails asking HR to decide on new pending registrations: one per request to each
/// HR person of the registered person's organisation who wants them per request.
pub(super) async fn approval_requests(
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
