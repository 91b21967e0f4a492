//! The hash chain's storage: appending inside the writer's transaction (the single writer
//! keeps the chain linear), reading the head, and verifying every entry and the records
//! they describe.
//!
//! Entries live in two places. An accepted submission's entry is kept in the submission's own
//! row (`chain_seq`, `chain_hash`, since migration 0011): everything else it commits to follows
//! from that row, and a report is one row written instead of two. Every other entry (an
//! incident's or a conflict's change, and the submissions stored before 0011) is a row of
//! `ledger`. The two are one chain: `seq` runs through both, and `verify` walks them merged.

mod replayed;

use std::collections::VecDeque;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use domain::ledger::{ChainBreak, ChainVerifier, Entry, Head};

use crate::submissions::{ACCEPTED_KIND, Accepted, stored_content_hash};
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

fn head_from(row: &AnyRow) -> Result<Head> {
    Ok(Head { seq: row.try_get(0)?, at: row.try_get(1)?, hash: row.try_get(2)? })
}

const COLUMNS: &str = "seq, at, kind, subject, payload, previous_hash, hash";
/// The newest entry of the `ledger` table: seq, at, hash.
pub(crate) const LEDGER_HEAD: &str = "SELECT seq, at, hash FROM ledger ORDER BY seq DESC LIMIT 1";
/// The newest entry kept in a submission's row, on SQLite: seq, at, hash. Reports take their
/// places in the chain in the order of their ids (the walk in `verify` relies on it too), so
/// the last row with a place holds it: read from the end of the table, with no index on
/// `chain_seq` to keep up (migration 0015).
pub(crate) const REPORTS_HEAD: &str = "SELECT chain_seq, server_time, chain_hash FROM submissions
    WHERE chain_seq IS NOT NULL ORDER BY id DESC LIMIT 1";
/// The same on PostgreSQL, through its unique index on `chain_seq` (0012), which it keeps.
const REPORTS_HEAD_POSTGRES: &str = "SELECT chain_seq, server_time, chain_hash FROM submissions
    WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1";

fn reports_head(connection: &Connection) -> &'static str {
    if connection.backend_name() == "PostgreSQL" { REPORTS_HEAD_POSTGRES } else { REPORTS_HEAD }
}

/// The later of the two places' heads.
pub(crate) fn later(ledger: Option<Head>, reports: Option<Head>) -> Option<Head> {
    match (ledger, reports) {
        (Some(a), Some(b)) => Some(if a.seq > b.seq { a } else { b }),
        (a, b) => a.or(b),
    }
}

