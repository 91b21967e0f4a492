//! Configuration: every setting pollwatch reads, in one place. Each comes from a command-line
//! flag or the environment variable named beside it; there is no other source.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

use web::WebConfig;

/// Settings for serving HTTP.
#[derive(Debug, Clone, Args)]
pub struct ServeSettings {
    /// Address to listen on.
    #[arg(long, env = "POLLWATCH_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Mark cookies Secure; set this when pollwatch is reached over HTTPS.
    #[arg(long, env = "POLLWATCH_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// Header holding the client's address, set by a trusted reverse proxy (e.g.
    /// X-Forwarded-For). Leave unset when clients connect directly.
    #[arg(long, env = "POLLWATCH_TRUSTED_PROXY_HEADER")]
    pub trusted_proxy_header: Option<String>,
    /// How long a sign-in lasts, in hours.
    #[arg(long, env = "POLLWATCH_SESSION_HOURS", default_value_t = 20)]
    pub session_hours: i64,
    /// How long one live stream (the dashboard's updates) lasts, in seconds, before the browser
    /// opens another and is checked afresh: a coordinator deactivated or moved stops hearing.
    #[arg(long, env = "POLLWATCH_LIVE_STREAM_SECONDS", default_value_t = 600)]
    pub live_stream_seconds: u64,
    /// How often an open live stream checks its caller afresh in the database, in seconds: a
    /// change made from the command line (another process) is heard within this time.
    #[arg(long, env = "POLLWATCH_LIVE_STREAM_RECHECK_SECONDS", default_value_t = 60)]
    pub live_stream_recheck_seconds: u64,
    /// Shared secret SMS gateways sign their webhooks with (HMAC-SHA256). Prefer the
    /// environment variable: a flag shows in the process list.
    #[arg(long, env = "POLLWATCH_SMS_SECRET", hide_env_values = true)]
    pub sms_secret: Option<String>,
    /// Twilio's auth token, to verify its webhooks (`POST /sms/twilio`).
    #[arg(long, env = "POLLWATCH_TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<String>,
    /// The public address of this server, e.g. https://pollwatch.example.org (Twilio signs it).
    #[arg(long, env = "POLLWATCH_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// SMS Gateway for Android: the webhook signing key from the app's settings.
    #[arg(long, env = "POLLWATCH_ANDROID_SIGNING_KEY", hide_env_values = true)]
    pub android_signing_key: Option<String>,
    /// SMS Gateway for Android: its API address for replies, e.g. http://192.168.1.10:8080.
    #[arg(long, env = "POLLWATCH_ANDROID_API_URL")]
    pub android_api_url: Option<String>,
    /// SMS Gateway for Android: the API user name shown in the app.
    #[arg(long, env = "POLLWATCH_ANDROID_USERNAME")]
    pub android_username: Option<String>,
    /// SMS Gateway for Android: the API password shown in the app.
    #[arg(long, env = "POLLWATCH_ANDROID_PASSWORD", hide_env_values = true)]
    pub android_password: Option<String>,
    /// SMS Gateway for Android: a PEM certificate to trust for its API, for a private server
    /// with a certificate of its own (the cloud server's is trusted already).
    #[arg(long, env = "POLLWATCH_ANDROID_CA_FILE")]
    pub android_ca_file: Option<std::path::PathBuf>,
}

impl ServeSettings {
    /// Fails only when a file named here cannot be read.
    pub fn web_config(&self) -> Result<WebConfig, String> {
        let extra_root_pem = match &self.android_ca_file {
            Some(path) => Some(std::fs::read(path).map_err(|e| format!("--android-ca-file {}: {e}", path.display()))?),
            None => None,
        };
        Ok(WebConfig {
            secure_cookies: self.secure_cookies,
            trusted_proxy_header: self.trusted_proxy_header.clone(),
            session_hours: self.session_hours.clamp(1, 72),
            live_stream_lifetime: std::time::Duration::from_secs(self.live_stream_seconds.clamp(1, 3600)),
            live_stream_recheck: std::time::Duration::from_secs(self.live_stream_recheck_seconds.clamp(1, 3600)),
            sms_secret: self.sms_secret.clone().filter(|s| !s.is_empty()),
            twilio_auth_token: self.twilio_auth_token.clone().filter(|s| !s.is_empty()),
            public_url: self.public_url.clone(),
            android_gateway: match (&self.android_signing_key, &self.android_api_url) {
                (Some(key), Some(url)) if !key.is_empty() => Some(web::AndroidGateway {
                    signing_key: key.clone(),
                    api_url: url.clone(),
                    username: self.android_username.clone().unwrap_or_default(),
                    password: self.android_password.clone().unwrap_or_default(),
                    extra_root_pem,
                }),
                _ => None,
            },
            ..WebConfig::default()
        })
    }
}

/// Which database to use.
#[derive(Debug, Clone, Args)]
pub struct DatabaseSettings {
    /// A SQLite file path (created if missing) or a postgres:// URL.
    #[arg(long, env = "POLLWATCH_DB", default_value = "pollwatch-data/pollwatch.db")]
    pub db: String,
}

impl DatabaseSettings {
    /// Creates the folder of a SQLite file so that a first run just works.
    pub fn prepare(&self) -> std::io::Result<()> {
        let Some(path) = self.sqlite_file() else { return Ok(()) };
        match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => std::fs::create_dir_all(parent),
            _ => Ok(()),
        }
    }

    /// The SQLite file, when the database is one (not a PostgreSQL URL).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        if self.db.contains("://") && !self.db.starts_with("sqlite:") {
            return None;
        }
        Some(PathBuf::from(self.db.trim_start_matches("sqlite://").trim_start_matches("sqlite:")))
    }
}
