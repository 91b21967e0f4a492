//! `pollwatch demo`: a national-scale demo election in a data folder, served at once.

use std::path::PathBuf;
use std::time::Instant;

use domain::demo::{self, DEMO_LOGINS, DEMO_PASSWORD};
use storage::{Store, now_millis, people, sessions};

use crate::commands::CommandError;
use crate::config::ServeSettings;
use crate::startup::Application;

pub async fn run(data_dir: &PathBuf, seed: u64, settings: &ServeSettings) -> Result<(), CommandError> {
    std::fs::create_dir_all(data_dir)?;
    let database = data_dir.join("pollwatch.db");
    let started = Instant::now();
    let store = Store::open(&database.to_string_lossy()).await?;
    let mut partner_token = None;
    if people::count(store.reads()).await? == 0 {
        println!("Generating the national demo election (seed {seed})…");
        let election = demo::generate(seed);
        let hash = web::auth::password::hash(DEMO_PASSWORD.to_string())
            .await
            .map_err(|e| CommandError::Usage(e.to_string()))?;
        let summary = storage::demo::load(&store, election, hash, now_millis()).await?;
        partner_token = Some(issue_partner_token(&store).await?);
        println!(
            "Loaded {} constituencies, {} polling stations and {} people in {:.1} s.",
            summary.constituencies,
            summary.stations,
            summary.people,
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("Using the existing demo data in {}.", data_dir.display());
    }
    let application = Application::build(store, settings).await?;
    println!();
    println!("pollwatch demo is ready: http://{}", application.address());
    println!("Demo logins (password \"{DEMO_PASSWORD}\" for all; demo only):");
    for (username, role) in DEMO_LOGINS {
        println!("  {username:<12} {role}");
    }
    if let Some(token) = partner_token {
        println!("API token of the demo partner (shown once): {token}");
        println!("  try: curl -H 'Authorization: Bearer {token}' http://{}/api/v1/election", application.address());
    }
    println!("Stop with Ctrl-C. Delete {} to start afresh.", data_dir.display());
    application.run_until_stopped().await?;
    Ok(())
}

async fn issue_partner_token(store: &Store) -> Result<String, CommandError> {
    let partner = people::by_username(store.reads(), "partner")
        .await?
        .ok_or_else(|| CommandError::Usage("demo partner missing".into()))?;
    let token = format!("pw_{}", web::auth::secrets::random_token());
    let token_hash = web::auth::secrets::hash_token(&token);
    let now = now_millis();
    store
        .write(move |connection| {
            Box::pin(async move {
                sessions::create_api_token(connection, &token_hash, "demo partner", partner.id, None, now).await?;
                Ok(())
            })
        })
        .await?;
    Ok(token)
}
