//! The single writer. Every write is a job sent to one writer that owns the write connection;
//! it takes whatever jobs are waiting, runs them in one transaction (each inside its own
//! savepoint, so one failing job does not undo the others), commits once, and only then
//! answers each caller. One fsync thus acknowledges many writes (group commit), and SQLite's
//! one-writer rule can never surface as "database is locked".
//!
//! On SQLite the writer is a thread of its own, which runs the moment work arrives (as a task
//! it waited its turn behind every connection's task on the runtime's workers, then handed each
//! batch to a blocking thread); alone that made no clear difference to the ingest rate, but it
//! lets the writer wait for work and for derived rows falling due (`submissions/derived.rs`)
//! in one place. On PostgreSQL, whose writes are network round trips, it is a task.

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::AnyPool;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{mpsc, oneshot};

use crate::log_sync::LogSync;
use crate::submissions::derived::PendingCount;
use crate::submissions::on_sqlite::{DerivedWrite, IngestConnection};
use crate::submissions::{NewSubmission, Receipt, Stored, store_batch};
use crate::{Backend, Connection, Result, StorageError};

/// How often an idle writer thread looks whether its store is gone (dropped without close).
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);
/// After derived rows failed to be written, the wait before trying again.
const DERIVED_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_secs(1);
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

/// What the writer is asked to do: run a job, store a report, or write the derived rows of
/// every report stored so far (a reader of coverage or of observers' lists is waiting). Reports
/// waiting together are stored together, the ingest path's hot spot.
pub(crate) enum Job {
    Run(WriteJob),
    /// The caller keeps the report: the writer drops its share before answering.
    Submit(Arc<NewSubmission>, oneshot::Sender<Result<Receipt>>),
    CatchUp(oneshot::Sender<Result<()>>),
    /// The store is closing: finish what is pending, close the connection, answer, stop.
    Stop(oneshot::Sender<()>),
}

#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
    /// The writer's thread (SQLite), woken by a job sent while it waits for jobs.
    thread: Option<(std::thread::Thread, Arc<WaitingForJobs>)>,
    /// SQLite: how many reports' derived rows are still to be written.
    pending: Option<PendingCount>,
}

impl Writer {
    /// Starts the writer, from within the runtime. With an `ingest` connection (SQLite),
    /// reports are stored through it rather than through the pool's connection, on a thread
    /// of its own.
    pub fn start(pool: AnyPool, backend: Backend, ingest: Option<IngestConnection>) -> Writer {
        let (jobs, receiver) = mpsc::channel(QUEUE_DEPTH);
        match ingest {
            Some(connection) => {
                let pending = connection.pending_count();
                let syncer = LogSync::new(connection.database());
                let runtime = tokio::runtime::Handle::current();
                let waiting = Arc::new(WaitingForJobs::default());
                let jobs_come = JobsCome { receiver, waiting: waiting.clone() };
                let spawned = std::thread::Builder::new()
                    .name("writer".into())
                    .spawn(move || run_writer_thread(&pool, &runtime, connection, syncer, jobs_come));
                let thread = spawned
                    // The receiver is gone with the closure: every write answers WriterStopped.
                    .inspect_err(|error| tracing::error!(%error, "the writer thread could not start"))
                    .ok()
                    .map(|handle| (handle.thread().clone(), waiting));
                Writer { jobs, thread, pending: Some(pending) }
            }
            None => {
                tokio::spawn(run_writer_task(pool, backend, receiver));
                Writer { jobs, thread: None, pending: None }
            }
        }
    }

    async fn send(&self, job: Job) -> Result<()> {
        self.jobs.send(job).await.map_err(|_| StorageError::WriterStopped)?;
        if let Some((thread, waiting)) = &self.thread
            && waiting.woken()
        {
            thread.unpark();
        }
        Ok(())
    }

    /// Finishes what was sent before, writes the pending derived rows and stops; every write
    /// after it answers WriterStopped.
    pub async fn stop(&self) {
        let (reply, answer) = oneshot::channel();
        if self.send(Job::Stop(reply)).await.is_ok() {
            let _ = answer.await;
        }
    }

