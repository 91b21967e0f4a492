//! Election-day reporting over the API: validation, skip logic, checks, idempotency, scope,
//! coverage, incidents, disagreements and the hash chain.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{DEMO_PASSWORD, TestApp, spawn_app};

fn opening(id: &str, station: &str) -> Value {
    json!({
        "id": id, "form": "OP", "station": station, "device_time": storage::now_millis(),
        "answers": {"OA": "07:02", "OB": true, "OC": true, "OF": true, "OG": true, "OH": true, "OI": false, "OK": true}
    })
}

async fn post(app: &TestApp, client: &Client, path: &str, body: &Value) -> (StatusCode, Value) {
    let csrf = app.csrf(client).await;
    let response = client.post(app.url(path)).header("x-csrf-token", csrf).json(body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_report_is_stored_once_however_often_it_is_sent() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let report = opening("b1e6f0a2-0000-4000-8000-000000000001", "17/1");
    let (status, first) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["duplicate"], false);
    let (status, again) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1);
    // The first answer (the answers written in as just stored) and the retry's (read back from
    // the database) are the same record.
    let mut retried = first.clone();
    retried["duplicate"] = json!(true);
    assert_eq!(again, retried);
    assert!(first["answers"].as_object().is_some_and(|answers| answers.len() > 5), "{first}");

    // From a browser session, a write without the page's token is refused.
    let no_token = observer.post(app.url("/api/v1/submissions")).json(&report).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let refusal: Value = no_token.json().await.unwrap();
    assert_eq!(refusal["error"], "csrf");
    assert!(
        refusal["message"].as_str().unwrap().starts_with("Formanın vaxtı keçib"),
        "the observer's language: {refusal}"
    );
    // Refused as coming from another site before anyone is known: in the language asked for.
    let cross_site = observer
        .post(app.url("/api/v1/submissions"))
        .header("Origin", "https://evil.example")
        .header("Accept-Language", "ru-RU,ru;q=0.9")
        .json(&report)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let refusal: Value = cross_site.json().await.unwrap();
    assert!(refusal["message"].as_str().unwrap().starts_with("Срок действия формы истёк"), "{refusal}");

    let mut changed = report.clone();
    changed["answers"]["OA"] = json!("07:30");
    let (status, conflict) = post(&app, &observer, "/api/v1/submissions", &changed).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(conflict["message"].as_str().unwrap().contains("b1e6f0a2"), "{conflict}");
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1);
}

#[tokio::test]
async fn a_body_that_is_not_a_report_is_refused_naming_what_is_wrong() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let csrf = app.csrf(&observer).await;
    let send = |body: &'static str, content_type: &'static str| {
        observer
            .post(app.url("/api/v1/submissions"))
            .header("x-csrf-token", csrf.clone())
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    // Every refusal is JSON like any other error, in the observer's language (Azerbaijani
    // until they choose another), with the parser's words on what is wrong where.
    let refusal = |response: reqwest::Response| async move {
        assert_eq!(response.headers()["content-type"], "application/json");
        (response.status(), response.json::<Value>().await.unwrap())
    };
    // Answers that are not an object: the field at fault is named.
    let (status, body) = refusal(
        send(r#"{"id": "b1e6f0a2-0000-4000-8000-0000000000a1", "form": "OP", "answers": [1, 2]}"#, "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "unreadable");
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("Sorğunun sahələri gözlənildiyi kimi deyil: answers: invalid type"), "{body}");
    // Not JSON at all: where it breaks off.
    let (status, body) = refusal(send(r#"{"id": "b1e6f0a2-"#, "application/json").await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Sorğu düzgün JSON deyil: id: EOF while parsing a string at line 1 column 17");
    // Not said to be JSON, to an observer who reads English.
    observer.get(app.url("/language?to=en")).send().await.unwrap();
    let (status, body) = refusal(send("{}", "text/plain").await.unwrap()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(body["message"], "Send the request as JSON (Content-Type: application/json)");
    // With parameters it is JSON all the same.
    let response = send(
        r#"{"id": "b1e6f0a2-0000-4000-8000-0000000000a2", "form": "OP", "station": "17/1", "answers": {"OA": "07:02", "OB": true, "OC": true, "OF": true, "OG": true, "OH": true, "OI": false, "OK": true}}"#,
        "application/json; charset=utf-8",
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1);
}

#[tokio::test]
async fn problems_come_back_per_question_in_the_observers_language() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let mut report = opening("b1e6f0a2-0000-4000-8000-000000000002", "17/1");
    report["answers"]["OK"] = json!(false); // voting started late: OL becomes required
    report["answers"]["OA"] = json!("7 o'clock");
    let (status, body) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<(&str, &str)> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["question"].as_str().unwrap(), f["problem"].as_str().unwrap()))
        .collect();
    assert_eq!(fields, vec![("OA", "bad_time"), ("OL", "required")]);
    assert!(body["fields"][0]["message"].as_str().unwrap().contains("SS:DD"), "Azerbaijani by default: {body}");

    observer.get(app.url("/language?to=ru")).send().await.unwrap();
    let (_, body) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert!(body["fields"][0]["message"].as_str().unwrap().contains("ЧЧ:ММ"), "{body}");
}

#[tokio::test]
async fn a_protocol_with_broken_arithmetic_is_refused_with_the_rule_explained_until_explained() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let mut figures = json!({"PA": 1500, "PJ": 0, "PB": 1200, "PC": 900, "PD": 40, "PK": 0, "PE": 250, "PL": 250,
        "PF": 40, "PG": 900, "PI": 920, "PH": 20, "PM": 0, "C1": 700, "C2": 50, "C3": 40, "C4": 30, "C5": 40, "C6": 30,
        "C7": 30});
    let report =
        |answers: &Value| json!({"id": "protocol-17-1-aaaa", "form": "PR", "station": "17/1", "answers": answers});
    let (status, body) = post(&app, &observer, "/api/v1/submissions", &report(&figures)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = body["fields"].as_array().unwrap();
    let broken = fields.iter().find(|f| f["problem"] == "check_failed").expect("a broken identity");
    assert!(broken["message"].as_str().unwrap().contains("PB = PC + PD + PE + PM"), "{body}");
    assert!(fields.iter().any(|f| f["question"] == "PX" && f["problem"] == "required"), "{body}");
    // Copied right, the commission's figures themselves do not add up: said so, it is stored
    // as written.
    figures["PX"] = json!("Surətdə PE 250 yazılıb, 10 bülleten itib.");
    let (status, body) = post(&app, &observer, "/api/v1/submissions", &report(&figures)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["answers"]["PE"], 250);
    assert_eq!(body["form_version"], 3);
}

#[tokio::test]
async fn observers_report_only_for_their_own_stations() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let (status, body) = post(&app, &observer, "/api/v1/submissions", &opening("elsewhere-0000001", "17/2")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Said so that the volunteer knows what to change, in their language.
    assert_eq!(body["error"], "forbidden");
    assert_eq!(
        body["message"],
        "Siz 17/2 seçki məntəqəsinə təyin olunmamısınız: hesabatı yalnız təyin olunduğunuz məntəqələr üçün göndərə bilərsiniz."
    );
    // Deployed to one station, an observer may leave the station out.
    let mut report = opening("no-station-0000001", "17/1");
    report.as_object_mut().unwrap().remove("station");
    let (status, body) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["station"], "17/1");
    // A form version that does not exist is named as such.
    let mut report = opening("no-such-version-01", "17/1");
    report["form_version"] = json!(9);
    let (status, body) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["message"], "Belə forma yoxdur: OP v9");
    // Coordinators and admins do not file observers' reports.
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    coordinator.get(app.url("/language?to=ru")).send().await.unwrap();
    let (status, body) = post(&app, &coordinator, "/api/v1/submissions", &opening("coordinator-00001", "17/1")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body["message"].as_str().unwrap().starts_with("Отчёты отправляют только наблюдатели"), "{body}");
}

