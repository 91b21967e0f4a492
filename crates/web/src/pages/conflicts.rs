//! Disagreements between observers at one station, for a coordinator to settle.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use storage::conflicts;

use crate::api::coordination::{people_area, resolve};
use crate::auth::{Caller, CsrfForm};
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::pages::answers::labelled;
use crate::pages::layout::{csrf_field, page};
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, caller: Caller) -> AppResult<Response> {
    let area = people_area(caller.actor()?)?;
    let lang = caller.language;
    let open = conflicts::open(state.store.reads(), &area).await?;
    Ok(page(
        &caller,
        &t(lang, "conflicts-title"),
        html! {
            h1 { (t(lang, "conflicts-title")) }
            p { (t(lang, "conflicts-help")) }
            @if open.is_empty() { p.muted #nothing-yet { (t(lang, "conflicts-none")) } }
            div.table-wrap { table #conflicts {
                thead { tr { th { "№" } th { (t(lang, "conflict-question")) } th { (t(lang, "conflict-answers")) } th { } } }
                tbody { @for c in &open {
                    @let (question, a) = labelled(&state, lang, &c.form_code, &c.question_code, &c.answer_a);
                    @let b = labelled(&state, lang, &c.form_code, &c.question_code, &c.answer_b).1;
                    tr {
                    td { (c.station) }
                    td { code { (c.form_code) } " " (question) }
                    td { (c.observer_a.as_deref().unwrap_or("?")) ": " strong { (a) } br;
                         (c.observer_b.as_deref().unwrap_or("?")) ": " strong { (b) } }
                    td { @for (side, value) in [("a", &a), ("b", &b)] {
                        form method="post" action={ "/conflicts/" (c.id) } style="display:inline" {
                            (csrf_field(&caller))
                            input type="hidden" name="side" value=(side);
                            button.secondary type="submit" { (t(lang, "conflict-keep")) " " (value) }
                        }
                    } }
                } } }
            } }
        },
    ))
}

#[derive(Deserialize)]
pub struct ResolveForm {
    side: String,
}

pub async fn resolve_form(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    CsrfForm(form): CsrfForm<ResolveForm>,
) -> AppResult<Response> {
    let conflict = conflicts::by_id(state.store.reads(), id).await?.ok_or(AppError::NotFound)?;
    let value = match form.side.as_str() {
        "a" => conflict.answer_a,
        "b" => conflict.answer_b,
        _ => return Err(AppError::BadRequest(t(caller.language, "conflict-choose-side"))),
    };
    resolve(&state, &caller, id, value).await?;
    Ok(Redirect::to("/conflicts").into_response())
}
