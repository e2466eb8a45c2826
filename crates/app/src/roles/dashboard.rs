//! The roles dashboard: the roles a person holds with what they carry, and every role they may
//! give or take, with its holders; nothing they may not change.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::roles::{Appointer, Role, RoleHolder, Target, reach_over};
use jumpgate_domain::{AccountId, CharacterId, CorporationId};
use jumpgate_store::RoleCatalogue;
use std::collections::{BTreeMap, BTreeSet};

/// A role the viewer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRole {
    pub role: Role,
    pub name: String,
    /// Read from EVE (CEO, Director) rather than appointed.
    pub from_eve: bool,
    pub permissions: BTreeSet<String>,
}

/// Someone holding a role, as the dashboard lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolderView {
    pub account: AccountId,
    pub main: Option<(CharacterId, String)>,
    /// The viewer may take the role from them.
    pub removable: bool,
}

/// A role the viewer may give (to someone their authority reaches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeableRole {
    pub role: Role,
    pub key: String,
    pub name: String,
    pub unique: bool,
    /// Whom the viewer may give it to, in words ("anyone", "members of …").
    pub reach: String,
    pub holders: Vec<HolderView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolesDashboard {
    pub mine: Vec<HeldRole>,
    pub changeable: Vec<ChangeableRole>,
}

/// Every role a person could be appointed to, from the top down.
fn appointable_roles(catalogue: &RoleCatalogue) -> Vec<Role> {
    let mut roles = vec![Role::Administrator, Role::HeadFc, Role::GeneralFc];
    for d in &catalogue.divisions {
        roles.push(Role::DivisionHeadFc(d.id));
        roles.push(Role::DivisionFc(d.id));
    }
    roles.extend(catalogue.specialties.iter().map(|s| Role::Specialty(s.id)));
    roles
}

impl App {
    /// The dashboard of the caller (any signed-in person; the lists are empty for someone who
    /// holds no role).
    pub async fn roles_dashboard(&self, caller: &Caller) -> AppResult<RolesDashboard> {
        let account = caller.own_account()?;
        let catalogue = self.kept_role_catalogue(caller).await?;
        let holders = self.kept_role_holders(caller).await?;
        let appointer = Appointer {
            superuser: caller.grants().superuser,
            account: Some(account),
            roles: (holders.iter())
                .filter(|h| h.account == account)
                .map(|h| h.role)
                .collect(),
        };
        let mine = self.held_roles(&catalogue, &holders, account).await?;
        let changeable = self
            .changeable_roles(caller, &appointer, &catalogue, &holders)
            .await?;
        Ok(RolesDashboard { mine, changeable })
    }

    /// The roles `account` holds, as its pages list them: the caller's own, or anyone's for
    /// administrators of users.
    pub async fn roles_of_account(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> AppResult<Vec<HeldRole>> {
        caller.require_self_or(account, Permission::ADMIN_USERS)?;
        let catalogue = self.kept_role_catalogue(caller).await?;
        let holders = self.kept_role_holders(caller).await?;
        self.held_roles(&catalogue, &holders, account).await
    }

    /// `account`'s roles among `holders`, named (a CEO's or Director's with its corporation).
    async fn held_roles(
        &self,
        catalogue: &RoleCatalogue,
        holders: &[RoleHolder],
        account: AccountId,
    ) -> AppResult<Vec<HeldRole>> {
        let own: Vec<&RoleHolder> = holders.iter().filter(|h| h.account == account).collect();
        let led: Vec<CorporationId> = own
            .iter()
            .filter_map(|h| match h.role {
                Role::Ceo(c) | Role::Director(c) => Some(c),
                _ => None,
            })
            .collect();
        let corporations = self.corporation_names(&led).await?;
        Ok(own
            .into_iter()
            .map(|h| HeldRole {
                role: h.role,
                name: match h.role {
                    // "CEO of Hollow Syndicate" rather than its number.
                    Role::Ceo(c) | Role::Director(c) if corporations.contains_key(&c) => {
                        format!("{} of {}", h.role.kind().label(), corporations[&c])
                    }
                    role => catalogue.role_name(role),
                },
                from_eve: h.role.kind().is_derived(),
                permissions: catalogue.permissions_of(h.role),
            })
            .collect())
    }

    async fn changeable_roles(
        &self,
        caller: &Caller,
        appointer: &Appointer,
        catalogue: &RoleCatalogue,
        holders: &[RoleHolder],
    ) -> AppResult<Vec<ChangeableRole>> {
        let specialties = catalogue.specialties_by_id();
        let reaches: Vec<_> = appointable_roles(catalogue)
            .into_iter()
            .filter_map(|role| {
                let reach = reach_over(appointer, role, &specialties).ok()?;
                (!reach.is_empty()).then_some((role, reach))
            })
            .collect();
        if reaches.is_empty() {
            return Ok(Vec::new());
        }
        let mains = self.kept_holder_mains(caller).await?;
        // Whom a CEO's or Director's authority reaches depends on the holders' corporations;
        // anyone else's reaches everyone, and nothing more is read.
        let corporations = if reaches.iter().all(|(_, r)| r.everyone) {
            BTreeMap::new()
        } else {
            self.corporations_of_mains(&mains).await?
        };
        let reached: Vec<CorporationId> = reaches
            .iter()
            .flat_map(|(_, r)| r.corporations.iter().copied())
            .collect();
        let names = self.corporation_names(&reached).await?;
        Ok(reaches
            .into_iter()
            .map(|(role, reach)| {
                let holders = holders
                    .iter()
                    .filter(|h| h.role == role)
                    .map(|h| {
                        let target = Target {
                            account: h.account,
                            corporation: corporations.get(&h.account).copied(),
                        };
                        HolderView {
                            account: h.account,
                            main: mains.get(&h.account).cloned(),
                            removable: reach.covers(&target)
                                && (appointer.superuser || appointer.account != Some(h.account)),
                        }
                    })
                    .collect();
                let reach = if reach.everyone {
                    "anyone".to_owned()
                } else {
                    let corps: Vec<_> = reach
                        .corporations
                        .iter()
                        .map(|c| {
                            names
                                .get(c)
                                .cloned()
                                .unwrap_or_else(|| format!("corporation #{c}"))
                        })
                        .collect();
                    format!("members of {}", corps.join(", "))
                };
                ChangeableRole {
                    role,
                    key: role.key(),
                    name: catalogue.role_name(role),
                    unique: role.kind().is_unique(),
                    reach,
                    holders,
                }
            })
            .collect())
    }

    /// The corporation of each main, in one read.
    async fn corporations_of_mains(
        &self,
        mains: &BTreeMap<AccountId, (CharacterId, String)>,
    ) -> AppResult<BTreeMap<AccountId, CorporationId>> {
        let ids: Vec<CharacterId> = mains.values().map(|(id, _)| *id).collect();
        Ok(self
            .store()
            .characters_by_ids(&ids)
            .await?
            .into_iter()
            .map(|c| (c.account, c.corporation))
            .collect())
    }

    /// The names of the corporations Jumpgate knows among `ids`.
    async fn corporation_names(
        &self,
        ids: &[CorporationId],
    ) -> AppResult<BTreeMap<CorporationId, String>> {
        let ids: Vec<CorporationId> = ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(self
            .store()
            .corporations_by_ids(&ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect())
    }
}
