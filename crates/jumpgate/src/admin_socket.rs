//! The admin commands while Jumpgate runs on SQLite. One process holds an SQLite database (its
//! lock file), so `jumpgate admin …` cannot open it beside a running `serve` or `worker`; that
//! process listens instead on a Unix socket in the data directory (`admin.sock`, mode 0600,
//! answering only its own OS user) and runs the command itself, as the command line: the same
//! use case, the same audit entry (`cli:admin …`). On PostgreSQL the command opens the database
//! directly, beside any number of instances.

use crate::config::Settings;
use anyhow::Context;
use jumpgate_app::{App, Caller};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

const SOCKET_NAME: &str = "admin.sock";
/// A request or reply longer than this is refused (they are a line of JSON).
const MAX_LINE: usize = 64 * 1024;

/// An admin command, as the command line gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum AdminRequest {
    GrantSuperuser {
        who: String,
    },
    /// `jumpgate roles grant ROLE WHO`: a unique role held by someone else moves.
    GrantRole {
        role: String,
        who: String,
    },
    RevokeRole {
        role: String,
        who: String,
    },
    /// `jumpgate tracking update [--corporation ID]`.
    TrackingUpdate {
        corporation: Option<i64>,
    },
    /// `jumpgate groups recompute [--account ID]`.
    GroupsRecompute {
        account: Option<i64>,
    },
    /// `jumpgate tokens check [--character ID]`.
    TokensCheck {
        character: Option<i64>,
    },
    /// `jumpgate accounts send-deactivation-mail`.
    SendDeactivationMail,
    /// `jumpgate apps …`.
    Apps(crate::commands::apps::AppsRequest),
}

/// What came of it: the line the command line prints, or why it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminReply {
    pub ok: bool,
    pub message: String,
}

/// Where a running process listens: `<data dir>/admin.sock`.
pub fn socket_path(settings: &Settings) -> PathBuf {
    settings.data_dir.join(SOCKET_NAME)
}

/// Runs `request` as the command line, in this process: what a running instance does with a
/// request from its socket and what `jumpgate admin` does when it opens the database itself.
pub async fn execute(app: &App, request: &AdminRequest) -> AdminReply {
    let outcome = match request {
        AdminRequest::GrantSuperuser { who } => app
            .grant_superuser(&Caller::cli("admin grant-superuser"), who)
            .await
            .map(|account| format!("superuser granted to account {account}, the account of {who}")),
        AdminRequest::GrantRole { role, who } => app
            .appoint_role(&Caller::cli("roles grant"), role, who, true)
            .await
            .map(|done| {
                let moved = done
                    .moved_from
                    .map(|from| format!(" (moved from account {from})"))
                    .unwrap_or_default();
                format!(
                    "{} (account {}) is now {}{moved}",
                    done.character_name, done.account, done.role_name
                )
            }),
        AdminRequest::RevokeRole { role, who } => app
            .revoke_role(&Caller::cli("roles revoke"), role, who)
            .await
            .map(|(account, name)| {
                format!("account {account}, the account of {who}, is no longer {name}")
            }),
        AdminRequest::TrackingUpdate { corporation } => {
            crate::commands::tracking::execute(app, *corporation).await
        }
        AdminRequest::GroupsRecompute { account } => {
            crate::commands::groups::execute(app, *account).await
        }
        AdminRequest::TokensCheck { character } => app
            .check_tokens_now(
                &Caller::cli("tokens check"),
                character.map(jumpgate_domain::CharacterId),
            )
            .await
            .map(|check| token_check_report(&check, *character)),
        AdminRequest::SendDeactivationMail => app
            .send_deactivation_mails(&Caller::cli("accounts send-deactivation-mail"))
            .await
            .and_then(|mails| {
                let report = format!(
                    "{} deactivation mail(s) sent ({} by email, {} as EVE mail), {} failed, {} left for the next run",
                    mails.sent, mails.emailed, mails.eve_mailed, mails.failed, mails.postponed
                );
                if mails.failed > 0 {
                    Err(jumpgate_app::AppError::Invalid(format!(
                        "{report}: see the log for why; the next run tries them again"
                    )))
                } else {
                    Ok(report)
                }
            }),
        AdminRequest::Apps(request) => crate::commands::apps::execute(app, request).await,
    };
    match outcome {
        Ok(message) => AdminReply { ok: true, message },
        Err(e) => AdminReply {
            ok: false,
            message: e.to_string(),
        },
    }
}

