//! On SQLite, the rows a report leads to that nobody needs the instant it is acknowledged —
//! its count on the coverage dashboard and its audit entry — are written behind the reports,
//! thousands at a time, by the same writer and on the same connection.
//!
//! Why: written in each report's own commit, they were 60 % of the log a report cost. A batch
//! of ~10 reports dirtied ~10 random pages of the audit log's actor index and ~6 of the
//! coverage table, each written out whole (4 KiB) with the batch. Written for thousands of
//! reports at once, each such page is written once for all of them.
//!
//! What keeps them exact: `derived_upto` holds the highest report id whose rows are written,
//! and moves in the same transaction as those rows. Reports above it are pending: held here
//! after their commit, and read back from the database when the connection opens (after a
//! crash, say). Readers of coverage and the audit log first ask the writer to catch up
//! (`Store::reads_caught_up`), so none of them sees a report without its rows; when nothing is
//! pending that costs nothing.

use rusqlite::{Transaction, params};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{AUDIT_ACTION, Derived, INSERT_AUDIT, UPSERT_COVERAGE, coverage_rows};
use crate::Result;

/// The longest a report's rows wait when nobody asks for them: how far the dashboard's
/// counts may trail the reports under load.
const DELAY: Duration = Duration::from_millis(100);
/// Written at once when this many are waiting, whatever their age.
const BATCH: usize = 4_096;
/// Written in one transaction at most: reports wait behind it, so a long one shows in their
/// latency (~3,300 at once stalled the writer 12-14 ms).
pub(crate) const CHUNK: usize = 1_024;
/// The count before the database has been read: readers must ask the writer.
const UNKNOWN: usize = usize::MAX;

/// Reports stored whose derived rows are not written yet, oldest first.
pub(crate) struct Pending {
    reports: Vec<Derived>,
    oldest: Option<Instant>,
    /// How many, shared with readers deciding whether to ask the writer to catch up.
    count: Arc<AtomicUsize>,
}

/// Shared between the writer's `Pending` and the readers.
#[derive(Clone)]
pub(crate) struct PendingCount(Arc<AtomicUsize>);

impl PendingCount {
    pub fn new() -> PendingCount {
        PendingCount(Arc::new(AtomicUsize::new(UNKNOWN)))
    }

    /// True when every stored report's rows are written (as far as this process knows).
    pub fn none(&self) -> bool {
        self.0.load(Ordering::Acquire) == 0
    }
}

impl Pending {
    pub fn new(count: &PendingCount) -> Pending {
        count.0.store(UNKNOWN, Ordering::Release);
        Pending { reports: Vec::new(), oldest: None, count: count.0.clone() }
    }

    pub fn add(&mut self, reports: impl IntoIterator<Item = Derived>) {
        let before = self.reports.len();
        self.reports.extend(reports);
        if self.reports.len() > before && self.oldest.is_none() {
            self.oldest = Some(Instant::now());
        }
        self.count.store(self.reports.len(), Ordering::Release);
    }

    /// How long until the rows are due: zero once `BATCH` wait or the oldest has waited
    /// `DELAY`; `None` when nothing waits.
    pub fn due_in(&self) -> Option<Duration> {
        let oldest = self.oldest?;
        if self.reports.len() >= BATCH {
            return Some(Duration::ZERO);
        }
        Some(DELAY.saturating_sub(oldest.elapsed()))
    }

    pub fn reports(&self) -> &[Derived] {
        &self.reports
    }

    /// The first `n` are written. The rest, if any, keep the age of the oldest: when age made
    /// them due they stay due, and are written next, between batches of reports.
    pub fn written(&mut self, n: usize) {
        self.reports.drain(..n.min(self.reports.len()));
        if self.reports.is_empty() {
            self.oldest = None;
        }
        self.count.store(self.reports.len(), Ordering::Release);
    }
}

const STORED_NOT_DERIVED: &str = "SELECT s.id, s.station_id, st.constituency_no, s.form_code, st.number,
        s.server_time, s.observer_id, s.channel
    FROM submissions s JOIN stations st ON st.id = s.station_id
    WHERE s.id > (SELECT submission_id FROM derived_upto) AND s.id <= $1 ORDER BY s.id";

/// The reports stored after the mark: those whose rows were still pending when the last
/// process stopped.
pub(crate) fn stored_not_derived(connection: &rusqlite::Connection) -> Result<Vec<Derived>> {
    stored_not_derived_up_to(connection, i64::MAX)
}

