//! Certificates: issued when a registration completes, a snapshot of what was completed
//! (holder, course, dates, hours, points per register with the holder's numbers), with an
//! unguessable verification code. At most one per registration: a correction that takes
//! a completion away revokes it, one that gives it back reinstates the same certificate.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    CertificateAction, CertificateStatus, Register, Role, accreditation, certificate,
    certificate_accreditation, certificate_event, course, edition, register_membership,
    registration, user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::actor::{ActorRef, actor_of};
use super::limits::{self, Limit};
use super::messages::{self, Kind, Outgoing};
use super::paging::PageRequest;
use super::time::local_day;
use super::values;
use super::webhooks::{self, EventType};
use crate::auth::tokens::{Principal, SubjectKind};
use crate::certificates::code;
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult};

/// The reason on certificates revoked by an erasure of their holder's data.
pub const ERASED_REASON: &str = "erased";

/// The reason recorded when a correction takes a completion away.
pub const WITHDRAWN: &str = "completion_withdrawn";

const VERIFICATIONS: Limit = Limit {
    max: 60,
    window: chrono::Duration::minutes(1),
    code: "rate_limited",
    detail: "too many verification requests; try again shortly",
};

/// A certificate with its accreditations.
#[derive(Debug, Clone)]
pub struct Certificate {
    /// The certificate.
    pub row: certificate::Model,
    /// Points per register.
    pub accreditations: Vec<certificate_accreditation::Model>,
}

/// What settling one registration did to its certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// A new certificate.
    Issued,
    /// A withdrawn certificate is valid again.
    Reinstated,
    /// Already valid (its completion date refreshed if it moved).
    Unchanged,
    /// Revoked by an admin; a correction does not bring it back.
    StaysRevoked,
}

/// What closing an edition (or marking a registration done) has loaded, for settling the
/// certificates of its registrations without reading it again.
pub struct Issuing<'a> {
    /// The edition.
    pub edition: &'a edition::Model,
    /// Its course.
    pub course: &'a course::Model,
    /// The course's accreditations.
    pub accreditations: Vec<accreditation::Model>,
    /// The academy's name on the certificates.
    pub issuer: &'a str,
    /// Who closed or marked.
    pub by: ActorRef,
    /// When.
    pub now: DateTime<Utc>,
}

impl<'a> Issuing<'a> {
    /// Reads the course's accreditations once.
    pub async fn load(
        db: &impl ConnectionTrait,
        edition: &'a edition::Model,
        course: &'a course::Model,
        issuer: &'a str,
        by: ActorRef,
        now: DateTime<Utc>,
    ) -> DomainResult<Self> {
        let accreditations = accreditation::Entity::find()
            .filter(accreditation::Column::CourseId.eq(course.id))
            .all(db)
            .await?;
        Ok(Self {
            edition,
            course,
            accreditations,
            issuer,
            by,
            now,
        })
    }

    /// The points of a completion on `day` per register, with the holder's numbers.
    fn accreditations_on(
        &self,
        holder: &Holder,
        certificate_id: Uuid,
        day: NaiveDate,
    ) -> Vec<certificate_accreditation::ActiveModel> {
        self.accreditations
            .iter()
            .filter(|a| {
                a.valid_from.is_none_or(|f| f <= day) && a.valid_until.is_none_or(|u| day <= u)
            })
            .map(|a| certificate_accreditation::ActiveModel {
                certificate_id: Set(certificate_id),
                register: Set(a.register),
                accreditation_number: Set(a.number.clone()),
                points: Set(a.points),
                holder_number: Set(holder.numbers.get(&a.register).cloned()),
            })
            .collect()
    }

