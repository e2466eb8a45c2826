//! Who may give or take which role: each role only the roles strictly below it, within its
//! scope. CEO: any appointed role, for the members of its corporation; Director: the same (the
//! CEO role above it is EVE's alone); Head FC: every FC role, division heads included, and the
//! fleet specialties; Division Head FC: the FCs of its division; Administrator: every appointed
//! role but Administrator, which only a superuser gives. Nobody appoints themself.

use super::{Role, RoleKind, Specialty};
use crate::ids::{AccountId, CorporationId, SpecialtyId};
use std::collections::{BTreeMap, BTreeSet};

/// Who is asking, as far as roles go.
#[derive(Debug, Clone, Default)]
pub struct Appointer {
    pub superuser: bool,
    /// None for the command line and background jobs, which act with a superuser's authority.
    pub account: Option<AccountId>,
    pub roles: BTreeSet<Role>,
}

/// Whom a role would be given to or taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub account: AccountId,
    /// The corporation of the account's main: a CEO's or Director's people are their
    /// corporation's members.
    pub corporation: Option<CorporationId>,
}

/// The people an appointer's authority over one role reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    pub everyone: bool,
    /// Members of these corporations (through a CEO or Director role).
    pub corporations: BTreeSet<CorporationId>,
}

impl Reach {
    pub fn is_empty(&self) -> bool {
        !self.everyone && self.corporations.is_empty()
    }

    pub fn covers(&self, target: &Target) -> bool {
        self.everyone
            || target
                .corporation
                .is_some_and(|c| self.corporations.contains(&c))
    }
}

/// Why a change of role is refused, in words for the person who tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "the {} role follows EVE (the corporation's CEO and its Directors' in-game roles): nobody gives or takes it here",
        .0.label()
    )]
    FollowsEve(RoleKind),
    #[error("only a superuser gives or takes the Administrator role")]
    SuperuserOnly,
    #[error("your roles do not allow giving or taking the {0} role")]
    NotBelow(String),
    #[error(
        "your roles allow the {0} role only for members of your corporation, and this person's main is not one"
    )]
    OutsideReach(String),
    #[error("nobody gives themself a role: ask someone above you")]
    Yourself,
}

/// How far `by`'s authority over `role` reaches (empty: not at all); `specialties` says which
/// specialties are fleet roles.
pub fn reach_over(
    by: &Appointer,
    role: Role,
    specialties: &BTreeMap<SpecialtyId, Specialty>,
) -> Result<Reach, Refusal> {
    let kind = role.kind();
    if kind.is_derived() {
        return Err(Refusal::FollowsEve(kind));
    }
    if by.superuser || by.account.is_none() {
        return Ok(Reach {
            everyone: true,
            ..Reach::default()
        });
    }
    if kind == RoleKind::Administrator {
        return Err(Refusal::SuperuserOnly);
    }
    let mut reach = Reach::default();
    for held in &by.roles {
        match *held {
            Role::Administrator => reach.everyone = true,
            Role::Ceo(corporation) | Role::Director(corporation) => {
                reach.corporations.insert(corporation);
            }
            Role::HeadFc => {
                let fleet = match role {
                    Role::GeneralFc | Role::DivisionHeadFc(_) | Role::DivisionFc(_) => true,
                    Role::Specialty(s) => specialties.get(&s).is_some_and(|s| s.fleet),
                    _ => false,
                };
                reach.everyone |= fleet;
            }
            Role::DivisionHeadFc(division) => {
                reach.everyone |= role == Role::DivisionFc(division);
            }
            Role::GeneralFc | Role::DivisionFc(_) | Role::Specialty(_) => {}
        }
    }
    Ok(reach)
}

