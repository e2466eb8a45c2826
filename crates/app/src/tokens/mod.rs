//! Keeping ESI tokens alive: refresh with rotation, one refresh per token across all instances,
//! CCP's error semantics (reference §A1.8) and the safety valve.
//!
//! Beside it: `safety_valve` and `secrets` (the tokens' encryption at rest).

pub mod check;
pub mod for_apps;
pub mod keys_in_use;
pub mod rotation;
pub mod safety_valve;
mod secret_settings;
pub mod secrets;

use crate::App;
use crate::audit::{audit_in, character_target};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::tokens::safety_valve::Verdict;
use crate::tokens::secrets::token_aad;
use jumpgate_domain::CharacterId;
use jumpgate_domain::TokenId;
use jumpgate_domain::account::{RemovalReason, TokenStatus};
use jumpgate_domain::audit::Actor;
use jumpgate_eve::SsoError;
use jumpgate_store::{RefreshedToken, TokenRecord};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::time::Duration;

/// Refresh this long before the access token expires.
const EARLY_REFRESH: time::Duration = time::Duration::seconds(90);
/// The longest an SSO's `Retry-After` pauses refreshing: a wrong or hostile header must not stop
/// it for hours.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(15 * 60);
/// How long work that needs a token the safety valve holds waits before asking again: each ask
/// is a refresh EVE's login will likely refuse again until an administrator has looked.
const HELD_WAIT: Duration = Duration::from_secs(10 * 60);
/// How long one instance may hold a token's refresh lease.
const REFRESH_LEASE: Duration = Duration::from_secs(30);

/// What a refresh attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshOutcome {
    Refreshed,
    /// The access token was still fresh.
    StillFresh,
    /// Another instance holds the lease; it will refresh.
    Busy,
    /// The SSO says the token is dead; it was marked invalid.
    Invalidated,
    /// The SSO says the token is dead, but the safety valve is tripped (by this answer or
    /// before, on any instance): the token was kept, to be checked again once it is cleared.
    Held,
    /// The character now belongs to another EVE account: it was removed from its account.
    Transferred,
    /// The SSO is unavailable or our configuration is wrong: nothing was changed; retry later.
    Deferred(String),
}

/// What a token of one character and EVE login gives now (`App::usable_token`).
pub(crate) enum Usable {
    Fresh(FreshToken),
    /// No token of that login is stored for the character.
    Missing,
    /// EVE's login called it dead, or it was revoked: its owner must log in again. Says why.
    Dead(String),
    /// Other instances kept refreshing it while this one waited.
    Busy,
}

/// An opened access token, valid for at least `EARLY_REFRESH` when it was opened.
pub(crate) struct FreshToken {
    pub access: SecretString,
    pub expires_at: time::OffsetDateTime,
    /// Space-separated, as stored.
    pub scopes: String,
}

impl App {
    /// A usable access token for (character, login), refreshing it if needed. Background work
    /// and the command line only: it hands out a secret.
    pub async fn access_token(
        &self,
        caller: &Caller,
        character: CharacterId,
        login: &str,
    ) -> AppResult<SecretString> {
        caller.require_background()?;
        self.fresh_access_token(character, login).await
    }

    /// `access_token` for use cases that already checked that their caller may use that
    /// character's token.
    pub(crate) async fn fresh_access_token(
        &self,
        character: CharacterId,
        login: &str,
    ) -> AppResult<SecretString> {
        match self.usable_token(character, login).await? {
            Usable::Fresh(token) => Ok(token.access),
            Usable::Missing => Err(AppError::NotFound(format!(
                "character {character} has no '{login}' token"
            ))),
            Usable::Dead(why) => Err(AppError::Invalid(why)),
            Usable::Busy => Err(AppError::Invalid(format!(
                "the token of character {character} is being refreshed elsewhere; try again shortly"
            ))),
        }
    }

