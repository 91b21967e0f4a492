//! Persistence. One `Store` serves SQLite (embedded, the default) and PostgreSQL with the same
//! SQL, through sqlx's `Any` driver: queries use `$n` placeholders, integers and text only.
//! Reads go to a pool; every write goes through one group-committing writer (see `writer`),
//! so SQLite never answers "database is locked" and an acknowledged write is on disk.

pub mod audit;
mod checkpointer;
pub mod conflicts;
pub mod coverage;
pub mod demo;
mod error;
pub mod forms;
pub mod import;
pub mod incidents;
pub mod ledger;
mod log_sync;
pub mod people;
pub mod photos;
pub mod reference;
pub mod sessions;
pub mod sms;
mod sql;
mod store;
pub mod submissions;
#[cfg(feature = "testing")]
pub mod testing;
mod writer;

pub use error::StorageError;
pub use sql::Page;
pub use store::{Backend, Store};
pub use writer::WriteJob;

/// Connections handed to write jobs.
pub type Connection = sqlx::AnyConnection;
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Milliseconds since the Unix epoch, the unit every stored time uses.
pub fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
