//! `/api/v1/certificates` (the holder's, HR's and admins' views, the PDF, the signed
//! credential, revocation), `/api/v1/me/certificates` and the public
//! `/api/v1/verify/{code}`.

use std::sync::Arc;

use chrono::NaiveDate;
use entity::{CertificateStatus, certificate_accreditation};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Binary, Html, Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi, ResponseContent};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{AdminAuth, Auth, MaybeAuth, UserAuth, optional_principal};
use super::tags::ApiTags;
use super::types::{Timestamp, strict_string};
use super::wire::CertificateStatus as Status;
use super::wire::CourseKind as Kind;
use super::wire::RegisterName;
use crate::api::types::{PageSize, page_size};
use crate::certificates::{code, credential};
use crate::domain::certificates::{self, Certificate as Held, Filter};
use crate::error::DomainError;
use crate::state::AppState;

/// The points a certificate carries in one register.
#[derive(Debug, Object)]
pub struct CertificateAccreditation {
    /// The register.
    pub register: RegisterName,
    /// The course's accreditation number at that register.
    pub number: String,
    /// Points earned.
    pub points: f64,
    /// The holder's registration number in that register when issued.
    #[oai(nullable)]
    pub holder_number: Option<String>,
}

/// A certificate: what was completed, by whom, as it stood when issued.
#[derive(Debug, Object)]
pub struct Certificate {
    /// Identifier.
    pub id: Uuid,
    /// Verification code, three groups of five characters (for `/api/v1/verify/{code}`).
    pub code: String,
    /// The holder.
    pub user_id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// The holder's name when issued.
    pub holder_name: String,
    /// The course's title when issued.
    pub course_title: String,
    /// The kind of course.
    pub course_kind: Kind,
    /// Study load in hours.
    #[oai(nullable)]
    pub hours: Option<f64>,
    /// The edition's first day (Europe/Amsterdam).
    #[oai(nullable)]
    pub first_day: Option<NaiveDate>,
    /// The edition's last day (Europe/Amsterdam).
    #[oai(nullable)]
    pub last_day: Option<NaiveDate>,
    /// The day it was completed (Europe/Amsterdam).
    pub completed_on: NaiveDate,
    /// When it was issued (UTC).
    pub issued_at: Timestamp,
    /// The issuing academy.
    pub issuer: String,
    /// Points per register, as accredited on the day of completion.
    pub accreditations: Vec<CertificateAccreditation>,
    /// Valid or revoked.
    pub status: Status,
    /// When it was revoked (UTC).
    #[oai(nullable)]
    pub revoked_at: Option<Timestamp>,
    /// Why it was revoked (`completion_withdrawn` after a correction, `erased` when the
    /// holder's data was erased, or the admin's reason).
    #[oai(nullable)]
    pub revoked_reason: Option<String>,
    /// Where anyone verifies it.
    pub verify_url: String,
}

fn accreditation(a: certificate_accreditation::Model) -> CertificateAccreditation {
    CertificateAccreditation {
        register: a.register.into(),
        number: a.accreditation_number,
        points: a.points,
        holder_number: a.holder_number,
    }
}

/// The API view of a certificate.
pub fn view(state: &AppState, c: Held) -> Certificate {
    let r = c.row;
    Certificate {
        verify_url: code::verify_url(&state.config.public_url, &r.code),
        id: r.id,
        code: code::display(&r.code),
        user_id: r.user_id,
        edition_id: r.edition_id,
        course_id: r.course_id,
        holder_name: r.holder_name,
        course_title: r.course_title,
        course_kind: r.course_kind.into(),
        hours: r.hours,
        first_day: r.first_day,
        last_day: r.last_day,
        completed_on: r.completed_on,
        issued_at: r.issued_at.into(),
        issuer: r.issuer,
        accreditations: c.accreditations.into_iter().map(accreditation).collect(),
        status: r.status.into(),
        revoked_at: r.revoked_at.map(Into::into),
        revoked_reason: r.revoked_reason,
    }
}

/// Points in one register, as verification shows them.
#[derive(Debug, Object)]
pub struct VerifiedAccreditation {
    /// The register.
    pub register: RegisterName,
    /// The course's accreditation number at that register.
    pub number: String,
    /// Points earned.
    pub points: f64,
}

