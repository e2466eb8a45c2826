//! `jumpgate groups recompute`: the groups' rules applied now.

use crate::config::Settings;
use crate::wiring;
use jumpgate_app::Caller;
use jumpgate_domain::AccountId;

/// Applies the states and every group's rules to every account, or to `account`, and reports
/// how many accounts changed (every change is in the audit log as `cli:groups recompute`).
pub async fn recompute(settings: &Settings, account: Option<i64>) -> anyhow::Result<()> {
    let store = wiring::connect_store(settings).await?;
    let app = wiring::build_app(settings, store).await?;
    let done = app
        .recompute_groups(&Caller::cli("groups recompute"), account.map(AccountId))
        .await?;
    tracing::info!(
        state_changes = done.changed,
        group_changes = done.groups_changed,
        "recomputed {}: {} changed state, {} joined or left a group",
        account.map_or_else(|| "every account".to_owned(), |a| format!("account {a}")),
        done.changed,
        done.groups_changed
    );
    Ok(())
}
