//! A short-lived memory of who holds which session or token, so that the busiest routes
//! (reports from thousands of phones) do not read four rows per request. Entries live half a
//! minute; any change to people, passwords, sessions or tokens clears them all at once, so
//! within this process a revoked token or disabled account stops working immediately, and
//! a change made by another process (the CLI) within `LIFETIME`. Open live streams hear of
//! such a change too (`rights_changed`) and end, to be opened afresh and checked again.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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

/// What an entry is found by: whether the secret is a session's or a token's (they never share
/// an entry, whatever their hashes), and its SHA-256 digest, never the secret itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub session: bool,
    pub digest: [u8; 32],
}

/// Hashes a `Key` by its digest's first eight bytes: SHA-256 output is already spread evenly,
/// so hashing it again (SipHash, the map's default) spends time for nothing.
#[derive(Default)]
pub struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        if let Some(first) = bytes.first_chunk::<8>() {
            self.0 ^= u64::from_le_bytes(*first);
        }
    }

    fn write_u8(&mut self, kind: u8) {
        self.0 ^= u64::from(kind);
    }
}

pub struct Identities {
    entries: Mutex<HashMap<Key, (Instant, Identity), BuildHasherDefault<DigestHasher>>>,
    /// Counts changes to who may do what; long-lived responses wait on it.
    rights: tokio::sync::watch::Sender<u64>,
}

impl Default for Identities {
    fn default() -> Identities {
        Identities { entries: Mutex::default(), rights: tokio::sync::watch::Sender::new(0) }
    }
}

impl Identities {
    pub fn get(&self, key: &Key) -> Option<Identity> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < LIFETIME).map(|(_, identity)| identity.clone())
    }

    pub fn put(&self, key: Key, identity: Identity) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < LIFETIME);
        }
        entries.insert(key, (Instant::now(), identity));
    }

    /// Forgets one person's sessions and tokens: their own preferences changed, nobody's rights.
    pub fn forget_person(&self, user_id: i64) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, (_, identity)| identity.actor.user_id != user_id);
    }

    /// Forgets everyone: called after any change to who may do what.
    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.rights.send_modify(|changes| *changes += 1);
    }

    /// Completes at the next change to who may do what (`clear`) after this call: a response
    /// that outlives its request (the live stream) ends then, so that a person deactivated
    /// or moved to another area stops hearing at once, not when the stream would have ended.
    pub fn rights_changed(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
        let mut changes = self.rights.subscribe();
        async move {
            // An error means the sender is gone (the server is stopping): end all the same.
            let _ = changes.changed().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::roles::Role;

    fn identity(user_id: i64) -> Identity {
        let actor = Actor {
            user_id,
            role: Role::Observer,
            organisation_id: None,
            constituencies: Default::default(),
            stations: Default::default(),
        };
        Identity { actor: Arc::new(actor), person: None, csrf_token: None, expires_at: None }
    }

    #[test]
    fn a_session_and_a_token_with_the_same_digest_are_two_entries_and_clear_forgets_both() {
        let identities = Identities::default();
        let digest = [7u8; 32];
        let mut other = digest;
        other[31] = 8; // differs only beyond the bytes the map hashes by
        identities.put(Key { session: true, digest }, identity(1));
        identities.put(Key { session: false, digest }, identity(2));
        let found = |session, digest| identities.get(&Key { session, digest }).map(|i| i.actor.user_id);
        assert_eq!(found(true, digest), Some(1));
        assert_eq!(found(false, digest), Some(2));
        assert_eq!(found(true, other), None);
        identities.clear();
        assert_eq!(found(true, digest), None);
        assert_eq!(found(false, digest), None);
    }

    #[tokio::test]
    async fn a_change_of_rights_is_heard_by_those_waiting_and_a_preference_is_not() {
        let identities = Identities::default();
        let waiting = identities.rights_changed();
        identities.forget_person(1);
        let quiet = tokio::time::timeout(Duration::from_millis(50), identities.rights_changed()).await;
        assert!(quiet.is_err(), "a preference changes nobody's rights");
        identities.clear();
        tokio::time::timeout(Duration::from_secs(1), waiting).await.expect("heard");
    }
}
