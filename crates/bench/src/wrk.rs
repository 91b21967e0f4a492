//! Running wrk and reading its summary.

use std::process::{Child, Command};

use crate::Options;
use crate::ceiling::wait_for_port;

/// Loads `server`, once it listens on `port`, at `url` with `script` as `options` say; stops
/// the server afterwards, whatever happened.
pub async fn load_server(
    mut server: Child,
    port: u16,
    url: &str,
    script: &std::path::Path,
    options: &Options,
) -> Result<Load, String> {
    let result = match wait_for_port(port).await {
        Ok(()) => run(url, script, options.threads, options.connections, options.seconds),
        Err(error) => Err(error),
    };
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// Lua every load script starts with: each wrk thread gets its own number (`tid`) and
/// counts its requests (`counter`), so ids never repeat within a run.
pub const THREAD_NUMBERING: &str = "counter = 0
next_tid = 0
function setup(thread)
  next_tid = next_tid + 1
  thread:set(\"tid\", next_tid)
end
";

#[derive(Debug, Clone, Default)]
pub struct Load {
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The slowest answer: far above p99 it is one stall (the disk, the host), close to it a
    /// slow stretch.
    pub max_ms: f64,
    /// Non-2xx answers and socket errors.
    pub errors: u64,
    pub requests: u64,
    pub acknowledged: u64,
    pub stored: u64,
    /// The machine's CPU over the load, when the system says (Linux).
    pub machine: Option<MachineShare>,
}

/// How the machine's CPU time went during a load, in percent of all of it. On a virtual
/// machine the host may take time from ours ("steal"): the same code then runs slower, and
/// a round whose share stolen differs from its partner's compares unequal machines.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MachineShare {
    pub stolen: f64,
    /// Idle or waiting for the disk: no thread had work to run.
    pub idle: f64,
}

/// The counters of the `cpu` line of `/proc/stat`, in clock ticks.
#[derive(Debug, Clone, Copy)]
struct CpuTimes {
    total: u64,
    idle: u64,
    stolen: u64,
}

impl CpuTimes {
    fn now() -> Option<CpuTimes> {
        CpuTimes::parse(&std::fs::read_to_string("/proc/stat").ok()?)
    }

    /// "cpu  user nice system idle iowait irq softirq steal guest guest_nice" (guest time is
    /// counted in user time already).
    fn parse(stat: &str) -> Option<CpuTimes> {
        let fields: Vec<u64> = stat
            .lines()
            .next()?
            .strip_prefix("cpu ")?
            .split_whitespace()
            .map(|f| f.parse().ok())
            .collect::<Option<_>>()?;
        let [user, nice, system, idle, iowait, irq, softirq, steal, ..] = fields[..] else { return None };
        Some(CpuTimes {
            total: user + nice + system + idle + iowait + irq + softirq + steal,
            idle: idle + iowait,
            stolen: steal,
        })
    }

    fn share_since(self, earlier: CpuTimes) -> Option<MachineShare> {
        let total = self.total.checked_sub(earlier.total).filter(|&t| t > 0)? as f64;
        Some(MachineShare {
            stolen: 100.0 * self.stolen.saturating_sub(earlier.stolen) as f64 / total,
            idle: 100.0 * self.idle.saturating_sub(earlier.idle) as f64 / total,
        })
    }
}

pub fn run(url: &str, script: &std::path::Path, threads: u32, connections: u32, seconds: u32) -> Result<Load, String> {
    let before = CpuTimes::now();
    let output = Command::new("wrk")
        .args([
            "--latency",
            "-t",
            &threads.to_string(),
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{seconds}s"),
            "-s",
        ])
        .arg(script)
        .arg(url)
        .output()
        .map_err(|e| format!("wrk could not start ({e}); install it: apt-get install wrk"))?;
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let complaints = String::from_utf8_lossy(&output.stderr);
    if !complaints.trim().is_empty() {
        // A script wrk could not run makes it send plain GETs: figures of nothing.
        return Err(format!("wrk complained:\n{complaints}"));
    }
    let machine = before.zip(CpuTimes::now()).and_then(|(before, after)| after.share_since(before));
    let load = parse(&text)
        .ok_or_else(|| format!("could not read wrk's output:\n{text}{}", String::from_utf8_lossy(&output.stderr)))?;
    Ok(Load { machine, ..load })
}

fn millis(value: &str) -> Option<f64> {
    let (number, unit) = value.find(|c: char| c.is_ascii_alphabetic()).map(|i| value.split_at(i))?;
    let number: f64 = number.parse().ok()?;
    Some(match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => return None,
    })
}

fn parse(text: &str) -> Option<Load> {
    let mut load = Load::default();
    for line in text.lines().map(str::trim) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["Requests/sec:", rate] => load.rate = rate.parse().ok()?,
            ["50%", value] => load.p50_ms = millis(value)?,
            ["99%", value] => load.p99_ms = millis(value)?,
            ["Latency", _average, _deviation, max, _share] => load.max_ms = millis(max)?,
            ["Non-2xx", "or", "3xx", "responses:", n] => load.errors += n.parse::<u64>().ok()?,
            [requests, "requests", "in", ..] => load.requests = requests.parse().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                load.errors += rest.iter().filter_map(|f| f.trim_end_matches(',').parse::<u64>().ok()).sum::<u64>()
            }
            _ => {}
        }
    }
    load.acknowledged = load.requests.saturating_sub(load.errors);
    (load.rate > 0.0).then_some(load)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_wrk_summary() {
        let text = "    Latency     1.22ms  716.10us  83.52ms   95.30%\n  Latency Distribution\n     50%    5.63ms\n     99%   21.40ms\n  118734 requests in 10.00s, 11.99MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:  11869.20\n";
        let load = super::parse(text).unwrap();
        assert_eq!((load.rate, load.p50_ms, load.p99_ms, load.errors, load.requests), (11869.2, 5.63, 21.4, 3, 118734));
        assert_eq!(load.max_ms, 83.52);
    }

    #[test]
    fn reads_how_the_machine_spent_its_time() {
        let before = super::CpuTimes::parse("cpu  141119 0 19282 119860 1627 0 1763 8481 0 0\ncpu0 1 2 3").unwrap();
        let after = super::CpuTimes::parse("cpu  141474 0 19479 120033 1724 0 1839 8614 0 0\n").unwrap();
        let share = after.share_since(before).unwrap();
        // 1,031 ticks: 133 stolen, 173 idle and 97 waiting for the disk.
        assert!((share.stolen - 12.9).abs() < 0.05, "{share:?}");
        assert!((share.idle - 26.2).abs() < 0.05, "{share:?}");
        assert!(super::CpuTimes::parse("intr 1 2 3").is_none());
        assert!(after.share_since(after).is_none(), "no time passed");
    }
}
