use crate::config::Settings;
use crate::wiring;
use jumpgate_app::Caller;

/// Walks the whole chain with the audit key and compares it with the last anchor (any edited,
/// inserted or deleted row, or a cut-off tail, fails it), then anchors it anew.
pub async fn verify(settings: &Settings) -> anyhow::Result<()> {
    let store = wiring::connect_store(settings).await?;
    let app = wiring::build_app(settings, store).await?;
    let checked = app.verify_audit_log(&Caller::cli("audit verify")).await?;
    tracing::info!("{checked}");
    Ok(())
}
