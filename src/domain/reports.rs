//! Reports for HR, partner clients and the academy: completions, register points per
//! professional, and the attendance export for a register's continuing-education system.
//!
//! Scope is decided once, here: admins see everyone (or the organisation they ask for),
//! HR and partner clients with `reports:read` their own organisation only; the scope is a
//! filter in every query, never a filter on results.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use entity::{
    AttendanceStatus, CertificateStatus, Register, Role, attendance, certificate,
    certificate_accreditation, completion, course, edition, register_membership, session, user,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DerivePartialModel, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::paging::Cursor;
use super::time::local_day;
use crate::auth::tokens::Principal;
use crate::error::{DomainError, DomainResult};

/// The points norm of a register per five-year period, where one is known (SKJ: 60).
pub fn norm(register: Register) -> Option<f64> {
    match register {
        Register::Skj => Some(60.0),
        _ => None,
    }
}

/// The registers that set a number of points per period.
pub fn registers_with_norm() -> impl Iterator<Item = Register> {
    use sea_orm::Iterable;
    Register::iter().filter(|r| norm(*r).is_some())
}

/// Whether a person is told of their points: short of their register's norm, with the
/// period ending within a year.
pub fn short_within_a_year(l: &PointsLine) -> bool {
    l.shortfall.is_some_and(|s| s > 0.0) && (0..=365).contains(&l.days_left)
}

/// Length of a registration period.
pub const PERIOD_YEARS: u32 = 5;

/// Records in one upload to a register at most.
pub const BATCH: usize = 1_000;

/// Whose data a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everyone (admins).
    All,
    /// The people of one organisation.
    Organization(Uuid),
}

/// Decides a caller's scope for a report, given the organisation they asked for.
pub fn scope(actor: &Principal, requested: Option<Uuid>) -> DomainResult<Scope> {
    if actor.is_admin() {
        return Ok(requested.map_or(Scope::All, Scope::Organization));
    }
    let bound = actor.has_role(Role::Hr) || actor.has_scope("reports:read");
    match (bound, actor.org) {
        (true, Some(own)) => match requested {
            Some(other) if other != own => Err(DomainError::forbidden(
                "reports cover your own organisation only",
            )),
            _ => Ok(Scope::Organization(own)),
        },
        _ => Err(DomainError::forbidden(
            "reports are for admins, HR and partner clients with reports:read",
        )),
    }
}

/// Filters of the completions report.
#[derive(Debug, Clone, Default)]
pub struct CompletionFilter {
    /// Completed on or after.
    pub from: Option<NaiveDate>,
    /// Completed on or before.
    pub to: Option<NaiveDate>,
    /// Of this course.
    pub course_id: Option<Uuid>,
    /// Of courses with this topic.
    pub topic: Option<String>,
}

/// One completed registration, as the report shows it.
#[derive(Debug, Clone)]
pub struct CompletionLine {
    /// The completion.
    pub completion: completion::Model,
    /// The person's name.
    pub name: String,
    /// The person's e-mail address.
    pub email: Option<String>,
    /// The person's organisation.
    pub organization_id: Uuid,
    /// Register memberships now: (register, number).
    pub registers: Vec<(Register, String)>,
    /// The course.
    pub course_id: Uuid,
    /// The course's title.
    pub course_title: String,
    /// Study load in hours.
    pub hours: Option<f64>,
    /// The edition's first and last day (Europe/Amsterdam).
    pub first_day: Option<NaiveDate>,
    /// The edition's last day.
    pub last_day: Option<NaiveDate>,
    /// The certificate: (id, stored code, status), if issued.
    pub certificate: Option<(Uuid, String, CertificateStatus)>,
    /// Points per register on the certificate.
    pub points: Vec<(Register, f64)>,
}

/// A completion with the columns of its person, course, edition and certificate that
/// the report shows, read in one statement.
#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "completion::Entity")]
struct CompletionRow {
    #[sea_orm(nested)]
    completion: completion::Model,
    #[sea_orm(nested)]
    person: Person,
    #[sea_orm(nested)]
    course: CourseFacts,
    #[sea_orm(nested)]
    edition: EditionDays,
    #[sea_orm(nested)]
    certificate: Option<Issued>,
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "user::Entity")]
struct Person {
    name: String,
    email: Option<String>,
    organization_id: Uuid,
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "course::Entity")]
struct CourseFacts {
    id: Uuid,
    title: String,
    hours: Option<f64>,
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "edition::Entity")]
struct EditionDays {
    first_session_at: Option<chrono::DateTime<chrono::Utc>>,
    last_session_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, DerivePartialModel)]
