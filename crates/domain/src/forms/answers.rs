//! Checking a submission's answers against its form: each value against its question's type
//! and range, skip logic (answers to hidden questions are dropped), required questions, and
//! the form's cross-field checks. Every problem is reported, each tied to a question code.

use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::Value as Json;
use std::borrow::Borrow;
use std::collections::BTreeMap;

use crate::forms::definition::{FormDefinition, Question, QuestionKind, code_number};
use crate::forms::expression::{AnswerSource, Value};
use crate::language::Localized;

#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    YesNo(bool),
    Integer(i64),
    Decimal(f64),
    Choice(u8),
    Choices(Vec<u8>),
    Text(String),
    /// "HH:MM".
    Time(String),
    /// Lower-case hex SHA-256 of an uploaded photo.
    Photo(String),
}

impl Serialize for Answer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Answer::YesNo(b) => serializer.serialize_bool(*b),
            Answer::Integer(i) => serializer.serialize_i64(*i),
            Answer::Decimal(d) => serializer.serialize_f64(*d),
            Answer::Choice(c) => serializer.serialize_u8(*c),
            Answer::Choices(cs) => {
                let mut seq = serializer.serialize_seq(Some(cs.len()))?;
                for c in cs {
                    seq.serialize_element(c)?;
                }
                seq.end()
            }
            Answer::Text(s) | Answer::Time(s) | Answer::Photo(s) => serializer.serialize_str(s),
        }
    }
}

/// Answers by question code; ordered, so that their JSON is canonical.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Answers(pub BTreeMap<String, Answer>);

impl Answers {
    /// The canonical JSON text: sorted codes, no spaces. Equal answers give equal text.
    pub fn canonical_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }

    pub fn get(&self, code: &str) -> Option<&Answer> {
        self.0.get(code)
    }

    /// The photos the answers attach (their SHA-256).
    pub fn photos(&self) -> impl Iterator<Item = &str> {
        self.0.values().filter_map(|answer| match answer {
            Answer::Photo(sha256) => Some(sha256.as_str()),
            _ => None,
        })
    }
}

impl AnswerSource for Answers {
    fn value(&self, code: &str) -> Value {
        match self.0.get(code) {
            Some(Answer::YesNo(b)) => Value::Bool(*b),
            Some(Answer::Integer(i)) => Value::Number(*i as f64),
            Some(Answer::Decimal(d)) => Value::Number(*d),
            Some(Answer::Choice(c)) => Value::Number(f64::from(*c)),
            Some(_) => Value::Bool(true),
            None => Value::Unknown,
        }
    }

    fn is_answered(&self, code: &str) -> bool {
        self.0.contains_key(code)
    }

    fn has_option(&self, code: &str, option: f64) -> Value {
        match self.0.get(code) {
            Some(Answer::Choices(cs)) => Value::Bool(cs.iter().any(|c| f64::from(*c) == option)),
            Some(Answer::Choice(c)) => Value::Bool(f64::from(*c) == option),
            _ => Value::Unknown,
        }
    }
}

/// What is wrong with one answer (or, with `question` empty, with the form).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum AnswerProblem {
    UnknownQuestion,
    Required,
    NotYesNo,
    NotInteger,
    NotNumber,
    OutOfRange {
        min: f64,
        max: f64,
    },
    UnknownChoice {
        allowed: Vec<u8>,
    },
    TooLong {
        max: usize,
    },
    NotText,
    BadTime,
    NotAPhoto,
    /// A cross-field check does not hold; the message explains it. (Boxed: every answer's
    /// reading is moved about as `Result<Option<Answer>, AnswerProblem>`, and three texts in
    /// line made each of them three times larger.)
    CheckFailed {
        rule: String,
        message: Box<Localized>,
    },
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldError {
    pub question: String,
    #[serde(flatten)]
    pub problem: AnswerProblem,
}

/// What reading one answer came to: the answer, none (left empty), or what is wrong with it.
type AnswerReading = Result<Option<Answer>, AnswerProblem>;

