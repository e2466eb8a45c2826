//! `jumpgate demo`: the whole product offline. The EVE simulator stands in for CCP's servers,
//! Jumpgate runs against it exactly as it would against EVE (only the base URLs differ).

use crate::cli::DemoArgs;
use crate::config::{
    AccountSettings, COMPATIBILITY_DATE, DatabaseSettings, EveSettings, JobSettings, MailSettings,
    SecretSettings, ServerSettings, Settings, StandingsSection,
};
use crate::{server, wiring};
use anyhow::Context;
use jumpgate_evesim::{EveSim, SimConfig};
use secrecy::SecretString;
use tokio::sync::watch;

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    refuse_a_public_address(&args)?;
    claim_data_dir(&args.data_dir)?;
    let sim = EveSim::start(
        SimConfig {
            seed: args.seed,
            ..SimConfig::default()
        },
        args.sim_listen,
    )
    .await
    .with_context(|| format!("cannot start the EVE simulator on {}", args.sim_listen))?;
    let public_url = url::Url::parse(&format!("http://{}/", args.listen))?;
    let settings = demo_settings(&args, &sim, public_url.clone());
    sim.register_client(
        &settings.eve.client_id,
        secrecy::ExposeSecret::expose_secret(&settings.eve.client_secret),
        settings.callback_url().as_str(),
    );
    reset_demo_database(&args)?;
    let store = wiring::connect_store(&settings).await?;
    seed_demo_states(store.as_ref(), &sim).await?;
    seed_demo_standings(store.as_ref(), &sim).await?;
    let app = wiring::build_app(&settings, store).await?;
    let (stop, stopped) = watch::channel(false);
    let running =
        server::start(&settings, &app, server::Role::WebAndWorkers, None, stopped).await?;
    print_welcome(
        &public_url,
        &sim,
        &MailSettings::mail_dir(&settings.data_dir),
    );
    server::shutdown_signal().await;
    let _ = stop.send(true);
    running.wait().await;
    Ok(())
}

/// In the demo anyone who reaches the page logs in as any simulated character and the first
/// login becomes superuser: it stays on this machine unless `--public` says otherwise.
fn refuse_a_public_address(args: &DemoArgs) -> anyhow::Result<()> {
    for (what, addr) in [("--listen", args.listen), ("--sim-listen", args.sim_listen)] {
        if !addr.ip().is_loopback() && !args.public {
            anyhow::bail!(
                "{what} {addr} is reachable from other machines, and in the demo anyone who \
                 opens it can log in as any simulated character (the first becomes superuser): \
                 use a 127.0.0.1 address, or add --public if that is what you want"
            );
        }
    }
    Ok(())
}

/// The file that marks a data directory as the demo's own.
const DEMO_MARKER: &str = ".jumpgate-demo";

/// The demo resets its database at every start, so it only uses a data directory that is empty
/// or that it made itself (marked with [`DEMO_MARKER`]): pointed at a real installation's
/// directory by mistake, it refuses instead of deleting that database.
fn claim_data_dir(dir: &std::path::Path) -> anyhow::Result<()> {
    if dir.join(DEMO_MARKER).exists() {
        return Ok(());
    }
    let installation = ["jumpgate.db", "keys.json"]
        .into_iter()
        .find(|f| dir.join(f).exists());
    if let Some(found) = installation {
        anyhow::bail!(
            "{} holds {found} but was not made by the demo, which deletes its database at every \
             start: it is left as it is. Pass another --data-dir, or, if it is an earlier \
             demo's, delete it ({})",
            dir.display(),
            dir.display()
        );
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the demo's directory {}", dir.display()))?;
    std::fs::write(
        dir.join(DEMO_MARKER),
        "This directory belongs to `jumpgate demo`, which resets its database at every start.\n",
    )
    .with_context(|| format!("cannot mark {} as the demo's", dir.display()))?;
    Ok(())
}

/// The simulator forgets every token when it stops, so tokens kept from an earlier demo would
/// all be dead: start from an empty database each time.
fn reset_demo_database(args: &DemoArgs) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.data_dir)?;
    // The audit anchor names the old database's newest entry: kept, it would report the new,
    // empty log as cut off.
    let files = ["", "-wal", "-shm"]
        .map(|suffix| format!("jumpgate.db{suffix}"))
        .into_iter()
        .chain([jumpgate_app::audit::anchor::ANCHOR_FILE.to_owned()]);
    for file in files {
        let path = args.data_dir.join(file);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot reset the demo database {}", path.display()))?;
        }
    }
    Ok(())
}

