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
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::checked::{caller_language, explain};
use crate::error::AppError;

pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let language = caller_language(request.extensions());
        if !plain_json(&request) {
            // Anything else (a missing or unusual content type) is left to axum to judge.
            return match axum::Json::<T>::from_request(request, state).await {
                Ok(axum::Json(value)) => Ok(JsonBody(value)),
                Err(rejection) => Err(explain(&rejection, language)),
            };
        }
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| explain(&JsonRejection::BytesRejection(rejection), language))?;
        match serde_json::from_slice(&body) {
            Ok(value) => Ok(JsonBody(value)),
            Err(_) => match axum::Json::<T>::from_bytes(&body) {
                Ok(axum::Json(value)) => Ok(JsonBody(value)),
                Err(rejection) => Err(explain(&rejection, language)),
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
