//! The audit log: one append-only row for every change, written in the same transaction as
//! the change, so there is never a change without its entry or an entry without its change.
//!
//! Reports are the exception: a report's own row already says who sent what, when and through
//! which channel, and the hash chain covers it, so the log lists reports from `submissions`
//! (as `submission.create` on entity `submission`) instead of keeping a copy of each
//! (migration 0014: the copies cost every report a third of what it wrote behind it).

use serde::Serialize;
use sqlx::Row;

use domain::audit::{ChangeAuthor, Channel};

use crate::sql::{Bind, Conditions, page_bounds, paged};
use crate::{Connection, Page, Result, Store};

/// What changed: an action on an entity ("person.update" on person 42) and its details.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub details: serde_json::Value,
}

/// How a report is listed in the audit log.
const REPORT_ACTION: &str = "submission.create";
const REPORT_ENTITY: &str = "submission";

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    /// The entry's row in the audit log; none for a report, listed from its own row.
    pub id: Option<i64>,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_username: Option<String>,
    pub channel: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub details: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub channel: Option<Channel>,
    pub entity: Option<String>,
    pub action: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
    pub page: u32,
    pub per_page: u32,
}

pub async fn record(connection: &mut Connection, author: &ChangeAuthor, change: Change<'_>, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, channel, action, entity, entity_id, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(author.user_id)
    .bind(author.channel.as_str())
    .bind(change.action.to_string())
    .bind(change.entity.to_string())
    .bind(change.entity_id)
    .bind(change.details.to_string())
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Entries and reports together, newest first. Filters apply to both alike; a filter that no
/// report can match (another entity or action) leaves reports out altogether.
pub async fn list(store: &Store, filter: &AuditFilter) -> Result<Page<AuditRow>> {
    // Caught up: an actor's reports are found through their list, written behind on SQLite.
    let pool = store.reads_caught_up().await?;
    let (page, per_page, offset) = page_bounds(filter.page, filter.per_page);
    let mut conditions = Conditions::default();
    let actor = filter.actor.as_deref().map(str::trim).filter(|a| !a.is_empty());
    if let Some(username) = actor {
        // By id, looked up first: a plain value is what the planner carries into both halves
        // (and their indexes by actor); a subquery would make it scan them.
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(username.to_ascii_lowercase())
            .fetch_optional(pool)
            .await?;
        let Some(id) = id else { return Ok(Page { items: Vec::new(), total: 0, page, per_page }) };
        conditions.add("e.actor_user_id = ?", [Bind::Int(id)]);
    }
    if let Some(channel) = filter.channel {
        conditions.add("e.channel = ?", [Bind::Text(channel.as_str().into())]);
    }
    let entity = filter.entity.as_deref().filter(|e| !e.is_empty());
    if let Some(entity) = entity {
        conditions.add("e.entity = ?", [Bind::Text(entity.into())]);
    }
    let action = filter.action.as_deref().filter(|a| !a.is_empty());
    if let Some(action) = action {
        conditions.add("e.action = ?", [Bind::Text(action.into())]);
    }
    if let Some(from) = filter.from {
        conditions.add("e.at >= ?", [Bind::Int(from)]);
    }
    if let Some(until) = filter.until {
        conditions.add("e.at < ?", [Bind::Int(until)]);
    }
    let entries = "SELECT a.id, a.at, a.actor_user_id, a.channel, a.action, a.entity, a.entity_id, a.details
        FROM audit_log a";
    let reports_match = entity.is_none_or(|e| e == REPORT_ENTITY) && action.is_none_or(|a| a == REPORT_ACTION);
    // Reports' details are filled in for the page alone (`with_report_details`): made in SQL
    // for every row the sort reads, they tripled the time of a listing (2.4 s at a million).
    let from = if reports_match {
        // Only observers' reports can match an actor: then they are found by observer.
        let (source, actor) = match actor {
            Some(_) => ("observer_reports o JOIN submissions s ON s.id = o.submission_id", "o.observer_id"),
            None => ("submissions s", "s.observer_id"),
        };
        format!(
            "FROM ({entries} UNION ALL
                SELECT NULL, s.server_time, {actor}, s.channel, '{REPORT_ACTION}', '{REPORT_ENTITY}',
                    CAST(s.id AS TEXT), NULL
                FROM {source}) e"
        )
    } else {
        format!("FROM ({entries}) e")
    };
    let select = format!(
        "SELECT e.id, e.at, e.actor_user_id, u.username, e.channel, e.action, e.entity, e.entity_id, e.details
         {from} LEFT JOIN users u ON u.id = e.actor_user_id"
    );
    let listed = paged(pool, &conditions, &from, &select, "e.at DESC, e.id DESC", (page, per_page, offset), |row| {
        Ok(AuditRow {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            actor_user_id: row.try_get("actor_user_id")?,
            actor_username: row.try_get("username")?,
            channel: row.try_get("channel")?,
            action: row.try_get("action")?,
            entity: row.try_get("entity")?,
            entity_id: row.try_get("entity_id")?,
            details: row.try_get::<Option<String>, _>("details")?.unwrap_or_default(),
        })
    })
    .await?;
    with_report_details(pool, listed).await
}

/// A listed report's details, as its entry in the log had them: `{"form":"VT","station":"17/1"}`.
async fn with_report_details(pool: &sqlx::AnyPool, mut listed: Page<AuditRow>) -> Result<Page<AuditRow>> {
    let reports: Vec<i64> =
        listed.items.iter().filter(|row| row.id.is_none()).filter_map(|row| row.entity_id.parse().ok()).collect();
    if reports.is_empty() {
        return Ok(listed);
    }
    let mut conditions = Conditions::default();
    let marks = vec!["?"; reports.len()].join(", ");
    conditions.add(&format!("s.id IN ({marks})"), reports.iter().map(|id| Bind::Int(*id)));
    let sql = format!(
        "SELECT s.id, s.form_code, st.constituency_no, st.number
         FROM submissions s JOIN stations st ON st.id = s.station_id{}",
        conditions.where_sql()
    );
    let mut details = std::collections::HashMap::new();
    for row in conditions.query(sql).fetch_all(pool).await? {
        let station = format!("{}/{}", row.try_get::<i64, _>("constituency_no")?, row.try_get::<i64, _>("number")?);
        let form: String = row.try_get("form_code")?;
        let text = serde_json::json!({ "form": form, "station": station }).to_string();
        details.insert(row.try_get::<i64, _>("id")?, text);
    }
    for row in listed.items.iter_mut().filter(|row| row.id.is_none()) {
        if let Some(text) = row.entity_id.parse().ok().and_then(|id: i64| details.remove(&id)) {
            row.details = text;
        }
    }
    Ok(listed)
}
