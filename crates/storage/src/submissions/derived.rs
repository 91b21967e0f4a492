//! On SQLite, the rows a report leads to that nobody needs the instant it is acknowledged —
//! its count on the coverage dashboard and its place among its observer's reports
//! (`observer_reports`) — are written behind the reports, a second's worth at a time, by the
//! same writer and on the same connection.
//!
//! Why: written in each report's own commit, they were 60 % of the log a report cost. The
//! index of observers' reports takes them at random (one place per observer), so every write
//! dirties about one page of it per observer, whatever the number of reports: written for a
//! second's reports at once (a *cycle*), each such page is written about once for all of them.
//! A cycle is taken in that index's order and written ~1,000 reports per transaction, between
//! batches of reports, so that no report waits behind a long write.
//!
//! What keeps them exact: `derived_upto` records progress in the same transaction as the rows
//! (`Progress`). Reports not covered by it are pending: held here after their commit, and read
//! back from the database when the connection opens (after a crash, say). Readers of coverage
//! and of an observer's reports first ask the writer to catch up (`Store::reads_caught_up`),
//! so none of them sees a report without its rows; when nothing is pending that costs nothing.

use rusqlite::{OptionalExtension, Transaction, params};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Derived, INSERT_OBSERVER_REPORTS, UPSERT_COVERAGE, coverage_rows};
use crate::Result;

/// The longest a report's rows wait to start being written when nobody asks for them: how
/// far the rows may trail the reports (readers never see that: they make the writer catch up).
const DELAY: Duration = Duration::from_secs(1);
/// A cycle starts at once when this many wait, whatever their age (bounds the memory held).
const BATCH: usize = 32_768;
/// Written in one transaction at most: reports wait behind it, so a long one shows in their
/// latency (~3,300 at once stalled the writer 12-14 ms).
const CHUNK: usize = 1_024;
/// The count before the database has been read: readers must ask the writer.
const UNKNOWN: usize = usize::MAX;

/// The order a cycle is written in: that of `observer_reports` (reports without an observer,
/// SMS from unknown phones, which have no row there, first).
fn key(report: &Derived) -> (i64, i64) {
    (report.observer_id.unwrap_or(-1), report.id)
}

/// How far derived rows are written, as `derived_upto` holds it: a report is derived when its
/// id is at most `mark`, or at most `cycle_upto` and its key at most `done`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    mark: i64,
    cycle_upto: i64,
    done: (i64, i64),
}

impl Progress {
    /// Every report up to `id` derived, no cycle under way.
    fn all_upto(id: i64) -> Progress {
        Progress { mark: id, cycle_upto: id, done: (-1, 0) }
    }

    fn read(connection: &rusqlite::Connection) -> Result<Progress> {
        let sql = "SELECT submission_id, cycle_upto, done_observer, done_id FROM derived_upto";
        Ok(connection
            .prepare_cached(sql)?
            .query_row([], |r| Ok(Progress { mark: r.get(0)?, cycle_upto: r.get(1)?, done: (r.get(2)?, r.get(3)?) }))?)
    }

    fn write(&self, t: &Transaction) -> Result<()> {
        t.prepare_cached(
            "UPDATE derived_upto SET submission_id = $1, cycle_upto = $2, done_observer = $3, done_id = $4",
        )?
        .execute(params![self.mark, self.cycle_upto, self.done.0, self.done.1])?;
        Ok(())
    }
}

/// A cycle being written: its reports in key order, how many are written, and its last id.
struct Cycle {
    reports: Vec<Derived>,
    written: usize,
    upto: i64,
}

impl Cycle {
    /// The next at most `CHUNK` reports not yet written.
    fn next_chunk(&self) -> &[Derived] {
        &self.reports[self.written..(self.written + CHUNK).min(self.reports.len())]
    }
}

