//! The academy backend: registrations, attendance, certificates, calendars and reports
//! for the professionals of a regional youth-care academy.
//!
//! `build_app` is the one place the HTTP application is assembled; `main`, the tests and
//! the spec generator all use it.

pub mod api;
pub mod auth;
pub mod cache;
pub mod calendar;
pub mod certificates;
pub mod config;
pub mod db;
/// Demo data for `academy serve --demo`: the academy's real shape on an empty database.
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod mail;
pub mod pages;
pub mod reports;
pub mod state;
pub mod telemetry;
pub mod texts;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, IntoEndpoint, IntoResponse, Route, Server};

pub use crate::state::AppState;

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The whole HTTP application.
pub fn build_app(state: Arc<AppState>) -> impl poem::Endpoint<Output = poem::Response> {
    let api = api::service(&state.config.public_url);
    let spec = api::spec_json(&state.config.public_url);
    let doc: serde_json::Value = serde_json::from_str(&spec).unwrap_or_default();
    let allow = Arc::new(api::AllowTable::from_spec(&doc));
    let bodies = Arc::new(api::body::BodyRules::from_spec(&doc));
    drop(doc);
    let docs = api::docs_html(&api);
    Route::new()
        .nest("/", api)
        .at(
            "/openapi.json",
            poem::endpoint::make_sync(move |_| {
                poem::Response::builder()
                    .content_type("application/json; charset=utf-8")
                    .body(spec.clone())
            }),
        )
        .nest(
            "/docs",
            Route::new().at(
                "/",
                poem::endpoint::make_sync(move |_| poem::web::Html(docs.clone())),
            ),
        )
        .at(
            "/account/password",
            poem::get(pages::account::show).post(pages::account::submit),
        )
        .at(
            "/check-in",
            poem::get(pages::check_in::show).post(pages::check_in::submit),
        )
        .at(
            "/evaluation",
            poem::get(pages::evaluation::show).post(pages::evaluation::submit),
        )
        .at(
            "/approval",
            poem::get(pages::approval::show).post(pages::approval::submit),
        )
        .at("/edition", poem::get(pages::edition::show))
        .at("/catalogue", poem::get(pages::catalogue::show))
        .into_endpoint()
        .with(http::BodyLimit(MAX_BODY_BYTES))
        .around(move |ep, mut req| {
            let bodies = bodies.clone();
            async move {
                // Keep a JSON body (bounded by the body limit): when the operation cannot
                // read it, it is checked against the operation's schema so that every
                // problem names its field. Authentication and authorisation come first,
                // as the handler's extractors run in order.
                let json = req
                    .content_type()
                    .is_some_and(|c| c.starts_with("application/json"));
                let body = if json {
                    let Ok(bytes) = req.take_body().into_bytes_limit(MAX_BODY_BYTES).await else {
                        let err =
                            poem::Error::from_status(poem::http::StatusCode::PAYLOAD_TOO_LARGE);
                        return Ok(api::problem::problem_from_poem_error(err));
                    };
                    req.set_body(bytes.clone());
                    Some(bytes)
                } else {
                    None
                };
                // Both share their bytes with the request: nothing is copied.
                let method = req.method().clone();
                let uri = req.uri().clone();
                match ep.call(req).await {
                    Ok(resp) => Ok(resp.into_response()),
                    Err(err) => {
                        let pattern = err.data::<poem::PathPattern>().cloned();
                        let request = api::body::Request {
                            method: method.as_str(),
                            path: uri.path(),
                            query: uri.query().unwrap_or_default(),
                            body: body.as_deref(),
                        };
                        let mut resp = bodies.problem(err, &request);
                        if let Some(p) = pattern {
                            resp.set_data(p);
                        }
                        Ok::<_, poem::Error>(resp)
                    }
                }
            }
        })
        .around(move |ep, req| {
            let allow = allow.clone();
            async move {
                let path = req.uri().path().to_owned();
                let mut resp = ep.call(req).await?;
                if resp.status() == poem::http::StatusCode::METHOD_NOT_ALLOWED
                    && let Some(methods) = allow.allow(&path)
                    && let Ok(value) = poem::http::HeaderValue::from_str(methods)
                {
                    resp.headers_mut().insert(poem::http::header::ALLOW, value);
                }
                Ok(resp)
            }
        })
        .around({
            let cache = state.cache.clone();
            move |ep, req| {
                let cache = cache.clone();
                async move {
                    // A change the cache holds is committed before its response leaves:
                    // later reads must not see cached pages from before it. Refused and
                    // unmatched requests changed nothing and keep the cache warm.
                    let method = req.method().clone();
                    let resp = ep.call(req).await?;
                    if resp.status().is_success()
                        && resp
                            .data::<poem::PathPattern>()
                            .is_some_and(|p| cache::changes_cached(&method, &p.0))
                    {
                        cache.invalidate();
                    }
                    Ok::<_, poem::Error>(resp)
                }
            }
        })
        .with(http::Compression)
        .data(state.clone())
        .with(telemetry::Observe(state.metrics.clone()))
}

