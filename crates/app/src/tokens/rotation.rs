//! `jumpgate keys rotate`: every stored token re-encrypted with the ring's primary key, online
//! (security review L6, issue 10).
//!
//! Safe beside running instances without a lock between them: tokens are walked a page at a
//! time by id, and each is rewritten only if it still holds the ciphertexts that were read
//! (`Transaction::reseal_token`); one refreshed or replaced meanwhile is read again and retried,
//! so a newer token is never overwritten with an older one. Instances keep sealing with their
//! own primary key, so with configured keys the new key is made primary on every instance first
//! (docs/operations.md, section 9); tokens that an instance still seals with another key are
//! counted at the end, for the operator to run the rotation again.
//!
//! A token no key opens does not stop the rotation: it is reported, and with
//! `skip_undecryptable` marked invalid (its owner logs in again) and its ciphertexts cleared, so
//! that the old key can go. The start-up check (`keys_in_use`) runs first: a token sealed with a
//! key this ring lacks is never taken for undecryptable.

use crate::App;
use crate::audit::{audit_in, character_target};
use crate::caller::Caller;
use crate::error::AppResult;
use crate::tokens::keys_in_use::check_stored_keys;
use crate::tokens::secrets::{KeyRing, KeySource, token_aad};
use jumpgate_domain::{CharacterId, TokenId};
use jumpgate_store::{TokenCiphertexts, TokenRecord};
use serde_json::json;
use std::collections::BTreeMap;

/// How many times a token that keeps changing under the rotation is read again.
const ATTEMPTS: usize = 3;
/// Why a token marked invalid by the rotation is so, for its owner.
const UNDECRYPTABLE_REASON: &str = "its stored token could not be decrypted during key rotation (the row was damaged or changed outside Jumpgate): log in with this character again";

#[derive(Debug, Clone)]
pub struct RotationOptions {
    /// Mark tokens no key opens invalid (audited) and clear them, instead of only reporting.
    pub skip_undecryptable: bool,
    /// Tokens per page (and per transaction).
    pub batch_size: i64,
}

impl Default for RotationOptions {
    fn default() -> Self {
        Self {
            skip_undecryptable: false,
            batch_size: 200,
        }
    }
}

/// What a rotation did, and what is left.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// The key every token is now sealed with.
    pub primary: String,
    /// The key this rotation added to keys.json and made primary.
    pub new_key: Option<String>,
    /// Tokens re-encrypted.
    pub resealed: u64,
    /// Tokens that were sealed with the primary key already (or hold no ciphertext).
    pub current: u64,
    /// Tokens that changed under every attempt: the next run takes them.
    pub changed_meanwhile: u64,
    /// Tokens no key of the ring opens.
    pub undecryptable: Vec<UndecryptableToken>,
    /// Key ids other than the primary that still seal stored tokens, with how many ciphertexts.
    pub remaining: BTreeMap<String, i64>,
    /// The keys removed from keys.json, now that nothing is sealed with them.
    pub retired: Vec<String>,
}

impl RotationReport {
    /// Every token is sealed with the primary key: the old keys can go.
    pub fn is_complete(&self) -> bool {
        self.remaining.is_empty()
            && self.undecryptable.iter().all(|u| {
                matches!(
                    u.outcome,
                    Undecryptable::MarkedInvalid | Undecryptable::Gone
                )
            })
    }

    /// How many undecryptable tokens were marked invalid.
    pub fn marked_invalid(&self) -> usize {
        self.undecryptable
            .iter()
            .filter(|u| u.outcome == Undecryptable::MarkedInvalid)
            .count()
    }
}

/// A token the ring does not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndecryptableToken {
    pub token: TokenId,
    pub character: CharacterId,
    pub login: String,
    /// The key its header names (`None`: not in Jumpgate's format).
    pub key_id: Option<String>,
    pub outcome: Undecryptable,
}

