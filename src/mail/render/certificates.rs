//! Letters about what a person earned: a certificate issued or revoked, and the register
//! points they are short of.

use entity::{Locale, message, user};
use serde_json::Value;

use crate::domain::messages::Kind;
use crate::mail::letter::Letter;
use crate::state::AppState;

use super::parts::{Unsendable, about, greeting, hr_organisation, payload_str, t};

pub(super) async fn certificate_letter(
    state: &AppState,
    kind: Kind,
    m: &message::Model,
    person: &user::Model,
) -> Result<Letter, Unsendable> {
    let id = about(m, "certificate")?;
    let c = crate::domain::certificates::load(&state.db, id).await?;
    let locale = person.locale;
    let academy = &state.config.academy_name;
    let title = c.row.course_title.clone();
    let verify = crate::certificates::code::verify_url(&state.config.public_url, &c.row.code);
    let mut facts = vec![
        (t(locale, "Cursus", "Course"), title.clone()),
        (
            t(locale, "Afgerond op", "Completed on"),
            c.row.completed_on.format("%d-%m-%Y").to_string(),
        ),
        (
            t(locale, "Certificaatcode", "Certificate code"),
            crate::certificates::code::display(&c.row.code),
        ),
    ];
    for a in &c.accreditations {
        use sea_orm::ActiveEnum;
        facts.push((
            format!(
                "{} {}",
                a.register.to_value(),
                t(locale, "punten", "points")
            ),
            format!("{}", a.points),
        ));
    }
    let why = match locale {
        Locale::Nl => format!(
            "Je ontvangt dit bericht van {academy} omdat je {title} hebt afgerond. Berichten over je certificaten kun je niet uitzetten."
        ),
        Locale::En => format!(
            "You receive this message from {academy} because you completed {title}. Messages about your certificates cannot be turned off."
        ),
    };
    if kind == Kind::CertificateRevoked {
        if c.row.status != entity::CertificateStatus::Revoked {
            return Err(Unsendable::Skip("the certificate is valid again".into()));
        }
        if let Some(reason) = &c.row.revoked_reason {
            facts.insert(1, (t(locale, "Reden", "Reason"), reason.clone()));
        }
        return Ok(Letter {
            lang: locale.tag(),
            subject: t(locale, "Certificaat ingetrokken: ", "Certificate revoked: ") + &title,
            greeting: greeting(locale, person),
            paragraphs: vec![t(
                locale,
                "Je certificaat is ingetrokken. Wie de code controleert, ziet dat het niet meer geldig is. Heb je vragen, neem dan contact op met de academie.",
                "Your certificate was revoked. Anyone checking its code sees that it is no longer valid. If you have questions, please contact the academy.",
            )],
            facts,
            action: Some((t(locale, "Bekijk de status", "See its status"), verify)),
            why,
            calendar: None,
            attachment: None,
        });
    }
    if c.row.status != entity::CertificateStatus::Valid {
        return Err(Unsendable::Skip(
            "the certificate was revoked meanwhile".into(),
        ));
    }
    let pdf = crate::certificates::document(&state.config.public_url, &c)
        .map_err(|e| Unsendable::Retry(format!("rendering the certificate: {e}")))?;
    Ok(Letter {
        lang: locale.tag(),
        subject: t(locale, "Je certificaat: ", "Your certificate: ") + &title,
        greeting: greeting(locale, person),
        paragraphs: vec![t(
            locale,
            "Gefeliciteerd! Je hebt de cursus afgerond. Je certificaat zit als PDF bij dit bericht. Iedereen kan het controleren met de code of de link hieronder; de punten schrijft de academie bij in het register.",
            "Congratulations! You completed the course. Your certificate is attached to this message as a PDF. Anyone can check it with the code or the link below; the academy reports the points to the register.",
        )],
        facts,
        action: Some((
            t(
                locale,
                "Controleer het certificaat",
                "Verify the certificate",
            ),
            verify,
        )),
        why,
        calendar: None,
        attachment: Some((
            format!("certificaat-{}.pdf", c.row.code.to_lowercase()),
            "application/pdf".to_owned(),
            pdf,
        )),
    })
}

