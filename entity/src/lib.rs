//! SeaORM entities of the academy backend: one module per table, status and kind
//! enums as `DeriveActiveEnum` so they are enums in the database too.

pub mod account_token;
pub mod accreditation;
pub mod api_client;
pub mod attendance;
pub mod attendance_event;
pub mod calendar_feed;
pub mod certificate;
pub mod certificate_accreditation;
pub mod certificate_event;
pub mod completion;
pub mod course;
pub mod course_topic;
pub mod edition;
pub mod edition_trainer;
pub mod enums;
pub mod erasure;
pub mod evaluation;
pub mod idempotency_key;
pub mod login_failure;
pub mod message;
pub mod organization;
pub mod rate_counter;
pub mod refresh_token;
pub mod register_membership;
pub mod registration;
pub mod registration_event;
pub mod session;
pub mod setting;
pub mod user;
pub mod user_role;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
pub mod webhook_event;

pub use enums::{
    AccountTokenPurpose, ActorKind, ApprovalMails, AttendanceAction, AttendanceStatus,
    CertificateAction, CertificateStatus, CompletionSource, CourseKind, DeliveryStatus,
    EditionStatus, Locale, MessageStatus, OrganizationKind, Register, RegistrationStatus, Role,
    SessionStatus,
};
