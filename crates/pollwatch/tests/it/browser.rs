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
    assert!(browser.url().await.ends_with("/people"), "back where they wanted to go");
    assert_eq!(browser.text("h1").await, "İnsanlar");

    let observer = storage::people::by_username(app.store.reads(), "observer").await.unwrap().unwrap();
    let surname = observer.full_name.split(' ').nth(1).unwrap().to_string();
    browser.type_into("#q", &domain::text::search_query(&surname)).await;
    browser.click("form.filters button[type=submit]").await;
    let table = browser.text("table").await;
    assert!(table.contains(&observer.full_name), "{table}");

    browser.click("a[lang=en]").await;
    assert_eq!(browser.text("h1").await, "People");
    if let Ok(dir) = std::env::var("POLLWATCH_SCREENSHOTS") {
        browser.screenshot(&std::path::Path::new(&dir).join("people-phone.png")).await;
    }
    browser.quit().await;
}
