//! The pollwatch binary's library half: configuration, start-up wiring and the commands,
//! kept in a library so that integration tests start exactly what `pollwatch serve` starts.

pub mod commands;
pub mod config;
pub mod startup;
