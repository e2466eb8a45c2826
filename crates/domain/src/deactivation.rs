//! Soft deactivation (Neucore's "groups require a valid token"): when a character of an account
//! has lost its login token, the account is *deactivated* after a delay. Its groups stop
//! counting (their permissions leave the grants) but are kept, so that logging in again with the
//! character gives everything back at once.
//!
//! The rules here are pure: which accounts the rule covers, and what an account's episode (from
//! the first bad token seen to all tokens valid again) becomes at a given time. The app decides
//! when to ask (token checks, logins) and writes what changed.
//!
//! Only a token the SSO answered `invalid_grant` for is bad (`TokenHealth::Invalid`): a token
//! that could not be checked because EVE's login was down keeps its last verdict (`Valid`), so an
//! outage deactivates nobody.

use crate::account::AccountStatus;
use crate::ids::{AllianceId, CorporationId};
use crate::states::Affiliation;
use std::collections::BTreeSet;
use time::{Duration, OffsetDateTime};

/// The operator's settings, as the rules read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeactivationRules {
    /// Whether groups require a valid token at all (off: nobody is ever deactivated).
    pub groups_require_valid_token: bool,
    /// How long a token may be bad before the account is deactivated.
    pub delay: Duration,
    /// The rule covers accounts with a character in one of these alliances…
    pub alliances: BTreeSet<AllianceId>,
    /// …or in one of these corporations.
    pub corporations: BTreeSet<CorporationId>,
}

/// What a character's login token says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenHealth {
    /// Valid as far as anyone knows (also while EVE's login is down: the last verdict holds).
    Valid,
    /// EVE's login said it is dead (`invalid_grant`), or it was revoked.
    Invalid,
    /// The character has no login token at all.
    Missing,
}

/// One character of an account: where it is and how its login token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharacterToken {
    pub affiliation: Affiliation,
    pub token: TokenHealth,
}

/// An account's current episode: from the first bad token seen until every token is valid
/// again. Stored per account; none while all is well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    /// When a bad token was first seen.
    pub since: OffsetDateTime,
    /// When the account was deactivated (the delay had passed); `None` while it is not yet.
    pub deactivated_at: Option<OffsetDateTime>,
    /// When the episode's one mail went out; `None` while it has not.
    pub mail_sent_at: Option<OffsetDateTime>,
}

/// Where an account stands, as pages and (later) the application API say it:
/// `deactivated: no | soon | yes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deactivation {
    /// Its groups count.
    No,
    /// A token is bad: its groups stop counting at `at` unless it logs in again.
    Soon { at: OffsetDateTime },
    /// Its groups do not count since `since` (they are kept).
    Yes { since: OffsetDateTime },
}

impl Deactivation {
    /// `no`, `soon` or `yes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::No => "no",
            Self::Soon { .. } => "soon",
            Self::Yes { .. } => "yes",
        }
    }

    pub fn is_deactivated(self) -> bool {
        matches!(self, Self::Yes { .. })
    }
}

/// What a new judgement changed, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// A bad token was seen: deactivation at `at` unless it is fixed.
    Begun { at: OffsetDateTime },
    /// The delay passed: its groups stop counting.
    Deactivated,
    /// Every token is valid again, or the rule no longer covers the account: the episode ends
    /// (`was_deactivated`: its groups count again).
    Ended { was_deactivated: bool },
}

impl DeactivationRules {
    /// Whether the rule covers an account of `status` with these characters: the feature is on,
    /// the account is standard (a managed one is never deactivated), and a character is in one
    /// of the configured alliances or corporations.
    pub fn covers(&self, status: AccountStatus, characters: &[CharacterToken]) -> bool {
        self.groups_require_valid_token
            && status == AccountStatus::Standard
            && characters.iter().any(|c| {
                let a = &c.affiliation;
                self.corporations.contains(&a.corporation)
                    || a.alliance.is_some_and(|al| self.alliances.contains(&al))
            })
    }

