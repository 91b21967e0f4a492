//! What the coverage dashboard reads. Every query here reads per-station tables
//! (`station_coverage`, `turnout_counts`, `deployments`), so its cost follows the number of
//! stations and observers — never the number of submissions. Coverage counts are written
//! behind the reports on SQLite, so the functions reading them take the store and catch up.

use serde::Serialize;
use sqlx::{AnyPool, Row};
use std::collections::BTreeMap;

use crate::sql::{Bind, Conditions};
use crate::{Result, Store};

/// Which constituencies a query covers: all, or a coordinator's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Area {
    All,
    Constituencies(Vec<i64>),
}

impl Area {
    /// Limits `conditions` to the area on `column`; false when the area is empty (nothing to find).
    pub(crate) fn restrict(&self, conditions: &mut Conditions, column: &str) -> bool {
        match self {
            Area::All => true,
            Area::Constituencies(numbers) if numbers.is_empty() => false,
            Area::Constituencies(numbers) => {
                let marks = vec!["?"; numbers.len()].join(", ");
                conditions.add(&format!("{column} IN ({marks})"), numbers.iter().map(|n| Bind::Int(*n)));
                true
            }
        }
    }
}

/// A station we expect reports from: one an active observer is deployed to. The cards, the
/// drill-down and the missing list count the same stations: a station whose observer was
/// moved away or deactivated, or someone deployed there who is not an observer (a coordinator
/// promoted with their stations left on the form), is not expected, and not listed as missing.
const WATCHED_STATIONS: &str = "SELECT d.station_id FROM deployments d JOIN users u ON u.id = d.user_id
    WHERE u.active = 1 AND u.role = 'observer'";
/// The same condition, on a query that joins `deployments d` with their `users u` itself.
const WATCHING: &str = "u.active = 1 AND u.role = 'observer'";

#[derive(Debug, Clone, Serialize, Default)]
pub struct ConstituencyCoverage {
    pub constituency_no: i64,
    pub name_az: String,
    /// Stations with at least one active observer deployed: those we expect reports from.
    pub expected: i64,
    /// Form code → expected stations that sent it at least once.
    pub received: BTreeMap<String, i64>,
}

pub async fn by_constituency(store: &Store, area: &Area) -> Result<Vec<ConstituencyCoverage>> {
    let pool = store.reads_caught_up().await?;
    let mut expected_conditions = Conditions::default();
    if !area.restrict(&mut expected_conditions, "s.constituency_no") {
        return Ok(Vec::new());
    }
    let expected = expected_conditions
        .query(format!(
            "SELECT s.constituency_no, c.name_az, COUNT(DISTINCT d.station_id) AS expected
             FROM deployments d JOIN users u ON u.id = d.user_id AND {WATCHING}
             JOIN stations s ON s.id = d.station_id JOIN constituencies c ON c.number = s.constituency_no
             {} GROUP BY s.constituency_no, c.name_az ORDER BY s.constituency_no",
            expected_conditions.where_sql()
        ))
        .fetch_all(pool)
        .await?;
    let mut result: BTreeMap<i64, ConstituencyCoverage> = BTreeMap::new();
    for row in &expected {
        let number: i64 = row.try_get("constituency_no")?;
        result.insert(
            number,
            ConstituencyCoverage {
                constituency_no: number,
                name_az: row.try_get("name_az")?,
                expected: row.try_get("expected")?,
                received: BTreeMap::new(),
            },
        );
    }
    let mut received_conditions = Conditions::default();
    area.restrict(&mut received_conditions, "sc.constituency_no");
    received_conditions.add(&format!("sc.station_id IN ({WATCHED_STATIONS})"), []);
    let received = received_conditions
        .query(format!(
            "SELECT sc.constituency_no, sc.form_code, COUNT(*) AS stations FROM station_coverage sc{}
             GROUP BY sc.constituency_no, sc.form_code",
            received_conditions.where_sql()
        ))
        .fetch_all(pool)
        .await?;
    for row in &received {
        let number: i64 = row.try_get("constituency_no")?;
        let entry = result
            .entry(number)
            .or_insert_with(|| ConstituencyCoverage { constituency_no: number, ..Default::default() });
        entry.received.insert(row.try_get("form_code")?, row.try_get("stations")?);
    }
    Ok(result.into_values().collect())
}

/// A deployed station that has not sent a form: who to call.
#[derive(Debug, Clone, Serialize)]
pub struct MissingStation {
    pub station_id: i64,
    pub station: String,
    pub constituency_no: i64,
    pub observer_id: i64,
    pub observer_name: String,
    pub observer_phone: Option<String>,
}

