//! Which token keys a deployment uses, checked before it starts (security review L6, issue 10):
//! on PostgreSQL they must come from the configuration, and every key that sealed a stored token
//! must be in the ring. Otherwise tokens would fail one by one at their next refresh, long after
//! the cause (a replaced keys.json, a key removed too early, an instance with keys of its own).

use crate::key_file;
use crate::tokens::secrets::{KeyRing, KeySource, SecretSettings, SecretsError};
use jumpgate_store::{Backend, Store, TokenKeyUse};
use std::path::Path;

/// The ring of a deployment: the configured keys, or on SQLite `<data_dir>/keys.json` (created
/// on first start). PostgreSQL without configured keys is refused: every instance sharing the
/// database must seal and open with the same keys, and keys.json would be one per instance.
pub fn ring_for(
    secrets: &SecretSettings,
    data_dir: &Path,
    backend: Backend,
) -> Result<KeyRing, SecretsError> {
    if let Some(ring) = KeyRing::configured(secrets)? {
        return Ok(ring);
    }
    if backend == Backend::Postgres {
        return Err(SecretsError::KeysDoNotFit(postgres_without_keys(data_dir)));
    }
    std::fs::create_dir_all(data_dir).map_err(|source| SecretsError::Io {
        path: data_dir.to_owned(),
        source,
    })?;
    KeyRing::load_or_create(data_dir)
}

fn postgres_without_keys(data_dir: &Path) -> String {
    let mut message = "database.url is PostgreSQL, where every instance must seal and open the stored tokens with the same keys, so they must come from the configuration: set secrets.token_key (`openssl rand -base64 32`) and secrets.audit_key (another one, never to be changed) to the same values on every instance. Nothing was started.".to_owned();
    let file = key_file::path_in(data_dir);
    if file.exists() {
        message.push_str(&format!(
            " {} holds the keys this instance used until now: configure those instead, or the tokens and audit entries sealed with them can no longer be read: for each entry of its \"keys\", secrets.token_keys.<id> = \"<key>\" (the same id), secrets.primary_key = its \"primary\", and secrets.audit_key = its \"audit_key\" (docs/operations.md, section 9).",
            file.display()
        ));
    }
    message
}

/// Refuses a ring that lacks a key some stored token was sealed with, naming the keys, how many
/// ciphertexts each sealed, and what to do. One statement (`Store::token_key_ids`); ciphertexts
/// in no known format are only logged (`keys rotate --skip-undecryptable` deals with them).
pub async fn check_stored_keys(store: &Store, ring: &KeyRing) -> Result<(), crate::AppError> {
    let in_use = store.token_key_ids().await?;
    let mut missing = Vec::new();
    for TokenKeyUse {
        key_id,
        ciphertexts,
    } in &in_use
    {
        match key_id {
            Some(id) if !ring.has_key(id) => missing.push(format!("{id} ({ciphertexts})")),
            Some(_) => {}
            None => tracing::warn!(
                ciphertexts,
                "stored tokens that are not in Jumpgate's format cannot be used; `jumpgate keys rotate --skip-undecryptable` marks them invalid so that their owners log in again"
            ),
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let fix = match ring.source() {
        KeySource::File(path) => format!(
            "this instance's keys come from {}: was it replaced, or are these tokens sealed with another instance's keys? Restore the key file they were sealed with, or configure its keys (secrets.token_keys.<id>)",
            path.display()
        ),
        KeySource::Configured | KeySource::Ephemeral => "add each missing key to secrets.token_keys under the id named here (a key removed before `jumpgate keys rotate` re-encrypted everything must come back until it has; ids like k1733000000-1a2b are from a keys.json: copy them from there)".to_owned(),
    };
    Err(SecretsError::KeysDoNotFit(format!(
        "stored tokens were sealed with token keys this instance does not have: {} (id and number of sealed tokens); it has {}. Nothing was started: {fix}.",
        missing.join(", "),
        ring.key_ids().collect::<Vec<_>>().join(", ")
    ))
    .into())
}