/// The OpenAPI document as the code defines it.
pub fn openapi_json() -> String {
    // The document depends on the types only; the server listed is a placeholder that
    // each deployment's `/openapi.json` replaces with its own public URL.
    api::spec_json("http://127.0.0.1:8080")
}

/// Serves until SIGTERM or Ctrl-C, then lets requests in flight finish.
pub async fn serve(state: Arc<AppState>) -> anyhow::Result<()> {
    let listen = state.config.listen;
    let acceptor = TcpListener::bind(listen)
        .into_acceptor()
        .await
        .with_context(|| format!("listening on {listen}"))?;
    // A report that fails halfway through streaming closes its connection.
    let acceptor = http::Abortable(acceptor);
    let local = acceptor.local_addr();
    tracing::info!(addr = ?local.first(), "serving");
    tokio::spawn(housekeeping(state.clone()));
    mail::spawn_worker(state.clone());
    webhooks::spawn_worker(state.clone());
    let app = build_app(state);
    release_startup_memory();
    Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app, shutdown_signal(), Some(Duration::from_secs(30)))
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

/// Hands the memory freed after start-up back to the system: building and parsing the
/// OpenAPI document once leaves megabytes of free heap that glibc would otherwise keep.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_startup_memory() {
    #[expect(unsafe_code, reason = "malloc_trim only returns free heap pages")]
    // SAFETY: malloc_trim takes a plain integer and touches only free memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_startup_memory() {}

/// Periodic clean-up: idempotency keys past their 24 hours, expired and revoked refresh
/// tokens, failed sign-ins past their window, old rate-limit counters. Safe on any number
/// of instances (deletes by age).
async fn housekeeping(state: Arc<AppState>) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        match domain::registrations::idempotency::forget_expired_keys(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(keys = n, "forgot expired idempotency keys"),
            Err(e) => tracing::warn!(error = ?e, "forgetting expired idempotency keys"),
        }
        match domain::auth::forget_old(&state.db, domain::now()).await {
            Ok((0, 0)) => {}
            Ok((tokens, failures)) => {
                tracing::info!(
                    tokens,
                    failures,
                    "forgot old refresh tokens and failed sign-ins"
                )
            }
            Err(e) => {
                tracing::warn!(error = ?e, "forgetting old refresh tokens and failed sign-ins")
            }
        }
        match domain::accounts::forget_old(&state.db, domain::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(links = n, "forgot used and expired account links"),
            Err(e) => tracing::warn!(error = ?e, "forgetting used and expired account links"),
        }
        match domain::limits::forget_old(&state.db, domain::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(counters = n, "forgot old rate-limit counters"),
            Err(e) => tracing::warn!(error = ?e, "forgetting old rate-limit counters"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
