//! The hash chain's storage: appending inside the writer's transaction (the single writer
//! keeps the chain linear), reading the head, and verifying every entry and the records
//! they describe.

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use domain::election::StationRef;
use domain::ledger::{ChainBreak, ChainVerifier, Entry};
use domain::submissions::submission_content_hash;

use crate::{Connection, Result};

fn entry_from(row: &AnyRow) -> Result<Entry> {
    Ok(Entry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        kind: row.try_get("kind")?,
        subject: row.try_get("subject")?,
        payload: row.try_get("payload")?,
        previous_hash: row.try_get("previous_hash")?,
        hash: row.try_get("hash")?,
    })
}

const COLUMNS: &str = "seq, at, kind, subject, payload, previous_hash, hash";
pub(crate) const HEAD: &str =
    "SELECT seq, at, kind, subject, payload, previous_hash, hash FROM ledger ORDER BY seq DESC LIMIT 1";
pub(crate) const INSERT_ONE: &str =
    "INSERT INTO ledger (seq, at, kind, subject, payload, previous_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub async fn append(
    connection: &mut Connection,
    at: i64,
    kind: &str,
    subject: &str,
    payload: &serde_json::Value,
) -> Result<Entry> {
    let last = head_in(connection).await?;
    let entry = Entry::new(last.as_ref(), at, kind, subject, &payload.to_string());
    insert_entries(connection, std::slice::from_ref(&entry)).await?;
    Ok(entry)
}

/// The newest entry, read inside the writer's transaction.
pub async fn head_in(connection: &mut Connection) -> Result<Option<Entry>> {
    let last = sqlx::query(HEAD).fetch_optional(&mut *connection).await?;
    last.as_ref().map(entry_from).transpose()
}

/// Inserts entries already chained in memory (seq and hashes computed).
pub async fn insert_entries(connection: &mut Connection, entries: &[Entry]) -> Result<()> {
    for chunk in crate::sql::power_of_two_chunks(entries) {
        let mut sql = String::from("INSERT INTO ledger (seq, at, kind, subject, payload, previous_hash, hash) VALUES ");
        for row in 0..chunk.len() {
            let base = row * 7;
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                base + 1,
                base + 2,
                base + 3,
                base + 4,
                base + 5,
                base + 6,
                base + 7
            ));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for entry in chunk {
            query = query
                .bind(entry.seq)
                .bind(entry.at)
                .bind(entry.kind.clone())
                .bind(entry.subject.clone())
                .bind(entry.payload.clone())
                .bind(entry.previous_hash.clone())
                .bind(entry.hash.clone());
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

/// The newest entry: its hash stands for the whole record up to it.
pub async fn head(pool: &AnyPool) -> Result<Option<Entry>> {
    let row = sqlx::query(HEAD).fetch_optional(pool).await?;
    row.as_ref().map(entry_from).transpose()
}

#[derive(Debug)]
pub struct Verification {
    pub checked: u64,
    pub head: String,
    pub first_break: Option<ChainBreak>,
}

/// Checks every entry in order, and that each accepted submission still has the content
/// its entry committed to. Stops at the first break.
pub async fn verify(pool: &AnyPool) -> Result<Verification> {
    let mut verifier = ChainVerifier::default();
    let mut after = 0i64;
    loop {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM ledger WHERE seq > $1 ORDER BY seq LIMIT 5000"
        )))
        .bind(after)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let entry = entry_from(row)?;
            after = entry.seq;
            let outcome = match verifier.check(&entry) {
                Ok(()) => check_record(pool, &entry).await?,
                Err(broken) => Err(broken),
            };
            if let Err(broken) = outcome {
                return Ok(Verification {
                    checked: verifier.checked,
                    head: verifier.head().to_string(),
                    first_break: Some(broken),
                });
            }
        }
    }
    Ok(Verification { checked: verifier.checked, head: verifier.head().to_string(), first_break: None })
}

/// For a submission entry: does the stored submission still hash to what was committed?
async fn check_record(pool: &AnyPool, entry: &Entry) -> Result<Result<(), ChainBreak>> {
    if entry.kind != "submission.accept" {
        return Ok(Ok(()));
    }
    let altered = || ChainBreak::AlteredRecord { seq: entry.seq, subject: entry.subject.clone() };
    let payload: serde_json::Value = serde_json::from_str(&entry.payload).unwrap_or_default();
    let Some(id) = entry.subject.strip_prefix("submission:").and_then(|id| id.parse::<i64>().ok()) else {
        return Ok(Err(altered()));
    };
    let row = sqlx::query(
        "SELECT s.form_code, s.form_version, s.answers, s.client_id, s.observer_id, st.constituency_no, st.number
         FROM submissions s JOIN stations st ON st.id = s.station_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(Err(altered())) };
    let station = StationRef::parse(&format!(
        "{}/{}",
        row.try_get::<i64, _>("constituency_no")?,
        row.try_get::<i64, _>("number")?
    ));
    let Ok(station) = station else { return Ok(Err(altered())) };
    let form: String = row.try_get("form_code")?;
    let version = u32::try_from(row.try_get::<i64, _>("form_version")?).unwrap_or(0);
    let answers: String = row.try_get("answers")?;
    let recomputed = submission_content_hash(&form, version, station, &answers);
    let client_id: String = row.try_get("client_id")?;
    let observer: Option<i64> = row.try_get("observer_id")?;
    let matches = payload["content_hash"].as_str() == Some(recomputed.as_str())
        && payload["client_id"].as_str() == Some(client_id.as_str())
        && payload["observer"].as_i64() == observer;
    Ok(if matches { Ok(()) } else { Err(altered()) })
}
