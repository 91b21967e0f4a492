//! The coverage dashboard at 10 k and 1 M stored submissions, and the server's memory.
//! Submissions are written in bulk with SQL (the same rows the submission path writes), so
//! that a million can be stored in seconds.

use std::time::Instant;

use storage::Store;

use crate::Options;
use crate::ceiling::{free_port, wait_for_port};
use crate::ingest::{prepare, start_server};

async fn fill(database: &str, total: i64) -> Result<(), String> {
    let store = Store::open(database).await.map_err(|e| e.to_string())?;
    let have = storage::submissions::count(store.reads()).await.map_err(|e| e.to_string())?;
    let wanted = total - have;
    store
        .write(move |c| {
            Box::pin(async move {
                // Spread over the deployed stations and the five checklist forms.
                sqlx::query(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1),
                     deployed AS (SELECT d.station_id, d.user_id, ROW_NUMBER() OVER () AS k, COUNT(*) OVER () AS total FROM deployments d)
                     INSERT INTO submissions (client_id, form_code, form_version, station_id, observer_id, channel, device_time,
                        server_time, clock_off, answers)
                     SELECT 'fill-' || $2 || '-' || i, CASE i % 5 WHEN 0 THEN 'OP' WHEN 1 THEN 'VT' WHEN 2 THEN 'TC' WHEN 3 THEN 'CL' ELSE 'PR' END,
                        1, d.station_id, d.user_id, 'api', NULL, 1707278400000 + i, 0, '{\"VA\":\"10:00\"}'
                     FROM n JOIN deployed d ON d.k = 1 + (n.i % d.total)",
                )
                .bind(wanted)
                .bind(have)
                .execute(&mut *c)
                .await?;
                sqlx::query(
                    "INSERT INTO station_coverage (station_id, form_code, constituency_no, first_at, last_at, submissions)
                     SELECT s.station_id, s.form_code, st.constituency_no, MIN(s.server_time), MAX(s.server_time), COUNT(*)
                     FROM submissions s JOIN stations st ON st.id = s.station_id GROUP BY s.station_id, s.form_code, st.constituency_no
                     ON CONFLICT (station_id, form_code) DO UPDATE SET last_at = excluded.last_at, submissions = excluded.submissions",
                )
                .execute(&mut *c)
                .await?;
                // Their coverage rows are written above: nothing is left for the server to derive.
                sqlx::query("UPDATE derived_upto SET submission_id = (SELECT MAX(id) FROM submissions)")
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    Ok(())
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

pub async fn measure(options: &Options) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (database, devices) = prepare(work.path(), 1).await?;
    // An admin token reads the national dashboard.
    let token = format!("pw_{}", web::auth::secrets::random_token());
    {
        let store = Store::open(&database).await.map_err(|e| e.to_string())?;
        let admin = storage::people::by_username(store.reads(), "admin")
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no admin")?
            .id;
        let hashed = web::auth::secrets::hash_token(&token);
        let now = storage::now_millis();
        store
            .write(move |c| {
                Box::pin(
                    async move { storage::sessions::create_api_token(c, &hashed, "bench", admin, None, now).await },
                )
            })
            .await
            .map_err(|e| e.to_string())?;
        store.close().await;
    }
    let _ = devices;
    println!();
    println!("dashboard (GET /api/v1/coverage, national)   median ms   p99 ms   server RSS MB");
    let client = reqwest::Client::new();
    for total in [10_000i64, 1_000_000] {
        let started = Instant::now();
        fill(&database, total).await?;
        let filled = started.elapsed().as_secs_f64();
        let port = free_port()?;
        let mut server = start_server(&options.pollwatch, &database, port, &[])?;
        wait_for_port(port).await?;
        let url = format!("http://127.0.0.1:{port}/api/v1/coverage");
        let mut times = Vec::new();
        for _ in 0..200 {
            let request = Instant::now();
            let response = client.get(&url).bearer_auth(&token).send().await.map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("dashboard answered {}", response.status()));
            }
            response.bytes().await.map_err(|e| e.to_string())?;
            times.push(request.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let rss = rss_mb(server.id()).unwrap_or(0.0);
        println!(
            "  {:>9} submissions stored                {:>7.2}  {:>7.2}   {:>8.1}   (filled in {filled:.1} s)",
            total,
            times[times.len() / 2],
            times[times.len() * 99 / 100],
            rss
        );
        let _ = server.kill();
        let _ = server.wait();
    }
    Ok(())
}
