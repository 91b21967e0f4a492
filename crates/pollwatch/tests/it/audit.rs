//! The audit log: every change is recorded with who, when, channel and what changed.

use crate::helpers::{DEMO_PASSWORD, spawn_app};

#[tokio::test]
async fn changes_are_logged_with_author_channel_and_content() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let id = app.user_id("media").await;
    let response = app
        .post_form(
            &admin,
            &format!("/people/{id}"),
            &[
                ("full_name", "Media Monitor Renamed"),
                ("username", "media"),
                ("role", "media_monitor"),
                ("organisation", "VCUM"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);

    let log: serde_json::Value = app.get(&admin, "/api/v1/audit?action=person.update").await.json().await.unwrap();
    let entry = &log["items"][0];
    assert_eq!(entry["actor"], "admin");
    assert_eq!(entry["channel"], "web");
    assert_eq!(entry["entity_id"], id.to_string());
    assert_eq!(entry["details"]["after"]["full_name"], "Media Monitor Renamed");
    assert!(entry["details"]["before"]["full_name"].as_str().is_some_and(|n| n != "Media Monitor Renamed"));

    // Sign-ins are recorded too, and the log filters by person.
    let by_admin: serde_json::Value =
        app.get(&admin, "/api/v1/audit?actor=admin&action=session.sign_in").await.json().await.unwrap();
    assert!(by_admin["total"].as_i64().unwrap() >= 1);
    let page = app.get(&admin, "/audit?action=person.update").await.text().await.unwrap();
    assert!(page.contains("person.update") && page.contains("Media Monitor Renamed"));
}

#[tokio::test]
async fn the_audit_log_filters_by_channel_and_baku_date() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let demo: serde_json::Value = app.get(&admin, "/api/v1/audit?channel=demo").await.json().await.unwrap();
    assert_eq!(demo["items"][0]["action"], "demo.load");
    let future: serde_json::Value = app.get(&admin, "/api/v1/audit?from=2099-01-01").await.json().await.unwrap();
    assert_eq!(future["total"], 0);
    let bad = app.get(&admin, "/api/v1/audit?from=07.02.2024").await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("2024-02-07"), "the error shows the expected form");
}
