//! Accounts and characters: logging in, adding alts, switching main, removing alts.
//! Semantics follow Neucore (reference neucore.md §5.2), decided by `domain::login`. Set by the
//! `[accounts]` section (`AccountSettings`).
//!
//! Beside it: `admin` (what administrators read about accounts), `affiliations` (the periodic
//! sweep of every character's corporation and alliance), `email` (a verified
//! address), `pending_login` (a login begun, kept in the browser until EVE sends it back) and
//! `timezones` (an account's time zone).

pub mod admin;
pub mod affiliations;
pub mod email;
pub mod for_apps;
pub mod managed;
pub mod pending_login;
pub mod search;
pub mod timezones;

use crate::App;
use crate::accounts::pending_login::PendingLogin;
use crate::audit::{account_target, audit_in, character_target};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::tokens::secrets::token_aad;
use jumpgate_domain::account::{Account, Character, RemovalReason, TokenStatus};
use jumpgate_domain::audit::Actor;
use jumpgate_domain::login::{LoginDecision, decide_login};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, CharacterId, DOOMHEIM_ID, EveLogin, ScopeSet};
use jumpgate_eve::TokenResponse;
use jumpgate_store::{NewCharacter, NewToken, TokenRecord, Transaction};
use serde_json::json;

/// What a completed login did, for the page that follows.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub account: AccountId,
    pub character: CharacterId,
    pub character_name: String,
    pub decision: LoginDecision,
    /// The demo's first login was made superuser.
    pub became_superuser: bool,
}

/// A character as shown on the account page.
#[derive(Debug, Clone)]
pub struct CharacterView {
    pub character: Character,
    pub is_main: bool,
    pub corporation_name: Option<String>,
    pub corporation_ticker: Option<String>,
    pub alliance_name: Option<String>,
    pub alliance_ticker: Option<String>,
    pub tokens: Vec<TokenView>,
}

#[derive(Debug, Clone)]
pub struct TokenView {
    pub login: String,
    pub status: TokenStatus,
    pub status_reason: Option<String>,
    pub scopes: ScopeSet,
    /// Scopes the login asks for that this token lacks.
    pub missing_scopes: ScopeSet,
    pub last_checked_at: Option<time::OffsetDateTime>,
}

#[derive(Debug, Clone)]
pub struct AccountView {
    pub account: Account,
    pub characters: Vec<CharacterView>,
    /// When the next verification mail may go to its unverified address; `None`: now, or
    /// nothing to verify.
    pub next_verification_mail: Option<time::OffsetDateTime>,
    /// Whether its groups count, or from when they will not (ADR 0029).
    pub deactivation: crate::deactivation::DeactivationView,
}