/// Reports stored whose derived rows are not written yet.
pub(crate) struct Pending {
    /// Not yet in a cycle, in id order.
    waiting: Vec<Derived>,
    oldest: Option<Instant>,
    cycle: Option<Cycle>,
    /// The highest report id known stored: a reader waits for the rows of reports up to it.
    last_stored: i64,
    /// A report id skipped a number since `last_stored`: another process stored reports on the
    /// same file in between (ids are given in order, one above the highest), which this one
    /// does not hold; the next cycle is then taken from the database.
    foreign: bool,
    /// What `derived_upto` holds, as far as this process knows: another process that wrote
    /// derived rows (a CLI command, an old server finishing) shows as a difference.
    progress: Option<Progress>,
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
    /// Nothing known yet: the database has not been read.
    pub fn new(count: &PendingCount) -> Pending {
        count.0.store(UNKNOWN, Ordering::Release);
        Pending {
            waiting: Vec::new(),
            oldest: None,
            cycle: None,
            last_stored: 0,
            foreign: false,
            progress: None,
            count: count.0.clone(),
        }
    }

    /// What the database holds as pending (`stored_not_derived`): a cycle a previous process
    /// left half written is continued first, in its own order; later reports wait.
    pub fn resume(count: &PendingCount, stored: StoredNotDerived) -> Pending {
        let StoredNotDerived { progress, reports: left, last_id } = stored;
        let mut pending = Pending::new(count);
        pending.progress = Some(progress);
        let (mut unfinished, later): (Vec<_>, Vec<_>) =
            left.into_iter().partition(|report| report.id <= progress.cycle_upto);
        if !unfinished.is_empty() {
            unfinished.sort_by_key(key);
            pending.cycle = Some(Cycle { reports: unfinished, written: 0, upto: progress.cycle_upto });
        }
        pending.add(later);
        // Those were the database's own reports, not another process's: ids count from here.
        pending.last_stored = last_id;
        pending.foreign = false;
        pending
    }

    pub fn add(&mut self, reports: impl IntoIterator<Item = Derived>) {
        let before = self.waiting.len();
        for report in reports {
            self.foreign |= report.id != self.last_stored + 1;
            self.last_stored = self.last_stored.max(report.id);
            self.waiting.push(report);
        }
        if self.waiting.len() > before && self.oldest.is_none() {
            self.oldest = Some(Instant::now());
        }
        self.publish_count();
    }