pub async fn append(
    connection: &mut Connection,
    at: i64,
    kind: &str,
    subject: &str,
    payload: &serde_json::Value,
) -> Result<Entry> {
    let last = head_in(connection).await?;
    let entry = Entry::new(last.as_ref(), at, kind, subject, &payload.to_string());
    sqlx::query(
        "INSERT INTO ledger (seq, at, kind, subject, payload, previous_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.seq)
    .bind(entry.at)
    .bind(entry.kind.clone())
    .bind(entry.subject.clone())
    .bind(entry.payload.clone())
    .bind(entry.previous_hash.clone())
    .bind(entry.hash.clone())
    .execute(&mut *connection)
    .await?;
    Ok(entry)
}

/// The chain's end, read inside the writer's transaction.
pub async fn head_in(connection: &mut Connection) -> Result<Option<Head>> {
    let ledger = sqlx::query(LEDGER_HEAD).fetch_optional(&mut *connection).await?;
    let reports = sqlx::query(reports_head(connection)).fetch_optional(&mut *connection).await?;
    Ok(later(ledger.as_ref().map(head_from).transpose()?, reports.as_ref().map(head_from).transpose()?))
}

/// The newest entry: its hash stands for the whole record up to it.
pub async fn head(pool: &AnyPool) -> Result<Option<Head>> {
    // On a connection, which knows its backend and so the query that suits it.
    head_in(&mut *pool.acquire().await?).await
}

/// The hash of entry `seq`, wherever it is kept (`verify` checks that it is right).
pub async fn hash_at(pool: &AnyPool, seq: i64) -> Result<Option<String>> {
    let in_ledger: Option<String> =
        sqlx::query_scalar("SELECT hash FROM ledger WHERE seq = $1").bind(seq).fetch_optional(pool).await?;
    if in_ledger.is_some() {
        return Ok(in_ledger);
    }
    Ok(sqlx::query_scalar("SELECT chain_hash FROM submissions WHERE chain_seq = $1")
        .bind(seq)
        .fetch_optional(pool)
        .await?
        .flatten())
}

#[derive(Debug)]
pub struct Verification {
    pub checked: u64,
    pub head: String,
    pub first_break: Option<ChainBreak>,
}

/// Checks every entry in order, and that each accepted submission still has the content
/// its entry committed to. Stops at the first break.
///
/// The chain is checked up to the head found when it starts: entries appended meanwhile (the
/// server keeps writing) are left for the next check, so that the two places are read as of
/// the same moment.
pub async fn verify(pool: &AnyPool) -> Result<Verification> {
    let upto = head(pool).await?.map_or(0, |head| head.seq);
    let mut verifier = ChainVerifier::default();
    let mut entries = Merged::new(pool, upto);
    // Where reports' entries began to commit to the device's time, and incidents' to name
    // the assignee only when it changes (migration 0016).
    let device_times_from: i64 =
        sqlx::query_scalar("SELECT COALESCE(MIN(from_seq), 1) FROM chain_formats WHERE format = 2")
            .fetch_one(pool)
            .await?;
    // Reports whose entries are in the ledger (stored before 0011), and the last report walked.
    let mut in_ledger = std::collections::HashSet::new();
    let mut last_report = i64::MIN;
    // What the entries say incidents and disagreements became.
    let mut replayed = replayed::Replayed::default();
    while let Some(next) = entries.next().await? {
        let outcome = match next {
            Next::Entry(entry) => match verifier.check(&entry) {
                Ok(()) => {
                    replayed.take(&entry, entry.seq >= device_times_from);
                    check_record(pool, &entry, &mut in_ledger).await?
                }
                Err(broken) => Err(broken),
            },
            Next::Report(report) => {
                last_report = report.id;
                report.check(&mut verifier, report.seq >= device_times_from)
            }
        };
        if let Err(broken) = outcome {
            return Ok(Verification {
                checked: verifier.checked,
                head: verifier.head().to_string(),
                first_break: Some(broken),
            });
        }
    }
    let mut first_break = unchained_report(pool, &in_ledger).await?;
    if first_break.is_none() {
        first_break = placed_beyond_the_head(pool, upto, last_report).await?;
    }
    if first_break.is_none() {
        first_break = replayed.first_difference(pool, upto).await?;
    }
    Ok(Verification { checked: verifier.checked, head: verifier.head().to_string(), first_break })
}

/// A report whose row has no place in the chain and whose entry is not in the ledger either:
/// every report gets its entry in the transaction that stores it (in its row since 0011, in
/// the ledger before), so the row was added, or its entry cut out, behind pollwatch's back.
/// `in_ledger`: the reports whose ledger entries the walk checked.
async fn unchained_report(pool: &AnyPool, in_ledger: &std::collections::HashSet<i64>) -> Result<Option<ChainBreak>> {
    let mut after = i64::MIN;
    loop {
        let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM submissions WHERE chain_seq IS NULL AND id > $1 ORDER BY id LIMIT {PAGE}"
        )))
        .bind(after)
        .fetch_all(pool)
        .await?;
        if let Some(id) = ids.iter().find(|id| !in_ledger.contains(id)) {
            return Ok(Some(ChainBreak::Unchained { subject: format!("submission:{id}") }));
        }
        match ids.last() {
            Some(&last) if ids.len() == PAGE as usize => after = last,
            _ => return Ok(None),
        }
    }
}

