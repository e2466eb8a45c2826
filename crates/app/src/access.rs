//! An account's access follows its characters. Whenever they change (a login, an alt added,
//! removed or moved, the affiliation sweep) or the rules do (a state or a group edited), its
//! state and the groups its rules give are recomputed together, here: `states` decides the
//! state, `groups::automatic` the memberships the rules give and take.

use crate::App;
use crate::error::AppResult;
use jumpgate_domain::AccountId;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::groups::Group;
use jumpgate_domain::states::{Affiliation, State};

/// The rules an account's access is computed from, read once for a sweep over many accounts.
pub(crate) struct AccessRules {
    pub(crate) states: Vec<State>,
    /// Every group; empty when no group has rules (nothing to recompute).
    pub(crate) groups: Vec<Group>,
}

/// What a recomputation changed for the accounts it covered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recomputed {
    /// Accounts whose state changed.
    pub changed: usize,
    /// Accounts that joined or left a group by its rules.
    pub groups_changed: usize,
}

impl App {
    pub(crate) async fn access_rules(&self) -> AppResult<AccessRules> {
        let states = self.store().states().await?;
        let catalogue = self.group_catalogue(None).await?;
        let groups = if catalogue.iter().any(|g| g.rules != Default::default()) {
            catalogue.to_vec()
        } else {
            Vec::new()
        };
        Ok(AccessRules { states, groups })
    }

    /// Recomputes one account's state and rule-given groups, recording every change. Returns
    /// what changed.
    pub(crate) async fn recompute_access(
        &self,
        account: AccountId,
        actor: &Actor,
    ) -> AppResult<Recomputed> {
        let rules = self.access_rules().await?;
        self.recompute_access_with(account, &rules, actor).await
    }

    /// As `recompute_access`, with the rules already read (for sweeps over every account).
    pub(crate) async fn recompute_access_with(
        &self,
        account: AccountId,
        rules: &AccessRules,
        actor: &Actor,
    ) -> AppResult<Recomputed> {
        let Some(acc) = self.store().account(account).await? else {
            return Ok(Recomputed::default());
        };
        let affiliations: Vec<Affiliation> = self
            .store()
            .characters_of(account)
            .await?
            .iter()
            .map(|c| Affiliation {
                character: c.id,
                corporation: c.corporation,
                alliance: c.alliance,
                faction: c.faction,
            })
            .collect();
        let state_changed = self
            .recompute_state_of(&acc, &affiliations, &rules.states, actor)
            .await?;
        let groups_changed = self
            .apply_group_rules(account, &affiliations, &rules.groups, actor)
            .await?;
        Ok(Recomputed {
            changed: usize::from(state_changed),
            groups_changed: usize::from(groups_changed),
        })
    }

    /// Recomputes every account (after a state's or a group's rules changed).
    pub(crate) async fn recompute_all_access(&self, actor: &Actor) -> AppResult<Recomputed> {
        let rules = self.access_rules().await?;
        let mut total = Recomputed::default();
        for account in self.store().account_ids().await? {
            let one = self.recompute_access_with(account, &rules, actor).await?;
            total.changed += one.changed;
            total.groups_changed += one.groups_changed;
        }
        Ok(total)
    }
}
