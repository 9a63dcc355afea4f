//! Personal data rights: a person's export of everything the service holds about them,
//! and erasure on request (admins), which removes name, e-mail address, register numbers
//! and free text but keeps the anonymous rows (registrations, attendance, completions,
//! certificates, scores) so the academy's figures stay right.

use chrono::{DateTime, Utc};
use entity::{
    CertificateStatus, attendance, attendance_event, calendar_feed, certificate,
    certificate_accreditation, completion, erasure, evaluation, register_membership, registration,
    registration_event, session, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::actor::actor_of;
use super::certificates::{self, Certificate};
use super::users::{self, UserView};
use super::values;
use crate::auth::tokens::Principal;
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult};

/// The name an erased person's rows show.
pub const ERASED_NAME: &str = "Verwijderde gebruiker";

/// One registration with its history.
#[derive(Debug, Clone)]
pub struct RegistrationRecord {
    /// The registration.
    pub registration: registration::Model,
    /// Its status changes, oldest first.
    pub history: Vec<registration_event::Model>,
}

/// An attendance record with its session's times.
#[derive(Debug, Clone)]
pub struct AttendanceRecord {
    /// The record.
    pub attendance: attendance::Model,
    /// The session.
    pub session: session::Model,
}

/// Everything the service holds about one person.
#[derive(Debug, Clone)]
pub struct Export {
    /// Profile, roles and register memberships.
    pub profile: UserView,
    /// Registrations with their history.
    pub registrations: Vec<RegistrationRecord>,
    /// Attendance.
    pub attendance: Vec<AttendanceRecord>,
    /// Completions.
    pub completions: Vec<completion::Model>,
    /// Certificates.
    pub certificates: Vec<Certificate>,
    /// Evaluations.
    pub evaluations: Vec<evaluation::Model>,
    /// Whether a personal calendar feed URL exists.
    pub calendar_feed: bool,
    /// When the export was made.
    pub generated_at: DateTime<Utc>,
}

/// The caller's own data.
pub async fn export(db: &DatabaseConnection, actor: &Principal) -> DomainResult<Export> {
    let profile = users::load_by_id(db, actor.id).await?;
    let regs = registration::Entity::find()
        .filter(registration::Column::UserId.eq(actor.id))
        .order_by_asc(registration::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = regs.iter().map(|r| r.id).collect();
    let mut events = registration_event::Entity::find()
        .filter(registration_event::Column::RegistrationId.is_in(ids.clone()))
        .order_by_asc(registration_event::Column::At)
        .order_by_asc(registration_event::Column::Id)
        .all(db)
        .await?;
    let registrations = regs
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                events.drain(..).partition(|e| e.registration_id == r.id);
            events = rest;
            RegistrationRecord {
                registration: r,
                history: mine,
            }
        })
        .collect();
    let attendance = attendance::Entity::find()
        .find_also_related(session::Entity)
        .filter(attendance::Column::RegistrationId.is_in(ids.clone()))
        .order_by_asc(attendance::Column::MarkedAt)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(a, s)| {
            s.map(|session| AttendanceRecord {
                attendance: a,
                session,
            })
        })
        .collect();
    let completions = completion::Entity::find()
        .filter(completion::Column::UserId.eq(actor.id))
        .order_by_asc(completion::Column::CompletedOn)
        .all(db)
        .await?;
    let certificates = certificates::of_holder(db, actor.id).await?;
    let evaluations = evaluation::Entity::find()
        .filter(evaluation::Column::UserId.eq(actor.id))
        .order_by_asc(evaluation::Column::CreatedAt)
        .all(db)
        .await?;
    let calendar_feed = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::UserId.eq(actor.id))
        .one(db)
        .await?
        .is_some();
    Ok(Export {
        profile,
        registrations,
        attendance,
        completions,
        certificates,
        evaluations,
        calendar_feed,
        generated_at: super::now(),
    })
}