    async fn replace_accreditations(
        &self,
        db: &impl ConnectionTrait,
        holder: &Holder,
        row: &certificate::Model,
    ) -> DomainResult<()> {
        certificate_accreditation::Entity::delete_many()
            .filter(certificate_accreditation::Column::CertificateId.eq(row.id))
            .exec(db)
            .await?;
        let rows = self.accreditations_on(holder, row.id, row.completed_on);
        if !rows.is_empty() {
            certificate_accreditation::Entity::insert_many(rows)
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }
}

/// Who a certificate is for: the name it carries and the person's register numbers.
#[derive(Debug, Clone)]
pub struct Holder {
    /// The person.
    pub id: Uuid,
    /// Their name as the certificate shows it.
    pub name: String,
    /// Their number in each register they are in.
    pub numbers: HashMap<Register, String>,
}

/// The holders among these people, read in a few statements.
pub async fn holders(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> DomainResult<HashMap<Uuid, Holder>> {
    let mut out: HashMap<Uuid, Holder> = HashMap::with_capacity(people.len());
    for chunk in people.chunks(500) {
        let names: Vec<(Uuid, String)> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::Name)
            .filter(user::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, name) in names {
            out.insert(
                id,
                Holder {
                    id,
                    name,
                    numbers: HashMap::new(),
                },
            );
        }
        for m in register_membership::Entity::find()
            .filter(register_membership::Column::UserId.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            if let Some(h) = out.get_mut(&m.user_id) {
                h.numbers.insert(m.register, m.number);
            }
        }
    }
    Ok(out)
}

fn history(
    certificate_id: Uuid,
    action: CertificateAction,
    reason: Option<&str>,
    by: ActorRef,
    at: DateTime<Utc>,
) -> certificate_event::ActiveModel {
    certificate_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        certificate_id: Set(certificate_id),
        action: Set(action),
        reason: Set(reason.map(str::to_owned)),
        actor_kind: Set(by.kind),
        actor_id: Set(by.id),
        at: Set(at),
    }
}

/// Makes sure a completed registration holds a valid certificate, inside the caller's
/// transaction: issues one, reinstates a withdrawn one, or leaves a valid one (moving
/// its completion date when a correction moved it).
pub async fn settle_completed(
    db: &impl ConnectionTrait,
    issuing: &Issuing<'_>,
    reg: &registration::Model,
    holder: &Holder,
    completed_on: NaiveDate,
) -> DomainResult<Settled> {
    let (by, now) = (issuing.by, issuing.now);
    let existing = certificate::Entity::find()
        .filter(certificate::Column::RegistrationId.eq(reg.id))
        .one(db)
        .await?;
    if let Some(found) = existing {
        let withdrawn = found.status == CertificateStatus::Revoked
            && found.revoked_reason.as_deref() == Some(WITHDRAWN);
        if found.status == CertificateStatus::Revoked && !withdrawn {
            return Ok(Settled::StaysRevoked);
        }
        let moved = found.completed_on != completed_on;
        if !withdrawn && !moved {
            return Ok(Settled::Unchanged);
        }
        let mut active: certificate::ActiveModel = found.clone().into();
        active.completed_on = Set(completed_on);
        if withdrawn {
            active.status = Set(CertificateStatus::Valid);
            active.revoked_at = Set(None);
            active.revoked_reason = Set(None);
        }
        let row = active.update(db).await?;
        if moved {
            issuing.replace_accreditations(db, holder, &row).await?;
        }
        if withdrawn {
            history(row.id, CertificateAction::Reinstated, None, by, now)
                .insert(db)
                .await?;
            tell_holder(db, &row, Kind::CertificateIssued, now).await?;
            announce(db, EventType::CertificateIssued, &row, now).await?;
            return Ok(Settled::Reinstated);
        }
        return Ok(Settled::Unchanged);
    }
    let (e, c) = (issuing.edition, issuing.course);
    let id = Uuid::now_v7();
    let row = certificate::ActiveModel {
        id: Set(id),
        code: Set(unused_code(db).await?),
        registration_id: Set(reg.id),
        user_id: Set(holder.id),
        edition_id: Set(e.id),
        course_id: Set(c.id),
        holder_name: Set(holder.name.clone()),
        course_title: Set(c.title.clone()),
        course_kind: Set(c.kind),
        hours: Set(c.hours),
        first_day: Set(e.first_session_at.map(local_day)),
        last_day: Set(e.last_session_at.map(local_day)),
        completed_on: Set(completed_on),
        issuer: Set(issuing.issuer.to_owned()),
        issued_at: Set(now),
        status: Set(CertificateStatus::Valid),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        status_index: Set(Some(next_status_index(db).await?)),
    }
    .insert(db)
    .await?;
    issuing.replace_accreditations(db, holder, &row).await?;
    history(id, CertificateAction::Issued, None, by, now)
        .insert(db)
        .await?;
    tell_holder(db, &row, Kind::CertificateIssued, now).await?;
    announce(db, EventType::CertificateIssued, &row, now).await?;
    Ok(Settled::Issued)
}

