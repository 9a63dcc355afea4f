//! The page a certificate's QR code and verification link open in a browser: who holds
//! it, for which course, when completed, the points, and whether it is valid.

use entity::{CertificateStatus, Locale};
use sea_orm::ActiveEnum;

use super::{html, t};
use crate::domain::certificates::Certificate;
use crate::mail::letter::escape;

/// The verification page of a certificate.
pub fn page(academy: &str, locale: Locale, c: &Certificate) -> String {
    let r = &c.row;
    let valid = r.status == CertificateStatus::Valid;
    let mut main = String::new();
    if valid {
        main.push_str(&format!(
            "<p class=\"ok\" role=\"status\"><strong>{}</strong> {}</p>\n",
            t(locale, "Geldig.", "Valid."),
            escape(t(
                locale,
                "Dit certificaat is uitgegeven door de academie en is niet ingetrokken.",
                "This certificate was issued by the academy and has not been revoked.",
            ))
        ));
    } else {
        let when = r
            .revoked_at
            .map(|d| {
                crate::domain::time::local_day(d)
                    .format("%d-%m-%Y")
                    .to_string()
            })
            .unwrap_or_default();
        main.push_str(&format!(
            "<p class=\"alert\" role=\"status\"><strong>{}</strong> {} {}</p>\n",
            t(locale, "Ingetrokken.", "Revoked."),
            escape(t(
                locale,
                "Dit certificaat is niet meer geldig; het is ingetrokken op",
                "This certificate is no longer valid; it was revoked on",
            )),
            escape(&when)
        ));
    }
    main.push_str("<dl>\n");
    let mut row = |label: &str, value: &str| {
        main.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape(label),
            escape(value)
        ));
    };
    row(t(locale, "Op naam van", "Holder"), &r.holder_name);
    row(t(locale, "Cursus", "Course"), &r.course_title);
    row(
        t(locale, "Afgerond op", "Completed on"),
        &r.completed_on.format("%d-%m-%Y").to_string(),
    );
    for a in &c.accreditations {
        row(
            &format!(
                "{} {}",
                a.register.to_value(),
                t(locale, "punten", "points")
            ),
            &format!("{} ({})", a.points, a.accreditation_number),
        );
    }
    row(t(locale, "Uitgegeven door", "Issued by"), &r.issuer);
    row(
        t(locale, "Code", "Code"),
        &crate::certificates::code::display(&r.code),
    );
    main.push_str("</dl>\n");
    html(
        locale,
        academy,
        t(locale, "Certificaat controleren", "Certificate check"),
        &main,
    )
}
