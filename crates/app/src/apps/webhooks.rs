//! An application's webhook as its managers, `admin.apps` and the command line set it (ADR
//! 0031): the URL (checked against SSRF: `check_url`), on or off, the signing secret (64 hex
//! characters from the OS, shown once, sealed with the token keys because it must be read to
//! sign), the deliveries' state for the page, "retry now" and "send a test event". Everything
//! is audited (URLs without their query, never the secret). Delivery itself: `webhook_delivery`.

use super::secret::new_secret;
use super::webhook_delivery::deliver_job;
use super::{app_target, no_such_app};
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::AppId;
use jumpgate_domain::apps::Application;
use jumpgate_domain::apps::webhooks::{MAX_URL, is_private_address};
use jumpgate_domain::permissions::Permission;
use jumpgate_store::DeliveryOverview;
use serde_json::json;
use std::net::SocketAddr;
use url::Url;

/// An application's webhook as its page shows it.
#[derive(Debug, Clone)]
pub struct WebhookOverview {
    pub url: String,
    pub enabled: bool,
    pub has_secret: bool,
    pub deliveries: DeliveryOverview,
}

/// A URL a webhook may be sent to, with the addresses its host had when checked.
#[derive(Debug, Clone)]
pub(crate) struct CheckedUrl {
    pub url: Url,
    pub host: String,
    pub addresses: Vec<SocketAddr>,
}

/// The sealing binding of `app`'s signing secret (a sealed secret opens for its application
/// only).
pub(crate) fn secret_binding(app: AppId) -> String {
    format!("app-webhook-secret:{app}")
}

