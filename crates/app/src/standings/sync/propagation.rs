//! How changes reach the characters: a targeted propagation of one entity after an approval or
//! revocation (one contact per character, no full resync), a full sync of one character, and
//! the periodic reconcile that catches in-game edits. All through the durable job queue, with a
//! dedupe key each, so any number of triggers queue one job.

use super::engine::SyncOutcome;
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::jobs::{JobError, JobRegistry, Periodic};
use jumpgate_domain::CharacterId;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::permissions::Permission;
use jumpgate_store::{JobStatus, JobSummary, NewJob, SyncStatus, Transaction};
use rand::Rng;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Full sync of one character: `{"character_id": …}`, dedupe `standings-sync:<id>`.
pub const SYNC_CHARACTER: &str = "standings-sync-character";
/// Targeted change of one entity to every enrolled character: `{"entity_id": …}`.
pub const PROPAGATE: &str = "standings-propagate";
/// Periodic: queues a full sync of every enrolled character, spread over the interval.
pub const RECONCILE: &str = "standings-reconcile";

/// The window "sync all" and a bulk change spread their jobs over.
const SHORT_WINDOW: Duration = Duration::from_secs(30);

pub(super) fn register_jobs(registry: &mut JobRegistry) {
    registry.register(SYNC_CHARACTER, |app, caller, payload| async move {
        let id = payload
            .get("character_id")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| JobError::Fatal("payload has no character_id".into()))?;
        match app.sync_character(&caller, CharacterId(id)).await {
            Ok(report) if report.outcome == SyncOutcome::AlreadySyncing => {
                // Another sync of it runs now; it may have read the standings before the change
                // that queued this one, so run again shortly.
                Err(JobError::PostponeFor {
                    after: std::time::Duration::from_secs(30),
                    reason: "another sync of this character is running".into(),
                })
            }
            Ok(report) => Ok(JobSummary::new()
                .with("added", report.added)
                .with("edited", report.edited)
                .with("deleted", report.deleted)),
            Err(e) => Err(JobError::from(e)),
        }
    });
    registry.register(PROPAGATE, |app, caller, payload| async move {
        let id = payload
            .get("entity_id")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| JobError::Fatal("payload has no entity_id".into()))?;
        let s = app.propagate_entity(&caller, id).await?;
        Ok::<_, JobError>(
            JobSummary::new()
                .with("characters", s.characters)
                .with("wrote", s.wrote)
                .with("deferred", s.deferred),
        )
    });
    registry.register(RECONCILE, |app, caller, _| async move {
        let window = app.settings().standings.sync_interval.mul_f64(0.8);
        let queued = app.queue_reconcile(&caller, window).await?;
        Ok::<_, JobError>(JobSummary::new().with("syncs queued", queued))
    });
}

pub(super) fn schedule(app: &App) -> Vec<Periodic> {
    vec![Periodic {
        kind: RECONCILE,
        interval: app.settings().standings.sync_interval,
        max_attempts: 3,
    }]
}

/// The dedupe key of `character`'s full sync: one waits or runs at a time.
pub(super) fn sync_key(character: CharacterId) -> String {
    format!("standings-sync:{character}")
}

fn sync_job(character: CharacterId, run_at: OffsetDateTime) -> NewJob {
    NewJob {
        kind: SYNC_CHARACTER.to_owned(),
        payload: json!({ "character_id": character.get() }),
        run_at,
        dedupe_key: Some(sync_key(character)),
        max_attempts: 5,
    }
}

/// What a propagation did, per character.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PropagationSummary {
    pub characters: usize,
    pub wrote: usize,
    /// Characters handed to a full sync job instead (busy, or ESI trouble).
    pub deferred: usize,
}

impl App {
    /// Queues the targeted propagation of one entity's standing (now in the database, or gone)
    /// to every enrolled character: one contact written per character, no full resync. Needs
    /// `standings.approve` or `standings.manage` (who change standings).
    pub async fn queue_propagation(&self, caller: &Caller, entity_id: i64) -> AppResult<()> {
        caller.require_any(&[Permission::STANDINGS_MANAGE, Permission::STANDINGS_APPROVE])?;
        self.enqueue_propagation(entity_id, &caller.actor()).await
    }

    /// `queue_propagation` for use cases that already checked their caller.
    pub(crate) async fn enqueue_propagation(&self, entity_id: i64, actor: &Actor) -> AppResult<()> {
        let queued = self
            .store()
            .enqueue_job(&NewJob {
                kind: PROPAGATE.to_owned(),
                payload: json!({ "entity_id": entity_id, "actor": actor.to_text() }),
                run_at: self.now(),
                dedupe_key: Some(format!("{PROPAGATE}:{entity_id}")),
                max_attempts: 5,
            })
            .await?;
        tracing::debug!(entity_id, actor = %actor.to_text(), queued = queued.is_some(), "standings propagation");
        Ok(())
    }

    /// Queues a full reconcile of every enrolled character (after an import or bulk change).
    /// Needs `standings.approve` or `standings.manage`.
    pub async fn queue_reconcile_all(&self, caller: &Caller) -> AppResult<()> {
        caller.require_any(&[Permission::STANDINGS_MANAGE, Permission::STANDINGS_APPROVE])?;
        self.reconcile_all(&caller.actor()).await
    }

    /// `queue_reconcile_all` for use cases that already checked their caller.
    pub(crate) async fn reconcile_all(&self, actor: &Actor) -> AppResult<()> {
        self.reconcile_within(actor, SHORT_WINDOW).await.map(|_| ())
    }

