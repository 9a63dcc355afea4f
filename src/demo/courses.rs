//! The academy's courses in the demo, with their accreditations.

use chrono::{Duration, NaiveDate};
use entity::{CourseKind, Register};

use crate::domain::courses::{AccreditationInput, CourseInput};

/// The academy's courses.
pub(super) fn course_inputs(today: NaiveDate) -> Vec<CourseInput> {
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
pub(super) mod c {
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
