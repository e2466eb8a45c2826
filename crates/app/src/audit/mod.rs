//! The audit log: writing to it from use cases, and reading it (`admin.audit` everything,
//! `standings.audit` only the standings actions).
//!
//! Its tamper evidence (ADR 0016): `key` (where the chain key comes from), `check` (the
//! `verify-audit` job and `audit verify`), `anchor` (what a check leaves outside the database).
//! `names`: the log shown by name; `kept`: its entries kept by id for the page.

pub mod anchor;
pub mod check;
pub mod kept;
pub mod key;
pub mod names;

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::audit::{Actor, AuditEntry, NewAuditEntry};
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{AuditFilter, Transaction};

/// The actions a `standings.audit` holder may read start with this.
pub const STANDINGS_PREFIX: &str = "standings.";

impl App {
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
        filter: AuditFilter,
    ) -> AppResult<Vec<AuditEntry>> {
        let filter = readable(caller, filter)?;
        Ok(self.store().audit_entries(&filter).await?)
    }
}

/// `filter` narrowed to what `caller` may read: everything with `admin.audit`; with
/// `standings.audit`, only actions starting with `standings.` (any other action filter is
/// narrowed to that); nothing without either.
fn readable(caller: &Caller, mut filter: AuditFilter) -> AppResult<AuditFilter> {
    caller.require_any(&[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT])?;
    if !caller.allows(Permission::ADMIN_AUDIT)
        && !filter
            .action_prefix
            .as_deref()
            .is_some_and(|a| a.starts_with(STANDINGS_PREFIX))
    {
        filter.action_prefix = Some(STANDINGS_PREFIX.to_owned());
    }
    Ok(filter)
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

/// An entry to append, for a use case that appends many at once
/// (`Transaction::append_audit_many`).
pub(crate) fn entry(
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
