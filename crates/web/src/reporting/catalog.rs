//! The forms in use, held in memory (every report is validated against one) and refreshed
//! when a new version is loaded.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use domain::forms::FormDefinition;
use storage::{StorageError, Store};

use crate::delivery::Asset;

#[derive(Default)]
pub struct FormCatalog {
    /// code → version → definition (found by the code as sent, without copying it).
    forms: RwLock<BTreeMap<String, BTreeMap<u32, Arc<FormDefinition>>>>,
    /// The current forms as the API sends them, made once for each set of forms loaded: every
    /// observer's app asks for them each time it opens.
    current_document: RwLock<Option<Arc<Asset>>>,
}

impl FormCatalog {
    /// Loads the stored forms, storing the standard ones first when a version of theirs is
    /// missing (a fresh database starts with the standard forms).
    pub async fn load(store: &Store) -> Result<FormCatalog, StorageError> {
        storage::forms::ensure_standard(store).await?;
        let catalog = FormCatalog::default();
        catalog.replace(storage::forms::all(store.reads()).await?);
        Ok(catalog)
    }

    pub fn replace(&self, forms: Vec<FormDefinition>) {
        let mut map: BTreeMap<String, BTreeMap<u32, Arc<FormDefinition>>> = BTreeMap::new();
        for form in forms {
            map.entry(form.code.clone()).or_default().insert(form.version, Arc::new(form));
        }
        // The document's lock first, here as where it is made: one is never made of forms
        // already replaced.
        let mut document = self.current_document.write().unwrap_or_else(|e| e.into_inner());
        *self.forms.write().unwrap_or_else(|e| e.into_inner()) = map;
        *document = None;
    }

    /// The newest version of every form as one JSON document (`GET /api/v1/forms`).
    pub fn current_document(&self) -> Result<Arc<Asset>, serde_json::Error> {
        if let Some(document) = self.current_document.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return Ok(document.clone());
        }
        let mut kept = self.current_document.write().unwrap_or_else(|e| e.into_inner());
        if let Some(document) = kept.as_ref() {
            return Ok(document.clone());
        }
        let json = serde_json::to_vec(&self.all_current())?;
        // Not about anyone, so a browser may keep it; it asks again each time (`no-cache`).
        let document = Arc::new(Asset::new("application/json", "private, no-cache", json));
        *kept = Some(document.clone());
        Ok(document)
    }

    /// The newest version of a form.
    pub fn current(&self, code: &str) -> Option<Arc<FormDefinition>> {
        let forms = self.forms.read().unwrap_or_else(|e| e.into_inner());
        forms.get(code)?.values().next_back().cloned()
    }

    pub fn version(&self, code: &str, version: u32) -> Option<Arc<FormDefinition>> {
        self.forms.read().unwrap_or_else(|e| e.into_inner()).get(code)?.get(&version).cloned()
    }

    /// The newest version of every form, in a stable order.
    pub fn all_current(&self) -> Vec<Arc<FormDefinition>> {
        let forms = self.forms.read().unwrap_or_else(|e| e.into_inner());
        let order = |f: &FormDefinition| (f.phase.map(|p| p as u8).unwrap_or(9), f.code.clone());
        let mut list: Vec<_> = forms.values().filter_map(|versions| versions.values().next_back().cloned()).collect();
        list.sort_by_key(|f| order(f));
        list
    }
}

/// The turnout count's reporting times, (slot, label) as its form lists them (its `TA`
/// question); none for any other form.
pub fn turnout_slots(form: &FormDefinition) -> Vec<(i64, domain::language::Localized)> {
    if form.phase != Some(domain::forms::Phase::Turnout) {
        return Vec::new();
    }
    match form.question("TA").map(|q| &q.kind) {
        Some(domain::forms::QuestionKind::SingleChoice { options }) => {
            options.iter().map(|o| (i64::from(o.value), o.label.clone())).collect()
        }
        _ => Vec::new(),
    }
}

/// A reporting time asked for with `form`: one of the turnout count's, or none.
pub fn turnout_slot(
    form: &FormDefinition,
    slot: Option<i64>,
    lang: domain::language::Language,
) -> Result<Option<i64>, crate::error::AppError> {
    match slot {
        None => Ok(None),
        Some(slot) if turnout_slots(form).iter().any(|(value, _)| *value == slot) => Ok(Some(slot)),
        Some(_) => Err(crate::error::AppError::BadRequest(crate::i18n::t(lang, "coverage-bad-slot"))),
    }
}
