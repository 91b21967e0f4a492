//! Storage tests: every case runs on SQLite (a real file) and on PostgreSQL.

use std::collections::BTreeSet;

use domain::audit::{ChangeAuthor, Channel};
use domain::election::{ConstituencyNo, InBaku, Organisation};
use domain::import::ConstituencyRecord;
use domain::language::Localized;
use storage::audit::{self, AuditFilter, Change};
use storage::reference::{self, ConstituencyFilter};
use storage::{Backend, StorageError, Store};

/// A store per backend: a fresh SQLite file, and a fresh PostgreSQL database.
async fn stores() -> Vec<(Store, String, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("test.db").to_string_lossy().to_string();
    let mut stores = vec![(Store::open(&path).await.unwrap(), path, Some(dir))];
    if let Some(url) = storage::testing::fresh_postgres_database().await {
        stores.push((Store::open(&url).await.unwrap(), url, None));
    }
    stores
}

fn change(n: usize) -> Change<'static> {
    Change { action: "test.write", entity: "test", entity_id: n.to_string(), details: serde_json::json!({ "n": n }) }
}

async fn audit_count(store: &Store, action: &str) -> i64 {
    audit::list(store, &AuditFilter { action: Some(action.into()), page: 1, per_page: 1, ..Default::default() })
        .await
        .unwrap()
        .total
}

/// How many reports an observer's own list holds (rows written behind the reports on SQLite:
/// listing makes the writer catch up first).
async fn listed_for(store: &Store, observer: i64) -> usize {
    storage::submissions::of_observer(store, observer, 100_000).await.unwrap().len()
}

#[tokio::test]
async fn hundreds_of_concurrent_writes_all_succeed_and_each_is_stored_once() {
    for (store, _, _dir) in stores().await {
        let mut tasks = Vec::new();
        for n in 0..400 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .write(move |connection| {
                        Box::pin(async move {
                            // Read, then write: the pattern that fails with "database is locked"
                            // under SQLite's deferred transactions.
                            sqlx::query("SELECT COUNT(*) FROM audit_log").fetch_one(&mut *connection).await?;
                            audit::record(connection, &ChangeAuthor::system(Channel::Cli), change(n), 0).await
                        })
                    })
                    .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(audit_count(&store, "test.write").await, 400, "{:?}", store.backend());
        let ids: BTreeSet<String> = audit::list(
            &store,
            &AuditFilter { action: Some("test.write".into()), page: 1, per_page: 500, ..Default::default() },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.entity_id)
        .collect();
        assert_eq!(ids.len(), 400);
    }
}

#[tokio::test]
async fn a_failing_write_does_not_undo_the_others_in_its_batch() {
    for (store, _, _dir) in stores().await {
        let organisation = Organisation { code: "VCUM".into(), name: Localized::new("Mərkəz", "", "") };
        let first = organisation.clone();
        store.write(move |c| Box::pin(async move { reference::insert_organisation(c, &first).await })).await.unwrap();
        let mut tasks = Vec::new();
        for n in 0..50 {
            let store = store.clone();
            let duplicate = organisation.clone();
            tasks.push(tokio::spawn(async move {
                if n == 25 {
                    store
                        .write(move |c| {
                            Box::pin(async move { reference::insert_organisation(c, &duplicate).await.map(|_| ()) })
                        })
                        .await
                } else {
                    store
                        .write(move |c| {
                            Box::pin(async move {
                                audit::record(c, &ChangeAuthor::system(Channel::Cli), change(n), 0).await
                            })
                        })
                        .await
                }
            }));
        }
        let results: Vec<_> = futures_join(tasks).await;
        assert!(matches!(results[25], Err(StorageError::Conflict(_))), "{:?}", results[25]);
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 49);
        assert_eq!(audit_count(&store, "test.write").await, 49);
    }
}

async fn futures_join(tasks: Vec<tokio::task::JoinHandle<storage::Result<()>>>) -> Vec<storage::Result<()>> {
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test]
async fn a_rehearsal_runs_every_check_and_leaves_nothing_behind() {
    for (store, _, _dir) in stores().await {
        let written = store
            .rehearse(|c| {
                Box::pin(async move {
                    audit::record(c, &ChangeAuthor::system(Channel::Cli), change(1), 0).await.map(|()| 7)
                })
            })
            .await
            .unwrap();
        assert_eq!(written, 7);
        assert_eq!(audit_count(&store, "test.write").await, 0);
    }
}

#[tokio::test]
async fn an_acknowledged_write_is_seen_by_a_new_connection_and_reopening_migrates_nothing_twice() {
    for (store, location, _dir) in stores().await {
        store
            .write(|c| {
                Box::pin(async move { audit::record(c, &ChangeAuthor::system(Channel::Cli), change(9), 0).await })
            })
            .await
            .unwrap();
        store.close().await;
        let reopened = Store::open(&location).await.unwrap();
        assert_eq!(audit_count(&reopened, "test.write").await, 1);
    }
}

#[tokio::test]
async fn constituency_search_ignores_case_and_azerbaijani_diacritics() {
    for (store, _, _dir) in stores().await {
        let record = ConstituencyRecord {
            number: ConstituencyNo::new(108).unwrap(),
            name_az: "108 saylı Şəki şəhər seçki dairəsi".into(),
            name_en: "Shaki City".into(),
            area_az: String::new(),
            in_baku: InBaku::No,
            monitored: true,
        };
        store.write(move |c| Box::pin(async move { reference::upsert_constituency(c, &record).await })).await.unwrap();
        for query in ["ŞƏKİ", "seki", "Şəki şəhər", "shaki", "108"] {
            let found = reference::constituencies(
                store.reads(),
                &ConstituencyFilter { search: Some(query.into()), monitored_only: false },
            )
            .await
            .unwrap();
            assert_eq!(found.len(), 1, "{query} on {:?}", store.backend());
        }
        // LIKE wildcards a person types are not wildcards.
        let none = reference::constituencies(
            store.reads(),
            &ConstituencyFilter { search: Some("s_ki".into()), monitored_only: false },
        )
        .await
        .unwrap();
        assert!(none.is_empty());
    }
}

#[tokio::test]
async fn sqlite_reads_cannot_write() {
    for (store, _, _dir) in stores().await {
        if store.backend() != Backend::Sqlite {
            continue;
        }
        let attempt = sqlx::query("DELETE FROM audit_log").execute(store.reads()).await;
        assert!(attempt.is_err(), "the read pool is read-only; all writes go through the writer");
    }
}

