//! What administrators read about accounts and characters (`admin.users`): searching them, an
//! account's direct permissions and the characters that left accounts. Changing permissions is
//! in `states::permissions`; states in `states::admin`.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::versioned::Versioned;
use jumpgate_domain::AccountId;
use jumpgate_domain::account::RemovedCharacter;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{AccountSummary, ListedCharacter};
use std::collections::BTreeSet;
use std::sync::Arc;

const ACCOUNT_LIST_COUNTER: &str = "account_list";

/// Every account in the administrators' list's order, each with its characters' names in lower
/// case, kept while the `account_list` counter stays the same.
pub type AccountListCache = Versioned<AccountList>;

/// Every account in the administrators' list's order, each with its characters' names in lower
/// case (what it is searched by).
pub type AccountList = Vec<(AccountSummary, Vec<String>)>;

/// What a search of the administrators' list found.
#[derive(Debug, Clone)]
pub struct AccountSearch {
    /// The whole list: the same `Arc` while nothing it shows changed (what is rendered from it
    /// may be kept with it).
    pub all: Arc<AccountList>,
    /// Where the accounts found are in `all`, in order.
    pub found: Vec<usize>,
}

impl AccountSearch {
    pub fn accounts(&self) -> impl Iterator<Item = &AccountSummary> {
        self.found
            .iter()
            .filter_map(|&i| self.all.get(i))
            .map(|(summary, _)| summary)
    }
}

/// How many of the characters that left accounts lately the character search lists.
pub const REMOVALS_LISTED: i64 = 100;

/// Every character by name, each with its name in lower case (what it is searched by), and the
/// latest characters that left accounts, kept while the `account_list` counter stays the same
/// (it also follows characters' corporations and alliances and the removals: migration 0017 /
/// 0018).
pub type CharacterListCache = Versioned<CharacterList>;

/// What the administrators' character search shows and searches.
#[derive(Debug, Clone)]
pub struct CharacterList {
    /// By name, each with its name in lower case.
    pub characters: Vec<(ListedCharacter, String)>,
    /// Newest first, at most [`REMOVALS_LISTED`].
    pub removed: Vec<RemovedCharacter>,
}

/// What a search of the characters found.
#[derive(Debug, Clone)]
pub struct CharacterSearch {
    /// The whole list: the same `Arc` while nothing it shows changed (what is rendered from it
    /// may be kept with it).
    pub all: Arc<CharacterList>,
    /// Where the characters found are in `all.characters`, in order.
    pub found: Vec<usize>,
}

impl CharacterSearch {
    pub fn characters(&self) -> impl Iterator<Item = &ListedCharacter> {
        self.found
            .iter()
            .filter_map(|&i| self.all.characters.get(i))
            .map(|(character, _)| character)
    }
}

impl App {
    /// Accounts whose main's or any character's name contains `query` in any case (all when
    /// empty), by main name, at most `limit`. Needs `admin.users`.
    ///
    /// Administrators open and search the list far more often than accounts change, so each
    /// process keeps every account with its characters' names, in the list's order, while the
    /// `account_list` change counter stays the same (bumped by triggers with every write of what
    /// the list shows, on any instance; ADR 0010), and searches that: a view reads the counter.
    pub async fn search_accounts(
        &self,
        caller: &Caller,
        query: &str,
        limit: i64,
    ) -> AppResult<AccountSearch> {
        caller.require(Permission::ADMIN_USERS)?;
        let version = self
            .change_counter_seen_by(caller, ACCOUNT_LIST_COUNTER)
            .await?;
        let all = self
            .account_list_cache()
            .get_or_read(version, || async {
                Ok(self
                    .store()
                    .account_list()
                    .await?
                    .into_iter()
                    .map(|a| {
                        let names = a.character_names.iter().map(|n| n.to_lowercase()).collect();
                        (a.summary, names)
                    })
                    .collect())
            })
            .await?;
        let part = query.trim().to_lowercase();
        let found = positions(all.iter(), limit, |(_, names)| {
            part.is_empty() || names.iter().any(|n| n.contains(&part))
        });
        Ok(AccountSearch { all, found })
    }

    /// Characters whose name contains `query` in any case (none when it is empty), by name, at
    /// most `limit`, with the latest characters that left accounts. Needs `admin.users`.
    ///
    /// As the accounts list: each process keeps every character (and the latest removals) while
    /// the `account_list` change counter stays the same (bumped by triggers with every write of
    /// what either list shows, on any instance; ADR 0010), and searches that: a view reads the
    /// counter.
    pub async fn search_characters(
        &self,
        caller: &Caller,
        query: &str,
        limit: i64,
    ) -> AppResult<CharacterSearch> {
        caller.require(Permission::ADMIN_USERS)?;
        let version = self
            .change_counter_seen_by(caller, ACCOUNT_LIST_COUNTER)
            .await?;
        let all = self
            .character_list_cache()
            .get_or_read(version, || async {
                let characters = self
                    .store()
                    .character_list()
                    .await?
                    .into_iter()
                    .map(|c| {
                        let name = c.name.to_lowercase();
                        (c, name)
                    })
                    .collect();
                let removed = self
                    .store()
                    .removed_characters(None, REMOVALS_LISTED)
                    .await?;
                Ok(CharacterList {
                    characters,
                    removed,
                })
            })
            .await?;
        let part = query.trim().to_lowercase();
        let found = if part.is_empty() {
            Vec::new()
        } else {
            positions(all.characters.iter(), limit, |(_, name)| {
                name.contains(&part)
            })
        };
        Ok(CharacterSearch { all, found })
    }

    /// The permissions granted to `account` directly (not through its state). Needs
    /// `admin.users`.
    pub async fn direct_permissions(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> AppResult<BTreeSet<String>> {
        caller.require(Permission::ADMIN_USERS)?;
        Ok(self.store().account_permissions(account).await?)
    }

    /// Characters that left an account (`account`'s only, when given), newest first. Needs
    /// `admin.users`.
    pub async fn removed_characters(
        &self,
        caller: &Caller,
        account: Option<AccountId>,
        limit: i64,
    ) -> AppResult<Vec<RemovedCharacter>> {
        caller.require(Permission::ADMIN_USERS)?;
        Ok(self.store().removed_characters(account, limit).await?)
    }
}

/// Where the first `limit` items that match are in `items`, in order: what a search of a kept
/// list returns, so that what is rendered from the list can be kept with it.
fn positions<'a, T: 'a>(
    items: impl Iterator<Item = &'a T>,
    limit: i64,
    matches: impl Fn(&T) -> bool,
) -> Vec<usize> {
    items
        .enumerate()
        .filter(|(_, item)| matches(item))
        .map(|(i, _)| i)
        .take(usize::try_from(limit).unwrap_or(0))
        .collect()
}
