//! The coalition's people: accounts, roles, and where each works (coordinators'
//! constituencies, observers' stations). Phone numbers and names live here; whether a
//! caller may see them is decided by `domain::access`, never by this module.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::collections::BTreeSet;

use domain::access::{Actor, PeopleScope, PersonFacts};
use domain::election::{ConstituencyNo, StationRef};
use domain::import::PersonRecord;
use domain::roles::Role;
use domain::text::search_query;

use crate::sql::{Bind, Conditions, like_pattern, page_bounds, paged};
use crate::{Connection, Page, Result, StorageError};

#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub organisation_code: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub observer_code: Option<i64>,
    pub active: bool,
    pub language: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    pub search: Option<String>,
    pub role: Option<Role>,
    pub organisation_id: Option<i64>,
    pub constituency: Option<i64>,
    pub page: u32,
    pub per_page: u32,
}

/// Where a person works.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Assignments {
    pub stations: Vec<StationRef>,
    pub constituencies: Vec<ConstituencyNo>,
}

#[derive(Debug, Clone)]
pub struct Credentials {
    pub user_id: i64,
    pub password_hash: Option<String>,
    pub active: bool,
}

const PERSON_COLUMNS: &str = "u.id, u.username, u.full_name, u.role, u.organisation_id, o.code AS organisation_code,
    u.phone, u.email, u.observer_code, u.active, u.language, u.created_at";

fn person_from(row: &AnyRow) -> Result<PersonRow> {
    let role: String = row.try_get("role")?;
    Ok(PersonRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        full_name: row.try_get("full_name")?,
        role: Role::parse(&role).ok_or_else(|| StorageError::Corrupt(format!("role {role}")))?,
        organisation_id: row.try_get("organisation_id")?,
        organisation_code: row.try_get("organisation_code")?,
        phone: row.try_get("phone")?,
        email: row.try_get("email")?,
        observer_code: row.try_get("observer_code")?,
        active: row.try_get::<i64, _>("active")? == 1,
        language: row.try_get("language")?,
        created_at: row.try_get("created_at")?,
    })
}

/// People deployed to or coordinating any of these constituencies.
fn in_constituencies_clause(count: usize) -> String {
    let marks = vec!["?"; count].join(", ");
    format!(
        "(u.id IN (SELECT d.user_id FROM deployments d JOIN stations s ON s.id = d.station_id
                   WHERE s.constituency_no IN ({marks}))
          OR u.id IN (SELECT cc.user_id FROM coordinator_constituencies cc WHERE cc.constituency_no IN ({marks})))"
    )
}

fn constituency_binds(numbers: &[i64]) -> Vec<Bind> {
    numbers.iter().chain(numbers).map(|n| Bind::Int(*n)).collect()
}

pub async fn list(pool: &AnyPool, scope: &PeopleScope, filter: &PeopleFilter) -> Result<Page<PersonRow>> {
    let (page, per_page, offset) = page_bounds(filter.page, filter.per_page);
    let mut conditions = Conditions::default();
    match scope {
        PeopleScope::Everyone => {}
        PeopleScope::Organisation(id) => conditions.add("u.organisation_id = ?", [Bind::Int(*id)]),
        PeopleScope::Constituencies(numbers) => {
            let numbers: Vec<i64> = numbers.iter().map(|n| i64::from(n.get())).collect();
            if numbers.is_empty() {
                return Ok(Page { items: Vec::new(), total: 0, page, per_page });
            }
            conditions.add("u.role = 'observer'", []);
            conditions.add(&in_constituencies_clause(numbers.len()), constituency_binds(&numbers));
        }
        PeopleScope::Nobody => return Ok(Page { items: Vec::new(), total: 0, page, per_page }),
    }
    if let Some(text) = filter.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = like_pattern(&search_query(text));
        let raw = like_pattern(&text.to_ascii_lowercase());
        conditions.add(
            "(u.search_key LIKE ? ESCAPE '\\' OR u.username LIKE ? ESCAPE '\\' OR u.phone LIKE ? ESCAPE '\\')",
            [Bind::Text(pattern), Bind::Text(raw.clone()), Bind::Text(raw)],
        );
    }
    if let Some(role) = filter.role {
        conditions.add("u.role = ?", [Bind::Text(role.as_str().into())]);
    }
    if let Some(id) = filter.organisation_id {
        conditions.add("u.organisation_id = ?", [Bind::Int(id)]);
    }
    if let Some(number) = filter.constituency {
        conditions.add(&in_constituencies_clause(1), constituency_binds(&[number]));
    }
    let select = format!("SELECT {PERSON_COLUMNS} FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id");
    paged(pool, &conditions, "FROM users u", &select, "u.full_name, u.id", (page, per_page, offset), person_from).await
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<PersonRow>> {
    by_id_within(&mut *pool.acquire().await?, id).await
}

