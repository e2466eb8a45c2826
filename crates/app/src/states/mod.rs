//! An account's state from its characters' affiliations (`access` recomputes it with the
//! groups' rules whenever either changes).
//!
//! Beside it, as in the store's `states.rs`: `admin` (creating and changing states) and
//! `permissions` (the grants that make a `Caller`, granting and revoking).

pub mod admin;
pub mod permissions;

use crate::App;
use crate::audit::{account_target, audit_in};
use crate::error::AppResult;
use jumpgate_domain::account::Account;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::states::{Affiliation, GUEST, State, resolve_state};
use serde_json::json;

impl App {
    /// Stores the state `account` gets from its characters' `affiliations`; records a change in
    /// the audit log. Returns whether it changed. (`access` calls it with the groups' rules.)
    pub(crate) async fn recompute_state_of(
        &self,
        acc: &Account,
        affiliations: &[Affiliation],
        states: &[State],
        actor: &Actor,
    ) -> AppResult<(bool, String)> {
        let account = acc.id;
        let main = acc
            .main_character
            .and_then(|m| affiliations.iter().find(|a| a.character == m));
        let new_state = resolve_state(
            states,
            self.settings().accounts.state_match,
            main,
            affiliations,
        )
        .map_or(GUEST, |s| s.name.as_str())
        .to_owned();
        if new_state == acc.state {
            return Ok((false, new_state));
        }
        let mut tx = self.store().transaction().await?;
        tx.set_account_state(account, &new_state).await?;
        audit_in(
            &mut tx,
            actor.clone(),
            "account.state_changed",
            account_target(account),
            json!({"from": acc.state, "to": new_state}),
        )
        .await?;
        tx.commit().await?;
        metrics::counter!("account_state_changes_total", "to" => new_state.clone()).increment(1);
        self.revalidate_standings_after(account, "state changed")
            .await;
        Ok((true, new_state))
    }
}
