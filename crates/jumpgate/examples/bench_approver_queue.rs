//! Benchmark: the approver queue (`GET /standings/queue`) with 200 pending standing requests.
//!
//! Starts the EVE simulator and Jumpgate's web server in this process (as the black-box tests
//! do), logs an approver in through the simulated SSO, seeds pending requests from distinct
//! member characters straight through the store, checks that the page answers 200 with every
//! row, and then either
//!
//! * prints the exact `wrk` command (with the approver's session cookie) and keeps serving for
//!   `--serve-for` seconds or until Ctrl+C / SIGTERM — the load then comes from another process,
//!   so the server's cores are measured honestly (`scripts/bench/approver-queue.sh` does all of
//!   this in one command); or
//! * with `--in-process`, drives the load itself with N keep-alive connections (the load
//!   generator then shares the server's cores).
//!
//! ```sh
//! cargo run --release -p jumpgate --example bench_approver_queue -- \
//!     [--backend sqlite|postgres] [--connections 16] [--seconds 20] [--pending 200] \
//!     [--in-process] [--serve-for 0]
//! ```
//!
//! Results and the commands that produced them live in `docs/benchmarks.md`.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

mod bench_support;

use bench_support::BackendArg;

use anyhow::{Context, bail, ensure};
use clap::Parser;
use jumpgate::server::{self, Role};
use jumpgate_domain::standings::Entity;
use jumpgate_domain::{AccountId, AllianceId, CorporationId};
use jumpgate_evesim::{EveSim, SimConfig};
use jumpgate_store::{AllianceInfo, CorporationInfo, NewStandingRequest, Store};
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use url::Url;

const QUEUE_PATH: &str = "/standings/queue";

#[derive(Debug, Parser)]
#[command(about = "Benchmark of the approver queue page (GET /standings/queue)")]
struct Args {
    /// The store: an SQLite file in a temporary directory, or a fresh schema in the PostgreSQL
    /// of JUMPGATE_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Length of the measurement.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Pending standing requests to seed, each from a different member character.
    #[arg(long, default_value_t = 200)]
    pending: usize,
    /// Generate the load in this process (reqwest) instead of printing a `wrk` command.
    #[arg(long)]
    in_process: bool,
    /// Without --in-process: serve this many seconds, then stop (0: until Ctrl+C / SIGTERM).
    #[arg(long, default_value_t = 0)]
    serve_for: u64,
    /// The web server's port (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Database pool size (`database.max_connections`; the production default is 10).
    #[arg(long)]
    db_connections: Option<u32>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    ensure!(args.connections > 0, "--connections must be at least 1");
    ensure!(args.seconds > 0, "--seconds must be at least 1");
    jumpgate::telemetry::init(false);

    let sim = EveSim::start(SimConfig::default(), "127.0.0.1:0".parse()?)
        .await
        .context("the EVE simulator starts")?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .context("bind the web server")?;
    let addr = listener.local_addr()?;
    let base = Url::parse(&format!("http://{addr}/"))?;
    let dir = tempfile::tempdir()?;

    // PostgreSQL: a fresh schema, dropped again at the end. SQLite: the default file in the
    // temporary data directory. Either way the server's store is opened as `serve` opens it.
    let (mut database, pg) = bench_support::database(args.backend).await;
    if let Some(n) = args.db_connections {
        database.max_connections = Some(n);
    }
    let mut settings = bench_support::settings(&sim, dir.path(), database, addr, base.clone())?;
    // Demo mode: the first login becomes superuser, so it may approve.
    settings.demo = true;
    let store = jumpgate::wiring::connect_store(&settings).await?;
    let app = jumpgate::wiring::build_app(&settings, store.clone()).await?;
    let (stop, stopped) = watch::channel(false);
    server::start(&settings, &app, Role::WebOnly, Some(listener), stopped).await?;