/// Entries in one published status list (16 KiB of bits, the W3C minimum).
pub const STATUS_LIST_SIZE: i64 = 131_072;

/// The next place in the status lists. One atomic statement on the counter row: on
/// PostgreSQL the row stays locked until the issuing transaction ends, so concurrent
/// closes take their places one after another and never share one.
async fn next_status_index(db: &impl ConnectionTrait) -> DomainResult<i64> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "UPDATE counters SET next_value = next_value + 1 \
             WHERE name = 'certificate_status' RETURNING next_value - 1 AS taken",
        ))
        .await?
        .ok_or_else(|| DomainError::Internal("the status counter is missing".into()))?;
    Ok(row.try_get_by_index(0)?)
}

/// The revoked places of status list `list` (positions within it, ascending), or none
/// when no certificate has a place in that list yet.
pub async fn revoked_in_list(
    db: &impl ConnectionTrait,
    list: i64,
) -> DomainResult<Option<Vec<i64>>> {
    let first = list.checked_mul(STATUS_LIST_SIZE).filter(|f| *f >= 0);
    let Some(first) = first else {
        return Ok(None);
    };
    let used = certificate::Entity::find()
        .filter(certificate::Column::StatusIndex.gte(first))
        .select_only()
        .column(certificate::Column::Id)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    if used.is_none() {
        return Ok(None);
    }
    let revoked: Vec<Option<i64>> = certificate::Entity::find()
        .filter(certificate::Column::StatusIndex.gte(first))
        .filter(certificate::Column::StatusIndex.lt(first + STATUS_LIST_SIZE))
        .filter(certificate::Column::Status.eq(CertificateStatus::Revoked))
        .select_only()
        .column(certificate::Column::StatusIndex)
        .order_by_asc(certificate::Column::StatusIndex)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Some(
        revoked.into_iter().flatten().map(|i| i - first).collect(),
    ))
}

/// Queues the mail that tells the holder of a new, reinstated or revoked certificate.
async fn tell_holder(
    db: &impl ConnectionTrait,
    row: &certificate::Model,
    kind: Kind,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    messages::enqueue(
        db,
        vec![Outgoing::new(
            kind,
            row.user_id,
            Some(row.id),
            serde_json::json!({ "reason": row.revoked_reason }),
        )],
        now,
    )
    .await
}

/// The partners' event of an issued or revoked certificate.
async fn announce(
    db: &impl ConnectionTrait,
    kind: EventType,
    row: &certificate::Model,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    webhooks::emit(db, vec![webhooks::Event::certificate(kind, row)], now).await
}

async fn unused_code(db: &impl ConnectionTrait) -> DomainResult<String> {
    // 75 random bits: a repeat is practically impossible, but cheap to rule out.
    loop {
        let candidate = code::generate();
        let taken = certificate::Entity::find()
            .filter(certificate::Column::Code.eq(candidate.as_str()))
            .one(db)
            .await?
            .is_some();
        if !taken {
            return Ok(candidate);
        }
    }
}

