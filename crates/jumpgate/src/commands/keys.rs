use crate::config::Settings;
use crate::wiring;
use anyhow::bail;
use jumpgate_app::Caller;
use jumpgate_app::tokens::rotation::{RotationOptions, Undecryptable};

/// Every stored token re-encrypted with the primary key, online (`App::rotate_token_keys`):
/// says what it did, and fails (after finishing what it could) while anything is left for the
/// operator to do.
pub async fn rotate(settings: &Settings, skip_undecryptable: bool) -> anyhow::Result<()> {
    let store = wiring::connect_store(settings).await?;
    let app = wiring::build_app(settings, store).await?;
    let report = app
        .rotate_token_keys(
            &Caller::cli("keys rotate"),
            RotationOptions {
                skip_undecryptable,
                ..RotationOptions::default()
            },
        )
        .await?;
    for line in report.to_string().lines() {
        tracing::info!("{line}");
    }
    let configured = settings.secrets.has_token_keys();
    if report.is_complete() {
        if configured {
            tracing::info!(
                "every stored token is sealed with {}: remove the other token keys from the configuration of every instance now",
                report.primary
            );
        } else {
            tracing::info!(
                "token key rotated: every stored token is sealed with {}",
                report.primary
            );
        }
        return Ok(());
    }
    let mut left = Vec::new();
    let listed = report
        .undecryptable
        .iter()
        .filter(|u| u.outcome == Undecryptable::Left)
        .count();
    if listed > 0 {
        left.push(format!(
            "{listed} token(s) could not be decrypted (listed above): `jumpgate keys rotate --skip-undecryptable` marks them invalid, and their owners log in again"
        ));
    }
    if report
        .undecryptable
        .iter()
        .any(|u| matches!(u.outcome, Undecryptable::Kept(_)))
    {
        left.push("some undecryptable tokens were kept, each for the reason listed above".into());
    }
    if !report.remaining.is_empty() {
        let ids: Vec<&str> = report.remaining.keys().map(String::as_str).collect();
        let why = if configured {
            format!(
                "an instance still seals with an old primary key (give every instance secrets.primary_key = \"{}\"), or they changed during the rotation or could not be decrypted",
                report.primary
            )
        } else {
            "they changed during the rotation or could not be decrypted".to_owned()
        };
        left.push(format!(
            "tokens are still sealed with {} ({why}): run `jumpgate keys rotate` again, and keep the old keys until it says no stored token is sealed with another key",
            ids.join(", ")
        ));
    }
    bail!(
        "the key rotation is not finished; every other token is sealed with {}: {}",
        report.primary,
        left.join("; ")
    )
}
