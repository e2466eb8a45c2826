//! The audit log: writing to it from use cases, and reading it (`admin.audit` everything,
//! `standings.audit` only the standings actions).

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::audit::{Actor, AuditEntry, NewAuditEntry};
use jumpgate_domain::permissions::Permission;
use jumpgate_store::AuditFilter;

/// The actions a `standings.audit` holder may read start with this.
pub const STANDINGS_PREFIX: &str = "standings.";

impl App {
    /// Appends one entry. Details must never hold secrets.
    pub(crate) async fn audit(
        &self,
        actor: Actor,
        action: &str,
        target: impl Into<String>,
        details: serde_json::Value,
    ) -> AppResult<()> {
        self.store()
            .append_audit(&NewAuditEntry {
                actor,
                action: action.to_owned(),
                target: target.into(),
                details,
            })
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

pub fn character_target(id: jumpgate_domain::CharacterId) -> String {
    format!("character:{id}")
}

pub fn account_target(id: jumpgate_domain::AccountId) -> String {
    format!("account:{id}")
}
