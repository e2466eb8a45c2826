//! What administrators read about accounts and characters (`admin.users`): searching them, an
//! account's direct permissions and the characters that left accounts. Changing permissions is
//! in `states::permissions`; states in `states::admin`.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::versioned::Versioned;
use jumpgate_domain::AccountId;
use jumpgate_domain::account::{Character, RemovedCharacter};
use jumpgate_domain::permissions::Permission;
use jumpgate_store::AccountSummary;
use std::collections::BTreeSet;

const ACCOUNT_LIST_COUNTER: &str = "account_list";

/// Every account in the administrators' list's order, each with its characters' names in lower
/// case, kept while the `account_list` counter stays the same.
pub type AccountListCache = Versioned<Vec<(AccountSummary, Vec<String>)>>;

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
    ) -> AppResult<Vec<AccountSummary>> {
        caller.require(Permission::ADMIN_USERS)?;
        let version = self.store().change_counter(ACCOUNT_LIST_COUNTER).await?;
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
        Ok(all
            .iter()
            .filter(|(_, names)| part.is_empty() || names.iter().any(|n| n.contains(&part)))
            .take(usize::try_from(limit).unwrap_or(0))
            .map(|(summary, _)| summary.clone())
            .collect())
    }

    /// Characters whose name contains `query`, at most `limit`. Needs `admin.users`.
    pub async fn search_characters(
        &self,
        caller: &Caller,
        query: &str,
        limit: i64,
    ) -> AppResult<Vec<Character>> {
        caller.require(Permission::ADMIN_USERS)?;
        Ok(self.store().search_characters(query.trim(), limit).await?)
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
