//! How an application proves who it is on every call: `Authorization: Bearer
//! base64("{id}:{secret}")` (Neucore's scheme), checked against the stored Argon2id hash.
//!
//! A slow hash on every call would make the API slow, so each process remembers the SHA-256
//! digest of a secret it verified, with the hash it verified it against: the next call with
//! the same secret compares digests (in constant time) instead. A new secret changes the hash,
//! which forgets the old digest. Wrong secrets are remembered the same way (a few per
//! application), so a tool that keeps sending an old secret costs one slow check, not one per
//! call; and only one slow check runs at a time, so wrong secrets cannot take every core.

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::AppId;
use jumpgate_domain::apps::bearer;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use subtle::ConstantTimeEq;

/// How many wrong secrets are remembered per application.
const WRONG_SECRETS_KEPT: usize = 16;

type SecretDigest = [u8; 32];

/// What was checked against an application's current hash.
#[derive(Default)]
struct Checked {
    hash: String,
    right: Option<SecretDigest>,
    wrong: Vec<SecretDigest>,
}

/// The secrets this process checked, per application.
pub(crate) struct CheckedSecrets {
    by_app: Mutex<HashMap<AppId, Checked>>,
    /// One slow check at a time.
    hashing: tokio::sync::Semaphore,
}

impl CheckedSecrets {
    /// What an earlier check said of `digest` against `hash`; `None` when it was not checked.
    fn known(&self, app: AppId, hash: &str, digest: &SecretDigest) -> Option<bool> {
        let by_app = self.by_app.lock().unwrap_or_else(PoisonError::into_inner);
        let checked = by_app.get(&app).filter(|c| c.hash == hash)?;
        if checked
            .right
            .is_some_and(|right| bool::from(right.ct_eq(digest)))
        {
            return Some(true);
        }
        checked
            .wrong
            .iter()
            .any(|w| bool::from(w.ct_eq(digest)))
            .then_some(false)
    }

    fn remember(&self, app: AppId, hash: &str, digest: SecretDigest, right: bool) {
        let mut by_app = self.by_app.lock().unwrap_or_else(PoisonError::into_inner);
        let checked = by_app.entry(app).or_default();
        if checked.hash != hash {
            *checked = Checked {
                hash: hash.to_owned(),
                ..Checked::default()
            };
        }
        if right {
            checked.right = Some(digest);
        } else {
            if checked.wrong.len() >= WRONG_SECRETS_KEPT {
                checked.wrong.remove(0);
            }
            checked.wrong.push(digest);
        }
    }
}

impl Default for CheckedSecrets {
    fn default() -> Self {
        Self {
            by_app: Mutex::default(),
            hashing: tokio::sync::Semaphore::new(1),
        }
    }
}

/// Why a call is refused before it does anything: Neucore answers 403 "Not authorized.".
fn not_authorized(why: &str) -> AppError {
    AppError::Forbidden(format!("Not authorized: {why}."))
}

impl App {
    /// The application the `Authorization` header names, as a caller, when its secret is right;
    /// `Forbidden` otherwise (no header, another scheme, an unknown application, one without a
    /// secret, a wrong secret). The caller carries the change counters the call may see.
    pub async fn application_caller(&self, authorization: Option<&str>) -> AppResult<Caller> {
        let credentials = authorization.and_then(bearer::parse).ok_or_else(|| {
            not_authorized("send Authorization: Bearer base64(\"{id}:{secret}\")")
        })?;
        let seen = self.api_counters().await?;
        let apps = self.kept_apps(&seen).await?;
        let app = credentials.app;
        let (Some(found), Some(hash)) = (apps.by_id.get(&app), apps.hashes.get(&app)) else {
            return Err(not_authorized("unknown application or wrong secret"));
        };
        if !self.secret_is_right(app, hash, &credentials.secret).await? {
            return Err(not_authorized("unknown application or wrong secret"));
        }
        Ok(Caller::application(found.clone()).having_seen_shared(seen))
    }

    async fn secret_is_right(&self, app: AppId, hash: &str, secret: &str) -> AppResult<bool> {
        let checked = &self.inner.apps.secrets;
        let digest: SecretDigest = Sha256::digest(secret.as_bytes()).into();
        if let Some(known) = checked.known(app, hash, &digest) {
            return Ok(known);
        }
        let _one_at_a_time = checked
            .hashing
            .acquire()
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("secret checks stopped: {e}")))?;
        // Another call may have checked the same secret while this one waited.
        if let Some(known) = checked.known(app, hash, &digest) {
            return Ok(known);
        }
        let right = {
            let (secret, hash) = (secret.to_owned(), hash.to_owned());
            tokio::task::spawn_blocking(move || super::secret::verify(&secret, &hash))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("secret check task: {e}")))?
        };
        checked.remember(app, hash, digest, right);
        Ok(right)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checked_secret_is_known_until_the_hash_changes() {
        let checked = CheckedSecrets::default();
        let right = [1u8; 32];
        let wrong = [2u8; 32];
        assert_eq!(checked.known(AppId(1), "h1", &right), None);
        checked.remember(AppId(1), "h1", right, true);
        checked.remember(AppId(1), "h1", wrong, false);
        assert_eq!(checked.known(AppId(1), "h1", &right), Some(true));
        assert_eq!(checked.known(AppId(1), "h1", &wrong), Some(false));
        assert_eq!(checked.known(AppId(2), "h1", &right), None);
        assert_eq!(checked.known(AppId(1), "h2", &right), None);
        checked.remember(AppId(1), "h2", wrong, false);
        assert_eq!(
            checked.known(AppId(1), "h2", &right),
            None,
            "a new hash forgets the secret checked against the old one"
        );
    }

    #[test]
    fn only_a_few_wrong_secrets_are_remembered() {
        let checked = CheckedSecrets::default();
        for i in 0..=WRONG_SECRETS_KEPT {
            checked.remember(AppId(1), "h", [u8::try_from(i).unwrap(); 32], false);
        }
        assert_eq!(checked.known(AppId(1), "h", &[0u8; 32]), None);
        assert_eq!(checked.known(AppId(1), "h", &[1u8; 32]), Some(false));
    }
}
