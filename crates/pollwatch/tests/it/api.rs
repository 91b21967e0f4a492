//! The JSON API: its OpenAPI document (snapshotted, so changes show in review) and answers.

use crate::helpers::{DEMO_PASSWORD, browser, spawn_app};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/openapi.snapshot.json");

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot_and_is_what_the_server_serves() {
    let generated = web::api::openapi().to_pretty_json().unwrap();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &generated).unwrap();
    }
    let snapshot =
        std::fs::read_to_string(SNAPSHOT).expect("snapshot exists; run with UPDATE_SNAPSHOTS=1 to create it");
    if let Some((line, (now, before))) = generated.lines().zip(snapshot.lines()).enumerate().find(|(_, (a, b))| a != b)
    {
        panic!(
            "the API changed at line {}: {now:?} was {before:?}; review it, then run with UPDATE_SNAPSHOTS=1",
            line + 1
        );
    }
    assert_eq!(generated.lines().count(), snapshot.lines().count(), "the API changed: run with UPDATE_SNAPSHOTS=1");

    let app = spawn_app().await;
    let served: serde_json::Value = app.get(&browser(), "/api/v1/openapi.json").await.json().await.unwrap();
    let generated: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(served, generated);
    for path in [
        "/election",
        "/constituencies",
        "/constituencies/{number}",
        "/stations",
        "/candidates",
        "/organisations",
        "/me",
        "/people",
        "/people/{id}",
        "/audit",
    ] {
        assert!(served["paths"].get(path).is_some(), "{path} is documented");
    }
}

#[tokio::test]
async fn the_election_is_served_at_national_scale() {
    let app = spawn_app().await;
    let public = browser();
    let election: serde_json::Value = app.get(&public, "/api/v1/election").await.json().await.unwrap();
    assert_eq!(election["constituencies"], 125);
    assert_eq!(election["stations"], 6537);
    assert_eq!(election["registered_voters"], 6_478_623);
    assert!(election.get("monitored_constituencies").is_none(), "the public does not see monitoring");

    let candidates: serde_json::Value = app.get(&public, "/api/v1/candidates").await.json().await.unwrap();
    let names: Vec<&str> = candidates.as_array().unwrap().iter().map(|c| c["name_en"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Ilham Aliyev",
            "Zahid Oruj",
            "Fuad Aliyev",
            "Razi Nurullayev",
            "Fazil Mustafa",
            "Elshad Musayev",
            "Gudrat Hasanguliyev"
        ]
    );

    let found: serde_json::Value = app.get(&public, "/api/v1/constituencies?q=yasamal").await.json().await.unwrap();
    assert!(found.as_array().unwrap().iter().any(|c| c["number"] == 17));
    let stations: serde_json::Value =
        app.get(&public, "/api/v1/stations?constituency=17&per_page=5").await.json().await.unwrap();
    assert_eq!(stations["items"][0]["reference"], "17/1");
    assert_eq!(stations["items"].as_array().unwrap().len(), 5);
    assert_eq!(app.get(&public, "/api/v1/stations?constituency=126").await.status(), 422);
    assert_eq!(app.get(&public, "/api/v1/constituencies/0").await.status(), 404);

    let analyst = app.login("analyst", DEMO_PASSWORD).await;
    let election: serde_json::Value = app.get(&analyst, "/api/v1/election").await.json().await.unwrap();
    assert_eq!(election["monitored_constituencies"], 60);
}

#[tokio::test]
async fn exports_round_trip_through_imports() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let csv = app.get(&admin, "/exports/stations.csv").await.bytes().await.unwrap();
    let table = tabular::read(&csv).unwrap();
    assert_eq!(table.rows.len(), 6537);
    assert_eq!(table.headers, ["constituency", "number", "registered_voters", "address"]);
    let xlsx = app.get(&admin, "/exports/people.xlsx").await.bytes().await.unwrap();
    let people = tabular::read(&xlsx).unwrap();
    assert_eq!(people.headers[0], "username");
    let observer_row = people.rows.iter().find(|r| r[0] == "observer").expect("observer exported");
    assert_eq!(observer_row[7], "17/1");
}
