//! Signing in and out: cookies, CSRF, throttling, disabled accounts, languages.

use reqwest::StatusCode;

use crate::helpers::{DEMO_PASSWORD, browser, spawn_app};

#[tokio::test]
async fn signing_in_sets_a_protected_session_cookie_and_signing_out_ends_it() {
    let app = spawn_app().await;
    let client = browser();
    let response = app.try_login(&client, "coordinator", DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("pw_session="))
        .expect("a session cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert_eq!(app.get(&client, "/api/v1/me").await.status(), 200);

    let csrf = app.csrf(&client).await;
    let out = client.post(app.url("/logout")).form(&[("csrf", csrf)]).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&client, "/api/v1/me").await.status(), 401);
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong() {
    let app = spawn_app().await;
    let client = browser();
    let wrong_password = app.try_login(&client, "admin", "not-the-password").await;
    assert_eq!(wrong_password.status(), StatusCode::UNAUTHORIZED);
    let wrong_page = wrong_password.text().await.unwrap();
    let no_such_user = app.try_login(&client, "nobody-here", "whatever").await;
    assert_eq!(no_such_user.status(), StatusCode::UNAUTHORIZED);
    let unknown_page = no_such_user.text().await.unwrap();
    let message = "İstifadəçi adı və ya şifrə yanlışdır";
    assert!(wrong_page.contains(message) && unknown_page.contains(message));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = spawn_app().await;
    let client = browser();
    for _ in 0..5 {
        assert_eq!(app.try_login(&client, "analyst", "guess").await.status(), 401);
    }
    let locked = app.try_login(&client, "analyst", DEMO_PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(locked.headers().contains_key("retry-after"));
    // Other accounts are unaffected.
    app.login("media", DEMO_PASSWORD).await;
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_are_refused() {
    let app = spawn_app().await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let no_token =
        admin.post(app.url("/tokens")).form(&[("label", "x"), ("username", "partner")]).send().await.unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);

    let csrf = app.csrf(&admin).await;
    let cross_site = admin
        .post(app.url("/tokens"))
        .header("Origin", "https://evil.example")
        .form(&[("label", "x"), ("username", "partner"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let fetch_cross_site = admin
        .post(app.url("/tokens"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("label", "x"), ("username", "partner"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(fetch_cross_site.status(), StatusCode::FORBIDDEN);
    let tokens = storage::sessions::api_tokens(app.store.reads()).await.unwrap();
    assert!(tokens.iter().all(|t| t.label != "x"), "no refused form changed anything");

    // The sign-in form itself needs its token too.
    let stranger = browser();
    let login = stranger
        .post(app.url("/login"))
        .form(&[("username", "admin"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_disabled_account_loses_its_sessions_and_cannot_sign_in() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let id = app.user_id("observer").await;
    let response = app.post_form(&admin, &format!("/people/{id}/active"), &[("active", "0")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&observer, "/api/v1/me").await.status(), 401);
    assert_eq!(app.try_login(&browser(), "observer", DEMO_PASSWORD).await.status(), 401);
}

#[tokio::test]
async fn the_site_speaks_azerbaijani_first_and_switches_language_in_one_click() {
    let app = spawn_app().await;
    let client = browser();
    let home = app.get(&client, "/").await.text().await.unwrap();
    assert!(home.contains("lang=\"az\"") && home.contains("Seçki dairələri"));
    let switch = client.get(app.url("/language?to=ru")).header("Referer", app.url("/candidates")).send().await.unwrap();
    assert_eq!(switch.status(), StatusCode::SEE_OTHER);
    assert_eq!(switch.headers()["location"], "/candidates");
    let candidates = app.get(&client, "/candidates").await.text().await.unwrap();
    assert!(candidates.contains("Кандидаты") && candidates.contains("Ильхам Алиев"));
    client.get(app.url("/language?to=en")).send().await.unwrap();
    let candidates = app.get(&client, "/candidates").await.text().await.unwrap();
    assert!(candidates.contains("Candidates") && candidates.contains("Self-nominated"));
    assert_eq!(app.get(&client, "/language?to=xx").await.status(), 422);
}

#[tokio::test]
async fn the_observers_app_switches_language_and_comes_back_to_the_app() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let page = app.get(&observer, "/observe").await.text().await.unwrap();
    assert!(page.contains("<h1>Hesabatlar</h1>"));
    assert!(page.contains(r#"<form class="languages" method="post" action="/language">"#), "{page}");
    assert!(page.contains(r#"name="to" value="ru""#) && page.contains(r#"name="to" value="en""#));
    let csrf = app.csrf(&observer).await;
    let switch = observer
        .post(app.url("/language"))
        .header("Referer", app.url("/observe"))
        .form(&[("to", "ru"), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(switch.headers()["location"], "/observe");
    let page = app.get(&observer, "/observe").await.text().await.unwrap();
    assert!(page.contains("lang=\"ru\"") && page.contains("<h1>Отчёты</h1>"), "{page}");
}

#[tokio::test]
async fn people_change_their_own_password_and_the_old_one_stops_working() {
    let app = spawn_app().await;
    let client = app.login("media", DEMO_PASSWORD).await;
    let elsewhere = app.login("media", DEMO_PASSWORD).await;
    assert_eq!(app.get(&elsewhere, "/account").await.status(), 200);
    let too_short = app
        .post_form(&client, "/account/password", &[("current", DEMO_PASSWORD), ("new", "short")])
        .await
        .text()
        .await
        .unwrap();
    assert!(too_short.contains("ən azı 10 simvol"));
    let changed = app
        .post_form(&client, "/account/password", &[("current", DEMO_PASSWORD), ("new", "a much longer secret")])
        .await
        .text()
        .await
        .unwrap();
    assert!(changed.contains("Şifrəniz dəyişdirildi"));
    // Their other session (a stolen cookie, a phone left behind) is signed out; this one is not.
    let signed_out = app.get(&elsewhere, "/account").await;
    assert_eq!(signed_out.status(), 303);
    assert!(signed_out.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(app.get(&client, "/account").await.status(), 200);
    assert_eq!(app.try_login(&browser(), "media", DEMO_PASSWORD).await.status(), 401);
    app.login("media", "a much longer secret").await;
}

/// The API's JSON is never a page: it loads nothing, is framed nowhere and is kept in no
/// cache (an observer's reports must not stay in a seized phone's browser cache).
#[tokio::test]
async fn api_answers_carry_the_headers_for_json_and_are_never_cached() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    for path in ["/api/v1/submissions/mine", "/api/v1/audit"] {
        let response = observer.get(app.url(path)).send().await.unwrap();
        let headers = response.headers();
        assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
        assert_eq!(headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'", "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
    // A page keeps a page's policy.
    let page = app.get(&observer, "/observe").await;
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["referrer-policy"], "same-origin");
}

#[tokio::test]
async fn pages_carry_security_headers_and_escape_what_people_typed() {
    let app = spawn_app().await;
    let response = app.get(&browser(), "/constituencies?q=%3Cscript%3Ealert(1)%3C/script%3E").await;
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let page = response.text().await.unwrap();
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[tokio::test]
async fn signing_in_goes_back_only_to_a_path_of_this_site() {
    let app = spawn_app().await;
    for (next, expected) in [
        ("/people?q=a", "/people?q=a"),
        ("//evil.example/", "/"),
        ("/\t/evil.example/", "/"),
        ("/\n/evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("https://evil.example/", "/"),
    ] {
        let client = browser();
        let page = app.get(&client, "/login").await.text().await.unwrap();
        let response = client
            .post(app.url("/login"))
            .form(&[
                ("username", "coordinator"),
                ("password", DEMO_PASSWORD),
                ("csrf", &crate::helpers::csrf_in(&page)),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(response.headers()["location"], expected, "{next:?}");
    }
}

#[tokio::test]
async fn a_link_switches_only_the_pages_language_and_the_signed_in_switcher_keeps_it() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let id = app.user_id("observer").await;
    let kept = || async { storage::people::by_id(app.store.reads(), id).await.unwrap().unwrap().language };
    let before = kept().await;
    assert_ne!(before, "ru");
    // A link, which a page anywhere could have the browser follow: the cookie, nothing stored.
    let link = observer.get(app.url("/language?to=ru")).send().await.unwrap();
    assert_eq!(link.status(), StatusCode::SEE_OTHER);
    assert!(app.get(&observer, "/observe").await.text().await.unwrap().contains("<h1>Отчёты</h1>"));
    assert_eq!(kept().await, before);
    // The switcher's form without its token is refused; with it the choice is kept, for the
    // API and SMS replies on any device.
    let forged = observer.post(app.url("/language")).form(&[("to", "ru")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(kept().await, before);
    // The same person on another phone, whose session the server remembers with its language.
    let other_phone = app.login("observer", DEMO_PASSWORD).await;
    let app = &app;
    let me = || async { app.get(&other_phone, "/api/v1/me").await.json::<serde_json::Value>().await.unwrap() };
    assert_eq!(me().await["language"], before);
    assert_eq!(app.post_form(&observer, "/language", &[("to", "ru")]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(kept().await, "ru");
    assert_eq!(me().await["language"], "ru", "at once, not when the remembered identity expires");
    // Signed out there is no one to keep it for, even with the sign-in page's form token.
    let anonymous = browser();
    let login_page = app.get(&anonymous, "/login").await.text().await.unwrap();
    let token = crate::helpers::csrf_in(&login_page);
    let refused = anonymous.post(app.url("/language")).form(&[("to", "en"), ("csrf", &token)]).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn remembered_identities_are_forgotten_only_after_a_signed_in_persons_accepted_change() {
    let app = spawn_app().await;
    let observer = app.login("observer", DEMO_PASSWORD).await;
    let admin = app.login("admin", DEMO_PASSWORD).await;
    let id = app.user_id("observer").await;
    let coordinator = app.user_id("coordinator").await;
    assert_eq!(app.get(&observer, "/api/v1/me").await.status(), 200);
    // Deactivated behind the server's back (as the command line does): the server still
    // remembers the session, for up to half a minute.
    app.store.write(move |c| Box::pin(async move { storage::people::set_active(c, id, false).await })).await.unwrap();
    assert_eq!(app.get(&observer, "/api/v1/me").await.status(), 200);
    // Requests anyone can make must not empty the caches the election-day API leans on: a
    // failed sign-in, an anonymous form, a made-up session cookie, a language switched.
    assert_eq!(app.try_login(&browser(), "admin", "not the password").await.status(), 401);
    let stranger = browser();
    assert_eq!(stranger.post(app.url("/logout")).form(&[("csrf", "x")]).send().await.unwrap().status(), 403);
    let forged = stranger
        .post(app.url("/people/1/active"))
        .header("Cookie", "pw_session=made-up")
        .form(&[("active", "1"), ("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert!(forged.status().is_client_error(), "{}", forged.status());
    assert_eq!(app.post_form(&admin, "/language", &[("to", "en")]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&observer, "/api/v1/me").await.status(), 200, "still remembered");
    // A signed-in person's accepted change (here one that changes nothing): everyone is
    // looked up afresh, and the deactivated observer is out.
    let accepted = app.post_form(&admin, &format!("/people/{coordinator}/active"), &[("active", "1")]).await;
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&observer, "/api/v1/me").await.status(), 401);
}

#[tokio::test]
async fn an_observer_signing_in_at_the_front_door_lands_in_the_reporting_app_and_can_sign_out_there() {
    let app = spawn_app().await;
    let phone = browser();
    let response = app.try_login(&phone, "observer", DEMO_PASSWORD).await;
    assert_eq!(response.headers()["location"], "/observe");
    let page = app.get(&phone, "/observe").await.text().await.unwrap();
    assert!(page.contains(r#"<form id="sign-out" method="post" action="/logout">"#), "{page}");
    // Anyone else lands where they were going.
    let laptop = browser();
    assert_eq!(app.try_login(&laptop, "coordinator", DEMO_PASSWORD).await.headers()["location"], "/");
}
