//! Writing to the audit log from use cases.

use crate::App;
use crate::error::AppResult;
use jumpgate_domain::audit::{Actor, NewAuditEntry};

impl App {
    /// Appends one entry. Details must never hold secrets.
    pub async fn audit(
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
}

pub fn character_target(id: jumpgate_domain::CharacterId) -> String {
    format!("character:{id}")
}

pub fn account_target(id: jumpgate_domain::AccountId) -> String {
    format!("account:{id}")
}