/// Members are the simulated universe's first alliance, blues its second: so the demo shows
/// states changing when the simulator moves characters around.
async fn seed_demo_states(store: &jumpgate_store::Store, sim: &EveSim) -> anyhow::Result<()> {
    let alliances = sim.alliances();
    for mut state in store.states().await? {
        let alliance = match state.name.as_str() {
            "Member" => alliances.first(),
            "Blue" => alliances.get(1),
            _ => None,
        };
        if let Some(a) = alliance {
            state
                .criteria
                .alliances
                .insert(jumpgate_domain::AllianceId(a.alliance_id));
            if state.name == "Member" {
                state
                    .permissions
                    .insert(jumpgate_domain::permissions::Permission::STANDINGS_REQUEST.to_owned());
            }
            store.save_state(&state).await?;
        }
    }
    Ok(())
}

/// A few standings so the standings pages show something: the first alliance +10, the second +5.
async fn seed_demo_standings(store: &jumpgate_store::Store, sim: &EveSim) -> anyhow::Result<()> {
    use jumpgate_domain::standings::{Entity, Standing};
    let alliances = sim.alliances();
    for (a, tenths) in alliances.iter().zip([100i16, 50]) {
        store
            .upsert_standing(&jumpgate_store::NewStandingsEntry {
                entity: Entity::alliance(jumpgate_domain::AllianceId(a.alliance_id)),
                name: a.name.clone(),
                standing: Standing::from_tenths(tenths)?,
                notes: "seeded by the demo".to_owned(),
                source: "admin".to_owned(),
                added_by: None,
            })
            .await?;
    }
    Ok(())
}

fn demo_settings(args: &DemoArgs, sim: &EveSim, public_url: url::Url) -> Settings {
    let secret: [u8; 16] = rand::random();
    Settings {
        data_dir: args.data_dir.clone(),
        server: ServerSettings {
            listen: args.listen,
            public_url,
            // The demo speaks plain HTTP; `--public` accepted that (refuse_a_public_address).
            insecure_http: args.public,
            ..ServerSettings::default()
        },
        database: DatabaseSettings {
            url: None,
            max_connections: Some(5),
        },
        eve: EveSettings {
            client_id: "jumpgate-demo".into(),
            client_secret: SecretString::from(
                secret
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>(),
            ),
            callback_url: None,
            contact: "demo@jumpgate.invalid".into(),
            sso_base_url: sim.sso_base_url(),
            esi_base_url: sim.esi_base_url(),
            image_base_url: sim.image_base_url(),
            compatibility_date: COMPATIBILITY_DATE.into(),
            sso_timeout: jumpgate_eve::DEFAULT_SSO_TIMEOUT,
        },
        accounts: AccountSettings::default(),
        jobs: JobSettings {
            affiliation_interval: std::time::Duration::from_secs(120),
            ..JobSettings::default()
        },
        secrets: SecretSettings::default(),
        audit: Default::default(),
        deactivation: Default::default(),
        apps: Default::default(),
        mail: MailSettings::default(),
        standings: StandingsSection {
            // Every simulated character already has a contact label named "Blue" (ESI cannot
            // create labels; real members create Jumpgate's label in game once).
            label_name: "Blue".to_owned(),
            validation_interval: std::time::Duration::from_secs(5 * 60),
            sync_interval: std::time::Duration::from_secs(10 * 60),
            ..StandingsSection::default()
        },
        sessions: crate::config::SessionSettings::default(),
        demo: true,
    }
}

#[allow(clippy::print_stdout)]
fn print_welcome(public_url: &url::Url, sim: &EveSim, mail_dir: &std::path::Path) {
    println!();
    println!("  Jumpgate demo is running.");
    println!();
    println!("  Jumpgate:        {public_url}");
    println!("  EVE simulator:   {} (SSO and ESI)", sim.base_url());
    println!();
    println!(
        "  Open {public_url} and click \"Log in with EVE Online\". On the simulated EVE login"
    );
    println!("  page pick any character and authorize. The first character to log in becomes");
    println!("  superuser. Add alts with \"Add a character\". Press Ctrl+C to stop.");
    println!();
    println!("  Standings: members of the first simulated alliance may request standings under");
    println!("  \"Standings\"; the superuser approves them under \"Approvals\". Under Standings →");
    println!("  contact sync, enrol a character: its in-game contacts (label \"Blue\") follow the");
    println!(
        "  approved standings; watch them at {}_sim/contacts/<character id>.",
        sim.base_url()
    );
    println!(
        "  Mails (email verification links) are written to {} as .eml files.",
        mail_dir.display()
    );
    println!();
}
