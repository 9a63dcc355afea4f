//! Demo data: the academy's real shape on an empty database, for `academy serve --demo`.
//!
//! Loads the six municipalities of Flevoland, a dozen youth-care providers, the three
//! certified institutions, about sixty professionals with their register memberships,
//! trainers and HR, the academy's courses, and past (closed), upcoming (published) and
//! draft editions with their sessions and registrations, some of them full with a waiting
//! list. Everything but the registrations (dated in the past, which the API would not
//! accept) goes through the domain functions, so it is checked like API input.
//!
//! A database counts as empty when it holds no organisation other than the academy's own,
//! no course, and no user with one of the demo addresses; on any other database `load`
//! changes nothing. The domain functions commit one step at a time: should a step fail
//! (a database error, or another process loading at the same time), what was loaded
//! before it stays.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use anyhow::{Context, anyhow};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use entity::{
    ActorKind, AttendanceStatus, CourseKind, OrganizationKind, Register, RegistrationStatus, Role,
    organization, registration, registration_event, session, user,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::auth::password;
use crate::auth::tokens::{Principal, SubjectKind};
use crate::db::begin_write;
use crate::domain::attendance::{self, Mark};
use crate::domain::courses::{self, AccreditationInput, CourseInput};
use crate::domain::editions::{self, lifecycle::EditionInput, lifecycle::Transition};
use crate::domain::organizations;
use crate::domain::sessions::{self, SessionInput};
use crate::domain::users::{self, NewUser, RegisterInput, UserPatch};
use crate::error::{DomainError, DomainResult};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-wachtwoord";

/// The demo admin's e-mail address.
pub const DEMO_ADMIN_EMAIL: &str = "beheer@flevoacademiejeugd.nl";

/// The academy's mail domain.
const ACADEMY_DOMAIN: &str = "flevoacademiejeugd.nl";

/// One account to try the demo with.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// What the account is for: `admin`, `trainer`, `hr` or `professional`.
    pub role: &'static str,
    /// Full name.
    pub name: String,
    /// E-mail address (the user name of the password grant).
    pub email: String,
    /// The password; `None` for an admin account that existed before and kept its own.
    pub password: Option<String>,
}

/// What `load` created.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// One admin, trainer, HR user and professional to sign in as.
    pub logins: Vec<DemoLogin>,
    /// Organisations created.
    pub organizations: usize,
    /// Users created (the admin included when it was created).
    pub users: usize,
    /// Courses created.
    pub courses: usize,
    /// Editions created.
    pub editions: usize,
    /// Sessions created.
    pub sessions: usize,
    /// Registrations created.
    pub registrations: usize,
    /// How long loading took.
    pub elapsed: std::time::Duration,
}

impl DemoSummary {
    /// The summary and the logins as lines for the terminal.
    pub fn describe(&self, public_url: &str) -> String {
        let mut out = format!(
            "demo data loaded in {} ms: {} organisations, {} users, {} courses, {} editions, \
             {} sessions, {} registrations\n\ndemo logins (password grant at \
             {public_url}/api/v1/auth/token):\n",
            self.elapsed.as_millis(),
            self.organizations,
            self.users,
            self.courses,
            self.editions,
            self.sessions,
            self.registrations,
        );
        for login in &self.logins {
            let password = login
                .password
                .as_deref()
                .unwrap_or("(existing account: its own password)");
            out.push_str(&format!(
                "  {:<13} {:<45} {password}   ({})\n",
                login.role, login.email, login.name
            ));
        }
        out.push_str(&format!("\nAPI documentation: {public_url}/docs"));
        out
    }
}

/// Loads the demo data when the database is empty; `None` (and no change) otherwise.
/// `issuer` is the academy's name on the certificates of the closed editions.
pub async fn load(db: &DatabaseConnection, issuer: &str) -> anyhow::Result<Option<DemoSummary>> {
    let started = Instant::now();
    let today = Utc::now().date_naive();
    let people = people(today);
    if !is_empty(db, &people).await? {
        return Ok(None);
    }
    let summary = Loader::new(db, today, issuer)
        .run(&people, started)
        .await
        .context("loading the demo data (what was loaded before the failure stays)")?;
    Ok(Some(summary))
}

/// Whether the database holds nothing the demo data would clash with.
async fn is_empty(db: &DatabaseConnection, people: &[Person]) -> anyhow::Result<bool> {
    let other_orgs = organization::Entity::find()
        .filter(organization::Column::Kind.ne(OrganizationKind::Academy))
        .count(db)
        .await?;
    let academies = organization::Entity::find()
        .filter(organization::Column::Kind.eq(OrganizationKind::Academy))
        .count(db)
        .await?;
    let courses = entity::course::Entity::find().count(db).await?;
    if other_orgs > 0 || academies > 1 || courses > 0 {
        return Ok(false);
    }
    let emails: Vec<String> = people.iter().map(Person::email).collect();
    let taken = user::Entity::find()
        .filter(user::Column::Email.is_in(emails))
        .count(db)
        .await?;
    if taken > 0 {
        return Ok(false);
    }
    // An admin of the demo address may exist (a bootstrap admin); anyone else may not.
    if let Some(existing) = user::Entity::find()
        .filter(user::Column::Email.eq(DEMO_ADMIN_EMAIL))
        .one(db)
        .await?
    {
        return Ok(crate::domain::roles::roles_of(db, existing.id)
            .await?
            .contains(&Role::Admin));
    }
    Ok(true)
}

// ---------------------------------------------------------------------------------------
// The data.

struct OrgSpec {
    name: &'static str,
    kind: OrganizationKind,
    domain: &'static str,
    /// How many professionals work there.
    staff: usize,
}

const fn org(
    name: &'static str,
    kind: OrganizationKind,
    domain: &'static str,
    staff: usize,
) -> OrgSpec {
    OrgSpec {
        name,
        kind,
        domain,
        staff,
    }
}

use OrganizationKind::{CertifiedInstitution as Ci, Municipality as Mun, Provider as Prov};

