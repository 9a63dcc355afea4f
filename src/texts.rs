//! The academy's words for things, in Dutch, shared by what it prints (certificates),
//! shows (calendars) and sends.

/// The Dutch name of a kind of course.
pub fn kind_label(k: entity::CourseKind) -> &'static str {
    match k {
        entity::CourseKind::Lecture => "Lezing",
        entity::CourseKind::Workshop => "Workshop",
        entity::CourseKind::Training => "Training",
        entity::CourseKind::Symposium => "Symposium",
        entity::CourseKind::Elearning => "E-learning",
    }
}
