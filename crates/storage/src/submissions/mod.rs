//! Storing submissions, exactly once each. Everything an accepted submission touches — the
//! row, the coverage counters, the turnout table, an incident, disagreements with other
//! observers, its place among its observer's reports and the hash chain — is written in the same writer job, so it
//! is all on disk when the observer's phone gets its acknowledgement, or none of it is.

//!
//! Two executors do the writing with the same SQL and the same rules (below): `on_any` through
//! sqlx for PostgreSQL, and `on_sqlite`, the election-day hot path, with prepared statements
//! on a connection of its own.

pub(crate) mod derived;
mod on_any;
pub(crate) mod on_sqlite;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::BTreeMap;
use std::sync::Arc;

use domain::audit::Channel;
use domain::forms::answers::Answer;
use domain::forms::{Answers, FormKind, Phase};
use domain::ledger::{Entry, Head};

use crate::{Result, StorageError};

pub use on_any::{store, store_batch};

/// The station a submission is for, as the caller resolved it.
#[derive(Debug, Clone)]
pub struct StationFacts {
    pub id: i64,
    pub constituency_no: i64,
    pub label: String,
    pub registered_voters: i64,
}

#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub client_id: String,
    pub form_code: String,
    pub form_version: u32,
    pub form_kind: FormKind,
    pub form_phase: Option<Phase>,
    pub repeatable: bool,
    pub station: StationFacts,
    pub observer_id: Option<i64>,
    pub channel: Channel,
    pub device_time: Option<i64>,
    pub server_time: i64,
    pub clock_off: bool,
    pub answers: Answers,
    /// `answers` as canonical JSON, made once: what is stored, and what `content_hash` covers.
    pub answers_json: String,
    /// What the chain entry commits to (`domain::submissions::submission_content_hash`). Not
    /// stored: it follows from the row (`stored_content_hash`).
    pub content_hash: String,
    /// The SMS it came in, logged in the same transaction when the report is new.
    pub message: Option<Box<crate::sms::MessageLog>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubmissionRow {
    pub id: i64,
    pub client_id: String,
    pub form_code: String,
    pub form_version: i64,
    pub station_id: i64,
    pub station: String,
    pub observer_id: Option<i64>,
    pub channel: String,
    pub device_time: Option<i64>,
    pub server_time: i64,
    pub clock_off: bool,
    /// Canonical JSON.
    pub answers: String,
}

impl SubmissionRow {
    /// The content hash of what is stored, as its chain entry committed to it; `None` when
    /// the row's station or form version cannot be what was hashed (an altered row).
    pub fn content_hash(&self) -> Option<String> {
        stored_content_hash(&self.form_code, self.form_version, &self.station, &self.answers)
    }
}

/// A stored report's content hash, from the columns it covers (form, version, station label
/// and canonical answers).
pub(crate) fn stored_content_hash(form: &str, version: i64, station: &str, answers: &str) -> Option<String> {
    let station = domain::election::StationRef::parse(station).ok()?;
    let version = u32::try_from(version).ok()?;
    Some(domain::submissions::submission_content_hash(form, version, station, answers))
}

/// What the writer answers about a report. A new one on SQLite is only its id: its caller
/// builds the row from its own copy of the report, so that the writer thread neither copies
/// the caller's strings nor frees them (freeing another thread's memory was 3 % of the
/// server's time under load).
#[derive(Debug)]
pub(crate) enum Receipt {
    New(i64),
    /// Stored before (or refused): rare, so boxed.
    Stored(Box<Stored>),
}

impl Receipt {
    /// What storing `new` did. The writer has let go of its share of a report by the time it
    /// answers (SQLite), so the row usually takes the report's texts rather than copies.
    pub fn stored(self, new: Arc<NewSubmission>) -> Stored {
        match self {
            Receipt::New(id) => Stored::Created(match Arc::try_unwrap(new) {
                Ok(new) => row_taken(id, new),
                Err(shared) => row_of(id, &shared),
            }),
            Receipt::Stored(stored) => *stored,
        }
    }
}

