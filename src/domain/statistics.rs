//! Figures of one edition (admins and its trainers) and the academy's overview per
//! period, course or organisation (admins). Counted from the rows on every read, never
//! kept as counters, so corrections and erasures keep them right.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    AttendanceStatus, CertificateStatus, EditionStatus, RegistrationStatus, SessionStatus,
    attendance, certificate, certificate_accreditation, completion, course, edition, evaluation,
    organization, registration, registration_event, session, user,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::tokens::Principal;
use crate::error::DomainResult;

use super::editions;
use super::time::local_day;
use super::values::mean;

/// Attendance at one session.
#[derive(Debug, Clone, Default)]
pub struct SessionFigures {
    /// The session.
    pub session_id: Uuid,
    /// Its start.
    pub starts_at: DateTime<Utc>,
    /// Whether it was cancelled.
    pub cancelled: bool,
    /// Present.
    pub present: u32,
    /// Late.
    pub late: u32,
    /// Excused.
    pub excused: u32,
    /// Absent.
    pub absent: u32,
    /// Confirmed registrations without a record.
    pub unmarked: u32,
}

/// The figures of one edition.
#[derive(Debug, Clone, Default)]
pub struct EditionFigures {
    /// Seats.
    pub capacity: i32,
    /// Confirmed registrations now.
    pub confirmed: u32,
    /// Confirmed ÷ capacity.
    pub fill_rate: f64,
    /// Waiting now.
    pub waitlist_length: u32,
    /// The longest the waiting list has been.
    pub waitlist_peak: u32,
    /// Cancellations in all.
    pub cancellations: u32,
    /// Cancellations after the deadline.
    pub late_cancellations: u32,
    /// Per session.
    pub sessions: Vec<SessionFigures>,
    /// Absent ÷ marked records of sessions that took place; `None` before any.
    pub no_show_rate: Option<f64>,
    /// Completed ÷ confirmed, once the edition is closed.
    pub completion_rate: Option<f64>,
    /// Evaluations given.
    pub evaluations: u32,
    /// Their mean score.
    pub evaluation_mean: Option<f64>,
}

fn ratio(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| (f64::from(part) / f64::from(whole) * 1000.0).round() / 1000.0)
}

/// The figures of one edition, for admins and its trainers.
pub async fn edition(
    db: &DatabaseConnection,
    actor: &Principal,
    edition_id: Uuid,
) -> DomainResult<EditionFigures> {
    let e = editions::access::for_staff(
        db,
        actor,
        edition_id,
        "edition figures are for admins and the edition's trainers",
    )
    .await?;
    let regs = registration::Entity::find()
        .filter(registration::Column::EditionId.eq(edition_id))
        .all(db)
        .await?;
    let confirmed: Vec<Uuid> = regs
        .iter()
        .filter(|r| r.status == RegistrationStatus::Confirmed)
        .map(|r| r.id)
        .collect();
    let mut f = EditionFigures {
        capacity: e.capacity,
        confirmed: u32::try_from(confirmed.len()).unwrap_or(u32::MAX),
        ..EditionFigures::default()
    };
    f.fill_rate = ratio(f.confirmed, u32::try_from(e.capacity).unwrap_or(0)).unwrap_or(0.0);
    for r in &regs {
        match r.status {
            RegistrationStatus::Waitlisted => f.waitlist_length += 1,
            RegistrationStatus::Cancelled => {
                f.cancellations += 1;
                if r.late_cancellation {
                    f.late_cancellations += 1;
                }
            }
            _ => {}
        }
    }
    // The waiting list's peak: replay every move onto and off it in time order.
    let ids: Vec<Uuid> = regs.iter().map(|r| r.id).collect();
    let mut waiting: i64 = 0;
    for ev in registration_event::Entity::find()
        .filter(registration_event::Column::RegistrationId.is_in(ids.clone()))
        .order_by_asc(registration_event::Column::At)
        .order_by_asc(registration_event::Column::Id)
        .all(db)
        .await?
    {
        let onto = ev.to_status == RegistrationStatus::Waitlisted;
        let off = ev.from_status == Some(RegistrationStatus::Waitlisted);
        waiting += i64::from(onto) - i64::from(off);
        f.waitlist_peak = f.waitlist_peak.max(u32::try_from(waiting).unwrap_or(0));
    }
    let sessions = session::Entity::find()
        .filter(session::Column::EditionId.eq(edition_id))
        .order_by_asc(session::Column::StartsAt)
        .all(db)
        .await?;
    let records = attendance::Entity::find()
        .filter(attendance::Column::RegistrationId.is_in(ids))
        .all(db)
        .await?;
    let now = super::now();
    let (mut absent, mut marked) = (0u32, 0u32);
    for s in &sessions {
        let mut sf = SessionFigures {
            session_id: s.id,
            starts_at: s.starts_at,
            cancelled: s.status == SessionStatus::Cancelled,
            ..SessionFigures::default()
        };
        let mut seen = 0u32;
        for a in records
            .iter()
            .filter(|a| a.session_id == s.id && confirmed.contains(&a.registration_id))
        {
            seen += 1;
            match a.status {
                AttendanceStatus::Present => sf.present += 1,
                AttendanceStatus::Late => sf.late += 1,
                AttendanceStatus::Excused => sf.excused += 1,
                AttendanceStatus::Absent => sf.absent += 1,
            }
        }
        sf.unmarked = f.confirmed.saturating_sub(seen);
        if !sf.cancelled && s.starts_at <= now {
            absent += sf.absent;
            marked += seen;
        }
        f.sessions.push(sf);
    }
    f.no_show_rate = ratio(absent, marked);
    if e.status == EditionStatus::Closed {
        let done = completion::Entity::find()
            .filter(completion::Column::EditionId.eq(edition_id))
            .all(db)
            .await?
            .len();
        f.completion_rate = ratio(u32::try_from(done).unwrap_or(u32::MAX), f.confirmed);
    }
    let scores = evaluation::Entity::find()
        .filter(evaluation::Column::EditionId.eq(edition_id))
        .all(db)
        .await?;
    f.evaluations = u32::try_from(scores.len()).unwrap_or(u32::MAX);
    f.evaluation_mean = mean(
        scores.iter().map(|s| f64::from(s.score)).sum::<f64>() + 0.0,
        f.evaluations,
    );
    Ok(f)
}

