//! Corporation coverage: when may a corporation hold a standing?
//!
//! A corporation standing covers every member, so the organisation wants to know who those
//! members are. The rule is a setting; whichever is chosen, ESI's `member_count` is the truth:
//! members Jumpgate does not know at all count as not covered, so a corporation cannot qualify by
//! keeping alts out of Jumpgate. The report names every known member that is missing, so the page
//! can say exactly who still has to register (or fix a token).

use crate::ids::CharacterId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Which members must be covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CoverageRule {
    /// The requester owns every member, each registered with a valid token carrying the required
    /// scopes (standingsrequests' rule: a one-person corporation of alts).
    OwnsAll,
    /// Every member is registered in Jumpgate (by anyone) with a valid token carrying the
    /// required scopes (standingsmanager's rule).
    AllRegistered,
    /// At least this percentage (1 … 100) of the members is registered with a valid token
    /// carrying the required scopes; the required count is rounded up (80 % of 11 → 9).
    Percent(u8),
}

impl CoverageRule {
    /// A percentage rule; refuses 0 and values above 100.
    pub fn percent(p: u8) -> Result<Self, InvalidCoverageRule> {
        if (1..=100).contains(&p) {
            Ok(Self::Percent(p))
        } else {
            Err(InvalidCoverageRule(format!("percent:{p}")))
        }
    }

    /// Reads `owns_all`, `all_registered` or `percent:N` (N from 1 to 100).
    pub fn parse(s: &str) -> Result<Self, InvalidCoverageRule> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "owns_all" => Ok(Self::OwnsAll),
            "all_registered" => Ok(Self::AllRegistered),
            _ => t
                .strip_prefix("percent:")
                .and_then(|n| n.trim().trim_end_matches('%').parse::<u8>().ok())
                .and_then(|p| Self::percent(p).ok())
                .ok_or_else(|| InvalidCoverageRule(s.to_owned())),
        }
    }

    /// A sentence for the settings and request pages.
    pub fn describe(self) -> String {
        match self {
            Self::OwnsAll => {
                "you must own every member of the corporation, each with a valid token".to_owned()
            }
            Self::AllRegistered => {
                "every member of the corporation must be registered with a valid token".to_owned()
            }
            Self::Percent(p) => format!(
                "at least {p}% of the corporation's members must be registered with a valid token"
            ),
        }
    }

    /// Does this member count as covered under the rule?
    pub fn covers(self, m: &MemberStatus) -> bool {
        match self {
            Self::OwnsAll => m.owned_by_requester && m.registered_with_scopes,
            Self::AllRegistered | Self::Percent(_) => m.registered_with_scopes,
        }
    }

    /// How many covered members a corporation of `member_count` needs.
    pub fn required(self, member_count: u32) -> u32 {
        match self {
            Self::OwnsAll | Self::AllRegistered => member_count,
            Self::Percent(p) => {
                let needed = (u64::from(member_count) * u64::from(p)).div_ceil(100);
                u32::try_from(needed).unwrap_or(member_count)
            }
        }
    }
}

impl fmt::Display for CoverageRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OwnsAll => f.write_str("owns_all"),
            Self::AllRegistered => f.write_str("all_registered"),
            Self::Percent(p) => write!(f, "percent:{p}"),
        }
    }
}

impl FromStr for CoverageRule {
    type Err = InvalidCoverageRule;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CoverageRule {
    type Error = InvalidCoverageRule;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CoverageRule> for String {
    fn from(rule: CoverageRule) -> String {
        rule.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a coverage rule: expected owns_all, all_registered or percent:N with N from 1 to 100"
)]
pub struct InvalidCoverageRule(pub String);

/// What Jumpgate knows about one current member of the corporation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MemberStatus {
    pub character: CharacterId,
    /// The member belongs to the requesting account.
    pub owned_by_requester: bool,
    /// The member is registered (by anyone) and has a valid token with the required scopes.
    pub registered_with_scopes: bool,
}

/// The outcome of a coverage check, with enough numbers for the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageReport {
    pub eligible: bool,
    /// Known members that satisfy the rule.
    pub covered: u32,
    /// How many covered members the rule needs.
    pub required: u32,
    /// ESI's member count (the truth).
    pub member_count: u32,
    /// Known members that do not satisfy the rule, by id ascending.
    pub missing: Vec<CharacterId>,
    /// Members ESI counts that Jumpgate does not know at all (they are not covered).
    pub unknown_members: u32,
}

impl CoverageReport {
    /// Members still lacking for eligibility (0 when eligible).
    pub fn shortfall(&self) -> u32 {
        self.required.saturating_sub(self.covered)
    }
}

