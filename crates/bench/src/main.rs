//! `pollwatch-bench`: measures, on this machine and in one run,
//! 1. ingest: pollwatch's full submission path (token auth, scope, validation, the report's
//!    row as its audit record (who, when, which channel), hash chain, coverage, observer's
//!    list, durable group-committed write) against the reference ceiling server, both driven
//!    by wrk with the same connections and duration, in turn for `--rounds` rounds; prints
//!    each round's rates, p50/p99 and ratio, and the median ratio;
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
    /// Ingest rounds, each the ceiling and pollwatch (in turns, which first alternating): the
    /// machine's speed drifts by a third within minutes, so the ratio is taken round by round
    /// and the median reported. (Of 4 rounds, two runs of the same build read 58 % and 72 %;
    /// of 12, medians stay within a few points.)
    #[arg(long, default_value_t = 12)]
    pub rounds: u32,
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
        ingest_rounds(options).await?;
    }
    if !options.no_sms {
        let load = sms::measure(options).await?;
        println!();
        println!("SMS path (signed webhook → parse → validate → store → reply)");
        println!(
            "  {:.0} messages/s, p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms, errors {}; {} messages acknowledged, {} reports stored",
            load.rate, load.p50_ms, load.p99_ms, load.max_ms, load.errors, load.acknowledged, load.stored
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

/// The ceiling and pollwatch in turn, `rounds` times; each round's figures and ratio, then
/// the median ratio. Every other round runs pollwatch first: whichever runs second starts
/// while the disk may still be writing back what the first wrote, and the machine's speed
/// drifts within a round, so a fixed order would favour one side.
async fn ingest_rounds(options: &Options) -> Result<(), String> {
    let mut ceiling = if options.no_ceiling { None } else { Some(ceiling::Ceiling::build(options)?) };
    let mut ours = ingest::Prepared::new(options).await?;
    println!();
    println!(
        "ingest        round   requests/s   p50 ms   p99 ms   max ms   errors   stolen %   idle %   stored   acknowledged"
    );
    let mut ratios = Vec::new();
    let mut totals = (0.0, 0.0);
    for round in 1..=options.rounds.max(1) {
        let ours_first = round % 2 == 0;
        let early = if ours_first { Some(ours.measure(options).await?) } else { None };
        let reference = match ceiling.as_mut() {
            Some(ceiling) => Some(ceiling.measure(options).await?),
            None => None,
        };
        let load = match early {
            Some(load) => load,
            None => ours.measure(options).await?,
        };
        if let Some(reference) = &reference {
            print_load("ceiling", round, reference, false);
        }
        print_load("pollwatch", round, &load, true);
        if let Some(reference) = &reference {
            let ratio = 100.0 * load.rate / reference.rate;
            totals = (totals.0 + reference.rate, totals.1 + load.rate);
            println!("ratio pollwatch/ceiling, round {round}: {ratio:.0} %");
            ratios.push(ratio);
        }
    }
    if !ratios.is_empty() {
        ratios.sort_by(f64::total_cmp);
        let listed: Vec<String> = ratios.iter().map(|r| format!("{r:.0}")).collect();
        let middle = ratios.len() / 2;
        // Of an even number of rounds, the mean of the middle two (not the upper one).
        let median = if ratios.len() % 2 == 0 { (ratios[middle - 1] + ratios[middle]) / 2.0 } else { ratios[middle] };
        println!("ratio pollwatch/ceiling: median {median:.0} % of {} rounds ({} %)", ratios.len(), listed.join(", "));
        // The same from all rounds' requests together: a slow round weighs by what it served.
        let pooled = 100.0 * totals.1 / totals.0;
        println!("ratio pollwatch/ceiling, all rounds' requests together: {pooled:.0} %");
    }
    Ok(())
}

/// One load's line. "stolen": the share of the machine's CPU its host took during the load
/// (a virtual machine's steal time), which slows both servers alike only when alike.
fn print_load(name: &str, round: u32, load: &wrk::Load, ours: bool) {
    let stored = if ours { format!("{:>8}   {:>12}", load.stored, load.acknowledged) } else { String::new() };
    let (stolen, idle) = match load.machine {
        Some(share) => (format!("{:.0}", share.stolen), format!("{:.0}", share.idle)),
        None => ("–".into(), "–".into()),
    };
    println!(
        "{name:<12} {round:>6}  {:>11.0}  {:>7.2}  {:>7.2}  {:>7.1}  {:>7}   {stolen:>8}   {idle:>6}   {stored}",
        load.rate, load.p50_ms, load.p99_ms, load.max_ms, load.errors
    );
}
