//! The HTML pages. Each module is one area of the site; `routes` lists them all.

pub mod account;
pub mod answers;
pub mod audit;
pub mod conflicts;
pub mod coverage;
pub mod exports;
pub mod forms;
pub mod home;
pub mod imports;
pub mod incidents;
pub mod layout;
pub mod observe;
pub mod people;
pub mod problems;
pub mod reference;
pub mod session;
pub mod sms;
pub mod sms_card;
pub mod tokens;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use maud::html;

use domain::language::Language;

use crate::auth::Caller;
use crate::auth::caller::{LANGUAGE_COOKIE, Via};
use crate::error::AppError;
use crate::i18n::t;
use crate::state::AppState;

pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/language", get(session::choose_language).post(session::keep_language))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route("/constituencies", get(reference::constituencies))
        .route("/constituencies/{number}", get(reference::constituency))
        .route("/stations", get(reference::stations))
        .route("/candidates", get(reference::candidates))
        .route("/organisations", get(reference::organisations))
        .route("/people", get(people::list).post(people::create))
        .route("/people/new", get(people::new_form))
        .route("/people/{id}", get(people::show).post(people::update))
        .route("/people/{id}/password", post(people::reset_password))
        .route("/people/{id}/active", post(people::set_active))
        .route("/people/{id}/sms-card", get(sms_card::card))
        .route("/imports", get(imports::start).post(imports::upload))
        .route("/imports/{id}", get(imports::review).post(imports::run))
        .route("/exports", get(exports::index))
        .route("/exports/{file}", get(exports::download))
        .route("/audit", get(audit::list))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
        .route("/observe", get(observe::app))
        .route("/forms", get(forms::list).post(forms::load))
        .route("/coverage", get(coverage::dashboard))
        .route("/coverage/missing", get(coverage::missing))
        .route("/coverage/{number}", get(coverage::constituency))
        .route("/incidents", get(incidents::list))
        .route("/incidents/{id}", get(incidents::show).post(incidents::change))
        .route("/conflicts", get(conflicts::list))
        .route("/conflicts/{id}", post(conflicts::resolve_form))
        .route("/sms", get(sms::log))
        .route("/sms/{id}/reprocess", post(sms::reprocess))
        // Any other address: a page saying so, in the reader's language.
        .fallback(|| async { AppError::NotFound })
        .layer(axum::middleware::from_fn_with_state(state, render_error_pages))
}

/// Every change made through the pages (people, passwords, sign-outs, tokens, imports) can
/// change who may do what and which stations exist: forget what is remembered of both after
/// it, and end the live streams of those whose rights may have changed. Only a signed-in
/// person's accepted change counts: a failed sign-in or an anonymous visitor's request changes
/// nothing, and must not be a way to empty the caches the election-day API leans on, over and
/// over.
pub async fn forget_identities(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let may_change = request.method() != Method::GET;
    // Who asks, as the handler will see them (the extractor keeps it in the request): a
    // cookie that merely looks like a session's must not count.
    let (mut parts, body) = request.into_parts();
    let signed_in = match may_change {
        true => Caller::from_request_parts(&mut parts, &state).await.ok().and_then(|c| c.actor.map(|a| a.user_id)),
        false => None,
    };
    let request = Request::from_parts(parts, body);
    let Some(user_id) = signed_in else { return next.run(request).await };
    let reach = ChangeReach::of(&path, user_id);
    // A change committed and then dropped (the browser gone before the answer) still counts.
    let mut unanswered = UnansweredChange { state: &state, reach: Some(reach) };
    let response = next.run(request).await;
    let accepted = response.status().is_success() || response.status().is_redirection();
    let reach = unanswered.reach.take();
    if accepted && let Some(reach) = reach {
        reach.forget(&state);
    }
    response
}

/// Whose rights a change made through the pages may touch.
#[derive(Debug, Clone, Copy)]
enum ChangeReach {
    /// Steps on reports (incidents, disagreements, SMS, forms), every few seconds on election
    /// day: none of what a person's rights are built from (accounts, deployments, areas).
    Nobody,
    /// A language chosen: one person's preference (its handler forgets them itself).
    Preference,
    /// A sign-out or a password of one's own (which ends one's other sessions).
    Person(i64),
    /// Anything else: people, tokens, imports.
    Anyone,
}

impl ChangeReach {
    fn of(path: &str, user_id: i64) -> ChangeReach {
        match path {
            "/language" => ChangeReach::Preference,
            "/logout" | "/account/password" => ChangeReach::Person(user_id),
            _ if ["/incidents/", "/conflicts/", "/sms/", "/forms"].iter().any(|p| path.starts_with(p)) => {
                ChangeReach::Nobody
            }
            _ => ChangeReach::Anyone,
        }
    }

    fn forget(self, state: &AppState) {
        match self {
            ChangeReach::Nobody | ChangeReach::Preference => {}
            ChangeReach::Person(user_id) => {
                state.identities.person_rights_changed(user_id);
                state.senders.forget_observer(user_id);
            }
            ChangeReach::Anyone => {
                state.identities.rights_changed();
                state.stations.clear();
                state.senders.clear();
            }
        }
    }
}

/// A change whose request ended before its answer (the handler's future dropped): it may have
/// been committed, so what it may touch is forgotten all the same.
struct UnansweredChange<'a> {
    state: &'a AppState,
    reach: Option<ChangeReach>,
}

impl Drop for UnansweredChange<'_> {
    fn drop(&mut self) {
        if let Some(reach) = self.reach.take() {
            reach.forget(self.state);
        }
    }
}

/// Turns error responses of page routes into pages in the reader's language; a page that
/// needs a signed-in person sends an anonymous visitor to sign in and back.
async fn render_error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let target = request.uri().path_and_query().map(|p| p.to_string()).unwrap_or_else(|| "/".into());
    let is_get = request.method() == Method::GET;
    // Who asks, found once: the handler takes it from the request, and an error page still
    // shows them signed in.
    let (mut parts, body) = request.into_parts();
    let caller = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(caller) => caller,
        Err(_) => {
            let jar = CookieJar::from_headers(&parts.headers);
            let language = jar.get(LANGUAGE_COOKIE).and_then(|c| Language::parse(c.value())).unwrap_or_default();
            Caller { actor: None, person: None, session: None, language, via: Via::Anonymous, pre_session_csrf: None }
        }
    };
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(error) = response.extensions().get::<AppError>().cloned() else { return response };
    if matches!(error, AppError::Unauthenticated) && is_get {
        return Redirect::to(&format!("/login?next={}", layout::query_value(&target))).into_response();
    }
    let language = caller.language;
    let title = error.title_in(language);
    let detail = match &error {
        AppError::BadRequest(text) | AppError::Conflict(text) | AppError::Refused(text) => Some(text.clone()),
        AppError::Unreadable { message, .. } => Some(message.clone()),
        AppError::InvalidAnswers { message, .. } => Some(message.clone()),
        _ => None,
    };
    let mut page = layout::page(
        &caller,
        &title,
        html! {
            h1 { (title) }
            @if let Some(detail) = detail { p { (detail) } }
            p { a href="/" { (t(language, "back-home")) } }
        },
    );
    *page.status_mut() = error.status();
    if let Some(retry) = response.headers().get(axum::http::header::RETRY_AFTER) {
        page.headers_mut().insert(axum::http::header::RETRY_AFTER, retry.clone());
    }
    page
}
