//! The pages in a real headless Chromium at phone size: signing in, switching language,
//! finding a person.

use crate::helpers::{DEMO_PASSWORD, spawn_app};
use crate::webdriver::Browser;

/// The demo observer signs in on `phone` and lands in the observer app, ready.
async fn observer_signs_in(app: &crate::helpers::TestApp, phone: &Browser) {
    phone.go(&app.url("/login?next=/observe")).await;
    phone.type_into("#username", "observer").await;
    phone.type_into("#password", DEMO_PASSWORD).await;
    phone.click("button[type=submit]").await;
    phone.wait_for("#observe[data-ready='1']", 10).await;
}

/// The app loaded again, so that the service worker controls the page and has its copy.
async fn app_under_service_worker(app: &crate::helpers::TestApp, phone: &Browser) {
    phone.go(&app.url("/observe")).await;
    phone.wait_for("#observe[data-ready='1']", 10).await;
    for _ in 0..100 {
        if phone.execute("return !!navigator.serviceWorker.controller").await == serde_json::Value::Bool(true) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The observer's phone with the app under its service worker, the server stopped, and the
/// opening checklist answered, not yet saved; `None` without a browser.
async fn opening_filled_in_offline(app: &mut crate::helpers::TestApp) -> Option<Browser> {
    let phone = Browser::start(390, 844).await?;
    observer_signs_in(app, &phone).await;
    app_under_service_worker(app, &phone).await;
    app.stop().await;
    fill_in_the_opening(&phone).await;
    Some(phone)
}

/// Opens the opening checklist and answers it, all in order, without saving it.
async fn fill_in_the_opening(phone: &Browser) {
    phone.click("button[data-form='OP']").await;
    phone.wait_for("#report-form", 5).await;
    phone.execute("document.getElementById('q-OA').value = '07:04'; document.getElementById('q-OA').dispatchEvent(new Event('input', {bubbles: true}));").await;
    for (code, answer) in
        [("OB", "yes"), ("OC", "yes"), ("OF", "yes"), ("OG", "yes"), ("OH", "yes"), ("OI", "no"), ("OK", "yes")]
    {
        phone.click(&format!("input[name='{code}'][value='{answer}']")).await;
    }
}

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
    // The incident queue's filter, with only the status chosen.
    browser.go(&app.url("/incidents")).await;
    browser.execute("var s = document.getElementById('status'); s.value = 'new'; s.dispatchEvent(new Event('change', {bubbles: true}));").await;
    browser.click("form.filters button[type=submit]").await;
    browser.wait_for_url("status=new").await;
    browser.wait_for("form.filters", 5).await;
    // No page of theirs is wider than the phone (a wide table scrolls on its own).
    for page in
        ["/coverage", "/coverage/17", "/coverage/missing?form=OP", "/incidents", "/conflicts", "/sms", "/people"]
    {
        browser.go(&app.url(page)).await;
        browser.wait_for("main h1", 5).await;
        let widths = browser
            .execute("return [document.documentElement.clientWidth, document.documentElement.scrollWidth]")
            .await;
        assert_eq!(widths[0], 390, "a phone's viewport");
        assert_eq!(widths[0], widths[1], "{page} is wider than the phone");
    }

    let observer = storage::people::by_username(app.store.reads(), "observer").await.unwrap().unwrap();
    // Typed without Azerbaijani letters, as on a borrowed phone.
    let query = domain::text::search_query(&observer.full_name);
    browser.type_into("#q", &query).await;
    browser.click("form.filters button[type=submit]").await;
    browser.wait_for_url("q=").await;
    let table = browser.wait_for_text("table", &observer.full_name).await;
    assert!(table.lines().count() <= 4, "only the matching people are listed: {table}");

    browser.click(".languages [lang=en]").await;
    browser.wait_for_text("h1", "People").await;
    if let Ok(dir) = std::env::var("POLLWATCH_SCREENSHOTS") {
        browser.screenshot(&std::path::Path::new(&dir).join("people-phone.png")).await;
    }
    browser.quit().await;
}

/// The offline promise, end to end: an observer fills the opening checklist with the server
/// unreachable, closes the browser, opens it again (still unreachable), and when the server
/// is back the report arrives exactly once — and the coordinator's dashboard, open in
/// another browser, shows it without a reload.
#[tokio::test]
async fn an_offline_report_survives_a_browser_restart_and_arrives_once() {
    let mut app = spawn_app().await;
    let Some(phone) = opening_filled_in_offline(&mut app).await else { return };
    // Skip logic: the "who were they" question stays hidden when nobody unauthorised was there.
    assert_eq!(
        phone.execute("return document.querySelector(\"[data-question='OJ']\").hidden").await,
        serde_json::Value::Bool(true)
    );
    // Saved twice in a row, as an impatient thumb (or Enter) would: one report.
    phone.execute("var f = document.getElementById('report-form'); f.requestSubmit(); f.requestSubmit();").await;
    phone.wait_for("#saved", 5).await;
    phone.wait_for("#queued-count[data-count='1']", 10).await;

    let profile = phone.close().await;
    let Some(phone) = Browser::start_with_profile(390, 844, profile).await else { return };
    phone.go(&app.url("/observe")).await;
    phone.wait_for("#observe[data-ready='1']", 10).await;
    phone.wait_for("#queued-count[data-count='1']", 10).await;

    app.restart().await;
    let Some(desk) = Browser::start(1280, 900).await else { return };
    desk.go(&app.url("/login?next=/coverage")).await;
    desk.type_into("#username", "coordinator").await;
    desk.type_into("#password", DEMO_PASSWORD).await;
    desk.click("button[type=submit]").await;
    desk.wait_for("body[data-live='1']", 10).await;
    desk.wait_for("td[data-form='OP'][data-constituency='17']", 5).await;
    assert_eq!(desk.wait_for_text("td[data-form='OP'][data-constituency='17']", "0").await, "0");

    // The phone notices the server is back on its next attempt (every few seconds).
    phone.wait_for("#queued-count[data-count='0']", 30).await;
    phone.wait_for("li.report[data-state='sent']", 5).await;
    desk.wait_for_text("td[data-form='OP'][data-constituency='17']", "1").await;
    assert!(
        desk.execute("return document.body.getAttribute('data-refreshed')").await.is_string(),
        "refreshed in place, not reloaded"
    );
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1, "exactly once");
    let stored = storage::submissions::of_observer(&app.store, app.user_id("observer").await, 1).await.unwrap();
    assert_uuid_v7_made_now(&stored[0].client_id);
    if let Ok(dir) = std::env::var("POLLWATCH_SCREENSHOTS") {
        phone.screenshot(&std::path::Path::new(&dir).join("observer-sent.png")).await;
        desk.screenshot(&std::path::Path::new(&dir).join("coverage.png")).await;
    }
    phone.quit().await;
    desk.quit().await;
}