    /// Returns once every report stored so far has its coverage count and list entry
    /// written; at once when none is pending.
    pub async fn caught_up(&self) -> Result<()> {
        if self.pending.as_ref().is_none_or(PendingCount::none) {
            return Ok(());
        }
        let (reply, answer) = oneshot::channel();
        self.send(Job::CatchUp(reply)).await?;
        answer.await.map_err(|_| StorageError::WriterStopped)?
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
        self.send(Job::Run(job)).await?;
        answer.await.map_err(|_| StorageError::WriterStopped)?
    }

    /// Stores a report; answers once it is committed (or refused).
    pub async fn submit(&self, new: NewSubmission) -> Result<Stored> {
        let new = Arc::new(new);
        let (reply, answer) = oneshot::channel();
        self.send(Job::Submit(new.clone(), reply)).await?;
        Ok(answer.await.map_err(|_| StorageError::WriterStopped)??.stored(new))
    }
}

type Reports = Vec<(Arc<NewSubmission>, oneshot::Sender<Result<Receipt>>)>;

/// Jobs taken together: writes to run, reports to store, readers waiting for derived rows,
/// and whether to stop after them.
#[derive(Default)]
struct Batch {
    runs: Vec<WriteJob>,
    reports: Reports,
    catch_ups: Vec<oneshot::Sender<Result<()>>>,
    stop: Option<oneshot::Sender<()>>,
}

impl Batch {
    fn take(&mut self, job: Job) {
        match job {
            Job::Run(job) => self.runs.push(job),
            Job::Submit(new, reply) => self.reports.push((new, reply)),
            Job::CatchUp(reply) => self.catch_ups.push(reply),
            Job::Stop(reply) => self.stop = Some(reply),
        }
    }
}

