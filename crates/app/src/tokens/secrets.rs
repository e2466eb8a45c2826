//! Encryption of ESI tokens at rest: XChaCha20-Poly1305 with a key ring.
//!
//! Each ciphertext names the key that sealed it, so keys can rotate without a flag day, and is
//! bound to its row through associated data (`token:<character>:<login>:<kind>`), so a
//! ciphertext copied into another row does not decrypt. The ring lives in configuration (the
//! `[secrets]` section, `SecretSettings`: keys by id and the primary one) or in
//! `<data dir>/keys.json` (mode 0600, `key_file`), generated on first start.
//!
//! The ring also gives other secrets a key of their own, derived from its primary key
//! (`derive_key`), and seals short-lived values with it (`seal_for`): a pending SSO login's cookie
//! (ADR 0018), and signs email verification links (`derived_keys`: those of the older keys still
//! verify). Every instance with the same ring derives the same keys.

use crate::key_file;
pub use crate::tokens::secret_settings::SecretSettings;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use jumpgate_domain::clock::{Clock, SystemClock};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "the token key {0} is not in the key ring: was keys.json replaced or the configured key changed?"
    )]
    UnknownKey(String),
    #[error("a stored token could not be decrypted (wrong key, or the row was tampered with)")]
    Undecryptable,
    #[error("a stored token is not in Jumpgate's ciphertext format")]
    Malformed,
    #[error("the configured token keys are not valid: {0}")]
    BadConfiguredKeys(String),
    #[error(
        "secrets.audit_key must be 32 bytes encoded as base64 (e.g. `openssl rand -base64 32`)"
    )]
    BadConfiguredAuditKey,
    #[error("cannot read or write the key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the key file {0} is not valid: {1}")]
    BadKeyFile(PathBuf, String),
    /// The deployment's keys do not fit its database; the message names the fix.
    #[error("{0}")]
    KeysDoNotFit(String),
}

/// Where the keys come from decides whether `keys rotate` can change them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `secrets.token_key(s)` in configuration: a new key is added there (and made primary) by
    /// the operator; `keys rotate` then re-encrypts, and the operator removes the old one.
    Configured,
    /// `<data dir>/keys.json`, managed by Jumpgate.
    File(PathBuf),
    /// Tests only.
    Ephemeral,
}

#[derive(Clone)]
pub struct KeyRing {
    primary: String,
    keys: BTreeMap<String, Key>,
    source: KeySource,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("KeyRing")
            .field("primary", &self.primary)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .field("source", &self.source)
            .finish()
    }
}

impl KeyRing {
    /// A ring with one random key, kept in memory only.
    pub fn ephemeral() -> Self {
        Self::single("ephemeral".into(), Key::generate(), KeySource::Ephemeral)
    }

    /// The keys given in configuration (`secrets.token_key`, `secrets.token_keys`,
    /// `secrets.primary_key`), or `None` when none is: then they come from keys.json.
    pub fn configured(settings: &SecretSettings) -> Result<Option<Self>, SecretsError> {
        let (keys, primary) = match settings.configured_keys() {
            Ok(Some(configured)) => configured,
            Ok(None) => return Ok(None),
            Err(problems) => return Err(SecretsError::BadConfiguredKeys(problems.join("; "))),
        };
        Ok(Some(Self {
            primary,
            keys: keys
                .into_iter()
                .map(|(id, key)| (id, Key::from(key)))
                .collect(),
            source: KeySource::Configured,
        }))
    }

    /// Loads the ring from `<dir>/keys.json`, adding a fresh key (and creating the file, mode
    /// 0600) if it has none.
    pub fn load_or_create(dir: &Path) -> Result<Self, SecretsError> {
        let path = key_file::path_in(dir);
        let file = key_file::update(&path, |file| {
            if file.primary.is_none() {
                let id = new_key_id();
                file.keys.insert(id.clone(), B64.encode(Key::generate()));
                file.primary = Some(id);
            }
            Ok(())
        })?;
        Self::from_file(&path, file)
    }

    fn from_file(path: &Path, file: key_file::KeyFile) -> Result<Self, SecretsError> {
        let mut keys = BTreeMap::new();
        for (id, b64) in file.keys {
            let bytes = B64
                .decode(b64.trim())
                .map_err(|e| SecretsError::BadKeyFile(path.to_owned(), e.to_string()))?;
            let key = Key::try_from(bytes.as_slice()).map_err(|_| {
                SecretsError::BadKeyFile(path.to_owned(), format!("key {id} is not 32 bytes"))
            })?;
            keys.insert(id, key);
        }
        let primary = file.primary.unwrap_or_default();
        if !keys.contains_key(&primary) {
            return Err(SecretsError::BadKeyFile(
                path.to_owned(),
                format!("the primary key {primary} is missing"),
            ));
        }
        Ok(Self {
            primary,
            keys,
            source: KeySource::File(path.to_owned()),
        })
    }

