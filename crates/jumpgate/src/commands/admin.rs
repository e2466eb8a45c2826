use crate::config::Settings;
use crate::wiring;
use jumpgate_app::Caller;

pub async fn grant_superuser(settings: &Settings, who: &str) -> anyhow::Result<()> {
    let store = wiring::connect_store(settings).await?;
    let app = wiring::build_app(settings, store).await?;
    let account = app
        .grant_superuser(&Caller::cli("admin grant-superuser"), who)
        .await?;
    tracing::info!(
        account = account.get(),
        "superuser granted to the account of {who}"
    );
    Ok(())
}