impl App {
    /// Completes an SSO login begun with `begin_login` (the edge has checked that EVE sent back
    /// its `state` in time): exchanges the code, decides what the login means for accounts and
    /// carries it out. When anything fails before the writes start, nothing has changed.
    /// Anyone may log in; `signed_in` is the person already signed in on this browser (the
    /// character then joins their account), `None` when nobody is.
    pub async fn complete_login(
        &self,
        signed_in: Option<&Caller>,
        pending: &PendingLogin,
        code: &str,
    ) -> AppResult<LoginOutcome> {
        let login_name = pending.login.as_str();
        let login = self.login(login_name).cloned().ok_or_else(|| {
            AppError::NotFound(format!("there is no EVE login named '{login_name}'"))
        })?;
        let tokens = self.sso().exchange_code(code, &pending.verifier()?).await?;
        let verified = &tokens.token;
        let id = verified.character_id;
        if !verified.scopes.is_superset_of(&login.scopes) {
            let missing = verified.scopes.missing(&login.scopes);
            return Err(AppError::Invalid(format!(
                "EVE did not grant every scope this login needs (missing: {missing}); please log in again and keep every scope ticked"
            )));
        }

        // A tracking login is refused before anything is written unless EVE says it is a
        // Director's (tracking::directors).
        let tracked = if login.name == crate::tracking::TRACKING_LOGIN {
            Some(
                self.director_at_login(
                    id,
                    &verified.character_name,
                    secrecy::ExposeSecret::expose_secret(&tokens.access_token),
                )
                .await?,
            )
        } else {
            None
        };

        // A signed-in account that no longer exists (deleted meanwhile) is treated as signed out.
        let signed_in = match signed_in.and_then(Caller::account) {
            Some(a) if self.store().account(a).await?.is_some() => Some(a),
            _ => None,
        };
        let known = self.store().character(id).await?;
        let decision = decide_login(signed_in, known.as_ref(), &verified.owner_hash);
        let no_scopes = managed::is_no_scopes(&login);
        if no_scopes {
            self.check_no_scopes_login(&decision).await?;
        }
        if login.name == EveLogin::MAIL {
            self.check_mail_login(id)?;
        }

        // Read where the character stands before writing anything: if ESI fails, nothing changed.
        let affiliation = match &decision {
            LoginDecision::SignIn { .. } | LoginDecision::AlreadyOwned { .. } => None,
            _ => Some(self.affiliation_of(id).await?),
        };
        let new_character = |aff: &jumpgate_domain::states::Affiliation| NewCharacter {
            id,
            name: verified.character_name.clone(),
            owner_hash: verified.owner_hash.clone(),
            corporation: aff.corporation,
            alliance: aff.alliance,
            faction: aff.faction,
        };

        let mut became_superuser = false;
        let account = match (&decision, affiliation.as_ref()) {
            (LoginDecision::CreateAccount { transferred_from }, Some(aff)) => {
                if let Some(old) = transferred_from {
                    let mut tx = self.store().transaction().await?;
                    tx.remove_character(id, RemovalReason::Transferred, None)
                        .await?;
                    strip_if_left_empty(&mut tx, *old, Actor::System("login".into())).await?;
                    audit_in(
                        &mut tx,
                        Actor::System("login".into()),
                        "character.transferred",
                        character_target(id),
                        json!({"from_account": old.get(), "name": verified.character_name}),
                    )
                    .await?;
                    tx.commit().await?;
                    self.recompute_access(*old, &Actor::System("login".into()))
                        .await?;
                    self.judge_deactivation_quietly(*old, &Actor::System("login".into()))
                        .await;
                    self.revalidate_standings_after(*old, "character transferred")
                        .await;
                }
                let mut tx = self.store().transaction().await?;
                let (account, _) = tx.create_account(&new_character(aff)).await?;
                audit_in(
                    &mut tx,
                    Actor::Account(account.id.get()),
                    "account.created",
                    account_target(account.id),
                    json!({"main": id.get(), "name": verified.character_name}),
                )
                .await?;
                tx.commit().await?;
                if self.settings().demo
                    && self
                        .store()
                        .kv_set_if_absent("demo.superuser", &account.id.to_string())
                        .await?
                {
                    let mut tx = self.store().transaction().await?;
                    tx.set_superuser(account.id, true).await?;
                    audit_in(
                        &mut tx,
                        Actor::System("demo".into()),
                        "account.superuser_granted",
                        account_target(account.id),
                        json!({"reason": "first login on an empty demo database"}),
                    )
                    .await?;
                    tx.commit().await?;
                    became_superuser = true;
                }
                account.id
            }
            (LoginDecision::AddAlt { account }, Some(aff)) => {
                let mut tx = self.store().transaction().await?;
                tx.add_character(*account, &new_character(aff)).await?;
                audit_in(
                    &mut tx,
                    Actor::Account(account.get()),
                    "character.added",
                    character_target(id),
                    json!({"account": account.get(), "name": verified.character_name}),
                )
                .await?;
                tx.commit().await?;
                *account
            }
            (
                LoginDecision::MoveFrom { from, to } | LoginDecision::TransferFrom { from, to },
                Some(_),
            ) => {
                // A transfer (new owner hash: the character was sold) also renews the identity.
                let transferred = matches!(decision, LoginDecision::TransferFrom { .. });
                let (reason, action) = if transferred {
                    (RemovalReason::Transferred, "character.transferred")
                } else {
                    (RemovalReason::Moved, "character.moved")
                };
                let mut tx = self.store().transaction().await?;
                tx.move_character(id, *to, reason, Some(*to)).await?;
                strip_if_left_empty(&mut tx, *from, Actor::Account(to.get())).await?;
                if transferred {
                    tx.update_character_identity(
                        id,
                        &verified.character_name,
                        &verified.owner_hash,
                    )
                    .await?;
                }
                let details = json!({
                    "from_account": from.get(),
                    "to_account": to.get(),
                    "name": verified.character_name,
                });
                audit_in(
                    &mut tx,
                    Actor::Account(to.get()),
                    action,
                    character_target(id),
                    details,
                )
                .await?;
                tx.commit().await?;
                self.recompute_access(*from, &Actor::Account(to.get()))
                    .await?;
                // The character may have been the one whose token was bad.
                self.judge_deactivation_quietly(*from, &Actor::Account(to.get()))
                    .await;
                self.revalidate_standings_after(*from, "character left")
                    .await;
                *to
            }
            (LoginDecision::SignIn { account } | LoginDecision::AlreadyOwned { account }, _) => {
                *account
            }
            // Every decision that creates or moves a character read its affiliation above.
            (_, None) => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "login decision {decision:?} without affiliation"
                )));
            }
        };
        if let Some(aff) = &affiliation {
            // A moved character's corporation may have changed since it was last seen.
            self.store()
                .update_affiliations(std::slice::from_ref(aff), self.now())
                .await?;
            // This character's names for the account page now rather than at the next sweep;
            // not worth failing a login over.
            if let Err(e) = self.refresh_names_of(aff).await {
                tracing::warn!(error = %e, "could not read corporation or alliance names");
            }
        }

        // A login without scopes brings no token to keep (and never replaces one).
        if !no_scopes {
            self.store_login_token(&login, &tokens).await?;
        }
        if let Some(director) = &tracked {
            self.record_director_at_login(director).await?;
        }
        self.recompute_access(account, &Actor::System("login".into()))
            .await?;
        // A fresh valid token ends a deactivation at once (or a new character's missing one
        // begins an episode).
        self.judge_deactivation_quietly(account, &Actor::System("login".into()))
            .await;
        metrics::counter!("logins_total", "outcome" => decision_label(&decision)).increment(1);
        Ok(LoginOutcome {
            account,
            character: id,
            character_name: verified.character_name.clone(),
            decision,
            became_superuser,
        })
    }

    /// Stores the token of a login, encrypted and bound to its row. A login without a refresh
    /// token (no scopes) never replaces a valid token that has one.
    async fn store_login_token(&self, login: &EveLogin, tokens: &TokenResponse) -> AppResult<()> {
        let id = tokens.token.character_id;
        let existing = self.store().token(id, &login.name).await?;
        let Some(refresh) = &tokens.refresh_token else {
            if existing.is_some_and(|t| t.status == TokenStatus::Valid) {
                return Ok(());
            }
            return Err(AppError::Invalid(
                "EVE sent no refresh token: the application must be registered for \"Authentication & API Access\"".into(),
            ));
        };
        let keys = self.keys().read().await;
        let access = keys.seal_str(
            &tokens.access_token,
            &token_aad(id.get(), &login.name, "access"),
        )?;
        let refresh = keys.seal_str(refresh, &token_aad(id.get(), &login.name, "refresh"))?;
        drop(keys);
        let mut tx = self.store().transaction().await?;
        tx.upsert_token(&NewToken {
            character: id,
            login: login.name.clone(),
            access_token: access,
            refresh_token: Some(refresh),
            expires_at: tokens.expires_at,
            scopes: tokens.token.scopes.to_space_separated(),
            owner_hash: tokens.token.owner_hash.clone(),
        })
        .await?;
        audit_in(
            &mut tx,
            Actor::System("login".into()),
            "token.stored",
            character_target(id),
            json!({"login": login.name, "scopes": tokens.token.scopes.to_space_separated()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn affiliation_of(
        &self,
        id: CharacterId,
    ) -> AppResult<jumpgate_domain::states::Affiliation> {
        let found = self.esi().affiliations(&[id]).await?;
        found
            .into_iter()
            .find(|a| a.character == id)
            .ok_or_else(|| AppError::Invalid(format!("EVE does not know character {id}")))
    }

    /// Everything the account page shows: the caller's own account, or any account for an
    /// `admin.users` holder.
    pub async fn account_view(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> AppResult<AccountView> {
        caller.require_self_or(account, Permission::ADMIN_USERS)?;
        // The account and its characters with their organisations and tokens in one read.
        let found = self
            .store()
            .account_with_characters(account)
            .await?
            .ok_or_else(|| AppError::NotFound("this account no longer exists".into()))?;
        let acc = found.account;
        let deactivation = self.deactivation_view(found.deactivation.as_ref(), &found.characters);
        let views = found
            .characters
            .into_iter()
            .map(|c| CharacterView {
                is_main: acc.main_character == Some(c.character.id),
                corporation_name: c.corporation.as_ref().map(|x| x.name.clone()),
                corporation_ticker: c.corporation.map(|x| x.ticker),
                alliance_name: c.alliance.as_ref().map(|x| x.name.clone()),
                alliance_ticker: c.alliance.map(|x| x.ticker),
                tokens: c.tokens.iter().map(|t| self.token_view(t)).collect(),
                character: c.character,
            })
            .collect();
        Ok(AccountView {
            deactivation,
            next_verification_mail: self.next_verification_mail_at(&acc).await?,
            account: acc,
            characters: views,
        })
    }

    /// The characters of `account` with their organisations and tokens (one read), the main
    /// first; none if the account is gone. For use cases that checked their caller.
    pub(crate) async fn characters_with_details(
        &self,
        account: AccountId,
    ) -> AppResult<Vec<jumpgate_store::AccountCharacter>> {
        Ok(self
            .store()
            .account_with_characters(account)
            .await?
            .map(|a| a.characters)
            .unwrap_or_default())
    }

    /// The caller's own characters (to pick one that reads an organisation's contacts).
    pub async fn own_characters(&self, caller: &Caller) -> AppResult<Vec<Character>> {
        let account = caller.own_account()?;
        Ok(self.store().characters_of(account).await?)
    }

    fn token_view(&self, t: &TokenRecord) -> TokenView {
        let scopes = ScopeSet::parse(&t.scopes);
        let missing = self
            .login(&t.login)
            .map(|l| scopes.missing(&l.scopes))
            .unwrap_or_default();
        TokenView {
            login: t.login.clone(),
            status: t.status,
            status_reason: t.status_reason.clone(),
            scopes,
            missing_scopes: missing,
            last_checked_at: t.last_checked_at,
        }
    }

    /// Makes one of the caller's own characters their main. Returns its name.
    pub async fn set_main(&self, caller: &Caller, character: CharacterId) -> AppResult<String> {
        let account = caller.own_account()?;
        let c = self.owned_character(account, character).await?;
        let mut tx = self.store().transaction().await?;
        tx.set_main(account, character).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "account.main_changed",
            account_target(account),
            json!({"main": character.get(), "name": c.name}),
        )
        .await?;
        tx.commit().await?;
        self.recompute_access(account, &caller.actor()).await?;
        Ok(c.name)
    }

    /// The owner removes an alt: its tokens are revoked at CCP (best effort) and deleted.
    /// Returns its name.
    pub async fn remove_alt(&self, caller: &Caller, character: CharacterId) -> AppResult<String> {
        let account = caller.own_account()?;
        if !self.settings().accounts.allow_alt_removal {
            return Err(AppError::Forbidden(
                "removing characters is switched off here: ask an administrator".into(),
            ));
        }
        let acc = self
            .store()
            .account(account)
            .await?
            .ok_or_else(|| AppError::NotFound("this account no longer exists".into()))?;
        let c = self.owned_character(account, character).await?;
        if acc.main_character == Some(character) {
            return Err(AppError::Invalid(format!(
                "{} is your main character: make another character main first",
                c.name
            )));
        }
        self.revoke_tokens_at_ccp(character).await;
        let mut tx = self.store().transaction().await?;
        tx.remove_character(character, RemovalReason::RemovedByOwner, Some(account))
            .await?;
        audit_in(&mut tx, caller.actor(),
            "character.removed",
            character_target(character),
            json!({"account": account.get(), "name": c.name, "reason": RemovalReason::RemovedByOwner.as_str()}),).await?;
        tx.commit().await?;
        self.recompute_access(account, &caller.actor()).await?;
        self.judge_deactivation_quietly(account, &caller.actor())
            .await;
        self.revalidate_standings_after(account, "character removed")
            .await;
        Ok(c.name)
    }

    async fn owned_character(
        &self,
        account: AccountId,
        character: CharacterId,
    ) -> AppResult<Character> {
        match self.store().character(character).await? {
            Some(c) if c.account == account => Ok(c),
            _ => Err(AppError::NotFound(format!(
                "character {character} is not on your account"
            ))),
        }
    }

    /// Revokes a character's refresh tokens at CCP. Failures are logged, not fatal: the tokens
    /// are deleted here either way.
    async fn revoke_tokens_at_ccp(&self, character: CharacterId) {
        let Ok(tokens) = self.store().tokens_of_character(character).await else {
            return;
        };
        let keys = self.keys().read().await;
        for t in tokens {
            let Some(sealed) = &t.refresh_token else {
                continue;
            };
            let Ok(refresh) =
                keys.open_str(sealed, &token_aad(character.get(), &t.login, "refresh"))
            else {
                continue;
            };
            if let Err(e) = self
                .sso()
                .revoke(secrecy::ExposeSecret::expose_secret(&refresh))
                .await
            {
                tracing::warn!(character = character.get(), error = %e, "could not revoke a token at EVE's SSO");
            }
        }
    }

    /// The character someone typed to name a person: an id or an exact name (any case) of a
    /// character Jumpgate knows, i.e. that has logged in once.
    pub(crate) async fn known_character(&self, typed: &str) -> AppResult<Character> {
        let typed = typed.trim();
        if typed.is_empty() {
            return Err(AppError::Invalid(
                "type a character's name or id".to_owned(),
            ));
        }
        let found = match typed.parse::<i64>() {
            Ok(id) if id > 0 => self.store().character(CharacterId(id)).await?,
            _ => self.store().character_by_name(typed).await?,
        };
        found.ok_or_else(|| {
            AppError::NotFound(format!(
                "Jumpgate knows no character '{typed}': they must log in once first"
            ))
        })
    }

    /// `jumpgate admin grant-superuser`: by character id or exact name. Only the command line
    /// may: no page, not even a superuser's, makes another superuser.
    pub async fn grant_superuser(&self, caller: &Caller, who: &str) -> AppResult<AccountId> {
        caller.require_cli()?;
        let character = self.known_character(who).await?;
        let mut tx = self.store().transaction().await?;
        tx.set_superuser(character.account, true).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "account.superuser_granted",
            account_target(character.account),
            json!({"character": character.id.get(), "name": character.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(character.account)
    }

    /// Whether a character was biomassed, as EVE shows it: it now belongs to Doomheim.
    pub fn is_biomassed(corporation: jumpgate_domain::CorporationId) -> bool {
        corporation.get() == DOOMHEIM_ID
    }
}

fn decision_label(d: &LoginDecision) -> &'static str {
    match d {
        LoginDecision::CreateAccount { .. } => "created",
        LoginDecision::SignIn { .. } => "signed_in",
        LoginDecision::AddAlt { .. } => "alt_added",
        LoginDecision::MoveFrom { .. } => "moved",
        LoginDecision::TransferFrom { .. } => "transferred",
        LoginDecision::AlreadyOwned { .. } => "refreshed",
    }
}

/// The `[accounts]` section of the configuration.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSettings {
    /// `main_only` (only the main decides the state) or `any_character`.
    pub state_match: jumpgate_domain::states::StateMatchMode,
    /// Whether members may remove their own alts.
    pub allow_alt_removal: bool,
    /// Offer the login without ESI scopes (`core.no-scopes`), for the characters of managed
    /// accounts only. Off by default.
    pub no_scopes_login: bool,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            state_match: jumpgate_domain::states::StateMatchMode::MainOnly,
            allow_alt_removal: true,
            no_scopes_login: false,
        }
    }
}

impl App {
    /// The account `account`, or `NotFound` naming it.
    pub(crate) async fn existing_account(&self, account: AccountId) -> AppResult<Account> {
        self.store()
            .account(account)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("there is no account #{account}")))
    }
}

/// After a character left `account` in `tx`: an account with no character left keeps no direct
/// permission, superuser flag, group or session (recorded), so whoever sold or lost their last
/// character keeps no access through a session still open.
pub(crate) async fn strip_if_left_empty(
    tx: &mut Transaction,
    account: AccountId,
    actor: Actor,
) -> AppResult<()> {
    if tx.strip_if_empty(account).await? {
        audit_in(
            tx,
            actor,
            "account.emptied",
            account_target(account),
            json!({"removed": ["direct permissions", "superuser", "groups", "group manager seats", "pending group applications", "sessions"]}),
        )
        .await?;
    }
    Ok(())
}
