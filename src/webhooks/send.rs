//! One endpoint's batch: each delivery posted in turn, signed as the Standard Webhooks
//! specification prescribes, through the deliveries' client ([`super::client`]), reading
//! at most 64 KiB of an answer.

use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use entity::webhook_event;
use serde_json::{Value, json};

use super::client::MAX_ANSWER;
use crate::domain::webhooks::address::is_internal;
use crate::domain::webhooks::deliveries::{self, Attempted, Batch};
use crate::domain::webhooks::endpoints::signing_keys;
use crate::domain::webhooks::events::{EventType, resource_path};
use crate::state::AppState;

/// The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for
/// each key, separated by spaces.
pub fn signature(keys: &[&[u8]], id: &str, timestamp: i64, body: &str) -> String {
    use hmac::{Hmac, Mac};
    keys.iter()
        .filter_map(|key| {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).ok()?;
            mac.update(format!("{id}.{timestamp}.").as_bytes());
            mac.update(body.as_bytes());
            Some(format!(
                "v1,{}",
                STANDARD.encode(mac.finalize().into_bytes())
            ))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The body of an event's delivery: `{id, type, occurred_at, data}`, where `data` holds
/// the resource's ids, its status and the `url` to fetch it from.
pub fn body(event: &webhook_event::Model, public_url: &str) -> String {
    let mut data: Value = serde_json::from_str(&event.data).unwrap_or_else(|_| json!({}));
    if let Some(path) = EventType::parse(&event.kind).and_then(|k| resource_path(k, &data)) {
        data["url"] = Value::String(format!("{public_url}{path}"));
    }
    json!({
        "id": event.id,
        "type": event.kind,
        "occurred_at": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "data": data,
    })
    .to_string()
}

/// Posts a batch's deliveries one after the other and records the attempts. After a 410
/// the rest are not tried: the endpoint is turned off.
pub async fn deliver_batch(state: &AppState, batch: Batch) {
    let endpoint = &batch.endpoint;
    let mut attempts = Vec::with_capacity(batch.items.len());
    for (delivery, event) in &batch.items {
        let keys = signing_keys(&state.webhook_secret, endpoint, crate::domain::now());
        let payload = body(event, &state.config.public_url);
        let at = crate::domain::now();
        let started = Instant::now();
        let (status, error) = post(state, &endpoint.url, event, &keys, &payload).await;
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        state
            .metrics
            .webhook_attempt(if delivered { "delivered" } else { "failed" });
        if delivered {
            tracing::info!(webhook = %endpoint.id, delivery = %delivery.id, event = %event.kind, status, duration_ms, "webhook delivered");
        } else {
            tracing::warn!(webhook = %endpoint.id, delivery = %delivery.id, event = %event.kind, status, error, duration_ms, "webhook not delivered");
        }
        let gone = status == Some(410);
        attempts.push(Attempted {
            delivery: delivery.clone(),
            at,
            duration_ms,
            status,
            error,
        });
        if gone {
            break;
        }
    }
    match deliveries::settle(&state.db, &batch, attempts).await {
        Ok(Some(why)) => {
            tracing::warn!(webhook = %endpoint.id, why, "webhook endpoint turned off");
        }
        Ok(None) => {}
        Err(e) => tracing::warn!(webhook = %endpoint.id, error = %e, "recording webhook attempts"),
    }
}

/// One request: the answer's status, or why there was none (never the URL, which may
/// hold a partner's token).
async fn post(
    state: &AppState,
    url: &str,
    event: &webhook_event::Model,
    keys: &[[u8; 32]],
    payload: &str,
) -> (Option<u16>, Option<String>) {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return (None, Some("the endpoint URL cannot be read".into()));
    };
    // An address literal is not resolved: check it here.
    let literal = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
        _ => None,
    };
    if !state.config.webhooks_allow_private && literal.is_some_and(is_internal) {
        return (
            None,
            Some("the endpoint leads to an address inside the academy's network".into()),
        );
    }
    let id = event.id.to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let request = state
        .webhook_client
        .post(parsed)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature(
                &keys.iter().map(|k| k.as_slice()).collect::<Vec<_>>(),
                &id,
                timestamp,
                payload,
            ),
        )
        .body(payload.to_owned());
    let mut answer = match request.send().await {
        Ok(answer) => answer,
        Err(e) => return (None, Some(describe(e))),
    };
    let status = answer.status().as_u16();
    // Read (and drop) at most 64 KiB of the answer, so the connection can be reused
    // and an endless answer ends.
    let mut read = 0usize;
    while read < MAX_ANSWER {
        match answer.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            Ok(None) | Err(_) => break,
        }
    }
    let error = if (200..300).contains(&status) {
        None
    } else if (300..400).contains(&status) {
        Some(format!("answered {status}: redirects are not followed"))
    } else {
        Some(format!("answered {status}"))
    };
    (Some(status), error)
}

/// What went wrong with a request, without its URL.
fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let e = &e;
    if e.is_timeout() {
        "no answer within 10 seconds".into()
    } else if e.is_connect() {
        let mut source = std::error::Error::source(e);
        let mut why = String::from("could not connect");
        while let Some(s) = source {
            why = format!("could not connect: {s}");
            source = s.source();
        }
        why
    } else {
        format!("request failed: {e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification (spec/standard-webhooks.md).
        let key = STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap_or_default();
        let sig = signature(
            &[&key],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let two = signature(&[&key, &[1u8; 32]], "id", 1, "{}");
        assert_eq!(two.split(' ').count(), 2);
        assert!(two.starts_with(&signature(&[&key], "id", 1, "{}")));
    }
}
