//! The rules that give and take groups by themselves, and the one function that applies them
//! to an account.
//!
//! - **Automatic groups**: a group lists corporations and alliances; an account with *any*
//!   character in one of them is a member (Neucore evaluates all characters, not only the main).
//! - **The default group**: every account is a member.
//! - **Required groups**: a member must also be in at least one of them, else it loses the group.
//! - **Forbidden groups**: a member must be in none of them, else it loses the group.
//!
//! A managed account (`AccountStatus::Managed`) gets no automatic or default group: for it the
//! rules give nothing (and take back what they gave), but its required and forbidden groups
//! are judged as anyone's.
//!
//! Required and forbidden groups judge every membership, whatever its source, and are applied
//! until nothing changes (a fixed point): losing one group may cost another that required it.
//! The rules only ever add memberships of the `automatic` source and take away those they no
//! longer give; a manager's or an application's membership stays unless a required or forbidden
//! group takes it.

use super::{Group, MembershipSource};
use crate::account::AccountStatus;
use crate::ids::{AllianceId, CorporationId, GroupId};
use crate::states::Affiliation;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The rules of one group. Empty: the group is only joined by hand or by application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRules {
    /// Every account gets it.
    pub default: bool,
    /// An account with a character in one of these corporations gets it.
    pub corporations: BTreeSet<CorporationId>,
    /// An account with a character in one of these alliances gets it.
    pub alliances: BTreeSet<AllianceId>,
    /// A member must also be in one of these, else loses it.
    pub required: BTreeSet<GroupId>,
    /// A member must be in none of these, else loses it.
    pub forbidden: BTreeSet<GroupId>,
    /// Held only in these states (Alliance Auth's group states): an account in another state
    /// loses it and cannot join it. Empty: any state.
    pub states: BTreeSet<String>,
}

impl GroupRules {
    /// Whether the group is given by itself (default, corporation or alliance).
    pub fn is_automatic(&self) -> bool {
        self.default || !self.corporations.is_empty() || !self.alliances.is_empty()
    }

    /// Whether an account in `state` may hold the group.
    pub fn allows_state(&self, state: &str) -> bool {
        self.states.is_empty() || self.states.contains(state)
    }

    /// Why an account with `affiliations` gets the group by itself, or `None`.
    fn gives(&self, affiliations: &[Affiliation]) -> Option<Reason> {
        if self.default {
            return Some(Reason::Default);
        }
        affiliations.iter().find_map(|a| {
            if self.corporations.contains(&a.corporation) {
                Some(Reason::Corporation(a.corporation))
            } else {
                a.alliance
                    .filter(|al| self.alliances.contains(al))
                    .map(Reason::Alliance)
            }
        })
    }
}

/// Why a rule gives or takes a group: recorded in the membership (`source_ref`) and the audit
/// log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The default group: every account.
    Default,
    /// A character of the account is in this corporation.
    Corporation(CorporationId),
    /// A character of the account is in this alliance.
    Alliance(AllianceId),
    /// No character of the account is in the group's corporations or alliances any more.
    NoLongerMatches,
    /// The account is in none of the group's required groups.
    RequiresOneOf,
    /// The account is in this group, which the group forbids.
    ForbiddenWith(GroupId),
    /// The account's state is not one the group may be held in.
    StateNotAllowed,
}

impl Reason {
    /// As stored in a membership's `source_ref` and named in the audit log.
    pub fn as_text(self) -> String {
        match self {
            Self::Default => "default".to_owned(),
            Self::Corporation(c) => format!("corporation:{c}"),
            Self::Alliance(a) => format!("alliance:{a}"),
            Self::NoLongerMatches => "no_longer_matches".to_owned(),
            Self::RequiresOneOf => "requires_one_of".to_owned(),
            Self::ForbiddenWith(g) => format!("forbidden_with:{g}"),
            Self::StateNotAllowed => "state_not_allowed".to_owned(),
        }
    }
}