/// Revokes a registration's valid certificate because its completion was taken away
/// (inside the caller's transaction). Returns whether one was revoked.
pub async fn withdraw(
    db: &impl ConnectionTrait,
    registration_id: Uuid,
    by: ActorRef,
    now: DateTime<Utc>,
) -> DomainResult<bool> {
    let found = certificate::Entity::find()
        .filter(certificate::Column::RegistrationId.eq(registration_id))
        .filter(certificate::Column::Status.eq(CertificateStatus::Valid))
        .one(db)
        .await?;
    let Some(found) = found else {
        return Ok(false);
    };
    revoke_as(db, found, WITHDRAWN, by, now).await?;
    Ok(true)
}

/// Revokes a certificate inside the caller's transaction, with its history entry.
pub async fn revoke_as(
    db: &impl ConnectionTrait,
    found: certificate::Model,
    reason: &str,
    by: ActorRef,
    now: DateTime<Utc>,
) -> DomainResult<certificate::Model> {
    let id = found.id;
    let mut active: certificate::ActiveModel = found.into();
    active.status = Set(CertificateStatus::Revoked);
    active.revoked_at = Set(Some(now));
    active.revoked_reason = Set(Some(reason.to_owned()));
    let row = active.update(db).await?;
    history(id, CertificateAction::Revoked, Some(reason), by, now)
        .insert(db)
        .await?;
    // An erased person is not written to any more.
    if reason != ERASED_REASON {
        tell_holder(db, &row, Kind::CertificateRevoked, now).await?;
    }
    announce(db, EventType::CertificateRevoked, &row, now).await?;
    Ok(row)
}

/// Revokes a certificate (admins), with a reason; verification shows it at once.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
    reason: &str,
) -> DomainResult<Certificate> {
    let reason = values::text("reason", reason, values::REASON_MAX)
        .map_err(|e| DomainError::Validation(vec![e]))?;
    if reason == WITHDRAWN {
        return Err(DomainError::invalid(
            "reason",
            "is reserved for corrections of completions",
        ));
    }
    let by = actor_of(actor);
    retrying(|| async {
        let txn = begin_write(db).await?;
        let found = certificate::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(DomainError::NotFound("certificate"))?;
        if found.status == CertificateStatus::Revoked {
            return Err(DomainError::conflict(
                "certificate_revoked",
                "the certificate is already revoked",
            ));
        }
        revoke_as(&txn, found, &reason, by, super::now()).await?;
        txn.commit().await?;
        Ok(())
    })
    .await?;
    load(db, id).await
}

/// A certificate by id, without access checks.
pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<Certificate> {
    let row = certificate::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("certificate"))?;
    Ok(with_accreditations(db, vec![row]).await?.remove(0))
}

