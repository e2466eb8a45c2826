//! Black-box test support: each test gets its own EVE simulator, its own database (SQLite file
//! or PostgreSQL schema) and a Jumpgate web server on a random port, driven over HTTP.
#![allow(dead_code)]

use jumpgate::config::{
    AccountSettings, COMPATIBILITY_DATE, DatabaseSettings, EveSettings, JobSettings,
    SecretSettings, ServerSettings, Settings,
};
use jumpgate::server::{self, Role};
use jumpgate_app::App;
use jumpgate_app::jobs::{self, WorkerSettings, periodic};
use jumpgate_domain::clock::{Clock, ScaledClock, SystemClock};
use jumpgate_evesim::{EveSim, SimConfig};
use jumpgate_store::testing::{
    TEST_AUDIT_KEY_BASE64, TestStore, fresh_postgres_with_clock, fresh_sqlite_with_clock,
};
use jumpgate_store::{Job, JobStatus, NewJob, Store};
use reqwest::StatusCode;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use url::Url;

pub const CLIENT_ID: &str = "jumpgate-test";
pub const CLIENT_SECRET: &str = "jumpgate-test-secret";
/// The token key of the test apps on PostgreSQL (`secrets.token_key`, id `config`): there the
/// keys must be configured, and the `jumpgate` commands the tests run beside an app use it too.
/// On SQLite the apps keep their keys in keys.json, as they do by default.
pub const TEST_TOKEN_KEY: &str = "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=";
/// What the test apps' `/metrics` requires as its bearer token.
pub const METRICS_TOKEN: &str = "test-metrics-token-0123456789";

/// When a test's Jumpgate and simulated EVE start their clocks: now, unless now is within a
/// few hours before the end of Tranquility's daily downtime (11:00–11:15 UTC), when Jumpgate's
/// ESI client rightly stays away from ESI; then three and a half hours later. A test that moves
/// its clock forward (a token's expiry, a postponed job, a soak at 30×) stays clear of the
/// window whatever the time of day it runs at; the downtime's own tests put their clocks in it.
pub fn test_start() -> time::OffsetDateTime {
    let now = SystemClock.now();
    let near_downtime = time::macros::time!(08:00)..time::macros::time!(11:30);
    if near_downtime.contains(&now.to_offset(time::UtcOffset::UTC).time()) {
        now + time::Duration::minutes(210)
    } else {
        now
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one test per backend: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = $crate::support::TestApp::spawn($crate::support::Backend::Sqlite).await;
                ($body)(t).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let t = $crate::support::TestApp::spawn($crate::support::Backend::Postgres).await;
                ($body)(t).await;
            }
        }
    };
}

/// Generates one test per backend, `name::sqlite` and `name::postgres`, for a test that starts
/// its app itself (another clock, another universe): `$run` is called with the `Backend`.
#[macro_export]
macro_rules! on_each_backend {
    ($name:ident, $run:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($run)($crate::support::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($run)($crate::support::Backend::Postgres).await;
            }
        }
    };
}

pub struct TestApp {
    pub base: Url,
    pub sim: EveSim,
    pub app: App,
    pub store: Arc<Store>,
    pub db: TestStore,
    pub settings: Settings,
    stop: watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// The account a known character is on.
    pub async fn account_of(&self, character: i64) -> jumpgate_domain::AccountId {
        self.store
            .character(jumpgate_domain::CharacterId(character))
            .await
            .expect("read the character")
            .expect("a known character")
            .account
    }