fn parse_answer(question: &Question, raw: &Json) -> AnswerReading {
    if raw.is_null() || raw.as_str().is_some_and(|s| s.trim().is_empty()) {
        return Ok(None);
    }
    let answer = match &question.kind {
        QuestionKind::YesNo => match raw {
            Json::Bool(b) => Answer::YesNo(*b),
            Json::String(s) if s.eq_ignore_ascii_case("yes") => Answer::YesNo(true),
            Json::String(s) if s.eq_ignore_ascii_case("no") => Answer::YesNo(false),
            _ => return Err(AnswerProblem::NotYesNo),
        },
        QuestionKind::Integer { min, max } => {
            let value = match raw {
                Json::Number(n) => n.as_i64().ok_or(AnswerProblem::NotInteger)?,
                Json::String(s) => s.trim().parse().map_err(|_| AnswerProblem::NotInteger)?,
                _ => return Err(AnswerProblem::NotInteger),
            };
            if value < *min || value > *max {
                return Err(AnswerProblem::OutOfRange { min: *min as f64, max: *max as f64 });
            }
            Answer::Integer(value)
        }
        QuestionKind::Decimal { min, max } => {
            let value = match raw {
                Json::Number(n) => n.as_f64().ok_or(AnswerProblem::NotNumber)?,
                Json::String(s) => s.trim().replace(',', ".").parse().map_err(|_| AnswerProblem::NotNumber)?,
                _ => return Err(AnswerProblem::NotNumber),
            };
            if !value.is_finite() || value < *min || value > *max {
                return Err(AnswerProblem::OutOfRange { min: *min, max: *max });
            }
            Answer::Decimal(value)
        }
        QuestionKind::SingleChoice { options } => {
            let allowed: Vec<u8> = options.iter().map(|o| o.value).collect();
            let choice = raw.as_u64().and_then(|n| u8::try_from(n).ok()).filter(|c| allowed.contains(c));
            Answer::Choice(choice.ok_or(AnswerProblem::UnknownChoice { allowed })?)
        }
        QuestionKind::MultipleChoice { options } => {
            let allowed: Vec<u8> = options.iter().map(|o| o.value).collect();
            let unknown = || AnswerProblem::UnknownChoice { allowed: allowed.clone() };
            let items = raw.as_array().ok_or_else(unknown)?;
            let mut choices = Vec::with_capacity(items.len());
            for item in items {
                let choice = item.as_u64().and_then(|n| u8::try_from(n).ok()).filter(|c| allowed.contains(c));
                choices.push(choice.ok_or_else(unknown)?);
            }
            choices.sort_unstable();
            choices.dedup();
            if choices.is_empty() {
                return Ok(None);
            }
            Answer::Choices(choices)
        }
        QuestionKind::Text { max_length } => {
            let text = raw.as_str().ok_or(AnswerProblem::NotText)?.trim().to_string();
            if text.chars().count() > *max_length {
                return Err(AnswerProblem::TooLong { max: *max_length });
            }
            Answer::Text(text)
        }
        QuestionKind::Time => {
            let text = raw.as_str().ok_or(AnswerProblem::BadTime)?.trim();
            let valid = text.split_once(':').is_some_and(|(h, m)| {
                h.len() <= 2
                    && m.len() == 2
                    && h.parse::<u8>().is_ok_and(|h| h < 24)
                    && m.parse::<u8>().is_ok_and(|m| m < 60)
            });
            if !valid {
                return Err(AnswerProblem::BadTime);
            }
            // "8:30" kept as "08:30" (no formatter on every report's path).
            let mut time = String::with_capacity(5);
            if text.len() == 4 {
                time.push('0');
            }
            time.push_str(text);
            Answer::Time(time)
        }
        QuestionKind::Photo => {
            let text = raw.as_str().ok_or(AnswerProblem::NotAPhoto)?.trim().to_ascii_lowercase();
            if text.len() != 64 || !text.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(AnswerProblem::NotAPhoto);
            }
            Answer::Photo(text)
        }
    };
    Ok(Some(answer))
}

/// Answers as a report sent them: question code → JSON value, in the order sent. Read from
/// JSON straight into a list, not a map: validation builds the map that is kept (`Answers`),
/// so a map here cost every report its inserts and its freeing for nothing. Of two answers
/// to one question, the later counts, as in a map.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawAnswers(pub Vec<(String, Json)>);

impl RawAnswers {
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Json)> {
        self.0.iter().map(|(code, value)| (code, value))
    }
}

