//! SMS reports through the generic signed webhook.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{DEMO_PASSWORD, PUBLIC_URL, SMS_SECRET, TWILIO_TOKEN, TestApp, spawn_app};

async fn send(app: &TestApp, from: &str, text: &str) -> (u16, Value) {
    let body = json!({"from": from, "text": text}).to_string();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SMS_SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let signature = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let response = reqwest::Client::new()
        .post(app.url("/sms/inbound"))
        .header("content-type", "application/json")
        .header("x-pollwatch-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn observer(app: &TestApp) -> (String, String) {
    let person = storage::people::by_username(app.store.reads(), "observer").await.unwrap().unwrap();
    (person.phone.unwrap(), format!("{:06}", person.observer_code.unwrap()))
}

#[tokio::test]
async fn an_sms_report_is_stored_once_and_answered_in_the_observers_language() {
    let app = spawn_app().await;
    let (phone, code) = observer(&app).await;
    let text = format!("op {code} oa0705 ob1 oc1 of1 og1 oh1 oi2 ok1 # qapı vaxtında açıldı, İlkin gəldi");
    let (status, answer) = send(&app, &phone, &text).await;
    assert_eq!(status, 200, "{answer}");
    let reply = answer["reply"].as_str().unwrap();
    // The comment is counted with the answers: it is the remarks question's.
    assert!(reply.starts_with("Qəbul edildi: OP 17/1, 9 cavab"), "{reply}");
    assert!(reply.chars().count() <= 160);
    let stored = storage::submissions::of_observer(&app.store, app.user_id("observer").await, 5).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].channel, "sms");
    let answers: Value = serde_json::from_str(&stored[0].answers).unwrap();
    assert_eq!(answers["OA"], "07:05");
    assert_eq!(answers["OZ"], "qapı vaxtında açıldı, İlkin gəldi", "the comment is kept exactly as typed");
    // The message is logged with the report it became, and with its reply.
    let everything = storage::sms::SmsFilter { page: 1, per_page: 100, ..Default::default() };
    let log = storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
    let inbound = log.items.iter().find(|m| m.direction == "in").expect("the message is logged");
    assert_eq!((inbound.status.as_str(), inbound.submission_id), ("processed", Some(stored[0].id)));
    assert_eq!(inbound.body, text);
    let answer = log.items.iter().find(|m| m.direction == "out").expect("the reply is logged");
    assert_eq!((answer.reply_to, answer.body.as_str(), answer.status.as_str()), (Some(inbound.id), reply, "sent"));

    let (_, again) = send(&app, &phone, &text).await;
    assert_eq!(again["reply"], "Bu mesaj artıq qəbul edilib.");
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1);
    // A visit that saw carousel voting is accepted, and asks for the incident's own report.
    let (_, visit) = send(&app, &phone, &format!("VT {code} VA1015 VB1 VC1 VD1 VE2 VF2 VG1 VH2 VJ2 VK2")).await;
    let visit = visit["reply"].as_str().unwrap();
    assert!(visit.starts_with("Qəbul edildi: VT 17/1") && visit.contains("Bu pozuntudur: IN ilə"), "{visit}");
    // The observer chooses English on the web: the next reply says so at once (the server
    // forgets what it remembered of their number).
    let web = app.login("observer", DEMO_PASSWORD).await;
    assert_eq!(app.post_form(&web, "/language", &[("to", "en")]).await.status(), 303);
    let (_, again) = send(&app, &phone, &text).await;
    assert_eq!(again["reply"], "This message was already received.");
}

#[tokio::test]
async fn valid_answers_are_kept_and_the_reply_names_each_problem() {
    let app = spawn_app().await;
    let (phone, code) = observer(&app).await;
    let (_, answer) = send(&app, &phone, &format!("VT {code} VA1015 VB1 VC7 ZZ1 VD")).await;
    let reply = answer["reply"].as_str().unwrap();
    let everything = storage::sms::SmsFilter { page: 1, per_page: 100, ..Default::default() };
    let log = storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
    assert!(log.items.iter().any(|m| m.status == "partial"), "stored with its problems noted");
    for expected in ["VC:1/2", "ZZ?", "VD:?", "Çatışmır", "VE"] {
        assert!(reply.contains(expected), "{expected} missing from {reply}");
    }
    let stored = storage::submissions::of_observer(&app.store, app.user_id("observer").await, 5).await.unwrap();
    let answers: Value = serde_json::from_str(&stored[0].answers).unwrap();
    assert_eq!(answers, json!({"VA": "10:15", "VB": true}));
}