#[tokio::test]
async fn reports_the_server_refuses_are_sent_back_to_the_observer_and_hold_back_no_other_report() {
    let app = spawn_app().await;
    let Some(phone) = Browser::start(390, 844).await else { return };
    observer_signs_in(&app, &phone).await;
    // Two reports waiting in the outbox, as a phone could hold them: first an incident whose
    // "photo" the server will refuse (a file picked from storage, say), then an opening
    // checklist.
    phone
        .execute(
            r#"var open = indexedDB.open("pollwatch");
            open.onsuccess = function () {
              var tx = open.result.transaction("outbox", "readwrite"), outbox = tx.objectStore("outbox");
              outbox.put({ id: "refused-photo-0001", form: "IN", form_version: 2, station: "17/1",
                answers: { IA: 16, IB: "12:00", IC: "Kamera örtülüb", ID: 2, IF: false },
                photos: { IE: new Blob(["not a photo"], { type: "image/jpeg" }) },
                device_time: Date.now(), state: "queued", saved_at: 1 });
              outbox.put({ id: "after-the-photo-0001", form: "OP", form_version: 3, station: "17/1",
                answers: { OA: "07:04", OB: true, OC: true, OF: true, OG: true, OH: true, OI: false, OK: true },
                photos: {}, device_time: Date.now(), state: "queued", saved_at: 2 });
              // Queued before the observer was moved from 17/2: the server refuses that station.
              outbox.put({ id: "moved-away-0001", form: "OP", form_version: 3, station: "17/2",
                answers: { OA: "07:05", OB: true, OC: true, OF: true, OG: true, OH: true, OI: false, OK: true },
                photos: {}, device_time: Date.now(), state: "queued", saved_at: 3 });
              outbox.put({ id: "turnout-at-noon-0001", form: "TC", form_version: 1, station: "17/1",
                answers: { TA: 2, TB: 412, TC: false }, photos: {}, device_time: Date.now(), state: "queued", saved_at: 4 });
              tx.oncomplete = function () { document.body.setAttribute("data-injected", "1"); };
            };"#,
        )
        .await;
    phone.wait_for("body[data-injected='1']", 5).await;
    phone.go(&app.url("/observe")).await;
    phone.wait_for("li.report[data-id='after-the-photo-0001'][data-state='sent']", 30).await;
    // A turnout count is listed with its time slot, so that the observer tells them apart.
    phone.wait_for("li.report[data-id='turnout-at-noon-0001'][data-state='sent']", 30).await;
    let line =
        phone.execute("return document.querySelector(\"li.report[data-id='turnout-at-noon-0001']\").textContent").await;
    assert!(line.as_str().unwrap().contains("17/1 · 12:00 · "), "{line}");
    phone.wait_for("li.report[data-id='refused-photo-0001'][data-state='rejected']", 5).await;
    let problem = phone
        .execute("return document.querySelector(\"li.report[data-id='refused-photo-0001'] .problem\").textContent")
        .await;
    assert!(problem.as_str().unwrap_or("").starts_with("Bu şəkil göndərilə bilməz"), "{problem}");
    // Refused for its station: kept with the reason, not retried as if signed out.
    phone.wait_for("li.report[data-id='moved-away-0001'][data-state='rejected']", 5).await;
    let problem = phone
        .execute("return document.querySelector(\"li.report[data-id='moved-away-0001'] .problem\").textContent")
        .await;
    assert!(problem.as_str().unwrap_or("").starts_with("Siz 17/2 seçki məntəqəsinə təyin olunmamısınız"), "{problem}");
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 2, "the checklist and the count");
    phone.quit().await;
}

