//! The API's plain refusals (401, 403, 404, 405, 413, 429, 500) said in the caller's language.
//!
//! Handlers refuse with `AppError::Forbidden` and the like from wherever they stand, most of
//! them knowing nothing of the caller's language; an error with its own message (invalid
//! answers, a conflict, a stale token) is already in it. This layer, around the API only,
//! keeps the three headers that decide the language (cheap clones of the received bytes) and,
//! only when an answer is such a refusal, finds the caller's language again and rewrites its
//! message. An accepted report pays for no lookup, no box and no parse.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use futures_util::future::BoxFuture;

use crate::auth::caller::language_of;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Clone)]
pub struct LocalizedRefusals<S> {
    state: AppState,
    inner: S,
}

impl<S> LocalizedRefusals<S> {
    pub fn layer(state: AppState) -> impl tower::Layer<S, Service = LocalizedRefusals<S>> + Clone {
        tower::layer::layer_fn(move |inner| LocalizedRefusals { state: state.clone(), inner })
    }
}

/// What the caller's language is decided by: their credentials, their cookies (one header:
/// the server speaks HTTP/1.1, where a browser sends no more) and `Accept-Language`.
struct LanguageHeaders([Option<HeaderValue>; 3]);

const LANGUAGE_HEADERS: [header::HeaderName; 3] = [header::AUTHORIZATION, header::COOKIE, header::ACCEPT_LANGUAGE];

impl LanguageHeaders {
    fn of(headers: &HeaderMap) -> Self {
        LanguageHeaders(LANGUAGE_HEADERS.map(|name| headers.get(name).cloned()))
    }

    fn into_map(self) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in LANGUAGE_HEADERS.into_iter().zip(self.0) {
            if let Some(value) = value {
                map.insert(name, value);
            }
        }
        map
    }
}

impl<S> tower::Service<Request> for LocalizedRefusals<S>
where
    S: tower::Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Localized<S::Future>;

    fn poll_ready(&mut self, context: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(context)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let asked = crate::api::is_api(request.uri().path())
            .then(|| (LanguageHeaders::of(request.headers()), self.state.clone()));
        Localized::Answering { inner: self.inner.call(request), asked }
    }
}

pin_project_lite::pin_project! {
    /// The inner answer, then (for a plain refusal only) its message rewritten.
    #[project = LocalizedProjection]
    pub enum Localized<F> {
        Answering { #[pin] inner: F, asked: Option<(LanguageHeaders, AppState)> },
        Rewriting { rewrite: BoxFuture<'static, Response> },
    }
}

impl<F> Future for Localized<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let rewrite = match self.as_mut().project() {
                LocalizedProjection::Answering { inner, asked } => {
                    let Ok(response) = ready!(inner.poll(context));
                    let plain = response.extensions().get::<AppError>().filter(|error| error.is_plain()).cloned();
                    match (asked.take(), plain) {
                        (Some((headers, state)), Some(error)) => {
                            Box::pin(in_callers_language(response, error, headers, state))
                        }
                        _ => return Poll::Ready(Ok(response)),
                    }
                }
                LocalizedProjection::Rewriting { rewrite } => return rewrite.as_mut().poll(context).map(Ok),
            };
            self.set(Localized::Rewriting { rewrite });
        }
    }
}

async fn in_callers_language(
    mut response: Response,
    error: AppError,
    headers: LanguageHeaders,
    state: AppState,
) -> Response {
    let language = language_of(headers.into_map(), &state).await;
    *response.body_mut() = Body::from(error.body_in(language));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response
}
