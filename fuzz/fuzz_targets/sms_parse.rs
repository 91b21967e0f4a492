//! Feeds arbitrary text to the SMS parser (`domain::sms`), against every standard form.
//!
//! Besides "never panics", it checks only what `sms.rs` documents about a `ParsedMessage`:
//! - `form_code` gives two capital Latin letters or nothing;
//! - the parsed message carries the code of the form it was read for;
//! - an observer code is six digits, and is missing exactly when `NoObserverCode` is reported;
//! - a comment is the non-empty text after `#`, kept as typed (so it occurs in the message);
//! - answers are keyed by question codes of the form.

#![no_main]

use std::sync::OnceLock;

use domain::forms::FormDefinition;
use domain::forms::standard::standard_forms;
use domain::sms::{self, SmsProblem};
use libfuzzer_sys::fuzz_target;

fn forms() -> &'static [FormDefinition] {
    static FORMS: OnceLock<Vec<FormDefinition>> = OnceLock::new();
    FORMS.get_or_init(standard_forms)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;

    if let Some(code) = sms::form_code(text) {
        assert!(code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()), "form code {code:?} from {text:?}");
    }

    for form in forms() {
        let parsed = sms::parse(text, form);

        assert_eq!(parsed.form_code, form.code, "{text:?}");

        let no_observer_reported = parsed.problems.contains(&SmsProblem::NoObserverCode);
        match &parsed.observer_code {
            Some(observer) => {
                assert!(
                    observer.len() == 6 && observer.chars().all(|c| c.is_ascii_digit()),
                    "{observer:?} from {text:?}"
                );
                assert!(!no_observer_reported, "observer code {observer:?} and NoObserverCode from {text:?}");
            }
            None => assert!(no_observer_reported, "no observer code, not reported, from {text:?}"),
        }

        if let Some(comment) = &parsed.comment {
            assert!(!comment.is_empty(), "{text:?}");
            let (_, after_hash) = text.split_once('#').expect("a comment without a '#'");
            assert!(after_hash.contains(comment.as_str()), "comment {comment:?} not as typed in {text:?}");
        }

        for code in parsed.answers.keys() {
            assert!(
                form.question(code).is_some(),
                "answer to {code:?}, not a question of {}, from {text:?}",
                form.code
            );
        }
    }
});
