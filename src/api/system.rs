//! `/health`, `/ready`, `/metrics`.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::tags::ApiTags;
use crate::state::AppState;

/// Health or readiness.
#[derive(Debug, Object)]
pub struct Status {
    /// `ok`, or `unavailable`.
    pub status: String,
}

#[derive(ApiResponse)]
enum HealthResult {
    /// The process is up.
    #[oai(status = 200)]
    Ok(Json<Status>),
}

#[derive(ApiResponse)]
enum ReadyResult {
    /// The database answers.
    #[oai(status = 200)]
    Ready(Json<Status>),
    /// The database does not answer.
    #[oai(status = 503)]
    Unavailable(Json<Status>),
}

#[derive(ApiResponse)]
enum MetricsResult {
    /// Prometheus text exposition format.
    #[oai(
        status = 200,
        content_type = "text/plain; version=0.0.4; charset=utf-8"
    )]
    Ok(PlainText<String>),
}

/// Operational endpoints.
pub struct SystemApi;

#[OpenApi(tag = "ApiTags::Operations")]
impl SystemApi {
    /// Liveness
    #[oai(path = "/health", method = "get", operation_id = "health")]
    async fn health(&self) -> HealthResult {
        HealthResult::Ok(Json(Status {
            status: "ok".to_owned(),
        }))
    }

    /// Readiness: the database answers
    #[oai(path = "/ready", method = "get", operation_id = "ready")]
    async fn ready(&self, state: Data<&Arc<AppState>>) -> ReadyResult {
        if crate::db::ping(&state.db).await {
            ReadyResult::Ready(Json(Status {
                status: "ok".to_owned(),
            }))
        } else {
            ReadyResult::Unavailable(Json(Status {
                status: "unavailable".to_owned(),
            }))
        }
    }

    /// Metrics
    ///
    /// Request counts and latency histograms by route and status, pool gauges, and the
    /// mail queue (messages sent and failed attempts, queued and failed messages, age of
    /// the oldest one due).
    #[oai(path = "/metrics", method = "get", operation_id = "metrics")]
    async fn metrics(&self, state: Data<&Arc<AppState>>) -> MetricsResult {
        let (size, idle) = crate::db::pool_stats(&state.db);
        match crate::domain::messages::queue_figures(&state.db, crate::domain::now()).await {
            Ok((queued, failed, age)) => state.metrics.set_mail_queue(queued, failed, age),
            // The other figures are still worth serving.
            Err(e) => tracing::warn!(error = %e, "reading the mail queue for the metrics"),
        }
        MetricsResult::Ok(PlainText(state.metrics.render(size, idle)))
    }
}
