//! Attendance: trainers mark a whole session at once, participants check in (and out)
//! with a rotating code, and every change is kept in an audit trail.
//!
//! Every write locks the edition first (as registrations do), so marking, checking in and
//! closing the edition are serialised per edition. Reads (the list, the check-in code,
//! check-in's first look) take no lock and never wait behind such a write. Nobody but an
//! admin marks or checks in themselves: a trainer registered for an edition they teach is
//! marked by another trainer or an admin (`self_marking`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use entity::{
    AttendanceAction, AttendanceStatus, EditionStatus, RegistrationStatus, Role, SessionStatus,
    attendance, attendance_event, edition, registration, session, user,
};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::actor::{ActorRef, actor_of};
use super::limits::{self, Limit};
use super::paging::PageRequest;
use super::webhooks;
use super::{editions, values};
use crate::auth::secret::{constant_time_eq, hmac_sha256};
use crate::auth::tokens::{Principal, SubjectKind};
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult, FieldError};
use sea_orm::ActiveEnum as _;

/// Records in one marking request at most.
pub const MAX_RECORDS: usize = 1_000;
/// Check-in opens this long before a session starts.
pub const CHECK_IN_OPENS: Duration = Duration::minutes(30);
/// Arriving later than this after the start is recorded as late.
pub const LATE_AFTER: Duration = Duration::minutes(15);
/// A check-in code is shown for this long; the previous one is still accepted.
pub const CODE_PERIOD_SECONDS: i64 = 60;

const WRONG_CODES: Limit = Limit {
    max: 5,
    window: Duration::minutes(10),
    code: "too_many_attempts",
    detail: "too many wrong check-in codes; try again later",
};

/// Codes compared per client address within ten minutes, whoever sends them: enough for a
/// room of participants behind one network who mistype now and then, too few for one
/// person with several accounts to guess.
pub const WRONG_CODES_PER_ADDRESS: Limit = Limit {
    max: 30,
    window: Duration::minutes(10),
    code: "too_many_attempts",
    detail: "too many wrong check-in codes from this address; try again later",
};

/// One entry of a marking request.
#[derive(Debug, Clone)]
pub struct Mark {
    /// The registration.
    pub registration_id: Uuid,
    /// Its attendance.
    pub status: AttendanceStatus,
    /// An optional note.
    pub note: Option<String>,
}

/// One line of a session's list: a registration, its person and attendance (none when
/// not yet marked).
#[derive(Debug, Clone)]
pub struct Line {
    /// The registration.
    pub registration: registration::Model,
    /// Its person.
    pub user: user::Model,
    /// The attendance record, if marked.
    pub attendance: Option<attendance::Model>,
}

/// A session with its edition.
struct Context {
    session: session::Model,
    edition: edition::Model,
}

/// A session and its edition, read without taking any lock: for reads (the list, the
/// code, check-in's first look), which must never wait behind a write holding the
/// edition.
async fn context(db: &impl ConnectionTrait, session_id: Uuid) -> DomainResult<Context> {
    let session = find_session(db, session_id).await?;
    let edition = edition::Entity::find_by_id(session.edition_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("edition"))?;
    Ok(Context { session, edition })
}

/// A session and its edition, the edition locked: only inside a write transaction, where
/// the lock serialises the edition's changes until the commit.
async fn locked_context(txn: &DatabaseTransaction, session_id: Uuid) -> DomainResult<Context> {
    let session = find_session(txn, session_id).await?;
    let edition = editions::record::lock(txn, session.edition_id).await?;
    Ok(Context { session, edition })
}

async fn find_session(db: &impl ConnectionTrait, session_id: Uuid) -> DomainResult<session::Model> {
    session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("session"))
}

/// Admins and the edition's trainers; anyone else learns only what the catalogue shows.
async fn require_teacher(
    db: &impl ConnectionTrait,
    actor: &Principal,
    e: &edition::Model,
) -> DomainResult<()> {
    if actor.is_admin() || editions::access::is_trainer_of(db, actor, e.id).await? {
        return Ok(());
    }
    Err(hidden_or_forbidden(
        e,
        "this is for admins and the edition's trainers",
    ))
}

