//! A short-lived memory of who holds which session or token, so that the busiest routes
//! (reports from thousands of phones) do not read four rows per request. Entries live half a
//! minute; any change to people, passwords, sessions or tokens clears them all at once, so
//! within this process a revoked token or disabled account stops working immediately, and
//! a change made by another process (the CLI) within `LIFETIME`. Open live streams hear of
//! a change of rights (`rights_changed`) and end, to be opened afresh and checked again.

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

/// How much had been forgotten when an identity was looked for (see `Identities::put`).
#[derive(Debug, Clone, Copy)]
pub struct Forgotten(u64);

pub struct Identities {
    entries: Mutex<Entries>,
    /// Counts changes to who may do what; long-lived responses wait on it.
    rights: tokio::sync::watch::Sender<u64>,
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<Key, (Instant, Identity), BuildHasherDefault<DigestHasher>>,
    /// Counts what has been forgotten: an identity read from the database before a change
    /// and put after it would bring back what the change took away.
    forgotten: u64,
}

impl Default for Identities {
    fn default() -> Identities {
        Identities { entries: Mutex::default(), rights: tokio::sync::watch::Sender::new(0) }
    }
}

impl Identities {
    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The identity remembered under `key`, and (for `put`) how much had been forgotten
    /// when it was looked for.
    pub fn get(&self, key: &Key) -> (Option<Identity>, Forgotten) {
        let entries = self.entries();
        let found = entries.by_key.get(key).filter(|(at, _)| at.elapsed() < LIFETIME).map(|(_, i)| i.clone());
        (found, Forgotten(entries.forgotten))
    }

    /// Remembers an identity read from the database after `get` missed, unless something was
    /// forgotten since (the identity may have been read before that change).
    pub fn put(&self, key: Key, identity: Identity, when_missed: Forgotten) {
        let mut entries = self.entries();
        if entries.forgotten != when_missed.0 {
            return;
        }
        if entries.by_key.len() >= MAX_ENTRIES {
            entries.by_key.retain(|_, (at, _)| at.elapsed() < LIFETIME);
        }
        entries.by_key.insert(key, (Instant::now(), identity));
    }

    /// Forgets one person's sessions and tokens: their own preferences changed, nobody's rights.
    pub fn forget_person(&self, user_id: i64) {
        let mut entries = self.entries();
        entries.by_key.retain(|_, (_, identity)| identity.actor.user_id != user_id);
        entries.forgotten += 1;
    }

    /// Forgets everyone: called after any change that may touch who may do what.
    pub fn clear(&self) {
        let mut entries = self.entries();
        entries.by_key.clear();
        entries.forgotten += 1;
    }

    /// Forgets everyone and ends the live streams: someone's rights changed (a person
    /// deactivated or moved, a token revoked, a sign-out).
    pub fn rights_changed(&self) {
        self.clear();
        self.rights.send_modify(|changes| *changes += 1);
    }

    /// Completes at the next `rights_changed` after this call (it listens from the call, not
    /// from its first poll): a response that outlives its request (the live stream) ends then,
    /// so that a person deactivated or moved to another area stops hearing at once.
    pub fn next_rights_change(&self) -> impl std::future::Future<Output = ()> + Send + use<> {
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
        let (_, now) = identities.get(&Key { session: true, digest });
        identities.put(Key { session: true, digest }, identity(1), now);
        identities.put(Key { session: false, digest }, identity(2), now);
        let found = |session, digest| identities.get(&Key { session, digest }).0.map(|i| i.actor.user_id);
        assert_eq!(found(true, digest), Some(1));
        assert_eq!(found(false, digest), Some(2));
        assert_eq!(found(true, other), None);
        identities.clear();
        assert_eq!(found(true, digest), None);
        assert_eq!(found(false, digest), None);
    }

    #[test]
    fn an_identity_read_before_something_was_forgotten_is_not_remembered_after_it() {
        let identities = Identities::default();
        let key = Key { session: true, digest: [1u8; 32] };
        let (missing, when_missed) = identities.get(&key);
        assert!(missing.is_none());
        // Meanwhile the person is deactivated and everyone forgotten; the identity read
        // before that arrives late.
        identities.rights_changed();
        identities.put(key, identity(1), when_missed);
        assert!(identities.get(&key).0.is_none(), "a stale identity came back");
    }

    #[tokio::test]
    async fn a_change_of_rights_is_heard_by_those_waiting_and_a_preference_or_a_cleared_cache_is_not() {
        let identities = Identities::default();
        let mut waiting = std::pin::pin!(identities.next_rights_change());
        identities.forget_person(1);
        identities.clear();
        let quiet = tokio::time::timeout(Duration::from_millis(50), waiting.as_mut()).await;
        assert!(quiet.is_err(), "nobody's rights changed");
        identities.rights_changed();
        tokio::time::timeout(Duration::from_secs(1), waiting).await.expect("heard");
    }
}
