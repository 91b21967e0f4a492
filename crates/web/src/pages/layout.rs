//! The page frame: header, navigation by role, language switcher, sign-out.

use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use domain::access::Action;
use domain::language::Language;

use crate::auth::Caller;
use crate::i18n::t;

/// A full HTML page as a response.
pub fn page(caller: &Caller, title: &str, body: Markup) -> Response {
    Html(frame(caller, title, body).into_string()).into_response()
}

pub fn frame(caller: &Caller, title: &str, body: Markup) -> Markup {
    let lang = caller.language;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) " · pollwatch" }
                link rel="stylesheet" href="/static/app.css";
            }
            body {
                header.top {
                    a.brand href="/" { "pollwatch" }
                    nav { (navigation(caller)) }
                    div.who {
                        (language_switcher(caller))
                        @if let Some(person) = &caller.person {
                            span { (person.full_name) }
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(caller.form_token());
                                button type="submit" { (t(lang, "nav-sign-out")) }
                            }
                        } @else {
                            a href="/login" { (t(lang, "nav-sign-in")) }
                        }
                    }
                }
                main { (body) }
                @if caller.person.is_none() { script src="/static/signed-out.js" defer {} }
            }
        }
    }
}

fn navigation(caller: &Caller) -> Markup {
    let lang = caller.language;
    html! {
        a href="/constituencies" { (t(lang, "nav-constituencies")) }
        a href="/stations" { (t(lang, "nav-stations")) }
        a href="/candidates" { (t(lang, "nav-candidates")) }
        a href="/organisations" { (t(lang, "nav-organisations")) }
        @if caller.may(Action::ListPeople) { a href="/people" { (t(lang, "nav-people")) } }
        @if let Some(actor) = &caller.actor {
            @if actor.role == domain::roles::Role::Observer { a href="/observe" { (t(lang, "nav-observe")) } }
            @if matches!(actor.role, domain::roles::Role::CoalitionAdmin | domain::roles::Role::Coordinator | domain::roles::Role::Analyst) { a href="/coverage" { (t(lang, "nav-coverage")) } }
            @if matches!(actor.role, domain::roles::Role::CoalitionAdmin | domain::roles::Role::Coordinator) {
                a href="/incidents" { (t(lang, "nav-incidents")) }
                a href="/conflicts" { (t(lang, "nav-conflicts")) }
                a href="/sms" { "SMS" }
            }
        }
        @if caller.may(Action::ImportPeople) || caller.may(Action::ImportReferenceData) { a href="/imports" { (t(lang, "nav-imports")) } }
        @if caller.may(Action::ViewReferenceData) { a href="/exports" { (t(lang, "nav-exports")) } }
        @if caller.may(Action::ImportReferenceData) { a href="/forms" { (t(lang, "nav-forms")) } }
        @if caller.may(Action::ViewAuditLog) { a href="/audit" { (t(lang, "nav-audit")) } }
        @if caller.may(Action::ManageApiTokens) { a href="/tokens" { (t(lang, "nav-tokens")) } }
    }
}

/// Switches the interface language (the page comes back in it): a signed-in person's choice is
/// kept for them, so it takes their form token; anyone else's is a link setting a cookie.
pub(crate) fn language_switcher(caller: &Caller) -> Markup {
    if caller.person.is_some() {
        language_form(caller)
    } else {
        html! { span.languages { (language_links(caller.language)) } }
    }
}

fn language_links(current: Language) -> Markup {
    html! {
        @for language in Language::ALL {
            @if language == current {
                a href={ "/language?to=" (language.code()) } aria-current="true" lang=(language.code()) { (language.code().to_uppercase()) }
            } @else {
                a href={ "/language?to=" (language.code()) } lang=(language.code()) title=(language.native_name()) { (language.code().to_uppercase()) }
            }
        }
    }
}

fn language_form(caller: &Caller) -> Markup {
    let current = caller.language;
    html! {
        form.languages method="post" action="/language" {
            (csrf_field(caller))
            @for language in Language::ALL {
                @if language == current {
                    button name="to" value=(language.code()) aria-current="true" lang=(language.code()) { (language.code().to_uppercase()) }
                } @else {
                    button name="to" value=(language.code()) lang=(language.code()) title=(language.native_name()) { (language.code().to_uppercase()) }
                }
            }
        }
    }
}

/// A hidden CSRF field for forms.
pub fn csrf_field(caller: &Caller) -> Markup {
    html! { input type="hidden" name="csrf" value=(caller.form_token()); }
}

/// Previous/next links keeping the other query parameters.
pub fn pager(lang: Language, page: u32, page_count: u32, base_query: &str) -> Markup {
    let link =
        |p: u32| format!("?{}page={p}", if base_query.is_empty() { String::new() } else { format!("{base_query}&") });
    html! {
        @if page_count > 1 {
            div.pager {
                @if page > 1 { a href=(link(page - 1)) { "← " (t(lang, "pager-previous")) } }
                span.muted { (page) " / " (page_count) }
                @if page < page_count { a href=(link(page + 1)) { (t(lang, "pager-next")) " →" } }
            }
        }
    }
}

/// A yes/no tag.
pub fn yes_no(lang: Language, value: bool) -> Markup {
    html! {
        @if value { span.tag.yes { (t(lang, "yes")) } } @else { span.tag { (t(lang, "no")) } }
    }
}

pub fn notice_error(text: &str) -> Markup {
    html! { div.notice.error role="alert" { (text) } }
}

pub fn notice_ok(text: &str) -> Markup {
    html! { div.notice.ok role="status" { (text) } }
}

/// Encodes a query-string value.
pub fn query_value(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).map(|s| s[2..].to_string()).unwrap_or_default()
}
