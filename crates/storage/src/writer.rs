//! The single writer. Every write is a job sent to one writer that owns the write connection;
//! it takes whatever jobs are waiting, runs them in one transaction (each inside its own
//! savepoint, so one failing job does not undo the others), commits once, and only then
//! answers each caller. One fsync thus acknowledges many writes (group commit), and SQLite's
//! one-writer rule can never surface as "database is locked".
//!
//! On SQLite the writer is a thread of its own, which runs the moment work arrives: as a task
//! it waited its turn behind every connection's task on the runtime's two workers, then handed
//! each batch to a blocking thread and waited to be woken again (measured: ingest +25 %).
//! On PostgreSQL, whose writes are network round trips, it is a task.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::AnyPool;
use std::panic::AssertUnwindSafe;
use tokio::sync::{mpsc, oneshot};

use crate::log_sync::LogSyncer;
use crate::submissions::on_sqlite::IngestConnection;
use crate::submissions::{NewSubmission, Stored, store_batch};
use crate::{Backend, Connection, Result, StorageError};

/// How many jobs one transaction may hold; bounds the latency a large batch adds.
const MAX_BATCH: usize = 512;
/// Jobs waiting beyond this make callers wait to enqueue (back-pressure, not failure).
const QUEUE_DEPTH: usize = 8_192;

/// A write: given the writer's connection, inside an open transaction.
pub type WriteJob = Box<dyn for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, Completion> + Send>;

/// Answers a job's caller once the commit's outcome is known.
pub type Answer = Box<dyn FnOnce(std::result::Result<(), String>) + Send>;

/// What a job leaves for the writer once it has run.
pub enum Completion {
    /// Ran; the closure answers the caller once the commit's outcome is known.
    Ran(Answer),
    /// Failed, or was a rehearsal: its savepoint is rolled back, then the closure answers.
    Failed(Box<dyn FnOnce() + Send>),
}

/// What the writer is asked to do: run a job, or store a report. Reports waiting together
/// are stored together with a few multi-row statements, the ingest path's hot spot.
pub(crate) enum Job {
    Run(WriteJob),
    Submit(Box<NewSubmission>, oneshot::Sender<Result<Stored>>),
}

#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer, from within the runtime. With an `ingest` connection (SQLite),
    /// reports are stored through it rather than through the pool's connection, on a thread
    /// of its own.
    pub fn start(pool: AnyPool, backend: Backend, ingest: Option<IngestConnection>) -> Writer {
        let (jobs, receiver) = mpsc::channel(QUEUE_DEPTH);
        match ingest {
            Some(connection) => {
                let syncer = LogSyncer::start(connection.database());
                let runtime = tokio::runtime::Handle::current();
                let spawned = std::thread::Builder::new()
                    .name("writer".into())
                    .spawn(move || run_writer_thread(&pool, &runtime, connection, &syncer, receiver));
                if let Err(error) = spawned {
                    // The receiver is gone with the closure: every write answers WriterStopped.
                    tracing::error!(%error, "the writer thread could not start");
                }
            }
            None => {
                tokio::spawn(run_writer_task(pool, backend, receiver));
            }
        }
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
        self.jobs.send(Job::Run(job)).await.map_err(|_| StorageError::WriterStopped)?;
        answer.await.map_err(|_| StorageError::WriterStopped)?
    }

    /// Stores a report; answers once it is committed (or refused).
    pub async fn submit(&self, new: NewSubmission) -> Result<Stored> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send(Job::Submit(Box::new(new), reply)).await.map_err(|_| StorageError::WriterStopped)?;
        answer.await.map_err(|_| StorageError::WriterStopped)?
    }
}

type Reports = Vec<(NewSubmission, oneshot::Sender<Result<Stored>>)>;

/// Takes the first job waiting (blocking until there is one) and every job behind it, up to
/// `MAX_BATCH`; `None` once every `Writer` is gone.
fn next_batch(first: Option<Job>, receiver: &mut mpsc::Receiver<Job>) -> Option<(Vec<WriteJob>, Reports)> {
    let mut runs = Vec::new();
    let mut reports = Vec::new();
    let mut take = |job| match job {
        Job::Run(job) => runs.push(job),
        Job::Submit(new, reply) => reports.push((*new, reply)),
    };
    take(first?);
    for _ in 1..MAX_BATCH {
        match receiver.try_recv() {
            Ok(job) => take(job),
            Err(_) => break,
        }
    }
    Some((runs, reports))
}

/// SQLite: write jobs on the pool's connection (driven on the runtime from this thread),
/// reports on the ingest connection; one after the other, never together, since SQLite has
/// one write lock.
fn run_writer_thread(
    pool: &AnyPool,
    runtime: &tokio::runtime::Handle,
    mut connection: IngestConnection,
    syncer: &LogSyncer,
    mut receiver: mpsc::Receiver<Job>,
) {
    while let Some((runs, reports)) = next_batch(receiver.blocking_recv(), &mut receiver) {
        if !runs.is_empty() {
            // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
            // could not wait for it when another process (a CLI import) holds it.
            runtime.block_on(run_batch(pool, "BEGIN IMMEDIATE", runs, Vec::new()));
        }
        if !reports.is_empty() {
            store_on_own_connection(&mut connection, reports, syncer);
        }
    }
}

