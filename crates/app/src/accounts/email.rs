//! An optional email address per account, verified by a signed link.
//!
//! The link carries a token `payload.signature` (both base64url): the payload names the account,
//! the address and an expiry; the signature is HMAC-SHA256 under a key derived from the token key
//! ring (`KeyRing::derive_key("email-link")`), so every instance with the same keys accepts every
//! other's links, and nobody who can only read the database can make one (security review L6; it
//! used to be kept in the key-value table as `email.signing_key`, which migration deletes: links
//! mailed before are refused, and their people ask for another). Links signed under an older key
//! of the ring verify while it is configured. Nothing about a token is stored: it is valid while
//! the signature holds, it has not expired and the account's address is still the one it names.

use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use jumpgate_domain::AccountId;
use jumpgate_domain::account::Account;
use jumpgate_domain::audit::Actor;
use serde_json::json;
use sha2::Sha256;
use time::OffsetDateTime;
use url::Url;

/// What the links' signing key is derived for (`KeyRing::derive_key`).
pub const LINK_KEY_PURPOSE: &str = "email-link";
/// How long a verification link stays valid.
pub const LINK_VALIDITY: time::Duration = time::Duration::hours(24);
/// The longest address accepted (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;

type HmacSha256 = Hmac<Sha256>;

/// Checks the shape of an address: one `@`, something before it, a domain with a dot (not at
/// either end), at most 254 characters, no spaces or control characters. Returns it trimmed.
/// Whether it reaches anyone is what the verification link finds out.
pub fn validate_email(address: &str) -> Result<String, String> {
    let a = address.trim();
    if a.is_empty() {
        return Err("type an email address, or use Remove to clear it".to_owned());
    }
    if a.chars().count() > MAX_EMAIL {
        return Err(format!(
            "an email address may have at most {MAX_EMAIL} characters; this one has {}",
            a.chars().count()
        ));
    }
    if a.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("'{a}' contains a space; an email address has none"));
    }
    let ats = a.matches('@').count();
    if ats != 1 {
        return Err(format!(
            "'{a}' must contain exactly one @ (it has {ats}), as in name@example.org"
        ));
    }
    let (local, domain) = a.split_once('@').unwrap_or_default();
    if local.is_empty() {
        return Err(format!("'{a}' has nothing before the @"));
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return Err(format!(
            "the domain of '{a}' ('{domain}') must contain a dot, as in example.org"
        ));
    }
    if domain.contains("..") {
        return Err(format!(
            "the domain of '{a}' ('{domain}') has an empty part"
        ));
    }
    Ok(a.to_owned())
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailClaim {
    pub account: AccountId,
    pub email: String,
    pub expires_at: OffsetDateTime,
}

