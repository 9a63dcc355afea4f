//! How the caller stands to the person a registration is for: the person themself, a
//! manager (an admin, their HR, a writing partner client of their organisation), a reader
//! (a trainer of the edition, a reading partner client), or nobody.

use entity::{Role, user};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::auth::tokens::{Principal, SubjectKind};
use crate::domain::editions;
use crate::error::DomainResult;

/// How the caller stands to the person a registration is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Standing {
    /// The person themself.
    Own,
    /// An admin, the person's HR, or a partner client of their organisation that may write.
    Manager,
    /// May read (a trainer of the edition, a reading partner client).
    Reader,
    /// Nothing.
    None,
}

/// Whether the actor manages people of this organisation (admins manage everyone).
pub(super) fn manages(actor: &Principal, org: Uuid) -> bool {
    actor.is_admin()
        || (actor.has_role(Role::Hr) && actor.org == Some(org))
        || (actor.has_scope("registrations:write") && actor.org == Some(org))
}

/// Whether the actor may approve or decline registrations of people of this organisation.
pub(super) fn approves(actor: &Principal, org: Uuid) -> bool {
    actor.is_admin() || (actor.has_role(Role::Hr) && actor.org == Some(org))
}

pub(super) async fn standing(
    db: &impl ConnectionTrait,
    actor: &Principal,
    person: &user::Model,
    edition_id: Uuid,
) -> DomainResult<Standing> {
    if actor.kind == SubjectKind::User && actor.id == person.id {
        return Ok(Standing::Own);
    }
    if manages(actor, person.organization_id) {
        return Ok(Standing::Manager);
    }
    if (actor.has_scope("registrations:read") && actor.org == Some(person.organization_id))
        || editions::access::is_trainer_of(db, actor, edition_id).await?
    {
        return Ok(Standing::Reader);
    }
    Ok(Standing::None)
}
