//! People: listing, creating and editing accounts, roles and assignments, resetting
//! passwords. Who may see or change whom comes from `domain::access`; form rows are checked
//! by the same rules as a spreadsheet import (`domain::import`), so the two never disagree.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use domain::access::{Action, Actor, PersonFacts};
use domain::audit::ChangeAuthor;
use domain::import::{self, ColumnMapping, ImportKind, PersonRecord, Record};
use domain::language::Language;
use domain::roles::Role;
use storage::audit::{self, Change};
use storage::people::{self, Assignments, PeopleFilter, PersonRow};
use storage::{StorageError, Store, now_millis, reference, sessions};

use crate::auth::csrf::NoFields;
use crate::auth::secrets::random_password;
use crate::auth::{Caller, CsrfForm, password};
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::pages::layout::{csrf_field, notice_error, page, pager, query_value};
use crate::pages::problems::problem_text;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct PeopleQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    constituency: String,
    page: Option<u32>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<PeopleQuery>>,
) -> AppResult<Response> {
    let actor = caller.require_actor(Action::ListPeople)?;
    let lang = caller.language;
    let filter = PeopleFilter {
        search: Some(query.q.clone()),
        role: Role::parse(&query.role),
        constituency: query.constituency.trim().parse().ok(),
        page: query.page.unwrap_or(1),
        per_page: 50,
        ..Default::default()
    };
    let result = people::list(state.store.reads(), &actor.people_scope(), &filter).await?;
    let base_query = format!(
        "q={}&role={}&constituency={}",
        query_value(&query.q),
        query_value(&query.role),
        query_value(&query.constituency)
    );
    let body = html! {
        h1 { (t(lang, "people-title")) }
        @if actor.may(Action::CreatePeople) { p { a.button href="/people/new" { (t(lang, "person-new")) } } }
        form.filters method="get" {
            div { label for="q" { (t(lang, "search")) } input #q type="search" name="q" value=(query.q) placeholder=(t(lang, "people-search-hint")); }
            div { label for="role" { (t(lang, "field-role")) }
                select #role name="role" {
                    option value="" { "—" }
                    @for role in Role::ALL { option value=(role.as_str()) selected[filter.role == Some(role)] { (role_name(lang, role)) } }
                } }
            div { label for="constituency" { (t(lang, "constituency")) } input #constituency name="constituency" inputmode="numeric" size="5" value=(query.constituency); }
            button type="submit" { (t(lang, "search-button")) }
        }
        p.muted { (t(lang, "total")) ": " (result.total) }
        div.table-wrap { table {
            thead { tr { th { (t(lang, "field-full-name")) } th { (t(lang, "field-username")) } th { (t(lang, "field-role")) } th { (t(lang, "field-organisation")) } th { (t(lang, "field-phone")) } th { (t(lang, "field-observer-code")) } th { (t(lang, "active")) } } }
            tbody { @for person in &result.items { tr {
                td { a href={ "/people/" (person.id) } { (person.full_name) } }
                td { (person.username) }
                td { (role_name(lang, person.role)) }
                td { (person.organisation_code.as_deref().unwrap_or("")) }
                td { (person.phone.as_deref().unwrap_or("")) }
                td { (person.observer_code.map(|c| format!("{c:06}")).unwrap_or_default()) }
                td { (crate::pages::layout::yes_no(lang, person.active)) }
            } } }
        } }
        (pager(lang, result.page, result.page_count(), &base_query))
    };
    Ok(page(&caller, &t(lang, "people-title"), body))
}

pub fn role_name(lang: Language, role: Role) -> String {
    t(lang, &format!("role-{}", role.as_str()))
}

/// The person form's fields, named as the people import's columns.
#[derive(Deserialize, Default, Clone)]
pub struct PersonForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    observer_code: String,
    #[serde(default)]
    stations: String,
    #[serde(default)]
    constituencies: String,
}