    fn single(id: String, key: Key, source: KeySource) -> Self {
        Self {
            primary: id.clone(),
            keys: BTreeMap::from([(id, key)]),
            source,
        }
    }

    pub fn source(&self) -> &KeySource {
        &self.source
    }

    pub fn primary_key_id(&self) -> &str {
        &self.primary
    }

    /// Whether the ring opens what the key `id` sealed.
    pub fn has_key(&self, id: &str) -> bool {
        self.keys.contains_key(id)
    }

    /// The ids of the ring's keys, in order.
    pub fn key_ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// Adds a new primary key; old keys stay for decryption until `retire_old_keys`.
    pub fn add_primary(&mut self) -> Result<(), SecretsError> {
        let id = new_key_id();
        self.keys.insert(id.clone(), Key::generate());
        self.primary = id;
        self.save()
    }

    /// Forgets every key but the primary (after everything was re-encrypted).
    pub fn retire_old_keys(&mut self) -> Result<(), SecretsError> {
        let primary = self.primary.clone();
        self.keys.retain(|id, _| *id == primary);
        self.save()
    }

    /// Writes the ring's keys to its file, leaving the file's other secrets as they are.
    fn save(&self) -> Result<(), SecretsError> {
        let KeySource::File(path) = &self.source else {
            return Ok(());
        };
        key_file::update(path, |file| {
            file.primary = Some(self.primary.clone());
            file.keys = self
                .keys
                .iter()
                .map(|(id, k)| (id.clone(), B64.encode(k.as_slice())))
                .collect();
            Ok(())
        })?;
        Ok(())
    }

    fn primary_key(&self) -> Result<&Key, SecretsError> {
        self.keys
            .get(&self.primary)
            .ok_or_else(|| SecretsError::UnknownKey(self.primary.clone()))
    }

    /// A key of its own for `purpose` (a fixed label such as `"sso.pending-login"`), derived
    /// from the primary key with HKDF-SHA256: every instance with the same ring derives the same
    /// key, and no derived key reveals the token key or another purpose's key.
    ///
    /// It follows the primary key: rotating the token key (`jumpgate keys rotate`, or another
    /// `secrets.token_key`) changes every derived key, and what was sealed with the old one no
    /// longer opens. So derive keys only for short-lived values: a rotation cancels the pending
    /// logins in flight (they live ten minutes; their people start the login again).
    pub fn derive_key(&self, purpose: &str) -> Result<[u8; 32], SecretsError> {
        derive(self.primary_key()?, purpose)
    }

    /// The keys derived for `purpose` from every key of the ring, the primary's first: for a
    /// value that should stay valid across a rotation while the old key is still in the ring
    /// (an email verification link checked against each).
    pub fn derived_keys(&self, purpose: &str) -> Result<Vec<[u8; 32]>, SecretsError> {
        let primary = self.primary_key()?;
        std::iter::once(primary)
            .chain(
                self.keys
                    .iter()
                    .filter(|(id, _)| **id != self.primary)
                    .map(|(_, k)| k),
            )
            .map(|key| derive(key, purpose))
            .collect()
    }