#[sea_orm(entity = "certificate::Entity")]
struct Issued {
    id: Uuid,
    code: String,
    status: CertificateStatus,
}

impl From<CompletionRow> for CompletionLine {
    fn from(r: CompletionRow) -> Self {
        Self {
            completion: r.completion,
            name: r.person.name,
            email: r.person.email,
            organization_id: r.person.organization_id,
            registers: Vec::new(),
            course_id: r.course.id,
            course_title: r.course.title,
            hours: r.course.hours,
            first_day: r.edition.first_session_at.map(local_day),
            last_day: r.edition.last_session_at.map(local_day),
            certificate: r.certificate.map(|c| (c.id, c.code, c.status)),
            points: Vec::new(),
        }
    }
}

/// Where a page of the completions report starts: after this person's registration. The
/// report runs in (person, registration) order, which the indexes deliver without sorting
/// the organisation's rows, so every page costs the same however deep it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The person of the last row.
    pub user_id: Uuid,
    /// Their registration of the last row.
    pub registration_id: Uuid,
}

impl Cursor for Position {
    const WIDTH: usize = 32;

    fn to_bytes(&self) -> Vec<u8> {
        [
            &self.user_id.as_bytes()[..],
            &self.registration_id.as_bytes()[..],
        ]
        .concat()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        Some(Self {
            user_id: Uuid::from_slice(bytes.get(..16)?).ok()?,
            registration_id: Uuid::from_slice(bytes.get(16..)?).ok()?,
        })
    }
}

/// A page of completions in the caller's scope, in (person, registration) order, after
/// `after`; the position of the last row when another page follows.
pub async fn completions(
    db: &impl ConnectionTrait,
    scope: Scope,
    filter: &CompletionFilter,
    after: Option<Position>,
    limit: u32,
) -> DomainResult<(Vec<CompletionLine>, Option<Position>)> {
    let mut q = completion::Entity::find();
    if let Some(from) = filter.from {
        q = q.filter(completion::Column::CompletedOn.gte(from));
    }
    if let Some(to) = filter.to {
        q = q.filter(completion::Column::CompletedOn.lte(to));
    }
    // The person column the planner walks in order: the organisation's people through
    // their index, or every completion through its own.
    let person = match scope {
        Scope::Organization(_) => Expr::col((user::Entity, user::Column::Id)),
        Scope::All => Expr::col((completion::Entity, completion::Column::UserId)),
    };
    if let Some(p) = after {
        // `>=` gives the index a place to start; the rest skips what that page showed.
        q = q.filter(person.clone().gte(p.user_id)).filter(
            sea_orm::Condition::any()
                .add(person.clone().gt(p.user_id))
                .add(completion::Column::RegistrationId.gt(p.registration_id)),
        );
    }
    let mut q = q
        .order_by(person, sea_orm::Order::Asc)
        .order_by_asc(completion::Column::RegistrationId)
        .limit(u64::from(limit) + 1);
    let stmt = QueryTrait::query(&mut q);
    stmt.inner_join(
        user::Entity,
        Expr::col((user::Entity, user::Column::Id))
            .equals((completion::Entity, completion::Column::UserId)),
    )
    .inner_join(
        edition::Entity,
        Expr::col((edition::Entity, edition::Column::Id))
            .equals((completion::Entity, completion::Column::EditionId)),
    )
    .inner_join(
        course::Entity,
        Expr::col((course::Entity, course::Column::Id))
            .equals((edition::Entity, edition::Column::CourseId)),
    )
    .left_join(
        certificate::Entity,
        Expr::col((certificate::Entity, certificate::Column::RegistrationId))
            .equals((completion::Entity, completion::Column::RegistrationId)),
    );
    if let Scope::Organization(org) = scope {
        stmt.and_where(Expr::col((user::Entity, user::Column::OrganizationId)).eq(org));
    }
    if let Some(course_id) = filter.course_id {
        stmt.and_where(Expr::col((course::Entity, course::Column::Id)).eq(course_id));
    }
    if let Some(topic) = &filter.topic {
        stmt.and_where(
            Expr::col((course::Entity, course::Column::Id))
                .in_subquery(super::courses::with_topic(topic)),
        );
    }
    let rows = q.into_partial_model::<CompletionRow>().all(db).await?;
    let mut lines: Vec<CompletionLine> = rows.into_iter().map(CompletionLine::from).collect();
    let more = lines.len() > limit as usize;
    lines.truncate(limit as usize);
    let next = if more {
        lines.last().map(|l| Position {
            user_id: l.completion.user_id,
            registration_id: l.completion.registration_id,
        })
    } else {
        None
    };
    attach_registers_and_points(db, &mut lines).await?;
    Ok((lines, next))
}

