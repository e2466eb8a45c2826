use crate::config::Settings;
use crate::wiring;

/// Connecting applies every pending migration.
pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let store = wiring::connect_store(settings).await?;
    tracing::info!(backend = ?store.backend(), "database is up to date");
    Ok(())
}
