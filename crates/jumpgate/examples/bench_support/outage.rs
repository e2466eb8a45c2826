//! The outage soak (issue 10): enrolled characters in sync, then an ESI outage followed by a
//! stretch of random server errors, with the real worker, the real scheduler and its periodic
//! jobs (token checks, affiliation sweeps, the contact-sync reconcile), the ESI client's
//! retries and limiters, and standings changed in the middle of it. Measured from the
//! simulator's request log and the database against Jumpgate's promises: no token wrongly
//! invalidated, no 420 or 429 earned, every sync done afterwards, no job lost, nothing written
//! twice.
//!
//! Jumpgate and the simulated EVE run on one [`ScaledClock`]-fast time, so that half an hour
//! passes in minutes with every wait, window and deadline in proportion. Shared by the
//! benchmark `bench_outage_soak` and the black-box test `outage_soak` (which includes this
//! file and `enrolled.rs` with `#[path]`, so it names only the crates and `super::enrolled`).

use super::enrolled::Enrolled;
use anyhow::{Context, bail};
use jumpgate_app::jobs::{self, WorkerSettings, periodic};
use jumpgate_app::standings::sync::{PROPAGATE, SYNC_CHARACTER};
use jumpgate_app::{App, Caller};
use jumpgate_domain::AccountId;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::clock::{Clock, ScaledClock};
use jumpgate_domain::standings::{Entity, EntityKind, Standing};
use jumpgate_evesim::sso::SsoFault;
use jumpgate_evesim::{EveSim, LoggedRequest};
use jumpgate_store::{
    AuditFilter, JobCounts, NewStandingsEntry, RunFilter, RunOutcome, Store, SyncStatus,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::watch;

/// The shape of one soak, in Jumpgate's (and the simulator's) time.
#[derive(Debug, Clone)]
pub struct Plan {
    /// ESI down: its first third answers random 5xx without saying why, the rest ESI's
    /// downtime 503 ("The datasource tranquility is temporarily unavailable"); the SSO answers
    /// 503 throughout.
    pub outage: Duration,
    /// Then this long with `fault_rate` of ESI's answers a random 5xx.
    pub flaky: Duration,
    pub fault_rate: f64,
    /// How long (wall time) the queue may take to drain afterwards before the soak gives up.
    pub drain_timeout: Duration,
}

/// What runs the soak: an app on `store` whose every "now" and wait is `clock`'s, and its
/// simulated EVE.
pub struct Soak<'a> {
    pub app: &'a App,
    pub store: &'a Arc<Store>,
    pub sim: &'a EveSim,
    pub clock: &'a ScaledClock,
    pub world: &'a mut Enrolled,
    /// The worker `serve` runs (lanes, slots), with its polling made to fit the clock.
    pub worker: WorkerSettings,
}

/// A standing set while ESI is in trouble: each with a value no other entry has, so that its
/// writes can be told apart in the request log (`?standing=` of POST and PUT).
struct Change {
    entity: Entity,
    tenths: i16,
}

/// What the soak measured.
#[derive(Debug, Default)]
pub struct Report {
    pub characters: usize,
    pub speed: f64,
    pub plan: Option<Plan>,
    /// Phase → (method route, status) → answers.
    pub calls: BTreeMap<String, BTreeMap<(String, u16), usize>>,
    pub answers_420: usize,
    pub answers_429: usize,
    pub tokens: usize,
    pub tokens_not_valid: Vec<(i64, String)>,
    pub invalidated_in_audit: usize,
    pub valve_tripped: bool,
    pub jobs_after: JobCounts,
    pub failed_jobs: Vec<String>,
    /// Enrolled characters not in sync at the end, or whose last success was before the soak.
    pub not_synced: Vec<(i64, String)>,
    /// Characters whose in-game contacts are not what they must hold (id, held, expected).
    pub contacts_wrong: Vec<(i64, usize, usize)>,
    /// Enrolled characters without a successful sync job run since the soak began (the
    /// reconcile queued one for each).
    pub syncs_lost: usize,
    pub sync_runs: BTreeMap<String, usize>,
    /// Changes (entity) whose propagation job never succeeded.
    pub propagations_lost: Vec<i64>,
    /// Successful contact writes (POST/PUT/DELETE) during the soak, and the fewest that
    /// deliver the changes: one per change and character.
    pub writes: usize,
    pub minimum_writes: usize,
    /// (character, standing) written more than once, with the count.
    pub written_twice: Vec<(i64, String, usize)>,
    /// Writes of a standing no change set (the soak changed nothing else).
    pub unexplained_writes: usize,
    /// Jumpgate time from the end of the faults until the queue was empty.
    pub drained_after: Duration,
    pub wall: Duration,
}

