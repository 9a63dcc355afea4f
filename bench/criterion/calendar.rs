//! Calendar rendering (criterion): a personal feed of 100 sessions and the catalogue feed
//! of 1,000 sessions, from loaded rows to the finished body with its ETag (the server's
//! time per feed besides the database reads).
//!
//! `cargo bench --bench calendar`

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use std::hint::black_box;

use academy::calendar::feeds::{self, Item, Site};
use academy::calendar::ics::EventStatus;
use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use uuid::Uuid;

const TITLES: [&str; 4] = [
    "Zorg voor het getraumatiseerde kind; deel 2, ‘veerkracht’ — één dag",
    "Verklarende analyse: van casus naar hypothese",
    "Waardevrij en objectief rapporteren in de jeugdbescherming",
    "Kindermishandeling en de meldcode: signaleren, wegen, handelen",
];

fn items(n: usize) -> Vec<Item> {
    let start = Utc.with_ymd_and_hms(2027, 1, 11, 8, 0, 0).unwrap();
    (0..n)
        .map(|i| {
            let at = start + Duration::hours(i as i64 * 29);
            Item {
                session_id: Uuid::now_v7(),
                starts_at: at,
                ends_at: at + Duration::hours(3),
                revision: (i % 3) as i32,
                updated_at: start - Duration::days(30) + Duration::minutes(i as i64),
                edition_id: Uuid::now_v7(),
                course_title: TITLES[i % TITLES.len()].to_owned(),
                kind: entity::CourseKind::Training,
                locale: entity::Locale::Nl,
                location: Some(format!(
                    "Leeuwenlaan {}, 1316 XX Almere; zaal {}, tweede verdieping",
                    i % 90 + 1,
                    i % 7 + 1
                )),
                online_url: (i % 4 == 0)
                    .then(|| format!("https://meet.example.nl/academie/sessie-{i}")),
                ordinal: (i % 8 + 1, 8),
                status: match i % 10 {
                    0 => EventStatus::Cancelled,
                    1 | 2 => EventStatus::Tentative,
                    _ => EventStatus::Confirmed,
                },
                remark: (i % 10 == 1).then(|| "Je staat op de wachtlijst (plaats 3).".to_owned()),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let site = Site {
        public_url: "https://academie.example.nl",
        academy_name: "Flevo Academie Jeugd",
        organizer_email: "agenda@academie.example.nl",
        uid_domain: "academie.example.nl",
    };
    let now = Utc::now();
    let personal = items(100);
    let catalog = items(1_000);
    c.bench_function("personal feed, 100 sessions", |b| {
        b.iter(|| {
            feeds::render(
                &site,
                "Flevo Academie Jeugd – A. de Vries",
                black_box(&personal),
                now,
            )
            .unwrap()
        })
    });
    c.bench_function("catalogue feed, 1,000 sessions", |b| {
        b.iter(|| {
            feeds::render(
                &site,
                "Flevo Academie Jeugd – agenda",
                black_box(&catalog),
                now,
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
