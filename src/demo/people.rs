//! The demo's organisations and people: the municipalities of Flevoland, the providers
//! and certified institutions, and the professionals, HR and trainers who work there.

use chrono::{Duration, NaiveDate};
use entity::{OrganizationKind, Register, Role};

use crate::domain::users::RegisterInput;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-wachtwoord";

/// The demo admin's e-mail address.
pub const DEMO_ADMIN_EMAIL: &str = "beheer@flevoacademiejeugd.nl";

/// The academy's mail domain.
const ACADEMY_DOMAIN: &str = "flevoacademiejeugd.nl";

pub(super) struct OrgSpec {
    pub(super) name: &'static str,
    pub(super) kind: OrganizationKind,
    pub(super) domain: &'static str,
    /// How many professionals work there.
    pub(super) staff: usize,
}

pub(super) const fn org(
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
pub(super) const ORGANIZATIONS: &[OrgSpec] = &[
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
pub(super) const HR: &[(&str, &str)] = &[("Ingrid", "Vos"), ("Marco", "de Graaf")];

/// Where the person works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Workplace {
    /// `ORGANIZATIONS[i]`.
    Org(usize),
    /// The academy.
    Academy,
}

#[derive(Debug, Clone)]
pub(super) struct Person {
    pub(super) first: &'static str,
    pub(super) last: &'static str,
    pub(super) workplace: Workplace,
    pub(super) domain: &'static str,
    pub(super) role: Role,
    pub(super) registers: Vec<RegisterInput>,
}

impl Person {
    pub(super) fn name(&self) -> String {
        format!("{} {}", self.first, self.last)
    }

    /// `voornaam.achternaam@domein.nl`, without spaces or accents.
    pub(super) fn email(&self) -> String {
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
pub(super) fn people(today: NaiveDate) -> Vec<Person> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
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
}
