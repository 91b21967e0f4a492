//! Public reference pages: constituencies, polling stations, candidates, organisations.
//! Anyone may read them; who works where is shown only to those whose scope covers it.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use domain::access::Action;
use domain::election::ConstituencyNo;
use storage::people::{self, PeopleFilter};
use storage::reference::{self, ConstituencyFilter, StationFilter};

use crate::auth::Caller;
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::{number, t};
use crate::pages::layout::{page, pager, query_value, yes_no};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct ConstituencyQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub monitored: Option<String>,
}

pub async fn constituencies(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<ConstituencyQuery>>,
) -> AppResult<Response> {
    caller.require(Action::ViewReferenceData)?;
    let lang = caller.language;
    let show_monitoring = caller.may(Action::ViewMonitoring);
    let filter = ConstituencyFilter {
        search: Some(query.q.clone()),
        monitored_only: show_monitoring && query.monitored.as_deref() == Some("1"),
    };
    let rows = reference::constituencies(state.store.reads(), &filter).await?;
    let body = html! {
        h1 { (t(lang, "constituencies-title")) }
        form.filters method="get" {
            div { label for="q" { (t(lang, "search")) } input #q type="search" name="q" value=(query.q) placeholder=(t(lang, "constituency-search-hint")); }
            @if show_monitoring {
                div { label { input type="checkbox" name="monitored" value="1" checked[filter.monitored_only]; " " (t(lang, "monitored-only")) } }
            }
            button type="submit" { (t(lang, "search-button")) }
        }
        p.muted { (t(lang, "shown")) ": " (rows.len()) }
        div.table-wrap { table {
            thead { tr {
                th.num { "№" } th { (t(lang, "name")) } th { (t(lang, "in-baku")) }
                @if show_monitoring { th { (t(lang, "monitored")) } }
                th.num { (t(lang, "figure-stations")) } th.num { (t(lang, "figure-voters")) }
            } }
            tbody { @for row in &rows { tr {
                td.num { (row.number) }
                td { a href={ "/constituencies/" (row.number) } { (row.name_az) } @if !row.name_en.is_empty() && lang != domain::language::Language::Az { br; span.muted { (row.name_en) } } }
                td { (t(lang, &format!("in-baku-{}", row.in_baku))) }
                @if show_monitoring { td { (yes_no(lang, row.monitored)) } }
                td.num { (number(lang, row.stations)) }
                td.num { (number(lang, row.registered_voters)) }
            } } }
        } }
    };
    Ok(page(&caller, &t(lang, "constituencies-title"), body))
}

pub async fn constituency(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(number_text)): Checked<Path<String>>,
) -> AppResult<Response> {
    caller.require(Action::ViewReferenceData)?;
    let lang = caller.language;
    let constituency_no = ConstituencyNo::parse(&number_text).map_err(|_| AppError::NotFound)?;
    let pool = state.store.reads();
    let row = reference::constituency(pool, i64::from(constituency_no.get())).await?.ok_or(AppError::NotFound)?;
    let stations =
        reference::stations(pool, &StationFilter { constituency: Some(row.number), page: 1, per_page: 500 }).await?;
    // Coordinators of this constituency and admins see who works here; nobody else does.
    let team = match caller.actor.as_ref().filter(|a| a.covers_constituency(constituency_no)) {
        Some(actor) => Some(
            people::list(
                pool,
                &actor.people_scope(),
                &PeopleFilter { constituency: Some(row.number), page: 1, per_page: 500, ..Default::default() },
            )
            .await?,
        ),
        None => None,
    };
    let body = html! {
        h1 { (row.name_az) }
        @if !row.name_en.is_empty() { p.muted { (row.name_en) } }
        div.cards {
            div.card { div.figure { (number(lang, row.stations)) } div.label { (t(lang, "figure-stations")) } }
            div.card { div.figure { (number(lang, row.registered_voters)) } div.label { (t(lang, "figure-voters")) } }
            @if caller.may(Action::ViewMonitoring) {
                div.card { div.figure { (yes_no(lang, row.monitored)) } div.label { (t(lang, "monitored")) } }
            }
        }
        @if !row.area_az.is_empty() { p { (t(lang, "area")) ": " (row.area_az) } }
        @if let Some(team) = &team {
            h2 { (t(lang, "people-here")) " (" (team.total) ")" }
            div.table-wrap { table {
                thead { tr { th { (t(lang, "field-full-name")) } th { (t(lang, "field-role")) } th { (t(lang, "field-phone")) } } }
                tbody { @for person in &team.items { tr {
                    td { a href={ "/people/" (person.id) } { (person.full_name) } }
                    td { (t(lang, &format!("role-{}", person.role.as_str()))) }
                    td { (person.phone.as_deref().unwrap_or("")) }
                } } }
            } }
        }
        h2 { (t(lang, "nav-stations")) }
        div.table-wrap { table {
            thead { tr { th { "№" } th { (t(lang, "address")) } th.num { (t(lang, "figure-voters")) } } }
            tbody { @for station in &stations.items { tr {
                td { (station.label()) } td { (station.address) } td.num { (number(lang, station.registered_voters)) }
            } } }
        } }
    };
    Ok(page(&caller, &row.name_az, body))
}