    /// What the token of (character, login) gives now: an access token valid for at least
    /// `EARLY_REFRESH`, refreshed first when it would expire sooner. An outage, a pause or the
    /// safety valve is an error the work waits out (`refresh_put_off`), never a dead token.
    pub(crate) async fn usable_token(
        &self,
        character: CharacterId,
        login: &str,
    ) -> AppResult<Usable> {
        for _ in 0..3 {
            let Some(token) = self.store().token(character, login).await? else {
                return Ok(Usable::Missing);
            };
            if token.status != TokenStatus::Valid {
                return Ok(Usable::Dead(format!(
                    "the '{login}' token of character {character} is {}: its owner must log in with it again",
                    token.status.as_str()
                )));
            }
            if let Some(fresh) = self.open_if_fresh(&token).await? {
                return Ok(Usable::Fresh(fresh));
            }
            match self.refresh(&token, false).await? {
                RefreshOutcome::Refreshed | RefreshOutcome::StillFresh => continue,
                RefreshOutcome::Busy => tokio::time::sleep(Duration::from_millis(500)).await,
                // Nothing is wrong with the token, as far as anyone knows: the work waits.
                RefreshOutcome::Deferred(reason) => {
                    return Err(self.refresh_put_off(character, reason, None).await?);
                }
                RefreshOutcome::Held => {
                    let reason = "EVE's login called this token dead while many others were too; the safety valve keeps it until an administrator has looked".to_owned();
                    return Err(self
                        .refresh_put_off(character, reason, Some(HELD_WAIT))
                        .await?);
                }
                other @ (RefreshOutcome::Invalidated | RefreshOutcome::Transferred) => {
                    return Ok(Usable::Dead(format!(
                        "the token of character {character} could not be refreshed ({other:?})"
                    )));
                }
            }
        }
        Ok(Usable::Busy)
    }

    /// A refresh put off by an outage, a pause or the safety valve, as the error work waits out
    /// (a job is postponed, not failed): after the shared pause when there is one, else after
    /// `wait` (or the job runner's own outage wait).
    async fn refresh_put_off(
        &self,
        character: CharacterId,
        reason: String,
        wait: Option<Duration>,
    ) -> AppResult<AppError> {
        let now = self.now();
        let paused_for = self
            .store()
            .safety_valve()
            .await?
            .paused_until
            .and_then(|until| Duration::try_from(until - now).ok())
            .filter(|d| !d.is_zero());
        Ok(AppError::Sso(SsoError::Unavailable {
            retry_after: paused_for.or(wait),
            description: format!(
                "the token of character {character} cannot be refreshed now: {reason}"
            ),
        }))
    }

    /// `access_token` for a token record the caller has just read anyway: a fresh one is
    /// opened without reading it again.
    pub(crate) async fn access_token_of(&self, token: &TokenRecord) -> AppResult<SecretString> {
        if token.status == TokenStatus::Valid
            && let Some(fresh) = self.open_if_fresh(token).await?
        {
            return Ok(fresh.access);
        }
        self.fresh_access_token(token.character, &token.login).await
    }

    /// The access token of `token`, opened, when it is valid for at least `EARLY_REFRESH`.
    async fn open_if_fresh(&self, token: &TokenRecord) -> AppResult<Option<FreshToken>> {
        if token.expires_at <= self.now() + EARLY_REFRESH {
            return Ok(None);
        }
        let keys = self.keys().read().await;
        let aad = token_aad(token.character.get(), &token.login, "access");
        Ok(Some(FreshToken {
            access: keys.open_str(&token.access_token, &aad)?,
            expires_at: token.expires_at,
            scopes: token.scopes.clone(),
        }))
    }

    /// Refreshes one token, applying CCP's error semantics. Never invalidates a token for a
    /// transient failure or a configuration problem. `force` refreshes even a fresh access
    /// token: "check this token now". Background work (token checks).
    pub async fn refresh_token(
        &self,
        caller: &Caller,
        token: &TokenRecord,
        force: bool,
    ) -> AppResult<RefreshOutcome> {
        caller.require_background()?;
        self.refresh(token, force).await
    }

    /// `refresh_token` for use cases that already checked their caller.
    async fn refresh(&self, token: &TokenRecord, force: bool) -> AppResult<RefreshOutcome> {
        if self.refreshing_paused().await? {
            return Ok(RefreshOutcome::Deferred(
                "refreshing is paused on every instance: EVE's SSO rejected our client id or secret, or asked us to wait (Retry-After)".into(),
            ));
        }
        let holder = &self.settings().instance_id;
        if !self
            .store()
            .try_lease_token(token.id, holder, REFRESH_LEASE)
            .await?
        {
            return Ok(RefreshOutcome::Busy);
        }
        let result = self
            .refresh_leased(token.id, token.character, &token.login, force)
            .await;
        // Release even when the refresh failed, so another attempt need not wait for the lease.
        // A recorded refresh released it already.
        if !matches!(result, Ok(RefreshOutcome::Refreshed))
            && let Err(e) = self.store().release_token(token.id, holder).await
        {
            tracing::warn!(token = token.id.get(), error = %e, "could not release a token lease");
        }
        result
    }