impl PersonForm {
    fn from_person(person: &PersonRow, assignments: &Assignments) -> Self {
        let join = |items: Vec<String>| items.join("; ");
        PersonForm {
            username: person.username.clone(),
            full_name: person.full_name.clone(),
            role: person.role.as_str().into(),
            organisation: person.organisation_code.clone().unwrap_or_default(),
            phone: person.phone.clone().unwrap_or_default(),
            email: person.email.clone().unwrap_or_default(),
            observer_code: person.observer_code.map(|c| format!("{c:06}")).unwrap_or_default(),
            stations: join(assignments.stations.iter().map(ToString::to_string).collect()),
            constituencies: join(assignments.constituencies.iter().map(ToString::to_string).collect()),
        }
    }

    /// The person as `record` will leave them, written as `from_person` writes them (in the
    /// same order); the observer code is left for the caller, who knows the stored one.
    fn from_record(record: &PersonRecord, organisations: &[storage::reference::OrganisationRow]) -> Self {
        let join = |items: Vec<String>| items.join("; ");
        let (mut stations, mut constituencies) = (record.stations.clone(), record.constituencies.clone());
        stations.sort_unstable();
        stations.dedup();
        constituencies.sort_unstable();
        constituencies.dedup();
        let organisation = record.organisation_id.and_then(|id| organisations.iter().find(|o| o.id == id));
        PersonForm {
            username: record.username.as_str().to_string(),
            full_name: record.full_name.as_str().to_string(),
            role: record.role.as_str().into(),
            organisation: organisation.map(|o| o.code.clone()).unwrap_or_default(),
            phone: record.phone.as_ref().map(|p| p.as_str().to_string()).unwrap_or_default(),
            email: record.email.as_ref().map(|e| e.as_str().to_string()).unwrap_or_default(),
            observer_code: String::new(),
            stations: join(stations.iter().map(ToString::to_string).collect()),
            constituencies: join(constituencies.iter().map(ToString::to_string).collect()),
        }
    }
}

