//! What an observer sends: a filled-in form for a station, under an id their device chose.
//! The id makes retries safe: the same id with the same content is the same submission;
//! the same id with different content is a mistake the server refuses (409).

use serde::Serialize;

use crate::election::StationRef;

/// A device clock further than this from the server's is flagged, not trusted.
pub const CLOCK_TOLERANCE_MS: i64 = 10 * 60 * 1000;

/// The id a device gives a submission before sending it (a UUID in practice).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ClientId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a submission id has 8 to 64 letters, digits, '-' or '_'")]
pub struct BadClientId;

impl ClientId {
    pub fn parse(text: &str) -> Result<ClientId, BadClientId> {
        let id = text.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if (8..=64).contains(&id.len()) && id.chars().all(allowed) {
            Ok(ClientId(id.to_string()))
        } else {
            Err(BadClientId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Fingerprint of the part of a submission that decides whether a retry is "the same": form,
/// version, station and answers (not the times, which a resend may carry differently).
/// Built from the stored canonical answers text, so that verification can recompute it from
/// the stored row alone.
pub fn submission_content_hash(form: &str, version: u32, station: StationRef, canonical_answers: &str) -> String {
    use sha2::Digest;
    // The same bytes as the JSON object written out, fed to the hash as they are made (no
    // text is built, no formatter run: this is on every report's path).
    let mut content = HashWriter(sha2::Sha256::new());
    let mut number = itoa::Buffer::new();
    content.0.update(b"{\"answers\":");
    content.0.update(canonical_answers.as_bytes());
    content.0.update(b",\"form\":");
    let _ = serde_json::to_writer(&mut content, form);
    content.0.update(b",\"station\":\"");
    content.0.update(number.format(station.constituency.get()).as_bytes());
    content.0.update(b"/");
    content.0.update(number.format(station.station.get()).as_bytes());
    content.0.update(b"\",\"version\":");
    content.0.update(number.format(version).as_bytes());
    content.0.update(b"}");
    crate::ledger::to_hex(&content.0.finalize())
}

/// Writes into a hash.
struct HashWriter(sha2::Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(&mut self.0, bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Whether a device clock is too far off to believe.
pub fn clock_is_off(device_time: i64, server_time: i64) -> bool {
    (device_time - server_time).abs() > CLOCK_TOLERANCE_MS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_uuid_like() {
        assert!(ClientId::parse("3f2b8c1e-9a4d-4e7b-8f00-1234567890ab").is_ok());
        assert!(ClientId::parse("short").is_err());
        assert!(ClientId::parse("has space in it").is_err());
    }

    /// Stored chain entries commit to this hash: it must stay the hash of the same JSON text.
    #[test]
    fn the_content_hash_is_that_of_the_content_written_out() {
        use crate::ledger::content_hash;
        let station = StationRef::parse("17/203").unwrap();
        let answers = r#"{"VA":"10:15","VZ":"Seçki \"məntəqəsi\""}"#;
        let written = format!(r#"{{"answers":{answers},"form":"V\"T","station":"17/203","version":2}}"#);
        assert_eq!(submission_content_hash("V\"T", 2, station, answers), content_hash(&written));
    }

    #[test]
    fn a_clock_ten_minutes_off_is_flagged() {
        assert!(!clock_is_off(1_000_000, 1_000_000 + CLOCK_TOLERANCE_MS));
        assert!(clock_is_off(1_000_000, 1_000_001 + CLOCK_TOLERANCE_MS));
    }
}
