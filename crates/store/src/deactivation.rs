//! Soft deactivation's episodes (`account_deactivations`, one row per account while a login
//! token is bad; ADR 0029): read, written whole, the accounts a pass judges, and the one mail of
//! an episode, claimed so that it goes once whichever instance sends it.

use crate::db::{Cols, DbTime, on_conn, on_db};
use crate::support::unknown_account;
use crate::{Result, Store, Transaction};
use jumpgate_domain::AccountId;
use jumpgate_domain::deactivation::Episode;
use time::OffsetDateTime;

pub(crate) fn read_episode<R: Cols>(r: &R) -> Result<Episode> {
    Ok(Episode {
        since: r.time("since")?,
        deactivated_at: r.time_opt("deactivated_at")?,
        mail_sent_at: r.time_opt("mail_sent_at")?,
    })
}

impl Store {
    /// Every open episode, by account.
    pub async fn deactivation_episodes(&self) -> Result<Vec<(AccountId, Episode)>> {
        on_db!(self, |db| sqlx::query(
            "SELECT account_id, since, deactivated_at, mail_sent_at FROM account_deactivations \
             ORDER BY account_id"
        )
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| Ok((AccountId(r.get("account_id")?), read_episode(r)?)))
        .collect())
    }

    /// `account`'s current episode; `None` while all its tokens are well (or it is not covered).
    pub async fn deactivation(&self, account: AccountId) -> Result<Option<Episode>> {
        on_db!(self, |db| sqlx::query(
            "SELECT since, deactivated_at, mail_sent_at FROM account_deactivations \
             WHERE account_id = $1"
        )
        .bind(account.get())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_episode)
        .transpose())
    }

    /// The accounts a deactivation pass judges, by id: those with an episode (it may end or
    /// pass its delay) and, when `bad_tokens_of` names a login, those with a character whose
    /// token of that login is missing or not valid (an episode may begin). Every other account
    /// has nothing to judge. `None` while the rule is off: only episodes, to end them.
    pub async fn deactivation_candidates(
        &self,
        bad_tokens_of: Option<&str>,
    ) -> Result<Vec<AccountId>> {
        let ids: Vec<i64> = match bad_tokens_of {
            None => on_db!(self, |db| sqlx::query_scalar(
                "SELECT account_id FROM account_deactivations ORDER BY account_id"
            )
            .fetch_all(db.reader())
            .await?),
            Some(login) => on_db!(self, |db| sqlx::query_scalar(
                "SELECT account_id FROM account_deactivations
                 UNION
                 SELECT c.account_id FROM characters c
                 LEFT JOIN tokens t ON t.character_id = c.id AND t.login = $1
                 WHERE t.id IS NULL OR t.status <> 'valid'
                 ORDER BY account_id"
            )
            .bind(login)
            .fetch_all(db.reader())
            .await?),
        };
        Ok(ids.into_iter().map(AccountId).collect())
    }

    /// The accounts whose episode's mail has not gone yet, by id.
    pub async fn deactivation_mails_due(&self) -> Result<Vec<AccountId>> {
        let ids: Vec<i64> = on_db!(self, |db| sqlx::query_scalar(
            "SELECT account_id FROM account_deactivations WHERE mail_sent_at IS NULL \
             ORDER BY account_id"
        )
        .fetch_all(db.reader())
        .await?);
        Ok(ids.into_iter().map(AccountId).collect())
    }

    /// Claims the mail of `account`'s episode as sent at `at`: true for the one caller that
    /// claimed it (no other instance sends it then), false when it was sent (or claimed)
    /// already or the episode is over.
    pub async fn claim_deactivation_mail(
        &self,
        account: AccountId,
        at: OffsetDateTime,
    ) -> Result<bool> {
        let done = on_db!(self, |db| sqlx::query(
            "UPDATE account_deactivations SET mail_sent_at = $2 \
             WHERE account_id = $1 AND mail_sent_at IS NULL"
        )
        .bind(account.get())
        .bind(DbTime(at))
        .execute(db.writer())
        .await?
        .rows_affected());
        Ok(done == 1)
    }

    /// Gives back a claim of `claim_deactivation_mail` made at `at` (the mail could not go), so
    /// that a later pass tries again; a claim made since is left alone.
    pub async fn release_deactivation_mail(
        &self,
        account: AccountId,
        at: OffsetDateTime,
    ) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query(
                "UPDATE account_deactivations SET mail_sent_at = NULL \
                 WHERE account_id = $1 AND mail_sent_at = $2",
            )
            .bind(account.get())
            .bind(DbTime(at))
            .execute(db.writer())
            .await?;
        });
        Ok(())
    }

    /// Writes `account`'s episode alone (see [`Transaction::save_deactivation`]).
    pub async fn save_deactivation(
        &self,
        account: AccountId,
        episode: Option<&Episode>,
    ) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.save_deactivation(account, episode).await?;
        tx.commit().await
    }
}

impl Transaction {
    /// Writes `account`'s episode (when it began, when it was deactivated), or ends it (`None`:
    /// the row goes, and with it the mail's mark). Its mail's mark is not written here but by
    /// [`Store::claim_deactivation_mail`], so that a judgement read before a mail went out
    /// cannot take the mark back: a new episode starts without one.
    pub async fn save_deactivation(
        &mut self,
        account: AccountId,
        episode: Option<&Episode>,
    ) -> Result<()> {
        match episode {
            None => on_conn!(self.conn(), |tx| {
                sqlx::query("DELETE FROM account_deactivations WHERE account_id = $1")
                    .bind(account.get())
                    .execute(&mut *tx)
                    .await?;
            }),
            Some(e) => on_conn!(self.conn(), |tx| {
                sqlx::query(
                    "INSERT INTO account_deactivations (account_id, since, deactivated_at) \
                     VALUES ($1, $2, $3) \
                     ON CONFLICT (account_id) DO UPDATE SET since = excluded.since, \
                     deactivated_at = excluded.deactivated_at",
                )
                .bind(account.get())
                .bind(DbTime(e.since))
                .bind(e.deactivated_at.map(DbTime))
                .execute(&mut *tx)
                .await
                .map_err(|e| unknown_account(e, Some(account)))?;
            }),
        }
        Ok(())
    }
}
