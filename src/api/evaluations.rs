//! `/api/v1/editions/{id}/evaluations`: a participant's score and comment on an edition
//! (`…/mine` to read and change it) and the summary for admins and trainers
//! (`…/summary`).

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::problem::ApiError;
use super::security::{Auth, UserAuth};
use super::tags::ApiTags;
use super::types::{Timestamp, strict_opt_string};
use crate::domain::evaluations::{self, Input, Summary};
use crate::state::AppState;

/// A score and optional comment, to submit or to replace one's evaluation with.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct EvaluationRequest {
    /// The score: a whole number from 1 (poor) to 10 (excellent).
    #[oai(validator(minimum(value = "1"), maximum(value = "10")))]
    pub score: i64,
    /// A comment, up to 2,000 characters (surrounding whitespace is trimmed); line
    /// breaks allowed, other control characters not. Blank or absent: none (on
    /// replacing: removes it).
    #[oai(
        deserialize_with = "strict_opt_string",
        validator(
            max_length = 2000,
            pattern = "^([^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]|\\r\\n)*$"
        )
    )]
    pub comment: Option<String>,
}

impl From<EvaluationRequest> for Input {
    fn from(r: EvaluationRequest) -> Self {
        Self {
            score: r.score,
            comment: r.comment,
        }
    }
}

/// A participant's evaluation of an edition.
#[derive(Debug, Object)]
pub struct Evaluation {
    /// Identifier.
    pub id: Uuid,
    /// The edition.
    pub edition_id: Uuid,
    /// The score, 1 to 10.
    pub score: i32,
    /// The comment.
    #[oai(nullable)]
    pub comment: Option<String>,
    /// Submitted at (UTC).
    pub created_at: Timestamp,
    /// Last change (UTC).
    pub updated_at: Timestamp,
    /// Until when it can be changed (UTC): 30 days after the edition closed; the
    /// cancellation for a cancelled edition. `null` while the edition has not closed.
    #[oai(nullable)]
    pub editable_until: Option<Timestamp>,
}

impl From<evaluations::Evaluation> for Evaluation {
    fn from(e: evaluations::Evaluation) -> Self {
        Self {
            id: e.row.id,
            edition_id: e.row.edition_id,
            score: e.row.score,
            comment: e.row.comment,
            created_at: e.row.created_at.into(),
            updated_at: e.row.updated_at.into(),
            editable_until: e.editable_until.map(Into::into),
        }
    }
}

/// One comment of an edition's evaluations.
#[derive(Debug, Object)]
pub struct EvaluationComment {
    /// The comment.
    pub comment: String,
    /// The score given with it.
    pub score: i32,
    /// When the evaluation was submitted (UTC): for admins; `null` for trainers, as a time
    /// can tell who wrote a comment in a small group.
    #[oai(nullable)]
    pub submitted_at: Option<Timestamp>,
    /// Who wrote it: for admins; `null` for trainers, who read comments anonymously.
    #[oai(nullable)]
    pub user_id: Option<Uuid>,
    /// The writer's name: for admins; `null` for trainers.
    #[oai(nullable)]
    pub user_name: Option<String>,
}

/// What an edition's participants thought of it.
#[derive(Debug, Object)]
pub struct EvaluationSummary {
    /// Evaluations submitted.
    pub count: u32,
    /// Mean score, rounded to two decimals; `null` without evaluations.
    #[oai(nullable)]
    pub mean: Option<f64>,
    /// Ten counts: how many gave score 1, 2, … 10.
    pub distribution: Vec<u32>,
    /// The comments (evaluations without a comment count but are not listed). Admins: all,
    /// newest first. Trainers: none (an empty list) until at least three people have
    /// evaluated; then all, in alphabetical order, so that neither order nor time tells
    /// who wrote what.
    pub comments: Vec<EvaluationComment>,
}

impl From<Summary> for EvaluationSummary {
    fn from(s: Summary) -> Self {
        Self {
            count: s.count,
            mean: s.mean,
            distribution: s.distribution.to_vec(),
            comments: s
                .comments
                .into_iter()
                .map(|c| {
                    let (user_id, user_name) = match c.author {
                        Some(a) => (Some(a.user_id), Some(a.name)),
                        None => (None, None),
                    };
                    EvaluationComment {
                        comment: c.comment,
                        score: c.score,
                        submitted_at: c.submitted_at.map(Into::into),
                        user_id,
                        user_name,
                    }
                })
                .collect(),
        }
    }
}

