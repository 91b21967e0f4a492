//! Importing spreadsheets through the browser: upload, choose the column mapping, dry run,
//! apply. Uploaded tables wait in memory (bounded, one hour) between the steps; nothing is
//! written until the person applies a plan without problems.

use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use domain::access::{Action, Actor};
use domain::import::{self, ColumnMapping, ImportKind, ImportPlan, Record};
use domain::language::Language;
use storage::import::{apply, known_references};
use storage::now_millis;
use tabular::Table;

use crate::auth::csrf::check_token;
use crate::auth::secrets::random_token;
use crate::auth::{Caller, CsrfForm};
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::pages::layout::{csrf_field, notice_error, notice_ok, page};
use crate::pages::problems::problem_text;
use crate::state::AppState;

const UPLOAD_LIFETIME: Duration = Duration::from_secs(3600);
const MAX_WAITING_UPLOADS: usize = 32;

struct Upload {
    owner: i64,
    kind: ImportKind,
    file_name: String,
    table: Table,
    created: Instant,
}

/// Uploads between their steps, keyed by a random id.
#[derive(Default)]
pub struct UploadShelf {
    uploads: Mutex<HashMap<String, Upload>>,
}

impl UploadShelf {
    fn put(&self, upload: Upload) -> String {
        let id = random_token()[..24].to_string();
        let mut uploads = self.uploads.lock().unwrap_or_else(|e| e.into_inner());
        uploads.retain(|_, u| u.created.elapsed() < UPLOAD_LIFETIME);
        if uploads.len() >= MAX_WAITING_UPLOADS
            && let Some(oldest) = uploads.iter().min_by_key(|(_, u)| u.created).map(|(k, _)| k.clone())
        {
            uploads.remove(&oldest);
        }
        uploads.insert(id.clone(), upload);
        id
    }

    fn with<T>(&self, id: &str, owner: i64, f: impl FnOnce(&Upload) -> T) -> Option<T> {
        let uploads = self.uploads.lock().unwrap_or_else(|e| e.into_inner());
        uploads.get(id).filter(|u| u.owner == owner && u.created.elapsed() < UPLOAD_LIFETIME).map(f)
    }

    fn remove(&self, id: &str) {
        self.uploads.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
    }
}

/// Organisation admins import people (into their own organisation); reference data is the
/// coalition admin's.
fn may_import(actor: &Actor, kind: ImportKind) -> bool {
    match kind {
        ImportKind::People => actor.may(Action::ImportPeople),
        _ => actor.may(Action::ImportReferenceData),
    }
}

fn kind_name(lang: Language, kind: ImportKind) -> String {
    t(lang, &format!("import-kind-{}", kind.as_str()))
}

pub async fn start(caller: Caller) -> AppResult<Response> {
    let actor = caller.actor()?;
    let kinds: Vec<ImportKind> = ImportKind::ALL.into_iter().filter(|k| may_import(actor, *k)).collect();
    if kinds.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(start_page(&caller, &kinds, None))
}