fn stored_not_derived_up_to(connection: &rusqlite::Connection, last: i64) -> Result<Vec<Derived>> {
    let mut statement = connection.prepare_cached(STORED_NOT_DERIVED)?;
    let rows = statement.query_map([last], |r| {
        let constituency_no: i64 = r.get(2)?;
        Ok(Derived {
            id: r.get(0)?,
            station_id: r.get(1)?,
            constituency_no,
            form_code: r.get(3)?,
            station: format!("{constituency_no}/{}", r.get::<_, i64>(4)?),
            at: r.get(5)?,
            observer_id: r.get(6)?,
            channel: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Writes the coverage counts and audit entries of `reports` (in id order) and moves the mark
/// past them, in one transaction. What this process holds is checked against the database
/// under the write lock first: another process on the same file may have written some of
/// them already (a CLI command while the server runs finds the same reports pending), or
/// stored reports of its own in between (an old server still finishing while a new one
/// starts). Reports at or below the mark are skipped; if the database holds reports between
/// the mark and the last one that this process does not, all are read from the database.
pub(crate) fn write(connection: &mut rusqlite::Connection, reports: &[Derived]) -> Result<()> {
    let started = Instant::now();
    let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mark: i64 =
        transaction.prepare_cached("SELECT submission_id FROM derived_upto")?.query_row([], |r| r.get(0))?;
    let mut reports = &reports[reports.partition_point(|report| report.id <= mark)..];
    let Some(last) = reports.last().map(|report| report.id) else { return Ok(()) };
    let stored: i64 = transaction
        .prepare_cached("SELECT COUNT(*) FROM submissions WHERE id > $1 AND id <= $2")?
        .query_row([mark, last], |r| r.get(0))?;
    let from_database;
    if usize::try_from(stored).ok() != Some(reports.len()) {
        tracing::info!(stored, held = reports.len(), "another process stored reports too: deriving from the database");
        from_database = stored_not_derived_up_to(&transaction, last)?;
        reports = &from_database;
    }
    write_coverage(&transaction, reports)?;
    let coverage = started.elapsed();
    write_audit(&transaction, reports)?;
    let audit = started.elapsed() - coverage;
    transaction
        .prepare_cached("UPDATE derived_upto SET submission_id = $1 WHERE submission_id < $1")?
        .execute([last])?;
    transaction.commit()?;
    tracing::debug!(reports = reports.len(), ?coverage, ?audit, took = ?started.elapsed(), "derived rows written");
    Ok(())
}

fn write_coverage(t: &Transaction, reports: &[Derived]) -> Result<()> {
    let (insert, on_conflict) = UPSERT_COVERAGE;
    let mut upsert = t.prepare_cached(&format!("{insert} ($1, $2, $3, $4, $4, $5) {on_conflict}"))?;
    for row in coverage_rows(reports) {
        upsert.execute(params![row.station_id, row.form_code, row.constituency_no, row.at, row.count])?;
    }
    Ok(())
}

fn write_audit(t: &Transaction, reports: &[Derived]) -> Result<()> {
    let mut insert =
        t.prepare_cached(&format!("{INSERT_AUDIT} ($1, $2, $3, '{AUDIT_ACTION}', 'submission', $4, $5)"))?;
    // In the order of the actor index, the only one they land in at random.
    let mut by_actor: Vec<&Derived> = reports.iter().collect();
    by_actor.sort_by_key(|report| (report.observer_id, report.id));
    for report in by_actor {
        insert.execute(params![
            report.at,
            report.observer_id,
            report.channel,
            report.id.to_string(),
            report.audit_details()
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: i64) -> Derived {
        Derived {
            id,
            station_id: 1,
            constituency_no: 17,
            form_code: "VT".into(),
            station: "17/1".into(),
            at: 0,
            observer_id: Some(1),
            channel: "api".into(),
        }
    }

    #[test]
    fn rows_fall_due_after_the_delay_or_once_a_batch_waits() {
        let count = PendingCount::new();
        let mut pending = Pending::new(&count);
        assert!(!count.none(), "unknown until the database has been read");
        assert_eq!(pending.due_in(), None);
        pending.add([]);
        assert!(count.none());
        assert_eq!(pending.due_in(), None);

        pending.add([report(1)]);
        assert!(!count.none());
        let due = pending.due_in().unwrap();
        assert!(due > Duration::ZERO && due <= DELAY, "{due:?}");

        pending.add((2..=BATCH as i64).map(report));
        assert_eq!(pending.due_in(), Some(Duration::ZERO));
        // Written a chunk at a time: what is left keeps the oldest's age, due within `DELAY`.
        pending.written(CHUNK);
        assert_eq!(pending.reports().len(), BATCH - CHUNK);
        assert_eq!(pending.reports()[0].id, CHUNK as i64 + 1);
        assert!(pending.due_in().is_some_and(|due| due <= DELAY));
        assert!(!count.none());
        pending.written(BATCH);
        assert!(count.none());
        assert_eq!(pending.due_in(), None);
    }
}
