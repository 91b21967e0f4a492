//! Reply texts: short (one 160-character SMS where possible), in the observer's language,
//! naming each problem by its question code and what was expected.

use fluent_templates::fluent_bundle::FluentValue;

use domain::forms::FieldError;
use domain::forms::answers::AnswerProblem;
use domain::language::Language;
use domain::sms::{Expected, SmsProblem};

use crate::i18n::{t, t_args};

/// One SMS.
pub const SMS_LENGTH: usize = 160;

fn expected_hint(lang: Language, expected: Expected) -> String {
    match expected {
        Expected::YesNo => "1/2".into(),
        Expected::Number => t(lang, "sms-hint-number"),
        Expected::Choice => t(lang, "sms-hint-choice"),
        Expected::Choices => t(lang, "sms-hint-choices"),
        Expected::Time => t(lang, "sms-hint-time"),
        Expected::NotBySms => "-".into(),
    }
}

/// The short form of one problem, e.g. `OB:1/2`, `ZZ?`, `TB:0-5000`.
fn items(lang: Language, reading: &[SmsProblem], answers: &[FieldError]) -> (Vec<String>, Vec<String>) {
    let mut fixes = Vec::new();
    let mut missing = Vec::new();
    for problem in reading {
        match problem {
            SmsProblem::BadValue { code, expected, .. } => {
                fixes.push(format!("{code}:{}", expected_hint(lang, *expected)))
            }
            SmsProblem::UnknownQuestion { code } => fixes.push(format!("{code}?")),
            SmsProblem::NoValue { code } => fixes.push(format!("{code}:?")),
            SmsProblem::Unreadable { text } => fixes.push(format!("\"{}\"?", text.chars().take(6).collect::<String>())),
            SmsProblem::UnknownForm { .. } | SmsProblem::NoObserverCode => {}
        }
    }
    for error in answers {
        match &error.problem {
            AnswerProblem::Required => missing.push(error.question.clone()),
            AnswerProblem::OutOfRange { min, max } => fixes.push(format!("{}:{min}-{max}", error.question)),
            AnswerProblem::UnknownChoice { allowed } => {
                let (first, last) = (allowed.first().copied().unwrap_or(1), allowed.last().copied().unwrap_or(1));
                fixes.push(format!("{}:{first}-{last}", error.question));
            }
            AnswerProblem::CheckFailed { rule, .. } => fixes.push(rule.replace(' ', "").replace("==", "=")),
            AnswerProblem::UnknownQuestion => fixes.push(format!("{}?", error.question)),
            _ => fixes.push(format!("{}?", error.question)),
        }
    }
    (fixes, missing)
}

/// The reply to a stored report: what was accepted and, if anything, what to fix.
pub fn accepted(
    lang: Language,
    form: &str,
    station: &str,
    stored: usize,
    incident: bool,
    reading: &[SmsProblem],
    answers: &[FieldError],
) -> String {
    let head = t_args(
        lang,
        "sms-accepted",
        &[
            ("form", FluentValue::from(form.to_string())),
            ("station", FluentValue::from(station.to_string())),
            ("count", FluentValue::from(stored)),
        ],
    );
    let (fixes, missing) = items(lang, reading, answers);
    let mut text = head;
    // Before what to fix, so that cutting the reply to one SMS never loses it.
    if incident {
        text.push_str(&format!(" {}", t(lang, "sms-incident-asked")));
    }
    if !fixes.is_empty() {
        text.push_str(&format!(" {}: {}", t(lang, "sms-fix"), fixes.join(" ")));
    }
    if !missing.is_empty() {
        text.push_str(&format!(" {}: {}", t(lang, "sms-missing"), missing.join(" ")));
    }
    shorten(text)
}

pub fn shorten(text: String) -> String {
    if text.chars().count() <= SMS_LENGTH {
        text
    } else {
        let mut short: String = text.chars().take(SMS_LENGTH - 1).collect();
        short.push('…');
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_names_each_problem_and_fits_one_sms() {
        let reading = vec![
            SmsProblem::BadValue { code: "OB".into(), value: "7".into(), expected: Expected::YesNo },
            SmsProblem::UnknownQuestion { code: "ZZ".into() },
        ];
        let answers = vec![FieldError { question: "OK".into(), problem: AnswerProblem::Required }];
        let reply = accepted(Language::En, "OP", "17/1", 5, false, &reading, &answers);
        assert!(reply.contains("OB:1/2") && reply.contains("ZZ?") && reply.contains("OK"), "{reply}");
        assert!(reply.chars().count() <= SMS_LENGTH, "{reply}");
        let long: Vec<SmsProblem> = (0..40).map(|i| SmsProblem::UnknownQuestion { code: format!("Z{i}") }).collect();
        assert_eq!(accepted(Language::Az, "OP", "17/1", 0, false, &long, &[]).chars().count(), SMS_LENGTH);
    }
}
