//! `jumpgate groups recompute`: the groups' rules applied now. Like the admin commands it runs
//! in this process, or through a running instance's admin socket when that instance holds the
//! SQLite database (ADR 0020); either way as the command line, audited as
//! `cli:groups recompute`.

use crate::admin_socket::AdminRequest;
use crate::config::Settings;
use jumpgate_app::{App, AppError, Caller};
use jumpgate_domain::AccountId;

/// Applies the states and every group's rules to every account, or to `account`, and reports
/// how many accounts changed (every change is in the audit log as `cli:groups recompute`).
pub async fn recompute(settings: &Settings, account: Option<i64>) -> anyhow::Result<()> {
    crate::commands::admin::run(settings, AdminRequest::GroupsRecompute { account }).await
}

/// Runs the recompute as the command line and says what it changed.
pub(crate) async fn execute(app: &App, account: Option<i64>) -> Result<String, AppError> {
    let done = app
        .recompute_groups(&Caller::cli("groups recompute"), account.map(AccountId))
        .await?;
    Ok(format!(
        "recomputed {}: {} changed state, {} joined or left a group",
        account.map_or_else(|| "every account".to_owned(), |a| format!("account {a}")),
        done.changed,
        done.groups_changed
    ))
}
