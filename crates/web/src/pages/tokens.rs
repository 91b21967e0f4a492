//! API tokens for partners and devices: created by coalition admins, shown once, stored
//! hashed, revocable. A token acts as the account it is issued to, with that account's role.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use domain::access::Action;
use domain::timezone::format_baku;
use storage::audit::{self, Change};
use storage::{now_millis, people, sessions};

use crate::auth::csrf::NoFields;
use crate::auth::secrets::{hash_token, random_token};
use crate::auth::{Caller, CsrfForm};
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::pages::layout::{csrf_field, notice_error, page};
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, caller: Caller) -> AppResult<Response> {
    caller.require_actor(Action::ManageApiTokens)?;
    tokens_page(&state, &caller, None).await
}

async fn tokens_page(state: &AppState, caller: &Caller, error: Option<String>) -> AppResult<Response> {
    let lang = caller.language;
    let tokens = sessions::api_tokens(state.store.reads()).await?;
    Ok(page(
        caller,
        &t(lang, "tokens-title"),
        html! {
            h1 { (t(lang, "tokens-title")) }
            p { (t(lang, "tokens-help")) }
            @if let Some(error) = error { (notice_error(&error)) }
            form method="post" action="/tokens" .form-grid {
                (csrf_field(caller))
                div { label for="label" { (t(lang, "token-label")) } input #label name="label" required placeholder="OSCE/ODIHR"; }
                div { label for="username" { (t(lang, "token-account")) } input #username name="username" required autocapitalize="none" placeholder="partner"; }
                div { button type="submit" { (t(lang, "token-create")) } }
            }
            div.table-wrap { table {
                thead { tr { th { (t(lang, "token-label")) } th { (t(lang, "token-account")) } th { (t(lang, "token-created")) } th { } } }
                tbody { @for token in &tokens { tr {
                    td { (token.label) } td { (token.username) } td { (format_baku(token.created_at)) }
                    td { @if let Some(revoked) = token.revoked_at { span.tag { (t(lang, "token-revoked")) " " (format_baku(revoked)) } } @else {
                        form method="post" action={ "/tokens/" (token.id) "/revoke" } { (csrf_field(caller)) button.danger type="submit" { (t(lang, "token-revoke")) } }
                    } }
                } } }
            } }
        },
    ))
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    label: String,
    #[serde(default)]
    username: String,
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    CsrfForm(form): CsrfForm<NewToken>,
) -> AppResult<Response> {
    caller.require_actor(Action::ManageApiTokens)?;
    let lang = caller.language;
    let label = form.label.trim().to_string();
    let Some(account) =
        people::by_username(state.store.reads(), form.username.trim()).await?.filter(|_| !label.is_empty())
    else {
        return tokens_page(&state, &caller, Some(t(lang, "token-account-unknown"))).await;
    };
    let token = format!("pw_{}", random_token());
    let token_hash = hash_token(&token);
    let author = caller.author();
    let now = now_millis();
    let account_id = account.id;
    state
        .store
        .write(move |connection| {
            Box::pin(async move {
                let id = sessions::create_api_token(connection, &token_hash, &label, account_id, author.user_id, now)
                    .await?;
                let details = serde_json::json!({ "label": label, "account": account_id });
                audit::record(
                    connection,
                    &author,
                    Change { action: "api_token.create", entity: "api_token", entity_id: id.to_string(), details },
                    now,
                )
                .await
            })
        })
        .await?;
    Ok(page(
        &caller,
        &t(lang, "tokens-title"),
        html! {
            h1 { (t(lang, "token-issued")) }
            div.notice.secret { p { (t(lang, "token-issued-help")) } p { code #issued-token { (token) } } }
            p { a href="/tokens" { (t(lang, "tokens-title")) } }
        },
    ))
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> AppResult<Response> {
    caller.require_actor(Action::ManageApiTokens)?;
    let author = caller.author();
    let now = now_millis();
    state
        .store
        .write(move |connection| {
            Box::pin(async move {
                sessions::revoke_api_token(connection, id, now).await?;
                audit::record(
                    connection,
                    &author,
                    Change {
                        action: "api_token.revoke",
                        entity: "api_token",
                        entity_id: id.to_string(),
                        details: serde_json::json!({}),
                    },
                    now,
                )
                .await
            })
        })
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::NotFound => AppError::NotFound,
            other => other,
        })?;
    Ok(Redirect::to("/tokens").into_response())
}
