//! The audit log, browsable and filterable by the coalition's admins.

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use time::macros::format_description;

use domain::access::Action;
use domain::audit::Channel;
use domain::incidents::IncidentStatus;
use domain::language::Language;
use domain::roles::Role;
use domain::timezone::{BAKU, format_baku};
use storage::audit::{self, AuditFilter};
use storage::people;

use crate::auth::Caller;
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, t_args};
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
fn baku_day_start(text: &str, lang: Language) -> Result<Option<i64>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let date = time::Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|_| AppError::BadRequest(t_args(lang, "audit-date-refused", &[("date", text.to_string().into())])))?;
    Ok(Some((date.midnight().assume_offset(BAKU).unix_timestamp()) * 1000))
}

impl AuditQuery {
    pub fn to_filter(&self, per_page: u32, lang: Language) -> Result<AuditFilter, AppError> {
        Ok(AuditFilter {
            actor: Some(self.actor.clone()),
            channel: Channel::parse(&self.channel),
            entity: Some(self.entity.clone()),
            action: Some(self.action.clone()),
            from: baku_day_start(&self.from, lang)?,
            // "until 2024-02-07" includes that whole day.
            until: baku_day_start(&self.until, lang)?.map(|start| start + 86_400_000),
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
    let result = audit::list(&state.store, &query.to_filter(100, lang)?).await?;
    // Each entry's details read once, for the names they refer to and for the page.
    let recorded: Vec<Recorded> = result.items.iter().map(|entry| Recorded::read(&entry.details)).collect();
    let names = Names(people::full_names(state.store.reads(), &people_named(&recorded)).await?);
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
            tbody { @for (entry, recorded) in result.items.iter().zip(&recorded) { tr {
                td { (format_baku(entry.at)) }
                td { (entry.actor_username.as_deref().unwrap_or("—")) }
                td { (entry.channel) }
                td { @if let Some(label) = action_label(lang, &entry.action) { (label) br; } code.muted { (entry.action) } }
                td { (entry.entity) " " (entry.entity_id) }
                td.details { (details(lang, recorded, &names)) }
            } } }
        } }
        (pager(lang, result.page, result.page_count(), &base_query))
    };
    Ok(page(&caller, &t(lang, "audit-title"), body))
}

/// The actions the application records, each with a message `audit-action-…`; a record
/// added or changed by an import is "ENTITY.import_create" or "ENTITY.import_update".
const ACTIONS: [&str; 17] = [
    "api_token.create",
    "api_token.revoke",
    "conflict.resolve",
    "demo.load",
    "form.load",
    "import.apply",
    "incident.change",
    "person.activate",
    "person.create",
    "person.deactivate",
    "person.password_change",
    "person.password_reset",
    "person.update",
    "session.sign_in",
    "submission.create",
    "import_create",
    "import_update",
];

/// An action in words, for the actions the application records.
fn action_label(lang: Language, action: &str) -> Option<String> {
    let known = match action.rsplit_once('.') {
        Some((_, by_import @ ("import_create" | "import_update"))) => by_import,
        _ => action,
    };
    ACTIONS.contains(&known).then(|| t(lang, &format!("audit-action-{}", known.replace(['.', '_'], "-"))))
}

/// A detail's name in words where the pages have one; other names as recorded.
fn field_label(lang: Language, name: &str) -> String {
    let id = match name {
        "username" => "field-username",
        "full_name" => "field-full-name",
        "role" => "field-role",
        "organisation" => "field-organisation",
        "phone" => "field-phone",
        "email" => "field-email",
        "observer_code" => "field-observer-code",
        "stations" => "field-stations",
        "constituencies" => "field-constituencies",
        "assignee" => "incident-assignee",
        "referred_to" => "incident-referred-to",
        "note" => "incident-note",
        "address" => "audit-field-address",
        "by" => "audit-field-by",
        "account" => "audit-field-account",
        _ => return name.to_string(),
    };
    t(lang, id)
}

/// Details that hold a person's id: an incident's assignee, who resolved a disagreement,
/// whose account a token acts for.
const PERSON_FIELDS: [&str; 3] = ["assignee", "by", "account"];

/// An entry's details as recorded: a JSON object, or text that is not one.
enum Recorded<'a> {
    Fields(serde_json::Map<String, serde_json::Value>),
    Text(&'a str),
}

impl Recorded<'_> {
    fn read(text: &str) -> Recorded<'_> {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(fields)) => Recorded::Fields(fields),
            _ => Recorded::Text(text),
        }
    }
}

