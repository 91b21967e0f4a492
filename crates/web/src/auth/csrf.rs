//! Cross-site request forgery defences, two layers deep:
//! 1. `CsrfGuard` refuses state-changing browser requests whose `Origin` or
//!    `Sec-Fetch-Site` shows they came from another site (SameSite=Lax cookies are the third),
//!    and API writes from a browser session without the session's token.
//! 2. `CsrfForm` requires every form to echo the session's secret token.

use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::{BoxFuture, Either};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth::caller::{Caller, language_before_identity};
use crate::auth::secrets::same_secret;
use crate::error::AppError;
use crate::state::AppState;

/// The first layer as a service around the whole application, with the API's own rule
/// (below) in the same place. A request that cannot be forged (a safe method, or one that
/// carries a bearer token, which no browser adds on its own) passes straight to the
/// application with nothing boxed or extracted: that is every observer device's report.
/// (As two `from_fn` layers, the API's wrapping each of its routes, these cost ~5 % of an
/// API request's CPU.)
#[derive(Clone)]
pub struct CsrfGuard<S> {
    state: AppState,
    inner: S,
}

impl<S> CsrfGuard<S> {
    pub fn layer(state: AppState) -> impl tower::Layer<S, Service = CsrfGuard<S>> + Clone {
        tower::layer::layer_fn(move |inner| CsrfGuard { state: state.clone(), inner })
    }
}

impl<S> tower::Service<Request> for CsrfGuard<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, Infallible>>>;

    fn poll_ready(&mut self, context: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        // Bearer-token calls carry no ambient credential, so they cannot be forged cross-site.
        if safe || request.headers().contains_key(header::AUTHORIZATION) {
            return Either::Left(self.inner.call(request));
        }
        // The service made ready is the one to call; a clone stays for the next request.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let state = self.state.clone();
        Either::Right(Box::pin(async move {
            if !is_same_origin(&request) {
                return Ok(AppError::Csrf(language_before_identity(request.headers())).into_response());
            }
            let request = if crate::api::is_api(request.uri().path()) {
                match session_token_checked(&state, request).await {
                    Ok(request) => request,
                    Err(refusal) => return Ok(refusal),
                }
            } else {
                request
            };
            inner.call(request).await
        }))
    }
}

fn is_same_origin(request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or("");
            let origin_host = origin.split("://").nth(1).unwrap_or("");
            origin != "null" && origin_host == host.to_str().unwrap_or("-")
        }
        (Some(_), None) => false,
        // Old browsers and non-browser clients send no Origin; the form token still applies.
        (None, _) => true,
    }
}

#[derive(Deserialize)]
struct TokenField {
    #[serde(default)]
    csrf: String,
}

/// A form whose only field is its CSRF token (buttons such as "sign out" or "revoke").
#[derive(Deserialize)]
pub struct NoFields {}

/// A URL-encoded form whose `csrf` field must match the caller's form token.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(request: Request<Body>, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let caller = Caller::from_request_parts(&mut parts, state).await?;
        let bytes = axum::body::to_bytes(body, 1024 * 1024).await.map_err(|_| AppError::TooLarge)?;
        let field: TokenField =
            serde_urlencoded::from_bytes(&bytes).map_err(|e| AppError::BadRequest(e.to_string()))?;
        check_token(&caller, &field.csrf)?;
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| AppError::BadRequest(e.to_string()))?;
        Ok(CsrfForm(form))
    }
}

/// Checks a form token sent some other way (e.g. a multipart field).
pub fn check_token(caller: &Caller, sent: &str) -> Result<(), AppError> {
    let expected = caller.form_token();
    if expected.is_empty() || !same_secret(&expected, sent) {
        return Err(AppError::Csrf(caller.language));
    }
    Ok(())
}

/// API writes from a browser session must carry the session's token in `X-CSRF-Token`
/// (the observer app reads it from its page). Token-authenticated calls need none (they never
/// come here).
async fn session_token_checked(state: &AppState, request: Request) -> Result<Request, Response> {
    let (mut parts, body) = request.into_parts();
    let caller = Caller::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
    if caller.session.is_some() {
        let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
        check_token(&caller, sent).map_err(IntoResponse::into_response)?;
    }
    Ok(Request::from_parts(parts, body))
}
