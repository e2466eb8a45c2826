//! The SSO safety valve's rule: when does a run of "this token is dead" answers mean that EVE's
//! SSO (or our configuration) is broken rather than that players revoked? Alliance Auth once
//! deactivated whole alliances during an SSO outage; the valve exists so Jumpgate never does.
//!
//! The rule judges the *recent* answers, not a share over a long window: a share of invalid
//! answers among the last ten minutes is diluted by the successes before an outage began (after
//! 800 successes an outage would invalidate some 200 tokens before a 20 % share is reached). An
//! invalid answer counts as recent while fewer than [`ValveRule::recent_answers`] successful
//! refreshes (by any instance) came after it, within [`ValveRule::window`]. When the recent
//! invalid answers, this one included, concern [`ValveRule::accounts_to_trip`] different
//! accounts, the valve trips: a burst of `invalid_grant` across unrelated accounts is an outage.
//! So after any number of successes an outage invalidates at most `accounts_to_trip - 1` tokens;
//! a single revocation among successes is acted on, and so are several of one account's
//! characters (one player revoking the application).

use crate::{AccountId, CharacterId};
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

/// When the valve trips (`AppSettings::safety_valve`; there is no configuration section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValveRule {
    /// An invalid answer stops counting once this many refreshes succeeded after it.
    pub recent_answers: i64,
    /// ... or once it is this old.
    pub window: Duration,
    /// Recent invalid answers about this many different accounts trip the valve.
    pub accounts_to_trip: usize,
}

impl Default for ValveRule {
    fn default() -> Self {
        Self {
            recent_answers: 20,
            window: Duration::minutes(10),
            accounts_to_trip: 3,
        }
    }
}

/// One "this token is dead" answer, as the valve remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshFailure {
    pub at: OffsetDateTime,
    pub character: CharacterId,
    /// The account the character was on (`None`: it was on none any more).
    pub account: Option<AccountId>,
    /// Successful refreshes (by every instance) counted before this answer.
    pub successes_before: i64,
}

impl RefreshFailure {
    /// Whose answer it was: the account, else the character alone.
    fn whose(&self) -> (bool, i64) {
        match self.account {
            Some(a) => (true, a.get()),
            None => (false, self.character.get()),
        }
    }
}

/// What to do with an invalid answer while the valve is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// A revocation: mark the token invalid.
    Invalidate,
    /// An outage: keep the token and trip the valve. `since` is the first recent invalid answer
    /// (where the evidence starts).
    Trip { since: OffsetDateTime },
}

impl ValveRule {
    /// Judges `this` invalid answer given the invalid answers recorded before it (`earlier`, any
    /// order, old ones included) and the successes counted so far (`successes`), at `this.at`.
    pub fn judge(
        &self,
        earlier: &[RefreshFailure],
        this: &RefreshFailure,
        successes: i64,
    ) -> Judgement {
        let recent: Vec<&RefreshFailure> = earlier
            .iter()
            .filter(|f| self.is_recent(f, this.at, successes))
            .chain(std::iter::once(this))
            .collect();
        let accounts: BTreeSet<(bool, i64)> = recent.iter().map(|f| f.whose()).collect();
        if accounts.len() >= self.accounts_to_trip {
            let since = recent.iter().map(|f| f.at).min().unwrap_or(this.at);
            Judgement::Trip { since }
        } else {
            Judgement::Invalidate
        }
    }

    /// Whether `f` still counts at `now` with `successes` counted.
    pub fn is_recent(&self, f: &RefreshFailure, now: OffsetDateTime, successes: i64) -> bool {
        f.at > now - self.window && successes - f.successes_before < self.recent_answers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH + Duration::hours(400_000) + Duration::minutes(minute)
    }

    fn failure(account: i64, minute: i64, successes_before: i64) -> RefreshFailure {
        RefreshFailure {
            at: at(minute),
            character: CharacterId(90_000_000 + account),
            account: Some(AccountId(account)),
            successes_before,
        }
    }

    /// Feeds `answers` (true: success) through the rule as the app does, returning how many
    /// invalid answers were acted on before it tripped, and whether it tripped.
    fn run(rule: &ValveRule, answers: &[(bool, i64)]) -> (usize, bool) {
        let (mut successes, mut failures, mut invalidated) = (0, Vec::new(), 0);
        for (i, (ok, account)) in answers.iter().enumerate() {
            if *ok {
                successes += 1;
                continue;
            }
            let f = failure(*account, i64::try_from(i).unwrap_or(0) / 1000, successes);
            match rule.judge(&failures, &f, successes) {
                Judgement::Invalidate => invalidated += 1,
                Judgement::Trip { .. } => return (invalidated, true),
            }
            failures.push(f);
        }
        (invalidated, false)
    }

    #[test]
    fn an_outage_after_800_successes_invalidates_two_tokens_then_trips() {
        let mut answers: Vec<(bool, i64)> = (0..800).map(|i| (true, i)).collect();
        answers.extend((1..=50).map(|account| (false, account)));
        assert_eq!(run(&ValveRule::default(), &answers), (2, true));
    }

    #[test]
    fn single_revocations_among_successes_are_all_acted_on() {
        let mut answers = Vec::new();
        for account in 1..=30 {
            answers.extend((0..25).map(|_| (true, 0)));
            answers.push((false, account));
        }
        assert_eq!(run(&ValveRule::default(), &answers), (30, false));
    }

    #[test]
    fn one_player_revoking_all_their_characters_is_not_an_outage() {
        let answers: Vec<(bool, i64)> = (0..12).map(|_| (false, 7)).collect();
        assert_eq!(run(&ValveRule::default(), &answers), (12, false));
    }

    #[test]
    fn two_accounts_never_trip_but_a_third_does() {
        let rule = ValveRule::default();
        let earlier = [failure(1, 0, 100), failure(2, 1, 105)];
        assert_eq!(
            rule.judge(&earlier, &failure(1, 2, 110), 110),
            Judgement::Invalidate
        );
        assert_eq!(
            rule.judge(&earlier, &failure(3, 2, 110), 110),
            Judgement::Trip { since: at(0) }
        );
    }

    #[test]
    fn an_answer_stops_counting_after_enough_successes_or_time() {
        let rule = ValveRule::default();
        let earlier = [failure(1, 0, 100), failure(2, 1, 105)];
        // 20 successes after the first: it no longer counts.
        assert_eq!(
            rule.judge(&earlier, &failure(3, 2, 120), 120),
            Judgement::Invalidate
        );
        // Ten minutes after the first: the same.
        assert_eq!(
            rule.judge(&earlier, &failure(3, 10, 110), 110),
            Judgement::Invalidate
        );
    }

    #[test]
    fn a_character_without_an_account_counts_as_its_own() {
        let rule = ValveRule::default();
        let lone = |c: i64| RefreshFailure {
            at: at(0),
            character: CharacterId(c),
            account: None,
            successes_before: 0,
        };
        assert_eq!(
            rule.judge(&[lone(1), lone(2)], &lone(3), 0),
            Judgement::Trip { since: at(0) }
        );
    }
}