/// What became of an undecryptable token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undecryptable {
    /// Reported only (no `skip_undecryptable`).
    Left,
    /// Marked invalid and cleared, audited.
    MarkedInvalid,
    /// Not marked although asked to, and why.
    Kept(String),
    /// Deleted or replaced (a new login) meanwhile: nothing left to do.
    Gone,
}

impl std::fmt::Display for RotationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(new) = &self.new_key {
            writeln!(f, "new primary key {new} (keys.json)")?;
        }
        writeln!(
            f,
            "tokens re-encrypted with {}: {}; already sealed with it: {}; changed meanwhile under every attempt: {}; undecryptable: {} ({} marked invalid)",
            self.primary,
            self.resealed,
            self.current,
            self.changed_meanwhile,
            self.undecryptable.len(),
            self.marked_invalid()
        )?;
        for u in &self.undecryptable {
            let outcome = match &u.outcome {
                Undecryptable::Left => {
                    "left as it is (--skip-undecryptable marks it invalid)".to_owned()
                }
                Undecryptable::MarkedInvalid => {
                    "marked invalid; its owner must log in again".to_owned()
                }
                Undecryptable::Kept(why) => format!("kept: {why}"),
                Undecryptable::Gone => "gone meanwhile".to_owned(),
            };
            writeln!(
                f,
                "  undecryptable: token {} (character {}, login {}, key {}): {outcome}",
                u.token,
                u.character,
                u.login,
                u.key_id
                    .as_deref()
                    .unwrap_or("none: not in Jumpgate's format"),
            )?;
        }
        if !self.retired.is_empty() {
            writeln!(f, "retired from keys.json: {}", self.retired.join(", "))?;
        }
        if self.remaining.is_empty() {
            write!(f, "no stored token is sealed with another key")
        } else {
            let left: Vec<String> = self
                .remaining
                .iter()
                .map(|(id, n)| format!("{id} ({n})"))
                .collect();
            write!(
                f,
                "still sealed with other keys: {} (id and ciphertexts)",
                left.join(", ")
            )
        }
    }
}

impl App {
    /// Re-encrypts every stored token with the primary key; with keys.json first adds a new
    /// primary key, and at the end retires the old ones once nothing is sealed with them. The
    /// command line only.
    pub async fn rotate_token_keys(
        &self,
        caller: &Caller,
        options: RotationOptions,
    ) -> AppResult<RotationReport> {
        caller.require_cli()?;
        check_stored_keys(self.store(), &*self.keys().read().await).await?;
        let mut report = RotationReport {
            new_key: self.new_primary_in_key_file().await?,
            ..RotationReport::default()
        };
        let mut opened: BTreeMap<String, u64> = BTreeMap::new();
        let mut after = None;
        loop {
            let page = self
                .store()
                .tokens_after(after, options.batch_size.max(1))
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            self.reseal_page(&page, &mut report, &mut opened).await?;
        }
        if options.skip_undecryptable {
            self.mark_undecryptable(caller, &mut report, &opened)
                .await?;
        }
        self.finish(caller, report).await
    }

    /// With keys.json: a new primary key, unless an unfinished rotation left one (more than one
    /// key), which this run then finishes. With configured keys the operator made it primary.
    async fn new_primary_in_key_file(&self) -> AppResult<Option<String>> {
        let mut ring = self.keys().write().await;
        if !matches!(ring.source(), KeySource::File(_)) || ring.key_ids().count() > 1 {
            return Ok(None);
        }
        ring.add_primary()?;
        Ok(Some(ring.primary_key_id().to_owned()))
    }

