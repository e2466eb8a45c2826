//! Tracked corporations, the groups that see each, and the Director checks of the characters
//! with a `core.tracking` token.

use crate::db::{Cols, DbTime, on_conn, on_db};
use crate::support::{missing, not_found_if_zero};
use crate::{Result, Store, StoreError, Transaction};
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::tracking::{DirectorCheck, TRACKING_LOGIN, TrackedCorporation};
use jumpgate_domain::{AccountId, CharacterId, CorporationId, GroupId};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A character with a `core.tracking` token, as its last Director check left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingDirector {
    pub character: CharacterId,
    pub name: String,
    pub account: AccountId,
    /// The corporation the check found the character in.
    pub corporation: CorporationId,
    pub check: DirectorCheck,
    pub checked_at: OffsetDateTime,
    /// The `core.tracking` token's state; `None` when it is gone.
    pub token: Option<TokenStatus>,
}

impl TrackingDirector {
    /// Whether the update uses this token: a Director's, and it still works.
    pub fn in_use(&self) -> bool {
        self.check == DirectorCheck::Director && self.token == Some(TokenStatus::Valid)
    }

    /// Why the update does not use this token, in words for the pages; `None` when it does.
    pub fn problem(&self) -> Option<&'static str> {
        self.check.problem().or_else(|| {
            (self.token != Some(TokenStatus::Valid)).then_some(
                "this Director's tracking token no longer works: they must log in with the tracking login again",
            )
        })
    }
}

fn read_corporation<R: Cols>(r: &R) -> Result<TrackedCorporation> {
    Ok(TrackedCorporation {
        id: CorporationId(r.get("corporation_id")?),
        name: r.get("name")?,
        ticker: r.get("ticker")?,
        updated_at: r.time_opt("updated_at")?,
        last_error: r.get("last_error")?,
        members: usize::try_from(r.get::<i64>("members")?).unwrap_or_default(),
    })
}

const CORPORATION_SELECT: &str =
    "SELECT t.corporation_id, t.updated_at, t.last_error, c.name, c.ticker,
            (SELECT COUNT(*) FROM tracking_members m
             WHERE m.corporation_id = t.corporation_id) AS members
     FROM tracking_corporations t LEFT JOIN corporations c ON c.id = t.corporation_id";

fn read_status(text: Option<&str>) -> Result<Option<TokenStatus>> {
    text.map(|s| {
        TokenStatus::parse(s)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown token status '{s}'")))
    })
    .transpose()
}

impl Store {
    /// Every tracked corporation, by id (the pages sort by name).
    pub async fn tracked_corporations(&self) -> Result<Vec<TrackedCorporation>> {
        on_db!(self, |db| sqlx::query(const_format::concatcp!(
            CORPORATION_SELECT,
            " ORDER BY t.corporation_id"
        ))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_corporation)
        .collect())
    }

    pub async fn tracked_corporation(
        &self,
        id: CorporationId,
    ) -> Result<Option<TrackedCorporation>> {
        on_db!(self, |db| sqlx::query(const_format::concatcp!(
            CORPORATION_SELECT,
            " WHERE t.corporation_id = $1"
        ))
        .bind(id.get())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_corporation)
        .transpose())
    }

    /// The groups that see each tracked corporation (corporations nobody sees are left out).
    pub async fn tracking_viewer_groups(&self) -> Result<BTreeMap<CorporationId, Vec<GroupId>>> {
        let rows: Vec<(i64, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT corporation_id, group_id FROM tracking_viewer_groups
             ORDER BY corporation_id, group_id"
        )
        .fetch_all(db.reader())
        .await?);
        let mut out: BTreeMap<CorporationId, Vec<GroupId>> = BTreeMap::new();
        for (corporation, group) in rows {
            out.entry(CorporationId(corporation))
                .or_default()
                .push(GroupId(group));
        }
        Ok(out)
    }

    /// Every character's last Director check, with its name, account and tracking token, by
    /// corporation, then Directors first, then name.
    pub async fn tracking_directors(&self) -> Result<Vec<TrackingDirector>> {
        let mut found = on_db!(self, |db| {
            sqlx::query(
            "SELECT d.character_id, d.corporation_id, d.status, d.checked_at, c.name, c.account_id,
                    t.status AS token_status
             FROM tracking_directors d
             JOIN characters c ON c.id = d.character_id
             LEFT JOIN tokens t ON t.character_id = d.character_id AND t.login = $1"
        )
        .bind(TRACKING_LOGIN)
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| {
            let status: String = r.get("status")?;
            Ok(TrackingDirector {
                character: CharacterId(r.get("character_id")?),
                name: r.get("name")?,
                account: AccountId(r.get("account_id")?),
                corporation: CorporationId(r.get("corporation_id")?),
                check: DirectorCheck::parse(&status).ok_or_else(|| {
                    StoreError::Corrupt(format!("unknown director check '{status}'"))
                })?,
                checked_at: r.time("checked_at")?,
                token: read_status(r.get::<Option<String>>("token_status")?.as_deref())?,
            })
        })
        .collect::<Result<Vec<_>>>()?
        });
        // Sorted here: the backends order names differently.
        found.sort_by_cached_key(|d| {
            (
                d.corporation,
                d.check != DirectorCheck::Director,
                d.name.to_lowercase(),
                d.character,
            )
        });
        Ok(found)
    }

    /// Records that the last update of `corporation` failed, keeping its members as they were.
    pub async fn record_tracking_failure(
        &self,
        corporation: CorporationId,
        error: &str,
    ) -> Result<()> {
        let now = DbTime(self.now());
        on_db!(self, |db| sqlx::query(
            "UPDATE tracking_corporations SET last_error = $1, last_error_at = $2
             WHERE corporation_id = $3"
        )
        .bind(error)
        .bind(now)
        .bind(corporation.get())
        .execute(db.writer())
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn record_director_check(
        &self,
        character: CharacterId,
        corporation: CorporationId,
        check: DirectorCheck,
    ) -> Result<Option<DirectorCheck>> {
        let mut tx = self.transaction().await?;
        let before = tx
            .record_director_check(character, corporation, check)
            .await?;
        tx.commit().await?;
        Ok(before)
    }

    pub async fn stop_tracking(&self, corporation: CorporationId) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.stop_tracking(corporation).await?;
        tx.commit().await
    }

    pub async fn set_tracking_viewer_groups(
        &self,
        corporation: CorporationId,
        groups: &[GroupId],
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.set_tracking_viewer_groups(corporation, groups).await?;
        tx.commit().await
    }
}