    async fn refresh_leased(
        &self,
        token_id: TokenId,
        character: CharacterId,
        login: &str,
        force: bool,
    ) -> AppResult<RefreshOutcome> {
        // Re-read under the lease: another instance may have refreshed (and rotated) it already.
        let Some(token) = self.store().token(character, login).await? else {
            return Ok(RefreshOutcome::Deferred("the token was deleted".into()));
        };
        if token.id != token_id || token.status != TokenStatus::Valid {
            return Ok(RefreshOutcome::Deferred(
                "the token changed meanwhile".into(),
            ));
        }
        if !force && token.expires_at > self.now() + EARLY_REFRESH {
            return Ok(RefreshOutcome::StillFresh);
        }
        let Some(sealed) = &token.refresh_token else {
            return Ok(RefreshOutcome::Deferred(
                "the token has no refresh token".into(),
            ));
        };
        let refresh = {
            let keys = self.keys().read().await;
            keys.open_str(sealed, &token_aad(character.get(), login, "refresh"))?
        };
        let result = self.sso().refresh(refresh.expose_secret()).await;
        metrics::counter!("sso_refreshes_total", "outcome" => refresh_label(&result, character))
            .increment(1);
        match result {
            // Never another character's token in this character's row (security review I2). The
            // refresh token was spent on it, so this one is as dead as a revoked one; the owner
            // hash says nothing here (it is the other character's).
            Ok(fresh) if fresh.token.character_id != character => {
                tracing::error!(
                    character = character.get(),
                    answered_for = fresh.token.character_id.get(),
                    "EVE's SSO answered a token refresh for another character; it was not stored"
                );
                let description = format!(
                    "EVE's login answered a refresh of this token for another character ({}); it was not kept: log in with this character again",
                    fresh.token.character_id
                );
                self.token_refused(&token, "wrong_character", description)
                    .await
            }
            Ok(fresh) => {
                self.count_refresh_success().await;
                if fresh.token.owner_hash != token.owner_hash {
                    return self.character_transferred(character).await;
                }
                let keys = self.keys().read().await;
                let access = keys.seal_str(
                    &fresh.access_token,
                    &token_aad(character.get(), login, "access"),
                )?;
                let rotated = fresh
                    .refresh_token
                    .as_ref()
                    .map(|r| keys.seal_str(r, &token_aad(character.get(), login, "refresh")))
                    .transpose()?;
                drop(keys);
                self.store()
                    .record_refresh(
                        token.id,
                        &RefreshedToken {
                            access_token: access,
                            refresh_token: rotated,
                            expires_at: fresh.expires_at,
                            scopes: fresh.token.scopes.to_space_separated(),
                        },
                        &self.settings().instance_id,
                    )
                    .await?;
                Ok(RefreshOutcome::Refreshed)
            }
            Err(SsoError::TokenRevoked { description }) => {
                self.token_refused(&token, "invalid_grant", description)
                    .await
            }
            Err(SsoError::Misconfigured { description }) => {
                tracing::error!(
                    "EVE's SSO rejected Jumpgate's client configuration ({description}); refreshing stops for {} minutes and no token is touched: check sso.client_id and sso.client_secret",
                    self.settings().safety_valve.misconfigured_pause.as_secs() / 60
                );
                self.pause_refreshing().await?;
                Ok(RefreshOutcome::Deferred(description))
            }
            // An outage (429, 5xx, a timeout, `invalid_token`): the token is kept as it is and
            // not judged by the safety valve (ADR 0021). When the SSO says how long to wait, no
            // instance asks again before then: the rest of a check would only be refused too.
            Err(e @ SsoError::Unavailable { retry_after, .. }) => {
                tracing::warn!(character = character.get(), error = %e, "token refresh deferred");
                if let Some(wait) = retry_after {
                    self.store()
                        .pause_refreshing(self.now() + wait.min(RETRY_AFTER_CAP))
                        .await?;
                }
                Ok(RefreshOutcome::Deferred(e.to_string()))
            }
            Err(e) => {
                tracing::warn!(character = character.get(), error = %e, "token refresh deferred");
                Ok(RefreshOutcome::Deferred(e.to_string()))
            }
        }
    }

