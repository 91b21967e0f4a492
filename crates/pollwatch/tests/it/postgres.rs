//! The same application on PostgreSQL: demo load, sign-in, API, an import and the audit log.
//! Needs POLLWATCH_TEST_POSTGRES (see `storage::testing`), which `scripts/test` provides.

use crate::helpers::{DEMO_PASSWORD, spawn_on};

#[tokio::test]
async fn the_whole_application_runs_on_postgresql() {
    let Some(url) = storage::testing::fresh_postgres_database().await else { return };
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
        .post_form(
            &admin,
            "/people",
            &[
                ("full_name", "Pərvanə Sınaqova"),
                ("username", "pervane.s"),
                ("role", "observer"),
                ("organisation", "VCUM"),
                ("stations", "17/1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let listed: serde_json::Value =
        app.get(&coordinator, "/api/v1/people?q=pervane%20sinaq").await.json().await.unwrap();
    assert_eq!(listed["total"], 1);
    let log: serde_json::Value = app.get(&admin, "/api/v1/audit?action=person.create").await.json().await.unwrap();
    assert_eq!(log["items"][0]["details"]["username"], "pervane.s");
}