    fn len(&self) -> usize {
        self.waiting.len() + self.cycle.as_ref().map_or(0, |cycle| cycle.reports.len() - cycle.written)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn last_stored(&self) -> i64 {
        self.last_stored
    }

    /// Whether every report up to `id` has its rows written.
    pub fn derived_through(&self, id: i64) -> bool {
        let waits = self.waiting.first().is_some_and(|report| report.id <= id);
        let in_cycle = self
            .cycle
            .as_ref()
            .is_some_and(|cycle| cycle.reports[cycle.written..].iter().any(|report| report.id <= id));
        !waits && !in_cycle
    }

    fn publish_count(&self) {
        self.count.store(self.len(), Ordering::Release);
    }

    /// How long until rows are due: zero while a cycle is under way, once `BATCH` wait, or
    /// once the oldest has waited `DELAY`; `None` when nothing waits.
    pub fn due_in(&self) -> Option<Duration> {
        if self.cycle.is_some() || self.waiting.len() >= BATCH {
            return Some(Duration::ZERO);
        }
        Some(DELAY.saturating_sub(self.oldest?.elapsed()))
    }

    /// The next chunk to write, starting a cycle of everything waiting if none is under way.
    fn next_chunk(&mut self) -> Option<&[Derived]> {
        if self.cycle.is_none() {
            let upto = self.waiting.last()?.id;
            let mut reports = std::mem::take(&mut self.waiting);
            self.oldest = None;
            reports.sort_by_key(key);
            self.cycle = Some(Cycle { reports, written: 0, upto });
        }
        self.cycle.as_ref().map(Cycle::next_chunk)
    }

    /// The chunk `next_chunk` gave is written, and the database now holds `progress`.
    fn chunk_written(&mut self, n: usize, progress: Progress) {
        if let Some(cycle) = &mut self.cycle {
            cycle.written += n;
            if cycle.written >= cycle.reports.len() {
                self.cycle = None;
            }
        }
        self.progress = Some(progress);
        self.publish_count();
    }

    /// Another process wrote derived rows too: everything up to `progress` is derived now,
    /// which covers every report this process had stored.
    fn replaced(&mut self, progress: Progress) {
        self.cycle = None;
        self.foreign = false;
        self.last_stored = self.last_stored.max(progress.mark);
        self.waiting.retain(|report| report.id > progress.mark);
        if self.waiting.is_empty() {
            self.oldest = None;
        }
        self.progress = Some(progress);
        self.publish_count();
    }
}

/// Reports that `progress` does not cover, oldest first, up to `last`. (SQLite-only SQL with
/// `?N` placeholders: SQLite numbers `$N` ones in order of appearance, not by their digits.)
const NOT_DERIVED: &str = "SELECT s.id, s.station_id, st.constituency_no, s.form_code, s.server_time, s.observer_id
    FROM submissions s JOIN stations st ON st.id = s.station_id
    WHERE s.id > ?1 AND s.id <= ?5
      AND NOT (s.id <= ?2 AND (COALESCE(s.observer_id, -1), s.id) <= (?3, ?4))
    ORDER BY s.id";

fn not_derived(connection: &rusqlite::Connection, progress: Progress, last: i64) -> Result<Vec<Derived>> {
    let mut statement = connection.prepare_cached(NOT_DERIVED)?;
    let rows = statement.query_map(
        params![progress.mark, progress.cycle_upto, progress.done.0, progress.done.1, last],
        |r| {
            Ok(Derived {
                id: r.get(0)?,
                station_id: r.get(1)?,
                constituency_no: r.get(2)?,
                form_code: r.get(3)?,
                at: r.get(4)?,
                observer_id: r.get(5)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// What is pending in the database, the state a previous process left (it crashed, or
/// stopped with a cycle half written).
pub(crate) struct StoredNotDerived {
    progress: Progress,
    /// Oldest first.
    reports: Vec<Derived>,
    /// The highest report id stored.
    last_id: i64,
}

impl StoredNotDerived {
    pub fn len(&self) -> usize {
        self.reports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }
}

pub(crate) fn stored_not_derived(connection: &rusqlite::Connection) -> Result<StoredNotDerived> {
    // One read transaction: the three agree even while another process writes.
    let transaction = connection.unchecked_transaction()?;
    let progress = Progress::read(&transaction)?;
    let last_id = last_id(&transaction)?;
    let reports = not_derived(&transaction, progress, last_id)?;
    transaction.finish()?;
    Ok(StoredNotDerived { progress, reports, last_id })
}

fn last_id(connection: &rusqlite::Connection) -> Result<i64> {
    Ok(connection
        .prepare_cached("SELECT MAX(id) FROM submissions")?
        .query_row([], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten()
        .unwrap_or(0))
}

/// Writes the next chunk of pending reports' derived rows, with the
/// progress it makes, in one transaction. What this process holds is checked against the
/// database under the write lock first: another process on the same file may have written
/// derived rows meanwhile (its progress differs: a CLI command while the server runs finds the
/// same reports pending), or stored reports of its own among this cycle's (ids skipped: an old
/// server still finishing while a new one starts). Then everything the database holds as
/// pending is written at once, from the database itself, and this process's list is dropped.
pub(crate) fn write_chunk(connection: &mut rusqlite::Connection, pending: &mut Pending) -> Result<()> {
    let started = Instant::now();
    let expected = pending.progress;
    let foreign = pending.foreign;
    if pending.next_chunk().is_none() {
        return Ok(());
    }
    let Some(cycle) = &pending.cycle else { return Ok(()) };
    let chunk = cycle.next_chunk();
    let transaction = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let progress = Progress::read(&transaction)?;
    // Mid-cycle, reports stored since (by anyone) come after the cycle: only its progress
    // could have been changed by another process.
    let agrees = Some(progress) == expected && (cycle.written > 0 || !foreign);
    if !agrees {
        let now = derive_from_database(&transaction, progress)?;
        transaction.commit()?;
        pending.replaced(now);
        return Ok(());
    }
    write_rows(&transaction, chunk)?;
    let finishes = cycle.written + chunk.len() >= cycle.reports.len();
    let now = match chunk.last() {
        Some(last) if !finishes => Progress { mark: progress.mark, cycle_upto: cycle.upto, done: key(last) },
        _ => Progress::all_upto(cycle.upto),
    };
    let n = chunk.len();
    now.write(&transaction)?;
    transaction.commit()?;
    pending.chunk_written(n, now);
    tracing::debug!(reports = n, took = ?started.elapsed(), finishes, "derived rows written");
    Ok(())
}

/// Writes the rows of every report the database holds as pending, from the database, and
/// returns the progress that covers them all.
fn derive_from_database(t: &Transaction, progress: Progress) -> Result<Progress> {
    let last = last_id(t)?;
    let mut reports = not_derived(t, progress, last)?;
    tracing::info!(reports = reports.len(), "another process wrote derived rows too: deriving from the database");
    reports.sort_by_key(key);
    write_rows(t, &reports)?;
    let now = Progress::all_upto(last.max(progress.mark));
    now.write(t)?;
    Ok(now)
}

/// The coverage counts and observers' lists of `reports`, given in key order (that of
/// `observer_reports`, the only index they land in at random).
fn write_rows(t: &Transaction, reports: &[Derived]) -> Result<()> {
    let (insert, on_conflict) = UPSERT_COVERAGE;
    let mut upsert = t.prepare_cached(&format!("{insert} ($1, $2, $3, $4, $4, $5) {on_conflict}"))?;
    for row in coverage_rows(reports) {
        upsert.execute(params![row.station_id, row.form_code, row.constituency_no, row.at, row.count])?;
    }
    let (insert, on_conflict) = INSERT_OBSERVER_REPORTS;
    let mut insert = t.prepare_cached(&format!("{insert} ($1, $2) {on_conflict}"))?;
    for report in reports {
        if let Some(observer_id) = report.observer_id {
            insert.execute(params![observer_id, report.id])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: i64, observer: i64) -> Derived {
        Derived { id, station_id: 1, constituency_no: 17, form_code: "VT".into(), at: 0, observer_id: Some(observer) }
    }

    #[test]
    fn rows_fall_due_after_the_delay_or_once_a_batch_waits_and_stay_due_through_a_cycle() {
        let count = PendingCount::new();
        let mut pending = Pending::new(&count);
        assert!(!count.none(), "unknown until the database has been read");
        assert_eq!(pending.due_in(), None);
        pending.add([]);
        assert!(count.none());
        assert_eq!(pending.due_in(), None);

        pending.add([report(1, 5)]);
        assert!(!count.none());
        let due = pending.due_in().unwrap();
        assert!(due > Duration::ZERO && due <= DELAY, "{due:?}");

        pending.add((2..=BATCH as i64).map(|id| report(id, id % 7)));
        assert!(!pending.foreign);
        assert_eq!(pending.due_in(), Some(Duration::ZERO));
        // A cycle takes everything waiting, in the order of observers' reports, a chunk at a time.
        let chunk = pending.next_chunk().unwrap().to_vec();
        assert_eq!(chunk.len(), CHUNK);
        assert!(chunk.windows(2).all(|pair| key(&pair[0]) < key(&pair[1])));
        assert_eq!(chunk[0].observer_id, Some(0));
        let progress = Progress { mark: 0, cycle_upto: BATCH as i64, done: key(&chunk[CHUNK - 1]) };
        pending.chunk_written(CHUNK, progress);
        assert_eq!(pending.len(), BATCH - CHUNK);
        assert_eq!(pending.due_in(), Some(Duration::ZERO), "the rest of the cycle follows at once");
        // Reports stored meanwhile wait for the next cycle.
        pending.add([report(BATCH as i64 + 1, 3)]);
        while pending.cycle.is_some() {
            let n = pending.next_chunk().unwrap().len();
            pending.chunk_written(n, progress);
        }
        assert_eq!(pending.len(), 1);
        assert!(!count.none());
        assert!(pending.due_in().is_some_and(|due| due > Duration::ZERO));
    }

    #[test]
    fn a_stations_first_and_last_report_times_only_widen_when_rows_come_out_of_order() {
        // A cycle goes in observer order: a later chunk may hold an older report.
        let mut connection = rusqlite::Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                "CREATE TABLE station_coverage (station_id INTEGER, form_code TEXT, constituency_no INTEGER,
                    first_at INTEGER, last_at INTEGER, submissions INTEGER, PRIMARY KEY (station_id, form_code));
                 CREATE TABLE observer_reports (observer_id INTEGER, submission_id INTEGER,
                    PRIMARY KEY (observer_id, submission_id)) WITHOUT ROWID;",
            )
            .unwrap();
        let at = |id, observer, time| Derived { at: time, ..report(id, observer) };
        for chunk in [vec![at(2, 1, 2_000)], vec![at(1, 2, 1_000)], vec![at(3, 2, 1_500)]] {
            let transaction = connection.transaction().unwrap();
            write_rows(&transaction, &chunk).unwrap();
            transaction.commit().unwrap();
        }
        let (first, last, count): (i64, i64, i64) = connection
            .query_row("SELECT first_at, last_at, submissions FROM station_coverage", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((first, last, count), (1_000, 2_000, 3));
    }

    #[test]
    fn a_half_written_cycle_is_continued_in_its_own_order_before_later_reports() {
        let count = PendingCount::new();
        // Cycle up to id 10, written up to observer 4's report 6; 11 and 12 came after it.
        let progress = Progress { mark: 2, cycle_upto: 10, done: (4, 6) };
        let left = vec![report(3, 9), report(7, 4), report(9, 5), report(11, 1), report(12, 8)];
        let stored = StoredNotDerived { progress, reports: left, last_id: 12 };
        let mut pending = Pending::resume(&count, stored);
        assert_eq!(pending.len(), 5);
        let chunk: Vec<i64> = pending.next_chunk().unwrap().iter().map(|r| r.id).collect();
        assert_eq!(chunk, vec![7, 9, 3], "the cycle's rest, in key order");
        pending.chunk_written(3, Progress::all_upto(10));
        assert!(pending.cycle.is_none());
        let next: Vec<i64> = pending.next_chunk().unwrap().iter().map(|r| r.id).collect();
        assert_eq!(next, vec![11, 12]);
        assert!(!pending.foreign);
    }

    #[test]
    fn a_skipped_id_shows_another_process_stored_reports_in_between() {
        let count = PendingCount::new();
        let stored = StoredNotDerived { progress: Progress::all_upto(4), reports: Vec::new(), last_id: 4 };
        let mut pending = Pending::resume(&count, stored);
        pending.add([report(5, 1), report(6, 1)]);
        assert!(!pending.foreign);
        pending.add([report(8, 2)]);
        assert!(pending.foreign, "7 was stored by someone else");
        assert_eq!(pending.last_stored(), 8);
        pending.replaced(Progress::all_upto(9));
        assert!(!pending.foreign);
        assert!(pending.is_empty());
        assert!(pending.derived_through(9));
    }
}
