//! What happens to one SMS, from whichever gateway: logged once, read, checked against the
//! sender's registration, stored as a report through the same intake as the app, answered.

use sha2::{Digest, Sha256};

use domain::audit::Channel;
use domain::language::Language;
use domain::people::Phone;
use domain::sms;
use storage::sms::Inbound;
use storage::{StorageError, now_millis, people};

use crate::error::AppError;
use crate::i18n::t;
use crate::reporting::intake::{self, IntakeError, Report};
use crate::sms::reply;
use crate::state::AppState;

/// After this many messages with a wrong observer code in an hour, a number gets no more
/// replies (its messages are still kept for coordinators).
const REJECTIONS_PER_HOUR: i64 = 5;

pub struct Incoming {
    pub gateway: String,
    pub phone: String,
    pub text: String,
}

/// Processes one message and returns the reply to send ("" for none).
pub async fn process(state: &AppState, incoming: Incoming) -> Result<String, AppError> {
    let phone = Phone::parse(&incoming.phone)
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|_| incoming.phone.trim().to_string());
    let at = now_millis();
    let dedupe_key = hex::encode(Sha256::digest(format!("{phone}\n{}", incoming.text.trim()).as_bytes()));
    let inbound = Inbound {
        gateway: incoming.gateway.clone(),
        phone: phone.clone(),
        body: incoming.text.clone(),
        at,
        dedupe_key: dedupe_key.clone(),
    };
    let (message_id, new) =
        state.store.write(move |c| Box::pin(async move { storage::sms::receive(c, &inbound).await })).await?;
    if !new {
        // A gateway retry or a resend: stored once, said so.
        let language = sender_language(state, &phone).await?;
        return Ok(t(language, "sms-duplicate"));
    }
    handle(state, message_id, &incoming.gateway, &phone, &incoming.text, at).await
}

async fn sender_language(state: &AppState, phone: &str) -> Result<Language, AppError> {
    let pool = state.store.reads();
    Ok(match storage::sms::observer_by_phone(pool, phone).await? {
        Some((id, _)) => people::by_id(pool, id).await?.and_then(|p| Language::parse(&p.language)).unwrap_or_default(),
        None => Language::Az,
    })
}

/// Processes a stored message again, after a coordinator fixed the sender's registration.
pub async fn reprocess(state: &AppState, message_id: i64) -> Result<String, AppError> {
    let message = storage::sms::by_id(state.store.reads(), message_id).await?.ok_or(AppError::NotFound)?;
    if message.direction != "in" {
        return Err(AppError::BadRequest("only received messages can be processed".into()));
    }
    handle(state, message.id, &message.gateway, &message.phone, &message.body, now_millis()).await
}