fn hidden_or_forbidden(e: &edition::Model, detail: &str) -> DomainError {
    if e.status == EditionStatus::Draft {
        DomainError::NotFound("session")
    } else {
        DomainError::forbidden(detail)
    }
}

fn require_open(e: &edition::Model, s: &session::Model) -> DomainResult<()> {
    match e.status {
        EditionStatus::Closed => Err(DomainError::conflict(
            "edition_closed",
            "the edition is closed; an admin re-opens it to correct attendance",
        )),
        EditionStatus::Cancelled => Err(DomainError::conflict(
            "edition_cancelled",
            "the edition is cancelled",
        )),
        _ if s.status == SessionStatus::Cancelled => Err(DomainError::conflict(
            "session_cancelled",
            "the session is cancelled",
        )),
        _ => Ok(()),
    }
}

/// Checks the shape of a marking request before anything is read; blank notes are none.
fn check_marks(marks: &[Mark]) -> DomainResult<Vec<Mark>> {
    let mut errors = Vec::new();
    let mut clean = Vec::with_capacity(marks.len());
    if marks.is_empty() {
        errors.push(FieldError::new("records", "at least one record is needed"));
    }
    if marks.len() > MAX_RECORDS {
        errors.push(FieldError::new(
            "records",
            format!("at most {MAX_RECORDS} records per request"),
        ));
    }
    let mut seen = HashSet::new();
    for (i, m) in marks.iter().enumerate() {
        if !seen.insert(m.registration_id) {
            errors.push(FieldError::new(
                format!("records[{i}].registration_id"),
                "appears more than once",
            ));
        }
        let note = values::keep(
            &mut errors,
            values::optional_text(&format!("records[{i}].note"), m.note.as_deref(), 500),
        );
        clean.push(Mark {
            note: note.flatten(),
            ..m.clone()
        });
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(DomainError::Validation(errors))
    }
}