/// The region's organisations, in the order they are created.
const ORGANIZATIONS: &[OrgSpec] = &[
    org("Gemeente Almere", Mun, "almere.nl", 4),
    org("Gemeente Dronten", Mun, "dronten.nl", 2),
    org("Gemeente Lelystad", Mun, "lelystad.nl", 3),
    org("Gemeente Noordoostpolder", Mun, "noordoostpolder.nl", 2),
    org("Gemeente Urk", Mun, "urk.nl", 1),
    org("Gemeente Zeewolde", Mun, "zeewolde.nl", 1),
    org("Triade Vitree", Prov, "triadevitree.nl", 7),
    org("Youké", Prov, "youke.nl", 5),
    org("Pluryn", Prov, "pluryn.nl", 4),
    org(
        "Karakter Kinder- en Jeugdpsychiatrie",
        Prov,
        "karakter.nl",
        3,
    ),
    org("Timon", Prov, "timon.nl", 4),
    org("'s Heeren Loo Flevoland", Prov, "sheerenloo.nl", 3),
    org("Lijn5", Prov, "lijn5.nl", 3),
    org("De Kinderkliniek", Prov, "dekinderkliniek.nl", 4),
    org(
        "Stichting Gezinshuizen Flevoland",
        Prov,
        "gezinshuizenflevoland.nl",
        2,
    ),
    org("Jeugd en Gezin Urk", Prov, "jeugdengezinurk.nl", 2),
    org("Vizier Jeugd & Opvoeding", Prov, "vizierjeugd.nl", 2),
    org("Gezinskracht Zeewolde", Prov, "gezinskrachtzeewolde.nl", 2),
    org("Samen Veilig Midden-Nederland", Ci, "samenveiligmn.nl", 3),
    org(
        "William Schrikker Stichting Jeugdbescherming & Jeugdreclassering",
        Ci,
        "williamschrikker.nl",
        2,
    ),
    org(
        "Leger des Heils Jeugdbescherming & Reclassering",
        Ci,
        "legerdesheils.nl",
        2,
    ),
];

/// Where the HR users work, in the order of `HR`.
const HR_ORGS: [&str; 2] = ["Triade Vitree", "Youké"];

/// Professionals, spread over the organisations in turn.
const PROFESSIONALS: &[(&str, &str)] = &[
    ("Sanne", "Bakker"),
    ("Daan", "de Vries"),
    ("Fatima", "El Amrani"),
    ("Lotte", "Jansen"),
    ("Youssef", "Bouzid"),
    ("Eva", "van Dijk"),
    ("Thijs", "Smit"),
    ("Priya", "Ramdin"),
    ("Kevin", "Martina"),
    ("Anouk", "Visser"),
    ("Bram", "Mulder"),
    ("Noor", "Hendriks"),
    ("Mehmet", "Yilmaz"),
    ("Iris", "de Boer"),
    ("Ruben", "Meijer"),
    ("Femke", "Kok"),
    ("Jesse", "Dekker"),
    ("Zoë", "Brouwer"),
    ("Sem", "Koster"),
    ("Lisa", "van Leeuwen"),
    ("Naima", "Chaoui"),
    ("Tim", "Post"),
    ("Esther", "Prins"),
    ("Jorien", "Kuiper"),
    ("Stefan", "Wijnja"),
    ("Marit", "Hoekstra"),
    ("Klaas", "Romkes"),
    ("Aaltje", "Pasterkamp"),
    ("Hendrik", "Baarssen"),
    ("Grietje", "Hakvoort"),
    ("Jan", "Koffeman"),
    ("Sophie", "van der Meer"),
    ("Milan", "Bos"),
    ("Roos", "Verhoeven"),
    ("Ayoub", "Benali"),
    ("Charlotte", "Peters"),
    ("Lars", "van den Heuvel"),
    ("Nadia", "Soekhai"),
    ("Wouter", "Schouten"),
    ("Merel", "Vermeulen"),
    ("Hatice", "Demir"),
    ("Niels", "Willems"),
    ("Julia", "de Jong"),
    ("Rachid", "Ouchan"),
    ("Kim", "Huisman"),
    ("Floor", "Scholten"),
    ("Gijs", "van Beek"),
    ("Latoya", "Cijntje"),
    ("Maaike", "Groen"),
    ("Jeroen", "Timmermans"),
    ("Sara", "Haddou"),
    ("Pieter", "Zwart"),
    ("Elif", "Kaya"),
    ("Tom", "van Wijk"),
    ("Annemiek", "Dijkstra"),
    ("Mustafa", "Aydin"),
    ("Chantal", "Lont"),
    ("Bas", "Veenstra"),
    ("Ilse", "Terpstra"),
    ("Dewi", "Sardjoe"),
    ("Mirjam", "Wolters"),
];

/// The academy's trainers.
const TRAINERS: &[(&str, &str)] = &[
    ("Marloes", "van den Berg"),
    ("Peter", "Hoogland"),
    ("Samira", "Ouali"),
    ("Joost", "Kramer"),
];

/// HR, one at each of `HR_ORGS`.
const HR: &[(&str, &str)] = &[("Ingrid", "Vos"), ("Marco", "de Graaf")];

/// Where the person works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workplace {
    /// `ORGANIZATIONS[i]`.
    Org(usize),
    /// The academy.
    Academy,
}

#[derive(Debug, Clone)]
struct Person {
    first: &'static str,
    last: &'static str,
    workplace: Workplace,
    domain: &'static str,
    role: Role,
    registers: Vec<RegisterInput>,
}

impl Person {
    fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }

    /// `voornaam.achternaam@domein.nl`, without spaces or accents.
    fn email(&self) -> String {
        format!(
            "{}.{}@{}",
            mail_part(self.first),
            mail_part(self.last),
            self.domain
        )
    }
}

