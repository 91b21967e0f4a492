//! The incident queue for coordinators: filter, open one, move it along the workflow.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use domain::language::Language;
use domain::timezone::format_baku;
use storage::incidents;

use crate::api::coordination::{
    IncidentChangeRequest, IncidentQuery, apply_incident_change, assignable, incident_change, next_statuses,
    people_area, status_name, visible_incident,
};
use crate::auth::{Caller, CsrfForm};
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, t_args};
use crate::pages::answers::shown;
use crate::pages::layout::{csrf_field, notice_error, notice_ok, page, pager};
use crate::state::AppState;

/// A category as observers and readers of the queue know it: its label, and the Election
/// Code article it falls under when the form names one.
fn category_name(state: &AppState, lang: Language, category: i64) -> String {
    categories(state, lang)
        .into_iter()
        .find(|(value, _)| *value == category)
        .map_or_else(|| category.to_string(), |(_, name)| name)
}

/// "High", not 3: the incident form's words for its severity.
fn severity_name(state: &AppState, lang: Language, severity: i64) -> String {
    let form = state.forms.current("IN");
    form.as_ref()
        .and_then(|f| f.question("ID"))
        .map_or_else(|| severity.to_string(), |q| shown(q, &severity.into(), lang))
}

/// "Orta və yuxarı": a severity filter's choice, in words as the table shows severity.
fn at_least(state: &AppState, lang: Language, severity: i64) -> String {
    let name = severity_name(state, lang, severity);
    if severity >= 4 { name } else { t_args(lang, "incident-severity-and-above", &[("severity", name.into())]) }
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<IncidentQuery>>,
) -> AppResult<Response> {
    let area = people_area(caller.actor()?)?;
    let lang = caller.language;
    let result = incidents::list(state.store.reads(), &area, &query.filter()?).await?;
    let status = query.status.clone().unwrap_or_default();
    Ok(page(
        &caller,
        &t(lang, "incidents-title"),
        html! {
            h1 { (t(lang, "incidents-title")) }
            form.filters method="get" {
                div { label for="status" { (t(lang, "incident-status")) }
                    select #status name="status" { option value="" { "—" }
                        @for s in domain::incidents::IncidentStatus::ALL { option value=(s.as_str()) selected[status == s.as_str()] { (status_name(lang, s.as_str())) } } } }
                div { label for="category" { (t(lang, "incident-category")) }
                    select #category name="category" { option value="" { "—" }
                        @for (value, label) in categories(&state, lang) { option value=(value) selected[query.category == Some(value)] { (value) ". " (label) } } } }
                div { label for="min_severity" { (t(lang, "incident-severity")) }
                    select #min_severity name="min_severity" { option value="" { "—" } @for n in 1..=4 { option value=(n) selected[query.min_severity == Some(n)] { (at_least(&state, lang, n)) } } } }
                div { label for="constituency" { (t(lang, "constituency")) } input #constituency name="constituency" size="5" value=(query.constituency.map(|c| c.to_string()).unwrap_or_default()); }
                button type="submit" { (t(lang, "search-button")) }
            }
            p.muted { (t(lang, "total")) ": " (result.total) }
            div.table-wrap { table #incidents {
                // What it is and where it stands first, and the kind is the link: on a phone the
                // columns after it are off to the side, and a number is a small target.
                thead { tr { th { "#" } th { (t(lang, "incident-category")) } th { (t(lang, "incident-status")) } th { "№" } th { (t(lang, "incident-severity")) } th { (t(lang, "incident-when")) } } }
                tbody { @for incident in &result.items { tr {
                    td { a href={ "/incidents/" (incident.id) } { (incident.id) } }
                    td { a href={ "/incidents/" (incident.id) } { (category_name(&state, lang, incident.category)) } }
                    td { span.tag { (status_name(lang, &incident.status)) } }
                    td { (incident.station) }
                    td { (severity_name(&state, lang, incident.severity)) }
                    td { (format_baku(incident.created_at)) }
                } } }
            } }
            (pager(lang, result.page, result.page_count(), &format!("status={status}")))
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    /// Set by the redirect after a change: the page says it was saved.
    #[serde(default)]
    saved: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    Checked(Query(query)): Checked<Query<ShowQuery>>,
) -> AppResult<Response> {
    let outcome = if query.saved.is_some() { Outcome::Saved } else { Outcome::Fresh };
    incident_page(&state, &caller, id, outcome).await
}

/// What the page says above its form: nothing, that a change was saved, or why one was not
/// (with what was typed kept in the form).
enum Outcome {
    Fresh,
    Saved,
    Refused(String, ChangeForm),
}

async fn incident_page(state: &AppState, caller: &Caller, id: i64, outcome: Outcome) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let incident = visible_incident(state, &actor, id).await?;
    let lang = caller.language;
    let history = incidents::history(state.store.reads(), id).await?;
    let answers: serde_json::Value = serde_json::from_str(&incident.answers).unwrap_or_default();
    let next = next_statuses(&incident);
    let assignees = assignable(state, &actor, incident.constituency_no).await?;
    let reporter = reporter(state, incident.submission_id).await?;
    let typed = match &outcome {
        Outcome::Refused(_, form) => Some(form),
        _ => None,
    };
    let chosen_assignee =
        typed.map_or(incident.assignee_id, |form| form.assignee.trim().parse::<i64>().ok().or(incident.assignee_id));
    let mut response = page(
        caller,
        &t(lang, "incidents-title"),
        html! {
            h1 { (t(lang, "incident")) " #" (incident.id) ": " (category_name(state, lang, incident.category)) }
            p { (incident.station) " · " (format_baku(incident.created_at)) " · " (t(lang, "incident-severity")) ": " (severity_name(state, lang, incident.severity))
                " · " span.tag #incident-status { (status_name(lang, &incident.status)) }
                @if let Some(referred) = &incident.referred_to { " → " (referred) }
            @if let Some(name) = &incident.assignee_name { " · " (t(lang, "incident-assignee")) ": " strong #incident-assignee { (name) } } }
            @if let Some(person) = &reporter {
                p #incident-reporter { (t(lang, "incident-reported-by")) ": " (person.full_name)
                    @if let Some(phone) = &person.phone { " · " a href={ "tel:" (phone) } { (phone) } } }
            }
            @if let Some(text) = answers.get("IC").and_then(|v| v.as_str()) { blockquote { (text) } }
            dl #incident-answers { @for (question, answer) in answered(state, lang, &answers) { dt { (question) } dd { (answer) } } }
            p #incident-photos { @for (n, photo) in ["IE", "IH", "II"].iter().filter_map(|code| answers.get(*code).and_then(|v| v.as_str())).enumerate() {
                a href={ "/api/v1/photos/" (photo) } { (t(lang, "incident-photo")) " " (n + 1) } " " } }
            @if !next.is_empty() || !assignees.is_empty() {
                h2 #change { (t(lang, "incident-change")) }
                @match &outcome {
                    Outcome::Saved => { (notice_ok(&t(lang, "incident-saved"))) }
                    Outcome::Refused(message, _) => { (notice_error(message)) }
                    Outcome::Fresh => {}
                }
                form method="post" action={ "/incidents/" (incident.id) } .form-grid {
                    (csrf_field(caller))
                    div { label for="status" { (t(lang, "incident-status")) }
                        select #status name="status" { option value="" { "—" }
                            @for s in &next { option value=(s) selected[typed.is_some_and(|f| f.status == *s)] { (status_name(lang, s)) } } } }
                    div { label for="assignee" { (t(lang, "incident-assignee")) }
                        select #assignee name="assignee" {
                            option value="" { "—" }
                            @for (id, name) in &assignees { option value=(id) selected[chosen_assignee == Some(*id)] { (name) } }
                        } }
                    div { label for="referred_to" { (t(lang, "incident-referred-to")) }
                        input #referred_to name="referred_to" placeholder="17 saylı DSK" value=[typed.map(|f| f.referred_to.as_str())]; }
                    div { label for="note" { (t(lang, "incident-note")) } textarea #note name="note" rows="2" { @if let Some(form) = typed { (form.note) } } }
                    div { button type="submit" { (t(lang, "save")) } }
                }
            }
            h2 { (t(lang, "incident-history")) }
            div.table-wrap { table #incident-history {
                thead { tr { th { (t(lang, "audit-when")) } th { (t(lang, "audit-actor")) } th { (t(lang, "incident-status")) } th { (t(lang, "incident-note")) } } }
                tbody { @for event in &history { tr {
                    td { (format_baku(event.at)) } td { (event.actor_name.as_deref().unwrap_or("—")) }
                    td { @if let Some(to) = &event.to_status { (status_name(lang, to)) } } td { (event.note) }
                } } }
            } }
        },
    );
    if matches!(outcome, Outcome::Refused(..)) {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// Who sent the incident, for the coordinator's call back.
async fn reporter(state: &AppState, submission_id: i64) -> AppResult<Option<storage::people::PersonRow>> {
    let Some(report) = storage::submissions::by_id(state.store.reads(), submission_id).await? else { return Ok(None) };
    let Some(observer_id) = report.observer_id else { return Ok(None) };
    Ok(storage::people::by_id(state.store.reads(), observer_id).await?)
}

#[derive(Deserialize, Clone)]
pub struct ChangeForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    referred_to: String,
    #[serde(default)]
    note: String,
}