/// Whether `by` may give `role` to `target` or take it from them; `role_name` is how people
/// read the role (a division's or specialty's name included).
pub fn may_change(
    by: &Appointer,
    role: Role,
    role_name: &str,
    target: &Target,
    specialties: &BTreeMap<SpecialtyId, Specialty>,
) -> Result<(), Refusal> {
    let reach = reach_over(by, role, specialties)?;
    if by.account == Some(target.account) && !by.superuser {
        return Err(Refusal::Yourself);
    }
    if reach.is_empty() {
        return Err(Refusal::NotBelow(role_name.to_owned()));
    }
    if !reach.covers(target) {
        return Err(Refusal::OutsideReach(role_name.to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DivisionId;

    const CORP: CorporationId = CorporationId(98_000_001);
    const OTHER_CORP: CorporationId = CorporationId(98_000_002);
    const CAPITALS: DivisionId = DivisionId(1);
    const FRIGATES: DivisionId = DivisionId(2);
    const CAPITAL_FC: SpecialtyId = SpecialtyId(1);
    const DIPLOMAT: SpecialtyId = SpecialtyId(2);

    fn specialties() -> BTreeMap<SpecialtyId, Specialty> {
        [(CAPITAL_FC, true), (DIPLOMAT, false)]
            .into_iter()
            .map(|(id, fleet)| {
                let s = Specialty {
                    id,
                    name: format!("specialty {id}"),
                    description: String::new(),
                    fleet,
                };
                (id, s)
            })
            .collect()
    }

    fn holder(roles: &[Role]) -> Appointer {
        Appointer {
            superuser: false,
            account: Some(AccountId(1)),
            roles: roles.iter().copied().collect(),
        }
    }

    fn member_of(corporation: CorporationId) -> Target {
        Target {
            account: AccountId(2),
            corporation: Some(corporation),
        }
    }

    fn check(by: &Appointer, role: Role, target: &Target) -> Result<(), Refusal> {
        may_change(by, role, &role.key(), target, &specialties())
    }

    #[test]
    fn a_ceo_appoints_any_appointed_role_for_members_of_its_corporation_only() {
        let ceo = holder(&[Role::Ceo(CORP)]);
        for role in [
            Role::HeadFc,
            Role::GeneralFc,
            Role::DivisionHeadFc(CAPITALS),
            Role::DivisionFc(FRIGATES),
            Role::Specialty(DIPLOMAT),
        ] {
            assert_eq!(check(&ceo, role, &member_of(CORP)), Ok(()), "{role}");
            assert!(matches!(
                check(&ceo, role, &member_of(OTHER_CORP)),
                Err(Refusal::OutsideReach(_))
            ));
        }
        assert_eq!(
            check(&ceo, Role::Administrator, &member_of(CORP)),
            Err(Refusal::SuperuserOnly)
        );
    }

    #[test]
    fn a_director_cannot_touch_the_ceo_role_nor_anyone_the_director_role() {
        let director = holder(&[Role::Director(CORP)]);
        assert_eq!(
            check(&director, Role::Ceo(CORP), &member_of(CORP)),
            Err(Refusal::FollowsEve(RoleKind::Ceo))
        );
        assert_eq!(
            check(&director, Role::Director(CORP), &member_of(CORP)),
            Err(Refusal::FollowsEve(RoleKind::Director))
        );
        assert_eq!(check(&director, Role::GeneralFc, &member_of(CORP)), Ok(()));
    }

    #[test]
    fn a_head_fc_leads_every_fc_role_and_the_fleet_specialties_of_anyone() {
        let head = holder(&[Role::HeadFc]);
        for role in [
            Role::GeneralFc,
            Role::DivisionHeadFc(CAPITALS),
            Role::DivisionFc(FRIGATES),
            Role::Specialty(CAPITAL_FC),
        ] {
            assert_eq!(check(&head, role, &member_of(OTHER_CORP)), Ok(()), "{role}");
        }
        for role in [Role::HeadFc, Role::Specialty(DIPLOMAT)] {
            assert!(matches!(
                check(&head, role, &member_of(CORP)),
                Err(Refusal::NotBelow(_))
            ));
        }
    }

    #[test]
    fn a_division_head_fc_appoints_the_fcs_of_its_division_only() {
        let head = holder(&[Role::DivisionHeadFc(CAPITALS)]);
        assert_eq!(
            check(&head, Role::DivisionFc(CAPITALS), &member_of(CORP)),
            Ok(())
        );
        for role in [
            Role::DivisionFc(FRIGATES),
            Role::DivisionHeadFc(CAPITALS),
            Role::GeneralFc,
        ] {
            assert!(matches!(
                check(&head, role, &member_of(CORP)),
                Err(Refusal::NotBelow(_))
            ));
        }
    }

    #[test]
    fn fcs_and_specialists_appoint_nobody() {
        for held in [
            Role::GeneralFc,
            Role::DivisionFc(CAPITALS),
            Role::Specialty(CAPITAL_FC),
        ] {
            let by = holder(&[held]);
            assert!(matches!(
                check(&by, Role::DivisionFc(CAPITALS), &member_of(CORP)),
                Err(Refusal::NotBelow(_))
            ));
        }
    }

    #[test]
    fn nobody_appoints_themself_but_a_superuser_and_administrators_are_only_made_by_superusers() {
        let ceo = holder(&[Role::Ceo(CORP)]);
        let me = Target {
            account: AccountId(1),
            corporation: Some(CORP),
        };
        assert_eq!(check(&ceo, Role::HeadFc, &me), Err(Refusal::Yourself));
        let admin = holder(&[Role::Administrator]);
        assert_eq!(
            check(&admin, Role::Administrator, &member_of(CORP)),
            Err(Refusal::SuperuserOnly)
        );
        assert_eq!(check(&admin, Role::HeadFc, &member_of(CORP)), Ok(()));
        let superuser = Appointer {
            superuser: true,
            ..holder(&[])
        };
        assert_eq!(check(&superuser, Role::Administrator, &me), Ok(()));
        let cli = Appointer::default();
        assert_eq!(
            check(&cli, Role::Administrator, &member_of(OTHER_CORP)),
            Ok(())
        );
    }
}