/// What storing did.
#[derive(Debug, Clone)]
pub enum Stored {
    Created(SubmissionRow),
    /// The same id and content was already stored: nothing new was written.
    AlreadyStored(SubmissionRow),
}

const COLUMNS: &str = "s.id, s.client_id, s.form_code, s.form_version, s.station_id,
    st.constituency_no, st.number, s.observer_id, s.channel, s.device_time, s.server_time, s.clock_off,
    s.answers";

fn row_from(row: &AnyRow) -> Result<SubmissionRow> {
    Ok(SubmissionRow {
        id: row.try_get("id")?,
        client_id: row.try_get("client_id")?,
        form_code: row.try_get("form_code")?,
        form_version: row.try_get("form_version")?,
        station_id: row.try_get("station_id")?,
        station: format!("{}/{}", row.try_get::<i64, _>("constituency_no")?, row.try_get::<i64, _>("number")?),
        observer_id: row.try_get("observer_id")?,
        channel: row.try_get("channel")?,
        device_time: row.try_get("device_time")?,
        server_time: row.try_get("server_time")?,
        clock_off: row.try_get::<i64, _>("clock_off")? == 1,
        answers: row.try_get("answers")?,
    })
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<SubmissionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM submissions s JOIN stations st ON st.id = s.station_id WHERE s.id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(row_from).transpose()
}

/// An observer's own submissions, newest first, found through `observer_reports` (written
/// behind the reports on SQLite), so that submissions need no index by observer: one random
/// page write less in every report's own commit.
pub async fn of_observer(store: &crate::Store, observer_id: i64, limit: i64) -> Result<Vec<SubmissionRow>> {
    let pool = store.reads_caught_up().await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM observer_reports o
         JOIN submissions s ON s.id = o.submission_id
         JOIN stations st ON st.id = s.station_id
         WHERE o.observer_id = $1
         ORDER BY o.submission_id DESC LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(observer_id).bind(limit).fetch_all(pool).await?;
    rows.iter().map(row_from).collect()
}

/// Whether `observer_id` stored a report under `client_id`: a retry of theirs is answered with
/// it, even once they are no longer deployed where they sent it from.
pub async fn sent_by(pool: &AnyPool, client_id: &str, observer_id: i64) -> Result<bool> {
    let row = sqlx::query("SELECT 1 AS found FROM submissions WHERE client_id = $1 AND observer_id = $2")
        .bind(client_id.to_string())
        .bind(observer_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

pub async fn count(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM submissions").fetch_one(pool).await?.try_get("n")?)
}

// What both executors write, in the same SQL ($n placeholders, which SQLite reads as
// parameters numbered in order of appearance).

const INSERT_SUBMISSION: &str = "INSERT INTO submissions (client_id, form_code, form_version, station_id, observer_id,
    channel, device_time, server_time, clock_off, answers, compared) VALUES";
/// With the id given and the chain entry in the row (the SQLite hot path knows both first).
const INSERT_CHAINED_SUBMISSION: &str = "INSERT INTO submissions (id, client_id, form_code, form_version, station_id,
    observer_id, channel, device_time, server_time, clock_off, answers, compared, chain_seq, chain_hash)
    VALUES";
const UPSERT_COVERAGE: (&str, &str) = (
    "INSERT INTO station_coverage (station_id, form_code, constituency_no, first_at, last_at, submissions) VALUES",
    // Rows may come out of time order (SQLite writes a cycle in observer order): the first
    // and last times only ever widen. (CASE: MIN/MAX of two values differ between backends.)
    "ON CONFLICT (station_id, form_code) DO UPDATE SET
        first_at = CASE WHEN excluded.first_at < station_coverage.first_at
            THEN excluded.first_at ELSE station_coverage.first_at END,
        last_at = CASE WHEN excluded.last_at > station_coverage.last_at
            THEN excluded.last_at ELSE station_coverage.last_at END,
        submissions = station_coverage.submissions + excluded.submissions",
);
/// Rows for the reports of a batch; a report may have its row already (migration 0014 wrote
/// every stored report's, some of them still pending behind).
const INSERT_OBSERVER_REPORTS: (&str, &str) =
    ("INSERT INTO observer_reports (observer_id, submission_id) VALUES", "ON CONFLICT DO NOTHING");