    /// The account's episode at `now`, from the one `stored` before. `may_deactivate`: false
    /// while the SSO safety valve is tripped (an outage may have cost a token or two before it
    /// tripped): an episode may begin, but nobody is deactivated until an administrator has
    /// looked; reactivation is never held back.
    pub fn judge(
        &self,
        status: AccountStatus,
        characters: &[CharacterToken],
        stored: Option<&Episode>,
        now: OffsetDateTime,
        may_deactivate: bool,
    ) -> Option<Episode> {
        let bad = characters.iter().any(|c| c.token != TokenHealth::Valid);
        if !bad || !self.covers(status, characters) {
            return None;
        }
        let mut episode = stored.copied().unwrap_or(Episode {
            since: now,
            deactivated_at: None,
            mail_sent_at: None,
        });
        if episode.deactivated_at.is_none() && may_deactivate && now >= episode.since + self.delay {
            episode.deactivated_at = Some(now);
        }
        Some(episode)
    }

    /// Where an account with `episode` stands.
    pub fn state(&self, episode: Option<&Episode>) -> Deactivation {
        match episode {
            None => Deactivation::No,
            Some(Episode {
                deactivated_at: Some(since),
                ..
            }) => Deactivation::Yes { since: *since },
            Some(e) => Deactivation::Soon {
                at: e.since + self.delay,
            },
        }
    }

