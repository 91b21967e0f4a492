//! Reply texts: short, in the observer's language, naming each problem by its question code
//! and what was expected. One SMS holds 160 characters of the GSM alphabet, but a reply with
//! any other letter (ə, ş, ğ, ı, ç: every Azerbaijani reply) goes as UCS-2, 67 characters a
//! part: such a reply is kept to two parts.

use fluent_templates::fluent_bundle::FluentValue;

use domain::forms::FieldError;
use domain::forms::answers::AnswerProblem;
use domain::language::Language;
use domain::sms::{Expected, SmsProblem};

use crate::i18n::{t, t_args};

/// One SMS in the GSM alphabet.
pub const SMS_LENGTH: usize = 160;
/// Two parts of an SMS in UCS-2.
pub const UCS2_LENGTH: usize = 134;

/// Whether `text` goes in the GSM 7-bit alphabet (its basic set and extension table), in
/// which one SMS holds 160 characters; otherwise a phone sends it as UCS-2.
fn in_gsm_alphabet(text: &str) -> bool {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡\
        ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€";
    text.chars().all(|c| BASIC.contains(c))
}

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
            // The identity that failed, `PB=PC+PD+PE+PM`: the way out the rule allows
            // (`or answered(PX)`, an explanation) is written on the web, not by SMS.
            AnswerProblem::CheckFailed { rule, .. } => {
                let identity = rule.split(" or ").next().unwrap_or(rule);
                fixes.push(identity.replace(' ', "").replace("==", "="))
            }
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

/// Cut to one SMS, or two parts of one in UCS-2, marked as cut (with "..." in the GSM
/// alphabet, where "…" would turn the whole reply into UCS-2).
pub fn shorten(text: String) -> String {
    let (limit, mark) = if in_gsm_alphabet(&text) { (SMS_LENGTH, "...") } else { (UCS2_LENGTH, "…") };
    if text.chars().count() <= limit {
        return text;
    }
    let mut short: String = text.chars().take(limit - mark.chars().count()).collect();
    short.push_str(mark);
    short
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
        // Azerbaijani: UCS-2, two parts; English: the GSM alphabet, one SMS, cut with "...".
        let az = accepted(Language::Az, "OP", "17/1", 0, false, &long, &[]);
        assert_eq!((az.chars().count(), az.ends_with('…')), (UCS2_LENGTH, true), "{az}");
        let en = accepted(Language::En, "OP", "17/1", 0, false, &long, &[]);
        assert_eq!((en.chars().count(), en.ends_with("...")), (SMS_LENGTH, true), "{en}");
        assert!(in_gsm_alphabet(&en) && !in_gsm_alphabet(&az));
    }

    #[test]
    fn a_failed_check_is_shown_as_the_identity_that_failed() {
        let check = FieldError {
            question: "PB".into(),
            problem: AnswerProblem::CheckFailed {
                rule: "PB == PC + PD + PE + PM or answered(PX)".into(),
                message: Default::default(),
            },
        };
        let reply = accepted(Language::En, "PR", "17/1", 9, false, &[], &[check]);
        assert!(reply.ends_with("Fix: PB=PC+PD+PE+PM"), "{reply}");
    }
}
