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

use anyhow::{Context, bail, ensure};
use clap::{Parser, ValueEnum};
use jumpgate::config::{DatabaseSettings, StandingsSection};
use jumpgate_app::App;
use jumpgate_app::jobs;
use jumpgate_app::jobs::periodic;
use jumpgate_app::standings::{SYNC_LOGIN, StandingsSettings};
use jumpgate_app::tokens::secrets::token_aad;

use jumpgate_domain::standings::{Entity, EntityKind, Standing};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId};
use jumpgate_evesim::{EveSim, LoggedRequest, SimCharacter, SimConfig};
use jumpgate_store::testing::{TestStore, fresh_postgres};
use jumpgate_store::{NewCharacter, NewStandingsEntry, NewToken, Store, SyncStatus};
use secrecy::SecretString;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use url::Url;

/// Every simulated character has these labels in game; "Blue" is the organisation's.
const LABEL_NAME: &str = "Blue";
/// CCP's largest POST/PUT batch.
const MAX_IDS_PER_WRITE: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
}

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
    let pg: Option<TestStore> = match args.backend {
        BackendArg::Postgres => Some(fresh_postgres().await),
        BackendArg::Sqlite => None,
    };
    let mut database = DatabaseSettings::default();
    if let Some(n) = args.max_connections {
        database.max_connections = n;
    }
    if let Some(pg) = &pg {
        database.url = Some(SecretString::from(pg.url.clone()));
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
    seed(&app, &store, &sim, &world).await?;
    println!(
        "backend={:?} characters={} standings={} latency_ms={} sync_concurrency={} \
         jobs_concurrency={} (seeded in {:.1} s)",
        args.backend,
        world.enrolled.len(),
        world.entries.len(),
        args.latency_ms,
        app.settings().standings.sync_concurrency,
        settings.jobs.concurrency,
        seeded.elapsed().as_secs_f64()
    );
    let values: BTreeMap<String, usize> = world.entries.iter().fold(BTreeMap::new(), |mut m, e| {
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

/// Who is enrolled and what the standings database holds.
struct World {
    enrolled: Vec<SimCharacter>,
    entries: Vec<NewStandingsEntry>,
    /// A member character without an entry of its own: it requests one in phase 3.
    requester: SimCharacter,
    /// A character outside sync that approves.
    approver: SimCharacter,
}

impl World {
    /// The first `n` characters (by id) are enrolled. The entries: every alliance and every
    /// independent corporation with enrolled members at +10 (members are eligible because
    /// their alliance or corporation holds a standing), then characters outside sync, so that
    /// the database holds 40 % +10, 25 % +5, 15 % −5 and 20 % −10 (a coalition's blues and
    /// reds; 0 is never written into contacts, so no entry has it).
    fn pick(sim: &EveSim, n: usize, m: usize) -> anyhow::Result<World> {
        let mut all: Vec<SimCharacter> = sim
            .characters()
            .into_iter()
            .filter(|c| !c.biomassed)
            .collect();
        all.sort_by_key(|c| c.character_id);
        ensure!(all.len() > n + 2, "the simulated universe is too small");
        let rest = all.split_off(n);
        let enrolled = all;
        let member_corps: BTreeSet<i64> = enrolled.iter().map(|c| c.corporation_id).collect();
        let mut entries = Vec::new();
        let entry = |kind, id: i64, standing: i16| NewStandingsEntry {
            entity: Entity { kind, id },
            name: format!("entity {id}"),
            standing: Standing::from_tenths(standing * 10).unwrap_or(Standing::MAX),
            notes: String::new(),
            source: "import".into(),
            added_by: None,
        };
        for a in sim.alliances() {
            entries.push(entry(EntityKind::Alliance, a.alliance_id, 10));
        }
        for c in sim.corporations() {
            if c.alliance_id.is_none() && member_corps.contains(&c.corporation_id) {
                entries.push(entry(EntityKind::Corporation, c.corporation_id, 10));
            }
        }
        ensure!(
            entries.len() <= m,
            "--standings must be at least {} (the members' alliances and corporations)",
            entries.len()
        );
        let shares = [(10, 40), (5, 25), (-5, 15), (-10, 20)];
        let mut wanted: Vec<(i16, usize)> =
            shares.iter().map(|(v, pct)| (*v, m * pct / 100)).collect();
        let assigned: usize = wanted.iter().map(|(_, c)| c).sum();
        wanted[0].1 += m - assigned;
        wanted[0].1 = wanted[0].1.saturating_sub(entries.len());
        let mut others = rest.iter();
        for (value, count) in wanted {
            for _ in 0..count {
                let c = others
                    .next()
                    .context("not enough characters for --standings")?;
                entries.push(entry(EntityKind::Character, c.character_id, value));
            }
        }
        let spare: Vec<&SimCharacter> = others.collect();
        let approver = (*spare.first().context("no spare character")?).clone();
        let requester = enrolled[0].clone();
        Ok(World {
            enrolled,
            entries,
            requester,
            approver,
        })
    }

    /// What each enrolled character must receive: every entry but itself, its corporation and
    /// its alliance (`exclude_own_organisation`, the default).
    fn desired(&self, c: &SimCharacter) -> Vec<&NewStandingsEntry> {
        self.entries
            .iter()
            .filter(|e| {
                e.entity.id != c.character_id
                    && e.entity.id != c.corporation_id
                    && Some(e.entity.id) != c.alliance_id
            })
            .collect()
    }

    /// The fewest ESI calls of the initial sync by CCP's rules: per character one page of
    /// contacts (the list is empty), the labels, and ⌈n / 100⌉ POSTs per standing value.
    fn minimum_initial(&self) -> Minimum {
        let mut posts = 0;
        for c in &self.enrolled {
            let mut by_value: HashMap<i16, usize> = HashMap::new();
            for e in self.desired(c) {
                *by_value.entry(e.standing.tenths()).or_default() += 1;
            }
            posts += by_value
                .values()
                .map(|n| n.div_ceil(MAX_IDS_PER_WRITE))
                .sum::<usize>();
        }
        let n = self.enrolled.len();
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

/// Accounts (one per EVE account, as logins would make them), characters, contact tokens
/// whose access tokens have expired (the first sync refreshes each, as a periodic round does),
/// the permission to use standings, enrolment, and the standings database.
async fn seed(app: &App, store: &Arc<Store>, sim: &EveSim, world: &World) -> anyhow::Result<()> {
    store.import_standings(&world.entries).await?;
    let mut by_owner: BTreeMap<String, Vec<SimCharacter>> = BTreeMap::new();
    for c in &world.enrolled {
        by_owner
            .entry(c.owner_hash.clone())
            .or_default()
            .push(c.clone());
    }
    let scopes = StandingsSettings::contact_scopes();
    let scope_list: Vec<&str> = scopes.iter().collect();
    let groups: Vec<Vec<SimCharacter>> = by_owner.into_values().collect();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in groups.chunks(groups.len().div_ceil(8).max(1)) {
        let chunk = chunk.to_vec();
        let app = app.clone();
        let store = store.clone();
        let sim = sim.clone();
        let scopes_text = scopes.to_space_separated();
        let scope_list: Vec<String> = scope_list.iter().map(|s| (*s).to_owned()).collect();
        tasks.spawn(async move {
            let scope_refs: Vec<&str> = scope_list.iter().map(String::as_str).collect();
            for group in chunk {
                let mut account: Option<AccountId> = None;
                for c in &group {
                    let new = NewCharacter {
                        id: CharacterId(c.character_id),
                        name: c.name.clone(),
                        owner_hash: c.owner_hash.clone(),
                        corporation: CorporationId(c.corporation_id),
                        alliance: c.alliance_id.map(AllianceId),
                        faction: None,
                    };
                    let acc = match account {
                        None => {
                            let (a, _) = store.create_account(&new).await?;
                            store.grant_permission(a.id, "standings.request").await?;
                            account = Some(a.id);
                            a.id
                        }
                        Some(a) => {
                            store.add_character(a, &new).await?;
                            a
                        }
                    };
                    let refresh = sim.refresh_token_for_test(
                        bench_support::CLIENT_ID,
                        c.character_id,
                        &scope_refs,
                    )?;
                    let (access, refresh) = {
                        let keys = jumpgate_app::testing::keys(&app).read().await;
                        let aad = |kind| token_aad(c.character_id, SYNC_LOGIN, kind);
                        (
                            keys.seal_str(&SecretString::from("expired"), &aad("access"))?,
                            keys.seal_str(&SecretString::from(refresh), &aad("refresh"))?,
                        )
                    };
                    store
                        .upsert_token(&NewToken {
                            character: CharacterId(c.character_id),
                            login: SYNC_LOGIN.to_owned(),
                            access_token: access,
                            refresh_token: Some(refresh),
                            expires_at: app.now() - time::Duration::minutes(1),
                            scopes: scopes_text.clone(),
                            owner_hash: c.owner_hash.clone(),
                        })
                        .await?;
                    store.enrol_sync(CharacterId(c.character_id), acc).await?;
                }
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok(())
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

/// The route template of a logged path (ids replaced).
fn route_of(path: &str) -> String {
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
    let step = (world.enrolled.len() / 200).max(1);
    for c in world.enrolled.iter().step_by(step) {
        let want: BTreeMap<i64, f64> = world
            .desired(c)
            .into_iter()
            .map(|e| (e.entity.id, e.standing.value()))
            .collect();
        let have: BTreeMap<i64, f64> = sim
            .contacts(c.character_id)
            .into_iter()
            .map(|x| (x.contact_id, x.standing))
            .collect();
        ensure!(
            want == have,
            "character {} holds {} contacts, expected {}",
            c.character_id,
            have.len(),
            want.len()
        );
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
    world.entries.push(NewStandingsEntry {
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
            world.enrolled.len() - 1
        ),
        elapsed,
        calls: Calls::from_log(&sim.requests()),
        statuses,
        characters: usize::try_from(in_sync).unwrap_or(0),
    })
}
