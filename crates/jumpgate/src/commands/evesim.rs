use crate::cli::EvesimArgs;
use jumpgate_evesim::{EveSim, SimConfig};

pub async fn run(args: EvesimArgs) -> anyhow::Result<()> {
    let sim = EveSim::start(
        SimConfig {
            seed: args.seed,
            ..SimConfig::default()
        },
        args.listen,
    )
    .await?;
    match &args.scopes {
        Some(scopes) => {
            let scopes: Vec<&str> = scopes.split_whitespace().collect();
            sim.register_client_with_scopes(
                &args.client_id,
                &args.client_secret,
                &args.callback_url,
                &scopes,
            );
        }
        None => sim.register_client(&args.client_id, &args.client_secret, &args.callback_url),
    }
    tracing::info!(
        "EVE simulator on {} (SSO metadata: {}.well-known/oauth-authorization-server); client '{}' → {}",
        sim.base_url(),
        sim.base_url(),
        args.client_id,
        args.callback_url
    );
    crate::server::shutdown_signal().await;
    Ok(())
}