    /// How many audit entries about `account` have an action starting with `action`.
    pub async fn audit_count(&self, action: &str, account: jumpgate_domain::AccountId) -> usize {
        self.store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some(action.into()),
                target: Some(format!("account:{account}")),
                limit: 100,
                ..Default::default()
            })
            .await
            .expect("read the audit log")
            .len()
    }

    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Self {
        let clock = Arc::new(ScaledClock::new(test_start(), 1.0));
        Self::start(backend, clock, SimConfig::default(), tweak).await
    }

    /// [`TestApp::spawn_with_clock`] against a simulated universe of another shape (e.g. more
    /// characters than one affiliation call takes).
    pub async fn spawn_with_universe(
        backend: Backend,
        clock: Arc<dyn Clock>,
        universe: SimConfig,
    ) -> Self {
        Self::start(backend, clock, universe, |_| {}).await
    }

    /// [`TestApp::spawn`] with every "now" of Jumpgate (store, use cases, web, EVE clients) read
    /// from `clock`: with a `ManualClock` a test moves time instead of sleeping. The simulated
    /// EVE starts at the clock's time and keeps going as the wall clock does, as CCP's servers
    /// do, so start the clock at [`test_start`].
    pub async fn spawn_with_clock(backend: Backend, clock: Arc<dyn Clock>) -> Self {
        Self::start(backend, clock, SimConfig::default(), |_| {}).await
    }

    /// An app on `clock`, against a universe of `universe`'s shape, with its settings changed
    /// by `tweak` (e.g. intervals and leases that fit a fast clock).
    pub async fn start(
        backend: Backend,
        clock: Arc<dyn Clock>,
        universe: SimConfig,
        tweak: impl FnOnce(&mut Settings),
    ) -> Self {
        jumpgate::telemetry::init(false);
        let sim = EveSim::start(universe, "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("simulator starts");
        sim.set_time(clock.now(), 1.0);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base = Url::parse(&format!("http://{addr}/")).expect("url");
        let dir = tempfile::tempdir().expect("tempdir");
        let db = match backend {
            Backend::Sqlite => fresh_sqlite_with_clock(clock).await,
            Backend::Postgres => fresh_postgres_with_clock(clock).await,
        };
        let mut settings = Settings {
            data_dir: dir.path().to_owned(),
            server: ServerSettings {
                listen: addr,
                public_url: base.clone(),
                metrics_token: Some(SecretString::from(METRICS_TOKEN)),
                // Tests log in and look around far faster than people; the limits' own tests
                // set them low.
                sso_requests_per_minute: 1_000_000,
                anonymous_requests_per_minute: 1_000_000,
                ..ServerSettings::default()
            },
            database: DatabaseSettings {
                url: Some(SecretString::from(db.url.clone())),
                max_connections: Some(5),
            },
            eve: EveSettings {
                client_id: CLIENT_ID.into(),
                client_secret: SecretString::from(CLIENT_SECRET),
                callback_url: None,
                contact: "tests@jumpgate.invalid".into(),
                sso_base_url: sim.sso_base_url(),
                esi_base_url: sim.esi_base_url(),
                image_base_url: sim.image_base_url(),
                compatibility_date: COMPATIBILITY_DATE.into(),
                sso_timeout: jumpgate_eve::DEFAULT_SSO_TIMEOUT,
            },
            accounts: AccountSettings::default(),
            jobs: JobSettings::default(),
            secrets: SecretSettings::default(),
            audit: Default::default(),
            deactivation: Default::default(),
            apps: Default::default(),
            // Tests send mails seconds apart; the cooldown's own test sets it.
            mail: jumpgate::config::MailSettings {
                verification_cooldown: std::time::Duration::ZERO,
                ..jumpgate::config::MailSettings::default()
            },
            standings: jumpgate::config::StandingsSection::default(),
            sessions: jumpgate::config::SessionSettings::default(),
            demo: true,
        };
        if let Backend::Postgres = backend {
            settings.secrets.token_key = Some(SecretString::from(TEST_TOKEN_KEY));
            settings.secrets.audit_key = Some(SecretString::from(TEST_AUDIT_KEY_BASE64));
        }
        tweak(&mut settings);
        settings.validate().expect("test settings are valid");
        sim.register_client(CLIENT_ID, CLIENT_SECRET, settings.callback_url().as_str());
        let store = db.store.clone();
        let app = jumpgate::wiring::build_app(&settings, store.clone())
            .await
            .expect("app builds");
        let (stop, stopped) = watch::channel(false);
        server::start(&settings, &app, Role::WebOnly, Some(listener), stopped)
            .await
            .expect("server starts");
        Self {
            base,
            sim,
            app,
            store,
            db,
            settings,
            stop,
            _dir: dir,
        }
    }

    /// Queues one job of `kind` (five attempts) and runs a worker of this app with every job
    /// kind until the job is done (`None`: it succeeded and is gone) or put back with an error
    /// (`Some`: the job as it was left, e.g. postponed or to be retried).
    pub async fn run_job(&self, kind: &str, payload: serde_json::Value) -> Option<Job> {
        self.run_job_on(&self.app, kind, payload).await
    }

    /// [`TestApp::run_job`] by a worker of `app` (another instance on this database).
    pub async fn run_job_on(
        &self,
        app: &App,
        kind: &str,
        payload: serde_json::Value,
    ) -> Option<Job> {
        let job = self
            .store
            .enqueue_job(&NewJob {
                kind: kind.into(),
                payload,
                run_at: self.app.now(),
                dedupe_key: None,
                max_attempts: 5,
            })
            .await
            .expect("queue the job")
            .expect("a new job");
        let worker = start_worker_of(app, Duration::from_millis(50));
        let deadline = Instant::now() + Duration::from_secs(20);
        let left = loop {
            match self.store.job(job).await.expect("read the job") {
                None => break None,
                Some(j) if j.status != JobStatus::Running && j.last_error.is_some() => {
                    break Some(j);
                }
                Some(j) => assert!(Instant::now() < deadline, "the job never ran: {j:?}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        worker.stop().await;
        left
    }

    /// A worker of this app with every job kind, looking for due jobs every `poll_interval`
    /// (and at once when one of its jobs finished), until stopped.
    pub fn start_worker(&self, poll_interval: Duration) -> Worker {
        start_worker_of(&self.app, poll_interval)
    }

    /// Another instance on this database that serves no HTTP, as a `jumpgate worker` process
    /// is: its own `App` (its own caches and instance id), nothing shared but the store and the
    /// token keys. Run jobs on it with [`TestApp::run_job_on`].
    pub async fn worker_instance(&self) -> App {
        jumpgate::wiring::build_app(&self.settings, self.store.clone())
            .await
            .expect("app builds")
    }

    /// Makes every stored access token expired (its ciphertexts unchanged), so the next
    /// `check-tokens` refreshes each one.
    pub async fn expire_access_tokens(&self) {
        expire_access_tokens(&self.store).await;
    }

    /// The numbers of the newest finished run of job `kind` (e.g. `refreshed` → 18).
    pub async fn last_run_numbers(&self, kind: &str) -> std::collections::BTreeMap<String, i64> {
        last_run_numbers(&self.store, kind).await
    }

    /// A new browser with its own cookie jar.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base, &self.sim)
    }

    /// Another Jumpgate web server on the same database, as a second instance behind a load
    /// balancer would be: its own caches, nothing shared but the store (and the token keys: the
    /// configured ones, or on SQLite the key file in the data directory). Runs until dropped.
    pub async fn another_instance(&self) -> Instance {
        self.another_instance_with(|_| {}).await
    }

    /// [`TestApp::another_instance`] with its settings changed by `tweak` (another token key:
    /// another deployment on the same database and simulator).
    pub async fn another_instance_with(&self, tweak: impl FnOnce(&mut Settings)) -> Instance {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base =
            Url::parse(&format!("http://{}/", listener.local_addr().expect("addr"))).expect("url");
        let mut settings = self.settings.clone();
        tweak(&mut settings);
        let app = jumpgate::wiring::build_app(&settings, self.store.clone())
            .await
            .expect("app builds");
        let (stop, stopped) = watch::channel(false);
        server::start(&settings, &app, Role::WebOnly, Some(listener), stopped)
            .await
            .expect("server starts");
        Instance { base, stop }
    }

    /// A character of another EVE account than the first character's: with the first to log in
    /// as the demo's superuser, this one logs in as a member.
    pub fn member_character(&self) -> i64 {
        let all = self.sim.characters();
        all.iter()
            .find(|c| c.owner_hash != all[0].owner_hash)
            .expect("two EVE accounts in the simulated universe")
            .character_id
    }

    /// An SSO login by a client without a cookie jar (cookies go by hand): starts it with
    /// `client`, has the simulator authorize `character_id` and returns the `Set-Cookie` of the
    /// pending login's cookie `cookie` and the callback, addressed to this server.
    pub async fn login_by_hand(
        &self,
        client: &reqwest::Client,
        cookie: &str,
        character_id: i64,
    ) -> (String, Url) {
        let r = client
            .get(self.base.join("/sso/login").expect("path"))
            .send()
            .await
            .expect("GET /sso/login");
        let given = set_cookie(&r, cookie).expect("the pending login's cookie");
        let callback = self
            .sim
            .authorize_for_test(&location(&r), character_id)
            .await
            .expect("simulator authorizes");
        (given, callback_at(&self.base, &callback))
    }

    /// How many rows the `sessions` table holds, counted with SQL beside Jumpgate.
    pub async fn session_rows(&self) -> i64 {
        use sqlx::Connection;
        const COUNT: &str = "SELECT count(*) FROM sessions";
        if self.db.url.starts_with("sqlite:") {
            let mut db = sqlx::SqliteConnection::connect(&self.db.url)
                .await
                .expect("open the test database");
            sqlx::query_scalar(COUNT).fetch_one(&mut db).await
        } else {
            let mut db = sqlx::PgConnection::connect(&self.db.url)
                .await
                .expect("open the test database");
            sqlx::query_scalar(COUNT).fetch_one(&mut db).await
        }
        .expect("count the sessions")
    }

    /// Makes the database refuse every audit entry of one of `actions` from now on (a trigger,
    /// beside Jumpgate): the audit write of such a change fails, as a full disk or a lost
    /// connection would make it fail. Once per test.
    pub async fn refuse_audit_entries(&self, actions: &[&str]) {
        use sqlx::{AssertSqlSafe, Connection};
        for action in actions {
            assert!(
                action
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c)),
                "{action}"
            );
        }
        let listed = actions
            .iter()
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(", ");
        if self.db.url.starts_with("sqlite:") {
            let mut db = sqlx::SqliteConnection::connect(&self.db.url)
                .await
                .expect("open the test database");
            sqlx::query(AssertSqlSafe(format!(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log
                 WHEN NEW.action IN ({listed})
                 BEGIN SELECT RAISE(ABORT, 'audit write refused (test)'); END"
            )))
            .execute(&mut db)
            .await
            .map(drop)
        } else {
            let mut db = sqlx::PgConnection::connect(&self.db.url)
                .await
                .expect("open the test database");
            sqlx::query(AssertSqlSafe(format!(
                "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     IF NEW.action IN ({listed}) THEN
                         RAISE EXCEPTION 'audit write refused (test)';
                     END IF;
                     RETURN NEW;
                 END $$"
            )))
            .execute(&mut db)
            .await
            .expect("create the trigger's function");
            sqlx::query(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log
                 FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
            )
            .execute(&mut db)
            .await
            .map(drop)
        }
        .expect("create the trigger");
    }

    /// Characters of the simulated universe that share one EVE account (owner), at least `n`.
    pub fn characters_of_one_owner(&self, n: usize) -> Vec<i64> {
        let all = self.sim.characters();
        for c in &all {
            let same: Vec<i64> = self
                .sim
                .characters_of_account(&c.owner_hash)
                .iter()
                .map(|c| c.character_id)
                .collect();
            if same.len() >= n {
                return same;
            }
        }
        panic!("no EVE account in the simulated universe has {n} characters");
    }
}

