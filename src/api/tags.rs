//! The groups of operations the document shows.

use poem_openapi::Tags;

/// Groups of operations in the document.
#[derive(Tags)]
pub enum ApiTags {
    /// Tokens, the signing keys, the caller's own profile.
    Auth,
    /// Municipalities, providers, certified institutions and the academy.
    Organizations,
    /// People and their roles and register memberships.
    Users,
    /// Partner clients (client credentials).
    Clients,
    /// Courses, editions and sessions: what the academy offers and when.
    Catalog,
    /// Registrations, the waiting list and approvals.
    Registrations,
    /// Attendance per session, self check-in and e-learning completion.
    Attendance,
    /// Certificates, their PDF and signed credential, and public verification.
    Certificates,
    /// Participants' scores and comments on editions, and their summary for admins and
    /// trainers.
    Evaluations,
    /// iCalendar feeds: an edition, the catalogue, and each person's own.
    Calendar,
    /// Completions, register points and the register export for HR and the academy.
    Reports,
    /// The e-mails the academy sends: the outbox, for admins.
    Messages,
    /// Signed event deliveries to partner clients' endpoints, for admins.
    Webhooks,
    /// Liveness, readiness and metrics.
    Operations,
}
