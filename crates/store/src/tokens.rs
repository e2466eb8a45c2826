//! ESI tokens (ciphertexts only; encryption happens above the store) and the per-token refresh
//! lease.

use crate::db::{Cols, DbTime, Dialects, IdList, Limit, on_conn, on_db, where_in_ids};
use crate::support::{self, conflict, is_foreign_key, not_found_if_zero};
use crate::{
    LoginTokenHolder, NewToken, RefreshedToken, Result, StoreError, TokenCiphertexts, TokenKeyUse,
    TokenRecord,
};
use crate::{Store, Transaction};
use const_format::concatcp;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId, TokenId};
use std::time::Duration;
use time::OffsetDateTime;

const TOKEN_COLS: &str = "id, character_id, login, access_token, refresh_token, expires_at, \
     scopes, owner_hash, status, status_reason, created_at, last_checked_at";

pub(crate) fn read_token<R: Cols>(r: &R) -> Result<TokenRecord> {
    Ok(TokenRecord {
        id: TokenId(r.get("id")?),
        character: CharacterId(r.get("character_id")?),
        login: r.get("login")?,
        access_token: r.get("access_token")?,
        refresh_token: r.get("refresh_token")?,
        expires_at: r.time("expires_at")?,
        scopes: r.get("scopes")?,
        owner_hash: r.get("owner_hash")?,
        status: token_status(r.str("status")?)?,
        status_reason: r.get("status_reason")?,
        created_at: r.time("created_at")?,
        last_checked_at: r.time_opt("last_checked_at")?,
    })
}

fn token_status(s: &str) -> Result<TokenStatus> {
    TokenStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown token status '{s}'")))
}

impl Store {
    /// Inserts or replaces the token of (character, login).
    pub async fn upsert_token(&self, t: &NewToken) -> Result<TokenRecord> {
        let mut tx = self.transaction().await?;
        let token = tx.upsert_token(t).await?;
        tx.commit().await?;
        Ok(token)
    }