/// The people the entries' details refer to by id.
fn people_named(entries: &[Recorded]) -> Vec<i64> {
    let mut ids: Vec<i64> = entries
        .iter()
        .filter_map(|entry| match entry {
            Recorded::Fields(fields) => Some(fields),
            Recorded::Text(_) => None,
        })
        .flat_map(|fields| PERSON_FIELDS.iter().filter_map(|field| fields.get(*field)?.as_i64()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Full names by user id.
#[derive(Default)]
struct Names(std::collections::HashMap<i64, String>);

/// A detail's value in words: people, roles and incident statuses by their names, nothing as "—".
fn field_value(lang: Language, name: &str, value: &serde_json::Value, names: &Names) -> String {
    match (name, value) {
        (_, serde_json::Value::Number(id)) if PERSON_FIELDS.contains(&name) => {
            id.as_i64().and_then(|id| names.0.get(&id)).cloned().unwrap_or_else(|| id.to_string())
        }
        (_, serde_json::Value::Null) => "—".into(),
        (_, serde_json::Value::String(text)) if text.is_empty() => "—".into(),
        ("role", serde_json::Value::String(role)) if Role::parse(role).is_some() => t(lang, &format!("role-{role}")),
        ("from" | "to", serde_json::Value::String(status)) if IncidentStatus::parse(status).is_some() => {
            t(lang, &format!("incident-status-{status}"))
        }
        (_, serde_json::Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}

/// An entry's details as lines a reader follows: a change of a record as "name: before →
/// after" for what changed, an incident's move as "Status: from → to", anything else as
/// "name: value" with empty ones left out. Text that is not a JSON object is shown as it is.
fn details(lang: Language, recorded: &Recorded, names: &Names) -> Markup {
    let fields = match recorded {
        Recorded::Fields(fields) => fields,
        Recorded::Text(text) => return html! { code style="white-space:pre-wrap;word-break:break-all" { (text) } },
    };
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut shown_already = vec!["from", "to"];
    // A change recorded in one shape before and after (entries from before that are
    // listed field by field, as recorded).
    if let (Some(serde_json::Value::Object(before)), Some(serde_json::Value::Object(after))) =
        (fields.get("before"), fields.get("after"))
        && before.keys().eq(after.keys())
    {
        shown_already.extend(["before", "after"]);
        for (name, new) in after {
            let old = before.get(name).unwrap_or(&serde_json::Value::Null);
            let (old, new) = (field_value(lang, name, old, names), field_value(lang, name, new, names));
            if old != new {
                lines.push((field_label(lang, name), format!("{old} → {new}")));
            }
        }
        if lines.is_empty() {
            lines.push((t(lang, "audit-unchanged"), String::new()));
        }
    }
    if let (Some(from), Some(to)) = (fields.get("from"), fields.get("to"))
        && !to.is_null()
    {
        let change = format!("{} → {}", field_value(lang, "from", from, names), field_value(lang, "to", to, names));
        lines.push((t(lang, "incident-status"), change));
    }
    for (name, value) in fields.iter().filter(|(name, _)| !shown_already.contains(&name.as_str())) {
        if !value.is_null() && value.as_str() != Some("") {
            lines.push((field_label(lang, name), field_value(lang, name, value, names)));
        }
    }
    html! {
        @for (name, value) in &lines {
            span.muted { (name) @if !value.is_empty() { ": " } } (value) br;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_referred_to_by_id_are_named() {
        let names = Names([(3, "Aysel Məmmədova".to_string())].into());
        let text = r#"{"from":"new","to":"triaged","assignee":3,"note":""}"#;
        assert!(
            details(Language::En, &Recorded::read(text), &names)
                .into_string()
                .contains("Assigned to: </span>Aysel Məmmədova")
        );
        let unknown = r#"{"value":"yes","by":99}"#;
        assert!(
            details(Language::En, &Recorded::read(unknown), &names).into_string().contains("Resolved by: </span>99")
        );
    }

    #[test]
    fn an_incident_step_reads_as_a_move_between_statuses_with_its_note() {
        let text = r#"{"from":"triaged","to":"verified","assignee":null,"referred_to":null,"note":"Two witnesses"}"#;
        let shown = details(Language::En, &Recorded::read(text), &Names::default()).into_string();
        assert_eq!(
            shown,
            r#"<span class="muted">Status: </span>triaged → verified<br><span class="muted">Note: </span>Two witnesses<br>"#
        );
    }

    #[test]
    fn a_record_changed_to_the_same_says_nothing_changed_and_other_text_is_shown_as_it_is() {
        let same = r#"{"before":{"role":"observer"},"after":{"role":"observer"}}"#;
        assert!(
            details(Language::En, &Recorded::read(same), &Names::default()).into_string().contains("Nothing changed")
        );
        let role = r#"{"before":{"role":"observer"},"after":{"role":"coordinator"}}"#;
        assert!(
            details(Language::En, &Recorded::read(role), &Names::default())
                .into_string()
                .contains("Observer → Constituency coordinator")
        );
        assert!(
            details(Language::En, &Recorded::read("<not json>"), &Names::default())
                .into_string()
                .contains("&lt;not json&gt;")
        );
        assert_eq!(action_label(Language::Ru, "person.update").as_deref(), Some("Данные человека изменены"));
        assert_eq!(action_label(Language::Ru, "something.else"), None);
    }

    #[test]
    fn every_recorded_action_has_words_in_every_language() {
        for language in Language::ALL {
            for action in ACTIONS.iter().map(|a| if a.contains('.') { a.to_string() } else { format!("station.{a}") }) {
                let label = action_label(language, &action).unwrap();
                assert!(!label.starts_with("audit-action-"), "{action} has no words in {language:?}");
            }
        }
    }

    #[test]
    fn a_change_recorded_in_two_shapes_is_listed_as_recorded() {
        let text = r#"{"before":{"organisation":"VCUM"},"after":{"organisation_id":3}}"#;
        let shown = details(Language::En, &Recorded::read(text), &Names::default()).into_string();
        assert!(shown.contains("before: </span>{&quot;organisation&quot;:&quot;VCUM&quot;}"), "{shown}");
        assert!(shown.contains("after: </span>{&quot;organisation_id&quot;:3}"), "{shown}");
    }
}