    /// What changed from `before` to `after` (at most one thing at a time but for an episode
    /// that begins already past its delay: begun, then deactivated).
    pub fn transitions(
        &self,
        before: Option<&Episode>,
        after: Option<&Episode>,
    ) -> Vec<Transition> {
        match (before, after) {
            (None, None) => Vec::new(),
            (Some(b), None) => vec![Transition::Ended {
                was_deactivated: b.deactivated_at.is_some(),
            }],
            (b, Some(a)) => {
                let mut out = Vec::new();
                if b.is_none() {
                    out.push(Transition::Begun {
                        at: a.since + self.delay,
                    });
                }
                if a.deactivated_at.is_some() && b.is_none_or(|b| b.deactivated_at.is_none()) {
                    out.push(Transition::Deactivated);
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CharacterId;

    const ALLIANCE: AllianceId = AllianceId(99_000_001);
    const CORP: CorporationId = CorporationId(98_000_001);
    const ELSEWHERE: CorporationId = CorporationId(98_000_009);

    fn rules() -> DeactivationRules {
        DeactivationRules {
            groups_require_valid_token: true,
            delay: Duration::hours(24),
            alliances: [ALLIANCE].into(),
            corporations: BTreeSet::new(),
        }
    }

    fn character(id: i64, alliance: Option<AllianceId>, token: TokenHealth) -> CharacterToken {
        CharacterToken {
            affiliation: Affiliation {
                character: CharacterId(id),
                corporation: if alliance.is_some() { CORP } else { ELSEWHERE },
                alliance,
                faction: None,
            },
            token,
        }
    }

    fn t0() -> OffsetDateTime {
        time::macros::datetime!(2026-12-06 12:00 UTC)
    }

    const STANDARD: AccountStatus = AccountStatus::Standard;

    #[test]
    fn a_bad_token_deactivates_only_after_the_delay_and_a_valid_one_ends_the_episode() {
        let r = rules();
        // The alt outside the alliance has lost its token; the main is in the alliance.
        let account = [
            character(1, Some(ALLIANCE), TokenHealth::Valid),
            character(2, None, TokenHealth::Invalid),
        ];
        let begun = r.judge(STANDARD, &account, None, t0(), true).unwrap();
        assert_eq!(begun.since, t0());
        assert_eq!(
            r.state(Some(&begun)),
            Deactivation::Soon {
                at: t0() + Duration::hours(24)
            }
        );
        assert_eq!(
            r.transitions(None, Some(&begun)),
            [Transition::Begun {
                at: t0() + Duration::hours(24)
            }]
        );
        let later = t0() + Duration::hours(23);
        let still = r
            .judge(STANDARD, &account, Some(&begun), later, true)
            .unwrap();
        assert_eq!(still, begun, "not before the delay");
        assert!(r.transitions(Some(&begun), Some(&still)).is_empty());

        let after = t0() + Duration::hours(24);
        let off = r
            .judge(STANDARD, &account, Some(&still), after, true)
            .unwrap();
        assert_eq!(r.state(Some(&off)), Deactivation::Yes { since: after });
        assert_eq!(
            r.transitions(Some(&still), Some(&off)),
            [Transition::Deactivated]
        );

        let fixed = [
            character(1, Some(ALLIANCE), TokenHealth::Valid),
            character(2, None, TokenHealth::Valid),
        ];
        assert_eq!(r.judge(STANDARD, &fixed, Some(&off), after, true), None);
        assert_eq!(
            r.transitions(Some(&off), None),
            [Transition::Ended {
                was_deactivated: true
            }]
        );
    }

    #[test]
    fn a_missing_token_counts_as_bad() {
        let account = [character(1, Some(ALLIANCE), TokenHealth::Missing)];
        assert!(
            rules()
                .judge(STANDARD, &account, None, t0(), true)
                .is_some()
        );
    }

    #[test]
    fn nobody_is_covered_when_the_feature_is_off_the_account_managed_or_outside_the_alliances() {
        let bad_in_alliance = [character(1, Some(ALLIANCE), TokenHealth::Invalid)];
        let off = DeactivationRules {
            groups_require_valid_token: false,
            ..rules()
        };
        assert_eq!(
            off.judge(STANDARD, &bad_in_alliance, None, t0(), true),
            None
        );
        assert_eq!(
            rules().judge(AccountStatus::Managed, &bad_in_alliance, None, t0(), true),
            None,
            "a managed account is never deactivated"
        );
        let outside = [character(1, None, TokenHealth::Invalid)];
        assert_eq!(rules().judge(STANDARD, &outside, None, t0(), true), None);
        // By corporation as well as by alliance.
        let by_corp = DeactivationRules {
            alliances: BTreeSet::new(),
            corporations: [ELSEWHERE].into(),
            ..rules()
        };
        assert!(
            by_corp
                .judge(STANDARD, &outside, None, t0(), true)
                .is_some()
        );
    }

    #[test]
    fn an_episode_begun_earlier_ends_when_the_rule_stops_covering_the_account() {
        let account = [character(1, Some(ALLIANCE), TokenHealth::Invalid)];
        let begun = rules().judge(STANDARD, &account, None, t0(), true).unwrap();
        assert_eq!(
            rules().judge(AccountStatus::Managed, &account, Some(&begun), t0(), true),
            None
        );
    }

    #[test]
    fn while_the_safety_valve_is_tripped_nobody_is_deactivated_but_the_episode_keeps_its_start() {
        let r = rules();
        let account = [character(1, Some(ALLIANCE), TokenHealth::Invalid)];
        let begun = r.judge(STANDARD, &account, None, t0(), true).unwrap();
        let much_later = t0() + Duration::hours(48);
        let held = r
            .judge(STANDARD, &account, Some(&begun), much_later, false)
            .unwrap();
        assert_eq!(held.deactivated_at, None);
        assert_eq!(held.since, t0());
        let cleared = r
            .judge(STANDARD, &account, Some(&held), much_later, true)
            .unwrap();
        assert_eq!(cleared.deactivated_at, Some(much_later));
    }

    #[test]
    fn a_zero_delay_deactivates_at_once_and_says_both() {
        let r = DeactivationRules {
            delay: Duration::ZERO,
            ..rules()
        };
        let account = [character(1, Some(ALLIANCE), TokenHealth::Invalid)];
        let off = r.judge(STANDARD, &account, None, t0(), true).unwrap();
        assert_eq!(
            r.transitions(None, Some(&off)),
            [Transition::Begun { at: t0() }, Transition::Deactivated]
        );
        assert_eq!(Deactivation::No.as_str(), "no");
        assert_eq!(r.state(Some(&off)).as_str(), "yes");
    }

    #[test]
    fn the_mail_sent_stays_with_its_episode() {
        let r = rules();
        let account = [character(1, Some(ALLIANCE), TokenHealth::Invalid)];
        let mut begun = r.judge(STANDARD, &account, None, t0(), true).unwrap();
        begun.mail_sent_at = Some(t0());
        let later = r
            .judge(
                STANDARD,
                &account,
                Some(&begun),
                t0() + Duration::hours(1),
                true,
            )
            .unwrap();
        assert_eq!(later.mail_sent_at, Some(t0()));
        // A new episode after the end starts without a mail.
        let again = r.judge(STANDARD, &account, None, t0(), true).unwrap();
        assert_eq!(again.mail_sent_at, None);
    }
}
