//! Spawning the application and speaking to it.

use std::path::PathBuf;

use pollwatch::config::ServeSettings;
use pollwatch::startup::Application;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use storage::Store;
use tempfile::TempDir;
use tokio::sync::OnceCell;

pub const DEMO_PASSWORD: &str = domain::demo::DEMO_PASSWORD;
pub const SMS_SECRET: &str = "test-sms-secret";
pub const TWILIO_TOKEN: &str = "test-twilio-token";
/// The address gateways are told to call (what Twilio signs).
pub const PUBLIC_URL: &str = "https://pollwatch.test";

pub struct TestApp {
    pub address: String,
    pub store: Store,
    _data: TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    database: Option<PathBuf>,
}

/// The demo election written once per test run into a template file; each test gets a copy.
async fn template() -> &'static PathBuf {
    static TEMPLATE: OnceCell<(TempDir, PathBuf)> = OnceCell::const_new();
    let (_, path) = TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("template.db");
            let store = Store::open(&path.to_string_lossy()).await.expect("open template");
            let hash = web::auth::password::hash(DEMO_PASSWORD.into()).await.expect("hash");
            storage::demo::load(&store, domain::demo::generate(2024), hash, storage::now_millis())
                .await
                .expect("load demo");
            // Closing folds the WAL into the main file, so one file copy is the whole database.
            store.close().await;
            (dir, path)
        })
        .await;
    path
}

pub fn settings() -> ServeSettings {
    ServeSettings {
        bind: "127.0.0.1:0".parse().expect("address"),
        secure_cookies: false,
        trusted_proxy_header: None,
        session_hours: 20,
        live_stream_seconds: 600,
        live_stream_recheck_seconds: 60,
        sms_secret: Some(SMS_SECRET.into()),
        twilio_auth_token: Some(TWILIO_TOKEN.into()),
        public_url: Some(PUBLIC_URL.into()),
        android_signing_key: None,
        android_api_url: None,
        android_username: None,
        android_password: None,
        android_ca_file: None,
    }
}

/// Starts pollwatch on a fresh copy of the demo database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(settings()).await
}

/// Like `spawn_app`, with other settings.
pub async fn spawn_app_with(settings: ServeSettings) -> TestApp {
    let source = template().await;
    let data = tempfile::tempdir().expect("temp dir");
    let path = data.path().join("pollwatch.db");
    std::fs::copy(source, &path).expect("copy template");
    let store = Store::open(&path.to_string_lossy()).await.expect("open store");
    let mut app = spawn_on_with(store, data, &settings).await;
    app.database = Some(path);
    app
}

/// Starts pollwatch on an empty database.
pub async fn spawn_empty_app() -> TestApp {
    let data = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&data.path().join("pollwatch.db").to_string_lossy()).await.expect("open store");
    spawn_on(store, data).await
}

pub async fn spawn_on(store: Store, data: TempDir) -> TestApp {
    spawn_on_with(store, data, &settings()).await
}

pub async fn spawn_on_with(store: Store, data: TempDir, settings: &ServeSettings) -> TestApp {
    let application = Application::build(store.clone(), settings).await.expect("build app");
    let address = format!("http://{}", application.address());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(application.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp { address, store, _data: data, stop: Some(stop), server: Some(server), database: None }
}

pub fn browser() -> Client {
    // A test that starts no server in-process (the demo command's) has no provider yet.
    web::tls::install();
    Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client")
}

/// The value of the first hidden `csrf` field in a page.
pub fn csrf_in(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).map(|i| i + marker.len()).unwrap_or_else(|| panic!("no csrf field in page: {html}"));
    html[start..].split('"').next().unwrap_or_default().to_string()
}

impl TestApp {
    /// The SQLite file of a file-backed app.
    pub fn database_path(&self) -> String {
        self.database.as_ref().expect("a file-backed app").to_string_lossy().to_string()
    }

