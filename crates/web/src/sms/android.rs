//! SMS Gateway for Android (capcom6/android-sms-gateway): the phone app NGOs use as a
//! gateway. It posts `sms:received` events signed with `X-Signature` (hex HMAC-SHA256 of the
//! raw body followed by `X-Timestamp`), and takes replies on its REST API (`POST /message`,
//! basic auth), which `outbox` calls with retries — a reply never rides on the webhook.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::error::{AppError, AppResult};
use crate::sms::process::{Incoming, process};
use crate::state::AppState;

/// Timestamps further than this from our clock are refused (replays).
const TOLERANCE_SECONDS: i64 = 300;

#[derive(Deserialize)]
struct Event {
    event: String,
    #[serde(default)]
    payload: Payload,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Payload {
    #[serde(default)]
    message: String,
    #[serde(default)]
    phone_number: String,
}

pub fn signature_is_valid(key: &str, body: &[u8], timestamp: &str, signature: &str, now_seconds: i64) -> bool {
    let Ok(sent_at) = timestamp.trim().parse::<i64>() else { return false };
    if (now_seconds - sent_at).abs() > TOLERANCE_SECONDS {
        return false;
    }
    let Ok(expected) = hex::decode(signature.trim()) else { return false };
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()) else { return false };
    mac.update(body);
    mac.update(timestamp.trim().as_bytes());
    mac.verify_slice(&expected).is_ok()
}

pub async fn inbound(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<serde_json::Value>> {
    let key = state.config.android_gateway.as_ref().map(|g| g.signing_key.clone()).ok_or(AppError::NotFound)?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let now_seconds = storage::now_millis() / 1000;
    if !signature_is_valid(&key, &body, &header("x-timestamp"), &header("x-signature"), now_seconds) {
        return Err(AppError::Unauthenticated);
    }
    let event: Event = serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    if event.event != "sms:received" {
        return Ok(Json(serde_json::json!({ "ignored": event.event })));
    }
    let incoming =
        Incoming { gateway: "android".into(), phone: event.payload.phone_number, text: event.payload.message };
    process(&state, incoming).await?;
    Ok(Json(serde_json::json!({ "received": true })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(key: &str, body: &[u8], timestamp: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(body);
        mac.update(timestamp.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn signatures_and_timestamps_are_checked() {
        let body = br#"{"event":"sms:received"}"#;
        let good = sign("key", body, "1700000000");
        assert!(signature_is_valid("key", body, "1700000000", &good, 1_700_000_100));
        assert!(!signature_is_valid("key", body, "1700000000", &good, 1_700_000_400), "a replay an hour later");
        assert!(!signature_is_valid("key", body, "1700000001", &good, 1_700_000_100), "the timestamp is signed");
        assert!(!signature_is_valid("other", body, "1700000000", &good, 1_700_000_100));
    }
}
