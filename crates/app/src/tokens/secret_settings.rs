//! The `[secrets]` section of the configuration: the token keys by id and the primary one, and
//! the audit key. Checked once for every problem (`validate`), read by `KeyRing::configured` and
//! `audit::key::load`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;

/// The id under which `secrets.token_key` seals: tokens sealed before key ids could be
/// configured carry it, so a configuration of one `token_key` keeps working as it always did.
pub const SINGLE_KEY_ID: &str = "config";
/// The longest key id: ids travel in every ciphertext's header.
const MAX_KEY_ID: usize = 64;

/// The `[secrets]` section of the configuration.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretSettings {
    /// One token key, base64 of 32 random bytes (`openssl rand -base64 32`), with the id
    /// `config`. Required on PostgreSQL (or `token_keys`); without either, on SQLite, a key file is
    /// generated in the data directory.
    pub token_key: Option<SecretString>,
    /// Token keys by id (lower-case letters, digits, `-` and `_`), each base64 of 32 random
    /// bytes. Every instance opens tokens sealed with any of them and seals with `primary_key`: a
    /// new key goes here beside the old ones, then `jumpgate keys rotate` re-encrypts, then the
    /// old one is removed.
    #[serde(default)]
    pub token_keys: BTreeMap<String, SecretString>,
    /// The id of the key that seals new tokens. May be left out when only one key is configured.
    pub primary_key: Option<String>,
    /// The audit chain key (ADR 0016), base64 of 32 random bytes. Needed with configured token
    /// keys (every instance on one database must use the same one); otherwise it is kept in the
    /// key file. Never change it: the keyed part of the audit log is verified with it.
    pub audit_key: Option<SecretString>,
}

/// Configured token keys by id, and the primary key's id.
pub(crate) type ConfiguredKeys = (BTreeMap<String, [u8; 32]>, String);

impl SecretSettings {
    /// Whether any token key is configured (then keys.json holds none that is used).
    pub fn has_token_keys(&self) -> bool {
        self.token_key.is_some() || !self.token_keys.is_empty()
    }

    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if let Err(mut found) = self.configured_keys() {
            problems.append(&mut found);
        }
        match &self.audit_key {
            Some(key) if crate::audit::key::from_configured(key).is_err() => problems.push(
                "secrets.audit_key must be 32 bytes in base64: create one with `openssl rand -base64 32`"
                    .to_owned(),
            ),
            Some(_) => {}
            // The keys come from the configuration, not the key file: the audit key too, so that
            // instances sharing a database share it (with keys.json each would make its own).
            None if self.has_token_keys() => problems.push(
                "secrets.audit_key is missing: it is needed with configured token keys, the same on every instance; create one with `openssl rand -base64 32` and never change it"
                    .to_owned(),
            ),
            None => {}
        }
    }

    /// The configured token keys and the primary's id; `None` when none is configured; every
    /// problem, each named with its setting and fix, otherwise.
    pub(crate) fn configured_keys(&self) -> Result<Option<ConfiguredKeys>, Vec<String>> {
        let mut problems = Vec::new();
        let mut keys = BTreeMap::new();
        if let Some(key) = &self.token_key {
            match decode_key(key) {
                Some(k) => {
                    keys.insert(SINGLE_KEY_ID.to_owned(), k);
                }
                None => problems.push(
                    "secrets.token_key must be 32 bytes in base64: create one with `openssl rand -base64 32`"
                        .to_owned(),
                ),
            }
        }
        for (id, key) in &self.token_keys {
            if let Some(problem) = key_id_problem(id) {
                problems.push(format!("secrets.token_keys: the key id '{id}' {problem}"));
                continue;
            }
            if id == SINGLE_KEY_ID && self.token_key.is_some() {
                problems.push(format!(
                    "secrets.token_keys.{SINGLE_KEY_ID} and secrets.token_key are both set: secrets.token_key is the key with the id {SINGLE_KEY_ID}; keep one of the two"
                ));
                continue;
            }
            match decode_key(key) {
                Some(k) => {
                    keys.insert(id.clone(), k);
                }
                None => problems.push(format!(
                    "secrets.token_keys.{id} must be 32 bytes in base64: create one with `openssl rand -base64 32`"
                )),
            }
        }
        let configured = self.has_token_keys();
        let primary = match &self.primary_key {
            None if !configured => None,
            Some(id) if !configured => {
                problems.push(format!(
                    "secrets.primary_key is '{id}' but no token key is configured: set secrets.token_keys.{id} (`openssl rand -base64 32`), or remove secrets.primary_key"
                ));
                None
            }
            Some(id) if self.names_key(id) => Some(id.clone()),
            Some(id) => {
                problems.push(format!(
                    "secrets.primary_key is '{id}', which is not a configured token key (configured: {}): name one of them",
                    self.key_ids().join(", ")
                ));
                None
            }
            None => match self.key_ids().as_slice() {
                [only] => Some(only.clone()),
                ids => {
                    problems.push(format!(
                        "secrets.primary_key is missing: with several token keys ({}), name the one that seals new tokens (the newest)",
                        ids.join(", ")
                    ));
                    None
                }
            },
        };
        match (problems.is_empty(), primary) {
            (false, _) => Err(problems),
            (true, Some(primary)) => Ok(Some((keys, primary))),
            (true, None) => Ok(None),
        }
    }

    /// Every configured key id, as written (valid or not).
    fn key_ids(&self) -> Vec<String> {
        let single = self.token_key.as_ref().map(|_| SINGLE_KEY_ID.to_owned());
        single
            .into_iter()
            .chain(self.token_keys.keys().cloned())
            .collect()
    }

    fn names_key(&self, id: &str) -> bool {
        (id == SINGLE_KEY_ID && self.token_key.is_some()) || self.token_keys.contains_key(id)
    }
}