    // The approver: the first character of the universe, logged in over HTTP.
    let characters: Vec<_> = sim
        .characters()
        .into_iter()
        .filter(|c| !c.biomassed)
        .collect();
    ensure!(
        characters.len() > args.pending,
        "the simulated universe has only {} characters; --pending must be smaller",
        characters.len()
    );
    let approver = &characters[0];
    let jar = Arc::new(Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    bench_support::login(&browser, &sim, &base, approver.character_id).await?;
    let cookie = jar
        .cookies(&base)
        .context("no session cookie after the login")?
        .to_str()?
        .to_owned();

    // The members and their requests, straight through the store (as the affiliation sweep
    // would leave them, with their corporations' and alliances' names known).
    let members = &characters[1..=args.pending];
    seed(&store, &sim, members).await?;

    let url = base.join(QUEUE_PATH)?;
    check_page(&browser, &url, args.pending)
        .await
        .context("the queue page before the load")?;
    println!(
        "backend={:?} pending={} connections={} seconds={} (checked: 200 OK with {} rows)",
        args.backend, args.pending, args.connections, args.seconds, args.pending
    );

    if args.in_process {
        let report = load(&url, &cookie, args.connections, args.seconds).await?;
        report.print();
        check_page(&browser, &url, args.pending)
            .await
            .context("the queue page after the load")?;
        if report.errors > 0 {
            bail!("{} request(s) failed during the load", report.errors);
        }
    } else {
        let threads = args.connections.min(2);
        println!("JUMPGATE_BENCH_URL={url}");
        println!("JUMPGATE_BENCH_COOKIE={cookie}");
        println!(
            "JUMPGATE_BENCH_WRK=wrk -t{threads} -c{} -d{}s --latency -H 'Cookie: {cookie}' {url}",
            args.connections, args.seconds
        );
        println!("JUMPGATE_BENCH_READY");
        bench_support::stop_signal(args.serve_for).await;
        check_page(&browser, &url, args.pending)
            .await
            .context("the queue page after the load")?;
        println!("after the load: 200 OK with {} rows", args.pending);
    }

    let _ = stop.send(true);
    if let Some(pg) = pg {
        pg.close().await;
    }
    Ok(())
}

async fn seed(
    store: &Arc<Store>,
    sim: &EveSim,
    members: &[jumpgate_evesim::SimCharacter],
) -> anyhow::Result<()> {
    let far = store.clock().now() + time::Duration::days(1);
    let corps: BTreeSet<i64> = members.iter().map(|c| c.corporation_id).collect();
    for c in sim
        .corporations()
        .into_iter()
        .filter(|c| corps.contains(&c.corporation_id))
    {
        store
            .upsert_corporation(&CorporationInfo {
                id: CorporationId(c.corporation_id),
                name: c.name,
                ticker: c.ticker,
                alliance: c.alliance_id.map(AllianceId),
                member_count: Some(c.member_count),
                ceo: None,
                expires_at: far,
            })
            .await?;
    }
    let alliances: BTreeSet<i64> = members.iter().filter_map(|c| c.alliance_id).collect();
    for a in sim
        .alliances()
        .into_iter()
        .filter(|a| alliances.contains(&a.alliance_id))
    {
        store
            .upsert_alliance(&AllianceInfo {
                id: AllianceId(a.alliance_id),
                name: a.name,
                ticker: a.ticker,
                expires_at: far,
            })
            .await?;
    }
    for c in members {
        let (account, character) = store
            .create_account(&bench_support::enrolled::new_character(c))
            .await?;
        let requester: AccountId = account.id;
        store
            .create_request(&NewStandingRequest {
                entity: Entity::character(character.id),
                name: character.name.clone(),
                requester,
            })
            .await?;
    }
    Ok(())
}

/// One GET of the queue: 200, and one table row per pending request.
async fn check_page(browser: &reqwest::Client, url: &Url, pending: usize) -> anyhow::Result<()> {
    let r = browser.get(url.clone()).send().await?;
    let status = r.status();
    let body = r.text().await?;
    ensure!(status == StatusCode::OK, "{url} answered {status}");
    let rows = body.matches("<tr id=\"request-").count();
    ensure!(
        rows == pending,
        "{url} shows {rows} request rows, expected {pending}"
    );
    Ok(())
}

struct Report {
    ok: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    bytes: u64,
}

impl Report {
    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        // Nearest rank.
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }

    fn print(&self) {
        let total = self.ok + self.errors;
        let secs = self.elapsed.as_secs_f64();
        println!(
            "requests: {total} in {secs:.1} s = {:.1} requests/s; errors (non-200 or wrong body): {}",
            total as f64 / secs,
            self.errors
        );
        println!(
            "latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {:.1} KiB per page",
            ms(self.percentile(50.0)),
            ms(self.percentile(90.0)),
            ms(self.percentile(99.0)),
            ms(self.latencies.last().copied().unwrap_or_default()),
            self.bytes as f64 / total.max(1) as f64 / 1024.0
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `connections` tasks, each with its own client (one keep-alive connection), requesting the
/// page back to back for `seconds`.
async fn load(url: &Url, cookie: &str, connections: usize, seconds: u64) -> anyhow::Result<Report> {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let url = url.clone();
        let cookie = cookie.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut ok, mut errors, mut bytes) = (0usize, 0usize, 0u64);
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = client
                    .get(url.clone())
                    .header("cookie", &cookie)
                    .send()
                    .await;
                let good = match r {
                    Ok(r) if r.status() == StatusCode::OK => match r.bytes().await {
                        Ok(b) => {
                            bytes += b.len() as u64;
                            true
                        }
                        Err(_) => false,
                    },
                    _ => false,
                };
                latencies.push(t.elapsed());
                if good { ok += 1 } else { errors += 1 }
            }
            (latencies, ok, errors, bytes)
        }));
    }
    let mut report = Report {
        ok: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        bytes: 0,
    };
    for t in tasks {
        let (l, ok, errors, bytes) = t.await?;
        report.latencies.extend(l);
        report.ok += ok;
        report.errors += errors;
        report.bytes += bytes;
    }
    report.elapsed = started.elapsed();
    report.latencies.sort_unstable();
    Ok(report)
}
