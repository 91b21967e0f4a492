//! The SMS message log for coordinators: search, see what each message became, and process
//! a message again after fixing the sender's registration.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use domain::timezone::format_baku;
use storage::sms::{self, SmsFilter};

use crate::api::coordination::people_area;
use crate::auth::csrf::NoFields;
use crate::auth::{Caller, CsrfForm};
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::pages::layout::{csrf_field, page, pager, query_value};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct LogQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    page: Option<u32>,
}

pub async fn log(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<LogQuery>>,
) -> AppResult<Response> {
    let area = people_area(caller.actor()?)?;
    let lang = caller.language;
    let filter = SmsFilter {
        search: Some(query.q.clone()),
        status: Some(query.status.clone()),
        page: query.page.unwrap_or(1),
        per_page: 100,
    };
    let result = sms::list(state.store.reads(), &area, &filter).await?;
    Ok(page(
        &caller,
        &t(lang, "sms-log-title"),
        html! {
            h1 { (t(lang, "sms-log-title")) }
            form.filters method="get" {
                div { label for="q" { (t(lang, "search")) } input #q type="search" name="q" value=(query.q); }
                div { label for="status" { (t(lang, "incident-status")) }
                    select #status name="status" { option value="" { "—" }
                        @for s in ["processed", "partial", "unverified", "rejected", "sent", "failed"] { option value=(s) selected[query.status == s] { (status_name(lang, s)) } } } }
                button type="submit" { (t(lang, "search-button")) }
            }
            p.muted { (t(lang, "total")) ": " (result.total) " · " (t(lang, "times-in-baku")) }
            div.table-wrap { table #sms-log {
                thead { tr { th { (t(lang, "audit-when")) } th { "" } th { (t(lang, "field-phone")) } th { (t(lang, "sms-text")) } th { (t(lang, "incident-status")) } th { } } }
                tbody { @for m in &result.items { tr data-status=(m.status) {
                    td { (format_baku(m.at)) }
                    td { @if m.direction == "in" { "→" } @else { "←" } }
                    td { (m.phone) @if let Some(name) = &m.observer_name { br; span.muted { (name) } }
                        @if m.sender_elsewhere { br; span.muted.sender-elsewhere { (t(lang, "sms-sender-elsewhere")) } } }
                    td { code style="white-space:pre-wrap" { (m.body) } }
                    td { span.tag { (status_name(lang, &m.status)) } }
                    td { @if m.direction == "in" && matches!(m.status.as_str(), "unverified" | "rejected") {
                        form method="post" action={ "/sms/" (m.id) "/reprocess" } { (csrf_field(&caller)) button.secondary type="submit" { (t(lang, "sms-reprocess")) } }
                    } }
                } } }
            } }
            (pager(lang, result.page, result.page_count(), &format!("q={}&status={}", query_value(&query.q), query_value(&query.status))))
        },
    ))
}

/// Whoever sees a message in the log may process it again: admins, and coordinators of the
/// constituencies of the observer it comes (or claims to come) from.
pub async fn reprocess(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> AppResult<Response> {
    let area = people_area(caller.actor()?)?;
    if !sms::in_area(state.store.reads(), id, &area).await? {
        return Err(AppError::NotFound);
    }
    crate::sms::process::reprocess(&state, id).await?;
    Ok(Redirect::to("/sms").into_response())
}

/// A message's state in the reader's language (its code when it is one this page does not know).
fn status_name(lang: domain::language::Language, status: &str) -> String {
    let name = t(lang, &format!("sms-status-{status}"));
    if name.starts_with("sms-status-") { status.to_string() } else { name }
}
