//! Sending the outbox ([`crate::domain::messages`]): a worker on every instance claims
//! due messages, renders each from the database ([`render`]), writes it as text, HTML
//! and calendar part ([`letter`]) and hands it to the sender's transport
//! ([`transport::Mailer`]): an SMTP server, or `.eml` files in the data directory when
//! none is configured.

pub mod letter;
pub mod render;
pub mod transport;

use std::sync::Arc;
use std::time::Duration;

use entity::message;

use crate::domain::messages::{self, Kind, Outcome};
use crate::error::DomainResult;
use crate::state::AppState;
use render::Unsendable;
use transport::SendError;

/// Most messages claimed per round.
const BATCH: u32 = 50;

/// How often reminders and digests are planned.
const PLAN_EVERY: Duration = Duration::from_secs(60);

/// Pause between two looks at an empty queue.
const IDLE: Duration = Duration::from_millis(500);

/// Starts the worker of this instance: it runs until the process ends.
pub fn spawn_worker(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    tracing::info!(to = %state.mailer.describe(), "sending mail");
    let rate = state.config.mail_rate.max(1);
    let batch = BATCH.min(rate);
    tokio::spawn(async move {
        let mut planned_at = tokio::time::Instant::now() - PLAN_EVERY;
        loop {
            if planned_at.elapsed() >= PLAN_EVERY {
                planned_at = tokio::time::Instant::now();
                match crate::domain::schedule::plan(&state.db, crate::domain::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(messages = n, "scheduled mails planned"),
                    Err(e) => tracing::warn!(error = %e, "planning scheduled mails"),
                }
            }
            let round = tokio::time::Instant::now();
            match deliver_due(&state, batch).await {
                // A round of n messages takes at least n / ACADEMY_MAIL_RATE seconds, so
                // that a backlog (a registration rush queues a mail for every request)
                // goes out within the mail server's limits and beside the requests
                // rather than in their way. More may be due at once (a full round, or the
                // next message of someone just mailed).
                Ok(n) if n > 0 => {
                    let share = Duration::from_secs_f64(n as f64 / f64::from(rate));
                    tokio::time::sleep_until(round + share).await;
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "sending the outbox"),
            }
            tokio::time::sleep(IDLE).await;
        }
    })
}

/// Messages sent at the same time by one instance (to different people).
const CONCURRENCY: usize = 4;

/// One round: claims the due messages (at most one per person: see
/// [`messages::claim`]), sends them side by side, and records the outcomes in one
/// transaction. Returns how many were claimed.
pub async fn deliver_due(state: &AppState, batch: u32) -> DomainResult<usize> {
    use futures_util::StreamExt;
    let claimed = messages::claim(&state.db, u64::from(batch), crate::domain::now()).await?;
    let n = claimed.len();
    if n == 0 {
        return Ok(0);
    }
    let outcomes: Vec<(message::Model, Outcome)> = futures_util::stream::iter(claimed)
        .map(|m| async move {
            let outcome = deliver(state, &m).await;
            report(state, &m, &outcome);
            (m, outcome)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    messages::settle_all(&state.db, outcomes, state.config.mail_retry_seconds).await?;
    Ok(n)
}

/// The log line and the counters of one attempt.
fn report(state: &AppState, m: &message::Model, outcome: &Outcome) {
    let kind = Kind::parse(&m.kind).map_or("unknown", Kind::as_str);
    match outcome {
        Outcome::Sent { .. } => {
            state.metrics.mail_sent(kind);
            tracing::info!(message = %m.id, kind, attempt = m.attempts, "mail sent");
        }
        Outcome::Skipped(why) => {
            tracing::info!(message = %m.id, kind, why, "mail skipped");
        }
        Outcome::Retry(why) | Outcome::Failed(why) => {
            state.metrics.mail_attempt_failed(kind);
            tracing::warn!(message = %m.id, kind, attempt = m.attempts, error = why, "mail not sent");
        }
    }
}

async fn deliver(state: &AppState, m: &message::Model) -> Outcome {
    let ready = match render::render(state, m).await {
        Ok(ready) => ready,
        Err(Unsendable::Skip(why)) => return Outcome::Skipped(why),
        Err(Unsendable::Retry(why)) => return Outcome::Retry(why),
    };
    let recipient = ready.to.email.to_string();
    let subject = ready.letter.subject.clone();
    let email = match ready.letter.compose(
        m.id,
        &state.uid_domain,
        &state.mailer.from,
        ready.to,
        &state.config.academy_name,
    ) {
        Ok(email) => email,
        Err(e) => return Outcome::Failed(format!("composing the message: {e}")),
    };
    // Rendering took a while: the person may have been erased meanwhile.
    match messages::still_queued(&state.db, m.id).await {
        Ok(true) => {}
        Ok(false) => return Outcome::Skipped("removed from the outbox meanwhile".into()),
        Err(e) => return Outcome::Retry(format!("checking the outbox: {e}")),
    }
    match state.mailer.transport.send(m.id, &email).await {
        Ok(()) => Outcome::Sent { recipient, subject },
        Err(SendError::Transient(why)) => Outcome::Retry(why),
        Err(SendError::Permanent(why)) => Outcome::Failed(why),
    }
}
