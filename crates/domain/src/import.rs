//! Turning a spreadsheet into election records. The caller reads the file (CSV or XLSX) into
//! rows of text; this module maps columns to fields, checks every cell, and returns either
//! typed records or a list of row-by-row problems. Applying is all-or-nothing: a plan with
//! any problem must not be applied, so a bad row never half-imports a file.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use crate::election::{
    ConstituencyNo, InBaku, MAX_REGISTERED_VOTERS, NumberError, StationNo, StationRef, StationRefError,
    parse_whole_number,
};
use crate::language::Localized;
use crate::people::{Email, ObserverCode, PersonFieldError, PersonName, Phone, Username};
use crate::roles::Role;
use crate::text::search_query;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportKind {
    Constituencies,
    Stations,
    Candidates,
    People,
}

/// A field an import fills, with the header spellings recognised without a mapping.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub key: &'static str,
    pub required: bool,
    aliases: &'static [&'static str],
}

const fn field(key: &'static str, required: bool, aliases: &'static [&'static str]) -> Field {
    Field { key, required, aliases }
}

const CONSTITUENCY_FIELDS: &[Field] = &[
    field("number", true, &["number", "no", "nömrə", "номер", "constituency", "dairə"]),
    field("name_az", true, &["name_az", "name", "ad", "adı", "название"]),
    field("name_en", false, &["name_en", "english name"]),
    field("area_az", false, &["area_az", "area", "ərazi", "территория"]),
    field("in_baku", false, &["in_baku", "baku", "bakı"]),
    field("monitored", false, &["monitored", "müşahidə", "наблюдение"]),
];

const STATION_FIELDS: &[Field] = &[
    field("constituency", true, &["constituency", "dairə", "округ", "constituency_no"]),
    field("number", true, &["number", "station", "station_no", "məntəqə", "участок", "uik"]),
    field("registered_voters", true, &["registered_voters", "voters", "seçici", "seçicilər", "избиратели"]),
    field("address", false, &["address", "ünvan", "адрес"]),
];

const CANDIDATE_FIELDS: &[Field] = &[
    field("ballot_order", true, &["ballot_order", "order", "no", "sıra", "порядок"]),
    field("name_az", true, &["name_az", "name", "ad", "namizəd"]),
    field("name_en", false, &["name_en"]),
    field("name_ru", false, &["name_ru", "имя"]),
    field("nominated_by_az", false, &["nominated_by_az", "party", "partiya", "party_az"]),
    field("nominated_by_en", false, &["nominated_by_en", "party_en"]),
    field("nominated_by_ru", false, &["nominated_by_ru", "party_ru", "партия"]),
];

const PEOPLE_FIELDS: &[Field] = &[
    field("username", true, &["username", "login", "istifadəçi adı", "логин"]),
    field("full_name", true, &["full_name", "name", "ad soyad", "adı soyadı", "фио", "имя"]),
    field("role", true, &["role", "rol", "роль"]),
    field("organisation", false, &["organisation", "organization", "org", "təşkilat", "организация"]),
    field("phone", false, &["phone", "telefon", "телефон", "mobile"]),
    field("email", false, &["email", "e-mail", "e-poçt", "почта"]),
    field("observer_code", false, &["observer_code", "code", "kod", "код"]),
    field("stations", false, &["stations", "station", "məntəqə", "məntəqələr", "участки"]),
    field("constituencies", false, &["constituencies", "dairələr", "округа"]),
];

impl ImportKind {
    pub const ALL: [ImportKind; 4] =
        [ImportKind::Constituencies, ImportKind::Stations, ImportKind::Candidates, ImportKind::People];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Constituencies => "constituencies",
            ImportKind::Stations => "stations",
            ImportKind::Candidates => "candidates",
            ImportKind::People => "people",
        }
    }

    pub fn parse(text: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            ImportKind::Constituencies => CONSTITUENCY_FIELDS,
            ImportKind::Stations => STATION_FIELDS,
            ImportKind::Candidates => CANDIDATE_FIELDS,
            ImportKind::People => PEOPLE_FIELDS,
        }
    }
}

/// Which column (0-based) each field is read from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping(BTreeMap<String, usize>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("'{0}' is not a field of this import")]
    UnknownField(String),
    #[error("the file has no column '{0}'")]
    UnknownColumn(String),
    #[error("no column is mapped to the required field '{0}'")]
    MissingRequired(&'static str),
}

