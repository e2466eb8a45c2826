//! Accounts and their characters as the application API reads them (Neucore's `app-chars`
//! endpoints): a character's main, account and alts, an account's characters, the characters
//! that left an account or came to it, and who is in a corporation.
//!
//! Neucore's "player" is Jumpgate's account: a player's id is the account's id and its name the
//! account's main's name (the last main's once every character left). Neucore lets an
//! application with `app-chars` read every account, whatever its groups, and so does Jumpgate.
//!
//! Who is who by name comes from what the API keeps (`apps::directory`'s roster), so the
//! endpoints that answer ids and names cost no query while nothing changed; those that answer
//! whole characters (their login token's state changes without a change counter) read them in
//! one statement.

use crate::App;
use crate::apps::directory::Roster;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::groups::for_apps::{character_not_found, within_bulk_limit};
use jumpgate_domain::apps::AppRole;
use jumpgate_domain::apps::neucore;
use jumpgate_domain::{AccountId, CharacterId, CorporationId};
use jumpgate_store::CharacterDetails;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// An account as the application API names it (Neucore's `Player` with only `id` and `name`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Player {
    pub id: AccountId,
    pub name: String,
}

/// An account with all its characters, by name.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerWithCharacters {
    pub player: Player,
    pub characters: Vec<CharacterDetails>,
}

/// A character that left an account, in Neucore's terms (its `RemovedCharacter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharacterRemoval {
    /// The account it left.
    pub player: Player,
    pub character: CharacterId,
    pub character_name: String,
    pub removed_at: OffsetDateTime,
    /// One of Neucore's reasons (`neucore::removal_reason`).
    pub reason: &'static str,
    /// Who deleted it, for a deletion by a person.
    pub deleted_by: Option<Player>,
    /// The account it moved to, for a move.
    pub new_player: Option<Player>,
}

/// Neucore's reason phrase for an account Jumpgate does not know.
pub fn player_not_found() -> AppError {
    AppError::NotFound("Player not found.".to_owned())
}

impl Roster {
    fn player(&self, id: AccountId) -> Player {
        Player {
            id,
            name: self
                .accounts
                .get(&id)
                .map(|a| a.name.clone())
                .unwrap_or_default(),
        }
    }

    /// The account of a character Jumpgate knows; "Character not found." otherwise.
    fn account_of(&self, character: CharacterId) -> AppResult<AccountId> {
        self.characters
            .get(&character)
            .copied()
            .ok_or_else(character_not_found)
    }
}

