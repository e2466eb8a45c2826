//! An account's access follows its characters. Whenever they change (a login, an alt added,
//! removed or moved, the affiliation sweep) or the rules do (a state or a group edited), its
//! state, the groups its rules give (by the account's status: a managed account gets no
//! automatic group) and the roles EVE gives (CEO, Director) are recomputed together, here:
//! `states` decides the state, `groups::automatic` the memberships the rules give and take,
//! `roles::eve` the leadership roles.

use crate::App;
use crate::error::AppResult;
use crate::roles::eve::EveRoleRules;
use jumpgate_domain::AccountId;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::groups::{Group, RuleChanges};
use jumpgate_domain::states::{Affiliation, State};
use std::sync::Arc;

/// The rules an account's access is computed from, read once for a sweep over many accounts.
pub(crate) struct AccessRules {
    pub(crate) states: Vec<State>,
    /// Every group (the kept catalogue); empty when no group has rules (nothing to recompute).
    pub(crate) groups: Arc<Vec<Group>>,
    pub(crate) eve_roles: EveRoleRules,
}

/// How many accounts' rule-given groups a sweep over every account writes per transaction: one
/// commit per account made the first pass over 10,000 accounts take 13 s on SQLite.
const RULE_WRITES_PER_TRANSACTION: usize = 200;

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
            catalogue
        } else {
            Arc::default()
        };
        let eve_roles = self.eve_role_rules().await?;
        Ok(AccessRules {
            states,
            groups,
            eve_roles,
        })
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
        let (state_changed, groups) = self.access_changes(account, rules, actor).await?;
        let mut recomputed = Recomputed {
            changed: usize::from(state_changed),
            groups_changed: 0,
        };
        if let Some(changes) = groups {
            self.write_group_rule_changes(&[(account, changes)], &rules.groups, actor)
                .await?;
            recomputed.groups_changed = 1;
        }
        Ok(recomputed)
    }

    /// Stores `account`'s new state (if it changed) and returns whether it did, with what the
    /// groups' rules change for it (not written yet).
    async fn access_changes(
        &self,
        account: AccountId,
        rules: &AccessRules,
        actor: &Actor,
    ) -> AppResult<(bool, Option<RuleChanges>)> {
        let Some(acc) = self.store().account(account).await? else {
            return Ok((false, None));
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
        let (state_changed, state) = self
            .recompute_state_of(&acc, &affiliations, &rules.states, actor)
            .await?;
        self.recompute_eve_roles(account, &affiliations, &rules.eve_roles, actor)
            .await?;
        let groups = self
            .group_rule_changes(account, acc.status, &state, &affiliations, &rules.groups)
            .await?;
        Ok((state_changed, groups))
    }

    /// Recomputes every account (after a state's or a group's rules changed): states one by
    /// one, rule-given groups written `RULE_WRITES_PER_TRANSACTION` accounts at a time.
    pub(crate) async fn recompute_all_access(&self, actor: &Actor) -> AppResult<Recomputed> {
        let rules = self.access_rules().await?;
        let mut total = Recomputed::default();
        let mut pending = Vec::new();
        for account in self.store().account_ids().await? {
            let (state_changed, groups) = self.access_changes(account, &rules, actor).await?;
            total.changed += usize::from(state_changed);
            if let Some(changes) = groups {
                pending.push((account, changes));
            }
            if pending.len() == RULE_WRITES_PER_TRANSACTION {
                self.write_group_rule_changes(&pending, &rules.groups, actor)
                    .await?;
                total.groups_changed += pending.len();
                pending.clear();
            }
        }
        self.write_group_rule_changes(&pending, &rules.groups, actor)
            .await?;
        total.groups_changed += pending.len();
        Ok(total)
    }
}
