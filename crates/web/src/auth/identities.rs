//! A short-lived memory of who holds which session or token, so that the busiest routes
//! (reports from thousands of phones) do not read four rows per request. Entries live half a
//! minute; any change to people, passwords, sessions or tokens clears them all at once, so
//! within this process a revoked token or disabled account stops working immediately, and
//! a change made by another process (the CLI) within `LIFETIME`. Open live streams hear of
//! a change of rights (`rights_changed`) and end, to be opened afresh and checked again.

use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;

use domain::access::Actor;
use storage::people::PersonRow;

use crate::remembered::{Forgotten, Remembered};

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

/// Whose rights changed: one person's (a sign-out, their own password), or anyone's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RightsChange {
    Person(i64),
    Anyone,
}

pub struct Identities {
    remembered: Remembered<Key, Identity, BuildHasherDefault<DigestHasher>>,
    /// Tells long-lived responses (live streams) of changes of rights.
    rights: tokio::sync::broadcast::Sender<RightsChange>,
}

impl Default for Identities {
    fn default() -> Identities {
        let (rights, _) = tokio::sync::broadcast::channel(64);
        Identities { remembered: Remembered::new(LIFETIME, MAX_ENTRIES), rights }
    }
}

impl Identities {
    /// The identity remembered under `key`, and what `put` needs to know.
    pub fn get(&self, key: &Key) -> (Option<Identity>, Forgotten) {
        self.remembered.get(key)
    }

    /// Remembers an identity read from the database after `get` missed, unless something was
    /// forgotten since.
    pub fn put(&self, key: Key, identity: Identity, when_missed: Forgotten) {
        self.remembered.put(key, identity, when_missed);
    }

    /// Forgets one person's sessions and tokens: their own preferences changed, nobody's rights.
    pub fn forget_person(&self, user_id: i64) {
        self.remembered.forget(|identity| identity.actor.user_id == user_id);
    }

    /// Forgets one person and ends their live streams: they signed out, or changed their
    /// password (which ends their other sessions).
    pub fn person_rights_changed(&self, user_id: i64) {
        self.forget_person(user_id);
        let _ = self.rights.send(RightsChange::Person(user_id));
    }

    /// Forgets everyone and ends every live stream: someone's rights changed (a person
    /// deactivated or moved, a token revoked, an import applied).
    pub fn rights_changed(&self) {
        self.remembered.clear();
        let _ = self.rights.send(RightsChange::Anyone);
    }

    /// Completes at the next change of `user_id`'s rights, or anyone's, after this call (it
    /// listens from the call, not from its first poll): a response that outlives its request
    /// (the live stream) ends then, so that a person deactivated, moved to another area or
    /// signed out stops hearing at once.
    pub fn next_rights_change(&self) -> impl FnOnce(i64) -> BoxFuture<'static, ()> + Send + use<> {
        let mut changes = self.rights.subscribe();
        move |user_id| {
            Box::pin(async move {
                loop {
                    match changes.recv().await {
                        Ok(RightsChange::Person(other)) if other != user_id => continue,
                        // Theirs, anyone's, too many to tell (lagged), or the server stopping.
                        _ => return,
                    }
                }
            })
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
    fn a_session_and_a_token_with_the_same_digest_are_two_entries_and_a_change_of_rights_forgets_both() {
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
        identities.rights_changed();
        assert_eq!(found(true, digest), None);
        assert_eq!(found(false, digest), None);
    }

    #[tokio::test]
    async fn a_stream_hears_of_its_persons_and_anyones_change_of_rights_and_not_of_another_persons() {
        let identities = Identities::default();
        let mut waiting = std::pin::pin!(identities.next_rights_change()(1));
        identities.forget_person(1); // a preference: nobody's rights
        identities.person_rights_changed(2);
        let quiet = tokio::time::timeout(Duration::from_millis(50), waiting.as_mut()).await;
        assert!(quiet.is_err(), "neither changed person 1's rights");
        identities.person_rights_changed(1);
        tokio::time::timeout(Duration::from_secs(1), waiting).await.expect("heard");

        let anyone = identities.next_rights_change()(1);
        identities.rights_changed();
        tokio::time::timeout(Duration::from_secs(1), anyone).await.expect("heard");
    }
}