/// A browser without Web Locks (Safari before 15.4): one send round at a time, and every
/// report arrives once. Two rounds at once each sent what the outbox held when they began.
#[tokio::test]
async fn without_web_locks_one_send_round_runs_at_a_time() {
    let app = spawn_app().await;
    let Some(phone) = Browser::start(390, 844).await else { return };
    phone.hide_web_locks().await;
    observer_signs_in(&app, &phone).await;
    assert_eq!(phone.execute("return navigator.locks === undefined").await, serde_json::Value::Bool(true));
    // Each report sent is counted as it leaves the page: the server would store a report sent
    // twice only once, so only this count shows two rounds sending the same reports.
    phone
        .execute(
            r#"window.reportsPosted = 0;
            var send = window.fetch;
            window.fetch = function (url, options) {
              if (String(url).indexOf("/api/v1/submissions") >= 0 && options && options.method === "POST") { window.reportsPosted++; }
              return send.apply(this, arguments);
            };"#,
        )
        .await;
    phone
        .execute(
            r#"var open = indexedDB.open("pollwatch");
            var me = document.getElementById("observe").getAttribute("data-user");
            open.onsuccess = function () {
              var tx = open.result.transaction("outbox", "readwrite"), outbox = tx.objectStore("outbox");
              ["07:01", "07:02", "07:03"].forEach(function (time, i) {
                outbox.put({ id: "no-locks-000" + i, user: me, form: "OP", form_version: 3, station: "17/1",
                  answers: { OA: time, OB: true, OC: true, OF: true, OG: true, OH: true, OI: false, OK: true },
                  photos: {}, device_time: Date.now(), state: "queued", saved_at: i });
              });
              tx.oncomplete = function () { document.body.setAttribute("data-injected", "1"); };
            };"#,
        )
        .await;
    phone.wait_for("body[data-injected='1']", 5).await;
    // Three rounds asked for at once: the second and third find one under way (the first, or
    // the page's own) and leave it to it.
    phone
        .execute(
            r#"var csrf = document.querySelector('meta[name="csrf-token"]').content;
            var me = document.getElementById("observe").getAttribute("data-user");
            Promise.all([1, 2, 3].map(function () { return PollwatchOutbox.sendQueued(csrf, me); }))
              .then(function (rounds) { document.body.setAttribute("data-busy", rounds.map(function (r) { return !!r.busy; }).join(",")); });"#,
        )
        .await;
    phone.wait_for("body[data-busy]", 30).await;
    let busy = phone.execute("return document.body.getAttribute('data-busy')").await;
    assert!(busy.as_str().unwrap().ends_with("true,true"), "{busy}");
    assert_eq!(
        phone.execute("return window.reportsPosted").await,
        serde_json::json!(3),
        "each report sent once ({busy})"
    );
    phone.go(&app.url("/observe")).await;
    for i in 0..3 {
        phone.wait_for(&format!("li.report[data-id='no-locks-000{i}'][data-state='sent']"), 30).await;
    }
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 3);
    phone.quit().await;
}

