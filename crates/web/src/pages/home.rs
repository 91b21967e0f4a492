//! The front page: the election at a glance, and for a signed-in person, their own work.

use axum::extract::State;
use axum::response::Response;
use fluent_templates::fluent_bundle::FluentValue;
use maud::{Markup, html};

use domain::access::Action;
use domain::roles::Role;
use storage::{people, reference};

use crate::auth::Caller;
use crate::error::AppResult;
use crate::i18n::{number, t, t_args};
use crate::pages::layout::page;
use crate::state::AppState;

pub async fn home(State(state): State<AppState>, caller: Caller) -> AppResult<Response> {
    let lang = caller.language;
    let pool = state.store.reads();
    let election = reference::election(pool).await?;
    let mine = match &caller.actor {
        Some(actor) => Some((actor.role, people::assignments(pool, actor.user_id).await?)),
        None => None,
    };
    let body = html! {
        @match &election {
            Some(election) => {
                h1 { (election.name.get(lang)) }
                p.muted { (t(lang, "election-date")) ": " (election.election_date) }
                div.cards {
                    (card(&number(lang, election.constituencies), &t(lang, "figure-constituencies"), "/constituencies"))
                    (card(&number(lang, election.stations), &t(lang, "figure-stations"), "/stations"))
                    (card(&number(lang, election.registered_voters), &t(lang, "figure-voters"), "/stations"))
                    @if caller.may(Action::ViewMonitoring) {
                        (card(&number(lang, election.monitored_constituencies), &t(lang, "figure-monitored"), "/constituencies?monitored=1"))
                    }
                }
            }
            None => {
                h1 { "pollwatch" }
                p { (t(lang, "no-election-yet")) }
            }
        }
        @if let Some((role, assignments)) = &mine {
            h2 { (t(lang, "your-work")) }
            p { (t(lang, "your-role")) ": " strong { (t(lang, &format!("role-{}", role.as_str()))) } }
            @if *role == Role::Observer {
                p { (t_args(lang, "your-stations", &[("count", FluentValue::from(assignments.stations.len()))])) }
                ul { @for station in &assignments.stations {
                    li { a href={ "/constituencies/" (station.constituency) } { (station.to_string()) } }
                } }
            }
            @if *role == Role::Coordinator {
                p { (t(lang, "your-constituencies")) }
                ul { @for number in &assignments.constituencies {
                    li { a href={ "/constituencies/" (number) } { (t(lang, "constituency")) " " (number) } }
                } }
            }
        }
    };
    Ok(page(&caller, election.as_ref().map(|e| e.name.get(lang)).unwrap_or("pollwatch"), body))
}

fn card(figure: &str, label: &str, href: &str) -> Markup {
    html! {
        a.card href=(href) style="text-decoration:none;color:inherit" {
            div.figure { (figure) }
            div.label { (label) }
        }
    }
}