/// Checks the form with the import's rules; returns the record or the problems as text.
async fn parse_form(
    store: &Store,
    actor: &Actor,
    form: &PersonForm,
    lang: Language,
) -> AppResult<Result<PersonRecord, Vec<String>>> {
    let mut form = form.clone();
    // An organisation admin's people always belong to their organisation.
    if actor.role == Role::OrgAdmin {
        let organisations = reference::organisations(store.reads()).await?;
        form.organisation = organisations
            .iter()
            .find(|o| Some(o.id) == actor.organisation_id)
            .map(|o| o.code.clone())
            .unwrap_or_default();
    }
    let headers: Vec<String> = [
        "username",
        "full_name",
        "role",
        "organisation",
        "phone",
        "email",
        "observer_code",
        "stations",
        "constituencies",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let row = vec![
        form.username,
        form.full_name,
        form.role,
        form.organisation,
        form.phone,
        form.email,
        form.observer_code,
        form.stations,
        form.constituencies,
    ];
    let known = storage::import::known_references(store.reads()).await?;
    let mapping = ColumnMapping::guess(ImportKind::People, &headers);
    let plan = import::plan(ImportKind::People, &headers, &[row], &mapping, &known);
    if !plan.is_clean() {
        let problems = plan
            .errors
            .iter()
            .map(|e| format!("{}: {}", field_label(lang, &e.column), problem_text(lang, &e.problem)))
            .collect();
        return Ok(Err(problems));
    }
    match plan.records.into_iter().next() {
        Some((_, Record::Person(record))) => {
            if !actor.may_assign(record.role, record.organisation_id) {
                return Ok(Err(vec![t(lang, "person-role-not-allowed")]));
            }
            Ok(Ok(record))
        }
        _ => Ok(Err(vec![t(lang, "problem-required")])),
    }
}

fn field_label(lang: Language, key: &str) -> String {
    t(lang, &format!("field-{}", key.replace('_', "-")))
}

fn person_form(
    caller: &Caller,
    actor: &Actor,
    action: &str,
    form: &PersonForm,
    organisations: &[storage::reference::OrganisationRow],
) -> Markup {
    let lang = caller.language;
    html! {
        form method="post" action=(action) .stack {
            (csrf_field(caller))
            div.form-grid {
                div { label for="full_name" { (t(lang, "field-full-name")) } input #full_name name="full_name" required value=(form.full_name); }
                div { label for="username" { (t(lang, "field-username")) } input #username name="username" required autocapitalize="none" value=(form.username); }
                div { label for="role" { (t(lang, "field-role")) }
                    select #role name="role" { @for role in actor.assignable_roles() { option value=(role.as_str()) selected[form.role == role.as_str()] { (role_name(lang, *role)) } } } }
                div { label for="organisation" { (t(lang, "field-organisation")) }
                    select #organisation name="organisation" disabled[actor.role == Role::OrgAdmin] {
                        option value="" { "—" }
                        @for o in organisations { option value=(o.code) selected[form.organisation.eq_ignore_ascii_case(&o.code)] { (o.code) " — " (o.name.get(lang)) } }
                    } }
                div { label for="phone" { (t(lang, "field-phone")) } input #phone name="phone" type="tel" value=(form.phone) placeholder="+994 50 123 45 67"; }
                div { label for="email" { (t(lang, "field-email")) } input #email name="email" type="email" value=(form.email); }
                div { label for="observer_code" { (t(lang, "field-observer-code")) } input #observer_code name="observer_code" inputmode="numeric" value=(form.observer_code) placeholder=(t(lang, "observer-code-hint")); }
                div { label for="stations" { (t(lang, "field-stations")) } input #stations name="stations" value=(form.stations) placeholder="17/3; 17/4"; }
                div { label for="constituencies" { (t(lang, "field-constituencies")) } input #constituencies name="constituencies" value=(form.constituencies) placeholder="17; 18"; }
            }
            button type="submit" { (t(lang, "save")) }
        }
    }
}

pub async fn new_form(State(state): State<AppState>, caller: Caller) -> AppResult<Response> {
    let actor = caller.require_actor(Action::CreatePeople)?;
    let organisations = reference::organisations(state.store.reads()).await?;
    let form = PersonForm { role: Role::Observer.as_str().into(), ..Default::default() };
    Ok(new_page(&caller, actor, &form, &organisations, &[]))
}

fn new_page(
    caller: &Caller,
    actor: &Actor,
    form: &PersonForm,
    organisations: &[storage::reference::OrganisationRow],
    problems: &[String],
) -> Response {
    let lang = caller.language;
    page(
        caller,
        &t(lang, "person-new"),
        html! {
            h1 { (t(lang, "person-new")) }
            @for problem in problems { (notice_error(problem)) }
            (person_form(caller, actor, "/people", form, organisations))
        },
    )
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> AppResult<Response> {
    let actor = caller.require_actor(Action::CreatePeople)?.clone();
    let lang = caller.language;
    let record = match parse_form(&state.store, &actor, &form, lang).await? {
        Ok(record) => record,
        Err(problems) => {
            let organisations = reference::organisations(state.store.reads()).await?;
            let mut response = new_page(&caller, &actor, &form, &organisations, &problems);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let initial_password = random_password();
    let hash = password::hash(initial_password.clone()).await?;
    let author = caller.author();
    let now = now_millis();
    let id = state
        .store
        .write(move |connection| {
            Box::pin(async move {
                let id = people::insert(connection, &record, Some(&hash), now).await?;
                let details = serde_json::to_value(&record).unwrap_or_default();
                audit::record(
                    connection,
                    &author,
                    Change { action: "person.create", entity: "person", entity_id: id.to_string(), details },
                    now,
                )
                .await?;
                Ok(id)
            })
        })
        .await
        .map_err(|e| conflict_text(e, lang))?;
    Ok(password_shown(&caller, id, &initial_password))
}

fn conflict_text(error: storage::StorageError, lang: Language) -> AppError {
    match AppError::from(error) {
        AppError::Conflict(detail) => AppError::Conflict(format!("{} ({detail})", t(lang, "person-conflict"))),
        other => other,
    }
}

/// Shows a new password once; it is never stored or shown again.
fn password_shown(caller: &Caller, id: i64, password: &str) -> Response {
    let lang = caller.language;
    page(
        caller,
        &t(lang, "password-issued"),
        html! {
            h1 { (t(lang, "password-issued")) }
            div.notice.secret { p { (t(lang, "password-issued-help")) } p { code #issued-password { (password) } } }
            p { a href={ "/people/" (id) } { (t(lang, "back-to-person")) } }
        },
    )
}

async fn visible_person(state: &AppState, actor: &Actor, id: i64) -> AppResult<(PersonRow, PersonFacts)> {
    let pool = state.store.reads();
    let facts = people::facts(pool, id).await?.ok_or(AppError::NotFound)?;
    // Someone out of scope gets the same answer as someone who does not exist.
    if !actor.may_view_person(&facts) {
        return Err(AppError::NotFound);
    }
    let person = people::by_id(pool, id).await?.ok_or(AppError::NotFound)?;
    Ok((person, facts))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let (person, facts) = visible_person(&state, &actor, id).await?;
    let assignments = people::assignments(state.store.reads(), id).await?;
    let organisations = reference::organisations(state.store.reads()).await?;
    Ok(person_page(
        &caller,
        &actor,
        &person,
        &facts,
        &PersonForm::from_person(&person, &assignments),
        &organisations,
        &[],
    ))
}

fn person_page(
    caller: &Caller,
    actor: &Actor,
    person: &PersonRow,
    facts: &PersonFacts,
    form: &PersonForm,
    organisations: &[storage::reference::OrganisationRow],
    problems: &[String],
) -> Response {
    let lang = caller.language;
    let editable = actor.may_edit_person(facts);
    page(
        caller,
        &person.full_name,
        html! {
            h1 { (person.full_name) }
            p { (role_name(lang, person.role)) @if let Some(code) = &person.organisation_code { " · " (code) } @if !person.active { " · " span.tag { (t(lang, "inactive")) } }
            @if person.observer_code.is_some() { " · " a href={ "/people/" (person.id) "/sms-card" } { (t(lang, "sms-card-title")) } } }
            @for problem in problems { (notice_error(problem)) }
            @if editable {
                (person_form(caller, actor, &format!("/people/{}", person.id), form, organisations))
                h2 { (t(lang, "account")) }
                div.filters style="display:flex;gap:.5rem;flex-wrap:wrap" {
                    form method="post" action={ "/people/" (person.id) "/password" } { (csrf_field(caller)) button.secondary type="submit" { (t(lang, "password-reset")) } }
                    form method="post" action={ "/people/" (person.id) "/active" } {
                        (csrf_field(caller))
                        input type="hidden" name="active" value=(if person.active { "0" } else { "1" });
                        @if person.active { button.danger type="submit" { (t(lang, "deactivate")) } } @else { button type="submit" { (t(lang, "activate")) } }
                    }
                }
            } @else {
                dl {
                    dt { (t(lang, "field-username")) } dd { (person.username) }
                    dt { (t(lang, "field-phone")) } dd { (person.phone.as_deref().unwrap_or("—")) }
                    dt { (t(lang, "field-stations")) } dd { (form.stations) }
                    dt { (t(lang, "field-constituencies")) } dd { (form.constituencies) }
                }
            }
        },
    )
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let lang = caller.language;
    let (person, facts) = visible_person(&state, &actor, id).await?;
    if !actor.may_edit_person(&facts) {
        return Err(AppError::Forbidden);
    }
    let record = match parse_form(&state.store, &actor, &form, lang).await? {
        Ok(record) => record,
        Err(problems) => {
            let organisations = reference::organisations(state.store.reads()).await?;
            let mut response = person_page(&caller, &actor, &person, &facts, &form, &organisations, &problems);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let organisations = reference::organisations(state.store.reads()).await?;
    let mut after = PersonForm::from_record(&record, &organisations);
    let author = caller.author();
    let now = now_millis();
    state
        .store
        .write(move |connection| {
            Box::pin(async move {
                // Read in the change's own transaction: what it replaced, even if another
                // change to this person came first.
                let stored = people::by_id_within(connection, id).await?.ok_or(StorageError::NotFound)?;
                let before = PersonForm::from_person(&stored, &people::assignments_within(connection, id).await?);
                people::update(connection, id, &record).await?;
                // The code kept, or the one given to someone who has just become an observer.
                let code = people::observer_code_of(connection, id).await?;
                after.observer_code = code.map(|c| format!("{c:06}")).unwrap_or_default();
                // Both in the form's shape, so that the audit log can say what changed.
                let details = serde_json::json!({ "before": form_json(&before), "after": form_json(&after) });
                audit::record(
                    connection,
                    &author,
                    Change { action: "person.update", entity: "person", entity_id: id.to_string(), details },
                    now,
                )
                .await
            })
        })
        .await
        .map_err(|e| conflict_text(e, lang))?;
    Ok(Redirect::to(&format!("/people/{id}")).into_response())
}

fn form_json(form: &PersonForm) -> serde_json::Value {
    serde_json::json!({
        "username": form.username, "full_name": form.full_name, "role": form.role,
        "organisation": form.organisation, "phone": form.phone, "email": form.email,
        "observer_code": form.observer_code, "stations": form.stations, "constituencies": form.constituencies,
    })
}

pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let (_, facts) = visible_person(&state, &actor, id).await?;
    if !actor.may_edit_person(&facts) {
        return Err(AppError::Forbidden);
    }
    let new_password = random_password();
    let hash = password::hash(new_password.clone()).await?;
    write_account_change(
        &state.store,
        caller.author(),
        id,
        "person.password_reset",
        serde_json::json!({}),
        move |connection| Box::pin(async move { people::set_password(connection, id, &hash).await }),
    )
    .await?;
    Ok(password_shown(&caller, id, &new_password))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let (_, facts) = visible_person(&state, &actor, id).await?;
    if !actor.may_edit_person(&facts) || id == actor.user_id {
        return Err(AppError::Forbidden);
    }
    let active = form.active == "1";
    let action = if active { "person.activate" } else { "person.deactivate" };
    write_account_change(
        &state.store,
        caller.author(),
        id,
        action,
        serde_json::json!({ "active": active }),
        move |connection| Box::pin(async move { people::set_active(connection, id, active).await }),
    )
    .await?;
    Ok(Redirect::to(&format!("/people/{id}")).into_response())
}

/// An account change that also signs the person out everywhere, with its audit entry.
async fn write_account_change<F>(
    store: &Store,
    author: ChangeAuthor,
    id: i64,
    action: &'static str,
    details: serde_json::Value,
    change: F,
) -> AppResult<()>
where
    F: for<'c> FnOnce(&'c mut storage::Connection) -> futures_util::future::BoxFuture<'c, storage::Result<()>>
        + Send
        + 'static,
{
    let now = now_millis();
    store
        .write(move |connection| {
            Box::pin(async move {
                change(&mut *connection).await?;
                sessions::delete_sessions_of(connection, id).await?;
                audit::record(
                    connection,
                    &author,
                    Change { action, entity: "person", entity_id: id.to_string(), details },
                    now,
                )
                .await
            })
        })
        .await?;
    Ok(())
}
