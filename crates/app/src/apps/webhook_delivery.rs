//! Application webhooks delivered (ADR 0031). A periodic job (`app-webhooks`, every 10 s)
//! compares what each application with a webhook sees now (its groups of every account that
//! is not deactivated, per character) with what it saw last (`app_webhook_seen`), and writes
//! the difference as one delivery per application together with the new view, in one
//! transaction: every source of a change (members added or removed by hand, automatic, state
//! and rule groups, deactivation and reactivation, characters moving between accounts) is
//! seen in one place, nothing is lost across restarts, and a row another instance recorded
//! first is reported by that instance only. Then one `app-webhook-deliver` job per application
//! with a delivery due (deduplicated by application: one runs at a time across instances) POSTs
//! them in order; a failure waits with backoff and holds back the later ones.

use super::webhooks::{check_url, secret_binding};
use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::jobs::{JobError, JobRegistry, Periodic};
use jumpgate_domain::apps::webhooks::{self as rules, DeliveryStatus, Seen, WebhookDelivery};
use jumpgate_domain::{AccountId, AppId, CharacterId, GroupId};
use jumpgate_store::{DeliveryAttempt, JobSummary, NewJob};
use serde_json::json;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use time::OffsetDateTime;

/// The periodic scan.
pub const SCAN_APP_WEBHOOKS: &str = "app-webhooks";
/// One application's deliveries (payload `{"app_id": n}`).
pub const DELIVER_APP_WEBHOOK: &str = "app-webhook-deliver";
/// How often the scan runs.
pub const SCAN_INTERVAL: Duration = Duration::from_secs(10);
/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Of an answer, at most this much is read (for the page's "last error").
const ANSWER_CAP: usize = 512;
/// Deliveries one job sends at most (the next scan queues the rest).
const PER_JOB: usize = 200;

/// `at` as RFC 3339 (UTC), as the payload writes times.
pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The job that delivers `app`'s due deliveries, due at `run_at`; one per application waits or
/// runs at a time.
pub(crate) fn deliver_job(app: AppId, run_at: OffsetDateTime) -> NewJob {
    NewJob {
        kind: DELIVER_APP_WEBHOOK.to_owned(),
        payload: json!({"app_id": app.get()}),
        run_at,
        dedupe_key: Some(format!("{DELIVER_APP_WEBHOOK}:{app}")),
        max_attempts: 3,
    }
}

pub fn register_jobs(registry: &mut JobRegistry) {
    registry.register(SCAN_APP_WEBHOOKS, |app, caller, _| async move {
        let s = app.scan_app_webhooks(&caller).await?;
        Ok::<_, JobError>(
            JobSummary::new()
                .with("applications", s.apps)
                .with("deliveries", s.deliveries)
                .with("changes", s.changes)
                .with("delivery jobs", s.queued),
        )
    });
    registry.register(DELIVER_APP_WEBHOOK, |app, caller, payload| async move {
        let id = payload
            .get("app_id")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| JobError::Fatal(format!("{payload} names no app_id")))?;
        let s = app.deliver_app_webhook(&caller, AppId(id)).await?;
        Ok::<_, JobError>(
            JobSummary::new()
                .with("delivered", s.delivered)
                .with("to retry", s.retrying)
                .with("failed", s.failed),
        )
    });
}

/// The scan, every [`SCAN_INTERVAL`].
pub fn periodic() -> Periodic {
    Periodic {
        kind: SCAN_APP_WEBHOOKS,
        interval: SCAN_INTERVAL,
        max_attempts: 3,
    }
}

/// What a scan did.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanSummary {
    /// Applications with a webhook that is on.
    pub apps: usize,
    pub deliveries: usize,
    pub changes: usize,
    /// Delivery jobs queued.
    pub queued: usize,
}

/// What one delivery job did.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeliverySummary {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// What a receiver's answer came to.
#[derive(Debug)]
enum Outcome {
    Delivered(u16),
    Failed {
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    },
}

