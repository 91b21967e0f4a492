//! The single writer. Every write is a job sent to one task that owns the write connection;
//! the task takes whatever jobs are waiting, runs them in one transaction (each inside its own
//! savepoint, so one failing job does not undo the others), commits once, and only then
//! answers each caller. One fsync thus acknowledges many writes (group commit), and SQLite's
//! one-writer rule can never surface as "database is locked".

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::AnyPool;
use std::panic::AssertUnwindSafe;
use tokio::sync::{mpsc, oneshot};

use crate::{Backend, Connection, Result, StorageError};

/// How many jobs one transaction may hold; bounds the latency a large batch adds.
const MAX_BATCH: usize = 512;
/// Jobs waiting beyond this make callers wait to enqueue (back-pressure, not failure).
const QUEUE_DEPTH: usize = 8_192;

/// A write: given the writer's connection, inside an open transaction.
pub type WriteJob = Box<dyn for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, Completion> + Send>;

/// What a job leaves for the writer once it has run.
pub enum Completion {
    /// Ran; the closure answers the caller once the commit's outcome is known.
    Ran(Box<dyn FnOnce(std::result::Result<(), String>) + Send>),
    /// Failed, or was a rehearsal: its savepoint is rolled back, then the closure answers.
    Failed(Box<dyn FnOnce() + Send>),
}

#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<WriteJob>,
}

impl Writer {
    pub fn start(pool: AnyPool, backend: Backend) -> Writer {
        let (jobs, receiver) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(run_writer(pool, backend, receiver));
        Writer { jobs }
    }

    /// Runs `work` in the writer's transaction and returns its result once committed.
    /// With `keep` false the work is rolled back after it ran: a rehearsal (dry run) that
    /// meets every constraint the real write would.
    pub async fn write<T, F>(&self, work: F, keep: bool) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T>>();
        let job: WriteJob = Box::new(move |connection| {
            Box::pin(async move {
                match work(connection).await {
                    Ok(value) if !keep => Completion::Failed(Box::new(move || {
                        let _ = reply.send(Ok(value));
                    })),
                    Ok(value) => Completion::Ran(Box::new(move |commit| {
                        let _ = reply.send(commit.map(|()| value).map_err(StorageError::CommitFailed));
                    })),
                    Err(error) => Completion::Failed(Box::new(move || {
                        let _ = reply.send(Err(error));
                    })),
                }
            })
        });
        self.jobs.send(job).await.map_err(|_| StorageError::WriterStopped)?;
        answer.await.map_err(|_| StorageError::WriterStopped)?
    }
}

async fn run_writer(pool: AnyPool, backend: Backend, mut receiver: mpsc::Receiver<WriteJob>) {
    let begin = match backend {
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
        // could not wait for it when another process (a CLI import) holds it.
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = receiver.recv().await {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&pool, begin, &mut batch).await;
    }
}

async fn run_batch(pool: &AnyPool, begin: &'static str, batch: &mut Vec<WriteJob>) {
    let mut connection = match pool.acquire().await {
        Ok(connection) => connection,
        Err(error) => {
            tracing::error!(%error, "writer could not get a connection");
            batch.clear(); // dropping the jobs answers their callers with WriterStopped
            return;
        }
    };
    if let Err(error) = sqlx::raw_sql(begin).execute(&mut *connection).await {
        tracing::error!(%error, "writer could not begin a transaction");
        batch.clear();
        return;
    }
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        if sqlx::raw_sql("SAVEPOINT job").execute(&mut *connection).await.is_err() {
            continue;
        }
        let outcome = AssertUnwindSafe(job(&mut connection)).catch_unwind().await;
        match outcome {
            Ok(Completion::Ran(answer)) => {
                let _ = sqlx::raw_sql("RELEASE SAVEPOINT job").execute(&mut *connection).await;
                answers.push(answer);
            }
            Ok(Completion::Failed(answer)) => {
                undo_savepoint(&mut connection).await;
                answer();
            }
            Err(_panic) => {
                tracing::error!("a write job panicked; its changes were rolled back");
                undo_savepoint(&mut connection).await;
            }
        }
    }
    let commit = match sqlx::raw_sql("COMMIT").execute(&mut *connection).await {
        Ok(_) => Ok(()),
        Err(error) => {
            tracing::error!(%error, "commit failed");
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *connection).await;
            Err(error.to_string())
        }
    };
    for answer in answers {
        answer(commit.clone());
    }
}

async fn undo_savepoint(connection: &mut Connection) {
    let _ = sqlx::raw_sql("ROLLBACK TO SAVEPOINT job").execute(&mut *connection).await;
    let _ = sqlx::raw_sql("RELEASE SAVEPOINT job").execute(&mut *connection).await;
}