/// PostgreSQL: jobs and reports together in one transaction.
async fn run_writer_task(pool: AnyPool, backend: Backend, mut receiver: mpsc::Receiver<Job>) {
    let begin = match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    while let Some((runs, reports)) = next_batch(receiver.recv().await, &mut receiver) {
        run_batch(&pool, begin, runs, reports).await;
    }
}

/// Stores reports on the ingest connection and hands the callers to the syncer, which answers
/// them once the commit is on disk. Should storing panic, the batch's callers hear
/// WriterStopped (nothing of it was committed) and the next batch gets a fresh connection.
fn store_on_own_connection(connection: &mut IngestConnection, reports: Reports, syncer: &LogSyncer) {
    let (news, replies): (Vec<_>, Vec<_>) = reports.into_iter().unzip();
    match std::panic::catch_unwind(AssertUnwindSafe(|| connection.store(&news))) {
        Ok(outcomes) => syncer.acknowledge(replies.into_iter().zip(outcomes).collect()),
        Err(_panic) => {
            tracing::error!("storing a batch of reports panicked");
            *connection = connection.reopened();
        }
    }
}

async fn run_batch(pool: &AnyPool, begin: &'static str, runs: Vec<WriteJob>, reports: Reports) {
    let mut connection = match pool.acquire().await {
        Ok(connection) => connection,
        Err(error) => {
            // Dropping the jobs answers their callers with WriterStopped.
            tracing::error!(%error, "writer could not get a connection");
            return;
        }
    };
    if let Err(error) = sqlx::raw_sql(begin).execute(&mut *connection).await {
        tracing::error!(%error, "writer could not begin a transaction");
        return;
    }
    let started = std::time::Instant::now();
    let mut answers = Vec::with_capacity(runs.len());
    for job in runs {
        run_job(&mut connection, job, &mut answers).await;
    }
    let stored = store_reports(&mut connection, &reports).await;
    let stored_in = started.elapsed();
    let commit = match sqlx::raw_sql("COMMIT").execute(&mut *connection).await {
        Ok(_) => Ok(()),
        Err(error) => {
            tracing::error!(%error, "commit failed");
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *connection).await;
            Err(error.to_string())
        }
    };
    tracing::debug!(reports = reports.len(), jobs = answers.len(), ?stored_in, with_commit = ?started.elapsed(), "batch committed");
    for answer in answers {
        answer(commit.clone());
    }
    for ((_, reply), outcome) in reports.into_iter().zip(stored) {
        let outcome = match (outcome, &commit) {
            (Ok(stored), Ok(())) => Ok(stored),
            (Ok(_), Err(error)) => Err(StorageError::CommitFailed(error.clone())),
            (Err(refused), _) => Err(refused),
        };
        let _ = reply.send(outcome);
    }
}

async fn run_job(connection: &mut Connection, job: WriteJob, answers: &mut Vec<Answer>) {
    if sqlx::raw_sql("SAVEPOINT job").execute(&mut *connection).await.is_err() {
        return;
    }
    let outcome = AssertUnwindSafe(job(connection)).catch_unwind().await;
    match outcome {
        Ok(Completion::Ran(answer)) => {
            let _ = sqlx::raw_sql("RELEASE SAVEPOINT job").execute(&mut *connection).await;
            answers.push(answer);
        }
        Ok(Completion::Failed(answer)) => {
            undo_savepoint(connection).await;
            answer();
        }
        Err(_panic) => {
            tracing::error!("a write job panicked; its changes were rolled back");
            undo_savepoint(connection).await;
        }
    }
}

/// All waiting reports together; if that fails, each on its own, so that one bad report
/// cannot cost the others their place.
async fn store_reports(
    connection: &mut Connection,
    reports: &[(NewSubmission, oneshot::Sender<Result<Stored>>)],
) -> Vec<Result<Stored>> {
    if reports.is_empty() {
        return Vec::new();
    }
    let news: Vec<NewSubmission> = reports.iter().map(|(new, _)| new.clone()).collect();
    if sqlx::raw_sql("SAVEPOINT job").execute(&mut *connection).await.is_ok() {
        match store_batch(connection, &news).await {
            Ok(outcomes) => {
                let _ = sqlx::raw_sql("RELEASE SAVEPOINT job").execute(&mut *connection).await;
                return outcomes;
            }
            Err(error) => {
                tracing::warn!(%error, "a batch of reports failed; storing them one by one");
                undo_savepoint(connection).await;
            }
        }
    }
    let mut outcomes = Vec::with_capacity(news.len());
    for new in &news {
        if sqlx::raw_sql("SAVEPOINT job").execute(&mut *connection).await.is_err() {
            outcomes.push(Err(StorageError::WriterStopped));
            continue;
        }
        match store_batch(connection, std::slice::from_ref(new)).await {
            Ok(mut one) => {
                let _ = sqlx::raw_sql("RELEASE SAVEPOINT job").execute(&mut *connection).await;
                outcomes.push(one.pop().unwrap_or(Err(StorageError::NotFound)));
            }
            Err(error) => {
                undo_savepoint(connection).await;
                outcomes.push(Err(error));
            }
        }
    }
    outcomes
}

async fn undo_savepoint(connection: &mut Connection) {
    let _ = sqlx::raw_sql("ROLLBACK TO SAVEPOINT job").execute(&mut *connection).await;
    let _ = sqlx::raw_sql("RELEASE SAVEPOINT job").execute(&mut *connection).await;
}