impl Report {
    /// Every promise the soak broke, in words; empty when it kept them all.
    pub fn misses(&self) -> Vec<String> {
        let mut m = Vec::new();
        let mut miss = |broken: bool, what: String| {
            if broken {
                m.push(what);
            }
        };
        miss(
            !self.tokens_not_valid.is_empty(),
            format!(
                "{} token(s) not valid afterwards: {:?}",
                self.tokens_not_valid.len(),
                first(&self.tokens_not_valid)
            ),
        );
        miss(
            self.invalidated_in_audit > 0,
            format!(
                "{} token.invalidated audit entries",
                self.invalidated_in_audit
            ),
        );
        miss(self.valve_tripped, "the safety valve tripped".into());
        miss(
            self.answers_420 > 0,
            format!("{} answers 420", self.answers_420),
        );
        miss(
            self.answers_429 > 0,
            format!("{} answers 429", self.answers_429),
        );
        miss(
            self.jobs_after.queued + self.jobs_after.running > 0,
            format!("jobs left after the drain: {:?}", self.jobs_after),
        );
        miss(
            !self.failed_jobs.is_empty(),
            format!(
                "{} job(s) failed for good: {:?}",
                self.failed_jobs.len(),
                first(&self.failed_jobs)
            ),
        );
        miss(
            !self.not_synced.is_empty(),
            format!(
                "{} character(s) not in sync afterwards: {:?}",
                self.not_synced.len(),
                first(&self.not_synced)
            ),
        );
        miss(
            !self.contacts_wrong.is_empty(),
            format!(
                "{} character(s) hold the wrong contacts (id, held, expected): {:?}",
                self.contacts_wrong.len(),
                first(&self.contacts_wrong)
            ),
        );
        miss(
            self.syncs_lost > 0,
            format!("{} queued sync(s) never succeeded", self.syncs_lost),
        );
        miss(
            !self.propagations_lost.is_empty(),
            format!("propagations never succeeded: {:?}", self.propagations_lost),
        );
        miss(
            !self.written_twice.is_empty(),
            format!(
                "{} contact(s) written twice (character, standing, writes): {:?}",
                self.written_twice.len(),
                first(&self.written_twice)
            ),
        );
        miss(
            self.unexplained_writes > 0,
            format!("{} writes no change asked for", self.unexplained_writes),
        );
        miss(
            self.writes != self.minimum_writes,
            format!(
                "{} contact writes, {} needed",
                self.writes, self.minimum_writes
            ),
        );
        m
    }