async fn attach_registers_and_points(
    db: &impl ConnectionTrait,
    lines: &mut [CompletionLine],
) -> DomainResult<()> {
    let users: Vec<Uuid> = lines.iter().map(|l| l.completion.user_id).collect();
    let mut registers: HashMap<Uuid, Vec<(Register, String)>> = HashMap::new();
    for m in register_membership::Entity::find()
        .filter(register_membership::Column::UserId.is_in(users))
        .order_by_asc(register_membership::Column::Register)
        .all(db)
        .await?
    {
        registers
            .entry(m.user_id)
            .or_default()
            .push((m.register, m.number));
    }
    let certs: Vec<Uuid> = lines
        .iter()
        .filter_map(|l| l.certificate.as_ref().map(|c| c.0))
        .collect();
    let mut points: HashMap<Uuid, Vec<(Register, f64)>> = HashMap::new();
    for a in certificate_accreditation::Entity::find()
        .filter(certificate_accreditation::Column::CertificateId.is_in(certs))
        .order_by_asc(certificate_accreditation::Column::Register)
        .all(db)
        .await?
    {
        points
            .entry(a.certificate_id)
            .or_default()
            .push((a.register, a.points));
    }
    for l in lines {
        l.registers = registers
            .get(&l.completion.user_id)
            .cloned()
            .unwrap_or_default();
        if let Some((id, _, _)) = &l.certificate {
            l.points = points.get(id).cloned().unwrap_or_default();
        }
    }
    Ok(())
}

/// The registration period containing `today` of a membership whose (first) period
/// started on `start`: periods follow each other every five years.
pub fn current_period(start: NaiveDate, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let mut begin = start;
    if today >= start {
        let years = u32::try_from(today.year() - start.year()).unwrap_or(0);
        let steps = years / PERIOD_YEARS;
        begin = add_years(start, steps * PERIOD_YEARS);
        if begin > today {
            begin = add_years(start, steps.saturating_sub(1) * PERIOD_YEARS);
        }
        while add_years(begin, PERIOD_YEARS) <= today {
            begin = add_years(begin, PERIOD_YEARS);
        }
    }
    let end = add_years(begin, PERIOD_YEARS).pred_opt().unwrap_or(begin);
    (begin, end)
}

fn add_years(d: NaiveDate, years: u32) -> NaiveDate {
    d.checked_add_months(Months::new(years * 12)).unwrap_or(d)
}

/// One professional's standing in a register.
#[derive(Debug, Clone)]
pub struct PointsLine {
    /// The person.
    pub user_id: Uuid,
    /// Their name.
    pub name: String,
    /// Their organisation.
    pub organization_id: Uuid,
    /// The register.
    pub register: Register,
    /// Their number in it.
    pub number: String,
    /// First day of the current period.
    pub period_start: NaiveDate,
    /// Last day of the current period.
    pub period_end: NaiveDate,
    /// Points of valid certificates completed inside the period.
    pub points: f64,
    /// The register's norm per period, if known.
    pub norm: Option<f64>,
    /// Points still needed (0 when met), if the norm is known.
    pub shortfall: Option<f64>,
    /// Days until the period ends (0 on its last day).
    pub days_left: i64,
}

