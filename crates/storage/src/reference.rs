//! The election's reference data: the election itself, constituencies, polling stations,
//! candidates and member organisations. Public facts, read often, written by imports.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use domain::election::{Candidate, Election, Organisation, StationRef};
use domain::import::{CandidateRecord, ConstituencyRecord, StationRecord};
use domain::language::Localized;
use domain::text::{search_key, search_query};

use crate::sql::{Bind, Conditions, like_pattern, page_bounds, paged};
use crate::{Connection, Page, Result};

#[derive(Debug, Clone, Serialize)]
pub struct ElectionSummary {
    pub name: Localized,
    pub election_date: String,
    pub constituencies: i64,
    pub monitored_constituencies: i64,
    pub stations: i64,
    pub registered_voters: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConstituencyRow {
    pub number: i64,
    pub name_az: String,
    pub name_en: String,
    pub area_az: String,
    pub in_baku: String,
    pub monitored: bool,
    pub stations: i64,
    pub registered_voters: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct StationRow {
    pub id: i64,
    pub constituency_no: i64,
    pub number: i64,
    pub address: String,
    pub registered_voters: i64,
    pub constituency_name_az: String,
}

impl StationRow {
    pub fn label(&self) -> String {
        format!("{}/{}", self.constituency_no, self.number)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OrganisationRow {
    pub id: i64,
    pub code: String,
    pub name: Localized,
    pub people: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ConstituencyFilter {
    pub search: Option<String>,
    pub monitored_only: bool,
}

#[derive(Debug, Clone, Default)]
pub struct StationFilter {
    pub constituency: Option<i64>,
    pub page: u32,
    pub per_page: u32,
}

pub async fn election(pool: &AnyPool) -> Result<Option<ElectionSummary>> {
    let row = sqlx::query(
        "SELECT e.name_az, e.name_en, e.name_ru, e.election_date,
            (SELECT COUNT(*) FROM constituencies) AS constituencies,
            (SELECT COUNT(*) FROM constituencies WHERE monitored = 1) AS monitored,
            (SELECT COUNT(*) FROM stations) AS stations,
            (SELECT CAST(COALESCE(SUM(registered_voters), 0) AS BIGINT) FROM stations) AS voters
         FROM election e WHERE e.id = 1",
    )
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        Ok(ElectionSummary {
            name: Localized::new(
                row.try_get::<String, _>("name_az")?,
                row.try_get::<String, _>("name_en")?,
                row.try_get::<String, _>("name_ru")?,
            ),
            election_date: row.try_get("election_date")?,
            constituencies: row.try_get("constituencies")?,
            monitored_constituencies: row.try_get("monitored")?,
            stations: row.try_get("stations")?,
            registered_voters: row.try_get("voters")?,
        })
    })
    .transpose()
}

pub async fn set_election(connection: &mut Connection, election: &Election) -> Result<()> {
    sqlx::query(
        "INSERT INTO election (id, name_az, name_en, name_ru, election_date) VALUES (1, $1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET name_az = excluded.name_az, name_en = excluded.name_en,
            name_ru = excluded.name_ru, election_date = excluded.election_date",
    )
    .bind(election.name.az.clone())
    .bind(election.name.en.clone())
    .bind(election.name.ru.clone())
    .bind(election.election_date.clone())
    .execute(&mut *connection)
    .await?;
    Ok(())
}

const CONSTITUENCY_COLUMNS: &str = "c.number, c.name_az, c.name_en, c.area_az, c.in_baku, c.monitored,
    COUNT(s.id) AS station_count, CAST(COALESCE(SUM(s.registered_voters), 0) AS BIGINT) AS voters";

fn constituency_from(row: &AnyRow) -> Result<ConstituencyRow> {
    Ok(ConstituencyRow {
        number: row.try_get("number")?,
        name_az: row.try_get("name_az")?,
        name_en: row.try_get("name_en")?,
        area_az: row.try_get("area_az")?,
        in_baku: row.try_get("in_baku")?,
        monitored: row.try_get::<i64, _>("monitored")? == 1,
        stations: row.try_get("station_count")?,
        registered_voters: row.try_get("voters")?,
    })
}

pub async fn constituencies(pool: &AnyPool, filter: &ConstituencyFilter) -> Result<Vec<ConstituencyRow>> {
    let mut conditions = Conditions::default();
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        match text.parse::<i64>() {
            Ok(number) => conditions.add("c.number = ?", [Bind::Int(number)]),
            Err(_) => {
                conditions.add("c.search_key LIKE ? ESCAPE '\\'", [Bind::Text(like_pattern(&search_query(text)))])
            }
        }
    }
    if filter.monitored_only {
        conditions.add("c.monitored = 1", []);
    }
    let sql = format!(
        "SELECT {CONSTITUENCY_COLUMNS} FROM constituencies c LEFT JOIN stations s ON s.constituency_no = c.number
         {} GROUP BY c.number ORDER BY c.number",
        conditions.where_sql()
    );
    conditions.query(sql).fetch_all(pool).await?.iter().map(constituency_from).collect()
}

pub async fn constituency(pool: &AnyPool, number: i64) -> Result<Option<ConstituencyRow>> {
    let sql = format!(
        "SELECT {CONSTITUENCY_COLUMNS} FROM constituencies c LEFT JOIN stations s ON s.constituency_no = c.number
         WHERE c.number = $1 GROUP BY c.number"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(number).fetch_optional(pool).await?;
    row.as_ref().map(constituency_from).transpose()
}

/// Inserts or updates by number; returns true when it was new.
pub async fn upsert_constituency(connection: &mut Connection, record: &ConstituencyRecord) -> Result<bool> {
    let existed = sqlx::query("SELECT 1 FROM constituencies WHERE number = $1")
        .bind(i64::from(record.number.get()))
        .fetch_optional(&mut *connection)
        .await?
        .is_some();
    sqlx::query(
        "INSERT INTO constituencies (number, name_az, name_en, area_az, in_baku, monitored, search_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (number) DO UPDATE SET name_az = excluded.name_az, name_en = excluded.name_en,
            area_az = excluded.area_az, in_baku = excluded.in_baku, monitored = excluded.monitored,
            search_key = excluded.search_key",
    )
    .bind(i64::from(record.number.get()))
    .bind(record.name_az.clone())
    .bind(record.name_en.clone())
    .bind(record.area_az.clone())
    .bind(record.in_baku.as_str())
    .bind(i64::from(record.monitored))
    .bind(format!("{} / {}", search_key(&record.name_az), search_key(&record.name_en)))
    .execute(&mut *connection)
    .await?;
    Ok(!existed)
}

const STATION_COLUMNS: &str =
    "s.id, s.constituency_no, s.number, s.address, s.registered_voters, c.name_az AS constituency_name_az";

fn station_from(row: &AnyRow) -> Result<StationRow> {
    Ok(StationRow {
        id: row.try_get("id")?,
        constituency_no: row.try_get("constituency_no")?,
        number: row.try_get("number")?,
        address: row.try_get("address")?,
        registered_voters: row.try_get("registered_voters")?,
        constituency_name_az: row.try_get("constituency_name_az")?,
    })
}

pub async fn stations(pool: &AnyPool, filter: &StationFilter) -> Result<Page<StationRow>> {
    let (page, per_page, offset) = page_bounds(filter.page, filter.per_page);
    let mut conditions = Conditions::default();
    if let Some(number) = filter.constituency {
        conditions.add("s.constituency_no = ?", [Bind::Int(number)]);
    }
    let select =
        format!("SELECT {STATION_COLUMNS} FROM stations s JOIN constituencies c ON c.number = s.constituency_no");
    paged(
        pool,
        &conditions,
        "FROM stations s",
        &select,
        "s.constituency_no, s.number",
        (page, per_page, offset),
        station_from,
    )
    .await
}

pub async fn station(pool: &AnyPool, reference: StationRef) -> Result<Option<StationRow>> {
    let sql = format!(
        "SELECT {STATION_COLUMNS} FROM stations s JOIN constituencies c ON c.number = s.constituency_no
         WHERE s.constituency_no = $1 AND s.number = $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(i64::from(reference.constituency.get()))
        .bind(i64::from(reference.station.get()))
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(station_from).transpose()
}

pub async fn station_by_id(pool: &AnyPool, id: i64) -> Result<Option<StationRow>> {
    let sql = format!(
        "SELECT {STATION_COLUMNS} FROM stations s JOIN constituencies c ON c.number = s.constituency_no WHERE s.id = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(station_from).transpose()
}

/// Inserts or updates by (constituency, number); returns true when it was new.
pub async fn upsert_station(connection: &mut Connection, record: &StationRecord) -> Result<bool> {
    let constituency = i64::from(record.reference.constituency.get());
    let number = i64::from(record.reference.station.get());
    let existed = sqlx::query("SELECT 1 FROM stations WHERE constituency_no = $1 AND number = $2")
        .bind(constituency)
        .bind(number)
        .fetch_optional(&mut *connection)
        .await?
        .is_some();
    sqlx::query(
        "INSERT INTO stations (constituency_no, number, address, registered_voters) VALUES ($1, $2, $3, $4)
         ON CONFLICT (constituency_no, number) DO UPDATE SET address = excluded.address,
            registered_voters = excluded.registered_voters",
    )
    .bind(constituency)
    .bind(number)
    .bind(record.address.clone())
    .bind(i64::from(record.registered_voters))
    .execute(&mut *connection)
    .await?;
    Ok(!existed)
}

pub async fn candidates(pool: &AnyPool) -> Result<Vec<Candidate>> {
    let rows = sqlx::query(
        "SELECT ballot_order, name_az, name_en, name_ru, nominated_by_az, nominated_by_en, nominated_by_ru
         FROM candidates ORDER BY ballot_order",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Candidate {
                ballot_order: row.try_get::<i64, _>("ballot_order")? as u16,
                name: Localized::new(
                    row.try_get::<String, _>("name_az")?,
                    row.try_get::<String, _>("name_en")?,
                    row.try_get::<String, _>("name_ru")?,
                ),
                nominated_by: Localized::new(
                    row.try_get::<String, _>("nominated_by_az")?,
                    row.try_get::<String, _>("nominated_by_en")?,
                    row.try_get::<String, _>("nominated_by_ru")?,
                ),
            })
        })
        .collect()
}

pub async fn upsert_candidate(connection: &mut Connection, record: &CandidateRecord) -> Result<bool> {
    let order = i64::from(record.ballot_order);
    let existed = sqlx::query("SELECT 1 FROM candidates WHERE ballot_order = $1")
        .bind(order)
        .fetch_optional(&mut *connection)
        .await?
        .is_some();
    sqlx::query(
        "INSERT INTO candidates (ballot_order, name_az, name_en, name_ru, nominated_by_az, nominated_by_en, nominated_by_ru, search_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (ballot_order) DO UPDATE SET name_az = excluded.name_az, name_en = excluded.name_en,
            name_ru = excluded.name_ru, nominated_by_az = excluded.nominated_by_az,
            nominated_by_en = excluded.nominated_by_en, nominated_by_ru = excluded.nominated_by_ru,
            search_key = excluded.search_key",
    )
    .bind(order)
    .bind(record.name.az.clone())
    .bind(record.name.en.clone())
    .bind(record.name.ru.clone())
    .bind(record.nominated_by.az.clone())
    .bind(record.nominated_by.en.clone())
    .bind(record.nominated_by.ru.clone())
    .bind(search_key(&format!("{} {} {}", record.name.az, record.name.en, record.name.ru)))
    .execute(&mut *connection)
    .await?;
    Ok(!existed)
}

pub async fn organisations(pool: &AnyPool) -> Result<Vec<OrganisationRow>> {
    let rows = sqlx::query(
        "SELECT o.id, o.code, o.name_az, o.name_en, o.name_ru,
            (SELECT COUNT(*) FROM users u WHERE u.organisation_id = o.id) AS people
         FROM organisations o ORDER BY o.id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OrganisationRow {
                id: row.try_get("id")?,
                code: row.try_get("code")?,
                name: Localized::new(
                    row.try_get::<String, _>("name_az")?,
                    row.try_get::<String, _>("name_en")?,
                    row.try_get::<String, _>("name_ru")?,
                ),
                people: row.try_get("people")?,
            })
        })
        .collect()
}

pub async fn insert_organisation(connection: &mut Connection, organisation: &Organisation) -> Result<i64> {
    let row =
        sqlx::query("INSERT INTO organisations (code, name_az, name_en, name_ru) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(domain::text::code_key(&organisation.code))
            .bind(organisation.name.az.clone())
            .bind(organisation.name.en.clone())
            .bind(organisation.name.ru.clone())
            .fetch_one(&mut *connection)
            .await?;
    Ok(row.try_get("id")?)
}
