//! Characters with what the application API's `Character` shows of each (Neucore's shape):
//! whether it is its account's main, the state of its `core.default` token, and its corporation
//! and alliance. One statement per call, whichever characters it asks for: an account's, a
//! corporation's, or a list of ids. Unordered: the caller orders them as its answer needs.

use super::account_characters::{ORGANISATION_COLS, organisations};
use super::characters::read_character;
use crate::db::{Cols, Dialects, IdList, on_db, where_in_ids};
use crate::{AllianceInfo, CorporationInfo, Result, Store, StoreError};
use const_format::concatcp;
use jumpgate_domain::account::{Character, TokenStatus};
use jumpgate_domain::{AccountId, CharacterId, CorporationId, EveLogin};
use time::OffsetDateTime;

/// A character with its account's main, its login token's state and its organisations.
#[derive(Debug, Clone, PartialEq)]
pub struct CharacterDetails {
    pub character: Character,
    /// Whether it is its account's main.
    pub main: bool,
    /// Its `core.default` token, if it has one.
    pub login_token: Option<LoginTokenState>,
    /// `None` until ESI named the corporation.
    pub corporation: Option<CorporationInfo>,
    /// `None` without an alliance, or until ESI named it.
    pub alliance: Option<AllianceInfo>,
}

/// The state of a character's `core.default` token (not the token itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTokenState {
    pub status: TokenStatus,
    /// Space-separated, as granted.
    pub scopes: String,
    pub last_checked_at: Option<OffsetDateTime>,
}

/// Up to its `WHERE`; `$2` is the login whose token is read.
const SELECT: &str = concatcp!(
    "SELECT c.id, c.account_id, c.name, c.owner_hash, c.corporation_id, c.alliance_id,
         c.faction_id, c.added_at, c.last_checked_at,
         a.main_character_id AS account_main_character_id,
         t.status AS token_status, t.scopes AS token_scopes,
         t.last_checked_at AS token_last_checked_at, ",
    ORGANISATION_COLS,
    " FROM characters c
     JOIN accounts a ON a.id = c.account_id
     LEFT JOIN tokens t ON t.character_id = c.id AND t.login = $2
     LEFT JOIN corporations co ON co.id = c.corporation_id
     LEFT JOIN alliances al ON al.id = c.alliance_id
     WHERE "
);

fn read_details<R: Cols>(r: &R) -> Result<CharacterDetails> {
    let character = read_character(r)?;
    let main = r.get::<Option<i64>>("account_main_character_id")? == Some(character.id.get());
    let login_token = match r.get::<Option<String>>("token_status")? {
        None => None,
        Some(status) => Some(LoginTokenState {
            status: TokenStatus::parse(&status)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown token status '{status}'")))?,
            scopes: r.get("token_scopes")?,
            last_checked_at: r.time_opt("token_last_checked_at")?,
        }),
    };
    let (corporation, alliance) = organisations(r)?;
    Ok(CharacterDetails {
        character,
        main,
        login_token,
        corporation,
        alliance,
    })
}

impl Store {
    /// The characters of `account`.
    pub async fn character_details_of_account(
        &self,
        account: AccountId,
    ) -> Result<Vec<CharacterDetails>> {
        const OF_ACCOUNT: &str = concatcp!(SELECT, "c.account_id = $1");
        self.character_details_where(OF_ACCOUNT, account.get())
            .await
    }

    /// The characters Jumpgate knows in `corporation` (from affiliation data).
    pub async fn character_details_in_corporation(
        &self,
        corporation: CorporationId,
    ) -> Result<Vec<CharacterDetails>> {
        const IN_CORPORATION: &str = concatcp!(SELECT, "c.corporation_id = $1");
        self.character_details_where(IN_CORPORATION, corporation.get())
            .await
    }

    /// The characters of `SELECT` with a condition on one id (`$1`).
    async fn character_details_where(
        &self,
        sql: &'static str,
        id: i64,
    ) -> Result<Vec<CharacterDetails>> {
        on_db!(self, |db| sqlx::query(sql)
            .bind(id)
            .bind(EveLogin::DEFAULT)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_details)
            .collect())
    }

    /// The characters among `ids` that exist.
    pub async fn character_details_by_ids(
        &self,
        ids: &[CharacterId],
    ) -> Result<Vec<CharacterDetails>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        const BY_IDS: Dialects = where_in_ids!(SELECT, "c.id");
        let ids = IdList::new(ids.iter().map(|id| id.get()));
        on_db!(self, |db| sqlx::query(db.sql(&BY_IDS))
            .bind(ids)
            .bind(EveLogin::DEFAULT)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_details)
            .collect())
    }
}
