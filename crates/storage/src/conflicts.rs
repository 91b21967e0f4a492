//! Disagreements between observers at one station, and their resolution by a coordinator.
//! Both original submissions stay untouched; the resolution is recorded beside them.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use domain::audit::ChangeAuthor;

use crate::audit::{self, Change};
use crate::coverage::Area;
use crate::sql::Conditions;
use crate::{Connection, Result, StorageError, ledger};

#[derive(Debug, Clone, Serialize)]
pub struct ConflictRow {
    pub id: i64,
    pub station: String,
    pub constituency_no: i64,
    pub form_code: String,
    pub question_code: String,
    pub submission_a: i64,
    pub submission_b: i64,
    pub answer_a: serde_json::Value,
    pub answer_b: serde_json::Value,
    pub observer_a: Option<String>,
    pub observer_b: Option<String>,
    pub status: String,
    pub resolved_value: Option<String>,
}

fn row_from(row: &AnyRow) -> Result<ConflictRow> {
    let question: String = row.try_get("question_code")?;
    let answer = |column: &str| -> Result<serde_json::Value> {
        let answers: String = row.try_get(column)?;
        let parsed: serde_json::Value = serde_json::from_str(&answers).unwrap_or_default();
        Ok(parsed.get(&question).cloned().unwrap_or(serde_json::Value::Null))
    };
    Ok(ConflictRow {
        id: row.try_get("id")?,
        station: format!("{}/{}", row.try_get::<i64, _>("constituency_no")?, row.try_get::<i64, _>("number")?),
        constituency_no: row.try_get("constituency_no")?,
        form_code: row.try_get("form_code")?,
        submission_a: row.try_get("submission_a")?,
        submission_b: row.try_get("submission_b")?,
        answer_a: answer("answers_a")?,
        answer_b: answer("answers_b")?,
        observer_a: row.try_get("observer_a")?,
        observer_b: row.try_get("observer_b")?,
        status: row.try_get("status")?,
        resolved_value: row.try_get("resolved_value")?,
        question_code: question,
    })
}

const SELECT: &str =
    "SELECT c.id, c.constituency_no, st.number, c.form_code, c.question_code, c.submission_a, c.submission_b,
    a.answers AS answers_a, b.answers AS answers_b, ua.full_name AS observer_a, ub.full_name AS observer_b,
    c.status, c.resolved_value
    FROM conflicts c JOIN stations st ON st.id = c.station_id
    JOIN submissions a ON a.id = c.submission_a JOIN submissions b ON b.id = c.submission_b
    LEFT JOIN users ua ON ua.id = a.observer_id LEFT JOIN users ub ON ub.id = b.observer_id";

pub async fn open(pool: &AnyPool, area: &Area) -> Result<Vec<ConflictRow>> {
    let mut conditions = Conditions::default();
    conditions.add("c.status = 'open'", []);
    if !area.restrict(&mut conditions, "c.constituency_no") {
        return Ok(Vec::new());
    }
    let rows =
        conditions.query(format!("{SELECT}{} ORDER BY c.id LIMIT 500", conditions.where_sql())).fetch_all(pool).await?;
    rows.iter().map(row_from).collect()
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<ConflictRow>> {
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE c.id = $1"))).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(row_from).transpose()
}

/// Records which value stands (as JSON text), keeping both originals.
pub async fn resolve(
    connection: &mut Connection,
    id: i64,
    value: &serde_json::Value,
    author: &ChangeAuthor,
    now: i64,
) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE conflicts SET status = 'resolved', resolved_value = $1, resolved_by = $2, resolved_at = $3
         WHERE id = $4 AND status = 'open'",
    )
    .bind(value.to_string())
    .bind(author.user_id)
    .bind(now)
    .bind(id)
    .execute(&mut *connection)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(StorageError::Conflict("this disagreement is already resolved".into()));
    }
    let details = serde_json::json!({ "value": value, "by": author.user_id });
    audit::record(
        connection,
        author,
        Change { action: "conflict.resolve", entity: "conflict", entity_id: id.to_string(), details: details.clone() },
        now,
    )
    .await?;
    ledger::append(connection, now, "conflict.resolve", &format!("conflict:{id}"), &details).await?;
    Ok(())
}
