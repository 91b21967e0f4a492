//! The election-day hot path on SQLite: reports stored through a connection of their own with
//! prepared statements, one row at a time (in-process, a statement costs microseconds, not a
//! round trip), in one transaction per batch. The writer hands batches over one at a time,
//! so this connection and the writer's own never hold the write lock together. Its commits
//! become durable through `log_sync` before the callers are answered. Coverage counts and
//! observers' lists of their reports are written behind the reports (`derived`).

use domain::ledger::Head;
use rusqlite::{OptionalExtension, Transaction, params};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::derived::{self, Pending, PendingCount};
use super::*;
use crate::checkpointer::{self, RestartSignal};
use crate::ledger;
use crate::sms::{self, MessageLog};

/// Opened on first use (and again after a failure), from the writer's thread.
pub(crate) struct IngestConnection {
    path: PathBuf,
    open: Option<rusqlite::Connection>,
    restart: RestartSignal,
    /// Reports whose derived rows (coverage counts, observers' lists) are still to be written.
    pending: Pending,
    pending_count: PendingCount,
}

fn open(path: &Path) -> Result<rusqlite::Connection> {
    let connection = rusqlite::Connection::open(path)?;
    connection.execute_batch(crate::store::SQLITE_PRAGMAS)?;
    // Every commit walks the page cache's hash table (pcache1TruncateUnsafe: 7 % of the
    // server's CPU under load with 65,536 pages), so the cache stays small: 4,096 pages
    // (16 MB of 4 KiB pages), enough to hold the index of observers' reports that the
    // derived rows are written into (with 1,024 pages those writes read pages back from the OS and
    // took twice as long, stalling reports behind them).
    connection.execute_batch("PRAGMA cache_size = -16384;")?;
    // A commit here does not wait for the disk: the writer fdatasyncs the log before anyone
    // hears that their report is stored (see `log_sync`).
    connection.execute_batch("PRAGMA synchronous = NORMAL;")?;
    // What this connection writes names rows just read or just written: a report's station
    // and observer (the caller looked them up), an SMS reply's message (inserted in the same
    // transaction). Stations, people and messages are never deleted (people are deactivated),
    // so checking each insert against them could never fail here; it cost two lookups a
    // report (~4k instructions) on the one writer everything queues behind. Every other
    // connection keeps the checks.
    connection.execute_batch("PRAGMA foreign_keys = OFF;")?;
    connection.set_prepared_statement_cache_capacity(32);
    Ok(connection)
}

impl IngestConnection {
    pub fn new(path: PathBuf, restart: RestartSignal, pending_count: PendingCount) -> IngestConnection {
        IngestConnection { path, open: None, restart, pending: Pending::new(&pending_count), pending_count }
    }

    /// The database file.
    pub fn database(&self) -> &Path {
        &self.path
    }

    /// A fresh connection to the same database (after a panic lost the old one); what was
    /// pending is read back from the database when it opens.
    pub fn reopened(&self) -> IngestConnection {
        IngestConnection::new(self.path.clone(), self.restart.clone(), self.pending_count.clone())
    }

    /// Opens the connection if it is not open, and reads back the reports whose derived rows
    /// a previous run left unwritten.
    fn ensure_open(&mut self) -> Result<()> {
        if self.open.is_none() {
            let connection = open(&self.path)?;
            let left = derived::stored_not_derived(&connection)?;
            if !left.is_empty() {
                tracing::info!(reports = left.len(), "writing the derived rows a previous run left pending");
            }
            self.pending = Pending::resume(&self.pending_count, left);
            self.open = Some(connection);
        }
        Ok(())
    }

    /// Shared with readers: whether any report's derived rows are still to be written.
    pub fn pending_count(&self) -> PendingCount {
        self.pending_count.clone()
    }

    /// When the pending derived rows fall due; `None` when nothing is pending.
    pub fn derived_due_in(&self) -> Option<std::time::Duration> {
        self.pending.due_in()
    }

    /// The highest report id stored so far (reading the database first if need be): a reader
    /// asking now waits for the derived rows of reports up to it.
    pub fn last_stored(&mut self) -> Result<i64> {
        self.ensure_open()?;
        Ok(self.pending.last_stored())
    }

    /// Whether every report up to `id` has its derived rows written.
    pub fn derived_through(&self, id: i64) -> bool {
        self.open.is_some() && self.pending.derived_through(id)
    }