/// Marks many registrations of one session at once: all or nothing. Re-marking replaces;
/// unchanged entries write nothing. Only confirmed registrations of the session's edition;
/// any other id fails the whole request with each offending entry named.
pub async fn mark(
    db: &DatabaseConnection,
    actor: &Principal,
    session_id: Uuid,
    marks: &[Mark],
) -> DomainResult<Vec<Line>> {
    let marks = &check_marks(marks)?;
    let by = actor_of(actor);
    let edition_id = retrying(|| async {
        let now = super::now();
        let txn = begin_write(db).await?;
        let cx = locked_context(&txn, session_id).await?;
        require_teacher(&txn, actor, &cx.edition).await?;
        require_open(&cx.edition, &cx.session)?;
        let early = marks.iter().any(|m| m.status != AttendanceStatus::Excused)
            && now < cx.session.starts_at - CHECK_IN_OPENS;
        if early {
            return Err(DomainError::conflict(
                "session_not_started",
                "before a session only 'excused' can be marked",
            ));
        }
        let ids: Vec<Uuid> = marks.iter().map(|m| m.registration_id).collect();
        let found: HashMap<Uuid, registration::Model> = registration::Entity::find()
            .filter(registration::Column::Id.is_in(ids.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        refuse_own(actor, marks, &found)?;
        let mut errors = Vec::new();
        for (i, m) in marks.iter().enumerate() {
            let field = format!("records[{i}].registration_id");
            match found.get(&m.registration_id) {
                Some(r) if r.edition_id == cx.edition.id => {
                    if r.status != RegistrationStatus::Confirmed {
                        errors.push(FieldError::new(
                            field,
                            "the registration is not confirmed; only confirmed registrations are marked",
                        ));
                    }
                }
                _ => errors.push(FieldError::new(
                    field,
                    "no registration of this session's edition has this id",
                )),
            }
        }
        if !errors.is_empty() {
            return Err(DomainError::Validation(errors));
        }
        let existing: HashMap<Uuid, attendance::Model> = attendance::Entity::find()
            .filter(attendance::Column::SessionId.eq(session_id))
            .filter(attendance::Column::RegistrationId.is_in(ids.clone()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|a| (a.registration_id, a))
            .collect();
        let mut inserts = Vec::new();
        let mut events = Vec::new();
        let mut hooks = Vec::new();
        for m in marks {
            let before = existing.get(&m.registration_id);
            if before.is_some_and(|b| b.status == m.status && b.note == m.note) {
                continue;
            }
            // Partners hear of attendance, not of the trainer's notes.
            if let Some(reg) = found
                .get(&m.registration_id)
                .filter(|_| before.is_none_or(|b| b.status != m.status))
            {
                hooks.push(webhooks::Event::attendance(
                    session_id,
                    cx.edition.id,
                    reg.id,
                    reg.user_id,
                    &m.status.to_value(),
                ));
            }
            events.push(event(
                m.registration_id,
                session_id,
                AttendanceAction::Marked,
                before,
                m.status,
                m.note.clone(),
                by,
                now,
            ));
            match before {
                Some(b) => {
                    let mut active: attendance::ActiveModel = b.clone().into();
                    active.status = Set(m.status);
                    active.note = Set(m.note.clone());
                    active.marked_by_kind = Set(by.kind);
                    active.marked_by_id = Set(by.id);
                    active.marked_at = Set(now);
                    active.update(&txn).await?;
                }
                None => inserts.push(attendance::ActiveModel {
                    registration_id: Set(m.registration_id),
                    session_id: Set(session_id),
                    status: Set(m.status),
                    note: Set(m.note.clone()),
                    marked_by_kind: Set(by.kind),
                    marked_by_id: Set(by.id),
                    marked_at: Set(now),
                    checked_in_at: Set(None),
                    checked_out_at: Set(None),
                }),
            }
        }
        for chunk in inserts.chunks(100) {
            attendance::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in events.chunks(100) {
            attendance_event::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        webhooks::emit(&txn, hooks, now).await?;
        txn.commit().await?;
        Ok(cx.edition.id)
    })
    .await?;
    let (lines, _) = list_lines(
        db,
        session_id,
        edition_id,
        None,
        None,
        Scope::Only(ids_of(marks)),
    )
    .await?;
    Ok(lines)
}

/// Nobody but an admin marks their own registration: a trainer registered for an edition
/// they teach is marked by another trainer or an admin.
fn refuse_own(
    actor: &Principal,
    marks: &[Mark],
    found: &HashMap<Uuid, registration::Model>,
) -> DomainResult<()> {
    if actor.is_admin() {
        return Ok(());
    }
    let own = marks.iter().position(|m| {
        found
            .get(&m.registration_id)
            .is_some_and(|r| r.user_id == actor.id)
    });
    match own {
        Some(i) => Err(DomainError::self_marking(format!(
            "records[{i}] is your own registration; another trainer or an admin marks it"
        ))),
        None => Ok(()),
    }
}

fn ids_of(marks: &[Mark]) -> Vec<Uuid> {
    marks.iter().map(|m| m.registration_id).collect()
}

#[expect(clippy::too_many_arguments, reason = "one audit row's fields")]
fn event(
    registration_id: Uuid,
    session_id: Uuid,
    action: AttendanceAction,
    before: Option<&attendance::Model>,
    to: AttendanceStatus,
    note: Option<String>,
    by: ActorRef,
    at: DateTime<Utc>,
) -> attendance_event::ActiveModel {
    attendance_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        registration_id: Set(registration_id),
        session_id: Set(session_id),
        action: Set(action),
        from_status: Set(before.map(|b| b.status)),
        to_status: Set(to),
        from_note: Set(before.and_then(|b| b.note.clone())),
        to_note: Set(note),
        actor_kind: Set(by.kind),
        actor_id: Set(by.id),
        at: Set(at),
    }
}

/// A session's list: every confirmed registration of its edition and anyone else with a
/// record for it, with their attendance. Admins and trainers see everyone; HR their own
/// organisation's people.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Principal,
    session_id: Uuid,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<Line>, Option<String>)> {
    let cx = context(db, session_id).await?;
    let everyone =
        actor.is_admin() || editions::access::is_trainer_of(db, actor, cx.edition.id).await?;
    let own_org = if everyone {
        None
    } else if actor.has_role(Role::Hr)
        && actor.org.is_some()
        && cx.edition.status != EditionStatus::Draft
    {
        actor.org
    } else {
        return Err(hidden_or_forbidden(
            &cx.edition,
            "attendance is for admins, the edition's trainers and HR",
        ));
    };
    list_lines(
        db,
        session_id,
        cx.edition.id,
        limit,
        cursor,
        Scope::Organization(own_org),
    )
    .await
}

/// Which lines of a session a list holds.
enum Scope {
    /// Everyone, or one organisation's people.
    Organization(Option<Uuid>),
    /// These registrations (the answer to a marking request).
    Only(Vec<Uuid>),
}

async fn list_lines(
    db: &impl ConnectionTrait,
    session_id: Uuid,
    edition_id: Uuid,
    limit: Option<u32>,
    cursor: Option<&str>,
    scope: Scope,
) -> DomainResult<(Vec<Line>, Option<String>)> {
    let page = PageRequest::parse(limit, cursor)?;
    let whole = matches!(scope, Scope::Only(_));
    let marked = Query::select()
        .column(attendance::Column::RegistrationId)
        .from(attendance::Entity)
        .and_where(attendance::Column::SessionId.eq(session_id))
        .to_owned();
    let mut q = registration::Entity::find()
        .find_also_related(user::Entity)
        .filter(registration::Column::EditionId.eq(edition_id))
        .filter(
            Condition::any()
                .add(registration::Column::Status.eq(RegistrationStatus::Confirmed))
                .add(registration::Column::Id.in_subquery(marked)),
        );
    match scope {
        Scope::Only(ids) => q = q.filter(registration::Column::Id.is_in(ids)),
        Scope::Organization(org) => {
            if let Some(org) = org {
                q = q.filter(user::Column::OrganizationId.eq(org));
            }
            if let Some(after) = page.after {
                q = q.filter(registration::Column::Id.gt(after));
            }
            q = q.limit(page.fetch());
        }
    }
    let rows = q.order_by_asc(registration::Column::Id).all(db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|(r, _)| r.id).collect();
    let mut records: HashMap<Uuid, attendance::Model> = attendance::Entity::find()
        .filter(attendance::Column::SessionId.eq(session_id))
        .filter(attendance::Column::RegistrationId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.registration_id, a))
        .collect();
    let lines = rows
        .into_iter()
        .filter_map(|(registration, user)| {
            let attendance = records.remove(&registration.id);
            user.map(|user| Line {
                registration,
                user,
                attendance,
            })
        })
        .collect();
    if whole {
        return Ok((lines, None));
    }
    Ok(page.finish(lines, |l| l.registration.id))
}

/// A session's attendance changes, oldest first (admins).
pub async fn history(
    db: &DatabaseConnection,
    session_id: Uuid,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> DomainResult<(Vec<attendance_event::Model>, Option<String>)> {
    let page = PageRequest::parse(limit, cursor)?;
    session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("session"))?;
    let mut q =
        attendance_event::Entity::find().filter(attendance_event::Column::SessionId.eq(session_id));
    if let Some(after) = page.after {
        q = q.filter(attendance_event::Column::Id.gt(after));
    }
    let rows = q
        .order_by_asc(attendance_event::Column::Id)
        .limit(page.fetch())
        .all(db)
        .await?;
    Ok(page.finish(rows, |e| e.id))
}

/// A session's current check-in code.
#[derive(Debug, Clone)]
pub struct CheckInCode {
    /// Six digits.
    pub code: String,
    /// When the next code replaces it on screen.
    pub rotates_at: DateTime<Utc>,
    /// When it stops being accepted (one period after it rotates).
    pub expires_at: DateTime<Utc>,
}

fn code_for(secret: &[u8; 32], session_id: Uuid, period: i64) -> String {
    // HOTP-style (RFC 4226) dynamic truncation of an HMAC over the session and period.
    let digest = hmac_sha256(secret, &[session_id.as_bytes(), &period.to_be_bytes()]);
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let word = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", word % 1_000_000)
}

fn period_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(CODE_PERIOD_SECONDS)
}

/// The code a trainer shows for a session now (admins and the edition's trainers).
pub async fn current_code(
    db: &DatabaseConnection,
    actor: &Principal,
    secret: &[u8; 32],
    session_id: Uuid,
) -> DomainResult<CheckInCode> {
    let cx = context(db, session_id).await?;
    require_teacher(db, actor, &cx.edition).await?;
    require_open(&cx.edition, &cx.session)?;
    let now = super::now();
    let period = period_of(now);
    let rotates_at = DateTime::from_timestamp((period + 1) * CODE_PERIOD_SECONDS, 0)
        .ok_or_else(|| DomainError::Internal("time out of range".into()))?;
    Ok(CheckInCode {
        code: code_for(secret, session_id, period),
        rotates_at,
        expires_at: rotates_at + Duration::seconds(CODE_PERIOD_SECONDS),
    })
}

/// Check-in or check-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Arriving (joining an online session).
    In,
    /// Leaving (an online session).
    Out,
}

