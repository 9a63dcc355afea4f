//! What partners hear of: the event types, who may hear of each, and the events changes
//! write in their transaction.
//!
//! A change writes its events as `webhook_events` rows, pending until the worker's
//! fan-out ([`super::fan_out`]) turns them into deliveries for the endpoints that want
//! them and whose client may read what they are about. A registration's change writes
//! none: its history entry is the event, pending until the fan-out.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    RegistrationStatus, certificate, edition, registration, registration_event, session,
    webhook_event,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::DomainResult;

/// An event type; the wire name is [`EventType::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A person registered (confirmed, waitlisted or waiting for approval).
    RegistrationCreated,
    /// A registration's status changed (approved, declined, promoted, cancelled …).
    RegistrationStatusChanged,
    /// An edition was published: it is in the catalogue.
    EditionPublished,
    /// A published edition's dates, place, capacity or status changed.
    EditionChanged,
    /// A session of a published edition was added, moved or cancelled.
    SessionChanged,
    /// A participant's attendance of a session was marked (or they checked in).
    AttendanceMarked,
    /// A certificate was issued (or reinstated).
    CertificateIssued,
    /// A certificate was revoked.
    CertificateRevoked,
    /// A person's data was erased: forget what you keep of them.
    UserErased,
    /// A test event an admin sent to one endpoint.
    Ping,
}

/// What a client needs to hear of an event: one of `scopes`, and, for an event about a
/// person, to be bound to that person's organisation.
struct Readers {
    scopes: &'static [&'static str],
    about_a_person: bool,
}

const REGISTRATIONS: &[&str] = &["registrations:read", "registrations:write"];

impl EventType {
    /// The types an endpoint can subscribe to.
    pub const SUBSCRIBABLE: [EventType; 9] = [
        EventType::RegistrationCreated,
        EventType::RegistrationStatusChanged,
        EventType::EditionPublished,
        EventType::EditionChanged,
        EventType::SessionChanged,
        EventType::AttendanceMarked,
        EventType::CertificateIssued,
        EventType::CertificateRevoked,
        EventType::UserErased,
    ];

    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::RegistrationCreated => "registration.created",
            EventType::RegistrationStatusChanged => "registration.status_changed",
            EventType::EditionPublished => "edition.published",
            EventType::EditionChanged => "edition.changed",
            EventType::SessionChanged => "session.changed",
            EventType::AttendanceMarked => "attendance.marked",
            EventType::CertificateIssued => "certificate.issued",
            EventType::CertificateRevoked => "certificate.revoked",
            EventType::UserErased => "user.erased",
            EventType::Ping => "webhook.ping",
        }
    }

    /// The type of a name.
    pub fn parse(name: &str) -> Option<EventType> {
        Self::SUBSCRIBABLE
            .into_iter()
            .chain([EventType::Ping])
            .find(|t| t.as_str() == name)
    }

    fn readers(self) -> Readers {
        let (scopes, about_a_person): (&'static [&'static str], bool) = match self {
            EventType::RegistrationCreated | EventType::RegistrationStatusChanged => {
                (REGISTRATIONS, true)
            }
            // Partners read attendance through the register export.
            EventType::AttendanceMarked => (&["reports:read"], true),
            EventType::EditionPublished | EventType::EditionChanged | EventType::SessionChanged => {
                (&["catalog:read"], false)
            }
            EventType::CertificateIssued | EventType::CertificateRevoked => {
                (&["certificates:read"], true)
            }
            // Whoever may keep something of a person hears that it has to go.
            EventType::UserErased => (
                &[
                    "users:read",
                    "registrations:read",
                    "registrations:write",
                    "certificates:read",
                    "reports:read",
                ],
                true,
            ),
            EventType::Ping => (&[], false),
        };
        Readers {
            scopes,
            about_a_person,
        }
    }

    /// The scopes of which a client needs one to subscribe to this type.
    pub fn scopes(self) -> &'static [&'static str] {
        self.readers().scopes
    }

    /// Whether a client with these scopes could ever hear of this type: it has one of the
    /// scopes, and is bound to an organisation when the type is about people.
    pub fn subscribable_by(self, scopes: &[&str], client_org: Option<Uuid>) -> bool {
        let r = self.readers();
        r.scopes.iter().any(|s| scopes.contains(s)) && (!r.about_a_person || client_org.is_some())
    }

    /// Whether a client hears of one event of this type about a person of `person_org`
    /// (`None` for events about no person).
    pub fn heard_by(
        self,
        scopes: &[&str],
        client_org: Option<Uuid>,
        person_org: Option<Uuid>,
    ) -> bool {
        let r = self.readers();
        if !r.scopes.iter().any(|s| scopes.contains(s)) {
            return false;
        }
        !r.about_a_person || (client_org.is_some() && client_org == person_org)
    }
}

