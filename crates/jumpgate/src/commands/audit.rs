use crate::config::Settings;
use crate::wiring;
use anyhow::bail;
use jumpgate_domain::audit::{ChainBreak, GENESIS_HASH, verify_chain};

const PAGE: i64 = 5_000;

/// Walks the whole chain in id order; any edited, inserted or deleted row breaks it.
pub async fn verify(settings: &Settings) -> anyhow::Result<()> {
    let store = wiring::connect_store(settings).await?;
    let mut prev = GENESIS_HASH.to_owned();
    let mut after = 0;
    let mut checked = 0usize;
    loop {
        let page = store.audit_after(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        checked += page.len();
        prev = match verify_chain(&prev, &page) {
            Ok(hash) => hash,
            Err(ChainBreak::Edited { id }) => {
                bail!("audit entry {id} was edited after it was written")
            }
            Err(ChainBreak::Broken { id }) => bail!(
                "the audit chain is broken before entry {id}: an entry was deleted or inserted"
            ),
        };
    }
    tracing::info!(entries = checked, last_hash = %prev, "the audit log is intact");
    Ok(())
}