/// Register standing of the members of a register in scope (or of one person): in each
/// member's current period, or in the five years from `cycle_start` when given.
pub async fn points(
    db: &impl ConnectionTrait,
    scope: Scope,
    register: Register,
    only_user: Option<Uuid>,
    cycle_start: Option<NaiveDate>,
    today: NaiveDate,
) -> DomainResult<Vec<PointsLine>> {
    let mut q = register_membership::Entity::find()
        .find_also_related(user::Entity)
        .filter(register_membership::Column::Register.eq(register));
    if let Scope::Organization(org) = scope {
        q = q.filter(user::Column::OrganizationId.eq(org));
    }
    if let Some(u) = only_user {
        q = q.filter(register_membership::Column::UserId.eq(u));
    }
    let members: Vec<(register_membership::Model, user::Model)> = q
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(m, u)| {
            u.filter(|u| u.disabled_at.is_none() || only_user.is_some())
                .map(|u| (m, u))
        })
        .collect();
    let ids: Vec<Uuid> = members.iter().map(|(m, _)| m.user_id).collect();
    // Points per person and completion day, of valid certificates in this register.
    let mut earned: HashMap<Uuid, Vec<(NaiveDate, f64)>> = HashMap::new();
    for chunk in ids.chunks(1_000) {
        let rows: Vec<(Uuid, NaiveDate, f64)> = certificate::Entity::find()
            .select_only()
            .column(certificate::Column::UserId)
            .column(certificate::Column::CompletedOn)
            .column(certificate_accreditation::Column::Points)
            .inner_join(certificate_accreditation::Entity)
            .filter(certificate::Column::UserId.is_in(chunk.to_vec()))
            .filter(certificate::Column::Status.eq(CertificateStatus::Valid))
            .filter(certificate_accreditation::Column::Register.eq(register))
            .into_tuple()
            .all(db)
            .await?;
        for (user_id, day, p) in rows {
            earned.entry(user_id).or_default().push((day, p));
        }
    }
    let norm = norm(register);
    Ok(members
        .into_iter()
        .map(|(m, u)| {
            let (period_start, period_end) = match cycle_start {
                Some(start) => (
                    start,
                    add_years(start, PERIOD_YEARS).pred_opt().unwrap_or(start),
                ),
                None => current_period(m.period_start, today),
            };
            let points: f64 = earned
                .get(&m.user_id)
                .into_iter()
                .flatten()
                .filter(|(day, _)| *day >= period_start && *day <= period_end)
                .fold(0.0, |sum, (_, p)| sum + p);
            PointsLine {
                user_id: u.id,
                name: u.name,
                organization_id: u.organization_id,
                register,
                number: m.number,
                period_start,
                period_end,
                points,
                norm,
                shortfall: norm.map(|n| (n - points).max(0.0)),
                days_left: (period_end - today).num_days(),
            }
        })
        .collect())
}

/// One attendance record for a register's upload.
#[derive(Debug, Clone)]
pub struct RegisterRecord {
    /// The person.
    pub user_id: Uuid,
    /// Their number in the register: the register's external person id.
    pub number: String,
    /// The course's accreditation number at the register.
    pub accreditation_number: String,
    /// The course.
    pub course_id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// The meeting (session); none for e-learning.
    pub session_id: Option<Uuid>,
    /// The meeting's day, or the completion day for e-learning.
    pub date: NaiveDate,
    /// Points of the completed activity in this register (the same on each of its
    /// meeting records).
    pub points: f64,
}

/// A person with completed activities in a register who has no number for it.
#[derive(Debug, Clone)]
pub struct MissingNumber {
    /// The person.
    pub user_id: Uuid,
    /// Their name.
    pub name: String,
    /// Their organisation.
    pub organization_id: Uuid,
    /// Completed activities that carry points in this register.
    pub activities: u32,
}