impl ColumnMapping {
    /// Matches headers to fields by name in any of the three languages.
    pub fn guess(kind: ImportKind, headers: &[String]) -> ColumnMapping {
        let keys: Vec<String> = headers.iter().map(|h| search_query(h)).collect();
        let mut mapping = BTreeMap::new();
        let mut taken = BTreeSet::new();
        for field in kind.fields() {
            let found = field.aliases.iter().find_map(|alias| {
                let alias = search_query(alias);
                keys.iter().position(|k| *k == alias).filter(|i| !taken.contains(i))
            });
            if let Some(column) = found {
                taken.insert(column);
                mapping.insert(field.key.to_string(), column);
            }
        }
        ColumnMapping(mapping)
    }

    /// Builds a mapping from (field, header) pairs a person chose; blank headers are skipped.
    pub fn from_choices(
        kind: ImportKind,
        headers: &[String],
        choices: &[(String, String)],
    ) -> Result<ColumnMapping, MappingError> {
        let mut mapping = BTreeMap::new();
        for (field_key, header) in choices {
            let field = kind
                .fields()
                .iter()
                .find(|f| f.key == field_key)
                .ok_or_else(|| MappingError::UnknownField(field_key.clone()))?;
            if header.trim().is_empty() {
                continue;
            }
            let column = headers
                .iter()
                .position(|h| h.trim() == header.trim())
                .ok_or_else(|| MappingError::UnknownColumn(header.clone()))?;
            mapping.insert(field.key.to_string(), column);
        }
        Ok(ColumnMapping(mapping))
    }

    pub fn check_complete(&self, kind: ImportKind) -> Result<(), MappingError> {
        match kind.fields().iter().find(|f| f.required && !self.0.contains_key(f.key)) {
            Some(missing) => Err(MappingError::MissingRequired(missing.key)),
            None => Ok(()),
        }
    }

    pub fn column_of(&self, field_key: &str) -> Option<usize> {
        self.0.get(field_key).copied()
    }
}

/// What is already in the database that rows may refer to.
#[derive(Debug, Clone, Default)]
pub struct KnownReferences {
    pub constituencies: BTreeSet<ConstituencyNo>,
    pub stations: BTreeSet<StationRef>,
    /// Organisation codes, upper-cased, to their ids.
    pub organisations: BTreeMap<String, i64>,
}

/// Why a cell was refused. Rendered in the reader's language by the web layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    Required,
    NotANumber,
    OutOfRange {
        min: u32,
        max: u32,
    },
    UnknownConstituency,
    UnknownStation {
        station: String,
    },
    BadStation {
        reason: String,
    },
    UnknownOrganisation,
    OrganisationRequired,
    UnknownRole,
    NotYesNo,
    BadPersonField {
        reason: String,
    },
    /// The same key already appeared on an earlier row of this file.
    Duplicate {
        first_row: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Required => write!(f, "a value is required"),
            Problem::NotANumber => write!(f, "must be a whole number"),
            Problem::OutOfRange { min, max } => write!(f, "must be between {min} and {max}"),
            Problem::UnknownConstituency => write!(f, "no such constituency; import constituencies first"),
            Problem::UnknownStation { station } => write!(f, "no polling station {station}"),
            Problem::BadStation { reason } => write!(f, "{reason}"),
            Problem::UnknownOrganisation => write!(f, "no member organisation has this code"),
            Problem::OrganisationRequired => write!(f, "this role needs a member organisation"),
            Problem::UnknownRole => write!(
                f,
                "not a role; use observer, coordinator, org_admin, media_monitor, analyst, partner or coalition_admin"
            ),
            Problem::NotYesNo => write!(f, "must be yes or no"),
            Problem::BadPersonField { reason } => write!(f, "{reason}"),
            Problem::Duplicate { first_row } => write!(f, "repeats row {first_row}"),
        }
    }
}

impl From<NumberError> for Problem {
    fn from(error: NumberError) -> Self {
        match error {
            NumberError::NotANumber => Problem::NotANumber,
            NumberError::OutOfRange { min, max } => Problem::OutOfRange { min, max },
        }
    }
}

