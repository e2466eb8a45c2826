//! The affiliation sweep (the job `refresh-affiliations`): every character's corporation and
//! alliance re-read from ESI, biomassed characters removed, every account's state recomputed, and
//! the names of corporations and alliances refreshed when their cache expired.

use crate::App;
use crate::audit::{audit_in, character_target};
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::account::RemovalReason;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::states::Affiliation;
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId};
use jumpgate_store::{AllianceInfo, CorporationInfo};
use serde_json::json;
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// `POST /characters/affiliation` takes at most this many ids.
const AFFILIATION_BATCH: usize = 1000;
/// Used when ESI sends no `Expires`: the spec's cache age for these routes.
const DEFAULT_INFO_TTL: time::Duration = time::Duration::hours(1);

/// What one affiliation sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepSummary {
    pub characters: usize,
    pub changed: u64,
    pub biomassed: usize,
    pub corporations_refreshed: usize,
    pub alliances_refreshed: usize,
}

impl App {
    /// Re-reads every character's corporation and alliance (1000 per call), removes biomassed
    /// characters, recomputes every account's state (someone who left the alliance loses Member
    /// access here) and refreshes corporation and alliance names whose cache expired.
    /// Background work (the job `refresh-affiliations`).
    ///
    /// The accounts of each batch are recomputed as soon as the batch is written, before the
    /// next one is read: a failure later in the sweep (ESI down for batch 2) never leaves an
    /// earlier batch's leavers with the access of before (audit M5). The job is then retried.
    pub async fn refresh_affiliations(&self, caller: &Caller) -> AppResult<SweepSummary> {
        caller.require_background()?;
        let actor = caller.actor();
        let owned = self.store().character_accounts().await?;
        let rules = self.access_rules().await?;
        let mut summary = SweepSummary {
            characters: owned.len(),
            ..Default::default()
        };
        let mut recomputed = BTreeSet::new();
        for batch in owned.chunks(AFFILIATION_BATCH) {
            let ids: Vec<CharacterId> = batch.iter().map(|(c, _)| *c).collect();
            let affiliations = self.esi().affiliations(&ids).await?;
            let (biomassed, alive): (Vec<Affiliation>, Vec<Affiliation>) = affiliations
                .into_iter()
                .partition(|a| Self::is_biomassed(a.corporation));
            summary.changed += self.store().update_affiliations(&alive, self.now()).await?;
            for a in biomassed {
                let Some(c) = self.store().character(a.character).await? else {
                    continue;
                };
                let mut tx = self.store().transaction().await?;
                tx.remove_character(a.character, RemovalReason::Biomassed, None)
                    .await?;
                super::strip_if_left_empty(&mut tx, c.account, actor.clone()).await?;
                audit_in(
                    &mut tx,
                    actor.clone(),
                    "character.biomassed",
                    character_target(a.character),
                    json!({"account": c.account.get(), "name": c.name}),
                )
                .await?;
                tx.commit().await?;
                summary.biomassed += 1;
                self.revalidate_standings_after(c.account, "character biomassed")
                    .await;
            }
            let accounts: BTreeSet<AccountId> = batch.iter().map(|(_, a)| *a).collect();
            for account in accounts {
                self.recompute_access_with(account, &rules, &actor).await?;
                recomputed.insert(account);
            }
        }
        // Every other account too (one whose characters all left, or were removed meanwhile);
        // access before names, so a failing name lookup cannot hold back a change of access.
        for account in self.store().account_ids().await? {
            if !recomputed.contains(&account) {
                self.recompute_access_with(account, &rules, &actor).await?;
            }
        }
        (summary.corporations_refreshed, summary.alliances_refreshed) =
            self.refresh_entity_names().await?;
        metrics::counter!("affiliation_sweeps_total").increment(1);
        tracing::info!(?summary, "affiliation sweep finished");
        Ok(summary)
    }

    /// Refreshes corporation and alliance names whose cache expired (corporations first: they
    /// name the alliances to read).
    pub(crate) async fn refresh_entity_names(&self) -> AppResult<(usize, usize)> {
        let now = self.now();
        let corporations = self.store().stale_corporations(now, 500).await?;
        self.refresh_corporations(&corporations).await?;
        let alliances = self.store().stale_alliances(now, 500).await?;
        self.refresh_alliances(&alliances).await?;
        Ok((corporations.len(), alliances.len()))
    }

    /// Refreshes the names of one character's corporation and alliance if Jumpgate has none or
    /// they expired: what a login shows at once. Everyone else's wait for the sweep, so a login
    /// never reads hundreds of names from ESI (security review L11).
    pub(crate) async fn refresh_names_of(&self, affiliation: &Affiliation) -> AppResult<()> {
        let now = self.now();
        let stale = |expires_at: Option<OffsetDateTime>| expires_at.is_none_or(|at| at <= now);
        let corporation = affiliation.corporation;
        let known = match self.store().corporation(corporation).await? {
            Some(c) if !stale(Some(c.expires_at)) => Some(c),
            _ => self.refresh_corporations(&[corporation]).await?.pop(),
        };
        // The corporation's alliance, as just read, when the character's is not known.
        let alliance = affiliation
            .alliance
            .or_else(|| known.and_then(|c| c.alliance));
        if let Some(alliance) = alliance
            && stale(self.store().alliance(alliance).await?.map(|a| a.expires_at))
        {
            self.refresh_alliances(&[alliance]).await?;
        }
        Ok(())
    }

    /// Reads `ids` from ESI and stores them; what it stored. A corporation whose CEO changed
    /// moves the CEO role at once (`follow_ceo_change`).
    async fn refresh_corporations(&self, ids: &[CorporationId]) -> AppResult<Vec<CorporationInfo>> {
        let now = self.now();
        let mut stored = Vec::with_capacity(ids.len());
        let mut ceo_changes = Vec::new();
        for id in ids {
            let before = self.store().corporation(*id).await?.and_then(|c| c.ceo);
            let fresh = self.esi().corporation(*id).await?;
            if before != fresh.value.ceo_id {
                ceo_changes.extend(before.into_iter().chain(fresh.value.ceo_id));
            }
            let info = CorporationInfo {
                id: *id,
                name: fresh.value.name.clone(),
                ticker: fresh.value.ticker.clone(),
                alliance: fresh.value.alliance_id,
                member_count: Some(fresh.value.member_count),
                ceo: fresh.value.ceo_id,
                expires_at: fresh.expires_at.unwrap_or(now + DEFAULT_INFO_TTL),
            };
            self.store().upsert_corporation(&info).await?;
            stored.push(info);
        }
        self.follow_ceo_change(&ceo_changes, &Actor::System("refresh-names".to_owned()))
            .await?;
        Ok(stored)
    }

    async fn refresh_alliances(&self, ids: &[AllianceId]) -> AppResult<()> {
        let now = self.now();
        for id in ids {
            let fresh = self.esi().alliance(*id).await?;
            self.store()
                .upsert_alliance(&AllianceInfo {
                    id: *id,
                    name: fresh.value.name.clone(),
                    ticker: fresh.value.ticker.clone(),
                    expires_at: fresh.expires_at.unwrap_or(now + DEFAULT_INFO_TTL),
                })
                .await?;
        }
        Ok(())
    }
}