#[derive(Deserialize, Default)]
pub struct StationQuery {
    #[serde(default)]
    pub constituency: Option<String>,
    #[serde(default)]
    pub page: Option<u32>,
}

pub async fn stations(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<StationQuery>>,
) -> AppResult<Response> {
    caller.require(Action::ViewReferenceData)?;
    let lang = caller.language;
    let constituency = match query.constituency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(text) => {
            Some(ConstituencyNo::parse(text).map_err(|e| AppError::BadRequest(format!("constituency: {e}")))?)
        }
        None => None,
    };
    let filter = StationFilter {
        constituency: constituency.map(|c| i64::from(c.get())),
        page: query.page.unwrap_or(1),
        per_page: 100,
    };
    let result = reference::stations(state.store.reads(), &filter).await?;
    let base_query = constituency.map(|c| format!("constituency={}", query_value(&c.to_string()))).unwrap_or_default();
    let body = html! {
        h1 { (t(lang, "stations-title")) }
        form.filters method="get" {
            div { label for="constituency" { (t(lang, "constituency")) }
                  input #constituency name="constituency" inputmode="numeric" size="5" value=(constituency.map(|c| c.to_string()).unwrap_or_default()); }
            button type="submit" { (t(lang, "search-button")) }
        }
        p.muted { (t(lang, "total")) ": " (number(lang, result.total)) }
        div.table-wrap { table {
            thead { tr { th { "№" } th { (t(lang, "constituency")) } th { (t(lang, "address")) } th.num { (t(lang, "figure-voters")) } } }
            tbody { @for station in &result.items { tr {
                td { (station.label()) }
                td { a href={ "/constituencies/" (station.constituency_no) } { (station.constituency_name_az) } }
                td { (station.address) }
                td.num { (number(lang, station.registered_voters)) }
            } } }
        } }
        (pager(lang, result.page, result.page_count(), &base_query))
    };
    Ok(page(&caller, &t(lang, "stations-title"), body))
}

pub async fn candidates(State(state): State<AppState>, caller: Caller) -> AppResult<Response> {
    caller.require(Action::ViewReferenceData)?;
    let lang = caller.language;
    let rows = reference::candidates(state.store.reads()).await?;
    let body = html! {
        h1 { (t(lang, "candidates-title")) }
        div.table-wrap { table {
            thead { tr { th.num { "№" } th { (t(lang, "name")) } th { (t(lang, "nominated-by")) } } }
            tbody { @for c in &rows { tr {
                td.num { (c.ballot_order) } td { (c.name.get(lang)) } td { (c.nominated_by.get(lang)) }
            } } }
        } }
    };
    Ok(page(&caller, &t(lang, "candidates-title"), body))
}

pub async fn organisations(State(state): State<AppState>, caller: Caller) -> AppResult<Response> {
    caller.require(Action::ViewReferenceData)?;
    let lang = caller.language;
    let rows = reference::organisations(state.store.reads()).await?;
    let show_counts = caller.may(Action::ViewMonitoring);
    let body = html! {
        h1 { (t(lang, "organisations-title")) }
        p { (t(lang, "coalition-name")) }
        div.table-wrap { table {
            thead { tr { th { (t(lang, "code")) } th { (t(lang, "name")) } @if show_counts { th.num { (t(lang, "people-count")) } } } }
            tbody { @for o in &rows { tr {
                td { code { (o.code) } } td { (o.name.get(lang)) } @if show_counts { td.num { (o.people) } }
            } } }
        } }
    };
    Ok(page(&caller, &t(lang, "organisations-title"), body))
}
