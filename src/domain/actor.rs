//! Who made a change, as the history tables record it: a person, a partner client or the
//! service itself.

use entity::ActorKind;
use uuid::Uuid;

use crate::auth::tokens::{Principal, SubjectKind};

/// Who made a change, as history records it.
#[derive(Debug, Clone, Copy)]
pub struct ActorRef {
    /// A person, a partner client or the service.
    pub kind: ActorKind,
    /// The person's or client's id.
    pub id: Option<Uuid>,
}

/// The caller as history records them.
pub fn actor_of(actor: &Principal) -> ActorRef {
    ActorRef {
        kind: match actor.kind {
            SubjectKind::User => ActorKind::User,
            SubjectKind::Client => ActorKind::Client,
        },
        id: Some(actor.id),
    }
}

/// The service itself.
pub const SYSTEM: ActorRef = ActorRef {
    kind: ActorKind::System,
    id: None,
};
