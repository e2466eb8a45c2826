//! Recomputing an account's state from its characters' affiliations.
//!
//! Beside it, as in the store's `states.rs`: `admin` (creating and changing states) and
//! `permissions` (the grants that make a `Caller`, granting and revoking).

pub mod admin;
pub mod permissions;

use crate::App;
use crate::audit::{account_target, audit_in};
use crate::error::AppResult;
use jumpgate_domain::AccountId;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::states::{Affiliation, GUEST, State, resolve_state};
use serde_json::json;

impl App {
    /// Recomputes and stores an account's state; records a change in the audit log.
    /// Returns the new state name.
    pub(crate) async fn recompute_state(
        &self,
        account: AccountId,
        actor: &Actor,
    ) -> AppResult<String> {
        let states = self.store().states().await?;
        self.recompute_state_with(account, &states, actor).await
    }

    /// As `recompute_state`, with the states already loaded (for sweeps over every account).
    pub(crate) async fn recompute_state_with(
        &self,
        account: AccountId,
        states: &[State],
        actor: &Actor,
    ) -> AppResult<String> {
        let Some(acc) = self.store().account(account).await? else {
            return Ok(GUEST.to_owned());
        };
        let characters = self.store().characters_of(account).await?;
        let affiliations: Vec<Affiliation> = characters
            .iter()
            .map(|c| Affiliation {
                character: c.id,
                corporation: c.corporation,
                alliance: c.alliance,
                faction: c.faction,
            })
            .collect();
        let main = acc
            .main_character
            .and_then(|m| affiliations.iter().find(|a| a.character == m));
        let new_state = resolve_state(
            states,
            self.settings().accounts.state_match,
            main,
            &affiliations,
        )
        .map_or(GUEST, |s| s.name.as_str())
        .to_owned();
        if new_state != acc.state {
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
            metrics::counter!("account_state_changes_total", "to" => new_state.clone())
                .increment(1);
            self.revalidate_standings_after(account, "state changed")
                .await;
        }
        Ok(new_state)
    }
}
