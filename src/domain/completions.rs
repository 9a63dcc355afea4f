//! Completion: when an edition closes, each confirmed registration that meets the
//! course's rule completes and gets a certificate. Present and late count as attended;
//! excused and absent do not; cancelled sessions do not count in the total. Closing again
//! after a correction settles only what changed. E-learning modules have no sessions: a
//! trainer or admin marks a registration done with a date.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    AttendanceStatus, CompletionSource, CourseKind, EditionStatus, RegistrationStatus,
    SessionStatus, attendance, completion, course, edition, registration, session,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use uuid::Uuid;

use super::actor::{ActorRef, actor_of};
use super::certificates::{self, Issuing, Settled};
use super::time::local_day;
use super::{editions, values};
use crate::auth::tokens::Principal;
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult};

/// Whether attending `attended` of `counted` sessions meets a minimum percentage.
/// Exact for the fractions that occur (7 of 8 is 87.5 %): compared as attended × 100 ≥
/// percent × counted with a tolerance far below one session.
pub fn rule_met(attended: u32, counted: u32, min_percent: f64) -> bool {
    counted > 0 && f64::from(attended) * 100.0 + 1e-6 >= min_percent * f64::from(counted)
}

/// What closing (or marking) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Confirmed registrations that completed.
    pub completed: u32,
    /// Confirmed registrations that did not.
    pub not_completed: u32,
    /// Certificates issued.
    pub issued: u32,
    /// Certificates valid again after a correction.
    pub reinstated: u32,
    /// Certificates revoked because a correction took the completion away.
    pub withdrawn: u32,
}

impl Outcome {
    fn count(&mut self, s: Settled) {
        match s {
            Settled::Issued => self.issued += 1,
            Settled::Reinstated => self.reinstated += 1,
            Settled::Unchanged | Settled::StaysRevoked => {}
        }
    }
}

/// Settles an edition being closed, inside the closing transaction: computes each
/// confirmed registration's completion from attendance and brings completions and
/// certificates in line with it.
pub async fn settle(
    db: &impl ConnectionTrait,
    e: &edition::Model,
    c: &course::Model,
    issuer: &str,
    by: ActorRef,
    now: DateTime<Utc>,
) -> DomainResult<Outcome> {
    let confirmed = registration::Entity::find()
        .filter(registration::Column::EditionId.eq(e.id))
        .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
        .all(db)
        .await?;
    let existing: HashMap<Uuid, completion::Model> = completion::Entity::find()
        .filter(completion::Column::EditionId.eq(e.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.registration_id, c))
        .collect();
    let issuing = Issuing::load(db, e, c, issuer, by, now).await?;
    let people: Vec<Uuid> = confirmed.iter().map(|r| r.user_id).collect();
    let holders = certificates::holders(db, &people).await?;
    let holder =
        |r: &registration::Model| holders.get(&r.user_id).ok_or(DomainError::NotFound("user"));
    let mut outcome = Outcome::default();
    if c.kind == CourseKind::Elearning {
        // Marked one by one; closing only makes sure every marked completion holds its
        // certificate.
        for r in &confirmed {
            match existing.get(&r.id) {
                Some(done) => {
                    outcome.completed += 1;
                    let h = holder(r)?;
                    outcome.count(
                        certificates::settle_completed(db, &issuing, r, h, done.completed_on)
                            .await?,
                    );
                }
                None => outcome.not_completed += 1,
            }
        }
        return Ok(outcome);
    }
    let counted: Vec<session::Model> = session::Entity::find()
        .filter(session::Column::EditionId.eq(e.id))
        .filter(session::Column::Status.eq(SessionStatus::Scheduled))
        .all(db)
        .await?;
    let counted_ids: Vec<Uuid> = counted.iter().map(|s| s.id).collect();
    let completed_on = counted.iter().map(|s| s.ends_at).max().map(local_day);
    let mut attended: HashMap<Uuid, u32> = HashMap::new();
    for a in attendance::Entity::find()
        .filter(attendance::Column::SessionId.is_in(counted_ids))
        .filter(
            attendance::Column::Status.is_in([AttendanceStatus::Present, AttendanceStatus::Late]),
        )
        .all(db)
        .await?
    {
        *attended.entry(a.registration_id).or_default() += 1;
    }
    let total = u32::try_from(counted.len()).unwrap_or(u32::MAX);
    let mut still_complete = Vec::new();
    for r in &confirmed {
        let n = attended.get(&r.id).copied().unwrap_or(0);
        let met = rule_met(n, total, c.min_attendance_percent);
        let (n_stored, total_stored) = (
            i32::try_from(n).unwrap_or(i32::MAX),
            i32::try_from(total).unwrap_or(i32::MAX),
        );
        match (met, completed_on) {
            (true, Some(day)) => {
                outcome.completed += 1;
                still_complete.push(r.id);
                let row = completion::ActiveModel {
                    registration_id: Set(r.id),
                    edition_id: Set(e.id),
                    user_id: Set(r.user_id),
                    completed_on: Set(day),
                    sessions_attended: Set(n_stored),
                    sessions_counted: Set(total_stored),
                    source: Set(CompletionSource::Attendance),
                    decided_by_kind: Set(by.kind),
                    decided_by_id: Set(by.id),
                    decided_at: Set(now),
                };
                match existing.get(&r.id) {
                    Some(before)
                        if before.completed_on == day
                            && before.sessions_attended == n_stored
                            && before.sessions_counted == total_stored => {}
                    Some(_) => {
                        row.update(db).await?;
                    }
                    None => {
                        row.insert(db).await?;
                    }
                }
                let h = holder(r)?;
                outcome.count(certificates::settle_completed(db, &issuing, r, h, day).await?);
            }
            _ => outcome.not_completed += 1,
        }
    }
    // Completions the correction took away, also of registrations no longer confirmed.
    for (registration_id, _) in existing
        .into_iter()
        .filter(|(id, _)| !still_complete.contains(id))
    {
        completion::Entity::delete_by_id(registration_id)
            .exec(db)
            .await?;
        if certificates::withdraw(db, registration_id, by, now).await? {
            outcome.withdrawn += 1;
        }
    }
    Ok(outcome)
}

