//! The hash chain that makes the record trustworthy as evidence. Every accepted submission
//! and every change to one (verification, correction) becomes an entry that commits to the
//! entry before it: changing, removing or reordering any stored entry — or the row it
//! describes — breaks the chain from that point on, and `verify` names the first break.

use sha2::{Digest, Sha256};

/// The hash the first entry links to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// What happened, e.g. `submission.accept`, `incident.status`.
    pub kind: String,
    /// What it happened to, e.g. `submission:812`.
    pub subject: String,
    /// Canonical JSON of the facts committed to (for a submission, its content hash).
    pub payload: String,
    pub previous_hash: String,
    pub hash: String,
}

/// SHA-256 over the entry's fields, each length-prefixed so that no two different entries
/// can be written as the same byte string.
pub fn entry_hash(previous_hash: &str, seq: i64, at: i64, kind: &str, subject: &str, payload: &str) -> String {
    let mut hasher = Sha256::new();
    let (mut seq_text, mut at_text) = (itoa::Buffer::new(), itoa::Buffer::new());
    for field in [previous_hash, seq_text.format(seq), at_text.format(at), kind, subject, payload] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    to_hex(&hasher.finalize())
}

/// Lower-case hex of a digest. (`hex::encode` goes through a char iterator: ~2,000
/// instructions for a SHA-256 digest, several times per report.)
pub fn to_hex(bytes: &[u8]) -> String {
    let mut text = vec![0u8; bytes.len() * 2];
    // The buffer is exactly twice the input, the only way encoding can fail.
    let _ = hex::encode_to_slice(bytes, &mut text);
    String::from_utf8(text).unwrap_or_default()
}

/// SHA-256 of a text, hex: how a submission's content is fingerprinted.
pub fn content_hash(text: &str) -> String {
    to_hex(&Sha256::digest(text.as_bytes()))
}

/// Where the chain ends: the next entry links to it, and its hash stands for the whole
/// record up to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    /// When the entry was made, milliseconds since the Unix epoch.
    pub at: i64,
    pub hash: String,
}

impl Head {
    /// Where the chain ends once an entry with these fields follows `previous`: all that
    /// storing a report needs of its entry (its place and hash), without building the entry.
    pub fn after(previous: Option<&Head>, at: i64, kind: &str, subject: &str, payload: &str) -> Head {
        let (seq, previous_hash) = match previous {
            Some(p) => (p.seq + 1, p.hash.as_str()),
            None => (1, GENESIS),
        };
        Head { seq, at, hash: entry_hash(previous_hash, seq, at, kind, subject, payload) }
    }
}

impl Entry {
    pub fn new(previous: Option<&Head>, at: i64, kind: &str, subject: &str, payload: &str) -> Entry {
        let Head { seq, hash, .. } = Head::after(previous, at, kind, subject, payload);
        let previous_hash = previous.map_or(GENESIS, |p| p.hash.as_str()).to_string();
        Entry { seq, at, kind: kind.into(), subject: subject.into(), payload: payload.into(), previous_hash, hash }
    }

    /// The chain's end once this entry is appended.
    pub fn head(&self) -> Head {
        Head { seq: self.seq, at: self.at, hash: self.hash.clone() }
    }

    /// The same, keeping the hash rather than copying it.
    pub fn into_head(self) -> Head {
        Head { seq: self.seq, at: self.at, hash: self.hash }
    }

    pub fn recomputed_hash(&self) -> String {
        entry_hash(&self.previous_hash, self.seq, self.at, &self.kind, &self.subject, &self.payload)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq}: its stored hash does not match its contents")]
    AlteredEntry { seq: i64 },
    #[error("entry {seq}: it does not link to entry {previous} (an entry was removed, inserted or reordered)")]
    BrokenLink { seq: i64, previous: i64 },
    #[error("entry {seq}: the record it describes ({subject}) no longer matches it")]
    AlteredRecord { seq: i64, subject: String },
    #[error("{subject} has no entry in the chain (added, or its entry cut out, behind pollwatch's back)")]
    Unchained { subject: String },
}

/// Walks entries in order; stops at the first break.
#[derive(Default)]
pub struct ChainVerifier {
    last: Option<(i64, String)>,
    pub checked: u64,
}

impl ChainVerifier {
    pub fn check(&mut self, entry: &Entry) -> Result<(), ChainBreak> {
        let (expected_seq, expected_previous) = match &self.last {
            Some((seq, hash)) => (seq + 1, hash.as_str()),
            None => (1, GENESIS),
        };
        if entry.seq != expected_seq || entry.previous_hash != expected_previous {
            return Err(ChainBreak::BrokenLink { seq: entry.seq, previous: expected_seq - 1 });
        }
        if entry.recomputed_hash() != entry.hash {
            return Err(ChainBreak::AlteredEntry { seq: entry.seq });
        }
        self.last = Some((entry.seq, entry.hash.clone()));
        self.checked += 1;
        Ok(())
    }

    /// The head hash after everything checked so far.
    pub fn head(&self) -> &str {
        self.last.as_ref().map(|(_, h)| h.as_str()).unwrap_or(GENESIS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published heads and stored hashes are checked against this layout: each field's byte
    /// length (8 bytes, big-endian), then the field, numbers in decimal. (Computed apart, with
    /// Python's hashlib.)
    #[test]
    fn an_entry_hash_is_pinned_to_its_bytes() {
        let hash = entry_hash(GENESIS, -12, 1_796_233_858_790, "submission.accept", "submission:1", r#"{"a":1}"#);
        assert_eq!(hash, "716d9f930449fd97478d6e3c07ef8a39a932842d80dfe194b17bdccbf8e5fb1b");
        let head = Head { seq: 4, at: 1, hash: hash.clone() };
        let entry = Entry::new(Some(&head), 7, "k", "s", "p");
        assert_eq!(Head::after(Some(&head), 7, "k", "s", "p"), entry.head());
        assert_eq!((entry.seq, entry.previous_hash.as_str()), (5, hash.as_str()));
        assert_eq!(entry.recomputed_hash(), entry.hash);
    }

    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(to_hex(&[]), "");
        assert_eq!(content_hash(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    fn chain(n: usize) -> Vec<Entry> {
        let mut entries: Vec<Entry> = Vec::new();
        for i in 0..n {
            let entry = Entry::new(
                entries.last().map(Entry::head).as_ref(),
                1_000 + i as i64,
                "submission.accept",
                &format!("submission:{i}"),
                "{}",
            );
            entries.push(entry);
        }
        entries
    }

    fn verify(entries: &[Entry]) -> Result<u64, ChainBreak> {
        let mut verifier = ChainVerifier::default();
        for entry in entries {
            verifier.check(entry)?;
        }
        Ok(verifier.checked)
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
    }

    #[test]
    fn altering_an_entry_is_named() {
        let mut entries = chain(5);
        entries[2].payload = r#"{"changed":true}"#.into();
        assert_eq!(verify(&entries), Err(ChainBreak::AlteredEntry { seq: 3 }));
    }

    #[test]
    fn removing_or_rewriting_an_entry_breaks_the_link() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(verify(&entries), Err(ChainBreak::BrokenLink { seq: 3, previous: 1 }));
        // Rewriting one entry with a fresh, self-consistent hash still breaks the next link.
        let mut entries = chain(5);
        let forged = Entry::new(Some(&entries[0].head()), 5, "submission.accept", "submission:forged", "{}");
        entries[1] = forged;
        assert_eq!(verify(&entries), Err(ChainBreak::BrokenLink { seq: 3, previous: 2 }));
    }
}
