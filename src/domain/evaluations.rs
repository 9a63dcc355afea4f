//! Evaluations: a participant with a confirmed registration scores an edition from 1 to 10,
//! with an optional comment, once per registration. Submitting opens when the first session
//! starts (e-learning modules, which have no sessions, from registration); the evaluation
//! can be changed until 30 days after the edition closes. Admins and the edition's
//! trainers read the summary; only admins see who wrote what and when. In a small group a
//! comment's time or place in the list can give its writer away, so trainers read comments
//! only once [`MIN_ANSWERS_FOR_COMMENTS`] people have answered, without times, in
//! alphabetical order.

use chrono::{DateTime, Duration, Utc};
use entity::{
    CourseKind, EditionStatus, RegistrationStatus, course, edition, evaluation, registration, user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set, SqlErr,
};
use uuid::Uuid;

use super::editions;
use crate::auth::tokens::{Principal, SubjectKind};
use crate::db::{begin_write, retrying};
use crate::error::{DomainError, DomainResult, FieldError};

/// Lowest score.
pub const MIN_SCORE: i64 = 1;
/// Highest score.
pub const MAX_SCORE: i64 = 10;
/// Longest comment, in characters.
pub const MAX_COMMENT: usize = 2_000;
/// An evaluation can be changed for this long after its edition closes.
pub const EDIT_WINDOW: Duration = Duration::days(30);
/// Trainers read comments only once at least this many people have evaluated.
pub const MIN_ANSWERS_FOR_COMMENTS: u32 = 3;

/// A score and comment as sent; checked by [`submit`] and [`edit`].
#[derive(Debug, Clone)]
pub struct Input {
    /// The score, 1 to 10.
    pub score: i64,
    /// The comment; absent or blank is none.
    pub comment: Option<String>,
}

/// An evaluation with the moment it stops being editable.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The row.
    pub row: evaluation::Model,
    /// Until when the participant may change it; `None` while the edition is not closed
    /// (open until 30 days after it closes).
    pub editable_until: Option<DateTime<Utc>>,
}

impl Evaluation {
    fn of(row: evaluation::Model, e: &edition::Model) -> Self {
        Self {
            row,
            editable_until: editable_until(e),
        }
    }
}

/// One comment in a summary.
#[derive(Debug, Clone)]
pub struct Comment {
    /// The text.
    pub comment: String,
    /// The score given with it.
    pub score: i32,
    /// When the evaluation was submitted: only for admins.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Who wrote it: only for admins.
    pub author: Option<Author>,
}

/// The writer of a comment, shown to admins.
#[derive(Debug, Clone)]
pub struct Author {
    /// The person.
    pub user_id: Uuid,
    /// Their name.
    pub name: String,
}

/// What an edition's participants thought of it.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Evaluations.
    pub count: u32,
    /// Mean score rounded to two decimals; `None` without evaluations.
    pub mean: Option<f64>,
    /// How many gave each score: index 0 counts score 1, index 9 score 10.
    pub distribution: [u32; 10],
    /// The comments: for admins all, newest first; for trainers none below
    /// [`MIN_ANSWERS_FOR_COMMENTS`] evaluations, else all in alphabetical order.
    pub comments: Vec<Comment>,
}

/// Who reads a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// Everything: who wrote what, and when.
    Admin,
    /// Nothing that points to a writer.
    Trainer,
}

/// Checks a score and comment; the comment comes back trimmed, blank as none.
fn check(input: &Input) -> DomainResult<(i32, Option<String>)> {
    let mut errors = Vec::new();
    let score = i32::try_from(input.score)
        .ok()
        .filter(|s| (MIN_SCORE..=MAX_SCORE).contains(&i64::from(*s)));
    if score.is_none() {
        errors.push(FieldError::new(
            "score",
            format!("must be a whole number from {MIN_SCORE} to {MAX_SCORE}"),
        ));
    }
    let comment = comment(input.comment.as_deref())
        .map_err(|e| errors.push(e))
        .ok();
    match (score, comment) {
        (Some(score), Some(comment)) if errors.is_empty() => Ok((score, comment)),
        _ => Err(DomainError::Validation(errors)),
    }
}

/// A comment: line breaks allowed (CR LF read as LF), no other control characters, at most
/// [`MAX_COMMENT`] characters after trimming; absent, empty or blank is none.
fn comment(raw: Option<&str>) -> Result<Option<String>, FieldError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text = raw.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_COMMENT {
        return Err(FieldError::new(
            "comment",
            format!("must be at most {MAX_COMMENT} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(FieldError::new(
            "comment",
            "must not contain control characters other than line breaks",
        ));
    }
    Ok(Some(text.to_owned()))
}

fn require_person(actor: &Principal) -> DomainResult<()> {
    if actor.kind == SubjectKind::User {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "evaluations are given by participants themselves",
        ))
    }
}