/// Lower case, accents folded, only letters and digits.
fn mail_part(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => Some('a'),
            'é' | 'è' | 'ë' | 'ê' => Some('e'),
            'í' | 'ì' | 'ï' | 'î' => Some('i'),
            'ó' | 'ò' | 'ö' | 'ô' => Some('o'),
            'ú' | 'ù' | 'ü' | 'û' => Some('u'),
            'ç' => Some('c'),
            c if c.is_ascii_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// Everyone the demo creates, admin aside: professionals first (in turn over the
/// organisations), then HR, then trainers.
fn people(today: NaiveDate) -> Vec<Person> {
    let mut slots = Vec::new();
    let mut left: Vec<usize> = ORGANIZATIONS.iter().map(|o| o.staff).collect();
    // Round robin, providers first, so neighbours in the list work in different places.
    let order: Vec<usize> = (0..ORGANIZATIONS.len())
        .filter(|&i| ORGANIZATIONS[i].kind == OrganizationKind::Provider)
        .chain((0..ORGANIZATIONS.len()).filter(|&i| ORGANIZATIONS[i].kind != Prov))
        .collect();
    while left.iter().any(|&n| n > 0) {
        for &i in &order {
            if let Some(n) = left.get_mut(i)
                && *n > 0
            {
                *n -= 1;
                slots.push(i);
            }
        }
    }
    let mut out = Vec::new();
    for (i, ((first, last), org)) in PROFESSIONALS.iter().zip(slots).enumerate() {
        out.push(Person {
            first,
            last,
            workplace: Workplace::Org(org),
            domain: ORGANIZATIONS[org].domain,
            role: Role::Professional,
            registers: registers_of(i, today),
        });
    }
    for (&(first, last), org_name) in HR.iter().zip(HR_ORGS) {
        if let Some(org) = ORGANIZATIONS.iter().position(|o| o.name == org_name) {
            out.push(Person {
                first,
                last,
                workplace: Workplace::Org(org),
                domain: ORGANIZATIONS[org].domain,
                role: Role::Hr,
                registers: Vec::new(),
            });
        }
    }
    for (i, &(first, last)) in TRAINERS.iter().enumerate() {
        out.push(Person {
            first,
            last,
            workplace: Workplace::Academy,
            domain: ACADEMY_DOMAIN,
            role: Role::Trainer,
            registers: registers_of(i * 3 + 7, today),
        });
    }
    out
}

/// Most in SKJ, some in BIG or (also) NIP, a few in none; periods started within the
/// last five years.
fn registers_of(i: usize, today: NaiveDate) -> Vec<RegisterInput> {
    let n = i as i64;
    let period_start = today - Duration::days(30 + (n * 211) % (5 * 365 - 60));
    let skj = RegisterInput {
        register: Register::Skj,
        number: format!("1100{:05}", (i * 7_919 + 12_345) % 100_000),
        period_start,
    };
    match (i % 9, i % 13) {
        (_, 11) => Vec::new(),
        (4, _) => vec![RegisterInput {
            register: Register::Big,
            number: format!("19{:09}", 12_345_000 + i * 7_919),
            period_start,
        }],
        (7, _) => vec![
            skj,
            RegisterInput {
                register: Register::Nip,
                number: format!("{}", 14_000 + i * 37),
                period_start: period_start - Duration::days(400),
            },
        ],
        _ => vec![skj],
    }
}

/// The academy's courses.
fn course_inputs(today: NaiveDate) -> Vec<CourseInput> {
    let from = today - Duration::days(400);
    let until = today + Duration::days(730);
    let acc = |register, number: &str, points| AccreditationInput {
        register,
        number: number.to_owned(),
        points,
        valid_from: Some(from),
        valid_until: Some(until),
    };
    let course = |title: &str,
                  kind,
                  topics: &[&str],
                  description: &str,
                  audience: &str,
                  hours: f64,
                  accreditations: Vec<AccreditationInput>,
                  min_attendance: Option<f64>| CourseInput {
        title: Some(title.to_owned()),
        kind: Some(kind),
        topics: Some(topics.iter().map(|t| (*t).to_owned()).collect()),
        description: Some(description.to_owned()),
        target_audience: Some(Some(audience.to_owned())),
        hours: Some(Some(hours)),
        accreditations: Some(accreditations),
        min_attendance_percent: min_attendance,
    };
    let professionals = "Jeugdprofessionals van jeugdhulpaanbieders, wijkteams en \
                         gecertificeerde instellingen in Flevoland";
    let lecture = |title: &str, topic: &str, description: &str, number: &str| {
        course(
            title,
            CourseKind::Lecture,
            &["lezingenreeks", topic],
            &format!("{description} Onderdeel van de lezingenreeks Jeugd in Flevoland."),
            "Iedereen die in Flevoland met jeugd en gezinnen werkt",
            2.0,
            vec![acc(Register::Skj, number, 2.0)],
            None,
        )
    };
    vec![
        course(
            "Verklarende analyse",
            CourseKind::Workshop,
            &["analyse", "methodisch werken", "gezinsdiagnostiek"],
            "In twee dagdelen leer je met de verklarende analyse hypotheses te vormen over wat \
             er in een gezin speelt en die te toetsen. Je werkt met casuïstiek uit je eigen \
             praktijk en vertaalt de analyse naar doelen in het hulpverleningsplan.",
            professionals,
            7.0,
            vec![acc(Register::Skj, "312745", 7.0)],
            None,
        ),
        course(
            "Waardevrij & objectief rapporteren",
            CourseKind::Workshop,
            &["rapporteren", "dossiervorming"],
            "Hoe schrijf je feitelijk, controleerbaar en zonder oordeel over een gezin? Je \
             oefent met het onderscheiden van feiten, interpretaties en meningen en herschrijft \
             een eigen rapportage.",
            professionals,
            3.5,
            Vec::new(),
            None,
        ),
        course(
            "Kindermishandeling en de meldcode",
            CourseKind::Workshop,
            &["kindermishandeling", "meldcode", "veiligheid"],
            "Je leert signalen van kindermishandeling en huiselijk geweld herkennen en doorloopt \
             de vijf stappen van de meldcode, met het afwegingskader. Met een \
             aandachtsfunctionaris oefen je het gesprek met ouders over je zorgen.",
            professionals,
            4.0,
            vec![
                acc(Register::Skj, "298311", 4.0),
                acc(Register::Big, "487220", 4.0),
            ],
            None,
        ),
        course(
            "Zorg voor het getraumatiseerde kind",
            CourseKind::Training,
            &["trauma", "hechting", "pleegzorg", "gezinshuizen"],
            "Training van acht dagdelen over de invloed van traumatische ervaringen op de \
             ontwikkeling en het gedrag van kinderen. Je leert traumasensitief kijken en handelen \
             in de dagelijkse zorg; je rondt de training af als je minstens zeven van de acht \
             bijeenkomsten bijwoont.",
            "Pleegzorgbegeleiders, gezinshuisouders en groepsleiding",
            28.0,
            vec![
                acc(Register::Skj, "301558", 28.0),
                acc(Register::Nip, "NIP-23-0457", 28.0),
            ],
            Some(87.5),
        ),
        course(
            "Hechting en het gedrag van mijn pleegkind",
            CourseKind::Elearning,
            &["hechting", "pleegzorg"],
            "E-learning over hechting en hoe hechtingsproblemen zich laten zien in het gedrag \
             van een pleegkind. Je werkt de module in je eigen tempo door en rondt hem af door \
             hem als voltooid te markeren.",
            "Pleegouders en pleegzorgbegeleiders",
            2.0,
            vec![acc(Register::Skj, "305902", 2.0)],
            None,
        ),
        lecture(
            "Lezing: Loyaliteit in complexe scheidingen",
            "scheiding",
            "Wat doet een vechtscheiding met de loyaliteit van een kind, en hoe blijf je als \
             professional naast het kind staan zonder partij te kiezen?",
            "310021",
        ),
        lecture(
            "Lezing: Licht verstandelijke beperking herkennen",
            "lvb",
            "Een licht verstandelijke beperking wordt vaak niet gezien. Hoe herken je haar bij \
             jongeren en ouders, en hoe pas je je gesprek en je plan erop aan?",
            "310022",
        ),
        lecture(
            "Lezing: Jongeren, sociale media en sexting",
            "online veiligheid",
            "Over de online wereld van jongeren: groepsdruk, sexting en sextortion, en wat je \
             als professional kunt doen als beelden rondgaan.",
            "310023",
        ),
        course(
            "Symposium Veerkracht",
            CourseKind::Symposium,
            &["veerkracht", "symposium"],
            "Het jaarlijkse symposium van Flevo Academie Jeugd over de veerkracht van kinderen, \
             gezinnen en professionals: keynotes en workshoprondes, in Lelystad en online te \
             volgen.",
            "Alle professionals in de jeugdhulp en jeugdbescherming in Flevoland",
            5.0,
            vec![acc(Register::Skj, "309990", 5.0)],
            None,
        ),
    ]
}

/// Indexes into `course_inputs`.
mod c {
    pub const ANALYSE: usize = 0;
    pub const RAPPORTEREN: usize = 1;
    pub const MELDCODE: usize = 2;
    pub const TRAUMA: usize = 3;
    pub const HECHTING: usize = 4;
    pub const LEZING_LOYALITEIT: usize = 5;
    pub const LEZING_LVB: usize = 6;
    pub const LEZING_SEXTING: usize = 7;
    pub const SYMPOSIUM: usize = 8;
}

const LELYSTAD: &str = "Flevo Academie Jeugd, Stationsplein 12, Lelystad";
const ALMERE: &str = "Flevo Academie Jeugd, Grote Markt 45, Almere";
const AGORA: &str = "Agora Theater, Agorabaan 12, Lelystad";

/// Where an edition ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Draft,
    Published,
    Closed,
}

