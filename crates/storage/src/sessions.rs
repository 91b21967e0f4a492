//! Browser sessions and API tokens. Only SHA-256 hashes of the secrets are stored, so a copy
//! of the database does not let anyone sign in.

use serde::Serialize;
use sqlx::{AnyPool, Row};

use crate::{Connection, Result, StorageError};

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf_token: String,
    pub expires_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiTokenRow {
    pub id: i64,
    pub label: String,
    pub user_id: i64,
    pub username: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

pub async fn create_session(
    connection: &mut Connection,
    token_hash: &str,
    user_id: i64,
    csrf_token: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash.to_string())
    .bind(user_id)
    .bind(csrf_token.to_string())
    .bind(now)
    .bind(expires_at)
    .execute(&mut *connection)
    .await?;
    // Expired sessions of this user go when they sign in again; no sweeper needed.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND expires_at < $2")
        .bind(user_id)
        .bind(now)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The live session with this token hash, if it has not expired.
pub async fn session(pool: &AnyPool, token_hash: &str, now: i64) -> Result<Option<SessionRow>> {
    let row =
        sqlx::query("SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash.to_string())
            .bind(now)
            .fetch_optional(pool)
            .await?;
    row.map(|row| {
        Ok(SessionRow {
            user_id: row.try_get("user_id")?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at: row.try_get("expires_at")?,
        })
    })
    .transpose()
}

pub async fn delete_session(connection: &mut Connection, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.to_string())
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// Signs a person out everywhere (after a password change or when disabled).
pub async fn delete_sessions_of(connection: &mut Connection, user_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *connection).await?;
    Ok(())
}

/// Signs a person out everywhere but in the session given (theirs, changing their password).
pub async fn delete_other_sessions_of(connection: &mut Connection, user_id: i64, kept_token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(kept_token_hash.to_string())
        .execute(&mut *connection)
        .await?;
    Ok(())
}

pub async fn create_api_token(
    connection: &mut Connection,
    token_hash: &str,
    label: &str,
    user_id: i64,
    created_by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO api_tokens (token_hash, label, user_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(token_hash.to_string())
    .bind(label.to_string())
    .bind(user_id)
    .bind(created_by)
    .bind(now)
    .fetch_one(&mut *connection)
    .await?;
    Ok(row.try_get("id")?)
}

/// The user a live (unrevoked) token acts for.
pub async fn api_token_user(pool: &AnyPool, token_hash: &str) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(token_hash.to_string())
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|row| row.try_get("user_id")).transpose()?)
}

pub async fn api_tokens(pool: &AnyPool) -> Result<Vec<ApiTokenRow>> {
    let rows = sqlx::query(
        "SELECT t.id, t.label, t.user_id, u.username, t.created_at, t.revoked_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id DESC",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ApiTokenRow {
                id: row.try_get("id")?,
                label: row.try_get("label")?,
                user_id: row.try_get("user_id")?,
                username: row.try_get("username")?,
                created_at: row.try_get("created_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        })
        .collect()
}

pub async fn revoke_api_token(connection: &mut Connection, id: i64, now: i64) -> Result<()> {
    let result = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *connection)
        .await?;
    if result.rows_affected() == 0 { Err(StorageError::NotFound) } else { Ok(()) }
}