/// `by_id` on the writer's connection: what a change reads inside its own transaction.
pub async fn by_id_within(connection: &mut Connection, id: i64) -> Result<Option<PersonRow>> {
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id WHERE u.id = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *connection).await?;
    row.as_ref().map(person_from).transpose()
}

pub async fn by_username(pool: &AnyPool, username: &str) -> Result<Option<PersonRow>> {
    let sql = format!(
        "SELECT {PERSON_COLUMNS} FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id WHERE u.username = $1"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(username.to_string()).fetch_optional(pool).await?;
    row.as_ref().map(person_from).transpose()
}

pub async fn assignments(pool: &AnyPool, user_id: i64) -> Result<Assignments> {
    assignments_within(&mut *pool.acquire().await?, user_id).await
}

/// `assignments` on the writer's connection: what a change reads inside its own transaction.
pub async fn assignments_within(connection: &mut Connection, user_id: i64) -> Result<Assignments> {
    let stations = sqlx::query(
        "SELECT s.constituency_no, s.number FROM deployments d JOIN stations s ON s.id = d.station_id
         WHERE d.user_id = $1 ORDER BY s.constituency_no, s.number",
    )
    .bind(user_id)
    .fetch_all(&mut *connection)
    .await?;
    let constituencies = sqlx::query(
        "SELECT constituency_no FROM coordinator_constituencies WHERE user_id = $1 ORDER BY constituency_no",
    )
    .bind(user_id)
    .fetch_all(&mut *connection)
    .await?;
    let mut result = Assignments::default();
    for row in &stations {
        let reference = StationRef::parse(&format!(
            "{}/{}",
            row.try_get::<i64, _>("constituency_no")?,
            row.try_get::<i64, _>("number")?
        ))
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
        result.stations.push(reference);
    }
    for row in &constituencies {
        let number = row.try_get::<i64, _>("constituency_no")?;
        result.constituencies.push(to_constituency(number)?);
    }
    Ok(result)
}

fn to_constituency(number: i64) -> Result<ConstituencyNo> {
    u16::try_from(number)
        .ok()
        .and_then(|n| ConstituencyNo::new(n).ok())
        .ok_or_else(|| StorageError::Corrupt(format!("constituency {number}")))
}

/// The facts access rules need about a person.
pub async fn facts(pool: &AnyPool, user_id: i64) -> Result<Option<PersonFacts>> {
    let Some(person) = by_id(pool, user_id).await? else { return Ok(None) };
    let assignments = assignments(pool, user_id).await?;
    let constituencies: BTreeSet<ConstituencyNo> =
        assignments.constituencies.iter().copied().chain(assignments.stations.iter().map(|s| s.constituency)).collect();
    Ok(Some(PersonFacts { user_id, role: person.role, organisation_id: person.organisation_id, constituencies }))
}

/// Full names by user id, for the ids that exist (a page naming the people a list refers to).
pub async fn full_names(pool: &AnyPool, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut conditions = Conditions::default();
    let marks = vec!["?"; ids.len()].join(", ");
    conditions.add(&format!("id IN ({marks})"), ids.iter().map(|id| Bind::Int(*id)));
    let sql = format!("SELECT id, full_name FROM users{}", conditions.where_sql());
    let rows = conditions.query(sql).fetch_all(pool).await?;
    rows.iter().map(|row| Ok((row.try_get("id")?, row.try_get("full_name")?))).collect()
}

/// The signed-in caller with their scope, or `None` when the account is gone or disabled.
pub async fn actor(pool: &AnyPool, user_id: i64) -> Result<Option<Actor>> {
    let Some(row) = sqlx::query("SELECT role, organisation_id, active FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    if row.try_get::<i64, _>("active")? != 1 {
        return Ok(None);
    }
    let role: String = row.try_get("role")?;
    let role = Role::parse(&role).ok_or_else(|| StorageError::Corrupt(format!("role {role}")))?;
    let mut actor = Actor {
        user_id,
        role,
        organisation_id: row.try_get("organisation_id")?,
        constituencies: BTreeSet::new(),
        stations: BTreeSet::new(),
    };
    match role {
        Role::Coordinator => {
            for row in sqlx::query("SELECT constituency_no FROM coordinator_constituencies WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(pool)
                .await?
            {
                actor.constituencies.insert(to_constituency(row.try_get("constituency_no")?)?);
            }
        }
        Role::Observer => {
            for row in sqlx::query("SELECT station_id FROM deployments WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(pool)
                .await?
            {
                actor.stations.insert(row.try_get("station_id")?);
            }
        }
        _ => {}
    }
    Ok(Some(actor))
}

pub async fn credentials(pool: &AnyPool, username: &str) -> Result<Option<Credentials>> {
    let row = sqlx::query("SELECT id, password_hash, active FROM users WHERE username = $1")
        .bind(username.trim().to_ascii_lowercase())
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        Ok(Credentials {
            user_id: row.try_get("id")?,
            password_hash: row.try_get("password_hash")?,
            active: row.try_get::<i64, _>("active")? == 1,
        })
    })
    .transpose()
}

/// A random six-digit observer code nobody holds yet. Random, not sequential, so that a
/// code seen on one observer's card does not reveal the codes of others.
async fn free_observer_code(connection: &mut Connection) -> Result<i64> {
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| StorageError::Corrupt(format!("no randomness: {e}")))?;
        let code = 100_000 + i64::from(u32::from_le_bytes(bytes) % 900_000);
        let taken = sqlx::query("SELECT 1 FROM users WHERE observer_code = $1")
            .bind(code)
            .fetch_optional(&mut *connection)
            .await?
            .is_some();
        if !taken {
            return Ok(code);
        }
    }
}