    #[allow(clippy::print_stdout)] // a benchmark reports on stdout
    pub fn print(&self) {
        println!(
            "characters={} speed={}x plan={:?}",
            self.characters, self.speed, self.plan
        );
        for (phase, calls) in &self.calls {
            let total: usize = calls.values().sum();
            println!("\n== {phase}: {total} requests");
            for ((route, status), n) in calls {
                println!("   {route:<45} {status}  {n:>8}");
            }
        }
        println!();
        println!(
            "answers 420: {}   answers 429: {}",
            self.answers_420, self.answers_429
        );
        println!(
            "tokens: {} valid of {}; token.invalidated audit entries: {}; valve tripped: {}",
            self.tokens - self.tokens_not_valid.len(),
            self.tokens,
            self.invalidated_in_audit,
            self.valve_tripped
        );
        println!(
            "sync job runs since the soak began by outcome: {:?}; characters without a \
             successful one: {}",
            self.sync_runs, self.syncs_lost
        );
        println!(
            "characters not in sync: {}; holding wrong contacts: {}; propagations lost: {}",
            self.not_synced.len(),
            self.contacts_wrong.len(),
            self.propagations_lost.len()
        );
        println!(
            "jobs failed for good: {}; left after the drain: {:?}; drained {:.0} s (Jumpgate \
             time) after the faults ended",
            self.failed_jobs.len(),
            self.jobs_after,
            self.drained_after.as_secs_f64()
        );
        println!(
            "contact writes: {} (needed {}); written twice: {}; writes no change asked for: {}",
            self.writes,
            self.minimum_writes,
            self.written_twice.len(),
            self.unexplained_writes
        );
        println!("wall time of the soak: {:.1} s", self.wall.as_secs_f64());
    }
}

fn first<T: std::fmt::Debug>(items: &[T]) -> &[T] {
    &items[..items.len().min(5)]
}