    /// Queues one full sync per enrolled character, at jittered times within `window`; returns
    /// how many were queued (characters with a sync already waiting are not queued twice).
    /// Background work (the job `standings-reconcile`, benchmarks).
    pub async fn queue_reconcile(&self, caller: &Caller, window: Duration) -> AppResult<usize> {
        caller.require_background()?;
        self.reconcile_within(&caller.actor(), window).await
    }

    /// `queue_reconcile` for use cases that already checked their caller.
    pub(crate) async fn reconcile_within(
        &self,
        actor: &Actor,
        window: Duration,
    ) -> AppResult<usize> {
        let characters: Vec<CharacterId> = self
            .store()
            .synced_characters(None)
            .await?
            .into_iter()
            .map(|s| s.character)
            .collect();
        let mut tx = self.store().transaction().await?;
        let queued = self.queue_syncs_in(&mut tx, &characters, window).await?;
        if matches!(actor, Actor::Account(_)) {
            audit_in(
                &mut tx,
                actor.clone(),
                "standings.sync.reconcile_all",
                "standings",
                json!({ "characters": characters.len(), "queued": queued }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Queues a full sync of each character, spread over `window`.
    pub(crate) async fn queue_syncs(
        &self,
        characters: &[CharacterId],
        window: Duration,
    ) -> AppResult<usize> {
        let mut tx = self.store().transaction().await?;
        let queued = self.queue_syncs_in(&mut tx, characters, window).await?;
        tx.commit().await?;
        Ok(queued)
    }

    /// `queue_syncs` in a use case's transaction, beside its audit entry.
    pub(crate) async fn queue_syncs_in(
        &self,
        tx: &mut Transaction,
        characters: &[CharacterId],
        window: Duration,
    ) -> AppResult<usize> {
        let now = self.now();
        let mut queued = 0;
        for c in characters {
            let jitter = if window.is_zero() {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(rand::rng().random_range(0.0..window.as_secs_f64()))
            };
            if tx.enqueue_job(&sync_job(*c, now + jitter)).await?.is_some() {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Writes one entity's standing (or its absence) into every enrolled character, with at
    /// most `sync_concurrency` at once. Contacts are still read first (a cheap 304 or cache
    /// hit) so collisions and the contact limit are respected. A character that is busy or
    /// meets ESI trouble gets a full sync job instead, so the change is never lost. Background
    /// work (the job `standings-propagate`).
    pub async fn propagate_entity(
        &self,
        caller: &Caller,
        entity_id: i64,
    ) -> AppResult<PropagationSummary> {
        caller.require_background()?;
        let desired = self.desired_contacts().await?;
        let settings = Arc::new(self.settings().standings.clone());
        let entry_ids = super::eligibility::EntryIds::from_desired(&desired);
        let mut characters = Vec::new();
        let mut retry = Vec::new();
        for s in self.store().synced_characters(None).await? {
            if s.status != SyncStatus::NotEligible {
                characters.push(s.character);
            } else if self
                .eligibility_of(s.character, Some(s.account), Some(&entry_ids))
                .await?
                .is_ok()
            {
                // Eligible again (e.g. this very change): it needs everything, not one contact.
                retry.push(s.character);
            }
        }
        let limit = Arc::new(tokio::sync::Semaphore::new(
            settings.sync_concurrency.max(1),
        ));
        let mut tasks = tokio::task::JoinSet::new();
        for character in characters {
            let app = self.clone();
            let desired = desired.clone();
            let settings = settings.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let only = BTreeSet::from([entity_id]);
                let r = app
                    .sync_one(character, &settings, Some(only), Some(desired.as_slice()))
                    .await;
                (character, r)
            });
        }
        let mut summary = PropagationSummary::default();
        while let Some(joined) = tasks.join_next().await {
            let (character, result) = joined.map_err(|e| AppError::Internal(e.into()))?;
            summary.characters += 1;
            match result {
                Ok(r) if r.outcome == SyncOutcome::AlreadySyncing => retry.push(character),
                Ok(r) => summary.wrote += usize::from(r.wrote()),
                Err(AppError::Esi(e)) => {
                    tracing::info!(character = character.get(), error = %e, "propagation deferred to a full sync");
                    retry.push(character);
                }
                Err(e) => return Err(e),
            }
        }
        summary.deferred = retry.len();
        if !retry.is_empty() {
            self.queue_syncs(&retry, SHORT_WINDOW).await?;
        }
        Ok(summary)
    }

    /// Jobs of contact sync waiting or running: (queued, running), and the characters with a
    /// full sync waiting or running. Needs `standings.manage`.
    pub async fn sync_jobs(&self, caller: &Caller) -> AppResult<(usize, usize, BTreeSet<i64>)> {
        caller.require(Permission::STANDINGS_MANAGE)?;
        self.sync_job_counts().await
    }

    /// `sync_jobs` for use cases that already checked their caller.
    pub(crate) async fn sync_job_counts(&self) -> AppResult<(usize, usize, BTreeSet<i64>)> {
        let mut queued = 0;
        let mut running = 0;
        let mut characters = BTreeSet::new();
        for (status, count) in [
            (JobStatus::Queued, &mut queued),
            (JobStatus::Running, &mut running),
        ] {
            for job in self.store().jobs(Some(status), 100_000).await? {
                if job.kind != SYNC_CHARACTER && job.kind != PROPAGATE {
                    continue;
                }
                *count += 1;
                if let Some(id) = job
                    .payload
                    .get("character_id")
                    .and_then(serde_json::Value::as_i64)
                {
                    characters.insert(id);
                }
            }
        }
        Ok((queued, running, characters))
    }
}