    /// Seals a short-lived value with the key derived for `purpose`, bound to that purpose:
    /// nonce, then ciphertext. No key id: it opens only while the primary key is the same.
    pub fn seal_for(&self, purpose: &str, plaintext: &[u8]) -> Result<Vec<u8>, SecretsError> {
        let key = Key::from(self.derive_key(purpose)?);
        let (nonce, sealed) = encrypt(&key, plaintext, purpose)?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// Opens what `seal_for` sealed for `purpose`; an error when it was sealed for another
    /// purpose, under another primary key, or changed.
    pub fn open_for(&self, purpose: &str, sealed: &[u8]) -> Result<Vec<u8>, SecretsError> {
        if sealed.len() < NONCE_LEN {
            return Err(SecretsError::Malformed);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| SecretsError::Malformed)?;
        decrypt(
            &Key::from(self.derive_key(purpose)?),
            &nonce,
            ciphertext,
            purpose,
        )
    }

    /// Seals `plaintext` with the primary key, bound to `aad`.
    pub fn seal(&self, plaintext: &[u8], aad: &str) -> Result<Vec<u8>, SecretsError> {
        let (nonce, sealed) = encrypt(self.primary_key()?, plaintext, aad)?;
        let id = self.primary.as_bytes();
        let id_len = u8::try_from(id.len()).map_err(|_| SecretsError::Malformed)?;
        let mut out = Vec::with_capacity(2 + id.len() + NONCE_LEN + sealed.len());
        out.push(FORMAT_VERSION);
        out.push(id_len);
        out.extend_from_slice(id);
        out.extend_from_slice(nonce.as_slice());
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens a ciphertext sealed by any key of the ring, checking it belongs to `aad`.
    pub fn open(&self, sealed: &[u8], aad: &str) -> Result<Vec<u8>, SecretsError> {
        let (key_id, nonce, ciphertext) = split(sealed)?;
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| SecretsError::UnknownKey(key_id.to_owned()))?;
        decrypt(key, &nonce, ciphertext, aad)
    }

    pub fn seal_str(&self, secret: &SecretString, aad: &str) -> Result<Vec<u8>, SecretsError> {
        self.seal(secret.expose_secret().as_bytes(), aad)
    }

    pub fn open_str(&self, sealed: &[u8], aad: &str) -> Result<SecretString, SecretsError> {
        let bytes = self.open(sealed, aad)?;
        String::from_utf8(bytes)
            .map(SecretString::from)
            .map_err(|_| SecretsError::Malformed)
    }

    /// The id of the key that sealed a ciphertext.
    pub fn key_id_of(sealed: &[u8]) -> Option<&str> {
        split(sealed).ok().map(|(id, _, _)| id)
    }
}

/// HKDF-SHA256 of `key` for `purpose`.
fn derive(key: &Key, purpose: &str) -> Result<[u8; 32], SecretsError> {
    let mut derived = [0u8; 32];
    Hkdf::<Sha256>::new(None, key.as_slice())
        .expand(format!("jumpgate:{purpose}").as_bytes(), &mut derived)
        // Only asking for more than 255 blocks fails; 32 bytes is one.
        .map_err(|_| SecretsError::Malformed)?;
    Ok(derived)
}

/// XChaCha20-Poly1305 under `key` with a fresh random nonce, bound to `aad`.
fn encrypt(key: &Key, plaintext: &[u8], aad: &str) -> Result<(XNonce, Vec<u8>), SecretsError> {
    let nonce = XNonce::generate();
    let sealed = XChaCha20Poly1305::new(key)
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| SecretsError::Undecryptable)?;
    Ok((nonce, sealed))
}

