//! `pollwatch forms load|list`: form definitions from the command line.

use std::path::Path;

use domain::forms::FormDefinition;
use storage::{Store, now_millis};

use crate::commands::CommandError;

pub async fn load(store: &Store, file: &Path) -> Result<(), CommandError> {
    storage::forms::ensure_standard(store).await?;
    let text = std::fs::read_to_string(file).map_err(|e| CommandError::Usage(format!("{}: {e}", file.display())))?;
    let form = FormDefinition::parse(&text).map_err(|e| CommandError::Usage(format!("{}: {e}", file.display())))?;
    let (code, version) = (form.code.clone(), form.version);
    let now = now_millis();
    let new = store.write(move |c| Box::pin(async move { storage::forms::save(c, &form, now).await })).await?;
    if new {
        println!("Loaded form {code} version {version}. Running servers use it after a restart.");
    } else {
        println!("Form {code} version {version} was already loaded with this content.");
    }
    Ok(())
}

pub async fn list(store: &Store) -> Result<(), CommandError> {
    storage::forms::ensure_standard(store).await?;
    for form in storage::forms::all(store.reads()).await? {
        let questions = form.questions().count();
        println!(
            "{} v{:<3} {:<10} {:>3} questions  {}",
            form.code,
            form.version,
            format!("{:?}", form.kind).to_lowercase(),
            questions,
            form.title.az
        );
    }
    Ok(())
}