    pub async fn token(&self, character: CharacterId, login: &str) -> Result<Option<TokenRecord>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            TOKEN_COLS,
            " FROM tokens WHERE character_id = $1 AND login = $2"
        ))
        .bind(character.get())
        .bind(login)
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_token)
        .transpose())
    }

    /// The tokens of `login` held by any of `characters`, in no particular order: one query for
    /// a corporation's members instead of one per member.
    pub async fn tokens_of_login(
        &self,
        login: &str,
        characters: &[CharacterId],
    ) -> Result<Vec<TokenRecord>> {
        if characters.is_empty() {
            return Ok(Vec::new());
        }
        const OF_LOGIN: Dialects = where_in_ids!(
            "SELECT ",
            TOKEN_COLS,
            " FROM tokens WHERE login = $2 AND character_id"
        );
        let ids = IdList::new(characters.iter().map(|c| c.get()));
        on_db!(self, |db| sqlx::query(db.sql(&OF_LOGIN))
            .bind(ids)
            .bind(login)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_token)
            .collect())
    }

    pub async fn tokens_of_character(&self, character: CharacterId) -> Result<Vec<TokenRecord>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            TOKEN_COLS,
            " FROM tokens WHERE character_id = $1 ORDER BY login, id"
        ))
        .bind(character.get())
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_token)
        .collect())
    }

    pub async fn tokens_of_account(&self, account: AccountId) -> Result<Vec<TokenRecord>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            TOKEN_COLS,
            " FROM tokens WHERE character_id IN (SELECT id FROM characters WHERE account_id = $1) \
             ORDER BY character_id, login, id"
        ))
        .bind(account.get())
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_token)
        .collect())
    }

    /// The characters holding a token of `login`, whatever its status, by id.
    pub async fn characters_with_token_of(&self, login: &str) -> Result<Vec<CharacterId>> {
        let ids: Vec<i64> = on_db!(self, |db| sqlx::query_scalar(
            "SELECT character_id FROM tokens WHERE login = $1 ORDER BY character_id"
        )
        .bind(login)
        .fetch_all(db.reader())
        .await?);
        Ok(ids.into_iter().map(CharacterId).collect())
    }

    /// The valid tokens of `login` with their characters, by character id: one statement that
    /// reads no ciphertext.
    pub async fn valid_token_holders(&self, login: &str) -> Result<Vec<LoginTokenHolder>> {
        on_db!(self, |db| sqlx::query(
            "SELECT t.character_id, t.last_checked_at, c.name, c.corporation_id, c.alliance_id
             FROM tokens t JOIN characters c ON c.id = t.character_id
             WHERE t.login = $1 AND t.status = 'valid'
             ORDER BY t.character_id"
        )
        .bind(login)
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(LoginTokenHolder {
                character: CharacterId(r.get("character_id")?),
                name: r.get("name")?,
                corporation: CorporationId(r.get("corporation_id")?),
                alliance: r.get::<Option<i64>>("alliance_id")?.map(AllianceId),
                last_checked: r.time_opt("last_checked_at")?,
            })
        })
        .collect())
    }

    /// Stores the result of a refresh: new access token and expiry, and the rotated refresh
    /// token when the SSO sent one (the old one is kept otherwise). Ends the refresh lease if
    /// `holder` holds it, in the same statement (one write less per refresh).
    pub async fn record_refresh(
        &self,
        token_id: TokenId,
        r: &RefreshedToken,
        holder: &str,
    ) -> Result<()> {
        let done = on_db!(self, |db| sqlx::query(
            "UPDATE tokens SET access_token = $1, refresh_token = COALESCE($2, refresh_token),
                 expires_at = $3, scopes = $4, last_checked_at = $5,
                 lease_until = CASE WHEN lease_holder = $7 THEN NULL ELSE lease_until END,
                 lease_holder = CASE WHEN lease_holder = $7 THEN NULL ELSE lease_holder END
             WHERE id = $6",
        )
        .bind(&r.access_token)
        .bind(&r.refresh_token)
        .bind(DbTime(r.expires_at))
        .bind(&r.scopes)
        .bind(DbTime(self.now()))
        .bind(token_id.get())
        .bind(holder)
        .execute(db.writer())
        .await?
        .rows_affected());
        not_found_if_zero(done, || format!("token {token_id}"))
    }

    /// Marks a token valid/invalid/revoked with an optional reason; `last_checked_at` = now.
    pub async fn set_token_status(
        &self,
        token_id: TokenId,
        status: TokenStatus,
        reason: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.set_token_status(token_id, status, reason).await?;
        tx.commit().await
    }

    /// Valid tokens whose access token expires before `before`, soonest first.
    pub async fn tokens_expiring_before(
        &self,
        before: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<TokenRecord>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            TOKEN_COLS,
            " FROM tokens WHERE status = 'valid' AND expires_at < $1 ORDER BY expires_at, id \
             LIMIT $2"
        ))
        .bind(DbTime(before))
        .bind(limit.max(0))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_token)
        .collect())
    }

    /// Takes the refresh lease of a token for `holder` until `now + lease` if nobody holds it
    /// (or the holder's lease expired). One refresh per token at a time, across instances.
    pub async fn try_lease_token(
        &self,
        token_id: TokenId,
        holder: &str,
        lease: Duration,
    ) -> Result<bool> {
        let now = self.now();
        on_db!(self, |db| {
            // One conditional UPDATE: whoever's statement runs first wins, the others match no
            // row.
            let done = sqlx::query(
                "UPDATE tokens SET lease_holder = $1, lease_until = $2
                 WHERE id = $3 AND (lease_holder IS NULL OR lease_until IS NULL OR lease_until <= $4)",
            )
            .bind(holder)
            .bind(DbTime(support::after(now, lease)))
            .bind(token_id.get())
            .bind(DbTime(now))
            .execute(db.writer())
            .await?;
            if done.rows_affected() == 1 {
                return Ok(true);
            }
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM tokens WHERE id = $1")
                .bind(token_id.get())
                .fetch_optional(db.reader())
                .await?;
            match exists {
                Some(_) => Ok(false),
                None => Err(StoreError::NotFound(format!("token {token_id}"))),
            }
        })
    }

    pub async fn release_token(&self, token_id: TokenId, holder: &str) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query(
                "UPDATE tokens SET lease_holder = NULL, lease_until = NULL \
             WHERE id = $1 AND lease_holder = $2",
            )
            .bind(token_id.get())
            .bind(holder)
            .execute(db.writer())
            .await?;
        });
        Ok(())
    }

    /// Every token (tests; `keys rotate` reads them a page at a time: `tokens_after`).
    pub async fn all_tokens(&self) -> Result<Vec<TokenRecord>> {
        self.tokens_after(None, 0).await
    }

    /// Up to `limit` tokens (0: all) with ids above `after`, by id: a page of a walk over
    /// every token that rows inserted or deleted meanwhile do not disturb.
    pub async fn tokens_after(
        &self,
        after: Option<TokenId>,
        limit: i64,
    ) -> Result<Vec<TokenRecord>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            TOKEN_COLS,
            " FROM tokens WHERE id > $1 ORDER BY id LIMIT $2"
        ))
        .bind(after.map_or(0, TokenId::get))
        .bind(Limit::positive_or_all(limit))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_token)
        .collect())
    }

    /// Which keys the stored ciphertexts (access and refresh tokens) were sealed with, and how
    /// many each: one statement reading the key id from each ciphertext's header, so that the
    /// ring can be checked at start without reading the tokens. `key_id: None` counts
    /// ciphertexts not in Jumpgate's format; cleared ones (`discard_token_ciphertexts`) are not
    /// counted.
    pub async fn token_key_ids(&self) -> Result<Vec<TokenKeyUse>> {
        on_db!(self, |db| sqlx::query(db.sql(&TOKEN_KEY_IDS))
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(|r| {
                Ok(TokenKeyUse {
                    key_id: r
                        .get::<Option<Vec<u8>>>("key_id")?
                        .map(|id| String::from_utf8_lossy(&id).into_owned()),
                    ciphertexts: r.get("ciphertexts")?,
                })
            })
            .collect())
    }
}