/// The writes a use case combines with its audit entry; the `Store` methods of the same names
/// run each alone.
impl Transaction {
    /// Records a Director check of `character`, found in `corporation`; a Director's corporation
    /// becomes tracked. What the previous check said, `None` for the first.
    pub async fn record_director_check(
        &mut self,
        character: CharacterId,
        corporation: CorporationId,
        check: DirectorCheck,
    ) -> Result<Option<DirectorCheck>> {
        let now = DbTime(self.now());
        let before: Option<String> = on_conn!(self.conn(), |c| sqlx::query_scalar(
            "SELECT status FROM tracking_directors WHERE character_id = $1"
        )
        .bind(character.get())
        .fetch_optional(c)
        .await?);
        on_conn!(self.conn(), |c| sqlx::query(
            "INSERT INTO tracking_directors (character_id, corporation_id, status, checked_at)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (character_id) DO UPDATE SET corporation_id = excluded.corporation_id,
                 status = excluded.status, checked_at = excluded.checked_at"
        )
        .bind(character.get())
        .bind(corporation.get())
        .bind(check.as_str())
        .bind(now)
        .execute(c)
        .await
        .map_err(|e| missing(e, || format!("character {character}")))?
        .rows_affected());
        if check == DirectorCheck::Director {
            on_conn!(self.conn(), |c| sqlx::query(
                "INSERT INTO tracking_corporations (corporation_id, added_at) VALUES ($1, $2)
                 ON CONFLICT (corporation_id) DO NOTHING"
            )
            .bind(corporation.get())
            .bind(now)
            .execute(c)
            .await?
            .rows_affected());
        }
        Ok(before.as_deref().and_then(DirectorCheck::parse))
    }

    /// Stops tracking `corporation`: its members, viewer groups and Director checks go (the
    /// Directors' tokens stay with their characters; a Director's next tracking login tracks it
    /// again). `NotFound` when it is not tracked.
    pub async fn stop_tracking(&mut self, corporation: CorporationId) -> Result<()> {
        let gone = on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM tracking_corporations WHERE corporation_id = $1"
        )
        .bind(corporation.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(gone, || format!("tracked corporation {corporation}"))?;
        on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM tracking_directors WHERE corporation_id = $1"
        )
        .bind(corporation.get())
        .execute(c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The groups whose members see `corporation`, replacing those before. `NotFound` when the
    /// corporation is not tracked or a group does not exist.
    pub async fn set_tracking_viewer_groups(
        &mut self,
        corporation: CorporationId,
        groups: &[GroupId],
    ) -> Result<()> {
        let tracked: Option<i64> = on_conn!(self.conn(), |c| sqlx::query_scalar(
            "SELECT corporation_id FROM tracking_corporations WHERE corporation_id = $1"
        )
        .bind(corporation.get())
        .fetch_optional(c)
        .await?);
        if tracked.is_none() {
            return Err(StoreError::NotFound(format!(
                "tracked corporation {corporation}"
            )));
        }
        on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM tracking_viewer_groups WHERE corporation_id = $1"
        )
        .bind(corporation.get())
        .execute(c)
        .await?
        .rows_affected());
        for group in groups {
            on_conn!(self.conn(), |c| sqlx::query(
                "INSERT INTO tracking_viewer_groups (corporation_id, group_id) VALUES ($1, $2)
                 ON CONFLICT (corporation_id, group_id) DO NOTHING"
            )
            .bind(corporation.get())
            .bind(group.get())
            .execute(c)
            .await
            .map_err(|e| missing(e, || format!("group {group}")))?
            .rows_affected());
        }
        Ok(())
    }
}
