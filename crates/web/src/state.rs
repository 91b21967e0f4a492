use std::sync::Arc;

use storage::Store;

use crate::auth::identities::Identities;
use crate::auth::throttle::LoginThrottle;
use crate::pages::imports::UploadShelf;
use crate::reporting::stations::StationDirectory;
use crate::reporting::{FormCatalog, LiveFeed};
use crate::sms::process::Senders;

/// Web settings; built by the binary's configuration module, the one place settings are read.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when pollwatch is served over HTTPS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// A header (e.g. `X-Forwarded-For`) whose first address is the client's, set by a trusted
    /// reverse proxy. Without a proxy this must stay `None`, or clients could pick their IP.
    pub trusted_proxy_header: Option<String>,
    /// How long a sign-in lasts. Election day runs from 07:00 to past midnight.
    pub session_hours: i64,
    /// How long one live stream lasts before the browser reconnects, signed in afresh.
    pub live_stream_lifetime: std::time::Duration,
    /// How often an open live stream checks its caller afresh in the database (a change made
    /// by another process, the CLI, is not otherwise heard).
    pub live_stream_recheck: std::time::Duration,
    /// Largest accepted upload (imports), in bytes.
    pub max_upload_bytes: usize,
    /// The shared secret SMS gateways sign their webhooks with; without it, no SMS webhook.
    pub sms_secret: Option<String>,
    /// Twilio's auth token, which signs its webhooks.
    pub twilio_auth_token: Option<String>,
    /// The address the world reaches pollwatch at (e.g. https://pollwatch.example.org): Twilio
    /// signs the URL it called, which a proxy may hide from us.
    pub public_url: Option<String>,
    /// SMS Gateway for Android: how its webhooks are signed and where its API takes replies.
    pub android_gateway: Option<AndroidGateway>,
}

#[derive(Debug, Clone)]
pub struct AndroidGateway {
    pub signing_key: String,
    /// http://192.168.1.10:8080 (the app's local server), or https://api.sms-gate.app/3rdparty/v1
    /// (its cloud server), or a private server's address.
    pub api_url: String,
    pub username: String,
    pub password: String,
    /// A certificate (PEM) to trust for the API besides the system's, for a private server
    /// with a certificate of its own.
    pub extra_root_pem: Option<Vec<u8>>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            trusted_proxy_header: None,
            session_hours: 20,
            live_stream_lifetime: std::time::Duration::from_secs(10 * 60),
            live_stream_recheck: std::time::Duration::from_secs(60),
            max_upload_bytes: 20 * 1024 * 1024,
            sms_secret: None,
            twilio_auth_token: None,
            public_url: None,
            android_gateway: None,
        }
    }
}

/// Everything a request handler may need. Cloned for every request and every layer it passes
/// through, so it is one shared pointer: a clone is one atomic increment, not one per part.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub throttle: Arc<LoginThrottle>,
    pub identities: Arc<Identities>,
    pub uploads: Arc<UploadShelf>,
    pub forms: Arc<FormCatalog>,
    pub live: Arc<LiveFeed>,
    pub stations: Arc<StationDirectory>,
    pub senders: Arc<Senders>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig, forms: FormCatalog) -> Self {
        crate::tls::install();
        AppState(Arc::new(Shared {
            store,
            config: Arc::new(config),
            throttle: Arc::new(LoginThrottle::default()),
            identities: Arc::new(Identities::default()),
            uploads: Arc::new(UploadShelf::default()),
            forms: Arc::new(forms),
            live: Arc::new(LiveFeed::default()),
            stations: Arc::new(StationDirectory::default()),
            senders: Arc::new(Senders::default()),
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}
