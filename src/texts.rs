//! The academy's words for things, in Dutch (and English where a person reads English),
//! shared by what it prints (certificates), shows (calendars, pages) and sends.

use chrono::{Datelike, NaiveDate, Weekday};
use entity::Locale;

/// Picks the Dutch or the English text.
pub fn t<'a>(locale: Locale, nl: &'a str, en: &'a str) -> &'a str {
    match locale {
        Locale::Nl => nl,
        Locale::En => en,
    }
}

/// The Dutch name of a kind of course.
pub fn kind_label(k: entity::CourseKind) -> &'static str {
    kind_name(Locale::Nl, k)
}

/// The kind of a course in a language.
pub fn kind_name(locale: Locale, k: entity::CourseKind) -> &'static str {
    match k {
        entity::CourseKind::Lecture => t(locale, "Lezing", "Lecture"),
        entity::CourseKind::Workshop => "Workshop",
        entity::CourseKind::Training => "Training",
        entity::CourseKind::Symposium => "Symposium",
        entity::CourseKind::Elearning => "E-learning",
    }
}

const DAYS_NL: [&str; 7] = [
    "maandag",
    "dinsdag",
    "woensdag",
    "donderdag",
    "vrijdag",
    "zaterdag",
    "zondag",
];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS_NL: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "dinsdag", "Tuesday".
pub fn weekday(locale: Locale, day: Weekday) -> &'static str {
    let days = match locale {
        Locale::Nl => DAYS_NL,
        Locale::En => DAYS_EN,
    };
    days[day.num_days_from_monday() as usize]
}

/// "3 februari 2027", "3 February 2027".
pub fn long_date(locale: Locale, d: NaiveDate) -> String {
    let months = match locale {
        Locale::Nl => MONTHS_NL,
        Locale::En => MONTHS_EN,
    };
    format!("{} {} {}", d.day(), months[d.month0() as usize], d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_the_dutch_and_the_english_way() {
        let d = NaiveDate::from_ymd_opt(2027, 2, 3).unwrap();
        assert_eq!(long_date(Locale::Nl, d), "3 februari 2027");
        assert_eq!(long_date(Locale::En, d), "3 February 2027");
        assert_eq!(weekday(Locale::Nl, d.weekday()), "woensdag");
        assert_eq!(weekday(Locale::En, d.weekday()), "Wednesday");
    }
}
