//! Signing in and out, and choosing the language.

use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use maud::html;
use serde::Deserialize;
use std::net::SocketAddr;

use domain::audit::ChangeAuthor;
use domain::language::Language;
use domain::roles::Role;
use storage::audit::{self, Change};
use storage::{now_millis, people, sessions};

use crate::auth::caller::{LANGUAGE_COOKIE, PRE_SESSION_CSRF_COOKIE, SESSION_COOKIE};
use crate::auth::csrf::check_token;
use crate::auth::secrets::{hash_token, random_token};
use crate::auth::{Caller, password};
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::pages::layout::{csrf_field, notice_error, page};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only same-site paths, so a crafted link cannot bounce a signed-in user elsewhere. Browsers
/// drop tabs and line breaks from a URL, so `/<tab>/evil.example` would become
/// `//evil.example`: any control character or space refuses the path.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            path
        }
        _ => "/",
    }
}

fn cookie(state: &AppState, name: &'static str, value: String, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .max_age(time::Duration::seconds(max_age_secs))
        .build()
}

pub async fn login_form(
    State(state): State<AppState>,
    caller: Caller,
    jar: CookieJar,
    Checked(Query(query)): Checked<Query<NextQuery>>,
) -> Response {
    let (jar, token) = match &caller.pre_session_csrf {
        Some(token) => (jar, token.clone()),
        None => {
            let token = random_token();
            (jar.add(cookie(&state, PRE_SESSION_CSRF_COOKIE, token.clone(), 3600)), token)
        }
    };
    let caller = Caller { pre_session_csrf: Some(token), ..caller };
    (jar, login_page(&caller, query.next.as_deref(), None, "")).into_response()
}

fn login_page(caller: &Caller, next: Option<&str>, error: Option<&str>, username: &str) -> Response {
    let lang = caller.language;
    page(
        caller,
        &t(lang, "sign-in-title"),
        html! {
            div.login.stack {
                h1 { (t(lang, "sign-in-title")) }
                @if let Some(error) = error { (notice_error(error)) }
                form method="post" action="/login" .stack {
                    (csrf_field(caller))
                    input type="hidden" name="next" value=(safe_next(next));
                    div { label for="username" { (t(lang, "field-username")) }
                          input #username name="username" autocomplete="username" autocapitalize="none" required value=(username); }
                    div { label for="password" { (t(lang, "field-password")) }
                          input #password name="password" type="password" autocomplete="current-password" required; }
                    button type="submit" { (t(lang, "sign-in-button")) }
                }
                p.muted { (t(lang, "sign-in-help")) }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// The client's address: the socket peer, or the trusted proxy's header when configured.
pub fn client_address(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
    state
        .config
        .trusted_proxy_header
        .as_deref()
        .and_then(|name| headers.get(name))
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(',').next())
        .map(|ip| ip.trim().to_string())
        .unwrap_or_else(|| peer.ip().to_string())
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    caller: Caller,
    jar: CookieJar,
    axum::Form(form): axum::Form<LoginForm>,
) -> AppResult<Response> {
    check_token(&caller, &form.csrf)?;
    let lang = caller.language;
    let address = client_address(&state, &headers, peer);
    let username = form.username.trim().to_ascii_lowercase();
    if let Some(wait) = state.throttle.blocked_for(&username, &address) {
        return Err(AppError::TooManyRequests { retry_after_secs: wait });
    }
    let credentials = people::credentials(state.store.reads(), &username).await?;
    let stored_hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let password_ok = password::verify(form.password, stored_hash).await;
    let user_id = match credentials {
        Some(c) if password_ok && c.active => c.user_id,
        _ => {
            state.throttle.record_failure(&username, &address);
            tracing::info!(%address, "failed sign-in");
            let mut response = login_page(&caller, form.next.as_deref(), Some(&t(lang, "sign-in-failed")), &username);
            *response.status_mut() = axum::http::StatusCode::UNAUTHORIZED;
            return Ok(response);
        }
    };
    state.throttle.record_success(&username);

    let token = random_token();
    let csrf_token = random_token();
    let now = now_millis();
    let expires_at = now + state.config.session_hours * 3_600_000;
    let token_hash = hash_token(&token);
    state
        .store
        .write(move |connection| {
            Box::pin(async move {
                sessions::create_session(connection, &token_hash, user_id, &csrf_token, now, expires_at).await?;
                let author = ChangeAuthor::user(user_id, domain::audit::Channel::Web);
                let change = Change {
                    action: "session.sign_in",
                    entity: "person",
                    entity_id: user_id.to_string(),
                    details: serde_json::json!({ "address": address }),
                };
                audit::record(connection, &author, change, now).await
            })
        })
        .await?;
    let jar = jar
        .add(cookie(&state, SESSION_COOKIE, token, state.config.session_hours * 3600))
        .remove(Cookie::build(PRE_SESSION_CSRF_COOKIE).path("/"));
    // An observer signing in from the front door wants the reporting app, not the statistics.
    let next = match safe_next(form.next.as_deref()) {
        "/" if people::by_id(state.store.reads(), user_id).await?.is_some_and(|p| p.role == Role::Observer) => {
            "/observe"
        }
        next => next,
    };
    Ok((jar, Redirect::to(next)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    jar: CookieJar,
    crate::auth::CsrfForm(_form): crate::auth::CsrfForm<crate::auth::csrf::NoFields>,
) -> AppResult<Response> {
    if let Some(session) = caller.session.clone() {
        state
            .store
            .write(move |connection| {
                Box::pin(async move { sessions::delete_session(connection, &session.token_hash).await })
            })
            .await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/")).into_response())
}

#[derive(Deserialize)]
pub struct LanguageQuery {
    to: String,
}

/// Sets the language cookie and returns to the page the person came from. A link anyone may
/// follow, signed in or not, so it changes nothing stored: a page elsewhere linking to it can
/// at most switch the reader's language.
pub async fn choose_language(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Checked(Query(query)): Checked<Query<LanguageQuery>>,
) -> AppResult<Response> {
    let language = parse_language(&query.to)?;
    Ok(switched_to(&state, language, &headers, jar))
}

/// A signed-in person's choice (the switcher's form): also kept as their language, in which
/// the API and SMS replies answer them on every device. Only their own remembered identity is
/// forgotten; nobody's rights changed.
pub async fn keep_language(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    jar: CookieJar,
    crate::auth::CsrfForm(choice): crate::auth::CsrfForm<LanguageQuery>,
) -> AppResult<Response> {
    let language = parse_language(&choice.to)?;
    let user_id = caller.actor()?.user_id;
    state
        .store
        .write(move |connection| {
            Box::pin(async move { people::set_language(connection, user_id, language.code()).await })
        })
        .await?;
    state.identities.forget_person(user_id);
    state.senders.forget_observer(user_id);
    Ok(switched_to(&state, language, &headers, jar))
}

fn parse_language(code: &str) -> AppResult<Language> {
    Language::parse(code).ok_or_else(|| AppError::BadRequest("language must be az, en or ru".into()))
}

/// The language cookie set, back to the page the switch was made on.
fn switched_to(state: &AppState, language: Language, headers: &HeaderMap, jar: CookieJar) -> Response {
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()));
    let jar = jar.add(cookie(state, LANGUAGE_COOKIE, language.code().into(), 365 * 24 * 3600));
    (jar, Redirect::to(safe_next(back.as_deref()))).into_response()
}
