//! Benchmark fixture for every signed-in page, in Alliance Auth's benchmark shape: 2,000 accounts
//! of 3 characters in 50 corporations of 5 alliances, 1,000 standings, 200 pending standing
//! requests and 600 characters enrolled in contact sync; and issue 11's 200 groups (50 given by
//! rules).
//!
//! The simulated EVE runs in this process with exactly that universe; the database (SQLite in
//! `--data-dir`, or a fresh PostgreSQL schema) is seeded straight through the store as the
//! affiliation sweep and members' logins would leave it, and a configuration for `jumpgate serve`
//! is written beside it. The measured server is then a real `jumpgate serve` process of its own
//! (`scripts/bench/pages.sh` starts it under `/usr/bin/time -v` for its peak memory): this
//! process waits for it, logs an administrator in through EVE's login as a person would, checks
//! every page once, prints the pages and the session cookie for `wrk`, and keeps the simulated
//! EVE up until it is told to stop.
//!
//! ```sh
//! cargo run --release -p jumpgate --example bench_pages -- --data-dir /tmp/bench [--backend sqlite|postgres] [--port 8090]
//! ```
//!
//! Results and the commands that produced them live in `docs/benchmarks.md`.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

mod bench_support;

use bench_support::BackendArg;

use anyhow::{Context, ensure};
use clap::Parser;
use jumpgate_domain::standings::{Entity, EntityKind, Standing};
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use jumpgate_evesim::{EveSim, SimCharacter, SimConfig};
use jumpgate_store::{AllianceInfo, CorporationInfo, NewStandingRequest, NewStandingsEntry, Store};
use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// Alliance Auth's benchmark shape.
const ACCOUNTS: usize = 2_000;
const CHARACTERS: usize = 6_000;
const CORPORATIONS: usize = 50;
const ALLIANCES: usize = 5;
const STANDINGS: usize = 1_000;
const PENDING: usize = 200;
const ENROLLED: usize = 600;

/// Every page a signed-in person (here an administrator) works with, and text that shows it
/// rendered what it should.
const PAGES: &[(&str, &str)] = &[
    ("/account", "Your account"),
    ("/standings", "Standings"),
    ("/standings/sync", "Contact sync"),
    ("/standings/queue", "request-"),
    ("/standings/entries", "1–100 of 1000"),
    ("/standings/sync/admin", "1–200 of 600"),
    ("/admin/users", "Users"),
    ("/admin/characters?q=a", "Characters"),
    ("/admin/jobs", "Jobs"),
    ("/admin/states", "States"),
    ("/admin/audit", "Audit log"),
    ("/groups", "Your groups"),
    ("/groups/2", "Members ("),
    ("/admin/groups", "Group 199"),
    ("/roles", "Roles you appoint"),
    ("/admin/roles", "What each role carries"),
];

#[derive(Debug, Parser)]
#[command(about = "Seeds the pages benchmark and logs an administrator in")]
struct Args {
    /// Where the database (SQLite), keys and the configuration for `jumpgate serve` go. Must be
    /// empty or absent.
    #[arg(long)]
    data_dir: PathBuf,
    /// The store: SQLite in --data-dir, or a fresh schema in the PostgreSQL of
    /// JUMPGATE_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// The port `jumpgate serve` will listen on.
    #[arg(long, default_value_t = 8090)]
    port: u16,
    /// Stop after this many seconds (0: at Ctrl+C / SIGTERM).
    #[arg(long, default_value_t = 0)]
    serve_for: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    jumpgate::telemetry::init(false);
    ensure!(
        !args.data_dir.exists() || std::fs::read_dir(&args.data_dir)?.next().is_none(),
        "--data-dir {} must be empty",
        args.data_dir.display()
    );
    std::fs::create_dir_all(&args.data_dir)?;
    let data_dir = std::fs::canonicalize(&args.data_dir)?;

