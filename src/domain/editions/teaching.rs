//! What a trainer teaches: their editions in every state, with the sessions.

use entity::{edition, session};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::catalogue::{EditionView, SortPage, taught_by};
use crate::auth::tokens::Principal;
use crate::error::DomainResult;

/// The editions a trainer teaches, in every state, with their sessions, by first session.
pub async fn teaching(
    db: &impl ConnectionTrait,
    actor: &Principal,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<(EditionView, Vec<session::Model>)>, Option<String>)> {
    let page = SortPage::parse(limit, cursor)?;
    let q = edition::Entity::find().filter(taught_by(actor.id));
    let (rows, next) = page.fetch(db, q).await?;
    let ids: Vec<Uuid> = rows.iter().map(|v| v.edition.id).collect();
    let mut sessions = crate::domain::sessions::by_edition(db, ids).await?;
    Ok((
        rows.into_iter()
            .map(|v| {
                let s = sessions.remove(&v.edition.id).unwrap_or_default();
                (v, s)
            })
            .collect(),
        next,
    ))
}