/// Why a link does not verify. The messages are shown to the person who opened it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(
        "this verification link is damaged or was not made by this Jumpgate; copy the whole link from the mail, or send a new one from your account page"
    )]
    Malformed,
    #[error(
        "this verification link has expired (links are valid for 24 hours); send a new one from your account page"
    )]
    Expired,
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// Makes the token of a verification link.
pub fn sign_token(
    key: &[u8],
    account: AccountId,
    email: &str,
    expires_at: OffsetDateTime,
) -> String {
    let payload = format!(
        "v1\n{}\n{}\n{email}",
        account.get(),
        expires_at.unix_timestamp()
    );
    let mut m = mac(key);
    m.update(payload.as_bytes());
    let signature = m.finalize().into_bytes();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(payload.as_bytes()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// Checks a token's signature and expiry (in constant time for the signature).
pub fn verify_token(
    key: &[u8],
    token: &str,
    now: OffsetDateTime,
) -> Result<EmailClaim, TokenError> {
    let (payload_b64, signature_b64) = token.trim().split_once('.').ok_or(TokenError::Malformed)?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload_b64)
        .map_err(|_| TokenError::Malformed)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| TokenError::Malformed)?;
    let mut m = mac(key);
    m.update(&payload);
    m.verify_slice(&signature)
        .map_err(|_| TokenError::Malformed)?;
    let text = String::from_utf8(payload).map_err(|_| TokenError::Malformed)?;
    let mut parts = text.splitn(4, '\n');
    let (Some("v1"), Some(account), Some(expires), Some(email)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let account = AccountId(account.parse().map_err(|_| TokenError::Malformed)?);
    let expires_at =
        OffsetDateTime::from_unix_timestamp(expires.parse().map_err(|_| TokenError::Malformed)?)
            .map_err(|_| TokenError::Malformed)?;
    if now >= expires_at {
        return Err(TokenError::Expired);
    }
    Ok(EmailClaim {
        account,
        email: email.to_owned(),
        expires_at,
    })
}

/// `verify_token` with each key in turn (the primary's first): the first that signed it wins.
fn verify_with_any(
    keys: &[[u8; 32]],
    token: &str,
    now: OffsetDateTime,
) -> Result<EmailClaim, TokenError> {
    let mut outcome = Err(TokenError::Malformed);
    for key in keys {
        outcome = verify_token(key, token, now);
        if !matches!(outcome, Err(TokenError::Malformed)) {
            break;
        }
    }
    outcome
}

impl From<TokenError> for AppError {
    fn from(e: TokenError) -> Self {
        Self::Invalid(e.to_string())
    }
}

impl App {
    /// The key that signs verification links, for background work and the command line only
    /// (it forges any link).
    pub async fn email_signing_key(&self, caller: &Caller) -> AppResult<Vec<u8>> {
        caller.require_background()?;
        self.signing_key().await
    }

    /// The key that signs new verification links: derived from the primary token key.
    async fn signing_key(&self) -> AppResult<Vec<u8>> {
        Ok(self
            .keys()
            .read()
            .await
            .derive_key(LINK_KEY_PURPOSE)?
            .to_vec())
    }

    /// Sets the account's address (unverified) and mails it a verification link to
    /// `verify_url?token=…`; `None` clears it. Invalid addresses change nothing. The caller's
    /// own account only.
    pub async fn set_email(
        &self,
        caller: &Caller,
        email: Option<&str>,
        verify_url: &Url,
    ) -> AppResult<Option<String>> {
        let account = caller.own_account()?;
        let acc = self.existing_account(account).await?;
        let Some(email) = email else {
            if acc.email.is_some() {
                let mut tx = self.store().transaction().await?;
                tx.set_account_email(account, None, false).await?;
                audit_in(
                    &mut tx,
                    caller.actor(),
                    "account.email_cleared",
                    account_target(account),
                    json!({}),
                )
                .await?;
                tx.commit().await?;
            }
            return Ok(None);
        };
        let email = validate_email(email).map_err(AppError::Invalid)?;
        self.refuse_mail_until_allowed(account, &email).await?;
        // The mail goes out before anything is written: if it cannot be sent, nothing changed.
        // (A link for an address that then fails to be stored verifies nothing.)
        let link = self.verification_link(account, &email, verify_url).await?;
        self.send_verification(&email, &link).await?;
        let mut tx = self.store().transaction().await?;
        tx.set_account_email(account, Some(&email), false).await?;
        tx.record_verification_mail(account, &address_hash(&email))
            .await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "account.email_set",
            account_target(account),
            json!({"email": email, "previous": acc.email}),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(email))
    }

    /// Mails a new link for the caller's current, unverified address.
    pub async fn resend_email_verification(
        &self,
        caller: &Caller,
        verify_url: &Url,
    ) -> AppResult<String> {
        let account = caller.own_account()?;
        let acc = self.existing_account(account).await?;
        let Some(email) = acc.email else {
            return Err(AppError::Invalid(
                "your account has no email address to verify; set one first".to_owned(),
            ));
        };
        if acc.email_verified {
            return Err(AppError::Invalid(format!("{email} is already verified")));
        }
        self.refuse_mail_until_allowed(account, &email).await?;
        let link = self.verification_link(account, &email, verify_url).await?;
        self.send_verification(&email, &link).await?;
        let mut tx = self.store().transaction().await?;
        tx.record_verification_mail(account, &address_hash(&email))
            .await?;
        tx.commit().await?;
        Ok(email)
    }

    /// When `account` may be sent the next verification mail for its unverified address;
    /// `None` when now (or when there is nothing to verify). For the account page, which has
    /// read the account already.
    pub(crate) async fn next_verification_mail_at(
        &self,
        account: &Account,
    ) -> AppResult<Option<OffsetDateTime>> {
        match &account.email {
            Some(email) if !account.email_verified => self.mail_allowed_at(account.id, email).await,
            _ => Ok(None),
        }
    }

    /// When `account` may next mail `email` under the limits; `None`: now.
    async fn mail_allowed_at(
        &self,
        account: AccountId,
        email: &str,
    ) -> AppResult<Option<OffsetDateTime>> {
        let now = self.now();
        let sent = self
            .store()
            .verification_mails_since(account, &address_hash(email), now - time::Duration::days(1))
            .await?;
        Ok(self.settings().mail_limits.next_allowed(&sent, now))
    }

    /// `Invalid`, saying when, unless `account` may mail `email` now.
    async fn refuse_mail_until_allowed(&self, account: AccountId, email: &str) -> AppResult<()> {
        let Some(at) = self.mail_allowed_at(account, email).await? else {
            return Ok(());
        };
        let limits = self.settings().mail_limits;
        Err(AppError::Invalid(format!(
            "You can send the next verification mail {}. Jumpgate sends at most one a minute, {} a day per account and {} a day to one address, so nobody can flood an inbox through it. Nothing was changed.",
            when(at, self.now()),
            limits.per_account_per_day,
            limits.per_address_per_day,
        )))
    }

    async fn verification_link(
        &self,
        account: AccountId,
        email: &str,
        verify_url: &Url,
    ) -> AppResult<Url> {
        let key = self.signing_key().await?;
        let token = sign_token(&key, account, email, self.now() + LINK_VALIDITY);
        let mut link = verify_url.clone();
        link.query_pairs_mut().clear().append_pair("token", &token);
        Ok(link)
    }

    async fn send_verification(&self, email: &str, link: &Url) -> AppResult<()> {
        let body = format!(
            "Hello,\r\n\r\nsomeone (hopefully you) set this address on a Jumpgate account.\r\nTo confirm it, open this link within 24 hours:\r\n\r\n{link}\r\n\r\nIf this was not you, ignore this mail: the address stays unverified.\r\n"
        );
        self.mailer()
            .send(email, "Confirm your email address for Jumpgate", &body)
            .await
            .map_err(|e| {
                AppError::Internal(anyhow::anyhow!(
                    "the verification mail could not be sent (nothing was changed): {e}"
                ))
            })
    }

    /// What a verification link would verify, checked as [`App::verify_email`] checks it but
    /// changing nothing: the page that asks the person to confirm (mail scanners open links;
    /// only a person presses the button).
    pub async fn email_link(&self, token: &str) -> AppResult<EmailClaim> {
        Ok(self.checked_link(token).await?.0)
    }

    /// A link's claim and its account, if the link is genuine, unexpired and the account still
    /// has the address it names.
    async fn checked_link(
        &self,
        token: &str,
    ) -> AppResult<(EmailClaim, jumpgate_domain::account::Account)> {
        let keys = self.keys().read().await.derived_keys(LINK_KEY_PURPOSE)?;
        let claim = verify_with_any(&keys, token, self.now())?;
        let acc = self.store().account(claim.account).await?.ok_or_else(|| {
            AppError::Invalid("the account this link was sent for no longer exists".to_owned())
        })?;
        if acc.email.as_deref() != Some(claim.email.as_str()) {
            return Err(AppError::Invalid(format!(
                "this link was sent to {}, but the account's address has changed since; use the link in the newest mail",
                claim.email
            )));
        }
        Ok((claim, acc))
    }

    /// Marks the address a link names as verified, if the link is genuine, unexpired and the
    /// account still has that address. Returns the account and the address. Anyone holding the
    /// link may open it, signed in or not: the link is the authority.
    pub async fn verify_email(&self, token: &str) -> AppResult<(AccountId, String)> {
        let (claim, acc) = self.checked_link(token).await?;
        if !acc.email_verified {
            let mut tx = self.store().transaction().await?;
            tx.set_account_email(claim.account, Some(&claim.email), true)
                .await?;
            audit_in(
                &mut tx,
                Actor::Account(claim.account.get()),
                "account.email_verified",
                account_target(claim.account),
                json!({"email": claim.email}),
            )
            .await?;
            tx.commit().await?;
        }
        Ok((claim.account, claim.email))
    }
}

