//! `jumpgate admin …` (and `roles`, `tokens check`, `accounts send-deactivation-mail`): on
//! PostgreSQL, or on an SQLite database no process holds, the command
//! opens the database itself; beside a running instance on SQLite it asks that instance through
//! its admin socket (`crate::admin_socket`). Either way the same use case runs, as the command
//! line, with the same audit entry.

use crate::admin_socket::{self, AdminRequest};
use crate::config::Settings;
use crate::wiring;
use jumpgate_store::StoreError;

pub async fn grant_superuser(settings: &Settings, who: &str) -> anyhow::Result<()> {
    run(
        settings,
        AdminRequest::GrantSuperuser {
            who: who.to_owned(),
        },
    )
    .await
}

pub async fn grant_role(settings: &Settings, role: &str, who: &str) -> anyhow::Result<()> {
    run(
        settings,
        AdminRequest::GrantRole {
            role: role.to_owned(),
            who: who.to_owned(),
        },
    )
    .await
}

pub async fn revoke_role(settings: &Settings, role: &str, who: &str) -> anyhow::Result<()> {
    run(
        settings,
        AdminRequest::RevokeRole {
            role: role.to_owned(),
            who: who.to_owned(),
        },
    )
    .await
}

/// `jumpgate tokens check [--character ID]`.
pub async fn check_tokens(settings: &Settings, character: Option<i64>) -> anyhow::Result<()> {
    run(settings, AdminRequest::TokensCheck { character }).await
}

/// `jumpgate accounts send-deactivation-mail`.
pub async fn send_deactivation_mail(settings: &Settings) -> anyhow::Result<()> {
    run(settings, AdminRequest::SendDeactivationMail).await
}

pub(crate) async fn run(settings: &Settings, request: AdminRequest) -> anyhow::Result<()> {
    let message = ask(settings, request).await?;
    tracing::info!("{message}");
    Ok(())
}

/// Runs `request` here or in the running instance and returns its reply's line; `Err` with it
/// when the command failed.
pub(crate) async fn ask(settings: &Settings, request: AdminRequest) -> anyhow::Result<String> {
    let reply = match wiring::connect_store(settings).await {
        Ok(store) => {
            let app = wiring::build_app(settings, store).await?;
            admin_socket::execute(&app, &request).await
        }
        Err(e) if is_locked(&e) => {
            tracing::info!("the database is in use: asking the running Jumpgate");
            admin_socket::send(&admin_socket::socket_path(settings), &request).await?
        }
        Err(e) => return Err(e),
    };
    anyhow::ensure!(reply.ok, "{}", reply.message);
    Ok(reply.message)
}

/// Whether opening the database failed because another process holds its SQLite lock.
fn is_locked(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<StoreError>(),
            Some(StoreError::Locked { .. })
        )
    })
}
