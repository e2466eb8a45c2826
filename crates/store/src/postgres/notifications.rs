//! In-app notifications.

use super::{PgDb, read_standings as read, tm};
use crate::db::Limit;
use crate::rows::notification_cols;
use crate::support;
use crate::support::unknown_account;
use crate::{Notification, Result};
use jumpgate_domain::AccountId;

pub(crate) async fn notify(
    s: &PgDb,
    account: AccountId,
    message: &str,
    link: Option<&str>,
) -> Result<Notification> {
    let row = sqlx::query(concat!(
        "INSERT INTO notifications (account_id, message, link, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING ",
        notification_cols!()
    ))
    .bind(account.get())
    .bind(message)
    .bind(link)
    .bind(tm(support::now()))
    .fetch_one(&s.pool)
    .await
    .map_err(|e| unknown_account(e, Some(account)))?;
    read::notification(&row)
}

/// A limit of 0 or less means no limit.
pub(crate) async fn notifications(
    s: &PgDb,
    account: AccountId,
    unread_only: bool,
    n: i64,
) -> Result<Vec<Notification>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        notification_cols!(),
        " FROM notifications WHERE account_id = $1 AND (NOT $2 OR read_at IS NULL) \
         ORDER BY created_at DESC, id DESC LIMIT $3"
    ))
    .bind(account.get())
    .bind(unread_only)
    .bind(Limit::positive_or_all(n))
    .fetch_all(&s.pool)
    .await?;
    rows.iter().map(read::notification).collect()
}

pub(crate) async fn mark_notifications_read(s: &PgDb, account: AccountId) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL",
    )
    .bind(tm(support::now()))
    .bind(account.get())
    .execute(&s.pool)
    .await?;
    Ok(done.rows_affected())
}