/// A report stored whose answer never reached the phone, then its observer moved to another
/// station: the retry is answered with what is stored. Refused as for a station no longer
/// theirs, it read on the phone as never sent, and its fix was stored a second time.
#[tokio::test]
async fn a_retry_after_the_observer_is_moved_is_answered_with_the_stored_report() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let report = opening("moved-after-0000001", "17/1");
    let (status, first) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");

    app.deploy_demo_observer("17/2").await;

    let (status, again) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!((&again["id"], &again["duplicate"]), (&first["id"], &json!(true)));
    // Not a way round the station rule: changed answers under that id, or a new report for the
    // old station, are refused as before.
    let mut changed = report.clone();
    changed["answers"]["OA"] = json!("07:30");
    assert_eq!(post(&app, &observer, "/api/v1/submissions", &changed).await.0, StatusCode::CONFLICT);
    let (status, body) = post(&app, &observer, "/api/v1/submissions", &opening("moved-after-0000002", "17/1")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // Someone else's report is not theirs to be answered with, even word for word from the
    // same station.
    let other = app.second_observer_at("17/1").await;
    let (status, body) = post(&app, &other, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1);
}

#[tokio::test]
async fn a_device_clock_far_off_is_flagged_not_trusted() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let mut report = opening("clock-off-0000001", "17/1");
    report["device_time"] = json!(storage::now_millis() - 3 * 3_600_000);
    let (_, body) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(body["clock_off"], true);
    assert!(body["server_time_baku"].as_str().unwrap().ends_with("+04:00"));
}

