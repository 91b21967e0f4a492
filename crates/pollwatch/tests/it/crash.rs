//! The crash test: the server is killed with SIGKILL again and again while observers'
//! devices keep submitting and retrying. Afterwards every report the server acknowledged is
//! stored, each exactly once, the hash chain verifies, and every stored report has its
//! coverage count and its place in its observer's list exactly once (those are written behind
//! the reports, so a kill leaves some pending, to be written on the next start).

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::access::PeopleScope;
use domain::roles::Role;
use storage::Store;
use storage::people::PeopleFilter;

use crate::helpers::spawn_app;

fn start(database: &str, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_pollwatch"))
        .args(["serve", "--db", database, "--bind", &format!("127.0.0.1:{port}")])
        .env("POLLWATCH_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start pollwatch")
}

async fn device_tokens(store: &Store, count: usize) -> Vec<(String, String)> {
    let filter = PeopleFilter { role: Some(Role::Observer), page: 1, per_page: 200, ..Default::default() };
    let observers = storage::people::list(store.reads(), &PeopleScope::Everyone, &filter).await.unwrap().items;
    let mut devices = Vec::new();
    for person in observers.into_iter().take(count) {
        let station = storage::people::assignments(store.reads(), person.id).await.unwrap().stations[0].to_string();
        let token = format!("pw_{}", web::auth::secrets::random_token());
        let hashed = web::auth::secrets::hash_token(&token);
        let id = person.id;
        store
            .write(move |c| {
                Box::pin(async move { storage::sessions::create_api_token(c, &hashed, "device", id, None, 0).await })
            })
            .await
            .unwrap();
        devices.push((token, station));
    }
    devices
}

#[tokio::test]
async fn acknowledged_reports_survive_repeated_kills_exactly_once() {
    let mut app = spawn_app().await;
    let devices = device_tokens(&app.store, 16).await;
    app.stop().await;
    let database = app.database_path();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");

    let acknowledged: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for (n, (token, station)) in devices.into_iter().enumerate() {
        let (acknowledged, stop, base) = (acknowledged.clone(), stop.clone(), base.clone());
        clients.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(Duration::from_secs(3)).build().unwrap();
            let mut sequence = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                sequence += 1;
                let id = format!("crash-{n}-{sequence:05}");
                let body = serde_json::json!({"id": id, "form": "VT", "station": station,
                    "answers": {"VA": "10:15", "VB": true, "VC": true, "VD": true, "VE": false, "VF": false, "VG": false, "VH": false, "VJ": false, "VK": false}});
                // Like the phone's outbox: the same report, the same id, until acknowledged.
                loop {
                    let sent = http.post(format!("{base}/api/v1/submissions")).bearer_auth(&token).json(&body).send().await;
                    match sent {
                        Ok(response) if response.status().is_success() => {
                            acknowledged.lock().unwrap().insert(id.clone());
                            break;
                        }
                        Ok(response) => assert!(response.status().is_server_error(), "refused: {}", response.status()),
                        Err(_) => {}
                    }
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }));
    }

    let mut kills = 0;
    for round in 0..6 {
        let mut server = start(&database, port);
        tokio::time::sleep(Duration::from_millis(if round == 5 { 1500 } else { 700 })).await;
        if round < 5 {
            server.kill().expect("SIGKILL");
            server.wait().unwrap();
            kills += 1;
        } else {
            // Let every client finish its report in flight, then stop them.
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            for client in clients.drain(..) {
                let _ = tokio::time::timeout(Duration::from_secs(10), client).await;
            }
            server.kill().unwrap();
            server.wait().unwrap();
        }
    }

    let acknowledged = acknowledged.lock().unwrap().clone();
    let left_pending = count(
        &raw_pool(&database).await,
        "SELECT COUNT(*) AS n FROM submissions, derived_upto d
        WHERE id > d.submission_id
          AND NOT (id <= d.cycle_upto AND (COALESCE(observer_id, -1), id) <= (d.done_observer, d.done_id))",
    )
    .await;
    let store = Store::open(&database).await.unwrap();
    let mut stored = BTreeSet::new();
    let mut total = 0;
    for id in &acknowledged {
        let found: i64 = storage_count(&store, id).await;
        assert_eq!(found, 1, "{id} acknowledged but stored {found} times");
        stored.insert(id.clone());
        total += 1;
    }
    assert!(total > 50, "the clients got work done between kills: {total} acknowledged");
    let verified = storage::ledger::verify(store.reads()).await.unwrap();
    assert!(verified.first_break.is_none(), "{:?}", verified.first_break);

    // Derived rows: one coverage count per stored report, no more, no less, and each in its
    // observer's list.
    let caught_up = store.reads_caught_up().await.unwrap();
    let reports = count(caught_up, "SELECT COUNT(*) AS n FROM submissions").await;
    let listed =
        count(caught_up, "SELECT COUNT(*) AS n FROM observer_reports o JOIN submissions s ON s.id = o.submission_id")
            .await;
    assert_eq!(listed, reports, "observers' lists hold all {reports} stored reports");
    let counted = count(caught_up, "SELECT COALESCE(SUM(submissions), 0) AS n FROM station_coverage").await;
    assert_eq!(counted, reports, "coverage counts for {reports} stored reports");
    eprintln!(
        "crash test: {kills} kills, {total} acknowledged, all stored once; chain of {} entries intact; \
         {left_pending} reports' coverage counts and list entries were pending at the last kill, \
         all {reports} have them exactly once after the restart",
        verified.checked
    );
}

async fn raw_pool(database: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&format!("sqlite://{database}")).await.unwrap()
}

async fn count(pool: &sqlx::AnyPool, sql: &'static str) -> i64 {
    use sqlx::Row;
    sqlx::query(sql).fetch_one(pool).await.unwrap().get::<i64, _>("n")
}

async fn storage_count(store: &Store, client_id: &str) -> i64 {
    use sqlx::Row;
    sqlx::query("SELECT COUNT(*) AS n FROM submissions WHERE client_id = $1")
        .bind(client_id.to_string())
        .fetch_one(store.reads())
        .await
        .unwrap()
        .get::<i64, _>("n")
}
