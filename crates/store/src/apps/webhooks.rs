//! Application webhooks (ADR 0031): each application's webhook, what it last saw (the
//! outbox's memory) and its deliveries. The scan writes a delivery and what it saw in one
//! transaction; a delivery's attempts are recorded one by one.

use crate::db::{Cols, DbTime, on_conn, on_db};
use crate::support::not_found_if_zero;
use crate::{Result, Store, StoreError, Transaction};
use const_format::concatcp;
use jumpgate_domain::apps::webhooks::{AppWebhook, DeliveryStatus, Seen, WebhookDelivery};
use jumpgate_domain::{AccountId, AppId, CharacterId, GroupId};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// What a delivery's attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub status: DeliveryStatus,
    /// The receiver's HTTP status, if it answered.
    pub http_status: Option<i32>,
    pub error: Option<String>,
    pub at: OffsetDateTime,
    /// When a pending delivery is tried again.
    pub next_attempt_at: OffsetDateTime,
}

/// An application's deliveries as its page shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryOverview {
    pub pending: i64,
    /// The delivery attempted last, if any.
    pub last: Option<WebhookDelivery>,
    /// The next pending one (what the receiver waits for).
    pub next: Option<WebhookDelivery>,
    /// Every failed delivery, newest first (at most 50).
    pub failed: Vec<WebhookDelivery>,
}

const DELIVERY_COLUMNS: &str = "id, app_id, event_id, payload, status, attempts, created_at, \
     next_attempt_at, last_attempt_at, last_status, last_error";
const PENDING: &str = concatcp!(
    "SELECT ",
    DELIVERY_COLUMNS,
    " FROM app_webhook_deliveries WHERE app_id = $1 AND status = 'pending' ORDER BY id LIMIT $2"
);
const ONE: &str = concatcp!(
    "SELECT ",
    DELIVERY_COLUMNS,
    " FROM app_webhook_deliveries WHERE app_id = $1 AND id = $2"
);
const LAST_ATTEMPTED: &str = concatcp!(
    "SELECT ",
    DELIVERY_COLUMNS,
    " FROM app_webhook_deliveries WHERE app_id = $1 AND last_attempt_at IS NOT NULL \
     ORDER BY last_attempt_at DESC, id DESC LIMIT 1"
);
const FAILED: &str = concatcp!(
    "SELECT ",
    DELIVERY_COLUMNS,
    " FROM app_webhook_deliveries WHERE app_id = $1 AND status = 'failed' ORDER BY id DESC LIMIT 50"
);

fn delivery(r: &impl Cols) -> Result<WebhookDelivery> {
    let status: String = r.get("status")?;
    Ok(WebhookDelivery {
        id: r.get("id")?,
        app: AppId(r.get("app_id")?),
        event_id: r.get("event_id")?,
        payload: r.get("payload")?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown delivery status '{status}'")))?,
        attempts: r.get("attempts")?,
        created_at: r.time("created_at")?,
        next_attempt_at: r.time("next_attempt_at")?,
        last_attempt_at: r.time_opt("last_attempt_at")?,
        last_status: r.get("last_status")?,
        last_error: r.get("last_error")?,
    })
}

fn webhook(r: &impl Cols) -> Result<AppWebhook> {
    Ok(AppWebhook {
        app: AppId(r.get("app_id")?),
        url: r.get("url")?,
        enabled: r.get("enabled")?,
        sealed_secret: r.get("sealed_secret")?,
        primed: r.get("primed")?,
    })
}

impl Store {
    /// Every application's webhook, by application.
    pub async fn app_webhooks(&self) -> Result<Vec<AppWebhook>> {
        on_db!(self, |db| sqlx::query(
            "SELECT app_id, url, enabled, sealed_secret, primed FROM app_webhooks ORDER BY app_id"
        )
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(webhook)
        .collect())
    }

    /// `app`'s webhook, if it has one.
    pub async fn app_webhook(&self, app: AppId) -> Result<Option<AppWebhook>> {
        Ok(self
            .app_webhooks()
            .await?
            .into_iter()
            .find(|w| w.app == app))
    }

