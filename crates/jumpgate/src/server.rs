//! `serve` and `worker`: the web server and the background workers, with graceful shutdown.

use crate::config::Settings;
use crate::wiring;
use anyhow::Context;
use jumpgate_app::App;
use jumpgate_app::jobs::periodic;
use jumpgate_app::jobs::{self, WorkerSettings};
use jumpgate_web::WebConfig;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    WebAndWorkers,
    WorkersOnly,
    /// The web server alone (tests drive jobs themselves; operators may scale web separately).
    WebOnly,
}

pub async fn serve(settings: Settings, role: Role) -> anyhow::Result<()> {
    let store = wiring::connect_store(&settings).await?;
    let app = wiring::build_app(&settings, store.clone()).await?;
    let (stop, stopped) = watch::channel(false);
    let running = start(&settings, &app, role, None, stopped.clone()).await?;
    let returner = tokio::spawn(give_memory_back(store, stopped.clone()));
    // On SQLite this process holds the database: admin commands come to it (ADR 0020).
    let admin = settings.database_url().starts_with("sqlite:").then(|| {
        let socket = crate::admin_socket::socket_path(&settings);
        tokio::spawn(async move {
            if let Err(e) = crate::admin_socket::serve(app, socket, stopped).await {
                tracing::warn!(error = %e, "admin commands cannot reach this process (jumpgate admin … must wait until it stops)");
            }
        })
    });
    shutdown_signal().await;
    tracing::info!("shutting down: finishing running jobs");
    let _ = stop.send(true);
    running.wait().await;
    let _ = returner.await;
    if let Some(admin) = admin {
        let _ = admin.await;
    }
    Ok(())
}

/// How often memory freed by a burst (the sweep at start, a load that stopped) is given back:
/// mimalloc gives back what was freed more than a second ago (ADR 0025).
const GIVE_BACK_FREED_EVERY: Duration = Duration::from_secs(5);

/// Keeps a quiet process small until `stopped`: every five seconds the database's idle
/// connections give back what they hold for the last burst (SQLite: page caches, idle readers),
/// then mimalloc gives back what was freed.
async fn give_memory_back(store: Arc<jumpgate_store::Store>, mut stopped: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(GIVE_BACK_FREED_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped.wait_for(|s| *s) => return,
            _ = every.tick() => {}
        }
        if let Err(e) = store.release_memory().await {
            tracing::debug!(error = %e, "the database connections could not give back their memory");
        }
        jumpgate_memory::give_back_freed();
    }
}

/// How often the application API's calls counted in this process go to the database.
const SAVE_APP_REQUESTS_EVERY: Duration = Duration::from_secs(60);

/// Saves the application API's counted calls every minute, and once more when the server stops.
async fn save_app_requests(app: App, mut stopped: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(SAVE_APP_REQUESTS_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            _ = stopped.wait_for(|s| *s) => true,
            _ = every.tick() => false,
        };
        if let Err(e) = app.save_app_requests().await {
            tracing::warn!(error = %e, "the applications' call counts could not be saved; they are kept for the next try");
        }
        if stopping {
            return;
        }
    }
}

/// The job worker of `serve` and `worker`: `[jobs] concurrency` slots for the general jobs,
/// leases of `[jobs] lease`, and
/// the contact syncs in a lane of `[standings] sync_concurrency` slots.
pub fn worker_settings(settings: &Settings, app: &App) -> WorkerSettings {
    WorkerSettings {
        concurrency: settings.jobs.concurrency,
        lease: settings.jobs.lease,
        lanes: jumpgate_app::standings::sync::worker_lanes(app),
        ..WorkerSettings::default()
    }
}

/// What `start` launched, to wait for after shutdown was signalled.
pub struct Running {
    tasks: Vec<tokio::task::JoinHandle<()>>,
    pub web_addr: Option<std::net::SocketAddr>,
}

impl Running {
    pub async fn wait(self) {
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Starts the web server (unless workers only) and the workers and scheduler. `listener`
/// overrides `server.listen` (tests bind port 0 themselves).
pub async fn start(
    settings: &Settings,
    app: &App,
    role: Role,
    listener: Option<tokio::net::TcpListener>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Running> {
    let mut tasks = Vec::new();
    if role != Role::WebOnly {
        let registry = Arc::new(periodic::registry());
        tasks.push(tokio::spawn(jobs::run_worker(
            app.clone(),
            registry,
            worker_settings(settings, app),
            shutdown.clone(),
        )));
        tasks.push(tokio::spawn(jobs::run_scheduler(
            app.clone(),
            periodic::schedule(app),
            Duration::from_secs(15),
            shutdown.clone(),
        )));
    }
    let mut web_addr = None;
    if role != Role::WorkersOnly {
        let listener = match listener {
            Some(l) => l,
            None => tokio::net::TcpListener::bind(settings.server.listen)
                .await
                .with_context(|| {
                    format!(
                        "cannot listen on {} (server.listen)",
                        settings.server.listen
                    )
                })?,
        };
        web_addr = Some(listener.local_addr()?);
        let _ = jumpgate_web::metrics::handle();
        let router = jumpgate_web::router(
            app.clone(),
            WebConfig {
                public_url: settings.server.public_url.clone(),
                image_base_url: settings.eve.image_base_url.clone(),
                metrics_token: settings.server.metrics_token.clone(),
                rate_limits: std::sync::Arc::new(settings.server.rate_limits()),
                demo_notice: settings.demo.then(|| {
                    "Demo: EVE is simulated on this machine. Log in with any character; the first one becomes superuser.".to_owned()
                }),
            },
        );
        tasks.push(tokio::spawn(save_app_requests(
            app.clone(),
            shutdown.clone(),
        )));
        tasks.push(tokio::spawn(jumpgate_web::metrics::keep_bounded(
            shutdown.clone(),
        )));
        let mut shutdown = shutdown.clone();
        let limits = settings.server.clone();
        tasks.push(tokio::spawn(async move {
            jumpgate_web::serve::serve(listener, router, &limits, async move {
                let _ = shutdown.wait_for(|s| *s).await;
            })
            .await;
        }));
        tracing::info!(addr = ?web_addr, "web server listening");
    }
    Ok(Running { tasks, web_addr })
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