/// Validating a report's own answers moves their codes into the answers kept.
impl IntoIterator for RawAnswers {
    type Item = (String, Json);
    type IntoIter = std::vec::IntoIter<(String, Json)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A question code as a report sent it, made into the code it is kept under: trimmed, in
/// capitals. A code the report owns is changed in place: a report's dozen answers then cost
/// no new strings.
pub trait SentCode {
    fn into_code(self) -> String;
}

impl SentCode for String {
    fn into_code(mut self) -> String {
        if self.trim().len() != self.len() {
            return (&self).into_code();
        }
        self.make_ascii_uppercase();
        self
    }
}

impl SentCode for &String {
    fn into_code(self) -> String {
        self.trim().to_ascii_uppercase()
    }
}

impl From<serde_json::Map<String, Json>> for RawAnswers {
    fn from(map: serde_json::Map<String, Json>) -> Self {
        RawAnswers(map.into_iter().collect())
    }
}

impl<'de> serde::Deserialize<'de> for RawAnswers {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs;
        impl<'de> serde::de::Visitor<'de> for Pairs {
            type Value = RawAnswers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of answers by question code")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<RawAnswers, M::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(RawAnswers(pairs))
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

/// Validates raw answers (question code → JSON value: a map, `RawAnswers` or its `iter`)
/// against a form.
pub fn validate<C: SentCode, V: Borrow<Json>>(
    form: &FormDefinition,
    raw: impl IntoIterator<Item = (C, V)>,
) -> Result<Answers, Vec<FieldError>> {
    let (answers, errors) = validate_partially(form, raw);
    if errors.is_empty() { Ok(answers) } else { Err(errors) }
}

/// Like `validate`, but keeps every answer that is valid on its own, with the problems of
/// the rest: SMS reports are stored even when some answers need fixing (the reply names them).
pub fn validate_partially<C: SentCode, V: Borrow<Json>>(
    form: &FormDefinition,
    raw: impl IntoIterator<Item = (C, V)>,
) -> (Answers, Vec<FieldError>) {
    // Each answer read against its question, by code (trimmed, in capitals; its number when
    // it can be a code). The last field says whether a later answer replaces it.
    let mut read: Vec<(String, Option<u32>, AnswerReading, bool)> = raw
        .into_iter()
        .map(|(code, value)| {
            let code = code.into_code();
            let number = code_number(&code);
            let outcome = match number.and_then(|number| form.question_numbered(number)) {
                Some(question) => parse_answer(question, value.borrow()),
                None => Err(AnswerProblem::UnknownQuestion),
            };
            (code, number, outcome, false)
        })
        .collect();
    // Of two answers to one question, however spelt, the later counts, valid or not. (A
    // report holds a few dozen answers at most: comparing numbers pairwise is cheaper than
    // sorting them.)
    for at in 0..read.len() {
        let (code, number, ..) = &read[at];
        read[at].3 = read[at + 1..].iter().any(|(later, later_number, ..)| match (number, later_number) {
            (Some(a), Some(b)) => a == b,
            _ => later == code,
        });
    }
    let mut errors = Vec::new();
    let mut valid = Vec::with_capacity(read.len());
    for (code, _, outcome, superseded) in read {
        match outcome {
            _ if superseded => {}
            Ok(Some(answer)) => valid.push((code, answer)),
            Ok(None) => {}
            Err(problem) => errors.push(FieldError { question: code, problem }),
        }
    }
    // Built at once from pairs mostly in order already (forms and maps give them so): a tenth
    // of the cost of inserting them one by one.
    let mut answers = Answers(valid.into_iter().collect());
    // Skip logic: a question is shown only when its condition definitely holds, and a hidden
    // question's answer counts for nothing, so conditions are read again until no more
    // questions hide (a third photo is asked only after a second, itself only after a first).
    let parsed = form.parsed();
    // Whether taking these answers away took any: only then can a condition read otherwise.
    let take = |answers: &mut Answers, codes: &[&str]| {
        codes.iter().fold(false, |taken, code| answers.0.remove(*code).is_some() | taken)
    };
    let mut hidden: Vec<&str> =
        parsed.show_if.iter().filter(|(_, shown)| !shown.holds(&answers)).map(|(code, _)| code.as_str()).collect();
    let mut taken = take(&mut answers, &hidden);
    while taken {
        let newly: Vec<&str> = parsed
            .show_if
            .iter()
            .filter(|(code, shown)| !hidden.contains(&code.as_str()) && !shown.holds(&answers))
            .map(|(code, _)| code.as_str())
            .collect();
        taken = take(&mut answers, &newly);
        hidden.extend(newly);
    }
    // The codes answered, as numbers in order (the map is sorted, and so are the numbers):
    // whether a question is answered is then a search among integers.
    let answered: Vec<u32> = answers.0.keys().filter_map(|code| code_number(code)).collect();
    for question in form.questions().filter(|q| q.required) {
        let is_answered = code_number(&question.code).is_some_and(|n| answered.binary_search(&n).is_ok());
        if !is_answered
            && !hidden.contains(&question.code.as_str())
            && !errors.iter().any(|e| e.question == question.code)
        {
            errors.push(FieldError { question: question.code.clone(), problem: AnswerProblem::Required });
        }
    }
    for (rule, check) in &parsed.checks {
        if !rule.not_violated(&answers) {
            let question = rule.codes().first().map(|c| c.to_string()).unwrap_or_default();
            errors.push(FieldError {
                question,
                problem: AnswerProblem::CheckFailed {
                    rule: check.rule.clone(),
                    message: Box::new(check.message.clone()),
                },
            });
        }
    }
    (answers, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each answer's reading is moved several times on every report's way in: it stays small.
    #[test]
    fn an_answers_reading_stays_small() {
        assert!(std::mem::size_of::<AnswerReading>() <= 48, "{}", std::mem::size_of::<AnswerReading>());
    }
}
