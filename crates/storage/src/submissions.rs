//! Storing submissions, exactly once each. Everything an accepted submission touches — the
//! row, the coverage counters, the turnout table, an incident, disagreements with other
//! observers, the audit log and the hash chain — is written in the same writer job, so it
//! is all on disk when the observer's phone gets its acknowledgement, or none of it is.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::{BTreeMap, HashMap};

use domain::audit::Channel;
use domain::forms::answers::Answer;
use domain::forms::{Answers, FormKind, Phase};
use domain::incidents::IncidentStatus;
use domain::ledger::Entry;

use crate::sql::power_of_two_chunks;
use crate::{Connection, Result, StorageError, ledger};

/// The station a submission is for, as the caller resolved it.
#[derive(Debug, Clone)]
pub struct StationFacts {
    pub id: i64,
    pub constituency_no: i64,
    pub label: String,
    pub registered_voters: i64,
}

#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub client_id: String,
    pub form_code: String,
    pub form_version: u32,
    pub form_kind: FormKind,
    pub form_phase: Option<Phase>,
    pub repeatable: bool,
    pub station: StationFacts,
    pub observer_id: Option<i64>,
    pub channel: Channel,
    pub device_time: Option<i64>,
    pub server_time: i64,
    pub clock_off: bool,
    pub answers: Answers,
    pub content_hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubmissionRow {
    pub id: i64,
    pub client_id: String,
    pub form_code: String,
    pub form_version: i64,
    pub station_id: i64,
    pub station: String,
    pub observer_id: Option<i64>,
    pub channel: String,
    pub device_time: Option<i64>,
    pub server_time: i64,
    pub clock_off: bool,
    pub content_hash: String,
    /// Canonical JSON.
    pub answers: String,
}

/// What storing did.
#[derive(Debug, Clone)]
pub enum Stored {
    Created(SubmissionRow),
    /// The same id and content was already stored: nothing new was written.
    AlreadyStored(SubmissionRow),
}

const COLUMNS: &str = "s.id, s.client_id, s.form_code, s.form_version, s.station_id,
    st.constituency_no, st.number, s.observer_id, s.channel, s.device_time, s.server_time, s.clock_off,
    s.content_hash, s.answers";

fn row_from(row: &AnyRow) -> Result<SubmissionRow> {
    Ok(SubmissionRow {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        form_code: row.try_get("form_code")?,
        form_version: row.try_get("form_version")?,
        station_id: row.try_get("station_id")?,
        station: format!("{}/{}", row.try_get::<i64, _>("constituency_no")?, row.try_get::<i64, _>("number")?),
        observer_id: row.try_get("observer_id")?,
        channel: row.try_get("channel")?,
        device_time: row.try_get("device_time")?,
        server_time: row.try_get("server_time")?,
        clock_off: row.try_get::<i64, _>("clock_off")? == 1,
        content_hash: row.try_get("content_hash")?,
        answers: row.try_get("answers")?,
    })
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<SubmissionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM submissions s JOIN stations st ON st.id = s.station_id WHERE s.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(row_from).transpose()
}

/// An observer's own submissions, newest first.
pub async fn of_observer(pool: &AnyPool, observer_id: i64, limit: i64) -> Result<Vec<SubmissionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM submissions s JOIN stations st ON st.id = s.station_id
         WHERE s.observer_id = $1 ORDER BY s.id DESC LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(observer_id).bind(limit).fetch_all(pool).await?;
    rows.iter().map(row_from).collect()
}

pub async fn count(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM submissions").fetch_one(pool).await?.try_get("n")?)
}

/// Stores a submission once. The same client id again: the stored row if the content is the
/// same, a conflict if it is not.
pub async fn store(connection: &mut Connection, new: &NewSubmission) -> Result<Stored> {
    store_batch(connection, std::slice::from_ref(new)).await?.pop().unwrap_or(Err(StorageError::NotFound))
}

