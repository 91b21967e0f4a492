//! The three languages of every user-facing text.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Azerbaijani is the default: the observers' and the coalition's working language.
    #[default]
    Az,
    En,
    Ru,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::Az, Language::En, Language::Ru];

    pub fn code(self) -> &'static str {
        match self {
            Language::Az => "az",
            Language::En => "en",
            Language::Ru => "ru",
        }
    }

    /// Accepts "az", "EN", "ru-RU", "az-Latn-AZ"…; anything else is `None`.
    pub fn parse(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?;
        [("az", Language::Az), ("en", Language::En), ("ru", Language::Ru)]
            .into_iter()
            .find_map(|(code, language)| primary.eq_ignore_ascii_case(code).then_some(language))
    }

    /// Picks the first supported language from an `Accept-Language` header value.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        header.split(',').filter_map(|part| Language::parse(part.split(';').next()?)).next()
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::Az => "Azərbaycanca",
            Language::En => "English",
            Language::Ru => "Русский",
        }
    }
}

/// A text given in each of the three languages; falls back to Azerbaijani when one is blank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Localized {
    pub az: String,
    pub en: String,
    pub ru: String,
}

impl Localized {
    pub fn new(az: impl Into<String>, en: impl Into<String>, ru: impl Into<String>) -> Self {
        Localized { az: az.into(), en: en.into(), ru: ru.into() }
    }

    pub fn get(&self, language: Language) -> &str {
        let text = match language {
            Language::Az => &self.az,
            Language::En => &self.en,
            Language::Ru => &self.ru,
        };
        if text.trim().is_empty() { &self.az } else { text }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_first_supported() {
        assert_eq!(Language::from_accept_language("de-DE,ru;q=0.8,en;q=0.5"), Some(Language::Ru));
        assert_eq!(Language::from_accept_language("fr"), None);
        assert_eq!(Language::parse("az-Latn-AZ"), Some(Language::Az));
    }

    #[test]
    fn localized_falls_back_to_azerbaijani() {
        let name = Localized::new("Bakı", "", "Баку");
        assert_eq!(name.get(Language::En), "Bakı");
        assert_eq!(name.get(Language::Ru), "Баку");
    }
}
