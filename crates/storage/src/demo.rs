//! Loading the generated national demo into an empty database.

use std::collections::BTreeMap;

use domain::audit::{ChangeAuthor, Channel};
use domain::demo::DemoElection;
use domain::import::{CandidateRecord, ConstituencyRecord, PersonRecord, StationRecord};

use crate::audit::{self, Change};
use crate::{Result, StorageError, Store, people, reference};

#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub constituencies: usize,
    pub stations: usize,
    pub people: usize,
}

/// Writes the whole demo in one transaction. Every demo account gets the same password
/// hash: hashing 1,300 passwords with argon2 would take over a minute, and these are
/// throw-away accounts that exist only under `pollwatch demo`.
pub async fn load(store: &Store, demo: DemoElection, shared_password_hash: String, now: i64) -> Result<DemoSummary> {
    if people::count(store.reads()).await? > 0 {
        return Err(StorageError::Conflict("the database already holds people; the demo needs an empty one".into()));
    }
    store
        .write(move |connection| {
            Box::pin(async move {
                reference::set_election(connection, &demo.election).await?;
                let mut organisation_ids = BTreeMap::new();
                for organisation in &demo.organisations {
                    let id = reference::insert_organisation(connection, organisation).await?;
                    organisation_ids.insert(organisation.code.clone(), id);
                }
                for c in &demo.constituencies {
                    let record = ConstituencyRecord {
                        number: c.number,
                        name_az: c.name_az.clone(),
                        name_en: c.name_en.clone(),
                        area_az: c.area_az.clone(),
                        in_baku: c.in_baku,
                        monitored: c.monitored,
                    };
                    reference::upsert_constituency(connection, &record).await?;
                }
                for s in &demo.stations {
                    let record = StationRecord {
                        reference: s.reference,
                        registered_voters: s.registered_voters,
                        address: s.address.clone(),
                    };
                    reference::upsert_station(connection, &record).await?;
                }
                for c in &demo.candidates {
                    let record = CandidateRecord {
                        ballot_order: c.ballot_order,
                        name: c.name.clone(),
                        nominated_by: c.nominated_by.clone(),
                    };
                    reference::upsert_candidate(connection, &record).await?;
                }
                for p in &demo.people {
                    let record = PersonRecord {
                        username: p.username.clone(),
                        full_name: p.full_name.clone(),
                        role: p.role,
                        organisation_id: p.organisation_code.and_then(|code| organisation_ids.get(code).copied()),
                        phone: p.phone.clone(),
                        email: None,
                        observer_code: p.observer_code,
                        stations: p.stations.clone(),
                        constituencies: p.constituencies.clone(),
                    };
                    people::insert(connection, &record, Some(&shared_password_hash), now).await?;
                }
                let summary = DemoSummary {
                    constituencies: demo.constituencies.len(),
                    stations: demo.stations.len(),
                    people: demo.people.len(),
                };
                audit::record(
                    connection,
                    &ChangeAuthor::system(Channel::Demo),
                    Change {
                        action: "demo.load",
                        entity: "election",
                        entity_id: "1".into(),
                        details: serde_json::json!({
                            "constituencies": summary.constituencies,
                            "stations": summary.stations,
                            "people": summary.people,
                        }),
                    },
                    now,
                )
                .await?;
                Ok(summary)
            })
        })
        .await
}