impl App {
    /// Turns every membership change the applications with a webhook can see into deliveries
    /// and queues their delivery. Background work (the `app-webhooks` job).
    pub async fn scan_app_webhooks(&self, caller: &Caller) -> AppResult<ScanSummary> {
        caller.require_background()?;
        let mut summary = ScanSummary::default();
        let hooks: Vec<_> = self
            .store()
            .app_webhooks()
            .await?
            .into_iter()
            .filter(|h| h.enabled)
            .collect();
        if !hooks.is_empty() {
            let apps: HashMap<AppId, _> = self
                .store()
                .apps()
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect();
            // The application API's kept maps (`apps/directory.rs`, `groups/kept.rs`): read
            // again only when their change counters moved, so a scan while nothing changed
            // costs the counters' reads, not every account and membership.
            let owners = self.character_owners(caller).await?;
            let groups_of = self.accounts_groups(caller).await?;
            let deactivation = self.deactivations(caller).await?;
            let names: HashMap<GroupId, String> = self
                .group_catalogue(Some(caller))
                .await?
                .iter()
                .map(|g| (g.id, g.name.clone()))
                .collect();
            let mains: HashMap<AccountId, CharacterId> = self
                .account_mains(caller)
                .await?
                .iter()
                .map(|(a, m)| (*a, m.character))
                .collect();
            for hook in hooks {
                let Some(app) = apps.get(&hook.app) else {
                    continue;
                };
                summary.apps += 1;
                let now_seen: BTreeSet<Seen> = owners
                    .iter()
                    .filter(|(_, account)| !deactivation(**account).is_deactivated())
                    .flat_map(|(character, account)| {
                        groups_of
                            .get(account)
                            .into_iter()
                            .flatten()
                            .filter(|g| app.groups.contains(g))
                            .map(move |g| (*character, *g, *account))
                    })
                    .collect();
                let before = self.store().app_webhook_seen(app.id).await?;
                let changes = self
                    .record_seen(app.id, &before, &now_seen, hook.primed, &names, &mains)
                    .await?;
                if changes > 0 {
                    summary.deliveries += 1;
                    summary.changes += changes;
                }
            }
        }
        for app in self
            .store()
            .apps_with_due_webhook_deliveries(self.now())
            .await?
        {
            if self
                .store()
                .enqueue_job(&deliver_job(app, self.now()))
                .await?
                .is_some()
            {
                summary.queued += 1;
            }
        }
        Ok(summary)
    }

    /// Records what `app` sees now and, when it saw something before (`primed`), queues what
    /// changed as one delivery, in one transaction. Only rows this transaction really added or
    /// removed are reported. Returns how many changes were queued.
    async fn record_seen(
        &self,
        app: AppId,
        before: &BTreeSet<Seen>,
        now_seen: &BTreeSet<Seen>,
        primed: bool,
        names: &HashMap<GroupId, String>,
        mains: &HashMap<AccountId, CharacterId>,
    ) -> AppResult<usize> {
        if primed && before == now_seen {
            return Ok(0);
        }
        let mut tx = self.store().transaction().await?;
        let mut lost = BTreeSet::new();
        for row in before.difference(now_seen) {
            if tx.remove_app_webhook_seen(app, *row).await? {
                lost.insert(*row);
            }
        }
        let mut gained = BTreeSet::new();
        for row in now_seen.difference(before) {
            if tx.add_app_webhook_seen(app, *row).await? {
                gained.insert(*row);
            }
        }
        let mut reported = 0;
        if !primed {
            tx.set_app_webhook_primed(app).await?;
        } else {
            let changes = rules::changes(&lost, &gained);
            if !changes.is_empty() {
                let event_id = uuid::Uuid::new_v4().to_string();
                let entries: Vec<serde_json::Value> = changes
                    .iter()
                    .map(|c| {
                        json!({
                            "type": c.kind.as_str(),
                            "group": {
                                "id": c.group.get(),
                                "name": names.get(&c.group).cloned().unwrap_or_default(),
                            },
                            "account_id": c.account.get(),
                            "character_ids": c.characters.iter().map(|c| c.get()).collect::<Vec<_>>(),
                            "main_id": mains.get(&c.account).map(|m| m.get()),
                        })
                    })
                    .collect();
                let payload = json!({
                    "event_id": event_id,
                    "app_id": app.get(),
                    "occurred_at": rfc3339(self.now()),
                    "changes": entries,
                })
                .to_string();
                tx.add_webhook_delivery(app, &event_id, &payload).await?;
                reported = changes.len();
            }
        }
        tx.commit().await?;
        Ok(reported)
    }

