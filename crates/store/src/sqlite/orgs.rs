//! Corporation and alliance names/tickers, refreshed when ESI's expiry passes.

use super::{SqliteDb, micros, read};
use crate::{AllianceInfo, CorporationInfo, Result};
use jumpgate_domain::{AllianceId, CorporationId};
use time::OffsetDateTime;

pub(crate) async fn upsert_corporation(s: &SqliteDb, c: &CorporationInfo) -> Result<()> {
    sqlx::query(
        "INSERT INTO corporations (id, name, ticker, alliance_id, member_count, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, ticker = excluded.ticker,
             alliance_id = excluded.alliance_id, member_count = excluded.member_count,
             expires_at = excluded.expires_at",
    )
    .bind(c.id.get())
    .bind(&c.name)
    .bind(&c.ticker)
    .bind(c.alliance.map(|a| a.get()))
    .bind(c.member_count)
    .bind(micros(c.expires_at))
    .execute(&s.writer)
    .await?;
    Ok(())
}

pub(crate) async fn corporation(
    s: &SqliteDb,
    id: CorporationId,
) -> Result<Option<CorporationInfo>> {
    let row = sqlx::query(
        "SELECT id, name, ticker, alliance_id, member_count, expires_at FROM corporations WHERE id = $1",
    )
    .bind(id.get())
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(read::corporation).transpose()
}

pub(crate) async fn corporations_by_ids(
    s: &SqliteDb,
    ids: &[CorporationId],
) -> Result<Vec<CorporationInfo>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids travel as one JSON array parameter: the SQL stays fixed whatever the list.
    let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    let ids = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".to_owned());
    let rows = sqlx::query(
        "SELECT id, name, ticker, alliance_id, member_count, expires_at FROM corporations
         WHERE id IN (SELECT value FROM json_each($1))",
    )
    .bind(ids)
    .fetch_all(&s.reader)
    .await?;
    read::all(&rows, read::corporation)
}

pub(crate) async fn upsert_alliance(s: &SqliteDb, a: &AllianceInfo) -> Result<()> {
    sqlx::query(
        "INSERT INTO alliances (id, name, ticker, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, ticker = excluded.ticker,
             expires_at = excluded.expires_at",
    )
    .bind(a.id.get())
    .bind(&a.name)
    .bind(&a.ticker)
    .bind(micros(a.expires_at))
    .execute(&s.writer)
    .await?;
    Ok(())
}

pub(crate) async fn alliance(s: &SqliteDb, id: AllianceId) -> Result<Option<AllianceInfo>> {
    let row = sqlx::query("SELECT id, name, ticker, expires_at FROM alliances WHERE id = $1")
        .bind(id.get())
        .fetch_optional(&s.reader)
        .await?;
    row.as_ref().map(read::alliance).transpose()
}

pub(crate) async fn alliances_by_ids(
    s: &SqliteDb,
    ids: &[AllianceId],
) -> Result<Vec<AllianceInfo>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    let ids = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".to_owned());
    let rows = sqlx::query(
        "SELECT id, name, ticker, expires_at FROM alliances
         WHERE id IN (SELECT value FROM json_each($1))",
    )
    .bind(ids)
    .fetch_all(&s.reader)
    .await?;
    read::all(&rows, read::alliance)
}

pub(crate) async fn stale_corporations(
    s: &SqliteDb,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Vec<CorporationId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT ch.corporation_id FROM characters ch
         LEFT JOIN corporations co ON co.id = ch.corporation_id
         WHERE co.id IS NULL OR co.expires_at <= $1
         ORDER BY ch.corporation_id LIMIT $2",
    )
    .bind(micros(now))
    .bind(limit.max(0))
    .fetch_all(&s.reader)
    .await?;
    Ok(ids.into_iter().map(CorporationId).collect())
}

pub(crate) async fn stale_alliances(
    s: &SqliteDb,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Vec<AllianceId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT r.alliance_id FROM (
             SELECT alliance_id FROM characters WHERE alliance_id IS NOT NULL
             UNION
             SELECT alliance_id FROM corporations WHERE alliance_id IS NOT NULL
         ) r
         LEFT JOIN alliances al ON al.id = r.alliance_id
         WHERE al.id IS NULL OR al.expires_at <= $1
         ORDER BY r.alliance_id LIMIT $2",
    )
    .bind(micros(now))
    .bind(limit.max(0))
    .fetch_all(&s.reader)
    .await?;
    Ok(ids.into_iter().map(AllianceId).collect())
}
