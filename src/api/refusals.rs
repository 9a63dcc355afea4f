//! The refusals each operation can give, by operation id: the statuses and problem
//! `code`s of the domain's answers (403, 404, 409, 429). The framework's own answers (a
//! malformed parameter or body, a missing token, a failing database) follow from each
//! operation's shape and are added by [`super::document::narrow_responses`]. The test
//! suite checks every answer it gets against the document built from this table.

/// `(operation id, [(status, [codes])])`.
pub type Refusals = &'static [(&'static str, &'static [(u16, &'static [&'static str])])];

const FORBIDDEN: (u16, &[&str]) = (403, &["forbidden"]);
const NOT_FOUND: (u16, &[&str]) = (404, &["not_found"]);

/// Every operation of the service, in the document's order.
pub const REFUSALS: Refusals = &[
    ("getJwks", &[]),
    ("requestPasswordReset", &[(429, &["rate_limited"])]),
    ("confirmPasswordReset", &[]),
    ("revokeToken", &[]),
    ("createToken", &[]),
    ("getCatalogCalendar", &[]),
    ("getPersonalCalendar", &[NOT_FOUND]),
    ("listCertificates", &[FORBIDDEN]),
    ("getCertificate", &[NOT_FOUND]),
    ("getCertificateCredential", &[NOT_FOUND]),
    (
        "getCertificatePdf",
        &[NOT_FOUND, (409, &["certificate_revoked"])],
    ),
    (
        "revokeCertificate",
        &[FORBIDDEN, NOT_FOUND, (409, &["certificate_revoked"])],
    ),
    ("listClients", &[FORBIDDEN]),
    ("createClient", &[FORBIDDEN]),
    ("revokeClient", &[FORBIDDEN, NOT_FOUND]),
    ("listCourses", &[FORBIDDEN]),
    ("createCourse", &[FORBIDDEN]),
    (
        "deleteCourse",
        &[FORBIDDEN, NOT_FOUND, (409, &["course_has_editions"])],
    ),
    ("getCourse", &[NOT_FOUND]),
    (
        "updateCourse",
        &[FORBIDDEN, NOT_FOUND, (409, &["course_has_editions"])],
    ),
    ("archiveCourse", &[FORBIDDEN, NOT_FOUND]),
    ("listCourseEditions", &[FORBIDDEN, NOT_FOUND]),
    (
        "createEdition",
        &[FORBIDDEN, NOT_FOUND, (409, &["course_archived"])],
    ),
    ("unarchiveCourse", &[FORBIDDEN, NOT_FOUND]),
    ("listEditions", &[FORBIDDEN]),
    ("getEdition", &[NOT_FOUND]),
    (
        "updateEdition",
        &[
            FORBIDDEN,
            NOT_FOUND,
            (
                409,
                &[
                    "capacity_below_confirmed",
                    "edition_not_editable",
                    "waitlist_not_empty",
                ],
            ),
        ],
    ),
    ("getEditionCalendar", &[NOT_FOUND]),
    (
        "cancelEdition",
        &[FORBIDDEN, NOT_FOUND, (409, &["invalid_transition"])],
    ),
    (
        "closeEdition",
        &[
            FORBIDDEN,
            NOT_FOUND,
            (409, &["invalid_transition", "sessions_not_over"]),
        ],
    ),
    (
        "submitEvaluation",
        &[
            FORBIDDEN,
            NOT_FOUND,
            (
                409,
                &[
                    "already_evaluated",
                    "evaluation_closed",
                    "evaluation_not_open",
                ],
            ),
        ],
    ),
    ("getMyEvaluation", &[FORBIDDEN, NOT_FOUND]),
    (
        "updateMyEvaluation",
        &[
            FORBIDDEN,
            NOT_FOUND,
            (409, &["edition_cancelled", "evaluation_closed"]),
        ],
    ),
    ("getEvaluationSummary", &[FORBIDDEN, NOT_FOUND]),
    (
        "publishEdition",
        &[
            FORBIDDEN,
            NOT_FOUND,
            (
                409,
                &[
                    "course_archived",
                    "invalid_transition",
                    "no_sessions",
                    "sessions_over",
                ],
            ),
        ],
    ),
    ("listEditionRegistrations", &[FORBIDDEN, NOT_FOUND]),
    (
        "createRegistration",
        &[
            FORBIDDEN,
            NOT_FOUND,
            (
                409,
                &[
                    "already_registered",
                    "edition_cancelled",
                    "edition_closed",
                    "edition_full",
                    "edition_not_open",
                    "registration_closed",
                ],
            ),
        ],
    ),
    (
        "reopenEdition",
        &[FORBIDDEN, NOT_FOUND, (409, &["invalid_transition"])],
    ),
    ("listSessions", &[NOT_FOUND]),
    (
        "createSession",
        &[
            FORBIDDEN,
            NOT_FOUND,
            (409, &["edition_not_editable", "elearning_has_no_sessions"]),
        ],
    ),
    ("getEditionStatistics", &[FORBIDDEN, NOT_FOUND]),
    ("getMe", &[FORBIDDEN]),
    ("updateMe", &[FORBIDDEN]),
    ("getMyCalendarFeed", &[FORBIDDEN]),
    ("rotateMyCalendarFeed", &[FORBIDDEN]),
    ("listMyCertificates", &[FORBIDDEN]),
    ("exportMyData", &[FORBIDDEN]),
    ("getMyPoints", &[FORBIDDEN]),
    ("listMyRegistrations", &[FORBIDDEN]),
    ("getMyTeaching", &[FORBIDDEN]),
    ("listMessages", &[FORBIDDEN]),
    (
        "retryMessage",
        &[FORBIDDEN, NOT_FOUND, (409, &["message_not_failed"])],
    ),
    ("listWebhooks", &[FORBIDDEN]),
    ("createWebhook", &[FORBIDDEN]),
    ("deleteWebhook", &[FORBIDDEN, NOT_FOUND]),
    ("getWebhook", &[FORBIDDEN, NOT_FOUND]),
    ("updateWebhook", &[FORBIDDEN, NOT_FOUND]),
    ("listWebhookDeliveries", &[FORBIDDEN, NOT_FOUND]),
    (
        "redeliverWebhookDelivery",
        &[FORBIDDEN, NOT_FOUND, (409, &["webhook_disabled"])],
    ),
    (
        "pingWebhook",
        &[FORBIDDEN, NOT_FOUND, (409, &["webhook_disabled"])],
    ),
    ("rotateWebhookSecret", &[FORBIDDEN, NOT_FOUND]),
    ("listOrganizations", &[]),
    (
        "createOrganization",
        &[FORBIDDEN, (409, &["organization_exists"])],
    ),
    ("getOrganization", &[NOT_FOUND]),
    (
        "updateOrganization",
        &[FORBIDDEN, NOT_FOUND, (409, &["organization_exists"])],
    ),
    ("getRegistration", &[NOT_FOUND]),
    (
        "approveRegistration",
        &[FORBIDDEN, NOT_FOUND, (409, &["not_pending"])],
    ),
    (
        "cancelRegistration",
        &[FORBIDDEN, NOT_FOUND, (409, &["registration_not_active"])],
    ),
    (
        "removeCompletion",
        &[
            (403, &["forbidden", "self_marking"]),
            NOT_FOUND,
            (409, &["not_elearning"]),
        ],
    ),
    (
        "markCompletion",
        &[
            (403, &["forbidden", "self_marking"]),
            NOT_FOUND,
            (409, &["not_elearning"]),
        ],
    ),
    (
        "declineRegistration",
        &[FORBIDDEN, NOT_FOUND, (409, &["not_pending"])],
    ),
    ("getRegistrationHistory", &[FORBIDDEN, NOT_FOUND]),
    ("reportCompletions", &[FORBIDDEN]),
    ("reportOverview", &[FORBIDDEN]),
    ("reportPoints", &[FORBIDDEN]),
    ("reportRegisterExport", &[FORBIDDEN]),
    ("deleteSession", &[FORBIDDEN, NOT_FOUND]),
    ("getSession", &[NOT_FOUND]),
    ("updateSession", &[FORBIDDEN, NOT_FOUND]),
    ("listAttendance", &[FORBIDDEN, NOT_FOUND]),
    (
        "markAttendance",
        &[
            (403, &["forbidden", "self_marking"]),
            NOT_FOUND,
            (
                409,
                &["edition_closed", "session_cancelled", "session_not_started"],
            ),
        ],
    ),
    ("listAttendanceHistory", &[FORBIDDEN, NOT_FOUND]),
    (
        "checkIn",
        &[
            (403, &["forbidden", "self_marking"]),
            NOT_FOUND,
            (409, &["check_in_closed", "session_cancelled"]),
            (429, &["too_many_attempts"]),
        ],
    ),
    (
        "getCheckInCode",
        &[FORBIDDEN, NOT_FOUND, (409, &["edition_closed"])],
    ),
    (
        "getCheckInCodeImage",
        &[FORBIDDEN, NOT_FOUND, (409, &["edition_closed"])],
    ),
    (
        "checkOut",
        &[FORBIDDEN, NOT_FOUND, (409, &["not_checked_in"])],
    ),
    ("getStatusList", &[NOT_FOUND]),
    ("listUsers", &[FORBIDDEN]),
    ("createUser", &[FORBIDDEN, (409, &["email_taken"])]),
    ("getUser", &[NOT_FOUND]),
    (
        "updateUser",
        &[
            FORBIDDEN,
            NOT_FOUND,
            (
                409,
                &["cannot_remove_own_admin", "email_taken", "user_erased"],
            ),
        ],
    ),
    (
        "eraseUser",
        &[
            FORBIDDEN,
            NOT_FOUND,
            (409, &["already_erased", "cannot_erase_self"]),
        ],
    ),
    ("listUserRegistrations", &[NOT_FOUND]),
    ("verifyCertificate", &[NOT_FOUND, (429, &["rate_limited"])]),
    ("health", &[]),
    ("metrics", &[]),
    ("ready", &[]),
];
