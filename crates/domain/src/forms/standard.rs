//! The standard forms pollwatch ships (in `forms/` at the repository root): opening, voting,
//! turnout count, closing and counting, results protocol, incident.

use crate::forms::definition::FormDefinition;

pub const STANDARD_FORMS: [(&str, &str); 6] = [
    ("opening", include_str!("../../../../forms/opening.json")),
    ("voting", include_str!("../../../../forms/voting.json")),
    ("turnout", include_str!("../../../../forms/turnout.json")),
    ("closing", include_str!("../../../../forms/closing.json")),
    ("protocol", include_str!("../../../../forms/protocol.json")),
    ("incident", include_str!("../../../../forms/incident.json")),
];

/// The standard forms, parsed. They are checked by this crate's tests, so parsing cannot fail
/// in a released build.
pub fn standard_forms() -> Vec<FormDefinition> {
    STANDARD_FORMS
        .iter()
        .map(|(name, json)| FormDefinition::parse(json).unwrap_or_else(|e| panic!("standard form {name}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::answers::{AnswerProblem, validate};
    use serde_json::json;

    fn form(code: &str) -> FormDefinition {
        standard_forms().into_iter().find(|f| f.code == code).unwrap()
    }

    fn answers(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn every_standard_form_parses_with_unique_codes() {
        let forms = standard_forms();
        let codes: std::collections::BTreeSet<_> = forms.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes.len(), 6);
        for form in &forms {
            for question in form.questions() {
                assert!(
                    !question.label.en.is_empty() && !question.label.ru.is_empty(),
                    "{} {}",
                    form.code,
                    question.code
                );
            }
        }
    }

    #[test]
    fn skip_logic_requires_a_follow_up_only_when_it_is_shown() {
        let opening = form("OP");
        let base =
            json!({"OA": "07:05", "OB": true, "OC": true, "OF": true, "OG": true, "OH": true, "OI": false, "OK": true});
        assert!(validate(&opening, &answers(base.clone())).is_ok());
        let mut late = base.clone();
        late["OK"] = json!(false);
        let errors = validate(&opening, &answers(late.clone())).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].question, "OL");
        assert_eq!(errors[0].problem, AnswerProblem::Required);
        late["OL"] = json!("8:20");
        let valid = validate(&opening, &answers(late)).unwrap();
        assert_eq!(valid.get("OL"), Some(&crate::forms::answers::Answer::Time("08:20".into())));
        // An answer to a hidden question is dropped, not stored.
        let mut stray = base;
        stray["OL"] = json!("09:00");
        assert!(validate(&opening, &answers(stray)).unwrap().get("OL").is_none());
    }

    #[test]
    fn a_protocol_whose_arithmetic_breaks_is_explained() {
        let protocol = form("PR");
        // Five voters spoilt a ballot and took another: 1200 = 900 + 40 + 255 unused + 5 spoilt.
        let mut figures = json!({"PA": 1500, "PJ": 12, "PB": 1200, "PC": 900, "PD": 40, "PK": 3, "PE": 255, "PL": 260,
            "PF": 40, "PG": 900, "PI": 920, "PH": 20, "PM": 5, "PT": "21:40",
            "C1": 700, "C2": 50, "C3": 40, "C4": 30, "C5": 40, "C6": 30, "C7": 30});
        assert!(validate(&protocol, &answers(figures.clone())).is_ok());
        figures["PE"] = json!(245);
        figures["C1"] = json!(710);
        let errors = validate(&protocol, &answers(figures.clone())).unwrap_err();
        let rules: Vec<String> = errors
            .iter()
            .filter_map(|e| match &e.problem {
                AnswerProblem::CheckFailed { rule, message } => {
                    assert!(message.en.contains("explain in PX"), "{}", message.en);
                    Some(rule.clone())
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            rules,
            vec!["PB == PC + PD + PE + PM or answered(PX)", "C1 + C2 + C3 + C4 + C5 + C6 + C7 == PI or answered(PX)"]
        );
        // The explanation is asked for once the figures break, and is all it takes: a
        // commission's protocol that does not add up is evidence, reported as written.
        assert!(errors.iter().any(|e| e.question == "PX" && e.problem == AnswerProblem::Required), "{errors:?}");
        figures["PX"] = json!("Protokolda belə yazılıb: PE 245.");
        let kept = validate(&protocol, &answers(figures.clone())).unwrap();
        assert_eq!(kept.get("PE"), validate(&protocol, &answers(figures)).unwrap().get("PE"));
        assert!(kept.get("PX").is_some());
    }

    #[test]
    fn closing_questions_about_what_did_not_happen_are_not_asked() {
        let closing = form("CL");
        // No queue at 19:00, no mobile box, nobody asked for remarks: nothing reads as a breach.
        let quiet = json!({"CN": false, "CB": true, "CM": false, "CE": true, "CF": true, "CJ": false,
            "CG": true, "CH": true, "CP": false, "CK": 2});
        let kept = validate(&closing, &answers(quiet.clone())).unwrap();
        assert!(kept.get("CC").is_none() && kept.get("CA").is_none() && kept.get("CI").is_none());
        // A "no" to "was the mobile box opened first" is dropped when there was no mobile box.
        let mut stray = quiet.clone();
        stray["CC"] = json!(false);
        assert!(validate(&closing, &answers(stray)).unwrap().get("CC").is_none());
        // Used, its questions are asked.
        let mut mobile = quiet;
        mobile["CM"] = json!(true);
        let errors = validate(&closing, &answers(mobile)).unwrap_err();
        let missing: Vec<&str> = errors.iter().map(|e| e.question.as_str()).collect();
        assert_eq!(missing, vec!["CC", "CD"]);
    }

    #[test]
    fn a_question_hidden_by_a_hidden_question_is_hidden_too() {
        let incident = form("IN");
        let base = json!({"IA": 16, "IB": "12:00", "IC": "Kamera örtülüb", "ID": 2, "IF": false});
        // A third photo without a first: the second is not asked, so neither is the third.
        let mut skipped = base.clone();
        skipped["IH"] = json!("a".repeat(64));
        skipped["II"] = json!("b".repeat(64));
        let kept = validate(&incident, &answers(skipped)).unwrap();
        assert!(kept.get("IH").is_none() && kept.get("II").is_none());
        let mut in_order = base;
        in_order["IE"] = json!("c".repeat(64));
        in_order["IH"] = json!("a".repeat(64));
        assert!(validate(&incident, &answers(in_order)).unwrap().get("IH").is_some());
    }

    #[test]
    fn a_visit_that_saw_carousel_voting_calls_for_an_incident_report() {
        let voting = form("VT");
        let quiet = json!({"VA": "10:15", "VB": true, "VC": true, "VD": true, "VE": false, "VF": false, "VG": false,
            "VH": false, "VJ": false, "VK": false});
        assert!(!voting.calls_for_incident(&validate(&voting, &answers(quiet.clone())).unwrap()));
        let mut carousel = quiet;
        carousel["VG"] = json!(true);
        assert!(voting.calls_for_incident(&validate(&voting, &answers(carousel)).unwrap()));
        // A question not asked says nothing either way: with the mobile box kept in, a "no"
        // to whether its procedure was followed is dropped, not taken for a breach.
        let mut unasked = json!({"VA": "10:15", "VB": true, "VC": true, "VD": true, "VE": false, "VF": false,
            "VG": false, "VH": false, "VJ": false, "VK": false});
        unasked["VI"] = json!(false);
        assert!(!voting.calls_for_incident(&validate(&voting, &answers(unasked)).unwrap()));
    }

    #[test]
    fn a_protocol_that_adds_up_has_nothing_to_explain() {
        let protocol = form("PR");
        let figures = json!({"PA": 1500, "PJ": 0, "PB": 1200, "PC": 900, "PD": 40, "PK": 0, "PE": 260, "PL": 260,
            "PF": 40, "PG": 900, "PI": 920, "PH": 20, "PM": 0, "C1": 700, "C2": 50, "C3": 40, "C4": 30, "C5": 40, "C6": 30,
            "C7": 30, "PX": "nothing"});
        // The explanation is not shown, so it is not kept.
        assert!(validate(&protocol, &answers(figures)).unwrap().get("PX").is_none());
    }

    #[test]
    fn values_are_checked_against_their_questions() {
        let turnout = form("TC");
        let errors = validate(&turnout, &answers(json!({"TA": 9, "TB": -3, "TC": "maybe", "ZZ": 1}))).unwrap_err();
        let found: Vec<(&str, &AnswerProblem)> = errors.iter().map(|e| (e.question.as_str(), &e.problem)).collect();
        assert!(found.contains(&("ZZ", &AnswerProblem::UnknownQuestion)));
        assert!(found.contains(&("TA", &AnswerProblem::UnknownChoice { allowed: vec![1, 2, 3, 4, 5] })));
        assert!(found.contains(&("TB", &AnswerProblem::OutOfRange { min: 0.0, max: 5000.0 })));
        assert!(found.contains(&("TC", &AnswerProblem::NotYesNo)));
    }

    #[test]
    fn codes_are_read_in_any_case_and_of_two_spellings_of_one_code_the_later_counts() {
        let turnout = form("TC");
        // A sorted map: "TC" comes before "tc", so "tc" is the later.
        let valid = validate(&turnout, &answers(json!({"ta": 2, "TB": 120, "TC": true, "tc": false}))).unwrap();
        assert_eq!(valid.canonical_json(), r#"{"TA":2,"TB":120,"TC":false}"#);
    }

    #[test]
    fn answers_read_as_sent_count_the_later_of_two_for_one_question() {
        let turnout = form("TC");
        let raw: crate::forms::RawAnswers =
            serde_json::from_str(r#"{"TB": 100, "TA": 2, "tb": 120, "TC": false, "TB ": 130}"#).unwrap();
        let codes: Vec<&str> = raw.0.iter().map(|(code, _)| code.as_str()).collect();
        assert_eq!(codes, ["TB", "TA", "tb", "TC", "TB "], "in the order sent, each kept");
        let valid = validate(&turnout, raw.iter()).unwrap();
        assert_eq!(valid.canonical_json(), r#"{"TA":2,"TB":130,"TC":false}"#);
        // The report's own codes, moved rather than copied, read the same.
        assert_eq!(validate(&turnout, raw).unwrap(), valid);
        // The later counts even when the earlier was wrong, and the other way round.
        let corrected: crate::forms::RawAnswers =
            serde_json::from_str(r#"{"TB": -3, "TA": 2, "tb": 120, "TC": false}"#).unwrap();
        assert_eq!(
            validate(&turnout, corrected.iter()).unwrap().get("TB"),
            Some(&crate::forms::answers::Answer::Integer(120))
        );
        let spoilt: crate::forms::RawAnswers =
            serde_json::from_str(r#"{"TB": 120, "TA": 2, "TB": -3, "TC": false}"#).unwrap();
        let errors = validate(&turnout, spoilt.iter()).unwrap_err();
        assert_eq!(errors.len(), 1, "one problem for one question: {errors:?}");
        assert_eq!(errors[0].question, "TB");
        assert!(serde_json::from_str::<crate::forms::RawAnswers>("[1, 2]").is_err(), "answers are an object");
    }

    #[test]
    fn equal_answers_have_equal_canonical_json() {
        let turnout = form("TC");
        let a = validate(&turnout, &answers(json!({"TA": 2, "TB": 300, "TC": false}))).unwrap();
        let b = validate(&turnout, &answers(json!({"TC": "no", "TB": "300", "TA": 2}))).unwrap();
        assert_eq!(a.canonical_json(), b.canonical_json());
        assert_eq!(a.canonical_json(), r#"{"TA":2,"TB":300,"TC":false}"#);
    }

    #[test]
    fn definitions_with_mistakes_are_refused_with_the_reason() {
        let mut bad = serde_json::to_value(form("TC")).unwrap();
        bad["groups"][0]["questions"][3]["show_if"] = json!("TX == yes");
        let error = FormDefinition::parse(&bad.to_string()).unwrap_err();
        assert!(error.to_string().contains("no question TX"), "{error}");
        let mut duplicate = serde_json::to_value(form("TC")).unwrap();
        duplicate["groups"][0]["questions"][1]["code"] = json!("TA");
        assert!(FormDefinition::parse(&duplicate.to_string()).unwrap_err().to_string().contains("used twice"));
    }
}
