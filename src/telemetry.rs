//! Logs and metrics: one middleware gives every request an id, a span with method and
//! path, a log line with status and latency, and counts it in the Prometheus registry.
//!
//! Every label comes from a fixed set, whatever a client sends: the method is one of the
//! known ones or `OTHER`, the route is the matched route template or `unmatched`, the
//! status a number. Secret path segments (personal feed tokens, verification codes) never
//! reach a log line: the logged path has them replaced by `[redacted]`, and the query
//! string is not logged at all.

use std::sync::Mutex;
use std::time::Instant;

use poem::PathPattern;
use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber; `RUST_LOG` filters (default `info`).
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// The route label of a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The method label: one of the methods the service knows, else `OTHER`.
pub fn method_label(method: &poem::http::Method) -> &'static str {
    use poem::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Path prefixes whose next segment is a secret (a capability URL), as the service
/// serves them.
const SECRET_SEGMENT_AFTER: &[&str] = &["/api/v1/calendar/feeds/", "/api/v1/verify/"];

/// The path as it may be logged: the secret segment of a capability URL replaced.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in SECRET_SEGMENT_AFTER {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return format!("{prefix}[redacted]{tail}").into();
        }
    }
    path.into()
}

/// The service's metrics.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    pool_size: Gauge,
    pool_idle: Gauge,
    mail_sent: Family<MailLabels, Counter>,
    mail_attempts_failed: Family<MailLabels, Counter>,
    mail_queued: Gauge,
    mail_failed: Gauge,
    mail_queue_age: Gauge<f64, std::sync::atomic::AtomicU64>,
    webhook_attempts: Family<WebhookLabels, Counter>,
}

/// Labels of the webhook counter: how an attempt ended (`delivered`, `failed`).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabels {
    outcome: &'static str,
}

