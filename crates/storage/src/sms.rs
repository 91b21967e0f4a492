//! The SMS message log: every inbound and outbound message, linked to its observer and the
//! report it produced. Inbound messages are stored once per phone and text (gateways retry).

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::coverage::Area;
use crate::sql::{Bind, Conditions, like_pattern, page_bounds, paged};
use crate::{Connection, Page, Result};

#[derive(Debug, Clone, Serialize)]
pub struct SmsRow {
    pub id: i64,
    pub direction: String,
    pub gateway: String,
    pub phone: String,
    pub body: String,
    pub at: i64,
    pub observer_id: Option<i64>,
    pub observer_name: Option<String>,
    pub submission_id: Option<i64>,
    pub status: String,
    pub detail: String,
    pub reply_to: Option<i64>,
    /// The number belongs to an observer outside the reader's constituencies: their name is
    /// left out and their number shortened (the message is listed for the code it gave).
    pub sender_elsewhere: bool,
}

const COLUMNS: &str =
    "m.id, m.direction, m.gateway, m.phone, m.body, m.at, m.observer_id, u.full_name AS observer_name,
    m.submission_id, m.status, m.detail, m.reply_to";

fn row_from(row: &AnyRow) -> Result<SmsRow> {
    Ok(SmsRow {
        id: row.try_get("id")?,
        direction: row.try_get("direction")?,
        gateway: row.try_get("gateway")?,
        phone: row.try_get("phone")?,
        body: row.try_get("body")?,
        at: row.try_get("at")?,
        observer_id: row.try_get("observer_id")?,
        observer_name: row.try_get("observer_name")?,
        submission_id: row.try_get("submission_id")?,
        status: row.try_get("status")?,
        detail: row.try_get("detail")?,
        reply_to: row.try_get("reply_to")?,
        sender_elsewhere: false,
    })
}

/// An inbound message as first seen.
#[derive(Debug, Clone)]
pub struct Inbound {
    pub gateway: String,
    pub phone: String,
    pub body: String,
    pub at: i64,
    pub dedupe_key: String,
}

/// An SMS that became a report: logged with what it came to, and its reply, in the report's
/// own transaction, so a message costs one commit and its log can never miss its report.
#[derive(Debug, Clone)]
pub struct MessageLog {
    pub inbound: Inbound,
    /// processed or partial.
    pub status: String,
    pub detail: String,
    /// The reply, if any, and its status: `sent` in the webhook's answer, or `queued`.
    pub reply: Option<(String, String)>,
}

/// Logs a received message already settled. The same text from the same phone logged before
/// without a report (an unknown number, since registered) is settled now; one that already
/// produced a report is left alone.
pub(crate) const INSERT_SETTLED: &str = "INSERT INTO sms_messages (direction, gateway, phone, body, at, dedupe_key,
    status, observer_id, submission_id, detail) VALUES ('in', $1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (dedupe_key) DO UPDATE SET status = excluded.status, observer_id = excluded.observer_id,
        submission_id = excluded.submission_id, detail = excluded.detail
    WHERE sms_messages.submission_id IS NULL
    RETURNING id";
/// A reply carries the observer (or claimed observer) of the message it answers, so that it
/// shows in the same coordinators' log.
pub(crate) const INSERT_REPLY: &str = "INSERT INTO sms_messages (direction, gateway, phone, body, at, status, reply_to,
    next_attempt_at, observer_id, claimed_observer_id) VALUES ('out', $1, $2, $3, $4, $5, $6, $4, $7, $8) RETURNING id";

/// Stores an inbound message unless the same phone already sent the same text; returns its
/// id and whether it is new.
pub async fn receive(connection: &mut Connection, message: &Inbound) -> Result<(i64, bool)> {
    let existing = sqlx::query("SELECT id FROM sms_messages WHERE dedupe_key = $1")
        .bind(message.dedupe_key.clone())
        .fetch_optional(&mut *connection)
        .await?;
    if let Some(row) = existing {
        return Ok((row.try_get("id")?, false));
    }
    let row = sqlx::query(
        "INSERT INTO sms_messages (direction, gateway, phone, body, at, dedupe_key, status) VALUES ('in', $1, $2, $3, $4, $5, 'received')
         RETURNING id",
    )
    .bind(message.gateway.clone())
    .bind(message.phone.clone())
    .bind(message.body.clone())
    .bind(message.at)
    .bind(message.dedupe_key.clone())
    .fetch_one(&mut *connection)
    .await?;
    Ok((row.try_get("id")?, true))
}

/// What processing a message came to.
#[derive(Debug, Clone)]
pub struct Settlement {
    /// processed, partial, unverified or rejected.
    pub status: &'static str,
    /// The observer it was verified to come from (or whose registered number sent it).
    pub observer_id: Option<i64>,
    /// Unverified: the observer holding the code the message gave.
    pub claimed_observer_id: Option<i64>,
    pub submission_id: Option<i64>,
    pub detail: String,
}

