//! Benchmark: contact sync of 10,000 enrolled characters × 1,000 standings (issue 3).
//!
//! Starts, in this process, the EVE simulator (with ESI latency) and a Jumpgate `App` with its
//! real job worker (the one `serve` and `worker` run, without the scheduler so no periodic job
//! interferes), seeds enrolled characters with valid contact tokens and a standings database
//! straight through the store, then measures three phases:
//!
//! 1. the initial sync of every character (a reconcile queues one job per character): wall
//!    time, ESI calls by route and status, writes, 420/429 — and the calls against the minimum
//!    CCP's batching rules allow (per character: contact pages + labels + Σ⌈n per standing /
//!    100⌉ POSTs);
//! 2. a round with nothing changed (the same reconcile again): must write nothing; with
//!    `--expired-rounds N`, N more rounds after ESI's cache of every contact list expired, which
//!    read with conditional GETs;
//! 3. one standing approved through the workflow (a member requests it, an approver approves
//!    it): the targeted propagation must write one contact per character.
//!
//! ```sh
//! cargo run --release -p jumpgate --example bench_contact_sync -- \
//!     [--backend sqlite|postgres] [--characters 10000] [--standings 1000] [--latency-ms 100] \
//!     [--sync-concurrency N] [--expired-rounds 0]
//! ```
//!
//! ESI calls are counted from the simulator's request log. Results and the commands that
//! produced them live in `docs/benchmarks.md`.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

mod bench_support;

use bench_support::BackendArg;

use anyhow::{Context, bail, ensure};
use bench_support::enrolled::Enrolled;
use bench_support::outage::route_of;
use clap::Parser;
use jumpgate::config::StandingsSection;
use jumpgate_app::App;
use jumpgate_app::jobs;
use jumpgate_app::jobs::periodic;

use jumpgate_domain::standings::Entity;
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use jumpgate_evesim::{EveSim, LoggedRequest, SimCharacter, SimConfig};
use jumpgate_store::{NewCharacter, NewStandingsEntry, Store, SyncStatus};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use url::Url;

/// Every simulated character has these labels in game; "Blue" is the organisation's.
const LABEL_NAME: &str = "Blue";
/// CCP's largest POST/PUT batch.
const MAX_IDS_PER_WRITE: usize = 100;

#[derive(Debug, Parser)]
#[command(about = "Benchmark of contact sync (initial sync, idle round, one approval)")]
struct Args {
    /// The store: an SQLite file in a temporary directory, or a fresh schema in the PostgreSQL
    /// of JUMPGATE_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// Enrolled characters.
    #[arg(long, default_value_t = 10_000)]
    characters: usize,
    /// Entries in the standings database.
    #[arg(long, default_value_t = 1_000)]
    standings: usize,
    /// Latency the simulator adds to every ESI and SSO answer.
    #[arg(long, default_value_t = 100)]
    latency_ms: u64,
    /// `[standings] sync_concurrency` (default: Jumpgate's default).
    #[arg(long)]
    sync_concurrency: Option<usize>,
    /// `[database] max_connections` (default: Jumpgate's default).
    #[arg(long)]
    max_connections: Option<u32>,
    /// Idle rounds to run after every contact list's ESI cache expired (5 minutes' wait each).
    #[arg(long, default_value_t = 0)]
    expired_rounds: usize,
    /// Give up on a phase after this long.
    #[arg(long, default_value_t = 3600)]
    timeout_secs: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(args.characters >= 2, "--characters must be at least 2");
    jumpgate::telemetry::init(false);
    let wall = Instant::now();

