//! What an observer sends: a filled-in form for a station, under an id their device chose.
//! The id makes retries safe: the same id with the same content is the same submission;
//! the same id with different content is a mistake the server refuses (409).

use serde::Serialize;

use crate::election::StationRef;
use crate::ledger::content_hash;

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
}

/// Fingerprint of the part of a submission that decides whether a retry is "the same": form,
/// version, station and answers (not the times, which a resend may carry differently).
/// Built from the stored canonical answers text, so that verification can recompute it from
/// the stored row alone.
pub fn submission_content_hash(form: &str, version: u32, station: StationRef, canonical_answers: &str) -> String {
    let quoted = |text: &str| serde_json::to_string(text).unwrap_or_default();
    let content = format!(
        "{{\"answers\":{canonical_answers},\"form\":{},\"station\":{},\"version\":{version}}}",
        quoted(form),
        quoted(&station.to_string())
    );
    content_hash(&content)
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

    #[test]
    fn a_clock_ten_minutes_off_is_flagged() {
        assert!(!clock_is_off(1_000_000, 1_000_000 + CLOCK_TOLERANCE_MS));
        assert!(clock_is_off(1_000_000, 1_000_001 + CLOCK_TOLERANCE_MS));
    }
}
