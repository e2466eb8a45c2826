//! A tracked corporation's members as the last good update left them, and who each is here.

use crate::db::{Cols, DbTime, on_conn, on_db};
use crate::support::not_found_if_zero;
use crate::{Result, Store, StoreError, Transaction};
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::tracking::{MemberRow, Named, Registration, TrackedMember};
use jumpgate_domain::{AccountId, CharacterId, CorporationId, EveLogin};

fn named<R: Cols>(r: &R, id: &str, name: &str) -> Result<Option<Named>> {
    match r.get::<Option<i64>>(id)? {
        Some(id) => Ok(Some(Named {
            id,
            name: r.get(name)?,
        })),
        None => Ok(None),
    }
}

fn read_row<R: Cols>(r: &R) -> Result<MemberRow> {
    let member = TrackedMember {
        character: CharacterId(r.get("character_id")?),
        name: r.get("name")?,
        location: named(r, "location_id", "location_name")?,
        ship: named(r, "ship_type_id", "ship_type_name")?,
        logon_at: r.time_opt("logon_at")?,
        logoff_at: r.time_opt("logoff_at")?,
        start_at: r.time_opt("start_at")?,
    };
    let registration = match r.get::<Option<i64>>("account_id")? {
        None => None,
        Some(account) => Some(Registration {
            account: AccountId(account),
            main: r
                .get::<Option<i64>>("main_id")?
                .map(CharacterId)
                .zip(r.get::<Option<String>>("main_name")?),
            token: r
                .get::<Option<String>>("token_status")?
                .map(|s| {
                    TokenStatus::parse(&s)
                        .ok_or_else(|| StoreError::Corrupt(format!("unknown token status '{s}'")))
                })
                .transpose()?,
        }),
    };
    Ok(MemberRow {
        member,
        registration,
    })
}

impl Store {
    /// The members of `corporation` with who each is in Jumpgate (its account's main and its
    /// login token), in one read; unordered (the page orders them as asked).
    pub async fn tracking_members(&self, corporation: CorporationId) -> Result<Vec<MemberRow>> {
        on_db!(self, |db| sqlx::query(
            "SELECT m.character_id, m.name, m.location_id, m.location_name, m.ship_type_id,
                    m.ship_type_name, m.logon_at, m.logoff_at, m.start_at,
                    c.account_id, a.main_character_id AS main_id, mc.name AS main_name,
                    t.status AS token_status
             FROM tracking_members m
             LEFT JOIN characters c ON c.id = m.character_id
             LEFT JOIN accounts a ON a.id = c.account_id
             LEFT JOIN characters mc ON mc.id = a.main_character_id
             LEFT JOIN tokens t ON t.character_id = m.character_id AND t.login = $2
             WHERE m.corporation_id = $1"
        )
        .bind(corporation.get())
        .bind(EveLogin::DEFAULT)
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_row)
        .collect())
    }

    pub async fn replace_tracking_members(
        &self,
        corporation: CorporationId,
        members: &[TrackedMember],
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.replace_tracking_members(corporation, members).await?;
        tx.commit().await
    }
}

impl Transaction {
    /// Replaces the members of a tracked corporation with `members` and marks it updated now
    /// (clearing the last failure). `NotFound` when the corporation is not tracked. Written in
    /// the caller's transaction, so readers see the old list or the new one, never a mix.
    pub async fn replace_tracking_members(
        &mut self,
        corporation: CorporationId,
        members: &[TrackedMember],
    ) -> Result<()> {
        let now = DbTime(self.now());
        let updated = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE tracking_corporations SET updated_at = $1, last_error = NULL,
                    last_error_at = NULL
             WHERE corporation_id = $2"
        )
        .bind(now)
        .bind(corporation.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(updated, || format!("tracked corporation {corporation}"))?;
        on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM tracking_members WHERE corporation_id = $1"
        )
        .bind(corporation.get())
        .execute(c)
        .await?
        .rows_affected());
        // One statement per member, on the transaction's connection: a corporation has at most
        // 12,600 members, and an update runs once an hour (ESI caches the list that long).
        for m in members {
            on_conn!(self.conn(), |c| sqlx::query(
                "INSERT INTO tracking_members (corporation_id, character_id, name, location_id,
                        location_name, ship_type_id, ship_type_name, logon_at, logoff_at, start_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                 ON CONFLICT (corporation_id, character_id) DO NOTHING"
            )
            .bind(corporation.get())
            .bind(m.character.get())
            .bind(m.name.as_deref())
            .bind(m.location.as_ref().map(|l| l.id))
            .bind(m.location.as_ref().and_then(|l| l.name.as_deref()))
            .bind(m.ship.as_ref().map(|s| s.id))
            .bind(m.ship.as_ref().and_then(|s| s.name.as_deref()))
            .bind(m.logon_at.map(DbTime))
            .bind(m.logoff_at.map(DbTime))
            .bind(m.start_at.map(DbTime))
            .execute(c)
            .await?
            .rows_affected());
        }
        Ok(())
    }
}
