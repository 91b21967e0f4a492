//! Making the ingest connection's commits durable off the writer's path.
//!
//! The ingest connection commits with `synchronous = NORMAL`: a commit writes its frames to the
//! write-ahead log and returns without waiting for the disk. Its callers are answered only
//! here, after an fsync of the log that covers their commit — so nothing is acknowledged
//! before it is on disk, as with `synchronous = FULL`, but the writer is already running the
//! next batch while the disk works, and one fsync can cover several batches. (SQLite replays
//! the log up to its last complete commit, so a commit whose frames were synced survives a
//! power cut; frames written later and lost were never acknowledged.)
//!
//! The writer takes its next batch once the sync under way is done (`wait_until_idle`, at most
//! 2 ms): what it would have committed meanwhile waits for the next sync anyway, and taken
//! together it is one commit instead of two or three, each table's last pages written once
//! (17-18 reports a commit instead of 8; 8 % more reports a second in A/B runs).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, mpsc};
use tokio::sync::oneshot;

use crate::submissions::Receipt;
use crate::{Result, StorageError};

/// A committed batch waiting for the disk: each caller and what storing its report came to.
pub(crate) type Committed = Vec<(oneshot::Sender<Result<Receipt>>, Result<Receipt>)>;

pub(crate) struct LogSyncer {
    batches: mpsc::Sender<Committed>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Committed batches handed over and not yet synced.
    in_flight: Arc<AtomicUsize>,
    /// The thread that commits, woken after each sync.
    committer: Arc<OnceLock<std::thread::Thread>>,
}

impl LogSyncer {
    /// `database` is the SQLite file; its log is beside it (`…-wal`).
    pub fn start(database: &std::path::Path) -> LogSyncer {
        let mut log = database.as_os_str().to_owned();
        log.push("-wal");
        let log = PathBuf::from(log);
        let (batches, waiting) = mpsc::channel::<Committed>();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let committer = Arc::new(OnceLock::new());
        let shared = Shared { in_flight: in_flight.clone(), committer: committer.clone() };
        let spawned = std::thread::Builder::new().name("wal-sync".into()).spawn(move || run(&log, &waiting, &shared));
        let thread = spawned
            // Without the thread, sends fail and callers hear that nothing was acknowledged.
            .inspect_err(|error| tracing::error!(%error, "the log sync thread could not start"))
            .ok();
        LogSyncer { batches, thread, in_flight, committer }
    }

    /// Called from the thread that commits: it is woken after each sync.
    pub fn set_committer(&self) {
        let _ = self.committer.set(std::thread::current());
    }

    /// Waits (at most `longest`) until nothing handed over is waiting for the disk. A commit
    /// made meanwhile would wait for the next sync anyway; made after it, it holds every report
    /// that arrived in between: fewer, larger commits, each page written once for them all.
    pub fn wait_until_idle(&self, longest: std::time::Duration) {
        let started = std::time::Instant::now();
        while self.in_flight.load(Ordering::Acquire) > 0 {
            // A sync thread that has ended (it panicked) will never say it is idle.
            if self.thread.as_ref().is_none_or(std::thread::JoinHandle::is_finished) {
                return;
            }
            let Some(left) = longest.checked_sub(started.elapsed()) else { return };
            std::thread::park_timeout(left);
        }
    }

    /// Answers everything handed over (after its fsync) and stops the thread.
    pub fn finish(self) {
        drop(self.batches);
        if let Some(thread) = self.thread {
            let _ = thread.join();
        }
    }

    /// Answers the batch's callers once its commit is on disk.
    pub fn acknowledge(&self, batch: Committed) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        if let Err(mpsc::SendError(batch)) = self.batches.send(batch) {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            answer(batch, Err("the log sync thread has stopped".into()));
        }
    }
}

/// What the sync thread shares with the committing thread.
struct Shared {
    in_flight: Arc<AtomicUsize>,
    committer: Arc<OnceLock<std::thread::Thread>>,
}

