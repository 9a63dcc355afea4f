//! Certificate rendering and signing (criterion): the PDF of one certificate and its
//! Open Badges 3.0 credential signed as a VC-JWT.
//!
//! `cargo bench --bench certificates`

#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

use academy::auth::keys::KeyRing;
use academy::auth::tokens::TokenService;
use academy::certificates::pdf::{self, CertificateDocument, PdfAccreditation};
use academy::certificates::{code, credential};
use academy::domain::certificates::Certificate;
use chrono::{NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use entity::{CertificateStatus, CourseKind, Register, certificate, certificate_accreditation};
use std::hint::black_box;
use uuid::Uuid;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn sample() -> Certificate {
    let id = Uuid::now_v7();
    Certificate {
        row: certificate::Model {
            id,
            code: code::generate(),
            registration_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            edition_id: Uuid::now_v7(),
            course_id: Uuid::now_v7(),
            holder_name: "Anouk van den Bërg-Çelik".to_owned(),
            course_title: "Zorg voor het getraumatiseerde kind; deel 2, ‘veerkracht’ — één dag"
                .to_owned(),
            course_kind: CourseKind::Training,
            hours: Some(24.0),
            first_day: Some(day(2026, 9, 7)),
            last_day: Some(day(2026, 11, 2)),
            completed_on: day(2026, 11, 2),
            issuer: "Flevo Academie Jeugd".to_owned(),
            issued_at: Utc::now(),
            status: CertificateStatus::Valid,
            revoked_at: None,
            revoked_reason: None,
            status_index: Some(4_711),
        },
        accreditations: vec![
            certificate_accreditation::Model {
                certificate_id: id,
                register: Register::Skj,
                accreditation_number: "SKJ-2026-0420".to_owned(),
                points: 24.0,
                holder_number: Some("110012345".to_owned()),
            },
            certificate_accreditation::Model {
                certificate_id: id,
                register: Register::Nip,
                accreditation_number: "NIP-77".to_owned(),
                points: 20.0,
                holder_number: None,
            },
        ],
    }
}

fn bench(c: &mut Criterion) {
    let cert = sample();
    let shown = code::display(&cert.row.code);
    let url = format!("https://academie.example.nl/api/v1/verify/{shown}");
    let accreditations = [
        PdfAccreditation {
            register: "SKJ",
            accreditation_number: "SKJ-2026-0420",
            points: 24.0,
            holder_number: Some("110012345"),
        },
        PdfAccreditation {
            register: "NIP",
            accreditation_number: "NIP-77",
            points: 20.0,
            holder_number: None,
        },
    ];
    let doc = CertificateDocument {
        issuer: &cert.row.issuer,
        holder_name: &cert.row.holder_name,
        course_title: &cert.row.course_title,
        course_kind: "Training",
        first_day: day(2026, 9, 7),
        last_day: day(2026, 11, 2),
        completed_on: day(2026, 11, 2),
        hours: Some(24.0),
        accreditations: &accreditations,
        issued_on: day(2026, 11, 3),
        code: &shown,
        verify_url: &url,
    };
    c.bench_function("certificate PDF (A4, fonts embedded, QR)", |b| {
        b.iter(|| pdf::render(black_box(&doc)).unwrap())
    });
    let tokens = TokenService::new(
        KeyRing::ephemeral().unwrap(),
        "https://academie.example.nl".to_owned(),
        "academy-api".to_owned(),
    );
    c.bench_function("credential VC-JWT (build and sign, Ed25519)", |b| {
        b.iter(|| {
            credential::sign(
                &tokens,
                black_box(&cert),
                "https://academie.example.nl",
                Some("anouk@example.nl"),
            )
            .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