/// How the overview groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    /// Per calendar month (Europe/Amsterdam).
    Month,
    /// Per course.
    Course,
    /// Per organisation (of the people).
    Organization,
}

/// One row of the overview.
#[derive(Debug, Clone, Default)]
pub struct OverviewRow {
    /// The month (`2026-09`), course id or organisation id.
    pub key: String,
    /// The month again, the course title or the organisation's name.
    pub label: String,
    /// Registrations made (any outcome).
    pub registrations: u32,
    /// Completions.
    pub completions: u32,
    /// Points of valid certificates per register.
    pub points: BTreeMap<String, f64>,
    /// Evaluations given.
    pub evaluations: u32,
    /// Their mean score.
    pub evaluation_mean: Option<f64>,
    sum: f64,
}

/// The academy's figures from `from` to `to` (inclusive days), grouped.
pub async fn overview(
    db: &DatabaseConnection,
    from: NaiveDate,
    to: NaiveDate,
    grouping: Grouping,
) -> DomainResult<Vec<OverviewRow>> {
    let inside = |d: NaiveDate| d >= from && d <= to;
    let courses: HashMap<Uuid, String> = course::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.title))
        .collect();
    let orgs: HashMap<Uuid, String> = organization::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let edition_course: HashMap<Uuid, Uuid> = edition::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.course_id))
        .collect();
    let person_org: HashMap<Uuid, Uuid> = user::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.organization_id))
        .collect();
    let mut rows: BTreeMap<String, OverviewRow> = BTreeMap::new();
    let group = |day: NaiveDate, edition_id: Uuid, user_id: Uuid| -> Option<(String, String)> {
        Some(match grouping {
            Grouping::Month => {
                let m = day.format("%Y-%m").to_string();
                (m.clone(), m)
            }
            Grouping::Course => {
                let c = edition_course.get(&edition_id)?;
                (c.to_string(), courses.get(c).cloned().unwrap_or_default())
            }
            Grouping::Organization => {
                let o = person_org.get(&user_id)?;
                (o.to_string(), orgs.get(o).cloned().unwrap_or_default())
            }
        })
    };
    fn slot(
        rows: &mut BTreeMap<String, OverviewRow>,
        group: Option<(String, String)>,
    ) -> Option<&mut OverviewRow> {
        let (key, label) = group?;
        Some(rows.entry(key.clone()).or_insert_with(|| OverviewRow {
            key,
            label,
            ..OverviewRow::default()
        }))
    }
    for r in registration::Entity::find().all(db).await? {
        let day = local_day(r.created_at);
        if inside(day)
            && let Some(row) = slot(&mut rows, group(day, r.edition_id, r.user_id))
        {
            row.registrations += 1;
        }
    }
    for c in completion::Entity::find().all(db).await? {
        if inside(c.completed_on)
            && let Some(row) = slot(&mut rows, group(c.completed_on, c.edition_id, c.user_id))
        {
            row.completions += 1;
        }
    }
    let valid: HashMap<Uuid, certificate::Model> = certificate::Entity::find()
        .filter(certificate::Column::Status.eq(CertificateStatus::Valid))
        .all(db)
        .await?
        .into_iter()
        .filter(|c| inside(c.completed_on))
        .map(|c| (c.id, c))
        .collect();
    for a in certificate_accreditation::Entity::find().all(db).await? {
        if let Some(c) = valid.get(&a.certificate_id)
            && let Some(row) = slot(&mut rows, group(c.completed_on, c.edition_id, c.user_id))
        {
            use sea_orm::ActiveEnum;
            *row.points.entry(a.register.to_value()).or_default() += a.points;
        }
    }
    for v in evaluation::Entity::find().all(db).await? {
        let day = local_day(v.created_at);
        if inside(day)
            && let Some(row) = slot(&mut rows, group(day, v.edition_id, v.user_id))
        {
            row.evaluations += 1;
            row.sum += f64::from(v.score);
        }
    }
    Ok(rows
        .into_values()
        .map(|mut r| {
            r.evaluation_mean = mean(r.sum, r.evaluations);
            r
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{mean, ratio};

    #[test]
    fn ratios_and_means_are_rounded() {
        assert_eq!(ratio(2, 3), Some(0.667));
        assert_eq!(ratio(0, 0), None);
        assert_eq!(mean(25.0, 3), Some(8.33));
        assert_eq!(mean(0.0, 0), None);
    }
}