#[derive(ApiResponse)]
enum EvaluationCreated {
    /// Submitted.
    #[oai(status = 201)]
    Created(
        Json<Evaluation>,
        /// The evaluation's URL (`…/evaluations/mine`).
        #[oai(header = "Location")]
        String,
    ),
}

#[derive(ApiResponse)]
enum EvaluationOne {
    /// The caller's evaluation.
    #[oai(status = 200)]
    Ok(Json<Evaluation>),
}

#[derive(ApiResponse)]
enum SummaryOne {
    /// The summary.
    #[oai(status = 200)]
    Ok(Json<EvaluationSummary>),
}

/// Evaluation endpoints.
pub struct EvaluationsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Evaluations")]
impl EvaluationsApi {
    /// Evaluate an edition
    ///
    /// A participant with a confirmed registration scores the edition from 1 to 10, with
    /// an optional comment, once its first session has started (e-learning modules: from
    /// registration): else 409 `evaluation_not_open`. Once per registration: 409
    /// `already_evaluated` (change it with PUT on `…/evaluations/mine`). Without a
    /// confirmed registration 403; 409 `evaluation_closed` from 30 days after the edition
    /// closed, `edition_cancelled`. Trainers see comments without names or times, and only
    /// once three people have evaluated; admins see who wrote what.
    #[oai(
        path = "/editions/:id/evaluations",
        method = "post",
        operation_id = "submitEvaluation"
    )]
    async fn submit(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        id: Path<Uuid>,
        body: Json<EvaluationRequest>,
    ) -> Result<EvaluationCreated, ApiError> {
        let row = evaluations::submit(&state.db, &auth.0, id.0, &body.0.into()).await?;
        let location = format!("/api/v1/editions/{}/evaluations/mine", id.0);
        Ok(EvaluationCreated::Created(Json(row.into()), location))
    }

    /// The caller's evaluation of an edition
    ///
    /// 404 when the caller has not evaluated the edition.
    #[oai(
        path = "/editions/:id/evaluations/mine",
        method = "get",
        operation_id = "getMyEvaluation"
    )]
    async fn mine(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        id: Path<Uuid>,
    ) -> Result<EvaluationOne, ApiError> {
        let row = evaluations::mine(&state.db, &auth.0, id.0).await?;
        Ok(EvaluationOne::Ok(Json(row.into())))
    }

    /// Change the caller's evaluation
    ///
    /// Replaces score and comment (an absent comment removes it), until 30 days after the
    /// edition closed (see `editable_until`): then 409 `evaluation_closed`; 409
    /// `edition_cancelled` for a cancelled edition; 404 without an evaluation.
    #[oai(
        path = "/editions/:id/evaluations/mine",
        method = "put",
        operation_id = "updateMyEvaluation"
    )]
    async fn edit(
        &self,
        state: Data<&Arc<AppState>>,
        auth: UserAuth,
        id: Path<Uuid>,
        body: Json<EvaluationRequest>,
    ) -> Result<EvaluationOne, ApiError> {
        let row = evaluations::edit(&state.db, &auth.0, id.0, &body.0.into()).await?;
        Ok(EvaluationOne::Ok(Json(row.into())))
    }

    /// Summary of an edition's evaluations
    ///
    /// Count, mean (two decimals), the distribution of scores 1 to 10 and the comments.
    /// For admins, who see every comment newest first with who wrote it and when, and the
    /// edition's trainers, who read comments without names, ids or times, in alphabetical
    /// order, and only once at least three people have evaluated (before that the list is
    /// empty): in a small group a time or an order can give a writer away. Anyone else 403
    /// (404 for a draft edition).
    #[oai(
        path = "/editions/:id/evaluations/summary",
        method = "get",
        operation_id = "getEvaluationSummary"
    )]
    async fn summary(
        &self,
        state: Data<&Arc<AppState>>,
        auth: Auth,
        id: Path<Uuid>,
    ) -> Result<SummaryOne, ApiError> {
        let s = evaluations::summary(&state.db, &auth.0, id.0).await?;
        Ok(SummaryOne::Ok(Json(s.into())))
    }
}
