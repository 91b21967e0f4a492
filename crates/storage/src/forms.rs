//! Stored form definitions, every version kept: submissions name the version they filled.

use sqlx::{AnyPool, Row};

use domain::forms::FormDefinition;

use crate::{Connection, Result, StorageError};

/// Stores a definition. Loading the same version again with the same content is a no-op
/// (returns false); the same version with different content is refused — bump the version.
pub async fn save(connection: &mut Connection, form: &FormDefinition, now: i64) -> Result<bool> {
    let definition = serde_json::to_string(form).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let existing = sqlx::query("SELECT definition FROM forms WHERE code = $1 AND version = $2")
        .bind(form.code.clone())
        .bind(i64::from(form.version))
        .fetch_optional(&mut *connection)
        .await?;
    if let Some(row) = existing {
        let stored: String = row.try_get("definition")?;
        return if stored == definition {
            Ok(false)
        } else {
            Err(StorageError::Conflict(format!(
                "form {} version {} is already loaded with different content; give the new one a higher version",
                form.code, form.version
            )))
        };
    }
    sqlx::query(
        "INSERT INTO forms (code, version, kind, phase, definition, loaded_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(form.code.clone())
    .bind(i64::from(form.version))
    .bind(serde_json::to_value(form.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
    .bind(form.phase.map(|p| p.as_str().to_string()))
    .bind(definition)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(true)
}

/// Every stored version of every form, oldest first.
pub async fn all(pool: &AnyPool) -> Result<Vec<FormDefinition>> {
    let rows = sqlx::query("SELECT definition FROM forms ORDER BY code, version").fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let text: String = row.try_get("definition")?;
            FormDefinition::parse(&text).map_err(|e| StorageError::Corrupt(format!("stored form: {e}")))
        })
        .collect()
}

/// Stores the standard forms where their version is missing, so a fresh database starts with
/// them. A mission that edited a standard form's same version keeps its own.
pub async fn ensure_standard(store: &crate::Store) -> Result<()> {
    for form in domain::forms::standard::standard_forms() {
        let now = crate::now_millis();
        match store.write(move |c| Box::pin(async move { save(c, &form, now).await })).await {
            Ok(_) => {}
            Err(StorageError::Conflict(detail)) => tracing::warn!(%detail, "kept the stored form"),
            Err(other) => return Err(other),
        }
    }
    Ok(())
}
