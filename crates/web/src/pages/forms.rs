//! Form definitions in the admin UI: what is loaded, and loading a new version.

use axum::extract::{Multipart, State};
use axum::response::Response;
use maud::html;

use domain::access::Action;
use domain::forms::FormDefinition;
use storage::now_millis;

use crate::auth::Caller;
use crate::auth::csrf::check_token;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::pages::layout::{csrf_field, notice_error, notice_ok, page};
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, caller: Caller) -> AppResult<Response> {
    caller.require_actor(Action::ImportReferenceData)?;
    forms_page(&state, &caller, None).await
}

async fn forms_page(state: &AppState, caller: &Caller, outcome: Option<Result<String, String>>) -> AppResult<Response> {
    let lang = caller.language;
    let forms = storage::forms::all(state.store.reads()).await?;
    Ok(page(
        caller,
        &t(lang, "forms-title"),
        html! {
            h1 { (t(lang, "forms-title")) }
            @match &outcome { Some(Ok(text)) => (notice_ok(text)), Some(Err(text)) => (notice_error(text)), None => {} }
            div.table-wrap { table #forms {
                thead { tr { th { (t(lang, "code")) } th { (t(lang, "forms-version")) } th { (t(lang, "name")) } th.num { (t(lang, "forms-questions")) } } }
                tbody { @for form in &forms { tr {
                    td { code { (form.code) } } td { (form.version) } td { (form.title.get(lang)) } td.num { (form.questions().count()) }
                } } }
            } }
            h2 { (t(lang, "forms-load")) }
            p { (t(lang, "forms-load-help")) }
            form method="post" action="/forms" enctype="multipart/form-data" .form-grid {
                (csrf_field(caller))
                div { label for="definition" { "JSON" } input #definition type="file" name="definition" accept=".json,application/json" required; }
                div { button type="submit" { (t(lang, "import-upload")) } }
            }
        },
    ))
}

pub async fn load(State(state): State<AppState>, caller: Caller, mut multipart: Multipart) -> AppResult<Response> {
    caller.require_actor(Action::ImportReferenceData)?;
    let (mut csrf, mut text) = (String::new(), String::new());
    while let Some(field) = multipart.next_field().await.map_err(|_| AppError::TooLarge)? {
        match field.name() {
            Some("csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("definition") => text = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    check_token(&caller, &csrf)?;
    let form = match FormDefinition::parse(&text) {
        Ok(form) => form,
        Err(error) => return forms_page(&state, &caller, Some(Err(error.to_string()))).await,
    };
    let label = format!("{} v{}", form.code, form.version);
    let author = caller.author();
    let now = now_millis();
    let details = serde_json::json!({ "code": form.code, "version": form.version });
    let result = state
        .store
        .write(move |c| {
            Box::pin(async move {
                let new = storage::forms::save(c, &form, now).await?;
                let change =
                    storage::audit::Change { action: "form.load", entity: "form", entity_id: label.clone(), details };
                storage::audit::record(c, &author, change, now).await?;
                Ok((new, label))
            })
        })
        .await;
    let outcome = match result {
        Ok((_, label)) => {
            state.forms.replace(storage::forms::all(state.store.reads()).await?);
            Ok(format!("{}: {label}", t(caller.language, "forms-loaded")))
        }
        Err(storage::StorageError::Conflict(detail)) => Err(detail),
        Err(other) => return Err(other.into()),
    };
    forms_page(&state, &caller, Some(outcome)).await
}
