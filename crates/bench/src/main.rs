//! `pollwatch-bench`: measures, on this machine and in one run,
//! 1. ingest: pollwatch's full submission path (token auth, validation, coverage, audit, hash
//!    chain, durable group-committed write) against the reference ceiling server, both driven
//!    by wrk with the same connections and duration; prints both rates, the ratio, p50/p99;
//! 2. the SMS path: signed webhook → parse → validate → store → reply, as messages/s;
//! 3. the coverage dashboard's response time with 10 k and 1 M submissions stored, and the
//!    server's memory (RSS) with 1 M stored.
//!
//! Run: `cargo run --release -p bench -- --ceiling ../shared/bench/ceiling`
//! (needs wrk: `apt-get install wrk`; builds the release pollwatch binary first).

mod ceiling;
mod dashboard;
mod ingest;
mod sms;
mod wrk;

use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "pollwatch benchmarks (figures, not pass/fail)")]
pub struct Options {
    /// The reference ceiling server's source folder (copied to a temporary folder to build).
    #[arg(long, default_value = "../shared/bench/ceiling")]
    pub ceiling: PathBuf,
    /// wrk connections.
    #[arg(long, default_value_t = 64)]
    pub connections: u32,
    /// wrk threads.
    #[arg(long, default_value_t = 2)]
    pub threads: u32,
    /// Seconds each load runs.
    #[arg(long, default_value_t = 10)]
    pub seconds: u32,
    /// Observers with device tokens sending reports.
    #[arg(long, default_value_t = 1000)]
    pub observers: usize,
    /// Skip the ingest comparison.
    #[arg(long)]
    pub no_ingest: bool,
    /// Measure pollwatch's ingest alone, without the ceiling (quicker; no ratio).
    #[arg(long)]
    pub no_ceiling: bool,
    /// Skip the dashboard and memory measurement.
    #[arg(long)]
    pub no_dashboard: bool,
    /// Skip the SMS path measurement.
    #[arg(long)]
    pub no_sms: bool,
    /// Write the national demo database and the wrk script of the ingest load to this folder
    /// and stop, for profiling by hand (`pollwatch serve --db DIR/pollwatch.db` and
    /// `wrk -s DIR/pollwatch.lua`).
    #[arg(long)]
    pub prepare_only: Option<PathBuf>,
    /// The pollwatch binary to measure.
    #[arg(long, default_value = "target/release/pollwatch")]
    pub pollwatch: PathBuf,
}

#[tokio::main]
async fn main() {
    let options = Options::parse();
    web::tls::install();
    if let Err(error) = run(&options).await {
        eprintln!("bench failed: {error}");
        std::process::exit(1);
    }
}

async fn run(options: &Options) -> Result<(), String> {
    if let Some(dir) = &options.prepare_only {
        return ingest::prepare_files(dir, options.observers).await;
    }
    if !options.pollwatch.exists() {
        return Err(format!("{} not found: run `cargo build --release` first", options.pollwatch.display()));
    }
    println!(
        "machine: {} cores; wrk -t{} -c{} -d{}s",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        options.threads,
        options.connections,
        options.seconds
    );
    if !options.no_ingest {
        let ceiling = if options.no_ceiling { None } else { Some(ceiling::measure(options).await?) };
        let ours = ingest::measure(options).await?;
        println!();
        println!("ingest            requests/s   p50 ms   p99 ms   errors");
        if let Some(ceiling) = &ceiling {
            println!(
                "ceiling          {:>11.0}  {:>7.2}  {:>7.2}  {:>7}",
                ceiling.rate, ceiling.p50_ms, ceiling.p99_ms, ceiling.errors
            );
        }
        println!(
            "pollwatch        {:>11.0}  {:>7.2}  {:>7.2}  {:>7}",
            ours.rate, ours.p50_ms, ours.p99_ms, ours.errors
        );
        if let Some(ceiling) = &ceiling {
            println!("ratio pollwatch/ceiling: {:.0} %", 100.0 * ours.rate / ceiling.rate);
        }
        println!("stored: {} reports; acknowledged by the server: {}", ours.stored, ours.acknowledged);
    }
    if !options.no_sms {
        let load = sms::measure(options).await?;
        println!();
        println!("SMS path (signed webhook → parse → validate → store → reply)");
        println!(
            "  {:.0} messages/s, p50 {:.2} ms, p99 {:.2} ms, errors {}; {} messages acknowledged, {} reports stored",
            load.rate, load.p50_ms, load.p99_ms, load.errors, load.acknowledged, load.stored
        );
        let distinct = sms::DISTINCT_PER_SECOND as u64 * u64::from(options.seconds);
        if load.acknowledged > distinct {
            println!("  (only {distinct} were distinct: the rest were repeats, each stored once)");
        }
    }
    if !options.no_dashboard {
        dashboard::measure(options).await?;
    }
    Ok(())
}
