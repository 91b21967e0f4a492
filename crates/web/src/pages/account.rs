//! A person's own account: changing their password.

use axum::extract::State;
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use storage::audit::{self, Change};
use storage::{now_millis, people, sessions};

use crate::auth::{Caller, CsrfForm, password};
use crate::error::AppResult;
use crate::i18n::t;
use crate::pages::layout::{csrf_field, notice_error, notice_ok, page};
use crate::state::AppState;

pub async fn show(caller: Caller) -> AppResult<Response> {
    caller.actor()?;
    Ok(account_page(&caller, None, None))
}

fn account_page(caller: &Caller, error: Option<&str>, ok: Option<&str>) -> Response {
    let lang = caller.language;
    page(
        caller,
        &t(lang, "account"),
        html! {
            h1 { (t(lang, "account")) }
            @if let Some(person) = &caller.person { p { (person.full_name) " · " code { (person.username) } } }
            @if let Some(error) = error { (notice_error(error)) }
            @if let Some(ok) = ok { (notice_ok(ok)) }
            h2 { (t(lang, "password-change")) }
            form method="post" action="/account/password" .form-grid {
                (csrf_field(caller))
                div { label for="current" { (t(lang, "password-current")) } input #current name="current" type="password" autocomplete="current-password" required; }
                div { label for="new" { (t(lang, "password-new")) } input #new name="new" type="password" autocomplete="new-password" required minlength="10"; }
                div { button type="submit" { (t(lang, "save")) } }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    CsrfForm(form): CsrfForm<PasswordChange>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let lang = caller.language;
    let username = caller.person.as_ref().map(|p| p.username.clone()).unwrap_or_default();
    let stored = people::credentials(state.store.reads(), &username).await?.and_then(|c| c.password_hash);
    if !password::verify(form.current, stored).await {
        return Ok(account_page(&caller, Some(&t(lang, "password-current-wrong")), None));
    }
    if let Err(message) = password::check_new_password(&form.new) {
        return Ok(account_page(&caller, Some(&t(lang, message)), None));
    }
    let hash = password::hash(form.new).await?;
    let author = caller.author();
    let now = now_millis();
    let user_id = actor.user_id;
    // Whoever else holds a session of theirs (a stolen cookie, a phone left behind) is signed
    // out; the browser that made the change stays signed in.
    let kept = caller.session.as_ref().map(|s| s.token_hash.clone()).unwrap_or_default();
    state
        .store
        .write(move |connection| {
            Box::pin(async move {
                people::set_password(connection, user_id, &hash).await?;
                sessions::delete_other_sessions_of(connection, user_id, &kept).await?;
                audit::record(
                    connection,
                    &author,
                    Change {
                        action: "person.password_change",
                        entity: "person",
                        entity_id: user_id.to_string(),
                        details: serde_json::json!({}),
                    },
                    now,
                )
                .await
            })
        })
        .await?;
    Ok(account_page(&caller, None, Some(&t(lang, "password-changed"))))
}
