//! The incident queue: listing within a coordinator's area, one incident with its history,
//! and moving it along the workflow (each move is audited and chained).

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use domain::audit::ChangeAuthor;
use domain::incidents::IncidentStatus;

use crate::audit::{self, Change};
use crate::coverage::Area;
use crate::sql::{Bind, Conditions, page_bounds, paged};
use crate::{Connection, Page, Result, StorageError, ledger};

#[derive(Debug, Clone, Serialize)]
pub struct IncidentRow {
    pub id: i64,
    pub submission_id: i64,
    pub station: String,
    pub constituency_no: i64,
    pub category: i64,
    pub severity: i64,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub referred_to: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The observer's answers (canonical JSON): description, time, photo.
    pub answers: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentEvent {
    pub at: i64,
    /// The user name of whoever made the change.
    pub actor: Option<String>,
    /// Their full name, as the incident's page shows it.
    pub actor_name: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub status: Option<IncidentStatus>,
    pub category: Option<i64>,
    pub min_severity: Option<i64>,
    pub constituency: Option<i64>,
    pub page: u32,
    pub per_page: u32,
}

const COLUMNS: &str = "i.id, i.submission_id, st.constituency_no, st.number, i.category, i.severity, i.status,
    i.assignee_id, u.full_name AS assignee_name, i.referred_to, i.created_at, i.updated_at, s.answers";
const FROM: &str =
    "FROM incidents i JOIN stations st ON st.id = i.station_id JOIN submissions s ON s.id = i.submission_id
    LEFT JOIN users u ON u.id = i.assignee_id";

fn row_from(row: &AnyRow) -> Result<IncidentRow> {
    Ok(IncidentRow {
        id: row.try_get("id")?,
        submission_id: row.try_get("submission_id")?,
        station: format!("{}/{}", row.try_get::<i64, _>("constituency_no")?, row.try_get::<i64, _>("number")?),
        constituency_no: row.try_get("constituency_no")?,
        category: row.try_get("category")?,
        severity: row.try_get("severity")?,
        status: row.try_get("status")?,
        assignee_id: row.try_get("assignee_id")?,
        assignee_name: row.try_get("assignee_name")?,
        referred_to: row.try_get("referred_to")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        answers: row.try_get("answers")?,
    })
}

pub async fn list(pool: &AnyPool, area: &Area, filter: &IncidentFilter) -> Result<Page<IncidentRow>> {
    let (page, per_page, offset) = page_bounds(filter.page, filter.per_page);
    let mut conditions = Conditions::default();
    if !area.restrict(&mut conditions, "i.constituency_no") {
        return Ok(Page { items: Vec::new(), total: 0, page, per_page });
    }
    if let Some(status) = filter.status {
        conditions.add("i.status = ?", [Bind::Text(status.as_str().into())]);
    }
    if let Some(category) = filter.category {
        conditions.add("i.category = ?", [Bind::Int(category)]);
    }
    if let Some(severity) = filter.min_severity {
        conditions.add("i.severity >= ?", [Bind::Int(severity)]);
    }
    if let Some(number) = filter.constituency {
        conditions.add("i.constituency_no = ?", [Bind::Int(number)]);
    }
    let select = format!("SELECT {COLUMNS} {FROM}");
    paged(
        pool,
        &conditions,
        "FROM incidents i",
        &select,
        "i.severity DESC, i.id DESC",
        (page, per_page, offset),
        row_from,
    )
    .await
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<IncidentRow>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} {FROM} WHERE i.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(row_from).transpose()
}

pub async fn history(pool: &AnyPool, id: i64) -> Result<Vec<IncidentEvent>> {
    let rows = sqlx::query(
        "SELECT e.at, u.username, u.full_name, e.from_status, e.to_status, e.note FROM incident_events e
         LEFT JOIN users u ON u.id = e.actor_user_id WHERE e.incident_id = $1 ORDER BY e.id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(IncidentEvent {
                at: row.try_get("at")?,
                actor: row.try_get("username")?,
                actor_name: row.try_get("full_name")?,
                from_status: row.try_get("from_status")?,
                to_status: row.try_get("to_status")?,
                note: row.try_get("note")?,
            })
        })
        .collect()
}

/// A change a coordinator makes to an incident.
#[derive(Debug, Clone)]
pub struct IncidentChange {
    pub to_status: Option<IncidentStatus>,
    pub assignee_id: Option<Option<i64>>,
    pub referred_to: Option<String>,
    pub note: String,
}

/// Applies a change after checking the workflow allows it; records history, audit and chain.
pub async fn change(
    connection: &mut Connection,
    id: i64,
    change: &IncidentChange,
    author: &ChangeAuthor,
    now: i64,
) -> Result<()> {
    let row =
        sqlx::query("SELECT status FROM incidents WHERE id = $1").bind(id).fetch_optional(&mut *connection).await?;
    let current: String = row.ok_or(StorageError::NotFound)?.try_get("status")?;
    let current = IncidentStatus::parse(&current).ok_or_else(|| StorageError::Corrupt(format!("status {current}")))?;
    if let Some(next) = change.to_status {
        if !current.may_become(next) {
            return Err(StorageError::Conflict(format!(
                "an incident that is {} cannot become {}",
                current.as_str(),
                next.as_str()
            )));
        }
        sqlx::query("UPDATE incidents SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(next.as_str())
            .bind(now)
            .bind(id)
            .execute(&mut *connection)
            .await?;
    }
    if let Some(assignee) = change.assignee_id {
        sqlx::query("UPDATE incidents SET assignee_id = $1, updated_at = $2 WHERE id = $3")
            .bind(assignee)
            .bind(now)
            .bind(id)
            .execute(&mut *connection)
            .await?;
    }
    if let Some(commission) = &change.referred_to {
        sqlx::query("UPDATE incidents SET referred_to = $1, updated_at = $2 WHERE id = $3")
            .bind(commission.clone())
            .bind(now)
            .bind(id)
            .execute(&mut *connection)
            .await?;
    }
    sqlx::query("INSERT INTO incident_events (incident_id, at, actor_user_id, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(id)
        .bind(now)
        .bind(author.user_id)
        .bind(change.to_status.map(|_| current.as_str().to_string()))
        .bind(change.to_status.map(|s| s.as_str().to_string()))
        .bind(change.note.clone())
        .execute(&mut *connection)
        .await?;
    let mut details = serde_json::json!({
        "from": current.as_str(),
        "to": change.to_status.map(|s| s.as_str()),
        "referred_to": change.referred_to,
        "note": change.note,
    });
    // Named only when it changes, `null` when cleared: the chain's replay tells the two apart
    // (entries before 0016 said `null` for both).
    if let Some(assignee) = change.assignee_id {
        details["assignee"] = serde_json::json!(assignee);
    }
    audit::record(
        connection,
        author,
        Change { action: "incident.change", entity: "incident", entity_id: id.to_string(), details: details.clone() },
        now,
    )
    .await?;
    let mut payload = details;
    payload["by"] = serde_json::json!(author.user_id);
    ledger::append(connection, now, "incident.change", &format!("incident:{id}"), &payload).await?;
    Ok(())
}