impl From<PersonFieldError> for Problem {
    fn from(error: PersonFieldError) -> Self {
        match error {
            PersonFieldError::Empty => Problem::Required,
            other => Problem::BadPersonField { reason: other.to_string() },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The row number as a spreadsheet shows it: the header is row 1.
    pub row: usize,
    /// The column's header in the file.
    pub column: String,
    pub value: String,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConstituencyRecord {
    pub number: ConstituencyNo,
    pub name_az: String,
    pub name_en: String,
    pub area_az: String,
    pub in_baku: InBaku,
    pub monitored: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationRecord {
    pub reference: StationRef,
    pub registered_voters: u32,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidateRecord {
    pub ballot_order: u16,
    pub name: Localized,
    pub nominated_by: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRecord {
    pub username: Username,
    pub full_name: PersonName,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub phone: Option<Phone>,
    pub email: Option<Email>,
    pub observer_code: Option<ObserverCode>,
    pub stations: Vec<StationRef>,
    pub constituencies: Vec<ConstituencyNo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Record {
    Constituency(ConstituencyRecord),
    Station(StationRecord),
    Candidate(CandidateRecord),
    Person(PersonRecord),
}

#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    /// Each record with the spreadsheet row it came from.
    pub records: Vec<(usize, Record)>,
    pub errors: Vec<RowError>,
    /// Rows with nothing in any mapped column are skipped, not refused.
    pub blank_rows: usize,
}

impl ImportPlan {
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Checks every row and returns the records, or every problem found (not just the first).
pub fn plan(
    kind: ImportKind,
    headers: &[String],
    rows: &[Vec<String>],
    mapping: &ColumnMapping,
    known: &KnownReferences,
) -> ImportPlan {
    let mut plan = ImportPlan::default();
    let mut first_row_of_key: HashMap<String, usize> = HashMap::new();
    for (index, cells) in rows.iter().enumerate() {
        let mut row = Row { number: index + 2, cells, headers, mapping, errors: &mut plan.errors };
        if row.is_blank() {
            plan.blank_rows += 1;
            continue;
        }
        let parsed = match kind {
            ImportKind::Constituencies => parse_constituency(&mut row).map(Record::Constituency),
            ImportKind::Stations => parse_station(&mut row, known).map(Record::Station),
            ImportKind::Candidates => parse_candidate(&mut row).map(Record::Candidate),
            ImportKind::People => parse_person(&mut row, known).map(Record::Person),
        };
        let Some(record) = parsed else { continue };
        let (key, key_field) = record_key(&record);
        if let Some(&first_row) = first_row_of_key.get(&key) {
            row.refuse(key_field, Problem::Duplicate { first_row });
            continue;
        }
        first_row_of_key.insert(key, row.number);
        plan.records.push((row.number, record));
    }
    plan
}

fn record_key(record: &Record) -> (String, &'static str) {
    match record {
        Record::Constituency(c) => (c.number.to_string(), "number"),
        Record::Station(s) => (s.reference.to_string(), "number"),
        Record::Candidate(c) => (c.ballot_order.to_string(), "ballot_order"),
        Record::Person(p) => (p.username.to_string(), "username"),
    }
}

/// One data row being read, collecting its problems as it goes.
struct Row<'a> {
    number: usize,
    cells: &'a [String],
    headers: &'a [String],
    mapping: &'a ColumnMapping,
    errors: &'a mut Vec<RowError>,
}

impl Row<'_> {
    fn is_blank(&self) -> bool {
        self.mapping.0.values().all(|&column| self.cells.get(column).is_none_or(|cell| cell.trim().is_empty()))
    }

    /// The trimmed cell for a field; empty when the field is unmapped or the cell missing.
    fn text(&self, field_key: &str) -> &str {
        self.mapping
            .column_of(field_key)
            .and_then(|column| self.cells.get(column))
            .map(|cell| cell.trim())
            .unwrap_or("")
    }

    fn refuse(&mut self, field_key: &str, problem: Problem) {
        let column = self
            .mapping
            .column_of(field_key)
            .and_then(|c| self.headers.get(c))
            .cloned()
            .unwrap_or_else(|| field_key.to_string());
        let value = self.text(field_key).to_string();
        self.errors.push(RowError { row: self.number, column, value, problem });
    }

    fn required(&mut self, field_key: &str) -> Option<String> {
        let text = self.text(field_key).to_string();
        if text.is_empty() {
            self.refuse(field_key, Problem::Required);
            None
        } else {
            Some(text)
        }
    }

    fn parse<T, E: Into<Problem>>(&mut self, field_key: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> Option<T> {
        let text = self.required(field_key)?;
        match parse(&text) {
            Ok(value) => Some(value),
            Err(error) => {
                self.refuse(field_key, error.into());
                None
            }
        }
    }

    fn optional<T, E: Into<Problem>>(
        &mut self,
        field_key: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, ()> {
        let text = self.text(field_key).to_string();
        if text.is_empty() {
            return Ok(None);
        }
        match parse(&text) {
            Ok(value) => Ok(Some(value)),
            Err(error) => {
                self.refuse(field_key, error.into());
                Err(())
            }
        }
    }

    fn errors_so_far(&self) -> usize {
        self.errors.len()
    }
}

fn parse_yes_no(text: &str) -> Result<bool, Problem> {
    match search_query(text).as_str() {
        "yes" | "y" | "beli" | "he" | "да" | "1" | "true" | "x" => Ok(true),
        "no" | "n" | "xeyr" | "yox" | "нет" | "0" | "false" => Ok(false),
        _ => Err(Problem::NotYesNo),
    }
}

fn parse_constituency(row: &mut Row<'_>) -> Option<ConstituencyRecord> {
    let before = row.errors_so_far();
    let number = row.parse("number", ConstituencyNo::parse);
    let name_az = row.required("name_az");
    let in_baku =
        row.optional("in_baku", |t| InBaku::parse(t).ok_or(Problem::NotYesNo)).ok().map(|v| v.unwrap_or(InBaku::No));
    let monitored = row.optional("monitored", parse_yes_no).ok().map(|v| v.unwrap_or(false));
    if row.errors_so_far() > before {
        return None;
    }
    Some(ConstituencyRecord {
        number: number?,
        name_az: name_az?,
        name_en: row.text("name_en").to_string(),
        area_az: row.text("area_az").to_string(),
        in_baku: in_baku?,
        monitored: monitored?,
    })
}

fn parse_station(row: &mut Row<'_>, known: &KnownReferences) -> Option<StationRecord> {
    let before = row.errors_so_far();
    let constituency = row.parse("constituency", ConstituencyNo::parse);
    if let Some(number) = constituency
        && !known.constituencies.contains(&number)
    {
        row.refuse("constituency", Problem::UnknownConstituency);
    }
    let station = row.parse("number", StationNo::parse);
    let registered_voters = row.parse("registered_voters", |t| {
        let voters = parse_whole_number(t)?;
        if voters > MAX_REGISTERED_VOTERS {
            return Err(NumberError::OutOfRange { min: 0, max: MAX_REGISTERED_VOTERS });
        }
        Ok(voters)
    });
    if row.errors_so_far() > before {
        return None;
    }
    Some(StationRecord {
        reference: StationRef { constituency: constituency?, station: station? },
        registered_voters: registered_voters?,
        address: row.text("address").to_string(),
    })
}

fn parse_candidate(row: &mut Row<'_>) -> Option<CandidateRecord> {
    let before = row.errors_so_far();
    let ballot_order = row.parse("ballot_order", |t| {
        let order = parse_whole_number(t)?;
        u16::try_from(order).ok().filter(|o| (1..=99).contains(o)).ok_or(NumberError::OutOfRange { min: 1, max: 99 })
    });
    let name_az = row.required("name_az");
    if row.errors_so_far() > before {
        return None;
    }
    Some(CandidateRecord {
        ballot_order: ballot_order?,
        name: Localized::new(name_az?, row.text("name_en"), row.text("name_ru")),
        nominated_by: Localized::new(
            row.text("nominated_by_az"),
            row.text("nominated_by_en"),
            row.text("nominated_by_ru"),
        ),
    })
}

/// Splits "17/203; 17/204" or "17, 18" into items.
fn list_items(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', ',', '\n']).map(str::trim).filter(|item| !item.is_empty())
}

fn parse_person(row: &mut Row<'_>, known: &KnownReferences) -> Option<PersonRecord> {
    let before = row.errors_so_far();
    let username = row.parse("username", Username::parse);
    let full_name = row.parse("full_name", PersonName::parse);
    let role = row.parse("role", |t| Role::parse(t).ok_or(Problem::UnknownRole));
    let organisation_id = row
        .optional("organisation", |code| {
            known.organisations.get(&crate::text::code_key(code)).copied().ok_or(Problem::UnknownOrganisation)
        })
        .ok()
        .flatten();
    if role.is_some_and(Role::belongs_to_organisation)
        && organisation_id.is_none()
        && row.text("organisation").is_empty()
    {
        row.refuse("organisation", Problem::OrganisationRequired);
    }
    let phone = row.optional("phone", Phone::parse).ok().flatten();
    let email = row.optional("email", Email::parse).ok().flatten();
    let observer_code = row.optional("observer_code", ObserverCode::parse).ok().flatten();

    let mut stations = Vec::new();
    let station_text = row.text("stations").to_string();
    for item in list_items(&station_text) {
        match StationRef::parse(item) {
            Ok(station) if known.stations.contains(&station) => stations.push(station),
            Ok(station) => row.refuse("stations", Problem::UnknownStation { station: station.to_string() }),
            Err(error) => row.refuse("stations", station_problem(error)),
        }
    }
    let mut constituencies = Vec::new();
    let constituency_text = row.text("constituencies").to_string();
    for item in list_items(&constituency_text) {
        match ConstituencyNo::parse(item) {
            Ok(number) if known.constituencies.contains(&number) => constituencies.push(number),
            Ok(_) => row.refuse("constituencies", Problem::UnknownConstituency),
            Err(error) => row.refuse("constituencies", error.into()),
        }
    }
    if row.errors_so_far() > before {
        return None;
    }
    Some(PersonRecord {
        username: username?,
        full_name: full_name?,
        role: role?,
        organisation_id,
        phone,
        email,
        observer_code,
        stations,
        constituencies,
    })
}

fn station_problem(error: StationRefError) -> Problem {
    Problem::BadStation { reason: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn known() -> KnownReferences {
        let c17 = ConstituencyNo::new(17).unwrap();
        KnownReferences {
            constituencies: [c17].into(),
            stations: [StationRef { constituency: c17, station: StationNo::new(3).unwrap() }].into(),
            organisations: [("VCUM".to_string(), 1)].into(),
        }
    }

    #[test]
    fn headers_in_azerbaijani_are_recognised() {
        let headers = strings(&["Dairə", "Məntəqə", "Seçicilər", "Ünvan"]);
        let mapping = ColumnMapping::guess(ImportKind::Stations, &headers);
        assert_eq!(mapping.check_complete(ImportKind::Stations), Ok(()));
        assert_eq!(mapping.column_of("registered_voters"), Some(2));
    }

    #[test]
    fn every_bad_cell_is_reported_with_row_and_column() {
        let headers = strings(&["constituency", "number", "registered_voters"]);
        let rows = vec![
            strings(&["17", "1", "1200"]),
            strings(&["17", "x", "1200"]),
            strings(&["99", "2", "99999"]),
            strings(&["", "", ""]),
            strings(&["17", "1", "800"]),
        ];
        let mapping = ColumnMapping::guess(ImportKind::Stations, &headers);
        let plan = plan(ImportKind::Stations, &headers, &rows, &mapping, &known());
        assert_eq!(plan.records.len(), 1);
        assert_eq!(plan.blank_rows, 1);
        let found: Vec<(usize, &str)> = plan.errors.iter().map(|e| (e.row, e.column.as_str())).collect();
        assert_eq!(found, vec![(3, "number"), (4, "constituency"), (4, "registered_voters"), (6, "number"),]);
        assert_eq!(plan.errors[3].problem, Problem::Duplicate { first_row: 2 });
    }

    #[test]
    fn people_rows_check_roles_organisations_and_stations() {
        let headers = strings(&["username", "full_name", "role", "organisation", "stations"]);
        let rows = vec![
            strings(&["aysel", "Aysel Məmmədova", "observer", "vcum", "17/3"]),
            strings(&["rauf", "Rauf Əliyev", "observer", "", "17/4"]),
        ];
        let mapping = ColumnMapping::guess(ImportKind::People, &headers);
        let plan = plan(ImportKind::People, &headers, &rows, &mapping, &known());
        assert_eq!(plan.records.len(), 1);
        let problems: Vec<&Problem> = plan.errors.iter().map(|e| &e.problem).collect();
        assert_eq!(problems, vec![&Problem::OrganisationRequired, &Problem::UnknownStation { station: "17/4".into() }]);
    }

    #[test]
    fn a_chosen_mapping_must_name_real_columns() {
        let headers = strings(&["A", "B"]);
        let choice = vec![("number".to_string(), "C".to_string())];
        assert_eq!(
            ColumnMapping::from_choices(ImportKind::Constituencies, &headers, &choice),
            Err(MappingError::UnknownColumn("C".into()))
        );
    }
}