/// The page names each report with a UUIDv7 made when it is saved: the time in milliseconds
/// first, so that ids reach the server's index of them in time order.
fn assert_uuid_v7_made_now(id: &str) {
    let hex: String = id.split('-').collect();
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "not a UUID: {id}");
    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "not a UUID: {id}");
    assert_eq!(&hex[12..13], "7", "not version 7: {id}");
    assert!("89ab".contains(&hex[16..17]), "not the RFC's variant: {id}");
    let made = i64::from_str_radix(&hex[..12], 16).unwrap();
    assert!((storage::now_millis() - made).abs() < 10 * 60_000, "{id} was not made now");
}

/// Fixing a refused report that already has its photo uploaded: the photo stays its answer
/// (a page cannot put a file back into a file input), and the fixed report is sent. A report
/// another observer left queued on a shared phone is neither sent nor shown.
#[tokio::test]
async fn a_refused_report_with_a_photo_is_fixed_and_sent_and_another_observers_stays_theirs() {
    let app = spawn_app().await;
    let Some(phone) = Browser::start(390, 844).await else { return };
    observer_signs_in(&app, &phone).await;
    phone
        .execute(
            r#"var jpeg = new Uint8Array([0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x01, 0xFF, 0xD9]);
            var csrf = document.querySelector('meta[name="csrf-token"]').content;
            fetch("/api/v1/photos", { method: "POST", credentials: "same-origin", headers: { "x-csrf-token": csrf }, body: new Blob([jpeg], { type: "image/jpeg" }) })
              .then(function (r) { return r.json(); })
              .then(function (photo) {
                var open = indexedDB.open("pollwatch");
                open.onsuccess = function () {
                  var tx = open.result.transaction("outbox", "readwrite"), outbox = tx.objectStore("outbox");
                  // Refused for its description, after its photo went up.
                  outbox.put({ id: "fix-with-photo-0001", form: "IN", form_version: 2, station: "17/1",
                    answers: { IA: 16, IB: "12:00", IC: "", ID: 2, IF: false, IE: photo.sha256 }, photos: {},
                    device_time: 1000, state: "rejected", saved_at: 1,
                    problem: { error: "invalid", fields: [{ question: "IC", message: "Cavab verin" }] } });
                  outbox.put({ id: "someone-elses-0001", user: 987654, form: "OP", form_version: 3, station: "17/1",
                    answers: { OA: "07:05", OB: true, OC: true, OF: true, OG: true, OH: true, OI: false, OK: true },
                    photos: {}, device_time: Date.now(), state: "queued", saved_at: 2 });
                  tx.oncomplete = function () { document.body.setAttribute("data-injected", photo.sha256); };
                };
              });"#,
        )
        .await;
    phone.wait_for("body[data-injected]", 10).await;
    let sha = phone.execute("return document.body.getAttribute('data-injected')").await;
    phone.go(&app.url("/observe")).await;
    phone.wait_for("li.report[data-id='fix-with-photo-0001'] button", 10).await;
    assert_eq!(
        phone.execute("return document.querySelectorAll(\"li.report[data-id='someone-elses-0001']\").length").await,
        0
    );
    phone.click("li.report[data-id='fix-with-photo-0001'] button").await;
    phone.wait_for("#report-form .kept-photo", 5).await;
    phone.type_into("#q-IC", "Kamera pərdə ilə örtülmüşdü").await;
    phone.click("#report-form button[type=submit]").await;
    phone.wait_for("li.report[data-id='fix-with-photo-0001'][data-state='sent']", 30).await;
    assert!(phone.url().await.ends_with("/observe"), "saved by the app, not posted as a page form");
    let stored = storage::submissions::of_observer(&app.store, app.user_id("observer").await, 10).await.unwrap();
    assert_eq!(stored.len(), 1, "the other observer's report stays on the phone, unsent");
    let answers: serde_json::Value = serde_json::from_str(&stored[0].answers).unwrap();
    assert_eq!(answers["IE"], sha, "the photo uploaded before is the answer");
    assert_eq!(stored[0].device_time, Some(1000), "the time it was first saved");
    phone.quit().await;
}

