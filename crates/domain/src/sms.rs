//! The compact SMS syntax: `OP 123456 AA1 AB2 AC1 # qapı 08:05-də açıldı`: form code,
//! observer code, then question code + value pairs, then an optional comment after `#`.
//! Forgiving where typing on a small keypad goes wrong, never where it would store a wrong
//! value:
//! - case, spaces and separators (`= , ; : . -`) do not matter: `op123456aa1ab2` is the same;
//! - Cyrillic letters that look like Latin ones are read as Latin in codes;
//! - only in numeric positions are `O`/`o` read as 0 and `I`/`l` as 1 — and never where they
//!   begin a question code of the form, so `PC 50 IV3` is PC=50, IV=3 (not PC=501);
//! - the comment is kept exactly as typed (ə ğ ı İ ş ç ö ü included).
//!
//! This module only reads text; what the values mean is checked against the form.

use serde::Serialize;
use serde_json::Value;

use crate::election::StationRef;
use crate::forms::{FormDefinition, QuestionKind};

/// What was read from one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedMessage {
    pub form_code: String,
    /// Six digits, or `None` if the message has none readable.
    pub observer_code: Option<String>,
    /// Given explicitly as `S17/203` by an observer who covers several stations.
    pub station: Option<StationRef>,
    /// Question code → value, as the form's validation takes them.
    pub answers: serde_json::Map<String, Value>,
    pub comment: Option<String>,
    /// What could not be read, in message order.
    pub problems: Vec<SmsProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum SmsProblem {
    /// The message does not start with a form code this election uses.
    UnknownForm { code: String },
    /// No six-digit observer code after the form code.
    NoObserverCode,
    /// A code the form does not have.
    UnknownQuestion { code: String },
    /// A question code without a value after it.
    NoValue { code: String },
    /// A value that cannot be the answer to this question, with what is expected.
    BadValue { code: String, value: String, expected: Expected },
    /// Characters that are neither a code nor a value.
    Unreadable { text: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// 1 = yes, 2 = no.
    YesNo,
    Number,
    /// One option number.
    Choice,
    /// Several option digits, e.g. 135.
    Choices,
    /// HHMM, e.g. 0805.
    Time,
    /// Text and photos cannot be sent in the coded part.
    NotBySms,
}

/// Latin look-alikes of Cyrillic letters, as typed on a Russian keyboard layout, and the
/// Azerbaijani dotted and dotless i (an Azerbaijani keyboard capitalises `i` as `İ`), all
/// read as the Latin letter a code uses.
fn latin(c: char) -> char {
    match c {
        'İ' | 'ı' | 'І' | 'і' => 'I',
        'А' | 'а' => 'A',
        'В' | 'в' => 'B',
        'Е' | 'е' => 'E',
        'К' | 'к' => 'K',
        'М' | 'м' => 'M',
        'Н' | 'н' => 'H',
        'О' | 'о' => 'O',
        'Р' | 'р' => 'P',
        'С' | 'с' => 'C',
        'Т' | 'т' => 'T',
        'Х' | 'х' => 'X',
        other => other.to_ascii_uppercase(),
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '=' | ',' | ';' | ':' | '.' | '-' | '_' | '+')
}

/// A character that stands for a digit in a numeric position.
fn as_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'O' => Some('0'),
        'I' | 'L' => Some('1'),
        _ => None,
    }
}

/// Finds the form a message is for: its first two letters.
pub fn form_code(text: &str) -> Option<String> {
    let code: String = text.chars().filter(|c| !is_separator(*c)).take(2).map(latin).collect();
    (code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase())).then_some(code)
}

