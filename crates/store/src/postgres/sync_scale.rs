//! Lookups and cache upkeep for contact sync at scale: corporation members by index, and ESI
//! cache revalidation without rewriting bodies.

use super::{PgDb, read, tm};
use crate::Result;
use crate::rows::character_cols;
use jumpgate_domain::CorporationId;
use jumpgate_domain::account::Character;
use time::OffsetDateTime;

pub(crate) async fn characters_in_corporation(
    s: &PgDb,
    corporation: CorporationId,
) -> Result<Vec<Character>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        character_cols!(),
        " FROM characters WHERE corporation_id = $1 ORDER BY lower(name), name, id"
    ))
    .bind(corporation.get())
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::character)
}

pub(crate) async fn cache_revalidated(
    s: &PgDb,
    key: &str,
    etag: Option<&str>,
    expires_at: Option<OffsetDateTime>,
) -> Result<bool> {
    let done = sqlx::query("UPDATE esi_cache SET etag = $2, expires_at = $3 WHERE key = $1")
        .bind(key)
        .bind(etag)
        .bind(expires_at.map(tm))
        .execute(&s.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
