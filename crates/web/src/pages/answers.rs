//! Observers' answers as a reader sees them: each question by its label in the reader's
//! language, each value in words ("bəli", "Orta", "07:19"), not as JSON.

use serde_json::Value as Json;

use domain::forms::definition::Question;
use domain::forms::{Choice, QuestionKind};
use domain::language::Language;

use crate::i18n::t;
use crate::state::AppState;

/// A value as its question asks it.
pub fn shown(question: &Question, value: &Json, lang: Language) -> String {
    let label = |options: &[Choice], value: &Json| {
        let chosen = value.as_u64().and_then(|v| options.iter().find(|o| u64::from(o.value) == v));
        chosen.map_or_else(|| plain(value), |o| o.label.get(lang).to_string())
    };
    match (&question.kind, value) {
        (QuestionKind::YesNo, Json::Bool(yes)) => t(lang, if *yes { "yes" } else { "no" }),
        (QuestionKind::SingleChoice { options }, _) => label(options, value),
        (QuestionKind::MultipleChoice { options }, Json::Array(values)) => {
            values.iter().map(|v| label(options, v)).collect::<Vec<_>>().join(", ")
        }
        _ => plain(value),
    }
}

/// A question of a form's current version by its label, and a value of it in words; the
/// code and the bare value when the form no longer has the question.
pub fn labelled(state: &AppState, lang: Language, form_code: &str, code: &str, value: &Json) -> (String, String) {
    let form = state.forms.current(form_code);
    match form.as_ref().and_then(|f| f.question(code)) {
        Some(question) => (format!("{code}. {}", question.label.get(lang)), shown(question, value, lang)),
        None => (code.to_string(), plain(value)),
    }
}

fn plain(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}
