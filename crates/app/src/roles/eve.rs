//! The CEO and Director roles, read from EVE: a character its corporation's `ceo_id` names holds
//! the CEO role, one whose corporation roles include Director the Director role, for the
//! corporations administrators chose (`LeadingEntities`). Recomputed with an account's state and
//! groups (`access.rs`): at login, when characters move, and when a corporation's CEO changes in
//! the names refresh (`follow_ceo_change`) or a character's roles are read anew
//! (`refresh_corporation_roles`).

use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::roles::{LeadingEntities, Role, derived_roles};
use jumpgate_domain::states::Affiliation;
use jumpgate_domain::tracking::TRACKING_LOGIN;
use jumpgate_domain::{AccountId, CharacterId, EveLogin, ScopeSet};
use secrecy::ExposeSecret;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// The scope `GET /characters/{id}/roles` needs.
pub const ROLES_SCOPE: &str = "esi-characters.read_corporation_roles.v1";
/// The EVE login a Director grants so that Jumpgate sees the role.
pub const LEADERSHIP_LOGIN: &str = "core.leadership";

/// The EVE login that lets Jumpgate read a character's corporation roles.
pub fn leadership_login() -> EveLogin {
    EveLogin {
        name: LEADERSHIP_LOGIN.to_owned(),
        description: "Let Jumpgate see your corporation roles (Directors hold their role here)"
            .to_owned(),
        scopes: ScopeSet::new(["publicData", ROLES_SCOPE]),
    }
}

/// What the EVE roles' recompute reads once for a sweep over many accounts.
#[derive(Debug, Clone, Default)]
pub(crate) struct EveRoleRules {
    pub(crate) leading: LeadingEntities,
    /// The roles from EVE each account holds now.
    pub(crate) held: BTreeMap<AccountId, BTreeSet<Role>>,
}

/// What a roles read did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RolesRead {
    pub characters: usize,
    pub directors: usize,
    pub failed: usize,
}

impl App {
    pub(crate) async fn eve_role_rules(&self) -> AppResult<EveRoleRules> {
        let leading = self.store().role_catalogue().await?.leading;
        let mut held: BTreeMap<AccountId, BTreeSet<Role>> = BTreeMap::new();
        for h in self.store().role_holders().await? {
            if h.role.kind().is_derived() {
                held.entry(h.account).or_default().insert(h.role);
            }
        }
        Ok(EveRoleRules { leading, held })
    }

    /// Brings `account`'s CEO and Director roles in line with what EVE last said, auditing
    /// each change. Reads nothing more when none of its characters is in a leading corporation
    /// and it holds no such role. Returns whether anything changed.
    pub(crate) async fn recompute_eve_roles(
        &self,
        account: AccountId,
        characters: &[Affiliation],
        rules: &EveRoleRules,
        actor: &Actor,
    ) -> AppResult<bool> {
        let held = rules.held.get(&account);
        let leads = characters
            .iter()
            .any(|c| rules.leading.includes(c.corporation, c.alliance));
        if !leads && held.is_none_or(BTreeSet::is_empty) {
            return Ok(false);
        }
        let wanted = if leads {
            derived_roles(&self.store().leadership_of(account).await?, &rules.leading)
        } else {
            BTreeSet::new()
        };
        let wanted_roles: BTreeSet<Role> = wanted.iter().map(|(r, _)| *r).collect();
        if held.is_some_and(|h| *h == wanted_roles) || (held.is_none() && wanted.is_empty()) {
            return Ok(false);
        }
        let mut tx = self.store().transaction().await?;
        let changes = tx.replace_eve_roles(account, &wanted).await?;
        for (role, character) in &changes.gained {
            audit_in(
                &mut tx,
                actor.clone(),
                "role.appointed",
                account_target(account),
                json!({"role": role.key(), "role_name": role.kind().label(), "source": "eve", "character": character}),
            )
            .await?;
        }
        for role in &changes.lost {
            audit_in(
                &mut tx,
                actor.clone(),
                "role.dismissed",
                account_target(account),
                json!({"role": role.key(), "role_name": role.kind().label(), "source": "eve", "cause": "eve"}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(!changes.is_empty())
    }

    /// After the names refresh saw a corporation's CEO change: the accounts of the old and the
    /// new CEO are recomputed at once, so the role moves with that refresh.
    pub(crate) async fn follow_ceo_change(
        &self,
        characters: &[CharacterId],
        actor: &Actor,
    ) -> AppResult<()> {
        let mut accounts = BTreeSet::new();
        for id in characters {
            if let Some(c) = self.store().character(*id).await? {
                accounts.insert(c.account);
            }
        }
        for account in accounts {
            self.recompute_access(account, actor).await?;
        }
        Ok(())
    }

    /// Reads the corporation roles of every character in a leading corporation that granted
    /// the leadership login (or member tracking's, which holds the same scope), and recomputes
    /// the accounts whose Director role changed. Background work (the job `refresh-corporation-roles`). A character whose
    /// roles cannot be read now keeps what was last read: an outage takes nobody's role.
    pub async fn refresh_corporation_roles(&self, caller: &Caller) -> AppResult<RolesRead> {
        caller.require_background()?;
        let actor = caller.actor();
        let leading = self.store().role_catalogue().await?.leading;
        let mut read = RolesRead::default();
        if leading.corporations.is_empty() && leading.alliances.is_empty() {
            return Ok(read);
        }
        let mut changed_accounts = BTreeSet::new();
        let characters: Vec<CharacterId> = (self.store().character_accounts().await?)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        // A Director's tracking token holds the roles scope too: one read per character.
        let mut tokens = Vec::new();
        for login in [LEADERSHIP_LOGIN, TRACKING_LOGIN] {
            tokens.extend(self.store().tokens_of_login(login, &characters).await?);
        }
        let mut seen = BTreeSet::new();
        tokens.retain(|t| seen.insert(t.character));
        for token in tokens {
            let Some(character) = self.store().character(token.character).await? else {
                continue;
            };
            if !leading.includes(character.corporation, character.alliance) {
                continue;
            }
            read.characters += 1;
            let roles = match self.read_roles(&token).await {
                Ok(roles) => roles,
                // Nothing is written: what was last read stands (an outage takes no role).
                Err(e) => {
                    tracing::info!(character = character.id.get(), error = %e, "corporation roles not read now: kept as they were");
                    read.failed += 1;
                    continue;
                }
            };
            let is_director = roles.iter().any(|r| r == "Director");
            read.directors += usize::from(is_director);
            let before = self
                .store()
                .leadership_of(character.account)
                .await?
                .into_iter()
                .find(|l| l.character == character.id)
                .is_some_and(|l| l.is_director);
            self.store()
                .record_corporation_roles(character.id, character.corporation, is_director)
                .await?;
            if before != is_director {
                changed_accounts.insert(character.account);
            }
        }
        for account in changed_accounts {
            self.recompute_access(account, &actor).await?;
        }
        Ok(read)
    }

    async fn read_roles(&self, token: &jumpgate_store::TokenRecord) -> AppResult<Vec<String>> {
        let access = self.access_token_of(token).await?;
        let roles = self
            .esi()
            .character_roles(token.character, access.expose_secret())
            .await?;
        Ok(roles.value.roles)
    }
}