pub(super) async fn points_letter(
    state: &AppState,
    kind: Kind,
    m: &message::Model,
    person: &user::Model,
    payload: &Value,
) -> Result<Letter, Unsendable> {
    use crate::domain::reports::{self, Scope};
    let today = crate::domain::time::today();
    let locale = person.locale;
    let academy = &state.config.academy_name;
    let mut short = Vec::new();
    for register in reports::registers_with_norm() {
        use sea_orm::ActiveEnum;
        if kind == Kind::PointsReminder
            && payload_str(payload, "register") != Some(register.to_value().as_str())
        {
            continue;
        }
        let (scope, only) = if kind == Kind::PointsDigest {
            let org = hr_organisation(m, person)?;
            (Scope::Organization(org), None)
        } else {
            (Scope::All, Some(person.id))
        };
        short.extend(
            reports::points(&state.db, scope, register, only, None, today)
                .await?
                .into_iter()
                .filter(reports::short_within_a_year),
        );
    }
    if short.is_empty() {
        return Err(Unsendable::Skip("nobody is short of points".into()));
    }
    short.sort_by(|a, b| a.period_end.cmp(&b.period_end).then(a.name.cmp(&b.name)));
    let describe = |l: &reports::PointsLine| {
        use sea_orm::ActiveEnum;
        let need = l.shortfall.unwrap_or_default();
        match locale {
            Locale::Nl => format!(
                "{}: {} {} van {} punten, nog {need} nodig vóór {}",
                l.name,
                l.register.to_value(),
                l.points,
                l.norm.unwrap_or_default(),
                l.period_end.format("%d-%m-%Y")
            ),
            Locale::En => format!(
                "{}: {} {} of {} points, {need} more needed by {}",
                l.name,
                l.register.to_value(),
                l.points,
                l.norm.unwrap_or_default(),
                l.period_end.format("%d-%m-%Y")
            ),
        }
    };
    let lines: Vec<String> = short.iter().map(describe).collect();
    let catalogue = format!(
        "{}/catalogue?lang={}",
        state.config.public_url,
        locale.tag()
    );
    let hr = kind == Kind::PointsDigest;
    let (subject, paragraph, label, why) = match (hr, locale) {
        (true, _) => (
            t(
                locale,
                "Registerpunten: wie loopt achter",
                "Register points: who is behind",
            ),
            t(
                locale,
                "De registratieperiode van deze medewerkers eindigt binnen een jaar en ze hebben nog niet genoeg punten. Het aanbod van de academie staat in de catalogus.",
                "The registration period of these employees ends within a year and they do not have enough points yet. The academy's offer is in the catalogue.",
            ),
            t(locale, "Medewerkers", "Employees"),
            match locale {
                Locale::Nl => format!(
                    "Je ontvangt dit maandoverzicht van {academy} omdat je HR-contactpersoon bent van je organisatie."
                ),
                Locale::En => format!(
                    "You receive this monthly digest from {academy} because you are an HR contact of your organisation."
                ),
            },
        ),
        (false, _) => (
            t(locale, "Je registerpunten", "Your register points"),
            t(
                locale,
                "Je registratieperiode eindigt binnen een jaar en je hebt nog niet genoeg punten. In de catalogus vind je cursussen met plaats.",
                "Your registration period ends within a year and you do not have enough points yet. The catalogue lists courses with seats.",
            ),
            t(locale, "Stand", "Standing"),
            match locale {
                Locale::Nl => format!(
                    "Je ontvangt dit bericht van {academy} eenmaal per registratieperiode, omdat je in het register staat."
                ),
                Locale::En => format!(
                    "You receive this message from {academy} once per registration period, because you are in the register."
                ),
            },
        ),
    };
    Ok(Letter {
        lang: locale.tag(),
        subject,
        greeting: greeting(locale, person),
        paragraphs: vec![paragraph],
        facts: vec![(label, lines.join("\n"))],
        action: Some((t(locale, "De catalogus", "The catalogue"), catalogue)),
        why,
        calendar: None,
        attachment: None,
    })
}