const UPSERT_TURNOUT: &str = "INSERT INTO turnout_counts (station_id, slot, counted, announced, registered, at)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (station_id, slot) DO UPDATE SET counted = excluded.counted, announced = excluded.announced,
        registered = excluded.registered, at = excluded.at";
const INSERT_INCIDENT: &str = "INSERT INTO incidents (submission_id, station_id, constituency_no, category, severity,
    status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'new', $6, $6) RETURNING id";
const INSERT_INCIDENT_EVENT: &str = "INSERT INTO incident_events (incident_id, at, actor_user_id, from_status,
    to_status, note) VALUES ($1, $2, $3, NULL, 'new', '')";
// `compared = 1` lets SQLite use the partial index of compared checklists.
/// Other observers' reports a new one is compared with: those stored before it. (A batch's
/// reports are all inserted before any is compared, so "any other" would let two reports of
/// one batch each find the other: one disagreement, flagged twice.)
const OTHER_OBSERVERS_REPORTS: &str = "SELECT id, observer_id, answers FROM submissions
    WHERE station_id = $1 AND form_code = $2 AND compared = 1 AND observer_id <> $3 AND id < $4
    ORDER BY id DESC LIMIT 50";
const INSERT_PHOTO_USE: &str = "INSERT INTO photo_uses (sha256, submission_id, constituency_no) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING";
const INSERT_CONFLICT: &str = "INSERT INTO conflicts (station_id, constituency_no, form_code, question_code,
    submission_a, submission_b, status) VALUES ($1, $2, $3, $4, $5, $6, 'open') ON CONFLICT DO NOTHING";

/// A report sent again: the stored row if the content is the same, a conflict if it is not.
fn same_or_conflict(stored: &SubmissionRow, new: &NewSubmission) -> Result<Stored> {
    // Another's report under the same id is theirs, whatever it says.
    if stored.observer_id == new.observer_id && stored.content_hash().as_deref() == Some(new.content_hash.as_str()) {
        Ok(Stored::AlreadyStored(stored.clone()))
    } else {
        Err(StorageError::Conflict(format!(
            "submission id {} was already used for different answers; a new report needs a new id",
            new.client_id
        )))
    }
}

fn row_taken(id: i64, new: NewSubmission) -> SubmissionRow {
    SubmissionRow {
        id,
        client_id: new.client_id,
        form_code: new.form_code,
        form_version: i64::from(new.form_version),
        station_id: new.station.id,
        station: new.station.label,
        observer_id: new.observer_id,
        channel: new.channel.as_str().into(),
        device_time: new.device_time,
        server_time: new.server_time,
        clock_off: new.clock_off,
        answers: new.answers_json,
    }
}

fn row_of(id: i64, new: &NewSubmission) -> SubmissionRow {
    SubmissionRow {
        id,
        client_id: new.client_id.clone(),
        form_code: new.form_code.clone(),
        form_version: i64::from(new.form_version),
        station_id: new.station.id,
        station: new.station.label.clone(),
        observer_id: new.observer_id,
        channel: new.channel.as_str().into(),
        device_time: new.device_time,
        server_time: new.server_time,
        clock_off: new.clock_off,
        answers: new.answers_json.clone(),
    }
}

/// What an accepted report leads to beyond itself, its chain entry and its follow-ups: a count
/// on the coverage dashboard and, when an observer sent it, its place among that observer's
/// reports. PostgreSQL writes these in the report's own transaction; SQLite writes them
/// behind, many reports at a time (`derived`).
#[derive(Debug, Clone)]
pub(crate) struct Derived {
    pub id: i64,
    pub station_id: i64,
    pub constituency_no: i64,
    pub form_code: String,
    pub at: i64,
    pub observer_id: Option<i64>,
}

impl Derived {
    fn of(new: &NewSubmission, id: i64) -> Derived {
        Derived {
            id,
            station_id: new.station.id,
            constituency_no: new.station.constituency_no,
            form_code: new.form_code.clone(),
            at: new.server_time,
            observer_id: new.observer_id,
        }
    }
}