/// Records what processing a message came to.
pub async fn settle(connection: &mut Connection, id: i64, settled: &Settlement) -> Result<()> {
    sqlx::query(
        "UPDATE sms_messages SET status = $1, observer_id = $2, claimed_observer_id = $3, submission_id = $4,
         detail = $5 WHERE id = $6",
    )
    .bind(settled.status.to_string())
    .bind(settled.observer_id)
    .bind(settled.claimed_observer_id)
    .bind(settled.submission_id)
    .bind(settled.detail.clone())
    .bind(id)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// A reply to store: `sent` when it went back in the webhook's own answer, `queued` otherwise.
#[derive(Debug, Clone)]
pub struct Reply<'a> {
    pub to: i64,
    pub gateway: &'a str,
    pub phone: &'a str,
    pub body: &'a str,
    pub status: &'a str,
    pub at: i64,
}

/// Stores a reply to a message settled as `settled`.
pub async fn reply(connection: &mut Connection, reply: &Reply<'_>, settled: &Settlement) -> Result<i64> {
    let row = sqlx::query(INSERT_REPLY)
        .bind(reply.gateway.to_string())
        .bind(reply.phone.to_string())
        .bind(reply.body.to_string())
        .bind(reply.at)
        .bind(reply.status.to_string())
        .bind(reply.to)
        .bind(settled.observer_id)
        .bind(settled.claimed_observer_id)
        .fetch_one(&mut *connection)
        .await?;
    Ok(row.try_get("id")?)
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<SmsRow>> {
    let sql = format!("SELECT {COLUMNS} FROM sms_messages m LEFT JOIN users u ON u.id = m.observer_id WHERE m.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(row_from).transpose()
}

/// The reply stored for an inbound message, if any.
pub async fn reply_of(pool: &AnyPool, inbound_id: i64) -> Result<Option<SmsRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sms_messages m LEFT JOIN users u ON u.id = m.observer_id WHERE m.reply_to = $1 ORDER BY m.id DESC LIMIT 1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(inbound_id).fetch_optional(pool).await?;
    row.as_ref().map(row_from).transpose()
}

/// Inbound messages with an invalid observer code from this phone since `since`.
pub async fn recent_rejections(pool: &AnyPool, phone: &str, since: i64) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM sms_messages WHERE phone = $1 AND direction = 'in' AND status = 'unverified' AND at >= $2")
        .bind(phone.to_string())
        .bind(since)
        .fetch_one(pool)
        .await?
        .try_get("n")?)
}

#[derive(Debug, Clone, Default)]
pub struct SmsFilter {
    pub search: Option<String>,
    pub status: Option<String>,
    pub page: u32,
    pub per_page: u32,
}

/// Limits `conditions` to messages a coordinator of these constituencies reviews: those of
/// observers deployed there, and unverified ones giving the code of an observer deployed there.
/// Messages from unknown numbers giving no known code are for the whole-coalition view only.
fn within(conditions: &mut Conditions, numbers: &[i64]) {
    let deployed = deployed_in(numbers);
    conditions.add(
        &format!("(m.observer_id IN ({deployed}) OR m.claimed_observer_id IN ({deployed}))"),
        numbers.iter().chain(numbers).map(|n| Bind::Int(*n)),
    );
}

/// The people deployed in these constituencies, as a subquery with one `?` per number.
fn deployed_in(numbers: &[i64]) -> String {
    let marks = vec!["?"; numbers.len()].join(", ");
    format!(
        "SELECT d.user_id FROM deployments d JOIN stations s ON s.id = d.station_id WHERE s.constituency_no IN ({marks})"
    )
}

/// Whether message `id` is in `area` (see `within`).
pub async fn in_area(pool: &AnyPool, id: i64, area: &Area) -> Result<bool> {
    let mut conditions = Conditions::default();
    conditions.add("m.id = ?", [Bind::Int(id)]);
    if let Area::Constituencies(numbers) = area {
        if numbers.is_empty() {
            return Ok(false);
        }
        within(&mut conditions, numbers);
    }
    let sql = format!("SELECT COUNT(*) AS n FROM sms_messages m {}", conditions.where_sql());
    Ok(conditions.query(sql).fetch_one(pool).await?.try_get::<i64, _>("n")? > 0)
}

