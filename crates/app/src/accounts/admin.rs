//! What administrators read about accounts and characters (`admin.users`): searching them, an
//! account's direct permissions and the characters that left accounts. Changing permissions is
//! in `states::permissions`; states in `states::admin`.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::AccountId;
use jumpgate_domain::account::{Character, RemovedCharacter};
use jumpgate_domain::permissions::Permission;
use jumpgate_store::AccountSummary;
use std::collections::BTreeSet;

impl App {
    /// Accounts whose main's or any character's name contains `query` (all when empty), by main
    /// name, at most `limit`. Needs `admin.users`.
    pub async fn search_accounts(
        &self,
        caller: &Caller,
        query: &str,
        limit: i64,
    ) -> AppResult<Vec<AccountSummary>> {
        caller.require(Permission::ADMIN_USERS)?;
        Ok(self.store().search_accounts(query.trim(), limit, 0).await?)
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