async fn handle(
    state: &AppState,
    message_id: i64,
    gateway: &str,
    phone: &str,
    text: &str,
    at: i64,
) -> Result<String, AppError> {
    let incoming = Incoming { gateway: gateway.to_string(), phone: phone.to_string(), text: text.to_string() };
    let phone = phone.to_string();
    let dedupe_key = hex::encode(Sha256::digest(format!("{phone}\n{}", incoming.text.trim()).as_bytes()));
    let pool = state.store.reads();
    let registered = storage::sms::observer_by_phone(pool, &phone).await?;
    let language = sender_language(state, &phone).await?;

    let settle = |status: &'static str, observer: Option<i64>, submission: Option<i64>, detail: String| {
        let store = state.store.clone();
        async move {
            store
                .write(move |c| {
                    Box::pin(
                        async move { storage::sms::settle(c, message_id, status, observer, submission, &detail).await },
                    )
                })
                .await
        }
    };
    let form = sms::form_code(&incoming.text).and_then(|code| state.forms.current(&code));
    let Some(form) = form else {
        settle("rejected", registered.map(|r| r.0), None, "unknown form".into()).await?;
        return log_reply(state, message_id, &incoming.gateway, &phone, t(language, "sms-unknown-form")).await;
    };
    let parsed = sms::parse(&incoming.text, &form);
    let code = parsed.observer_code.as_deref().and_then(|c| c.parse::<i64>().ok());

    // The sender must be a registered number whose observer holds the code typed.
    let observer = match (registered, code) {
        (Some((id, Some(own))), Some(typed)) if own == typed => Some(id),
        _ => None,
    };
    let Some(observer_id) = observer else {
        let detail = serde_json::to_string(&parsed).unwrap_or_default();
        settle("unverified", registered.map(|r| r.0), None, detail).await?;
        let since = at - 3_600_000;
        if storage::sms::recent_rejections(pool, &phone, since).await? > REJECTIONS_PER_HOUR {
            return Ok(String::new());
        }
        // Reveals nothing about whose code or number this is.
        return log_reply(state, message_id, &incoming.gateway, &phone, t(language, "sms-neutral")).await;
    };
    let Some(actor) = people::actor(pool, observer_id).await? else {
        settle("unverified", Some(observer_id), None, String::new()).await?;
        return log_reply(state, message_id, &incoming.gateway, &phone, t(language, "sms-neutral")).await;
    };

    let (answers, answer_problems) = domain::forms::validate_partially(&form, &parsed.answers);
    let mut kept = serde_json::Map::new();
    for (code, value) in serde_json::to_value(&answers.0).unwrap_or_default().as_object().cloned().unwrap_or_default() {
        kept.insert(code, value);
    }
    // The comment goes into the form's free-text remarks, if it has them.
    if let Some(comment) = &parsed.comment
        && let Some(remarks) =
            form.questions().filter(|q| matches!(q.kind, domain::forms::QuestionKind::Text { .. })).last()
    {
        kept.entry(remarks.code.clone()).or_insert_with(|| serde_json::Value::String(comment.clone()));
    }
    let report = Report {
        client_id: format!("sms-{}", &dedupe_key[..40]),
        form_code: form.code.clone(),
        form_version: Some(form.version),
        station: parsed.station.map(|s| s.to_string()),
        answers: kept,
        device_time: None,
        channel: Channel::Sms,
        partial: true,
    };
    let stored = answers.0.len();
    match intake::submit(state, &actor, report).await {
        Ok(accepted) => {
            let status = if parsed.problems.is_empty() && answer_problems.is_empty() { "processed" } else { "partial" };
            let detail = serde_json::json!({ "reading": parsed.problems, "answers": answer_problems }).to_string();
            settle(status, Some(observer_id), Some(accepted.submission.id), detail).await?;
            let text = reply::accepted(
                language,
                &form.code,
                &accepted.submission.station,
                stored,
                &parsed.problems,
                &answer_problems,
            );
            log_reply(state, message_id, &incoming.gateway, &phone, text).await
        }
        Err(error) => {
            let text = match &error {
                IntakeError::StationNeeded => t(language, "intake-station-needed"),
                IntakeError::NotDeployedThere | IntakeError::BadStation(_) => t(language, "sms-station"),
                _ => t(language, "sms-failed"),
            };
            settle("rejected", Some(observer_id), None, format!("{error:?}")).await?;
            if let IntakeError::Storage(error) = error {
                return Err(error.into());
            }
            log_reply(state, message_id, &incoming.gateway, &phone, reply::shorten(text)).await
        }
    }
}

async fn log_reply(state: &AppState, to: i64, gateway: &str, phone: &str, text: String) -> Result<String, AppError> {
    // Gateways that take replies only through their API get them queued for the outbox.
    let status = if gateway == "android" { "queued" } else { "sent" };
    let (gateway, phone, body, at) = (gateway.to_string(), phone.to_string(), text.clone(), now_millis());
    state
        .store
        .write(move |c| Box::pin(async move { storage::sms::reply(c, to, &gateway, &phone, &body, status, at).await }))
        .await
        .map_err(|e: StorageError| AppError::from(e))?;
    Ok(text)
}