/// The numbers of the newest finished run of job `kind` in `store` (e.g. `refreshed` → 18).
pub async fn last_run_numbers(
    store: &Store,
    kind: &str,
) -> std::collections::BTreeMap<String, i64> {
    let runs = store
        .job_runs(&jumpgate_store::RunFilter {
            kind: Some(kind.into()),
            limit: 1,
            ..Default::default()
        })
        .await
        .expect("read the job runs");
    let run = runs.first().expect("a finished run");
    run.summary.entries().iter().cloned().collect()
}

/// Makes every access token in `store` expired a minute ago by its clock (ciphertexts
/// unchanged), so the next `check-tokens` refreshes each one.
pub async fn expire_access_tokens(store: &Store) {
    let expired = store.clock().now() - time::Duration::minutes(1);
    for t in store.all_tokens().await.expect("read the tokens") {
        store
            .record_refresh(
                t.id,
                &jumpgate_store::RefreshedToken {
                    access_token: t.access_token.clone(),
                    refresh_token: None,
                    expires_at: expired,
                    scopes: t.scopes.clone(),
                },
                "test",
            )
            .await
            .expect("expire a token");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A worker of `app` with every job kind, looking for due jobs every `poll_interval` (and at
/// once when one of its jobs finished), until stopped.
pub fn start_worker_of(app: &App, poll_interval: Duration) -> Worker {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(jobs::run_worker(
        app.clone(),
        Arc::new(periodic::registry()),
        WorkerSettings {
            poll_interval,
            ..WorkerSettings::default()
        },
        stopped,
    ));
    Worker {
        stop,
        task: Some(task),
    }
}

/// A running job worker (`TestApp::start_worker`); told to stop when dropped.
pub struct Worker {
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Worker {
    /// Stops it once the jobs it runs are done.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            task.await.expect("the worker stops");
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A second server (`TestApp::another_instance`).
pub struct Instance {
    pub base: Url,
    stop: watch::Sender<bool>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base: Url,
    sim: EveSim,
}

impl Browser {
    /// A new browser with its own cookie jar, for the server at `base` whose EVE is `sim`.
    pub fn new(base: &Url, sim: &EveSim) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.clone(),
            sim: sim.clone(),
        }
    }

    /// The same browser (same cookies: they do not depend on the port) talking to `base`.
    pub fn at(&self, base: &Url) -> Browser {
        Browser {
            client: self.client.clone(),
            base: base.clone(),
            sim: self.sim.clone(),
        }
    }

    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("path")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let r = self.get(path).await;
        let status = r.status();
        (status, r.text().await.expect("body"))
    }

    /// A form POST as a browser sends it from one of our pages.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("origin", self.base.origin().ascii_serialization())
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Starts an SSO login, returning the simulator's authorize URL.
    pub async fn start_login(&self) -> Url {
        let r = self.get("/sso/login").await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "login start redirects to EVE"
        );
        location(&r)
    }

    /// The whole SSO flow for a character; returns the callback response.
    pub async fn login(&self, character_id: i64) -> reqwest::Response {
        let authorize = self.start_login().await;
        let callback = self
            .sim
            .authorize_for_test(&authorize, character_id)
            .await
            .expect("simulator authorizes");
        self.client.get(callback).send().await.expect("callback")
    }

    /// The whole SSO flow for a character with a named EVE login (e.g. `standings.sync`),
    /// starting at `/sso/login?login=<login>`; returns the callback response.
    pub async fn login_with(&self, login: &str, character_id: i64) -> reqwest::Response {
        let r = self.get(&format!("/sso/login?login={login}")).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "login start with {login} redirects to EVE"
        );
        let authorize = location(&r);
        let callback = self
            .sim
            .authorize_for_test(&authorize, character_id)
            .await
            .expect("simulator authorizes");
        self.client.get(callback).send().await.expect("callback")
    }

    /// Logs in and asserts it worked (redirect to the account page).
    pub async fn login_ok(&self, character_id: i64) {
        let r = self.login(character_id).await;
        let status = r.status();
        let loc = r.headers().get("location").cloned();
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "login of {character_id} failed: {:?} {}",
            loc,
            r.text().await.unwrap_or_default()
        );
        assert_eq!(
            loc.and_then(|l| l.to_str().ok().map(str::to_owned))
                .as_deref(),
            Some("/account")
        );
    }
}

