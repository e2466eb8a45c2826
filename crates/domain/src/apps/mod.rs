//! Applications (Neucore's "apps"): the tools an alliance runs beside Jumpgate (ping boards,
//! SRP, wikis, recruitment) that read who is who through the application API. An application
//! holds roles that say which parts of the API it may call, the groups it may see (every group
//! answer is cut down to them), the EVE logins whose tokens it may use, and the accounts that
//! manage it (they make its secret). Pure rules: names, roles and what they allow.

pub mod bearer;
pub mod esi_proxy;
pub mod neucore;
pub mod rate_limit;
pub mod webhooks;

use crate::ids::{AccountId, AppId, GroupId};
use std::collections::BTreeSet;
use std::fmt;
use time::OffsetDateTime;

pub const MAX_APP_NAME: usize = 255;

/// What parts of the application API an application may call (Neucore's role names, which the
/// API's documents and clients use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AppRole {
    /// Every application holds it: `GET /app/v1/show`.
    App,
    /// The groups of characters, corporations and alliances, and groups' members.
    Groups,
    /// Accounts and their characters (mains, alts, removed and incoming characters).
    Chars,
    /// Member tracking of the tracked corporations.
    Tracking,
    /// Which characters have a token of the application's EVE logins.
    EsiLogin,
    /// ESI requests sent through Jumpgate with a character's token.
    EsiProxy,
    /// A character's ESI access token itself.
    EsiToken,
}

impl AppRole {
    pub const ALL: [Self; 7] = [
        Self::App,
        Self::Groups,
        Self::Chars,
        Self::Tracking,
        Self::EsiLogin,
        Self::EsiProxy,
        Self::EsiToken,
    ];

    /// The roles an administrator gives (`app` comes with every application).
    pub const GIVEN: [Self; 6] = [
        Self::Groups,
        Self::Chars,
        Self::Tracking,
        Self::EsiLogin,
        Self::EsiProxy,
        Self::EsiToken,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Groups => "app-groups",
            Self::Chars => "app-chars",
            Self::Tracking => "app-tracking",
            Self::EsiLogin => "app-esi-login",
            Self::EsiProxy => "app-esi-proxy",
            Self::EsiToken => "app-esi-token",
        }
    }

    /// Reads a role as stored or typed (`app-groups`, or `groups` without the prefix).
    pub fn parse(text: &str) -> Result<Self, AppRuleError> {
        let wanted = text.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == wanted || r.as_str().strip_prefix("app-") == Some(&wanted))
            .ok_or_else(|| AppRuleError::UnknownRole(text.trim().to_owned()))
    }

    /// What the role lets an application do, for the pages.
    pub fn description(self) -> &'static str {
        match self {
            Self::App => "show the application's own settings",
            Self::Groups => {
                "read the groups of characters, corporations and alliances it may see, and their members"
            }
            Self::Chars => {
                "read accounts and their characters: mains, alts, removed and incoming characters"
            }
            Self::Tracking => "read the member tracking of tracked corporations",
            Self::EsiLogin => "list the characters with a token of its EVE logins",
            Self::EsiProxy => {
                "send ESI requests through Jumpgate with a character's token of its EVE logins"
            }
            Self::EsiToken => "read a character's ESI access token of its EVE logins",
        }
    }
}

impl fmt::Display for AppRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An application with what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: AppId,
    pub name: String,
    /// The roles given to it; `app` is implied and never stored.
    pub roles: BTreeSet<AppRole>,
    /// The groups it sees.
    pub groups: BTreeSet<GroupId>,
    /// The EVE logins whose tokens it may use (by name).
    pub eve_logins: BTreeSet<String>,
    /// The accounts that manage it: they make its secret.
    pub managers: BTreeSet<AccountId>,
    /// Whether a secret was ever made: an application without one cannot authenticate.
    pub has_secret: bool,
    pub created_at: OffsetDateTime,
}

impl Application {
    /// Whether it holds `role` (`app` always).
    pub fn has_role(&self, role: AppRole) -> bool {
        role == AppRole::App || self.roles.contains(&role)
    }

    /// Every role it holds, `app` first.
    pub fn all_roles(&self) -> Vec<AppRole> {
        std::iter::once(AppRole::App)
            .chain(self.roles.iter().copied().filter(|r| *r != AppRole::App))
            .collect()
    }

    /// `Err` naming the role unless it holds `role`.
    pub fn require(&self, role: AppRole) -> Result<(), AppRuleError> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(AppRuleError::MissingRole(role))
        }
    }

    /// Whether it may use tokens of the EVE login `name`.
    pub fn may_use_login(&self, name: &str) -> bool {
        self.eve_logins.contains(name)
    }
}

/// Checks an application's name: trimmed, 1 to `MAX_APP_NAME` characters, no control
/// characters. Returns the trimmed name.
pub fn validate_name(name: &str) -> Result<String, AppRuleError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppRuleError::EmptyName);
    }
    if name.chars().count() > MAX_APP_NAME {
        return Err(AppRuleError::NameTooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(AppRuleError::ControlCharacters);
    }
    Ok(name.to_owned())
}

/// Why an application's settings or a call were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppRuleError {
    #[error("an application needs a name")]
    EmptyName,
    #[error("an application's name is at most {MAX_APP_NAME} characters long")]
    NameTooLong,
    #[error("an application's name cannot contain control characters")]
    ControlCharacters,
    #[error(
        "'{0}' is not an application role (they are app-groups, app-chars, app-tracking, app-esi-login, app-esi-proxy and app-esi-token)"
    )]
    UnknownRole(String),
    #[error("this needs the application role '{0}', which the application does not have")]
    MissingRole(AppRole),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(roles: &[AppRole]) -> Application {
        Application {
            id: AppId(1),
            name: "Pingboard".into(),
            roles: roles.iter().copied().collect(),
            groups: BTreeSet::new(),
            eve_logins: BTreeSet::new(),
            managers: BTreeSet::new(),
            has_secret: true,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn roles_read_with_or_without_the_app_prefix_and_in_any_case() {
        assert_eq!(AppRole::parse("app-groups"), Ok(AppRole::Groups));
        assert_eq!(AppRole::parse(" Groups "), Ok(AppRole::Groups));
        assert_eq!(AppRole::parse("app-esi-proxy"), Ok(AppRole::EsiProxy));
        assert_eq!(AppRole::parse("app"), Ok(AppRole::App));
        assert!(matches!(
            AppRole::parse("app-admin"),
            Err(AppRuleError::UnknownRole(r)) if r == "app-admin"
        ));
        for role in AppRole::ALL {
            assert_eq!(AppRole::parse(role.as_str()), Ok(role));
        }
    }

    #[test]
    fn every_application_holds_the_app_role_and_only_the_roles_it_was_given() {
        let a = app(&[AppRole::Groups]);
        assert!(a.has_role(AppRole::App));
        assert!(a.has_role(AppRole::Groups));
        assert_eq!(
            a.require(AppRole::Chars),
            Err(AppRuleError::MissingRole(AppRole::Chars))
        );
        assert_eq!(a.all_roles(), vec![AppRole::App, AppRole::Groups]);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("  SRP  ").as_deref(), Ok("SRP"));
        assert_eq!(validate_name("   "), Err(AppRuleError::EmptyName));
        assert_eq!(
            validate_name(&"x".repeat(MAX_APP_NAME + 1)),
            Err(AppRuleError::NameTooLong)
        );
        assert_eq!(
            validate_name("a\u{7}b"),
            Err(AppRuleError::ControlCharacters)
        );
    }
}