/// What the rules change for one account: groups to add (as `automatic` memberships) and
/// memberships to end, each with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleChanges {
    pub add: Vec<(GroupId, Reason)>,
    pub remove: Vec<(GroupId, Reason)>,
}

impl RuleChanges {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// What the rules of `groups` make of an account of `status` in `state` with `affiliations`
/// (all its characters) and `current` memberships (by group, with their source). Deterministic: groups are judged in id
/// order, and each round of required/forbidden removals is judged against the memberships of
/// the round before, so the outcome does not depend on the order of `groups`.
pub fn apply_rules(
    groups: &[Group],
    affiliations: &[Affiliation],
    current: &BTreeMap<GroupId, MembershipSource>,
    status: AccountStatus,
    state: &str,
) -> RuleChanges {
    // A managed account is given nothing by the rules (Neucore): as if no character matched.
    let gives = |g: &Group| {
        if status.gets_automatic_groups() {
            g.rules.gives(affiliations)
        } else {
            None
        }
    };
    let by_id: BTreeMap<GroupId, &Group> = groups.iter().map(|g| (g.id, g)).collect();
    // What the account holds before required and forbidden groups are judged: what it had that
    // the rules do not own, and whatever the rules give now.
    let mut held: BTreeMap<GroupId, Option<Reason>> = BTreeMap::new();
    let mut lost: Vec<(GroupId, Reason)> = Vec::new();
    for (group, source) in current {
        let Some(g) = by_id.get(group) else { continue };
        // Whatever gave it, a group is not held in a state it does not allow.
        if !g.rules.allows_state(state) {
            lost.push((*group, Reason::StateNotAllowed));
            continue;
        }
        match (source, gives(g)) {
            (MembershipSource::Automatic, None) => lost.push((*group, Reason::NoLongerMatches)),
            // Held already: nothing to add, whatever the rules say.
            _ => {
                held.insert(*group, None);
            }
        }
    }
    for g in by_id.values() {
        if held.contains_key(&g.id) || current.contains_key(&g.id) {
            continue;
        }
        if let Some(reason) = gives(g).filter(|_| g.rules.allows_state(state)) {
            held.insert(g.id, Some(reason));
        }
    }
    // Required and forbidden groups, to a fixed point: the set only shrinks, so it ends.
    loop {
        let names: BTreeSet<GroupId> = held.keys().copied().collect();
        let failing: Vec<(GroupId, Reason)> = names
            .iter()
            .filter_map(|id| {
                let rules = &by_id.get(id)?.rules;
                if let Some(f) = rules.forbidden.iter().find(|f| names.contains(f)) {
                    return Some((*id, Reason::ForbiddenWith(*f)));
                }
                (!rules.required.is_empty() && rules.required.is_disjoint(&names))
                    .then_some((*id, Reason::RequiresOneOf))
            })
            .collect();
        if failing.is_empty() {
            break;
        }
        for (id, reason) in failing {
            held.remove(&id);
            if current.contains_key(&id) {
                lost.push((id, reason));
            }
        }
    }
    lost.sort_by_key(|(id, _)| *id);
    RuleChanges {
        add: held
            .into_iter()
            .filter_map(|(id, reason)| reason.map(|r| (id, r)))
            .collect(),
        remove: lost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CharacterId;

    const STANDARD: AccountStatus = AccountStatus::Standard;
    const CORP: CorporationId = CorporationId(98_000_001);
    const OTHER_CORP: CorporationId = CorporationId(98_000_002);
    const ALLIANCE: AllianceId = AllianceId(99_000_001);

    fn group(id: i64, rules: GroupRules) -> Group {
        Group {
            id: GroupId(id),
            rules,
            ..Group::new(format!("group {id}"))
        }
    }

    fn in_corp(
        character: i64,
        corporation: CorporationId,
        alliance: Option<AllianceId>,
    ) -> Affiliation {
        Affiliation {
            character: CharacterId(character),
            corporation,
            alliance,
            faction: None,
        }
    }

    fn held(groups: &[(i64, MembershipSource)]) -> BTreeMap<GroupId, MembershipSource> {
        groups.iter().map(|(g, s)| (GroupId(*g), *s)).collect()
    }

    #[test]
    fn any_character_of_the_account_in_a_corporation_or_alliance_gives_the_group() {
        let groups = [
            group(
                1,
                GroupRules {
                    corporations: [CORP].into(),
                    ..Default::default()
                },
            ),
            group(
                2,
                GroupRules {
                    alliances: [ALLIANCE].into(),
                    ..Default::default()
                },
            ),
            group(
                3,
                GroupRules {
                    default: true,
                    ..Default::default()
                },
            ),
            group(4, GroupRules::default()),
        ];
        // The main is elsewhere; an alt is in the corporation, another in the alliance.
        let account = [
            in_corp(1, OTHER_CORP, None),
            in_corp(2, CORP, None),
            in_corp(3, OTHER_CORP, Some(ALLIANCE)),
        ];
        let changes = apply_rules(&groups, &account, &BTreeMap::new(), STANDARD, "Member");
        assert_eq!(
            changes.add,
            [
                (GroupId(1), Reason::Corporation(CORP)),
                (GroupId(2), Reason::Alliance(ALLIANCE)),
                (GroupId(3), Reason::Default),
            ]
        );
        assert!(changes.remove.is_empty());
    }

    #[test]
    fn an_automatic_membership_ends_when_no_character_matches_and_a_managers_stays() {
        let groups = [
            group(
                1,
                GroupRules {
                    corporations: [CORP].into(),
                    ..Default::default()
                },
            ),
            group(
                2,
                GroupRules {
                    corporations: [CORP].into(),
                    ..Default::default()
                },
            ),
        ];
        let current = held(&[
            (1, MembershipSource::Automatic),
            (2, MembershipSource::Manual),
        ]);
        let changes = apply_rules(
            &groups,
            &[in_corp(1, OTHER_CORP, None)],
            &current,
            STANDARD,
            "Member",
        );
        assert_eq!(changes.remove, [(GroupId(1), Reason::NoLongerMatches)]);
        assert!(changes.add.is_empty(), "group 2 is held already, by hand");
        // Still matching: nothing to do.
        let same = apply_rules(
            &groups,
            &[in_corp(1, CORP, None)],
            &current,
            STANDARD,
            "Member",
        );
        assert!(same.is_empty(), "{same:?}");
    }

    #[test]
    fn required_and_forbidden_groups_are_applied_until_nothing_changes() {
        // 3 requires 2, 2 requires 1; 1 is forbidden with 4. Holding 4 costs 1, then 2, then 3.
        let groups = [
            group(
                1,
                GroupRules {
                    forbidden: [GroupId(4)].into(),
                    ..Default::default()
                },
            ),
            group(
                2,
                GroupRules {
                    required: [GroupId(1)].into(),
                    ..Default::default()
                },
            ),
            group(
                3,
                GroupRules {
                    required: [GroupId(2), GroupId(9)].into(),
                    ..Default::default()
                },
            ),
            group(
                4,
                GroupRules {
                    corporations: [CORP].into(),
                    ..Default::default()
                },
            ),
        ];
        let manual = MembershipSource::Manual;
        let current = held(&[(1, manual), (2, manual), (3, MembershipSource::Application)]);
        let before = apply_rules(
            &groups,
            &[in_corp(1, OTHER_CORP, None)],
            &current,
            STANDARD,
            "Member",
        );
        assert!(before.is_empty(), "the chain holds: {before:?}");

        let after = apply_rules(
            &groups,
            &[in_corp(1, CORP, None)],
            &current,
            STANDARD,
            "Member",
        );
        assert_eq!(after.add, [(GroupId(4), Reason::Corporation(CORP))]);
        assert_eq!(
            after.remove,
            [
                (GroupId(1), Reason::ForbiddenWith(GroupId(4))),
                (GroupId(2), Reason::RequiresOneOf),
                (GroupId(3), Reason::RequiresOneOf),
            ]
        );
    }

    #[test]
    fn a_group_the_rules_would_give_is_not_given_when_its_requirement_fails() {
        let groups = [
            group(1, GroupRules::default()),
            group(
                2,
                GroupRules {
                    default: true,
                    required: [GroupId(1)].into(),
                    ..Default::default()
                },
            ),
        ];
        assert!(apply_rules(&groups, &[], &BTreeMap::new(), STANDARD, "Member").is_empty());
        let member_of_1 = held(&[(1, MembershipSource::Manual)]);
        assert_eq!(
            apply_rules(&groups, &[], &member_of_1, STANDARD, "Member").add,
            [(GroupId(2), Reason::Default)]
        );
    }

    #[test]
    fn two_groups_that_forbid_each_other_both_go() {
        let groups = [
            group(
                1,
                GroupRules {
                    forbidden: [GroupId(2)].into(),
                    ..Default::default()
                },
            ),
            group(
                2,
                GroupRules {
                    forbidden: [GroupId(1)].into(),
                    ..Default::default()
                },
            ),
        ];
        let current = held(&[(1, MembershipSource::Manual), (2, MembershipSource::Manual)]);
        let changes = apply_rules(&groups, &[], &current, STANDARD, "Member");
        assert_eq!(
            changes.remove,
            [
                (GroupId(1), Reason::ForbiddenWith(GroupId(2))),
                (GroupId(2), Reason::ForbiddenWith(GroupId(1))),
            ]
        );
    }

    #[test]
    fn a_managed_account_gets_no_automatic_or_default_group_but_its_required_groups_still_hold() {
        let groups = [
            group(
                1,
                GroupRules {
                    default: true,
                    ..Default::default()
                },
            ),
            group(
                2,
                GroupRules {
                    corporations: [CORP].into(),
                    ..Default::default()
                },
            ),
            group(3, GroupRules::default()),
            group(
                4,
                GroupRules {
                    required: [GroupId(3)].into(),
                    ..Default::default()
                },
            ),
        ];
        let account = [in_corp(1, CORP, None)];
        let managed = AccountStatus::Managed;
        assert!(
            apply_rules(&groups, &account, &BTreeMap::new(), managed, "Member").is_empty(),
            "neither the default group nor the corporation's"
        );
        // What the rules gave before goes; a group requiring one the account lacks goes too.
        let current = held(&[
            (2, MembershipSource::Automatic),
            (4, MembershipSource::Manual),
        ]);
        let changes = apply_rules(&groups, &account, &current, managed, "Member");
        assert!(changes.add.is_empty());
        assert_eq!(
            changes.remove,
            [
                (GroupId(2), Reason::NoLongerMatches),
                (GroupId(4), Reason::RequiresOneOf),
            ]
        );
        // The same account as a standard one gets both automatic groups.
        let standard = apply_rules(&groups, &account, &BTreeMap::new(), STANDARD, "Member");
        assert_eq!(
            standard.add,
            [
                (GroupId(1), Reason::Default),
                (GroupId(2), Reason::Corporation(CORP)),
            ]
        );
    }

    #[test]
    fn a_group_is_not_held_in_a_state_it_does_not_allow_whatever_gave_it() {
        let blues = group(
            1,
            GroupRules {
                default: true,
                states: ["Blue".to_owned()].into(),
                ..GroupRules::default()
            },
        );
        let groups = vec![blues];
        assert!(
            apply_rules(&groups, &[], &BTreeMap::new(), STANDARD, "Member").is_empty(),
            "the default group is not given in another state"
        );
        assert_eq!(
            apply_rules(&groups, &[], &BTreeMap::new(), STANDARD, "Blue").add,
            [(GroupId(1), Reason::Default)]
        );
        let by_hand: BTreeMap<_, _> = [(GroupId(1), MembershipSource::Manual)].into();
        assert_eq!(
            apply_rules(&groups, &[], &by_hand, STANDARD, "Member").remove,
            [(GroupId(1), Reason::StateNotAllowed)]
        );
    }
}
