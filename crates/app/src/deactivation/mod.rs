//! Soft deactivation (ADR 0029): an account whose character lost its login token is deactivated
//! after `[deactivation] delay_hours`; its groups stop counting but are kept, and logging in
//! again with the character reactivates it at once. `domain::deactivation` decides; this judges
//! an account when something may have changed it (a token declared dead, a login, the periodic
//! token check, a status change) and writes what changed, audited, in one transaction. The
//! grants query reads the stored episode (`account_deactivations`), so a deactivation counts on
//! the account's next request on every instance.
//!
//! Beside it: `mail` (the one mail of an episode) and `settings` (`[deactivation]`).

pub mod mail;
pub mod settings;

pub use settings::DeactivationSettings;

use crate::App;
use crate::audit::{account_target, audit_in};
use crate::error::AppResult;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::deactivation::{
    CharacterToken, Deactivation, DeactivationRules, Episode, TokenHealth, Transition,
};
use jumpgate_domain::states::Affiliation;
use jumpgate_domain::{AccountId, CharacterId, EveLogin};
use jumpgate_store::AccountCharacter;
use serde_json::json;
use time::OffsetDateTime;

/// What a pass over the accounts to judge did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeactivationPass {
    /// Accounts judged.
    pub judged: usize,
    /// Episodes begun (a bad token seen).
    pub begun: usize,
    /// Accounts deactivated.
    pub deactivated: usize,
    /// Episodes ended (all tokens valid again, or no longer covered).
    pub ended: usize,
}

impl DeactivationPass {
    pub(crate) fn count(&mut self, transitions: &[Transition]) {
        for t in transitions {
            match t {
                Transition::Begun { .. } => self.begun += 1,
                Transition::Deactivated => self.deactivated += 1,
                Transition::Ended { .. } => self.ended += 1,
            }
        }
    }
}

/// An account's deactivation, as its pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeactivationView {
    /// `no`, `soon` (with when) or `yes` (since when).
    pub state: Deactivation,
    /// Whether the rule is on at all (`[deactivation] groups_require_valid_token`).
    pub enabled: bool,
    /// Its characters whose login token is missing or not valid, by name.
    pub bad_characters: Vec<(CharacterId, String)>,
    /// When the episode's mail went out.
    pub mail_sent_at: Option<OffsetDateTime>,
}

impl App {
    pub(crate) fn deactivation_rules(&self) -> DeactivationRules {
        self.settings().deactivation.rules()
    }

    /// Where `account` stands, for the use cases that checked their caller (the mail). The
    /// pages read it with the account (`AccountView::deactivation`).
    pub(crate) async fn deactivation_of(&self, account: AccountId) -> AppResult<DeactivationView> {
        let found = self.store().account_with_characters(account).await?;
        Ok(match found {
            Some(f) => self.deactivation_view(f.deactivation.as_ref(), &f.characters),
            None => self.deactivation_view(None, &[]),
        })
    }

    /// An account's deactivation from its episode and its characters with their tokens (what
    /// the account pages read in one statement anyway).
    pub(crate) fn deactivation_view(
        &self,
        episode: Option<&Episode>,
        characters: &[AccountCharacter],
    ) -> DeactivationView {
        let rules = self.deactivation_rules();
        let bad_characters = match episode {
            // Nothing to renew while no episode is open.
            None => Vec::new(),
            Some(_) => character_tokens(characters)
                .iter()
                .zip(characters)
                .filter(|(t, _)| t.token != TokenHealth::Valid)
                .map(|(_, c)| (c.character.id, c.character.name.clone()))
                .collect(),
        };
        DeactivationView {
            state: rules.state(episode),
            enabled: rules.groups_require_valid_token,
            bad_characters,
            mail_sent_at: episode.and_then(|e| e.mail_sent_at),
        }
    }

    /// Whether anyone may be deactivated now: not while the SSO safety valve is tripped (the
    /// answers that tripped it may have cost a token or two that EVE's outage, not its owner,
    /// lost; ADR 0021). Reactivation is never held back.
    async fn may_deactivate(&self) -> AppResult<bool> {
        Ok(!self.store().safety_valve().await?.is_tripped())
    }

    /// Judges `account` now and writes what changed (the episode and its audit entries, in one
    /// transaction). Returns what changed.
    pub(crate) async fn judge_deactivation(
        &self,
        account: AccountId,
        actor: &Actor,
    ) -> AppResult<Vec<Transition>> {
        let may_deactivate = self.may_deactivate().await?;
        self.judge_deactivation_with(account, may_deactivate, actor)
            .await
    }