/// Creates a person with their assignments; returns the new id.
pub async fn insert(
    connection: &mut Connection,
    record: &PersonRecord,
    password_hash: Option<&str>,
    now: i64,
) -> Result<i64> {
    let observer_code = match (record.observer_code, record.role) {
        (Some(code), _) => Some(i64::from(code.get())),
        (None, Role::Observer) => Some(free_observer_code(connection).await?),
        (None, _) => None,
    };
    let row = sqlx::query(
        "INSERT INTO users (username, full_name, search_key, role, organisation_id, phone, email,
            observer_code, password_hash, active, language, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, 'az', $10) RETURNING id",
    )
    .bind(record.username.as_str().to_string())
    .bind(record.full_name.as_str().to_string())
    .bind(record.full_name.search_key())
    .bind(record.role.as_str())
    .bind(record.organisation_id)
    .bind(record.phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(record.email.as_ref().map(|e| e.as_str().to_string()))
    .bind(observer_code)
    .bind(password_hash.map(str::to_string))
    .bind(now)
    .fetch_one(&mut *connection)
    .await?;
    let id: i64 = row.try_get("id")?;
    set_assignments(connection, id, &record.stations, &record.constituencies).await?;
    Ok(id)
}

/// Updates a person's details and assignments; the password and observer code are kept
/// unless the record names a new code.
pub async fn update(connection: &mut Connection, id: i64, record: &PersonRecord) -> Result<()> {
    let result = sqlx::query(
        "UPDATE users SET username = $1, full_name = $2, search_key = $3, role = $4, organisation_id = $5,
            phone = $6, email = $7, observer_code = COALESCE($8, observer_code) WHERE id = $9",
    )
    .bind(record.username.as_str().to_string())
    .bind(record.full_name.as_str().to_string())
    .bind(record.full_name.search_key())
    .bind(record.role.as_str())
    .bind(record.organisation_id)
    .bind(record.phone.as_ref().map(|p| p.as_str().to_string()))
    .bind(record.email.as_ref().map(|e| e.as_str().to_string()))
    .bind(record.observer_code.map(|c| i64::from(c.get())))
    .bind(id)
    .execute(&mut *connection)
    .await?;
    if result.rows_affected() == 0 {
        return Err(StorageError::NotFound);
    }
    if record.role == Role::Observer {
        let missing_code = sqlx::query("SELECT 1 FROM users WHERE id = $1 AND observer_code IS NULL")
            .bind(id)
            .fetch_optional(&mut *connection)
            .await?
            .is_some();
        if missing_code {
            let code = free_observer_code(connection).await?;
            sqlx::query("UPDATE users SET observer_code = $1 WHERE id = $2")
                .bind(code)
                .bind(id)
                .execute(&mut *connection)
                .await?;
        }
    }
    set_assignments(connection, id, &record.stations, &record.constituencies).await
}

