//! `jumpgate apps create|list|secret|grant|webhook|webhook-secret`: the applications of the application API from the
//! command line, for operators who script their setup, also while Jumpgate runs (through the
//! admin socket on SQLite, like `admin`). Audited as the command line (`cli:apps …`). The
//! replies go to standard output: `apps secret` and `apps webhook-secret` print the secret there
//! once, never to the log.

use crate::admin_socket::AdminRequest;
use crate::cli::AppsCommand;
use crate::config::Settings;
use jumpgate_app::apps::AppGrant;
use jumpgate_app::{App, AppError, Caller};
use jumpgate_domain::AppId;
use jumpgate_domain::apps::AppRole;
use serde::{Deserialize, Serialize};

/// An apps command as the admin socket carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "apps", rename_all = "kebab-case")]
pub enum AppsRequest {
    Create {
        name: String,
    },
    List,
    Secret {
        id: i64,
    },
    Grant {
        id: i64,
        roles: Vec<String>,
        groups: Vec<String>,
        logins: Vec<String>,
    },
    /// `url: None`: remove the webhook.
    Webhook {
        id: i64,
        url: Option<String>,
        enabled: bool,
    },
    WebhookSecret {
        id: i64,
    },
}

pub async fn run(settings: &Settings, command: AppsCommand) -> anyhow::Result<()> {
    let request = match command {
        AppsCommand::Create { name } => AppsRequest::Create { name },
        AppsCommand::List => AppsRequest::List,
        AppsCommand::Secret { id } => AppsRequest::Secret { id },
        AppsCommand::Grant {
            id,
            roles,
            groups,
            logins,
        } => AppsRequest::Grant {
            id,
            roles,
            groups,
            logins,
        },
        AppsCommand::Webhook {
            id,
            url,
            clear,
            off,
        } => AppsRequest::Webhook {
            id,
            url: if clear { None } else { url },
            enabled: !off,
        },
        AppsCommand::WebhookSecret { id } => AppsRequest::WebhookSecret { id },
    };
    let reply = super::admin::ask(settings, AdminRequest::Apps(request)).await?;
    print_reply(&reply);
    Ok(())
}

/// The reply is the command's output (a list, a new id, the secret), for the operator or a
/// script reading it; the log is not the place for a secret.
#[allow(clippy::print_stdout)]
fn print_reply(reply: &str) {
    println!("{reply}");
}

/// Runs an apps command as the command line in this process.
pub async fn execute(app: &App, request: &AppsRequest) -> Result<String, AppError> {
    match request {
        AppsRequest::Create { name } => {
            let id = app.create_app(&Caller::cli("apps create"), name).await?;
            Ok(format!("created application {id}"))
        }
        AppsRequest::List => {
            let overview = app.apps_overview(&Caller::cli("apps list")).await?;
            if overview.apps.is_empty() {
                return Ok("no applications".to_owned());
            }
            Ok(overview
                .apps
                .iter()
                .map(|a| {
                    format!(
                        "{}\t{}\troles: {}\tgroups: {}\tEVE logins: {}{}",
                        a.id,
                        a.name,
                        a.all_roles()
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        a.groups
                            .iter()
                            .map(|g| g.to_string())
                            .collect::<Vec<_>>()
                            .join(","),
                        a.eve_logins.iter().cloned().collect::<Vec<_>>().join(","),
                        if a.has_secret {
                            ""
                        } else {
                            "\t(no secret yet)"
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
        AppsRequest::Secret { id } => {
            app.make_app_secret(&Caller::cli("apps secret"), AppId(*id))
                .await
        }
        AppsRequest::Webhook { id, url, enabled } => {
            let caller = Caller::cli("apps webhook");
            let Some(url) = url else {
                app.clear_app_webhook(&caller, AppId(*id)).await?;
                return Ok(format!("application {id} has no webhook now"));
            };
            let secret = app
                .set_app_webhook(&caller, AppId(*id), url, *enabled)
                .await?;
            let state = if *enabled { "on" } else { "off" };
            Ok(match secret {
                Some(secret) => format!(
                    "application {id}'s webhook is {state}; its signing secret (shown once):\n{secret}"
                ),
                None => format!("application {id}'s webhook is {state}"),
            })
        }
        AppsRequest::WebhookSecret { id } => {
            app.make_app_webhook_secret(&Caller::cli("apps webhook-secret"), AppId(*id))
                .await
        }
        AppsRequest::Grant {
            id,
            roles,
            groups,
            logins,
        } => {
            let roles = roles
                .iter()
                .map(|r| AppRole::parse(r))
                .collect::<Result<Vec<_>, _>>()?;
            let done = app
                .grant_app(
                    &Caller::cli("apps grant"),
                    AppId(*id),
                    &AppGrant {
                        roles,
                        groups: groups.clone(),
                        eve_logins: logins.clone(),
                    },
                )
                .await?;
            Ok(format!(
                "application {} ({}) now has roles {}, groups {}, EVE logins {}",
                done.id,
                done.name,
                done.all_roles()
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                done.groups
                    .iter()
                    .map(|g| g.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                done.eve_logins
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(",")
            ))
        }
    }
}
