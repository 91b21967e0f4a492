//! `pollwatch import`: the same import as the web page, from a terminal — for the first big
//! loads (all stations, all observers) and for scripts. Prints every problem with its row.

use std::path::Path;

use domain::audit::{ChangeAuthor, Channel};
use domain::import::{self, ColumnMapping, ImportKind};
use storage::Store;
use storage::import::{apply, known_references};

use crate::commands::CommandError;

pub async fn run(
    store: &Store,
    kind: &str,
    file: &Path,
    mappings: &[String],
    dry_run: bool,
) -> Result<(), CommandError> {
    let kind = ImportKind::parse(kind).ok_or_else(|| {
        CommandError::Usage(format!("unknown kind {kind}; use constituencies, stations, candidates or people"))
    })?;
    let bytes = std::fs::read(file).map_err(|e| CommandError::Usage(format!("{}: {e}", file.display())))?;
    let table = tabular::read(&bytes).map_err(|e| CommandError::Usage(format!("{}: {e}", file.display())))?;
    let mut choices = Vec::new();
    for mapping in mappings {
        let (field, header) = mapping
            .split_once('=')
            .ok_or_else(|| CommandError::Usage(format!("--map takes field=Header, not {mapping}")))?;
        choices.push((field.trim().to_string(), header.trim().to_string()));
    }
    let mut mapping = ColumnMapping::guess(kind, &table.headers);
    if !choices.is_empty() {
        let chosen = ColumnMapping::from_choices(kind, &table.headers, &choices)
            .map_err(|e| CommandError::Usage(e.to_string()))?;
        mapping = merge(kind, &table.headers, mapping, chosen);
    }
    mapping.check_complete(kind).map_err(|e| {
        CommandError::Usage(format!(
            "{e}. The file's columns are: {}. Map one with --map field=Header",
            table.headers.join(", ")
        ))
    })?;
    let known = known_references(store.reads()).await?;
    let plan = import::plan(kind, &table.headers, &table.rows, &mapping, &known);
    if !plan.is_clean() {
        for error in &plan.errors {
            eprintln!("row {}, column {}: {:?}: {}", error.row, error.column, error.value, error.problem);
        }
        eprintln!("{} problem(s) in {}", plan.errors.len(), file.display());
        return Err(CommandError::ImportRefused);
    }
    let author = ChangeAuthor::system(Channel::Cli);
    let now = storage::now_millis();
    let records = plan.records;
    let outcome = if dry_run {
        store.rehearse(move |c| Box::pin(async move { apply(c, kind, &records, &author, now).await })).await?
    } else {
        store.write(move |c| Box::pin(async move { apply(c, kind, &records, &author, now).await })).await?
    };
    let verb = if dry_run { "Dry run passed (nothing changed)" } else { "Imported" };
    println!("{verb}: {} new, {} updated, {} blank rows skipped.", outcome.created, outcome.updated, plan.blank_rows);
    Ok(())
}

/// The person's choices win; guessed columns fill in the rest.
fn merge(kind: ImportKind, headers: &[String], guessed: ColumnMapping, chosen: ColumnMapping) -> ColumnMapping {
    let choices: Vec<(String, String)> = kind
        .fields()
        .iter()
        .filter_map(|field| {
            chosen
                .column_of(field.key)
                .or_else(|| guessed.column_of(field.key))
                .and_then(|column| headers.get(column))
                .map(|header| (field.key.to_string(), header.clone()))
        })
        .collect();
    ColumnMapping::from_choices(kind, headers, &choices).unwrap_or(chosen)
}
