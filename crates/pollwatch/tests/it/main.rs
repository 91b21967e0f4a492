//! Integration tests: the real server on a random port, a real database file (copied from a
//! demo election built once per run), driven over HTTP like a browser or an API client.

mod access;
mod api;
mod audit;
mod browser;
mod crash;
mod demo;
mod helpers;
mod imports;
mod people;
mod postgres;
mod reporting;
mod sessions;
mod sms;
mod webdriver;
