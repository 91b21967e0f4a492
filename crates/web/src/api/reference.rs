//! Public reference data: the election, constituencies, stations, candidates, organisations.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use domain::access::Action;
use domain::election::ConstituencyNo;
use storage::reference::{self, ConstituencyFilter, ConstituencyRow, StationFilter};

use crate::auth::Caller;
use crate::checked::Checked;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct ElectionView {
    pub name_az: String,
    pub name_en: String,
    pub name_ru: String,
    /// ISO date of election day.
    pub election_date: String,
    pub constituencies: i64,
    pub stations: i64,
    pub registered_voters: i64,
    /// Only for signed-in coalition members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitored_constituencies: Option<i64>,
}

#[utoipa::path(get, path = "/election", tag = "election",
    responses((status = 200, body = ElectionView), (status = 404, description = "No election loaded yet", body = ErrorBody)))]
pub async fn election(State(state): State<AppState>, caller: Caller) -> AppResult<Json<ElectionView>> {
    caller.require(Action::ViewReferenceData)?;
    let e = reference::election(state.store.reads()).await?.ok_or(AppError::NotFound)?;
    Ok(Json(ElectionView {
        name_az: e.name.az,
        name_en: e.name.en,
        name_ru: e.name.ru,
        election_date: e.election_date,
        constituencies: e.constituencies,
        stations: e.stations,
        registered_voters: e.registered_voters,
        monitored_constituencies: caller.may(Action::ViewMonitoring).then_some(e.monitored_constituencies),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ConstituencyView {
    pub number: i64,
    pub name_az: String,
    pub name_en: String,
    pub area_az: String,
    /// `yes`, `no` or `partial`.
    pub in_baku: String,
    /// Only for signed-in coalition members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitored: Option<bool>,
    pub stations: i64,
    pub registered_voters: i64,
}

fn constituency_view(row: ConstituencyRow, show_monitoring: bool) -> ConstituencyView {
    ConstituencyView {
        number: row.number,
        name_az: row.name_az,
        name_en: row.name_en,
        area_az: row.area_az,
        in_baku: row.in_baku,
        monitored: show_monitoring.then_some(row.monitored),
        stations: row.stations,
        registered_voters: row.registered_voters,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConstituencyQuery {
    /// Number, or part of the name (diacritics optional: "seki" finds "Şəki").
    pub q: Option<String>,
    /// `true` for monitored constituencies only (signed-in members).
    pub monitored: Option<bool>,
}

#[utoipa::path(get, path = "/constituencies", tag = "election", params(ConstituencyQuery),
    responses((status = 200, body = Vec<ConstituencyView>)))]
pub async fn constituencies(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<ConstituencyQuery>>,
) -> AppResult<Json<Vec<ConstituencyView>>> {
    caller.require(Action::ViewReferenceData)?;
    let show_monitoring = caller.may(Action::ViewMonitoring);
    let filter =
        ConstituencyFilter { search: query.q, monitored_only: show_monitoring && query.monitored == Some(true) };
    let rows = reference::constituencies(state.store.reads(), &filter).await?;
    Ok(Json(rows.into_iter().map(|r| constituency_view(r, show_monitoring)).collect()))
}

#[utoipa::path(get, path = "/constituencies/{number}", tag = "election",
    params(("number" = u16, Path, description = "Constituency number, 1–125")),
    responses((status = 200, body = ConstituencyView), (status = 404, body = ErrorBody)))]
pub async fn constituency(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(number)): Checked<Path<String>>,
) -> AppResult<Json<ConstituencyView>> {
    caller.require(Action::ViewReferenceData)?;
    let number = ConstituencyNo::parse(&number).map_err(|_| AppError::NotFound)?;
    let row = reference::constituency(state.store.reads(), i64::from(number.get())).await?.ok_or(AppError::NotFound)?;
    Ok(Json(constituency_view(row, caller.may(Action::ViewMonitoring))))
}

#[derive(Serialize, ToSchema)]
pub struct StationView {
    pub constituency: i64,
    pub number: i64,
    /// "17/203": constituency/station, as observers write it.
    pub reference: String,
    pub address: String,
    pub registered_voters: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StationPage {
    pub items: Vec<StationView>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StationQuery {
    pub constituency: Option<u16>,
    /// From 1.
    pub page: Option<u32>,
    /// At most 500; default 100.
    pub per_page: Option<u32>,
}

#[utoipa::path(get, path = "/stations", tag = "election", params(StationQuery),
    responses((status = 200, body = StationPage), (status = 422, body = ErrorBody)))]
pub async fn stations(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<StationQuery>>,
) -> AppResult<Json<StationPage>> {
    caller.require(Action::ViewReferenceData)?;
    let constituency = match query.constituency {
        Some(n) => Some(ConstituencyNo::new(n).map_err(|e| AppError::BadRequest(format!("constituency {e}")))?),
        None => None,
    };
    let filter = StationFilter {
        constituency: constituency.map(|c| i64::from(c.get())),
        page: query.page.unwrap_or(1),
        per_page: query.per_page.unwrap_or(100),
    };
    let page = reference::stations(state.store.reads(), &filter).await?;
    Ok(Json(StationPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page
            .items
            .into_iter()
            .map(|s| StationView {
                reference: s.label(),
                constituency: s.constituency_no,
                number: s.number,
                address: s.address,
                registered_voters: s.registered_voters,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    pub ballot_order: u16,
    pub name_az: String,
    pub name_en: String,
    pub name_ru: String,
    pub nominated_by_az: String,
    pub nominated_by_en: String,
    pub nominated_by_ru: String,
}

#[utoipa::path(get, path = "/candidates", tag = "election", responses((status = 200, body = Vec<CandidateView>)))]
pub async fn candidates(State(state): State<AppState>, caller: Caller) -> AppResult<Json<Vec<CandidateView>>> {
    caller.require(Action::ViewReferenceData)?;
    let rows = reference::candidates(state.store.reads()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| CandidateView {
                ballot_order: c.ballot_order,
                name_az: c.name.az,
                name_en: c.name.en,
                name_ru: c.name.ru,
                nominated_by_az: c.nominated_by.az,
                nominated_by_en: c.nominated_by.en,
                nominated_by_ru: c.nominated_by.ru,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub code: String,
    pub name_az: String,
    pub name_en: String,
    pub name_ru: String,
}

#[utoipa::path(get, path = "/organisations", tag = "election", responses((status = 200, body = Vec<OrganisationView>)))]
pub async fn organisations(State(state): State<AppState>, caller: Caller) -> AppResult<Json<Vec<OrganisationView>>> {
    caller.require(Action::ViewReferenceData)?;
    let rows = reference::organisations(state.store.reads()).await?;
    Ok(Json(
        rows.into_iter()
            .map(|o| OrganisationView { code: o.code, name_az: o.name.az, name_en: o.name.en, name_ru: o.name.ru })
            .collect(),
    ))
}