/// A report among those walked (its id below the last one's) with a place beyond the head:
/// places follow ids, so the walk, which stops at the head, would never reach it.
async fn placed_beyond_the_head(pool: &AnyPool, upto: i64, last_report: i64) -> Result<Option<ChainBreak>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM submissions WHERE chain_seq > $1 AND id < $2 ORDER BY id LIMIT 1")
            .bind(upto)
            .bind(last_report)
            .fetch_optional(pool)
            .await?;
    Ok(id.map(|id| ChainBreak::Unchained { subject: format!("submission:{id}") }))
}

/// Rows read per query while verifying.
const PAGE: i64 = 5_000;

/// The ledger's entries and the submissions' entries up to `upto`, in one order by seq.
struct Merged<'p> {
    pool: &'p AnyPool,
    upto: i64,
    ledger: VecDeque<Entry>,
    ledger_after: Option<i64>,
    reports: VecDeque<ChainedReport>,
    reports_after: Option<i64>,
}

enum Next {
    Entry(Entry),
    Report(ChainedReport),
}

impl<'p> Merged<'p> {
    fn new(pool: &'p AnyPool, upto: i64) -> Self {
        Merged {
            pool,
            upto,
            // From the smallest: a row given an id or place below zero is walked too.
            ledger: VecDeque::new(),
            ledger_after: Some(i64::MIN),
            reports: VecDeque::new(),
            reports_after: Some(i64::MIN),
        }
    }

    async fn next(&mut self) -> Result<Option<Next>> {
        if self.ledger.is_empty()
            && let Some(after) = self.ledger_after
        {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM ledger WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT {PAGE}"
            )))
            .bind(after)
            .bind(self.upto)
            .fetch_all(self.pool)
            .await?;
            self.ledger = rows.iter().map(entry_from).collect::<Result<_>>()?;
            self.ledger_after = self.ledger.back().map(|e| e.seq);
        }
        if self.reports.is_empty()
            && let Some(after) = self.reports_after
        {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT s.id, s.chain_seq, s.chain_hash, s.channel, s.client_id, s.observer_id,
                    s.server_time, s.device_time, s.clock_off, s.form_code, s.form_version, s.answers,
                    st.constituency_no, st.number
                 FROM submissions s JOIN stations st ON st.id = s.station_id
                 WHERE s.id > $1 AND s.chain_seq IS NOT NULL AND s.chain_seq <= $2 ORDER BY s.id LIMIT {PAGE}"
            )))
            .bind(after)
            .bind(self.upto)
            .fetch_all(self.pool)
            .await?;
            self.reports = rows.iter().map(ChainedReport::from_row).collect::<Result<_>>()?;
            self.reports_after = self.reports.back().map(|r| r.id);
        }
        let ledger_first = match (self.ledger.front(), self.reports.front()) {
            (None, None) => return Ok(None),
            (Some(entry), Some(report)) => entry.seq < report.seq,
            (ledger, _) => ledger.is_some(),
        };
        Ok(if ledger_first {
            self.ledger.pop_front().map(Next::Entry)
        } else {
            self.reports.pop_front().map(Next::Report)
        })
    }
}

/// A submission whose chain entry is kept in its row.
struct ChainedReport {
    id: i64,
    seq: i64,
    /// `None` only in a row altered behind pollwatch's back.
    hash: Option<String>,
    channel: String,
    client_id: String,
    observer: Option<i64>,
    server_time: i64,
    device_time: Option<i64>,
    clock_off: bool,
    form: String,
    form_version: i64,
    answers: String,
    station: String,
}

