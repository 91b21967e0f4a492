//! The whole SMS path under load: signed webhook → parse → validate → durable store → reply,
//! from a thousand observers' numbers, each message distinct (so none is a duplicate).

use std::fmt::Write as _;

use domain::access::PeopleScope;
use domain::roles::Role;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use storage::Store;
use storage::people::PeopleFilter;

use crate::Options;
use crate::ceiling::free_port;
use crate::ingest::{prepare, start_server, stored_reports};
use crate::wrk::{self, Load};

const SECRET: &str = "bench-sms-secret";

fn sign(body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).expect("any key");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Messages written for each second of load; past that, wrk would send repeats.
pub const DISTINCT_PER_SECOND: usize = 30_000;

pub async fn measure(options: &Options) -> Result<Load, String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    println!("preparing SMS senders…");
    let (database, _) = prepare(work.path(), 1).await?;
    let store = Store::open(&database).await.map_err(|e| e.to_string())?;
    let filter = PeopleFilter { role: Some(Role::Observer), page: 1, per_page: 500, ..Default::default() };
    let mut senders = Vec::new();
    for page in 1..=3 {
        let people =
            storage::people::list(store.reads(), &PeopleScope::Everyone, &PeopleFilter { page, ..filter.clone() })
                .await
                .map_err(|e| e.to_string())?;
        for person in people.items {
            let stations =
                storage::people::assignments(store.reads(), person.id).await.map_err(|e| e.to_string())?.stations;
            if let (Some(phone), Some(code), 1) = (person.phone, person.observer_code, stations.len()) {
                senders.push((phone, format!("{code:06}")));
            }
        }
    }
    store.close().await;
    // Distinct messages, enough for 30,000 a second: each sender reports counts that differ
    // per message. They go to a file the script reads (a table that large is too many
    // constants for wrk's Lua); one line each: signature, space, body.
    let total = DISTINCT_PER_SECOND * options.seconds as usize;
    let mut lines = String::new();
    for n in 0..total {
        let (phone, code) = &senders[n % senders.len()];
        let text = format!("TC {code} TA{} TB{} TC2 # sayım {}", 1 + n % 5, n % 5000, n / senders.len());
        let body = serde_json::json!({ "from": phone, "text": text }).to_string();
        let _ = writeln!(lines, "{} {body}", sign(&body));
    }
    let messages = work.path().join("messages.txt");
    std::fs::write(&messages, lines).map_err(|e| e.to_string())?;
    let mut lua = format!(
        "messages = {{}}\nfor line in io.lines({}) do\n  local signature, body = line:match(\"^(%S+) (.*)$\")\n  messages[#messages + 1] = {{body, signature}}\nend\n",
        lua_string(&messages.to_string_lossy())
    );
    lua.push_str(wrk::THREAD_NUMBERING);
    lua.push_str(
        r#"function request()
  counter = counter + 1
  local m = messages[((counter * 2 + tid) % #messages) + 1]
  return wrk.format("POST", "/sms/inbound", {["Content-Type"] = "application/json", ["X-Pollwatch-Signature"] = m[2]}, m[1])
end
"#,
    );
    let script = work.path().join("sms.lua");
    std::fs::write(&script, lua).map_err(|e| e.to_string())?;
    let port = free_port()?;
    let server = start_server(&options.pollwatch, &database, port, &[("POLLWATCH_SMS_SECRET", SECRET)])?;
    let mut load = wrk::load_server(server, port, &format!("http://127.0.0.1:{port}"), &script, options).await?;
    load.stored = stored_reports(&database).await?;
    Ok(load)
}

/// A Lua long string holding `text` verbatim.
fn lua_string(text: &str) -> String {
    format!("[==[{text}]==]")
}
