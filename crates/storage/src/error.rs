use thiserror::Error;

#[derive(Debug, Error)]
pub enum StorageError {
    #[error("database URL not understood: {0} (use a file path, sqlite://PATH or postgres://…)")]
    BadUrl(String),
    /// A uniqueness or foreign-key rule refused the write; the text names the rule.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    /// Stored data that the code cannot read back (e.g. an unknown role name).
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("the database writer has stopped")]
    WriterStopped,
    /// The transaction holding this write failed to commit; nothing of it was stored.
    #[error("commit failed: {0}")]
    CommitFailed(String),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// From the SQLite ingest connection (see `submissions::on_sqlite`).
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for StorageError {
    fn from(error: rusqlite::Error) -> Self {
        match error {
            rusqlite::Error::SqliteFailure(failure, message)
                if failure.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                StorageError::Conflict(message.unwrap_or_else(|| failure.to_string()))
            }
            rusqlite::Error::QueryReturnedNoRows => StorageError::NotFound,
            other => StorageError::Sqlite(other),
        }
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error
            && (db.is_unique_violation() || db.is_foreign_key_violation())
        {
            return StorageError::Conflict(
                db.constraint().map(str::to_string).unwrap_or_else(|| db.message().to_string()),
            );
        }
        match error {
            sqlx::Error::RowNotFound => StorageError::NotFound,
            other => StorageError::Database(other),
        }
    }
}
