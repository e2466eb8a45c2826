//! Corporation and alliance names/tickers, refreshed when ESI's expiry passes.

use super::{PgDb, read, tm};
use crate::{AllianceInfo, CorporationInfo, Result};
use jumpgate_domain::{AllianceId, CorporationId};
use time::OffsetDateTime;

pub(crate) async fn upsert_corporation(s: &PgDb, c: &CorporationInfo) -> Result<()> {
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
    .bind(tm(c.expires_at))
    .execute(&s.pool)
    .await?;
    Ok(())
}

pub(crate) async fn corporation(s: &PgDb, id: CorporationId) -> Result<Option<CorporationInfo>> {
    let row = sqlx::query(
        "SELECT id, name, ticker, alliance_id, member_count, expires_at FROM corporations WHERE id = $1",
    )
    .bind(id.get())
    .fetch_optional(&s.pool)
    .await?;
    row.as_ref().map(read::corporation).transpose()
}

pub(crate) async fn corporations_by_ids(
    s: &PgDb,
    ids: &[CorporationId],
) -> Result<Vec<CorporationInfo>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    let rows = sqlx::query(
        "SELECT id, name, ticker, alliance_id, member_count, expires_at FROM corporations
         WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&s.pool)
    .await?;
    read::all(&rows, read::corporation)
}

pub(crate) async fn upsert_alliance(s: &PgDb, a: &AllianceInfo) -> Result<()> {
    sqlx::query(
        "INSERT INTO alliances (id, name, ticker, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, ticker = excluded.ticker,
             expires_at = excluded.expires_at",
    )
    .bind(a.id.get())
    .bind(&a.name)
    .bind(&a.ticker)
    .bind(tm(a.expires_at))
    .execute(&s.pool)
    .await?;
    Ok(())
}

pub(crate) async fn alliance(s: &PgDb, id: AllianceId) -> Result<Option<AllianceInfo>> {
    let row = sqlx::query("SELECT id, name, ticker, expires_at FROM alliances WHERE id = $1")
        .bind(id.get())
        .fetch_optional(&s.pool)
        .await?;
    row.as_ref().map(read::alliance).transpose()
}

pub(crate) async fn alliances_by_ids(s: &PgDb, ids: &[AllianceId]) -> Result<Vec<AllianceInfo>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    let rows = sqlx::query("SELECT id, name, ticker, expires_at FROM alliances WHERE id = ANY($1)")
        .bind(ids)
        .fetch_all(&s.pool)
        .await?;
    read::all(&rows, read::alliance)
}

pub(crate) async fn stale_corporations(
    s: &PgDb,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Vec<CorporationId>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT ch.corporation_id FROM characters ch
         LEFT JOIN corporations co ON co.id = ch.corporation_id
         WHERE co.id IS NULL OR co.expires_at <= $1
         ORDER BY ch.corporation_id LIMIT $2",
    )
    .bind(tm(now))
    .bind(limit.max(0))
    .fetch_all(&s.pool)
    .await?;
    Ok(ids.into_iter().map(CorporationId).collect())
}

pub(crate) async fn stale_alliances(
    s: &PgDb,
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
    .bind(tm(now))
    .bind(limit.max(0))
    .fetch_all(&s.pool)
    .await?;
    Ok(ids.into_iter().map(AllianceId).collect())
}
