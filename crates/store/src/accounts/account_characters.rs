//! An account and its characters with what the member's pages show about each (its corporation
//! and alliance, its tokens) and its deactivation episode, in one read.
//!
//! The account page, the member's standings page and the contact sync page each showed an
//! account's few characters from three to six queries (the account, characters, tokens,
//! corporations, alliances); on SQLite every statement is a hand-off to the connection's
//! thread, and a page's cost follows its statement count (ADR 0023). So one statement joins
//! them: a row per character and token (a character without tokens has one row, an account
//! without characters one row), grouped here. The statement is the same
//! on both backends but for the name order (`by_name_in_byte_order!`).

use super::account::read_account;
use super::characters::read_character;
use super::orgs::{read_alliance, read_corporation};
use crate::db::{Cols, Dialects, Prefixed, by_name_in_byte_order, on_db};
use crate::deactivation::read_episode;
use crate::tokens::read_token;
use crate::{AllianceInfo, CorporationInfo, Result, Store, TokenRecord};
use const_format::concatcp;
use jumpgate_domain::AccountId;
use jumpgate_domain::account::{Account, Character};
use jumpgate_domain::deactivation::Episode;

/// An account with its characters (the main first, then by name).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountWithCharacters {
    pub account: Account,
    pub characters: Vec<AccountCharacter>,
    /// Its deactivation episode, when one is open (ADR 0029).
    pub deactivation: Option<Episode>,
}

/// One of an account's characters with its organisations and tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountCharacter {
    pub character: Character,
    /// `None` until the corporation's name was fetched from ESI.
    pub corporation: Option<CorporationInfo>,
    /// `None` without an alliance, or until its name was fetched.
    pub alliance: Option<AllianceInfo>,
    /// Every login's token, by login.
    pub tokens: Vec<TokenRecord>,
}

/// The account's columns carry the prefix `account_` (its id is also the characters'
/// `account_id`), the characters' keep their names (the characters reader reads them), the
/// other joined tables' carry the table's prefix (read through `Prefixed`). The corporation's
/// and the alliance's ids are the character's `corporation_id` and `alliance_id` they were
/// joined on.
const SELECT: &str = concatcp!(
    "SELECT a.id AS account_id, a.main_character_id AS account_main_character_id,
         a.superuser AS account_superuser, a.state AS account_state, a.email AS account_email,
         a.email_verified AS account_email_verified, a.timezone AS account_timezone,
         a.created_at AS account_created_at, a.status AS account_status,
         d.since AS deactivation_since, d.deactivated_at AS deactivation_deactivated_at,
         d.mail_sent_at AS deactivation_mail_sent_at,
         c.id, c.name, c.owner_hash, c.corporation_id, c.alliance_id, c.faction_id, c.added_at,
         c.last_checked_at, ",
    ORGANISATION_COLS,
    ",
         t.id AS token_id, t.character_id AS token_character_id, t.login AS token_login,
         t.access_token AS token_access_token, t.refresh_token AS token_refresh_token,
         t.expires_at AS token_expires_at, t.scopes AS token_scopes,
         t.owner_hash AS token_owner_hash, t.status AS token_status,
         t.status_reason AS token_status_reason, t.created_at AS token_created_at,
         t.last_checked_at AS token_last_checked_at
     FROM accounts a
     LEFT JOIN account_deactivations d ON d.account_id = a.id
     LEFT JOIN characters c ON c.account_id = a.id
     LEFT JOIN corporations co ON co.id = c.corporation_id
     LEFT JOIN alliances al ON al.id = c.alliance_id
     LEFT JOIN tokens t ON t.character_id = c.id
     WHERE a.id = $1
     ORDER BY CASE WHEN c.id = a.main_character_id THEN 0 ELSE 1 END, "
);

/// A character's corporation (`co`, joined on `c.corporation_id`) and alliance (`al`, joined on
/// `c.alliance_id`), their columns prefixed `corporation_` and `alliance_` (read with
/// `organisations`).
pub(super) const ORGANISATION_COLS: &str =
    "co.name AS corporation_name, co.ticker AS corporation_ticker,
         co.alliance_id AS corporation_alliance_id, co.member_count AS corporation_member_count,
         co.ceo_id AS corporation_ceo_id,
         co.expires_at AS corporation_expires_at,
         al.name AS alliance_name, al.ticker AS alliance_ticker,
         al.expires_at AS alliance_expires_at";