/// Marks an e-learning registration done on a date (its trainers and admins) and issues
/// its certificate at once.
pub async fn mark_done(
    db: &DatabaseConnection,
    actor: &Principal,
    registration_id: Uuid,
    completed_on: NaiveDate,
    issuer: &str,
) -> DomainResult<(completion::Model, Settled)> {
    values::day("completed_on", completed_on).map_err(|e| DomainError::Validation(vec![e]))?;
    let by = actor_of(actor);
    retrying(|| async {
        let now = super::now();
        if completed_on > local_day(now) {
            return Err(DomainError::invalid(
                "completed_on",
                "must not be in the future",
            ));
        }
        let txn = begin_write(db).await?;
        let (reg, e) = markable(&txn, actor, registration_id).await?;
        if reg.status != RegistrationStatus::Confirmed {
            return Err(DomainError::conflict(
                "registration_not_active",
                "only confirmed registrations complete",
            ));
        }
        let row = completion::ActiveModel {
            registration_id: Set(reg.id),
            edition_id: Set(e.id),
            user_id: Set(reg.user_id),
            completed_on: Set(completed_on),
            sessions_attended: Set(0),
            sessions_counted: Set(0),
            source: Set(CompletionSource::Marked),
            decided_by_kind: Set(by.kind),
            decided_by_id: Set(by.id),
            decided_at: Set(now),
        };
        let exists = completion::Entity::find_by_id(reg.id)
            .one(&txn)
            .await?
            .is_some();
        let row = if exists {
            row.update(&txn).await?
        } else {
            row.insert(&txn).await?
        };
        let c = course::Entity::find_by_id(e.course_id)
            .one(&txn)
            .await?
            .ok_or(DomainError::NotFound("course"))?;
        let issuing = Issuing::load(&txn, &e, &c, issuer, by, now).await?;
        let holder = certificates::holders(&txn, &[reg.user_id])
            .await?
            .remove(&reg.user_id)
            .ok_or(DomainError::NotFound("user"))?;
        let settled =
            certificates::settle_completed(&txn, &issuing, &reg, &holder, completed_on).await?;
        txn.commit().await?;
        Ok((row, settled))
    })
    .await
}

/// Takes an e-learning completion back (a mistake): its certificate is revoked as
/// withdrawn.
pub async fn unmark(
    db: &DatabaseConnection,
    actor: &Principal,
    registration_id: Uuid,
) -> DomainResult<()> {
    let by = actor_of(actor);
    retrying(|| async {
        let txn = begin_write(db).await?;
        let (reg, _) = markable(&txn, actor, registration_id).await?;
        let deleted = completion::Entity::delete_by_id(reg.id).exec(&txn).await?;
        if deleted.rows_affected == 0 {
            return Err(DomainError::NotFound("completion"));
        }
        certificates::withdraw(&txn, reg.id, by, super::now()).await?;
        txn.commit().await?;
        Ok(())
    })
    .await
}

/// The registration and its (locked) edition, if the actor may mark it: admins and the
/// edition's trainers, e-learning editions that are published. A trainer's own
/// registration is someone else's to decide (`self_marking`).
async fn markable(
    db: &impl ConnectionTrait,
    actor: &Principal,
    registration_id: Uuid,
) -> DomainResult<(registration::Model, edition::Model)> {
    let reg = registration::Entity::find_by_id(registration_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("registration"))?;
    let e = editions::record::lock(db, reg.edition_id).await?;
    if !(actor.is_admin() || editions::access::is_trainer_of(db, actor, e.id).await?) {
        return Err(DomainError::NotFound("registration"));
    }
    if reg.user_id == actor.id && !actor.is_admin() {
        return Err(DomainError::self_marking(
            "this is your own registration; another trainer or an admin decides its completion",
        ));
    }
    let c = course::Entity::find_by_id(e.course_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("course"))?;
    if c.kind != CourseKind::Elearning {
        return Err(DomainError::conflict(
            "not_elearning",
            "completion is marked by hand for e-learning only; other courses complete when the edition closes",
        ));
    }
    match e.status {
        EditionStatus::Published => Ok((reg, e)),
        EditionStatus::Closed => Err(DomainError::conflict(
            "edition_closed",
            "the edition is closed; an admin re-opens it for corrections",
        )),
        EditionStatus::Cancelled => Err(DomainError::conflict(
            "edition_cancelled",
            "the edition is cancelled",
        )),
        EditionStatus::Draft => Err(DomainError::conflict(
            "edition_not_open",
            "the edition is not published",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::rule_met;

    #[test]
    fn the_rule_counts_exactly() {
        assert!(rule_met(7, 8, 87.5));
        assert!(!rule_met(6, 8, 87.5));
        assert!(rule_met(8, 8, 100.0));
        assert!(!rule_met(7, 8, 100.0));
        assert!(rule_met(2, 3, 66.666_666_7 - 1e-7));
        assert!(rule_met(1, 3, 33.333_333));
        assert!(!rule_met(0, 0, 50.0));
        assert!(rule_met(1, 1, 100.0));
    }
}
