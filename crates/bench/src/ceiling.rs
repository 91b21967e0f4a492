//! The reference ceiling: copied to a temporary folder, built, run and loaded with wrk.

use std::process::{Command, Stdio};

use crate::Options;
use crate::wrk::{self, Load};

/// The ceiling server, built once in a temporary folder; each run starts it on a fresh
/// database.
pub struct Ceiling {
    work: tempfile::TempDir,
    runs: u32,
}

impl Ceiling {
    pub fn build(options: &Options) -> Result<Ceiling, String> {
        let work = tempfile::tempdir().map_err(|e| e.to_string())?;
        let source = options.ceiling.canonicalize().map_err(|e| format!("{}: {e}", options.ceiling.display()))?;
        let status = Command::new("cp")
            .arg("-r")
            .arg(&source)
            .arg(work.path().join("ceiling"))
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err("could not copy the ceiling server".into());
        }
        println!("building the ceiling server (release)…");
        let built = Command::new("cargo")
            .args(["build", "--release", "--quiet"])
            .current_dir(work.path().join("ceiling"))
            .status()
            .map_err(|e| e.to_string())?;
        if !built.success() {
            return Err("the ceiling server did not build".into());
        }
        let script = work.path().join("ceiling.lua");
        std::fs::write(&script, format!("{}{CEILING_REQUEST}", wrk::THREAD_NUMBERING)).map_err(|e| e.to_string())?;
        Ok(Ceiling { work, runs: 0 })
    }

    /// One load on a fresh database.
    pub async fn measure(&mut self, options: &Options) -> Result<Load, String> {
        self.runs += 1;
        let port = free_port()?;
        let server = Command::new(self.work.path().join("ceiling/target/release/ceiling"))
            .arg(self.work.path().join(format!("ceiling-{}.db", self.runs)))
            .arg(format!("127.0.0.1:{port}"))
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let url = format!("http://127.0.0.1:{port}/reports");
        wrk::load_server(server, port, &url, &self.work.path().join("ceiling.lua"), options).await
    }
}

/// The request function of the wrk script shipped beside the ceiling
/// (../shared/bench/post-report.lua), inlined.
const CEILING_REQUEST: &str = r#"
function request()
  counter = counter + 1
  local id = string.format("r%d-%d-%d", os.time(), tid, counter)
  local body = string.format(
    '{"id":"%s","station":"PS-%d","form":"opening","answers":{"q1":true,"q2":"yes","q3":%d,"note":"Seçki məntəqəsi vaxtında açıldı"}}',
    id, counter % 6500, counter % 400)
  return wrk.format("POST", "/reports", {["Content-Type"] = "application/json"}, body)
end
"#;

pub fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

pub async fn wait_for_port(port: u16) -> Result<(), String> {
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Err(format!("nothing listened on port {port}"))
}