/// Checks a corporation against the rule.
///
/// `known_members` are the current members Jumpgate knows (from affiliation data); a character
/// listed twice counts once (covered if any listing covers it). A corporation with no members is
/// never eligible. For `OwnsAll` and `AllRegistered` every member must be covered: no known member
/// missing, none unknown.
pub fn evaluate(
    rule: CoverageRule,
    member_count_from_esi: u32,
    known_members: &[MemberStatus],
) -> CoverageReport {
    let mut by_id: BTreeMap<CharacterId, bool> = BTreeMap::new();
    for m in known_members {
        *by_id.entry(m.character).or_insert(false) |= rule.covers(m);
    }
    let known = u32::try_from(by_id.len()).unwrap_or(u32::MAX);
    let covered = u32::try_from(by_id.values().filter(|c| **c).count()).unwrap_or(u32::MAX);
    let missing: Vec<CharacterId> = by_id
        .iter()
        .filter(|(_, c)| !**c)
        .map(|(id, _)| *id)
        .collect();
    let unknown_members = member_count_from_esi.saturating_sub(known);
    let required = rule.required(member_count_from_esi);
    let enough = member_count_from_esi > 0 && covered >= required;
    let eligible = match rule {
        CoverageRule::OwnsAll | CoverageRule::AllRegistered => {
            enough && missing.is_empty() && unknown_members == 0
        }
        CoverageRule::Percent(_) => enough,
    };
    CoverageReport {
        eligible,
        covered,
        required,
        member_count: member_count_from_esi,
        missing,
        unknown_members,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: i64, owned: bool, registered: bool) -> MemberStatus {
        MemberStatus {
            character: CharacterId(id),
            owned_by_requester: owned,
            registered_with_scopes: registered,
        }
    }

    #[test]
    fn rules_parse_and_display_the_same_text() {
        let cases = [
            ("owns_all", CoverageRule::OwnsAll),
            ("all_registered", CoverageRule::AllRegistered),
            ("percent:80", CoverageRule::Percent(80)),
            ("percent:100", CoverageRule::Percent(100)),
            ("percent:1", CoverageRule::Percent(1)),
        ];
        for (text, rule) in cases {
            assert_eq!(CoverageRule::parse(text), Ok(rule));
            assert_eq!(rule.to_string(), text);
            assert!(!rule.describe().is_empty());
        }
        assert_eq!(
            CoverageRule::parse(" Percent: 75% "),
            Ok(CoverageRule::Percent(75))
        );
    }

    #[test]
    fn bad_rules_are_refused_with_the_accepted_forms() {
        for bad in [
            "percent:0",
            "percent:101",
            "percent:",
            "percent:abc",
            "most",
            "",
        ] {
            let err = CoverageRule::parse(bad).expect_err(bad);
            assert_eq!(
                err.to_string(),
                format!(
                    "'{bad}' is not a coverage rule: expected owns_all, all_registered or \
                     percent:N with N from 1 to 100"
                )
            );
        }
    }

    #[test]
    fn percent_rounds_the_required_count_up() {
        let cases = [
            (80, 11, 9),
            (80, 10, 8),
            (50, 1, 1),
            (1, 1000, 10),
            (100, 7, 7),
            (33, 3, 1),
        ];
        for (p, members, required) in cases {
            assert_eq!(
                CoverageRule::Percent(p).required(members),
                required,
                "{p}% of {members}"
            );
        }
    }

    #[test]
    fn owns_all_needs_every_member_owned_with_a_token() {
        let members = [
            member(1, true, true),
            member(2, true, false),
            member(3, false, true),
        ];
        let r = evaluate(CoverageRule::OwnsAll, 3, &members);
        assert!(!r.eligible);
        assert_eq!(r.covered, 1);
        assert_eq!(r.required, 3);
        assert_eq!(r.missing, vec![CharacterId(2), CharacterId(3)]);
        let all_mine = [member(1, true, true), member(2, true, true)];
        assert!(evaluate(CoverageRule::OwnsAll, 2, &all_mine).eligible);
    }

    #[test]
    fn all_registered_accepts_members_of_other_accounts() {
        let members = [member(1, true, true), member(2, false, true)];
        let r = evaluate(CoverageRule::AllRegistered, 2, &members);
        assert!(r.eligible);
        assert!(r.missing.is_empty());
        assert_eq!(r.shortfall(), 0);
    }

    #[test]
    fn members_unknown_to_jumpgate_count_as_not_covered() {
        let members = [member(1, true, true), member(2, false, true)];
        let r = evaluate(CoverageRule::AllRegistered, 5, &members);
        assert!(!r.eligible);
        assert_eq!(r.unknown_members, 3);
        assert!(r.missing.is_empty());
        assert_eq!(r.shortfall(), 3);
    }

    #[test]
    fn percent_rule_counts_against_the_esi_member_count() {
        // 11 members, 80 % → 9 needed; 9 of the 10 known are registered.
        let mut members: Vec<MemberStatus> = (1..=9).map(|i| member(i, false, true)).collect();
        members.push(member(10, false, false));
        let r = evaluate(CoverageRule::Percent(80), 11, &members);
        assert!(r.eligible);
        assert_eq!((r.covered, r.required, r.unknown_members), (9, 9, 1));
        assert_eq!(r.missing, vec![CharacterId(10)]);
        let r = evaluate(CoverageRule::Percent(80), 12, &members);
        assert!(!r.eligible, "80% of 12 is 10");
    }

    #[test]
    fn an_empty_corporation_is_never_eligible() {
        for rule in [
            CoverageRule::OwnsAll,
            CoverageRule::AllRegistered,
            CoverageRule::Percent(1),
        ] {
            assert!(!evaluate(rule, 0, &[]).eligible, "{rule}");
        }
    }

    #[test]
    fn a_member_listed_twice_counts_once() {
        let members = [member(1, false, false), member(1, false, true)];
        let r = evaluate(CoverageRule::AllRegistered, 1, &members);
        assert!(r.eligible);
        assert_eq!(r.covered, 1);
    }
}
