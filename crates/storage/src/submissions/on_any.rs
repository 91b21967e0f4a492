//! Storing submissions through sqlx (PostgreSQL, and SQLite where a job's own connection is
//! at hand): a handful of multi-row statements per batch, since each statement is a round trip.

use sqlx::Row;
use std::collections::HashMap;

use super::*;
use crate::sms::{self, MessageLog};
use crate::sql::power_of_two_chunks;
use crate::{Connection, ledger};

/// Stores a submission once. The same client id again: the stored row if the content is the
/// same, a conflict if it is not.
pub async fn store(connection: &mut Connection, new: &NewSubmission) -> Result<Stored> {
    store_batch(connection, &[new]).await?.pop().unwrap_or(Err(StorageError::NotFound))
}

/// Stores many submissions (the writer hands over every submission waiting in its queue at
/// once). Each gets its own outcome; the batch as a whole fails only on a database error, and
/// the writer then retries them one by one.
pub async fn store_batch(connection: &mut Connection, batch: &[&NewSubmission]) -> Result<Vec<Result<Stored>>> {
    let mut outcomes: Vec<Option<Result<Stored>>> = (0..batch.len()).map(|_| None).collect();
    // Already stored, by an earlier batch.
    let existing = by_client_ids(connection, batch.iter().map(|n| n.client_id.as_str())).await?;
    // New ones: the first occurrence of each id in this batch.
    let mut first_in_batch: HashMap<&str, usize> = HashMap::new();
    let mut fresh = Vec::new();
    for (index, new) in batch.iter().enumerate() {
        if let Some(stored) = existing.get(&new.client_id) {
            outcomes[index] = Some(same_or_conflict(stored, new));
        } else if !first_in_batch.contains_key(new.client_id.as_str()) {
            first_in_batch.insert(&new.client_id, index);
            fresh.push(index);
        }
    }
    let rows: Vec<SubmissionRow> = fresh.iter().map(|&index| row_of(0, batch[index])).collect();
    let ids = insert_rows(connection, batch, &fresh, &rows).await?;
    let mut by_client_id: HashMap<&str, SubmissionRow> = HashMap::new();
    for (&index, mut row) in fresh.iter().zip(rows) {
        let new = batch[index];
        row.id =
            *ids.get(new.client_id.as_str()).ok_or_else(|| StorageError::Corrupt("insert returned no id".into()))?;
        outcomes[index] = Some(Ok(Stored::Created(row.clone())));
        by_client_id.insert(&new.client_id, row);
    }
    // Repeats within the batch answer like repeats of an earlier one.
    for (index, new) in batch.iter().enumerate() {
        if outcomes[index].is_none() {
            let first = by_client_id.get(new.client_id.as_str()).ok_or(StorageError::NotFound)?;
            outcomes[index] = Some(same_or_conflict(first, new));
        }
    }

    let created: Vec<(&NewSubmission, i64)> =
        fresh.iter().map(|&i| (batch[i], by_client_id[batch[i].client_id.as_str()].id)).collect();
    if !created.is_empty() {
        let derived: Vec<Derived> = created.iter().map(|(new, id)| Derived::of(new, *id)).collect();
        record_coverage(connection, &derived).await?;
        for (new, id) in &created {
            record_follow_ups(connection, *id, new).await?;
        }
        record_observer_reports(connection, &derived).await?;
        record_ledger(connection, &created).await?;
    }
    Ok(outcomes.into_iter().map(|o| o.unwrap_or(Err(StorageError::NotFound))).collect())
}

/// "($1, $2, …), ($k, …)" for `rows` rows of `columns` values each.
fn value_rows(rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * columns + column + 1));
        }
        sql.push(')');
    }
    sql
}

async fn by_client_ids<'a>(
    connection: &mut Connection,
    ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, SubmissionRow>> {
    let ids: Vec<&str> = ids.collect();
    let mut found = HashMap::new();
    for chunk in power_of_two_chunks(&ids) {
        let marks = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "SELECT {COLUMNS} FROM submissions s JOIN stations st ON st.id = s.station_id WHERE s.client_id IN ({marks})"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(&mut *connection).await? {
            let row = row_from(&row)?;
            found.insert(row.client_id.clone(), row);
        }
    }
    Ok(found)
}

/// Inserts `which` of the batch (with their rows as built by `row_of`); returns ids by client id.
async fn insert_rows(
    connection: &mut Connection,
    batch: &[&NewSubmission],
    which: &[usize],
    rows: &[SubmissionRow],
) -> Result<HashMap<String, i64>> {
    let mut ids = HashMap::new();
    let pairs: Vec<(&NewSubmission, &SubmissionRow)> = which.iter().map(|&i| batch[i]).zip(rows).collect();
    for chunk in power_of_two_chunks(&pairs) {
        let sql = format!("{INSERT_SUBMISSION} {} RETURNING id, client_id", value_rows(chunk.len(), 11));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (new, row) in chunk {
            query = query
                .bind(new.client_id.clone())
                .bind(new.form_code.clone())
                .bind(i64::from(new.form_version))
                .bind(new.station.id)
                .bind(new.observer_id)
                .bind(new.channel.as_str())
                .bind(new.device_time)
                .bind(new.server_time)
                .bind(i64::from(new.clock_off))
                .bind(row.answers.clone())
                .bind(i64::from(compared(new)));
        }
        for row in query.fetch_all(&mut *connection).await? {
            ids.insert(row.try_get::<String, _>("client_id")?, row.try_get::<i64, _>("id")?);
        }
    }
    Ok(ids)
}

