//! pollwatch's ingest under the same load: a national demo election, device tokens for
//! observers, and wrk posting voting checklists to `/api/v1/submissions` as those observers.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use domain::access::PeopleScope;
use domain::roles::Role;
use storage::people::PeopleFilter;
use storage::{Store, now_millis};

use crate::Options;
use crate::ceiling::free_port;
use crate::wrk::{self, Load};

/// A national demo in `dir`, with `observers` device tokens; returns (token, station) pairs.
pub async fn prepare(dir: &Path, observers: usize) -> Result<(String, Vec<(String, String)>), String> {
    let database = dir.join("pollwatch.db").to_string_lossy().to_string();
    let store = Store::open(&database).await.map_err(|e| e.to_string())?;
    let hash = web::auth::password::hash("bench-password".into()).await.map_err(|e| e.to_string())?;
    storage::demo::load(&store, domain::demo::generate(2024), hash, now_millis()).await.map_err(|e| e.to_string())?;
    storage::forms::ensure_standard(&store).await.map_err(|e| e.to_string())?;
    let filter = PeopleFilter { role: Some(Role::Observer), page: 1, per_page: 500, ..Default::default() };
    let mut devices = Vec::new();
    let mut page = 1;
    while devices.len() < observers {
        let people =
            storage::people::list(store.reads(), &PeopleScope::Everyone, &PeopleFilter { page, ..filter.clone() })
                .await
                .map_err(|e| e.to_string())?;
        if people.items.is_empty() {
            break;
        }
        for person in people.items {
            let Some(station) = storage::people::assignments(store.reads(), person.id)
                .await
                .map_err(|e| e.to_string())?
                .stations
                .first()
                .copied()
            else {
                continue;
            };
            let token = format!("pw_{}", web::auth::secrets::random_token());
            let hashed = web::auth::secrets::hash_token(&token);
            let id = person.id;
            let now = now_millis();
            store
                .write(move |c| {
                    Box::pin(async move {
                        storage::sessions::create_api_token(c, &hashed, "bench device", id, None, now).await
                    })
                })
                .await
                .map_err(|e| e.to_string())?;
            devices.push((token, station.to_string()));
            if devices.len() == observers {
                break;
            }
        }
        page += 1;
    }
    store.close().await;
    Ok((database, devices))
}

/// The server's log is dropped unless `POLLWATCH_BENCH_LOG` names a file for it (its level
/// then comes from `POLLWATCH_LOG`, e.g. `storage=debug` for each batch's size and timing).
pub fn start_server(binary: &Path, database: &str, port: u16, env: &[(&str, &str)]) -> Result<Child, String> {
    let log = match std::env::var_os("POLLWATCH_BENCH_LOG") {
        Some(file) => Stdio::from(std::fs::File::create(&file).map_err(|e| format!("{}: {e}", file.display()))?),
        None => Stdio::null(),
    };
    Command::new(binary)
        .args(["serve", "--db", database, "--bind", &format!("127.0.0.1:{port}")])
        .env("POLLWATCH_LOG", std::env::var("POLLWATCH_LOG").unwrap_or_else(|_| "error".into()))
        .envs(env.iter().copied())
        .stdout(log)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))
}

