//! What happens to one SMS, from whichever gateway: read, checked against the sender's
//! registration, and stored as a report through the same intake as the app, logged with it —
//! the message, what it became and the reply — in the report's own transaction (one commit
//! per message), once per phone and text. Messages that become no report are logged alone.

use crate::remembered::Remembered;
use sha2::{Digest, Sha256};

use domain::access::Actor;
use domain::audit::Channel;
use domain::language::Language;
use domain::people::Phone;
use domain::sms;
use storage::sms::{Inbound, MessageLog, Reply, Settlement};
use storage::{now_millis, people};

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

/// What a message came to.
struct Outcome {
    settled: Settlement,
    /// Empty: send nothing.
    reply: String,
}

fn normalized_phone(raw: &str) -> String {
    Phone::parse(raw).map(|p| p.as_str().to_string()).unwrap_or_else(|_| raw.trim().to_string())
}

fn dedupe_key(phone: &str, text: &str) -> String {
    hex::encode(Sha256::digest(format!("{phone}\n{}", text.trim()).as_bytes()))
}

/// Processes one message and returns the reply to send ("" for none).
pub async fn process(state: &AppState, incoming: Incoming) -> Result<String, AppError> {
    let phone = normalized_phone(&incoming.phone);
    let inbound = Inbound {
        dedupe_key: dedupe_key(&phone, &incoming.text),
        gateway: incoming.gateway,
        phone,
        body: incoming.text,
        at: now_millis(),
    };
    let sender = Sender::look_up(state, &inbound.phone).await?;
    let outcome = match evaluate(state, &sender, &inbound, true).await? {
        // The usual case: a new report, logged with its message in one commit.
        Evaluated::Logged(reply) => return Ok(reply),
        Evaluated::ToLog(outcome) => outcome,
    };
    let reply = outcome.reply.clone();
    let (id, new) = state
        .store
        .write(move |c| {
            Box::pin(async move {
                let (id, new) = storage::sms::receive(c, &inbound).await?;
                if new {
                    record(c, id, &inbound, &outcome, true).await?;
                }
                Ok((id, new))
            })
        })
        .await?;
    if new {
        return Ok(reply);
    }
    // A gateway retry or a resend (or two copies arriving together) is stored once, and
    // answered after what the first came to (read again now, it could come to something else:
    // a form's new version, a station moved): stored as a report, said so; refused, what to
    // fix is said again. A message no registered observer stands behind was answered once:
    // each reply is an SMS the coalition pays for, and the guard against floods counts
    // messages, not their repeats.
    let first = storage::sms::by_id(state.store.reads(), id).await?;
    Ok(match first {
        Some(first) if first.submission_id.is_some() => t(sender.language, "sms-duplicate"),
        Some(first) if first.status == "unverified" => String::new(),
        _ => reply,
    })
}

/// Processes a stored message again, after a coordinator fixed the sender's registration.
pub async fn reprocess(state: &AppState, message_id: i64) -> Result<String, AppError> {
    let message = storage::sms::by_id(state.store.reads(), message_id).await?.ok_or(AppError::NotFound)?;
    if message.direction != "in" {
        return Err(AppError::BadRequest("only received messages can be processed".into()));
    }
    let sender = Sender::look_up(state, &message.phone).await?;
    let inbound = Inbound {
        dedupe_key: dedupe_key(&message.phone, &message.body),
        gateway: message.gateway,
        phone: message.phone,
        body: message.body,
        at: now_millis(),
    };
    let outcome = match evaluate(state, &sender, &inbound, false).await? {
        // The message's own row was settled with the report (same phone and text).
        Evaluated::Logged(reply) => return Ok(reply),
        Evaluated::ToLog(outcome) => outcome,
    };
    let reply = outcome.reply.clone();
    state.store.write(move |c| Box::pin(async move { record(c, message.id, &inbound, &outcome, false).await })).await?;
    Ok(reply)
}

/// How a reply reaches the sender, as stored: in the webhook's answer (`sent`), or through
/// the gateway's API later (`queued`, the Android gateway's outbox). A message processed
/// again outside its webhook, from a gateway with no outbound API here, gets no reply, and
/// none is logged as if it had gone out.
fn reply_status(gateway: &str, in_webhook: bool) -> Option<&'static str> {
    match (gateway, in_webhook) {
        ("android", _) => Some("queued"),
        (_, true) => Some("sent"),
        (_, false) => None,
    }
}