/// A person's observer code as it stands in this transaction (`update` may have given one).
pub async fn observer_code_of(connection: &mut Connection, id: i64) -> Result<Option<i64>> {
    let row =
        sqlx::query("SELECT observer_code FROM users WHERE id = $1").bind(id).fetch_optional(&mut *connection).await?;
    Ok(row.map(|row| row.try_get::<Option<i64>, _>("observer_code")).transpose()?.flatten())
}

/// Inserts by username or updates the existing person; returns (id, was_new).
pub async fn upsert(connection: &mut Connection, record: &PersonRecord, now: i64) -> Result<(i64, bool)> {
    let existing = sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(record.username.as_str().to_string())
        .fetch_optional(&mut *connection)
        .await?;
    match existing {
        Some(row) => {
            let id: i64 = row.try_get("id")?;
            update(connection, id, record).await?;
            Ok((id, false))
        }
        None => Ok((insert(connection, record, None, now).await?, true)),
    }
}

pub async fn set_assignments(
    connection: &mut Connection,
    user_id: i64,
    stations: &[StationRef],
    constituencies: &[ConstituencyNo],
) -> Result<()> {
    sqlx::query("DELETE FROM deployments WHERE user_id = $1").bind(user_id).execute(&mut *connection).await?;
    sqlx::query("DELETE FROM coordinator_constituencies WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *connection)
        .await?;
    for station in stations {
        let inserted = sqlx::query(
            "INSERT INTO deployments (user_id, station_id)
             SELECT $1, id FROM stations WHERE constituency_no = $2 AND number = $3",
        )
        .bind(user_id)
        .bind(i64::from(station.constituency.get()))
        .bind(i64::from(station.station.get()))
        .execute(&mut *connection)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StorageError::Conflict(format!("no polling station {station}")));
        }
    }
    for number in constituencies {
        sqlx::query("INSERT INTO coordinator_constituencies (user_id, constituency_no) VALUES ($1, $2)")
            .bind(user_id)
            .bind(i64::from(number.get()))
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

pub async fn set_password(connection: &mut Connection, user_id: i64, password_hash: &str) -> Result<()> {
    let result = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash.to_string())
        .bind(user_id)
        .execute(&mut *connection)
        .await?;
    if result.rows_affected() == 0 { Err(StorageError::NotFound) } else { Ok(()) }
}

pub async fn set_active(connection: &mut Connection, user_id: i64, active: bool) -> Result<()> {
    let result = sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
        .bind(i64::from(active))
        .bind(user_id)
        .execute(&mut *connection)
        .await?;
    if result.rows_affected() == 0 { Err(StorageError::NotFound) } else { Ok(()) }
}

pub async fn set_language(connection: &mut Connection, user_id: i64, language: &str) -> Result<()> {
    sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
        .bind(language.to_string())
        .bind(user_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

pub async fn count(pool: &AnyPool) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(pool).await?.try_get("n")?)
}
