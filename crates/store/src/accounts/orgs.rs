//! Corporation and alliance names/tickers, refreshed when ESI's expiry passes.

use crate::Store;
use crate::db::{Cols, DbTime, Dialects, IdList, by_name_in_byte_order, on_db, where_in_ids};
use crate::support::contains_pattern;
use crate::{AllianceInfo, CorporationInfo, Result};
use const_format::concatcp;
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use time::OffsetDateTime;

const CORPORATION_COLS: &str = "id, name, ticker, alliance_id, member_count, ceo_id, expires_at";
const ALLIANCE_COLS: &str = "id, name, ticker, expires_at";

pub(super) fn read_corporation<R: Cols>(r: &R) -> Result<CorporationInfo> {
    Ok(CorporationInfo {
        id: CorporationId(r.get("id")?),
        name: r.get("name")?,
        ticker: r.get("ticker")?,
        alliance: r.get::<Option<i64>>("alliance_id")?.map(AllianceId),
        member_count: r.get("member_count")?,
        ceo: r.get::<Option<i64>>("ceo_id")?.map(CharacterId),
        expires_at: r.time("expires_at")?,
    })
}

pub(super) fn read_alliance<R: Cols>(r: &R) -> Result<AllianceInfo> {
    Ok(AllianceInfo {
        id: AllianceId(r.get("id")?),
        name: r.get("name")?,
        ticker: r.get("ticker")?,
        expires_at: r.time("expires_at")?,
    })
}

impl Store {
    pub async fn upsert_corporation(&self, c: &CorporationInfo) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query(
                "INSERT INTO corporations (id, name, ticker, alliance_id, member_count, ceo_id,
                                           expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, ticker = excluded.ticker,
                 alliance_id = excluded.alliance_id, member_count = excluded.member_count,
                 ceo_id = excluded.ceo_id, expires_at = excluded.expires_at",
            )
            .bind(c.id.get())
            .bind(&c.name)
            .bind(&c.ticker)
            .bind(c.alliance.map(|a| a.get()))
            .bind(c.member_count)
            .bind(c.ceo.map(|c| c.get()))
            .bind(DbTime(c.expires_at))
            .execute(db.writer())
            .await?;
        });
        Ok(())
    }

    pub async fn corporation(&self, id: CorporationId) -> Result<Option<CorporationInfo>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            CORPORATION_COLS,
            " FROM corporations WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_corporation)
        .transpose())
    }

    /// The known corporations among `ids`, in no particular order.
    pub async fn corporations_by_ids(&self, ids: &[CorporationId]) -> Result<Vec<CorporationInfo>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        const CORPORATIONS_BY_IDS: Dialects =
            where_in_ids!("SELECT ", CORPORATION_COLS, " FROM corporations WHERE id");
        let ids = IdList::new(ids.iter().map(|id| id.get()));
        on_db!(self, |db| sqlx::query(db.sql(&CORPORATIONS_BY_IDS))
            .bind(ids)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_corporation)
            .collect())
    }

    /// Corporations whose name contains `query` or whose ticker is `query` (case-insensitive),
    /// by name.
    pub async fn search_corporations(
        &self,
        query: &str,
        limit: i64,
    ) -> Result<Vec<CorporationInfo>> {
        const MATCHING: Dialects = by_name_in_byte_order!(
            concatcp!(
                "SELECT ",
                CORPORATION_COLS,
                r" FROM corporations WHERE lower(name) LIKE $1 ESCAPE '\' OR lower(ticker) = lower($2)
                 ORDER BY "
            ),
            "name",
            ", id LIMIT $3"
        );
        on_db!(self, |db| sqlx::query(db.sql(&MATCHING))
            .bind(contains_pattern(query))
            .bind(query.trim())
            .bind(limit.max(0))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_corporation)
            .collect())
    }

    pub async fn upsert_alliance(&self, a: &AllianceInfo) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query(
                "INSERT INTO alliances (id, name, ticker, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, ticker = excluded.ticker,
                 expires_at = excluded.expires_at",
            )
            .bind(a.id.get())
            .bind(&a.name)
            .bind(&a.ticker)
            .bind(DbTime(a.expires_at))
            .execute(db.writer())
            .await?;
        });
        Ok(())
    }

    pub async fn alliance(&self, id: AllianceId) -> Result<Option<AllianceInfo>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            ALLIANCE_COLS,
            " FROM alliances WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_alliance)
        .transpose())
    }

    /// The known alliances among `ids`, in no particular order.
    pub async fn alliances_by_ids(&self, ids: &[AllianceId]) -> Result<Vec<AllianceInfo>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        const ALLIANCES_BY_IDS: Dialects =
            where_in_ids!("SELECT ", ALLIANCE_COLS, " FROM alliances WHERE id");
        let ids = IdList::new(ids.iter().map(|id| id.get()));
        on_db!(self, |db| sqlx::query(db.sql(&ALLIANCES_BY_IDS))
            .bind(ids)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_alliance)
            .collect())
    }

    /// Corporations referenced by characters whose info is missing or expired at `now`.
    pub async fn stale_corporations(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<CorporationId>> {
        let ids: Vec<i64> = on_db!(self, |db| sqlx::query_scalar(
            "SELECT DISTINCT ch.corporation_id FROM characters ch
             LEFT JOIN corporations co ON co.id = ch.corporation_id
             WHERE co.id IS NULL OR co.expires_at <= $1
             ORDER BY ch.corporation_id LIMIT $2",
        )
        .bind(DbTime(now))
        .bind(limit.max(0))
        .fetch_all(db.reader())
        .await?);
        Ok(ids.into_iter().map(CorporationId).collect())
    }

    /// Alliances referenced by characters or corporations whose info is missing or expired.
    pub async fn stale_alliances(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<AllianceId>> {
        let ids: Vec<i64> = on_db!(self, |db| sqlx::query_scalar(
            "SELECT r.alliance_id FROM (
                 SELECT alliance_id FROM characters WHERE alliance_id IS NOT NULL
                 UNION
                 SELECT alliance_id FROM corporations WHERE alliance_id IS NOT NULL
             ) r
             LEFT JOIN alliances al ON al.id = r.alliance_id
             WHERE al.id IS NULL OR al.expires_at <= $1
             ORDER BY r.alliance_id LIMIT $2",
        )
        .bind(DbTime(now))
        .bind(limit.max(0))
        .fetch_all(db.reader())
        .await?);
        Ok(ids.into_iter().map(AllianceId).collect())
    }
}