/// How many sessions the service worker could send with (0 or 1).
const SESSIONS_KEPT: &str = r#"return new Promise(function (done) { indexedDB.open("pollwatch").onsuccess = function (e) {
  e.target.result.transaction("session").objectStore("session").count().onsuccess = function (c) { done(c.target.result); };
}; })"#;

/// A seized phone should not name its observer: signing out drops the app's offline copy of
/// its page (which holds the observer's name), and keeps the unsent reports.
#[tokio::test]
async fn signing_out_forgets_the_offline_page_and_keeps_the_outbox() {
    let app = spawn_app().await;
    let Some(phone) = Browser::start(390, 844).await else { return };
    observer_signs_in(&app, &phone).await;
    let cached = "return caches.keys().then(function (names) { return names.filter(function (n) { return n.indexOf('pollwatch-app') === 0; }).length; })";
    let mut copies = serde_json::Value::Null;
    for _ in 0..100 {
        copies = phone.execute(cached).await;
        if copies.as_i64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(copies, 1, "the app keeps a copy for offline use");
    phone
        .execute(
            r#"indexedDB.open("pollwatch").onsuccess = function (e) {
              var tx = e.target.result.transaction("outbox", "readwrite");
              tx.objectStore("outbox").put({ id: "unsent-0001", form: "OP", form_version: 3, station: "17/1", answers: {}, photos: {}, state: "queued", saved_at: 1 });
              tx.oncomplete = function () { document.body.setAttribute("data-injected", "1"); };
            };"#,
        )
        .await;
    phone.wait_for("body[data-injected='1']", 5).await;
    assert_eq!(phone.execute(SESSIONS_KEPT).await, 1, "the app keeps its session for the service worker");
    phone.go(&app.url("/")).await;
    phone.click("form[action='/logout'] button").await;
    phone.wait_for("a[href='/login']", 5).await;
    for _ in 0..50 {
        copies = phone.execute(cached).await;
        if copies == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(copies, 0, "no copy of the observer's page is left");
    let unsent = phone
        .execute(
            r#"return new Promise(function (done) { indexedDB.open("pollwatch").onsuccess = function (e) {
              e.target.result.transaction("outbox").objectStore("outbox").count().onsuccess = function (c) { done(c.target.result); };
            }; })"#,
        )
        .await;
    assert_eq!(unsent, 1, "the unsent report waits for its observer");
    // … but not for the service worker: the session it would send with is forgotten.
    let sessions = phone.execute(SESSIONS_KEPT).await;
    assert_eq!(sessions, 0, "nothing is sent in the background until the next sign-in");
    phone.quit().await;
}