    let sim = EveSim::start(
        SimConfig {
            alliances: 20,
            corporations: (args.characters / 25).clamp(10, 400),
            // The enrolled characters, the characters the standings name, and a few spare.
            characters: args.characters + args.standings + 50,
            accounts: (args.characters + args.standings + 50) / 3,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await
    .context("the EVE simulator starts")?;

    let dir = tempfile::tempdir()?;
    let (mut database, pg) = bench_support::database(args.backend).await;
    if let Some(n) = args.max_connections {
        database.max_connections = Some(n);
    }
    let mut standings = StandingsSection {
        label_name: LABEL_NAME.to_owned(),
        ..StandingsSection::default()
    };
    if let Some(n) = args.sync_concurrency {
        standings.sync_concurrency = n;
    }
    let mut settings = bench_support::settings(
        &sim,
        dir.path(),
        database,
        "127.0.0.1:0".parse()?,
        Url::parse("http://127.0.0.1:1/")?,
    )?;
    settings.standings = standings;
    let store = jumpgate::wiring::connect_store(&settings).await?;
    let app = jumpgate::wiring::build_app(&settings, store.clone()).await?;

    let mut world = World::pick(&sim, args.characters, args.standings)?;
    let seeded = Instant::now();
    world
        .e
        .seed(&app, &store, &sim, bench_support::CLIENT_ID)
        .await?;
    println!(
        "backend={:?} characters={} standings={} latency_ms={} sync_concurrency={} \
         jobs_concurrency={} (seeded in {:.1} s)",
        args.backend,
        world.e.characters.len(),
        world.e.entries.len(),
        args.latency_ms,
        app.settings().standings.sync_concurrency,
        settings.jobs.concurrency,
        seeded.elapsed().as_secs_f64()
    );
    let values: BTreeMap<String, usize> =
        world.e.entries.iter().fold(BTreeMap::new(), |mut m, e| {
            *m.entry(e.standing.to_string()).or_default() += 1;
            m
        });
    println!("standings by value: {values:?}");

    // The worker `serve` runs (same lanes and slots), without the scheduler.
    sim.set_latency(Duration::from_millis(args.latency_ms));
    let (stop, stopped) = watch::channel(false);
    let worker = tokio::spawn(jobs::run_worker(
        app.clone(),
        Arc::new(periodic::registry()),
        jumpgate::server::worker_settings(&settings, &app),
        stopped,
    ));
    let timeout = Duration::from_secs(args.timeout_secs);
    let minimum = world.minimum_initial();

    // 1. The initial sync.
    let initial = round(&app, &store, &sim, "initial sync", timeout).await?;
    initial.print(Some(&minimum));
    check_contacts(&sim, &world)?;
    let mut last_read = Instant::now();

    // 2. A round with nothing changed, at once (every contact list still in ESI's cache) …
    let idle = round(&app, &store, &sim, "idle round (caches fresh)", timeout).await?;
    idle.print(None);
    // … and after ESI's cache of the lists expired: conditional GETs.
    for n in 1..=args.expired_rounds {
        let wait = Duration::from_secs(305).saturating_sub(last_read.elapsed());
        println!(
            "waiting {:.0} s for ESI's contact caches to expire",
            wait.as_secs_f64()
        );
        tokio::time::sleep(wait).await;
        let r = round(
            &app,
            &store,
            &sim,
            &format!("idle round {n} (caches expired)"),
            timeout,
        )
        .await?;
        r.print(None);
        last_read = Instant::now();
    }

    // 3. One approval, through the workflow as a member and an approver do it.
    let approval = approve_one(&app, &store, &sim, &mut world, timeout).await?;
    approval.print(None);
    check_contacts(&sim, &world)?;

    let _ = stop.send(true);
    let _ = worker.await;
    let failed = store.job_counts().await?.failed;
    if let Some(pg) = pg {
        pg.close().await;
    }
    println!("total wall time {:.1} s", wall.elapsed().as_secs_f64());
    ensure!(failed == 0, "{failed} job(s) failed");
    for (name, r) in [
        ("initial", &initial),
        ("idle", &idle),
        ("approval", &approval),
    ] {
        ensure!(
            r.limited() == 0,
            "{name}: {} answers were 420 or 429",
            r.limited()
        );
    }
    Ok(())
}

/// Who is enrolled and what the standings database holds, and who requests and approves in
/// phase 3.
struct World {
    e: Enrolled,
    /// A member character without an entry of its own: it requests one in phase 3.
    requester: SimCharacter,
    /// A character outside sync that approves.
    approver: SimCharacter,
}

impl World {
    fn pick(sim: &EveSim, n: usize, m: usize) -> anyhow::Result<World> {
        let e = Enrolled::pick(sim, n, m)?;
        let approver = e.spare.first().context("no spare character")?.clone();
        let requester = e.characters[0].clone();
        Ok(World {
            e,
            requester,
            approver,
        })
    }

    /// The fewest ESI calls of the initial sync by CCP's rules: per character one page of
    /// contacts (the list is empty), the labels, and ⌈n / 100⌉ POSTs per standing value.
    fn minimum_initial(&self) -> Minimum {
        let mut posts = 0;
        for c in &self.e.characters {
            let mut by_value: HashMap<i16, usize> = HashMap::new();
            for e in self.e.desired(c) {
                *by_value.entry(e.standing.tenths()).or_default() += 1;
            }
            posts += by_value
                .values()
                .map(|n| n.div_ceil(MAX_IDS_PER_WRITE))
                .sum::<usize>();
        }
        let n = self.e.characters.len();
        Minimum {
            get_contacts: n,
            get_labels: n,
            posts,
        }
    }
}

struct Minimum {
    get_contacts: usize,
    get_labels: usize,
    posts: usize,
}

/// ESI calls of one phase, from the simulator's log.
struct Calls {
    /// (method route, status) → count.
    by_route: BTreeMap<(String, u16), usize>,
}

impl Calls {
    fn from_log(log: &[LoggedRequest]) -> Self {
        let mut by_route = BTreeMap::new();
        for r in log {
            *by_route
                .entry((format!("{} {}", r.method, route_of(&r.path)), r.status))
                .or_default() += 1;
        }
        Self { by_route }
    }

    fn count(&self, method_route: &str, status: Option<u16>) -> usize {
        self.by_route
            .iter()
            .filter(|((m, s), _)| m == method_route && status.is_none_or(|x| x == *s))
            .map(|(_, n)| n)
            .sum()
    }

    fn writes(&self) -> usize {
        ["POST", "PUT", "DELETE"]
            .iter()
            .map(|m| self.count(&format!("{m} /characters/{{id}}/contacts"), None))
            .sum()
    }

    fn esi(&self) -> usize {
        self.by_route
            .iter()
            // SSO (token refreshes, its metadata and keys) is not ESI.
            .filter(|((m, _), _)| !m.contains("/oauth/") && !m.contains("/.well-known/"))
            .map(|(_, n)| n)
            .sum()
    }
}

struct Round {
    name: String,
    elapsed: Duration,
    calls: Calls,
    statuses: BTreeMap<String, i64>,
    characters: usize,
}

impl Round {
    fn limited(&self) -> usize {
        self.calls
            .by_route
            .iter()
            .filter(|((_, s), _)| *s == 420 || *s == 429)
            .map(|(_, n)| n)
            .sum()
    }

    fn print(&self, minimum: Option<&Minimum>) {
        println!();
        println!(
            "== {}: {:.1} s for {} characters ({:.1} characters/s)",
            self.name,
            self.elapsed.as_secs_f64(),
            self.characters,
            self.characters as f64 / self.elapsed.as_secs_f64().max(1e-9)
        );
        for ((route, status), n) in &self.calls.by_route {
            println!("   {route:<45} {status}  {n:>8}");
        }
        println!(
            "   ESI calls {}  writes {}  420/429 {}  sync statuses {:?}",
            self.calls.esi(),
            self.calls.writes(),
            self.limited(),
            self.statuses
        );
        if let Some(m) = minimum {
            let gets = self.calls.count("GET /characters/{id}/contacts", None);
            let labels = self
                .calls
                .count("GET /characters/{id}/contacts/labels", None);
            let posts = self.calls.count("POST /characters/{id}/contacts", None);
            println!(
                "   minimum by CCP's batching: GET contacts {} (made {gets}), GET labels {} \
                 (made {labels}), POST {} (made {posts}); total {} (made {})",
                m.get_contacts,
                m.get_labels,
                m.posts,
                m.get_contacts + m.get_labels + m.posts,
                self.calls.esi()
            );
        }
    }
}

/// Runs one reconcile of every enrolled character through the job worker and measures it.
async fn round(
    app: &App,
    store: &Arc<Store>,
    sim: &EveSim,
    name: &str,
    timeout: Duration,
) -> anyhow::Result<Round> {
    sim.clear_requests();
    let started = Instant::now();
    let queued = app
        .queue_reconcile(&jumpgate_app::Caller::system("bench"), Duration::ZERO)
        .await?;
    wait_for_jobs(store, started, timeout).await?;
    let elapsed = started.elapsed();
    Ok(Round {
        name: name.to_owned(),
        elapsed,
        calls: Calls::from_log(&sim.requests()),
        statuses: statuses(store).await?,
        characters: queued,
    })
}

async fn wait_for_jobs(
    store: &Arc<Store>,
    started: Instant,
    timeout: Duration,
) -> anyhow::Result<()> {
    loop {
        let c = store.job_counts().await?;
        if c.queued == 0 && c.running == 0 {
            return Ok(());
        }
        if started.elapsed() > timeout {
            bail!("jobs still queued or running after {timeout:?}: {c:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn statuses(store: &Arc<Store>) -> anyhow::Result<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    for s in store.synced_characters(None).await? {
        *out.entry(s.status.as_str().to_owned()).or_default() += 1;
    }
    Ok(out)
}

/// Every enrolled character holds exactly its desired contacts (a sample of 200).
fn check_contacts(sim: &EveSim, world: &World) -> anyhow::Result<()> {
    let wrong = world.e.out_of_sync(sim, world.e.characters.len() / 200);
    if let Some((id, have, want)) = wrong.first() {
        bail!("character {id} holds {have} contacts, expected {want}");
    }
    Ok(())
}

/// A member requests a standing for one of their enrolled characters, an approver approves it,
/// and the propagation job (with any full syncs it hands characters to) runs to the end.
async fn approve_one(
    app: &App,
    store: &Arc<Store>,
    sim: &EveSim,
    world: &mut World,
    timeout: Duration,
) -> anyhow::Result<Round> {
    let a = &world.approver;
    let (approver, _) = store
        .create_account(&NewCharacter {
            id: CharacterId(a.character_id),
            name: a.name.clone(),
            owner_hash: a.owner_hash.clone(),
            corporation: CorporationId(a.corporation_id),
            alliance: a.alliance_id.map(AllianceId),
            faction: None,
        })
        .await?;
    store
        .grant_permission(approver.id, "standings.approve")
        .await?;
    let subject = CharacterId(world.requester.character_id);
    let requester = store
        .character(subject)
        .await?
        .context("the requester is seeded")?
        .account;
    let requester = app
        .caller(requester)
        .await?
        .context("the requester's account")?;
    let approver = app
        .caller(approver.id)
        .await?
        .context("the approver's account")?;
    let request = app
        .request_standing(&requester, Entity::character(subject))
        .await?;
    sim.clear_requests();
    let started = Instant::now();
    app.approve_request(&approver, request.id, None, "benchmark")
        .await?;
    let approved = started.elapsed();
    wait_for_jobs(store, started, timeout).await?;
    let elapsed = started.elapsed();
    println!(
        "\napproval of {subject} took {:.1} ms; propagation until every job finished {:.1} s",
        approved.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64()
    );
    let entry = store
        .standing(subject.get())
        .await?
        .context("the approved entry")?;
    world.e.entries.push(NewStandingsEntry {
        entity: entry.entity,
        name: entry.name,
        standing: entry.standing,
        notes: entry.notes,
        source: entry.source,
        added_by: entry.added_by,
    });
    let statuses = statuses(store).await?;
    let in_sync = statuses
        .get(SyncStatus::InSync.as_str())
        .copied()
        .unwrap_or(0);
    Ok(Round {
        name: format!(
            "approval propagated (target: {} writes, one per character but the subject)",
            world.e.characters.len() - 1
        ),
        elapsed,
        calls: Calls::from_log(&sim.requests()),
        statuses,
        characters: usize::try_from(in_sync).unwrap_or(0),
    })
}
