//! The one path every report takes, whatever the channel (the API today, SMS next): check
//! the id, find the form and the station, check the reporter may report there, validate
//! the answers, store once, tell the dashboard. Nothing is acknowledged before it is on disk.

use std::sync::Arc;

use domain::access::Actor;
use domain::audit::Channel;
use domain::election::StationRef;
use domain::forms::{FieldError, FormDefinition, validate};
use domain::roles::Role;
use domain::submissions::{ClientId, clock_is_off, submission_content_hash};
use storage::sms::MessageLog;
use storage::submissions::{NewSubmission, StationFacts, Stored, SubmissionRow};
use storage::{StorageError, now_millis};

use crate::reporting::live::Notice;
use crate::state::AppState;

/// A report as a channel received it.
#[derive(Debug, Clone)]
pub struct Report {
    pub client_id: String,
    pub form_code: String,
    /// `None`: the form's current version.
    pub form_version: Option<u32>,
    /// "17/203"; `None` when the reporter is deployed to exactly one station.
    pub station: Option<String>,
    pub answers: domain::forms::RawAnswers,
    /// Milliseconds since the epoch, as the device's clock said.
    pub device_time: Option<i64>,
    pub channel: Channel,
    /// Keep the valid answers even when others are wrong (SMS); the caller reports the rest.
    pub partial: bool,
}

#[derive(Debug)]
pub enum IntakeError {
    BadId,
    UnknownForm(String),
    /// The station is not written as constituency/station, or does not exist.
    BadStation(String),
    /// The reporter must name one of several stations.
    StationNeeded,
    /// Not deployed to this station (its label, e.g. `17/2`).
    NotDeployedThere(String),
    NotAnObserver,
    Invalid {
        form: Arc<FormDefinition>,
        errors: Vec<FieldError>,
    },
    /// The id was used before for different content.
    Conflict(String),
    Storage(StorageError),
}

impl From<StorageError> for IntakeError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Conflict(detail) => IntakeError::Conflict(detail),
            other => IntakeError::Storage(other),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Accepted {
    pub submission: SubmissionRow,
    /// True when this was a retry of something already stored.
    pub duplicate: bool,
}

pub async fn submit(state: &AppState, reporter: &Actor, report: Report) -> Result<Accepted, IntakeError> {
    submit_logged(state, reporter, report, |_| None).await
}

/// Like `submit`, and the message the report came in (SMS) is logged in the report's own
/// transaction; `log` is given the station's label, which replies name.
pub async fn submit_logged(
    state: &AppState,
    reporter: &Actor,
    report: Report,
    log: impl FnOnce(&str) -> Option<MessageLog>,
) -> Result<Accepted, IntakeError> {
    let client_id = ClientId::parse(&report.client_id).map_err(|_| IntakeError::BadId)?;
    if reporter.role != Role::Observer && !sent_before(state, reporter, &client_id).await? {
        return Err(IntakeError::NotAnObserver);
    }
    let code = report.form_code.trim().to_ascii_uppercase();
    let form = match report.form_version {
        Some(version) => state.forms.version(&code, version),
        None => state.forms.current(&code),
    }
    // A version that does not exist is named with its form: the form itself may well exist.
    .ok_or_else(|| match report.form_version {
        Some(version) => IntakeError::UnknownForm(format!("{code} v{version}")),
        None => IntakeError::UnknownForm(code),
    })?;
    let station = resolve_station(state, reporter, report.station.as_deref()).await?;
    if !reporter.stations.contains(&station.id) && !sent_before(state, reporter, &client_id).await? {
        return Err(IntakeError::NotDeployedThere(station.label));
    }
    let answers = if report.partial {
        domain::forms::validate_partially(&form, report.answers).0
    } else {
        validate(&form, report.answers).map_err(|errors| IntakeError::Invalid { form: form.clone(), errors })?
    };

    let server_time = now_millis();
    let reference = StationRef::parse(&station.label).map_err(|_| IntakeError::BadStation(station.label.clone()))?;
    let canonical = answers.canonical_json();
    let message = log(&station.label).map(Box::new);
    let new = NewSubmission {
        client_id: client_id.into_string(),
        form_code: form.code.clone(),
        form_version: form.version,
        form_kind: form.kind,
        form_phase: form.phase,
        repeatable: form.repeatable,
        content_hash: submission_content_hash(&form.code, form.version, reference, &canonical),
        station,
        observer_id: Some(reporter.user_id),
        channel: report.channel,
        device_time: report.device_time,
        server_time,
        clock_off: report.device_time.is_some_and(|device| clock_is_off(device, server_time)),
        answers,
        answers_json: canonical,
        message,
    };
    let stored = state.store.submit(new).await?;
    Ok(match stored {
        Stored::Created(submission) => {
            state.live.publish(Notice {
                kind: if form.kind == domain::forms::FormKind::Incident { "incident" } else { "submission" },
                constituency_no: i64::from(reference.constituency.get()),
                form_code: submission.form_code.clone(),
                station: submission.station.clone(),
            });
            Accepted { submission, duplicate: false }
        }
        Stored::AlreadyStored(submission) => Accepted { submission, duplicate: true },
    })
}

async fn resolve_station(
    state: &AppState,
    reporter: &Actor,
    station: Option<&str>,
) -> Result<StationFacts, IntakeError> {
    let facts = match station.map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => {
            let reference = StationRef::parse(text).map_err(|e| IntakeError::BadStation(format!("{text}: {e}")))?;
            state
                .stations
                .find(&state.store, reference)
                .await?
                .ok_or_else(|| IntakeError::BadStation(reference.to_string()))?
        }
        // One station: no need to name it (SMS reporters rarely do).
        None => {
            let mut deployed = reporter.stations.iter();
            let (Some(&only), None) = (deployed.next(), deployed.next()) else {
                return Err(IntakeError::StationNeeded);
            };
            state.stations.by_id(&state.store, only).await?.ok_or(IntakeError::StationNeeded)?
        }
    };
    Ok(facts)
}

/// A report retried after it was stored (its answer lost on the way) is answered with what is
/// stored even if the reporter has since been moved elsewhere: refused, it would read on their
/// phone as never sent, and its fix would be stored a second time. Asked only when the
/// reporter may not send it now, so not on the way of every report.
async fn sent_before(state: &AppState, reporter: &Actor, client_id: &ClientId) -> Result<bool, IntakeError> {
    Ok(storage::submissions::sent_by(state.store.reads(), client_id.as_str(), reporter.user_id).await?)
}
