//! ESI scopes and "EVE logins" (named scope sets).
//!
//! A character holds at most one token per EVE login. The `core.default` login carries the
//! scopes the core needs; later features add their own logins (e.g. `standings.sync`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A set of ESI scopes, kept sorted so that equal sets compare and print equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeSet(BTreeSet<String>);

impl ScopeSet {
    pub fn new<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(
            scopes
                .into_iter()
                .map(Into::into)
                .filter(|s: &String| !s.trim().is_empty())
                .collect(),
        )
    }

    /// Parses the space-separated form used in OAuth `scope` parameters and in the database.
    pub fn parse(space_separated: &str) -> Self {
        Self::new(space_separated.split_whitespace())
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.contains(scope)
    }

    pub fn is_superset_of(&self, other: &ScopeSet) -> bool {
        self.0.is_superset(&other.0)
    }

    /// The scopes of `required` that this set lacks.
    pub fn missing(&self, required: &ScopeSet) -> ScopeSet {
        ScopeSet(required.0.difference(&self.0).cloned().collect())
    }

    pub fn union(&self, other: &ScopeSet) -> ScopeSet {
        ScopeSet(self.0.union(&other.0).cloned().collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The space-separated form.
    pub fn to_space_separated(&self) -> String {
        self.0.iter().cloned().collect::<Vec<_>>().join(" ")
    }
}

impl fmt::Display for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_space_separated())
    }
}

/// A named set of scopes a character can be asked to grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EveLogin {
    pub name: String,
    pub description: String,
    pub scopes: ScopeSet,
}

impl EveLogin {
    /// The login every member goes through; its token decides "valid token" on the account page.
    pub const DEFAULT: &'static str = "core.default";

    /// The login without ESI scopes, for managed accounts' characters only (Neucore's
    /// `core.no-scopes`): it proves who someone is and leaves no token to check.
    pub const NO_SCOPES: &'static str = "core.no-scopes";

    /// The login of the character that sends Jumpgate's EVE mails (`[deactivation]
    /// eve_mail_from`, Neucore's `core.mail`).
    pub const MAIL: &'static str = "core.mail";

    /// The mail sender's login: only the scope to send mail.
    pub fn core_mail() -> Self {
        Self {
            name: Self::MAIL.to_owned(),
            description: "Send Jumpgate's EVE mails from this character".to_owned(),
            scopes: ScopeSet::new(["esi-mail.send_mail.v1"]),
        }
    }

    /// The login without scopes (enabled by `[accounts] no_scopes_login`).
    pub fn core_no_scopes() -> Self {
        Self {
            name: Self::NO_SCOPES.to_owned(),
            description: "Log in without ESI scopes (managed accounts only)".to_owned(),
            scopes: ScopeSet::default(),
        }
    }

    /// The scopes the core needs for every member: only `publicData`, which no ESI route reads
    /// but which makes EVE issue a refresh token (a login without scopes gets none), so the
    /// membership check can keep refreshing the character's token. Affiliations come from public
    /// routes. A feature that reads more asks for it in a login of its own.
    pub fn core_default() -> Self {
        Self {
            name: Self::DEFAULT.to_owned(),
            description: "Log in and keep your membership checked".to_owned(),
            scopes: ScopeSet::new(["publicData"]),
        }
    }

    /// Names follow Neucore's rule (`^[-._a-zA-Z0-9]+$`, at most 20 characters); the `core.`
    /// prefix is reserved for logins Jumpgate itself defines.
    pub fn validate_name(name: &str) -> Result<(), String> {
        if name.is_empty() || name.len() > 20 {
            return Err("an EVE login name must be 1 to 20 characters long".to_owned());
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        {
            return Err(
                "an EVE login name may contain only letters, digits, '-', '.' and '_'".to_owned(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_ignores_extra_whitespace_and_duplicates() {
        let s = ScopeSet::parse("  b a  b ");
        assert_eq!(s.to_space_separated(), "a b");
    }

    #[test]
    fn missing_lists_only_absent_scopes() {
        let have = ScopeSet::parse("a b");
        let need = ScopeSet::parse("b c d");
        assert_eq!(have.missing(&need).to_space_separated(), "c d");
        assert!(!have.is_superset_of(&need));
    }

    #[test]
    fn the_core_login_asks_every_member_only_for_public_data() {
        assert_eq!(
            EveLogin::core_default().scopes.to_space_separated(),
            "publicData"
        );
    }

    #[test]
    fn login_names_follow_the_neucore_pattern() {
        assert!(EveLogin::validate_name("standings.sync").is_ok());
        assert!(EveLogin::validate_name("bad name").is_err());
        assert!(EveLogin::validate_name("").is_err());
    }
}
