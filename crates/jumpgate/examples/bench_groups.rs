//! Benchmark: the groups' rules over 10,000 accounts × 3 characters with 200 groups, 50 of
//! them given by rules (30 by corporation, 19 by alliance, one default group; ten plain groups
//! require the default group and five forbid another). Issue 11's targets: a full pass (every
//! account's state and rule-given groups) under 10 s, and an affiliation change reaching the
//! account's groups within 1 s of the sweep that saw it (the per-account recompute the sweep
//! runs after each batch).
//!
//! Starts the EVE simulator with that many characters, seeds the accounts straight through the
//! store (one per EVE account), creates the groups, then measures `jumpgate groups recompute`'s
//! use case: the first full pass (every membership is new), a second (nothing changes), and
//! one account after one of its characters moved into a corporation that gives a group.
//!
//! ```sh
//! cargo run --release -p jumpgate --example bench_groups -- [--backend sqlite|postgres] \
//!     [--accounts 10000]
//! ```
//!
//! Results and the commands that produced them live in `docs/benchmarks.md`.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

mod bench_support;

use bench_support::BackendArg;

use anyhow::{Context, ensure};
use clap::Parser;
use jumpgate_app::Caller;
use jumpgate_domain::states::Affiliation;
use jumpgate_domain::{CharacterId, CorporationId};
use jumpgate_evesim::{EveSim, SimConfig};
use std::time::Instant;
use url::Url;

#[derive(Debug, Parser)]
#[command(about = "Benchmark of the groups' rules")]
struct Args {
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    #[arg(long, default_value_t = 10_000)]
    accounts: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    jumpgate::telemetry::init(false);
    let sim = EveSim::start(
        SimConfig {
            alliances: 20,
            corporations: 400,
            characters: args.accounts * 3,
            accounts: args.accounts,
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

    let seeding = Instant::now();
    let accounts = bench_support::seed_accounts_by_owner(&store, &sim).await?;
    let corporations: Vec<i64> = sim
        .corporations()
        .into_iter()
        .filter(|c| !c.npc)
        .map(|c| c.corporation_id)
        .collect();
    let alliances: Vec<i64> = sim.alliances().iter().map(|a| a.alliance_id).collect();
    ensure!(
        corporations.len() >= 31 && alliances.len() >= 19,
        "too small a universe"
    );

    bench_support::groups::seed_groups(&store, &corporations, &alliances).await?;
    println!(
        "backend={:?} accounts={} characters={} groups=200 (50 by rules) (seeded in {:.1} s)",
        args.backend,
        accounts.len(),
        args.accounts * 3,
        seeding.elapsed().as_secs_f64()
    );

    let cli = Caller::cli("groups recompute");
    for pass in [
        "first full pass (every membership new)",
        "second full pass (no change)",
    ] {
        let started = Instant::now();
        let done = app.recompute_groups(&cli, None).await?;
        println!(
            "{pass}: {:.2} s; {} accounts changed state, {} joined or left a group",
            started.elapsed().as_secs_f64(),
            done.changed,
            done.groups_changed
        );
    }

    // One account's character moves into the first rule's corporation: what the sweep does for
    // it after reading the new affiliation.
    let (account, characters) = accounts
        .iter()
        .find(|(_, cs)| cs.iter().all(|c| c.corporation_id != corporations[1]))
        .context("an account outside the first corporation")?;
    let (account, character) = (*account, characters[0].character_id);
    store
        .update_affiliations(
            &[Affiliation {
                character: CharacterId(character),
                corporation: CorporationId(corporations[1]),
                alliance: None,
                faction: None,
            }],
            app.now(),
        )
        .await?;
    let started = Instant::now();
    let done = app.recompute_groups(&cli, Some(account)).await?;
    let took = started.elapsed();
    println!(
        "one account after its character moved: {:.1} ms; {} joined or left a group",
        took.as_secs_f64() * 1000.0,
        done.groups_changed
    );
    ensure!(
        done.groups_changed == 1,
        "the move gave the corporation's group"
    );
    if let Some(pg) = pg {
        pg.close().await;
    }
    Ok(())
}
