//! Delivering webhooks: a worker on every instance fans pending events out to the
//! endpoints that want them, claims due deliveries per endpoint (one instance and one
//! request at a time per endpoint), posts them signed the Standard Webhooks way
//! ([`send`]) and records every attempt ([`crate::domain::webhooks::deliveries`]).

pub mod client;
pub mod send;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::domain::webhooks::{deliveries, fan_out};
use crate::state::AppState;

/// Events fanned out per round (of each kind: registration history entries, others).
const FAN_OUT_BATCH: u64 = 1000;

/// Least time between two fan-outs: during a registration rush a round takes a few
/// hundred entries in one transaction rather than a few in many, which keeps its share of
/// the database's write time small.
const FAN_OUT_EVERY: Duration = Duration::from_millis(250);

/// Deliveries claimed per endpoint per round: sent one after the other, at most 10 s
/// each, well within the lease of 5 minutes.
const PER_ENDPOINT: u64 = 20;

/// Endpoints this instance delivers to at the same time.
const ENDPOINTS: usize = 8;

/// Pause between two looks when there was nothing to send.
const IDLE: Duration = Duration::from_millis(100);

/// How often the log older than 30 days is removed.
const FORGET_EVERY: Duration = Duration::from_secs(3600);

/// Starts the worker of this instance: it runs until the process ends.
pub fn spawn_worker(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    let slots = Arc::new(Semaphore::new(ENDPOINTS));
    tokio::spawn(async move {
        let mut forgot_at = tokio::time::Instant::now() - FORGET_EVERY;
        let mut fanned_at = tokio::time::Instant::now() - FAN_OUT_EVERY;
        loop {
            let now = crate::domain::now();
            if forgot_at.elapsed() >= FORGET_EVERY {
                forgot_at = tokio::time::Instant::now();
                match deliveries::forget_old(&state.db, now).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::info!(deliveries = n, "webhook log older than 30 days removed")
                    }
                    Err(e) => tracing::warn!(error = %e, "removing the old webhook log"),
                }
            }
            let mut busy = false;
            if fanned_at.elapsed() >= FAN_OUT_EVERY {
                fanned_at = tokio::time::Instant::now();
                if let Err(e) = fan_out::fan_out(&state.db, FAN_OUT_BATCH, now).await {
                    tracing::warn!(error = %e, "fanning out webhook events");
                }
            }
            let free = slots.available_permits();
            if free > 0 {
                match deliveries::claim(&state.db, free as u64, PER_ENDPOINT, now).await {
                    Ok(batches) => {
                        busy |= !batches.is_empty();
                        for batch in batches {
                            let Ok(permit) = slots.clone().acquire_owned().await else {
                                return;
                            };
                            let state = state.clone();
                            tokio::spawn(async move {
                                send::deliver_batch(&state, batch).await;
                                drop(permit);
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming webhook deliveries"),
                }
            }
            if !busy {
                tokio::time::sleep(IDLE).await;
            } else {
                tokio::task::yield_now().await;
            }
        }
    })
}