/// How the mail limits know an address: a SHA-256 of its lower-case form.
fn address_hash(email: &str) -> String {
    use sha2::Digest;
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// "at 2026-12-05 22:15 UTC (in 3 minutes)".
pub fn when(at: OffsetDateTime, now: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    let stamp = at.format(&format).unwrap_or_else(|_| at.to_string());
    let seconds = (at - now).whole_seconds().max(1);
    let wait = if seconds < 120 {
        format!("{seconds} seconds")
    } else if seconds < 2 * 60 * 60 {
        format!("{} minutes", (seconds + 59) / 60)
    } else {
        format!("{} hours", (seconds + 3599) / 3600)
    };
    format!("at {stamp} (in {wait})")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed moment: these tests are about the tokens, not the time.
    fn test_now() -> OffsetDateTime {
        time::macros::datetime!(2026-12-05 12:00 UTC)
    }

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn later() -> OffsetDateTime {
        test_now() + time::Duration::hours(1)
    }

    #[test]
    fn a_token_round_trips() {
        let expires = OffsetDateTime::from_unix_timestamp(later().unix_timestamp()).expect("ts");
        let token = sign_token(KEY, AccountId(7), "pilot@example.org", expires);
        let claim = verify_token(KEY, &token, test_now()).expect("valid");
        assert_eq!(
            claim,
            EmailClaim {
                account: AccountId(7),
                email: "pilot@example.org".into(),
                expires_at: expires,
            }
        );
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "safe in a URL as it is"
        );
    }

    #[test]
    fn tampered_tokens_and_other_keys_are_refused() {
        let token = sign_token(KEY, AccountId(7), "pilot@example.org", later());
        let (payload, signature) = token.split_once('.').expect("two parts");
        // Another account or address in the payload, same signature.
        let forged_payload = URL_SAFE_NO_PAD.encode(format!(
            "v1\n8\n{}\nmallory@example.org",
            later().unix_timestamp()
        ));
        let now = test_now();
        for bad in [
            format!("{forged_payload}.{signature}"),
            format!("{payload}.{}", URL_SAFE_NO_PAD.encode([0u8; 32])),
            format!("{payload}x.{signature}"),
            payload.to_owned(),
            String::new(),
            "..".to_owned(),
        ] {
            assert_eq!(
                verify_token(KEY, &bad, now),
                Err(TokenError::Malformed),
                "{bad}"
            );
        }
        let other_key = [9u8; 32];
        assert_eq!(
            verify_token(&other_key, &token, now),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let expires = test_now() - time::Duration::seconds(1);
        let token = sign_token(KEY, AccountId(7), "pilot@example.org", expires);
        assert_eq!(
            verify_token(KEY, &token, test_now()),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn email_shapes_are_checked_with_a_reason() {
        assert_eq!(
            validate_email(" pilot@example.org "),
            Ok("pilot@example.org".into())
        );
        for (bad, reason) in [
            ("", "type an email"),
            ("pilot.example.org", "exactly one @"),
            ("a@b@example.org", "exactly one @"),
            ("@example.org", "nothing before"),
            ("pilot@localhost", "must contain a dot"),
            ("pilot@example.", "must contain a dot"),
            ("pi lot@example.org", "space"),
            ("pilot@example..org", "empty part"),
        ] {
            let err = validate_email(bad).expect_err(bad);
            assert!(err.contains(reason), "{bad}: {err}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(validate_email(&long).expect_err("long").contains("254"));
    }
}