/// What `tokens check` did, in one line.
fn token_check_report(
    check: &jumpgate_app::tokens::check::TokenCheck,
    character: Option<i64>,
) -> String {
    let outcomes = if check.outcomes.is_empty() {
        "none due".to_owned()
    } else {
        check
            .outcomes
            .iter()
            .map(|(outcome, n)| format!("{n} {outcome}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let d = check.deactivation;
    format!(
        "checked {} token(s) of {}: {outcomes}; deactivation: {} account(s) judged, {} pending, {} deactivated, {} reactivated or cleared",
        check.checked(),
        character.map_or_else(
            || "every character due".to_owned(),
            |c| format!("character {c}")
        ),
        d.judged,
        d.begun,
        d.deactivated,
        d.ended
    )
}

/// Listens at `path` until `stop`, answering each connection's one request.
pub async fn serve(app: App, path: PathBuf, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
    // This process holds the database's lock: a socket file left here belongs to no one.
    if path.exists() {
        std::fs::remove_file(&path)
            .with_context(|| format!("cannot remove the stale admin socket {}", path.display()))?;
    }
    let listener = UnixListener::bind(&path)
        .with_context(|| format!("cannot listen on the admin socket {}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    let owner = std::fs::metadata(&path)?.uid();
    tracing::info!(socket = %path.display(), "admin commands are taken on the socket");
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let app = app.clone();
                tokio::spawn(async move {
                    if let Err(e) = answer(&app, stream, owner).await {
                        tracing::warn!(error = %e, "an admin socket request failed");
                    }
                });
            }
            _ = stop.wait_for(|s| *s) => break,
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

async fn answer(app: &App, stream: UnixStream, owner: u32) -> anyhow::Result<()> {
    // The file mode keeps others out; the peer's user is checked as well, in case the socket
    // was reachable before its mode was set.
    let peer = stream.peer_cred()?.uid();
    let (read, mut write) = stream.into_split();
    let reply = if peer != owner && peer != 0 {
        AdminReply {
            ok: false,
            message: format!("the admin socket answers only its owner (uid {owner})"),
        }
    } else {
        match read_line(read)
            .await
            .and_then(|line| Ok(serde_json::from_str(&line)?))
        {
            Ok(request) => execute(app, &request).await,
            Err(e) => AdminReply {
                ok: false,
                message: format!("not an admin request: {e}"),
            },
        }
    };
    write
        .write_all(format!("{}\n", serde_json::to_string(&reply)?).as_bytes())
        .await?;
    Ok(())
}

async fn read_line(read: impl tokio::io::AsyncRead + Unpin) -> anyhow::Result<String> {
    let mut line = String::new();
    let mut reader = BufReader::new(read.take(MAX_LINE as u64));
    reader.read_line(&mut line).await?;
    anyhow::ensure!(line.ends_with('\n'), "the line was cut off or too long");
    Ok(line)
}

/// Sends `request` to the process listening at `path` and returns its reply.
pub async fn send(path: &Path, request: &AdminRequest) -> anyhow::Result<AdminReply> {
    let stream = UnixStream::connect(path).await.with_context(|| {
        format!(
            "the database is in use by another Jumpgate process, and its admin socket {} does not answer",
            path.display()
        )
    })?;
    let (read, mut write) = stream.into_split();
    write
        .write_all(format!("{}\n", serde_json::to_string(request)?).as_bytes())
        .await?;
    write.shutdown().await?;
    let line = read_line(read).await?;
    Ok(serde_json::from_str(&line)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_travel_as_one_line_of_json() {
        let request = AdminRequest::GrantSuperuser {
            who: "Ada Lovelace".into(),
        };
        let line = serde_json::to_string(&request).expect("json");
        assert_eq!(
            line,
            r#"{"command":"grant-superuser","who":"Ada Lovelace"}"#
        );
        assert_eq!(
            serde_json::from_str::<AdminRequest>(&line).expect("back"),
            request
        );
        let update = AdminRequest::TrackingUpdate {
            corporation: Some(98_000_001),
        };
        let line = serde_json::to_string(&update).expect("json");
        assert_eq!(
            line,
            r#"{"command":"tracking-update","corporation":98000001}"#
        );
        assert_eq!(
            serde_json::from_str::<AdminRequest>(&line).expect("back"),
            update
        );
    }
}
