//! Import and form problems in the reader's language.

use fluent_templates::fluent_bundle::FluentValue;

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