/// An observer deployed to 17/1.
fn observer_at_17_1(username: &str, full_name: &str) -> domain::import::PersonRecord {
    domain::import::PersonRecord {
        username: domain::people::Username::parse(username).unwrap(),
        full_name: domain::people::PersonName::parse(full_name).unwrap(),
        role: domain::roles::Role::Observer,
        organisation_id: None,
        phone: None,
        email: None,
        observer_code: None,
        stations: vec![domain::election::StationRef::parse("17/1").unwrap()],
        constituencies: Vec::new(),
    }
}

/// A station, an observer and a form to report on, in a fresh store.
async fn reporting_fixture(store: &Store) -> (storage::submissions::StationFacts, i64) {
    use domain::import::StationRecord;
    let constituency = ConstituencyRecord {
        number: ConstituencyNo::new(17).unwrap(),
        name_az: "17 saylı Yasamal üçüncü seçki dairəsi".into(),
        name_en: String::new(),
        area_az: String::new(),
        in_baku: InBaku::Yes,
        monitored: true,
    };
    let station = StationRecord {
        reference: domain::election::StationRef::parse("17/1").unwrap(),
        registered_voters: 1200,
        address: String::new(),
    };
    let person = observer_at_17_1("obs.one", "Aysel Məmmədova");
    let observer = store
        .write(move |c| {
            Box::pin(async move {
                reference::upsert_constituency(c, &constituency).await?;
                reference::upsert_station(c, &station).await?;
                storage::people::insert(c, &person, None, 0).await
            })
        })
        .await
        .unwrap();
    let row =
        reference::station(store.reads(), domain::election::StationRef::parse("17/1").unwrap()).await.unwrap().unwrap();
    (
        storage::submissions::StationFacts {
            id: row.id,
            constituency_no: 17,
            label: row.label(),
            registered_voters: 1200,
        },
        observer,
    )
}

fn report(
    station: &storage::submissions::StationFacts,
    observer: i64,
    id: &str,
    visit: &str,
) -> storage::submissions::NewSubmission {
    let form = domain::forms::standard::standard_forms().into_iter().find(|f| f.code == "VT").unwrap();
    let raw = serde_json::json!({"VA": visit, "VB": true, "VC": true, "VD": true, "VE": false, "VF": false, "VG": false, "VH": false, "VJ": false, "VK": false});
    let answers = domain::forms::validate(&form, raw.as_object().unwrap()).unwrap();
    let reference = domain::election::StationRef::parse(&station.label).unwrap();
    storage::submissions::NewSubmission {
        client_id: id.into(),
        form_code: "VT".into(),
        form_version: 1,
        form_kind: form.kind,
        form_phase: form.phase,
        repeatable: form.repeatable,
        station: station.clone(),
        observer_id: Some(observer),
        channel: Channel::Api,
        device_time: None,
        server_time: 1_707_300_000_000,
        clock_off: false,
        content_hash: domain::submissions::submission_content_hash("VT", 1, reference, &answers.canonical_json()),
        answers_json: answers.canonical_json(),
        answers,
        message: None,
    }
}

#[tokio::test]
async fn concurrent_reports_are_stored_once_each_and_chained() {
    use storage::submissions::Stored;
    for (store, _, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        let mut tasks = Vec::new();
        for n in 0..200 {
            let store = store.clone();
            // Every report is sent twice, as a phone that did not hear the answer would;
            // report 7 is then reused for different answers, which must be refused.
            let first = report(&station, observer, &format!("report-{n:04}-aaaa"), "10:15");
            let again = first.clone();
            tasks.push(tokio::spawn(async move { (store.submit(first).await, store.submit(again).await) }));
        }
        let mut created = 0;
        for task in tasks {
            let (first, again) = task.await.unwrap();
            let (first, again) = (first.unwrap(), again.unwrap());
            created += [&first, &again].iter().filter(|s| matches!(s, Stored::Created(_))).count();
            let id = |s: &Stored| match s {
                Stored::Created(row) | Stored::AlreadyStored(row) => row.id,
            };
            assert_eq!(id(&first), id(&again), "a resend is the same report");
        }
        assert_eq!(created, 200, "{:?}", store.backend());
        let reused = store.submit(report(&station, observer, "report-0007-aaaa", "11:00")).await;
        assert!(matches!(reused, Err(StorageError::Conflict(_))), "{reused:?}");
        assert_eq!(storage::submissions::count(store.reads()).await.unwrap(), 200);
        let verified = storage::ledger::verify(store.reads()).await.unwrap();
        assert!(verified.first_break.is_none(), "{:?} on {:?}", verified.first_break, store.backend());
        assert_eq!(verified.checked, 200);
        let coverage = storage::coverage::by_constituency(&store, &storage::coverage::Area::All).await.unwrap();
        assert_eq!(coverage[0].received.get("VT"), Some(&1), "one station reported");
    }
}

#[tokio::test]
async fn a_report_the_database_refuses_costs_the_others_in_its_batch_nothing() {
    use storage::submissions::Stored;
    for (store, _, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        let nowhere = storage::submissions::StationFacts { id: 999_999, ..station.clone() };
        if store.backend() == Backend::Sqlite {
            // SQLite's ingest connection checks no foreign keys (for a report they could never
            // fail: see `on_sqlite::open`); a trigger stands for any row the database refuses.
            let refuse = "CREATE TRIGGER refuse_nowhere BEFORE INSERT ON submissions
                 WHEN NEW.station_id = 999999 BEGIN SELECT RAISE(ABORT, 'no such station'); END";
            storage::testing::execute(&store, refuse, None).await;
        }
        let mut tasks = Vec::new();
        for n in 0..60 {
            let store = store.clone();
            // Sent together, so that they share the writer's batches; one in ten names a
            // station the database does not have (a refusal mid-batch).
            let target = if n % 10 == 3 { &nowhere } else { &station };
            let new = report(target, observer, &format!("batch-{n:04}-aaaa"), "10:15");
            tasks.push(tokio::spawn(async move { (n, store.submit(new).await) }));
        }
        for task in tasks {
            let (n, outcome) = task.await.unwrap();
            if n % 10 == 3 {
                assert!(matches!(outcome, Err(StorageError::Conflict(_))), "{n}: {outcome:?}");
            } else {
                assert!(matches!(outcome, Ok(Stored::Created(_))), "{n}: {outcome:?} on {:?}", store.backend());
            }
        }
        assert_eq!(storage::submissions::count(store.reads()).await.unwrap(), 54);
        let verified = storage::ledger::verify(store.reads()).await.unwrap();
        assert!(verified.first_break.is_none());
        assert_eq!(verified.checked, 54, "refused reports leave no entry in the chain");
    }
}

