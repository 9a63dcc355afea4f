//! The enums of the wire that mirror the entity's (or the domain's) enums variant for
//! variant, in one place: [`mirror!`] declares each with its conversions.

/// Declares a wire enum and its conversions: `mirrors T` converts both ways with `T`,
/// `from T` only from `T` (what the service reports and never reads).
macro_rules! mirror {
    (
        $(#[$meta:meta])*
        pub enum $name:ident $dir:ident $ty:path {
            $( $(#[$vmeta:meta])* $variant:ident ),+ $(,)?
        }
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
        $(#[$meta])*
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl From<$ty> for $name {
            fn from(v: $ty) -> Self {
                type Mirrored = $ty;
                match v {
                    $( Mirrored::$variant => Self::$variant ),+
                }
            }
        }

        mirror!(@back $dir $name $ty { $($variant),+ });
    };
    (@back mirrors $name:ident $ty:path { $($variant:ident),+ }) => {
        impl From<$name> for $ty {
            fn from(v: $name) -> Self {
                match v {
                    $( $name::$variant => Self::$variant ),+
                }
            }
        }
    };
    (@back from $name:ident $ty:path { $($variant:ident),+ }) => {};
}

mirror! {
    /// How a participant took part in a session.
    #[oai(rename = "AttendanceStatus", rename_all = "snake_case")]
    pub enum AttendanceStatus mirrors entity::AttendanceStatus {
        /// There from the start.
        Present,
        /// There, but late; counts as attended.
        Late,
        /// Not there, with notice; does not count.
        Excused,
        /// Not there.
        Absent,
    }
}

mirror! {
    /// What changed an attendance record.
    #[oai(rename = "AttendanceAction", rename_all = "snake_case")]
    pub enum AttendanceAction from entity::AttendanceAction {
        /// A trainer or admin marked it.
        Marked,
        /// The participant checked in with the session's code.
        CheckedIn,
        /// The participant checked out.
        CheckedOut,
    }
}

mirror! {
    /// What happened to the certificate when a completion was recorded.
    #[oai(rename = "CertificateOutcome", rename_all = "snake_case")]
    pub enum CertificateOutcome from crate::domain::certificates::Settled {
        /// A new certificate.
        Issued,
        /// A withdrawn certificate is valid again.
        Reinstated,
        /// The certificate was already valid.
        Unchanged,
        /// The certificate was revoked by an admin and stays revoked.
        StaysRevoked,
    }
}

mirror! {
    /// Whether a certificate stands.
    #[oai(rename = "CertificateStatus", rename_all = "snake_case")]
    pub enum CertificateStatus mirrors entity::CertificateStatus {
        /// Valid.
        Valid,
        /// Revoked (see the reason).
        Revoked,
    }
}

mirror! {
    /// Kind of course.
    #[oai(rename = "CourseKind", rename_all = "snake_case")]
    pub enum CourseKind mirrors entity::CourseKind {
        /// One evening, often online.
        Lecture,
        /// One or two half-days.
        Workshop,
        /// Many sessions.
        Training,
        /// The yearly symposium.
        Symposium,
        /// A module without sessions, completed by marking it done.
        Elearning,
    }
}

mirror! {
    /// Lifecycle state of an edition.
    #[oai(rename = "EditionStatus", rename_all = "snake_case")]
    pub enum EditionStatus mirrors entity::EditionStatus {
        /// Being prepared (admins and its trainers only).
        Draft,
        /// In the catalogue.
        Published,
        /// Finished.
        Closed,
        /// Called off.
        Cancelled,
    }
}

mirror! {
    /// Where a message stands.
    #[oai(rename_all = "snake_case")]
    pub enum MessageStatusName mirrors entity::MessageStatus {
        /// Waiting to be sent, or to be tried again.
        Queued,
        /// Handed to the mail server.
        Sent,
        /// Given up after the last attempt; can be retried.
        Failed,
        /// Not sent: nobody to send it to any more.
        Skipped,
    }
}

mirror! {
    /// Kind of organisation.
    #[oai(rename = "OrganizationKind", rename_all = "snake_case")]
    pub enum OrganizationKind mirrors entity::OrganizationKind {
        /// A municipality.
        Municipality,
        /// A youth-care provider.
        Provider,
        /// A certified (child-protection) institution.
        CertifiedInstitution,
        /// The academy itself.
        Academy,
        /// Anything else.
        Other,
    }
}

mirror! {
    /// Where a registration stands.
    #[oai(rename = "RegistrationStatus", rename_all = "snake_case")]
    pub enum RegistrationStatus mirrors entity::RegistrationStatus {
        /// Waiting for approval by HR or an admin.
        PendingApproval,
        /// Has a seat.
        Confirmed,
        /// On the waiting list.
        Waitlisted,
        /// Cancelled.
        Cancelled,
        /// Approval was declined.
        Declined,
    }
}

mirror! {
    /// Who made a change.
    #[oai(rename = "ActorKind", rename_all = "snake_case")]
    pub enum ActorKind from entity::ActorKind {
        /// A signed-in person.
        User,
        /// A partner client.
        Client,
        /// The service itself (e.g. a promotion from the waiting list).
        System,
    }
}

mirror! {
    /// Session state.
    #[oai(rename = "SessionStatus", rename_all = "snake_case")]
    pub enum SessionStatus mirrors entity::SessionStatus {
        /// Takes place.
        Scheduled,
        /// Called off.
        Cancelled,
    }
}

mirror! {
    /// A role.
    #[oai(rename_all = "snake_case")]
    pub enum RoleName mirrors entity::Role {
        /// A youth-care professional.
        Professional,
        /// A trainer.
        Trainer,
        /// HR of one organisation.
        Hr,
        /// An academy coordinator.
        Admin,
    }
}

mirror! {
    /// A quality register.
    pub enum RegisterName mirrors entity::Register {
        /// Stichting Kwaliteitsregister Jeugd.
        #[oai(rename = "SKJ")]
        Skj,
        /// The BIG register.
        #[oai(rename = "BIG")]
        Big,
        /// Registerplein, NIP.
        #[oai(rename = "NIP")]
        Nip,
        /// Registerplein, NVO.
        #[oai(rename = "NVO")]
        Nvo,
        /// Another register.
        #[oai(rename = "other")]
        Other,
    }
}

mirror! {
    /// The language of a person's mails and pages.
    #[oai(rename_all = "snake_case")]
    pub enum LocaleName mirrors entity::Locale {
        /// Dutch (the default).
        Nl,
        /// English.
        En,
    }
}

mirror! {
    /// How HR hears of registrations waiting for their approval.
    #[oai(rename_all = "snake_case")]
    pub enum ApprovalMailsName mirrors entity::ApprovalMails {
        /// A mail per request.
        PerRequest,
        /// One mail a day listing the day's requests.
        DailyDigest,
    }
}

mirror! {
    /// Where a delivery stands.
    #[oai(rename_all = "snake_case")]
    pub enum DeliveryStatusName mirrors entity::DeliveryStatus {
        /// Waiting for its (next) attempt.
        Queued,
        /// The endpoint answered 2xx.
        Delivered,
        /// Given up: retries ran out, the endpoint answered 410, or it was turned off.
        Failed,
    }
}
