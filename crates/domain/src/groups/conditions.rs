//! A conditioned group's conditions: who sees it and may apply (Neucore documents the idea and
//! never built it). Every kind of condition listed must be met, each by any one of its values:
//! "state Member, and a character in Corp A or Corp B, and a member of FC". A group with no
//! condition listed is seen by every signed-in person, as a public one.

use crate::ids::{AllianceId, CorporationId, GroupId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupConditions {
    /// State names (the account's state).
    pub states: BTreeSet<String>,
    /// A character of the account in one of these corporations…
    pub corporations: BTreeSet<CorporationId>,
    /// …or alliances (any character: conditions, like the rules, see every alt).
    pub alliances: BTreeSet<AllianceId>,
    /// A member of one of these groups.
    pub groups: BTreeSet<GroupId>,
}

/// What the conditions are judged against: one account.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub state: &'a str,
    /// Each character's corporation and alliance.
    pub affiliations: &'a [(CorporationId, Option<AllianceId>)],
    pub member_of: &'a BTreeSet<GroupId>,
}

impl GroupConditions {
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
            && self.corporations.is_empty()
            && self.alliances.is_empty()
            && self.groups.is_empty()
    }

    /// Whether the affiliations matter (the caller's characters need reading).
    pub fn reads_affiliations(&self) -> bool {
        !self.corporations.is_empty() || !self.alliances.is_empty()
    }

    /// Whether `who` meets every kind of condition listed.
    pub fn met_by(&self, who: &Candidate<'_>) -> bool {
        let state = self.states.is_empty() || self.states.contains(who.state);
        let affiliation = !self.reads_affiliations()
            || who.affiliations.iter().any(|(corporation, alliance)| {
                self.corporations.contains(corporation)
                    || alliance.is_some_and(|a| self.alliances.contains(&a))
            });
        let group = self.groups.is_empty() || !self.groups.is_disjoint(who.member_of);
        state && affiliation && group
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORP: CorporationId = CorporationId(98_000_001);
    const ALLIANCE: AllianceId = AllianceId(99_000_001);

    fn candidate<'a>(
        state: &'a str,
        affiliations: &'a [(CorporationId, Option<AllianceId>)],
        member_of: &'a BTreeSet<GroupId>,
    ) -> Candidate<'a> {
        Candidate {
            state,
            affiliations,
            member_of,
        }
    }

    #[test]
    fn every_kind_listed_must_be_met_by_one_of_its_values() {
        let conditions = GroupConditions {
            states: ["Member".to_owned()].into(),
            alliances: [ALLIANCE].into(),
            groups: [GroupId(7)].into(),
            ..Default::default()
        };
        let fc: BTreeSet<_> = [GroupId(7)].into();
        let none = BTreeSet::new();
        let in_alliance = [(CorporationId(98_000_002), Some(ALLIANCE))];
        assert!(conditions.met_by(&candidate("Member", &in_alliance, &fc)));
        assert!(!conditions.met_by(&candidate("Guest", &in_alliance, &fc)));
        assert!(!conditions.met_by(&candidate("Member", &in_alliance, &none)));
        assert!(!conditions.met_by(&candidate("Member", &[(CORP, None)], &fc)));
    }

    #[test]
    fn any_character_meets_an_affiliation_and_no_condition_means_everyone() {
        let conditions = GroupConditions {
            corporations: [CORP].into(),
            ..Default::default()
        };
        let none = BTreeSet::new();
        let alt_in_corp = [(CorporationId(98_000_002), None), (CORP, None)];
        assert!(conditions.met_by(&candidate("Guest", &alt_in_corp, &none)));
        assert!(GroupConditions::default().met_by(&candidate("Guest", &[], &none)));
    }
}