/// Sent with the app closed: a report saved while the server was unreachable goes out from
/// the service worker once the browser asks it to (Background Sync), with no observer page
/// open — and arrives once.
#[tokio::test]
async fn the_service_worker_sends_the_outbox_with_the_app_closed() {
    let mut app = spawn_app().await;
    let Some(phone) = opening_filled_in_offline(&mut app).await else { return };
    phone.click("#report-form button[type=submit]").await;
    phone.wait_for("#queued-count[data-count='1']", 10).await;

    // The app is closed: the phone shows an ordinary page of the site, and the server is back.
    app.restart().await;
    phone.go(&app.url("/candidates")).await;
    assert_eq!(phone.execute("return !!window.PollwatchOutbox").await, false, "no app code on this page");
    // What the browser does when its connection returns.
    phone
        .execute(
            "navigator.serviceWorker.ready.then(function (r) { return r.sync.register('pollwatch-outbox-online'); });",
        )
        .await;
    let observer = app.user_id("observer").await;
    let mut stored = Vec::new();
    for _ in 0..100 {
        stored = storage::submissions::of_observer(&app.store, observer, 5).await.unwrap();
        if !stored.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(stored.len(), 1, "sent by the service worker");
    // Back in the app, it is listed as sent and is not sent again.
    phone.go(&app.url("/observe")).await;
    phone.wait_for("li.report[data-state='sent']", 10).await;
    phone.wait_for("#queued-count[data-count='0']", 5).await;
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1, "exactly once");
    phone.quit().await;
}