/// Stores many submissions with a handful of multi-row statements (the writer hands over
/// every submission waiting in its queue at once). Each gets its own outcome; the batch as a
/// whole fails only on a database error, and the writer then retries them one by one.
pub async fn store_batch(connection: &mut Connection, batch: &[NewSubmission]) -> Result<Vec<Result<Stored>>> {
    let mut outcomes: Vec<Option<Result<Stored>>> = (0..batch.len()).map(|_| None).collect();
    // Already stored, by an earlier batch.
    let existing = by_client_ids(connection, batch.iter().map(|n| n.client_id.as_str())).await?;
    // New ones, first occurrence of each id in this batch.
    let mut first_in_batch: HashMap<&str, usize> = HashMap::new();
    let mut fresh = Vec::new();
    for (index, new) in batch.iter().enumerate() {
        if let Some(stored) = existing.get(&new.client_id) {
            outcomes[index] = Some(same_or_conflict(stored, new));
        } else if let Some(&first) = first_in_batch.get(new.client_id.as_str()) {
            // Resolved after the first is inserted, below.
            let _ = first;
        } else {
            first_in_batch.insert(&new.client_id, index);
            fresh.push(index);
        }
    }
    let ids = insert_rows(connection, batch, &fresh).await?;
    let mut rows: HashMap<&str, SubmissionRow> = HashMap::new();
    for &index in &fresh {
        let new = &batch[index];
        let id =
            *ids.get(new.client_id.as_str()).ok_or_else(|| StorageError::Corrupt("insert returned no id".into()))?;
        let row = row_of(id, new);
        rows.insert(&new.client_id, row.clone());
        outcomes[index] = Some(Ok(Stored::Created(row)));
    }
    for (index, new) in batch.iter().enumerate() {
        if outcomes[index].is_none() {
            let first = rows.get(new.client_id.as_str()).ok_or(StorageError::NotFound)?;
            outcomes[index] = Some(same_or_conflict(first, new));
        }
    }

    let created: Vec<(&NewSubmission, i64)> =
        fresh.iter().map(|&i| (&batch[i], rows[batch[i].client_id.as_str()].id)).collect();
    if !created.is_empty() {
        record_coverage(connection, &created).await?;
        for (new, id) in &created {
            if new.form_phase == Some(Phase::Turnout) {
                record_turnout(connection, new).await?;
            }
            if new.form_kind == FormKind::Incident {
                open_incident(connection, *id, new).await?;
            }
            if !new.repeatable && new.observer_id.is_some() {
                find_disagreements(connection, *id, new).await?;
            }
        }
        record_audit(connection, &created).await?;
        record_ledger(connection, &created).await?;
    }
    Ok(outcomes.into_iter().map(|o| o.unwrap_or(Err(StorageError::NotFound))).collect())
}

fn same_or_conflict(stored: &SubmissionRow, new: &NewSubmission) -> Result<Stored> {
    if stored.content_hash == new.content_hash {
        Ok(Stored::AlreadyStored(stored.clone()))
    } else {
        Err(StorageError::Conflict(format!(
            "submission id {} was already used for different answers; a new report needs a new id",
            new.client_id
        )))
    }
}

