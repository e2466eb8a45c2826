//! The one mail of a deactivation episode (Neucore's "invalid ESI token" mail,
//! `deactivation_mail_sent`, ADR 0029): to the account (its main's owner), as EVE mail to the main when
//! `[deactivation] eve_mail_from` names a sender that logged in with `core.mail`, by email when
//! the account has a verified address, and always as a notice on its own page. Claimed before it goes
//! (`claim_deactivation_mail`), so that it goes once whichever instance or command sends it;
//! given back when the mail server refuses, so that the next pass tries again. A new episode
//! (after every token was valid again) gets a mail of its own.

use super::rfc3339;
use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::deactivation::Deactivation;
use jumpgate_domain::{AccountId, CharacterId, EveLogin};
use secrecy::ExposeSecret;
use serde_json::json;

/// What a mail pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailPass {
    /// Episodes told (a notice on the account's page; an email or an EVE mail too where
    /// counted below).
    pub sent: usize,
    /// Of those, the ones that also went by email.
    pub emailed: usize,
    /// Of those, the ones that also went as EVE mail.
    pub eve_mailed: usize,
    /// Notices that could not go by any way asked: tried again at the next pass.
    pub failed: usize,
    /// Left for the next pass: EVE takes only a few mails a minute from one character.
    pub postponed: usize,
}

/// Where the person fixes it.
const ACCOUNT_PAGE: &str = "/account";
/// EVE mails one pass sends at most: EVE's mail server refuses a character that sends more
/// than a few a minute (Neucore waits 20 s between two), and a pass must not stall the job.
const EVE_MAILS_PER_PASS: usize = 4;

/// How one episode's notice went.
struct Told {
    emailed: bool,
    eve_mailed: bool,
}

impl App {
    /// Sends the mail of every episode that has not had one yet (with the periodic token
    /// check, and `jumpgate accounts send-deactivation-mail`). Background work and the command
    /// line.
    pub async fn send_deactivation_mails(&self, caller: &Caller) -> AppResult<MailPass> {
        caller.require_background()?;
        let eve_from = self.settings().deactivation.eve_mail_from.map(CharacterId);
        let mut pass = MailPass::default();
        for account in self.store().deactivation_mails_due().await? {
            if eve_from.is_some() && pass.eve_mailed >= EVE_MAILS_PER_PASS {
                pass.postponed += 1;
                continue;
            }
            match self.send_deactivation_mail(caller, account, eve_from).await {
                Ok(Some(told)) => {
                    pass.sent += 1;
                    pass.emailed += usize::from(told.emailed);
                    pass.eve_mailed += usize::from(told.eve_mailed);
                }
                Ok(None) => {}
                Err(e) => {
                    pass.failed += 1;
                    tracing::warn!(account = account.get(), error = %e, "could not send a deactivation mail");
                }
            }
        }
        Ok(pass)
    }

    /// Sends `account`'s notice if nobody has: `Some` (how) when this call sent it. It goes
    /// as EVE mail to the main (when `eve_from` is set) and by email (when the address is
    /// verified); when neither went but one was tried, the claim is given back.
    async fn send_deactivation_mail(
        &self,
        caller: &Caller,
        account: AccountId,
        eve_from: Option<CharacterId>,
    ) -> AppResult<Option<Told>> {
        let view = self.deactivation_of(account).await?;
        let Some(acc) = self.store().account(account).await? else {
            return Ok(None);
        };
        let Some((subject, message)) = text(&view.state, &view.bad_characters) else {
            return Ok(None);
        };
        let at = self.now();
        if !self.store().claim_deactivation_mail(account, at).await? {
            return Ok(None);
        }
        let mut told = Told {
            emailed: false,
            eve_mailed: false,
        };
        let mut failures = Vec::new();
        if let (Some(from), Some(main)) = (eve_from, acc.main_character) {
            match self.send_eve_mail(from, main, &subject, &message).await {
                Ok(()) => told.eve_mailed = true,
                // The recipient charges for mail or blocked the sender: nothing to try again.
                Err(e) if refused_for_good(&e) => {
                    tracing::info!(account = account.get(), error = %e, "the main refuses EVE mail from the sender");
                }
                Err(e) => failures.push(format!("EVE mail: {e}")),
            }
        }
        if let (Some(email), true) = (acc.email.as_deref(), acc.email_verified) {
            let body = format!("{message}\n\n{ACCOUNT_PAGE}\n");
            match self.mailer().send(email, &subject, &body).await {
                Ok(()) => told.emailed = true,
                Err(e) => failures.push(format!("email: {e}")),
            }
        }
        if !told.emailed && !told.eve_mailed && !failures.is_empty() {
            self.store().release_deactivation_mail(account, at).await?;
            return Err(AppError::Internal(anyhow::anyhow!(
                "the deactivation notice of account {account} could not go: {}",
                failures.join("; ")
            )));
        }
        self.store()
            .notify(account, &message, Some(ACCOUNT_PAGE))
            .await?;
        let mut tx = self.store().transaction().await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "account.deactivation_mail_sent",
            account_target(account),
            json!({"emailed": told.emailed, "eve_mailed": told.eve_mailed, "failed": failures, "state": view.state.as_str()}),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(told))
    }

    /// Sends an EVE mail from the mail character (its `core.mail` token) to `to`.
    async fn send_eve_mail(
        &self,
        from: CharacterId,
        to: CharacterId,
        subject: &str,
        body: &str,
    ) -> AppResult<()> {
        let token = self.fresh_access_token(from, EveLogin::MAIL).await?;
        self.esi()
            .send_mail(from, token.expose_secret(), to, subject, body)
            .await?;
        Ok(())
    }
}

/// Whether EVE refused a mail for good: the recipient charges for mail (CSPA) or blocked the
/// sender (Neucore treats both as sent).
fn refused_for_good(e: &AppError) -> bool {
    let text = e.to_string();
    text.contains("ContactCostNotApproved") || text.contains("ContactOwnerUnreachable")
}

/// The mail's subject and text for an account in `state` whose `bad` characters lost their
/// token; `None` when there is nothing to tell.
fn text(
    state: &Deactivation,
    bad: &[(jumpgate_domain::CharacterId, String)],
) -> Option<(String, String)> {
    let names = bad
        .iter()
        .map(|(_, name)| name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let which = if bad.len() == 1 {
        format!("Your character {names} has")
    } else {
        format!("Your characters {names} have")
    };
    let lost = format!(
        "{which} lost its EVE login: EVE no longer accepts the token Jumpgate holds. Log in to Jumpgate again with each of them to fix it."
    );
    match state {
        Deactivation::No => None,
        Deactivation::Soon { at } => Some((
            "Log in again to keep your Jumpgate groups".to_owned(),
            format!(
                "{lost} Until then your groups stay; from {} (UTC) they stop counting.",
                rfc3339(*at)
            ),
        )),
        Deactivation::Yes { since } => Some((
            "Your Jumpgate groups are paused".to_owned(),
            format!(
                "{lost} Your groups have not counted since {} (UTC); they are kept and count again as soon as you log in.",
                rfc3339(*since)
            ),
        )),
    }
}
