//! The access matrix: every route × every role, with the status each must get. A row that
//! lets the wrong role in, or locks the right one out, fails here.

use reqwest::{Client, StatusCode};

use crate::helpers::{DEMO_PASSWORD, TestApp, browser, cast, csrf_in, spawn_app};

const ROLES: [&str; 8] = ["public", "admin", "orgadmin", "coordinator", "observer", "media", "analyst", "partner"];

#[derive(Clone, Copy)]
enum Method {
    Get,
    /// A form post carrying a valid CSRF token, so that only authorisation is tested.
    Post,
}

struct Case {
    method: Method,
    path: String,
    fields: Vec<(&'static str, String)>,
    /// Expected status per role, in the order of `ROLES`.
    expected: [u16; 8],
}

fn get(path: impl Into<String>, expected: [u16; 8]) -> Case {
    Case { method: Method::Get, path: path.into(), fields: Vec::new(), expected }
}

fn post(path: impl Into<String>, fields: Vec<(&'static str, String)>, expected: [u16; 8]) -> Case {
    Case { method: Method::Post, path: path.into(), fields, expected }
}

const ALL_200: [u16; 8] = [200; 8];
// Pages that need a signed-in person send the public to sign in (303).
const SIGNED_IN: [u16; 8] = [303, 200, 200, 200, 200, 200, 200, 200];
const ADMIN_ONLY_PAGE: [u16; 8] = [303, 200, 403, 403, 403, 403, 403, 403];
const ADMINS_PAGE: [u16; 8] = [303, 200, 200, 403, 403, 403, 403, 403];
const ADMIN_ONLY_API: [u16; 8] = [401, 200, 403, 403, 403, 403, 403, 403];

fn observer_form(username: &str) -> Vec<(&'static str, String)> {
    vec![
        ("username", username.to_string()),
        ("full_name", "Test Müşahidəçi".into()),
        ("role", "observer".into()),
        ("organisation", "VCUM".into()),
        ("stations", "17/2".into()),
    ]
}

async fn cases(app: &TestApp) -> Vec<Case> {
    let cast = cast(app).await;
    let mine = cast.observer_in_17;
    let elsewhere = cast.observer_elsewhere;
    vec![
        get("/", ALL_200),
        get("/constituencies", ALL_200),
        get("/constituencies/17", ALL_200),
        get("/stations?constituency=17", ALL_200),
        get("/candidates", ALL_200),
        get("/organisations", ALL_200),
        get("/exports", ALL_200),
        get("/exports/stations.csv", ALL_200),
        get("/exports/constituencies.xlsx", ALL_200),
        get("/exports/people.csv", ADMINS_PAGE),
        get("/account", SIGNED_IN),
        get("/people", [303, 200, 200, 200, 403, 403, 403, 403]),
        get("/people/new", ADMINS_PAGE),
        // Out of scope looks exactly like absent: 404, never a hint that the person exists.
        get(format!("/people/{mine}"), [303, 200, 200, 200, 404, 404, 404, 404]),
        get(format!("/people/{elsewhere}"), [303, 200, 404, 404, 404, 404, 404, 404]),
        get("/imports", ADMINS_PAGE),
        get("/audit", ADMIN_ONLY_PAGE),
        get("/tokens", ADMIN_ONLY_PAGE),
        post("/people", observer_form("matrix.new"), [401, 200, 200, 403, 403, 403, 403, 403]),
        post(format!("/people/{mine}"), observer_form("matrix.edit"), [401, 303, 303, 403, 404, 404, 404, 404]),
        post(format!("/people/{elsewhere}/password"), vec![], [401, 200, 404, 404, 404, 404, 404, 404]),
        post(format!("/people/{mine}/active"), vec![("active", "1".into())], [401, 303, 303, 403, 404, 404, 404, 404]),
        post(
            "/tokens",
            vec![("label", "x".into()), ("username", "partner".into())],
            [401, 200, 403, 403, 403, 403, 403, 403],
        ),
        get("/api/v1/election", ALL_200),
        get("/api/v1/constituencies", ALL_200),
        get("/api/v1/stations?constituency=17", ALL_200),
        get("/api/v1/candidates", ALL_200),
        get("/api/v1/organisations", ALL_200),
        get("/api/v1/me", [401, 200, 200, 200, 200, 200, 200, 200]),
        get("/api/v1/people", [401, 200, 200, 200, 403, 403, 403, 403]),
        get(format!("/api/v1/people/{mine}"), [401, 200, 200, 200, 404, 404, 404, 404]),
        get(format!("/api/v1/people/{elsewhere}"), [401, 200, 404, 404, 404, 404, 404, 404]),
        get("/api/v1/audit", ADMIN_ONLY_API),
        get("/api/v1/openapi.json", ALL_200),
        get("/healthz", ALL_200),
        get("/observe", [303, 403, 403, 403, 200, 403, 403, 403]),
        get("/coverage", [303, 200, 403, 200, 403, 403, 200, 403]),
        get("/coverage/17", [303, 200, 403, 200, 403, 403, 200, 403]),
        get("/coverage/18", [303, 200, 403, 404, 403, 403, 200, 403]),
        get("/coverage/missing?form=OP", [303, 200, 403, 200, 403, 403, 403, 403]),
        get("/incidents", [303, 200, 403, 200, 403, 403, 403, 403]),
        get("/conflicts", [303, 200, 403, 200, 403, 403, 403, 403]),
        get("/forms", ADMIN_ONLY_PAGE),
        get("/api/v1/forms", [401, 200, 200, 200, 200, 200, 200, 200]),
        get("/api/v1/submissions/mine", [401, 200, 200, 200, 200, 200, 200, 200]),
        get("/api/v1/coverage", [401, 200, 403, 200, 403, 403, 200, 403]),
        get("/api/v1/coverage/missing?form=OP", [401, 200, 403, 200, 403, 403, 403, 403]),
        get("/api/v1/incidents", [401, 200, 403, 200, 403, 403, 403, 403]),
        get("/api/v1/conflicts", [401, 200, 403, 200, 403, 403, 403, 403]),
        get("/api/v1/ledger/head", ALL_200),
    ]
}

async fn client_for(app: &TestApp, role: &str) -> Client {
    if role == "public" { browser() } else { app.login(role, DEMO_PASSWORD).await }
}

async fn send(app: &TestApp, client: &Client, case: &Case) -> StatusCode {
    let url = app.url(&case.path);
    match case.method {
        Method::Get => client.get(url).send().await.expect("get").status(),
        Method::Post => {
            // The public's only form token is the sign-in page's.
            let token_page =
                if app.get(client, "/api/v1/me").await.status() == StatusCode::OK { "/account" } else { "/login" };
            let csrf = csrf_in(&app.get(client, token_page).await.text().await.expect("page"));
            // Each role creates its own account, so usernames never collide between roles.
            let role_tag = app
                .get(client, "/api/v1/me")
                .await
                .json::<serde_json::Value>()
                .await
                .ok()
                .and_then(|me| me["username"].as_str().map(str::to_string))
                .unwrap_or_else(|| "public".into());
            let mut fields: Vec<(&str, String)> =
                case.fields
                    .iter()
                    .map(|(name, value)| {
                        if *name == "username" {
                            (*name, format!("{value}.{role_tag}"))
                        } else {
                            (*name, value.clone())
                        }
                    })
                    .collect();
            fields.push(("csrf", csrf));
            client.post(url).form(&fields).send().await.expect("post").status()
        }
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_the_access_rules_say() {
    let app = spawn_app().await;
    let cases = cases(&app).await;
    let mut wrong = Vec::new();
    for (index, role) in ROLES.iter().enumerate() {
        let client = client_for(&app, role).await;
        for case in &cases {
            let status = send(&app, &client, case).await.as_u16();
            if status != case.expected[index] {
                wrong.push(format!(
                    "{role:<12} {:>4} {:<40} got {status}, expected {}",
                    match case.method {
                        Method::Get => "GET",
                        Method::Post => "POST",
                    },
                    case.path,
                    case.expected[index]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "access matrix violations:\n{}", wrong.join("\n"));
}

#[tokio::test]
async fn a_partner_token_reads_aggregates_but_no_people() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let page = app
        .post_form(&admin, "/tokens", &[("label", "OSCE/ODIHR"), ("username", "partner")])
        .await
        .text()
        .await
        .unwrap();
    let token =
        page.split("id=\"issued-token\">").nth(1).and_then(|s| s.split('<').next()).expect("token shown").to_string();
    let api = reqwest::Client::new();
    let call = |path: &str| api.get(app.url(path)).bearer_auth(&token).send();
    assert_eq!(call("/api/v1/election").await.unwrap().status(), 200);
    let constituencies: serde_json::Value = call("/api/v1/constituencies").await.unwrap().json().await.unwrap();
    assert_eq!(constituencies.as_array().unwrap().len(), 125);
    assert!(constituencies[0].get("monitored").is_none(), "partners do not learn where observers are");
    assert_eq!(call("/api/v1/people").await.unwrap().status(), 403);
    assert_eq!(call("/api/v1/audit").await.unwrap().status(), 403);
    // Said in the language the client asks for.
    let refused = api.get(app.url("/api/v1/audit")).bearer_auth(&token).header("accept-language", "ru").send();
    let refused: serde_json::Value = refused.await.unwrap().json().await.unwrap();
    assert_eq!(
        (&refused["error"], &refused["message"]),
        (&"forbidden".into(), &"У вас нет прав на это действие".into())
    );

    // A wrong token is refused outright, never treated as the public.
    let wrong = api.get(app.url("/api/v1/election")).bearer_auth("pw_nonsense").header("accept-language", "en");
    let wrong = wrong.send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let wrong: serde_json::Value = wrong.json().await.unwrap();
    assert_eq!((&wrong["error"], &wrong["message"]), (&"unauthenticated".into(), &"Please sign in".into()));
}

#[tokio::test]
async fn the_public_never_sees_who_observes_where() {
    let app = spawn_app().await;
    let public = browser();
    let page = app.get(&public, "/constituencies/17").await.text().await.unwrap();
    let observer = storage::people::by_username(app.store.reads(), "observer").await.unwrap().unwrap();
    assert!(!page.contains(&observer.full_name));
    assert!(!page.contains(observer.phone.as_deref().unwrap()));
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let page = app.get(&coordinator, "/constituencies/17").await.text().await.unwrap();
    assert!(page.contains(&observer.full_name), "the constituency's coordinator sees its observers");
}
