//! A short-lived memory of what the database said (who holds a session or token, which
//! observer a phone number belongs to), so that the election day's busiest routes do not read
//! the same rows on every request. Entries live a fixed time; a change that may touch them
//! forgets them, and an answer read from the database before such a change is not remembered
//! after it (it may describe what the change took away).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub struct Remembered<K, V, S = RandomState> {
    inner: Mutex<Inner<K, V, S>>,
    lifetime: Duration,
    most: usize,
}

struct Inner<K, V, S> {
    by_key: HashMap<K, (Instant, V), S>,
    /// Counts what has been forgotten, for `put`.
    forgotten: u64,
}

/// How much had been forgotten when something was looked for (see `Remembered::put`).
#[derive(Debug, Clone, Copy)]
pub struct Forgotten(u64);

impl<K: Eq + Hash, V: Clone, S: BuildHasher + Default> Remembered<K, V, S> {
    /// Entries live `lifetime`; at most `most` are kept.
    pub fn new(lifetime: Duration, most: usize) -> Self {
        let inner = Inner { by_key: HashMap::default(), forgotten: 0 };
        Remembered { inner: Mutex::new(inner), lifetime, most }
    }

    fn inner(&self) -> MutexGuard<'_, Inner<K, V, S>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What is remembered under `key`, and how much had been forgotten when it was looked for.
    pub fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> (Option<V>, Forgotten)
    where
        K: std::borrow::Borrow<Q>,
    {
        let inner = self.inner();
        let found = inner.by_key.get(key).filter(|(at, _)| at.elapsed() < self.lifetime).map(|(_, v)| v.clone());
        (found, Forgotten(inner.forgotten))
    }

    /// Remembers what the database said after `get` missed, unless something was forgotten
    /// since: it may have been read before that change.
    pub fn put(&self, key: K, value: V, when_missed: Forgotten) {
        let mut inner = self.inner();
        if inner.forgotten != when_missed.0 {
            return;
        }
        if inner.by_key.len() >= self.most {
            let lifetime = self.lifetime;
            inner.by_key.retain(|_, (at, _)| at.elapsed() < lifetime);
            if inner.by_key.len() >= self.most {
                inner.by_key.clear();
            }
        }
        inner.by_key.insert(key, (Instant::now(), value));
    }

    /// Forgets the entries `which` picks.
    pub fn forget(&self, which: impl Fn(&V) -> bool) {
        let mut inner = self.inner();
        inner.by_key.retain(|_, (_, value)| !which(value));
        inner.forgotten += 1;
    }

    /// Forgets everything.
    pub fn clear(&self) {
        let mut inner = self.inner();
        inner.by_key.clear();
        inner.forgotten += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_read_before_something_was_forgotten_is_not_remembered_after_it() {
        let remembered: Remembered<&str, i64> = Remembered::new(Duration::from_secs(30), 10);
        let (missing, when_missed) = remembered.get(&"+994501234567");
        assert!(missing.is_none());
        // Meanwhile the observer is deactivated and everything forgotten; the answer read
        // before that arrives late.
        remembered.clear();
        remembered.put("+994501234567", 7, when_missed);
        assert_eq!(remembered.get(&"+994501234567").0, None, "a stale answer came back");
        let (_, now) = remembered.get(&"+994501234567");
        remembered.put("+994501234567", 7, now);
        assert_eq!(remembered.get(&"+994501234567").0, Some(7));
        remembered.forget(|value| *value == 7);
        assert_eq!(remembered.get(&"+994501234567").0, None);
    }

    #[test]
    fn a_full_memory_makes_room() {
        let remembered: Remembered<i64, i64> = Remembered::new(Duration::from_secs(30), 2);
        for key in 0..5 {
            let (_, now) = remembered.get(&key);
            remembered.put(key, key, now);
        }
        assert_eq!(remembered.get(&4).0, Some(4));
        assert!(remembered.inner().by_key.len() <= 2);
    }
}
