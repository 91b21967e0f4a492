//! Making the ingest connection's commits durable before anyone hears of them.
//!
//! The ingest connection commits with `synchronous = NORMAL`: a commit writes its frames to the
//! write-ahead log and returns without waiting for the disk. The writer then syncs the log
//! here and only then answers the batch's callers, so nothing is acknowledged before it is on
//! disk, as with `synchronous = FULL`. (SQLite replays the log up to its last complete commit,
//! so a commit whose frames were synced survives a power cut.)
//!
//! Why not `synchronous = FULL`: SQLite as bundled (libsqlite3-sys, no `HAVE_FDATASYNC`) syncs
//! with `fsync`, which also writes the log's changed times to the file system's journal on
//! every commit; `fdatasync` writes only what reading the data back needs.
//!
//! Why on the writer's own thread: until the fifteenth session a thread of its own synced the
//! log while the writer went on, but the writer waited for that sync before its next batch
//! anyway (a batch committed meanwhile would only wait for the next sync). Handing each batch
//! over cost two wake-ups a batch; syncing here cut the server's context switches a report
//! from 0.67–0.74 to 0.53–0.56 and raised the ingest rate by 10 % (median of 6 A/B pairs,
//! `docs/figures.md`).

use std::path::{Path, PathBuf};
use tokio::sync::oneshot;

use crate::submissions::Receipt;
use crate::{Result, StorageError};

/// A committed batch waiting for the disk: each caller and what storing its report came to.
pub(crate) type Committed = Vec<(oneshot::Sender<Result<Receipt>>, Result<Receipt>)>;

pub(crate) struct LogSync {
    log: PathBuf,
}

impl LogSync {
    /// `database` is the SQLite file; its log is beside it (`…-wal`).
    pub fn new(database: &Path) -> LogSync {
        let mut log = database.as_os_str().to_owned();
        log.push("-wal");
        LogSync { log: PathBuf::from(log) }
    }

    /// Syncs the log, which holds the batch's commit, then answers the batch's callers: each
    /// with what storing its report came to, or, if the log could not be synced, with the
    /// failure (they retry, and the retry finds the report or stores it).
    pub fn acknowledge(&self, batch: Committed) {
        if !batch.iter().any(|(_, outcome)| outcome.is_ok()) {
            // Refusals only (a conflict, say): nothing was written that needs the disk.
            return answer(batch, Ok(()));
        }
        let started = std::time::Instant::now();
        // Opened afresh each time: should SQLite ever replace the file, an old handle would
        // sync the wrong one.
        let synced = std::fs::File::open(&self.log).and_then(|file| file.sync_data()).map_err(|error| {
            tracing::error!(%error, log = %self.log.display(), "could not sync the log: reports not acknowledged");
            error.to_string()
        });
        tracing::debug!(reports = batch.len(), took = ?started.elapsed(), "log synced");
        answer(batch, synced);
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

    /// Sends one stored and one refused report through the sync of `database`'s log.
    async fn answers_for(database: &std::path::Path) -> (Result<Receipt>, Result<Receipt>) {
        let (stored_reply, stored_answer) = oneshot::channel();
        let (refused_reply, refused_answer) = oneshot::channel();
        LogSync::new(database).acknowledge(vec![
            (stored_reply, stored()),
            (refused_reply, Err(StorageError::Conflict("used before".into()))),
        ]);
        (stored_answer.await.unwrap(), refused_answer.await.unwrap())
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

    #[tokio::test]
    async fn refusals_alone_are_answered_without_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let (reply, answer) = oneshot::channel();
        // No log exists: a sync would fail, and must not be tried for a batch that wrote nothing.
        LogSync::new(&dir.path().join("none.db"))
            .acknowledge(vec![(reply, Err(StorageError::Conflict("used before".into())))]);
        assert!(matches!(answer.await.unwrap(), Err(StorageError::Conflict(_))));
    }
}
