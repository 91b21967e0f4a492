//! Translations. Every user-facing string is a Fluent message in `locales/{az,en,ru}`;
//! code refers to messages by id. A missing message shows its id, and a test checks that
//! the three languages define the same ids.

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;

use domain::language::Language;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "az",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static AZ: LanguageIdentifier = langid!("az");
static EN: LanguageIdentifier = langid!("en");
static RU: LanguageIdentifier = langid!("ru");

fn identifier(language: Language) -> &'static LanguageIdentifier {
    match language {
        Language::Az => &AZ,
        Language::En => &EN,
        Language::Ru => &RU,
    }
}

/// The message `id` in `language`.
pub fn t(language: Language, id: &str) -> String {
    LOCALES.lookup(identifier(language), id)
}

/// The message `id` with named arguments, e.g. `[("count", 3.into())]`.
pub fn t_args(language: Language, id: &str, args: &[(&'static str, FluentValue<'static>)]) -> String {
    let args: HashMap<Cow<'static, str>, FluentValue> =
        args.iter().map(|(name, value)| (Cow::Borrowed(*name), value.clone())).collect();
    LOCALES.lookup_with_args(identifier(language), id, &args)
}

/// Numbers as people write them: "6 478 623" (az, ru) or "6,478,623" (en).
pub fn number(language: Language, value: i64) -> String {
    let separator = match language {
        Language::En => ',',
        Language::Az | Language::Ru => '\u{a0}',
    };
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    if value < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn message_ids(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter(|line| !line.starts_with([' ', '#', '\t', '.']) && line.contains(" ="))
            .filter_map(|line| line.split(" =").next().map(|id| id.trim().to_string()))
            .collect()
    }

    #[test]
    fn every_language_defines_the_same_messages() {
        let az = message_ids(include_str!("../locales/az/main.ftl"));
        let en = message_ids(include_str!("../locales/en/main.ftl"));
        let ru = message_ids(include_str!("../locales/ru/main.ftl"));
        assert_eq!(az.symmetric_difference(&en).collect::<Vec<_>>(), Vec::<&String>::new());
        assert_eq!(az.symmetric_difference(&ru).collect::<Vec<_>>(), Vec::<&String>::new());
        assert!(az.len() > 50);
    }

    /// A message Fluent cannot parse (a `{name}` meant literally, say) is dropped from its
    /// bundle in silence, and the page then shows its id.
    #[test]
    fn every_message_parses() {
        for (language, source) in [
            ("az", include_str!("../locales/az/main.ftl")),
            ("en", include_str!("../locales/en/main.ftl")),
            ("ru", include_str!("../locales/ru/main.ftl")),
        ] {
            let parsed = fluent_templates::fluent_bundle::FluentResource::try_new(source.to_string());
            let resource = parsed.unwrap_or_else(|(_, errors)| panic!("{language}: {errors:?}"));
            // `{count}` parses, as a reference to a message "count" that does not exist: the
            // message then fails as it is shown. No message refers to another; literal braces
            // are written {"{"}count{"}"}.
            for entry in resource.entries() {
                let entry = format!("{entry:?}");
                assert!(!entry.contains("MessageReference"), "{language}: {entry}");
            }
        }
    }

    #[test]
    fn plurals_follow_each_language() {
        let stations = |language, n: i64| t_args(language, "count-stations", &[("count", n.into())]);
        assert_eq!(stations(Language::En, 1), "1 polling station");
        assert_eq!(stations(Language::En, 5), "5 polling stations");
        assert_eq!(stations(Language::Ru, 2), "2 участка");
        assert_eq!(stations(Language::Ru, 5), "5 участков");
        assert_eq!(stations(Language::Az, 5), "5 məntəqə");
    }

    #[test]
    fn numbers_group_thousands() {
        assert_eq!(number(Language::En, 6_478_623), "6,478,623");
        assert_eq!(number(Language::Az, 6_478_623), "6\u{a0}478\u{a0}623");
        assert_eq!(number(Language::Ru, 999), "999");
    }
}
