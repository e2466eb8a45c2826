use crate::config::Settings;
use crate::wiring;
use jumpgate_app::Caller;

/// Walks the whole chain with the audit key; any edited, inserted or deleted row breaks it.
pub async fn verify(settings: &Settings) -> anyhow::Result<()> {
    let store = wiring::connect_store(settings).await?;
    let app = wiring::build_app(settings, store).await?;
    let checked = app.verify_audit_log(&Caller::cli("audit verify")).await?;
    tracing::info!(
        entries = checked.entries,
        unkeyed = checked.plain,
        last_hash = checked.head.as_ref().map(|(_, h)| h.as_str()),
        "the audit log is intact"
    );
    Ok(())
}