/// The facts of a stored submission that its chain entry commits to. Since migration 0011 the
/// entry is kept in the submission's own row (`chain_seq`, `chain_hash`): its kind, subject and
/// payload follow from the row, so only its place and hash are stored, and `ledger::verify`
/// rebuilds the rest from the row it describes.
///
/// Serialised, it is the entry's payload: fields in name order, the text `serde_json::json!`
/// made of them before (a sorted map), without building the map per report.
///
/// Entries from migration 0016 on (`chain_formats`) commit to the device's time and whether it
/// was far off too; earlier entries were made without them, and are rebuilt without them.
#[derive(Serialize)]
pub(crate) struct Accepted<'a> {
    /// In the entry's subject, not its payload.
    #[serde(skip)]
    pub id: i64,
    pub channel: &'a str,
    pub client_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_off: Option<bool>,
    pub content_hash: &'a str,
    /// `Some(None)`: the entry says there was no device time (`null`); `None`: an entry made
    /// before entries said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_time: Option<Option<i64>>,
    pub observer: Option<i64>,
    pub server_time: i64,
}

pub(crate) const ACCEPTED_KIND: &str = "submission.accept";

impl<'a> Accepted<'a> {
    fn of(new: &'a NewSubmission, id: i64) -> Self {
        Accepted {
            id,
            channel: new.channel.as_str(),
            client_id: &new.client_id,
            clock_off: Some(new.clock_off),
            content_hash: &new.content_hash,
            device_time: Some(new.device_time),
            observer: new.observer_id,
            server_time: new.server_time,
        }
    }

    fn payload(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Where the chain ends once this submission's entry follows `previous`.
    pub fn head_after(&self, previous: Option<&Head>) -> Head {
        Head::after(previous, self.server_time, ACCEPTED_KIND, &self.subject(), &self.payload())
    }

    /// The entry as stored: `seq` and `hash` from the row, linked to `previous_hash`.
    pub fn stored_entry(&self, seq: i64, previous_hash: &str, hash: String) -> Entry {
        Entry {
            seq,
            at: self.server_time,
            kind: ACCEPTED_KIND.into(),
            subject: self.subject(),
            payload: self.payload(),
            previous_hash: previous_hash.into(),
            hash,
        }
    }

    fn subject(&self) -> String {
        // Not `format!`: this is on every report's way in.
        let mut subject = String::with_capacity(32);
        subject.push_str("submission:");
        subject.push_str(itoa::Buffer::new().format(self.id));
        subject
    }
}

/// One coverage row per station and form, however many reports of it a batch holds.
struct CoverageRow<'a> {
    station_id: i64,
    form_code: &'a str,
    constituency_no: i64,
    at: i64,
    count: i64,
}

fn coverage_rows(derived: &[Derived]) -> Vec<CoverageRow<'_>> {
    let mut per_station: BTreeMap<(i64, &str), CoverageRow> = BTreeMap::new();
    for report in derived {
        let row = per_station.entry((report.station_id, report.form_code.as_str())).or_insert(CoverageRow {
            station_id: report.station_id,
            form_code: &report.form_code,
            constituency_no: report.constituency_no,
            at: report.at,
            count: 0,
        });
        row.at = row.at.max(report.at);
        row.count += 1;
    }
    per_station.into_values().collect()
}

/// Turnout forms carry the reporting time (TA), the observer's count (TB) and the
/// commission's figure (TD); the latest report per station and time counts.
struct TurnoutRow {
    slot: i64,
    counted: i64,
    announced: Option<i64>,
}

fn turnout_of(new: &NewSubmission) -> Option<TurnoutRow> {
    if new.form_phase != Some(Phase::Turnout) {
        return None;
    }
    let (Some(Answer::Choice(slot)), Some(Answer::Integer(counted))) = (new.answers.get("TA"), new.answers.get("TB"))
    else {
        return None;
    };
    let announced = match new.answers.get("TD") {
        Some(Answer::Integer(n)) => Some(*n),
        _ => None,
    };
    Some(TurnoutRow { slot: i64::from(*slot), counted: *counted, announced })
}

