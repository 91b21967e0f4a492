//! Form definitions: versioned JSON documents of groups of typed questions, with short codes
//! (used by SMS), labels and help in three languages, required flags, skip logic and
//! cross-field checks. `FormDefinition::parse` checks a definition completely before it can
//! be loaded, so a broken form never reaches an observer's phone.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use crate::forms::expression::Expr;
use crate::language::Localized;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// One per station per phase (a later one from the same observer replaces it).
    Checklist,
    /// Any number, at any time.
    Incident,
    /// The results protocol of a station.
    Protocol,
}

/// The phase of election day a form belongs to, for coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Opening,
    Voting,
    Turnout,
    Closing,
    Results,
}

impl Phase {
    pub const ALL: [Phase; 5] = [Phase::Opening, Phase::Voting, Phase::Turnout, Phase::Closing, Phase::Results];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Opening => "opening",
            Phase::Voting => "voting",
            Phase::Turnout => "turnout",
            Phase::Closing => "closing",
            Phase::Results => "results",
        }
    }

    pub fn parse(text: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// When a form is due, in Baku time ("07:00").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueWindow {
    pub from: String,
    /// After this, a station without the form is on the missing list.
    pub until: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The number an observer types in an SMS.
    pub value: u8,
    pub label: Localized,
    /// The Election Code article the choice stands for (incident categories), e.g. "42.2.9";
    /// shown with it wherever it is named. Written by the coalition's lawyers in the form file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    YesNo,
    Integer {
        min: i64,
        max: i64,
    },
    Decimal {
        min: f64,
        max: f64,
    },
    SingleChoice {
        options: Vec<Choice>,
    },
    MultipleChoice {
        options: Vec<Choice>,
    },
    Text {
        max_length: usize,
    },
    /// "HH:MM", Baku time.
    Time,
    /// The SHA-256 of an uploaded photo.
    Photo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Two or three capital letters/digits, unique in the form: "AA", "C1".
    pub code: String,
    pub label: Localized,
    #[serde(default)]
    pub help: Localized,
    #[serde(flatten)]
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    /// Shown (and required) only when this expression is definitely true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub title: Localized,
    pub questions: Vec<Question>,
}

/// A rule across answers that must not be definitely false.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub rule: String,
    /// Explains the broken rule to the observer.
    pub message: Localized,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDefinition {
    /// Two capital letters, typed first in an SMS: "OP".
    pub code: String,
    pub version: u32,
    pub kind: FormKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// Whether one observer may send it several times for a station (voting visits,
    /// turnout counts); each is then kept, not replaced.
    #[serde(default)]
    pub repeatable: bool,
    pub title: Localized,
    #[serde(default)]
    pub description: Localized,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DueWindow>,
    pub groups: Vec<Group>,
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Answers that are incidents in themselves (carousel voting seen on a visit): when this
    /// holds, the observer app asks for an incident report too, with its details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_if: Option<String>,
    /// Its expressions parsed, once: validating a report would otherwise parse them again.
    #[serde(skip)]
    parsed: ParsedOnce,
}

/// Worked out from the rest of the form, so it never makes two forms differ.
#[derive(Debug, Clone, Default)]
struct ParsedOnce(std::sync::OnceLock<Parsed>);

impl PartialEq for ParsedOnce {
    fn eq(&self, _: &ParsedOnce) -> bool {
        true
    }
}

/// A form's `show_if` conditions and checks, parsed. (A definition is checked when it is
/// loaded, so an expression that does not parse here is left out, as validation always did.)
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// (question code, the condition it is shown on).
    pub show_if: Vec<(String, Expr)>,
    /// Each check's rule, with the check.
    pub checks: Vec<(Expr, Check)>,
    /// `incident_if`, when the form has one.
    pub incident_if: Option<Expr>,
    /// Where each question is (group, place in it), by its code as a number (`code_number`),
    /// sorted: found with a few integer comparisons rather than string comparisons through
    /// every question (a report looks up each of its answers).
    by_code: Vec<(u32, usize, usize)>,
}