    /// Stops the server (as a crash or a lost connection looks to a phone).
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), server).await;
        }
    }

    /// Starts the server again on the same address and database file.
    pub async fn restart(&mut self) {
        let path = self.database.clone().expect("a file-backed app");
        self.store = Store::open(&path.to_string_lossy()).await.expect("reopen store");
        let mut settings = settings();
        settings.bind = self.address.trim_start_matches("http://").parse().expect("address");
        let application = Application::build(self.store.clone(), &settings).await.expect("rebind");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        self.server = Some(tokio::spawn(application.run_until(async move {
            let _ = stopped.await;
        })));
        self.stop = Some(stop);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.expect("request")
    }

    /// Signs in through the real form and returns the browser holding the session.
    pub async fn login(&self, username: &str, password: &str) -> Client {
        let client = browser();
        let response = self.try_login(&client, username, password).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "signing in as {username}");
        client
    }

    pub async fn try_login(&self, client: &Client, username: &str, password: &str) -> Response {
        let page = self.get(client, "/login").await.text().await.expect("login page");
        let csrf = csrf_in(&page);
        client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", password), ("csrf", &csrf), ("next", "/")])
            .send()
            .await
            .expect("login request")
    }

    /// A form token for a signed-in browser (any page carries it in the sign-out form).
    pub async fn csrf(&self, client: &Client) -> String {
        let page = self.get(client, "/account").await.text().await.expect("account page");
        csrf_in(&page)
    }

    /// Posts a form with the browser's CSRF token added.
    pub async fn post_form(&self, client: &Client, path: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf(client).await;
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        fields.push(("csrf", &csrf));
        client.post(self.url(path)).form(&fields).send().await.expect("post")
    }

    /// Deploys the demo observer to `stations` ("17/1; 17/2") as an admin would, keeping
    /// their name, organisation and phone.
    pub async fn deploy_demo_observer(&self, stations: &str) {
        let admin = self.login("admin", DEMO_PASSWORD).await;
        let person = storage::people::by_username(self.store.reads(), "observer").await.unwrap().unwrap();
        let (organisation, phone) =
            (person.organisation_code.clone().unwrap_or_default(), person.phone.clone().unwrap_or_default());
        let fields = [
            ("full_name", person.full_name.as_str()),
            ("username", "observer"),
            ("role", "observer"),
            ("organisation", organisation.as_str()),
            ("phone", phone.as_str()),
            ("stations", stations),
        ];
        let response = self.post_form(&admin, &format!("/people/{}", person.id), &fields).await;
        assert_eq!(response.status(), 303, "deployed to {stations}");
    }

    /// A second observer ("second.observer", of another organisation) at `station`, signed in.
    pub async fn second_observer_at(&self, station: &str) -> Client {
        let admin = self.login("admin", DEMO_PASSWORD).await;
        let fields = [
            ("full_name", "İkinci Müşahidəçi"),
            ("username", "second.observer"),
            ("role", "observer"),
            ("organisation", "NHMT"),
            ("stations", station),
        ];
        let created = self.post_form(&admin, "/people", &fields).await.text().await.unwrap();
        let password =
            created.split("id=\"issued-password\">").nth(1).and_then(|s| s.split('<').next()).unwrap().to_string();
        self.login("second.observer", &password).await
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        storage::people::by_username(self.store.reads(), username).await.expect("query").expect("user exists").id
    }

    /// The username of a coordinator who does not coordinate constituency 17.
    pub async fn other_coordinator(&self) -> String {
        let filter = storage::people::PeopleFilter {
            role: Some(domain::roles::Role::Coordinator),
            page: 1,
            per_page: 100,
            ..Default::default()
        };
        let coordinators =
            storage::people::list(self.store.reads(), &domain::access::PeopleScope::Everyone, &filter).await.unwrap();
        for person in coordinators.items {
            let facts = storage::people::facts(self.store.reads(), person.id).await.unwrap().unwrap();
            if !facts.constituencies.iter().any(|c| c.get() == 17) {
                return person.username;
            }
        }
        panic!("no other coordinator in the demo");
    }
}

/// Ids of people the access tests need, found in the demo data.
pub struct Cast {
    /// An observer in constituency 17 of the same organisation as `orgadmin` (VCUM).
    pub observer_in_17: i64,
    /// An observer outside constituency 17 and outside VCUM.
    pub observer_elsewhere: i64,
}

pub async fn cast(app: &TestApp) -> Cast {
    let pool = app.store.reads();
    let filter = storage::people::PeopleFilter {
        role: Some(domain::roles::Role::Observer),
        page: 1,
        per_page: 500,
        ..Default::default()
    };
    let everyone = domain::access::PeopleScope::Everyone;
    let in_17_filter = storage::people::PeopleFilter { constituency: Some(17), ..filter.clone() };
    let mut observers = storage::people::list(pool, &everyone, &in_17_filter).await.expect("list").items;
    observers.extend(storage::people::list(pool, &everyone, &filter).await.expect("list").items);
    let (mut observer_in_17, mut observer_elsewhere) = (None, None);
    for observer in observers.iter().filter(|p| p.username != "observer") {
        let facts = storage::people::facts(pool, observer.id).await.expect("facts").expect("exists");
        let in_17 = facts.constituencies.iter().any(|c| c.get() == 17);
        let vcum = observer.organisation_code.as_deref() == Some("VCUM");
        if in_17 && vcum && observer_in_17.is_none() {
            observer_in_17 = Some(observer.id);
        }
        if !in_17 && !vcum && observer_elsewhere.is_none() {
            observer_elsewhere = Some(observer.id);
        }
    }
    Cast {
        observer_in_17: observer_in_17.expect("a VCUM observer in constituency 17"),
        observer_elsewhere: observer_elsewhere.expect("an observer elsewhere"),
    }
}