/// Reads a message for `form` (found by `form_code`).
pub fn parse(text: &str, form: &FormDefinition) -> ParsedMessage {
    let (coded, comment) = match text.split_once('#') {
        Some((coded, comment)) => (coded, Some(comment.trim().to_string()).filter(|c| !c.is_empty())),
        None => (text, None),
    };
    let mut parsed = ParsedMessage {
        form_code: form.code.clone(),
        observer_code: None,
        station: None,
        answers: serde_json::Map::new(),
        comment,
        problems: Vec::new(),
    };
    let mut codes: Vec<String> = form.questions().map(|q| q.code.clone()).collect();
    // Longest first, so that C10 is not read as C1 followed by 0 when both exist.
    codes.sort_by_key(|c| std::cmp::Reverse(c.len()));

    let (coded, station) = take_station(coded);
    parsed.station = station;
    let chars: Vec<char> = coded.chars().filter(|c| !is_separator(*c)).map(latin).collect();
    let mut at = 2.min(chars.len()); // the form code, already matched

    // The observer code: six numeric characters.
    let mut observer = String::new();
    while at < chars.len() && observer.len() < 6 {
        if !chars[at].is_ascii_digit() && code_at(&chars, at, &codes).is_some() {
            break;
        }
        match as_digit(chars[at]) {
            Some(d) => observer.push(d),
            None => break,
        }
        at += 1;
    }
    if observer.len() == 6 {
        parsed.observer_code = Some(observer);
    } else {
        parsed.problems.push(SmsProblem::NoObserverCode);
    }

    while at < chars.len() {
        let Some(code) = code_at(&chars, at, &codes) else {
            // Skip to the next place a code begins, reporting what was passed over.
            let start = at;
            at += 1;
            while at < chars.len() && code_at(&chars, at, &codes).is_none() {
                at += 1;
            }
            let text: String = chars[start..at].iter().collect();
            parsed.problems.push(if text.chars().take(2).all(|c| c.is_ascii_uppercase()) && text.len() >= 2 {
                SmsProblem::UnknownQuestion { code: text.chars().take_while(|c| !c.is_ascii_digit()).collect() }
            } else {
                SmsProblem::Unreadable { text }
            });
            continue;
        };
        at += code.len();
        // The value: numeric characters up to where the next question code begins.
        let start = at;
        let mut value = String::new();
        while at < chars.len() {
            if value_may_end_here(&chars, at, &codes, &value) {
                break;
            }
            match as_digit(chars[at]) {
                Some(d) => value.push(d),
                None => break,
            }
            at += 1;
        }
        if value.is_empty() {
            parsed.problems.push(SmsProblem::NoValue { code: code.clone() });
            continue;
        }
        let raw: String = chars[start..at].iter().collect();
        match interpret(form, &code, &value) {
            Ok(answer) => {
                parsed.answers.insert(code, answer);
            }
            Err(expected) => parsed.problems.push(SmsProblem::BadValue { code, value: raw, expected }),
        }
    }
    parsed
}

/// An explicit station, `S17/203` (or `S 17-203`, `s17 / 203`), anywhere before the comment:
/// an S not inside a word (after a digit it may be: `OP123456S17/203`), the constituency,
/// a slash or hyphen, the station's number, and no more. (Read further, `S17/203 123456`
/// took the observer code for part of the station's number.)
fn take_station(coded: &str) -> (String, Option<StationRef>) {
    let chars: Vec<char> = coded.chars().collect();
    for start in 0..chars.len() {
        if !matches!(latin(chars[start]), 'S') || (start > 0 && chars[start - 1].is_alphabetic()) {
            continue;
        }
        let mut at = start + 1;
        let number = |at: &mut usize| {
            while chars.get(*at) == Some(&' ') {
                *at += 1;
            }
            let begins = *at;
            while chars.get(*at).is_some_and(char::is_ascii_digit) {
                *at += 1;
            }
            chars[begins..*at].iter().collect::<String>()
        };
        let constituency = number(&mut at);
        let mut after_constituency = at;
        while chars.get(after_constituency) == Some(&' ') {
            after_constituency += 1;
        }
        if constituency.is_empty() || !matches!(chars.get(after_constituency), Some('/' | '-')) {
            continue;
        }
        at = after_constituency + 1;
        let station = number(&mut at);
        if let Ok(reference) = StationRef::parse(&format!("{constituency}/{station}")) {
            let before: String = chars[..start].iter().collect();
            let after: String = chars[at..].iter().collect();
            return (format!("{before} {after}"), Some(reference));
        }
    }
    (coded.to_string(), None)
}