#[tokio::test]
async fn on_sqlite_the_file_alone_holds_every_acknowledged_report_once_the_store_is_closed() {
    // Checkpoints run on a thread of their own, never inside a commit; closing must still
    // leave a database file that is complete without its write-ahead log (backups copy it).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let store = Store::open(&path.to_string_lossy()).await.unwrap();
    let (station, observer) = reporting_fixture(&store).await;
    let tasks: Vec<_> = (0..300)
        .map(|n| {
            let store = store.clone();
            let new = report(&station, observer, &format!("fold-{n:04}-aaaa"), "10:15");
            tokio::spawn(async move { store.submit(new).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    store.close().await;
    // Every connection is closed, so SQLite has removed the log and its index.
    assert!(!dir.path().join("live.db-wal").exists(), "the log was folded into the file and removed");
    assert!(!dir.path().join("live.db-shm").exists());
    let write_after_close = store.submit(report(&station, observer, "too-late-aaaa", "10:15")).await;
    assert!(matches!(write_after_close, Err(StorageError::WriterStopped)), "{write_after_close:?}");
    let copy = dir.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    let reopened = Store::open(&copy.to_string_lossy()).await.unwrap();
    assert_eq!(storage::submissions::count(reopened.reads()).await.unwrap(), 300);
    assert!(storage::ledger::verify(reopened.reads()).await.unwrap().first_break.is_none());
    // The coverage counts and observers' lists written behind the reports were written at
    // close: the copy has them all, once, with nothing left to derive.
    let derived: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM observer_reports").fetch_one(reopened.reads()).await.unwrap();
    assert_eq!(derived, 300);
    let coverage = storage::coverage::by_constituency(&reopened, &storage::coverage::Area::All).await.unwrap();
    assert_eq!(coverage[0].received.get("VT"), Some(&1), "one station reported");
    reopened.close().await;
}

#[tokio::test]
async fn an_sms_report_is_logged_with_its_message_and_reply_in_one_transaction() {
    use storage::sms::{Inbound, MessageLog, SmsFilter};
    use storage::submissions::Stored;
    for (store, _, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        let sms_report = |client_id: &str| {
            let mut new = report(&station, observer, client_id, "10:15");
            new.channel = Channel::Sms;
            new.message = Some(Box::new(MessageLog {
                inbound: Inbound {
                    gateway: "generic".into(),
                    phone: "+994501234567".into(),
                    body: "VT 123456 VA1015 VB1".into(),
                    at: 1_707_300_000_000,
                    dedupe_key: "key-of-this-text".into(),
                },
                status: "partial".into(),
                detail: "{}".into(),
                reply: Some(("Qəbul edildi: VT 17/1".into(), "sent".into())),
            }));
            new
        };
        let Ok(Stored::Created(row)) = store.submit(sms_report("sms-key-of-this-text")).await else {
            panic!("stored on {:?}", store.backend())
        };
        // The gateway retries: the report is already there, and nothing more is logged.
        let again = store.submit(sms_report("sms-key-of-this-text")).await.unwrap();
        assert!(matches!(again, Stored::AlreadyStored(_)));
        let everything = SmsFilter { page: 1, per_page: 10, ..Default::default() };
        let log = storage::sms::list(store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
        assert_eq!(log.total, 2, "the message and its reply, once, on {:?}", store.backend());
        let inbound = log.items.iter().find(|m| m.direction == "in").unwrap();
        assert_eq!((inbound.submission_id, inbound.observer_id), (Some(row.id), Some(observer)));
        assert_eq!(inbound.status, "partial");
        let reply = log.items.iter().find(|m| m.direction == "out").unwrap();
        assert_eq!((reply.reply_to, reply.status.as_str()), (Some(inbound.id), "sent"));
        // Coordinators of constituency 17 see both (the reply carries the observer too).
        let in_17 = storage::coverage::Area::Constituencies(vec![17]);
        assert_eq!(storage::sms::list(store.reads(), &in_17, &everything).await.unwrap().total, 2);
        let in_5 = storage::coverage::Area::Constituencies(vec![5]);
        assert_eq!(storage::sms::list(store.reads(), &in_5, &everything).await.unwrap().total, 0);
    }
}

#[tokio::test]
async fn a_second_process_on_the_same_database_never_writes_a_reports_derived_rows_twice() {
    // The server writes coverage counts and observers' lists behind the reports; a CLI command
    // opening the same file meanwhile (`chain verify`, say) finds them pending too.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db").to_string_lossy().to_string();
    let server = Store::open(&path).await.unwrap();
    let (station, observer) = reporting_fixture(&server).await;
    for n in 0..40 {
        server.submit(report(&station, observer, &format!("shared-{n:04}-aaaa"), "10:15")).await.unwrap();
    }
    // Opened while the server's rows are still pending: it writes them on start.
    let cli = Store::open(&path).await.unwrap();
    assert_eq!(listed_for(&cli, observer).await, 40);
    for n in 40..60 {
        server.submit(report(&station, observer, &format!("shared-{n:04}-aaaa"), "10:15")).await.unwrap();
    }
    // The server writes what it still holds as pending: only what the other did not.
    assert_eq!(listed_for(&server, observer).await, 60);
    cli.close().await;
    server.close().await;
    assert_each_report_derived_once(&path, 60).await;
}

#[tokio::test]
async fn two_processes_storing_reports_into_one_database_each_report_gets_its_derived_rows_once() {
    // An old server still finishing its requests while a new one starts: report ids from the
    // two interleave, and each holds only its own as pending.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.db").to_string_lossy().to_string();
    let old = Store::open(&path).await.unwrap();
    let (station, observer) = reporting_fixture(&old).await;
    let new = Store::open(&path).await.unwrap();
    for n in 0..30 {
        let store = if n % 2 == 0 { &old } else { &new };
        store.submit(report(&station, observer, &format!("two-{n:04}-aaaa"), "10:15")).await.unwrap();
    }
    // Whichever writes first writes all 30; the other finds nothing left.
    assert_eq!(listed_for(&new, observer).await, 30);
    assert_eq!(listed_for(&old, observer).await, 30);
    old.close().await;
    new.close().await;
    assert_each_report_derived_once(&path, 30).await;
}

/// Reopened afterwards, the database holds one coverage count per report, and each report an
/// observer sent is in their list.
async fn assert_each_report_derived_once(path: &str, reports: i64) {
    let reopened = Store::open(path).await.unwrap();
    let caught_up = reopened.reads_caught_up().await.unwrap();
    let count =
        async |sql: &str| -> i64 { sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(caught_up).await.unwrap() };
    let counted = count("SELECT SUM(submissions) FROM station_coverage").await;
    assert_eq!(counted, reports, "each report counted once");
    let listed = count("SELECT COUNT(*) FROM observer_reports o JOIN submissions s ON s.id = o.submission_id AND s.observer_id = o.observer_id").await;
    let observed = count("SELECT COUNT(*) FROM submissions WHERE observer_id IS NOT NULL").await;
    assert_eq!(listed, observed, "each observer's report in their list");
    reopened.close().await;
}

#[tokio::test]
async fn a_cycle_of_derived_rows_left_half_written_is_finished_on_open_each_report_once() {
    // A server killed between two chunks of a cycle. A cycle is written in the order of the
    // observers' lists, so its written part is neither its oldest nor its newest reports.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cycle.db").to_string_lossy().to_string();
    let store = Store::open(&path).await.unwrap();
    let (station, observer) = reporting_fixture(&store).await;
    for n in 0..40 {
        let mut new = report(&station, observer, &format!("cycle-{n:04}-aaaa"), "10:15");
        if n % 3 == 0 {
            new.observer_id = None; // an SMS from a phone on no one's list: first in that order
        }
        store.submit(new).await.unwrap();
    }
    store.close().await;

    // Rewound to what the kill left: reports up to `mark` derived; of the cycle up to `upto`,
    // the first ten in key order derived; the rest of it and the five after it not.
    let file = rusqlite::Connection::open(&path).unwrap();
    let (low, high): (i64, i64) =
        file.query_row("SELECT MIN(id), MAX(id) FROM submissions", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    let (mark, upto) = (low + 9, high - 5);
    let done: (i64, i64) = file
        .query_row(
            "SELECT COALESCE(observer_id, -1), id FROM submissions WHERE id > ?1 AND id <= ?2
             ORDER BY 1, 2 LIMIT 1 OFFSET 9",
            [mark, upto],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let undone = "id > ?1 AND NOT (id <= ?2 AND (COALESCE(observer_id, -1), id) <= (?3, ?4))";
    let pending: i64 = file
        .query_row(&format!("SELECT COUNT(*) FROM submissions WHERE {undone}"), [mark, upto, done.0, done.1], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(pending, 40 - 10 - 10);
    file.execute(
        &format!("DELETE FROM observer_reports WHERE submission_id IN (SELECT id FROM submissions WHERE {undone})"),
        [mark, upto, done.0, done.1],
    )
    .unwrap();
    file.execute("UPDATE station_coverage SET submissions = submissions - ?1", [pending]).unwrap();
    file.execute(
        "UPDATE derived_upto SET submission_id = ?1, cycle_upto = ?2, done_observer = ?3, done_id = ?4",
        [mark, upto, done.0, done.1],
    )
    .unwrap();
    drop(file);

    assert_each_report_derived_once(&path, 40).await;
    let file = rusqlite::Connection::open(&path).unwrap();
    let mark_now: i64 = file.query_row("SELECT submission_id FROM derived_upto", [], |r| r.get(0)).unwrap();
    assert_eq!(mark_now, high, "every report is covered by the mark again");
}

#[tokio::test]
async fn the_audit_log_lists_reports_from_their_rows_and_filters_them_like_other_entries() {
    // Reports have no audit row (migration 0014): they are listed from `submissions`, and
    // filters and the order by time treat them like any other entry.
    for (store, _, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        let mut ids = Vec::new();
        for n in 0..3 {
            let mut new = report(&station, observer, &format!("entity-{n:04}-aaaa"), "10:15");
            new.server_time = 1_000 * (2 * n as i64 + 1); // 1 s, 3 s, 5 s
            if n == 2 {
                new.channel = Channel::Sms;
            }
            let Ok(storage::submissions::Stored::Created(row)) = store.submit(new).await else { panic!("stored") };
            ids.push(row.id);
        }
        for n in 0..2 {
            let at = 1_000 * (2 * n as i64 + 2); // 2 s, 4 s: between the reports
            store
                .write(move |c| {
                    Box::pin(async move { audit::record(c, &ChangeAuthor::system(Channel::Cli), change(n), at).await })
                })
                .await
                .unwrap();
        }
        let on = store.backend();
        // Ten entries a page unless the filter sets a size.
        let list = async |filter: AuditFilter| {
            let per_page = if filter.per_page == 0 { 10 } else { filter.per_page };
            audit::list(&store, &AuditFilter { per_page, ..filter }).await.unwrap()
        };
        let everything = list(AuditFilter::default()).await;
        let times: Vec<i64> = everything.items.iter().map(|entry| entry.at).filter(|at| *at <= 5_000).collect();
        assert_eq!(times, vec![5_000, 4_000, 3_000, 2_000, 1_000], "newest first, {on:?}");
        // A report as listed: who sent it, through which channel, which form for which station.
        let last = &everything.items[0];
        assert_eq!(last.id, None, "no audit row of its own");
        assert_eq!((last.action.as_str(), last.entity.as_str()), ("submission.create", "submission"));
        assert_eq!(last.entity_id, ids[2].to_string());
        assert_eq!((last.actor_user_id, last.actor_username.as_deref()), (Some(observer), Some("obs.one")));
        assert_eq!(last.channel, "sms");
        let details: serde_json::Value = serde_json::from_str(&last.details).unwrap();
        assert_eq!(details, serde_json::json!({"form": "VT", "station": "17/1"}), "{on:?}");
        assert!(everything.items[1].id.is_some(), "an entry of the log itself");

        let window = list(AuditFilter { from: Some(1_500), until: Some(4_500), ..Default::default() }).await;
        assert_eq!(window.total, 3, "{on:?}");
        let entity = |entity: &str| AuditFilter { entity: Some(entity.into()), ..Default::default() };
        assert_eq!(list(entity("submission")).await.total, 3, "{on:?}");
        assert_eq!(list(entity("test")).await.total, 2, "{on:?}");
        assert_eq!(list(entity("incident")).await.total, 0, "{on:?}");
        let action = AuditFilter { action: Some("submission.create".into()), ..Default::default() };
        assert_eq!(list(action).await.total, 3, "{on:?}");
        let by_observer = list(AuditFilter { actor: Some(" OBS.one ".into()), ..Default::default() }).await;
        assert_eq!(by_observer.total, 3, "their reports, found through their list, {on:?}");
        let by_sms = list(AuditFilter { channel: Some(Channel::Sms), ..Default::default() }).await;
        assert_eq!(by_sms.items.iter().map(|e| e.entity_id.clone()).collect::<Vec<_>>(), vec![ids[2].to_string()]);
        let by_nobody = list(AuditFilter { actor: Some("nobody".into()), ..Default::default() }).await;
        assert_eq!(by_nobody.total, 0, "{on:?}");
        let page_two = list(AuditFilter { until: Some(5_500), page: 2, per_page: 2, ..Default::default() }).await;
        assert_eq!(page_two.items.iter().map(|e| e.at).collect::<Vec<_>>(), vec![3_000, 2_000], "{on:?}");
    }
}

#[tokio::test]
async fn migration_0014_moves_reports_audit_entries_into_observers_lists() {
    // A database as it was before 0014: every report had an audit entry, found by actor.
    for (store, location, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        for n in 0..4 {
            store.submit(report(&station, observer, &format!("before-{n:04}-aaaa"), "10:15")).await.unwrap();
        }
        let on = store.backend();
        let before_0014 = vec![
            "INSERT INTO audit_log (at, actor_user_id, channel, action, entity, entity_id, details)
             SELECT server_time, observer_id, channel, 'submission.create', 'submission', CAST(id AS TEXT), '{}'
             FROM submissions",
            "DROP TABLE observer_reports",
            "DELETE FROM _sqlx_migrations WHERE version = 14",
        ];
        let migrated = reopened_after(store, &location, before_0014).await;
        assert_eq!(listed_for(&migrated, observer).await, 4, "{on:?}");
        let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'submission'")
            .fetch_one(migrated.reads())
            .await
            .unwrap();
        assert_eq!(entries, 0, "{on:?}");
        let reports = AuditFilter { entity: Some("submission".into()), page: 1, per_page: 10, ..Default::default() };
        assert_eq!(audit::list(&migrated, &reports).await.unwrap().total, 4, "each report listed once, {on:?}");
        migrated.close().await;
    }
}

#[tokio::test]
async fn migration_0015_leaves_reports_verifiable_and_retries_recognised_without_their_stored_hash() {
    use storage::submissions::Stored;
    for (store, location, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        for n in 0..4 {
            store.submit(report(&station, observer, &format!("before-{n:04}-aaaa"), "10:15")).await.unwrap();
        }
        // A database as it was before 0015: rows with their content hash, and on SQLite the
        // unique index on chain places.
        let on = store.backend();
        let mut before_0015 = vec![
            "ALTER TABLE submissions ADD COLUMN content_hash TEXT NOT NULL DEFAULT 'stale'",
            "DELETE FROM _sqlx_migrations WHERE version = 15",
        ];
        if on == storage::Backend::Sqlite {
            before_0015.push(
                "CREATE UNIQUE INDEX submissions_by_chain_seq ON submissions (chain_seq) WHERE chain_seq IS NOT NULL",
            );
        }
        let migrated = reopened_after(store, &location, before_0015).await;
        let gone = sqlx::query("SELECT content_hash FROM submissions").fetch_all(migrated.reads()).await;
        assert!(gone.is_err(), "the column is dropped, {on:?}");
        let verified = storage::ledger::verify(migrated.reads()).await.unwrap();
        assert!(verified.first_break.is_none(), "{:?} on {on:?}", verified.first_break);
        assert_eq!(verified.checked, 4, "{on:?}");
        let again = migrated.submit(report(&station, observer, "before-0001-aaaa", "10:15")).await;
        assert!(matches!(again, Ok(Stored::AlreadyStored(_))), "{again:?} on {on:?}");
        let changed = migrated.submit(report(&station, observer, "before-0001-aaaa", "11:15")).await;
        assert!(matches!(changed, Err(storage::StorageError::Conflict(_))), "{changed:?} on {on:?}");
        let next = migrated.submit(report(&station, observer, "after-0001-aaaa", "10:15")).await;
        assert!(matches!(next, Ok(Stored::Created(_))), "{on:?}");
        let head = storage::ledger::head(migrated.reads()).await.unwrap().unwrap();
        assert_eq!(head.seq, 5, "the chain goes on from its end, {on:?}");
        assert!(storage::ledger::verify(migrated.reads()).await.unwrap().first_break.is_none(), "{on:?}");
        migrated.close().await;
    }
}

/// Entries made before 0016 did not commit to the device's time: they still verify, entries
/// made after do commit to it, and a change to it (or to the flag of a clock far off) breaks
/// the chain at that report.
#[tokio::test]
async fn migration_0016_keeps_older_entries_and_chains_the_device_time_from_then_on() {
    use sqlx::Row;
    use storage::submissions::Stored;
    for (store, location, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        for n in 0..3 {
            store.submit(report(&station, observer, &format!("older-{n:04}-aaaa"), "10:15")).await.unwrap();
        }
        // As before 0016: each report's entry hashed without the device's time.
        let label = station.label.clone();
        store
            .write(move |c| {
                Box::pin(async move {
                    let rows = sqlx::query(
                        "SELECT id, channel, client_id, observer_id, server_time, answers FROM submissions ORDER BY id",
                    )
                    .fetch_all(&mut *c)
                    .await?;
                    let mut previous: Option<domain::ledger::Head> = None;
                    for row in rows {
                        let id: i64 = row.try_get("id")?;
                        let payload = serde_json::json!({
                            "channel": row.try_get::<String, _>("channel")?,
                            "client_id": row.try_get::<String, _>("client_id")?,
                            "content_hash": domain::submissions::submission_content_hash(
                                "VT",
                                1,
                                domain::election::StationRef::parse(&label).unwrap(),
                                &row.try_get::<String, _>("answers")?,
                            ),
                            "observer": row.try_get::<Option<i64>, _>("observer_id")?,
                            "server_time": row.try_get::<i64, _>("server_time")?,
                        });
                        let at = row.try_get::<i64, _>("server_time")?;
                        let entry = domain::ledger::Entry::new(
                            previous.as_ref(),
                            at,
                            "submission.accept",
                            &format!("submission:{id}"),
                            &payload.to_string(),
                        );
                        sqlx::query("UPDATE submissions SET chain_hash = $1 WHERE id = $2")
                            .bind(entry.hash.clone())
                            .bind(id)
                            .execute(&mut *c)
                            .await?;
                        previous = Some(entry.into_head());
                    }
                    Ok(())
                })
            })
            .await
            .unwrap();
        let on = store.backend();
        let before_0016 = vec!["DROP TABLE chain_formats", "DELETE FROM _sqlx_migrations WHERE version = 16"];
        let migrated = reopened_after(store, &location, before_0016).await;
        let verified = storage::ledger::verify(migrated.reads()).await.unwrap();
        assert!(verified.first_break.is_none(), "{:?} on {on:?}", verified.first_break);
        let Ok(Stored::Created(newer)) = migrated.submit(report(&station, observer, "newer-0001-aaaa", "10:15")).await
        else {
            panic!("stored")
        };
        assert_eq!(storage::ledger::verify(migrated.reads()).await.unwrap().checked, 4, "{on:?}");
        for (change, undo) in [
            (
                "UPDATE submissions SET device_time = 1707299000000 WHERE id = $1",
                "UPDATE submissions SET device_time = NULL WHERE id = $1",
            ),
            (
                "UPDATE submissions SET clock_off = 1 WHERE id = $1",
                "UPDATE submissions SET clock_off = 0 WHERE id = $1",
            ),
        ] {
            execute_for(&migrated, change, newer.id).await;
            let broken = storage::ledger::verify(migrated.reads()).await.unwrap().first_break;
            let expected =
                domain::ledger::ChainBreak::AlteredRecord { seq: 4, subject: format!("submission:{}", newer.id) };
            assert_eq!(broken, Some(expected), "{change} on {on:?}");
            execute_for(&migrated, undo, newer.id).await;
        }
        assert!(storage::ledger::verify(migrated.reads()).await.unwrap().first_break.is_none(), "{on:?}");
        migrated.close().await;
    }
}

/// Runs `sql` through the writer (to put the database back as it was before a migration),
/// closes the store and opens it again, which runs the migration once more.
async fn reopened_after(store: Store, location: &str, sql: Vec<&'static str>) -> Store {
    store
        .write(move |c| {
            Box::pin(async move {
                for statement in sql {
                    sqlx::query(statement).execute(&mut *c).await?;
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    store.close().await;
    Store::open(location).await.unwrap()
}

/// Appends a chain entry of another kind than a report's, as an incident's change would.
async fn append_change(store: &Store, n: usize) {
    store
        .write(move |c| {
            Box::pin(async move {
                let details = serde_json::json!({ "n": n });
                storage::ledger::append(c, 1, "test.change", "test:1", &details).await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}

/// Runs `sql` with `id` bound as `$1` through the writer.
async fn execute_for(store: &Store, sql: &'static str, id: i64) {
    storage::testing::execute(store, sql, Some(id)).await;
}

#[tokio::test]
async fn the_chain_runs_through_report_rows_and_the_ledger_and_names_what_was_altered() {
    use sqlx::Row;
    use storage::submissions::Stored;
    for (store, _, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        let submit = async |n: usize| {
            let new = report(&station, observer, &format!("chain-{n:04}-aaaa"), "10:15");
            let Ok(Stored::Created(row)) = store.submit(new).await else { panic!("stored") };
            row.id
        };
        let mut ids = vec![submit(0).await, submit(1).await];
        // A report stored before migration 0011 has its entry in the ledger table: move the
        // first report's entry there, as that migration found it.
        let (first, station_label) = (ids[0], station.label.clone());
        store
            .write(move |c| {
                Box::pin(async move {
                    let row = sqlx::query(
                        "SELECT chain_seq, chain_hash, channel, client_id, observer_id, server_time, answers
                         FROM submissions WHERE id = $1",
                    )
                    .bind(first)
                    .fetch_one(&mut *c)
                    .await?;
                    // The entry's own payload (the format since 0016: the hash moved with it).
                    let payload = serde_json::json!({
                        "channel": row.try_get::<String, _>("channel")?,
                        "client_id": row.try_get::<String, _>("client_id")?,
                        "clock_off": false,
                        "content_hash": domain::submissions::submission_content_hash(
                            "VT",
                            1,
                            domain::election::StationRef::parse(&station_label).unwrap(),
                            &row.try_get::<String, _>("answers")?,
                        ),
                        "device_time": null,
                        "observer": row.try_get::<Option<i64>, _>("observer_id")?,
                        "server_time": row.try_get::<i64, _>("server_time")?,
                    });
                    sqlx::query(
                        "INSERT INTO ledger (seq, at, kind, subject, payload, previous_hash, hash)
                         VALUES ($1, $2, 'submission.accept', $3, $4, $5, $6)",
                    )
                    .bind(row.try_get::<i64, _>("chain_seq")?)
                    .bind(row.try_get::<i64, _>("server_time")?)
                    .bind(format!("submission:{first}"))
                    .bind(payload.to_string())
                    .bind(domain::ledger::GENESIS)
                    .bind(row.try_get::<String, _>("chain_hash")?)
                    .execute(&mut *c)
                    .await?;
                    sqlx::query("UPDATE submissions SET chain_seq = NULL, chain_hash = NULL WHERE id = $1")
                        .bind(first)
                        .execute(&mut *c)
                        .await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
        // An entry of another kind (an incident's change, say), then more reports.
        append_change(&store, 1).await;
        ids.extend([submit(2).await, submit(3).await]);

        let verified = storage::ledger::verify(store.reads()).await.unwrap();
        assert!(verified.first_break.is_none(), "{:?} on {:?}", verified.first_break, store.backend());
        assert_eq!(verified.checked, 5, "two reports, the ledger's entry, two reports");
        let head = storage::ledger::head(store.reads()).await.unwrap().unwrap();
        assert_eq!((head.seq, head.hash.as_str()), (5, verified.head.as_str()));

        // A report from before 0011 given another time or channel: its ledger entry says
        // otherwise.
        for (change, undo) in [
            (
                "UPDATE submissions SET server_time = server_time + 1 WHERE id = $1",
                "UPDATE submissions SET server_time = server_time - 1 WHERE id = $1",
            ),
            (
                "UPDATE submissions SET channel = 'sms' WHERE id = $1",
                "UPDATE submissions SET channel = 'api' WHERE id = $1",
            ),
        ] {
            execute_for(&store, change, first).await;
            let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break;
            let expected = domain::ledger::ChainBreak::AlteredRecord { seq: 1, subject: format!("submission:{first}") };
            assert_eq!(broken, Some(expected), "{change}");
            execute_for(&store, undo, first).await;
        }
        assert!(storage::ledger::verify(store.reads()).await.unwrap().first_break.is_none());

        // A report's facts changed in its row: its entry no longer matches.
        let last = ids[3];
        execute_for(&store, "UPDATE submissions SET observer_id = NULL WHERE id = $1", last).await;
        let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break.unwrap();
        assert_eq!(broken, domain::ledger::ChainBreak::AlteredRecord { seq: 5, subject: format!("submission:{last}") });
        // A report's answers changed: the content its entry committed to is gone.
        execute_for(
            &store,
            "UPDATE submissions SET answers = replace(answers, '10:15', '11:15') WHERE id = $1",
            ids[1],
        )
        .await;
        let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break.unwrap();
        assert_eq!(
            broken,
            domain::ledger::ChainBreak::AlteredRecord { seq: 2, subject: format!("submission:{}", ids[1]) }
        );
        // A report removed, or its entry cut out of its row: the link after it breaks.
        execute_for(&store, "UPDATE submissions SET chain_seq = NULL WHERE id = $1", ids[1]).await;
        let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break.unwrap();
        assert_eq!(broken, domain::ledger::ChainBreak::BrokenLink { seq: 3, previous: 1 });
        execute_for(&store, "DELETE FROM submissions WHERE id = $1", ids[2]).await;
        let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break.unwrap();
        assert_eq!(broken, domain::ledger::ChainBreak::BrokenLink { seq: 3, previous: 1 });
    }
}

/// Rows put where the walk does not go: an id below zero, or a place beyond the chain's head
/// for an id within it. Each is named (a place beyond the head on PostgreSQL, which finds the
/// head by place, breaks the walk's links instead).
#[tokio::test]
async fn report_rows_put_outside_the_walk_are_found() {
    use storage::submissions::Stored;
    for (store, _, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        let mut ids = Vec::new();
        for n in 0..3 {
            let new = report(&station, observer, &format!("outside-{n:04}-aaaa"), "10:15");
            let Ok(Stored::Created(row)) = store.submit(new).await else { panic!("stored") };
            ids.push(row.id);
        }
        assert!(storage::ledger::verify(store.reads()).await.unwrap().first_break.is_none());
        execute_for(
            &store,
            "INSERT INTO submissions (id, client_id, form_code, form_version, station_id, observer_id, channel,
                server_time, answers)
             SELECT -1, 'forged-below-zero', form_code, form_version, station_id, observer_id, channel,
                server_time, answers FROM submissions WHERE id = $1",
            ids[0],
        )
        .await;
        let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break;
        assert_eq!(broken, Some(domain::ledger::ChainBreak::Unchained { subject: "submission:-1".into() }));
        execute_for(&store, "DELETE FROM submissions WHERE id = $1", -1).await;

        execute_for(
            &store,
            "INSERT INTO submissions (id, client_id, form_code, form_version, station_id, observer_id, channel,
                server_time, answers, chain_seq, chain_hash)
             SELECT 0, 'forged-far-place', form_code, form_version, station_id, observer_id, channel,
                server_time, answers, 1000000000000, chain_hash FROM submissions WHERE id = $1",
            ids[2],
        )
        .await;
        let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break;
        match store.backend() {
            storage::Backend::Sqlite => {
                assert_eq!(broken, Some(domain::ledger::ChainBreak::Unchained { subject: "submission:0".into() }))
            }
            // The walk starts at the forged row, which claims a place the chain has not reached.
            storage::Backend::Postgres => {
                assert_eq!(broken, Some(domain::ledger::ChainBreak::BrokenLink { seq: 1_000_000_000_000, previous: 0 }))
            }
        }
    }
}

/// A turnout count sent again after the station's registered voters were corrected is
/// weighed against the corrected figure, as the counts sent after it are.
#[tokio::test]
async fn a_turnout_count_sent_again_takes_the_stations_registered_voters_as_they_are_now() {
    for (store, _, _dir) in stores().await {
        let (mut station, observer) = reporting_fixture(&store).await;
        let form = domain::forms::standard::standard_forms().into_iter().find(|f| f.code == "TC").unwrap();
        let count = |station: &storage::submissions::StationFacts, id: &str, counted: i64| {
            let mut new = report(station, observer, id, "10:15");
            let raw = serde_json::json!({"TA": 1, "TB": counted, "TC": false});
            new.answers = domain::forms::validate(&form, raw.as_object().unwrap()).unwrap();
            new.answers_json = new.answers.canonical_json();
            (new.form_code, new.form_version, new.form_kind, new.form_phase, new.repeatable) =
                (form.code.clone(), form.version, form.kind, form.phase, form.repeatable);
            new.content_hash = domain::submissions::submission_content_hash(
                &form.code,
                form.version,
                domain::election::StationRef::parse(&station.label).unwrap(),
                &new.answers_json,
            );
            new
        };
        store.submit(count(&station, "turnout-0001-aaaa", 300)).await.unwrap();
        station.registered_voters = 1500;
        store.submit(count(&station, "turnout-0002-aaaa", 310)).await.unwrap();
        let timeline = storage::coverage::turnout(store.reads(), &storage::coverage::Area::All).await.unwrap();
        assert_eq!((timeline[0].counted, timeline[0].registered), (310, 1500), "{:?}", store.backend());
    }
}

/// Two servers on one database keep one chain. On SQLite (two servers on one file: a mistake,
/// but one an operator can make) each batch reads the chain's end inside a write
/// transaction, and SQLite commits one at a time, so no place is taken twice even without a
/// unique index on it (migration 0015). On PostgreSQL, where two servers may share a database,
/// each writer's transaction takes the chain's lock before anything else.
#[tokio::test]
async fn two_servers_on_one_database_append_to_one_chain() {
    use storage::submissions::Stored;
    for (first, path, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&first).await;
        let second = Store::open(&path).await.unwrap();
        let writing = |store: Store, name: &'static str| {
            let station = station.clone();
            tokio::spawn(async move {
                for n in 0..60 {
                    let new = report(&station, observer, &format!("{name}-{n:04}-aaaa"), "10:15");
                    let Ok(Stored::Created(_)) = store.submit(new).await else { panic!("stored") };
                    if n % 10 == 0 {
                        append_change(&store, n).await;
                    }
                }
            })
        };
        let (a, b) = (writing(first.clone(), "first"), writing(second.clone(), "second"));
        a.await.unwrap();
        b.await.unwrap();
        // The two servers' reports were stored in turns, not one server's after the other's.
        let order: Vec<String> =
            sqlx::query_scalar("SELECT client_id FROM submissions ORDER BY id").fetch_all(first.reads()).await.unwrap();
        let turns = order.windows(2).filter(|w| w[0][..5] != w[1][..5]).count();
        assert!(turns >= 2, "the servers took turns {turns} times on {:?}", first.backend());
        let verified = storage::ledger::verify(second.reads()).await.unwrap();
        assert!(verified.first_break.is_none(), "{:?} on {:?}", verified.first_break, first.backend());
        assert_eq!(verified.checked, 2 * (60 + 6), "every report and change of both, once each");
        let head = storage::ledger::head(first.reads()).await.unwrap().unwrap();
        assert_eq!((head.seq, head.hash), (2 * (60 + 6), verified.head));
    }
}

#[tokio::test]
async fn a_report_row_without_its_entry_or_hash_is_named_and_a_check_during_writes_finds_no_break() {
    use storage::submissions::Stored;
    for (store, _, _dir) in stores().await {
        let (station, observer) = reporting_fixture(&store).await;
        let mut ids = Vec::new();
        for n in 0..3 {
            let new = report(&station, observer, &format!("forge-{n:04}-aaaa"), "10:15");
            let Ok(Stored::Created(row)) = store.submit(new).await else { panic!("stored") };
            ids.push(row.id);
        }

        // Checked while reports and other entries keep coming: each check covers the chain
        // as it was when the check began, and finds no break in it.
        let writing = {
            let (store, station) = (store.clone(), station.clone());
            tokio::spawn(async move {
                for n in 0..150 {
                    let new = report(&station, observer, &format!("during-{n:04}-aaaa"), "10:15");
                    store.submit(new).await.unwrap();
                    if n % 5 == 0 {
                        append_change(&store, n).await;
                    }
                }
            })
        };
        let mut checks = 0;
        while !writing.is_finished() {
            let verified = storage::ledger::verify(store.reads()).await.unwrap();
            assert!(verified.first_break.is_none(), "{:?} on {:?}", verified.first_break, store.backend());
            checks += 1;
        }
        writing.await.unwrap();
        assert!(checks > 0);
        let verified = storage::ledger::verify(store.reads()).await.unwrap();
        assert_eq!(verified.checked, 3 + 150 + 30);

        // A report row added behind pollwatch's back, without an entry.
        execute_for(
            &store,
            "INSERT INTO submissions (client_id, form_code, form_version, station_id, observer_id, channel,
                server_time, answers)
             SELECT 'forged-0001-aaaa', form_code, form_version, station_id, observer_id, channel, server_time,
                answers FROM submissions WHERE id = $1",
            ids[0],
        )
        .await;
        let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break.unwrap();
        assert!(
            matches!(&broken, domain::ledger::ChainBreak::Unchained { subject } if subject.starts_with("submission:"))
        );
        // A place in the chain whose hash was removed.
        execute_for(&store, "UPDATE submissions SET chain_hash = NULL WHERE id = $1", ids[1]).await;
        let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break.unwrap();
        assert_eq!(broken, domain::ledger::ChainBreak::AlteredEntry { seq: 2 });
    }
}

#[tokio::test]
async fn two_reports_that_disagree_in_one_batch_are_one_disagreement() {
    use domain::forms::answers::Answer;
    for (store, _, _dir) in stores().await {
        let (station, first) = reporting_fixture(&store).await;
        let colleague = observer_at_17_1("obs.two", "Rəşad Əliyev");
        let second = store
            .write(move |c| Box::pin(async move { storage::people::insert(c, &colleague, None, 0).await }))
            .await
            .unwrap();
        // A form each observer sends once (so two observers' answers are compared), answered
        // differently on one question.
        let once = |observer, id: &str, seen: bool| {
            let mut new = report(&station, observer, id, "10:15");
            new.repeatable = false;
            new.answers.0.insert("VB".into(), Answer::YesNo(seen));
            new.answers_json = new.answers.canonical_json();
            let reference = domain::election::StationRef::parse(&station.label).unwrap();
            new.content_hash = domain::submissions::submission_content_hash("VT", 1, reference, &new.answers_json);
            new
        };
        // The writer is kept busy while both reports queue, so that they share its next batch.
        let busy = store.clone();
        let holding = tokio::spawn(async move {
            busy.write(|_| {
                Box::pin(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                    Ok(())
                })
            })
            .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (a, b) = tokio::join!(
            store.submit(once(first, "together-first-01", true)),
            store.submit(once(second, "together-second-1", false))
        );
        holding.await.unwrap().unwrap();
        let (a, b) = (a.unwrap(), b.unwrap());
        let id = |stored: &storage::submissions::Stored| match stored {
            storage::submissions::Stored::Created(row) | storage::submissions::Stored::AlreadyStored(row) => row.id,
        };
        assert_eq!(id(&b), id(&a) + 1, "stored together, one after the other");
        let open = storage::conflicts::open(store.reads(), &storage::coverage::Area::All).await.unwrap();
        assert_eq!(open.len(), 1, "one disagreement, not one for each report: {open:?} on {:?}", store.backend());
        assert_eq!(open[0].question_code, "VB");
        let verified = storage::ledger::verify(store.reads()).await.unwrap();
        assert!(verified.first_break.is_none(), "{:?}", verified.first_break);
        // Deleted while open, it has no entry of its own, but its reports make it: found.
        storage::testing::execute(&store, "DELETE FROM conflicts", None).await;
        let broken = storage::ledger::verify(store.reads()).await.unwrap().first_break;
        let expected = format!("the disagreement on VB of submission:{} and submission:{}", id(&a), id(&b));
        assert!(
            matches!(&broken, Some(domain::ledger::ChainBreak::AlteredRecord { subject, .. }) if *subject == expected),
            "{broken:?} on {:?}",
            store.backend()
        );
    }
}
