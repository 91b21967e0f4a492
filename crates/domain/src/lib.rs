//! The election model and the rules pollwatch enforces, as plain data and pure functions.
//! Nothing here touches a disk, a socket or a clock: storage, HTTP and rendering call in,
//! never the other way round, so every rule can be tested in microseconds.

pub mod access;
pub mod audit;
pub mod demo;
pub mod election;
pub mod forms;
pub mod import;
pub mod incidents;
pub mod language;
pub mod ledger;
pub mod people;
pub mod photos;
pub mod roles;
pub mod sms;
pub mod submissions;
pub mod text;
pub mod timezone;