/// The register export: attendance records (present or late at a counted session) of
/// valid certificates carrying points in `register`, in meeting order; and the people
/// left out for lack of a number.
pub async fn register_export(
    db: &impl ConnectionTrait,
    scope: Scope,
    register: Register,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> DomainResult<(Vec<RegisterRecord>, Vec<MissingNumber>)> {
    let mut q = certificate::Entity::find()
        .find_also_related(user::Entity)
        .filter(certificate::Column::Status.eq(CertificateStatus::Valid));
    if let Scope::Organization(org) = scope {
        q = q.filter(user::Column::OrganizationId.eq(org));
    }
    let certs: Vec<(certificate::Model, user::Model)> = q
        .order_by_asc(certificate::Column::CompletedOn)
        .order_by_asc(certificate::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(c, u)| u.map(|u| (c, u)))
        .collect();
    let cert_ids: Vec<Uuid> = certs.iter().map(|(c, _)| c.id).collect();
    let mut accredited: HashMap<Uuid, certificate_accreditation::Model> = HashMap::new();
    for chunk in cert_ids.chunks(1_000) {
        for a in certificate_accreditation::Entity::find()
            .filter(certificate_accreditation::Column::CertificateId.is_in(chunk.to_vec()))
            .filter(certificate_accreditation::Column::Register.eq(register))
            .all(db)
            .await?
        {
            accredited.insert(a.certificate_id, a);
        }
    }
    let certs: Vec<_> = certs
        .into_iter()
        .filter(|(c, _)| accredited.contains_key(&c.id))
        .collect();
    let user_ids: Vec<Uuid> = certs.iter().map(|(c, _)| c.user_id).collect();
    let mut numbers: HashMap<Uuid, String> = HashMap::new();
    for chunk in user_ids.chunks(1_000) {
        for m in register_membership::Entity::find()
            .filter(register_membership::Column::UserId.is_in(chunk.to_vec()))
            .filter(register_membership::Column::Register.eq(register))
            .all(db)
            .await?
        {
            numbers.insert(m.user_id, m.number);
        }
    }
    let registrations: Vec<Uuid> = certs.iter().map(|(c, _)| c.registration_id).collect();
    let mut meetings: HashMap<Uuid, Vec<(Uuid, NaiveDate)>> = HashMap::new();
    for chunk in registrations.chunks(1_000) {
        let rows: Vec<(Uuid, Uuid, chrono::DateTime<chrono::Utc>)> = attendance::Entity::find()
            .select_only()
            .column(attendance::Column::RegistrationId)
            .column(attendance::Column::SessionId)
            .column(session::Column::StartsAt)
            .inner_join(session::Entity)
            .filter(attendance::Column::RegistrationId.is_in(chunk.to_vec()))
            .filter(
                attendance::Column::Status
                    .is_in([AttendanceStatus::Present, AttendanceStatus::Late]),
            )
            .filter(session::Column::Status.eq(entity::SessionStatus::Scheduled))
            .order_by_asc(session::Column::StartsAt)
            .into_tuple()
            .all(db)
            .await?;
        for (reg, sid, starts) in rows {
            meetings
                .entry(reg)
                .or_default()
                .push((sid, local_day(starts)));
        }
    }
    let inside = |d: NaiveDate| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t);
    let mut records = Vec::new();
    let mut missing: HashMap<Uuid, MissingNumber> = HashMap::new();
    for (c, u) in certs {
        let Some(acc) = accredited.get(&c.id) else {
            continue;
        };
        let days: Vec<(Option<Uuid>, NaiveDate)> = match meetings.get(&c.registration_id) {
            Some(list) if !list.is_empty() => list.iter().map(|(s, d)| (Some(*s), *d)).collect(),
            _ => vec![(None, c.completed_on)],
        };
        let days: Vec<_> = days.into_iter().filter(|(_, d)| inside(*d)).collect();
        if days.is_empty() {
            continue;
        }
        let Some(number) = numbers.get(&c.user_id) else {
            missing
                .entry(u.id)
                .or_insert_with(|| MissingNumber {
                    user_id: u.id,
                    name: u.name.clone(),
                    organization_id: u.organization_id,
                    activities: 0,
                })
                .activities += 1;
            continue;
        };
        for (session_id, date) in days {
            records.push(RegisterRecord {
                user_id: c.user_id,
                number: number.clone(),
                accreditation_number: acc.accreditation_number.clone(),
                course_id: c.course_id,
                edition_id: c.edition_id,
                session_id,
                date,
                points: acc.points,
            });
        }
    }
    records
        .sort_by(|a, b| (a.date, a.edition_id, &a.number).cmp(&(b.date, b.edition_id, &b.number)));
    let mut missing: Vec<MissingNumber> = missing.into_values().collect();
    missing.sort_by(|a, b| a.name.cmp(&b.name).then(a.user_id.cmp(&b.user_id)));
    Ok((records, missing))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn periods_follow_each_other_every_five_years() {
        assert_eq!(
            current_period(d(2024, 3, 1), d(2026, 11, 23)),
            (d(2024, 3, 1), d(2029, 2, 28))
        );
        assert_eq!(
            current_period(d(2019, 3, 1), d(2026, 11, 23)),
            (d(2024, 3, 1), d(2029, 2, 28))
        );
        assert_eq!(
            current_period(d(2021, 11, 23), d(2026, 11, 23)),
            (d(2026, 11, 23), d(2031, 11, 22))
        );
        assert_eq!(
            current_period(d(2021, 11, 24), d(2026, 11, 23)),
            (d(2021, 11, 24), d(2026, 11, 23))
        );
        // A period that starts in the future is the one shown.
        assert_eq!(
            current_period(d(2027, 1, 1), d(2026, 11, 23)),
            (d(2027, 1, 1), d(2031, 12, 31))
        );
    }

    #[test]
    fn only_skj_has_a_known_norm() {
        assert_eq!(norm(Register::Skj), Some(60.0));
        assert_eq!(norm(Register::Big), None);
    }
}