#[tokio::test]
async fn an_incident_by_sms_takes_its_description_from_the_comment() {
    let app = spawn_app().await;
    let (phone, code) = observer(&app).await;
    // Typed on an Azerbaijani keyboard: İN for IN.
    let (_, answer) =
        send(&app, &phone, &format!("İN {code} IA8 IB0910 ID2 IF2 # Polis məntəqənin içində dayanır")).await;
    let reply = answer["reply"].as_str().unwrap();
    assert!(reply.starts_with("Qəbul edildi: IN 17/1"), "{reply}");
    assert!(!reply.contains("Çatışmır"), "nothing is missing: {reply}");
    let everything = storage::sms::SmsFilter { page: 1, per_page: 100, ..Default::default() };
    let log = storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
    assert!(log.items.iter().any(|m| m.direction == "in" && m.status == "processed"), "complete, not partial");
    let stored = storage::submissions::of_observer(&app.store, app.user_id("observer").await, 5).await.unwrap();
    let answers: Value = serde_json::from_str(&stored[0].answers).unwrap();
    assert_eq!(answers["IC"], "Polis məntəqənin içində dayanır");
}

#[tokio::test]
async fn a_comment_fills_only_remarks_always_asked_and_only_as_far_as_they_go() {
    let app = spawn_app().await;
    let (phone, code) = observer(&app).await;
    let everything = storage::sms::SmsFilter { page: 1, per_page: 100, ..Default::default() };
    // A protocol whose figures do not add up: a comment is not the explanation the form asks
    // for (PX), so the message is kept with its problems, not passed as explained.
    let protocol = format!(
        "PR {code} PA1500 PJ0 PB1200 PC900 PD40 PK0 PE250 PL250 PF40 PG900 PI920 PH20 PM0 C1 700 C2 50 C3 40 C4 30 C5 40 C6 30 C7 30 # şəkil sonra"
    );
    let (_, answer) = send(&app, &phone, &protocol).await;
    assert!(answer["reply"].as_str().unwrap().contains("PX"), "{answer}");
    let log = storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
    assert!(log.items.iter().any(|m| m.direction == "in" && m.status == "partial"), "kept with its problems");
    let stored = storage::submissions::of_observer(&app.store, app.user_id("observer").await, 5).await.unwrap();
    let answers: Value = serde_json::from_str(&stored[0].answers).unwrap();
    assert!(answers.get("PX").is_none(), "{answers}");
    // A description longer than the question takes is cut to its length, not lost.
    let long = "ə".repeat(2100);
    let (_, answer) = send(&app, &phone, &format!("IN {code} IA8 IB0910 ID2 IF2 # {long}")).await;
    assert!(answer["reply"].as_str().unwrap().starts_with("Qəbul edildi: IN 17/1"), "{answer}");
    let stored = storage::submissions::of_observer(&app.store, app.user_id("observer").await, 5).await.unwrap();
    let answers: Value = serde_json::from_str(&stored[0].answers).unwrap();
    assert_eq!(answers["IC"].as_str().unwrap().chars().count(), 2000);
}