    /// `judge_deactivation` where a failure must not fail what asked (a login, a token check):
    /// it is logged, and the next periodic pass judges the account again.
    pub(crate) async fn judge_deactivation_quietly(&self, account: AccountId, actor: &Actor) {
        if let Err(e) = self.judge_deactivation(account, actor).await {
            tracing::warn!(account = account.get(), error = %e, "could not judge an account's deactivation");
        }
    }

    async fn judge_deactivation_with(
        &self,
        account: AccountId,
        may_deactivate: bool,
        actor: &Actor,
    ) -> AppResult<Vec<Transition>> {
        // The account, its episode, its characters and their tokens: one statement.
        let Some(found) = self.store().account_with_characters(account).await? else {
            return Ok(Vec::new());
        };
        let rules = self.deactivation_rules();
        let stored = found.deactivation;
        // Nothing to judge and nothing to end: the rule is off and no episode is open.
        if stored.is_none() && !rules.groups_require_valid_token {
            return Ok(Vec::new());
        }
        let characters = character_tokens(&found.characters);
        let now = self.now();
        let after = rules.judge(
            found.account.status,
            &characters,
            stored.as_ref(),
            now,
            may_deactivate,
        );
        let same = match (&stored, &after) {
            (Some(b), Some(a)) => b.since == a.since && b.deactivated_at == a.deactivated_at,
            (None, None) => true,
            _ => false,
        };
        if same {
            return Ok(Vec::new());
        }
        let transitions = rules.transitions(stored.as_ref(), after.as_ref());
        let bad: Vec<i64> = characters
            .iter()
            .filter(|c| c.token != TokenHealth::Valid)
            .map(|c| c.affiliation.character.get())
            .collect();
        let mut tx = self.store().transaction().await?;
        tx.save_deactivation(account, after.as_ref()).await?;
        for t in &transitions {
            let (action, details) = transition_entry(t, &bad, after.as_ref());
            audit_in(
                &mut tx,
                actor.clone(),
                action,
                account_target(account),
                details,
            )
            .await?;
        }
        tx.commit().await?;
        for t in &transitions {
            metrics::counter!("account_deactivation_transitions_total", "transition" => transition_label(t))
                .increment(1);
        }
        Ok(transitions)
    }

    /// Judges every account that may have something to judge (an episode, or a bad token while
    /// the rule is on): with the periodic token check and `jumpgate tokens check`.
    pub(crate) async fn judge_all_deactivations(
        &self,
        actor: &Actor,
    ) -> AppResult<DeactivationPass> {
        let rules = self.deactivation_rules();
        let login = rules
            .groups_require_valid_token
            .then_some(EveLogin::DEFAULT);
        let may_deactivate = self.may_deactivate().await?;
        let mut pass = DeactivationPass::default();
        for account in self.store().deactivation_candidates(login).await? {
            let transitions = self
                .judge_deactivation_with(account, may_deactivate, actor)
                .await?;
            pass.judged += 1;
            pass.count(&transitions);
        }
        Ok(pass)
    }
}

/// The audit entry of a transition: action and details (the characters whose token is bad).
fn transition_entry(
    t: &Transition,
    bad: &[i64],
    after: Option<&Episode>,
) -> (&'static str, serde_json::Value) {
    match t {
        Transition::Begun { at } => (
            "account.deactivation_pending",
            json!({"characters": bad, "deactivated_at": rfc3339(*at)}),
        ),
        Transition::Deactivated => (
            "account.deactivated",
            json!({"characters": bad, "since": after.and_then(|e| e.deactivated_at).map(rfc3339)}),
        ),
        Transition::Ended { was_deactivated } => (
            if *was_deactivated {
                "account.reactivated"
            } else {
                "account.deactivation_cancelled"
            },
            json!({"was_deactivated": was_deactivated}),
        ),
    }
}

fn transition_label(t: &Transition) -> &'static str {
    match t {
        Transition::Begun { .. } => "pending",
        Transition::Deactivated => "deactivated",
        Transition::Ended { .. } => "ended",
    }
}

/// Every character with where it is and how its login token (`core.default`) stands: missing,
/// valid, or declared dead (invalid, revoked). What the judgement and the pages both read.
fn character_tokens(characters: &[AccountCharacter]) -> Vec<CharacterToken> {
    characters
        .iter()
        .map(|c| CharacterToken {
            affiliation: Affiliation {
                character: c.character.id,
                corporation: c.character.corporation,
                alliance: c.character.alliance,
                faction: c.character.faction,
            },
            token: match c.tokens.iter().find(|t| t.login == EveLogin::DEFAULT) {
                None => TokenHealth::Missing,
                Some(t) if t.status == TokenStatus::Valid => TokenHealth::Valid,
                Some(_) => TokenHealth::Invalid,
            },
        })
        .collect()
}

/// A time as the audit log's details write it.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}