async fn with_accreditations(
    db: &impl ConnectionTrait,
    rows: Vec<certificate::Model>,
) -> DomainResult<Vec<Certificate>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut by_certificate: HashMap<Uuid, Vec<certificate_accreditation::Model>> = HashMap::new();
    for a in certificate_accreditation::Entity::find()
        .filter(certificate_accreditation::Column::CertificateId.is_in(ids))
        .order_by_asc(certificate_accreditation::Column::Register)
        .all(db)
        .await?
    {
        by_certificate.entry(a.certificate_id).or_default().push(a);
    }
    Ok(rows
        .into_iter()
        .map(|row| Certificate {
            accreditations: by_certificate.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// Whether the actor reads the certificates of one organisation's people: HR, and
/// partner clients granted `certificates:read`, of their own organisation.
fn reads_organisation(actor: &Principal) -> Option<Uuid> {
    (actor.has_role(Role::Hr) || actor.has_scope("certificates:read"))
        .then_some(actor.org)
        .flatten()
}

/// One certificate, for its holder, admins, and HR and partner clients with
/// `certificates:read` of the holder's organisation.
pub async fn get(
    db: &DatabaseConnection,
    actor: &Principal,
    id: Uuid,
) -> DomainResult<Certificate> {
    let found = load(db, id).await?;
    if actor.is_admin() || (actor.kind == SubjectKind::User && actor.id == found.row.user_id) {
        return Ok(found);
    }
    if let Some(org) = reads_organisation(actor) {
        let holder = user::Entity::find_by_id(found.row.user_id).one(db).await?;
        if holder.is_some_and(|h| h.organization_id == org) {
            return Ok(found);
        }
    }
    Err(DomainError::NotFound("certificate"))
}

/// Every certificate of one person, newest first (for their own export).
pub async fn of_holder(db: &impl ConnectionTrait, user_id: Uuid) -> DomainResult<Vec<Certificate>> {
    let rows = certificate::Entity::find()
        .filter(certificate::Column::UserId.eq(user_id))
        .order_by_desc(certificate::Column::Id)
        .all(db)
        .await?;
    with_accreditations(db, rows).await
}

/// Filters of a certificate list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Of people of this organisation (HR: always their own).
    pub organization_id: Option<Uuid>,
    /// Of this person.
    pub user_id: Option<Uuid>,
    /// Of this edition.
    pub edition_id: Option<Uuid>,
    /// Valid or revoked.
    pub status: Option<CertificateStatus>,
}

/// Certificates, newest first: admins any, HR and partner clients with
/// `certificates:read` their organisation's people, a person their own (`mine`).
pub async fn list(
    db: &DatabaseConnection,
    actor: &Principal,
    mut filter: Filter,
    mine: bool,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<Certificate>, Option<String>)> {
    let page = PageRequest::parse(limit, cursor)?;
    if mine {
        if actor.kind != SubjectKind::User {
            return Err(DomainError::forbidden("certificates belong to people"));
        }
        filter.user_id = Some(actor.id);
    } else if !actor.is_admin() {
        let Some(org) = reads_organisation(actor) else {
            return Err(DomainError::forbidden(
                "certificate lists are for admins, HR and partner clients with certificates:read",
            ));
        };
        if filter.organization_id.is_some_and(|o| o != org) {
            return Err(DomainError::forbidden(
                "certificates of your own organisation only",
            ));
        }
        filter.organization_id = Some(org);
    }
    let mut q = certificate::Entity::find();
    if let Some(org) = filter.organization_id {
        q = q
            .inner_join(user::Entity)
            .filter(user::Column::OrganizationId.eq(org));
    }
    if let Some(u) = filter.user_id {
        q = q.filter(certificate::Column::UserId.eq(u));
    }
    if let Some(e) = filter.edition_id {
        q = q.filter(certificate::Column::EditionId.eq(e));
    }
    if let Some(s) = filter.status {
        q = q.filter(certificate::Column::Status.eq(s));
    }
    if let Some(after) = page.after {
        q = q.filter(certificate::Column::Id.lt(after));
    }
    let rows = q
        .order_by_desc(certificate::Column::Id)
        .limit(page.fetch())
        .all(db)
        .await?;
    let (rows, next) = page.finish(rows, |r| r.id);
    Ok((with_accreditations(db, rows).await?, next))
}

/// A certificate by its code, for anyone: rate-limited per caller address.
pub async fn verify(
    db: &DatabaseConnection,
    typed: &str,
    caller: &str,
) -> DomainResult<Certificate> {
    let now = super::now();
    limits::hit(db, &format!("verify:{caller}"), VERIFICATIONS, now).await?;
    let stored = code::parse(typed).ok_or(DomainError::NotFound("certificate"))?;
    let row = certificate::Entity::find()
        .filter(certificate::Column::Code.eq(stored))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("certificate"))?;
    Ok(with_accreditations(db, vec![row]).await?.remove(0))
}

/// The holder's e-mail address, for the credential's hashed identifier.
pub async fn holder_email(
    db: &DatabaseConnection,
    c: &Certificate,
) -> DomainResult<Option<String>> {
    Ok(user::Entity::find_by_id(c.row.user_id)
        .one(db)
        .await?
        .and_then(|u| u.email))
}