/// What anyone may learn from a verification code, and nothing more.
#[derive(Debug, Object)]
pub struct Verification {
    /// Whether the certificate is valid now.
    pub valid: bool,
    /// Valid or revoked.
    pub status: Status,
    /// The holder's name.
    pub holder_name: String,
    /// The course's title.
    pub course_title: String,
    /// The day it was completed.
    pub completed_on: NaiveDate,
    /// Points per register.
    pub accreditations: Vec<VerifiedAccreditation>,
    /// The issuing academy.
    pub issuer: String,
}

/// A revocation.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct Revocation {
    /// Why (1–500 characters, no control characters); shown with the certificate.
    #[oai(
        deserialize_with = "strict_string",
        validator(
            min_length = 1,
            max_length = 500,
            pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
        )
    )]
    pub reason: String,
}

super::paging::page_type!(CertificatePage, Certificate, "A page of certificates.");

#[derive(ApiResponse)]
enum One {
    /// The certificate.
    #[oai(status = 200)]
    Ok(Json<Certificate>),
}

#[derive(ApiResponse)]
enum Page {
    /// A page of certificates, newest first.
    #[oai(status = 200)]
    Ok(Json<CertificatePage>),
}

#[derive(ApiResponse)]
enum Document {
    /// The certificate as an A4 PDF (Dutch), with its verification code and QR code.
    #[oai(status = 200, content_type = "application/pdf")]
    Ok(
        Binary<Vec<u8>>,
        /// Suggested file name.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

#[derive(ApiResponse)]
enum Credential {
    /// The Open Badges 3.0 credential as a compact JWT (EdDSA, `kid` of a key in
    /// `/.well-known/jwks.json`).
    #[oai(status = 200, content_type = "application/vc+jwt")]
    Ok(PlainText<String>),
}

#[derive(ApiResponse)]
enum StatusList {
    /// The status list credential as a compact JWT (EdDSA, `kid` of a key in
    /// `/.well-known/jwks.json`).
    #[oai(status = 200, content_type = "application/vc+jwt")]
    Ok(
        PlainText<String>,
        /// Verifiers may keep it a minute.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

/// What a verification answers: JSON, or a page for a browser.
#[derive(ResponseContent)]
enum VerificationBody {
    /// For programs.
    Json(Json<Verification>),
    /// For people (`Accept: text/html`, as a browser following the QR code sends), in
    /// Dutch or English by `Accept-Language` or `?lang=`.
    Html(Html<String>),
}

#[derive(ApiResponse)]
enum Verified {
    /// What the code certifies.
    #[oai(status = 200)]
    Ok(
        VerificationBody,
        /// The answer depends on `Accept` (JSON or a page) and, for a page, on
        /// `Accept-Language`.
        #[oai(header = "Vary")]
        String,
        /// A page is not cached (its address holds the code).
        #[oai(header = "Cache-Control")]
        Option<String>,
        /// What a page may load: nothing but its own styles.
        #[oai(header = "Content-Security-Policy")]
        Option<String>,
        /// A page's address is not passed on.
        #[oai(header = "Referrer-Policy")]
        Option<String>,
    ),
}

impl Verified {
    fn json(v: Verification) -> Self {
        Self::Ok(
            VerificationBody::Json(Json(v)),
            VARY.to_owned(),
            None,
            None,
            None,
        )
    }

    fn page(html: String) -> Self {
        Self::Ok(
            VerificationBody::Html(Html(html)),
            VARY.to_owned(),
            Some("no-store".to_owned()),
            Some(crate::pages::CSP.to_owned()),
            Some("no-referrer".to_owned()),
        )
    }
}

const VARY: &str = "Accept, Accept-Language";

/// Certificate endpoints.
pub struct CertificatesApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Certificates")]
impl CertificatesApi {
    /// The caller's certificates
    #[oai(
        path = "/me/certificates",
        method = "get",
        operation_id = "listMyCertificates"
    )]
    async fn mine(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<Page, ApiError> {
        let (items, next_cursor) = certificates::list(
            &state.db,
            &auth.0,
            Filter::default(),
            true,
            page_size(limit.0),
            cursor.0.as_deref(),
        )
        .await?;
        Ok(page(&state, items, next_cursor))
    }

    /// List certificates
    ///
    /// Admins see all; HR and partner clients with `certificates:read` the certificates
    /// of their own organisation's people.
    #[oai(
        path = "/certificates",
        method = "get",
        operation_id = "listCertificates"
    )]
    #[expect(clippy::too_many_arguments, reason = "one parameter per filter")]
    async fn list(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        /// Of people of this organisation (HR and clients: their own only).
        organization_id: Query<Option<Uuid>>,
        /// Of this person.
        user_id: Query<Option<Uuid>>,
        /// Of this edition.
        edition_id: Query<Option<Uuid>>,
        /// Only valid or only revoked ones.
        status: Query<Option<Status>>,
        /// Page size, 1–200 (default 50).
        limit: Query<Option<PageSize>>,
        /// Cursor from the previous page.
        #[oai(validator(pattern = "^[A-Za-z0-9_-]{22}$"))]
        cursor: Query<Option<String>>,
    ) -> Result<Page, ApiError> {
        let filter = Filter {
            organization_id: organization_id.0,
            user_id: user_id.0,
            edition_id: edition_id.0,
            status: status.0.map(Into::into),
        };
        let (items, next_cursor) = certificates::list(
            &state.db,
            &auth.0,
            filter,
            false,
            page_size(limit.0),
            cursor.0.as_deref(),
        )
        .await?;
        Ok(page(&state, items, next_cursor))
    }

    /// One certificate
    ///
    /// For its holder, admins, and the holder's HR and partner clients with
    /// `certificates:read` of the holder's organisation.
    #[oai(
        path = "/certificates/:id",
        method = "get",
        operation_id = "getCertificate"
    )]
    async fn get(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
    ) -> Result<One, ApiError> {
        let c = certificates::get(&state.db, &auth.0, id.0).await?;
        Ok(One::Ok(Json(view(&state, c))))
    }

    /// A certificate as PDF
    ///
    /// An A4 landscape certificate in Dutch: the academy, holder, course, dates, hours,
    /// points and accreditation numbers, issue date, the verification code and a QR code
    /// of the verification link. A revoked certificate has no PDF (409
    /// `certificate_revoked`).
    #[oai(
        path = "/certificates/:id/pdf",
        method = "get",
        operation_id = "getCertificatePdf"
    )]
    async fn pdf(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
    ) -> Result<Document, ApiError> {
        let c = certificates::get(&state.db, &auth.0, id.0).await?;
        if c.row.status == CertificateStatus::Revoked {
            return Err(
                DomainError::conflict("certificate_revoked", "the certificate is revoked").into(),
            );
        }
        let bytes = render_pdf(&state, &c)?;
        Ok(Document::Ok(
            Binary(bytes),
            format!(
                "attachment; filename=\"certificaat-{}.pdf\"",
                code::display(&c.row.code)
            ),
        ))
    }

    /// A certificate as a signed credential
    ///
    /// The certificate as a W3C Verifiable Credential in Open Badges 3.0 shape
    /// (`OpenBadgeCredential`), secured as a JWT with the service's Ed25519 key: anyone
    /// verifies it offline against `/.well-known/jwks.json`. Its `credentialStatus` is a
    /// W3C Bitstring Status List entry (`statusPurpose: revocation`) in a list published
    /// at `/api/v1/status-lists/{list}`, so any verifier sees a revocation; its
    /// `evidence` links the verification page.
    #[oai(
        path = "/certificates/:id/credential",
        method = "get",
        operation_id = "getCertificateCredential"
    )]
    async fn credential(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
    ) -> Result<Credential, ApiError> {
        let c = certificates::get(&state.db, &auth.0, id.0).await?;
        let email = certificates::holder_email(&state.db, &c).await?;
        let jwt = credential::sign(
            &state.tokens,
            &c,
            &state.config.public_url,
            email.as_deref(),
        )?;
        Ok(Credential::Ok(PlainText(jwt)))
    }

    /// A revocation status list
    ///
    /// A W3C `BitstringStatusListCredential` (revocation) as a compact JWT signed like
    /// the certificates' credentials: bit `statusListIndex` of `encodedList` (GZIP,
    /// base64url, multibase `u`) is set when that certificate is revoked. Public, so
    /// verifiers check a credential without an account; refreshed within a minute of a
    /// revocation.
    #[oai(
        path = "/status-lists/:list",
        method = "get",
        operation_id = "getStatusList"
    )]
    async fn status_list(
        &self,
        state: Data<&Arc<AppState>>,
        /// The list's number, as `statusListCredential` gives it.
        #[oai(validator(minimum(value = "0"), maximum(value = "1000000")))]
        list: Path<i64>,
    ) -> Result<StatusList, ApiError> {
        let revoked = certificates::revoked_in_list(&state.db, list.0)
            .await?
            .ok_or_else(|| ApiError::not_found("status list"))?;
        let jwt = credential::status_list(
            &state.tokens,
            &state.config.public_url,
            list.0,
            &revoked,
            crate::domain::now(),
        )?;
        Ok(StatusList::Ok(
            PlainText(jwt),
            "public, max-age=60".to_owned(),
        ))
    }

    /// Revoke a certificate
    ///
    /// For admins, with a reason. Verification shows it at once. 409
    /// `certificate_revoked` when it already is.
    #[oai(
        path = "/certificates/:id/revoke",
        method = "post",
        operation_id = "revokeCertificate"
    )]
    async fn revoke(
        &self,
        state: Data<&Arc<AppState>>,
        auth: AdminAuth,
        id: Path<Uuid>,
        body: Json<Revocation>,
    ) -> Result<One, ApiError> {
        let c = certificates::revoke(&state.db, &auth.0, id.0, &body.0.reason).await?;
        Ok(One::Ok(Json(view(&state, c))))
    }

    /// Verify a certificate
    ///
    /// For anyone, by the code printed on it (case, spaces and dashes do not matter).
    /// Returns only whether it is valid, the holder's name, the course, the day it was
    /// completed, the points and the issuer. An unknown code is 404. At most 60 requests
    /// a minute per address (429 with `Retry-After`).
    #[oai(
        path = "/verify/:code",
        method = "get",
        operation_id = "verifyCertificate"
    )]
    async fn verify(
        &self,
        state: Data<&Arc<AppState>>,
        req: &Request,
        auth: MaybeAuth,
        #[oai(validator(max_length = 64))] code: Path<String>,
        /// The page's language (`nl` or `en`), for browsers.
        #[oai(validator(max_length = 2))]
        lang: Query<Option<String>>,
    ) -> Result<Verified, ApiError> {
        // Public, but a token that is sent must be valid, as everywhere.
        optional_principal(req, &state, auth).await?;
        let caller = state.client_key(req);
        let c = certificates::verify(&state.db, &code.0, &caller).await?;
        if crate::pages::wants_html(req) {
            let locale = crate::pages::locale(lang.0.as_deref(), None, req);
            return Ok(Verified::page(crate::pages::verify::page(
                &state.config.academy_name,
                locale,
                &c,
            )));
        }
        let r = c.row;
        Ok(Verified::json(Verification {
            valid: r.status == CertificateStatus::Valid,
            status: r.status.into(),
            holder_name: r.holder_name,
            course_title: r.course_title,
            completed_on: r.completed_on,
            accreditations: c
                .accreditations
                .into_iter()
                .map(|a| VerifiedAccreditation {
                    register: a.register.into(),
                    number: a.accreditation_number,
                    points: a.points,
                })
                .collect(),
            issuer: r.issuer,
        }))
    }
}

fn page(state: &AppState, items: Vec<Held>, next_cursor: Option<String>) -> Page {
    Page::Ok(Json(CertificatePage {
        items: items.into_iter().map(|c| view(state, c)).collect(),
        next_cursor,
    }))
}

/// Renders a certificate's PDF.
#[expect(
    clippy::result_large_err,
    reason = "the error is the response itself, built once per refused request"
)]
pub fn render_pdf(state: &AppState, c: &Held) -> Result<Vec<u8>, ApiError> {
    crate::certificates::document(&state.config.public_url, c)
        .map_err(|e| DomainError::Internal(format!("rendering a PDF: {e}")).into())
}
