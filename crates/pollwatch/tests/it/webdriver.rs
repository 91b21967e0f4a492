//! A small WebDriver client for driving Debian's chromium through chromedriver: just the
//! commands the browser tests use. (The W3C protocol is plain JSON over HTTP.)

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
    /// The script that sets pages' clock (`set_baku_clock`), to take it away again.
    clock_script: std::sync::Mutex<Option<String>>,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a phone-sized window, or `None` when
    /// POLLWATCH_SKIP_BROWSER is set. Without either, a missing browser fails the test.
    pub async fn start(width: u32, height: u32) -> Option<Browser> {
        let profile = tempfile::tempdir().expect("profile dir");
        Browser::start_with_profile(width, height, profile).await
    }

    /// Starts a browser on an existing profile folder: closing and reopening the browser on
    /// the same profile keeps its storage, as on a phone.
    pub async fn start_with_profile(width: u32, height: u32, profile: tempfile::TempDir) -> Option<Browser> {
        let found = std::path::Path::new("/usr/bin/chromedriver").exists()
            && std::path::Path::new("/usr/bin/chromium").exists();
        if !found {
            assert!(
                std::env::var_os("POLLWATCH_SKIP_BROWSER").is_some(),
                "chromium and chromedriver are needed: apt-get install chromium chromium-driver (or set POLLWATCH_SKIP_BROWSER=1)"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            _profile: profile,
            clock_script: std::sync::Mutex::new(None),
        };
        for _ in 0..100 {
            if browser.http.get(format!("{}/status", browser.base)).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic",
                    format!("--user-data-dir={}", browser._profile.path().display()),
                    format!("--window-size={width},{height}"),
                ],
                // Headless windows are at least 500 px wide: a phone's viewport is emulated.
                "mobileEmulation": { "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2, "touch": true } }
            }
        } } });
        let session = browser.call("POST", "/session", capabilities).await;
        let id = session["sessionId"].as_str().expect("a WebDriver session").to_string();
        browser.base = format!("{}/session/{id}", browser.base);
        Some(browser)
    }

    async fn try_call(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let request = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let response: Value =
            request.send().await.map_err(|e| e.to_string())?.json().await.map_err(|e| e.to_string())?;
        match response["value"].get("error") {
            Some(error) => Err(format!("WebDriver {method} {path} failed: {error} {}", response["value"]["message"])),
            None => Ok(response["value"].clone()),
        }
    }

    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        self.try_call(method, path, body).await.unwrap_or_else(|error| panic!("{error}"))
    }

    /// Waits (up to 10 s) until the element's text contains `needle`: pages load after a
    /// click, and an element found on the old page goes stale.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..200 {
            let found = self.try_call("POST", "/element", json!({ "using": "css selector", "value": css })).await;
            if let Some(id) =
                found.ok().as_ref().and_then(|e| e.as_object()).and_then(|o| o.values().next()).and_then(Value::as_str)
                && let Ok(text) = self.try_call("GET", &format!("/element/{id}/text"), json!({})).await
            {
                last = text.as_str().unwrap_or_default().to_string();
                if last.contains(needle) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{css} never showed {needle:?}; last text: {last:?}");
    }

    pub async fn go(&self, url: &str) {
        self.call("POST", "/url", json!({ "url": url })).await;
    }

    pub async fn find(&self, css: &str) -> String {
        let element = self.call("POST", "/element", json!({ "using": "css selector", "value": css })).await;
        // The reference sits under the protocol's fixed "element-6066-…" key, its only field.
        element.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("element id").to_string()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        self.call("POST", &format!("/element/{element}/value"), json!({ "text": text })).await;
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call("POST", &format!("/element/{element}/click"), json!({})).await;
    }

    pub async fn url(&self) -> String {
        self.call("GET", "/url", json!({})).await.as_str().unwrap_or_default().to_string()
    }

    /// Waits (up to 10 s) until the address contains `needle`.
    pub async fn wait_for_url(&self, needle: &str) {
        for _ in 0..200 {
            if self.url().await.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the address never contained {needle:?}: {}", self.url().await);
    }

    /// A PNG of the window, for looking at what a person would see.
    pub async fn screenshot(&self, path: &std::path::Path) {
        use base64_decode::decode;
        let data = self.call("GET", "/screenshot", json!({})).await;
        std::fs::write(path, decode(data.as_str().unwrap_or_default())).expect("write screenshot");
    }

    /// Runs JavaScript in the page and returns its result.
    pub async fn execute(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", json!({ "script": script, "args": [] })).await
    }

    /// Pages opened from now on see a Baku time of `hours`:`minutes` today (their `Date` is
    /// shifted by a script Chromium runs before the page's own), or the real time with `None`.
    pub async fn set_baku_clock(&self, time: Option<(i64, i64)>) {
        let previous = self.clock_script.lock().unwrap().take();
        if let Some(identifier) = previous {
            let params = json!({ "identifier": identifier });
            self.cdp("Page.removeScriptToEvaluateOnNewDocument", params).await;
        }
        let Some((hours, minutes)) = time else { return };
        let source = format!(
            r#"(function () {{
              var Real = Date, day = 86400000, baku = 4 * 3600000;
              var target = Math.floor((Real.now() + baku) / day) * day - baku + ({hours} * 60 + {minutes}) * 60000;
              var offset = target - Real.now();
              function Shifted() {{
                if (!(this instanceof Shifted)) return new Real(Real.now() + offset).toString();
                if (arguments.length === 0) return new Real(Real.now() + offset);
                return new (Function.prototype.bind.apply(Real, [null].concat(Array.prototype.slice.call(arguments))))();
              }}
              Shifted.prototype = Real.prototype;
              Shifted.now = function () {{ return Real.now() + offset; }};
              Shifted.UTC = Real.UTC;
              Shifted.parse = Real.parse;
              Date = Shifted;
            }})();"#
        );
        let added = self.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await;
        *self.clock_script.lock().unwrap() = added["identifier"].as_str().map(str::to_string);
    }

    /// Pages opened from now on run as in a browser without Web Locks (Safari before 15.4).
    pub async fn hide_web_locks(&self) {
        let source = "Object.defineProperty(Navigator.prototype, 'locks', { get: function () { return undefined; } });";
        self.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": source })).await;
    }

    /// A Chrome DevTools Protocol command, through chromedriver.
    async fn cdp(&self, command: &str, params: Value) -> Value {
        self.call("POST", "/goog/cdp/execute", json!({ "cmd": command, "params": params })).await
    }

    /// Waits (up to `seconds`) until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str, seconds: u64) {
        for _ in 0..seconds * 20 {
            if self.try_call("POST", "/element", json!({ "using": "css selector", "value": css })).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{css} never appeared");
    }

    /// Closes the browser and returns its profile, to start it again later.
    pub async fn close(mut self) -> tempfile::TempDir {
        let _ = self.http.delete(self.base.clone()).send().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // Let Chromium finish writing its storage before the profile is reused.
        tokio::time::sleep(Duration::from_millis(500)).await;
        self._profile
    }

    pub async fn quit(self) {
        let _ = self.close().await;
    }
}

/// Standard base64 decoding, enough for screenshots (avoids a dependency for one test aid).
mod base64_decode {
    pub fn decode(text: &str) -> Vec<u8> {
        let value = |c: u8| match c {
            b'A'..=b'Z' => Some(c - b'A'),
            b'a'..=b'z' => Some(c - b'a' + 26),
            b'0'..=b'9' => Some(c - b'0' + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        };
        let digits: Vec<u8> = text.bytes().filter_map(value).collect();
        let mut out = Vec::with_capacity(digits.len() * 3 / 4);
        for chunk in digits.chunks(4) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, d)| acc | (u32::from(*d) << (18 - 6 * i)));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
        }
        out
    }
}
