//! A person's roles, as signing in and the views of people read them.

use entity::{Role, user_role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::DomainResult;

/// Roles of one user.
pub async fn roles_of(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<Vec<Role>> {
    let mut roles = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.role)
        .collect::<Vec<_>>();
    roles.sort();
    Ok(roles)
}