/// A half-day, evening or day: (hour, minute) from and to, local time.
type Slot = ((u32, u32), (u32, u32));
const MORNING: Slot = ((9, 0), (12, 30));
const AFTERNOON: Slot = ((13, 30), (17, 0));
const MELDCODE_SLOT: Slot = ((13, 0), (17, 0));
const EVENING: Slot = ((19, 30), (21, 30));
const DAY: Slot = ((9, 30), (16, 0));

struct EditionPlan {
    course: usize,
    outcome: Outcome,
    /// Session dates, all in the same slot.
    dates: Vec<NaiveDate>,
    slot: Slot,
    capacity: i64,
    location: Option<&'static str>,
    online_url: Option<&'static str>,
    trainers: &'static [usize],
    requires_approval: bool,
    /// Days before the first session the cancellation deadline falls.
    cancel_days: i64,
    /// Registrations: up to `capacity` confirmed, the rest waitlisted.
    registrations: usize,
    /// Where in the list of professionals the registrations start.
    first_professional: usize,
}

/// The date of a weekday in the week `weeks` from `today` (on or after that day).
fn day(today: NaiveDate, weeks: i64, weekday: Weekday) -> NaiveDate {
    let base = today + Duration::weeks(weeks);
    let ahead = (7 + weekday.num_days_from_monday() - base.weekday().num_days_from_monday()) % 7;
    base + Duration::days(i64::from(ahead))
}

/// Today's session: from an hour before the current hour for four hours, or until the
/// end of the day, so that it is under way whenever the demo is loaded.
fn today_slot(hour: u32) -> Slot {
    let start = hour.saturating_sub(1).min(22);
    if start + 4 > 23 {
        ((start, 0), (23, 59))
    } else {
        ((start, 0), (start + 4, 0))
    }
}

/// The current hour in the Netherlands.
fn local_hour(now: DateTime<Utc>) -> u32 {
    use chrono::Timelike;
    let offset = amsterdam_offset_hours(now.date_naive());
    (now + Duration::hours(offset)).hour()
}

/// `count` dates a week apart.
fn weekly(first: NaiveDate, count: i64) -> Vec<NaiveDate> {
    (0..count).map(|k| first + Duration::weeks(k)).collect()
}

