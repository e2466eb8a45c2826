//! Where the audit chain key comes from (ADR 0016): `secrets.audit_key` in the configuration, or
//! the `audit_key` of `<data dir>/keys.json`, added on first start (also to a key file written
//! before the chain was keyed). Never from the database, which is what it protects. It is not a
//! token key: `keys rotate` leaves it alone, since every keyed entry is verified with it.

use crate::key_file;
use crate::tokens::secrets::{SecretSettings, SecretsError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use jumpgate_domain::audit::ChainKey;
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;

/// The key the store seals audit entries with: the configured one, else the key file's.
pub fn load(secrets: &SecretSettings, data_dir: &Path) -> Result<ChainKey, SecretsError> {
    match &secrets.audit_key {
        Some(key) => from_configured(key),
        None => load_or_create(data_dir),
    }
}

/// A key given in configuration: base64 of 32 bytes.
pub fn from_configured(key_b64: &SecretString) -> Result<ChainKey, SecretsError> {
    B64.decode(key_b64.expose_secret().trim())
        .ok()
        .and_then(|bytes| ChainKey::from_slice(&bytes))
        .ok_or(SecretsError::BadConfiguredAuditKey)
}

/// The key file's audit key, added (with the file, mode 0600) if it has none.
fn load_or_create(dir: &Path) -> Result<ChainKey, SecretsError> {
    let path = key_file::path_in(dir);
    let file = key_file::update(&path, |file| {
        if file.audit_key.is_none() {
            file.audit_key = Some(B64.encode(rand::random::<[u8; ChainKey::LEN]>()));
        }
        Ok(())
    })?;
    file.audit_key
        .as_deref()
        .and_then(|b64| B64.decode(b64.trim()).ok())
        .and_then(|bytes| ChainKey::from_slice(&bytes))
        .ok_or_else(|| SecretsError::BadKeyFile(path, "audit_key is not 32 bytes of base64".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::secrets::KeyRing;
    use jumpgate_store::testing::{TEST_AUDIT_KEY, TEST_AUDIT_KEY_BASE64};

    fn file_in(dir: &Path) -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("keys.json")).unwrap()).unwrap()
    }

    #[test]
    fn a_key_file_from_before_gets_an_audit_key_and_keeps_its_token_keys() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::load_or_create(dir.path()).unwrap();
        let sealed = ring.seal(b"token", "aad").unwrap();
        let before = file_in(dir.path());
        assert!(before.get("audit_key").is_none(), "{before}");

        let key = load(&SecretSettings::default(), dir.path()).unwrap();
        let after = file_in(dir.path());
        assert_eq!(after["primary"], before["primary"]);
        assert_eq!(after["keys"], before["keys"]);
        assert!(after["audit_key"].is_string());
        assert_eq!(load(&SecretSettings::default(), dir.path()).unwrap(), key);
        let ring = KeyRing::load_or_create(dir.path()).unwrap();
        assert_eq!(ring.open(&sealed, "aad").unwrap(), b"token");
    }

    #[test]
    fn rotating_the_token_keys_keeps_the_audit_key() {
        let dir = tempfile::tempdir().unwrap();
        // The audit key first, as a start does (the store opens before the key ring loads).
        let key = load(&SecretSettings::default(), dir.path()).unwrap();
        let mut ring = KeyRing::load_or_create(dir.path()).unwrap();
        ring.add_primary().unwrap();
        ring.retire_old_keys().unwrap();
        assert_eq!(load(&SecretSettings::default(), dir.path()).unwrap(), key);
    }

    #[test]
    fn a_configured_key_wins_and_must_be_32_bytes_of_base64() {
        let dir = tempfile::tempdir().unwrap();
        let configured = SecretSettings {
            audit_key: Some(SecretString::from(TEST_AUDIT_KEY_BASE64)),
            ..SecretSettings::default()
        };
        assert_eq!(load(&configured, dir.path()).unwrap(), TEST_AUDIT_KEY);
        assert!(!dir.path().join("keys.json").exists(), "no key file");
        for bad in ["not base64!", "QkJC"] {
            assert!(matches!(
                from_configured(&SecretString::from(bad)),
                Err(SecretsError::BadConfiguredAuditKey)
            ));
        }
    }

    #[test]
    fn a_configured_token_key_needs_a_configured_audit_key() {
        let key = || Some(SecretString::from(TEST_AUDIT_KEY_BASE64));
        let mut problems = Vec::new();
        SecretSettings {
            token_key: key(),
            audit_key: None,
            ..SecretSettings::default()
        }
        .validate(&mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("secrets.audit_key is missing"));
        let mut problems = Vec::new();
        SecretSettings {
            token_key: key(),
            audit_key: key(),
            ..SecretSettings::default()
        }
        .validate(&mut problems);
        SecretSettings {
            token_key: None,
            audit_key: Some(SecretString::from("short")),
            ..SecretSettings::default()
        }
        .validate(&mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("secrets.audit_key must be 32 bytes"));
    }
}
