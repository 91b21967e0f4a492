//! SMS reporting: gateways' webhooks in, replies out, every message logged. Gateways differ
//! only in how they sign and shape a message; `process` is the one path every message takes.

pub mod android;
pub mod outbox;
pub mod process;
pub mod reply;
pub mod twilio;
pub mod webhook;