    /// Sends `app`'s due deliveries in order: each one delivered goes on to the next; a failure
    /// waits (backoff or the receiver's `Retry-After`) and holds back the later ones, or is
    /// given up after [`rules::MAX_ATTEMPTS`] or [`rules::MAX_AGE`] (then marked failed, shown
    /// on the page, and the next one goes). Background work (the `app-webhook-deliver` job).
    pub async fn deliver_app_webhook(
        &self,
        caller: &Caller,
        app: AppId,
    ) -> AppResult<DeliverySummary> {
        caller.require_background()?;
        let mut summary = DeliverySummary::default();
        let Some(hook) = self.store().app_webhook(app).await? else {
            return Ok(summary);
        };
        if !hook.enabled {
            return Ok(summary);
        }
        let secret = match &hook.sealed_secret {
            Some(sealed) => Some(
                self.keys()
                    .read()
                    .await
                    .open(sealed, &secret_binding(app))
                    .map_err(|e| {
                        AppError::Internal(anyhow::anyhow!(
                            "the webhook secret of application {app} cannot be opened: {e}"
                        ))
                    })?,
            ),
            None => None,
        };
        let mut sent = 0;
        'deliveries: while sent < PER_JOB {
            let pending = self.store().pending_webhook_deliveries(app, 50).await?;
            if pending.is_empty() {
                break;
            }
            for d in pending {
                let now = self.now();
                if d.next_attempt_at > now {
                    break 'deliveries;
                }
                sent += 1;
                let outcome = match &secret {
                    Some(secret) => self.post_delivery(&hook.url, secret, &d).await,
                    None => Outcome::Failed {
                        status: None,
                        error:
                            "the webhook has no signing secret: make one on the application's page"
                                .to_owned(),
                        retry_after: None,
                    },
                };
                let at = self.now();
                match outcome {
                    Outcome::Delivered(status) => {
                        self.store()
                            .record_webhook_attempt(
                                d.id,
                                &DeliveryAttempt {
                                    status: DeliveryStatus::Delivered,
                                    http_status: Some(i32::from(status)),
                                    error: None,
                                    at,
                                    next_attempt_at: d.next_attempt_at,
                                },
                            )
                            .await?;
                        summary.delivered += 1;
                    }
                    Outcome::Failed {
                        status,
                        error,
                        retry_after,
                    } => {
                        let attempts = d.attempts + 1;
                        let give_up = rules::gives_up(attempts, d.created_at, at);
                        let wait = rules::retry_delay(attempts, retry_after);
                        tracing::info!(
                            app = app.get(),
                            delivery = d.id,
                            attempts,
                            error = %error,
                            "an application's webhook did not take a delivery"
                        );
                        self.store()
                            .record_webhook_attempt(
                                d.id,
                                &DeliveryAttempt {
                                    status: if give_up {
                                        DeliveryStatus::Failed
                                    } else {
                                        DeliveryStatus::Pending
                                    },
                                    http_status: status.map(i32::from),
                                    error: Some(error),
                                    at,
                                    next_attempt_at: at
                                        + time::Duration::try_from(wait)
                                            .unwrap_or(time::Duration::HOUR),
                                },
                            )
                            .await?;
                        if give_up {
                            summary.failed += 1;
                        } else {
                            summary.retrying += 1;
                            break 'deliveries;
                        }
                    }
                }
            }
        }
        Ok(summary)
    }

    /// POSTs delivery `d` to `url`, signed with `secret`: the host is checked and resolved
    /// again and the connection pinned to the checked addresses (a host that changed its
    /// address to a private one is refused); no redirects; at most [`ANSWER_CAP`] bytes of the
    /// answer are read.
    async fn post_delivery(&self, url: &str, secret: &[u8], d: &WebhookDelivery) -> Outcome {
        let failed = |error: String| Outcome::Failed {
            status: None,
            error,
            retry_after: None,
        };
        let checked = match check_url(url, self.settings().apps.webhook_allow_private).await {
            Ok(c) => c,
            Err(e) => return failed(e.to_string()),
        };
        let client = match reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Jumpgate/", env!("CARGO_PKG_VERSION")))
            .resolve_to_addrs(&checked.host, &checked.addresses)
            .build()
        {
            Ok(c) => c,
            Err(e) => return failed(format!("could not make an HTTP client: {e}")),
        };
        let timestamp = self.now().unix_timestamp();
        let signature = rules::sign(secret, timestamp, &d.payload);
        let sent = client
            .post(checked.url)
            .header("Content-Type", "application/json")
            .header("X-Jumpgate-Event-Id", &d.event_id)
            .header("X-Jumpgate-Timestamp", timestamp.to_string())
            .header("X-Jumpgate-Signature", signature)
            .body(d.payload.clone())
            .send()
            .await;
        let mut response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return failed(format!(
                    "the receiver did not answer within {} s",
                    TIMEOUT.as_secs()
                ));
            }
            // Without the URL: it may hold a token.
            Err(e) => return failed(format!("could not reach the receiver: {}", e.without_url())),
        };
        let status = response.status();
        if status.is_success() {
            return Outcome::Delivered(status.as_u16());
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| rules::retry_after(v, self.now()));
        let mut answer = Vec::new();
        while answer.len() < ANSWER_CAP {
            match response.chunk().await {
                Ok(Some(chunk)) => answer.extend_from_slice(&chunk),
                _ => break,
            }
        }
        answer.truncate(ANSWER_CAP);
        let answer = String::from_utf8_lossy(&answer).trim().to_owned();
        Outcome::Failed {
            status: Some(status.as_u16()),
            error: if answer.is_empty() {
                format!("the receiver answered {status}")
            } else {
                format!("the receiver answered {status}: {answer}")
            },
            retry_after: retry_after.filter(|_| status.as_u16() == 429 || status.as_u16() == 503),
        }
    }
}