fn start_page(caller: &Caller, kinds: &[ImportKind], error: Option<&str>) -> Response {
    let lang = caller.language;
    page(
        caller,
        &t(lang, "imports-title"),
        html! {
            h1 { (t(lang, "imports-title")) }
            p { (t(lang, "imports-help")) }
            @if let Some(error) = error { (notice_error(error)) }
            form method="post" action="/imports" enctype="multipart/form-data" .form-grid {
                (csrf_field(caller))
                div { label for="kind" { (t(lang, "import-kind")) }
                    select #kind name="kind" { @for kind in kinds { option value=(kind.as_str()) { (kind_name(lang, *kind)) } } } }
                div { label for="file" { (t(lang, "import-file")) } input #file type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required; }
                div { button type="submit" { (t(lang, "import-upload")) } }
            }
            h2 { (t(lang, "import-columns")) }
            @for kind in kinds {
                p { strong { (kind_name(lang, *kind)) } ": "
                    @for (i, field) in kind.fields().iter().enumerate() { @if i > 0 { ", " } code { (field.key) } @if field.required { "*" } } }
            }
        },
    )
}

pub async fn upload(State(state): State<AppState>, caller: Caller, mut multipart: Multipart) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let lang = caller.language;
    let (mut kind, mut file, mut file_name, mut csrf) = (None, None, String::new(), String::new());
    while let Some(field) = multipart.next_field().await.map_err(|_| AppError::TooLarge)? {
        match field.name() {
            Some("kind") => kind = ImportKind::parse(&field.text().await.unwrap_or_default()),
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                file_name = field.file_name().unwrap_or("upload").to_string();
                file = Some(field.bytes().await.map_err(|_| AppError::TooLarge)?);
            }
            _ => {}
        }
    }
    check_token(&caller, &csrf)?;
    let kind = kind.ok_or_else(|| AppError::BadRequest(t(lang, "import-kind-missing")))?;
    if !may_import(&actor, kind) {
        return Err(AppError::Forbidden);
    }
    let kinds: Vec<ImportKind> = ImportKind::ALL.into_iter().filter(|k| may_import(&actor, *k)).collect();
    let bytes = file.unwrap_or_default();
    let table = match tabular::read(&bytes) {
        Ok(table) => table,
        Err(error) => {
            let mut response = start_page(&caller, &kinds, Some(&format!("{}: {error}", t(lang, "import-unreadable"))));
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let id = state.uploads.put(Upload { owner: actor.user_id, kind, file_name, table, created: Instant::now() });
    Ok(Redirect::to(&format!("/imports/{id}")).into_response())
}

pub async fn review(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<String>>,
) -> AppResult<Response> {
    let actor = caller.actor()?;
    let (kind, file_name, table) = state
        .uploads
        .with(&id, actor.user_id, |u| (u.kind, u.file_name.clone(), u.table.clone()))
        .ok_or(AppError::NotFound)?;
    let mapping = ColumnMapping::guess(kind, &table.headers);
    Ok(review_page(&caller, &id, kind, &file_name, &table, &mapping, html! {}))
}

fn review_page(
    caller: &Caller,
    id: &str,
    kind: ImportKind,
    file_name: &str,
    table: &Table,
    mapping: &ColumnMapping,
    outcome: Markup,
) -> Response {
    let lang = caller.language;
    page(
        caller,
        &t(lang, "imports-title"),
        html! {
            h1 { (kind_name(lang, kind)) ": " (file_name) }
            p.muted { (t(lang, "import-rows")) ": " (table.rows.len()) }
            (outcome)
            h2 { (t(lang, "import-mapping")) }
            form method="post" action={ "/imports/" (id) } .stack {
                (csrf_field(caller))
                div.form-grid {
                    @for field in kind.fields() {
                        div { label for={ "map-" (field.key) } { code { (field.key) } @if field.required { " *" } }
                            select id={ "map-" (field.key) } name={ "map." (field.key) } {
                                option value="" { "—" }
                                @for (column, header) in table.headers.iter().enumerate() {
                                    option value=(header) selected[mapping.column_of(field.key) == Some(column)] { (header) }
                                }
                            } }
                    }
                }
                div style="display:flex;gap:.5rem" {
                    button.secondary type="submit" name="step" value="dry_run" { (t(lang, "import-dry-run")) }
                    button type="submit" name="step" value="apply" { (t(lang, "import-apply")) }
                }
            }
            h2 { (t(lang, "import-preview")) }
            div.table-wrap { table {
                thead { tr { th { "#" } @for header in &table.headers { th { (header) } } } }
                tbody { @for (i, row) in table.rows.iter().take(5).enumerate() { tr { td { (i + 2) } @for cell in row { td { (cell) } } } } }
            } }
        },
    )
}

pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<String>>,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let lang = caller.language;
    let (kind, file_name, table) = state
        .uploads
        .with(&id, actor.user_id, |u| (u.kind, u.file_name.clone(), u.table.clone()))
        .ok_or(AppError::NotFound)?;
    if !may_import(&actor, kind) {
        return Err(AppError::Forbidden);
    }
    let choices: Vec<(String, String)> = form
        .iter()
        .filter_map(|(name, header)| name.strip_prefix("map.").map(|field| (field.to_string(), header.clone())))
        .collect();
    let mapping = match ColumnMapping::from_choices(kind, &table.headers, &choices)
        .and_then(|m| m.check_complete(kind).map(|()| m))
    {
        Ok(mapping) => mapping,
        Err(error) => {
            let fallback = ColumnMapping::guess(kind, &table.headers);
            return Ok(review_page(
                &caller,
                &id,
                kind,
                &file_name,
                &table,
                &fallback,
                notice_error(&format!("{}: {error}", t(lang, "import-mapping-invalid"))),
            ));
        }
    };
    let known = known_references(state.store.reads()).await?;
    let mut plan = import::plan(kind, &table.headers, &table.rows, &mapping, &known);
    restrict_to_own_organisation(&state, &actor, &mut plan, lang).await?;
    if !plan.is_clean() {
        let mut response = review_page(&caller, &id, kind, &file_name, &table, &mapping, problems_table(lang, &plan));
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    }
    let apply_now = form.get("step").map(String::as_str) == Some("apply");
    let author = caller.author();
    let now = now_millis();
    let records = plan.records;
    let outcome = if apply_now {
        state.store.write(move |c| Box::pin(async move { apply(c, kind, &records, &author, now).await })).await
    } else {
        state.store.rehearse(move |c| Box::pin(async move { apply(c, kind, &records, &author, now).await })).await
    };
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(storage::StorageError::Conflict(detail)) => {
            return Ok(review_page(
                &caller,
                &id,
                kind,
                &file_name,
                &table,
                &mapping,
                notice_error(&format!("{}: {detail}", t(lang, "import-conflict"))),
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let summary = format!(
        "{} {} — {}: {}, {}: {}",
        t(lang, if apply_now { "import-applied" } else { "import-dry-run-ok" }),
        file_name,
        t(lang, "import-created"),
        outcome.created,
        t(lang, "import-updated"),
        outcome.updated
    );
    if apply_now {
        state.uploads.remove(&id);
        return Ok(page(
            &caller,
            &t(lang, "imports-title"),
            html! {
                h1 { (kind_name(lang, kind)) }
                (notice_ok(&summary))
                p { a href="/imports" { (t(lang, "import-another")) } }
            },
        ));
    }
    Ok(review_page(&caller, &id, kind, &file_name, &table, &mapping, notice_ok(&summary)))
}

/// An organisation admin's import may only create or change their own organisation's
/// people: a row naming another organisation, or an existing account outside their reach
/// (matched by username), is a problem of that row.
async fn restrict_to_own_organisation(
    state: &AppState,
    actor: &Actor,
    plan: &mut ImportPlan,
    lang: Language,
) -> AppResult<()> {
    if actor.is_admin() {
        return Ok(());
    }
    let pool = state.store.reads();
    for (row, record) in &plan.records {
        let Record::Person(person) = record else { continue };
        let mut allowed = actor.may_assign(person.role, person.organisation_id);
        if allowed && let Some(existing) = storage::people::by_username(pool, person.username.as_str()).await? {
            let facts = storage::people::facts(pool, existing.id).await?;
            allowed = facts.is_some_and(|f| actor.may_edit_person(&f));
        }
        if !allowed {
            plan.errors.push(import::RowError {
                row: *row,
                column: "username".into(),
                value: person.username.to_string(),
                problem: import::Problem::BadPersonField { reason: t(lang, "person-role-not-allowed") },
            });
        }
    }
    plan.errors.sort_by_key(|e| e.row);
    Ok(())
}

fn problems_table(lang: Language, plan: &ImportPlan) -> Markup {
    html! {
        (notice_error(&format!("{} ({})", t(lang, "import-has-problems"), plan.errors.len())))
        div.table-wrap { table #import-problems {
            thead { tr { th { (t(lang, "import-row")) } th { (t(lang, "import-column")) } th { (t(lang, "import-value")) } th { (t(lang, "import-problem")) } } }
            tbody { @for error in plan.errors.iter().take(500) { tr {
                td.num { (error.row) } td { (error.column) } td { code { (error.value) } } td { (problem_text(lang, &error.problem)) }
            } } }
        } }
    }
}