/// The question code starting at `at`, if one does.
fn code_at(chars: &[char], at: usize, codes: &[String]) -> Option<String> {
    codes.iter().find(|code| code.chars().enumerate().all(|(i, c)| chars.get(at + i) == Some(&c))).cloned()
}

/// A value ends where a question code begins — unless that "code" is really made of
/// digits the observer meant (codes start with a letter, so a digit never ends a value).
/// Even an empty value ends there: in `OB OC1` the observer skipped OB, and reading the O of
/// OC as a zero stored "no" for a question they never answered. But a letter standing for a
/// digit right before the next code is the value: in `IF I IG2` the I is IF's 1, though `II`
/// is a code too.
fn value_may_end_here(chars: &[char], at: usize, codes: &[String], value: &str) -> bool {
    let digit_before_a_code =
        value.is_empty() && as_digit(chars[at]).is_some() && code_at(chars, at + 1, codes).is_some();
    !chars[at].is_ascii_digit() && code_at(chars, at, codes).is_some() && !digit_before_a_code
}

fn interpret(form: &FormDefinition, code: &str, digits: &str) -> Result<Value, Expected> {
    let Some(question) = form.question(code) else { return Err(Expected::NotBySms) };
    match &question.kind {
        QuestionKind::YesNo => match digits {
            "1" => Ok(Value::Bool(true)),
            "2" | "0" => Ok(Value::Bool(false)),
            _ => Err(Expected::YesNo),
        },
        QuestionKind::Integer { .. } => digits.parse::<i64>().map(Value::from).map_err(|_| Expected::Number),
        QuestionKind::Decimal { .. } => digits.parse::<f64>().map(Value::from).map_err(|_| Expected::Number),
        QuestionKind::SingleChoice { .. } => digits.parse::<u64>().map(Value::from).map_err(|_| Expected::Choice),
        QuestionKind::MultipleChoice { .. } => {
            Ok(Value::Array(digits.chars().filter_map(|d| d.to_digit(10)).map(|d| Value::from(d as u64)).collect()))
        }
        QuestionKind::Time => match digits.len() {
            3 | 4 => {
                let (hours, minutes) = digits.split_at(digits.len() - 2);
                Ok(Value::String(format!("{hours:0>2}:{minutes}")))
            }
            _ => Err(Expected::Time),
        },
        QuestionKind::Text { .. } | QuestionKind::Photo => Err(Expected::NotBySms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::standard::standard_forms;
    use serde_json::json;

    fn form(code: &str) -> FormDefinition {
        standard_forms().into_iter().find(|f| f.code == code).unwrap()
    }

    fn read(text: &str) -> ParsedMessage {
        let code = form_code(text).expect("a form code");
        parse(text, &form(&code))
    }

    #[test]
    fn clean_and_messy_spellings_give_the_same_report() {
        let expected = read("OP 123456 OB1 OC2 OI2 # qapı 08:05-də açıldı");
        assert_eq!(expected.observer_code.as_deref(), Some("123456"));
        assert_eq!(expected.answers, json!({"OB": true, "OC": false, "OI": false}).as_object().unwrap().clone());
        assert_eq!(expected.comment.as_deref(), Some("qapı 08:05-də açıldı"));
        assert!(expected.problems.is_empty(), "{:?}", expected.problems);
        for messy in [
            "op123456ob1oc2oi2",
            "OP 123456 OB=1, OC=2, OI=2",
            "OP-123456 OB 1; OC 2; OI 2",
            "ОР 123456 ОВ1 ОС2 OI2",
            // Typed on an Azerbaijani keyboard: capital i is İ, and ı sits where i is.
            "OP 123456 OB1 OC2 Oİ2",
            "op 123456 ob1 oc2 oı2",
        ] {
            let parsed = read(messy);
            assert_eq!(parsed.answers, expected.answers, "{messy}");
            assert_eq!(parsed.observer_code, expected.observer_code, "{messy}");
        }
    }

    #[test]
    fn letters_read_as_digits_only_in_numeric_positions() {
        // O for 0 and l for 1 in the observer code and in a value.
        let parsed = read("TC l2345O TA2 TB 3O0 TC2");
        assert_eq!(parsed.observer_code.as_deref(), Some("123450"));
        assert_eq!(parsed.answers["TB"], json!(300));
        // A value never swallows the start of the next code: PC 50 IV3 style.
        let protocol = read("PR 123456 PA 1500 PB12OO PC900");
        assert_eq!(protocol.answers["PB"], json!(1200));
        assert_eq!(protocol.answers["PC"], json!(900));
        let tight = read("OP123456OB1OC1");
        assert_eq!(tight.answers, json!({"OB": true, "OC": true}).as_object().unwrap().clone());
    }

    #[test]
    fn problems_name_the_code_and_what_was_expected() {
        let parsed = read("OP 123456 OB7 ZZ1 OC # ok");
        assert_eq!(
            parsed.problems,
            vec![
                SmsProblem::BadValue { code: "OB".into(), value: "7".into(), expected: Expected::YesNo },
                SmsProblem::UnknownQuestion { code: "ZZ".into() },
                SmsProblem::NoValue { code: "OC".into() },
            ]
        );
        assert!(read("OP 12345").problems.contains(&SmsProblem::NoObserverCode));
        // A short code does not borrow the O of the next question.
        let short = read("OP 12345 OB1");
        assert_eq!(short.observer_code, None);
        assert_eq!(short.answers["OB"], json!(true));
    }

    #[test]
    fn a_question_left_without_a_value_is_missing_not_read_from_the_next_code() {
        // The O of OC and the I of IB are letters of the next code, not a zero or a one.
        let skipped = read("OP 123456 OA0705 OB OC1 OF1");
        assert_eq!(skipped.answers, json!({"OA": "07:05", "OC": true, "OF": true}).as_object().unwrap().clone());
        assert_eq!(skipped.problems, vec![SmsProblem::NoValue { code: "OB".into() }]);
        let incident = read("IN 123456 IA IB0910 ID2");
        assert_eq!(incident.answers, json!({"IB": "09:10", "ID": 2}).as_object().unwrap().clone());
        assert_eq!(incident.problems, vec![SmsProblem::NoValue { code: "IA".into() }]);
        // An O typed for a zero still reads as one where no code begins with it, and an I
        // typed for a one right before the next code is the value, though II is a code too.
        assert_eq!(read("OP 123456 OBO OC1").answers["OB"], json!(false));
        let typed_as_letter = read("IN 123456 IF I IG2 ID2");
        assert_eq!(typed_as_letter.answers, json!({"IF": true, "IG": false, "ID": 2}).as_object().unwrap().clone());
        assert!(typed_as_letter.problems.is_empty(), "{:?}", typed_as_letter.problems);
    }

    #[test]
    fn a_station_ends_where_its_number_does() {
        for text in ["OP S17/203 123456 OA0705 OB1", "OP123456S17/203OA0705OB1", "op 123456 s 17 / 203 oa0705 ob1"] {
            let parsed = read(text);
            assert_eq!(parsed.station, Some(StationRef::parse("17/203").unwrap()), "{text}");
            assert_eq!(parsed.observer_code.as_deref(), Some("123456"), "{text}");
            assert_eq!(parsed.answers, json!({"OA": "07:05", "OB": true}).as_object().unwrap().clone(), "{text}");
        }
    }

    #[test]
    fn times_and_stations_are_understood() {
        let parsed = read("OP 123456 S17/203 OA 0705 OB1");
        assert_eq!(parsed.station, Some(StationRef::parse("17/203").unwrap()));
        assert_eq!(parsed.answers["OA"], json!("07:05"));
        assert_eq!(read("OP 123456 s 17-3 OA 705").station, Some(StationRef::parse("17/3").unwrap()));
    }

    #[test]
    fn candidates_votes_with_digit_codes_parse() {
        let parsed = read("PR 123456 C1 700 C2 50 C7 30");
        assert_eq!(parsed.answers["C1"], json!(700));
        assert_eq!(parsed.answers["C2"], json!(50));
        assert_eq!(parsed.answers["C7"], json!(30));
    }

    #[test]
    fn any_text_is_read_without_panicking() {
        let form = form("PR");
        for text in [
            "",
            "#",
            "PR",
            "PR ####",
            "PRIIIIIIIIIIOOOOOO",
            "P",
            "ПР 12 ЦЦ",
            "S/",
            "PR 123456 S99999/1",
            "\u{0}\u{ffff}",
            "PR 123456 C1 99999999999999999999999",
        ] {
            let _ = parse(text, &form);
            let _ = form_code(text);
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Noise an observer may add without changing the report.
        fn separator() -> impl Strategy<Value = String> {
            prop::sample::select(vec!["", " ", "  ", "=", ", ", "; ", "-", ":", ". "]).prop_map(String::from)
        }

        fn cyrillic_or_latin(code: &str, cyrillic: bool, lower: bool) -> String {
            code.chars()
                .map(|c| match (cyrillic, c) {
                    (true, 'C') => 'С',
                    (true, 'T') => 'Т',
                    (true, 'A') => 'А',
                    (true, 'B') => 'В',
                    (_, c) if lower => c.to_ascii_lowercase(),
                    (_, c) => c,
                })
                .collect()
        }

        proptest! {
            #[test]
            fn a_valid_message_with_noise_reads_the_same(
                slot in 1u8..=5, counted in 0u32..=5000, announced in proptest::bool::ANY,
                observer in 100_000u32..=999_999, seps in prop::collection::vec(separator(), 8),
                cyrillic in proptest::bool::ANY, lower in proptest::bool::ANY, o_for_zero in proptest::bool::ANY,
            ) {
                let digits = |n: u32| if o_for_zero { n.to_string().replace('0', "O") } else { n.to_string() };
                let yes_no = if announced { 1 } else { 2 };
                let text = [
                    cyrillic_or_latin("TC", cyrillic, lower), seps[0].clone(), digits(observer), seps[1].clone(),
                    cyrillic_or_latin("TA", cyrillic, lower), seps[2].clone(), slot.to_string(), seps[3].clone(),
                    cyrillic_or_latin("TB", cyrillic, lower), seps[4].clone(), digits(counted), seps[5].clone(), " ".into(),
                    cyrillic_or_latin("TC", cyrillic, lower), seps[6].clone(), yes_no.to_string(),
                ]
                .concat();
                let parsed = parse(&text, &form("TC"));
                prop_assert_eq!(parsed.observer_code, Some(format!("{observer}")), "{}", text);
                prop_assert_eq!(&parsed.answers["TA"], &json!(slot));
                prop_assert_eq!(&parsed.answers["TB"], &json!(counted));
                prop_assert_eq!(&parsed.answers["TC"], &json!(announced));
                prop_assert!(parsed.problems.is_empty(), "{:?} in {}", parsed.problems, text);
            }

            #[test]
            fn no_text_makes_the_parser_panic(text in ".{0,200}") {
                for form in standard_forms() {
                    let _ = parse(&text, &form);
                }
                let _ = form_code(&text);
            }
        }
    }
}
