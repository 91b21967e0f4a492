//! Opening the database: which backend, pools, pragmas and migrations.

use futures_util::future::BoxFuture;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor};
use std::borrow::Cow;
use std::path::PathBuf;
use std::time::Duration;

use crate::checkpointer::Checkpointer;
use crate::submissions::derived::PendingCount;
use crate::submissions::on_sqlite::IngestConnection;
use crate::writer::Writer;
use crate::{Connection, Result, StorageError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: a pool for reads and the one writer for writes.
#[derive(Clone)]
pub struct Store {
    reads: AnyPool,
    /// Kept only to close it; the writer task owns its use.
    writes: AnyPool,
    writer: Writer,
    backend: Backend,
    /// SQLite only: folds the write-ahead log into the file off the writer's path.
    checkpointer: Option<Checkpointer>,
}

/// Applied on every SQLite connection. WAL lets readers work while the writer writes;
/// synchronous=FULL makes each commit durable before it returns (the acknowledgement rule);
/// 4 KiB pages for new databases: most of what a report writes is appended (the report and
/// its chain entry), and with 1 KiB pages every commit wrote the same partly
/// filled tail pages as several frames, each two system calls (measured: 9.4 -> 5.3 writes
/// per report, ingest +10 %);
/// temp_store=MEMORY keeps savepoint journals off the disk; a 64 MB page cache holds an
/// election day's hot index pages; checkpoints are the checkpointer's job, not a commit's.
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY; \
     PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 0;";

/// The migrations, one list for both backends: each file exists once per dialect, under
/// `migrations/sqlite/` and `migrations/postgres/`, with the same name.
macro_rules! migrations {
    ($backend:literal: $(($version:literal, $description:literal, $file:literal)),* $(,)?) => {
        &[$(($version, $description, include_str!(concat!("../migrations/", $backend, "/", $file)))),*]
    };
}

macro_rules! both_backends {
    ($($migration:tt),* $(,)?) => {
        const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = migrations!("sqlite": $($migration),*);
        const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = migrations!("postgres": $($migration),*);
    };
}

both_backends![
    (1, "foundation", "0001_foundation.sql"),
    (2, "reporting", "0002_reporting.sql"),
    (3, "photos", "0003_photos.sql"),
    (4, "sms", "0004_sms.sql"),
    (5, "sms claims", "0005_sms_claims.sql"),
    (6, "lean report indexes", "0006_lean_report_indexes.sql"),
    (7, "derived upto", "0007_derived_upto.sql"),
    (8, "photo uses", "0008_photo_uses.sql"),
    (9, "derived cycles", "0009_derived_cycles.sql"),
    (10, "audit entity index without reports", "0010_audit_entity_index_without_reports.sql"),
    (11, "chain in report rows", "0011_chain_in_report_rows.sql"),
    (12, "chain seq unique", "0012_chain_seq_unique.sql"),
    (13, "audit time index without reports", "0013_audit_time_index_without_reports.sql"),
    (14, "reports listed from their rows", "0014_reports_listed_from_their_rows.sql"),
    (15, "leaner report rows", "0015_leaner_report_rows.sql"),
    (16, "chain commits to device time", "0016_chain_commits_to_device_time.sql"),
];

impl Store {
    /// Opens (creating if needed) the database at `location`: a file path, `sqlite://PATH`,
    /// or a `postgres://` URL; applies pending migrations.
    pub async fn open(location: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = resolve(location)?;
        let (read_connections, timeout) = match backend {
            Backend::Sqlite => (4, Duration::from_secs(10)),
            Backend::Postgres => (8, Duration::from_secs(10)),
        };
        let read_only = backend == Backend::Sqlite;
        let reads = pool_options(backend, read_only)
            .max_connections(read_connections)
            .acquire_timeout(timeout)
            .connect(&url)
            .await?;
        let writes = pool_options(backend, false).max_connections(1).acquire_timeout(timeout).connect(&url).await?;
        migrator(backend).run(&writes).await?;
        let path = sqlite_path(&url);
        let checkpointer = path.clone().map(Checkpointer::start);
        let ingest = path
            .zip(checkpointer.as_ref())
            .map(|(path, c)| IngestConnection::new(path, c.restart_signal(), PendingCount::new()));
        let writer = Writer::start(writes.clone(), backend, ingest);
        Ok(Store { reads, writer, writes, backend, checkpointer })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads. On SQLite its connections are read-only.
    pub fn reads(&self) -> &AnyPool {
        &self.reads
    }

    /// The pool for reads, once every report stored so far has its coverage count and its
    /// place in its observer's list (on SQLite these are written behind the reports): for
    /// reading those tables.
    /// Costs nothing when none are pending.
    pub async fn reads_caught_up(&self) -> Result<&AnyPool> {
        self.writer.caught_up().await?;
        Ok(&self.reads)
    }

    /// Runs `work` as one job of the group-committing writer; returns once it is on disk.
    pub async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        self.writer.write(work, true).await
    }

    /// Runs `work` like `write`, then rolls it back: a dry run that meets every constraint.
    pub async fn rehearse<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Connection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        self.writer.write(work, false).await
    }

    /// Stores a report once (see `submissions::store_batch`); answers after the commit.
    pub async fn submit(&self, new: crate::submissions::NewSubmission) -> Result<crate::submissions::Stored> {
        self.writer.submit(new).await
    }

    /// Whether the database answers; used by `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.reads).await?;
        Ok(())
    }

    /// Stops the writer (which first writes what is pending) and closes every connection; on
    /// SQLite the write-ahead log is then folded into the file, which alone remains.
    pub async fn close(&self) {
        self.writer.stop().await;
        self.reads.close().await;
        self.writes.close().await;
        if let Some(checkpointer) = self.checkpointer.clone() {
            let _ = tokio::task::spawn_blocking(move || checkpointer.stop()).await;
        }
    }
}

