//! Replies that cannot go back in a webhook's answer wait in the message log as `queued` and
//! are delivered by this task through the gateway's API, retried with growing pauses until
//! the gateway takes them (or 12 attempts fail). A restart loses nothing: the queue is the
//! database.

use std::time::Duration;

use storage::now_millis;
use storage::sms;

use crate::state::{AndroidGateway, AppState};

const MAX_ATTEMPTS: i64 = 12;

/// Starts delivering queued replies in the background.
pub fn spawn(state: AppState) {
    let Some(gateway) = state.config.android_gateway.clone() else { return };
    crate::tls::install();
    let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(15));
    if let Some(pem) = &gateway.extra_root_pem {
        match reqwest::Certificate::from_pem(pem) {
            Ok(certificate) => builder = builder.add_root_certificate(certificate),
            Err(error) => tracing::error!(%error, "the Android gateway's certificate is not PEM; it is not trusted"),
        }
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(%error, "no HTTP client for the Android gateway: replies stay queued");
            return;
        }
    };
    tokio::spawn(async move {
        loop {
            if let Err(error) = deliver_due(&state, &client, &gateway).await {
                tracing::warn!(%error, "SMS outbox");
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    });
}

async fn deliver_due(
    state: &AppState,
    client: &reqwest::Client,
    gateway: &AndroidGateway,
) -> Result<(), storage::StorageError> {
    for message in sms::due_replies(state.store.reads(), "android", now_millis(), 50).await? {
        let body = serde_json::json!({ "textMessage": { "text": message.body }, "phoneNumbers": [message.phone] });
        let sent = client
            .post(format!("{}/message", gateway.api_url.trim_end_matches('/')))
            .basic_auth(&gateway.username, Some(&gateway.password))
            .json(&body)
            .send()
            .await;
        let delivered = matches!(&sent, Ok(response) if response.status().is_success());
        let id = message.id;
        let attempts = message.attempts + 1;
        // 10 s, 20 s, 40 s … capped at 10 minutes.
        let pause = (10_000i64 << attempts.min(6)).min(600_000);
        let (status, next) = if delivered {
            ("sent", None)
        } else if attempts >= MAX_ATTEMPTS {
            ("failed", None)
        } else {
            ("queued", Some(now_millis() + pause))
        };
        if !delivered {
            tracing::warn!(id, attempts, "SMS reply not delivered yet");
        }
        state
            .store
            .write(move |c| Box::pin(async move { sms::mark_delivery(c, id, status, attempts, next).await }))
            .await?;
    }
    Ok(())
}