#[tokio::test]
async fn coverage_counts_stations_and_the_missing_list_names_who_to_call() {
    let app = spawn_app().await;
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let before: Value = app.get(&coordinator, "/api/v1/coverage").await.json().await.unwrap();
    let row = &before["constituencies"][0];
    assert_eq!(row["constituency_no"], 17, "a coordinator sees only their constituency");
    assert_eq!(before["constituencies"].as_array().unwrap().len(), 1);
    assert!(row["received"].get("OP").is_none());
    let missing: Value = app.get(&coordinator, "/api/v1/coverage/missing?form=OP").await.json().await.unwrap();
    let observer_row = missing.as_array().unwrap().iter().find(|m| m["station"] == "17/1").expect("17/1 is missing");
    assert!(observer_row["observer_phone"].as_str().unwrap().starts_with("+994"));
    // The page counts stations as the dashboard does, and the people to call besides.
    let rows = missing.as_array().unwrap();
    let stations: std::collections::BTreeSet<&str> = rows.iter().map(|m| m["station"].as_str().unwrap()).collect();
    assert!(stations.len() < rows.len(), "the demo has a station with two observers");
    let page = app.get(&coordinator, "/coverage/missing?form=OP").await.text().await.unwrap();
    let count = format!("{} məntəqə · zəng ediləcək {} müşahidəçi", stations.len(), rows.len());
    assert!(page.contains(&count), "{count}: {page}");
    // A constituency's stations: the columns' codes are explained, and the way back is there.
    let stations = app.get(&coordinator, "/coverage/17").await.text().await.unwrap();
    assert!(
        stations.contains("<strong>OP</strong> Açılış") && stations.contains(r#"<a href="/coverage">"#),
        "{stations}"
    );
    let cut_short = app.get(&coordinator, "/coverage/missing").await;
    assert_eq!(cut_short.status(), 303, "a link without its form leads back to the dashboard");

    let observer = app.login("observer", DEMO_PASSWORD).await;
    post(&app, &observer, "/api/v1/submissions", &opening("coverage-0000001", "17/1")).await;
    post(&app, &observer, "/api/v1/submissions", &opening("coverage-0000002", "17/1")).await;
    let after: Value = app.get(&coordinator, "/api/v1/coverage").await.json().await.unwrap();
    assert_eq!(after["constituencies"][0]["received"]["OP"], 1, "a station counts once");
    let missing: Value = app.get(&coordinator, "/api/v1/coverage/missing?form=OP").await.json().await.unwrap();
    assert!(missing.as_array().unwrap().iter().all(|m| m["station"] != "17/1"));

    // The cards and the missing list count the same stations: every expected station has
    // sent the form or is missing it, also once observers are deactivated or are observers no
    // longer.
    let counts_agree = || async {
        let coverage: Value = app.get(&coordinator, "/api/v1/coverage").await.json().await.unwrap();
        let row = &coverage["constituencies"][0];
        let missing: Value = app.get(&coordinator, "/api/v1/coverage/missing?form=OP").await.json().await.unwrap();
        let stations: std::collections::BTreeSet<String> =
            missing.as_array().unwrap().iter().map(|m| m["station"].as_str().unwrap().to_string()).collect();
        let (expected, received) = (row["expected"].as_i64().unwrap(), row["received"]["OP"].as_i64().unwrap_or(0));
        assert_eq!(expected, received + stations.len() as i64, "{row} {missing}");
        missing
    };
    let alone_at = |missing: &Value| {
        let rows = missing.as_array().unwrap().clone();
        rows.iter()
            .find(|m| rows.iter().filter(|other| other["station"] == m["station"]).count() == 1)
            .map(|m| (m["observer_id"].as_i64().unwrap(), m["station"].as_str().unwrap().to_string()))
            .expect("a station with one observer")
    };
    let missing = counts_agree().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let (deactivated, _) = alone_at(&missing);
    let response = app.post_form(&admin, &format!("/people/{deactivated}/active"), &[("active", "0")]).await;
    assert_eq!(response.status(), 303);
    let missing = counts_agree().await;
    assert!(missing.as_array().unwrap().iter().all(|m| m["observer_id"] != deactivated));
    // Made a coordinator with their station left on the form: not someone to call for it.
    let (promoted, station) = alone_at(&missing);
    let person = storage::people::by_id(app.store.reads(), promoted).await.unwrap().unwrap();
    let fields = [
        ("full_name", person.full_name.as_str()),
        ("username", person.username.as_str()),
        ("role", "coordinator"),
        ("organisation", person.organisation_code.as_deref().unwrap_or_default()),
        ("stations", station.as_str()),
        ("constituencies", "17"),
    ];
    assert_eq!(app.post_form(&admin, &format!("/people/{promoted}"), &fields).await.status(), 303);
    let missing = counts_agree().await;
    assert!(missing.as_array().unwrap().iter().all(|m| m["observer_id"] != promoted), "{missing}");

    let analyst = app.login("analyst", DEMO_PASSWORD).await;
    assert_eq!(app.get(&analyst, "/api/v1/coverage").await.status(), 200);
    assert_eq!(
        app.get(&analyst, "/api/v1/coverage/missing?form=OP").await.status(),
        403,
        "names and phones are not for analysts"
    );
    assert_eq!(app.get(&observer, "/api/v1/coverage").await.status(), 403);
}

#[tokio::test]
async fn turnout_counts_build_the_timeline_next_to_the_announced_figures() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let report = json!({"id": "turnout-17-1-slot2", "form": "TC", "station": "17/1", "answers": {"TA": 2, "TB": 240, "TC": true, "TD": 300}});
    let (status, _) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::CREATED);
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let coverage: Value = app.get(&admin, "/api/v1/coverage").await.json().await.unwrap();
    let point = &coverage["turnout"][0];
    assert_eq!(point["slot"], 2);
    assert_eq!(point["counted"], 240);
    assert_eq!(point["announced"], 300);
    assert!(point["registered"].as_i64().unwrap() > 240);

    // Who to call is asked per reporting time: a count at 12:00 is not one at 15:00.
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let missing_at = |slot: &'static str| {
        let (app, coordinator) = (&app, &coordinator);
        async move {
            let missing: Value =
                app.get(coordinator, &format!("/api/v1/coverage/missing?form=TC{slot}")).await.json().await.unwrap();
            missing.as_array().unwrap().iter().any(|m| m["station"] == "17/1")
        }
    };
    assert!(!missing_at("").await, "it sent the form");
    assert!(!missing_at("&slot=2").await, "it counted at 12:00");
    assert!(missing_at("&slot=3").await, "it has not counted at 15:00");
    for wrong in ["/api/v1/coverage/missing?form=TC&slot=9", "/api/v1/coverage/missing?form=OP&slot=1"] {
        let refused = app.get(&coordinator, wrong).await;
        assert_eq!(refused.status(), 422, "{wrong}");
    }
    let page = app.get(&coordinator, "/coverage/missing?form=TC&slot=3").await.text().await.unwrap();
    assert!(page.contains(r#"<a href="/coverage/missing?form=TC&amp;slot=3" aria-current="page">15:00</a>"#), "{page}");

    // The dashboard's card counts the reporting time due last, and asks who is missing at it.
    let card = |page: String| {
        let card = page.split(r#"<div class="card" data-form="TC">"#).nth(1).expect("a turnout card").to_string();
        let figure = card.split(r#"<div class="figure">"#).nth(1).and_then(|f| f.split(" / ").next()).unwrap();
        let time = card.split(") · ").nth(1).and_then(|t| t.get(..5)).expect("the card names its time").to_string();
        (figure.parse::<i64>().unwrap(), time, card)
    };
    let (before, time, shown) = card(app.get(&coordinator, "/coverage").await.text().await.unwrap());
    let slot = ["10:00", "12:00", "15:00", "17:00", "19:00"].iter().position(|t| *t == time).unwrap() + 1;
    assert!(shown.contains(&format!(r#"href="/coverage/missing?form=TC&amp;slot={slot}""#)), "{shown}");
    let other = if slot == 2 { 3 } else { 2 };
    let elsewhere = app.second_observer_at("17/2").await;
    for (id, at) in [("turnout-17-2-other", other), ("turnout-17-2-due", slot)] {
        let report = json!({"id": id, "form": "TC", "station": "17/2", "answers": {"TA": at, "TB": 100, "TC": false}});
        let (status, body) = post(&app, &elsewhere, "/api/v1/submissions", &report).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (now, ..) = card(app.get(&coordinator, "/coverage").await.text().await.unwrap());
        // A count at another time first: it does not count; then one at the time due.
        assert_eq!(now, before + i64::from(at == slot), "after a count at slot {at}, with {time} due");
    }
}

#[tokio::test]
async fn an_incident_category_names_its_election_code_article() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let report = json!({"id": "incident-17-1-copy", "form": "IN", "station": "17/1",
        "answers": {"IA": 13, "IB": "20:40", "IC": "Protokolun surətini vermədilər", "ID": 3, "IF": false}});
    let (status, _) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::CREATED);
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let queue = app.get(&coordinator, "/incidents").await.text().await.unwrap();
    assert!(queue.contains("Protokolun surətinin verilməməsi (Seçki Məcəlləsi, maddə 42.2.9)"), "{queue}");
    // The app gets the article with the form, to show it too.
    let forms: Value = app.get(&observer, "/api/v1/forms").await.json().await.unwrap();
    let incident = forms.as_array().unwrap().iter().find(|f| f["code"] == "IN").unwrap();
    assert_eq!(incident["version"], 4);
    let categories = incident["groups"][0]["questions"][0]["options"].as_array().unwrap();
    let article_of = |value: i64| categories.iter().find(|c| c["value"] == value).unwrap()["article"].clone();
    assert_eq!(article_of(13), "42.2.9");
    // Every category but "camera obstructed" (not in the Code) and "other" names its article
    // (docs/election-code.md gives the Code's words for each).
    assert_eq!(article_of(8), "104.14", "police in the polling station");
    assert_eq!(article_of(17), "88.4", "vote buying");
    let unnamed: Vec<_> = categories.iter().filter(|c| c["article"].is_null()).map(|c| c["value"].clone()).collect();
    assert_eq!(unnamed, [json!(16), json!(18)]);
    // … in the observer's language (observe.js adds it to the category's label).
    let page = app.get(&observer, "/observe").await.text().await.unwrap();
    assert!(page.contains(r#""article":"Seçki Məcəlləsi, maddə {article}""#), "{page}");
}

#[tokio::test]
async fn incidents_move_through_the_workflow_with_history() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let report = json!({"id": "incident-17-1-0001", "form": "IN", "station": "17/1",
        "answers": {"IA": 1, "IB": "11:40", "IC": "Bir nəfər qutuya bir neçə bülleten atdı", "ID": 4, "IF": false}});
    let (status, _) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::CREATED);
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let queue: Value = app.get(&coordinator, "/api/v1/incidents?status=new").await.json().await.unwrap();
    assert_eq!(queue["total"], 1);
    let id = queue["items"][0]["id"].as_i64().unwrap();
    assert_eq!(queue["items"][0]["severity"], 4);

    let (status, body) =
        post(&app, &coordinator, &format!("/api/v1/incidents/{id}"), &json!({"status": "verified"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "verification needs triage first: {body}");
    let (status, body) = post(&app, &coordinator, &format!("/api/v1/incidents/{id}"), &json!({"status": 5})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["message"].as_str().unwrap().starts_with("Sorğunun sahələri gözlənildiyi kimi deyil: status"),
        "{body}"
    );
    let (status, body) =
        post(&app, &coordinator, &format!("/api/v1/incidents/{id}"), &json!({"status": "referred"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["message"], "Pozuntunun hansı komissiyaya yönləndirildiyini yazın.");
    for (status_name, extra) in [
        ("triaged", json!({})),
        ("verified", json!({"note": "Confirmed by a second observer"})),
        ("referred", json!({"referred_to": "17 saylı DSK"})),
    ] {
        let mut change = extra.clone();
        change["status"] = json!(status_name);
        let (status, body) = post(&app, &coordinator, &format!("/api/v1/incidents/{id}"), &change).await;
        assert_eq!(status, StatusCode::OK, "{status_name}: {body}");
    }
    let view: Value = app.get(&coordinator, &format!("/api/v1/incidents/{id}")).await.json().await.unwrap();
    assert_eq!(view["incident"]["status"], "referred");
    assert_eq!(view["incident"]["referred_to"], "17 saylı DSK");
    let steps: Vec<&str> = view["history"].as_array().unwrap().iter().filter_map(|e| e["to_status"].as_str()).collect();
    assert_eq!(steps, vec!["new", "triaged", "verified", "referred"]);

    // The chain holds every step: an incident row or its history edited in the database is
    // found, and named; put back, the chain verifies again.
    let (status, body) = post(
        &app,
        &coordinator,
        &format!("/api/v1/incidents/{id}"),
        &json!({"assignee": app.user_id("coordinator").await}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(storage::ledger::verify(app.store.reads()).await.unwrap().first_break, None);
    let subject = format!("incident:{id}");
    for (edit, undo) in [
        (
            "UPDATE incidents SET status = 'rejected' WHERE id = $1",
            "UPDATE incidents SET status = 'referred' WHERE id = $1",
        ),
        (
            "UPDATE incidents SET referred_to = 'başqa' WHERE id = $1",
            "UPDATE incidents SET referred_to = '17 saylı DSK' WHERE id = $1",
        ),
        (
            "UPDATE incidents SET assignee_id = NULL WHERE id = $1",
            "UPDATE incidents SET assignee_id = (SELECT id FROM users WHERE username = 'coordinator') WHERE id = $1",
        ),
        (
            "UPDATE incident_events SET note = 'Not confirmed' WHERE incident_id = $1 AND to_status = 'verified'",
            "UPDATE incident_events SET note = 'Confirmed by a second observer' WHERE incident_id = $1 AND to_status = 'verified'",
        ),
    ] {
        let broken = verified_after(&app, edit, id).await;
        assert!(
            matches!(&broken, Some(domain::ledger::ChainBreak::AlteredRecord { subject: s, .. }) if *s == subject),
            "{edit}: {broken:?}"
        );
        assert_eq!(verified_after(&app, undo, id).await, None, "{undo}");
    }
    // What the report made it: its severity and category.
    let severity =
        ("UPDATE incidents SET severity = 1 WHERE id = $1", "UPDATE incidents SET severity = 4 WHERE id = $1");
    let category =
        ("UPDATE incidents SET category = 2 WHERE id = $1", "UPDATE incidents SET category = 1 WHERE id = $1");
    for (edit, undo) in [severity, category] {
        let broken = verified_after(&app, edit, id).await;
        assert!(
            matches!(&broken, Some(domain::ledger::ChainBreak::AlteredRecord { subject: s, .. }) if *s == subject),
            "{edit}: {broken:?}"
        );
        assert_eq!(verified_after(&app, undo, id).await, None, "{undo}");
    }
    let broken =
        verified_after(&app, "DELETE FROM incident_events WHERE incident_id = $1 AND to_status = 'referred'", id).await;
    assert!(
        matches!(&broken, Some(domain::ledger::ChainBreak::AlteredRecord { subject: s, .. }) if *s == subject),
        "{broken:?}"
    );

    // A coordinator of another constituency sees nothing of it.
    let other = app.other_coordinator().await;
    let elsewhere = app.login(&other, DEMO_PASSWORD).await;
    assert_eq!(app.get(&elsewhere, &format!("/api/v1/incidents/{id}")).await.status(), 404);
    let queue: Value = app.get(&elsewhere, "/api/v1/incidents").await.json().await.unwrap();
    assert_eq!(queue["total"], 0);
    let (status, _) = post(&app, &elsewhere, &format!("/api/v1/incidents/{id}"), &json!({"status": "resolved"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_observers_who_disagree_are_flagged_and_a_coordinator_resolves_it() {
    let app = spawn_app().await;
    let second = app.second_observer_at("17/1").await;
    let first = app.login("observer", DEMO_PASSWORD).await;
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let quiet = app.get(&coordinator, "/conflicts").await.text().await.unwrap();
    assert!(quiet.contains("Hələ heç bir fikir ayrılığı yoxdur"), "an empty page says why: {quiet}");
    post(&app, &first, "/api/v1/submissions", &opening("disagree-first-01", "17/1")).await;
    let mut other = opening("disagree-second-1", "17/1");
    other["answers"]["OF"] = json!(false);
    // Each arrived at their own time: not a disagreement about the station.
    other["answers"]["OA"] = json!("07:25");
    let (status, _) = post(&app, &second, "/api/v1/submissions", &other).await;
    assert_eq!(status, StatusCode::CREATED);

    let open: Value = app.get(&coordinator, "/api/v1/conflicts").await.json().await.unwrap();
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    let conflict = &open[0];
    assert_eq!(conflict["question_code"], "OF");
    // The page asks it as the form does, and says the answers in words.
    let page = app.get(&coordinator, "/conflicts").await.text().await.unwrap();
    assert!(
        page.contains("OF. Seçki qutuları")
            && page.contains("<strong>bəli</strong>")
            && page.contains("<strong>xeyr</strong>"),
        "{page}"
    );
    assert_eq!((conflict["answer_a"].clone(), conflict["answer_b"].clone()), (json!(true), json!(false)));
    let id = conflict["id"].as_i64().unwrap();
    // Open, it must still be one its reports make: said of a question both answered alike, the
    // chain finds it.
    assert_eq!(storage::ledger::verify(app.store.reads()).await.unwrap().first_break, None);
    let broken = verified_after(&app, "UPDATE conflicts SET question_code = 'OB' WHERE id = $1", id).await;
    let subject = format!("conflict:{id}");
    assert!(
        matches!(&broken, Some(domain::ledger::ChainBreak::AlteredRecord { subject: s, .. }) if *s == subject),
        "{broken:?}"
    );
    assert_eq!(verified_after(&app, "UPDATE conflicts SET question_code = 'OF' WHERE id = $1", id).await, None);
    let (status, _) =
        post(&app, &coordinator, &format!("/api/v1/conflicts/{id}/resolve"), &json!({"value": false})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let open: Value = app.get(&coordinator, "/api/v1/conflicts").await.json().await.unwrap();
    assert!(open.as_array().unwrap().is_empty());
    // Both originals are kept as they were.
    let mine: Value = app.get(&first, "/api/v1/submissions/mine").await.json().await.unwrap();
    assert_eq!(mine[0]["answers"]["OF"], true);
    // The resolution is in the chain: changed in the database, it is found.
    assert_eq!(storage::ledger::verify(app.store.reads()).await.unwrap().first_break, None);
    let broken = verified_after(&app, "UPDATE conflicts SET resolved_value = 'true' WHERE id = $1", id).await;
    assert!(
        matches!(&broken, Some(domain::ledger::ChainBreak::AlteredRecord { subject: s, .. }) if *s == subject),
        "{broken:?}"
    );
    let reopened = "UPDATE conflicts SET status = 'open', resolved_value = NULL, resolved_by = NULL, resolved_at = NULL WHERE id = $1";
    let broken = verified_after(&app, reopened, id).await;
    assert!(
        matches!(&broken, Some(domain::ledger::ChainBreak::AlteredRecord { subject: s, .. }) if *s == subject),
        "{broken:?}"
    );
}

#[tokio::test]
async fn the_hash_chain_detects_a_tampered_row() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    for n in 0..3 {
        post(&app, &observer, "/api/v1/submissions", &opening(&format!("chain-entry-000{n}"), "17/1")).await;
    }
    let head: Value = app.get(&crate::helpers::browser(), "/api/v1/ledger/head").await.json().await.unwrap();
    assert_eq!(head["entries"], 3);
    let verified = storage::ledger::verify(app.store.reads()).await.unwrap();
    assert!(verified.first_break.is_none());
    assert_eq!(verified.checked, 3);
    assert_eq!(verified.head, head["hash"].as_str().unwrap());
    // The commands say the same, on the server's file while it runs.
    let (ok, printed) = pollwatch(&["chain", "head", "--db", &app.database_path()]);
    assert!(ok && printed.contains(head["hash"].as_str().unwrap()), "{printed}");
    // The head as published (the report's annex, say) is checked against the chain: it holds
    // after more reports, and cutting the record back is found, though what is left verifies.
    let published = format!("3:{}", head["hash"].as_str().unwrap());
    assert!(printed.contains(&format!("--published {published}")), "{printed}");
    post(&app, &observer, "/api/v1/submissions", &opening("chain-entry-0003", "17/1")).await;
    let (ok, printed) = pollwatch(&["chain", "verify", "--db", &app.database_path(), "--published", &published]);
    assert!(ok && printed.contains("The published head of 3 entries is in the chain"), "{printed}");
    let (ok, printed) = pollwatch(&["chain", "verify", "--db", &app.database_path(), "--published", "3:abc"]);
    assert!(!ok && printed.contains("expected ENTRIES:HASH"), "{printed}");
    let cut_back = |keep: i64| {
        let store = app.store.clone();
        async move {
            store
                .write(move |c| {
                    Box::pin(async move {
                        sqlx::query("DELETE FROM submissions WHERE chain_seq > $1").bind(keep).execute(&mut *c).await?;
                        Ok(())
                    })
                })
                .await
                .unwrap()
        }
    };
    cut_back(2).await;
    let (ok, printed) = pollwatch(&["chain", "verify", "--db", &app.database_path()]);
    assert!(ok, "what is left is a whole chain: {printed}");
    let (ok, printed) = pollwatch(&["chain", "verify", "--db", &app.database_path(), "--published", &published]);
    assert!(!ok && printed.contains("fewer than the 3 published"), "{printed}");
    for n in 2..4 {
        post(&app, &observer, "/api/v1/submissions", &opening(&format!("chain-rewrite-000{n}"), "17/1")).await;
    }
    let (ok, printed) = pollwatch(&["chain", "verify", "--db", &app.database_path(), "--published", &published]);
    assert!(!ok && printed.contains("rewritten after it was published"), "{printed}");

    // Someone edits the second report in the database behind pollwatch's back.
    let second = storage::submissions::of_observer(&app.store, app.user_id("observer").await, 10).await.unwrap()[1].id;
    app.store
        .write(move |c| {
            Box::pin(async move {
                sqlx::query(
                    "UPDATE submissions SET answers = replace(answers, '\"OB\":true', '\"OB\":false') WHERE id = $1",
                )
                .bind(second)
                .execute(&mut *c)
                .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
    let verified = storage::ledger::verify(app.store.reads()).await.unwrap();
    let broken = verified.first_break.expect("tampering is detected").to_string();
    assert!(broken.contains(&format!("submission:{second}")), "{broken}");
    let (ok, printed) = pollwatch(&["chain", "verify", "--db", &app.database_path()]);
    assert!(!ok && printed.contains(&format!("submission:{second}")), "{printed}");

    // A mistyped path is refused, not reported on as an empty, intact chain.
    let scratch = tempfile::tempdir().unwrap();
    let nowhere = scratch.path().join("typo").join("pollwatch.db");
    for command in ["head", "verify"] {
        let (ok, printed) = pollwatch(&["chain", command, "--db", &nowhere.to_string_lossy()]);
        assert!(!ok && printed.contains("no database at"), "{printed}");
    }
    assert!(!nowhere.parent().unwrap().exists(), "nothing was created");
}

/// Runs `sql` (with `id` as `$1`) on the server's database behind pollwatch's back, and
/// returns what verifying the chain then finds.
async fn verified_after(app: &TestApp, sql: &'static str, id: i64) -> Option<domain::ledger::ChainBreak> {
    storage::testing::execute(&app.store, sql, Some(id)).await;
    storage::ledger::verify(app.store.reads()).await.unwrap().first_break
}

/// Runs the `pollwatch` binary; whether it succeeded, and what it printed (both streams).
fn pollwatch(args: &[&str]) -> (bool, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pollwatch")).args(args).output().unwrap();
    let printed = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), printed)
}

#[tokio::test]
async fn photos_are_checked_and_served_without_metadata_beyond_coordinators() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x0D];
    jpeg.extend(b"Exif\0\0GPS!!");
    jpeg.extend([0xFF, 0xDA, 0x00, 0x02, 0x01, 0xFF, 0xD9]);
    let csrf = app.csrf(&observer).await;
    let response =
        observer.post(app.url("/api/v1/photos")).header("x-csrf-token", &csrf).body(jpeg.clone()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let sha256 = response.json::<Value>().await.unwrap()["sha256"].as_str().unwrap().to_string();
    let refused = observer
        .post(app.url("/api/v1/photos"))
        .header("x-csrf-token", &csrf)
        .body("not a photo")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A second photo of the same incident: asked for once there is a first.
    let mut second = jpeg.clone();
    second.extend(b"second");
    let response =
        observer.post(app.url("/api/v1/photos")).header("x-csrf-token", &csrf).body(second).send().await.unwrap();
    let second_sha = response.json::<Value>().await.unwrap()["sha256"].as_str().unwrap().to_string();
    let report = json!({"id": "incident-photo-001", "form": "IN", "station": "17/1",
        "answers": {"IA": 16, "IB": "12:00", "IC": "Kamera örtülüb", "ID": 2, "IE": sha256, "IH": second_sha, "IF": false}});
    let (status, stored) = post(&app, &observer, "/api/v1/submissions", &report).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(stored["answers"]["IH"], second_sha.as_str());

    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let queue: Value = app.get(&coordinator, "/api/v1/incidents").await.json().await.unwrap();
    let incident = queue["items"][0]["id"].as_i64().unwrap();
    let page = app.get(&coordinator, &format!("/incidents/{incident}")).await.text().await.unwrap();
    assert!(
        page.contains(&format!("/api/v1/photos/{sha256}")) && page.contains(&format!("/api/v1/photos/{second_sha}"))
    );
    assert_eq!(app.get(&coordinator, &format!("/api/v1/photos/{second_sha}")).await.status(), 200);
    let original = app.get(&coordinator, &format!("/api/v1/photos/{sha256}")).await;
    assert_eq!(original.status(), 200, "{:?}", original.headers());
    assert_eq!(original.headers()["x-metadata-removed"], "false");
    assert_eq!(original.headers()["cache-control"], "no-store", "an original is kept in no cache");
    assert_eq!(original.bytes().await.unwrap().to_vec(), jpeg);
    let analyst = app.login("analyst", DEMO_PASSWORD).await;
    let copy = app.get(&analyst, &format!("/api/v1/photos/{sha256}")).await;
    assert_eq!(copy.headers()["x-metadata-removed"], "true");
    assert!(!String::from_utf8_lossy(&copy.bytes().await.unwrap()).contains("GPS"));
    let media = app.login("media", DEMO_PASSWORD).await;
    assert_eq!(app.get(&media, &format!("/api/v1/photos/{sha256}")).await.status(), 404);
}

#[tokio::test]
async fn an_admin_loads_a_new_form_version_and_old_reports_keep_theirs() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let mut turnout: Value = serde_json::from_str(include_str!("../../../../forms/turnout.json")).unwrap();
    turnout["version"] = json!(2);
    turnout["groups"][0]["questions"][1]["max"] = json!(3000);
    let upload = |definition: String| {
        let app = &app;
        let admin = &admin;
        async move {
            let csrf = app.csrf(admin).await;
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf)
                .part("definition", reqwest::multipart::Part::text(definition).file_name("turnout.json"));
            admin.post(app.url("/forms")).multipart(form).send().await.unwrap().text().await.unwrap()
        }
    };
    // The phone holds the forms it loaded; it asks each time whether they are still current.
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let held = app.get(&observer, "/api/v1/forms").await.headers()["etag"].clone();
    let unchanged = observer.get(app.url("/api/v1/forms")).header("If-None-Match", &held).send().await.unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    let page = upload(turnout.to_string()).await;
    assert!(page.contains("TC v2"), "{page}");
    let changed = observer.get(app.url("/api/v1/forms")).header("If-None-Match", &held).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK, "a new version is sent at once");
    let broken = upload("{\"code\": \"TC\"}".into()).await;
    assert!(broken.contains("not a form definition"), "a broken definition is refused with its reason");

    let forms: Value = app.get(&observer, "/api/v1/forms").await.json().await.unwrap();
    let current = forms.as_array().unwrap().iter().find(|f| f["code"] == "TC").unwrap();
    assert_eq!(current["version"], 2);
    // A phone that still has version 1 can send it.
    let old = json!({"id": "turnout-version-1", "form": "TC", "form_version": 1, "station": "17/1", "answers": {"TA": 1, "TB": 4000, "TC": false}});
    let (status, body) = post(&app, &observer, "/api/v1/submissions", &old).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["form_version"], 1);
    let new = json!({"id": "turnout-version-2", "form": "TC", "station": "17/1", "answers": {"TA": 1, "TB": 4000, "TC": false}});
    let (status, _) = post(&app, &observer, "/api/v1/submissions", &new).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "version 2 caps the count at 3000");
}

#[tokio::test]
async fn a_coordinator_takes_an_incident_on_its_page() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let report = json!({"id": "incident-assign-0001", "form": "IN", "station": "17/1",
        "answers": {"IA": 8, "IB": "09:10", "IC": "Polis məntəqənin içində dayanır", "ID": 2, "IF": false}});
    assert_eq!(post(&app, &observer, "/api/v1/submissions", &report).await.0, StatusCode::CREATED);
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let queue: Value = app.get(&coordinator, "/api/v1/incidents").await.json().await.unwrap();
    let id = queue["items"][0]["id"].as_i64().unwrap();
    let me = app.user_id("coordinator").await.to_string();
    let response = app
        .post_form(
            &coordinator,
            &format!("/incidents/{id}"),
            &[("status", "triaged"), ("assignee", &me), ("note", "Zəng etdim")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let back = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(back, format!("/incidents/{id}?saved=1#change"));
    let page = app.get(&coordinator, &back).await.text().await.unwrap();
    assert!(page.contains("Saxlanıldı."), "the change is said to be saved");
    let name = storage::people::by_username(app.store.reads(), "coordinator").await.unwrap().unwrap().full_name;
    assert!(page.contains(&format!("<strong id=\"incident-assignee\">{name}</strong>")), "assigned");
    // The history names people, not their user names.
    assert!(page.contains(&format!("<td>{name}</td><td>baxılıb</td><td>Zəng etdim</td>")), "{page}");
    // Who reported it, with a number to call back.
    let reporter = storage::people::by_username(app.store.reads(), "observer").await.unwrap().unwrap();
    let phone = reporter.phone.clone().unwrap();
    assert!(page.contains(&format!("{} · <a href=\"tel:{phone}\">", reporter.full_name)), "{page}");
    // Referred without saying where: the same page says why, and keeps what was typed.
    let verified = app.post_form(&coordinator, &format!("/incidents/{id}"), &[("status", "verified")]).await;
    assert_eq!(verified.status(), 303);
    let refused = app
        .post_form(
            &coordinator,
            &format!("/incidents/{id}"),
            &[("status", "referred"), ("note", "DSK-ya yazılı şikayət")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("Pozuntunun hansı komissiyaya yönləndirildiyini yazın."), "{page}");
    assert!(page.contains(">DSK-ya yazılı şikayət</textarea>"), "the note is kept: {page}");
    assert!(page.contains(r#"<option value="referred" selected>"#), "{page}");
    // A step out of order, from a page left open while someone else moved it on: said in
    // words, on the same page.
    let stale = app.post_form(&coordinator, &format!("/incidents/{id}"), &[("status", "triaged")]).await;
    assert_eq!(stale.status(), 422);
    let page = stale.text().await.unwrap();
    assert!(page.contains("Bu addım indi mümkün deyil: pozuntu &quot;təsdiqlənib&quot; vəziyyətindədir"), "{page}");
    // The observer's answers, as the form asks them: when, how severe, raised with the chair.
    for shown in [
        "<dt>Nə vaxt baş verdi</dt><dd>09:10</dd>",
        "<dt>Ciddilik</dt><dd>Orta</dd>",
        "<dt>Bunu komissiya sədrinə bildirdinizmi?</dt><dd>xeyr</dd>",
    ] {
        assert!(page.contains(shown), "{shown} missing");
    }
    // The queue filters by kind of incident.
    let police = app.get(&coordinator, "/incidents?category=8").await.text().await.unwrap();
    assert!(police.contains(&format!("href=\"/incidents/{id}\"")));
    // Severity is chosen in words, as the table shows it; the kind is a link to the incident.
    let queue = app.get(&coordinator, "/incidents").await.text().await.unwrap();
    assert!(queue.contains(r#"<option value="2">Orta və yuxarı</option>"#), "{queue}");
    assert!(queue.contains(&format!(r#"<td><a href="/incidents/{id}">Polisin"#)), "{queue}");
    // As the page's filter sends it, the choices left at "—" empty: they filter nothing.
    let new_ones = app.get(&coordinator, "/incidents?status=new&category=&min_severity=&constituency=").await;
    assert_eq!(new_ones.status(), 200);
    let stuffing = app.get(&coordinator, "/incidents?category=1").await.text().await.unwrap();
    assert!(!stuffing.contains(&format!("href=\"/incidents/{id}\"")));
    // Nobody outside the constituency's coordinators can be handed the incident.
    let outsider = app.user_id("analyst").await.to_string();
    let refused =
        app.post_form(&coordinator, &format!("/incidents/{id}"), &[("status", ""), ("assignee", &outsider)]).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("yalnız həmin dairənin koordinatorları"), "said in the coordinator's language: {page}");
    // Nor through the API, where the answer would name whoever was given it: an observer of
    // its own constituency here, who is no coordinator.
    let stranger = storage::people::by_id(app.store.reads(), app.user_id("observer").await).await.unwrap().unwrap();
    for assignee in [app.user_id("analyst").await, stranger.id] {
        let (status, body) =
            post(&app, &coordinator, &format!("/api/v1/incidents/{id}"), &json!({"assignee": assignee})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(!body.to_string().contains(&stranger.full_name), "{body}");
    }
    let (status, body) = post(&app, &coordinator, &format!("/api/v1/incidents/{id}"), &json!({"assignee": 0})).await;
    assert_eq!(status, StatusCode::OK, "unassigning is allowed: {body}");
}

/// The dashboard's live stream tells of each report in the coordinator's area as it arrives,
/// and ends after its lifetime (here 2 s) so that the browser opens another, checked afresh.
#[tokio::test]
async fn a_live_stream_tells_of_reports_in_the_area_and_ends_to_be_opened_afresh() {
    let mut settings = crate::helpers::settings();
    settings.live_stream_seconds = 2;
    let app = crate::helpers::spawn_app_with(settings).await;
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let mut stream = coordinator.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let opened = std::time::Instant::now();
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let (status, _) = post(&app, &observer, "/api/v1/submissions", &opening("live-stream-0001", "17/1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let within = std::time::Duration::from_secs(5);
    let told = tokio::time::timeout(within, stream.chunk()).await.expect("told at once").unwrap().unwrap();
    let told = String::from_utf8_lossy(&told);
    assert!(told.starts_with("event: change") && told.contains("\"17/1\""), "{told}");
    // Nothing more comes, and the stream ends by itself.
    while tokio::time::timeout(within, stream.chunk()).await.expect("ends").unwrap().is_some() {}
    let lasted = opened.elapsed();
    assert!(lasted >= std::time::Duration::from_secs(2) && lasted < std::time::Duration::from_secs(8), "{lasted:?}");
    // Deactivated meanwhile, the coordinator is not let back in.
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let id = app.user_id("coordinator").await;
    let deactivated = app.post_form(&admin, &format!("/people/{id}/active"), &[("active", "0")]).await;
    assert_eq!(deactivated.status(), StatusCode::SEE_OTHER);
    assert_eq!(coordinator.get(app.url("/api/v1/events")).send().await.unwrap().status(), 401);
}

/// A coordinator deactivated while their dashboard is open stops hearing at once: the stream
/// ends when anyone's rights change (here it would otherwise last ten minutes), and the page's
/// attempt to open another is refused.
#[tokio::test]
async fn a_live_stream_ends_when_its_coordinator_is_deactivated() {
    let app = crate::helpers::spawn_app().await;
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let mut stream = coordinator.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let (status, _) = post(&app, &observer, "/api/v1/submissions", &opening("live-stream-0002", "17/1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let within = std::time::Duration::from_secs(5);
    let told = tokio::time::timeout(within, stream.chunk()).await.expect("told at once").unwrap().unwrap();
    assert!(String::from_utf8_lossy(&told).starts_with("event: change"));

    // A step on an incident changes nobody's rights: the stream goes on, and tells of the
    // next report.
    let report = json!({"id": "live-stream-incident", "form": "IN", "station": "17/1",
        "answers": {"IA": 8, "IB": "09:10", "IC": "Polis məntəqənin içində dayanır", "ID": 2, "IF": false}});
    assert_eq!(post(&app, &observer, "/api/v1/submissions", &report).await.0, StatusCode::CREATED);
    let queue: Value = app.get(&coordinator, "/api/v1/incidents").await.json().await.unwrap();
    let incident = queue["items"][0]["id"].as_i64().unwrap();
    let stepped = app.post_form(&coordinator, &format!("/incidents/{incident}"), &[("status", "triaged")]).await;
    assert_eq!(stepped.status(), StatusCode::SEE_OTHER);
    // Nor does someone else signing out.
    let passer_by = app.login("admin", DEMO_PASSWORD).await;
    assert_eq!(app.post_form(&passer_by, "/logout", &[]).await.status(), StatusCode::SEE_OTHER);
    let (status, _) = post(&app, &observer, "/api/v1/submissions", &opening("live-stream-0003", "17/1")).await;
    assert_eq!(status, StatusCode::CREATED);
    // (The incident report and the step are told too: read up to the opening checklist.)
    let told_of_opening = tokio::time::timeout(within, async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            if String::from_utf8_lossy(&chunk).contains("\"form_code\":\"OP\"") {
                return true;
            }
        }
        false
    })
    .await
    .expect("told within 5 s");
    assert!(told_of_opening, "the stream ended on a step that changed nobody's rights");

    let admin = app.login("admin", DEMO_PASSWORD).await;
    let id = app.user_id("coordinator").await;
    let deactivated = app.post_form(&admin, &format!("/people/{id}/active"), &[("active", "0")]).await;
    assert_eq!(deactivated.status(), StatusCode::SEE_OTHER);
    let ended = tokio::time::timeout(within, async { while stream.chunk().await.unwrap().is_some() {} }).await;
    assert!(ended.is_ok(), "the stream went on after its coordinator was deactivated");
    // The page opens another at once: refused.
    assert_eq!(coordinator.get(app.url("/api/v1/events")).send().await.unwrap().status(), 401);
}

/// A change made by another process (here written straight into the database, as the CLI's
/// import would) is not heard in this one; an open stream checks its caller afresh in the
/// database (here every second) and ends once they are no longer who opened it.
#[tokio::test]
async fn a_live_stream_ends_when_its_coordinator_is_moved_by_another_process() {
    let mut settings = crate::helpers::settings();
    settings.live_stream_recheck_seconds = 1;
    let app = crate::helpers::spawn_app_with(settings).await;
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let mut stream = coordinator.get(app.url("/api/v1/events")).send().await.unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    // Still theirs after a few checks: the stream stays open.
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(2500), stream.chunk()).await;
    assert!(quiet.is_err(), "nothing was said, and the stream did not end: {quiet:?}");

    let id = app.user_id("coordinator").await;
    let elsewhere = domain::election::ConstituencyNo::new(18).unwrap();
    app.store
        .write(move |connection| {
            Box::pin(async move { storage::people::set_assignments(connection, id, &[], &[elsewhere]).await })
        })
        .await
        .unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while stream.chunk().await.unwrap().is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the stream went on telling of constituency 17");
}
