//! `Checked<Query<T>>` and `Checked<Path<T>>`: a query string or path read as axum reads it,
//! refused like every other error — as `AppError`, so JSON from the API and a page from the
//! pages, in the caller's language, with the parser's words on what is wrong where (`page:
//! invalid digit found in string`), where axum answers plain English text.
//!
//! `explain` is the one place a refused request becomes that error; `api::json_body` uses it
//! for bodies too.
//!
//! utoipa cannot see the `Query` inside `Checked`, so the API's query structs say that they
//! are queries (`#[into_params(parameter_in = Query)]`).

use axum::extract::FromRequestParts;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::request::Parts;
use axum::http::{Extensions, StatusCode};

use domain::language::Language;

use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::t;

pub struct Checked<E>(pub E);

/// A rejection explained to the caller: its status, the message saying which part of the
/// request is at fault, and what to say when the parser kept no words of its own.
pub trait Explained: std::error::Error {
    fn status(&self) -> StatusCode;
    fn what(&self) -> &'static str;
    /// `None`: the message alone says it.
    fn fallback_detail(&self) -> Option<String>;
}

/// Query strings and paths: axum's text stands in for the parser's words.
macro_rules! explained_with_body_text {
    ($($rejection:ty => $what:literal),+) => {$(
        impl Explained for $rejection {
            fn status(&self) -> StatusCode {
                <$rejection>::status(self)
            }
            fn what(&self) -> &'static str {
                $what
            }
            fn fallback_detail(&self) -> Option<String> {
                Some(self.body_text())
            }
        }
    )+};
}

explained_with_body_text!(QueryRejection => "query-unreadable", PathRejection => "path-unreadable");

impl Explained for JsonRejection {
    fn status(&self) -> StatusCode {
        JsonRejection::status(self)
    }
    fn what(&self) -> &'static str {
        match self {
            JsonRejection::JsonSyntaxError(_) => "body-not-json",
            JsonRejection::JsonDataError(_) => "body-not-its-shape",
            JsonRejection::MissingJsonContentType(_) => "body-not-said-json",
            _ if self.status() == StatusCode::PAYLOAD_TOO_LARGE => "body-too-large",
            _ => "body-unreadable",
        }
    }
    fn fallback_detail(&self) -> Option<String> {
        None
    }
}

/// The caller's language: handlers take the caller before what they read of the request, so
/// it is known by the time that is refused.
pub(crate) fn caller_language(extensions: &Extensions) -> Language {
    extensions.get::<Caller>().map(|caller| caller.language).unwrap_or_default()
}

/// What axum refused, with axum's status, in the caller's language, followed by the parser's
/// own words on the field and place at fault (serde speaks only English).
pub(crate) fn explain(rejection: &impl Explained, language: Language) -> AppError {
    let detail = std::error::Error::source(rejection).map(ToString::to_string).or_else(|| rejection.fallback_detail());
    let message = match detail {
        Some(detail) => format!("{}: {detail}", t(language, rejection.what())),
        None => t(language, rejection.what()),
    };
    AppError::Unreadable { status: rejection.status(), message }
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
            Err(rejection) => Err(explain(&rejection, caller_language(&parts.extensions))),
        }
    }
}

/// A parameter a form sends empty when its choice is left at "—": no value, rather than a
/// number that cannot be read (`#[serde(default, deserialize_with = "…")]`).
pub fn empty_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = serde::Deserialize::deserialize(deserializer)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(serde::de::Error::custom),
    }
}