    /// Writes pending reports' derived rows: a chunk if they are due,
    /// a chunk whether due or not (readers wait), or all (the writer stops).
    pub fn write_derived(&mut self, how: DerivedWrite) -> Result<()> {
        self.ensure_open()?;
        let due = self.pending.due_in().is_some_and(|wait| wait.is_zero());
        if how == DerivedWrite::IfDue && !due {
            return Ok(());
        }
        let Some(connection) = self.open.as_mut() else { return Err(StorageError::WriterStopped) };
        while !self.pending.is_empty() {
            if let Err(error) = derived::write_chunk(connection, &mut self.pending) {
                tracing::error!(%error, "derived rows could not be written; retrying with a fresh connection");
                self.open = None;
                return Err(error);
            }
            if how != DerivedWrite::All {
                break;
            }
        }
        Ok(())
    }

    /// Stores the batch in one transaction and commits it; each report gets its own outcome.
    /// If the batch as a whole hits a database error, each report is tried on its own, so one
    /// bad report cannot cost the others their place.
    pub fn store(&mut self, batch: &[Arc<NewSubmission>]) -> Vec<Result<Receipt>> {
        let commit_failed = |error: &dyn std::fmt::Display| {
            (0..batch.len()).map(|_| Err(StorageError::CommitFailed(error.to_string()))).collect()
        };
        if let Err(error) = self.ensure_open() {
            return commit_failed(&error);
        }
        let Some(connection) = self.open.as_mut() else { return commit_failed(&"no connection") };
        if self.restart.restart_due() {
            checkpointer::restart_log(connection);
        }
        let started = std::time::Instant::now();
        // All together first, without a savepoint (whose journal would copy every page
        // touched); if that fails, it is rolled back and each report is stored on its own.
        let stored = in_transaction(connection, |t| store_batch(t, batch)).or_else(|error| {
            tracing::warn!(%error, "a batch of reports failed; storing them one by one");
            in_transaction(connection, |t| {
                Ok(batch
                    .iter()
                    .map(|new| {
                        in_savepoint(t, |t| store_batch(t, std::slice::from_ref(new)))
                            .and_then(|mut one| one.pop().unwrap_or(Err(StorageError::NotFound)))
                    })
                    .collect())
            })
        });
        match stored {
            Ok(outcomes) => {
                tracing::debug!(reports = batch.len(), took = ?started.elapsed(), "reports committed");
                self.pending.add(batch.iter().zip(&outcomes).filter_map(|(new, outcome)| match outcome {
                    Ok(Receipt::New(id)) => Some(Derived::of(new, *id)),
                    _ => None,
                }));
                outcomes
            }
            Err(error) => {
                tracing::error!(%error, "a batch of reports could not be committed");
                self.open = None; // a fresh connection next time
                commit_failed(&error)
            }
        }
    }
}

/// How much of what is pending `write_derived` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DerivedWrite {
    /// A chunk, if they are due.
    IfDue,
    /// A chunk: readers wait for them; reports are stored between chunks.
    OneChunk,
    /// Everything (the writer stops).
    All,
}

/// Runs `work` in a write transaction and commits it; rolls back if `work` fails.
fn in_transaction<T>(connection: &mut rusqlite::Connection, work: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
    let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let value = work(&transaction)?;
    transaction.commit()?;
    Ok(value)
}

fn in_savepoint<T>(transaction: &Transaction, work: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
    transaction.execute_batch("SAVEPOINT reports")?;
    match work(transaction) {
        Ok(value) => {
            transaction.execute_batch("RELEASE SAVEPOINT reports")?;
            Ok(value)
        }
        Err(error) => {
            transaction.execute_batch("ROLLBACK TO SAVEPOINT reports; RELEASE SAVEPOINT reports")?;
            Err(error)
        }
    }
}

fn store_batch(t: &Transaction, batch: &[Arc<NewSubmission>]) -> Result<Vec<Result<Receipt>>> {
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut created = Vec::new();
    {
        // Each report's chain entry is written into its own row (see `ledger`), so its id is
        // known before the insert: the writer holds the write lock, and ids follow the last.
        let mut chain = ChainEnd::read(t)?;
        // No RETURNING: SQLite buffers returned rows in a temporary table it opens and closes
        // for every execution.
        let mut insert = t.prepare_cached(&format!(
            "{INSERT_CHAINED_SUBMISSION} ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (client_id) DO NOTHING"
        ))?;
        let mut existing = t.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM submissions s JOIN stations st ON st.id = s.station_id WHERE s.client_id = $1"
        ))?;
        for new in batch {
            let id = chain.last_id + 1;
            let head = Accepted::of(new, id).head_after(chain.head.as_ref());
            let inserted = insert.execute(params![
                id,
                new.client_id,
                new.form_code,
                new.form_version,
                new.station.id,
                new.observer_id,
                new.channel.as_str(),
                new.device_time,
                new.server_time,
                new.clock_off,
                new.answers_json,
                compared(new),
                head.seq,
                head.hash,
            ])? == 1;
            if inserted {
                chain.last_id = id;
                chain.head = Some(head);
                created.push((new, id));
                outcomes.push(Ok(Receipt::New(id)));
            } else {
                // Stored before, by an earlier batch or earlier in this one.
                let stored = existing.query_row([&new.client_id], stored_row)?;
                outcomes.push(same_or_conflict(&stored, new).map(|stored| Receipt::Stored(Box::new(stored))));
            }
        }
    }
    // Coverage counts and observers' lists are written behind (`derived`).
    for (new, id) in &created {
        record_follow_ups(t, *id, new)?;
    }
    Ok(outcomes)
}