fn row_of(id: i64, new: &NewSubmission) -> SubmissionRow {
    SubmissionRow {
        id,
        client_id: new.client_id.clone(),
        form_code: new.form_code.clone(),
        form_version: i64::from(new.form_version),
        station_id: new.station.id,
        station: new.station.label.clone(),
        observer_id: new.observer_id,
        channel: new.channel.as_str().into(),
        device_time: new.device_time,
        server_time: new.server_time,
        clock_off: new.clock_off,
        content_hash: new.content_hash.clone(),
        answers: new.answers.canonical_json(),
    }
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

async fn insert_rows(
    connection: &mut Connection,
    batch: &[NewSubmission],
    which: &[usize],
) -> Result<HashMap<String, i64>> {
    let mut ids = HashMap::new();
    for chunk in power_of_two_chunks(which) {
        let sql = format!(
            "INSERT INTO submissions (client_id, form_code, form_version, station_id, observer_id, channel,
                device_time, server_time, clock_off, content_hash, answers) VALUES {} RETURNING id, client_id",
            value_rows(chunk.len(), 11)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for &index in chunk {
            let new = &batch[index];
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
                .bind(new.content_hash.clone())
                .bind(new.answers.canonical_json());
        }
        for row in query.fetch_all(&mut *connection).await? {
            ids.insert(row.try_get::<String, _>("client_id")?, row.try_get::<i64, _>("id")?);
        }
    }
    Ok(ids)
}

async fn record_audit(connection: &mut Connection, created: &[(&NewSubmission, i64)]) -> Result<()> {
    for chunk in power_of_two_chunks(created) {
        let sql = format!(
            "INSERT INTO audit_log (at, actor_user_id, channel, action, entity, entity_id, details) VALUES {}",
            value_rows(chunk.len(), 7)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (new, id) in chunk {
            let details = serde_json::json!({ "form": new.form_code, "station": new.station.label });
            query = query
                .bind(new.server_time)
                .bind(new.observer_id)
                .bind(new.channel.as_str())
                .bind("submission.create")
                .bind("submission")
                .bind(id.to_string())
                .bind(details.to_string());
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

async fn record_ledger(connection: &mut Connection, created: &[(&NewSubmission, i64)]) -> Result<()> {
    let mut previous = ledger::head_in(connection).await?;
    let mut entries = Vec::with_capacity(created.len());
    for (new, id) in created {
        let payload = serde_json::json!({
            "client_id": new.client_id,
            "content_hash": new.content_hash,
            "observer": new.observer_id,
            "channel": new.channel.as_str(),
            "server_time": new.server_time,
        });
        let entry = Entry::new(
            previous.as_ref(),
            new.server_time,
            "submission.accept",
            &format!("submission:{id}"),
            &payload.to_string(),
        );
        previous = Some(entry.clone());
        entries.push(entry);
    }
    ledger::insert_entries(connection, &entries).await
}

async fn record_coverage(connection: &mut Connection, created: &[(&NewSubmission, i64)]) -> Result<()> {
    // One row per station and form, however many reports of it this batch holds.
    let mut per_station: BTreeMap<(i64, &str), (i64, i64, i64)> = BTreeMap::new();
    for (new, _) in created {
        let entry = per_station.entry((new.station.id, new.form_code.as_str())).or_insert((
            new.station.constituency_no,
            new.server_time,
            0,
        ));
        entry.1 = entry.1.max(new.server_time);
        entry.2 += 1;
    }
    let rows: Vec<_> = per_station.into_iter().collect();
    for chunk in power_of_two_chunks(&rows) {
        let sql = format!(
            "INSERT INTO station_coverage (station_id, form_code, constituency_no, first_at, last_at, submissions) VALUES {}
             ON CONFLICT (station_id, form_code) DO UPDATE SET last_at = excluded.last_at,
                submissions = station_coverage.submissions + excluded.submissions",
            value_rows(chunk.len(), 6)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((station, form), (constituency, at, count)) in chunk {
            query = query.bind(*station).bind(form.to_string()).bind(*constituency).bind(*at).bind(*at).bind(*count);
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// Turnout forms carry the reporting time (TA), the observer's count (TB) and the
/// commission's figure (TD). The latest report per station and time counts.
async fn record_turnout(connection: &mut Connection, new: &NewSubmission) -> Result<()> {
    let (Some(Answer::Choice(slot)), Some(Answer::Integer(counted))) = (new.answers.get("TA"), new.answers.get("TB"))
    else {
        return Ok(());
    };
    let announced = match new.answers.get("TD") {
        Some(Answer::Integer(n)) => Some(*n),
        _ => None,
    };
    sqlx::query(
        "INSERT INTO turnout_counts (station_id, slot, counted, announced, registered, at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (station_id, slot) DO UPDATE SET counted = excluded.counted, announced = excluded.announced, at = excluded.at",
    )
    .bind(new.station.id)
    .bind(i64::from(*slot))
    .bind(*counted)
    .bind(announced)
    .bind(new.station.registered_voters)
    .bind(new.server_time)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

/// Incident forms carry the category (IA) and severity (ID).
async fn open_incident(connection: &mut Connection, submission_id: i64, new: &NewSubmission) -> Result<()> {
    let choice = |code| match new.answers.get(code) {
        Some(Answer::Choice(c)) => i64::from(*c),
        _ => 0,
    };
    let row = sqlx::query(
        "INSERT INTO incidents (submission_id, station_id, constituency_no, category, severity, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(submission_id)
    .bind(new.station.id)
    .bind(new.station.constituency_no)
    .bind(choice("IA"))
    .bind(choice("ID"))
    .bind(IncidentStatus::New.as_str())
    .bind(new.server_time)
    .fetch_one(&mut *connection)
    .await?;
    let incident_id: i64 = row.try_get("id")?;
    sqlx::query("INSERT INTO incident_events (incident_id, at, actor_user_id, from_status, to_status, note) VALUES ($1, $2, $3, NULL, 'new', '')")
        .bind(incident_id)
        .bind(new.server_time)
        .bind(new.observer_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Compares the new answers with each other observer's latest submission of the same form
/// for the same station, and records every question they answered differently.
async fn find_disagreements(connection: &mut Connection, id: i64, new: &NewSubmission) -> Result<()> {
    let rows = sqlx::query(
        "SELECT id, observer_id, answers FROM submissions
         WHERE station_id = $1 AND form_code = $2 AND observer_id IS NOT NULL AND observer_id <> $3 AND id <> $4
         ORDER BY id DESC LIMIT 50",
    )
    .bind(new.station.id)
    .bind(new.form_code.clone())
    .bind(new.observer_id)
    .bind(id)
    .fetch_all(&mut *connection)
    .await?;
    let mut seen_observers = Vec::new();
    let mine: serde_json::Value = serde_json::from_str(&new.answers.canonical_json()).unwrap_or_default();
    for row in rows {
        let observer: i64 = row.try_get("observer_id")?;
        if seen_observers.contains(&observer) {
            continue; // only their latest counts
        }
        seen_observers.push(observer);
        let other_id: i64 = row.try_get("id")?;
        let theirs: serde_json::Value = serde_json::from_str(&row.try_get::<String, _>("answers")?).unwrap_or_default();
        let (Some(mine), Some(theirs)) = (mine.as_object(), theirs.as_object()) else { continue };
        for (code, value) in mine {
            if theirs.get(code).is_some_and(|other| other != value) {
                sqlx::query(
                    "INSERT INTO conflicts (station_id, constituency_no, form_code, question_code, submission_a, submission_b, status)
                     VALUES ($1, $2, $3, $4, $5, $6, 'open') ON CONFLICT DO NOTHING",
                )
                .bind(new.station.id)
                .bind(new.station.constituency_no)
                .bind(new.form_code.clone())
                .bind(code.clone())
                .bind(other_id)
                .bind(id)
                .execute(&mut *connection)
                .await?;
            }
        }
    }
    Ok(())
}
