//! Who is calling: passwords, sessions, API tokens, CSRF and sign-in throttling.

pub mod caller;
pub mod csrf;
pub mod identities;
pub mod password;
pub mod secrets;
pub mod throttle;

pub use caller::Caller;
pub use csrf::CsrfForm;
