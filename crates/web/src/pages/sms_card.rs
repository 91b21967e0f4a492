//! The printable SMS card of one observer, in their language: their code, each form's code,
//! each question's code and how to write its value, and an example — generated from the
//! loaded form definitions, so it cannot drift from them.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use domain::forms::{FormDefinition, QuestionKind};
use domain::language::Language;
use storage::people;

use crate::auth::Caller;
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::t;
use crate::state::AppState;

/// How an answer to this question is written in an SMS.
fn encoding(lang: Language, kind: &QuestionKind) -> String {
    match kind {
        QuestionKind::YesNo => format!("1 = {}, 2 = {}", t(lang, "yes"), t(lang, "no")),
        QuestionKind::Integer { min, max } => format!("{} {min}–{max}", t(lang, "sms-hint-number")),
        QuestionKind::Decimal { min, max } => format!("{} {min}–{max}", t(lang, "sms-hint-number")),
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            options.iter().map(|o| format!("{} = {}", o.value, o.label.get(lang))).collect::<Vec<_>>().join("; ")
        }
        QuestionKind::Time => format!("{} (0705)", t(lang, "sms-hint-time")),
        QuestionKind::Text { .. } => t(lang, "sms-card-comment"),
        QuestionKind::Photo => "—".into(),
    }
}

/// An example message answering every question that can go by SMS. Yes/no answers that
/// would open a follow-up only text can answer (a description) are given the other way.
fn example(form: &FormDefinition, code: &str) -> String {
    use domain::forms::answers::{Answer, Answers};
    use domain::forms::expression::Expr;
    let follow_ups: Vec<Expr> = form
        .questions()
        .filter(|q| matches!(q.kind, QuestionKind::Text { .. } | QuestionKind::Photo))
        .filter_map(|q| q.show_if.as_deref().and_then(|e| Expr::parse(e).ok()))
        .collect();
    // "yes" unless "yes" would open a follow-up SMS cannot answer.
    let yes_opens_follow_up = |code: &str| {
        let mut answers = Answers::default();
        answers.0.insert(code.to_string(), Answer::YesNo(true));
        follow_ups.iter().any(|e| e.codes().contains(&code) && e.holds(&answers))
    };
    let mut text = format!("{} {code}", form.code);
    let mut given = Answers::default();
    for question in form.questions() {
        // A follow-up belongs in the example only when the example's answers open it.
        if question.show_if.as_deref().and_then(|e| Expr::parse(e).ok()).is_some_and(|e| !e.holds(&given)) {
            continue;
        }
        let (value, answer) = match &question.kind {
            QuestionKind::YesNo if yes_opens_follow_up(&question.code) => ("2".to_string(), Answer::YesNo(false)),
            QuestionKind::YesNo => ("1".to_string(), Answer::YesNo(true)),
            QuestionKind::Integer { min, max } => {
                let n = ((min + max) / 20).max(*min);
                (n.to_string(), Answer::Integer(n))
            }
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                let first = options.first().map(|o| o.value).unwrap_or(1);
                (first.to_string(), Answer::Choice(first))
            }
            QuestionKind::Time => ("0705".into(), Answer::Time("07:05".into())),
            _ => continue,
        };
        given.0.insert(question.code.clone(), answer);
        text.push_str(&format!(" {}{value}", question.code));
    }
    text
}

fn form_section(lang: Language, form: &FormDefinition, code: &str) -> Markup {
    html! {
        section.sms-form {
            h2 { code { (form.code) } " — " (form.title.get(lang)) }
            table {
                tbody { @for question in form.questions().filter(|q| !matches!(q.kind, QuestionKind::Photo)) { tr {
                    td { code { (question.code) } } td { (question.label.get(lang)) } td.muted { (encoding(lang, &question.kind)) }
                } } }
            }
            p { (t(lang, "sms-card-example")) ": " code.example { (example(form, code)) } }
        }
    }
}

pub async fn card(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(id)): Checked<Path<i64>>,
) -> AppResult<Response> {
    let actor = caller.actor()?;
    let pool = state.store.reads();
    let facts = people::facts(pool, id).await?.ok_or(AppError::NotFound)?;
    if !actor.may_view_person(&facts) {
        return Err(AppError::NotFound);
    }
    let person = people::by_id(pool, id).await?.ok_or(AppError::NotFound)?;
    let Some(code) = person.observer_code.map(|c| format!("{c:06}")) else { return Err(AppError::NotFound) };
    // In the observer's own language, whoever prints it.
    let lang = Language::parse(&person.language).unwrap_or_default();
    let stations = people::assignments(pool, id).await?.stations;
    let forms = state.forms.all_current();
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                title { (t(lang, "sms-card-title")) " · " (person.full_name) }
                link rel="stylesheet" href="/static/app.css";
            }
            body.sms-card {
                main {
                    h1 { (t(lang, "sms-card-title")) }
                    p { strong { (person.full_name) } " · " (t(lang, "field-observer-code")) ": " code #observer-code { (code) }
                        @if !stations.is_empty() { " · " (t(lang, "field-stations")) ": " (stations.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) } }
                    p { (t(lang, "sms-card-how")) }
                    @if stations.len() > 1 { p { (t(lang, "sms-card-station")) } }
                    @for form in &forms { (form_section(lang, form, &code)) }
                }
            }
        }
    };
    Ok(Html(markup.into_string()).into_response())
}