/// A participant checks in (or out) with the code shown in the session. Within the
/// session's time (from 30 minutes before the start to its end); late after 15 minutes.
/// Every attempt that gets as far as comparing the code is counted first, in one atomic
/// step, so parallel guesses cannot slip past the limit; a right code gives its attempt
/// back. After five wrong codes in ten minutes the person must wait.
pub async fn check(
    db: &DatabaseConnection,
    actor: &Principal,
    secret: &[u8; 32],
    session_id: Uuid,
    code: &str,
    presence: Presence,
    client: &str,
) -> DomainResult<attendance::Model> {
    if actor.kind != SubjectKind::User {
        return Err(DomainError::forbidden("participants check in themselves"));
    }
    let now = super::now();
    let cx = context(db, session_id).await?;
    let own = registration::Entity::find()
        .filter(registration::Column::EditionId.eq(cx.edition.id))
        .filter(registration::Column::UserId.eq(actor.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .one(db)
        .await?;
    let Some(own) = own else {
        return Err(hidden_or_forbidden(
            &cx.edition,
            "only people with a confirmed registration check in",
        ));
    };
    if !actor.is_admin() && editions::access::is_trainer_of(db, actor, cx.edition.id).await? {
        return Err(DomainError::self_marking(
            "you teach this edition and see its code; another trainer or an admin marks you",
        ));
    }
    require_open(&cx.edition, &cx.session)?;
    if now < cx.session.starts_at - CHECK_IN_OPENS || now > cx.session.ends_at {
        return Err(DomainError::conflict(
            "check_in_closed",
            "checking in is possible from 30 minutes before the session until its end",
        ));
    }
    // Claim the attempt before comparing: the counter's upsert is atomic, so of any
    // number of parallel requests at most the limit get to compare a code.
    // Per client address first, then per person and session; an attempt the second
    // refuses was not compared and is given back to the first.
    let address_key = format!("check-in address:{client}");
    limits::hit(db, &address_key, WRONG_CODES_PER_ADDRESS, now).await?;
    let key = format!("check-in:{}:{}", actor.id, session_id);
    if let Err(e) = limits::hit(db, &key, WRONG_CODES, now).await {
        limits::refund(db, &address_key).await?;
        return Err(e);
    }
    let period = period_of(now);
    let typed = code.trim();
    let matches = [period, period - 1]
        .into_iter()
        .any(|p| constant_time_eq(code_for(secret, session_id, p).as_bytes(), typed.as_bytes()));
    if !matches {
        return Err(DomainError::invalid(
            "code",
            "wrong or expired check-in code",
        ));
    }
    limits::refund(db, &key).await?;
    limits::refund(db, &address_key).await?;
    let by = actor_of(actor);
    let status = if now > cx.session.starts_at + LATE_AFTER {
        AttendanceStatus::Late
    } else {
        AttendanceStatus::Present
    };
    retrying(|| async {
        let txn = begin_write(db).await?;
        let cx = locked_context(&txn, session_id).await?;
        require_open(&cx.edition, &cx.session)?;
        let before = attendance::Entity::find_by_id((own.id, session_id))
            .one(&txn)
            .await?;
        let previous = before.clone();
        let row = match (presence, before) {
            (Presence::In, None) => {
                let row = attendance::ActiveModel {
                    registration_id: Set(own.id),
                    session_id: Set(session_id),
                    status: Set(status),
                    note: Set(None),
                    marked_by_kind: Set(by.kind),
                    marked_by_id: Set(by.id),
                    marked_at: Set(now),
                    checked_in_at: Set(Some(now)),
                    checked_out_at: Set(None),
                }
                .insert(&txn)
                .await?;
                event(
                    own.id,
                    session_id,
                    AttendanceAction::CheckedIn,
                    None,
                    status,
                    None,
                    by,
                    now,
                )
                .insert(&txn)
                .await?;
                row
            }
            (Presence::In, Some(b)) => {
                let attended =
                    matches!(b.status, AttendanceStatus::Present | AttendanceStatus::Late);
                if attended && b.checked_in_at.is_some() {
                    // Checking in again (a rejoin) changes nothing.
                    b
                } else {
                    let to = if attended { b.status } else { status };
                    let mut active: attendance::ActiveModel = b.clone().into();
                    active.status = Set(to);
                    active.checked_in_at = Set(Some(b.checked_in_at.unwrap_or(now)));
                    if !attended {
                        active.marked_by_kind = Set(by.kind);
                        active.marked_by_id = Set(by.id);
                        active.marked_at = Set(now);
                    }
                    let row = active.update(&txn).await?;
                    event(
                        own.id,
                        session_id,
                        AttendanceAction::CheckedIn,
                        Some(&b),
                        to,
                        b.note.clone(),
                        by,
                        now,
                    )
                    .insert(&txn)
                    .await?;
                    row
                }
            }
            (Presence::Out, Some(b)) if b.checked_in_at.is_some() => {
                let mut active: attendance::ActiveModel = b.clone().into();
                active.checked_out_at = Set(Some(now));
                let row = active.update(&txn).await?;
                event(
                    own.id,
                    session_id,
                    AttendanceAction::CheckedOut,
                    Some(&b),
                    b.status,
                    b.note.clone(),
                    by,
                    now,
                )
                .insert(&txn)
                .await?;
                row
            }
            (Presence::Out, _) => {
                return Err(DomainError::conflict(
                    "not_checked_in",
                    "check in before checking out",
                ));
            }
        };
        if previous.as_ref().is_none_or(|b| b.status != row.status) {
            let hook = webhooks::Event::attendance(
                session_id,
                cx.edition.id,
                own.id,
                own.user_id,
                &row.status.to_value(),
            );
            webhooks::emit(&txn, vec![hook], now).await?;
        }
        txn.commit().await?;
        Ok(row)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_rotate() {
        let secret = [7u8; 32];
        let s = Uuid::now_v7();
        let a = code_for(&secret, s, 1_000);
        assert_eq!(a.len(), 6);
        assert!(a.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(a, code_for(&secret, s, 1_000));
        let differing = (1_001..1_011)
            .filter(|p| code_for(&secret, s, *p) != a)
            .count();
        assert!(differing >= 9);
        assert_ne!(code_for(&[8u8; 32], s, 1_000), a);
    }
}