impl ChainedReport {
    fn from_row(row: &AnyRow) -> Result<Self> {
        Ok(ChainedReport {
            id: row.try_get("id")?,
            seq: row.try_get("chain_seq")?,
            hash: row.try_get("chain_hash")?,
            channel: row.try_get("channel")?,
            client_id: row.try_get("client_id")?,
            observer: row.try_get("observer_id")?,
            server_time: row.try_get("server_time")?,
            device_time: row.try_get("device_time")?,
            clock_off: row.try_get::<i64, _>("clock_off")? == 1,
            form: row.try_get("form_code")?,
            form_version: row.try_get("form_version")?,
            answers: row.try_get("answers")?,
            station: format!("{}/{}", row.try_get::<i64, _>("constituency_no")?, row.try_get::<i64, _>("number")?),
        })
    }

    /// Checks the entry the row stands for, rebuilt from the row (its content hash from its
    /// answers, form, version and station) and linked to the chain so far: a changed column
    /// changes the entry, and the stored hash no longer matches.
    /// `with_device_time`: an entry made since its format committed to the device's time.
    fn check(&self, verifier: &mut ChainVerifier, with_device_time: bool) -> Result<(), ChainBreak> {
        let altered = || ChainBreak::AlteredRecord { seq: self.seq, subject: format!("submission:{}", self.id) };
        // A place in the chain without a hash: the row was altered.
        let Some(hash) = self.hash.clone() else { return Err(ChainBreak::AlteredEntry { seq: self.seq }) };
        let Some(content_hash) = stored_content_hash(&self.form, self.form_version, &self.station, &self.answers)
        else {
            return Err(altered());
        };
        let accepted = Accepted {
            id: self.id,
            channel: &self.channel,
            client_id: &self.client_id,
            clock_off: with_device_time.then_some(self.clock_off),
            content_hash: &content_hash,
            device_time: with_device_time.then_some(self.device_time),
            observer: self.observer,
            server_time: self.server_time,
        };
        let entry = accepted.stored_entry(self.seq, verifier.head(), hash);
        verifier.check(&entry).map_err(|broken| match broken {
            // The entry is the row: what changed is the report.
            ChainBreak::AlteredEntry { .. } => altered(),
            other => other,
        })
    }
}

/// For a submission entry kept in the ledger (stored before migration 0011): does the
/// stored submission still hash to what was committed?
async fn check_record(
    pool: &AnyPool,
    entry: &Entry,
    in_ledger: &mut std::collections::HashSet<i64>,
) -> Result<Result<(), ChainBreak>> {
    if entry.kind != ACCEPTED_KIND {
        return Ok(Ok(()));
    }
    let altered = || ChainBreak::AlteredRecord { seq: entry.seq, subject: entry.subject.clone() };
    let payload: serde_json::Value = serde_json::from_str(&entry.payload).unwrap_or_default();
    let Some(id) = entry.subject.strip_prefix("submission:").and_then(|id| id.parse::<i64>().ok()) else {
        return Ok(Err(altered()));
    };
    in_ledger.insert(id);
    let row = sqlx::query(
        "SELECT s.form_code, s.form_version, s.answers, s.client_id, s.observer_id, s.channel, s.server_time,
            st.constituency_no, st.number
         FROM submissions s JOIN stations st ON st.id = s.station_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(Err(altered())) };
    let station = format!("{}/{}", row.try_get::<i64, _>("constituency_no")?, row.try_get::<i64, _>("number")?);
    let form: String = row.try_get("form_code")?;
    let answers: String = row.try_get("answers")?;
    let recomputed = stored_content_hash(&form, row.try_get("form_version")?, &station, &answers);
    let client_id: String = row.try_get("client_id")?;
    let observer: Option<i64> = row.try_get("observer_id")?;
    let channel: String = row.try_get("channel")?;
    let server_time: i64 = row.try_get("server_time")?;
    let matches = recomputed.is_some()
        && payload["content_hash"].as_str() == recomputed.as_deref()
        && payload["client_id"].as_str() == Some(client_id.as_str())
        && payload["observer"].as_i64() == observer
        && payload["channel"].as_str() == Some(channel.as_str())
        && payload["server_time"].as_i64() == Some(server_time);
    Ok(if matches { Ok(()) } else { Err(altered()) })
}