/// The edition, unless it is missing or a draft (which nobody has evaluated).
async fn edition_of(db: &impl ConnectionTrait, id: Uuid) -> DomainResult<edition::Model> {
    edition::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|e| e.status != EditionStatus::Draft)
        .ok_or(DomainError::NotFound("edition"))
}

/// Until when an evaluation of the edition can be changed: 30 days after it closed (its
/// last change is the closing; a closed edition is not edited); a cancelled edition's
/// ended with the cancellation.
pub fn editable_until(e: &edition::Model) -> Option<DateTime<Utc>> {
    match e.status {
        EditionStatus::Closed => Some(e.updated_at + EDIT_WINDOW),
        EditionStatus::Cancelled => Some(e.updated_at),
        EditionStatus::Draft | EditionStatus::Published => None,
    }
}

fn require_editable(e: &edition::Model, now: DateTime<Utc>) -> DomainResult<()> {
    if e.status == EditionStatus::Cancelled {
        return Err(DomainError::conflict(
            "edition_cancelled",
            "the edition is cancelled",
        ));
    }
    match editable_until(e) {
        Some(until) if now > until => Err(DomainError::conflict(
            "evaluation_closed",
            "evaluations can be given and changed until 30 days after the edition closes",
        )),
        _ => Ok(()),
    }
}

/// Open once the first session has started; an e-learning module (no sessions) from
/// registration.
async fn require_open(
    db: &impl ConnectionTrait,
    e: &edition::Model,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let open = match e.first_session_at {
        Some(first) => first <= now,
        None => course::Entity::find_by_id(e.course_id)
            .one(db)
            .await?
            .is_some_and(|c| c.kind == CourseKind::Elearning),
    };
    if open {
        Ok(())
    } else {
        Err(DomainError::conflict(
            "evaluation_not_open",
            "an edition can be evaluated once its first session has started",
        ))
    }
}

/// The caller's evaluation of an edition, newest first should an earlier registration
/// have one too.
async fn own(
    db: &impl ConnectionTrait,
    actor: &Principal,
    edition_id: Uuid,
) -> DomainResult<Option<evaluation::Model>> {
    Ok(evaluation::Entity::find()
        .filter(evaluation::Column::EditionId.eq(edition_id))
        .filter(evaluation::Column::UserId.eq(actor.id))
        .order_by_desc(evaluation::Column::Id)
        .one(db)
        .await?)
}

const NO_EVALUATION: DomainError = DomainError::NotFound("evaluation");

fn already_evaluated() -> DomainError {
    DomainError::conflict(
        "already_evaluated",
        "you have evaluated this edition already; change your evaluation instead",
    )
}