    /// The SSO says `token` is dead (`kind`; `description`, in words for its owner): it is
    /// marked invalid (kept, audited), unless the safety valve holds invalidation back. The
    /// valve's verdict and the change commit together.
    async fn token_refused(
        &self,
        token: &TokenRecord,
        kind: &str,
        description: String,
    ) -> AppResult<RefreshOutcome> {
        let character = token.character;
        let account = self.store().character(character).await?.map(|c| c.account);
        let mut tx = self.store().transaction().await?;
        match self
            .judge_invalid_answer(&mut tx, token, account, kind)
            .await?
        {
            Verdict::Invalidate => {
                tx.set_token_status(token.id, TokenStatus::Invalid, Some(&description))
                    .await?;
                audit_in(
                    &mut tx,
                    Actor::System("token-refresh".into()),
                    "token.invalidated",
                    character_target(character),
                    json!({"login": token.login, "reason": description}),
                )
                .await?;
                tx.commit().await?;
                if let Some(account) = account {
                    self.revalidate_standings_after(account, "token invalidated")
                        .await;
                    // A definitive "dead" answer begins the account's deactivation episode now
                    // (an outage never gets here: ADR 0021, 0029).
                    self.judge_deactivation_quietly(
                        account,
                        &Actor::System("token-refresh".into()),
                    )
                    .await;
                }
                Ok(RefreshOutcome::Invalidated)
            }
            Verdict::Hold => {
                tx.commit().await?;
                Ok(RefreshOutcome::Held)
            }
        }
    }

    /// The SSO issued a token with a new owner hash: the character was sold or moved to another
    /// EVE account. It leaves its Jumpgate account (recorded), and that account's state is
    /// recomputed.
    async fn character_transferred(&self, character: CharacterId) -> AppResult<RefreshOutcome> {
        let Some(c) = self.store().character(character).await? else {
            return Ok(RefreshOutcome::Transferred);
        };
        let mut tx = self.store().transaction().await?;
        tx.remove_character(character, RemovalReason::Transferred, None)
            .await?;
        let actor = Actor::System("token-refresh".into());
        crate::accounts::strip_if_left_empty(&mut tx, c.account, actor.clone()).await?;
        audit_in(
            &mut tx,
            actor.clone(),
            "character.transferred",
            character_target(character),
            json!({"from_account": c.account.get(), "name": c.name}),
        )
        .await?;
        tx.commit().await?;
        self.recompute_access(c.account, &actor).await?;
        self.judge_deactivation_quietly(c.account, &actor).await;
        self.revalidate_standings_after(c.account, "character transferred")
            .await;
        Ok(RefreshOutcome::Transferred)
    }

    /// Periodic check: refresh every valid token whose access token has expired, to learn
    /// whether it is still valid. Returns counts by outcome. Background work (the job
    /// `check-tokens`).
    pub async fn check_tokens(
        &self,
        caller: &Caller,
        limit: i64,
    ) -> AppResult<std::collections::BTreeMap<String, u64>> {
        caller.require_background()?;
        let due = self
            .store()
            .tokens_expiring_before(self.now() + EARLY_REFRESH, limit)
            .await?;
        let mut counts = std::collections::BTreeMap::new();
        for t in due {
            let key = check::outcome_key(&self.refresh(&t, false).await?);
            let deferred = key == "deferred";
            *counts.entry(key).or_insert(0) += 1;
            // The SSO refused our client or asked us to wait (here or on another instance): the
            // rest would only be refused too.
            if deferred && self.refreshing_paused().await? {
                break;
            }
        }
        Ok(counts)
    }
}

/// The `outcome` label of a refresh of `character`'s token.
fn refresh_label(
    r: &Result<jumpgate_eve::TokenResponse, SsoError>,
    character: CharacterId,
) -> &'static str {
    match r {
        Ok(t) if t.token.character_id != character => "wrong_character",
        Ok(_) => "ok",
        Err(SsoError::TokenRevoked { .. }) => "revoked",
        Err(SsoError::Misconfigured { .. }) => "misconfigured",
        Err(SsoError::Unavailable { .. }) => "unavailable",
        Err(_) => "error",
    }
}