pub fn location(r: &reqwest::Response) -> Url {
    let loc = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("a Location header");
    Url::parse(loc)
        .or_else(|_| r.url().join(loc))
        .expect("a URL")
}

/// The response's `Set-Cookie` for the cookie `name`.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The `name=value` part of a `Set-Cookie`, as a `Cookie` header sends it back.
pub fn cookie_pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap_or_default()
}

/// The callback EVE sent the browser to, addressed to the server at `base` (another instance, or
/// this server when its public URL is a proxy's).
pub fn callback_at(base: &Url, callback: &Url) -> Url {
    let mut url = base.join("/sso/callback").expect("path");
    url.set_query(callback.query());
    url
}

/// A client without a cookie jar that does not follow redirects, as a script would be; cookies
/// go by hand.
pub fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// `s` as a query value.
pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// How a store test seeds a character of the simulated universe as it is in EVE.
pub fn new_character(c: &jumpgate_evesim::SimCharacter) -> jumpgate_store::NewCharacter {
    jumpgate_store::NewCharacter {
        id: jumpgate_domain::CharacterId(c.character_id),
        name: c.name.clone(),
        owner_hash: c.owner_hash.clone(),
        corporation: jumpgate_domain::CorporationId(c.corporation_id),
        alliance: c.alliance_id.map(jumpgate_domain::AllianceId),
        faction: None,
    }
}