#[tokio::test]
async fn unknown_numbers_learn_nothing_and_bad_signatures_store_nothing() {
    let app = spawn_app().await;
    let (_, code) = observer(&app).await;
    let (status, answer) = send(&app, "+994509999999", &format!("OP {code} OB1")).await;
    assert_eq!(status, 200);
    assert_eq!(answer["reply"], "Mesaj alındı.", "no hint whose code this is");
    // Sent again, it is not answered again (nor said to be accepted): it was answered once,
    // and each reply is an SMS the coalition pays for.
    let (_, again) = send(&app, "+994509999999", &format!("OP {code} OB1")).await;
    assert_eq!(again["reply"], "", "{again}");
    // A message with no code at all is told to add one, whoever sends it: that says nothing
    // about anyone.
    let (_, codeless) = send(&app, "+994509999999", "OP OA0705 OB1").await;
    assert_eq!(codeless["reply"], "Müşahidəçi kodunuzu yazın: OP 123456 ...");
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 0);
    let everything = storage::sms::SmsFilter { page: 1, per_page: 100, ..Default::default() };
    let log = storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
    assert!(log.items.iter().any(|m| m.status == "unverified"), "kept for coordinators to review");

    let forged = reqwest::Client::new()
        .post(app.url("/sms/inbound"))
        .header("x-pollwatch-signature", "sha256=00")
        .body(json!({"from": "+994501111111", "text": "OP 123456 OB1"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let after = storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
    assert_eq!(after.total, log.total, "nothing stored");
}

#[tokio::test]
async fn twilio_messages_are_verified_and_answered_with_twiml() {
    let app = spawn_app().await;
    let (phone, code) = observer(&app).await;
    let fields = vec![
        ("From".to_string(), phone.clone()),
        ("To".to_string(), "+994125550000".to_string()),
        ("Body".to_string(), format!("TC {code} TA2 TB240 TC1 TD300")),
        ("MessageSid".to_string(), "SM0123456789abcdef".to_string()),
    ];
    let signature = web::sms::twilio::signature(TWILIO_TOKEN, &format!("{PUBLIC_URL}/sms/twilio"), &fields);
    let post = |signature: String| {
        reqwest::Client::new().post(app.url("/sms/twilio")).header("x-twilio-signature", signature).form(&fields).send()
    };
    let response = post(signature).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/xml"));
    let twiml = response.text().await.unwrap();
    assert!(twiml.contains("<Response><Message>Qəbul edildi: TC 17/1, 4 cavab.</Message></Response>"), "{twiml}");
    assert_eq!(post("forged".into()).await.unwrap().status(), 401);
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1);
}

#[tokio::test]
async fn an_observer_elsewhere_giving_a_code_of_ours_is_not_named_to_our_coordinator() {
    use sqlx::Row;
    let app = spawn_app().await;
    let (_, code) = observer(&app).await;
    // An observer of another constituency, from their own registered phone, mistypes a code
    // that belongs to an observer of constituency 17.
    let other = sqlx::query(
        "SELECT u.full_name, u.phone FROM users u JOIN deployments d ON d.user_id = u.id
         JOIN stations s ON s.id = d.station_id
         WHERE u.role = 'observer' AND u.phone IS NOT NULL AND s.constituency_no <> 17 LIMIT 1",
    )
    .fetch_one(app.store.reads())
    .await
    .unwrap();
    let (name, phone): (String, String) = (other.get("full_name"), other.get("phone"));
    send(&app, &phone, &format!("OP {code} OB1")).await;
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let page = app.get(&coordinator, "/sms").await.text().await.unwrap();
    assert!(page.contains("sender-elsewhere"), "the message is listed for the code it gave");
    assert!(!page.contains(&name) && !page.contains(&phone), "but whose number it is stays theirs");
    assert!(page.contains(&phone[..4]) && page.contains(&phone[phone.len() - 2..]));
    // Nor can it be found by searching for it, digit by digit or whole.
    for probe in [&phone[..7], phone.as_str()] {
        let found = app.get(&coordinator, &format!("/sms?q={}", probe.replace('+', "%2B"))).await.text().await.unwrap();
        assert!(!found.contains("sender-elsewhere"), "a search for {probe} gives it away");
    }
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let page = app.get(&admin, "/sms").await.text().await.unwrap();
    assert!(page.contains(&name) && page.contains(&phone), "the coalition's view names them");
}

#[tokio::test]
async fn a_message_from_a_new_phone_is_reviewed_by_its_observers_coordinator_only() {
    let app = spawn_app().await;
    let (_, code) = observer(&app).await;
    let new_phone = "+994557770011";
    let (_, answer) = send(&app, new_phone, &format!("OP {code} OB1")).await;
    assert_eq!(answer["reply"], "Mesaj alındı.", "the sender learns nothing");
    let unverified =
        storage::sms::SmsFilter { page: 1, per_page: 100, status: Some("unverified".into()), ..Default::default() };
    let message =
        storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &unverified).await.unwrap().items[0].id;

    // It gives the code of an observer in constituency 17: that constituency's coordinator
    // sees it, a coordinator elsewhere neither sees nor can process it.
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let page = app.get(&coordinator, "/sms?status=unverified").await.text().await.unwrap();
    assert!(page.contains(new_phone) && page.contains(&format!("/sms/{message}/reprocess")));
    assert!(page.contains(r#"<span class="tag">yoxlanılmayıb</span>"#), "its state in words: {page}");
    let elsewhere = app.login(&app.other_coordinator().await, DEMO_PASSWORD).await;
    let page = app.get(&elsewhere, "/sms").await.text().await.unwrap();
    assert!(!page.contains(new_phone), "not in another constituency's log");
    assert_eq!(app.post_form(&elsewhere, &format!("/sms/{message}/reprocess"), &[]).await.status(), 404);
    // A code nobody holds, from an unknown number: for the whole-coalition view only.
    send(&app, "+994557770022", "OP 999999 OB1").await;
    let page = app.get(&coordinator, "/sms").await.text().await.unwrap();
    assert!(!page.contains("+994557770022"));
    let admin = app.login("admin", DEMO_PASSWORD).await;
    assert!(app.get(&admin, "/sms").await.text().await.unwrap().contains("+994557770022"));

    // The observer got a new phone: it is recorded, then the coordinator processes the message.
    let id = app.user_id("observer").await;
    let response = app
        .post_form(
            &admin,
            &format!("/people/{id}"),
            &[
                ("full_name", "Könül Zeynalova"),
                ("username", "observer"),
                ("role", "observer"),
                ("organisation", "VCUM"),
                ("phone", new_phone),
                ("stations", "17/1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let response = app.post_form(&coordinator, &format!("/sms/{message}/reprocess"), &[]).await;
    assert_eq!(response.status(), 303);
    let stored = storage::submissions::of_observer(&app.store, id, 5).await.unwrap();
    assert_eq!(stored.len(), 1);
    let settled = storage::sms::by_id(app.store.reads(), message).await.unwrap().unwrap();
    assert_eq!(
        (settled.status.as_str(), settled.submission_id),
        ("partial", Some(stored[0].id)),
        "required answers missing"
    );
    let everything = storage::sms::SmsFilter { page: 1, per_page: 100, ..Default::default() };
    let log = storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
    assert_eq!(log.items.iter().filter(|m| m.body == format!("OP {code} OB1")).count(), 1, "still one message");
    // The generic webhook has no way to send later: the only reply logged is the one that
    // went back in the webhook's answer, not one that was never sent.
    let replies: Vec<_> = log.items.iter().filter(|m| m.reply_to == Some(message)).collect();
    assert_eq!(replies.len(), 1);
    assert_eq!((replies[0].body.as_str(), replies[0].status.as_str()), ("Mesaj alındı.", "sent"));

    // Observers see no log.
    let observer = app.login("observer", DEMO_PASSWORD).await;
    assert_eq!(app.get(&observer, "/sms").await.status(), 403);
}

#[tokio::test]
async fn the_sms_card_examples_are_messages_pollwatch_accepts() {
    let app = spawn_app().await;
    let (phone, code) = observer(&app).await;
    let coordinator = app.login("coordinator", DEMO_PASSWORD).await;
    let id = app.user_id("observer").await;
    let card = app.get(&coordinator, &format!("/people/{id}/sms-card")).await.text().await.unwrap();
    assert!(card.contains(&format!("<code id=\"observer-code\">{code}</code>")));
    let examples: Vec<String> = card
        .split("<code class=\"example\">")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .map(|s| s.to_string())
        .collect();
    assert_eq!(examples.len(), 6, "one example per form");
    for example in examples.iter().filter(|e| e.starts_with("OP") || e.starts_with("TC") || e.starts_with("VT")) {
        let (_, answer) = send(&app, &phone, example).await;
        let reply = answer["reply"].as_str().unwrap();
        assert!(
            reply.starts_with("Qəbul edildi") && !reply.contains("Düzəldin") && !reply.contains("Çatışmır"),
            "{example} → {reply}"
        );
    }
    // Someone without the observer in scope gets nothing.
    let media = app.login("media", DEMO_PASSWORD).await;
    assert_eq!(app.get(&media, &format!("/people/{id}/sms-card")).await.status(), 404);
}

/// What the stand-in gateway was asked to send: the Authorization header and the body.
type SentMessages = std::sync::Arc<std::sync::Mutex<Vec<(Option<String>, Value)>>>;

/// A stand-in for the phone running SMS Gateway for Android (the app cannot run here): it
/// records what pollwatch asks it to send, and answers with the given status.
async fn phone_gateway(status: u16) -> (String, SentMessages) {
    let (router, sent) = gateway_api(status);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (address, sent)
}

/// The gateway's API as its cloud or a private server offers it: over HTTPS, with a
/// certificate of its own (returned as PEM, for pollwatch to trust or not).
async fn https_gateway(status: u16) -> (String, SentMessages, String) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let (router, sent) = gateway_api(status);
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("https://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, router) = (acceptor.clone(), router.clone());
            tokio::spawn(async move {
                // A client that does not trust the certificate hangs up here.
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let service = hyper_util::service::TowerToHyperService::new(router);
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (address, sent, certified.cert.pem())
}

fn gateway_api(status: u16) -> (axum::Router, SentMessages) {
    use axum::routing::post;
    let sent: SentMessages = Default::default();
    let record = sent.clone();
    let router = axum::Router::new().route(
        "/message",
        post(move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
            let record = record.clone();
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
                record.lock().unwrap().push((auth, body));
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    (router, sent)
}

async fn android_app(gateway_url: &str) -> TestApp {
    android_app_trusting(gateway_url, None).await
}

async fn android_app_trusting(gateway_url: &str, certificate: Option<std::path::PathBuf>) -> TestApp {
    let mut settings = crate::helpers::settings();
    settings.android_ca_file = certificate;
    settings.android_signing_key = Some("android-key".into());
    settings.android_api_url = Some(gateway_url.into());
    settings.android_username = Some("sms".into());
    settings.android_password = Some("gateway-password".into());
    crate::helpers::spawn_app_with(settings).await
}

async fn android_event(app: &TestApp, from: &str, text: &str, timestamp: i64) -> u16 {
    let body = json!({"deviceId": "ffff", "event": "sms:received", "id": "Ey6E", "webhookId": "w1",
        "payload": {"messageId": "abc", "message": text, "phoneNumber": from, "simNumber": 1, "receivedAt": "2024-02-07T11:46:11.000+04:00"}})
    .to_string();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"android-key").unwrap();
    mac.update(body.as_bytes());
    mac.update(timestamp.to_string().as_bytes());
    reqwest::Client::new()
        .post(app.url("/sms/android"))
        .header("x-signature", hex::encode(mac.finalize().into_bytes()))
        .header("x-timestamp", timestamp.to_string())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn android_gateway_messages_are_verified_and_replies_go_out_through_its_api() {
    let (gateway, sent) = phone_gateway(202).await;
    let app = android_app(&gateway).await;
    let (phone, code) = observer(&app).await;
    let now = storage::now_millis() / 1000;
    assert_eq!(android_event(&app, &phone, &format!("TC {code} TA1 TB120 TC2"), now).await, 200);
    assert_eq!(
        android_event(&app, &phone, &format!("TC {code} TA1 TB999 TC2"), now - 3600).await,
        401,
        "an old timestamp is a replay"
    );
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1);
    let (auth, body) = first_sent(&sent).await.expect("the reply went out");
    assert_eq!(body["phoneNumbers"], json!([phone]));
    assert!(body["textMessage"]["text"].as_str().unwrap().starts_with("Qəbul edildi: TC 17/1"));
    assert!(auth.as_deref().unwrap().starts_with("Basic "));
}

/// Waits up to 10 s for the stand-in gateway to be asked to send something.
async fn first_sent(sent: &SentMessages) -> Option<(Option<String>, Value)> {
    for _ in 0..100 {
        if let Some(first) = sent.lock().unwrap().first() {
            return Some(first.clone());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    None
}

#[tokio::test]
async fn replies_reach_a_gateway_over_https_whose_certificate_is_trusted_and_no_other() {
    let (gateway, sent, certificate) = https_gateway(202).await;
    let pem = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(pem.path(), certificate).unwrap();
    let app = android_app_trusting(&gateway, Some(pem.path().to_path_buf())).await;
    let (phone, code) = observer(&app).await;
    let now = storage::now_millis() / 1000;
    assert_eq!(android_event(&app, &phone, &format!("TC {code} TA1 TB120 TC2"), now).await, 200);
    let (auth, body) = first_sent(&sent).await.expect("the reply went out over HTTPS");
    assert_eq!(body["phoneNumbers"], json!([phone]));
    assert!(auth.unwrap().starts_with("Basic "));

    // The same gateway, to a server that was not told to trust its certificate: nothing is
    // sent (the TLS handshake fails), and the reply waits in the queue.
    let (gateway, sent, _) = https_gateway(202).await;
    let app = android_app(&gateway).await;
    assert_eq!(android_event(&app, &phone, &format!("TC {code} TA2 TB150 TC2"), now).await, 200);
    let everything = storage::sms::SmsFilter { page: 1, per_page: 100, ..Default::default() };
    let mut attempted = false;
    for _ in 0..100 {
        let log = storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
        let reply = log.items.iter().find(|m| m.direction == "out").expect("a reply");
        let row = sqlx::query_scalar::<_, i64>("SELECT attempts FROM sms_messages WHERE id = $1")
            .bind(reply.id)
            .fetch_one(app.store.reads())
            .await
            .unwrap();
        if row > 0 {
            assert_eq!(reply.status, "queued", "kept, to be tried again");
            attempted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(attempted, "delivery was tried");
    assert!(sent.lock().unwrap().is_empty(), "an untrusted certificate gets nothing");
}

#[tokio::test]
async fn a_reply_the_gateway_refuses_stays_queued_for_a_retry() {
    let (gateway, sent) = phone_gateway(503).await;
    let app = android_app(&gateway).await;
    let (phone, code) = observer(&app).await;
    assert_eq!(
        android_event(&app, &phone, &format!("TC {code} TA1 TB120 TC2"), storage::now_millis() / 1000).await,
        200
    );
    let everything = storage::sms::SmsFilter { page: 1, per_page: 100, ..Default::default() };
    first_sent(&sent).await.expect("delivery was tried");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let log = storage::sms::list(app.store.reads(), &storage::coverage::Area::All, &everything).await.unwrap();
    let reply = log.items.iter().find(|m| m.direction == "out").expect("a reply");
    assert_eq!(reply.status, "queued", "kept, to be tried again");
}

/// An observer who covers two stations and leaves the station out is told how to write it;
/// sending the same text again is told the same (it was not stored), not that it was accepted.
#[tokio::test]
async fn an_observer_of_several_stations_is_told_how_to_name_one() {
    let app = spawn_app().await;
    let (phone, code) = observer(&app).await;
    app.deploy_demo_observer("17/1; 17/2").await;
    let text = format!("OP {code} OA0705 OB1");
    let how = "Bir neçə məntəqəni əhatə edirsiniz: S və məntəqəni əlavə edin, məs. S17/203.";
    for attempt in 1..=2 {
        let (_, answer) = send(&app, &phone, &text).await;
        assert_eq!(answer["reply"], how, "attempt {attempt}");
    }
    let (_, answer) = send(&app, &phone, &format!("OP {code} S17/2 OA0705 OB1")).await;
    assert!(answer["reply"].as_str().unwrap().starts_with("Qəbul edildi: OP 17/2"), "{answer}");
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1);
}

/// A message stored as a report, sent again after its observer was moved: read afresh it
/// would be for the new station and clash with the stored one; it is answered after what it
/// first came to, the report stored.
#[tokio::test]
async fn a_stored_message_sent_again_after_a_move_is_said_to_be_received() {
    let app = spawn_app().await;
    let (phone, code) = observer(&app).await;
    let text = format!("OP {code} OA0705 OB1");
    let (_, first) = send(&app, &phone, &text).await;
    assert!(first["reply"].as_str().unwrap().starts_with("Qəbul edildi: OP 17/1"), "{first}");
    app.deploy_demo_observer("17/2").await;
    let (_, again) = send(&app, &phone, &text).await;
    assert_eq!(again["reply"], "Bu mesaj artıq qəbul edilib.");
    assert_eq!(storage::submissions::count(app.store.reads()).await.unwrap(), 1);
}
