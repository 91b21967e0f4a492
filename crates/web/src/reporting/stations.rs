//! Polling stations as reports name them ("17/203"), remembered after the first look-up:
//! stations change only by import, which clears this.

use std::collections::HashMap;
use std::sync::RwLock;

use domain::election::StationRef;
use storage::submissions::StationFacts;
use storage::{StorageError, Store, reference};

#[derive(Default)]
pub struct StationDirectory {
    known: RwLock<HashMap<StationRef, StationFacts>>,
}

impl StationDirectory {
    pub async fn find(&self, store: &Store, reference: StationRef) -> Result<Option<StationFacts>, StorageError> {
        if let Some(facts) = self.known.read().unwrap_or_else(|e| e.into_inner()).get(&reference) {
            return Ok(Some(facts.clone()));
        }
        let Some(row) = reference::station(store.reads(), reference).await? else { return Ok(None) };
        let facts = StationFacts {
            id: row.id,
            constituency_no: row.constituency_no,
            label: row.label(),
            registered_voters: row.registered_voters,
        };
        self.known.write().unwrap_or_else(|e| e.into_inner()).insert(reference, facts.clone());
        Ok(Some(facts))
    }

    pub fn clear(&self) {
        self.known.write().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
