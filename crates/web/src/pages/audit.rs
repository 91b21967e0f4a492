//! The audit log, browsable and filterable by the coalition's admins.

use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;
use serde::Deserialize;
use time::macros::format_description;

use domain::access::Action;
use domain::audit::Channel;
use domain::timezone::{BAKU, format_baku};
use storage::audit::{self, AuditFilter};

use crate::auth::Caller;
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::pages::layout::{page, pager, query_value};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub action: String,
    /// Baku dates, "2024-02-07".
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    pub page: Option<u32>,
}

/// Midnight at the start of a Baku date, in epoch milliseconds.
fn baku_day_start(text: &str) -> Result<Option<i64>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let date = time::Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| AppError::BadRequest(format!("dates are written 2024-02-07, not {text}")))?;
    Ok(Some((date.midnight().assume_offset(BAKU).unix_timestamp()) * 1000))
}

impl AuditQuery {
    pub fn to_filter(&self, per_page: u32) -> Result<AuditFilter, AppError> {
        Ok(AuditFilter {
            actor: Some(self.actor.clone()),
            channel: Channel::parse(&self.channel),
            entity: Some(self.entity.clone()),
            action: Some(self.action.clone()),
            from: baku_day_start(&self.from)?,
            // "until 2024-02-07" includes that whole day.
            until: baku_day_start(&self.until)?.map(|start| start + 86_400_000),
            page: self.page.unwrap_or(1),
            per_page,
        })
    }
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<AuditQuery>>,
) -> AppResult<Response> {
    caller.require_actor(Action::ViewAuditLog)?;
    let lang = caller.language;
    let result = audit::list(&state.store, &query.to_filter(100)?).await?;
    let base_query = format!(
        "actor={}&channel={}&entity={}&action={}&from={}&until={}",
        query_value(&query.actor),
        query_value(&query.channel),
        query_value(&query.entity),
        query_value(&query.action),
        query_value(&query.from),
        query_value(&query.until)
    );
    let body = html! {
        h1 { (t(lang, "audit-title")) }
        form.filters method="get" {
            div { label for="actor" { (t(lang, "audit-actor")) } input #actor name="actor" value=(query.actor) size="12"; }
            div { label for="channel" { (t(lang, "audit-channel")) }
                select #channel name="channel" { option value="" { "—" } @for c in Channel::ALL { option value=(c.as_str()) selected[query.channel == c.as_str()] { (c.as_str()) } } } }
            div { label for="entity" { (t(lang, "audit-entity")) } input #entity name="entity" value=(query.entity) size="12" placeholder="person"; }
            div { label for="action" { (t(lang, "audit-action")) } input #action name="action" value=(query.action) size="16" placeholder="person.update"; }
            div { label for="from" { (t(lang, "audit-from")) } input #from name="from" type="date" value=(query.from); }
            div { label for="until" { (t(lang, "audit-until")) } input #until name="until" type="date" value=(query.until); }
            button type="submit" { (t(lang, "search-button")) }
        }
        p.muted { (t(lang, "total")) ": " (result.total) " · " (t(lang, "times-in-baku")) }
        div.table-wrap { table {
            thead { tr { th { (t(lang, "audit-when")) } th { (t(lang, "audit-actor")) } th { (t(lang, "audit-channel")) } th { (t(lang, "audit-action")) } th { (t(lang, "audit-entity")) } th { (t(lang, "audit-details")) } } }
            tbody { @for entry in &result.items { tr {
                td { (format_baku(entry.at)) }
                td { (entry.actor_username.as_deref().unwrap_or("—")) }
                td { (entry.channel) }
                td { code { (entry.action) } }
                td { (entry.entity) " " (entry.entity_id) }
                td.details { (details(&entry.details)) }
            } } }
        } }
        (pager(lang, result.page, result.page_count(), &base_query))
    };
    Ok(page(&caller, &t(lang, "audit-title"), body))
}

/// An entry's details as "name: value" lines, the empty ones left out; text that is not a JSON
/// object as it is.
fn details(text: &str) -> maud::Markup {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(text) else {
        return maud::html! { code style="white-space:pre-wrap;word-break:break-all" { (text) } };
    };
    let shown = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    maud::html! {
        @for (name, value) in fields.iter().filter(|(_, v)| !v.is_null() && v.as_str() != Some("")) {
            span.muted { (name) ": " } (shown(value)) br;
        }
    }
}
