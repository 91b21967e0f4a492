//! The generic JSON webhook: `POST /sms/inbound` with `{"from": "+994…", "text": "…"}`,
//! signed with `X-Pollwatch-Signature: sha256=<hex HMAC-SHA256 of the body>` under the shared
//! secret (`--sms-secret`). A wrong or missing signature is refused and nothing is stored.
//! The answer carries the reply to send back: `{"reply": "…"}`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{AppError, AppResult};
use crate::sms::process::{Incoming, process};
use crate::state::AppState;

#[derive(Deserialize)]
struct Message {
    from: String,
    text: String,
}

#[derive(Serialize)]
pub struct Answer {
    /// The text to send back to the observer (empty: send nothing).
    pub reply: String,
}

/// Checks `sha256=<hex>` against the body's HMAC, in constant time.
pub fn signature_is_valid(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_digest) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else { return false };
    let Ok(expected) = hex::decode(hex_digest) else { return false };
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

pub async fn inbound(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> AppResult<Json<Answer>> {
    // Without a configured secret the webhook does not exist.
    let secret = state.config.sms_secret.clone().ok_or(AppError::NotFound)?;
    let signature = headers.get("x-pollwatch-signature").and_then(|v| v.to_str().ok());
    if !signature_is_valid(&secret, &body, signature) {
        return Err(AppError::Unauthenticated);
    }
    let message: Message = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("expected {{\"from\", \"text\"}}: {e}")))?;
    let reply =
        process(&state, Incoming { gateway: "generic".into(), phone: message.from, text: message.text }).await?;
    Ok(Json(Answer { reply }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_exactly() {
        let body = br#"{"from":"+994501234567","text":"OP 123456 OB1"}"#;
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"secret").unwrap();
        mac.update(body);
        let good = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert!(signature_is_valid("secret", body, Some(&good)));
        assert!(!signature_is_valid("other", body, Some(&good)));
        assert!(!signature_is_valid("secret", b"tampered", Some(&good)));
        assert!(!signature_is_valid("secret", body, None));
        assert!(!signature_is_valid("secret", body, Some("sha256=zz")));
    }
}
