//! Enumerations stored as constrained strings.

use sea_orm::entity::prelude::*;

/// What kind of organisation a user works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum OrganizationKind {
    /// A municipality of the region.
    #[sea_orm(string_value = "municipality")]
    Municipality,
    /// A youth-care provider.
    #[sea_orm(string_value = "provider")]
    Provider,
    /// A certified (child-protection) institution.
    #[sea_orm(string_value = "certified_institution")]
    CertifiedInstitution,
    /// The academy itself.
    #[sea_orm(string_value = "academy")]
    Academy,
    /// Anything else.
    #[sea_orm(string_value = "other")]
    Other,
}

/// A role a user holds; a user holds one or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum Role {
    /// A youth-care professional taking courses.
    #[sea_orm(string_value = "professional")]
    Professional,
    /// Teaches editions and marks attendance.
    #[sea_orm(string_value = "trainer")]
    Trainer,
    /// Human resources of one organisation.
    #[sea_orm(string_value = "hr")]
    Hr,
    /// The academy's coordinators.
    #[sea_orm(string_value = "admin")]
    Admin,
}

/// A professional quality register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Register {
    /// Stichting Kwaliteitsregister Jeugd.
    #[sea_orm(string_value = "SKJ")]
    Skj,
    /// The BIG register.
    #[sea_orm(string_value = "BIG")]
    Big,
    /// Registerplein, NIP chamber.
    #[sea_orm(string_value = "NIP")]
    Nip,
    /// Registerplein, NVO chamber.
    #[sea_orm(string_value = "NVO")]
    Nvo,
    /// Any other register.
    #[sea_orm(string_value = "other")]
    Other,
}

/// What kind of activity a course is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CourseKind {
    /// One evening, often online, up to a few hundred people.
    #[sea_orm(string_value = "lecture")]
    Lecture,
    /// One or two half-days, 12–25 people.
    #[sea_orm(string_value = "workshop")]
    Workshop,
    /// Many sessions.
    #[sea_orm(string_value = "training")]
    Training,
    /// The yearly symposium.
    #[sea_orm(string_value = "symposium")]
    Symposium,
    /// A module without sessions, completed by marking it done.
    #[sea_orm(string_value = "elearning")]
    Elearning,
}

/// Where an edition is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum EditionStatus {
    /// Being prepared; visible to admins and its trainers only.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// In the catalogue and open for registration (within its window).
    #[sea_orm(string_value = "published")]
    Published,
    /// Finished; completions computed.
    #[sea_orm(string_value = "closed")]
    Closed,
    /// Called off.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl EditionStatus {
    /// The name the API and the database use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Closed => "closed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Whether a session takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum SessionStatus {
    /// Takes place as planned.
    #[sea_orm(string_value = "scheduled")]
    Scheduled,
    /// Called off; kept so calendars can show it as cancelled.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
pub enum RegistrationStatus {
    /// Waiting for approval by HR or an admin.
    #[sea_orm(string_value = "pending_approval")]
    PendingApproval,
    /// Has a seat.
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    /// On the waiting list.
    #[sea_orm(string_value = "waitlisted")]
    Waitlisted,
    /// Cancelled by the person, HR or an admin, or with the edition.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    /// Approval was declined.
    #[sea_orm(string_value = "declined")]
    Declined,
}

impl RegistrationStatus {
    /// The statuses that hold a place in an edition (and block registering again).
    pub const ACTIVE: [Self; 3] = [Self::PendingApproval, Self::Confirmed, Self::Waitlisted];
}

/// Who made a change: a person, a partner client, or the service itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum ActorKind {
    /// A signed-in person.
    #[sea_orm(string_value = "user")]
    User,
    /// A partner client.
    #[sea_orm(string_value = "client")]
    Client,
    /// The service (e.g. a promotion from the waiting list).
    #[sea_orm(string_value = "system")]
    System,
}

/// How a registration took part in one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum AttendanceStatus {
    /// There from the start.
    #[sea_orm(string_value = "present")]
    Present,
    /// There, but late; counts as attended.
    #[sea_orm(string_value = "late")]
    Late,
    /// Not there, with notice; does not count as attended.
    #[sea_orm(string_value = "excused")]
    Excused,
    /// Not there.
    #[sea_orm(string_value = "absent")]
    Absent,
}

/// What changed an attendance record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(12))")]
pub enum AttendanceAction {
    /// A trainer or admin marked it.
    #[sea_orm(string_value = "marked")]
    Marked,
    /// The participant checked in with the session's code.
    #[sea_orm(string_value = "checked_in")]
    CheckedIn,
    /// The participant checked out (left an online session).
    #[sea_orm(string_value = "checked_out")]
    CheckedOut,
}

/// How a completion was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum CompletionSource {
    /// Computed from attendance when the edition was closed.
    #[sea_orm(string_value = "attendance")]
    Attendance,
    /// Marked done by a trainer or admin (e-learning).
    #[sea_orm(string_value = "marked")]
    Marked,
}

/// Whether a certificate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(10))")]
pub enum CertificateStatus {
    /// Valid.
    #[sea_orm(string_value = "valid")]
    Valid,
    /// Revoked, with a reason.
    #[sea_orm(string_value = "revoked")]
    Revoked,
}

/// What happened to a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(12))")]
pub enum CertificateAction {
    /// Issued.
    #[sea_orm(string_value = "issued")]
    Issued,
    /// Revoked.
    #[sea_orm(string_value = "revoked")]
    Revoked,
    /// Valid again after the completion was restored by a correction.
    #[sea_orm(string_value = "reinstated")]
    Reinstated,
}

/// Where an outbox message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum MessageStatus {
    /// Waiting to be sent (again) from its due time.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// Handed to the mail server (or written as a file).
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Given up after the last attempt; an admin may retry it.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// Not sent: nobody to send it to any more (an erased or address-less person).
    #[sea_orm(string_value = "skipped")]
    Skipped,
}

/// Where a webhook delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    #[sea_orm(string_value = "queued")]
    Queued,
    /// The endpoint answered 2xx.
    #[sea_orm(string_value = "delivered")]
    Delivered,
    /// Given up: retries ran out, or the endpoint was turned off.
    #[sea_orm(string_value = "failed")]
    Failed,
}

/// What a single-use account link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AccountTokenPurpose {
    /// A new account's first password (valid 7 days).
    #[sea_orm(string_value = "invitation")]
    Invitation,
    /// A forgotten password (valid 1 hour).
    #[sea_orm(string_value = "reset")]
    Reset,
}

/// The language a person reads the academy's mails and pages in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum Locale {
    /// Dutch, the default.
    #[sea_orm(string_value = "nl")]
    Nl,
    /// English.
    #[sea_orm(string_value = "en")]
    En,
}

impl Locale {
    /// The language tag (BCP 47) of HTML `lang` attributes and the API.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Nl => "nl",
            Self::En => "en",
        }
    }
}

/// How HR hears of registrations waiting for their approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ApprovalMails {
    /// One mail per request.
    #[sea_orm(string_value = "per_request")]
    PerRequest,
    /// One mail a day listing the requests of that day.
    #[sea_orm(string_value = "daily_digest")]
    DailyDigest,
}