/// Writes what a message came to, and its reply.
async fn record(
    c: &mut storage::Connection,
    id: i64,
    inbound: &Inbound,
    outcome: &Outcome,
    in_webhook: bool,
) -> storage::Result<()> {
    storage::sms::settle(c, id, &outcome.settled).await?;
    if let Some(status) = reply_status(&inbound.gateway, in_webhook).filter(|_| !outcome.reply.is_empty()) {
        let (gateway, phone, body, at) = (&inbound.gateway, &inbound.phone, &outcome.reply, inbound.at);
        let reply = Reply { to: id, gateway, phone, body, status, at };
        storage::sms::reply(c, &reply, &outcome.settled).await?;
    }
    Ok(())
}

/// The registered observer a number belongs to, if any, their code, and the language to
/// answer in.
#[derive(Debug, Clone)]
pub struct Sender {
    observer: Option<(i64, Option<i64>)>,
    /// The observer's scope, for reports the message becomes.
    actor: Option<Actor>,
    language: Language,
}

impl Sender {
    async fn look_up(state: &AppState, phone: &str) -> Result<Sender, AppError> {
        let (remembered, when_missed) = state.senders.known.get(phone);
        if let Some(sender) = remembered {
            return Ok(sender);
        }
        let pool = state.store.reads();
        let observer = storage::sms::observer_by_phone(pool, phone).await?;
        let (actor, language) = match observer {
            Some((id, _)) => (
                people::actor(pool, id).await?,
                people::by_id(pool, id).await?.and_then(|p| Language::parse(&p.language)).unwrap_or_default(),
            ),
            None => (None, Language::Az),
        };
        let sender = Sender { observer, actor, language };
        state.senders.known.put(phone.to_string(), sender.clone(), when_missed);
        Ok(sender)
    }
}

/// Senders by phone number, remembered like identities (and forgotten with them whenever
/// people change), so a busy SMS hour does not look up the same numbers again and again.
pub struct Senders {
    known: Remembered<String, Sender>,
}

impl Default for Senders {
    fn default() -> Senders {
        Senders { known: Remembered::new(std::time::Duration::from_secs(30), 50_000) }
    }
}

impl Senders {
    pub fn clear(&self) {
        self.known.clear();
    }

    /// Forgets one observer's numbers: their own preferences changed, nobody's rights.
    pub fn forget_observer(&self, user_id: i64) {
        self.known.forget(|sender| sender.observer.is_some_and(|(id, _)| id == user_id));
    }
}

/// What evaluating a message left to do.
enum Evaluated {
    /// It became a new report, and was logged with it: the reply to send.
    Logged(String),
    /// Still to be logged, with what it came to.
    ToLog(Outcome),
}

