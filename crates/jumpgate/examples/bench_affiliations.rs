//! Benchmark: the affiliation sweep (the periodic job `refresh-affiliations`) over 100,000
//! characters: ESI's `POST /characters/affiliation/` takes 1,000 ids, so the sweep must make
//! exactly 100 calls, then recompute every account's state and read the names of corporations
//! and alliances whose cache expired.
//!
//! Starts the EVE simulator with that many characters (three per EVE account) and a Jumpgate
//! `App` in this process, seeds every character straight through the store, then runs the sweep
//! twice: the first reads every corporation's and alliance's name (none is known yet), the second
//! only the affiliations. ESI calls are counted from the simulator's request log.
//!
//! ```sh
//! cargo run --release -p jumpgate --example bench_affiliations -- \
//!     [--backend sqlite|postgres] [--characters 100000] [--latency-ms 0]
//! ```
//!
//! Results and the commands that produced them live in `docs/benchmarks.md`.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

mod bench_support;

use bench_support::BackendArg;

use anyhow::{Context, ensure};
use clap::Parser;
use jumpgate_app::Caller;
use jumpgate_evesim::{EveSim, SimConfig};
use std::time::{Duration, Instant};
use url::Url;

#[derive(Debug, Parser)]
#[command(about = "Benchmark of the affiliation sweep")]
struct Args {
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    #[arg(long, default_value_t = 100_000)]
    characters: usize,
    /// ESI's answer time in the simulator.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    jumpgate::telemetry::init(false);
    let sim = EveSim::start(
        SimConfig {
            alliances: 20,
            corporations: 400,
            characters: args.characters,
            accounts: args.characters.div_ceil(3),
            latency: Duration::from_millis(args.latency_ms),
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await
    .context("the EVE simulator starts")?;
    let dir = tempfile::tempdir()?;
    let (database, pg) = bench_support::database(args.backend).await;
    let settings = bench_support::settings(
        &sim,
        dir.path(),
        database,
        "127.0.0.1:0".parse()?,
        Url::parse("http://127.0.0.1:1/")?,
    )?;
    let store = jumpgate::wiring::connect_store(&settings).await?;
    let app = jumpgate::wiring::build_app(&settings, store.clone()).await?;

    // One account per EVE account, as their logins would have left them.
    let seeding = Instant::now();
    let accounts = bench_support::seed_accounts_by_owner(&store, &sim)
        .await?
        .len();
    println!(
        "backend={:?} characters={} accounts={accounts} latency_ms={} (seeded in {:.1} s)",
        args.backend,
        args.characters,
        args.latency_ms,
        seeding.elapsed().as_secs_f64()
    );

    let caller = Caller::system("refresh-affiliations");
    for sweep in ["first sweep (no names known)", "second sweep"] {
        let before = sim.requests().len();
        let started = Instant::now();
        let summary = app.refresh_affiliations(&caller).await?;
        let took = started.elapsed();
        let calls = &sim.requests()[before..];
        let count = |prefix: &str| {
            calls
                .iter()
                .filter(|r| r.path.trim_end_matches('/').ends_with(prefix))
                .count()
        };
        let affiliation = count("/characters/affiliation");
        let names = calls
            .iter()
            .filter(|r| r.path.contains("/corporations/") || r.path.contains("/alliances/"))
            .count();
        println!(
            "{sweep}: {:.2} s; ESI: {affiliation} affiliation calls, {names} name reads, {} calls in all; \
             {} characters, {} changed, {} biomassed",
            took.as_secs_f64(),
            calls.len(),
            summary.characters,
            summary.changed,
            summary.biomassed,
        );
        ensure!(
            affiliation == summary.characters.div_ceil(1000),
            "{affiliation} affiliation calls for {} characters",
            summary.characters
        );
    }
    if let Some(pg) = pg {
        pg.close().await;
    }
    Ok(())
}
