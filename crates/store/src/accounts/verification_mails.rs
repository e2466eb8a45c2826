//! Verification mails sent in the last day, for the mail limits
//! (`jumpgate_domain::verification_mail`). Addresses arrive already hashed.

use crate::db::{Cols, DbTime, on_conn, on_db};
use crate::{Result, Store, Transaction};
use jumpgate_domain::AccountId;
use jumpgate_domain::verification_mail::SentMail;
use time::OffsetDateTime;

impl Store {
    /// The mails sent since `since` by `account` or to `address_hash`, each saying which.
    pub async fn verification_mails_since(
        &self,
        account: AccountId,
        address_hash: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<SentMail>> {
        on_db!(self, |db| sqlx::query(
            "SELECT account_id, address_hash, sent_at FROM verification_mails
             WHERE (account_id = $1 OR address_hash = $2) AND sent_at > $3"
        )
        .bind(account.get())
        .bind(address_hash)
        .bind(DbTime(since))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(SentMail {
                at: r.time("sent_at")?,
                by_account: r.get::<i64>("account_id")? == account.get(),
                to_address: r.get::<String>("address_hash")? == address_hash,
            })
        })
        .collect())
    }

    /// Forgets mails sent before `before` (the cleanup job: the limits look back a day).
    pub async fn delete_verification_mails_before(&self, before: OffsetDateTime) -> Result<u64> {
        Ok(on_db!(self, |db| sqlx::query(
            "DELETE FROM verification_mails WHERE sent_at < $1"
        )
        .bind(DbTime(before))
        .execute(db.writer())
        .await?
        .rows_affected()))
    }
}

/// The writes a use case combines with others (and its audit entry) in one transaction.
impl Transaction {
    /// Records a verification mail `account` sent to `address_hash` now.
    pub async fn record_verification_mail(
        &mut self,
        account: AccountId,
        address_hash: &str,
    ) -> Result<()> {
        let now = self.now();
        on_conn!(self.conn(), |c| sqlx::query(
            "INSERT INTO verification_mails (account_id, address_hash, sent_at) VALUES ($1, $2, $3)"
        )
        .bind(account.get())
        .bind(address_hash)
        .bind(DbTime(now))
        .execute(c)
        .await?
        .rows_affected());
        Ok(())
    }
}