/// The wrk script: each request a new report (its own id) from the next observer device, for
/// that device's station, with its bearer token.
///
/// Ids are UUIDv7s, as the observers' page makes them (`observe.js`): the time in
/// milliseconds first, so that they reach the server's index of ids in time order. Where the
/// page has random bits, these have the wrk thread and a count (unique without a random
/// source); the clock is read every 64th request. Random ids (v4) cost the server a fifth of
/// its rate (21.3k and 21.9k requests/s against 27.1k and 27.3k, one binary, alternating runs).
///
/// Each device's request head and body tail are built once per wrk thread (`init`): a
/// request is then four concatenations. wrk shares this machine's two cores with the server,
/// and building each request with `wrk.format` (a header table, `pairs`, `string.format`,
/// `table.concat`) cost wrk 2.3 µs more per request than the ceiling's script costs it: CPU
/// taken from the server under test. The request line, headers and body are those
/// `wrk.format` made (checked against a listener), the headers in another order.
fn script(devices: &[(String, String)]) -> String {
    let mut lua = String::from("observers = {\n");
    for (token, station) in devices {
        let _ = writeln!(lua, "  {{\"{token}\", \"{station}\"}},");
    }
    lua.push_str("}\n");
    lua.push_str(wrk::THREAD_NUMBERING);
    lua.push_str(
        r#"local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")
function init(args)
  heads, tails = {}, {}
  for i, o in ipairs(observers) do
    heads[i] = "POST /api/v1/submissions HTTP/1.1\r\nHost: " .. wrk.host .. ":" .. wrk.port ..
      "\r\nContent-Type: application/json\r\nAuthorization: Bearer " .. o[1] .. "\r\nContent-Length: "
    tails[i] = '","form":"VT","station":"' .. o[2] .. '","answers":{"VA":"10:15","VB":true,"VC":true,"VD":true,"VE":false,"VF":false,"VG":false,"VH":false,"VJ":false,"VK":false,"VZ":"Seçki məntəqəsində hər şey qaydasındadır"}}'
  end
end
function request()
  counter = counter + 1
  if counter % 64 == 1 then
    ffi.C.clock_gettime(0, clock)
    local ms = tonumber(clock.tv_sec) * 1000 + math.floor(tonumber(clock.tv_nsec) / 1000000)
    id_start = string.format('{"id":"%08x-%04x-7%03x-%04x-', math.floor(ms / 65536), ms % 65536, tid, 32768 + tid)
  end
  local i = (counter % #observers) + 1
  local body = id_start .. string.format("%012x", counter) .. tails[i]
  return heads[i] .. #body .. "\r\n\r\n" .. body
end
"#,
    );
    lua
}

/// The database and the load script in `dir`, for measuring by hand.
pub async fn prepare_files(dir: &Path, observers: usize) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (database, devices) = prepare(dir, observers).await?;
    let script_path = dir.join("pollwatch.lua");
    std::fs::write(&script_path, script(&devices)).map_err(|e| e.to_string())?;
    println!("database: {database}\nwrk script: {}", script_path.display());
    Ok(())
}

/// The national demo with its devices and load script, prepared once; each run copies the
/// database, so that every run starts from the same state.
pub struct Prepared {
    work: tempfile::TempDir,
    database: std::path::PathBuf,
    runs: u32,
}

impl Prepared {
    pub async fn new(options: &Options) -> Result<Prepared, String> {
        let work = tempfile::tempdir().map_err(|e| e.to_string())?;
        println!("preparing the national demo with {} observer devices…", options.observers);
        let (database, devices) = prepare(work.path(), options.observers).await?;
        std::fs::write(work.path().join("pollwatch.lua"), script(&devices)).map_err(|e| e.to_string())?;
        Ok(Prepared { work, database: database.into(), runs: 0 })
    }

    /// One load on a fresh copy of the prepared database.
    pub async fn measure(&mut self, options: &Options) -> Result<Load, String> {
        self.runs += 1;
        let database = self.work.path().join(format!("run-{}.db", self.runs));
        std::fs::copy(&self.database, &database).map_err(|e| e.to_string())?;
        let database = database.to_string_lossy().to_string();
        let port = free_port()?;
        let server = start_server(&options.pollwatch, &database, port, &[])?;
        let url = format!("http://127.0.0.1:{port}");
        let mut load = wrk::load_server(server, port, &url, &self.work.path().join("pollwatch.lua"), options).await?;
        load.stored = stored_reports(&database).await?;
        let _ = std::fs::remove_file(&database);
        Ok(load)
    }
}

/// How many reports `database` holds.
pub async fn stored_reports(database: &str) -> Result<u64, String> {
    let store = Store::open(database).await.map_err(|e| e.to_string())?;
    let count = storage::submissions::count(store.reads()).await.map_err(|e| e.to_string())?;
    store.close().await;
    Ok(count as u64)
}