/// Erases a person's personal data (admins): name and e-mail address replaced, password,
/// register memberships, feed tokens and sign-in sessions removed, free text (notes,
/// reasons, comments, names on certificates) blanked, valid certificates revoked with
/// reason `erased`; the account is disabled for good. All in one transaction, recorded in
/// `erasures`.
pub async fn erase(
    db: &DatabaseConnection,
    actor: &Principal,
    user_id: Uuid,
    reason: Option<&str>,
) -> DomainResult<UserView> {
    if actor.id == user_id {
        return Err(DomainError::conflict(
            "cannot_erase_self",
            "another admin erases an admin's own data",
        ));
    }
    let reason = values::optional_text("reason", reason, values::REASON_MAX)
        .map_err(|e| DomainError::Validation(vec![e]))?;
    let by = actor_of(actor);
    retrying(|| async {
        let now = super::now();
        let txn = begin_write(db).await?;
        let person = users::find(&txn, user_id).await?;
        if erasure::Entity::find_by_id(user_id)
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(DomainError::conflict(
                "already_erased",
                "this person's data was erased already",
            ));
        }
        // The sign-in rows go; the token version is bumped, so no access token of
        // before works again on any instance.
        super::auth::forget_person(&txn, user_id, person.email.as_deref()).await?;
        crate::auth::access::end_access(&txn, user_id).await?;
        // Mails not yet sent, and the record of those sent, name the person.
        super::messages::forget_person(&txn, user_id).await?;
        entity::account_token::Entity::delete_many()
            .filter(entity::account_token::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        let mut active: user::ActiveModel = person.into();
        active.name = Set(ERASED_NAME.to_owned());
        active.email = Set(None);
        active.password_hash = Set(None);
        active.disabled_at = Set(Some(now));
        active.updated_at = Set(now);
        active.update(&txn).await?;
        register_membership::Entity::delete_many()
            .filter(register_membership::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        calendar_feed::Entity::delete_many()
            .filter(calendar_feed::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        let regs: Vec<Uuid> = registration::Entity::find()
            .filter(registration::Column::UserId.eq(user_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        for chunk in regs.chunks(500) {
            attendance::Entity::update_many()
                .col_expr(attendance::Column::Note, Expr::value(None::<String>))
                .filter(attendance::Column::RegistrationId.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
            attendance_event::Entity::update_many()
                .col_expr(
                    attendance_event::Column::FromNote,
                    Expr::value(None::<String>),
                )
                .col_expr(
                    attendance_event::Column::ToNote,
                    Expr::value(None::<String>),
                )
                .filter(attendance_event::Column::RegistrationId.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
            registration_event::Entity::update_many()
                .col_expr(
                    registration_event::Column::Reason,
                    Expr::value(None::<String>),
                )
                .filter(registration_event::Column::RegistrationId.is_in(chunk.to_vec()))
                .exec(&txn)
                .await?;
        }
        evaluation::Entity::update_many()
            .col_expr(evaluation::Column::Comment, Expr::value(None::<String>))
            .filter(evaluation::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
        let held = certificate::Entity::find()
            .filter(certificate::Column::UserId.eq(user_id))
            .all(&txn)
            .await?;
        for c in held {
            let id = c.id;
            if c.status == CertificateStatus::Valid {
                certificates::revoke_as(&txn, c.clone(), certificates::ERASED_REASON, by, now)
                    .await?;
            }
            certificate::Entity::update_many()
                .col_expr(certificate::Column::HolderName, Expr::value(ERASED_NAME))
                .filter(certificate::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            certificate_accreditation::Entity::update_many()
                .col_expr(
                    certificate_accreditation::Column::HolderNumber,
                    Expr::value(None::<String>),
                )
                .filter(certificate_accreditation::Column::CertificateId.eq(id))
                .exec(&txn)
                .await?;
        }
        erasure::ActiveModel {
            user_id: Set(user_id),
            erased_by: Set(actor.id),
            erased_at: Set(now),
            reason: Set(reason.clone()),
        }
        .insert(&txn)
        .await?;
        // Last, after the revocations: partners forget the person once told of the rest.
        super::webhooks::emit(
            &txn,
            vec![super::webhooks::Event::user_erased(user_id)],
            now,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    })
    .await?;
    users::load_by_id(db, user_id).await
}
