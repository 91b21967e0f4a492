//! `JsonBody`: a JSON request body, read as `axum::Json` reads it, with two differences.
//!
//! - A body that cannot be read is answered like every other error: JSON (`AppError`), said in
//!   the caller's language, with the parser's words on what is wrong where (`answers: invalid
//!   type: …`). `axum::Json` answers plain English text, which a volunteer's app cannot show.
//! - A well-formed body costs less. `axum::Json` deserialises through `serde_path_to_error`,
//!   which copies every key it passes (15 string copies for one report); here a well-formed
//!   body is read by serde_json directly, and only a body that fails is read again by
//!   `axum::Json`, for the path to the bad field.

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use domain::language::Language;

use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::t;

pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        // Handlers take the caller before the body, so its language is known by now.
        let language = request.extensions().get::<Caller>().map(|caller| caller.language).unwrap_or_default();
        if !plain_json(&request) {
            // Anything else (a missing or unusual content type) is left to axum to judge.
            return match axum::Json::<T>::from_request(request, state).await {
                Ok(axum::Json(value)) => Ok(JsonBody(value)),
                Err(rejection) => Err(unreadable(&rejection, language)),
            };
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| unreadable(&JsonRejection::BytesRejection(rejection), language))?;
        match serde_json::from_slice(&body) {
            Ok(value) => Ok(JsonBody(value)),
            Err(_) => match axum::Json::<T>::from_bytes(&body) {
                Ok(axum::Json(value)) => Ok(JsonBody(value)),
                Err(rejection) => Err(unreadable(&rejection, language)),
            },
        }
    }
}

/// `application/json`, with or without parameters: the content type `axum::Json` accepts
/// first (it also takes `application/*+json`, which goes its way).
fn plain_json(request: &Request) -> bool {
    let Some(value) = request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    value.split(';').next().is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// What axum refused, with axum's status, in the caller's language.
fn unreadable(rejection: &JsonRejection, language: Language) -> AppError {
    let status = rejection.status();
    let what = match rejection {
        JsonRejection::JsonSyntaxError(_) => "body-not-json",
        JsonRejection::JsonDataError(_) => "body-not-its-shape",
        JsonRejection::MissingJsonContentType(_) => "body-not-said-json",
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => "body-too-large",
        _ => "body-unreadable",
    };
    // The parser's own words: the field and place at fault. serde speaks only English.
    let message = match std::error::Error::source(rejection) {
        Some(detail) => format!("{}: {detail}", t(language, what)),
        None => t(language, what),
    };
    AppError::Unreadable { status, message }
}