fn decode_key(key_b64: &SecretString) -> Option<[u8; 32]> {
    B64.decode(key_b64.expose_secret().trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
}

/// What is wrong with a key id, if anything. Lower case only: environment variables
/// (`JUMPGATE__SECRETS__TOKEN_KEYS__K2`) reach the configuration lower-cased.
fn key_id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() || id.len() > MAX_KEY_ID {
        Some("must be 1 to 64 characters long")
    } else if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        Some("may hold only lower-case letters, digits, '-' and '_'")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretString {
        SecretString::from(B64.encode([byte; 32]))
    }

    fn audit() -> Option<SecretString> {
        Some(key(9))
    }

    fn problems_of(settings: &SecretSettings) -> Vec<String> {
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        problems
    }

    #[test]
    fn one_token_key_is_the_key_with_the_id_config() {
        let settings = SecretSettings {
            token_key: Some(key(1)),
            audit_key: audit(),
            ..SecretSettings::default()
        };
        assert_eq!(problems_of(&settings), Vec::<String>::new());
        let (keys, primary) = settings.configured_keys().unwrap().unwrap();
        assert_eq!(primary, "config");
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["config"]);
        assert_eq!(SecretSettings::default().configured_keys(), Ok(None));
    }

    #[test]
    fn keys_by_id_beside_the_single_key_with_a_primary() {
        let settings = SecretSettings {
            token_key: Some(key(1)),
            token_keys: BTreeMap::from([("k2".into(), key(2)), ("k3".into(), key(3))]),
            primary_key: Some("k3".into()),
            audit_key: audit(),
        };
        assert_eq!(problems_of(&settings), Vec::<String>::new());
        let (keys, primary) = settings.configured_keys().unwrap().unwrap();
        assert_eq!(primary, "k3");
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["config", "k2", "k3"]);
        assert_eq!(keys["k2"], [2; 32]);
        // One key alone needs no primary_key.
        let one = SecretSettings {
            token_keys: BTreeMap::from([("k2".into(), key(2))]),
            audit_key: audit(),
            ..SecretSettings::default()
        };
        assert_eq!(one.configured_keys().unwrap().unwrap().1, "k2");
    }

    #[test]
    fn every_problem_with_the_keys_is_named_with_its_setting() {
        let settings = SecretSettings {
            token_key: Some(SecretString::from("not base64!")),
            token_keys: BTreeMap::from([
                ("config".into(), key(1)),
                ("K2".into(), key(2)),
                ("short".into(), SecretString::from("QkJC")),
                ("".into(), key(4)),
            ]),
            primary_key: Some("k9".into()),
            audit_key: None,
        };
        let problems = problems_of(&settings);
        for expected in [
            "secrets.token_key must be 32 bytes in base64",
            "secrets.token_keys.config and secrets.token_key are both set",
            "the key id 'K2' may hold only lower-case letters",
            "the key id '' must be 1 to 64 characters long",
            "secrets.token_keys.short must be 32 bytes in base64",
            "secrets.primary_key is 'k9', which is not a configured token key",
            "secrets.audit_key is missing",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "'{expected}' missing from {problems:#?}"
            );
        }
        assert_eq!(problems.len(), 7, "{problems:#?}");
        assert!(
            !problems.iter().any(|p| p.contains(&B64.encode([1u8; 32]))),
            "no key is shown"
        );
    }

    #[test]
    fn several_keys_need_a_primary_and_a_primary_needs_keys() {
        let several = SecretSettings {
            token_keys: BTreeMap::from([("k1".into(), key(1)), ("k2".into(), key(2))]),
            audit_key: audit(),
            ..SecretSettings::default()
        };
        let problems = problems_of(&several);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("secrets.primary_key is missing"));
        assert!(problems[0].contains("k1, k2"));

        let alone = SecretSettings {
            primary_key: Some("k1".into()),
            ..SecretSettings::default()
        };
        let problems = problems_of(&alone);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("no token key is configured"));
    }
}
