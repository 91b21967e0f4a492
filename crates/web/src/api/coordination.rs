//! Coordination over the API: coverage, the missing list, the live feed, incidents,
//! disagreements between observers, and the hash chain's head.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::time::Duration;
use utoipa::{IntoParams, ToSchema};

use domain::access::Actor;
use domain::incidents::IncidentStatus;
use domain::language::Language;
use domain::roles::Role;
use storage::coverage::{self, Area, ConstituencyCoverage, MissingStation, StationStatus, TurnoutPoint};
use storage::incidents::{self, IncidentChange, IncidentEvent, IncidentFilter, IncidentRow};
use storage::{conflicts, ledger, now_millis};

use crate::api::json_body::JsonBody;
use crate::auth::Caller;
use crate::checked::Checked;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::i18n::{t, t_args};
use crate::state::AppState;

/// Where a caller may look at election-day aggregates: everywhere (admins, analysts) or
/// their constituencies (coordinators).
pub fn aggregate_area(actor: &Actor) -> Result<Area, AppError> {
    match actor.role {
        Role::CoalitionAdmin | Role::Analyst => Ok(Area::All),
        Role::Coordinator => {
            Ok(Area::Constituencies(actor.constituencies.iter().map(|c| i64::from(c.get())).collect()))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// Where a caller may see people and their reports (names, phones, incidents).
pub fn people_area(actor: &Actor) -> Result<Area, AppError> {
    match actor.role {
        Role::CoalitionAdmin => Ok(Area::All),
        Role::Coordinator => {
            Ok(Area::Constituencies(actor.constituencies.iter().map(|c| i64::from(c.get())).collect()))
        }
        _ => Err(AppError::Forbidden),
    }
}

fn within(area: &Area, constituency_no: i64) -> bool {
    match area {
        Area::All => true,
        Area::Constituencies(numbers) => numbers.contains(&constituency_no),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CoverageView {
    #[schema(value_type = Vec<Object>)]
    pub constituencies: Vec<ConstituencyCoverage>,
    /// Observed turnout per reporting time (1 = 10:00 … 5 = 19:00).
    #[schema(value_type = Vec<Object>)]
    pub turnout: Vec<TurnoutPoint>,
    pub generated_at: i64,
}

#[utoipa::path(get, path = "/coverage", tag = "coordination",
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = CoverageView), (status = 403, body = ErrorBody)))]
pub async fn coverage(State(state): State<AppState>, caller: Caller) -> AppResult<Json<CoverageView>> {
    let area = aggregate_area(caller.actor()?)?;
    let pool = state.store.reads();
    Ok(Json(CoverageView {
        constituencies: coverage::by_constituency(&state.store, &area).await?,
        turnout: coverage::turnout(pool, &area).await?,
        generated_at: now_millis(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MissingQuery {
    /// A form code, e.g. `OP`.
    pub form: String,
    /// For the turnout count: the reporting time, 1–5 (10:00, 12:00, 15:00, 17:00, 19:00);
    /// the stations without a count at that time.
    pub slot: Option<i64>,
}

#[utoipa::path(get, path = "/coverage/missing", tag = "coordination", params(MissingQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "Deployed stations without this form, with whom to call", body = Vec<Object>)))]
pub async fn missing(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<MissingQuery>>,
) -> AppResult<Json<Vec<MissingStation>>> {
    let area = people_area(caller.actor()?)?;
    let code = query.form.trim().to_ascii_uppercase();
    let Some(form) = state.forms.current(&code) else {
        return Err(AppError::BadRequest(format!("no form {code}")));
    };
    let slot = crate::reporting::catalog::turnout_slot(&form, query.slot, caller.language)?;
    Ok(Json(coverage::missing(&state.store, &area, &code, slot).await?))
}

#[utoipa::path(get, path = "/coverage/constituencies/{number}", tag = "coordination",
    params(("number" = i64, Path)),
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "Each deployed station and the forms it has sent", body = Vec<Object>)))]
pub async fn constituency_stations(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(number)): Checked<Path<i64>>,
) -> AppResult<Json<Vec<StationStatus>>> {
    let area = aggregate_area(caller.actor()?)?;
    if !within(&area, number) {
        return Err(AppError::NotFound);
    }
    Ok(Json(coverage::stations_of(&state.store, number).await?))
}

/// Server-sent events: a `change` event whenever a report arrives in the caller's area.
#[utoipa::path(get, path = "/events", tag = "coordination",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "text/event-stream of `change` events", content_type = "text/event-stream")))]
pub async fn events(
    State(state): State<AppState>,
    mut parts: axum::http::request::Parts,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Listening for a change of rights before the caller is looked up: one committed while
    // they are is heard.
    let rights_change = state.identities.next_rights_change();
    let caller = <Caller as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, &state).await?;
    let actor = caller.actor()?;
    let area = aggregate_area(actor)?;
    let rights_change = rights_change(actor.user_id);
    let receiver = state.live.subscribe();
    let checked_area = area.clone();
    let stream = stream::unfold((receiver, area), |(mut receiver, area)| async move {
        loop {
            match receiver.recv().await {
                Ok(notice) if within(&area, notice.constituency_no) => {
                    let event = Event::default().event("change").json_data(&notice).unwrap_or_default();
                    return Some((Ok(event), (receiver, area)));
                }
                Ok(_) => continue,
                // Fell behind: tell the page to refresh everything.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("change").data("{}")), (receiver, area)));
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    // A stream ends when its caller's rights change here, when a check in the database finds
    // them changed (by another process, the CLI), and in any case after a while; the browser
    // then opens a new one, signed in afresh: a coordinator deactivated or moved elsewhere
    // stops hearing about the old area.
    let (recheck, lifetime_setting) = (state.config.live_stream_recheck, state.config.live_stream_lifetime);
    let changed_elsewhere = async move {
        loop {
            tokio::time::sleep(recheck).await;
            let fresh = crate::auth::caller::actor_afresh(&parts, &state).await;
            let still = fresh.ok().flatten().and_then(|actor| aggregate_area(&actor).ok());
            if still.as_ref() != Some(&checked_area) {
                return;
            }
        }
    };
    let lifetime = tokio::time::sleep(lifetime_setting);
    let ends = futures_util::future::select(
        futures_util::future::select(Box::pin(lifetime), rights_change),
        Box::pin(changed_elsewhere),
    );
    let stream = futures_util::StreamExt::take_until(stream, ends);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    pub status: Option<String>,
    #[serde(default, deserialize_with = "crate::checked::empty_as_none")]
    pub category: Option<i64>,
    /// 1 low … 4 critical: this and above.
    #[serde(default, deserialize_with = "crate::checked::empty_as_none")]
    pub min_severity: Option<i64>,
    #[serde(default, deserialize_with = "crate::checked::empty_as_none")]
    pub constituency: Option<i64>,
    pub page: Option<u32>,
}

impl IncidentQuery {
    pub fn filter(&self) -> Result<IncidentFilter, AppError> {
        let status = match self.status.as_deref().filter(|s| !s.is_empty()) {
            Some(text) => Some(
                IncidentStatus::parse(text).ok_or_else(|| AppError::BadRequest(format!("unknown status {text}")))?,
            ),
            None => None,
        };
        Ok(IncidentFilter {
            status,
            category: self.category,
            min_severity: self.min_severity,
            constituency: self.constituency,
            page: self.page.unwrap_or(1),
            per_page: 50,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct IncidentPage {
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<IncidentRow>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[utoipa::path(get, path = "/incidents", tag = "coordination", params(IncidentQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = IncidentPage), (status = 403, body = ErrorBody)))]
pub async fn incident_list(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<IncidentQuery>>,
) -> AppResult<Json<IncidentPage>> {
    let area = people_area(caller.actor()?)?;
    let page = incidents::list(state.store.reads(), &area, &query.filter()?).await?;
    Ok(Json(IncidentPage { items: page.items, total: page.total, page: page.page, per_page: page.per_page }))
}

#[derive(Serialize, ToSchema)]
pub struct IncidentView {
    #[schema(value_type = Object)]
    pub incident: IncidentRow,
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<IncidentEvent>,
    /// Where the workflow allows it to go next.
    pub next: Vec<String>,
}

/// An incident the caller may see, or 404 (out of area looks like absent).
pub async fn visible_incident(state: &AppState, actor: &Actor, id: i64) -> AppResult<IncidentRow> {
    let area = people_area(actor)?;
    let incident = incidents::by_id(state.store.reads(), id).await?.ok_or(AppError::NotFound)?;
    if !within(&area, incident.constituency_no) {
        return Err(AppError::NotFound);
    }
    Ok(incident)
}

pub fn next_statuses(incident: &IncidentRow) -> Vec<String> {
    IncidentStatus::parse(&incident.status)
        .map(|s| s.next().iter().map(|n| n.as_str().to_string()).collect())
        .unwrap_or_default()
}

#[utoipa::path(get, path = "/incidents/{id}", tag = "coordination", params(("id" = i64, Path)),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = IncidentView), (status = 404, body = ErrorBody)))]
pub async fn incident(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
) -> AppResult<Json<IncidentView>> {
    let incident = visible_incident(&state, caller.actor()?, id).await?;
    let history = incidents::history(state.store.reads(), id).await?;
    Ok(Json(IncidentView { next: next_statuses(&incident), incident, history }))
}

#[derive(Deserialize, ToSchema)]
pub struct IncidentChangeRequest {
    /// new, triaged, verified, rejected, referred or resolved (as the workflow allows).
    pub status: Option<String>,
    /// A user id to assign, or 0 to unassign.
    pub assignee: Option<i64>,
    /// The commission it was referred to.
    pub referred_to: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// Checks a requested change against the workflow rules and the caller's reach.
pub fn incident_change(request: IncidentChangeRequest, lang: Language) -> Result<IncidentChange, AppError> {
    let to_status = match request.status.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => {
            Some(IncidentStatus::parse(text).ok_or_else(|| AppError::BadRequest(format!("unknown status {text}")))?)
        }
        None => None,
    };
    if to_status == Some(IncidentStatus::Referred) && request.referred_to.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        return Err(AppError::BadRequest(t(lang, "incident-referred-to-missing")));
    }
    Ok(IncidentChange {
        to_status,
        assignee_id: request.assignee.map(|id| (id != 0).then_some(id)),
        referred_to: request.referred_to.map(|r| r.trim().to_string()).filter(|r| !r.is_empty()),
        note: request.note.trim().chars().take(2000).collect(),
    })
}

#[utoipa::path(post, path = "/incidents/{id}", tag = "coordination", params(("id" = i64, Path)),
    request_body = IncidentChangeRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = IncidentView), (status = 409, description = "The workflow does not allow this move", body = ErrorBody)))]
pub async fn change_incident(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    JsonBody(request): JsonBody<IncidentChangeRequest>,
) -> AppResult<Json<IncidentView>> {
    let actor = caller.actor()?.clone();
    let incident = visible_incident(&state, &actor, id).await?;
    apply_incident_change(&state, &caller, &incident, incident_change(request, caller.language)?).await?;
    let incident = visible_incident(&state, &actor, id).await?;
    let history = incidents::history(state.store.reads(), id).await?;
    Ok(Json(IncidentView { next: next_statuses(&incident), incident, history }))
}

/// Who may be given an incident: the coordinators of its constituency, and the person acting.
pub async fn assignable(
    state: &AppState,
    actor: &domain::access::Actor,
    constituency_no: i64,
) -> AppResult<Vec<(i64, String)>> {
    let filter = storage::people::PeopleFilter {
        role: Some(domain::roles::Role::Coordinator),
        constituency: Some(constituency_no),
        page: 1,
        per_page: 100,
        ..Default::default()
    };
    let coordinators =
        storage::people::list(state.store.reads(), &domain::access::PeopleScope::Everyone, &filter).await?;
    let mut people: Vec<(i64, String)> = coordinators.items.into_iter().map(|p| (p.id, p.full_name)).collect();
    if !people.iter().any(|(id, _)| *id == actor.user_id)
        && let Some(me) = storage::people::by_id(state.store.reads(), actor.user_id).await?
    {
        people.push((me.id, me.full_name));
    }
    Ok(people)
}

/// An incident's status in the reader's language.
pub fn status_name(lang: Language, status: &str) -> String {
    t(lang, &format!("incident-status-{status}"))
}

pub async fn apply_incident_change(
    state: &AppState,
    caller: &Caller,
    incident: &IncidentRow,
    change: IncidentChange,
) -> AppResult<()> {
    // Only the constituency's coordinators (or the person acting) can be given an incident:
    // anyone else would also be named back to the caller with it.
    if let Some(Some(assignee)) = change.assignee_id {
        let actor = caller.actor()?;
        if !assignable(state, actor, incident.constituency_no).await?.iter().any(|(id, _)| *id == assignee) {
            return Err(AppError::BadRequest(t(caller.language, "incident-assignee-refused")));
        }
    }
    let author = caller.author();
    let now = now_millis();
    let id = incident.id;
    state
        .store
        .write(move |c| Box::pin(async move { incidents::change(c, id, &change, &author, now).await }))
        .await
        .map_err(|error| match error {
            // A step out of order (often a page left open while someone else moved it on).
            storage::StorageError::Conflict(_) => AppError::Conflict(t_args(
                caller.language,
                "incident-step-refused",
                &[("status", status_name(caller.language, &incident.status).into())],
            )),
            other => other.into(),
        })?;
    state.live.publish(crate::reporting::live::Notice {
        kind: "incident",
        constituency_no: incident.constituency_no,
        form_code: "IN".into(),
        station: incident.station.clone(),
    });
    Ok(())
}

#[utoipa::path(get, path = "/conflicts", tag = "coordination",
    security(("token" = []), ("session" = [])),
    responses((status = 200, description = "Open disagreements between observers, with both answers", body = Vec<Object>)))]
pub async fn conflict_list(
    State(state): State<AppState>,
    caller: Caller,
) -> AppResult<Json<Vec<conflicts::ConflictRow>>> {
    let area = people_area(caller.actor()?)?;
    Ok(Json(conflicts::open(state.store.reads(), &area).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ResolveRequest {
    /// The answer that stands, as JSON (one of the two, or another after a call).
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

#[utoipa::path(post, path = "/conflicts/{id}/resolve", tag = "coordination", params(("id" = i64, Path)),
    request_body = ResolveRequest,
    security(("token" = []), ("session" = [])),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resolve_conflict(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    JsonBody(request): JsonBody<ResolveRequest>,
) -> AppResult<axum::http::StatusCode> {
    resolve(&state, &caller, id, request.value).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

pub async fn resolve(state: &AppState, caller: &Caller, id: i64, value: serde_json::Value) -> AppResult<()> {
    let area = people_area(caller.actor()?)?;
    let conflict = conflicts::by_id(state.store.reads(), id).await?.ok_or(AppError::NotFound)?;
    if !within(&area, conflict.constituency_no) {
        return Err(AppError::NotFound);
    }
    let author = caller.author();
    let now = now_millis();
    state.store.write(move |c| Box::pin(async move { conflicts::resolve(c, id, &value, &author, now).await })).await?;
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct LedgerHead {
    /// How many entries the chain holds.
    pub entries: i64,
    /// The newest entry's hash: publishing it fixes the whole record up to that entry.
    pub hash: String,
    pub at: Option<i64>,
}

#[utoipa::path(get, path = "/ledger/head", tag = "election",
    responses((status = 200, body = LedgerHead)))]
pub async fn ledger_head(State(state): State<AppState>) -> AppResult<Json<LedgerHead>> {
    let head = ledger::head(state.store.reads()).await?;
    Ok(Json(match head {
        Some(entry) => LedgerHead { entries: entry.seq, hash: entry.hash, at: Some(entry.at) },
        None => LedgerHead { entries: 0, hash: domain::ledger::GENESIS.into(), at: None },
    }))
}