pub async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let incident = visible_incident(&state, &actor, id).await?;
    // Who may take it is checked where every change is applied, for the API alike.
    let request = IncidentChangeRequest {
        status: Some(form.status.clone()),
        assignee: form.assignee.trim().parse::<i64>().ok(),
        referred_to: Some(form.referred_to.clone()).filter(|r| !r.trim().is_empty()),
        note: form.note.clone(),
    };
    let applied = match incident_change(request, caller.language) {
        Ok(change) => apply_incident_change(&state, &caller, &incident, change).await,
        Err(error) => Err(error),
    };
    match applied {
        Ok(()) => Ok(Redirect::to(&format!("/incidents/{id}?saved=1#change")).into_response()),
        // Refused as it stands: back on the same page, with the reason and what was typed.
        Err(AppError::BadRequest(message) | AppError::Conflict(message)) => {
            incident_page(&state, &caller, id, Outcome::Refused(message, form)).await
        }
        Err(error) => Err(error),
    }
}

fn with_article(lang: Language, choice: &domain::forms::Choice) -> String {
    let label = choice.label.get(lang).to_string();
    match &choice.article {
        Some(article) => {
            let article = t_args(lang, "election-code-article", &[("article", article.clone().into())]);
            format!("{label} ({article})")
        }
        None => label,
    }
}

/// The incident categories as the incident form numbers them.
/// The observer's other answers (when it happened, whether it was raised with the chair, how
/// severe…) as the form asks them, in the reader's language. The kind, the description and the
/// photos are shown on their own.
fn answered(state: &AppState, lang: Language, answers: &serde_json::Value) -> Vec<(String, String)> {
    let Some(form) = state.forms.current("IN") else { return Vec::new() };
    form.questions()
        .filter(|q| q.code != "IA" && q.code != "IC" && !matches!(q.kind, domain::forms::QuestionKind::Photo))
        .filter_map(|q| Some((q.label.get(lang).to_string(), shown(q, answers.get(&q.code)?, lang))))
        .collect()
}

fn categories(state: &AppState, lang: Language) -> Vec<(i64, String)> {
    let form = state.forms.current("IN");
    match form.as_ref().and_then(|f| f.question("IA")).map(|q| &q.kind) {
        Some(domain::forms::QuestionKind::SingleChoice { options }) => {
            options.iter().map(|o| (i64::from(o.value), with_article(lang, o))).collect()
        }
        _ => Vec::new(),
    }
}
