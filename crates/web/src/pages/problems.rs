//! Import and form problems in the reader's language.

use fluent_templates::fluent_bundle::FluentValue;

use domain::forms::answers::AnswerProblem;
use domain::import::Problem;
use domain::language::Language;

use crate::i18n::{t, t_args};

pub fn problem_text(lang: Language, problem: &Problem) -> String {
    match problem {
        Problem::Required => t(lang, "problem-required"),
        Problem::NotANumber => t(lang, "problem-not-a-number"),
        Problem::OutOfRange { min, max } => {
            t_args(lang, "problem-out-of-range", &[("min", FluentValue::from(*min)), ("max", FluentValue::from(*max))])
        }
        Problem::UnknownConstituency => t(lang, "problem-unknown-constituency"),
        Problem::UnknownStation { station } => {
            t_args(lang, "problem-unknown-station", &[("station", FluentValue::from(station.clone()))])
        }
        Problem::BadStation { reason } => format!("{}: {reason}", t(lang, "problem-bad-station")),
        Problem::UnknownOrganisation => t(lang, "problem-unknown-organisation"),
        Problem::OrganisationRequired => t(lang, "problem-organisation-required"),
        Problem::UnknownRole => t(lang, "problem-unknown-role"),
        Problem::NotYesNo => t(lang, "problem-not-yes-no"),
        Problem::BadPersonField { reason } => format!("{}: {reason}", t(lang, "problem-bad-value")),
        Problem::Duplicate { first_row } => {
            t_args(lang, "problem-duplicate", &[("row", FluentValue::from(*first_row))])
        }
    }
}

/// A stable code for an answer problem (for API clients).
pub fn answer_problem_code(problem: &AnswerProblem) -> &'static str {
    match problem {
        AnswerProblem::UnknownQuestion => "unknown_question",
        AnswerProblem::Required => "required",
        AnswerProblem::NotYesNo => "not_yes_no",
        AnswerProblem::NotInteger => "not_integer",
        AnswerProblem::NotNumber => "not_number",
        AnswerProblem::OutOfRange { .. } => "out_of_range",
        AnswerProblem::UnknownChoice { .. } => "unknown_choice",
        AnswerProblem::TooLong { .. } => "too_long",
        AnswerProblem::NotText => "not_text",
        AnswerProblem::BadTime => "bad_time",
        AnswerProblem::NotAPhoto => "not_a_photo",
        AnswerProblem::CheckFailed { .. } => "check_failed",
    }
}

pub fn answer_problem_text(lang: Language, problem: &AnswerProblem) -> String {
    let number = |n: f64| FluentValue::from(n);
    match problem {
        AnswerProblem::OutOfRange { min, max } => {
            t_args(lang, "answer-out_of_range", &[("min", number(*min)), ("max", number(*max))])
        }
        AnswerProblem::UnknownChoice { allowed } => {
            let list = allowed.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
            t_args(lang, "answer-unknown_choice", &[("allowed", FluentValue::from(list))])
        }
        AnswerProblem::TooLong { max } => t_args(lang, "answer-too_long", &[("max", FluentValue::from(*max))]),
        AnswerProblem::CheckFailed { message, .. } => message.get(lang).to_string(),
        other => t(lang, &format!("answer-{}", answer_problem_code(other))),
    }
}
