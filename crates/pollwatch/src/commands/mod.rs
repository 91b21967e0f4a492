//! The commands of the `pollwatch` binary.

pub mod chain;
pub mod demo;
pub mod forms;
pub mod import;
pub mod serve;
pub mod user;

use thiserror::Error;

/// What a command reports when it fails; printed as one line for the person at the terminal.
#[derive(Debug, Error)]
pub enum CommandError {
    #[error("{0}")]
    Storage(#[from] storage::StorageError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Usage(String),
    #[error("the file has problems; nothing was imported")]
    ImportRefused,
    #[error("the hash chain does not verify")]
    ChainBroken,
}