    /// One page in one transaction; a token that changed since it was read is retried on its
    /// own.
    async fn reseal_page(
        &self,
        page: &[TokenRecord],
        report: &mut RotationReport,
        opened: &mut BTreeMap<String, u64>,
    ) -> AppResult<()> {
        let ring = self.keys().read().await;
        report.primary = ring.primary_key_id().to_owned();
        let mut changed = Vec::new();
        let mut tx = self.store().transaction().await?;
        for token in page {
            match reseal(&ring, token, opened) {
                Resealed::Current => report.current += 1,
                Resealed::Undecryptable(key_id) => {
                    report.undecryptable.push(undecryptable(token, key_id))
                }
                Resealed::Sealed { access, refresh } => {
                    let now = TokenCiphertexts {
                        access: &access,
                        refresh: refresh.as_deref(),
                    };
                    if tx.reseal_token(token.id, token.ciphertexts(), now).await? {
                        report.resealed += 1;
                    } else {
                        changed.push(token);
                    }
                }
            }
        }
        tx.commit().await?;
        drop(ring);
        for token in changed {
            self.reseal_changed(token, report, opened).await?;
        }
        Ok(())
    }

    /// A token that changed under the rotation (a refresh, a new login): read again and
    /// re-encrypted, a few times at most.
    async fn reseal_changed(
        &self,
        token: &TokenRecord,
        report: &mut RotationReport,
        opened: &mut BTreeMap<String, u64>,
    ) -> AppResult<()> {
        for _ in 0..ATTEMPTS {
            let Some(now) = self.store().token(token.character, &token.login).await? else {
                return Ok(()); // gone: nothing left to re-encrypt
            };
            let ring = self.keys().read().await;
            let (access, refresh) = match reseal(&ring, &now, opened) {
                Resealed::Current => {
                    report.current += 1;
                    return Ok(());
                }
                Resealed::Undecryptable(key_id) => {
                    report.undecryptable.push(undecryptable(&now, key_id));
                    return Ok(());
                }
                Resealed::Sealed { access, refresh } => (access, refresh),
            };
            let sealed = TokenCiphertexts {
                access: &access,
                refresh: refresh.as_deref(),
            };
            let mut tx = self.store().transaction().await?;
            let written = tx.reseal_token(now.id, now.ciphertexts(), sealed).await?;
            tx.commit().await?;
            if written {
                report.resealed += 1;
                return Ok(());
            }
        }
        report.changed_meanwhile += 1;
        Ok(())
    }

    /// Marks the undecryptable tokens invalid and clears them, each with its audit entry, unless
    /// a new read finds it opens or changed meanwhile; or its key is not in the ring (another
    /// instance with other keys stored it), or opened none of the tokens it names: then the key
    /// configured under that id is most likely not the one that sealed them (a changed
    /// `secrets.token_key`), and nothing is lost by waiting for the right one.
    async fn mark_undecryptable(
        &self,
        caller: &Caller,
        report: &mut RotationReport,
        opened: &BTreeMap<String, u64>,
    ) -> AppResult<()> {
        let ring = self.keys().read().await;
        for u in &mut report.undecryptable {
            if let Some(id) = &u.key_id {
                if !ring.has_key(id) {
                    u.outcome = Undecryptable::Kept(format!(
                        "it is sealed with the key {id}, which this instance does not have"
                    ));
                    continue;
                }
                if !opened.contains_key(id) {
                    u.outcome = Undecryptable::Kept(format!(
                        "the key {id} opened none of the tokens that name it: it is probably not the key that sealed them (was it changed?); configure the right one"
                    ));
                    continue;
                }
            }
            let now = self.store().token(u.character, &u.login).await?;
            let Some(now) = now.filter(|now| now.id == u.token) else {
                u.outcome = Undecryptable::Gone;
                continue;
            };
            if !matches!(
                reseal(&ring, &now, &mut BTreeMap::new()),
                Resealed::Undecryptable(_)
            ) {
                u.outcome =
                    Undecryptable::Kept("it changed meanwhile; run the rotation again".into());
                continue;
            }
            let mut tx = self.store().transaction().await?;
            if !tx
                .discard_token_ciphertexts(now.id, now.ciphertexts(), UNDECRYPTABLE_REASON)
                .await?
            {
                u.outcome =
                    Undecryptable::Kept("it changed meanwhile; run the rotation again".into());
                continue;
            }
            audit_in(
                &mut tx,
                caller.actor(),
                "token.invalidated",
                character_target(u.character),
                json!({"login": u.login, "reason": UNDECRYPTABLE_REASON, "key": u.key_id}),
            )
            .await?;
            tx.commit().await?;
            u.outcome = Undecryptable::MarkedInvalid;
        }
        Ok(())
    }

