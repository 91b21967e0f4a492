//! The pages in a real headless Chromium at phone size: signing in, switching language,
//! finding a person.

use crate::helpers::{DEMO_PASSWORD, spawn_app};
use crate::webdriver::Browser;

#[tokio::test]
async fn a_coordinator_signs_in_on_a_phone_and_finds_an_observer() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(390, 844).await else { return };
    browser.go(&app.url("/people")).await;
    assert!(browser.url().await.contains("/login?next="), "signing in is asked for first");
    browser.type_into("#username", "coordinator").await;
    browser.type_into("#password", DEMO_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_text("h1", "İnsanlar").await;
    assert!(browser.url().await.ends_with("/people"), "back where they wanted to go");

    let observer = storage::people::by_username(app.store.reads(), "observer").await.unwrap().unwrap();
    // Typed without Azerbaijani letters, as on a borrowed phone.
    let query = domain::text::search_query(&observer.full_name);
    browser.type_into("#q", &query).await;
    browser.click("form.filters button[type=submit]").await;
    browser.wait_for_url("q=").await;
    let table = browser.wait_for_text("table", &observer.full_name).await;
    assert!(table.lines().count() <= 4, "only the matching people are listed: {table}");

    browser.click("a[lang=en]").await;
    browser.wait_for_text("h1", "People").await;
    if let Ok(dir) = std::env::var("POLLWATCH_SCREENSHOTS") {
        browser.screenshot(&std::path::Path::new(&dir).join("people-phone.png")).await;
    }
    browser.quit().await;
}