/// `ids` without repetitions, in the order given (Neucore answers each id once).
fn unique(ids: &[CharacterId]) -> Vec<CharacterId> {
    let mut seen = BTreeSet::new();
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// Neucore's order for characters: by name (case-insensitively first, as Jumpgate's pages),
/// then id.
fn by_name(mut characters: Vec<CharacterDetails>) -> Vec<CharacterDetails> {
    characters.sort_by_cached_key(|d| {
        (
            d.character.name.to_lowercase(),
            d.character.name.clone(),
            d.character.id,
        )
    });
    characters
}

impl App {
    /// The main of `character`'s account; `None` when the account has none. Needs
    /// `app-chars`; "Character not found." for a character Jumpgate does not know.
    pub async fn main_character_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<Option<CharacterDetails>> {
        caller.require_app_role(AppRole::Chars)?;
        let (_, characters) = self.account_of_character(caller, character).await?;
        Ok(characters.into_iter().find(|d| d.main))
    }

    /// The account `character` is on, by id and name. Needs `app-chars`; "Character not
    /// found." for a character Jumpgate does not know.
    pub async fn player_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<Player> {
        caller.require_app_role(AppRole::Chars)?;
        let roster = self.roster(caller).await?;
        Ok(roster.player(roster.account_of(character)?))
    }

    /// The account of each of `characters` that Jumpgate knows, with the character (the same
    /// account once per character; unknown ids skipped, repeated ones answered once), by
    /// account, then character, as Neucore orders them. Needs `app-chars`; at most
    /// `MAX_CHARACTERS_PER_CALL` ids.
    pub async fn players_for_app(
        &self,
        caller: &Caller,
        characters: &[CharacterId],
    ) -> AppResult<Vec<(Player, CharacterId)>> {
        caller.require_app_role(AppRole::Chars)?;
        within_bulk_limit(characters)?;
        let roster = self.roster(caller).await?;
        let mut found: Vec<(AccountId, CharacterId)> = unique(characters)
            .into_iter()
            .filter_map(|c| Some((*roster.characters.get(&c)?, c)))
            .collect();
        found.sort();
        Ok(found
            .into_iter()
            .map(|(account, c)| (roster.player(account), c))
            .collect())
    }

    /// Every character of `character`'s account, by name. Needs `app-chars`; "Character not
    /// found." for a character Jumpgate does not know.
    pub async fn account_characters_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<Vec<CharacterDetails>> {
        caller.require_app_role(AppRole::Chars)?;
        let (_, characters) = self.account_of_character(caller, character).await?;
        Ok(by_name(characters))
    }

    /// For each account that one of `characters` is on (unknown ids skipped), the ids of all
    /// its characters: accounts by id, each one's characters by id. Needs `app-chars`; at most
    /// `MAX_CHARACTERS_PER_CALL` ids.
    pub async fn accounts_characters_for_app(
        &self,
        caller: &Caller,
        characters: &[CharacterId],
    ) -> AppResult<Vec<Vec<CharacterId>>> {
        caller.require_app_role(AppRole::Chars)?;
        within_bulk_limit(characters)?;
        let roster = self.roster(caller).await?;
        let accounts: BTreeSet<AccountId> = characters
            .iter()
            .filter_map(|c| roster.characters.get(c).copied())
            .collect();
        Ok(accounts
            .into_iter()
            .filter_map(|a| Some(roster.accounts.get(&a)?.characters.clone()))
            .collect())
    }

    /// The characters among `characters` that Jumpgate knows (repeated ones once), by id.
    /// Needs `app-chars`; at most `MAX_CHARACTERS_PER_CALL` ids.
    pub async fn character_list_for_app(
        &self,
        caller: &Caller,
        characters: &[CharacterId],
    ) -> AppResult<Vec<CharacterDetails>> {
        caller.require_app_role(AppRole::Chars)?;
        within_bulk_limit(characters)?;
        let mut found = self
            .store()
            .character_details_by_ids(&unique(characters))
            .await?;
        found.sort_by_key(|d| d.character.id);
        Ok(found)
    }

    /// Every character of `account`, by name. Needs `app-chars`; "Player not found." for an
    /// account that does not exist.
    pub async fn player_characters_for_app(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> AppResult<Vec<CharacterDetails>> {
        caller.require_app_role(AppRole::Chars)?;
        let roster = self.roster(caller).await?;
        let known = roster.accounts.get(&account).ok_or_else(player_not_found)?;
        if known.characters.is_empty() {
            return Ok(Vec::new());
        }
        let characters = self.store().character_details_of_account(account).await?;
        Ok(by_name(characters))
    }

    /// The account `character` is on with all its characters (by name). Needs `app-chars`;
    /// "Character not found." for a character Jumpgate does not know.
    pub async fn player_with_characters_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<PlayerWithCharacters> {
        caller.require_app_role(AppRole::Chars)?;
        let (player, characters) = self.account_of_character(caller, character).await?;
        Ok(PlayerWithCharacters {
            player,
            characters: by_name(characters),
        })
    }

    /// The account `character` is on with its characters (unordered), in one statement;
    /// "Character not found." for a character Jumpgate does not know.
    async fn account_of_character(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<(Player, Vec<CharacterDetails>)> {
        let roster = self.roster(caller).await?;
        let account = roster.account_of(character)?;
        let characters = self.store().character_details_of_account(account).await?;
        Ok((roster.player(account), characters))
    }

    /// The characters that left `character`'s account (moved elsewhere or deleted), oldest
    /// first. Needs `app-chars`; "Character not found." for a character Jumpgate does not know.
    pub async fn removed_characters_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<Vec<CharacterRemoval>> {
        caller.require_app_role(AppRole::Chars)?;
        self.account_history_for_app(caller, character, |account, r| r.from_account == account)
            .await
    }

    /// The characters that came to `character`'s account from another account, oldest first.
    /// Needs `app-chars`; "Character not found." for a character Jumpgate does not know.
    pub async fn incoming_characters_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<Vec<CharacterRemoval>> {
        caller.require_app_role(AppRole::Chars)?;
        self.account_history_for_app(caller, character, |account, r| {
            r.to_account == Some(account)
        })
        .await
    }

    /// The removals of `character`'s account that `keep` keeps, in Neucore's terms.
    async fn account_history_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
        keep: impl Fn(AccountId, &jumpgate_domain::account::RemovedCharacter) -> bool,
    ) -> AppResult<Vec<CharacterRemoval>> {
        let roster = self.roster(caller).await?;
        let account = roster.account_of(character)?;
        let removals = self.store().account_removals(account).await?;
        Ok(removals
            .iter()
            .filter(|r| keep(account, r))
            .map(|r| CharacterRemoval {
                player: roster.player(r.from_account),
                character: r.character,
                character_name: r.character_name.clone(),
                removed_at: r.removed_at,
                reason: neucore::removal_reason(r),
                deleted_by: neucore::deleted_by(r).map(|a| roster.player(a)),
                new_player: r.to_account.map(|a| roster.player(a)),
            })
            .collect())
    }

    /// The accounts with at least one character in `corporation`, by name (then id); none for
    /// a corporation Jumpgate knows nobody in. Needs `app-chars`.
    pub async fn corporation_players_for_app(
        &self,
        caller: &Caller,
        corporation: CorporationId,
    ) -> AppResult<Vec<Player>> {
        caller.require_app_role(AppRole::Chars)?;
        let roster = self.roster(caller).await?;
        let accounts: BTreeMap<AccountId, Player> = roster
            .corporations
            .get(&corporation)
            .into_iter()
            .flatten()
            .filter_map(|c| roster.characters.get(c))
            .map(|&account| (account, roster.player(account)))
            .collect();
        let mut players: Vec<Player> = accounts.into_values().collect();
        players.sort_by_cached_key(|p| (p.name.to_lowercase(), p.name.clone(), p.id));
        Ok(players)
    }

    /// The characters Jumpgate knows in `corporation`, by name. Needs `app-chars`.
    pub async fn corporation_characters_for_app(
        &self,
        caller: &Caller,
        corporation: CorporationId,
    ) -> AppResult<Vec<CharacterDetails>> {
        caller.require_app_role(AppRole::Chars)?;
        if !self
            .roster(caller)
            .await?
            .corporations
            .contains_key(&corporation)
        {
            return Ok(Vec::new());
        }
        let characters = self
            .store()
            .character_details_in_corporation(corporation)
            .await?;
        Ok(by_name(characters))
    }
}
