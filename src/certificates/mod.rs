//! What a certificate looks like outside the service: its verification code, the signed
//! credential (Open Badges 3.0 as a VC-JWT), the PDF and QR codes.

pub mod code;
pub mod credential;
pub mod pdf;
pub mod qr;

use sea_orm::ActiveEnum;

use crate::domain::certificates::Certificate;
use crate::domain::time::local_day;
use pdf::{CertificateDocument, PdfAccreditation};

/// The PDF of a certificate, as downloaded and as attached to the mail that announces it.
pub fn document(public_url: &str, c: &Certificate) -> Result<Vec<u8>, pdf::PdfError> {
    let r = &c.row;
    let registers: Vec<String> = c
        .accreditations
        .iter()
        .map(|a| a.register.to_value())
        .collect();
    let accreditations: Vec<PdfAccreditation<'_>> = c
        .accreditations
        .iter()
        .zip(&registers)
        .map(|(a, register)| PdfAccreditation {
            register,
            accreditation_number: &a.accreditation_number,
            points: a.points,
            holder_number: a.holder_number.as_deref(),
        })
        .collect();
    let shown_code = code::display(&r.code);
    let url = code::verify_url(public_url, &r.code);
    let doc = CertificateDocument {
        issuer: &r.issuer,
        holder_name: &r.holder_name,
        course_title: &r.course_title,
        course_kind: crate::texts::kind_label(r.course_kind),
        first_day: r.first_day.unwrap_or(r.completed_on),
        last_day: r.last_day.unwrap_or(r.completed_on),
        completed_on: r.completed_on,
        hours: r.hours,
        accreditations: &accreditations,
        issued_on: local_day(r.issued_at),
        code: &shown_code,
        verify_url: &url,
    };
    pdf::render(&doc)
}