async fn record_coverage(connection: &mut Connection, derived: &[Derived]) -> Result<()> {
    let rows = coverage_rows(derived);
    for chunk in power_of_two_chunks(&rows) {
        let (insert, on_conflict) = UPSERT_COVERAGE;
        let sql = format!("{insert} {} {on_conflict}", value_rows(chunk.len(), 6));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            query = query
                .bind(row.station_id)
                .bind(row.form_code.to_string())
                .bind(row.constituency_no)
                .bind(row.at)
                .bind(row.at)
                .bind(row.count);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// What some forms lead to beyond coverage: turnout figures, an incident, disagreements.
async fn log_message(connection: &mut Connection, id: i64, new: &NewSubmission, message: &MessageLog) -> Result<()> {
    let inbound = &message.inbound;
    let logged = sqlx::query(sms::INSERT_SETTLED)
        .bind(inbound.gateway.clone())
        .bind(inbound.phone.clone())
        .bind(inbound.body.clone())
        .bind(inbound.at)
        .bind(inbound.dedupe_key.clone())
        .bind(message.status.clone())
        .bind(new.observer_id)
        .bind(id)
        .bind(message.detail.clone())
        .fetch_optional(&mut *connection)
        .await?;
    if let (Some(logged), Some((body, status))) = (logged, &message.reply) {
        let logged: i64 = logged.try_get("id")?;
        sqlx::query(sms::INSERT_REPLY)
            .bind(inbound.gateway.clone())
            .bind(inbound.phone.clone())
            .bind(body.clone())
            .bind(inbound.at)
            .bind(status.clone())
            .bind(logged)
            .bind(new.observer_id)
            .bind(None::<i64>)
            .fetch_one(&mut *connection)
            .await?;
    }
    Ok(())
}

async fn record_follow_ups(connection: &mut Connection, id: i64, new: &NewSubmission) -> Result<()> {
    if let Some(turnout) = turnout_of(new) {
        sqlx::query(UPSERT_TURNOUT)
            .bind(new.station.id)
            .bind(turnout.slot)
            .bind(turnout.counted)
            .bind(turnout.announced)
            .bind(new.station.registered_voters)
            .bind(new.server_time)
            .execute(&mut *connection)
            .await?;
    }
    if let Some((category, severity)) = incident_of(new) {
        let incident: i64 = sqlx::query(INSERT_INCIDENT)
            .bind(id)
            .bind(new.station.id)
            .bind(new.station.constituency_no)
            .bind(category)
            .bind(severity)
            .bind(new.server_time)
            .fetch_one(&mut *connection)
            .await?
            .try_get("id")?;
        sqlx::query(INSERT_INCIDENT_EVENT)
            .bind(incident)
            .bind(new.server_time)
            .bind(new.observer_id)
            .execute(&mut *connection)
            .await?;
    }
    for photo in new.answers.photos() {
        sqlx::query(INSERT_PHOTO_USE)
            .bind(photo.to_string())
            .bind(id)
            .bind(new.station.constituency_no)
            .execute(&mut *connection)
            .await?;
    }
    if let Some(message) = &new.message {
        log_message(connection, id, new, message).await?;
    }
    if compared(new) {
        let theirs = sqlx::query(OTHER_OBSERVERS_REPORTS)
            .bind(new.station.id)
            .bind(new.form_code.clone())
            .bind(new.observer_id)
            .bind(id)
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("observer_id")?, row.try_get("answers")?)))
            .collect::<Result<Vec<(i64, i64, String)>>>()?;
        for (other_id, question) in disagreements(&new.answers, theirs) {
            sqlx::query(INSERT_CONFLICT)
                .bind(new.station.id)
                .bind(new.station.constituency_no)
                .bind(new.form_code.clone())
                .bind(question)
                .bind(other_id)
                .bind(id)
                .execute(&mut *connection)
                .await?;
        }
    }
    Ok(())
}

async fn record_observer_reports(connection: &mut Connection, derived: &[Derived]) -> Result<()> {
    let (insert, on_conflict) = INSERT_OBSERVER_REPORTS;
    let observed: Vec<(i64, i64)> =
        derived.iter().filter_map(|report| Some((report.observer_id?, report.id))).collect();
    for chunk in power_of_two_chunks(&observed) {
        let sql = format!("{insert} {} {on_conflict}", value_rows(chunk.len(), 2));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (observer_id, id) in chunk {
            query = query.bind(*observer_id).bind(*id);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// Chains the new submissions, in id order, each entry kept in its own row (see `ledger`):
/// one statement per chunk of rows.
async fn record_ledger(connection: &mut Connection, created: &[(&NewSubmission, i64)]) -> Result<()> {
    let mut in_order: Vec<&(&NewSubmission, i64)> = created.iter().collect();
    in_order.sort_by_key(|(_, id)| *id);
    let before = ledger::head_in(connection).await?;
    let mut entries: Vec<(i64, Head)> = Vec::with_capacity(in_order.len());
    for (new, id) in in_order {
        let previous = entries.last().map(|(_, head)| head).or(before.as_ref());
        let head = Accepted::of(new, *id).head_after(previous);
        entries.push((*id, head));
    }
    for chunk in power_of_two_chunks(&entries) {
        let values = (0..chunk.len())
            .map(|row| {
                format!("(CAST(${} AS BIGINT), CAST(${} AS BIGINT), ${})", 3 * row + 1, 3 * row + 2, 3 * row + 3)
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "WITH v (id, seq, hash) AS (VALUES {values})
             UPDATE submissions SET chain_seq = v.seq, chain_hash = v.hash FROM v WHERE submissions.id = v.id"
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, head) in chunk {
            query = query.bind(*id).bind(head.seq).bind(head.hash.clone());
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}
