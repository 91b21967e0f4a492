//! The JSON API: its OpenAPI document (snapshotted, so changes show in review) and answers.

use reqwest::StatusCode;

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

#[tokio::test]
async fn addresses_and_parameters_the_api_cannot_read_are_answered_in_json_in_the_callers_language() {
    let app = spawn_app().await;
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let refusal = |response: reqwest::Response| async move {
        assert_eq!(response.headers()["content-type"], "application/json");
        (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
    };
    // A query parameter that is not a number: which one, and why.
    let (status, body) = refusal(app.get(&coordinator, "/api/v1/incidents?page=abc").await).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "unreadable");
    assert_eq!(body["message"], "Ünvanın parametrləri gözlənildiyi kimi deyil: page: invalid digit found in string");
    // An id in the path that is not a number.
    let (status, body) = refusal(app.get(&coordinator, "/api/v1/incidents/abc").await).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().starts_with("Ünvan gözlənildiyi kimi deyil: "), "{body}");
    assert!(body["message"].as_str().unwrap().contains("abc"), "{body}");
    // An address the API does not have, and a method an address does not take: the
    // coordinator's language from their account, a stranger's from their browser.
    let (status, body) = refusal(app.get(&coordinator, "/api/v1/no-such-thing").await).await;
    assert_eq!((status, body["error"].as_str(), body["message"].as_str()), (404, Some("not_found"), Some("Tapılmadı")));
    let stranger = browser().delete(app.url("/api/v1/submissions")).header("accept-language", "ru-RU,ru;q=0.9");
    let (status, body) = refusal(stranger.send().await.unwrap()).await;
    assert_eq!(
        (status, body["error"].as_str(), body["message"].as_str()),
        (405, Some("method_not_allowed"), Some("Этот адрес не принимает такой метод"))
    );
    // Refused what their role may not see, in the language they chose on a page.
    let observer = app.login("observer", DEMO_PASSWORD).await;
    assert!(app.post_form(&observer, "/language", &[("to", "en")]).await.status().is_redirection());
    let (status, body) = refusal(app.get(&observer, "/api/v1/audit").await).await;
    assert_eq!(
        (status, body["error"].as_str(), body["message"].as_str()),
        (403, Some("forbidden"), Some("You may not do this"))
    );
    let (status, body) = refusal(browser().get(app.url("/api/v1/people")).send().await.unwrap()).await;
    assert_eq!((status, body["message"].as_str()), (401, Some("Zəhmət olmasa, daxil olun")));
    // Outside the API, a page that says so in the reader's language.
    let page = app.get(&coordinator, "/no-such-page").await;
    assert_eq!(page.status(), 404);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("<h1>Tapılmadı</h1>"));
    // A page's address it cannot read: a page saying what is wrong, not axum's plain text.
    let page = app.get(&coordinator, "/incidents?page=abc").await;
    assert_eq!(page.status(), 400);
    let text = page.text().await.unwrap();
    assert!(text.contains("<h1>Sorğunu oxumaq mümkün olmadı</h1>"), "{text}");
    assert!(text.contains("page: invalid digit found in string"), "{text}");
    // Still signed in, as the page says: their name and "sign out", not "sign in".
    assert!(text.contains(r#"action="/logout""#) && !text.contains(r#"href="/login""#), "{text}");
    assert!(text.contains(r#"href="/incidents""#), "the coordinator's own navigation: {text}");
}

/// On a slow mobile link the app's files come gzipped, and not at all when the phone already
/// holds them.
#[tokio::test]
async fn the_observer_apps_files_come_gzipped_and_only_when_changed() {
    let app = spawn_app().await;
    let phone = browser();
    let plain = app.get(&phone, "/static/observe.js").await;
    assert_eq!(plain.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(!plain.headers().contains_key("content-encoding"), "only to browsers that take it");
    let plain = plain.bytes().await.unwrap();
    let gzipped = phone.get(app.url("/static/observe.js")).header("Accept-Encoding", "gzip, br").send().await.unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert_eq!(gzipped.headers()["vary"], "accept-encoding");
    assert_eq!(gzipped.headers()["cache-control"], "no-cache");
    let tag = gzipped.headers()["etag"].clone();
    let gzipped = gzipped.bytes().await.unwrap();
    assert!(gzipped.len() * 2 < plain.len(), "{} bytes gzipped of {}", gzipped.len(), plain.len());
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzipped[..]), &mut unpacked).unwrap();
    assert_eq!(unpacked, plain);
    let again = held(&phone, &app.url("/static/observe.js"), &tag).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"], tag);
    assert!(again.bytes().await.unwrap().is_empty());
    // Holding the gzipped copy is not holding the plain one.
    let plain_wanted = phone.get(app.url("/static/observe.js")).header("If-None-Match", &tag).send().await.unwrap();
    assert_eq!(plain_wanted.status(), StatusCode::OK);
    // The forms, which every open of the app asks for, likewise.
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let forms = observer.get(app.url("/api/v1/forms")).header("Accept-Encoding", "gzip").send().await.unwrap();
    assert_eq!(forms.headers()["content-encoding"], "gzip");
    let tag = forms.headers()["etag"].clone();
    let again = held(&observer, &app.url("/api/v1/forms"), &tag).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    // The headers a browser merges into the JSON it keeps are the API's, not a page's.
    assert_eq!(again.headers()["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    let stranger = browser().get(app.url("/api/v1/forms")).header("If-None-Match", &tag).send().await.unwrap();
    assert_eq!(stranger.status(), 401, "still only for the signed in, whatever they hold");
}

/// Asks for `url` gzipped, as a browser holding the version tagged `tag` does.
async fn held(client: &reqwest::Client, url: &str, tag: &reqwest::header::HeaderValue) -> reqwest::Response {
    client.get(url).header("Accept-Encoding", "gzip").header("If-None-Match", tag).send().await.unwrap()
}