/// `KeyRing::seal`'s header, read in SQL: format byte 1, the key id's length in one byte, the key
/// id. NULL for anything else. SQLite has no function for a byte's value, so it goes by `hex`;
/// PostgreSQL's CASE tests the length before `get_byte` reads.
macro_rules! key_id_in_header {
    (sqlite, $col:literal) => {
        concat!(
            "CASE WHEN length(",
            $col,
            ") >= 2 AND substr(",
            $col,
            ", 1, 1) = x'01' THEN substr(",
            $col,
            ", 3, (instr('0123456789ABCDEF', substr(hex(substr(",
            $col,
            ", 2, 1)), 1, 1)) - 1) * 16 + instr('0123456789ABCDEF', substr(hex(substr(",
            $col,
            ", 2, 1)), 2, 1)) - 1) END"
        )
    };
    (postgres, $col:literal) => {
        concat!(
            "CASE WHEN length(",
            $col,
            ") < 2 THEN NULL WHEN get_byte(",
            $col,
            ", 0) <> 1 THEN NULL ELSE substring(",
            $col,
            " FROM 3 FOR get_byte(",
            $col,
            ", 1)) END"
        )
    };
}

macro_rules! token_key_ids {
    ($dialect:ident) => {
        concat!(
            "SELECT key_id, count(*) AS ciphertexts FROM (SELECT ",
            key_id_in_header!($dialect, "access_token"),
            " AS key_id FROM tokens WHERE length(access_token) > 0 UNION ALL SELECT ",
            key_id_in_header!($dialect, "refresh_token"),
            " AS key_id FROM tokens WHERE refresh_token IS NOT NULL) AS sealed \
             GROUP BY key_id ORDER BY key_id NULLS FIRST"
        )
    };
}

const TOKEN_KEY_IDS: Dialects = Dialects {
    sqlite: token_key_ids!(sqlite),
    postgres: token_key_ids!(postgres),
};

/// The optimistic check of the ciphertext writes of key rotation: the row still holds what the
/// rotation read (`$2`, `$3`), so a token refreshed or replaced meanwhile is left as it is.
const UNCHANGED: &str = "id = $1 AND access_token = $2 AND refresh_token IS NOT DISTINCT FROM $3";

