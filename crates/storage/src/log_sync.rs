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

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use tokio::sync::oneshot;

use crate::submissions::Receipt;
use crate::{Result, StorageError};

/// A committed batch waiting for the disk: each caller and what storing its report came to.
pub(crate) type Committed = Vec<(oneshot::Sender<Result<Receipt>>, Result<Receipt>)>;

pub(crate) struct LogSync {
    log: PathBuf,
    /// The log as last opened, kept while it is still the file at `log` (see `sync`).
    handle: Option<File>,
}

impl LogSync {
    /// `database` is the SQLite file; its log is beside it (`…-wal`).
    pub fn new(database: &Path) -> LogSync {
        let mut log = database.as_os_str().to_owned();
        log.push("-wal");
        LogSync { log: PathBuf::from(log), handle: None }
    }

    /// Syncs the log file's data. The file opened last time is synced again while it is still
    /// linked: SQLite deletes its log only when the last connection to the database closes
    /// (the writer's own stays open), and starts a new file after; a deleted file's handle
    /// shows no links and is replaced by the new file. (Opening the log for every batch, a
    /// path walk and a close, cost the writer about 4 % of its time.)
    fn sync(&mut self) -> std::io::Result<()> {
        let file = match self.handle.take() {
            Some(file) if file.metadata().is_ok_and(|m| m.nlink() > 0) => file,
            _ => File::open(&self.log)?,
        };
        file.sync_data()?;
        self.handle = Some(file);
        Ok(())
    }

    /// Syncs the log, which holds the batch's commit, then answers the batch's callers: each
    /// with what storing its report came to, or, if the log could not be synced, with the
    /// failure (they retry, and the retry finds the report or stores it).
    pub fn acknowledge(&mut self, batch: Committed) {
        if !batch.iter().any(|(_, outcome)| outcome.is_ok()) {
            // Refusals only (a conflict, say): nothing was written that needs the disk.
            return answer(batch, Ok(()));
        }
        let started = std::time::Instant::now();
        let synced = self.sync().map_err(|error| {
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
    async fn a_log_made_anew_is_the_one_synced() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("x.db");
        let log = dir.path().join("x.db-wal");
        std::fs::write(&log, b"frames").unwrap();
        let mut syncer = LogSync::new(&database);
        syncer.sync().unwrap();
        let first = syncer.handle.as_ref().unwrap().metadata().unwrap().ino();
        syncer.sync().unwrap();
        assert_eq!(syncer.handle.as_ref().unwrap().metadata().unwrap().ino(), first, "the same file, kept open");
        // The last connection closed (SQLite deleted the log) and a new one made another.
        std::fs::remove_file(&log).unwrap();
        std::fs::write(&log, b"new frames").unwrap();
        let now_at_path = std::fs::metadata(&log).unwrap().ino();
        syncer.sync().unwrap();
        assert_eq!(syncer.handle.as_ref().unwrap().metadata().unwrap().ino(), now_at_path);
        // No log at all: the sync fails (the batch is not acknowledged) and nothing is kept.
        std::fs::remove_file(&log).unwrap();
        assert!(syncer.sync().is_err());
        assert!(syncer.handle.is_none());
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
