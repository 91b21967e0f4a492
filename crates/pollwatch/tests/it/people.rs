//! Managing people through the pages: creating, validating, scoping.

use reqwest::StatusCode;

use crate::helpers::{DEMO_PASSWORD, spawn_app};

fn issued_password(page: &str) -> String {
    page.split("id=\"issued-password\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("a password shown once")
        .to_string()
}

#[tokio::test]
async fn an_admin_creates_an_observer_who_can_then_sign_in() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let response = app
        .post_form(
            &admin,
            "/people",
            &[
                ("full_name", "Günay İsmayılova"),
                ("username", "gunay.i"),
                ("role", "observer"),
                ("organisation", "NHMT"),
                ("phone", "050 555 12 34"),
                ("stations", "21/4; 21/5"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let password = issued_password(&response.text().await.unwrap());
    let observer = app.login("gunay.i", &password).await;
    let me: serde_json::Value = app.get(&observer, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["role"], "observer");
    assert_eq!(me["stations"], serde_json::json!(["21/4", "21/5"]));
    let person = storage::people::by_username(app.store.reads(), "gunay.i").await.unwrap().unwrap();
    assert_eq!(person.phone.as_deref(), Some("+994505551234"));
    assert!(person.observer_code.is_some_and(|c| (100_000..=999_999).contains(&c)), "observers get a code");
}

#[tokio::test]
async fn a_bad_person_form_names_each_problem_in_the_readers_language() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    admin.get(app.url("/language?to=en")).send().await.unwrap();
    let response = app
        .post_form(
            &admin,
            "/people",
            &[
                ("full_name", ""),
                ("username", "x"),
                ("role", "observer"),
                ("organisation", "NOPE"),
                ("phone", "12"),
                ("stations", "17/999"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    for expected in [
        "Full name: a value is required",
        "no member organisation has this code",
        "Phone: invalid value",
        "there is no polling station 17/999",
        "Username: invalid value",
    ] {
        assert!(page.contains(expected), "missing {expected:?}");
    }
    assert!(storage::people::by_username(app.store.reads(), "x").await.unwrap().is_none());
}

#[tokio::test]
async fn an_organisation_admin_cannot_reach_beyond_their_organisation() {
    let app = spawn_app().await;
    let org_admin = app.login("orgadmin", DEMO_PASSWORD).await;
    // Asking for another organisation or an admin role is refused or overridden.
    let response = app
        .post_form(
            &org_admin,
            "/people",
            &[
                ("full_name", "Rauf Əliyev"),
                ("username", "rauf.a"),
                ("role", "coalition_admin"),
                ("organisation", "NHMT"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Nor a coordinator: one would see every organisation's observers, names and phones, in
    // whatever constituencies they were given.
    let response = app
        .post_form(
            &org_admin,
            "/people",
            &[
                ("full_name", "Rauf Əliyev"),
                ("username", "rauf.c"),
                ("role", "coordinator"),
                ("constituencies", "1; 2; 17; 40"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(storage::people::by_username(app.store.reads(), "rauf.c").await.unwrap().is_none());
    let response = app
        .post_form(
            &org_admin,
            "/people",
            &[("full_name", "Rauf Əliyev"), ("username", "rauf.a"), ("role", "observer"), ("organisation", "NHMT")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rauf = storage::people::by_username(app.store.reads(), "rauf.a").await.unwrap().unwrap();
    assert_eq!(rauf.organisation_code.as_deref(), Some("VCUM"), "an org admin's people join their organisation");

    let listed: serde_json::Value = app.get(&org_admin, "/api/v1/people?per_page=500").await.json().await.unwrap();
    let items = listed["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|p| p["organisation"] == "VCUM"));
}

#[tokio::test]
async fn a_coordinator_lists_only_the_observers_of_their_constituencies() {
    let app = spawn_app().await;
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let listed: serde_json::Value = app.get(&coordinator, "/api/v1/people?per_page=500").await.json().await.unwrap();
    let items = listed["items"].as_array().unwrap();
    assert!(items.len() >= 20, "constituency 17 has its observers");
    for person in items {
        assert_eq!(person["role"], "observer");
        let id = person["id"].as_i64().unwrap();
        let facts = storage::people::facts(app.store.reads(), id).await.unwrap().unwrap();
        assert!(facts.constituencies.iter().any(|c| c.get() == 17));
    }
}

#[tokio::test]
async fn people_are_found_by_name_without_diacritics() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    app.post_form(
        &admin,
        "/people",
        &[("full_name", "Şəbnəm Qasımova"), ("username", "sebnem.q"), ("role", "analyst")],
    )
    .await;
    for query in ["sebnem qasimova", "ŞƏBNƏM", "qasımova"] {
        let found: serde_json::Value =
            app.get(&admin, &format!("/api/v1/people?q={}", query.replace(' ', "%20"))).await.json().await.unwrap();
        let names: Vec<&str> =
            found["items"].as_array().unwrap().iter().filter_map(|p| p["username"].as_str()).collect();
        assert!(names.contains(&"sebnem.q"), "{query} should find sebnem.q, found {names:?}");
    }
}
