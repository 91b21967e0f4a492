//! `JsonBody`: a JSON request body read as `axum::Json` reads it, minus the cost of naming the
//! field at fault when there is none. `axum::Json` deserialises through `serde_path_to_error`,
//! which copies every key it passes (15 string copies for one report); here a well-formed
//! body is read by serde_json directly, and only a body that fails is read again by
//! `axum::Json`, so a caller gets the same answer, with the path to the bad field, as before.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !plain_json(&request) {
            // Anything else (a missing or unusual content type) is left to axum to answer.
            let axum::Json(value) =
                axum::Json::<T>::from_request(request, state).await.map_err(IntoResponse::into_response)?;
            return Ok(JsonBody(value));
        }
        let body = Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        match serde_json::from_slice(&body) {
            Ok(value) => Ok(JsonBody(value)),
            Err(_) => match axum::Json::<T>::from_bytes(&body) {
                Ok(axum::Json(value)) => Ok(JsonBody(value)),
                Err(rejection) => Err(rejection.into_response()),
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