/// The corporation and alliance of `ORGANISATION_COLS`, each `None` until ESI named it.
pub(super) fn organisations<R: Cols>(
    r: &R,
) -> Result<(Option<CorporationInfo>, Option<AllianceInfo>)> {
    Ok((
        joined(r, "corporation_", "name", read_corporation)?,
        joined(r, "alliance_", "name", read_alliance)?,
    ))
}

/// The main first, then by name (as `Store::characters_of`); each character's tokens by login.
const ACCOUNT_WITH_CHARACTERS: Dialects =
    by_name_in_byte_order!(SELECT, "c.name", ", c.id, t.login, t.id");

/// The joined table's part of a row (its columns prefixed `prefix`), `None` when the join found
/// no row (its `present` column, NOT NULL in the table, is NULL).
pub(super) fn joined<'r, R: Cols, T>(
    r: &'r R,
    prefix: &'static str,
    present: &str,
    read: impl FnOnce(&Prefixed<'r, R>) -> Result<T>,
) -> Result<Option<T>> {
    let part = Prefixed { prefix, row: r };
    match part.get::<Option<String>>(present)? {
        Some(_) => read(&part).map(Some),
        None => Ok(None),
    }
}

/// One row: the account, and a character (without its tokens yet) and the token it joined, if
/// any (an account without characters has one row with neither).
struct Row {
    account: Account,
    deactivation: Option<Episode>,
    character: Option<AccountCharacter>,
    token: Option<TokenRecord>,
}

fn read_row<R: Cols>(r: &R) -> Result<Row> {
    let account = read_account(&Prefixed {
        prefix: "account_",
        row: r,
    })?;
    let episode = Prefixed {
        prefix: "deactivation_",
        row: r,
    };
    let deactivation = match episode.time_opt("since")? {
        Some(_) => Some(read_episode(&episode)?),
        None => None,
    };
    if r.get::<Option<i64>>("id")?.is_none() {
        return Ok(Row {
            account,
            deactivation,
            character: None,
            token: None,
        });
    }
    let (corporation, alliance) = organisations(r)?;
    Ok(Row {
        account,
        deactivation,
        character: Some(AccountCharacter {
            character: read_character(r)?,
            corporation,
            alliance,
            tokens: Vec::new(),
        }),
        token: joined(r, "token_", "login", read_token)?,
    })
}

impl Store {
    /// An account with its characters (the main first, then by name), each with its
    /// corporation, alliance and tokens: one statement, kept on SQLite until the next commit
    /// (ADR 0034). `None` if the account does not exist.
    pub async fn account_with_characters(
        &self,
        account: AccountId,
    ) -> Result<Option<AccountWithCharacters>> {
        self.kept_until_commit(
            |kept| &kept.accounts,
            &account,
            |_| true,
            || self.read_account_with_characters(account),
        )
        .await
    }

    /// The read of `account_with_characters`, from the database.
    async fn read_account_with_characters(
        &self,
        account: AccountId,
    ) -> Result<Option<AccountWithCharacters>> {
        let rows = on_db!(self, |db| sqlx::query(db.sql(&ACCOUNT_WITH_CHARACTERS))
            .bind(account.get())
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(read_row)
            .collect::<Result<Vec<_>>>()?);
        let mut found: Option<AccountWithCharacters> = None;
        for row in rows {
            let found = found.get_or_insert_with(|| AccountWithCharacters {
                account: row.account,
                characters: Vec::new(),
                deactivation: row.deactivation,
            });
            let Some(character) = row.character else {
                continue;
            };
            let characters = &mut found.characters;
            if characters
                .last()
                .is_none_or(|last| last.character.id != character.character.id)
            {
                characters.push(character);
            }
            if let (Some(token), Some(last)) = (row.token, characters.last_mut()) {
                last.tokens.push(token);
            }
        }
        Ok(found)
    }
}