/// A camera's full-size photo (here 12 megapixels and more than the server takes) is redrawn
/// smaller on saving, and goes through: not refused, and not minutes on a slow link.
#[tokio::test]
async fn a_full_size_camera_photo_is_made_smaller_before_it_waits_in_the_outbox() {
    let app = spawn_app().await;
    let Some(phone) = Browser::start(390, 844).await else { return };
    observer_signs_in(&app, &phone).await;
    // The language buttons are a thumb's target, side by side in the header.
    let sizes = phone.execute("return Array.from(document.querySelectorAll('.languages button')).map(function (b) { var r = b.getBoundingClientRect(); return Math.min(r.width, r.height); })").await;
    assert!(sizes.as_array().unwrap().iter().all(|side| side.as_f64().unwrap() >= 44.0), "{sizes}");
    // Answers typed and not saved are not thrown away without asking (the browser's own
    // dialog is stood in for, to answer it).
    phone.click("button[data-form='VT']").await;
    phone.wait_for("#report-form[data-form='VT']", 5).await;
    phone.type_into("#q-VZ", "Növbə uzundur").await;
    phone.execute("window.asked = 0; window.confirm = function () { window.asked++; return false; };").await;
    phone.click("#cancel").await;
    phone.click("button[data-form='TC']").await;
    assert_eq!(
        phone.execute("return [window.asked, document.getElementById('q-VZ').value]").await,
        serde_json::json!([2, "Növbə uzundur"])
    );
    phone.execute("window.confirm = function () { window.asked++; return true; };").await;
    phone.click("#cancel").await;
    assert_eq!(
        phone.execute("return [window.asked, document.querySelectorAll('#report-form').length]").await,
        serde_json::json!([3, 0])
    );
    // Every form fits the phone: one wider (a long choice) makes the phone zoom out, and taps
    // then miss what they aim at.
    for form in ["OP", "VT", "TC", "CL", "PR", "IN"] {
        phone.click(&format!("button[data-form='{form}']")).await;
        phone.wait_for(&format!("#report-form[data-form='{form}']"), 5).await;
        let widths = phone.execute("return [innerWidth, document.documentElement.scrollWidth]").await;
        assert_eq!(widths, serde_json::json!([390, 390]), "the {form} form is wider than the phone");
    }
    phone.click("button[data-form='IN']").await;
    phone.wait_for("#report-form[data-form='IN']", 5).await;
    phone
        .execute(
            r#"[["q-IA", "16"], ["q-IB", "12:00"], ["q-ID", "2"]].forEach(function (pair) {
              var input = document.getElementById(pair[0]);
              input.value = pair[1];
              input.dispatchEvent(new Event("change", { bubbles: true }));
            });"#,
        )
        .await;
    phone.type_into("#q-IC", "Kamera pərdə ilə örtülmüşdü").await;
    phone.click("input[name='IF'][value='no']").await;
    phone
        .execute(
            r#"var canvas = document.createElement("canvas"); canvas.width = 4000; canvas.height = 3000;
            var context = canvas.getContext("2d"), image = context.createImageData(4000, 3000);
            // Noise, which compresses as badly as a real scene.
            for (var i = 0; i < image.data.length; i++) image.data[i] = i % 4 === 3 ? 255 : Math.random() * 256;
            context.putImageData(image, 0, 0);
            canvas.toBlob(function (blob) {
              var chosen = new DataTransfer();
              chosen.items.add(new File([blob], "camera.jpg", { type: "image/jpeg" }));
              var input = document.getElementById("q-IE");
              input.files = chosen.files;
              input.dispatchEvent(new Event("change", { bubbles: true }));
              document.body.setAttribute("data-camera", String(blob.size));
            }, "image/jpeg", 0.95);"#,
        )
        .await;
    phone.wait_for("body[data-camera]", 30).await;
    let taken = phone.execute("return Number(document.body.getAttribute('data-camera'))").await.as_u64().unwrap();
    assert!(taken > 8 * 1024 * 1024, "the camera's photo ({taken} bytes) is more than the server takes");
    assert_eq!(phone.execute("return document.querySelector(\"[data-question='IE'] .problem\").textContent").await, "");
    phone.click("#report-form button[type=submit]").await;
    phone.wait_for("li.report[data-state='sent']", 60).await;
    phone.wait_for_text("#saved", "Göndərildi: server hesabatı qəbul etdi.").await;
    let stored = storage::submissions::of_observer(&app.store, app.user_id("observer").await, 10).await.unwrap();
    let answers: serde_json::Value = serde_json::from_str(&stored[0].answers).unwrap();
    let photo = storage::photos::by_hash(app.store.reads(), answers["IE"].as_str().unwrap()).await.unwrap().unwrap();
    assert!(photo.bytes.len() < taken as usize / 2, "{} bytes sent of {taken}", photo.bytes.len());
    assert_eq!(jpeg_size(&photo.bytes), Some((2560, 1920)), "at most 2560 pixels on its long side");
    // Signing out with reports still waiting asks first (two stand in for them here). In one
    // script: the page refreshes its count from the outbox now and then, and between two
    // scripts it could set it back to 0 before the click.
    phone
        .execute("document.getElementById('queued-count').setAttribute('data-count', '2'); window.asked = []; window.confirm = function (m) { window.asked.push(m); return false; }; document.querySelector('#sign-out button').click();")
        .await;
    let asked = phone.execute("return window.asked").await;
    assert!(asked[0].as_str().unwrap().starts_with("2 hesabat hələ göndərilməyib"), "{asked}");
    assert!(phone.url().await.ends_with("/observe"), "still signed in, as the observer chose");
    phone.quit().await;
}