/// An event to record in the transaction of its change.
#[derive(Debug, Clone)]
pub struct Event {
    /// Its type.
    pub kind: EventType,
    /// The resource it is about (its deliveries to one endpoint go in order).
    pub resource: Uuid,
    /// The person it concerns, if any.
    pub person: Option<Uuid>,
    /// The payload's `data`: ids and status, never personal data.
    pub data: Value,
}

impl Event {
    /// `edition.published` or `edition.changed`, with what changed.
    pub fn edition(kind: EventType, e: &edition::Model, changed: &[&str]) -> Self {
        let mut data = json!({
            "edition_id": e.id,
            "course_id": e.course_id,
            "status": e.status.as_str(),
        });
        if !changed.is_empty() {
            data["changed"] = json!(changed);
        }
        Self {
            kind,
            resource: e.id,
            person: None,
            data,
        }
    }

    /// `session.changed`.
    pub fn session(s: &session::Model) -> Self {
        Self {
            kind: EventType::SessionChanged,
            resource: s.id,
            person: None,
            data: json!({
                "session_id": s.id,
                "edition_id": s.edition_id,
                "status": match s.status {
                    entity::SessionStatus::Scheduled => "scheduled",
                    entity::SessionStatus::Cancelled => "cancelled",
                },
                "revision": s.revision,
            }),
        }
    }

    /// `attendance.marked`: one participant's record of one session. Its resource is the
    /// record (the registration and session together).
    pub fn attendance(
        session_id: Uuid,
        edition_id: Uuid,
        registration_id: Uuid,
        user_id: Uuid,
        status: &str,
    ) -> Self {
        Self {
            kind: EventType::AttendanceMarked,
            resource: Uuid::new_v5(&session_id, registration_id.as_bytes()),
            person: Some(user_id),
            data: json!({
                "session_id": session_id,
                "edition_id": edition_id,
                "registration_id": registration_id,
                "user_id": user_id,
                "status": status,
            }),
        }
    }

    /// `certificate.issued` or `certificate.revoked`.
    pub fn certificate(kind: EventType, c: &certificate::Model) -> Self {
        Self {
            kind,
            resource: c.id,
            person: Some(c.user_id),
            data: json!({
                "certificate_id": c.id,
                "registration_id": c.registration_id,
                "edition_id": c.edition_id,
                "user_id": c.user_id,
                "status": match c.status {
                    entity::CertificateStatus::Valid => "valid",
                    entity::CertificateStatus::Revoked => "revoked",
                },
            }),
        }
    }

    /// `user.erased`.
    pub fn user_erased(user_id: Uuid) -> Self {
        Self {
            kind: EventType::UserErased,
            resource: user_id,
            person: Some(user_id),
            data: json!({ "user_id": user_id }),
        }
    }
}

/// The stored row of an event.
pub(super) fn row(
    id: Uuid,
    e: &Event,
    at: DateTime<Utc>,
    pending: bool,
) -> webhook_event::ActiveModel {
    webhook_event::ActiveModel {
        id: Set(id),
        kind: Set(e.kind.as_str().to_owned()),
        resource_id: Set(e.resource),
        user_id: Set(e.person),
        data: Set(e.data.to_string()),
        occurred_at: Set(at),
        pending: Set(pending),
    }
}