/// Labels of the mail counters: the message kind, from the fixed list of kinds.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MailLabels {
    kind: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Creates and registers the metrics.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
        });
        let pool_size = Gauge::default();
        let pool_idle = Gauge::default();
        registry.register(
            "academy_http_requests",
            "HTTP requests by method, route and status",
            requests.clone(),
        );
        registry.register(
            "academy_http_request_duration_seconds",
            "HTTP request latency by method, route and status",
            latency.clone(),
        );
        registry.register(
            "academy_db_pool_connections",
            "Open database connections",
            pool_size.clone(),
        );
        registry.register(
            "academy_db_pool_idle_connections",
            "Idle database connections",
            pool_idle.clone(),
        );
        let mail_sent = Family::<MailLabels, Counter>::default();
        let mail_attempts_failed = Family::<MailLabels, Counter>::default();
        let mail_queued = Gauge::default();
        let mail_failed = Gauge::default();
        let mail_queue_age = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "academy_mail_sent",
            "Messages sent by this instance, by kind",
            mail_sent.clone(),
        );
        registry.register(
            "academy_mail_attempts_failed",
            "Sending attempts of this instance that failed, by kind",
            mail_attempts_failed.clone(),
        );
        registry.register(
            "academy_mail_queued_messages",
            "Messages waiting to be sent (all instances)",
            mail_queued.clone(),
        );
        registry.register(
            "academy_mail_failed_messages",
            "Messages given up on, waiting for an admin's retry (all instances)",
            mail_failed.clone(),
        );
        registry.register(
            "academy_mail_queue_age_seconds",
            "Age of the oldest message due and not yet sent",
            mail_queue_age.clone(),
        );
        let webhook_attempts = Family::<WebhookLabels, Counter>::default();
        registry.register(
            "academy_webhook_attempts",
            "Webhook delivery attempts of this instance, by outcome",
            webhook_attempts.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            pool_size,
            pool_idle,
            mail_sent,
            mail_attempts_failed,
            mail_queued,
            mail_failed,
            mail_queue_age,
            webhook_attempts,
        }
    }

    /// Counts a webhook delivery attempt: `delivered` or `failed`.
    pub fn webhook_attempt(&self, outcome: &'static str) {
        self.webhook_attempts
            .get_or_create(&WebhookLabels { outcome })
            .inc();
    }

    /// Counts a message sent.
    pub fn mail_sent(&self, kind: &'static str) {
        self.mail_sent.get_or_create(&MailLabels { kind }).inc();
    }

    /// Counts a sending attempt that failed.
    pub fn mail_attempt_failed(&self, kind: &'static str) {
        self.mail_attempts_failed
            .get_or_create(&MailLabels { kind })
            .inc();
    }

    /// Sets the queue gauges: messages queued, failed, and the oldest due one's age.
    pub fn set_mail_queue(&self, queued: u64, failed: u64, age_seconds: f64) {
        self.mail_queued
            .set(i64::try_from(queued).unwrap_or(i64::MAX));
        self.mail_failed
            .set(i64::try_from(failed).unwrap_or(i64::MAX));
        self.mail_queue_age.set(age_seconds);
    }

    fn observe(&self, method: &'static str, route: &str, status: u16, seconds: f64) {
        let labels = RequestLabels {
            method,
            route: route.to_owned(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }

    /// The text exposition, with the pool gauges as given.
    pub fn render(&self, pool_size: u32, pool_idle: u32) -> String {
        self.pool_size.set(i64::from(pool_size));
        self.pool_idle.set(i64::from(pool_idle));
        let mut out = String::new();
        let registry = match self.registry.lock() {
            Ok(r) => r,
            Err(poisoned) => poisoned.into_inner(),
        };
        if prometheus_client::encoding::text::encode(&mut out, &registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Request id, span, access log and metrics.
pub struct Observe(pub std::sync::Arc<Metrics>);

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        ObserveEndpoint {
            inner: ep,
            metrics: self.0.clone(),
        }
    }
}

/// The endpoint wrapped by [`Observe`].
pub struct ObserveEndpoint<E> {
    inner: E,
    metrics: std::sync::Arc<Metrics>,
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let request_id = req
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_graphic()))
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let method = method_label(req.method());
        let span = tracing::info_span!(
            "request",
            request_id = %request_id,
            method,
            path = %loggable_path(req.uri().path()),
        );
        let start = Instant::now();
        let result = self.inner.call(req).instrument(span.clone()).await;
        let mut resp = match result {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        let elapsed = start.elapsed();
        let status = resp.status().as_u16();
        let route = resp
            .data::<PathPattern>()
            .map(|p| p.0.to_string())
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| UNMATCHED.to_owned());
        self.metrics
            .observe(method, &route, status, elapsed.as_secs_f64());
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            resp.headers_mut().insert("x-request-id", v);
        }
        let latency_ms = elapsed.as_secs_f64() * 1000.0;
        span.in_scope(|| {
            if status >= 500 {
                tracing::error!(status, latency_ms, route = %route, "request failed");
            } else {
                tracing::info!(status, latency_ms, route = %route, "request");
            }
        });
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_segments_are_not_logged() {
        assert_eq!(
            loggable_path("/api/v1/calendar/feeds/abcDEF123.ics"),
            "/api/v1/calendar/feeds/[redacted]"
        );
        assert_eq!(
            loggable_path("/api/v1/verify/ABCDE-FGHIJ-KLMNP"),
            "/api/v1/verify/[redacted]"
        );
        assert_eq!(
            loggable_path("/api/v1/verify/x/y"),
            "/api/v1/verify/[redacted]/y"
        );
        assert_eq!(loggable_path("/api/v1/editions"), "/api/v1/editions");
    }

    #[test]
    fn made_up_methods_share_one_label() {
        let m = poem::http::Method::from_bytes(b"BREW").expect("a token");
        assert_eq!(method_label(&m), "OTHER");
        assert_eq!(method_label(&poem::http::Method::PATCH), "PATCH");
    }
}
