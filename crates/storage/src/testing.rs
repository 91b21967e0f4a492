//! Test support: throwaway PostgreSQL databases, and writing to a store behind pollwatch's back
//! (as someone tampering with the database would). Compiled only with the `testing` feature.

/// A URL of a new, empty database on the server named by `POLLWATCH_TEST_POSTGRES`, or
/// `None` when the caller asked to skip PostgreSQL (`POLLWATCH_SKIP_POSTGRES`). Without
/// either it panics: a silently skipped backend would make a green run mean nothing.
pub async fn fresh_postgres_database() -> Option<String> {
    let Ok(server) = std::env::var("POLLWATCH_TEST_POSTGRES") else {
        assert!(
            std::env::var_os("POLLWATCH_SKIP_POSTGRES").is_some(),
            "POLLWATCH_TEST_POSTGRES is not set: run scripts/test (it starts PostgreSQL), \
             or set POLLWATCH_SKIP_POSTGRES=1 to skip the PostgreSQL tests"
        );
        eprintln!("skipping PostgreSQL: POLLWATCH_SKIP_POSTGRES is set");
        return None;
    };
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("randomness");
    let name = format!("pollwatch_test_{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    sqlx::any::install_default_drivers();
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&server).await.expect("connect to PostgreSQL");
    sqlx::Executor::execute(&mut admin, sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create a test database");
    let base = server.rsplit_once('/').map(|(base, _)| base).unwrap_or(&server);
    Some(format!("{base}/{name}"))
}

/// Runs `sql` through the store's writer, with `id` bound as `$1` when given: a change made
/// behind pollwatch's back, for tests of what notices it.
pub async fn execute(store: &crate::Store, sql: &'static str, id: Option<i64>) {
    store
        .write(move |c| {
            Box::pin(async move {
                let query = sqlx::query(sql);
                match id {
                    Some(id) => query.bind(id),
                    None => query,
                }
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}
