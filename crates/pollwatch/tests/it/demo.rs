//! README's first command: `pollwatch demo` serves an election whose morning has been played,
//! and a second start reuses it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::helpers::{DEMO_PASSWORD, browser, csrf_in};

/// A running `pollwatch demo`, stopped when dropped (a failing assertion included).
struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `pollwatch demo` and reads what it prints until it is ready: (process, printed, URL).
fn start_demo(data_dir: &std::path::Path) -> (Demo, String, String) {
    start_demo_until(data_dir, "pollwatch demo is ready: ")
}

/// Starts `pollwatch demo` and reads what it prints until a line starting with `until`:
/// (process, printed, the rest of that line).
fn start_demo_until(data_dir: &std::path::Path, until: &str) -> (Demo, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pollwatch"))
        .args(["demo", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .env("POLLWATCH_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pollwatch demo");
    let mut printed = String::new();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = loop {
        let line = lines.next().expect("demo stopped before it was ready").expect("line");
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.strip_prefix(until) {
            break rest.to_string();
        }
    };
    // The rest is read too: a closed pipe would end the demo at its next line.
    std::thread::spawn(move || lines.for_each(drop));
    (Demo(child), printed, url)
}

async fn coverage_of_the_showcase_coordinator(url: &str) -> serde_json::Value {
    let coordinator = browser();
    let page = coordinator.get(format!("{url}/login")).send().await.unwrap().text().await.unwrap();
    let signed_in = coordinator
        .post(format!("{url}/login"))
        .form(&[("username", "coordinator"), ("password", DEMO_PASSWORD), ("csrf", &csrf_in(&page)), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    coordinator.get(format!("{url}/api/v1/coverage")).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn the_demo_serves_an_election_morning_and_reuses_it_on_the_next_start() {
    let data = tempfile::tempdir().unwrap();
    let (demo, printed, url) = start_demo(data.path());
    assert!(printed.contains("Played the election morning:"), "{printed}");
    let coverage = coverage_of_the_showcase_coordinator(&url).await;
    let showcase = &coverage["constituencies"][0];
    assert_eq!(showcase["constituency_no"], 17);
    let expected = showcase["expected"].as_i64().unwrap();
    let opened = showcase["received"]["OP"].as_i64().unwrap();
    // Most stations have reported their opening, not all: the missing list has names in it.
    assert!(opened > expected / 2 && opened < expected, "{opened} of {expected}");
    assert!(showcase["received"]["IN"].as_i64().unwrap() > 0, "incidents in the queue: {coverage}");
    assert!(coverage["turnout"][0]["counted"].as_i64().unwrap() > 0, "turnout at 10:00: {coverage}");
    drop(demo);

    // The second start plays nothing again: the same reports, none twice.
    let (_again, printed, url) = start_demo(data.path());
    assert!(printed.contains("Using the existing demo data"), "{printed}");
    assert!(!printed.contains("Played"), "{printed}");
    assert_eq!(coverage_of_the_showcase_coordinator(&url).await["constituencies"], coverage["constituencies"]);
}

/// A demo stopped while it sets up (here as soon as its people are loaded, before or while
/// the morning is played) finishes on its next start: the same morning as an uninterrupted
/// demo's, no report twice.
#[tokio::test]
async fn a_demo_stopped_while_it_sets_up_finishes_on_its_next_start() {
    let interrupted = tempfile::tempdir().unwrap();
    let (demo, _, _) = start_demo_until(interrupted.path(), "Loaded ");
    drop(demo);
    let (_resumed, printed, url) = start_demo(interrupted.path());
    assert!(printed.contains("stopped before it was set up: finishing it"), "{printed}");
    assert!(printed.contains("Played the election morning:"), "{printed}");
    let resumed = coverage_of_the_showcase_coordinator(&url).await;

    let whole = tempfile::tempdir().unwrap();
    let (demo, _, url) = start_demo(whole.path());
    let expected = coverage_of_the_showcase_coordinator(&url).await;
    assert_eq!(resumed["constituencies"], expected["constituencies"]);
    assert_eq!(resumed["turnout"], expected["turnout"]);
    drop(demo);
    drop(_resumed);

    // Stopped at the very end (the morning played, the folder not yet marked): finishing
    // sends the morning again, which changes nothing, and moves no incident again.
    std::fs::remove_file(whole.path().join("demo-set-up")).unwrap();
    let (demo, printed, url) = start_demo(whole.path());
    assert!(printed.contains("reports and 0 incident moves"), "{printed}");
    let again = coverage_of_the_showcase_coordinator(&url).await;
    assert_eq!((&again["constituencies"], &again["turnout"]), (&expected["constituencies"], &expected["turnout"]));
    drop(demo);
    // The partner's token shown by the first start was revoked: one works, the last shown.
    let store = storage::Store::open(&whole.path().join("pollwatch.db").to_string_lossy()).await.unwrap();
    let tokens = storage::sessions::api_tokens(store.reads()).await.unwrap();
    let partner: Vec<_> = tokens.iter().filter(|t| t.username == "partner").collect();
    assert_eq!(partner.len(), 2, "{tokens:?}");
    assert_eq!(partner.iter().filter(|t| t.revoked_at.is_none()).count(), 1, "{tokens:?}");
    store.close().await;

    // Set up now: the next start plays nothing.
    let (demo, printed, _) = start_demo(interrupted.path());
    assert!(printed.contains("Using the existing demo data"), "{printed}");
    assert!(!printed.contains("Played"), "{printed}");
    drop(demo);
    // A folder made before it kept these markers was set up in one go: it is used as it is.
    std::fs::remove_file(interrupted.path().join("demo-set-up")).unwrap();
    std::fs::remove_file(interrupted.path().join("demo-seed")).unwrap();
    let (_demo, printed, _) = start_demo(interrupted.path());
    assert!(printed.contains("Using the existing demo data"), "{printed}");
}