    let sim = EveSim::start(
        SimConfig {
            alliances: ALLIANCES,
            corporations: CORPORATIONS,
            characters: CHARACTERS,
            accounts: ACCOUNTS,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await
    .context("the EVE simulator starts")?;
    let base = Url::parse(&format!("http://127.0.0.1:{}/", args.port))?;

    let pg = bench_support::fresh_schema(args.backend).await;
    let database_url = match &pg {
        Some(pg) => pg.url.clone(),
        None => format!("sqlite://{}", data_dir.join("jumpgate.db").display()),
    };
    let config = data_dir.join("bench.toml");
    std::fs::write(
        &config,
        configuration(&data_dir, &database_url, &base, &sim),
    )?;
    let settings = jumpgate::config::Settings::load(Some(&config))?;
    sim.register_client(
        bench_support::CLIENT_ID,
        bench_support::CLIENT_SECRET,
        settings.callback_url().as_str(),
    );

    let started = Instant::now();
    let (admin, api) = {
        let store = jumpgate::wiring::connect_store(&settings).await?;
        let admin = seed(&store, &sim).await?;
        let api = application(&settings, &store, &sim).await?;
        store.close().await;
        (admin, api)
    };
    println!(
        "backend={:?} accounts={ACCOUNTS} characters={CHARACTERS} corporations={CORPORATIONS} \
         alliances={ALLIANCES} standings={STANDINGS} pending={PENDING} enrolled={ENROLLED} \
         (seeded in {:.1} s)",
        args.backend,
        started.elapsed().as_secs_f64()
    );
    println!("JUMPGATE_BENCH_CONFIG={}", config.display());

    // `jumpgate serve --config bench.toml` is started by the caller now.
    wait_until_up(&base).await?;
    let jar = Arc::new(Jar::default());
    let browser = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    bench_support::login(&browser, &sim, &base, admin.character_id).await?;
    let cookie = jar
        .cookies(&base)
        .context("no session cookie after the login")?
        .to_str()?
        .to_owned();
    for (path, shows) in PAGES {
        check_page(&browser, &base.join(path)?, shows).await?;
    }
    println!("checked: every page answers 200 with its content");
    let drained = Instant::now();
    let jobs = wait_until_quiet(&browser, &base).await?;
    println!(
        "the server's own work is done ({jobs}) after {:.1} s: measuring a quiet server",
        drained.elapsed().as_secs_f64()
    );
    for (path, _) in PAGES {
        println!("JUMPGATE_BENCH_PAGE={}", base.join(path)?);
    }
    println!("JUMPGATE_BENCH_COOKIE={cookie}");
    check_application(&base, &api).await?;
    println!("JUMPGATE_BENCH_APP_AUTH={}", api.authorization);
    println!(
        "JUMPGATE_BENCH_APP_CHARACTERS={}",
        api.characters
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    println!("JUMPGATE_BENCH_READY");

    bench_support::stop_signal(args.serve_for).await;
    if let Some(pg) = pg {
        pg.close().await;
    }
    Ok(())
}

/// The application the API benchmark calls as: every group, `app-groups`, and the characters
/// (500, in every corporation) it asks about.
struct BenchApplication {
    authorization: String,
    characters: Vec<i64>,
}

/// Made as an operator would, through the command line's use cases.
async fn application(
    settings: &jumpgate::config::Settings,
    store: &Arc<Store>,
    sim: &EveSim,
) -> anyhow::Result<BenchApplication> {
    use base64::Engine;
    let app = jumpgate::wiring::build_app(settings, store.clone()).await?;
    let cli = jumpgate_app::Caller::cli("bench");
    let id = app.create_app(&cli, "Pingboard").await?;
    let groups: Vec<String> = store
        .groups()
        .await?
        .iter()
        .map(|g| g.id.to_string())
        .collect();
    app.grant_app(
        &cli,
        id,
        &jumpgate_app::apps::AppGrant {
            // Its groups, and accounts and their characters (`app-chars`).
            roles: vec![
                jumpgate_domain::apps::AppRole::Groups,
                jumpgate_domain::apps::AppRole::Chars,
            ],
            groups,
            eve_logins: vec![],
        },
    )
    .await?;
    let secret = app.make_app_secret(&cli, id).await?;
    let characters = sim
        .characters()
        .iter()
        .step_by(CHARACTERS / 500)
        .take(500)
        .map(|c| c.character_id)
        .collect();
    Ok(BenchApplication {
        authorization: format!(
            "Bearer {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        ),
        characters,
    })
}

/// The application's calls answer before they are measured: one character's groups, and the
/// bulk call for all of them.
async fn check_application(base: &Url, api: &BenchApplication) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let one = client
        .get(base.join(&format!("api/app/v2/groups/{}", api.characters[0]))?)
        .header("Authorization", &api.authorization)
        .send()
        .await?;
    ensure!(
        one.status() == StatusCode::OK,
        "groups of one character: {}",
        one.status()
    );
    let body = format!(
        "[{}]",
        api.characters
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    let bulk = client
        .post(base.join("api/app/v1/groups")?)
        .header("Authorization", &api.authorization)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await?;
    ensure!(
        bulk.status() == StatusCode::OK,
        "bulk groups: {}",
        bulk.status()
    );
    let answered: Vec<serde_json::Value> = bulk.json().await?;
    ensure!(
        answered.len() == api.characters.len(),
        "the bulk call answers every character: {} of {}",
        answered.len(),
        api.characters.len()
    );
    println!("checked: the application API answers one character and 500 at once");
    Ok(())
}

/// `jumpgate serve`'s configuration: the simulated EVE, this database, periodic work at its
/// defaults (the affiliation sweep of 6,000 characters runs as in production).
fn configuration(data_dir: &Path, database_url: &str, base: &Url, sim: &EveSim) -> String {
    format!(
        r#"data_dir = "{data_dir}"

[server]
listen = "127.0.0.1:{port}"
public_url = "{base}"

[database]
url = "{database_url}"

[eve]
client_id = "{client_id}"
client_secret = "{client_secret}"
contact = "bench@jumpgate.invalid"
sso_base_url = "{sso}"
esi_base_url = "{esi}"
image_base_url = "{images}"

[secrets]
token_key = "{token_key}"
audit_key = "{audit_key}"
"#,
        data_dir = data_dir.display(),
        client_id = bench_support::CLIENT_ID,
        client_secret = bench_support::CLIENT_SECRET,
        port = base.port().unwrap_or(8090),
        sso = sim.sso_base_url(),
        esi = sim.esi_base_url(),
        images = sim.image_base_url(),
        token_key = bench_support::TOKEN_KEY,
        audit_key = bench_support::AUDIT_KEY,
    )
}

/// Seeds the fixture; returns the administrator (a superuser whose login is measured).
async fn seed(store: &Arc<Store>, sim: &EveSim) -> anyhow::Result<SimCharacter> {
    let far = store.clock().now() + time::Duration::days(1);
    for c in sim.corporations() {
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
    for a in sim.alliances() {
        store
            .upsert_alliance(&AllianceInfo {
                id: AllianceId(a.alliance_id),
                name: a.name,
                ticker: a.ticker,
                expires_at: far,
            })
            .await?;
    }
    // One account per EVE account, its first character as main.
    let accounts = bench_support::seed_accounts_by_owner(store, sim).await?;
    let (admin_account, admin_characters) = accounts.first().context("no account seeded")?;
    store.set_superuser(*admin_account, true).await?;

    // The standings database: every corporation and alliance, the rest characters.
    let mut entries = Vec::new();
    for c in sim.corporations() {
        entries.push((EntityKind::Corporation, c.corporation_id, c.name));
    }
    for a in sim.alliances() {
        entries.push((EntityKind::Alliance, a.alliance_id, a.name));
    }
    for (_, characters) in accounts.iter().skip(1) {
        for c in characters {
            if entries.len() < STANDINGS {
                entries.push((EntityKind::Character, c.character_id, c.name.clone()));
            }
        }
    }
    let entries: Vec<NewStandingsEntry> = entries
        .into_iter()
        .enumerate()
        .map(|(i, (kind, id, name))| NewStandingsEntry {
            entity: Entity { kind, id },
            name,
            standing: Standing::from_tenths(i16::try_from(i % 201).unwrap_or(0) - 100)
                .unwrap_or(Standing::NEUTRAL),
            notes: String::new(),
            source: "admin".to_owned(),
            added_by: None,
        })
        .collect();
    store.import_standings(&entries).await?;

    // Pending requests from the last accounts (for characters without a standing), and the
    // enrolled characters of the accounts before them.
    for (account, characters) in accounts.iter().rev().take(PENDING) {
        let c = &characters[0];
        store
            .create_request(&NewStandingRequest {
                entity: Entity::character(CharacterId(c.character_id)),
                name: c.name.clone(),
                requester: *account,
            })
            .await?;
    }
    let enrolled = accounts
        .iter()
        .skip(1)
        .flat_map(|(account, characters)| characters.iter().map(move |c| (*account, c)))
        .take(ENROLLED);
    for (account, c) in enrolled {
        store
            .enrol_sync(CharacterId(c.character_id), account)
            .await?;
    }
    // Issue 11's 200 groups (their rules applied by the start's affiliation sweep), the
    // administrator by hand in ten of them.
    let corporations: Vec<i64> = sim
        .corporations()
        .iter()
        .filter(|c| !c.npc)
        .map(|c| c.corporation_id)
        .collect();
    let alliances: Vec<i64> = sim.alliances().iter().map(|a| a.alliance_id).collect();
    let groups = bench_support::groups::seed_groups(store, &corporations, &alliances).await?;
    for group in groups.iter().skip(100).take(10) {
        store
            .add_group_member(&jumpgate_store::NewMembership {
                group: *group,
                account: *admin_account,
                source: jumpgate_domain::groups::MembershipSource::Manual,
                source_ref: None,
                added_by: None,
            })
            .await?;
    }
    // Issue 11's roles: 176 appointed roles over the accounts after the administrator's.
    let holders: Vec<jumpgate_domain::AccountId> =
        accounts.iter().skip(1).map(|(a, _)| *a).collect();
    bench_support::roles::seed_roles(store, &holders).await?;
    Ok(admin_characters[0].clone())
}

async fn wait_until_up(base: &Url) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(r) = client.get(base.join("/healthz")?).send().await
            && r.status() == StatusCode::OK
        {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "jumpgate serve did not answer on {base} within two minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `jumpgate serve` has done the work its start queues (the first affiliation sweep,
/// the contact-sync reconcile of the 600 enrolled characters): nothing runs and the jobs page's
/// counts (queued, failed, finished runs) stay the same for three looks a second apart. Pages
/// measured while that work runs varied by up to 40 % between runs. Returns the counts left.
async fn wait_until_quiet(browser: &reqwest::Client, base: &Url) -> anyhow::Result<String> {
    let deadline = Instant::now() + Duration::from_secs(600);
    let (mut last, mut same) = (String::new(), 0);
    loop {
        let page = browser
            .get(base.join("/admin/jobs")?)
            .send()
            .await?
            .text()
            .await?;
        let counts = ["Queued", "Running", "Failed", "Finished"]
            .iter()
            .map(|tab| {
                let count = page
                    .split_once(&format!(">{tab} <span class=\"count\">"))
                    .and_then(|(_, rest)| rest.split_once('<'))
                    .map(|(n, _)| n.to_owned())
                    .with_context(|| format!("the jobs page shows no count of {tab}"))?;
                Ok(format!("{} {count}", tab.to_lowercase()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?
            .join(", ");
        same = if counts == last && counts.contains("running 0,") {
            same + 1
        } else {
            0
        };
        if same == 3 {
            return Ok(counts);
        }
        ensure!(
            Instant::now() < deadline,
            "the server's own work did not settle within ten minutes ({counts})"
        );
        last = counts;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn check_page(browser: &reqwest::Client, url: &Url, shows: &str) -> anyhow::Result<()> {
    let r = browser.get(url.clone()).send().await?;
    let status = r.status();
    let body = r.text().await?;
    ensure!(status == StatusCode::OK, "{url} answered {status}");
    ensure!(body.contains(shows), "{url} does not show '{shows}'");
    Ok(())
}
