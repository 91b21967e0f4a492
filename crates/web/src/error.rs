//! The one place errors become HTTP responses. Handlers return `AppError`; it answers as JSON
//! and marks the response so that the page layer re-renders it as a localized HTML page
//! (or a redirect to sign in) for browser routes.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::language::Language;
use serde::Serialize;
use storage::StorageError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("you may not do this")]
    Forbidden,
    /// Refused for a reason the caller can act on, said in their language (e.g. a station
    /// an observer is not deployed to).
    #[error("{0}")]
    Refused(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    /// Answers that do not fit their form: each problem with its question, in the reader's language.
    #[error("{message}")]
    InvalidAnswers { message: String, fields: Vec<FieldMessage> },
    #[error("{0}")]
    Conflict(String),
    /// A request that cannot be read as the route takes it: its body (not JSON, not said to be
    /// JSON, too large, or not its shape), query string or path; said in the caller's language
    /// with the parser's detail.
    #[error("{message}")]
    Unreadable { status: StatusCode, message: String },
    /// A write from a form or page that is stale or from another site; said in the caller's
    /// language (known from their session, or from the request's cookie and headers).
    #[error("{}", crate::i18n::t(*.0, "error-csrf"))]
    Csrf(Language),
    /// The path exists, not with this method.
    #[error("this address does not take this method")]
    MethodNotAllowed,
    #[error("too many attempts; wait {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("the upload is too large")]
    TooLarge,
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Refused(_) | AppError::Csrf(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) | AppError::InvalidAnswers { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unreadable { status, .. } => *status,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable code for clients and for picking the translated message.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden | AppError::Refused(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::BadRequest(_) | AppError::InvalidAnswers { .. } => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::Unreadable { .. } => "unreadable",
            AppError::Csrf(_) => "csrf",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::TooLarge => "too_large",
            AppError::Internal(_) => "internal",
        }
    }

    /// A refusal that says nothing of its own, only what kind it is: its message can be said
    /// in any language from its code alone.
    pub fn is_plain(&self) -> bool {
        matches!(
            self,
            AppError::Unauthenticated
                | AppError::Forbidden
                | AppError::NotFound
                | AppError::MethodNotAllowed
                | AppError::TooManyRequests { .. }
                | AppError::TooLarge
                | AppError::Internal(_)
        )
    }

    /// What kind of error this is, in `language` (a page's title; a plain refusal's message).
    pub fn title_in(&self, language: Language) -> String {
        crate::i18n::t(language, &format!("error-{}", self.code()))
    }

    /// The JSON body of this error with a plain refusal's message in `language`.
    pub fn body_in(&self, language: Language) -> Vec<u8> {
        let message = if self.is_plain() { self.title_in(language) } else { self.to_string() };
        let body = ErrorBody { error: self.code(), message, fields: self.fields() };
        serde_json::to_vec(&body).unwrap_or_default()
    }

    fn fields(&self) -> Vec<FieldMessage> {
        match self {
            AppError::InvalidAnswers { fields, .. } => fields.clone(),
            _ => Vec::new(),
        }
    }
}

impl From<StorageError> for AppError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => AppError::NotFound,
            StorageError::Conflict(detail) => AppError::Conflict(detail),
            other => AppError::Internal(other.to_string()),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `forbidden`.
    pub error: &'static str,
    /// What is wrong, for a person to read, in the caller's language: their account's, else
    /// the one their browser chose on a page, else `Accept-Language` (az, en or ru).
    pub message: String,
    /// For `invalid` answers: what is wrong with each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldMessage>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    /// The question's code, e.g. `OL`; empty for the form as a whole.
    pub question: String,
    /// Stable code of the problem, e.g. `required`, `out_of_range`, `check_failed`.
    pub problem: String,
    /// The problem explained in the reader's language.
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            // The detail may name tables or paths: log it, never send it.
            tracing::error!(%detail, "request failed");
        }
        let body = ErrorBody { error: self.code(), message: self.to_string(), fields: self.fields() };
        let mut response = (self.status(), Json(body)).into_response();
        if let AppError::TooManyRequests { retry_after_secs } = &self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response.extensions_mut().insert(self);
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