/// Takes `first` and every job waiting behind it, up to `MAX_BATCH` or a stop; `None`
/// without a first. (Jobs sent after a stop are dropped with the channel: WriterStopped.)
fn next_batch(first: Option<Job>, receiver: &mut mpsc::Receiver<Job>) -> Option<Batch> {
    let mut batch = Batch::default();
    let first = first?;
    if matches!(first, Job::Submit(..)) {
        // Sized once for what waits: grown report by report, it was reallocated a few times
        // a batch (~2 % of the writer's time).
        batch.reports.reserve(1 + receiver.len().min(MAX_BATCH - 1));
    }
    batch.take(first);
    for _ in 1..MAX_BATCH {
        if batch.stop.is_some() {
            break;
        }
        match receiver.try_recv() {
            Ok(job) => batch.take(job),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// Readers waiting for derived rows: each for those of the reports stored before it asked
/// (up to the id it holds), not of reports stored while it waits, which under load never end.
type Readers = Vec<(i64, oneshot::Sender<Result<()>>)>;

/// The next job, parking the thread until one comes (each send unparks it); meanwhile,
/// writes derived rows that fall due, or that readers wait for. `None` once every `Writer`
/// is gone.
fn next_job(jobs: &mut JobsCome, connection: &mut IngestConnection, readers: &mut Readers) -> Option<Job> {
    loop {
        match jobs.receiver.try_recv() {
            Ok(job) => return Some(job),
            Err(mpsc::error::TryRecvError::Disconnected) => return None,
            Err(mpsc::error::TryRecvError::Empty) if !readers.is_empty() => write_for_readers(connection, readers),
            Err(mpsc::error::TryRecvError::Empty) => match connection.derived_due_in() {
                // The timeout notices every `Writer` dropped without close.
                None => jobs.wait(IDLE_CHECK),
                Some(wait) if !wait.is_zero() => jobs.wait(wait),
                Some(_) => {
                    // A failure is logged; the rows stay pending and are tried again after a
                    // pause (at once if a job comes), not in a tight loop against a full disk.
                    if connection.write_derived(DerivedWrite::IfDue).is_err() {
                        jobs.wait(DERIVED_RETRY_PAUSE);
                    }
                }
            },
        }
    }
}

/// Set while the writer thread waits for jobs. A send wakes the thread only then: woken
/// while it stores or syncs, it would only find the job later anyway, and under load every
/// report paid a futex call and a context switch for that (3 % of the server's time).
#[derive(Default)]
pub(crate) struct WaitingForJobs(AtomicBool);

impl WaitingForJobs {
    /// Called by a sender after its job is queued: whether the thread must be woken.
    fn woken(&self) -> bool {
        // A full fence on both sides (here, and the writer's after it sets the flag and
        // before it looks at the queue): either the sender sees the flag, or the writer sees
        // the job.
        std::sync::atomic::fence(Ordering::SeqCst);
        self.0.load(Ordering::SeqCst) && self.0.swap(false, Ordering::SeqCst)
    }
}

/// The writer thread's end of the queue.
pub(crate) struct JobsCome {
    receiver: mpsc::Receiver<Job>,
    waiting: Arc<WaitingForJobs>,
}

impl JobsCome {
    /// Parks until a job is sent, or for `longest`.
    fn wait(&mut self, longest: std::time::Duration) {
        self.waiting.0.store(true, Ordering::SeqCst);
        std::sync::atomic::fence(Ordering::SeqCst);
        if self.receiver.is_empty() {
            std::thread::park_timeout(longest);
        }
        self.waiting.0.store(false, Ordering::SeqCst);
    }
}

/// Answers the readers whose reports' derived rows are written; then, if some still wait,
/// writes one chunk and answers again (all of them, should the write fail). Reports are stored
/// between chunks: a reader waits for the rows, the reports do not wait for the reader.
fn write_for_readers(connection: &mut IngestConnection, readers: &mut Readers) {
    let answer_covered = |connection: &IngestConnection, readers: &mut Readers| {
        let (covered, waiting) = readers.drain(..).partition(|(upto, _)| connection.derived_through(*upto));
        *readers = waiting;
        for (_, reply) in covered {
            let _ = reply.send(Ok(()));
        }
    };
    answer_covered(connection, readers);
    if readers.is_empty() {
        return;
    }
    if let Err(error) = connection.write_derived(DerivedWrite::OneChunk) {
        for (_, reply) in readers.drain(..) {
            let _ = reply.send(Err(StorageError::CommitFailed(error.to_string())));
        }
        return;
    }
    answer_covered(connection, readers);
}

/// Each reader with the id it waits for; a reader is answered with the error if the database
/// cannot be read.
fn register_readers(
    connection: &mut IngestConnection,
    readers: &mut Readers,
    asking: Vec<oneshot::Sender<Result<()>>>,
) {
    if asking.is_empty() {
        return;
    }
    match connection.last_stored() {
        Ok(upto) => readers.extend(asking.into_iter().map(|reply| (upto, reply))),
        Err(error) => {
            for reply in asking {
                let _ = reply.send(Err(StorageError::CommitFailed(error.to_string())));
            }
        }
    }
}

/// SQLite: write jobs on the pool's connection (driven on the runtime from this thread),
/// reports on the ingest connection; one after the other, never together, since SQLite has
/// one write lock. Derived rows are written when due, or a chunk after each batch while
/// readers wait for them.
fn run_writer_thread(
    pool: &AnyPool,
    runtime: &tokio::runtime::Handle,
    mut connection: IngestConnection,
    mut syncer: LogSync,
    mut jobs: JobsCome,
) {
    // Rows a previous run left pending (it crashed) are written before anything else.
    let _ = connection.write_derived(DerivedWrite::All);
    let mut readers = Readers::new();
    loop {
        let Some(first) = next_job(&mut jobs, &mut connection, &mut readers) else { break };
        let Some(batch) = next_batch(Some(first), &mut jobs.receiver) else { break };
        // A panic (a bug) costs the batch's callers their answer (WriterStopped; devices retry)
        // and the connection, never the writer: later writes still work.
        let ran = std::panic::catch_unwind(AssertUnwindSafe(|| {
            run(pool, runtime, &mut connection, &mut syncer, batch, &mut readers)
        }));
        match ran {
            Ok(None) => {}
            Ok(Some(stopped)) => {
                // Closing the connection lets SQLite remove the log once the last one closes.
                drop(connection);
                let _ = stopped.send(());
                return;
            }
            Err(_panic) => {
                tracing::error!("the writer panicked; its batch went unanswered and the connection is reopened");
                readers.clear();
                connection = connection.reopened();
            }
        }
    }
    let _ = connection.write_derived(DerivedWrite::All);
    drop(connection);
}

/// Runs one batch on the writer thread; returns the stop's answer if the batch asked to stop.
fn run(
    pool: &AnyPool,
    runtime: &tokio::runtime::Handle,
    connection: &mut IngestConnection,
    syncer: &mut LogSync,
    batch: Batch,
    readers: &mut Readers,
) -> Option<oneshot::Sender<()>> {
    if !batch.runs.is_empty() {
        // IMMEDIATE takes the write lock up front: a deferred transaction that reads first
        // could not wait for it when another process (a CLI import) holds it.
        runtime.block_on(run_batch(pool, "BEGIN IMMEDIATE", batch.runs, Vec::new()));
    }
    if !batch.reports.is_empty() {
        store_on_own_connection(connection, batch.reports, syncer);
    }
    register_readers(connection, readers, batch.catch_ups);
    if batch.stop.is_some() {
        let written = connection.write_derived(DerivedWrite::All).map_err(|error| error.to_string());
        for (_, reply) in readers.drain(..) {
            let _ = reply.send(written.clone().map_err(StorageError::CommitFailed));
        }
    } else if !readers.is_empty() {
        write_for_readers(connection, readers);
    } else {
        // A failure is logged and the rows stay pending; the next batch tries again.
        let _ = connection.write_derived(DerivedWrite::IfDue);
    }
    batch.stop
}

/// PostgreSQL: jobs and reports together in one transaction; derived rows are written with
/// the reports, so a reader never waits.
async fn run_writer_task(pool: AnyPool, backend: Backend, mut receiver: mpsc::Receiver<Job>) {
    let begin = match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        // Two servers may share a PostgreSQL database, and each batch reads the chain's end
        // and appends to it: one at a time, from before the first report's id is drawn, so
        // that ids and places in the chain run in one order (reads alone would let both
        // take the same place). Released with the transaction.
        Backend::Postgres => "BEGIN; SELECT pg_advisory_xact_lock(8031998744561)",
    };
    while let Some(batch) = next_batch(receiver.recv().await, &mut receiver) {
        run_batch(&pool, begin, batch.runs, batch.reports).await;
        for reply in batch.catch_ups {
            let _ = reply.send(Ok(()));
        }
        if let Some(stopped) = batch.stop {
            let _ = stopped.send(());
            return;
        }
    }
}

/// Stores reports on the ingest connection, syncs the log and only then answers the callers
/// (`log_sync`). Should storing panic, the batch's callers hear
/// WriterStopped (nothing of it was committed) and the next batch gets a fresh connection.
fn store_on_own_connection(connection: &mut IngestConnection, reports: Reports, syncer: &mut LogSync) {
    let (news, replies): (Vec<_>, Vec<_>) = reports.into_iter().unzip();
    let stored = std::panic::catch_unwind(AssertUnwindSafe(|| connection.store(&news)));
    // The callers hold the other share of each report: they free it, on their own thread.
    drop(news);
    match stored {
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
        // On PostgreSQL the BEGIN may have run and the chain's lock failed (a lock or statement
        // timeout): the connection must not go back to the pool inside an aborted transaction.
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *connection).await;
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
            (Ok(stored), Ok(())) => Ok(Receipt::Stored(Box::new(stored))),
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
    reports: &[(Arc<NewSubmission>, oneshot::Sender<Result<Receipt>>)],
) -> Vec<Result<Stored>> {
    if reports.is_empty() {
        return Vec::new();
    }
    let news: Vec<&NewSubmission> = reports.iter().map(|(new, _)| &**new).collect();
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
