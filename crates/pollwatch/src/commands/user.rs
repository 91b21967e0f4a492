//! `pollwatch user add`: creates an account from the command line — how the first coalition
//! admin of a real mission comes to exist. The password is random and printed once.

use domain::audit::{ChangeAuthor, Channel};
use domain::import::PersonRecord;
use domain::people::{PersonName, Username};
use domain::roles::Role;
use storage::audit::{self, Change};
use storage::{Store, now_millis, people};

use crate::commands::CommandError;

pub async fn add(
    store: &Store,
    username: &str,
    full_name: &str,
    role: &str,
    organisation: Option<&str>,
) -> Result<(), CommandError> {
    let username = Username::parse(username).map_err(|e| CommandError::Usage(format!("username {e}")))?;
    let full_name = PersonName::parse(full_name).map_err(|e| CommandError::Usage(format!("full name {e}")))?;
    let role = Role::parse(role).ok_or_else(|| {
        CommandError::Usage(format!("unknown role {role}; use one of: {}", Role::ALL.map(|r| r.as_str()).join(", ")))
    })?;
    let known = storage::import::known_references(store.reads()).await?;
    let organisation_id = match organisation {
        Some(code) => Some(
            *known
                .organisations
                .get(&domain::text::code_key(code))
                .ok_or_else(|| CommandError::Usage(format!("no organisation with code {code}")))?,
        ),
        None if role.belongs_to_organisation() => {
            return Err(CommandError::Usage(format!("a {role} needs --organisation CODE")));
        }
        None => None,
    };
    let record = PersonRecord {
        username: username.clone(),
        full_name,
        role,
        organisation_id,
        phone: None,
        email: None,
        observer_code: None,
        stations: Vec::new(),
        constituencies: Vec::new(),
    };
    let password = web::auth::secrets::random_password();
    let hash = web::auth::password::hash(password.clone()).await.map_err(|e| CommandError::Usage(e.to_string()))?;
    let now = now_millis();
    store
        .write(move |connection| {
            Box::pin(async move {
                let id = people::insert(connection, &record, Some(&hash), now).await?;
                let details = serde_json::to_value(&record).unwrap_or_default();
                audit::record(
                    connection,
                    &ChangeAuthor::system(Channel::Cli),
                    Change { action: "person.create", entity: "person", entity_id: id.to_string(), details },
                    now,
                )
                .await
            })
        })
        .await?;
    println!("Created {username} ({role}). Password (shown once): {password}");
    Ok(())
}
