//! People and the audit log over the API, within the caller's scope.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use domain::access::Action;
use domain::roles::Role;
use storage::audit;
use storage::people::{self, PeopleFilter, PersonRow};

use crate::auth::Caller;
use crate::checked::Checked;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::pages::audit::AuditQuery;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    /// One of coalition_admin, org_admin, coordinator, observer, media_monitor, analyst, partner.
    pub role: String,
    pub organisation: Option<String>,
    /// Stations an observer is deployed to, as "17/203".
    pub stations: Vec<String>,
    /// Constituencies a coordinator follows.
    pub constituencies: Vec<u16>,
    pub language: String,
}

#[utoipa::path(get, path = "/me", tag = "people",
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> AppResult<Json<MeView>> {
    let actor = caller.actor()?;
    let person = caller.person.as_deref().cloned().ok_or(AppError::Unauthenticated)?;
    let assignments = people::assignments(state.store.reads(), actor.user_id).await?;
    Ok(Json(MeView {
        id: person.id,
        username: person.username,
        full_name: person.full_name,
        role: person.role.as_str().into(),
        organisation: person.organisation_code,
        stations: assignments.stations.iter().map(ToString::to_string).collect(),
        constituencies: assignments.constituencies.iter().map(|c| c.get()).collect(),
        language: person.language,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub organisation: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Six digits, as typed in SMS reports.
    pub observer_code: Option<String>,
    pub active: bool,
}

impl From<PersonRow> for PersonView {
    fn from(p: PersonRow) -> Self {
        PersonView {
            id: p.id,
            username: p.username,
            full_name: p.full_name,
            role: p.role.as_str().into(),
            organisation: p.organisation_code,
            phone: p.phone,
            email: p.email,
            observer_code: p.observer_code.map(|c| format!("{c:06}")),
            active: p.active,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PeoplePage {
    pub items: Vec<PersonView>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeopleQuery {
    /// Part of a name, username or phone number.
    pub q: Option<String>,
    pub role: Option<String>,
    pub constituency: Option<i64>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[utoipa::path(get, path = "/people", tag = "people", params(PeopleQuery),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = PeoplePage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<PeopleQuery>>,
) -> AppResult<Json<PeoplePage>> {
    let actor = caller.require_actor(Action::ListPeople)?;
    let role = match query.role.as_deref() {
        Some(text) => Some(Role::parse(text).ok_or_else(|| AppError::BadRequest(format!("unknown role {text}")))?),
        None => None,
    };
    let filter = PeopleFilter {
        search: query.q,
        role,
        constituency: query.constituency,
        page: query.page.unwrap_or(1),
        per_page: query.per_page.unwrap_or(100),
        ..Default::default()
    };
    let page = people::list(state.store.reads(), &actor.people_scope(), &filter).await?;
    Ok(Json(PeoplePage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(PersonView::from).collect(),
    }))
}

#[utoipa::path(get, path = "/people/{id}", tag = "people",
    params(("id" = i64, Path)),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = PersonView), (status = 404, description = "No such person within your scope", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
) -> AppResult<Json<PersonView>> {
    let actor = caller.actor()?;
    let pool = state.store.reads();
    let facts = people::facts(pool, id).await?.ok_or(AppError::NotFound)?;
    if !actor.may_view_person(&facts) {
        return Err(AppError::NotFound);
    }
    let person = people::by_id(pool, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(person.into()))
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryView {
    /// The entry's id; absent for a report (entity "submission"), listed from its own row:
    /// `entity_id` is the report's id.
    pub id: Option<i64>,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    pub actor: Option<String>,
    /// web, api, cli, sms or demo.
    pub channel: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub details: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Username of the person who made the change.
    pub actor: Option<String>,
    pub channel: Option<String>,
    pub entity: Option<String>,
    pub action: Option<String>,
    /// First Baku date included, "2024-02-07".
    pub from: Option<String>,
    /// Last Baku date included.
    pub until: Option<String>,
    pub page: Option<u32>,
}

#[utoipa::path(get, path = "/audit", tag = "audit", params(AuditParams),
    security(("token" = []), ("session" = [])),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(params)): Checked<Query<AuditParams>>,
) -> AppResult<Json<AuditPage>> {
    caller.require_actor(Action::ViewAuditLog)?;
    let query = AuditQuery {
        actor: params.actor.unwrap_or_default(),
        channel: params.channel.unwrap_or_default(),
        entity: params.entity.unwrap_or_default(),
        action: params.action.unwrap_or_default(),
        from: params.from.unwrap_or_default(),
        until: params.until.unwrap_or_default(),
        page: params.page,
    };
    let page = audit::list(&state.store, &query.to_filter(200, caller.language)?).await?;
    Ok(Json(AuditPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page
            .items
            .into_iter()
            .map(|a| AuditEntryView {
                id: a.id,
                at: a.at,
                actor: a.actor_username,
                channel: a.channel,
                action: a.action,
                entity: a.entity,
                entity_id: a.entity_id,
                details: serde_json::from_str(&a.details).unwrap_or(serde_json::Value::String(a.details)),
            })
            .collect(),
    }))
}
