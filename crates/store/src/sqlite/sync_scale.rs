//! Lookups and cache upkeep for contact sync at scale: corporation members by index, and ESI
//! cache revalidation without rewriting bodies.

use super::{SqliteDb, micros, read};
use crate::Result;
use crate::rows::character_cols;
use jumpgate_domain::CorporationId;
use jumpgate_domain::account::Character;
use time::OffsetDateTime;

pub(crate) async fn characters_in_corporation(
    s: &SqliteDb,
    corporation: CorporationId,
) -> Result<Vec<Character>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        character_cols!(),
        " FROM characters WHERE corporation_id = $1 ORDER BY lower(name), name, id"
    ))
    .bind(corporation.get())
    .fetch_all(&s.reader)
    .await?;
    read::all(&rows, read::character)
}

pub(crate) async fn cache_revalidated(
    s: &SqliteDb,
    key: &str,
    etag: Option<&str>,
    expires_at: Option<OffsetDateTime>,
) -> Result<bool> {
    let done = sqlx::query("UPDATE esi_cache SET etag = $2, expires_at = $3 WHERE key = $1")
        .bind(key)
        .bind(etag)
        .bind(expires_at.map(micros))
        .execute(&s.writer)
        .await?;
    Ok(done.rows_affected() > 0)
}