/// Incident forms carry the category (IA) and severity (ID): (category, severity).
fn incident_of(new: &NewSubmission) -> Option<(i64, i64)> {
    // A number however it was asked (a choice in the standard form, a number in a form of the
    // mission's own), as `chain verify` reads it back from the answers.
    let choice = |code| match new.answers.get(code) {
        Some(Answer::Choice(c)) => i64::from(*c),
        Some(Answer::Integer(n)) => *n,
        _ => 0,
    };
    (new.form_kind == FormKind::Incident).then(|| (choice("IA"), choice("ID")))
}

/// Whether a checklist is compared with other observers' reports of the same station (and
/// so indexed by station: the `compared` column).
fn compared(new: &NewSubmission) -> bool {
    !new.repeatable && new.observer_id.is_some()
}

/// Compares new answers with other observers' reports of the same form and station, newest
/// first: only each observer's latest counts. Returns (their submission, question) pairs
/// answered differently. Only facts two observers can agree on are compared — yes/no,
/// numbers, choices. Words (remarks), times (when each arrived, minutes apart) and photos
/// differ between any two observers, and would flood the coordinator with disagreements
/// that are none.
fn disagreements(mine: &Answers, theirs: impl IntoIterator<Item = (i64, i64, String)>) -> Vec<(i64, String)> {
    let comparable: BTreeMap<&String, &Answer> = mine
        .0
        .iter()
        .filter(|(_, answer)| !matches!(answer, Answer::Text(_) | Answer::Time(_) | Answer::Photo(_)))
        .collect();
    let mine: serde_json::Value = serde_json::to_value(&comparable).unwrap_or_default();
    let Some(mine) = mine.as_object() else { return Vec::new() };
    let mut seen_observers = Vec::new();
    let mut found = Vec::new();
    for (other_id, observer, answers) in theirs {
        if seen_observers.contains(&observer) {
            continue;
        }
        seen_observers.push(observer);
        let theirs: serde_json::Value = serde_json::from_str(&answers).unwrap_or_default();
        let Some(theirs) = theirs.as_object() else { continue };
        for (code, value) in mine {
            if theirs.get(code).is_some_and(|other| other != value) {
                found.push((other_id, code.clone()));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_facts_are_compared_not_words_times_or_photos() {
        let answer =
            |pairs: &[(&str, Answer)]| Answers(pairs.iter().map(|(c, a)| (c.to_string(), a.clone())).collect());
        let mine = answer(&[
            ("OA", Answer::Time("07:02".into())),
            ("OH", Answer::YesNo(false)),
            ("OE", Answer::Integer(1500)),
            ("OZ", Answer::Text("hər şey qaydasındadır".into())),
        ]);
        let theirs = r#"{"OA": "07:19", "OH": true, "OE": 1500, "OZ": "problem yoxdur"}"#;
        assert_eq!(disagreements(&mine, [(716, 9, theirs.to_string())]), vec![(716, "OH".to_string())]);
    }

    #[test]
    fn a_chain_entry_commits_to_the_same_text_as_before() {
        // Entries already in a chain were made with `json!`; new ones must read the same way.
        for observer in [Some(42), None] {
            let mut accepted = Accepted {
                id: 7,
                channel: "sms",
                client_id: "b1e6f0a2-\"quoted\"-ə",
                clock_off: None,
                content_hash: "ab12",
                device_time: None,
                observer,
                server_time: 1_707_300_000_000,
            };
            let before = serde_json::json!({
                "client_id": "b1e6f0a2-\"quoted\"-ə",
                "content_hash": "ab12",
                "observer": observer,
                "channel": "sms",
                "server_time": 1_707_300_000_000i64,
            });
            assert_eq!(accepted.payload(), before.to_string());
            // From 0016 on, with the device's time and its flag, in the same order.
            for device_time in [Some(1_707_299_000_000), None] {
                (accepted.clock_off, accepted.device_time) = (Some(true), Some(device_time));
                let mut now = before.clone();
                now["clock_off"] = true.into();
                now["device_time"] = device_time.into();
                assert_eq!(accepted.payload(), now.to_string());
            }
        }
    }
}