fn resolve(location: &str) -> Result<(Backend, String)> {
    let location = location.trim();
    if location.starts_with("postgres://") || location.starts_with("postgresql://") {
        return Ok((Backend::Postgres, location.to_string()));
    }
    let path = location.strip_prefix("sqlite://").or_else(|| location.strip_prefix("sqlite:")).unwrap_or(location);
    if path.is_empty() || path.contains("://") {
        return Err(StorageError::BadUrl(location.to_string()));
    }
    let path = path.split('?').next().unwrap_or(path);
    Ok((Backend::Sqlite, format!("sqlite://{path}?mode=rwc")))
}

/// The file behind a resolved SQLite URL.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://")?;
    Some(PathBuf::from(path.split('?').next().unwrap_or(path)))
}

fn pool_options(backend: Backend, read_only: bool) -> AnyPoolOptions {
    AnyPoolOptions::new().after_connect(move |connection, _| {
        Box::pin(async move {
            if backend == Backend::Sqlite {
                connection.execute(sqlx::raw_sql(SQLITE_PRAGMAS)).await?;
                if read_only {
                    connection.execute(sqlx::raw_sql("PRAGMA query_only = ON")).await?;
                }
            }
            Ok(())
        })
    })
}

fn migrator(backend: Backend) -> Migrator {
    let sources = match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    };
    Migrator::with_migrations(
        sources
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    sqlx::SqlSafeStr::into_sql_str(*sql),
                    false,
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_to_backends() {
        assert_eq!(
            resolve("data/pollwatch.db").unwrap(),
            (Backend::Sqlite, "sqlite://data/pollwatch.db?mode=rwc".into())
        );
        assert_eq!(resolve("sqlite:///tmp/x.db").unwrap().1, "sqlite:///tmp/x.db?mode=rwc");
        assert_eq!(resolve("postgres://u@h/db").unwrap().0, Backend::Postgres);
        assert!(resolve("mysql://x").is_err());
        assert_eq!(sqlite_path("sqlite:///tmp/x.db?mode=rwc"), Some(PathBuf::from("/tmp/x.db")));
        assert_eq!(sqlite_path("postgres://u@h/db"), None);
    }
}
