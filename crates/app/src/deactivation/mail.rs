//! The one mail of a deactivation episode (Neucore's "invalid ESI token" mail,
//! `deactivation_mail_sent`): to the account (its main's owner), by email when the account has a
//! verified address, and always as a notice on its own page. Claimed before it goes
//! (`claim_deactivation_mail`), so that it goes once whichever instance or command sends it;
//! given back when the mail server refuses, so that the next pass tries again. A new episode
//! (after every token was valid again) gets a mail of its own.

use super::rfc3339;
use crate::App;
use crate::audit::{account_target, audit_in};
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::AccountId;
use jumpgate_domain::deactivation::Deactivation;
use serde_json::json;

/// What a mail pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailPass {
    /// Episodes told (a notice on the account's page; an email too where `emailed`).
    pub sent: usize,
    /// Of those, the ones that also went by email.
    pub emailed: usize,
    /// Mails the mail server refused: tried again at the next pass.
    pub failed: usize,
}

/// Where the person fixes it.
const ACCOUNT_PAGE: &str = "/account";

impl App {
    /// Sends the mail of every episode that has not had one yet (with the periodic token
    /// check, and `jumpgate accounts send-deactivation-mail`). Background work and the command
    /// line.
    pub async fn send_deactivation_mails(&self, caller: &Caller) -> AppResult<MailPass> {
        caller.require_background()?;
        let mut pass = MailPass::default();
        for account in self.store().deactivation_mails_due().await? {
            match self.send_deactivation_mail(caller, account).await {
                Ok(Some(emailed)) => {
                    pass.sent += 1;
                    pass.emailed += usize::from(emailed);
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

    /// Sends `account`'s mail if nobody has: `Some(emailed)` when this call sent it.
    async fn send_deactivation_mail(
        &self,
        caller: &Caller,
        account: AccountId,
    ) -> AppResult<Option<bool>> {
        let view = self.deactivation_of(account).await?;
        let Some(acc) = self.store().account(account).await? else {
            return Ok(None);
        };
        let (subject, message) = match text(&view.state, &view.bad_characters) {
            Some(t) => t,
            None => return Ok(None),
        };
        let at = self.now();
        if !self.store().claim_deactivation_mail(account, at).await? {
            return Ok(None);
        }
        let mut emailed = false;
        if let (Some(email), true) = (acc.email.as_deref(), acc.email_verified) {
            let body = format!("{message}\n\n{ACCOUNT_PAGE}\n");
            if let Err(e) = self.mailer().send(email, &subject, &body).await {
                self.store().release_deactivation_mail(account, at).await?;
                return Err(crate::error::AppError::Internal(anyhow::anyhow!(
                    "the deactivation mail of account {account} could not go: {e}"
                )));
            }
            emailed = true;
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
            json!({"emailed": emailed, "state": view.state.as_str()}),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(emailed))
    }
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
