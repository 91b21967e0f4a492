//! The same application on PostgreSQL: demo load, sign-in, API, an import and the audit log.
//! Needs POLLWATCH_TEST_POSTGRES (a server URL whose user may create databases), which
//! `scripts/test` and `.ci/run` provide by starting a throwaway cluster.

use crate::helpers::{DEMO_PASSWORD, spawn_on};

pub async fn fresh_database() -> Option<String> {
    let Ok(server) = std::env::var("POLLWATCH_TEST_POSTGRES") else {
        assert!(
            std::env::var_os("POLLWATCH_SKIP_POSTGRES").is_some(),
            "POLLWATCH_TEST_POSTGRES is not set: run scripts/test (it starts PostgreSQL), or set POLLWATCH_SKIP_POSTGRES=1 to skip"
        );
        eprintln!("skipping the PostgreSQL test: POLLWATCH_SKIP_POSTGRES is set");
        return None;
    };
    let name = format!("pollwatch_it_{}", web::auth::secrets::random_token()[..12].to_string());
    sqlx::any::install_default_drivers();
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&server).await.expect("connect to PostgreSQL");
    sqlx::Executor::execute(&mut admin, sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.expect("create database");
    let base = server.rsplit_once('/').map(|(base, _)| base).unwrap_or(&server);
    Some(format!("{base}/{name}"))
}

#[tokio::test]
async fn the_whole_application_runs_on_postgresql() {
    let Some(url) = fresh_database().await else { return };
    let store = storage::Store::open(&url).await.expect("open PostgreSQL store");
    let hash = web::auth::password::hash(DEMO_PASSWORD.into()).await.unwrap();
    let started = std::time::Instant::now();
    storage::demo::load(&store, domain::demo::generate(2024), hash, storage::now_millis()).await.unwrap();
    eprintln!("demo loaded into PostgreSQL in {:.1} s", started.elapsed().as_secs_f64());
    let app = spawn_on(store, tempfile::tempdir().unwrap()).await;

    let admin = app.login("admin", DEMO_PASSWORD).await;
    let election: serde_json::Value = app.get(&admin, "/api/v1/election").await.json().await.unwrap();
    assert_eq!(election["stations"], 6537);
    assert_eq!(election["registered_voters"], 6_478_623);
    let found: serde_json::Value = app.get(&admin, "/api/v1/people?q=ALIYEV&role=observer").await.json().await.unwrap();
    assert!(found["total"].as_i64().unwrap() > 0);
    let response = app
        .post_form(&admin, "/people", &[("full_name", "Nigar Rzayeva"), ("username", "nigar.r"), ("role", "observer"), ("organisation", "VCUM"), ("stations", "17/1")])
        .await;
    assert_eq!(response.status(), 200);
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let listed: serde_json::Value = app.get(&coordinator, "/api/v1/people?q=nigar").await.json().await.unwrap();
    assert_eq!(listed["total"], 1);
    let log: serde_json::Value = app.get(&admin, "/api/v1/audit?action=person.create").await.json().await.unwrap();
    assert_eq!(log["items"][0]["details"]["username"], "nigar.r");
}
