//! Folding SQLite's write-ahead log back into the database file, on a thread of its own.
//!
//! Left to SQLite, the connection whose commit takes the log past 1,000 pages copies the log
//! into the file and fsyncs it inside that commit, so the observers whose reports are in that
//! batch wait for the copy. Here every connection has automatic checkpoints turned off and
//! this thread runs passive checkpoints, which never block the writer: the writer keeps
//! appending while pages are copied. SQLite starts the log over only when a write begins
//! with every frame already copied, which a writer that never pauses never sees; so once the
//! log passes `RESTART_AT`, this thread checkpoints without pausing, each pass shorter than
//! the last, until one has had fewer than `CAUGHT_UP` new frames to copy; then the writer
//! copies those last few itself before its next batch, and the log restarts there. (The
//! writer's copy is a stall for every report waiting: 10-60 ms when it followed a paused
//! checkpointer, a few ms once caught up.)

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

// Thresholds in log frames, one page each: 4 KiB in databases made since pages grew from
// 1 KiB (older ones keep their page size, and reach these four times sooner).

/// Log frames (pages) beyond which the next checkpoint starts without a pause (4 MB).
const BUSY_LOG: i64 = 1_024;
/// The pause between checkpoints while the log is small.
const IDLE_PAUSE: Duration = Duration::from_millis(250);
/// The pause between checkpoints while the writer is busy.
const BUSY_PAUSE: Duration = Duration::from_millis(20);
/// Log frames beyond which the writer restarts the log (64 MB).
const RESTART_AT: i64 = 16_384;
/// A pass with fewer new frames than this means the checkpointer has caught up.
const CAUGHT_UP: i64 = 128;
/// After a restart, the log file is cut back to this size.
const LOG_SIZE_LIMIT: &str = "PRAGMA journal_size_limit = 67108864;";

/// Stops its thread when the store closes.
#[derive(Clone)]
pub(crate) struct Checkpointer {
    stop: Arc<AtomicBool>,
    restart: RestartSignal,
    thread: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

/// Set by the checkpointer when the writer should restart the log, shared with the writer.
#[derive(Clone, Default)]
pub(crate) struct RestartSignal(Arc<AtomicBool>);

impl RestartSignal {
    fn restart_now(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// True (once per signal) when the writer should restart the log.
    pub fn restart_due(&self) -> bool {
        self.0.load(Ordering::Relaxed) && self.0.swap(false, Ordering::Relaxed)
    }
}

/// Copies what is left of the log on the writer's own connection, between two batches, so
/// that its next write starts the log over.
pub(crate) fn restart_log(connection: &rusqlite::Connection) {
    let started = std::time::Instant::now();
    let done = checkpoint(connection);
    tracing::debug!(took = ?started.elapsed(), "log restarted");
    if let Err(error) = done {
        tracing::warn!(%error, "the writer could not catch the checkpoint up");
    }
}

impl Checkpointer {
    pub fn start(path: PathBuf) -> Checkpointer {
        let stop = Arc::new(AtomicBool::new(false));
        let restart = RestartSignal::default();
        let (stopped, signal) = (stop.clone(), restart.clone());
        let spawned =
            std::thread::Builder::new().name("wal-checkpoint".into()).spawn(move || run(&path, &stopped, &signal));
        let thread = spawned
            .inspect_err(|error| {
                tracing::error!(%error, "the checkpoint thread could not start; the log will grow until restart")
            })
            .ok();
        Checkpointer { stop, restart, thread: Arc::new(std::sync::Mutex::new(thread)) }
    }

    pub fn restart_signal(&self) -> RestartSignal {
        self.restart.clone()
    }

    /// Folds the whole log into the database file and stops the thread; returns once done,
    /// so that the file alone holds everything (a copied file is a complete database).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

fn run(path: &std::path::Path, stop: &AtomicBool, restart: &RestartSignal) {
    let mut connection = None;
    let mut copied_before = 0;
    while !stop.load(Ordering::Relaxed) {
        if connection.is_none() {
            connection =
                open(path).inspect_err(|error| tracing::warn!(%error, "checkpoint connection could not open")).ok();
        }
        let pause = match connection.as_ref().map(checkpoint) {
            // Another checkpoint (the writer's) was running: nothing was counted.
            Some(Ok((log_frames, _))) if log_frames < 0 => BUSY_PAUSE,
            Some(Ok((log_frames, copied))) => {
                // After a restart the count starts again from zero.
                let fresh = if copied >= copied_before { copied - copied_before } else { copied };
                copied_before = copied;
                if log_frames > RESTART_AT {
                    if fresh < CAUGHT_UP {
                        restart.restart_now();
                    }
                    Duration::ZERO
                } else if log_frames > BUSY_LOG {
                    BUSY_PAUSE
                } else {
                    IDLE_PAUSE
                }
            }
            Some(Err(error)) => {
                tracing::warn!(%error, "checkpoint failed; retrying");
                connection = None;
                IDLE_PAUSE
            }
            None => IDLE_PAUSE,
        };
        std::thread::park_timeout(pause);
    }
    let folded =
        connection.as_ref().map(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get::<_, i64>(0)));
    if let Some(Err(error)) = folded {
        tracing::warn!(%error, "the log could not be folded into the database file at close");
    }
}

fn open(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    let connection = rusqlite::Connection::open(path)?;
    connection.execute_batch(crate::store::SQLITE_PRAGMAS)?;
    connection.execute_batch(LOG_SIZE_LIMIT)?;
    Ok(connection)
}

/// Copies what it can without waiting for anyone; returns the log's length in frames and
/// how many of them are in the database file now.
fn checkpoint(connection: &rusqlite::Connection) -> rusqlite::Result<(i64, i64)> {
    let started = std::time::Instant::now();
    let (log_frames, copied): (i64, i64) =
        connection.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| Ok((row.get(1)?, row.get(2)?)))?;
    tracing::debug!(log_frames, copied, took = ?started.elapsed(), "checkpoint");
    Ok((log_frames, copied))
}