    /// Counts what is still sealed with other keys, retires keys.json's old keys if nothing is,
    /// and records the rotation in the audit log.
    async fn finish(
        &self,
        caller: &Caller,
        mut report: RotationReport,
    ) -> AppResult<RotationReport> {
        let mut ring = self.keys().write().await;
        report.primary = ring.primary_key_id().to_owned();
        report.remaining = self
            .store()
            .token_key_ids()
            .await?
            .into_iter()
            .filter_map(|u| u.key_id.map(|id| (id, u.ciphertexts)))
            .filter(|(id, _)| *id != report.primary)
            .collect();
        if report.remaining.is_empty() && matches!(ring.source(), KeySource::File(_)) {
            let old: Vec<String> = ring
                .key_ids()
                .filter(|id| *id != report.primary)
                .map(str::to_owned)
                .collect();
            if !old.is_empty() {
                ring.retire_old_keys()?;
                report.retired = old;
            }
        }
        drop(ring);
        self.audit(
            caller.actor(),
            "token.keys_rotated",
            "tokens",
            json!({
                "primary": report.primary,
                "new_key": report.new_key,
                "resealed": report.resealed,
                "changed_meanwhile": report.changed_meanwhile,
                "undecryptable": report.undecryptable.len(),
                "marked_invalid": report.marked_invalid(),
                "remaining": report.remaining,
                "retired": report.retired,
            }),
        )
        .await?;
        Ok(report)
    }
}

fn undecryptable(token: &TokenRecord, key_id: Option<String>) -> UndecryptableToken {
    UndecryptableToken {
        token: token.id,
        character: token.character,
        login: token.login.clone(),
        key_id,
        outcome: Undecryptable::Left,
    }
}

/// What re-encrypting one token comes to.
enum Resealed {
    /// Sealed with the primary key already, or cleared: nothing to write.
    Current,
    /// The same tokens sealed with the primary key (a ciphertext that was is kept as it is).
    Sealed {
        access: Vec<u8>,
        refresh: Option<Vec<u8>>,
    },
    /// A ciphertext the ring does not open, and the key its header names.
    Undecryptable(Option<String>),
}

/// Re-encrypts `token` with the ring's primary key, counting per key id what opened.
fn reseal(ring: &KeyRing, token: &TokenRecord, opened: &mut BTreeMap<String, u64>) -> Resealed {
    let cleared = token.access_token.is_empty() && token.refresh_token.is_none();
    let current = |sealed: &[u8]| KeyRing::key_id_of(sealed) == Some(ring.primary_key_id());
    if cleared || current(&token.access_token) && token.refresh_token.as_deref().is_none_or(current)
    {
        return Resealed::Current;
    }
    let mut again = |sealed: &[u8], kind: &str| -> Result<Vec<u8>, Option<String>> {
        if current(sealed) {
            return Ok(sealed.to_vec());
        }
        let key_id = KeyRing::key_id_of(sealed).map(str::to_owned);
        let aad = token_aad(token.character.get(), &token.login, kind);
        match ring.open(sealed, &aad) {
            Ok(plain) => {
                if let Some(id) = &key_id {
                    *opened.entry(id.clone()).or_default() += 1;
                }
                ring.seal(&plain, &aad).map_err(|_| key_id)
            }
            Err(_) => Err(key_id),
        }
    };
    let access = match again(&token.access_token, "access") {
        Ok(access) => access,
        Err(key_id) => return Resealed::Undecryptable(key_id),
    };
    let refresh = match token.refresh_token.as_deref().map(|r| again(r, "refresh")) {
        None => None,
        Some(Ok(refresh)) => Some(refresh),
        Some(Err(key_id)) => return Resealed::Undecryptable(key_id),
    };
    Resealed::Sealed { access, refresh }
}
