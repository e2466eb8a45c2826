//! `jumpgate tracking update [--corporation ID]`: member tracking read from EVE now. Like the
//! admin commands it runs in this process, or through a running instance's admin socket when
//! that instance holds the SQLite database (ADR 0020); either way as the command line, audited
//! as `cli:tracking update`.

use crate::admin_socket::AdminRequest;
use crate::config::Settings;
use jumpgate_app::tracking::update::CorporationUpdate;
use jumpgate_app::{App, AppError, Caller};
use jumpgate_domain::CorporationId;

pub async fn update(settings: &Settings, corporation: Option<i64>) -> anyhow::Result<()> {
    crate::commands::admin::run(settings, AdminRequest::TrackingUpdate { corporation }).await
}

/// Runs the update as the command line and says what it did, one line per corporation; a
/// failed corporation fails the command (its last list is kept).
pub(crate) async fn execute(app: &App, corporation: Option<i64>) -> Result<String, AppError> {
    let done = app
        .update_member_tracking(
            &Caller::cli("tracking update"),
            corporation.map(CorporationId),
        )
        .await?;
    if done.corporations.is_empty() {
        return Ok(
            "no corporation is tracked yet: a Director must log in with the tracking login"
                .to_owned(),
        );
    }
    let lines: Vec<String> = done
        .corporations
        .iter()
        .map(|(id, outcome)| match outcome {
            CorporationUpdate::Updated { members } => {
                format!("corporation {id}: {members} members")
            }
            CorporationUpdate::Failed { reason } => {
                format!("corporation {id}: not updated, the last list is kept: {reason}")
            }
        })
        .collect();
    let summary = format!(
        "member tracking: {} updated, {} failed\n{}",
        done.updated(),
        done.failed(),
        lines.join("\n")
    );
    if done.failed() > 0 {
        Err(AppError::Invalid(summary))
    } else {
        Ok(summary)
    }
}
