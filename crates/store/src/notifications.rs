//! In-app notifications ("your request was approved").

use crate::Result;
use crate::Store;
use crate::db::{Cols, DbTime, Limit, on_db};
use crate::support::unknown_account;
use const_format::concatcp;
use jumpgate_domain::AccountId;
use time::OffsetDateTime;

/// An in-app notification ("your request was approved").
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub account: AccountId,
    pub message: String,
    /// Where the notification leads, e.g. `/standings`.
    pub link: Option<String>,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
}

const NOTIFICATION_COLS: &str = "id, account_id, message, link, created_at, read_at";

fn read_notification<R: Cols>(r: &R) -> Result<Notification> {
    Ok(Notification {
        id: r.get("id")?,
        account: AccountId(r.get("account_id")?),
        message: r.get("message")?,
        link: r.get("link")?,
        created_at: r.time("created_at")?,
        read_at: r.time_opt("read_at")?,
    })
}

impl Store {
    pub async fn notify(
        &self,
        account: AccountId,
        message: &str,
        link: Option<&str>,
    ) -> Result<Notification> {
        on_db!(self, |db| read_notification(
            &sqlx::query(concatcp!(
                "INSERT INTO notifications (account_id, message, link, created_at) \
                 VALUES ($1, $2, $3, $4) RETURNING ",
                NOTIFICATION_COLS
            ))
            .bind(account.get())
            .bind(message)
            .bind(link)
            .bind(DbTime(self.now()))
            .fetch_one(db.writer())
            .await
            .map_err(|e| unknown_account(e, Some(account)))?
        ))
    }

    /// Newest first. A limit of 0 or less means no limit.
    pub async fn notifications(
        &self,
        account: AccountId,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            NOTIFICATION_COLS,
            " FROM notifications WHERE account_id = $1 AND (NOT $2 OR read_at IS NULL) \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        ))
        .bind(account.get())
        .bind(unread_only)
        .bind(Limit::positive_or_all(limit))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_notification)
        .collect())
    }

    pub async fn mark_notifications_read(&self, account: AccountId) -> Result<u64> {
        Ok(on_db!(self, |db| sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL",
        )
        .bind(DbTime(self.now()))
        .bind(account.get())
        .execute(db.writer())
        .await?
        .rows_affected()))
    }
}
