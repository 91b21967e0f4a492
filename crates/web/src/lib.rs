//! HTTP: the HTML pages, the JSON API under `/api/v1`, sessions and access control.
//! Every handler asks `domain::access` before it reads or writes; errors become responses
//! in one place (`error`). Nothing here holds election rules of its own.

pub mod api;
pub mod auth;
mod checked;
mod delivery;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod remembered;
pub mod reporting;
mod router;
pub mod sms;
mod state;
pub mod tls;

pub use router::router;
pub use state::{AndroidGateway, AppState, WebConfig};
