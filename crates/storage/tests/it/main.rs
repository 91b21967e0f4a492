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
    audit::list(store.reads(), &AuditFilter { action: Some(action.into()), page: 1, per_page: 1, ..Default::default() })
        .await
        .unwrap()
        .total
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
            store.reads(),
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