fn plans(today: NaiveDate, hour: u32) -> Vec<EditionPlan> {
    use Outcome::{Closed, Draft, Published};
    use Weekday::{Fri, Mon, Thu, Tue, Wed};
    let plan = |course, outcome, dates, slot, capacity, location, trainers| EditionPlan {
        course,
        outcome,
        dates,
        slot,
        capacity,
        location,
        online_url: None,
        trainers,
        requires_approval: false,
        cancel_days: 7,
        registrations: 0,
        first_professional: 0,
    };
    vec![
        // Past, closed.
        EditionPlan {
            registrations: 14,
            first_professional: 3,
            ..plan(
                c::ANALYSE,
                Closed,
                weekly(day(today, -10, Tue), 2),
                MORNING,
                16,
                Some(LELYSTAD),
                &[0, 2],
            )
        },
        EditionPlan {
            registrations: 18,
            first_professional: 11,
            ..plan(
                c::MELDCODE,
                Closed,
                vec![day(today, -6, Thu)],
                MELDCODE_SLOT,
                20,
                Some(ALMERE),
                &[1],
            )
        },
        EditionPlan {
            registrations: 14,
            first_professional: 20,
            requires_approval: true,
            cancel_days: 14,
            ..plan(
                c::TRAUMA,
                Closed,
                weekly(day(today, -11, Wed), 8),
                MORNING,
                14,
                Some(LELYSTAD),
                &[0, 3],
            )
        },
        EditionPlan {
            registrations: 38,
            first_professional: 30,
            online_url: Some("https://live.flevoacademiejeugd.nl/lezing-loyaliteit"),
            cancel_days: 1,
            ..plan(
                c::LEZING_LOYALITEIT,
                Closed,
                vec![day(today, -3, Mon)],
                EVENING,
                150,
                Some(LELYSTAD),
                &[3],
            )
        },
        EditionPlan {
            registrations: 52,
            first_professional: 5,
            online_url: Some("https://live.flevoacademiejeugd.nl/symposium-veerkracht"),
            cancel_days: 14,
            ..plan(
                c::SYMPOSIUM,
                Closed,
                vec![day(today, -40, Fri)],
                DAY,
                300,
                Some(AGORA),
                &[3, 0],
            )
        },
        // Running this week: a session today (begun an hour ago, so the trainer can show
        // the check-in code and mark attendance at once) and one next week.
        EditionPlan {
            registrations: 12,
            first_professional: 0,
            ..plan(
                c::RAPPORTEREN,
                Published,
                vec![today, today + Duration::weeks(1)],
                today_slot(hour),
                16,
                Some(LELYSTAD),
                &[0],
            )
        },
        // Upcoming, published.
        EditionPlan {
            registrations: 17, // 12 seats, 5 waiting
            first_professional: 0,
            ..plan(
                c::ANALYSE,
                Published,
                weekly(day(today, 3, Tue), 2),
                MORNING,
                12,
                Some(LELYSTAD),
                &[0, 2],
            )
        },
        EditionPlan {
            registrations: 5,
            first_professional: 40,
            ..plan(
                c::ANALYSE,
                Published,
                weekly(day(today, 9, Thu), 2),
                AFTERNOON,
                16,
                Some(ALMERE),
                &[2],
            )
        },
        EditionPlan {
            registrations: 11,
            first_professional: 15,
            ..plan(
                c::RAPPORTEREN,
                Published,
                vec![day(today, 2, Wed)],
                MORNING,
                20,
                Some(ALMERE),
                &[2],
            )
        },
        EditionPlan {
            registrations: 23, // 20 seats, 3 waiting
            first_professional: 25,
            ..plan(
                c::MELDCODE,
                Published,
                vec![day(today, 5, Thu)],
                MELDCODE_SLOT,
                20,
                Some(LELYSTAD),
                &[1],
            )
        },
        EditionPlan {
            registrations: 9,
            first_professional: 44,
            requires_approval: true,
            cancel_days: 14,
            ..plan(
                c::TRAUMA,
                Published,
                weekly(day(today, 6, Wed), 8),
                MORNING,
                14,
                Some(LELYSTAD),
                &[0, 3],
            )
        },
        EditionPlan {
            registrations: 27,
            first_professional: 8,
            online_url: Some("https://live.flevoacademiejeugd.nl/lezing-lvb"),
            cancel_days: 1,
            ..plan(
                c::LEZING_LVB,
                Published,
                vec![day(today, 1, Mon)],
                EVENING,
                200,
                Some(ALMERE),
                &[3],
            )
        },
        EditionPlan {
            registrations: 8,
            first_professional: 50,
            online_url: Some("https://live.flevoacademiejeugd.nl/lezing-sexting"),
            cancel_days: 1,
            ..plan(
                c::LEZING_SEXTING,
                Published,
                vec![day(today, 7, Tue)],
                EVENING,
                250,
                None,
                &[2],
            )
        },
        EditionPlan {
            registrations: 46,
            first_professional: 13,
            online_url: Some("https://live.flevoacademiejeugd.nl/symposium-veerkracht"),
            cancel_days: 14,
            ..plan(
                c::SYMPOSIUM,
                Published,
                vec![day(today, 12, Fri)],
                DAY,
                300,
                Some(AGORA),
                &[3, 0],
            )
        },
        EditionPlan {
            registrations: 17,
            first_professional: 33,
            ..plan(c::HECHTING, Published, Vec::new(), DAY, 500, None, &[])
        },
        // Being prepared.
        plan(
            c::RAPPORTEREN,
            Draft,
            vec![day(today, 15, Wed)],
            MORNING,
            20,
            Some(LELYSTAD),
            &[2],
        ),
        plan(
            c::MELDCODE,
            Draft,
            Vec::new(),
            MELDCODE_SLOT,
            20,
            Some(ALMERE),
            &[1],
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Time.

/// The last Sunday of a month of 31 days.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let last = NaiveDate::from_ymd_opt(year, month, 31)?;
    Some(last - Duration::days(i64::from(last.weekday().num_days_from_sunday())))
}

/// Europe/Amsterdam's offset from UTC, in hours, on a date for times of day after 03:00:
/// summer time (UTC+2) from the last Sunday of March to the last Sunday of October (the
/// EU rule), UTC+1 otherwise.
fn amsterdam_offset_hours(date: NaiveDate) -> i64 {
    match (last_sunday(date.year(), 3), last_sunday(date.year(), 10)) {
        (Some(start), Some(end)) if date >= start && date < end => 2,
        _ => 1,
    }
}

/// A local Europe/Amsterdam time (after 03:00) as UTC.
fn local(date: NaiveDate, (hour, minute): (u32, u32)) -> anyhow::Result<DateTime<Utc>> {
    let naive = date
        .and_hms_opt(hour, minute, 0)
        .ok_or_else(|| anyhow!("{hour:02}:{minute:02} is not a time of day"))?;
    Ok(naive.and_utc() - Duration::hours(amsterdam_offset_hours(date)))
}

// ---------------------------------------------------------------------------------------
// Loading.

fn explain(e: &DomainError) -> String {
    match e {
        DomainError::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Names the step a domain error happened in.
trait Step<T> {
    fn step(self, what: impl FnOnce() -> String) -> anyhow::Result<T>;
}

impl<T> Step<T> for DomainResult<T> {
    fn step(self, what: impl FnOnce() -> String) -> anyhow::Result<T> {
        self.map_err(|e| anyhow!("{}: {}", what(), explain(&e)))
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// `n` different people from `list`, starting at `start` and striding so that every
/// edition draws from several organisations.
fn pick(list: &[Uuid], start: usize, n: usize) -> Vec<Uuid> {
    let len = list.len();
    if len == 0 {
        return Vec::new();
    }
    let stride = [7, 11, 13, 1]
        .into_iter()
        .find(|&s| gcd(s, len) == 1)
        .unwrap_or(1);
    (0..n.min(len))
        .filter_map(|k| list.get((start + k * stride) % len).copied())
        .collect()
}

struct Loader<'a> {
    db: &'a DatabaseConnection,
    today: NaiveDate,
    issuer: &'a str,
    now: DateTime<Utc>,
}

struct Created {
    id: Uuid,
    person: Person,
}

impl<'a> Loader<'a> {
    fn new(db: &'a DatabaseConnection, today: NaiveDate, issuer: &'a str) -> Self {
        Self {
            db,
            today,
            issuer,
            now: crate::domain::now(),
        }
    }

    async fn run(&self, people: &[Person], started: Instant) -> anyhow::Result<DemoSummary> {
        let db = self.db;
        let academy = organizations::academy(db)
            .await
            .step(|| "the academy".into())?;

        // The admin: created with the demo password, or an existing admin kept as it is.
        let existing = user::Entity::find()
            .filter(user::Column::Email.eq(DEMO_ADMIN_EMAIL))
            .one(db)
            .await?;
        let (admin_id, admin_name, admin_password, mut users_created) = match existing {
            Some(u) => (u.id, u.name, None, 0),
            None => {
                let view = users::create_admin(db, DEMO_ADMIN_EMAIL, DEMO_PASSWORD)
                    .await
                    .step(|| "the demo admin".into())?;
                (
                    view.user.id,
                    view.user.name,
                    Some(DEMO_PASSWORD.to_owned()),
                    1,
                )
            }
        };
        let actor = Principal {
            id: admin_id,
            kind: SubjectKind::User,
            roles: vec![Role::Admin],
            org: Some(academy.id),
            scopes: Vec::new(),
            version: 0,
        };
        let admin_name = if admin_password.is_some() {
            let name = "Coördinatie Flevo Academie Jeugd";
            users::update(
                db,
                &actor,
                admin_id,
                UserPatch {
                    name: Some(name.to_owned()),
                    ..UserPatch::default()
                },
            )
            .await
            .step(|| "naming the demo admin".into())?;
            name.to_owned()
        } else {
            admin_name
        };

        // Organisations.
        let mut org_ids = Vec::with_capacity(ORGANIZATIONS.len());
        for spec in ORGANIZATIONS {
            let org = organizations::create(db, spec.name, spec.kind)
                .await
                .step(|| format!("organisation {}", spec.name))?;
            org_ids.push(org.id);
        }

        // People: validated by `users::create` without a password, then given the hash of
        // the demo password (hashed once: Argon2id per user would take seconds).
        let mut created = Vec::with_capacity(people.len());
        for person in people {
            let organization_id = match person.workplace {
                Workplace::Org(i) => *org_ids
                    .get(i)
                    .ok_or_else(|| anyhow!("no organisation {i}"))?,
                Workplace::Academy => academy.id,
            };
            let view = users::create(
                db,
                &actor,
                NewUser {
                    email: person.email(),
                    name: person.name(),
                    organization_id,
                    roles: vec![person.role],
                    registers: person.registers.clone(),
                    password: None,
                    // Given the demo password below.
                    locale: None,
                    invite: false,
                },
            )
            .await
            .step(|| format!("user {}", person.email()))?;
            created.push(Created {
                id: view.user.id,
                person: person.clone(),
            });
        }
        users_created += created.len();
        let hash = password::hash(DEMO_PASSWORD.to_owned())
            .await
            .map_err(|e| anyhow!("hashing the demo password: {e}"))?;
        user::Entity::update_many()
            .col_expr(user::Column::PasswordHash, Expr::value(Some(hash)))
            .filter(user::Column::Id.is_in(created.iter().map(|c| c.id)))
            .exec(db)
            .await?;
        let of_role = |role: Role| -> Vec<&Created> {
            created.iter().filter(|c| c.person.role == role).collect()
        };
        let professionals: Vec<Uuid> = of_role(Role::Professional).iter().map(|c| c.id).collect();
        let trainers: Vec<Uuid> = of_role(Role::Trainer).iter().map(|c| c.id).collect();

        // Courses.
        let mut course_ids = Vec::new();
        for input in course_inputs(self.today) {
            let title = input.title.clone().unwrap_or_default();
            let view = courses::create(db, input)
                .await
                .step(|| format!("course {title}"))?;
            course_ids.push(view.course.id);
        }

        // Editions, their sessions and registrations.
        let mut editions = 0;
        let mut sessions = 0;
        let mut registrations = 0;
        let mut printed_professional = None;
        for plan in plans(self.today, local_hour(self.now)) {
            let course_id = *course_ids
                .get(plan.course)
                .ok_or_else(|| anyhow!("no course {}", plan.course))?;
            let edition = self.edition(&actor, course_id, &plan, &trainers).await?;
            editions += 1;
            sessions += plan.dates.len();
            let people = pick(&professionals, plan.first_professional, plan.registrations);
            if plan.outcome == Outcome::Published
                && plan.registrations > usize::try_from(plan.capacity).unwrap_or(usize::MAX)
                && printed_professional.is_none()
            {
                // The first of a full edition: has a seat where others wait.
                printed_professional = people.first().copied();
            }
            registrations += self.register(edition, &plan, &people).await?;
            if plan.outcome == Outcome::Closed {
                self.mark_attendance(&actor, edition).await?;
                editions::lifecycle::transition(
                    db,
                    &actor,
                    edition,
                    Transition::Close,
                    self.issuer,
                )
                .await
                .step(|| "closing an edition".into())?;
            }
        }

        // The logins to print.
        let login = |role: &'static str, c: Option<&&Created>| {
            c.map(|c| DemoLogin {
                role,
                name: c.person.name(),
                email: c.person.email(),
                password: Some(DEMO_PASSWORD.to_owned()),
            })
        };
        let mut logins = vec![DemoLogin {
            role: "admin",
            name: admin_name,
            email: DEMO_ADMIN_EMAIL.to_owned(),
            password: admin_password,
        }];
        logins.extend(login("trainer", of_role(Role::Trainer).first()));
        logins.extend(login("hr", of_role(Role::Hr).first()));
        let professional = created
            .iter()
            .find(|c| Some(c.id) == printed_professional)
            .or_else(|| of_role(Role::Professional).first().copied());
        logins.extend(login("professional", professional.as_ref()));

        Ok(DemoSummary {
            logins,
            organizations: org_ids.len(),
            users: users_created,
            courses: course_ids.len(),
            editions,
            sessions,
            registrations,
            elapsed: started.elapsed(),
        })
    }

    /// Creates an edition with its sessions and publishes it if the plan says so.
    async fn edition(
        &self,
        actor: &Principal,
        course_id: Uuid,
        plan: &EditionPlan,
        trainers: &[Uuid],
    ) -> anyhow::Result<Uuid> {
        let db = self.db;
        let what = || format!("an edition of course {}", plan.course);
        let first = plan.dates.first().copied();
        let window = match (plan.outcome, first) {
            (Outcome::Draft, _) => None,
            (Outcome::Closed, Some(first)) => Some((
                local(first - Duration::days(56), (9, 0))?,
                Some(local(first - Duration::days(2), (9, 0))?),
                Some(local(first - Duration::days(plan.cancel_days), (9, 0))?),
            )),
            (Outcome::Published, Some(first)) => Some((
                local(self.today - Duration::days(21), (9, 0))?,
                Some(local(first - Duration::days(2), (9, 0))?),
                Some(local(first - Duration::days(plan.cancel_days), (9, 0))?),
            )),
            // E-learning: open from three weeks ago, no end.
            (_, None) => Some((local(self.today - Duration::days(21), (9, 0))?, None, None)),
        };
        let trainer_ids = plan
            .trainers
            .iter()
            .map(|&i| {
                trainers
                    .get(i)
                    .copied()
                    .ok_or_else(|| anyhow!("no trainer {i}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let view = editions::lifecycle::create(
            db,
            course_id,
            EditionInput {
                capacity: Some(plan.capacity),
                waitlist_enabled: Some(true),
                requires_approval: Some(plan.requires_approval),
                registration_opens_at: Some(window.map(|w| w.0)),
                registration_closes_at: Some(window.and_then(|w| w.1)),
                cancellation_deadline: Some(window.and_then(|w| w.2)),
                location: Some(plan.location.map(str::to_owned)),
                online_url: Some(plan.online_url.map(str::to_owned)),
                trainer_ids: Some(trainer_ids),
                reminder_days_first: None,
                reminder_days_later: None,
            },
        )
        .await
        .step(what)?;
        let id = view.edition.id;
        // An edition is published before it takes place: the sessions of one that lies
        // in the past are planned ahead first and moved to their real dates once it is
        // published (before anyone registers, so nobody is mailed about the move).
        let shift = match plan.dates.iter().max() {
            Some(&last) if plan.outcome != Outcome::Draft && last < self.today => {
                self.today - last + Duration::days(1)
            }
            _ => Duration::zero(),
        };
        let mut planned = Vec::with_capacity(plan.dates.len());
        for &date in &plan.dates {
            let s = sessions::create(
                db,
                id,
                SessionInput {
                    starts_at: Some(local(date + shift, plan.slot.0)?),
                    ends_at: Some(local(date + shift, plan.slot.1)?),
                    ..SessionInput::default()
                },
            )
            .await
            .step(|| format!("a session on {date}"))?;
            planned.push((s.id, date));
        }
        if plan.outcome != Outcome::Draft {
            editions::lifecycle::transition(db, actor, id, Transition::Publish, self.issuer)
                .await
                .step(what)?;
        }
        if shift > Duration::zero() {
            for (session, date) in planned {
                sessions::update(
                    db,
                    session,
                    SessionInput {
                        starts_at: Some(local(date, plan.slot.0)?),
                        ends_at: Some(local(date, plan.slot.1)?),
                        ..SessionInput::default()
                    },
                )
                .await
                .step(|| format!("the session on {date}"))?;
            }
        }
        Ok(id)
    }

    /// Marks a finished edition's sessions: everyone present but every seventh person,
    /// who misses one session in three (so some do not complete).
    async fn mark_attendance(&self, actor: &Principal, edition_id: Uuid) -> anyhow::Result<()> {
        let confirmed = registration::Entity::find()
            .filter(registration::Column::EditionId.eq(edition_id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .order_by_asc(registration::Column::Id)
            .all(self.db)
            .await?;
        let sessions = session::Entity::find()
            .filter(session::Column::EditionId.eq(edition_id))
            .order_by_asc(session::Column::StartsAt)
            .all(self.db)
            .await?;
        for (k, s) in sessions.iter().enumerate() {
            let marks: Vec<Mark> = confirmed
                .iter()
                .enumerate()
                .map(|(i, r)| Mark {
                    registration_id: r.id,
                    status: match (i % 7, k % 3) {
                        (6, 0) => AttendanceStatus::Absent,
                        (3, 1) => AttendanceStatus::Late,
                        _ => AttendanceStatus::Present,
                    },
                    note: None,
                })
                .collect();
            if !marks.is_empty() {
                attendance::mark(self.db, actor, s.id, &marks)
                    .await
                    .step(|| "marking attendance".into())?;
            }
        }
        Ok(())
    }

    /// Registers people in one transaction, on dates in the past: confirmed up to the
    /// capacity, then on the waiting list in order, each with its history entry.
    async fn register(
        &self,
        edition_id: Uuid,
        plan: &EditionPlan,
        people: &[Uuid],
    ) -> anyhow::Result<usize> {
        if people.is_empty() {
            return Ok(0);
        }
        let opened = match (plan.outcome, plan.dates.first()) {
            (Outcome::Closed, Some(&first)) => local(first - Duration::days(56), (9, 0))?,
            _ => local(self.today - Duration::days(21), (9, 0))?,
        };
        let capacity = usize::try_from(plan.capacity).unwrap_or(usize::MAX);
        let mut rows = Vec::with_capacity(people.len());
        let mut events = Vec::with_capacity(people.len());
        // Of an upcoming edition that needs approval, the last three people of
        // organisations with HR wait for their HR.
        let waiting: HashSet<Uuid> = if plan.requires_approval && plan.outcome == Outcome::Published
        {
            let with_hr: HashSet<Uuid> = user::Entity::find()
                .select_only()
                .column(user::Column::OrganizationId)
                .inner_join(entity::user_role::Entity)
                .filter(entity::user_role::Column::Role.eq(Role::Hr))
                .into_tuple::<Uuid>()
                .all(self.db)
                .await?
                .into_iter()
                .collect();
            let orgs: HashMap<Uuid, Uuid> = user::Entity::find()
                .select_only()
                .column(user::Column::Id)
                .column(user::Column::OrganizationId)
                .filter(user::Column::Id.is_in(people.iter().copied()))
                .into_tuple::<(Uuid, Uuid)>()
                .all(self.db)
                .await?
                .into_iter()
                .collect();
            people
                .iter()
                .rev()
                .filter(|p| orgs.get(p).is_some_and(|o| with_hr.contains(o)))
                .take(3)
                .copied()
                .collect()
        } else {
            HashSet::new()
        };
        let mut pending = Vec::new();
        for (k, &user_id) in people.iter().enumerate() {
            // A few hours apart, and never in the future.
            let at = (opened + Duration::hours(5 * k as i64)).min(self.now);
            let (status, position) = if waiting.contains(&user_id) {
                (RegistrationStatus::PendingApproval, None)
            } else if k < capacity {
                (RegistrationStatus::Confirmed, None)
            } else {
                let position = i32::try_from(k - capacity + 1)?;
                (RegistrationStatus::Waitlisted, Some(position))
            };
            let id = Uuid::now_v7();
            if status == RegistrationStatus::PendingApproval {
                pending.push(id);
            }
            events.push(registration_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                registration_id: Set(id),
                from_status: Set(None),
                to_status: Set(status),
                actor_kind: Set(ActorKind::User),
                actor_id: Set(Some(user_id)),
                reason: Set(Some("registered".to_owned())),
                at: Set(at),
                // The demo's history is of before: nobody is told of it again.
                notice_kind: Set(None),
                notice_payload: Set(None),
            });
            rows.push(registration::ActiveModel {
                id: Set(id),
                edition_id: Set(edition_id),
                user_id: Set(user_id),
                status: Set(status),
                waitlist_position: Set(position),
                late_cancellation: Set(false),
                created_at: Set(at),
                updated_at: Set(at),
            });
        }
        let txn = begin_write(self.db).await?;
        registration::Entity::insert_many(rows).exec(&txn).await?;
        registration_event::Entity::insert_many(events)
            .exec(&txn)
            .await?;
        // HR hears of the ones waiting, as they would have.
        let requests =
            crate::domain::registrations::approvals::approval_requests_for(&txn, &pending)
                .await
                .map_err(|e| anyhow!("{}", explain(&e)))?;
        crate::domain::messages::enqueue(&txn, requests, self.now)
            .await
            .map_err(|e| anyhow!("{}", explain(&e)))?;
        txn.commit().await?;
        Ok(people.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn todays_session_is_under_way_at_any_hour() {
        for hour in 0..24 {
            let ((h0, m0), (h1, m1)) = today_slot(hour);
            assert!(
                (h0, m0) <= (hour, 0) && (hour, 59) <= (h1, m1),
                "{hour}: {h0}:{m0}–{h1}:{m1}"
            );
        }
    }

    #[test]
    fn summer_time_follows_the_eu_rule() {
        assert_eq!(last_sunday(2026, 3), Some(date(2026, 3, 29)));
        assert_eq!(last_sunday(2026, 10), Some(date(2026, 10, 25)));
        assert_eq!(last_sunday(2025, 3), Some(date(2025, 3, 30)));
        assert_eq!(amsterdam_offset_hours(date(2026, 3, 28)), 1);
        assert_eq!(amsterdam_offset_hours(date(2026, 3, 29)), 2);
        assert_eq!(amsterdam_offset_hours(date(2026, 7, 1)), 2);
        assert_eq!(amsterdam_offset_hours(date(2026, 10, 24)), 2);
        assert_eq!(amsterdam_offset_hours(date(2026, 10, 25)), 1);
        assert_eq!(amsterdam_offset_hours(date(2026, 12, 1)), 1);
        assert_eq!(
            local(date(2026, 1, 13), (9, 0)).unwrap().to_rfc3339(),
            "2026-01-13T08:00:00+00:00"
        );
        assert_eq!(
            local(date(2026, 6, 9), (9, 0)).unwrap().to_rfc3339(),
            "2026-06-09T07:00:00+00:00"
        );
    }

    #[test]
    fn every_professional_has_a_workplace_and_addresses_are_unique() {
        let staff: usize = ORGANIZATIONS.iter().map(|o| o.staff).sum();
        assert_eq!(staff, PROFESSIONALS.len());
        let people = people(date(2026, 1, 1));
        assert_eq!(
            people.len(),
            PROFESSIONALS.len() + HR.len() + TRAINERS.len()
        );
        let mut emails: Vec<String> = people.iter().map(Person::email).collect();
        emails.sort();
        emails.dedup();
        assert_eq!(emails.len(), people.len());
        assert!(emails.iter().all(|e| e.is_ascii() && !e.contains(' ')));
        assert!(emails.iter().any(|e| e.starts_with("zoe.brouwer@")));
        assert!(emails.contains(&"marloes.vandenberg@flevoacademiejeugd.nl".to_owned()));
        let with_skj = people
            .iter()
            .filter(|p| p.registers.iter().any(|r| r.register == Register::Skj))
            .count();
        assert!(with_skj * 4 > PROFESSIONALS.len() * 3, "{with_skj}");
    }

    #[test]
    fn picks_are_distinct() {
        let list: Vec<Uuid> = (0..61).map(|_| Uuid::new_v4()).collect();
        let mut picked = pick(&list, 40, 61);
        picked.sort();
        picked.dedup();
        assert_eq!(picked.len(), 61);
    }

    #[test]
    fn dates_fall_on_the_weekday_asked() {
        let today = date(2026, 11, 23); // a Monday
        assert_eq!(day(today, 0, Weekday::Mon), today);
        assert_eq!(day(today, 1, Weekday::Tue), date(2026, 12, 1));
        assert_eq!(day(today, -2, Weekday::Fri), date(2026, 11, 13));
    }
}
