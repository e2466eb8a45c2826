//! An application's secret: 64 hexadecimal characters from the operating system's random
//! source (as Neucore makes them), shown once to the manager who made it and stored as an
//! Argon2id hash. Only its managers and the command line make one; a new secret replaces the
//! old at once (the old one stops working on every instance with the next call).

use super::{app_target, no_such_app};
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use jumpgate_domain::AppId;
use rand::RngCore;
use serde_json::json;

/// OWASP's Argon2id setting with the least memory (7 MiB, 5 passes, one lane): a verification
/// takes a few milliseconds of one core, and runs once per secret and process (`authenticate`
/// keeps what it verified).
const MEMORY_KIB: u32 = 7 * 1024;
const PASSES: u32 = 5;

fn hasher() -> AppResult<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A new secret: 32 random bytes in hexadecimal.
pub(super) fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The PHC string of `secret`'s hash, with a new random salt.
pub(crate) fn hash(secret: &str) -> AppResult<String> {
    Ok(hasher()?
        .hash_password(secret.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing an application secret: {e}")))?
        .to_string())
}

/// Whether `secret` matches the stored `hash` (Argon2's own comparison is constant-time). A
/// hash that cannot be read matches nothing and is logged.
pub(crate) fn verify(secret: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        tracing::error!(
            "an application's stored secret hash cannot be read; it authenticates nothing until a new secret is made"
        );
        return false;
    };
    hasher().is_ok_and(|h| h.verify_password(secret.as_bytes(), &parsed).is_ok())
}

impl App {
    /// Makes a new secret for `app`, replacing the old one, and returns it: it is shown this
    /// once and never again. Needs a manager of the application or the command line; audited
    /// (without the secret).
    pub async fn make_app_secret(&self, caller: &Caller, app: AppId) -> AppResult<String> {
        if caller.account().is_none() {
            caller.require_cli()?;
        }
        let found = self
            .store()
            .apps()
            .await?
            .into_iter()
            .find(|a| a.id == app)
            .ok_or_else(|| no_such_app(app))?;
        let is_manager = caller
            .account()
            .is_some_and(|account| found.managers.contains(&account));
        if !is_manager {
            caller.require_cli().map_err(|_| {
                AppError::Forbidden(format!(
                    "only a manager of the application '{}' makes its secret",
                    found.name
                ))
            })?;
        }
        let secret = new_secret();
        let hashed = {
            let secret = secret.clone();
            tokio::task::spawn_blocking(move || hash(&secret))
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing task: {e}")))??
        };
        let mut tx = self.store().transaction().await?;
        tx.set_app_secret_hash(app, &hashed).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.secret_made",
            app_target(app),
            json!({"name": found.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_64_hex_characters_and_new_each_time() {
        let a = new_secret();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, new_secret());
    }

    #[test]
    fn the_hash_verifies_its_secret_only() {
        let secret = new_secret();
        let hashed = hash(&secret).unwrap();
        assert!(hashed.starts_with("$argon2id$"));
        assert!(!hashed.contains(&secret));
        assert!(verify(&secret, &hashed));
        assert!(!verify(&new_secret(), &hashed));
        assert!(!verify(&secret, "not a hash"));
    }
}
