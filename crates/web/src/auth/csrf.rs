//! Cross-site request forgery defences, two layers deep:
//! 1. `same_origin_guard` refuses state-changing browser requests whose `Origin` or
//!    `Sec-Fetch-Site` shows they came from another site (SameSite=Lax cookies are the third).
//! 2. `CsrfForm` requires every form to echo the session's secret token.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth::caller::Caller;
use crate::auth::secrets::same_secret;
use crate::error::AppError;
use crate::state::AppState;

pub async fn same_origin_guard(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // Bearer-token calls carry no ambient credential, so they cannot be forged cross-site.
    let bearer = request.headers().contains_key(header::AUTHORIZATION);
    if !safe && !bearer && !is_same_origin(&request) {
        return AppError::Csrf.into_response();
    }
    next.run(request).await
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
        return Err(AppError::Csrf);
    }
    Ok(())
}

/// API writes from a browser session must carry the session's token in `X-CSRF-Token`
/// (the observer app reads it from its page). Token-authenticated calls need none.
pub async fn api_token_guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || request.headers().contains_key(header::AUTHORIZATION) {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let caller = match Caller::from_request_parts(&mut parts, &state).await {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    if caller.session.is_some() {
        let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
        if let Err(error) = check_token(&caller, sent) {
            return error.into_response();
        }
    }
    next.run(Request::from_parts(parts, body)).await
}
