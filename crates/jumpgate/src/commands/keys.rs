use crate::config::Settings;
use crate::wiring;
use anyhow::bail;
use jumpgate_app::tokens::secrets::{KeySource, token_aad};

/// New key, every token re-encrypted with it, old key retired. Run it with Jumpgate stopped:
/// a running instance would keep the old ring in memory.
pub async fn rotate(settings: &Settings) -> anyhow::Result<()> {
    let mut ring = wiring::key_ring(settings)?;
    if *ring.source() == KeySource::Configured {
        bail!(
            "the token key comes from secrets.token_key in the configuration: rotating it means changing the configuration; remove secrets.token_key to let Jumpgate manage keys.json instead"
        );
    }
    let store = wiring::connect_store(settings).await?;
    ring.add_primary()?;
    let tokens = store.all_tokens().await?;
    for t in &tokens {
        let c = t.character.get();
        let access = ring.open(&t.access_token, &token_aad(c, &t.login, "access"))?;
        let access = ring.seal(&access, &token_aad(c, &t.login, "access"))?;
        let refresh = match &t.refresh_token {
            Some(sealed) => {
                let plain = ring.open(sealed, &token_aad(c, &t.login, "refresh"))?;
                Some(ring.seal(&plain, &token_aad(c, &t.login, "refresh"))?)
            }
            None => None,
        };
        let mut tx = store.transaction().await?;
        let resealed = jumpgate_store::TokenCiphertexts {
            access: &access,
            refresh: refresh.as_deref(),
        };
        if !tx.reseal_token(t.id, t.ciphertexts(), resealed).await? {
            bail!(
                "token {} changed while it was re-encrypted: is Jumpgate running?",
                t.id
            );
        }
        tx.commit().await?;
    }
    ring.retire_old_keys()?;
    tracing::info!(
        tokens = tokens.len(),
        key = ring.primary_key_id(),
        "token key rotated"
    );
    Ok(())
}
