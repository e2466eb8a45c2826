//! The audit log: writing to it from use cases, and reading it (`admin.audit` everything,
//! `standings.audit` only the standings actions).

pub mod key;

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::audit::{
    Actor, AuditEntry, ChainBreak, ChainSummary, ChainWalk, NewAuditEntry,
};
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{AuditFilter, Store, Transaction};
use serde_json::json;

/// Entries read at once while checking the chain.
const PAGE: i64 = 5_000;

/// The actions a `standings.audit` holder may read start with this.
pub const STANDINGS_PREFIX: &str = "standings.";

impl App {
    /// Checks the whole audit chain with the store's key and records the result in the log
    /// itself, so an auditor sees that (and by which worker or command) the log was verified. A
    /// broken chain raises an alert. Background work (the job `verify-audit`, `audit verify`).
    pub async fn verify_audit_log(&self, caller: &Caller) -> AppResult<ChainSummary> {
        caller.require_background()?;
        let actor = caller.actor();
        match walk_chain(self.store()).await? {
            Ok(summary) => {
                self.audit(
                    actor,
                    "audit.verified",
                    "audit",
                    json!({
                        "entries": summary.entries,
                        "unkeyed": summary.plain,
                        "worker": self.settings().instance_id,
                    }),
                )
                .await?;
                Ok(summary)
            }
            Err(b) => {
                tracing::error!(
                    ?b,
                    "THE AUDIT LOG WAS TAMPERED WITH: its hash chain is broken"
                );
                metrics::counter!("audit_chain_breaks_total").increment(1);
                self.audit(
                    actor,
                    "audit.chain_broken",
                    "audit",
                    json!({"break": format!("{b:?}")}),
                )
                .await?;
                Err(crate::AppError::Invalid(b.to_string()))
            }
        }
    }

    /// Appends one entry on its own. Details must never hold secrets. A use case that changes
    /// something records it with [`audit_in`] inside the change's transaction instead.
    pub(crate) async fn audit(
        &self,
        actor: Actor,
        action: &str,
        target: impl Into<String>,
        details: serde_json::Value,
    ) -> AppResult<()> {
        self.store()
            .append_audit(&entry(actor, action, target, details))
            .await?;
        Ok(())
    }

    /// Entries matching `filter`, newest first. `admin.audit` reads everything; a
    /// `standings.audit` holder only actions starting with `standings.` (any other action filter
    /// is narrowed to that).
    pub async fn audit_entries(
        &self,
        caller: &Caller,
        mut filter: AuditFilter,
    ) -> AppResult<Vec<AuditEntry>> {
        caller.require_any(&[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT])?;
        if !caller.allows(Permission::ADMIN_AUDIT)
            && !filter
                .action_prefix
                .as_deref()
                .is_some_and(|a| a.starts_with(STANDINGS_PREFIX))
        {
            filter.action_prefix = Some(STANDINGS_PREFIX.to_owned());
        }
        Ok(self.store().audit_entries(&filter).await?)
    }
}

/// Appends one entry inside `tx`, so that it commits with the change it records or not at all.
/// Details must never hold secrets.
pub(crate) async fn audit_in(
    tx: &mut Transaction,
    actor: Actor,
    action: &str,
    target: impl Into<String>,
    details: serde_json::Value,
) -> AppResult<()> {
    tx.append_audit(&entry(actor, action, target, details))
        .await?;
    Ok(())
}

/// Checks every entry in id order with the store's key: the chain's summary, or where it breaks.
async fn walk_chain(store: &Store) -> AppResult<Result<ChainSummary, ChainBreak>> {
    let mut walk = ChainWalk::new(store.audit_key());
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

fn entry(
    actor: Actor,
    action: &str,
    target: impl Into<String>,
    details: serde_json::Value,
) -> NewAuditEntry {
    NewAuditEntry {
        actor,
        action: action.to_owned(),
        target: target.into(),
        details,
    }
}

pub fn character_target(id: jumpgate_domain::CharacterId) -> String {
    format!("character:{id}")
}

pub fn account_target(id: jumpgate_domain::AccountId) -> String {
    format!("account:{id}")
}
