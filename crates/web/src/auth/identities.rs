//! A short-lived memory of who holds which session or token, so that the busiest routes
//! (reports from thousands of phones) do not read four rows per request. Entries live half a
//! minute; any change to people, passwords, sessions or tokens clears them all at once, so
//! within this process a revoked token or disabled account stops working immediately, and
//! a change made by another process (the CLI) within `LIFETIME`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::access::Actor;
use storage::people::PersonRow;

const LIFETIME: Duration = Duration::from_secs(30);
const MAX_ENTRIES: usize = 100_000;

/// Shared, not copied, by the requests of one holder: a report's request clones pointers.
#[derive(Debug, Clone)]
pub struct Identity {
    pub actor: Arc<Actor>,
    pub person: Option<Arc<PersonRow>>,
    /// Sessions only: the form token and when the session ends (epoch ms).
    pub csrf_token: Option<String>,
    pub expires_at: Option<i64>,
}

#[derive(Default)]
pub struct Identities {
    entries: Mutex<HashMap<String, (Instant, Identity)>>,
}

impl Identities {
    pub fn get(&self, key: &str) -> Option<Identity> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < LIFETIME).map(|(_, identity)| identity.clone())
    }

    pub fn put(&self, key: String, identity: Identity) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < LIFETIME);
        }
        entries.insert(key, (Instant::now(), identity));
    }

    /// Forgets everyone: called after any change to who may do what.
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
