//! The people of the mission and the values that identify them. Observers' identities are
//! sensitive: these types carry them, but only `access` decides who may read them.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::text::search_key;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonFieldError {
    #[error("must not be empty")]
    Empty,
    #[error("is too long (at most {0} characters)")]
    TooLong(usize),
    #[error("may use only Latin letters, digits, '.', '_' and '-'")]
    BadUsername,
    #[error("must be a phone number such as +994 50 123 45 67")]
    BadPhone,
    #[error("must be an e-mail address such as name@example.org")]
    BadEmail,
    #[error("must be exactly 6 digits")]
    BadObserverCode,
}

/// A login name: lower-case Latin letters, digits, `.`, `_`, `-`; 3–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    pub fn parse(text: &str) -> Result<Self, PersonFieldError> {
        let name = text.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err(PersonFieldError::Empty);
        }
        if name.len() > 40 {
            return Err(PersonFieldError::TooLong(40));
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c);
        if name.len() < 3 || !name.chars().all(allowed) {
            return Err(PersonFieldError::BadUsername);
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's full name as they write it, trimmed, with single spaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(text: &str) -> Result<Self, PersonFieldError> {
        let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(PersonFieldError::Empty);
        }
        if name.chars().count() > 120 {
            return Err(PersonFieldError::TooLong(120));
        }
        Ok(PersonName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn search_key(&self) -> String {
        search_key(&self.0)
    }
}

/// A phone number normalised to E.164. Azerbaijani numbers written locally ("050 123 45 67")
/// get the +994 prefix, since that is how observers and their NGOs write them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Self, PersonFieldError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(PersonFieldError::Empty);
        }
        let international = trimmed.starts_with('+') || trimmed.starts_with("00");
        if !trimmed.chars().all(|c| c.is_ascii_digit() || " +-()./".contains(c)) {
            return Err(PersonFieldError::BadPhone);
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let normalized = if international {
            let digits = digits.strip_prefix("00").unwrap_or(&digits);
            format!("+{digits}")
        } else if digits.len() == 10 && digits.starts_with('0') {
            format!("+994{}", &digits[1..])
        } else if digits.len() == 9 {
            format!("+994{digits}")
        } else if digits.len() == 12 && digits.starts_with("994") {
            format!("+{digits}")
        } else {
            return Err(PersonFieldError::BadPhone);
        };
        // E.164: at most 15 digits after '+'; shorter than 8 is never a real number.
        if !(9..=16).contains(&normalized.len()) {
            return Err(PersonFieldError::BadPhone);
        }
        Ok(Phone(normalized))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, PersonFieldError> {
        let email = text.trim();
        if email.is_empty() {
            return Err(PersonFieldError::Empty);
        }
        let valid = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
            })
            && !email.chars().any(char::is_whitespace);
        if valid { Ok(Email(email.to_string())) } else { Err(PersonFieldError::BadEmail) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The six-digit code an observer types into every SMS report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObserverCode(u32);

impl ObserverCode {
    pub fn parse(text: &str) -> Result<Self, PersonFieldError> {
        let code = text.trim();
        if code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()) {
            code.parse().map(ObserverCode).map_err(|_| PersonFieldError::BadObserverCode)
        } else {
            Err(PersonFieldError::BadObserverCode)
        }
    }

    pub fn from_number(number: u32) -> Option<Self> {
        (100_000..=999_999).contains(&number).then_some(ObserverCode(number))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ObserverCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised_to_e164() {
        assert_eq!(Phone::parse("050 123 45 67").unwrap().as_str(), "+994501234567");
        assert_eq!(Phone::parse("+994 (55) 123-45-67").unwrap().as_str(), "+994551234567");
        assert_eq!(Phone::parse("00994501234567").unwrap().as_str(), "+994501234567");
        assert_eq!(Phone::parse("12345"), Err(PersonFieldError::BadPhone));
        assert_eq!(Phone::parse("050 ABC"), Err(PersonFieldError::BadPhone));
    }

    #[test]
    fn usernames_and_codes_reject_what_cannot_be_typed_reliably() {
        assert_eq!(Username::parse(" Aysel.M ").unwrap().as_str(), "aysel.m");
        assert_eq!(Username::parse("ay"), Err(PersonFieldError::BadUsername));
        assert_eq!(Username::parse("ayşə"), Err(PersonFieldError::BadUsername));
        assert_eq!(ObserverCode::parse("012345").unwrap().to_string(), "012345");
        assert_eq!(ObserverCode::parse("12345"), Err(PersonFieldError::BadObserverCode));
    }

    #[test]
    fn names_keep_azerbaijani_letters() {
        let name = PersonName::parse("  Gülnarə   Şükürova ").unwrap();
        assert_eq!(name.as_str(), "Gülnarə Şükürova");
        assert_eq!(name.search_key(), "gulnare sukurova / gulnara sukurova / gulnara shukurova");
    }
}