fn run(log: &std::path::Path, waiting: &mpsc::Receiver<Committed>, shared: &Shared) {
    while let Ok(first) = waiting.recv() {
        // Everything committed so far is covered by one fsync.
        let mut batches = vec![first];
        batches.extend(waiting.try_iter());
        // Opened afresh each time: should SQLite ever replace the file, an old handle would
        // sync the wrong one.
        let started = std::time::Instant::now();
        let synced = std::fs::File::open(log).and_then(|file| file.sync_data()).map_err(|error| {
            tracing::error!(%error, log = %log.display(), "could not sync the log: reports not acknowledged");
            error.to_string()
        });
        tracing::debug!(batches = batches.len(), took = ?started.elapsed(), "log synced");
        let count = batches.len();
        for batch in batches {
            answer(batch, synced.clone());
        }
        shared.in_flight.fetch_sub(count, Ordering::AcqRel);
        if let Some(committer) = shared.committer.get() {
            committer.unpark();
        }
    }
}

fn answer(batch: Committed, synced: std::result::Result<(), String>) {
    for (reply, outcome) in batch {
        let outcome = match (&synced, outcome) {
            // Refused reports (a conflict, say) wrote nothing: their answer needs no disk.
            (_, Err(refused)) => Err(refused),
            (Ok(()), stored) => stored,
            (Err(error), Ok(_)) => Err(StorageError::CommitFailed(error.clone())),
        };
        let _ = reply.send(outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> Result<Receipt> {
        Ok(Receipt::New(1))
    }

    /// Sends one stored and one refused report through a syncer of `database`.
    async fn answers_for(database: &std::path::Path) -> (Result<Receipt>, Result<Receipt>) {
        let syncer = LogSyncer::start(database);
        let (stored_reply, stored_answer) = oneshot::channel();
        let (refused_reply, refused_answer) = oneshot::channel();
        syncer.acknowledge(vec![
            (stored_reply, stored()),
            (refused_reply, Err(StorageError::Conflict("used before".into()))),
        ]);
        (stored_answer.await.unwrap(), refused_answer.await.unwrap())
    }

    #[tokio::test]
    async fn the_committer_waits_for_a_sync_under_way_and_not_for_an_idle_syncer() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("x.db");
        std::fs::write(dir.path().join("x.db-wal"), b"frames").unwrap();
        let syncer = LogSyncer::start(&database);
        let idle = std::time::Instant::now();
        syncer.wait_until_idle(std::time::Duration::from_secs(5));
        assert!(idle.elapsed() < std::time::Duration::from_secs(1), "nothing to wait for");

        let (reply, answer) = oneshot::channel();
        let committer = std::thread::spawn(move || {
            syncer.set_committer();
            syncer.acknowledge(vec![(reply, stored())]);
            syncer.wait_until_idle(std::time::Duration::from_secs(5));
            syncer
        });
        let syncer = committer.join().unwrap();
        // Idle again means the batch was synced and answered.
        assert!(matches!(answer.await.unwrap(), Ok(Receipt::New(1))));
        assert_eq!(syncer.in_flight.load(Ordering::Acquire), 0);
        syncer.finish();
    }

    #[tokio::test]
    async fn a_report_is_acknowledged_only_once_the_log_is_synced() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("x.db");
        std::fs::write(dir.path().join("x.db-wal"), b"frames").unwrap();
        let (stored, refused) = answers_for(&database).await;
        assert!(matches!(stored, Ok(Receipt::New(1))));
        assert!(matches!(refused, Err(StorageError::Conflict(_))));

        // A log that cannot be synced: the stored report is not acknowledged (its caller
        // retries, and the retry finds it or stores it); a refusal stays a refusal.
        let missing = dir.path().join("gone.db");
        let (stored, refused) = answers_for(&missing).await;
        assert!(matches!(stored, Err(StorageError::CommitFailed(_))), "{stored:?}");
        assert!(matches!(refused, Err(StorageError::Conflict(_))));
    }
}
