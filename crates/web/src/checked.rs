//! `Checked<Query<T>>` and `Checked<Path<T>>`: a query string or path read as axum reads it,
//! refused like every other error — as `AppError`, so JSON from the API and a page from the
//! pages, in the caller's language, with the parser's words on what is wrong where (`page:
//! invalid digit found in string`), where axum answers plain English text.
//!
//! utoipa cannot see the `Query` inside `Checked`, so the API's query structs say that they
//! are queries (`#[into_params(parameter_in = Query)]`).

use axum::extract::FromRequestParts;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::t;

pub struct Checked<E>(pub E);

/// A rejection explained to the caller: its status, the message saying which part of the
/// request is at fault, and what the parser said.
pub trait Explained: std::error::Error {
    fn status(&self) -> StatusCode;
    fn what(&self) -> &'static str;
    fn body_text(&self) -> String;
}

impl Explained for QueryRejection {
    fn status(&self) -> StatusCode {
        QueryRejection::status(self)
    }
    fn what(&self) -> &'static str {
        "query-unreadable"
    }
    fn body_text(&self) -> String {
        QueryRejection::body_text(self)
    }
}

impl Explained for PathRejection {
    fn status(&self) -> StatusCode {
        PathRejection::status(self)
    }
    fn what(&self) -> &'static str {
        "path-unreadable"
    }
    fn body_text(&self) -> String {
        PathRejection::body_text(self)
    }
}

impl<S, E> FromRequestParts<S> for Checked<E>
where
    S: Send + Sync,
    E: FromRequestParts<S>,
    E::Rejection: Explained,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match E::from_request_parts(parts, state).await {
            Ok(value) => Ok(Checked(value)),
            Err(rejection) => {
                // Handlers take the caller first, so its language is known by now.
                let language = parts.extensions.get::<Caller>().map(|caller| caller.language).unwrap_or_default();
                // The parser's own words (axum's text when it kept none), in English.
                let detail =
                    std::error::Error::source(&rejection).map_or_else(|| rejection.body_text(), ToString::to_string);
                let message = format!("{}: {detail}", t(language, rejection.what()));
                Err(AppError::Unreadable { status: rejection.status(), message })
            }
        }
    }
}
