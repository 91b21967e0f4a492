//! The election being observed: constituencies, polling stations, candidates, and the
//! coalition's member organisations. A pollwatch database observes one election.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::language::Localized;

/// Azerbaijan's 2024 scheme has 125 single-member constituencies, numbered 1–125.
pub const CONSTITUENCY_COUNT: u16 = 125;

/// The largest station number seen within one constituency is well under 1,000; this bound
/// only catches typos such as a registered-voter count typed in the wrong column.
pub const MAX_STATION_NUMBER: u16 = 999;

/// No polling station in Azerbaijan serves more than a few thousand voters; 5,000 leaves room.
pub const MAX_REGISTERED_VOTERS: u32 = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct ConstituencyNo(u16);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("not a whole number")]
    NotANumber,
    #[error("must be between {min} and {max}")]
    OutOfRange { min: u32, max: u32 },
}

impl ConstituencyNo {
    pub fn new(number: u16) -> Result<Self, NumberError> {
        if (1..=CONSTITUENCY_COUNT).contains(&number) {
            Ok(ConstituencyNo(number))
        } else {
            Err(NumberError::OutOfRange { min: 1, max: u32::from(CONSTITUENCY_COUNT) })
        }
    }

    pub fn parse(text: &str) -> Result<Self, NumberError> {
        let number = parse_whole_number(text)?;
        u16::try_from(number)
            .map_err(|_| NumberError::OutOfRange { min: 1, max: u32::from(CONSTITUENCY_COUNT) })
            .and_then(ConstituencyNo::new)
    }

    pub fn get(self) -> u16 {
        self.0
    }

    pub fn all() -> impl Iterator<Item = ConstituencyNo> {
        (1..=CONSTITUENCY_COUNT).map(ConstituencyNo)
    }
}

impl TryFrom<u16> for ConstituencyNo {
    type Error = NumberError;
    fn try_from(number: u16) -> Result<Self, Self::Error> {
        ConstituencyNo::new(number)
    }
}

impl From<ConstituencyNo> for u16 {
    fn from(number: ConstituencyNo) -> u16 {
        number.0
    }
}

impl fmt::Display for ConstituencyNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A polling station's number within its constituency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StationNo(u16);

impl StationNo {
    pub fn new(number: u16) -> Result<Self, NumberError> {
        if (1..=MAX_STATION_NUMBER).contains(&number) {
            Ok(StationNo(number))
        } else {
            Err(NumberError::OutOfRange { min: 1, max: u32::from(MAX_STATION_NUMBER) })
        }
    }

    pub fn parse(text: &str) -> Result<Self, NumberError> {
        let number = parse_whole_number(text)?;
        u16::try_from(number)
            .map_err(|_| NumberError::OutOfRange { min: 1, max: u32::from(MAX_STATION_NUMBER) })
            .and_then(StationNo::new)
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// A polling station as people name it: constituency and station number, written "17/203".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StationRef {
    pub constituency: ConstituencyNo,
    pub station: StationNo,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StationRefError {
    #[error("write a station as constituency/station, for example 17/203")]
    Shape,
    #[error("constituency {0}")]
    Constituency(NumberError),
    #[error("station {0}")]
    Station(NumberError),
}

impl StationRef {
    /// Accepts "17/203", "17-203", "17 / 203".
    pub fn parse(text: &str) -> Result<Self, StationRefError> {
        let (constituency, station) = text.trim().split_once(['/', '-']).ok_or(StationRefError::Shape)?;
        Ok(StationRef {
            constituency: ConstituencyNo::parse(constituency).map_err(StationRefError::Constituency)?,
            station: StationNo::parse(station).map_err(StationRefError::Station)?,
        })
    }
}

impl fmt::Display for StationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.constituency, self.station.0)
    }
}

/// Parses a whole number, tolerating spaces used as thousands separators ("1 250").
pub fn parse_whole_number(text: &str) -> Result<u32, NumberError> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        // A spreadsheet may hand us "12.0" for a number cell.
        if let Some(whole) = digits.strip_suffix(".0") {
            return parse_whole_number(whole);
        }
        return Err(NumberError::NotANumber);
    }
    digits.parse().map_err(|_| NumberError::OutOfRange { min: 0, max: u32::MAX })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    pub name: Localized,
    /// ISO date, e.g. "2024-02-07".
    pub election_date: String,
    pub registered_voters: u64,
}

/// Whether a constituency lies in Baku, as the source data says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InBaku {
    Yes,
    No,
    Partial,
}

impl InBaku {
    pub fn parse(text: &str) -> Option<InBaku> {
        match text.trim().to_ascii_lowercase().as_str() {
            "yes" | "bəli" | "beli" | "да" | "1" | "true" => Some(InBaku::Yes),
            "no" | "xeyr" | "нет" | "0" | "false" | "" => Some(InBaku::No),
            "partial" | "qismən" | "qismen" | "частично" => Some(InBaku::Partial),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InBaku::Yes => "yes",
            InBaku::No => "no",
            InBaku::Partial => "partial",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constituency {
    pub number: ConstituencyNo,
    pub name_az: String,
    pub name_en: String,
    pub area_az: String,
    pub in_baku: InBaku,
    /// One of the constituencies the coalition deploys observers to.
    pub monitored: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Station {
    pub reference: StationRef,
    pub address: String,
    pub registered_voters: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub ballot_order: u16,
    pub name: Localized,
    /// The nominating party, or "self-nominated" in each language.
    pub nominated_by: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    /// A short stable code used in imports, e.g. "VCUM".
    pub code: String,
    pub name: Localized,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn station_refs_parse_in_the_forms_people_write() {
        let expected =
            StationRef { constituency: ConstituencyNo::new(17).unwrap(), station: StationNo::new(203).unwrap() };
        assert_eq!(StationRef::parse("17/203"), Ok(expected));
        assert_eq!(StationRef::parse(" 17 - 203 "), Ok(expected));
        assert_eq!(expected.to_string(), "17/203");
        assert_eq!(StationRef::parse("17"), Err(StationRefError::Shape));
        assert!(matches!(StationRef::parse("126/1"), Err(StationRefError::Constituency(_))));
    }

    #[test]
    fn whole_numbers_tolerate_spreadsheet_forms() {
        assert_eq!(parse_whole_number("1 250"), Ok(1250));
        assert_eq!(parse_whole_number("12.0"), Ok(12));
        assert_eq!(parse_whole_number("12a"), Err(NumberError::NotANumber));
        assert_eq!(parse_whole_number(""), Err(NumberError::NotANumber));
    }
}
