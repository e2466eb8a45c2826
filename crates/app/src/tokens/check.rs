//! The token check run now (`jumpgate tokens check [--character ID]`, and the periodic job
//! `check-tokens`): refresh what is due (or one character's tokens, whatever their expiry), then
//! judge the deactivation of the accounts that may have changed (ADR 0029). Only a definitive
//! `invalid_grant` marks a token invalid; a token that could not be checked because EVE's login
//! was down keeps its last verdict, so the pass after an outage deactivates nobody.

use super::RefreshOutcome;
use crate::App;
use crate::caller::Caller;
use crate::deactivation::DeactivationPass;
use crate::error::{AppError, AppResult};
use jumpgate_domain::CharacterId;
use jumpgate_domain::account::TokenStatus;
use std::collections::BTreeMap;

/// How many due tokens one check refreshes at most.
pub const TOKENS_PER_CHECK: i64 = 5_000;

/// What a token check did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenCheck {
    /// Tokens checked, by outcome (`refreshed`, `stillfresh`, `invalidated`, `held`,
    /// `deferred`, …).
    pub outcomes: BTreeMap<String, u64>,
    /// What the deactivation pass after it did.
    pub deactivation: DeactivationPass,
}

impl TokenCheck {
    pub fn checked(&self) -> u64 {
        self.outcomes.values().sum()
    }
}

impl App {
    /// Checks the tokens that are due (or every valid token of `character`, refreshed whatever
    /// its expiry: "check this one now"), then judges deactivation: every account that may have
    /// something to judge, or `character`'s account. Background work and the command line.
    pub async fn check_tokens_now(
        &self,
        caller: &Caller,
        character: Option<CharacterId>,
    ) -> AppResult<TokenCheck> {
        caller.require_background()?;
        let Some(character) = character else {
            let outcomes = self.check_tokens(caller, TOKENS_PER_CHECK).await?;
            let deactivation = self.judge_all_deactivations(&caller.actor()).await?;
            return Ok(TokenCheck {
                outcomes,
                deactivation,
            });
        };
        let known = self.store().character(character).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "Jumpgate knows no character {character}: it must log in once first"
            ))
        })?;
        let mut outcomes = BTreeMap::new();
        for token in self.store().tokens_of_character(character).await? {
            if token.status != TokenStatus::Valid {
                continue;
            }
            let key = outcome_key(&self.refresh(&token, true).await?);
            *outcomes.entry(key).or_insert(0) += 1;
        }
        let mut deactivation = DeactivationPass {
            judged: 1,
            ..Default::default()
        };
        let transitions = self
            .judge_deactivation(known.account, &caller.actor())
            .await?;
        deactivation.count(&transitions);
        Ok(TokenCheck {
            outcomes,
            deactivation,
        })
    }
}

/// The counts' name of an outcome.
pub(crate) fn outcome_key(outcome: &RefreshOutcome) -> String {
    match outcome {
        RefreshOutcome::Deferred(_) => "deferred".to_owned(),
        other => format!("{other:?}").to_lowercase(),
    }
}
