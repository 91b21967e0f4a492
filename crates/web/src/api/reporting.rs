//! Reporting over the API: the forms, submitting, an observer's own reports, photos.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use domain::audit::Channel;
use domain::language::Language;
use domain::timezone::format_baku_rfc3339;
use storage::submissions::SubmissionRow;

use crate::api::json_body::JsonBody;
use crate::auth::Caller;
use crate::auth::caller::Via;
use crate::checked::Checked;
use crate::error::{AppError, AppResult, ErrorBody, FieldMessage};
use crate::i18n::{t, t_args};
use crate::pages::problems::{answer_problem_code, answer_problem_text};
use crate::reporting::intake::{self, IntakeError, Report};
use crate::reporting::photos::{self, Served};
use crate::state::AppState;

#[utoipa::path(get, path = "/forms", tag = "reporting",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The current version of every form, as loaded (see forms/*.json)", body = Object)))]
pub async fn forms(State(state): State<AppState>, caller: Caller, headers: HeaderMap) -> AppResult<Response> {
    caller.actor()?;
    let document = state.forms.current_document().map_err(|error| AppError::Internal(error.to_string()))?;
    Ok(document.respond(&headers))
}

#[derive(Deserialize, ToSchema)]
pub struct SubmissionRequest {
    /// Chosen by the device before sending: 8 to 64 letters, digits, `-` or `_`, best a
    /// UUIDv7 (time first, as the observers' page makes them; random ids such as UUIDv4 are
    /// accepted, but each costs the server's index of ids a page written to disk). Sending
    /// the same report again with the same id is safe: it is stored once.
    pub id: String,
    /// The form's code, e.g. `OP`.
    pub form: String,
    /// The form version filled in; the current one when absent.
    pub form_version: Option<u32>,
    /// "17/203". May be left out by an observer deployed to one station.
    pub station: Option<String>,
    /// Question code → answer: `true`/`false`, numbers, option numbers, `[1, 3]`, "08:05", text,
    /// or a photo's SHA-256.
    #[schema(value_type = Object)]
    pub answers: domain::forms::RawAnswers,
    /// The device's clock when the report was made, in milliseconds since the Unix epoch.
    pub device_time: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SubmissionView {
    pub id: i64,
    /// The device-chosen id.
    pub client_id: String,
    pub form: String,
    pub form_version: i64,
    pub station: String,
    pub channel: String,
    /// When the server stored it (milliseconds since the epoch) and the same in Baku time.
    pub server_time: i64,
    pub server_time_baku: String,
    pub device_time: Option<i64>,
    /// The device's clock was more than 10 minutes off the server's: its time is not trusted.
    pub clock_off: bool,
    /// True when this answer is for a retry of a report already stored.
    pub duplicate: bool,
    /// Question code → answer, as stored.
    // The stored canonical JSON, passed through rather than parsed and written again.
    #[schema(value_type = Object)]
    pub answers: Box<serde_json::value::RawValue>,
}

impl SubmissionView {
    pub fn from_row(row: SubmissionRow, duplicate: bool) -> Self {
        SubmissionView {
            id: row.id,
            server_time_baku: format_baku_rfc3339(row.server_time),
            answers: serde_json::value::RawValue::from_string(row.answers).unwrap_or_else(|_| empty_object()),
            client_id: row.client_id,
            form: row.form_code,
            form_version: row.form_version,
            station: row.station,
            channel: row.channel,
            server_time: row.server_time,
            device_time: row.device_time,
            clock_off: row.clock_off,
            duplicate,
        }
    }
}

/// Stored answers are always JSON objects; should one ever not be, the view shows none.
fn empty_object() -> Box<serde_json::value::RawValue> {
    serde_json::value::RawValue::from_string("{}".into()).unwrap_or_default()
}

/// Turns an intake refusal into the answer a reporter can act on, in their language.
pub fn intake_error(error: IntakeError, lang: Language) -> AppError {
    match error {
        IntakeError::BadId => AppError::BadRequest(t(lang, "intake-bad-id")),
        IntakeError::UnknownForm(code) => AppError::BadRequest(format!("{} {code}", t(lang, "intake-unknown-form"))),
        IntakeError::BadStation(station) => {
            AppError::BadRequest(format!("{}: {station}", t(lang, "intake-bad-station")))
        }
        IntakeError::StationNeeded => AppError::BadRequest(t(lang, "intake-station-needed")),
        IntakeError::NotDeployedThere(station) => AppError::Refused(t_args(
            lang,
            "intake-not-deployed",
            &[("station", fluent_templates::fluent_bundle::FluentValue::from(station))],
        )),
        IntakeError::NotAnObserver => AppError::Refused(t(lang, "intake-not-an-observer")),
        IntakeError::Invalid { errors, .. } => AppError::InvalidAnswers {
            message: t(lang, "answers-invalid"),
            fields: errors
                .iter()
                .map(|e| FieldMessage {
                    question: e.question.clone(),
                    problem: answer_problem_code(&e.problem).into(),
                    message: answer_problem_text(lang, &e.problem),
                })
                .collect(),
        },
        IntakeError::Conflict(detail) => AppError::Conflict(format!("{} ({detail})", t(lang, "intake-id-reused"))),
        IntakeError::Storage(error) => error.into(),
    }
}

#[utoipa::path(post, path = "/submissions", tag = "reporting", request_body = SubmissionRequest,
    security(("token" = []), ("session" = [])),
    responses(
        (status = 201, description = "Stored (on disk) for the first time", body = SubmissionView),
        (status = 200, description = "Already stored under this id with the same content: nothing new was written", body = SubmissionView),
        (status = 409, description = "This id was already used for different content", body = ErrorBody),
        (status = 422, description = "Answers that need fixing, each with its question and message", body = ErrorBody),
        (status = 403, description = "Not deployed to this station, or not an observer", body = ErrorBody),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(request): JsonBody<SubmissionRequest>,
) -> AppResult<Response> {
    let actor = caller.actor()?;
    let report = Report {
        client_id: request.id,
        form_code: request.form,
        form_version: request.form_version,
        station: request.station,
        answers: request.answers,
        device_time: request.device_time,
        channel: if caller.via == Via::ApiToken { Channel::Api } else { Channel::Web },
        partial: false,
    };
    let accepted = intake::submit(&state, actor, report).await.map_err(|e| intake_error(e, caller.language))?;
    if accepted.duplicate {
        return Ok((StatusCode::OK, Json(SubmissionView::from_row(accepted.submission, true))).into_response());
    }
    Ok(just_stored(accepted.submission))
}

/// A report just stored, answered as `SubmissionView`. Its answers are the canonical JSON this
/// server has just written (`Answers::canonical_json`): they are put into the view's JSON as
/// they are, where `from_row` parses answers read back from the database again (a damaged row
/// must not break the JSON). Parsing them cost a fifth of writing the answer.
fn just_stored(mut row: SubmissionRow) -> Response {
    let answers = std::mem::replace(&mut row.answers, "{}".into());
    let mut body = serde_json::to_vec(&SubmissionView::from_row(row, false)).unwrap_or_default();
    // The view's last field is its answers, here `{}`: the stored ones take their place.
    if !(body.ends_with(br#""answers":{}}"#) && answers.starts_with('{')) {
        return AppError::Internal("a stored report could not be written as JSON".into()).into_response();
    }
    body.truncate(body.len() - "{}}".len());
    body.extend_from_slice(answers.as_bytes());
    body.push(b'}');
    (StatusCode::CREATED, [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

#[utoipa::path(get, path = "/submissions/mine", tag = "reporting",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The caller's own reports, newest first (at most 500)", body = Vec<SubmissionView>)))]
pub async fn mine(State(state): State<AppState>, caller: Caller) -> AppResult<Json<Vec<SubmissionView>>> {
    let actor = caller.actor()?;
    let rows = storage::submissions::of_observer(&state.store, actor.user_id, 500).await?;
    Ok(Json(rows.into_iter().map(|r| SubmissionView::from_row(r, false)).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct PhotoView {
    /// The name to put in a photo answer.
    pub sha256: String,
}

#[utoipa::path(post, path = "/photos", tag = "reporting",
    request_body(content = Vec<u8>, content_type = "image/jpeg", description = "A JPEG or PNG photo, at most 8 MB"),
    security(("token" = []), ("session" = [])),
    responses((status = 201, body = PhotoView), (status = 422, body = ErrorBody)))]
pub async fn upload_photo(State(state): State<AppState>, caller: Caller, body: Bytes) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    match photos::receive(&state, &actor, body.to_vec()).await? {
        Ok(sha256) => Ok((StatusCode::CREATED, Json(PhotoView { sha256 })).into_response()),
        Err(error) => Err(AppError::BadRequest(error.to_string())),
    }
}

#[utoipa::path(get, path = "/photos/{sha256}", tag = "reporting",
    params(("sha256" = String, Path)),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "The photo; without metadata unless you coordinate its constituency", content_type = "image/jpeg"),
        (status = 404, body = ErrorBody)))]
pub async fn photo(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(sha256)): Checked<Path<String>>,
) -> AppResult<Response> {
    let actor = caller.actor()?;
    let (photo, stripped) = match photos::serve(&state, actor, &sha256.to_ascii_lowercase()).await? {
        Served::Original(photo) => (photo, false),
        Served::Stripped(photo) => (photo, true),
        Served::Hidden => return Err(AppError::NotFound),
    };
    let headers = [
        (header::CONTENT_TYPE, photo.content_type.clone()),
        // An original carries where and on what it was taken: never kept in a browser's
        // cache, where a seized laptop would still hold it.
        (header::CACHE_CONTROL, if stripped { "private, max-age=3600" } else { "no-store" }.to_string()),
        (header::HeaderName::from_static("x-metadata-removed"), stripped.to_string()),
    ];
    Ok((headers, photo.bytes).into_response())
}