/// A JPEG's width and height, from its frame header.
fn jpeg_size(bytes: &[u8]) -> Option<(u16, u16)> {
    let mut at = 2;
    while at + 9 < bytes.len() {
        let (marker, length) = (bytes[at + 1], usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]])));
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let height = u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]);
            let width = u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]);
            return Some((width, height));
        }
        at += 2 + length;
    }
    None
}

/// A voting visit whose answers are an incident in themselves (carousel voting seen) asks for
/// an incident report too, and opens it; a quiet visit asks nothing.
#[tokio::test]
async fn a_visit_that_saw_an_incident_asks_for_its_report() {
    let app = spawn_app().await;
    let Some(phone) = Browser::start(390, 844).await else { return };
    observer_signs_in(&app, &phone).await;
    for (carousel, asked) in [("no", false), ("yes", true)] {
        phone.click("button[data-form='VT']").await;
        phone.wait_for("#report-form[data-form='VT']", 5).await;
        phone.execute("var t = document.getElementById('q-VA'); t.value = '10:15'; t.dispatchEvent(new Event('input', {bubbles: true}));").await;
        let answers = [
            ("VB", "yes"),
            ("VC", "yes"),
            ("VD", "yes"),
            ("VE", "no"),
            ("VF", "no"),
            ("VG", carousel),
            ("VH", "no"),
            ("VJ", "no"),
            ("VK", "no"),
        ];
        for (code, answer) in answers {
            phone.click(&format!("input[name='{code}'][value='{answer}']")).await;
        }
        phone.click("#report-form button[type=submit]").await;
        phone.wait_for("#saved", 10).await;
        let prompts = phone.execute("return document.querySelectorAll('#incident-asked').length").await;
        assert_eq!(prompts, serde_json::json!(usize::from(asked)), "carousel seen: {carousel}");
    }
    phone.click("#incident-asked button").await;
    phone.wait_for("#report-form[data-form='IN']", 5).await;
    phone.quit().await;
}

/// The turnout count offers only the time slots that have come (a quarter of an hour early
/// is allowed) and chooses the latest of them; past midnight, as the count goes on into the
/// small hours, every slot has come. The page's clock is set, so every case is seen whenever
/// the test runs.
#[tokio::test]
async fn the_turnout_count_offers_the_time_slots_that_have_come() {
    let app = spawn_app().await;
    let Some(phone) = Browser::start(390, 844).await else { return };
    observer_signs_in(&app, &phone).await;
    // (Baku time on the phone, the slots that may be chosen, the one chosen.)
    let cases: [((i64, i64), &[&str], &str); 5] = [
        ((9, 40), &[], ""),
        ((9, 45), &["10:00"], "10:00"),
        ((15, 5), &["10:00", "12:00", "15:00"], "15:00"),
        ((23, 10), &["10:00", "12:00", "15:00", "17:00", "19:00"], "19:00"),
        ((0, 30), &["10:00", "12:00", "15:00", "17:00", "19:00"], "19:00"),
    ];
    for (clock, open, chosen) in cases {
        phone.set_baku_clock(Some(clock)).await;
        phone.go(&app.url("/observe")).await;
        phone.wait_for("button[data-form='TC']", 10).await;
        phone.click("button[data-form='TC']").await;
        phone.wait_for("#report-form[data-form='TC']", 5).await;
        let seen = phone
            .execute(
                r#"var select = document.getElementById("q-TA"), options = Array.from(select.options).slice(1);
                var chosen = options.filter(function (o) { return o.value === select.value; });
                return [options.filter(function (o) { return !o.disabled; }).map(function (o) { return o.text.slice(-5); }),
                        chosen.length ? chosen[0].text.slice(-5) : ""];"#,
            )
            .await;
        assert_eq!(seen, serde_json::json!([open, chosen]), "at {:02}:{:02} in Baku", clock.0, clock.1);
    }
    phone.set_baku_clock(None).await;
    phone.quit().await;
}
