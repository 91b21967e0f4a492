//! Exports of the same lists imports take, as CSV or XLSX, with the import's column names so
//! an exported file can be edited and imported back. Reference data is public; people are
//! exported only within the caller's scope.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::html;

use domain::access::Action;
use domain::import::ImportKind;
use storage::people::{self, PeopleFilter};
use storage::reference::{self, ConstituencyFilter, StationFilter};
use tabular::Table;

use crate::auth::Caller;
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::pages::layout::page;
use crate::state::AppState;

pub async fn index(caller: Caller) -> AppResult<Response> {
    caller.require(Action::ViewReferenceData)?;
    let lang = caller.language;
    let kinds: Vec<ImportKind> =
        ImportKind::ALL.into_iter().filter(|k| *k != ImportKind::People || caller.may(Action::ExportPeople)).collect();
    Ok(page(
        &caller,
        &t(lang, "exports-title"),
        html! {
            h1 { (t(lang, "exports-title")) }
            table {
                @for kind in &kinds { tr {
                    td { (t(lang, &format!("import-kind-{}", kind.as_str()))) }
                    td { a href={ "/exports/" (kind.as_str()) ".csv" } { "CSV" } }
                    td { a href={ "/exports/" (kind.as_str()) ".xlsx" } { "XLSX" } }
                } }
            }
        },
    ))
}

pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(file)): Checked<Path<String>>,
) -> AppResult<Response> {
    let (name, extension) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    let kind = ImportKind::parse(name).ok_or(AppError::NotFound)?;
    if kind == ImportKind::People {
        caller.require_actor(Action::ExportPeople)?;
    } else {
        caller.require(Action::ViewReferenceData)?;
    }
    let table = build_table(&state, &caller, kind).await?;
    let (bytes, content_type) = match extension {
        "csv" => (tabular::write_csv(&table), "text/csv; charset=utf-8"),
        "xlsx" => (
            tabular::write_xlsx(kind.as_str(), &table),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => return Err(AppError::NotFound),
    };
    let bytes = bytes.map_err(|e| AppError::Internal(e.to_string()))?;
    let disposition = format!("attachment; filename=\"pollwatch-{}.{extension}\"", kind.as_str());
    Ok(([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

async fn build_table(state: &AppState, caller: &Caller, kind: ImportKind) -> AppResult<Table> {
    let pool = state.store.reads();
    let show_monitoring = caller.may(Action::ViewMonitoring);
    Ok(match kind {
        ImportKind::Constituencies => {
            let mut names = vec!["number", "name_az", "name_en", "area_az", "in_baku"];
            if show_monitoring {
                names.push("monitored");
            }
            let rows = reference::constituencies(pool, &ConstituencyFilter::default()).await?;
            Table {
                headers: headers(&names),
                rows: rows
                    .into_iter()
                    .map(|c| {
                        let mut row = vec![c.number.to_string(), c.name_az, c.name_en, c.area_az, c.in_baku];
                        if show_monitoring {
                            row.push(if c.monitored { "yes" } else { "no" }.into());
                        }
                        row
                    })
                    .collect(),
            }
        }
        ImportKind::Stations => {
            let mut rows = Vec::new();
            let mut page = 1;
            loop {
                let result =
                    reference::stations(pool, &StationFilter { constituency: None, page, per_page: 500 }).await?;
                let done = result.page >= result.page_count();
                rows.extend(result.items.into_iter().map(|s| {
                    vec![
                        s.constituency_no.to_string(),
                        s.number.to_string(),
                        s.registered_voters.to_string(),
                        s.address,
                    ]
                }));
                if done {
                    break;
                }
                page += 1;
            }
            Table { headers: headers(&["constituency", "number", "registered_voters", "address"]), rows }
        }
        ImportKind::Candidates => Table {
            headers: headers(&[
                "ballot_order",
                "name_az",
                "name_en",
                "name_ru",
                "nominated_by_az",
                "nominated_by_en",
                "nominated_by_ru",
            ]),
            rows: reference::candidates(pool)
                .await?
                .into_iter()
                .map(|c| {
                    vec![
                        c.ballot_order.to_string(),
                        c.name.az,
                        c.name.en,
                        c.name.ru,
                        c.nominated_by.az,
                        c.nominated_by.en,
                        c.nominated_by.ru,
                    ]
                })
                .collect(),
        },
        ImportKind::People => {
            let actor = caller.actor()?;
            let mut rows = Vec::new();
            let mut page = 1;
            loop {
                let filter = PeopleFilter { page, per_page: 500, ..Default::default() };
                let result = people::list(pool, &actor.people_scope(), &filter).await?;
                let done = result.page >= result.page_count();
                for person in result.items {
                    let assignments = people::assignments(pool, person.id).await?;
                    let join = |items: Vec<String>| items.join("; ");
                    rows.push(vec![
                        person.username,
                        person.full_name,
                        person.role.as_str().to_string(),
                        person.organisation_code.unwrap_or_default(),
                        person.phone.unwrap_or_default(),
                        person.email.unwrap_or_default(),
                        person.observer_code.map(|c| format!("{c:06}")).unwrap_or_default(),
                        join(assignments.stations.iter().map(ToString::to_string).collect()),
                        join(assignments.constituencies.iter().map(ToString::to_string).collect()),
                    ]);
                }
                if done {
                    break;
                }
                page += 1;
            }
            Table {
                headers: headers(&[
                    "username",
                    "full_name",
                    "role",
                    "organisation",
                    "phone",
                    "email",
                    "observer_code",
                    "stations",
                    "constituencies",
                ]),
                rows,
            }
        }
    })
}