/// Records events in the caller's transaction, pending until the fan-out.
pub async fn emit(
    db: &impl ConnectionTrait,
    events: Vec<Event>,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let rows: Vec<_> = events
        .iter()
        .map(|e| row(Uuid::now_v7(), e, at, true))
        .collect();
    for chunk in rows.chunks(100) {
        webhook_event::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A registration history entry with its registration's person and edition.
type EntryRow = (
    Uuid,
    Uuid,
    Option<RegistrationStatus>,
    RegistrationStatus,
    DateTime<Utc>,
    Uuid,
    Uuid,
);

/// The events of these ids: `webhook_events` rows, and registration history entries as
/// the events they are (`registration.created` for a registration's first entry,
/// `registration.status_changed` for the others).
pub async fn load(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> DomainResult<HashMap<Uuid, webhook_event::Model>> {
    let mut found: HashMap<Uuid, webhook_event::Model> = webhook_event::Entity::find()
        .filter(webhook_event::Column::Id.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let rest: Vec<Uuid> = ids
        .into_iter()
        .filter(|id| !found.contains_key(id))
        .collect();
    if rest.is_empty() {
        return Ok(found);
    }
    let entries: Vec<EntryRow> = registration_event::Entity::find()
        .select_only()
        .column(registration_event::Column::Id)
        .column(registration_event::Column::RegistrationId)
        .column(registration_event::Column::FromStatus)
        .column(registration_event::Column::ToStatus)
        .column(registration_event::Column::At)
        .column(registration::Column::UserId)
        .column(registration::Column::EditionId)
        .join(
            JoinType::InnerJoin,
            registration_event::Relation::Registration.def(),
        )
        .filter(registration_event::Column::Id.is_in(rest))
        .into_tuple()
        .all(db)
        .await?;
    for (id, registration_id, from, to, at, user_id, edition_id) in entries {
        let kind = if from.is_none() {
            EventType::RegistrationCreated
        } else {
            EventType::RegistrationStatusChanged
        };
        let data = json!({
            "registration_id": registration_id,
            "edition_id": edition_id,
            "user_id": user_id,
            "status": to.to_value(),
            "previous_status": from.map(|f| f.to_value()),
        });
        found.insert(
            id,
            webhook_event::Model {
                id,
                kind: kind.as_str().to_owned(),
                resource_id: registration_id,
                user_id: Some(user_id),
                data: data.to_string(),
                occurred_at: at,
                pending: false,
            },
        );
    }
    Ok(found)
}

/// The path of the resource an event names, for the payload's `url`.
pub fn resource_path(kind: EventType, data: &Value) -> Option<String> {
    let id = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(match kind {
        EventType::RegistrationCreated | EventType::RegistrationStatusChanged => {
            format!("/api/v1/registrations/{}", id("registration_id")?)
        }
        EventType::EditionPublished | EventType::EditionChanged => {
            format!("/api/v1/editions/{}", id("edition_id")?)
        }
        EventType::SessionChanged => format!("/api/v1/sessions/{}", id("session_id")?),
        EventType::AttendanceMarked => "/api/v1/reports/register-export".to_owned(),
        EventType::CertificateIssued | EventType::CertificateRevoked => {
            format!("/api/v1/certificates/{}", id("certificate_id")?)
        }
        EventType::UserErased => format!("/api/v1/users/{}", id("user_id")?),
        EventType::Ping => format!("/api/v1/webhooks/{}", id("webhook_id")?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in EventType::SUBSCRIBABLE.into_iter().chain([EventType::Ping]) {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        assert_eq!(EventType::parse("registration.deleted"), None);
    }

    #[test]
    fn people_events_reach_their_own_organisation_only() {
        let a = Some(Uuid::now_v7());
        let b = Some(Uuid::now_v7());
        let reads = ["registrations:read"];
        let t = EventType::RegistrationCreated;
        assert!(t.heard_by(&reads, a, a));
        assert!(!t.heard_by(&reads, a, b));
        assert!(
            !t.heard_by(&reads, None, a),
            "an unbound client hears of nobody"
        );
        assert!(!t.heard_by(&["catalog:read"], a, a));
        assert!(!t.subscribable_by(&reads, None));
        let c = EventType::EditionChanged;
        assert!(c.heard_by(&["catalog:read"], None, None));
        assert!(!c.heard_by(&reads, a, None));
        assert!(EventType::UserErased.heard_by(&["certificates:read"], a, a));
    }
}
