//! The audit log: one append-only row for every change, written in the same transaction as
//! the change, so there is never a change without its entry or an entry without its change.

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

#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    pub id: i64,
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

/// Reports' entries are written behind them on SQLite: the writer catches up first.
pub async fn list(store: &Store, filter: &AuditFilter) -> Result<Page<AuditRow>> {
    let pool = store.reads_caught_up().await?;
    let (page, per_page, offset) = page_bounds(filter.page, filter.per_page);
    let mut conditions = Conditions::default();
    if let Some(actor) = filter.actor.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        conditions.add("u.username = ?", [Bind::Text(actor.to_ascii_lowercase())]);
    }
    if let Some(channel) = filter.channel {
        conditions.add("a.channel = ?", [Bind::Text(channel.as_str().into())]);
    }
    if let Some(entity) = filter.entity.as_deref().filter(|e| !e.is_empty()) {
        // Stated outright so that the index by entity, which leaves reports out, is used.
        let condition =
            if entity == "submission" { "a.entity = ?" } else { "a.entity = ? AND a.entity <> 'submission'" };
        conditions.add(condition, [Bind::Text(entity.into())]);
    }
    if let Some(action) = filter.action.as_deref().filter(|a| !a.is_empty()) {
        conditions.add("a.action = ?", [Bind::Text(action.into())]);
    }
    if let Some(from) = filter.from {
        conditions.add("a.at >= ?", [Bind::Int(from)]);
    }
    if let Some(until) = filter.until {
        conditions.add("a.at < ?", [Bind::Int(until)]);
    }
    let from = "FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id";
    let select = format!(
        "SELECT a.id, a.at, a.actor_user_id, u.username, a.channel, a.action, a.entity, a.entity_id, a.details {from}"
    );
    // By time: a report's entry is written behind it (on SQLite), after entries of later events.
    paged(pool, &conditions, from, &select, "a.at DESC, a.id DESC", (page, per_page, offset), |row| {
        Ok(AuditRow {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            actor_user_id: row.try_get("actor_user_id")?,
            actor_username: row.try_get("username")?,
            channel: row.try_get("channel")?,
            action: row.try_get("action")?,
            entity: row.try_get("entity")?,
            entity_id: row.try_get("entity_id")?,
            details: row.try_get("details")?,
        })
    })
    .await
}