/// `in_webhook`: the reply can go back in the webhook's answer (see `reply_status`).
async fn evaluate(
    state: &AppState,
    sender: &Sender,
    inbound: &Inbound,
    in_webhook: bool,
) -> Result<Evaluated, AppError> {
    let (text, at) = (inbound.body.as_str(), inbound.at);
    let language = sender.language;
    let registered = sender.observer.map(|(id, _)| id);
    let refuse = |status: &'static str, claimed_observer_id: Option<i64>, detail: String, reply: String| Outcome {
        settled: Settlement { status, observer_id: registered, claimed_observer_id, submission_id: None, detail },
        reply,
    };
    let Some(form) = sms::form_code(text).and_then(|code| state.forms.current(&code)) else {
        return Ok(Evaluated::ToLog(refuse("rejected", None, "unknown form".into(), t(language, "sms-unknown-form"))));
    };
    let parsed = sms::parse(text, &form);
    let typed = parsed.observer_code.as_deref().and_then(|c| c.parse::<i64>().ok());
    // The sender must be a registered number whose observer holds the code typed.
    let observer = match (sender.observer, typed) {
        (Some((id, Some(own))), Some(typed)) if own == typed => Some(id),
        _ => None,
    };
    let Some(actor) = observer.and(sender.actor.as_ref()) else {
        let detail = serde_json::to_string(&parsed).unwrap_or_default();
        let recent = storage::sms::recent_rejections(state.store.reads(), &inbound.phone, at - 3_600_000).await?;
        // Reveals nothing about whose code or number this is; silence once it repeats. A
        // message with no code at all is told to add one: that depends on the text alone.
        let reply = match typed {
            _ if recent >= REJECTIONS_PER_HOUR => String::new(),
            None => t(language, "sms-code-missing"),
            Some(_) => t(language, "sms-neutral"),
        };
        // Whose code it gave decides which coordinators review it.
        let claimed = match typed {
            Some(code) => storage::sms::observer_by_code(state.store.reads(), code).await?,
            None => None,
        };
        return Ok(Evaluated::ToLog(refuse("unverified", claimed, detail, reply)));
    };

    // The comment goes into the form's free-text remarks, if it has them, before the answers
    // are checked: an incident's description is its comment, and is not missing. Only a
    // question always asked takes it: a conditional one (the protocol's explanation of figures
    // that do not add up) must not be answered by whatever the comment says. Cut to the
    // question's length; the whole message stays in the SMS log.
    let mut sent = parsed.answers.clone();
    if let Some(comment) = &parsed.comment
        && let Some((remarks, longest)) = form
            .questions()
            .filter(|q| q.show_if.is_none())
            .filter_map(|q| match q.kind {
                domain::forms::QuestionKind::Text { max_length } => Some((q, max_length)),
                _ => None,
            })
            .last()
    {
        let kept: String = comment.chars().take(longest).collect();
        sent.entry(remarks.code.clone()).or_insert_with(|| serde_json::Value::String(kept));
    }
    let (answers, answer_problems) = domain::forms::validate_partially(&form, &sent);
    let kept: serde_json::Map<String, serde_json::Value> =
        serde_json::to_value(&answers.0).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default();
    let report = Report {
        client_id: format!("sms-{}", &inbound.dedupe_key[..40]),
        form_code: form.code.clone(),
        form_version: Some(form.version),
        station: parsed.station.map(|s| s.to_string()),
        answers: kept.into(),
        device_time: None,
        channel: Channel::Sms,
        partial: true,
    };
    let stored = answers.0.len();
    let status = if parsed.problems.is_empty() && answer_problems.is_empty() { "processed" } else { "partial" };
    let detail = serde_json::json!({ "reading": parsed.problems, "answers": answer_problems }).to_string();
    let incident = form.calls_for_incident(&answers);
    let reply_for = |station: &str| {
        reply::accepted(language, &form.code, station, stored, incident, &parsed.problems, &answer_problems)
    };
    let log = |station: &str| {
        Some(MessageLog {
            inbound: inbound.clone(),
            status: status.into(),
            detail: detail.clone(),
            reply: reply_status(&inbound.gateway, in_webhook).map(|status| (reply_for(station), status.into())),
        })
    };
    Ok(Evaluated::ToLog(match intake::submit_logged(state, actor, report, log).await {
        Ok(accepted) if !accepted.duplicate => return Ok(Evaluated::Logged(reply_for(&accepted.submission.station))),
        // The report was stored before: the message log says whether this text was too.
        Ok(accepted) => Outcome {
            settled: Settlement {
                status,
                observer_id: Some(actor.user_id),
                claimed_observer_id: None,
                submission_id: Some(accepted.submission.id),
                detail,
            },
            reply: reply_for(&accepted.submission.station),
        },
        Err(IntakeError::Storage(error)) => return Err(error.into()),
        Err(error) => {
            let text = match &error {
                IntakeError::StationNeeded => t(language, "sms-card-station"),
                IntakeError::NotDeployedThere(_) | IntakeError::BadStation(_) => t(language, "sms-station"),
                _ => t(language, "sms-failed"),
            };
            Outcome {
                settled: Settlement {
                    status: "rejected",
                    observer_id: Some(actor.user_id),
                    claimed_observer_id: None,
                    submission_id: None,
                    detail: format!("{error:?}"),
                },
                reply: reply::shorten(text),
            }
        }
    }))
}