/// Where the table and the chain end, read at the start of a batch inside its transaction.
struct ChainEnd {
    last_id: i64,
    head: Option<Head>,
}

impl ChainEnd {
    fn read(t: &Transaction) -> Result<Self> {
        let head = |sql| {
            t.prepare_cached(sql)?
                .query_row([], |r| Ok(Head { seq: r.get(0)?, at: r.get(1)?, hash: r.get(2)? }))
                .optional()
        };
        let head = ledger::later(head(ledger::LEDGER_HEAD)?, head(ledger::REPORTS_HEAD)?);
        let last_id = t.prepare_cached("SELECT coalesce(max(id), 0) FROM submissions")?.query_row([], |r| r.get(0))?;
        Ok(ChainEnd { last_id, head })
    }
}

fn stored_row(r: &rusqlite::Row) -> rusqlite::Result<SubmissionRow> {
    Ok(SubmissionRow {
        id: r.get("id")?,
        client_id: r.get("client_id")?,
        form_code: r.get("form_code")?,
        form_version: r.get("form_version")?,
        station_id: r.get("station_id")?,
        station: format!("{}/{}", r.get::<_, i64>("constituency_no")?, r.get::<_, i64>("number")?),
        observer_id: r.get("observer_id")?,
        channel: r.get("channel")?,
        device_time: r.get("device_time")?,
        server_time: r.get("server_time")?,
        clock_off: r.get("clock_off")?,
        answers: r.get("answers")?,
    })
}

fn record_follow_ups(t: &Transaction, id: i64, new: &NewSubmission) -> Result<()> {
    if let Some(turnout) = turnout_of(new) {
        t.prepare_cached(UPSERT_TURNOUT)?.execute(params![
            new.station.id,
            turnout.slot,
            turnout.counted,
            turnout.announced,
            new.station.registered_voters,
            new.server_time,
        ])?;
    }
    if let Some((category, severity)) = incident_of(new) {
        t.prepare_cached(without_returning(INSERT_INCIDENT))?.execute(params![
            id,
            new.station.id,
            new.station.constituency_no,
            category,
            severity,
            new.server_time
        ])?;
        let incident = t.last_insert_rowid();
        t.prepare_cached(INSERT_INCIDENT_EVENT)?.execute(params![incident, new.server_time, new.observer_id])?;
    }
    for photo in new.answers.photos() {
        t.prepare_cached(INSERT_PHOTO_USE)?.execute(params![photo, id, new.station.constituency_no])?;
    }
    if let Some(message) = &new.message {
        log_message(t, id, new, message)?;
    }
    if compared(new) {
        let theirs = t
            .prepare_cached(OTHER_OBSERVERS_REPORTS)?
            .query_map(params![new.station.id, new.form_code, new.observer_id, id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<Vec<(i64, i64, String)>>>()?;
        let mut conflict = t.prepare_cached(INSERT_CONFLICT)?;
        for (other_id, question) in disagreements(&new.answers, theirs) {
            conflict.execute(params![
                new.station.id,
                new.station.constituency_no,
                new.form_code,
                question,
                other_id,
                id
            ])?;
        }
    }
    Ok(())
}

fn log_message(t: &Transaction, id: i64, new: &NewSubmission, message: &MessageLog) -> Result<()> {
    let inbound = &message.inbound;
    let logged: Option<i64> = t
        .prepare_cached(sms::INSERT_SETTLED)?
        .query_row(
            params![
                inbound.gateway,
                inbound.phone,
                inbound.body,
                inbound.at,
                inbound.dedupe_key,
                message.status,
                new.observer_id,
                id,
                message.detail
            ],
            |r| r.get(0),
        )
        .optional()?;
    if let (Some(logged), Some((body, status))) = (logged, &message.reply) {
        t.prepare_cached(without_returning(sms::INSERT_REPLY))?.execute(params![
            inbound.gateway,
            inbound.phone,
            body,
            inbound.at,
            status,
            logged,
            new.observer_id,
            None::<i64>
        ])?;
    }
    Ok(())
}

/// A plain insert shared with PostgreSQL, without its `RETURNING id`: on SQLite the new row's
/// id is the connection's last rowid, and RETURNING costs a temporary table per execution.
fn without_returning(insert: &str) -> &str {
    insert.strip_suffix(" RETURNING id").unwrap_or(insert)
}