/// The writes a use case combines with others (and its audit entry) in one transaction; the
/// `Store` methods of the same names run each in its own.
impl Transaction {
    /// Inserts or replaces the token of (character, login).
    pub async fn upsert_token(&mut self, t: &NewToken) -> Result<TokenRecord> {
        // A new grant replaces the old one entirely but keeps its id, creation time and any
        // lease.
        let now = self.now();
        on_conn!(self.conn(), |tx| read_token(
            &sqlx::query(concatcp!(
                "INSERT INTO tokens (character_id, login, access_token, refresh_token, \
                 expires_at, scopes, owner_hash, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'valid', $8) \
                 ON CONFLICT (character_id, login) DO UPDATE SET \
                 access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
                 expires_at = excluded.expires_at, scopes = excluded.scopes, \
                 owner_hash = excluded.owner_hash, status = 'valid', status_reason = NULL, \
                 last_checked_at = NULL RETURNING ",
                TOKEN_COLS
            ))
            .bind(t.character.get())
            .bind(&t.login)
            .bind(&t.access_token)
            .bind(&t.refresh_token)
            .bind(DbTime(t.expires_at))
            .bind(&t.scopes)
            .bind(&t.owner_hash)
            .bind(DbTime(now))
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| {
                if is_foreign_key(&e) {
                    StoreError::NotFound(format!("character {}", t.character))
                } else {
                    conflict(e, || {
                        format!(
                            "a token for character {} and login {} exists",
                            t.character, t.login
                        )
                    })
                }
            })?
        ))
    }

    /// Marks a token valid/invalid/revoked with an optional reason; `last_checked_at` = now.
    pub async fn set_token_status(
        &mut self,
        token_id: TokenId,
        status: TokenStatus,
        reason: Option<&str>,
    ) -> Result<()> {
        let now = self.now();
        let done = on_conn!(self.conn(), |tx| sqlx::query(
            "UPDATE tokens SET status = $1, status_reason = $2, last_checked_at = $3
             WHERE id = $4",
        )
        .bind(status.as_str())
        .bind(reason)
        .bind(DbTime(now))
        .bind(token_id.get())
        .execute(&mut *tx)
        .await?
        .rows_affected());
        not_found_if_zero(done, || format!("token {token_id}"))
    }

    /// Replaces a token's ciphertexts with `now` (the same tokens sealed under another key) if
    /// they are still `was`. `false`: the token changed (a refresh, a new login) or is gone
    /// since it was read, and nothing was written.
    pub async fn reseal_token(
        &mut self,
        token_id: TokenId,
        was: TokenCiphertexts<'_>,
        now: TokenCiphertexts<'_>,
    ) -> Result<bool> {
        let done = on_conn!(self.conn(), |tx| sqlx::query(concatcp!(
            "UPDATE tokens SET access_token = $4, refresh_token = $5 WHERE ",
            UNCHANGED
        ))
        .bind(token_id.get())
        .bind(was.access)
        .bind(was.refresh)
        .bind(now.access)
        .bind(now.refresh)
        .execute(&mut *tx)
        .await?
        .rows_affected());
        Ok(done == 1)
    }

    /// Marks a token invalid with `reason` and clears its ciphertexts (an empty access token, no
    /// refresh token), if they are still `was`: for tokens no key opens, which nobody can use
    /// again; the row stays so that its owner sees what to do (log in again). `false`: the
    /// token changed or is gone since it was read, and nothing was written.
    pub async fn discard_token_ciphertexts(
        &mut self,
        token_id: TokenId,
        was: TokenCiphertexts<'_>,
        reason: &str,
    ) -> Result<bool> {
        let now = self.now();
        let done = on_conn!(self.conn(), |tx| sqlx::query(concatcp!(
            "UPDATE tokens SET access_token = $4, refresh_token = NULL, status = 'invalid', \
             status_reason = $5, last_checked_at = $6 WHERE ",
            UNCHANGED
        ))
        .bind(token_id.get())
        .bind(was.access)
        .bind(was.refresh)
        .bind(&[] as &[u8])
        .bind(reason)
        .bind(DbTime(now))
        .execute(&mut *tx)
        .await?
        .rows_affected());
        Ok(done == 1)
    }
}