    /// What `app`'s webhook last saw.
    pub async fn app_webhook_seen(&self, app: AppId) -> Result<BTreeSet<Seen>> {
        let rows: Vec<(i64, i64, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT character_id, group_id, account_id FROM app_webhook_seen WHERE app_id = $1"
        )
        .bind(app.get())
        .fetch_all(db.reader())
        .await?);
        Ok(rows
            .into_iter()
            .map(|(c, g, a)| (CharacterId(c), GroupId(g), AccountId(a)))
            .collect())
    }

    /// The applications whose webhook is on with a pending delivery due at `now`.
    pub async fn apps_with_due_webhook_deliveries(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<AppId>> {
        let ids: Vec<i64> = on_db!(self, |db| sqlx::query_scalar(
            "SELECT DISTINCT d.app_id FROM app_webhook_deliveries d
             JOIN app_webhooks w ON w.app_id = d.app_id AND w.enabled
             WHERE d.status = 'pending' AND d.next_attempt_at <= $1 ORDER BY d.app_id"
        )
        .bind(DbTime(now))
        .fetch_all(db.reader())
        .await?);
        Ok(ids.into_iter().map(AppId).collect())
    }

    /// `app`'s pending deliveries in the order they go out (at most `limit`).
    pub async fn pending_webhook_deliveries(
        &self,
        app: AppId,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>> {
        on_db!(self, |db| sqlx::query(PENDING)
            .bind(app.get())
            .bind(limit)
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(delivery)
            .collect())
    }

    /// One delivery of `app`.
    pub async fn webhook_delivery(&self, app: AppId, id: i64) -> Result<Option<WebhookDelivery>> {
        on_db!(self, |db| sqlx::query(ONE)
            .bind(app.get())
            .bind(id)
            .fetch_optional(db.reader())
            .await?
            .as_ref()
            .map(delivery)
            .transpose())
    }

    /// `app`'s deliveries as its page shows them.
    pub async fn webhook_delivery_overview(&self, app: AppId) -> Result<DeliveryOverview> {
        let pending: i64 = on_db!(self, |db| {
            sqlx::query_scalar(
            "SELECT COUNT(*) FROM app_webhook_deliveries WHERE app_id = $1 AND status = 'pending'"
        )
        .bind(app.get())
        .fetch_one(db.reader())
        .await?
        });
        let last = on_db!(self, |db| sqlx::query(LAST_ATTEMPTED)
            .bind(app.get())
            .fetch_optional(db.reader())
            .await?
            .as_ref()
            .map(delivery)
            .transpose())?;
        let next = self
            .pending_webhook_deliveries(app, 1)
            .await?
            .into_iter()
            .next();
        let failed = on_db!(self, |db| sqlx::query(FAILED)
            .bind(app.get())
            .fetch_all(db.reader())
            .await?
            .iter()
            .map(delivery)
            .collect::<Result<Vec<_>>>())?;
        Ok(DeliveryOverview {
            pending,
            last,
            next,
            failed,
        })
    }

    /// Records an attempt of delivery `id`.
    pub async fn record_webhook_attempt(&self, id: i64, attempt: &DeliveryAttempt) -> Result<()> {
        let changed = on_db!(self, |db| sqlx::query(
            "UPDATE app_webhook_deliveries SET status = $1, attempts = attempts + 1,
                 last_attempt_at = $2, last_status = $3, last_error = $4, next_attempt_at = $5
             WHERE id = $6"
        )
        .bind(attempt.status.as_str())
        .bind(DbTime(attempt.at))
        .bind(attempt.http_status)
        .bind(attempt.error.as_deref())
        .bind(DbTime(attempt.next_attempt_at))
        .bind(id)
        .execute(db.writer())
        .await?
        .rows_affected());
        not_found_if_zero(changed, || format!("webhook delivery {id}"))
    }
}

/// The writes a use case combines with its audit entry, and the scan's.
impl Transaction {
    /// Sets `app`'s webhook URL and whether it is on, keeping its secret. A new webhook, a new
    /// URL or turning it on again starts unprimed (nothing is sent for what it did not see).
    pub async fn set_app_webhook(&mut self, app: AppId, url: &str, enabled: bool) -> Result<()> {
        let now = DbTime(self.now());
        let changed = on_conn!(self.conn(), |c| sqlx::query(
            "INSERT INTO app_webhooks (app_id, url, enabled, sealed_secret, primed, changed_at)
             SELECT id, $2, $3, NULL, FALSE, $4 FROM apps WHERE id = $1
             ON CONFLICT (app_id) DO UPDATE SET
                 primed = app_webhooks.primed AND app_webhooks.enabled AND excluded.enabled,
                 url = excluded.url, enabled = excluded.enabled, changed_at = excluded.changed_at"
        )
        .bind(app.get())
        .bind(url)
        .bind(enabled)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(changed, || format!("application {app}"))?;
        if !enabled {
            self.forget_app_webhook_seen(app).await?;
        }
        Ok(())
    }

    /// Removes `app`'s webhook and what it saw; its pending deliveries fail ("the webhook was
    /// removed"), and stay listed. Returns how many were pending.
    pub async fn clear_app_webhook(&mut self, app: AppId) -> Result<u64> {
        let now = DbTime(self.now());
        on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM app_webhooks WHERE app_id = $1"
        )
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        self.forget_app_webhook_seen(app).await?;
        Ok(on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE app_webhook_deliveries SET status = 'failed',
                 last_error = 'the webhook was removed before this was delivered',
                 last_attempt_at = COALESCE(last_attempt_at, $2)
             WHERE app_id = $1 AND status = 'pending'"
        )
        .bind(app.get())
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()))
    }

    async fn forget_app_webhook_seen(&mut self, app: AppId) -> Result<()> {
        on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM app_webhook_seen WHERE app_id = $1"
        )
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Replaces `app`'s sealed signing secret. `NotFound` without a webhook.
    pub async fn set_app_webhook_secret(&mut self, app: AppId, sealed: &[u8]) -> Result<()> {
        let changed = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE app_webhooks SET sealed_secret = $1 WHERE app_id = $2"
        )
        .bind(sealed)
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(changed, || format!("webhook of application {app}"))
    }

    /// Marks `app`'s webhook as having seen the memberships once.
    pub async fn set_app_webhook_primed(&mut self, app: AppId) -> Result<()> {
        on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE app_webhooks SET primed = TRUE WHERE app_id = $1"
        )
        .bind(app.get())
        .execute(c)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Records that `app` now sees `row`; `false` if it was recorded already (by another
    /// instance's scan: that scan reports it, this one must not).
    pub async fn add_app_webhook_seen(&mut self, app: AppId, row: Seen) -> Result<bool> {
        let (character, group, account) = row;
        let n = on_conn!(self.conn(), |c| sqlx::query(
            "INSERT INTO app_webhook_seen (app_id, character_id, group_id, account_id)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
        )
        .bind(app.get())
        .bind(character.get())
        .bind(group.get())
        .bind(account.get())
        .execute(c)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Records that `app` no longer sees `row`; `false` if it was gone already.
    pub async fn remove_app_webhook_seen(&mut self, app: AppId, row: Seen) -> Result<bool> {
        let (character, group, account) = row;
        let n = on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM app_webhook_seen
             WHERE app_id = $1 AND character_id = $2 AND group_id = $3 AND account_id = $4"
        )
        .bind(app.get())
        .bind(character.get())
        .bind(group.get())
        .bind(account.get())
        .execute(c)
        .await?
        .rows_affected());
        Ok(n == 1)
    }

    /// Queues a delivery of `payload` to `app`, due at once; returns its id.
    pub async fn add_webhook_delivery(
        &mut self,
        app: AppId,
        event_id: &str,
        payload: &str,
    ) -> Result<i64> {
        let now = DbTime(self.now());
        Ok(on_conn!(self.conn(), |c| sqlx::query_scalar(
            "INSERT INTO app_webhook_deliveries (app_id, event_id, payload, status, attempts,
                 created_at, next_attempt_at)
             VALUES ($1, $2, $3, 'pending', 0, $4, $4) RETURNING id"
        )
        .bind(app.get())
        .bind(event_id)
        .bind(payload)
        .bind(now)
        .fetch_one(c)
        .await?))
    }

    /// Puts failed delivery `id` of `app` back in line, due at once, with its attempts
    /// forgotten (it keeps its place: it goes out before later ones). `NotFound` unless it
    /// failed.
    pub async fn retry_webhook_delivery(&mut self, app: AppId, id: i64) -> Result<()> {
        let now = DbTime(self.now());
        let changed = on_conn!(self.conn(), |c| sqlx::query(
            "UPDATE app_webhook_deliveries SET status = 'pending', attempts = 0,
                 created_at = $3, next_attempt_at = $3
             WHERE app_id = $1 AND id = $2 AND status = 'failed'"
        )
        .bind(app.get())
        .bind(id)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected());
        not_found_if_zero(changed, || format!("failed webhook delivery {id}"))
    }
}
