//! Who sees an edition: published ones for everyone; drafts, closed and cancelled ones
//! for admins, its trainers and the people registered for it.

use entity::{EditionStatus, Role, edition, edition_trainer, registration};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::catalogue::{EditionView, fetch_views};
use crate::auth::tokens::Principal;
use crate::error::{DomainError, DomainResult};

/// Whether the actor sees an edition whatever its state: admins, and its trainers.
pub async fn sees_in_full(
    db: &impl ConnectionTrait,
    actor: Option<&Principal>,
    edition_id: Uuid,
) -> DomainResult<bool> {
    let Some(actor) = actor else {
        return Ok(false);
    };
    if actor.is_admin() {
        return Ok(true);
    }
    is_trainer_of(db, actor, edition_id).await
}

/// The edition, if the actor sees it in full (admins and its trainers); anyone else is
/// refused with `refusal`, and learns nothing of a draft.
pub async fn for_staff(
    db: &impl ConnectionTrait,
    actor: &Principal,
    edition_id: Uuid,
    refusal: &str,
) -> DomainResult<edition::Model> {
    let e = edition::Entity::find_by_id(edition_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("edition"))?;
    if sees_in_full(db, Some(actor), edition_id).await? {
        return Ok(e);
    }
    Err(if e.status == EditionStatus::Draft {
        DomainError::NotFound("edition")
    } else {
        DomainError::forbidden(refusal)
    })
}

/// Whether the actor teaches this edition.
pub async fn is_trainer_of(
    db: &impl ConnectionTrait,
    actor: &Principal,
    edition_id: Uuid,
) -> DomainResult<bool> {
    if !actor.has_role(Role::Trainer) {
        return Ok(false);
    }
    Ok(edition_trainer::Entity::find_by_id((edition_id, actor.id))
        .one(db)
        .await?
        .is_some())
}

/// One edition, if the actor may see it: published ones for everyone; others for admins,
/// its trainers and the people registered for it.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: Option<&Principal>,
    id: Uuid,
) -> DomainResult<EditionView> {
    let row = edition::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("edition"))?;
    if row.status != EditionStatus::Published && !sees_in_full(db, actor, id).await? {
        let registered = match actor {
            Some(a) => registration::Entity::find()
                .filter(registration::Column::EditionId.eq(id))
                .filter(registration::Column::UserId.eq(a.id))
                .one(db)
                .await?
                .is_some(),
            None => false,
        };
        if !registered {
            return Err(DomainError::NotFound("edition"));
        }
    }
    fetch_views(db, edition::Entity::find_by_id(id))
        .await?
        .pop()
        .ok_or(DomainError::NotFound("edition"))
}
