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
    // Said in words: the action, and what changed from what to what; what did not change is
    // not listed. (Before and after are recorded in one shape, the form's.)
    let before = &entry["details"]["before"];
    let after = &entry["details"]["after"];
    assert_eq!(
        after.as_object().unwrap().keys().collect::<Vec<_>>(),
        before.as_object().unwrap().keys().collect::<Vec<_>>()
    );
    assert_eq!(after["organisation"], "VCUM");
    assert_eq!(after["role"], before["role"]);
    let row = page.split("<tr>").find(|row| row.contains("Media Monitor Renamed")).unwrap();
    assert!(row.contains("Şəxsin məlumatları dəyişdirildi"), "{row}");
    let renamed = format!("Adı, soyadı: </span>{} → Media Monitor Renamed", before["full_name"].as_str().unwrap());
    assert!(row.contains(&renamed), "{row}");
    assert!(!row.contains("İstifadəçi adı") && !row.contains("Rol:"), "unchanged fields are not listed: {row}");

    // Made an observer: the code they are given is in the record of the change; stations
    // typed in another order are the same stations.
    let observer = |stations: &'static str| {
        [
            ("full_name", "Media Monitor Renamed"),
            ("username", "media"),
            ("role", "observer"),
            ("organisation", "VCUM"),
            ("stations", stations),
        ]
    };
    assert_eq!(app.post_form(&admin, &format!("/people/{id}"), &observer("17/2; 17/1")).await.status(), 303);
    assert_eq!(app.post_form(&admin, &format!("/people/{id}"), &observer("17/1, 17/2")).await.status(), 303);
    let log: serde_json::Value = app.get(&admin, "/api/v1/audit?action=person.update").await.json().await.unwrap();
    let (latest, made_observer) = (&log["items"][0]["details"], &log["items"][1]["details"]);
    let code = made_observer["after"]["observer_code"].as_str().unwrap();
    assert_eq!(code.len(), 6, "{made_observer}");
    assert_eq!(made_observer["before"]["observer_code"], "");
    assert_eq!(made_observer["after"]["stations"], "17/1; 17/2");
    assert_eq!(latest["before"], latest["after"], "nothing changed the second time: {latest}");
    let page = app.get(&admin, "/audit?action=person.update").await.text().await.unwrap();
    assert!(page.contains(&format!("— → {code}")), "the code given is shown");
    assert!(page.contains("Heç nə dəyişmədi"), "a change to nothing says so");
}

/// Two admins changing one person at once: each record says what its own change replaced, so
/// that the records, read in order, follow one another.
#[tokio::test]
async fn simultaneous_changes_to_one_person_each_record_what_they_replaced() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let id = app.user_id("media").await;
    let csrf = app.csrf(&admin).await;
    let mut sent = tokio::task::JoinSet::new();
    for n in 0..6 {
        let name = format!("Media Monitor {n}");
        let fields = [
            ("full_name", name.as_str()),
            ("username", "media"),
            ("role", "media_monitor"),
            ("organisation", "VCUM"),
            ("csrf", csrf.as_str()),
        ];
        sent.spawn(admin.post(app.url(&format!("/people/{id}"))).form(&fields).send());
    }
    while let Some(sent) = sent.join_next().await {
        assert_eq!(sent.unwrap().unwrap().status(), 303);
    }
    let log: serde_json::Value = app.get(&admin, "/api/v1/audit?action=person.update").await.json().await.unwrap();
    let person = id.to_string();
    let mut changes: Vec<&serde_json::Value> =
        log["items"].as_array().unwrap().iter().filter(|entry| entry["entity_id"] == person.as_str()).collect();
    changes.reverse();
    assert_eq!(changes.len(), 6);
    for pair in changes.windows(2) {
        let (earlier, later) = (&pair[0]["details"], &pair[1]["details"]);
        assert_eq!(later["before"]["full_name"], earlier["after"]["full_name"], "{earlier}\n{later}");
    }
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
    // The page says it in the reader's language.
    let page = app.get(&admin, "/audit?from=2024-13-45").await.text().await.unwrap();
    assert!(page.contains("Tarix 2024-02-07 kimi yazılır, 2024-13-45 kimi yox."), "{page}");
}

#[tokio::test]
async fn a_report_is_listed_once_with_its_observer_even_when_sent_twice() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let csrf = app.csrf(&observer).await;
    let report = serde_json::json!({
        "id": "a0d1e7c2-0000-4000-8000-00000000a0d1", "form": "OP", "station": "17/1",
        "answers": {"OA": "07:02", "OB": true, "OC": true, "OF": true, "OG": true, "OH": true, "OI": false, "OK": true}
    });
    for expected in [201, 200] {
        let sent = observer.post(app.url("/api/v1/submissions")).header("x-csrf-token", &csrf).json(&report);
        assert_eq!(sent.send().await.unwrap().status(), expected);
    }
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let log: serde_json::Value =
        app.get(&admin, "/api/v1/audit?entity=submission&actor=observer").await.json().await.unwrap();
    assert_eq!(log["total"], 1, "{log}");
    let entry = &log["items"][0];
    assert_eq!(
        (&entry["action"], &entry["actor"], &entry["channel"]),
        (&"submission.create".into(), &"observer".into(), &"web".into())
    );
    assert_eq!(entry["details"], serde_json::json!({"form": "OP", "station": "17/1"}));
    assert!(entry["id"].is_null(), "a report has no audit row of its own: {entry}");
    let page = app.get(&admin, "/audit?entity=submission").await.text().await.unwrap();
    assert!(page.contains("submission.create") && page.contains("17/1"), "the admin's page lists it too");
    assert!(page.contains(r#"<span class="muted">station: </span>17/1<br>"#), "details as lines, not JSON: {page}");
    // The observer's own list holds it once.
    let mine: serde_json::Value = app.get(&observer, "/api/v1/submissions/mine").await.json().await.unwrap();
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
}