/// `turnout_slot`: for the turnout count, the stations without a count at that reporting time
/// (1–5: 10:00 … 19:00); a count at 10:00 does not cover 12:00. Without it, those that never
/// sent the form.
pub async fn missing(
    store: &Store,
    area: &Area,
    form_code: &str,
    turnout_slot: Option<i64>,
) -> Result<Vec<MissingStation>> {
    let pool = store.reads_caught_up().await?;
    let mut conditions = Conditions::default();
    if !area.restrict(&mut conditions, "s.constituency_no") {
        return Ok(Vec::new());
    }
    match turnout_slot {
        Some(slot) => conditions.add(
            "NOT EXISTS (SELECT 1 FROM turnout_counts t WHERE t.station_id = s.id AND t.slot = ?)",
            [Bind::Int(slot)],
        ),
        None => conditions.add(
            "NOT EXISTS (SELECT 1 FROM station_coverage sc WHERE sc.station_id = s.id AND sc.form_code = ?)",
            [Bind::Text(form_code.to_string())],
        ),
    }
    conditions.add(WATCHING, []);
    let rows = conditions
        .query(format!(
            "SELECT s.id, s.constituency_no, s.number, u.id AS observer_id, u.full_name, u.phone
             FROM deployments d JOIN stations s ON s.id = d.station_id JOIN users u ON u.id = d.user_id
             {} ORDER BY s.constituency_no, s.number, u.full_name",
            conditions.where_sql()
        ))
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(MissingStation {
                station_id: row.try_get("id")?,
                station: format!("{}/{}", row.try_get::<i64, _>("constituency_no")?, row.try_get::<i64, _>("number")?),
                constituency_no: row.try_get("constituency_no")?,
                observer_id: row.try_get("observer_id")?,
                observer_name: row.try_get("full_name")?,
                observer_phone: row.try_get("phone")?,
            })
        })
        .collect()
}

/// One constituency's stations: which forms each has sent, and when last.
#[derive(Debug, Clone, Serialize)]
pub struct StationStatus {
    pub station_id: i64,
    pub station: String,
    pub observers: i64,
    /// Form code → time of the latest submission.
    pub last: BTreeMap<String, i64>,
}

pub async fn stations_of(store: &Store, constituency_no: i64) -> Result<Vec<StationStatus>> {
    let pool = store.reads_caught_up().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.id, s.number, COUNT(d.user_id) AS observers FROM stations s JOIN deployments d ON d.station_id = s.id
         JOIN users u ON u.id = d.user_id AND {WATCHING}
         WHERE s.constituency_no = $1 GROUP BY s.id, s.number ORDER BY s.number"
    )))
    .bind(constituency_no)
    .fetch_all(pool)
    .await?;
    let mut stations: BTreeMap<i64, StationStatus> = BTreeMap::new();
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        stations.insert(
            id,
            StationStatus {
                station_id: id,
                station: format!("{constituency_no}/{}", row.try_get::<i64, _>("number")?),
                observers: row.try_get("observers")?,
                last: BTreeMap::new(),
            },
        );
    }
    for row in sqlx::query("SELECT station_id, form_code, last_at FROM station_coverage WHERE constituency_no = $1")
        .bind(constituency_no)
        .fetch_all(pool)
        .await?
    {
        if let Some(station) = stations.get_mut(&row.try_get::<i64, _>("station_id")?) {
            station.last.insert(row.try_get("form_code")?, row.try_get("last_at")?);
        }
    }
    let mut list: Vec<StationStatus> = stations.into_values().collect();
    list.sort_by_key(|s| s.station.split('/').nth(1).and_then(|n| n.parse::<u32>().ok()).unwrap_or(0));
    Ok(list)
}

/// Observed turnout at one reporting time, over the stations that reported it.
#[derive(Debug, Clone, Serialize)]
pub struct TurnoutPoint {
    /// 1–5: 10:00, 12:00, 15:00, 17:00, 19:00.
    pub slot: i64,
    pub stations: i64,
    pub counted: i64,
    pub registered: i64,
    /// Stations where the commission announced a figure, and the sum of those figures
    /// with the registered voters of the same stations.
    pub announced_stations: i64,
    pub announced: i64,
    pub announced_registered: i64,
}

pub async fn turnout(pool: &AnyPool, area: &Area) -> Result<Vec<TurnoutPoint>> {
    let mut conditions = Conditions::default();
    if !area.restrict(&mut conditions, "s.constituency_no") {
        return Ok(Vec::new());
    }
    let rows = conditions
        .query(format!(
            "SELECT t.slot, COUNT(*) AS stations, CAST(SUM(t.counted) AS BIGINT) AS counted,
                CAST(SUM(t.registered) AS BIGINT) AS registered,
                COUNT(t.announced) AS announced_stations,
                CAST(COALESCE(SUM(t.announced), 0) AS BIGINT) AS announced,
                CAST(COALESCE(SUM(CASE WHEN t.announced IS NULL THEN 0 ELSE t.registered END), 0) AS BIGINT) AS announced_registered
             FROM turnout_counts t JOIN stations s ON s.id = t.station_id{} GROUP BY t.slot ORDER BY t.slot",
            conditions.where_sql()
        ))
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(TurnoutPoint {
                slot: row.try_get("slot")?,
                stations: row.try_get("stations")?,
                counted: row.try_get("counted")?,
                registered: row.try_get("registered")?,
                announced_stations: row.try_get("announced_stations")?,
                announced: row.try_get("announced")?,
                announced_registered: row.try_get("announced_registered")?,
            })
        })
        .collect()
}
