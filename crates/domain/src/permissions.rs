//! Named permissions and the one place that answers "may this account do X".
//!
//! Permissions are granted to states, to accounts directly and to groups (their members hold
//! them). Whatever the source, `Grants::allows` is the only check routes use.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A permission name such as `standings.request`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Permission(String);

impl Permission {
    /// See and manage every account and character.
    pub const ADMIN_USERS: &'static str = "admin.users";
    /// Read the audit log and export it.
    pub const ADMIN_AUDIT: &'static str = "admin.audit";
    /// See the job queue and retry failed jobs.
    pub const ADMIN_JOBS: &'static str = "admin.jobs";
    /// Edit states and permissions.
    pub const ADMIN_STATES: &'static str = "admin.states";
    /// Create and edit groups and manage every group's members.
    pub const ADMIN_GROUPS: &'static str = "admin.groups";
    /// Define divisions and specialty roles, what each role carries and whose leaders lead.
    pub const ADMIN_ROLES: &'static str = "admin.roles";
    /// Choose who sees each tracked corporation's members and see every Director's token.
    pub const ADMIN_TRACKING: &'static str = "admin.tracking";
    /// Create applications (tools that call the application API) and choose what each may do
    /// and who manages it.
    pub const ADMIN_APPS: &'static str = "admin.apps";
    /// Request standings for one's own characters and corporations.
    pub const STANDINGS_REQUEST: &'static str = "standings.request";
    /// Decide standings requests.
    pub const STANDINGS_APPROVE: &'static str = "standings.approve";
    /// Edit the standings database directly.
    pub const STANDINGS_MANAGE: &'static str = "standings.manage";
    /// Read every standings action.
    pub const STANDINGS_AUDIT: &'static str = "standings.audit";

    /// Every permission Jumpgate knows, with what it allows, for the admin pages.
    pub const CATALOGUE: &'static [(&'static str, &'static str)] = &[
        (
            Self::ADMIN_USERS,
            "See and manage every account and character",
        ),
        (Self::ADMIN_AUDIT, "Read and export the audit log"),
        (
            Self::ADMIN_JOBS,
            "See background jobs and retry failed ones",
        ),
        (
            Self::ADMIN_STATES,
            "Edit states and who has which permission (admin.* ones: superusers only)",
        ),
        (
            Self::ADMIN_GROUPS,
            "Create, edit and delete groups and manage every group's members (groups that grant admin.* ones: superusers only)",
        ),
        (Self::ADMIN_TRACKING, "Configure member tracking"),
        (
            Self::ADMIN_APPS,
            "Create applications for the application API and choose their roles, groups, EVE logins and managers",
        ),
        (
            Self::ADMIN_ROLES,
            "Define divisions and specialty roles, what each role carries (admin.* ones: superusers only) and which corporations' CEOs and Directors lead",
        ),
        (
            Self::STANDINGS_REQUEST,
            "Request standings for own characters and corporations",
        ),
        (
            Self::STANDINGS_APPROVE,
            "Approve or reject standings requests",
        ),
        (Self::STANDINGS_MANAGE, "Edit the standings database"),
        (Self::STANDINGS_AUDIT, "Read every standings action"),
    ];

    /// A known permission; unknown names are refused so that a typo in configuration cannot
    /// silently grant nothing.
    pub fn parse(name: &str) -> Result<Self, UnknownPermission> {
        let name = name.trim();
        if Self::CATALOGUE.iter().any(|(known, _)| *known == name) {
            Ok(Self(name.to_owned()))
        } else {
            Err(UnknownPermission(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it administers Jumpgate itself (`admin.*`). Only a superuser gives or takes one,
    /// to an account or to a state: `admin.states` edits who holds what, so its holders could
    /// otherwise make anyone, themselves included, an administrator.
    pub fn is_administrative(&self) -> bool {
        self.0.starts_with("admin.")
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a permission Jumpgate knows")]
pub struct UnknownPermission(pub String);

/// Everything an account may do, gathered from its state, its direct grants and superuser flag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub superuser: bool,
    pub permissions: BTreeSet<String>,
}

impl Grants {
    pub fn new<I, S>(superuser: bool, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            superuser,
            permissions: permissions.into_iter().map(Into::into).collect(),
        }
    }

    /// The single answer to "may this account do X". A superuser may do everything.
    pub fn allows(&self, permission: &str) -> bool {
        self.superuser || self.permissions.contains(permission)
    }

    /// Whether these grants reach beyond a member's own things: superuser, any `admin.*`, or
    /// deciding and managing standings. A stolen session of such an account does the most
    /// harm, so it lives shorter (`[sessions] privileged_lifetime`).
    pub fn is_privileged(&self) -> bool {
        self.superuser
            || self.permissions.iter().any(|p| {
                p.starts_with("admin.")
                    || p == Permission::STANDINGS_APPROVE
                    || p == Permission::STANDINGS_MANAGE
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrators_approvers_and_managers_are_privileged_members_are_not() {
        assert!(Grants::new(true, Vec::<String>::new()).is_privileged());
        for p in [
            Permission::ADMIN_AUDIT,
            Permission::STANDINGS_APPROVE,
            Permission::STANDINGS_MANAGE,
        ] {
            assert!(Grants::new(false, [p]).is_privileged(), "{p}");
        }
        let member = Grants::new(
            false,
            [Permission::STANDINGS_REQUEST, Permission::STANDINGS_AUDIT],
        );
        assert!(!member.is_privileged());
    }

    #[test]
    fn superuser_may_do_everything() {
        let g = Grants::new(true, Vec::<String>::new());
        assert!(g.allows(Permission::ADMIN_USERS));
    }

    #[test]
    fn an_account_may_do_only_what_it_was_granted() {
        let g = Grants::new(false, [Permission::STANDINGS_REQUEST]);
        assert!(g.allows(Permission::STANDINGS_REQUEST));
        assert!(!g.allows(Permission::STANDINGS_APPROVE));
    }

    #[test]
    fn unknown_permission_names_are_refused() {
        assert!(Permission::parse("standings.request").is_ok());
        assert!(Permission::parse("standings.requets").is_err());
    }
}