/// Submits the caller's evaluation. Only people with a confirmed registration (else 403;
/// a draft edition is not found), once the first session has started, once per
/// registration: a second submission, also one racing the first, is `already_evaluated`.
pub async fn submit(
    db: &DatabaseConnection,
    actor: &Principal,
    edition_id: Uuid,
    input: &Input,
) -> DomainResult<Evaluation> {
    let (score, comment) = check(input)?;
    require_person(actor)?;
    retrying(|| async {
        let now = super::now();
        let txn = begin_write(db).await?;
        let e = edition_of(&txn, edition_id).await?;
        let confirmed = registration::Entity::find()
            .filter(registration::Column::EditionId.eq(edition_id))
            .filter(registration::Column::UserId.eq(actor.id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Confirmed))
            .one(&txn)
            .await?;
        let Some(reg) = confirmed else {
            return Err(DomainError::forbidden(
                "only participants with a confirmed registration evaluate an edition",
            ));
        };
        require_editable(&e, now)?;
        require_open(&txn, &e, now).await?;
        if own(&txn, actor, edition_id).await?.is_some() {
            return Err(already_evaluated());
        }
        let row = evaluation::ActiveModel {
            id: Set(Uuid::now_v7()),
            edition_id: Set(edition_id),
            registration_id: Set(reg.id),
            user_id: Set(actor.id),
            score: Set(score),
            comment: Set(comment.clone()),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await
        .map_err(|err| match err.sql_err() {
            // A concurrent submission under the same registration got there first.
            Some(SqlErr::UniqueConstraintViolation(_)) => already_evaluated(),
            _ => DomainError::Db(err),
        })?;
        txn.commit().await?;
        Ok(Evaluation::of(row, &e))
    })
    .await
}

/// The caller's own evaluation of an edition.
pub async fn mine(
    db: &DatabaseConnection,
    actor: &Principal,
    edition_id: Uuid,
) -> DomainResult<Evaluation> {
    require_person(actor)?;
    let e = edition_of(db, edition_id).await?;
    let row = own(db, actor, edition_id).await?.ok_or(NO_EVALUATION)?;
    Ok(Evaluation::of(row, &e))
}

/// Replaces the score and comment of the caller's evaluation, until 30 days after the
/// edition closes (`evaluation_closed`); not for a cancelled edition.
pub async fn edit(
    db: &DatabaseConnection,
    actor: &Principal,
    edition_id: Uuid,
    input: &Input,
) -> DomainResult<Evaluation> {
    let (score, comment) = check(input)?;
    require_person(actor)?;
    retrying(|| async {
        let now = super::now();
        let txn = begin_write(db).await?;
        let e = edition_of(&txn, edition_id).await?;
        let before = own(&txn, actor, edition_id).await?.ok_or(NO_EVALUATION)?;
        require_editable(&e, now)?;
        if before.score == score && before.comment == comment {
            return Ok(Evaluation::of(before, &e));
        }
        let mut active: evaluation::ActiveModel = before.into();
        active.score = Set(score);
        active.comment = Set(comment.clone());
        active.updated_at = Set(now);
        let row = active.update(&txn).await?;
        txn.commit().await?;
        Ok(Evaluation::of(row, &e))
    })
    .await
}

/// Count, mean, distribution and comments of an edition's evaluations. For admins (with
/// who wrote each comment and when) and the edition's trainers (without either, only from
/// [`MIN_ANSWERS_FOR_COMMENTS`] evaluations on, alphabetically); anyone else is refused,
/// and learns nothing of a draft edition.
pub async fn summary(
    db: &DatabaseConnection,
    actor: &Principal,
    edition_id: Uuid,
) -> DomainResult<Summary> {
    editions::access::for_staff(
        db,
        actor,
        edition_id,
        "evaluations are for admins and the edition's trainers",
    )
    .await?;
    let reader = if actor.is_admin() {
        Reader::Admin
    } else {
        Reader::Trainer
    };
    let rows = evaluation::Entity::find()
        .find_also_related(user::Entity)
        .filter(evaluation::Column::EditionId.eq(edition_id))
        .order_by_desc(evaluation::Column::CreatedAt)
        .order_by_desc(evaluation::Column::Id)
        .all(db)
        .await?;
    Ok(summarise(rows, reader))
}

fn summarise(rows: Vec<(evaluation::Model, Option<user::Model>)>, reader: Reader) -> Summary {
    let named = reader == Reader::Admin;
    let mut distribution = [0u32; 10];
    let mut sum = 0f64;
    let mut count = 0u32;
    let mut comments = Vec::new();
    for (row, person) in rows {
        let slot = usize::try_from(row.score - 1).ok();
        if let Some(n) = slot.and_then(|i| distribution.get_mut(i)) {
            *n += 1;
        }
        sum += f64::from(row.score);
        count += 1;
        if let Some(comment) = row.comment {
            comments.push(Comment {
                comment,
                score: row.score,
                submitted_at: Some(row.created_at).filter(|_| named),
                author: person.filter(|_| named).map(|u| Author {
                    user_id: u.id,
                    name: u.name,
                }),
            });
        }
    }
    if reader == Reader::Trainer {
        if count < MIN_ANSWERS_FOR_COMMENTS {
            comments.clear();
        }
        // Neither submission order nor time may tell who wrote what.
        comments.sort_by(|a, b| a.comment.cmp(&b.comment).then(a.score.cmp(&b.score)));
    }
    // Whole-number sums far below 2^53: exact in f64.
    let mean = super::values::mean(sum, count);
    Summary {
        count,
        mean,
        distribution,
        comments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(score: i64, comment: Option<&str>) -> Input {
        Input {
            score,
            comment: comment.map(str::to_owned),
        }
    }

    #[test]
    fn scores_outside_one_to_ten_are_refused() {
        for bad in [0, 11, -1, i64::from(i32::MAX) + 1] {
            let Err(DomainError::Validation(errors)) = check(&input(bad, None)) else {
                panic!("{bad} accepted");
            };
            assert_eq!(errors[0].field, "score");
        }
        assert!(check(&input(1, None)).is_ok());
        assert!(check(&input(10, None)).is_ok());
    }

    #[test]
    fn comments_are_trimmed_keep_line_breaks_and_refuse_other_controls() {
        assert_eq!(comment(Some("  \n ")), Ok(None));
        assert_eq!(
            comment(Some(" Goed.\r\nLeerzaam. ")),
            Ok(Some("Goed.\nLeerzaam.".to_owned()))
        );
        assert!(comment(Some("tab\there")).is_err());
        assert!(comment(Some(&"é".repeat(MAX_COMMENT))).is_ok());
        assert!(comment(Some(&"é".repeat(MAX_COMMENT + 1))).is_err());
    }

    #[test]
    fn both_fields_are_reported_at_once() {
        let Err(DomainError::Validation(errors)) = check(&input(0, Some("a\u{7}"))) else {
            panic!("accepted");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["score", "comment"]);
    }
}
