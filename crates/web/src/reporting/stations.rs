//! Polling stations as reports name them ("17/203") or as deployments hold them (by id),
//! remembered after the first look-up: stations change only by import, which clears this.

use std::collections::HashMap;
use std::sync::RwLock;

use domain::election::StationRef;
use storage::reference::{self, StationRow};
use storage::submissions::StationFacts;
use storage::{StorageError, Store};

#[derive(Default)]
pub struct StationDirectory {
    known: RwLock<Known>,
}

#[derive(Default)]
struct Known {
    by_reference: HashMap<StationRef, StationFacts>,
    by_id: HashMap<i64, StationFacts>,
}

impl StationDirectory {
    pub async fn find(&self, store: &Store, reference: StationRef) -> Result<Option<StationFacts>, StorageError> {
        if let Some(facts) = self.known.read().unwrap_or_else(|e| e.into_inner()).by_reference.get(&reference) {
            return Ok(Some(facts.clone()));
        }
        let row = reference::station(store.reads(), reference).await?;
        Ok(row.map(|row| self.remember(reference, row)))
    }

    /// The station a deployment names (an observer reporting without naming one).
    pub async fn by_id(&self, store: &Store, id: i64) -> Result<Option<StationFacts>, StorageError> {
        if let Some(facts) = self.known.read().unwrap_or_else(|e| e.into_inner()).by_id.get(&id) {
            return Ok(Some(facts.clone()));
        }
        let Some(row) = reference::station_by_id(store.reads(), id).await? else { return Ok(None) };
        let reference = StationRef::parse(&row.label()).map_err(|e| StorageError::Corrupt(e.to_string()))?;
        Ok(Some(self.remember(reference, row)))
    }

    fn remember(&self, reference: StationRef, row: StationRow) -> StationFacts {
        let facts = StationFacts {
            id: row.id,
            constituency_no: row.constituency_no,
            label: row.label(),
            registered_voters: row.registered_voters,
        };
        let mut known = self.known.write().unwrap_or_else(|e| e.into_inner());
        known.by_reference.insert(reference, facts.clone());
        known.by_id.insert(facts.id, facts.clone());
        facts
    }

    pub fn clear(&self) {
        *self.known.write().unwrap_or_else(|e| e.into_inner()) = Known::default();
    }
}