/// `url` without its query and fragment (they may hold a token): what the audit log keeps.
fn shown(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

/// Checks that `raw` is a URL a webhook may go to and resolves its host. HTTPS always; plain
/// HTTP only to a loopback address when `allow_private` is on (tests and a receiver on the
/// same machine). Every address the host resolves to must be public unless `allow_private`
/// (an address inside the network, the cloud's metadata service or localhost is what an
/// attacker would aim a webhook at). Errors say what to change.
pub(crate) async fn check_url(raw: &str, allow_private: bool) -> AppResult<CheckedUrl> {
    let raw = raw.trim();
    if raw.len() > MAX_URL {
        return Err(AppError::Invalid(format!(
            "the webhook URL is longer than {MAX_URL} characters"
        )));
    }
    let url = Url::parse(raw).map_err(|e| {
        AppError::Invalid(format!(
            "'{raw}' is not a URL ({e}); give the full address, e.g. https://tool.example.org/jumpgate-hook"
        ))
    })?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(AppError::Invalid(format!(
            "the webhook URL must start with https://, not {}://",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(AppError::Invalid(
            "the webhook URL must not hold a user name or password; check the signature instead"
                .to_owned(),
        ));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| AppError::Invalid(format!("the webhook URL '{raw}' has no host")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), port)).await {
        Ok(found) => found.collect(),
        Err(e) => {
            return Err(AppError::Invalid(format!(
                "the webhook's host '{host}' could not be resolved ({e}); check the URL"
            )));
        }
    };
    if addresses.is_empty() {
        return Err(AppError::Invalid(format!(
            "the webhook's host '{host}' has no address; check the URL"
        )));
    }
    let private = addresses.iter().any(|a| is_private_address(a.ip()));
    if private && !allow_private {
        return Err(AppError::Invalid(format!(
            "the webhook's host '{host}' is a private, loopback or link-local address; \
             Jumpgate sends webhooks to public addresses only (an operator may allow private \
             ones with [apps] webhook_allow_private = true)"
        )));
    }
    let loopback_only = addresses.iter().all(|a| a.ip().is_loopback());
    if url.scheme() == "http" && !(allow_private && loopback_only) {
        return Err(AppError::Invalid(
            "the webhook URL must start with https:// (plain http is allowed to this machine \
             only, with [apps] webhook_allow_private = true)"
                .to_owned(),
        ));
    }
    Ok(CheckedUrl {
        url,
        host,
        addresses,
    })
}

impl App {
    /// `app` if `caller` may set its webhook: `admin.apps`, its managers, the command line.
    /// Someone else with an account is told it does not exist (as its page does).
    async fn webhook_app(&self, caller: &Caller, app: AppId) -> AppResult<Application> {
        let administers = caller.allows(Permission::ADMIN_APPS) || caller.require_cli().is_ok();
        if !administers && caller.account().is_none() {
            caller.require(Permission::ADMIN_APPS)?;
        }
        let found = self.app_by_id(app).await?;
        let manages = caller
            .account()
            .is_some_and(|a| found.managers.contains(&a));
        if !administers && !manages {
            return Err(no_such_app(app));
        }
        Ok(found)
    }

    /// `NotFound` unless `app` has a webhook.
    async fn require_webhook(&self, app: AppId) -> AppResult<()> {
        match self.store().app_webhook(app).await? {
            Some(_) => Ok(()),
            None => Err(AppError::NotFound(format!(
                "application #{app} has no webhook yet: set its URL first"
            ))),
        }
    }

    /// Sets `app`'s webhook URL and turns it on or off. The first time, a signing secret is
    /// made and returned (shown this once); later its secret stays. The URL is checked
    /// (`check_url`). For `admin.apps`, the application's managers and the command line;
    /// audited.
    pub async fn set_app_webhook(
        &self,
        caller: &Caller,
        app: AppId,
        url: &str,
        enabled: bool,
    ) -> AppResult<Option<String>> {
        self.webhook_app(caller, app).await?;
        let checked = check_url(url, self.settings().apps.webhook_allow_private).await?;
        let before = self.store().app_webhook(app).await?;
        let secret = match before.as_ref().and_then(|w| w.sealed_secret.as_ref()) {
            Some(_) => None,
            None => Some(new_secret()),
        };
        let sealed = match &secret {
            Some(s) => Some(
                self.keys()
                    .read()
                    .await
                    .seal(s.as_bytes(), &secret_binding(app))?,
            ),
            None => None,
        };
        let mut tx = self.store().transaction().await?;
        tx.set_app_webhook(app, checked.url.as_str(), enabled)
            .await
            .map_err(|e| match e {
                jumpgate_store::StoreError::NotFound(_) => no_such_app(app),
                other => other.into(),
            })?;
        if let Some(sealed) = &sealed {
            tx.set_app_webhook_secret(app, sealed).await?;
        }
        audit_in(
            &mut tx,
            caller.actor(),
            "app.webhook_set",
            app_target(app),
            json!({"url": shown(&checked.url), "enabled": enabled, "secret_made": secret.is_some()}),
        )
        .await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// Removes `app`'s webhook; deliveries still pending fail (listed on the page). For
    /// `admin.apps`, its managers and the command line; audited. `NotFound` without a webhook.
    pub async fn clear_app_webhook(&self, caller: &Caller, app: AppId) -> AppResult<()> {
        self.webhook_app(caller, app).await?;
        if self.store().app_webhook(app).await?.is_none() {
            return Err(AppError::NotFound(format!(
                "application #{app} has no webhook to remove"
            )));
        }
        let mut tx = self.store().transaction().await?;
        let failed = tx.clear_app_webhook(app).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.webhook_cleared",
            app_target(app),
            json!({"pending_failed": failed}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes a new signing secret for `app`'s webhook, replacing the old at once, and returns
    /// it (shown this once). For `admin.apps`, its managers and the command line; audited
    /// (without the secret). `NotFound` without a webhook.
    pub async fn make_app_webhook_secret(&self, caller: &Caller, app: AppId) -> AppResult<String> {
        self.webhook_app(caller, app).await?;
        self.require_webhook(app).await?;
        let secret = new_secret();
        let sealed = self
            .keys()
            .read()
            .await
            .seal(secret.as_bytes(), &secret_binding(app))?;
        let mut tx = self.store().transaction().await?;
        tx.set_app_webhook_secret(app, &sealed).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.webhook_secret_made",
            app_target(app),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(secret)
    }

    /// `app`'s webhook and its deliveries, if it has one; for whoever sets it.
    pub async fn app_webhook_overview(
        &self,
        caller: &Caller,
        app: AppId,
    ) -> AppResult<Option<WebhookOverview>> {
        self.webhook_app(caller, app).await?;
        let Some(hook) = self.store().app_webhook(app).await? else {
            return Ok(None);
        };
        Ok(Some(WebhookOverview {
            url: hook.url,
            enabled: hook.enabled,
            has_secret: hook.sealed_secret.is_some(),
            deliveries: self.store().webhook_delivery_overview(app).await?,
        }))
    }

    /// Puts failed delivery `delivery` of `app` back in line and queues its delivery now. For
    /// whoever sets the webhook; audited.
    pub async fn retry_app_webhook_delivery(
        &self,
        caller: &Caller,
        app: AppId,
        delivery: i64,
    ) -> AppResult<()> {
        self.webhook_app(caller, app).await?;
        let mut tx = self.store().transaction().await?;
        tx.retry_webhook_delivery(app, delivery)
            .await
            .map_err(|e| match e {
                jumpgate_store::StoreError::NotFound(_) => AppError::NotFound(format!(
                    "application #{app} has no failed delivery #{delivery} (it may have been retried already)"
                )),
                other => other.into(),
            })?;
        tx.enqueue_job(&deliver_job(app, self.now())).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.webhook_retried",
            app_target(app),
            json!({"delivery": delivery}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Queues a test event (no changes, `"test": true`) to `app`'s webhook, after anything
    /// pending. For whoever sets the webhook; audited. `NotFound` without a webhook.
    pub async fn send_app_webhook_test(&self, caller: &Caller, app: AppId) -> AppResult<String> {
        self.webhook_app(caller, app).await?;
        self.require_webhook(app).await?;
        let event_id = uuid::Uuid::new_v4().to_string();
        let payload = json!({
            "event_id": event_id,
            "app_id": app.get(),
            "occurred_at": super::webhook_delivery::rfc3339(self.now()),
            "test": true,
            "changes": [],
        })
        .to_string();
        let mut tx = self.store().transaction().await?;
        tx.add_webhook_delivery(app, &event_id, &payload).await?;
        tx.enqueue_job(&deliver_job(app, self.now())).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "app.webhook_test_sent",
            app_target(app),
            json!({"event_id": event_id}),
        )
        .await?;
        tx.commit().await?;
        Ok(event_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn private_and_plain_http_urls_are_refused_unless_allowed() {
        let e = check_url("https://127.0.0.1/hook", false)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("private"), "{e}");
        let e = check_url("https://10.0.0.1/hook", false).await.unwrap_err();
        assert!(e.to_string().contains("private"), "{e}");
        let e = check_url("https://[::1]/hook", false).await.unwrap_err();
        assert!(e.to_string().contains("private"), "{e}");
        assert!(check_url("http://127.0.0.1:9/hook", true).await.is_ok());
        let e = check_url("http://10.0.0.1/hook", true).await.unwrap_err();
        assert!(e.to_string().contains("https://"), "{e}");
        let e = check_url("ftp://127.0.0.1/x", true).await.unwrap_err();
        assert!(e.to_string().contains("https://"), "{e}");
        let e = check_url("not a url", true).await.unwrap_err();
        assert!(e.to_string().contains("not a URL"), "{e}");
        let e = check_url("https://u:p@127.0.0.1/", true).await.unwrap_err();
        assert!(e.to_string().contains("password"), "{e}");
    }

    #[test]
    fn the_audit_log_keeps_the_url_without_its_query() {
        let u = Url::parse("https://tool.example.org/hook?token=abc#x").unwrap();
        assert_eq!(shown(&u), "https://tool.example.org/hook");
    }
}
