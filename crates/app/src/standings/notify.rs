//! Telling members what happened to their requests and their sync: an in-app notification
//! always, and an email when the account has a verified address.

use crate::App;
use crate::error::AppResult;
use jumpgate_domain::AccountId;

impl App {
    /// Notifies an account. A mail that cannot be sent is logged, never fatal: the in-app
    /// notification is the record.
    pub(crate) async fn notify_account(
        &self,
        account: AccountId,
        subject: &str,
        message: &str,
        link: Option<&str>,
    ) -> AppResult<()> {
        self.store().notify(account, message, link).await?;
        let Some(acc) = self.store().account(account).await? else {
            return Ok(());
        };
        if let (Some(email), true) = (acc.email.as_deref(), acc.email_verified) {
            let body = match link {
                Some(l) => format!("{message}\n\n{l}\n"),
                None => format!("{message}\n"),
            };
            if let Err(e) = self.mailer().send(email, subject, &body).await {
                tracing::warn!(account = account.get(), error = %e, "could not mail a notification");
            }
        }
        Ok(())
    }
}
