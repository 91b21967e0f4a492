//! The observer app's page: a small shell that `static/observe.js` fills from the form
//! definitions. It works offline once opened (see `static/sw.js`).

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, PreEscaped, html};

use domain::roles::Role;
use storage::people;

use crate::auth::Caller;
use crate::error::{AppError, AppResult};
use crate::i18n::{t, t_args};
use crate::pages::layout::language_switcher;
use crate::state::AppState;

pub async fn app(State(state): State<AppState>, caller: Caller) -> AppResult<Response> {
    let actor = caller.actor()?;
    if actor.role != Role::Observer {
        return Err(AppError::Forbidden);
    }
    let lang = caller.language;
    let stations: Vec<String> = people::assignments(state.store.reads(), actor.user_id)
        .await?
        .stations
        .iter()
        .map(ToString::to_string)
        .collect();
    let words = [
        ("yes", "yes"),
        ("no", "no"),
        ("save", "observe-save"),
        ("cancel", "observe-cancel"),
        ("station", "observe-station"),
        ("required", "answer-required"),
        ("range", "observe-range"),
        ("saved", "observe-saved"),
        ("queued", "observe-queued"),
        ("sent", "observe-sent"),
        ("rejected", "observe-rejected"),
        ("fix", "observe-fix"),
        ("online", "observe-online"),
        ("offline", "observe-offline"),
        ("signInAgain", "observe-sign-in-again"),
        ("due", "observe-due"),
        ("photoRefused", "observe-photo-refused"),
        ("photoKept", "observe-photo-kept"),
        ("storageFailed", "observe-storage-failed"),
        ("discard", "observe-discard"),
        ("savedSent", "observe-saved-sent"),
        ("savedRejected", "observe-saved-rejected"),
        ("incidentAsked", "observe-incident-asked"),
        ("signOutWaiting", "observe-sign-out-waiting"),
    ];
    let mut text: serde_json::Map<String, serde_json::Value> =
        words.iter().map(|(key, id)| (key.to_string(), serde_json::Value::String(t(lang, id)))).collect();
    // "{article}" is filled in by the page for each incident category that names one.
    let article = t_args(lang, "election-code-article", &[("article", "{article}".into())]);
    text.insert("article".into(), serde_json::Value::String(article));
    // Escaped for a <script> data block: "</" must not end it early.
    let text_json = serde_json::Value::Object(text).to_string().replace("</", "<\\/");
    let name = caller.person.as_ref().map(|p| p.full_name.clone()).unwrap_or_default();
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf-token" content=(caller.form_token());
                meta name="theme-color" content="#102a43";
                title { (t(lang, "nav-observe")) " · pollwatch" }
                link rel="manifest" href="/manifest.webmanifest";
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                header.top {
                    a.brand href="/" { "pollwatch" }
                    div.who {
                        (language_switcher(&caller))
                        span { (name) }
                        span #connection role="status" {}
                        // A phone may be shared, or taken: signing out is one tap away.
                        form #sign-out method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(caller.form_token());
                            button type="submit" { (t(lang, "nav-sign-out")) }
                        }
                    }
                }
                main #observe data-user=(actor.user_id) data-stations=(serde_json::to_string(&stations).unwrap_or_default()) {
                    h1 { (t(lang, "observe-title")) }
                    p.muted { (t(lang, "observe-help")) }
                    div #forms .stack {}
                    div #form {}
                    h2 { (t(lang, "observe-outbox")) }
                    ul #outbox {}
                }
                script #observe-text type="application/json" { (PreEscaped(text_json)) }
                script src="/static/outbox.js" defer {}
                script src="/static/observe.js" defer {}
            }
        }
    };
    Ok(Html(markup.into_string()).into_response())
}
