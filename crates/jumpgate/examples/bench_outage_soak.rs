//! Benchmark: the outage soak of issue 10. 2,000 enrolled characters in sync, then a 15-minute
//! ESI outage (random 5xx without a word for its first third, then ESI's downtime 503; the SSO
//! answers 503 throughout) followed by 15 minutes of 10 % random 5xx, with standings changed
//! in both (three during the outage, two after it).
//!
//! Starts, in this process, the EVE simulator and a Jumpgate `App` with its real job worker
//! (the lanes and slots `serve` runs) and its real scheduler with every periodic job: token
//! checks every 10 minutes, the affiliation sweep every 10, and the contact-sync reconcile once
//! in the half hour (`[standings] sync_interval` = the soak's length, so it spreads a sync of
//! every character over the faults). Jumpgate and the simulator share one clock running
//! `--speed` times as fast as the wall clock (half an hour in about three minutes at 10×): every
//! wait, back-off, lease, limiter window and token lifetime in proportion.
//!
//! Counted from the simulator's request log and the database; exits non-zero when a promise is
//! broken: tokens not valid afterwards (0), `token.invalidated` entries (0), the valve tripped
//! (no), 420 and 429 answers (0), jobs failed or left (0), characters not in sync or without a
//! successful sync since the soak began (0), wrong in-game contacts (0), propagations lost (0),
//! a contact written twice (0), and writes against the fewest that deliver the changes (one
//! per change and character).
//!
//! ```sh
//! cargo run --release -p jumpgate --example bench_outage_soak -- \
//!     [--backend sqlite|postgres] [--characters 2000] [--standings 200] [--speed 10] \
//!     [--outage-minutes 15] [--flaky-minutes 15] [--fault-rate 0.1] [--latency-ms 20]
//! ```
//!
//! Results and the commands that produced them live in `docs/benchmarks.md`.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

mod bench_support;

use bench_support::BackendArg;

use anyhow::{Context, bail, ensure};
use bench_support::enrolled::Enrolled;
use bench_support::outage::{Plan, Soak};
use clap::Parser;
use jumpgate::config::StandingsSection;
use jumpgate_app::jobs::WorkerSettings;
use jumpgate_domain::clock::{Clock, ScaledClock};
use jumpgate_evesim::{EveSim, SimConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

#[derive(Debug, Parser)]
#[command(about = "Outage soak: an ESI outage then random 5xx, against Jumpgate's promises")]
struct Args {
    /// The store: an SQLite file in a temporary directory, or a fresh schema in the PostgreSQL
    /// of JUMPGATE_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// Enrolled characters.
    #[arg(long, default_value_t = 2_000)]
    characters: usize,
    /// Entries in the standings database.
    #[arg(long, default_value_t = 200)]
    standings: usize,
    /// How many times as fast as the wall clock Jumpgate and the simulator run.
    #[arg(long, default_value_t = 10.0)]
    speed: f64,
    #[arg(long, default_value_t = 15)]
    outage_minutes: u64,
    #[arg(long, default_value_t = 15)]
    flaky_minutes: u64,
    /// Share of ESI answers that are a random 5xx after the outage.
    #[arg(long, default_value_t = 0.1)]
    fault_rate: f64,
    /// Latency the simulator adds to every ESI and SSO answer (wall time).
    #[arg(long, default_value_t = 20)]
    latency_ms: u64,
    /// Give up on draining the queue after this many wall seconds.
    #[arg(long, default_value_t = 900)]
    drain_timeout_secs: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(args.characters >= 2, "--characters must be at least 2");
    ensure!(
        (0.0..=1.0).contains(&args.fault_rate),
        "--fault-rate is a share, between 0 and 1"
    );
    jumpgate::telemetry::init(false);
    let wall = Instant::now();

    let sim = EveSim::start(
        SimConfig {
            alliances: 20,
            corporations: (args.characters / 25).clamp(10, 400),
            characters: args.characters + args.standings + 50,
            accounts: (args.characters + args.standings + 50) / 3,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await
    .context("the EVE simulator starts")?;
    let clock = Arc::new(ScaledClock::new(time_now(), args.speed));
    sim.set_time(clock.now(), clock.speed());

    let dir = tempfile::tempdir()?;
    let (database, pg) = bench_support::database(args.backend).await;
    let mut settings = bench_support::settings(
        &sim,
        dir.path(),
        database,
        "127.0.0.1:0".parse()?,
        Url::parse("http://127.0.0.1:1/")?,
    )?;
    let soak_length = Duration::from_secs(60 * (args.outage_minutes + args.flaky_minutes));
    settings.standings = StandingsSection {
        label_name: "Blue".to_owned(),
        sync_interval: soak_length,
        ..StandingsSection::default()
    };
    settings.jobs.token_check_interval = Duration::from_secs(600);
    settings.jobs.affiliation_interval = Duration::from_secs(600);
    settings.jobs.lease = lease_for(args.speed);
    settings.validate()?;
    let store = jumpgate::wiring::connect_store_with_clock(&settings, clock.clone()).await?;
    let app = jumpgate::wiring::build_app(&settings, store.clone()).await?;

    let mut world = Enrolled::pick(&sim, args.characters, args.standings)?;
    world
        .seed(&app, &store, &sim, bench_support::CLIENT_ID)
        .await?;
    sim.set_latency(Duration::from_millis(args.latency_ms));
    println!(
        "backend={:?} characters={} standings={} speed={}x latency_ms={} sync_concurrency={} \
         jobs_concurrency={} lease={:?} (seeded in {:.1} s)",
        args.backend,
        world.characters.len(),
        world.entries.len(),
        args.speed,
        args.latency_ms,
        app.settings().standings.sync_concurrency,
        settings.jobs.concurrency,
        settings.jobs.lease,
        wall.elapsed().as_secs_f64()
    );

    let report = Soak {
        app: &app,
        store: &store,
        sim: &sim,
        clock: &clock,
        world: &mut world,
        worker: WorkerSettings {
            poll_interval: poll_for(args.speed),
            ..jumpgate::server::worker_settings(&settings, &app)
        },
    }
    .run(&Plan {
        outage: Duration::from_secs(60 * args.outage_minutes),
        flaky: Duration::from_secs(60 * args.flaky_minutes),
        fault_rate: args.fault_rate,
        drain_timeout: Duration::from_secs(args.drain_timeout_secs),
    })
    .await?;
    report.print();
    if let Some(pg) = pg {
        pg.close().await;
    }
    println!("total wall time {:.1} s", wall.elapsed().as_secs_f64());
    let misses = report.misses();
    if !misses.is_empty() {
        bail!("the soak broke a promise:\n  - {}", misses.join("\n  - "));
    }
    println!("every promise kept");
    Ok(())
}

/// The wall clock's "now", where the fast clock starts.
fn time_now() -> time::OffsetDateTime {
    jumpgate_domain::clock::SystemClock.now()
}

/// `[jobs] lease` for a clock `speed` times as fast: the worker extends its leases by the wall
/// clock (a third of the lease apart) while the database judges them by Jumpgate's, so at 10×
/// no extension would come in time; a lease of a wall minute outlasts every job of the soak.
fn lease_for(speed: f64) -> Duration {
    Duration::from_secs(60).mul_f64(speed.max(1.0))
}

/// The worker's poll for due jobs (by the wall clock): `serve`'s 2 s of Jumpgate's time.
fn poll_for(speed: f64) -> Duration {
    Duration::from_secs(2).div_f64(speed.max(1.0))
}