/// The log, newest first, within `area` (see `within`).
pub async fn list(pool: &AnyPool, area: &Area, filter: &SmsFilter) -> Result<Page<SmsRow>> {
    let (page, per_page, offset) = page_bounds(filter.page, filter.per_page);
    let mut conditions = Conditions::default();
    if let Area::Constituencies(numbers) = area {
        if numbers.is_empty() {
            return Ok(Page { items: Vec::new(), total: 0, page, per_page });
        }
        within(&mut conditions, numbers);
    }
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = like_pattern(text);
        match area {
            // A number is searched only where it is shown in full: an observer's outside the
            // reader's constituencies is not, and searching it digit by digit would tell it.
            Area::Constituencies(numbers) => conditions.add(
                &format!(
                    "(m.body LIKE ? ESCAPE '\\' OR (m.phone LIKE ? ESCAPE '\\' AND (m.observer_id IS NULL OR m.observer_id IN ({}))))",
                    deployed_in(numbers)
                ),
                [Bind::Text(pattern.clone()), Bind::Text(pattern)].into_iter().chain(numbers.iter().map(|n| Bind::Int(*n))),
            ),
            Area::All => conditions.add(
                "(m.phone LIKE ? ESCAPE '\\' OR m.body LIKE ? ESCAPE '\\')",
                [Bind::Text(pattern.clone()), Bind::Text(pattern)],
            ),
        }
    }
    if let Some(status) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        conditions.add("m.status = ?", [Bind::Text(status.into())]);
    }
    let select = format!("SELECT {COLUMNS} FROM sms_messages m LEFT JOIN users u ON u.id = m.observer_id");
    let mut listed =
        paged(pool, &conditions, "FROM sms_messages m", &select, "m.id DESC", (page, per_page, offset), row_from)
            .await?;
    if let Area::Constituencies(numbers) = area {
        let senders: Vec<i64> = listed.items.iter().filter_map(|m| m.observer_id).collect();
        let here = deployed_among(pool, numbers, &senders).await?;
        for message in &mut listed.items {
            if message.observer_id.is_some_and(|id| !here.contains(&id)) {
                message.observer_name = None;
                message.phone = shortened(&message.phone);
                message.sender_elsewhere = true;
            }
        }
    }
    Ok(listed)
}

/// Which of `people` are deployed in these constituencies.
async fn deployed_among(pool: &AnyPool, numbers: &[i64], people: &[i64]) -> Result<std::collections::BTreeSet<i64>> {
    if people.is_empty() {
        return Ok(std::collections::BTreeSet::new());
    }
    let mut conditions = Conditions::default();
    conditions.add(&format!("u.id IN ({})", deployed_in(numbers)), numbers.iter().map(|n| Bind::Int(*n)));
    conditions.add(&format!("u.id IN ({})", vec!["?"; people.len()].join(", ")), people.iter().map(|p| Bind::Int(*p)));
    let sql = format!("SELECT u.id AS user_id FROM users u {}", conditions.where_sql());
    let rows = conditions.query(sql).fetch_all(pool).await?;
    rows.iter().map(|r| Ok(r.try_get::<i64, _>("user_id")?)).collect()
}

/// A number with its middle hidden: enough to tell two apart, not to call.
fn shortened(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().collect();
    if digits.len() <= 6 {
        return "•".repeat(digits.len());
    }
    let (head, tail) = (&digits[..4], &digits[digits.len() - 2..]);
    format!("{}{}{}", head.iter().collect::<String>(), "•".repeat(digits.len() - 6), tail.iter().collect::<String>())
}

/// The observer a phone number belongs to, with their code (to check it against the message).
pub async fn observer_by_phone(pool: &AnyPool, phone: &str) -> Result<Option<(i64, Option<i64>)>> {
    let row = sqlx::query(
        "SELECT id, observer_code FROM users WHERE phone = $1 AND active = 1 AND role = 'observer' LIMIT 1",
    )
    .bind(phone.to_string())
    .fetch_optional(pool)
    .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("observer_code")?))).transpose()
}

/// The observer holding a code.
pub async fn observer_by_code(pool: &AnyPool, code: i64) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT id FROM users WHERE observer_code = $1 AND active = 1 AND role = 'observer'")
        .bind(code)
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok(r.try_get("id")?)).transpose()
}

/// A queued reply waiting for delivery.
#[derive(Debug, Clone)]
pub struct QueuedReply {
    pub id: i64,
    pub phone: String,
    pub body: String,
    pub attempts: i64,
}

pub async fn due_replies(pool: &AnyPool, gateway: &str, now: i64, limit: i64) -> Result<Vec<QueuedReply>> {
    let rows = sqlx::query(
        "SELECT id, phone, body, attempts FROM sms_messages
         WHERE direction = 'out' AND status = 'queued' AND gateway = $1 AND next_attempt_at <= $2 ORDER BY id LIMIT $3",
    )
    .bind(gateway.to_string())
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(QueuedReply {
                id: r.try_get("id")?,
                phone: r.try_get("phone")?,
                body: r.try_get("body")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

pub async fn mark_delivery(
    connection: &mut Connection,
    id: i64,
    status: &str,
    attempts: i64,
    next_attempt_at: Option<i64>,
) -> Result<()> {
    sqlx::query("UPDATE sms_messages SET status = $1, attempts = $2, next_attempt_at = $3 WHERE id = $4")
        .bind(status.to_string())
        .bind(attempts)
        .bind(next_attempt_at)
        .bind(id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The message with this dedupe key (phone + text), if it was received before.
pub async fn find_by_key(pool: &AnyPool, dedupe_key: &str) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT id FROM sms_messages WHERE dedupe_key = $1")
        .bind(dedupe_key.to_string())
        .fetch_optional(pool)
        .await?;
    row.map(|r| Ok(r.try_get("id")?)).transpose()
}