/// A question code (two or three ASCII characters) as a number that sorts as the code does;
/// `None` for anything that cannot be a code.
pub fn code_number(code: &str) -> Option<u32> {
    let bytes = code.as_bytes();
    if bytes.is_empty() || bytes.len() > 3 || !code.is_ascii() {
        return None;
    }
    Some(bytes.iter().enumerate().fold(0, |number, (i, &b)| number | u32::from(b) << (24 - 8 * i)))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    #[error("not a form definition: {0}")]
    Json(String),
    #[error("the form code must be 2 capital letters, not {0:?}")]
    BadFormCode(String),
    #[error("question code {0:?} must be 2–3 capital letters or digits, starting with a letter")]
    BadQuestionCode(String),
    #[error("question code {0} is used twice")]
    DuplicateCode(String),
    #[error("question {code}: {problem}")]
    BadQuestion { code: String, problem: String },
    #[error("{place}: {problem}")]
    BadExpression { place: String, problem: String },
    #[error("the form has no questions")]
    Empty,
    #[error("the Azerbaijani text of {0} is missing")]
    MissingLabel(String),
}

fn valid_question_code(code: &str) -> bool {
    (2..=3).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

fn valid_time(text: &str) -> bool {
    let Some((h, m)) = text.split_once(':') else { return false };
    h.len() == 2 && m.len() == 2 && h.parse::<u8>().is_ok_and(|h| h < 24) && m.parse::<u8>().is_ok_and(|m| m < 60)
}

impl FormDefinition {
    /// Whether these answers are an incident in themselves: the form's `incident_if` definitely
    /// holds (carousel voting seen on a visit), so an incident report should follow.
    pub fn calls_for_incident(&self, answers: &super::Answers) -> bool {
        self.parsed().incident_if.as_ref().is_some_and(|rule| rule.holds(answers))
    }

    /// Reads and fully checks a definition.
    pub fn parse(json: &str) -> Result<FormDefinition, DefinitionError> {
        let form: FormDefinition = serde_json::from_str(json).map_err(|e| DefinitionError::Json(e.to_string()))?;
        form.check()?;
        Ok(form)
    }

    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.groups.iter().flat_map(|g| g.questions.iter())
    }

    pub fn question(&self, code: &str) -> Option<&Question> {
        self.question_numbered(code_number(code)?)
    }

    /// The question whose code is `code_number(code)`.
    pub fn question_numbered(&self, number: u32) -> Option<&Question> {
        let by_code = &self.parsed().by_code;
        let at = by_code.binary_search_by_key(&number, |&(n, _, _)| n).ok()?;
        let (_, group, place) = by_code[at];
        self.groups.get(group)?.questions.get(place)
    }

    /// The conditions and checks, parsed on first use.
    pub fn parsed(&self) -> &Parsed {
        self.parsed.0.get_or_init(|| {
            let mut by_code: Vec<(u32, usize, usize)> = (self.groups.iter().enumerate())
                .flat_map(|(g, group)| group.questions.iter().enumerate().map(move |(q, question)| (g, q, question)))
                .filter_map(|(g, q, question)| Some((code_number(&question.code)?, g, q)))
                .collect();
            // The first of two questions with one code wins, as a search in order did (a
            // checked definition has none).
            by_code.sort_by_key(|&(n, g, q)| (n, g, q));
            by_code.dedup_by_key(|&mut (n, _, _)| n);
            Parsed {
                show_if: self
                    .questions()
                    .filter_map(|q| Some((q.code.clone(), Expr::parse(q.show_if.as_deref()?).ok()?)))
                    .collect(),
                checks: self.checks.iter().filter_map(|c| Some((Expr::parse(&c.rule).ok()?, c.clone()))).collect(),
                incident_if: self.incident_if.as_deref().and_then(|text| Expr::parse(text).ok()),
                by_code,
            }
        })
    }

    fn check(&self) -> Result<(), DefinitionError> {
        if self.code.len() != 2 || !self.code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(DefinitionError::BadFormCode(self.code.clone()));
        }
        if self.title.az.trim().is_empty() {
            return Err(DefinitionError::MissingLabel("the title".into()));
        }
        let mut codes = BTreeSet::new();
        for question in self.questions() {
            if !valid_question_code(&question.code) {
                return Err(DefinitionError::BadQuestionCode(question.code.clone()));
            }
            if !codes.insert(question.code.as_str()) {
                return Err(DefinitionError::DuplicateCode(question.code.clone()));
            }
            if question.label.az.trim().is_empty() {
                return Err(DefinitionError::MissingLabel(question.code.clone()));
            }
            let bad =
                |problem: &str| DefinitionError::BadQuestion { code: question.code.clone(), problem: problem.into() };
            match &question.kind {
                QuestionKind::Integer { min, max } if min > max => return Err(bad("min is above max")),
                QuestionKind::Decimal { min, max } if min > max => return Err(bad("min is above max")),
                QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                    let values: BTreeSet<u8> = options.iter().map(|o| o.value).collect();
                    // Several choices are typed as one run of digits in SMS ("AB 135"), so
                    // their options are single digits; a single choice may go to 99.
                    let highest = if matches!(question.kind, QuestionKind::MultipleChoice { .. }) { 9 } else { 99 };
                    if options.is_empty()
                        || values.len() != options.len()
                        || values.iter().any(|v| !(1..=highest).contains(v))
                    {
                        return Err(bad(&format!("options must be numbered 1–{highest}, each once")));
                    }
                }
                QuestionKind::Text { max_length } if *max_length == 0 => return Err(bad("max_length must be above 0")),
                _ => {}
            }
        }
        if codes.is_empty() {
            return Err(DefinitionError::Empty);
        }
        let places = self
            .questions()
            .filter_map(|q| q.show_if.as_ref().map(|e| (format!("show_if of {}", q.code), e)))
            .chain(self.checks.iter().enumerate().map(|(i, c)| (format!("check {}", i + 1), &c.rule)))
            .chain(self.incident_if.iter().map(|e| ("incident_if".to_string(), e)));
        for (place, text) in places {
            let expression = Expr::parse(text)
                .map_err(|e| DefinitionError::BadExpression { place: place.clone(), problem: e.to_string() })?;
            if let Some(unknown) = expression.codes().into_iter().find(|c| !codes.contains(c)) {
                return Err(DefinitionError::BadExpression { place, problem: format!("no question {unknown}") });
            }
        }
        if let Some(due) = &self.due
            && (!valid_time(&due.from) || !valid_time(&due.until))
        {
            return Err(DefinitionError::BadQuestion { code: "due".into(), problem: "times are written HH:MM".into() });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_numbers_sort_as_codes_do_and_only_codes_have_one() {
        let mut codes = ["VZ", "A1", "OB", "OBA", "AB", "Z", "ABC"];
        let mut numbers: Vec<u32> = codes.iter().map(|c| code_number(c).unwrap()).collect();
        codes.sort_unstable();
        numbers.sort_unstable();
        assert_eq!(numbers, codes.iter().map(|c| code_number(c).unwrap()).collect::<Vec<_>>());
        for not_a_code in ["", "ABCD", "Ə1"] {
            assert_eq!(code_number(not_a_code), None, "{not_a_code}");
        }
    }

    #[test]
    fn questions_are_found_by_code_in_every_group() {
        for form in crate::forms::standard::standard_forms() {
            for question in form.questions() {
                assert_eq!(form.question(&question.code).map(|q| &q.code), Some(&question.code), "{}", form.code);
            }
            assert!(form.question("ZZZ").is_none() && form.question("ob").is_none(), "{}", form.code);
        }
    }
}