impl Soak<'_> {
    /// Syncs every enrolled character, then runs `plan` with the scheduler's `periodic` jobs,
    /// waits for the queue to drain and measures.
    pub async fn run(mut self, plan: &Plan) -> anyhow::Result<Report> {
        let wall = Instant::now();
        let (stop, stopped) = watch::channel(false);
        let worker = tokio::spawn(jobs::run_worker(
            self.app.clone(),
            Arc::new(periodic::registry()),
            self.worker.clone(),
            stopped,
        ));
        let result = self.soak(plan).await;
        let _ = stop.send(true);
        let _ = worker.await;
        let mut report = result?;
        report.wall = wall.elapsed();
        Ok(report)
    }

    async fn soak(&mut self, plan: &Plan) -> anyhow::Result<Report> {
        let (app, sim) = (self.app, self.sim);
        // In sync before the trouble starts.
        app.queue_reconcile(&Caller::system("soak"), Duration::ZERO)
            .await?;
        self.drain(plan.drain_timeout).await?;
        let wrong = self.world.out_of_sync(sim, 1);
        if !wrong.is_empty() {
            bail!(
                "the sync before the outage left {} characters out of sync",
                wrong.len()
            );
        }
        let manager = self.manager().await?;

        sim.clear_requests();
        let t0 = self.clock.now();
        let (stop_scheduler, scheduler_stopped) = watch::channel(false);
        let scheduler = tokio::spawn(jobs::run_scheduler(
            app.clone(),
            periodic::schedule(app),
            self.worker.poll_interval,
            scheduler_stopped,
        ));
        let outage_end = t0 + plan.outage;
        let flaky_end = outage_end + plan.flaky;

        // ESI down, first without saying so, then with its downtime answer; the SSO too.
        sim.set_fault_rate(1.0);
        sim.set_sso_fault(Some(SsoFault::Unavailable));
        self.sleep_until(t0 + plan.outage / 6).await;
        let mut changes = Vec::new();
        changes.extend(self.change(&manager, &[15, 25, -15]).await?);
        self.sleep_until(t0 + plan.outage / 3).await;
        sim.set_fault_rate(0.0);
        sim.set_downtime(true);
        self.sleep_until(outage_end).await;

        // Back, but answering random 5xx.
        sim.set_downtime(false);
        sim.set_sso_fault(None);
        sim.set_fault_rate(plan.fault_rate);
        self.sleep_until(outage_end + plan.flaky / 3).await;
        changes.extend(self.change(&manager, &[35, -25]).await?);
        self.sleep_until(flaky_end).await;
        sim.set_fault_rate(0.0);
        let _ = stop_scheduler.send(true);
        let _ = scheduler.await;

        self.drain(plan.drain_timeout).await?;
        let drained_after = (self.clock.now() - flaky_end)
            .try_into()
            .unwrap_or(Duration::ZERO);
        let mut report = self.measure(t0, [outage_end, flaky_end], &changes).await?;
        report.plan = Some(plan.clone());
        report.drained_after = drained_after;
        Ok(report)
    }

    async fn sleep_until(&self, at: OffsetDateTime) {
        let left = at - self.clock.now();
        if left.is_positive() {
            self.clock
                .sleep(left.try_into().unwrap_or(Duration::ZERO))
                .await;
        }
    }

    /// Waits until no job is queued or running (wall time, at most `timeout`).
    async fn drain(&self, timeout: Duration) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let c = self.store.job_counts().await?;
            if c.queued == 0 && c.running == 0 {
                return Ok(());
            }
            if started.elapsed() > timeout {
                bail!("jobs still queued or running after {timeout:?}: {c:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// An account outside sync that manages the standings (as an administrator would).
    async fn manager(&mut self) -> anyhow::Result<Caller> {
        let c = self.world.spare.pop().context("no spare character")?;
        let (account, _) = self
            .store
            .create_account(&super::enrolled::new_character(&c))
            .await?;
        self.store
            .grant_permission(account.id, "standings.manage")
            .await?;
        caller(self.app, account.id).await
    }

    /// Sets one standing per value in `tenths` through the use case an administrator uses: a
    /// new entry for a character outside sync, or (every other one) a new value for an entry
    /// already in the database. Each queues its propagation to every enrolled character.
    async fn change(&mut self, manager: &Caller, tenths: &[i16]) -> anyhow::Result<Vec<Change>> {
        let mut made = Vec::new();
        for (i, t) in tenths.iter().enumerate() {
            let standing = Standing::from_tenths(*t)?;
            let entity = if i % 2 == 0 {
                let c = self.world.spare.pop().context("no spare character")?;
                Entity::character(jumpgate_domain::CharacterId(c.character_id))
            } else {
                let e = self
                    .world
                    .entries
                    .iter()
                    .find(|e| {
                        e.entity.kind == EntityKind::Character && e.standing.tenths().abs() >= 50
                    })
                    .context("no character entry to change")?;
                e.entity
            };
            self.app
                .set_standing_entry(
                    manager,
                    entity,
                    &format!("entity {}", entity.id),
                    standing,
                    "soak",
                )
                .await?;
            self.world.entries.retain(|e| e.entity.id != entity.id);
            self.world.entries.push(NewStandingsEntry {
                entity,
                name: format!("entity {}", entity.id),
                standing,
                notes: "soak".into(),
                source: "admin".into(),
                added_by: None,
            });
            made.push(Change { entity, tenths: *t });
        }
        Ok(made)
    }

    async fn measure(
        &self,
        t0: OffsetDateTime,
        [outage_end, flaky_end]: [OffsetDateTime; 2],
        changes: &[Change],
    ) -> anyhow::Result<Report> {
        let (store, sim) = (self.store, self.sim);
        let log = sim.requests();
        let mut report = Report {
            characters: self.world.characters.len(),
            speed: self.clock.speed(),
            ..Report::default()
        };
        for r in &log {
            let phase = if r.at < outage_end {
                "1 outage"
            } else if r.at < flaky_end {
                "2 random 5xx"
            } else {
                "3 after"
            };
            *report
                .calls
                .entry(phase.to_owned())
                .or_default()
                .entry((format!("{} {}", r.method, route_of(&r.path)), r.status))
                .or_default() += 1;
        }
        report.answers_420 = log.iter().filter(|r| r.status == 420).count();
        report.answers_429 = log.iter().filter(|r| r.status == 429).count();

        let tokens = store.all_tokens().await?;
        report.tokens = tokens.len();
        report.tokens_not_valid = tokens
            .iter()
            .filter(|t| t.status != TokenStatus::Valid)
            .map(|t| {
                (
                    t.character.get(),
                    t.status_reason.clone().unwrap_or_default(),
                )
            })
            .collect();
        report.invalidated_in_audit = store
            .audit_entries(&AuditFilter {
                action_prefix: Some("token.invalidated".into()),
                limit: 100_000,
                ..AuditFilter::default()
            })
            .await?
            .len();
        report.valve_tripped = store.safety_valve().await?.tripped_at.is_some();

        report.jobs_after = store.job_counts().await?;
        report.failed_jobs = store
            .jobs(Some(jumpgate_store::JobStatus::Failed), 1_000)
            .await?
            .into_iter()
            .map(|j| {
                format!(
                    "{} {}: {}",
                    j.kind,
                    j.payload,
                    j.last_error.unwrap_or_default()
                )
            })
            .collect();
        for s in store.synced_characters(None).await? {
            let fresh = s.last_success_at.is_some_and(|at| at >= t0);
            if s.status != SyncStatus::InSync || !fresh {
                report.not_synced.push((
                    s.character.get(),
                    format!(
                        "{} (last success {:?}) {}",
                        s.status.as_str(),
                        s.last_success_at,
                        s.message.unwrap_or_default()
                    ),
                ));
            }
        }
        report.contacts_wrong = self.world.out_of_sync(sim, 1);

        let runs = |kind: &str| RunFilter {
            kind: Some(kind.into()),
            limit: 10_000_000,
            ..RunFilter::default()
        };
        let mut synced = BTreeSet::new();
        for r in store.job_runs(&runs(SYNC_CHARACTER)).await? {
            if r.started_at < t0 {
                continue;
            }
            *report
                .sync_runs
                .entry(r.outcome.as_str().to_owned())
                .or_default() += 1;
            if r.outcome == RunOutcome::Succeeded {
                synced.insert(r.payload.get("character_id").and_then(|v| v.as_i64()));
            }
        }
        report.syncs_lost = self
            .world
            .characters
            .iter()
            .filter(|c| !synced.contains(&Some(c.character_id)))
            .count();
        let propagated: BTreeSet<Option<i64>> = store
            .job_runs(&runs(PROPAGATE))
            .await?
            .into_iter()
            .filter(|r| r.started_at >= t0 && r.outcome == RunOutcome::Succeeded)
            .map(|r| r.payload.get("entity_id").and_then(|v| v.as_i64()))
            .collect();
        report.propagations_lost = changes
            .iter()
            .map(|c| c.entity.id)
            .filter(|id| !propagated.contains(&Some(*id)))
            .collect();

        let wanted: BTreeSet<i16> = changes.iter().map(|c| c.tenths).collect();
        let mut writes: BTreeMap<(i64, i16), usize> = BTreeMap::new();
        for r in log.iter().filter(|r| is_contact_write(r)) {
            report.writes += 1;
            let Some(character) = character_of(&r.path) else {
                report.unexplained_writes += 1;
                continue;
            };
            match standing_of(r).filter(|t| wanted.contains(t)) {
                Some(t) => *writes.entry((character, t)).or_default() += 1,
                None => report.unexplained_writes += 1,
            }
        }
        report.written_twice = writes
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|((c, t), n)| (*c, format!("{:.1}", f64::from(*t) / 10.0), *n))
            .collect();
        report.minimum_writes = changes.len() * self.world.characters.len();
        Ok(report)
    }
}

async fn caller(app: &App, account: AccountId) -> anyhow::Result<Caller> {
    app.caller(account).await?.context("the manager's account")
}

/// A contact write ESI accepted.
fn is_contact_write(r: &LoggedRequest) -> bool {
    matches!(r.method.as_str(), "POST" | "PUT" | "DELETE")
        && route_of(&r.path) == "/characters/{id}/contacts"
        && (200..300).contains(&r.status)
}

fn character_of(path: &str) -> Option<i64> {
    path.split('/').find_map(|p| p.parse().ok())
}

/// The `?standing=` of a POST or PUT, in tenths.
fn standing_of(r: &LoggedRequest) -> Option<i16> {
    let q = r.query.as_deref()?;
    let v: f64 = url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == "standing")?
        .1
        .parse()
        .ok()?;
    Some((v * 10.0).round() as i16)
}

/// The route template of a logged path (ids replaced).
pub fn route_of(path: &str) -> String {
    path.split('/')
        .map(|p| {
            if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                p
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
