//! Checking the audit chain (the job `verify-audit` and `jumpgate audit verify`): every entry
//! with the chain key, and against the anchor the last check left outside the database; then
//! this check's anchor goes there in its place (ADR 0016).

use super::anchor::{self, origin};
use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::audit::{Anchor, ChainBreak, ChainSummary, ChainWalk};
use jumpgate_store::Store;
use serde_json::json;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Entries read at once while checking the chain. A page is held twice while it is checked (the
/// rows and the entries with their JSON details), and the check runs at start and on a schedule:
/// with 5,000 a page, `audit verify` of 21,000 entries peaked at 32.7 MB resident and the server's
/// peak was this check's; with 500, 23.4 MB, for a few more reads (docs/benchmarks.md).
const PAGE: i64 = 500;

/// What a check found and left behind; its `Display` says so for the operator.
#[derive(Debug, Clone)]
pub struct AuditCheck {
    pub summary: ChainSummary,
    /// The anchor the chain was compared with; `None`: there was none yet.
    pub previous: Option<Anchor>,
    /// The anchor this check wrote; `None`: the log is empty, or no anchor file is kept.
    pub anchored: Option<Anchor>,
    pub anchor_file: Option<PathBuf>,
    /// The webhook (its origin only) and whether it took the anchor.
    pub webhook: Option<(String, Result<(), String>)>,
}

impl App {
    /// Checks the whole audit chain with the store's key and against the last anchor, writes
    /// this check's anchor (file, webhook, log) and records the result in the log itself, so an
    /// auditor sees that (and by which worker or command) it was verified. A broken chain raises
    /// an alert, and its anchor stays as it was. Background work.
    pub async fn verify_audit_log(&self, caller: &Caller) -> AppResult<AuditCheck> {
        caller.require_background()?;
        let settings = &self.settings().audit;
        let file = settings.anchor_file.as_deref();
        // Read before the walk: whatever an anchor names was committed before it was written,
        // so the walk sees it even if another process anchors meanwhile.
        let previous = match file {
            Some(path) => anchor::read(path).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?,
            None => None,
        };
        let summary = match walk_chain(self.store(), previous.clone()).await? {
            Ok(summary) => summary,
            Err(b) => return Err(self.chain_broken(caller, &b, previous.as_ref(), file).await),
        };
        let anchored = file.and_then(|_| summary.anchor(self.now()));
        if let (Some(path), Some(a)) = (file, &anchored) {
            anchor::write(path, a).map_err(|e| {
                AppError::Internal(anyhow::anyhow!(
                    "the audit chain is intact ({} entries), but {e}",
                    summary.entries
                ))
            })?;
            // A copy for the log collector, which keeps it off this host.
            tracing::info!(
                last_id = a.last_id,
                last_hash = %a.last_hash,
                count = a.count,
                keyed_from = a.keyed_from,
                "audit chain anchored"
            );
        }
        let webhook = match (&settings.anchor_webhook, &anchored) {
            (Some(url), Some(a)) => {
                let sent = anchor::post(url, a, &self.settings().instance_id).await;
                if let Err(e) = &sent {
                    tracing::warn!(webhook = %origin(url), error = %e, "the audit anchor could not be sent to the webhook");
                    metrics::counter!("audit_anchor_webhook_failures_total").increment(1);
                }
                Some((origin(url), sent))
            }
            _ => None,
        };
        self.audit(
            caller.actor(),
            "audit.verified",
            "audit",
            json!({
                "entries": summary.entries,
                "unkeyed": summary.plain,
                "anchored": anchored.as_ref().map(|a| a.last_id),
                "worker": self.settings().instance_id,
            }),
        )
        .await?;
        Ok(AuditCheck {
            summary,
            previous,
            anchored,
            anchor_file: file.map(Path::to_owned),
            webhook,
        })
    }

    /// Raises the alarm for a broken chain and records it; the error says where it broke.
    async fn chain_broken(
        &self,
        caller: &Caller,
        b: &ChainBreak,
        previous: Option<&Anchor>,
        file: Option<&Path>,
    ) -> AppError {
        let message = match previous {
            Some(a) if b.is_against_anchor() => format!(
                "the audit log was truncated or rewritten since {}, when the anchor {} recorded entry {}: {b}",
                rfc3339(a.at),
                file.map(|p| p.display().to_string()).unwrap_or_default(),
                a.last_id,
            ),
            _ => b.to_string(),
        };
        tracing::error!(%message, "THE AUDIT LOG WAS TAMPERED WITH");
        metrics::counter!("audit_chain_breaks_total").increment(1);
        let recorded = self
            .audit(
                caller.actor(),
                "audit.chain_broken",
                "audit",
                json!({"break": format!("{b:?}"), "message": message}),
            )
            .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, "the broken audit chain could not be recorded in the log");
        }
        AppError::Invalid(message)
    }
}

/// Checks every entry in id order with the store's key, against `anchor`: the chain's summary,
/// or where it breaks.
async fn walk_chain(
    store: &Store,
    anchor: Option<Anchor>,
) -> AppResult<Result<ChainSummary, ChainBreak>> {
    let mut walk = ChainWalk::new(store.audit_key()).against(anchor);
    let mut after = 0;
    loop {
        let page = store.audit_after(after, PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(walk.finish());
        };
        after = last.id;
        if let Err(b) = walk.check(&page) {
            return Ok(Err(b));
        }
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

impl std::fmt::Display for AuditCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.summary;
        let noun = if s.entries == 1 { "entry" } else { "entries" };
        write!(f, "the audit log is intact: {} {noun} checked", s.entries)?;
        if let Some((last, _)) = &s.head {
            write!(f, " (up to entry {last})")?;
        }
        match (s.plain, s.keyed_from) {
            (0, Some(_)) => write!(f, ", all keyed")?,
            (plain, Some(from)) => write!(
                f,
                ", {plain} of them from before the chain was keyed, keyed from entry {from} on"
            )?,
            (_, None) if s.entries > 0 => write!(f, ", none keyed yet")?,
            (_, None) => {}
        }
        let file = self.anchor_file.as_ref().map(|p| p.display().to_string());
        match (&self.previous, &file) {
            (Some(a), Some(file)) => write!(
                f,
                "; the anchor of {} in {file} (entry {}) still holds",
                rfc3339(a.at),
                a.last_id
            )?,
            (None, Some(file)) => write!(
                f,
                "; there was no anchor in {file} to compare with (a first check, or the file was \
                 removed): a cut-off tail could not be found this time"
            )?,
            (_, None) => write!(f, "; no anchor is kept")?,
        }
        match (&self.anchored, &file) {
            (Some(a), Some(file)) => write!(f, "; anchored entry {} in {file}", a.last_id)?,
            (None, Some(_)) => write!(f, "; nothing to anchor yet")?,
            _ => {}
        }
        match &self.webhook {
            Some((origin, Ok(()))) => write!(f, "; the anchor was sent to {origin}"),
            Some((origin, Err(e))) => {
                write!(f, "; the anchor could NOT be sent to {origin}: {e}")
            }
            None => Ok(()),
        }
    }
}
