//! Stored photos, addressed by their SHA-256 (the same photo uploaded twice is stored once).

use sqlx::{AnyPool, Row};

use crate::{Connection, Result};

#[derive(Debug, Clone)]
pub struct Photo {
    pub sha256: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub uploader_id: Option<i64>,
}

/// Stores a photo unless it is already there; returns whether it was new.
pub async fn store(connection: &mut Connection, photo: &Photo, now: i64) -> Result<bool> {
    let result = sqlx::query(
        "INSERT INTO photos (sha256, content_type, bytes, size, uploader_id, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(photo.sha256.clone())
    .bind(photo.content_type.clone())
    .bind(photo.bytes.clone())
    .bind(photo.bytes.len() as i64)
    .bind(photo.uploader_id)
    .bind(now)
    .execute(&mut *connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn by_hash(pool: &AnyPool, sha256: &str) -> Result<Option<Photo>> {
    let row = sqlx::query("SELECT sha256, content_type, bytes, uploader_id FROM photos WHERE sha256 = $1")
        .bind(sha256.to_string())
        .fetch_optional(pool)
        .await?;
    row.map(|row| {
        Ok(Photo {
            sha256: row.try_get("sha256")?,
            content_type: row.try_get("content_type")?,
            bytes: row.try_get("bytes")?,
            uploader_id: row.try_get("uploader_id")?,
        })
    })
    .transpose()
}

/// The constituencies of the stations whose submissions use this photo (recorded with each
/// report that attaches it).
pub async fn constituencies_using(pool: &AnyPool, sha256: &str) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT DISTINCT constituency_no FROM photo_uses WHERE sha256 = $1")
        .bind(sha256.to_string())
        .fetch_all(pool)
        .await?;
    rows.iter().map(|r| Ok(r.try_get("constituency_no")?)).collect()
}
