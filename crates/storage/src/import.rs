//! Applying an import plan: every record upserted, each with its audit entry, in one job of
//! the writer, so the whole file lands or none of it does.

use serde::Serialize;
use sqlx::{AnyPool, Row};

use domain::audit::ChangeAuthor;
use domain::election::{ConstituencyNo, StationNo, StationRef};
use domain::import::{ImportKind, KnownReferences, Record};

use crate::audit::{self, Change};
use crate::{Connection, Result, StorageError, people, reference};

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
}

/// What rows of an import may refer to, as the database holds it now.
pub async fn known_references(pool: &AnyPool) -> Result<KnownReferences> {
    let mut known = KnownReferences::default();
    for row in sqlx::query("SELECT number FROM constituencies").fetch_all(pool).await? {
        if let Some(number) = to_u16(row.try_get("number")?).and_then(|n| ConstituencyNo::new(n).ok()) {
            known.constituencies.insert(number);
        }
    }
    for row in sqlx::query("SELECT constituency_no, number FROM stations").fetch_all(pool).await? {
        let constituency = to_u16(row.try_get("constituency_no")?).and_then(|n| ConstituencyNo::new(n).ok());
        let station = to_u16(row.try_get("number")?).and_then(|n| StationNo::new(n).ok());
        if let (Some(constituency), Some(station)) = (constituency, station) {
            known.stations.insert(StationRef { constituency, station });
        }
    }
    for row in sqlx::query("SELECT id, code FROM organisations").fetch_all(pool).await? {
        known.organisations.insert(domain::text::code_key(&row.try_get::<String, _>("code")?), row.try_get("id")?);
    }
    Ok(known)
}

fn to_u16(value: i64) -> Option<u16> {
    u16::try_from(value).ok()
}

/// Upserts every record. A database refusal names the spreadsheet row it came from.
pub async fn apply(
    connection: &mut Connection,
    kind: ImportKind,
    records: &[(usize, Record)],
    author: &ChangeAuthor,
    now: i64,
) -> Result<ImportOutcome> {
    let mut outcome = ImportOutcome::default();
    for (row, record) in records {
        let (created, entity, entity_id) = apply_one(connection, record, now).await.map_err(|error| match error {
            StorageError::Conflict(detail) => StorageError::Conflict(format!("row {row}: {detail}")),
            other => other,
        })?;
        if created {
            outcome.created += 1;
        } else {
            outcome.updated += 1;
        }
        let action = format!("{entity}.{}", if created { "import_create" } else { "import_update" });
        let details = serde_json::to_value(record).unwrap_or_default();
        audit::record(connection, author, Change { action: &action, entity, entity_id, details }, now).await?;
    }
    audit::record(
        connection,
        author,
        Change {
            action: "import.apply",
            entity: kind.as_str(),
            entity_id: String::new(),
            details: serde_json::json!({ "created": outcome.created, "updated": outcome.updated }),
        },
        now,
    )
    .await?;
    Ok(outcome)
}

async fn apply_one(connection: &mut Connection, record: &Record, now: i64) -> Result<(bool, &'static str, String)> {
    Ok(match record {
        Record::Constituency(c) => {
            (reference::upsert_constituency(connection, c).await?, "constituency", c.number.to_string())
        }
        Record::Station(s) => (reference::upsert_station(connection, s).await?, "station", s.reference.to_string()),
        Record::Candidate(c) => {
            (reference::upsert_candidate(connection, c).await?, "candidate", c.ballot_order.to_string())
        }
        Record::Person(p) => {
            let (id, created) = people::upsert(connection, p, now).await?;
            (created, "person", id.to_string())
        }
    })
}