fn decrypt(
    key: &Key,
    nonce: &XNonce,
    ciphertext: &[u8],
    aad: &str,
) -> Result<Vec<u8>, SecretsError> {
    XChaCha20Poly1305::new(key)
        .decrypt(
            nonce,
            Payload {
                msg: ciphertext,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| SecretsError::Undecryptable)
}

fn split(sealed: &[u8]) -> Result<(&str, XNonce, &[u8]), SecretsError> {
    let (&version, rest) = sealed.split_first().ok_or(SecretsError::Malformed)?;
    if version != FORMAT_VERSION {
        return Err(SecretsError::Malformed);
    }
    let (&id_len, rest) = rest.split_first().ok_or(SecretsError::Malformed)?;
    let id_len = usize::from(id_len);
    if rest.len() < id_len + NONCE_LEN {
        return Err(SecretsError::Malformed);
    }
    let (id, rest) = rest.split_at(id_len);
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let id = std::str::from_utf8(id).map_err(|_| SecretsError::Malformed)?;
    let nonce = XNonce::try_from(nonce).map_err(|_| SecretsError::Malformed)?;
    Ok((id, nonce, ciphertext))
}

/// The associated data that binds a token ciphertext to its row.
pub fn token_aad(character: i64, login: &str, kind: &str) -> String {
    format!("token:{character}:{login}:{kind}")
}

fn new_key_id() -> String {
    // A key is named by the real time it was made.
    let now = SystemClock.now();
    format!("k{}-{:04x}", now.unix_timestamp(), rand::random::<u16>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_open_with_the_same_binding() {
        let ring = KeyRing::ephemeral();
        let sealed = ring
            .seal(b"refresh-token", "token:1:core.default:refresh")
            .unwrap();
        assert!(!sealed.windows(13).any(|w| w == b"refresh-token"));
        let opened = ring.open(&sealed, "token:1:core.default:refresh").unwrap();
        assert_eq!(opened, b"refresh-token");
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_does_not_open() {
        let ring = KeyRing::ephemeral();
        let sealed = ring
            .seal(b"secret", "token:1:core.default:refresh")
            .unwrap();
        assert!(matches!(
            ring.open(&sealed, "token:2:core.default:refresh"),
            Err(SecretsError::Undecryptable)
        ));
    }

    #[test]
    fn a_flipped_bit_is_detected() {
        let ring = KeyRing::ephemeral();
        let mut sealed = ring.seal(b"secret", "aad").unwrap();
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(ring.open(&sealed, "aad").is_err());
    }

    #[test]
    fn the_key_file_is_created_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::load_or_create(dir.path()).unwrap();
        let sealed = ring.seal(b"x", "a").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = KeyRing::load_or_create(dir.path()).unwrap();
        assert_eq!(again.open(&sealed, "a").unwrap(), b"x");
    }

    #[test]
    fn rotation_keeps_old_ciphertexts_readable_until_retired() {
        let dir = tempfile::tempdir().unwrap();
        let mut ring = KeyRing::load_or_create(dir.path()).unwrap();
        let old = ring.seal(b"x", "a").unwrap();
        let old_id = KeyRing::key_id_of(&old).unwrap().to_owned();
        ring.add_primary().unwrap();
        assert_ne!(ring.primary_key_id(), old_id);
        assert_eq!(ring.open(&old, "a").unwrap(), b"x");
        let new = ring.seal(b"x", "a").unwrap();
        ring.retire_old_keys().unwrap();
        assert!(matches!(
            ring.open(&old, "a"),
            Err(SecretsError::UnknownKey(_))
        ));
        assert_eq!(ring.open(&new, "a").unwrap(), b"x");
    }

    /// A ring of the single configured `secrets.token_key` of 32 bytes of `byte`.
    pub(crate) fn configured_ring(byte: u8) -> KeyRing {
        let settings = SecretSettings {
            token_key: Some(SecretString::from(B64.encode([byte; 32]))),
            ..SecretSettings::default()
        };
        KeyRing::configured(&settings).unwrap().unwrap()
    }

    #[test]
    fn a_derived_key_is_the_same_for_every_instance_and_its_own_per_purpose() {
        let here = configured_ring(7);
        let there = configured_ring(7);
        let login = here.derive_key("sso.pending-login").unwrap();
        assert_eq!(login, there.derive_key("sso.pending-login").unwrap());
        assert_ne!(login, here.derive_key("something else").unwrap());
        assert_ne!(login, [7u8; 32], "not the token key itself");
    }

    #[test]
    fn a_value_sealed_for_a_purpose_opens_only_for_it_and_only_under_the_same_primary_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut ring = KeyRing::load_or_create(dir.path()).unwrap();
        let sealed = ring.seal_for("sso.pending-login", b"state").unwrap();
        assert!(!sealed.windows(5).any(|w| w == b"state"));
        assert_eq!(
            ring.open_for("sso.pending-login", &sealed).unwrap(),
            b"state"
        );
        assert!(ring.open_for("another", &sealed).is_err());
        let mut flipped = sealed.clone();
        flipped[30] ^= 1;
        assert!(ring.open_for("sso.pending-login", &flipped).is_err());
        assert!(ring.open_for("sso.pending-login", &sealed[..10]).is_err());
        assert!(
            KeyRing::ephemeral()
                .open_for("sso.pending-login", &sealed)
                .is_err(),
            "another deployment's key"
        );
        // Rotating the token key cancels what was sealed before.
        ring.add_primary().unwrap();
        assert!(ring.open_for("sso.pending-login", &sealed).is_err());
    }

    #[test]
    fn configured_keys_open_what_any_of_them_sealed_and_seal_with_the_primary() {
        let key = |byte: u8| SecretString::from(B64.encode([byte; 32]));
        let old = configured_ring(1);
        assert_eq!(old.primary_key_id(), "config");
        let sealed_before = old.seal(b"x", "a").unwrap();
        // The new key beside the old one, made primary.
        let settings = SecretSettings {
            token_key: Some(key(1)),
            token_keys: BTreeMap::from([("k2".to_owned(), key(2))]),
            primary_key: Some("k2".into()),
            ..SecretSettings::default()
        };
        let both = KeyRing::configured(&settings).unwrap().unwrap();
        assert_eq!(*both.source(), KeySource::Configured);
        assert_eq!(both.open(&sealed_before, "a").unwrap(), b"x");
        let sealed_now = both.seal(b"y", "a").unwrap();
        assert_eq!(KeyRing::key_id_of(&sealed_now), Some("k2"));
        // Once the old one is removed, only what the new one sealed opens.
        let settings = SecretSettings {
            token_keys: BTreeMap::from([("k2".to_owned(), key(2))]),
            ..SecretSettings::default()
        };
        let new = KeyRing::configured(&settings).unwrap().unwrap();
        assert_eq!(new.open(&sealed_now, "a").unwrap(), b"y");
        assert!(matches!(
            new.open(&sealed_before, "a"),
            Err(SecretsError::UnknownKey(id)) if id == "config"
        ));
        assert!(
            KeyRing::configured(&SecretSettings::default())
                .unwrap()
                .is_none()
        );
    }
}
