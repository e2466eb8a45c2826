//! Fresh, isolated stores for tests, on both backends.
//!
//! ```ignore
//! jumpgate_store::store_test!(accounts_can_be_created, |store| async move {
//!     assert_eq!(store.count_accounts().await.unwrap(), 0);
//! });
//! ```
//!
//! generates the tests `accounts_can_be_created::sqlite` and `accounts_can_be_created::postgres`
//! (the crate using it needs `tokio` as a dev-dependency). PostgreSQL is reached through
//! `JUMPGATE_TEST_DATABASE_URL` (default [`DEFAULT_TEST_DATABASE_URL`]); each store gets its own
//! schema there, dropped again when the [`TestStore`] is dropped.

use crate::{ConnectOptions, Store, connect_with_clock};
use jumpgate_domain::audit::ChainKey;
use jumpgate_domain::clock::{Clock, SystemClock};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The audit key of every test store, so that a test's second connection (or a `jumpgate`
/// process it runs, given [`TEST_AUDIT_KEY_BASE64`] as `secrets.audit_key`) seals and checks
/// the same chain. Tests only: a real key is random and kept secret.
pub const TEST_AUDIT_KEY: ChainKey = ChainKey::from_bytes([0x42; ChainKey::LEN]);

/// [`TEST_AUDIT_KEY`] as configuration takes it (base64).
pub const TEST_AUDIT_KEY_BASE64: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";

/// Test schemas older than this are left-overs of killed test runs and are dropped.
const STALE_SCHEMA_AGE: Duration = Duration::from_secs(3600);

pub struct TestStore {
    pub store: Arc<Store>,
    /// Reaches this very store from another process (`connect(url)`). For SQLite that process
    /// is refused while this one holds the database, by design.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    /// Removed (with the database in it) on drop.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        schema: String,
    },
    /// Already cleaned up by [`TestStore::close`].
    Done,
}

impl TestStore {
    pub fn backend(&self) -> crate::Backend {
        self.store.backend()
    }

    /// Removes the test schema now and waits for it. Dropping does it in the background, but a
    /// test process may exit before that finishes; `store_test!` calls this at the end.
    pub async fn close(mut self) {
        if let Cleanup::Postgres { admin_url, schema } =
            std::mem::replace(&mut self.cleanup, Cleanup::Done)
            && let Ok(mut conn) = PgConnection::connect(&admin_url).await
        {
            let _ = conn.execute("SET lock_timeout = '5s'").await;
            let _ = drop_schema(&mut conn, &schema).await;
            let _ = conn.close().await;
        }
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, schema } = &self.cleanup {
            // Drop may run inside a runtime that is shutting down; a thread of its own can still
            // do async work. Not joined: a test must never wait on cleanup (left-overs are swept).
            let (admin_url, schema) = (admin_url.clone(), schema.clone());
            std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                        let _ = conn.execute("SET lock_timeout = '5s'").await;
                        let _ = drop_schema(&mut conn, &schema).await;
                    }
                });
            });
        }
    }
}

fn test_options() -> ConnectOptions {
    // Test binaries run many stores at once against one server: keep each pool small.
    ConnectOptions {
        max_connections: Some(5),
    }
}

/// A new SQLite database file in a fresh temporary directory.
pub async fn fresh_sqlite() -> TestStore {
    fresh_sqlite_with_clock(Arc::new(SystemClock)).await
}

/// [`fresh_sqlite`] writing times by `clock`.
pub async fn fresh_sqlite_with_clock(clock: Arc<dyn Clock>) -> TestStore {
    let dir = tempfile::tempdir().expect("create a temporary directory for the test database");
    let url = format!("sqlite://{}", dir.path().join("jumpgate.db").display());
    let store = connect_with_clock(&url, &test_options(), TEST_AUDIT_KEY, clock.clone())
        .await
        .unwrap_or_else(|e| panic!("open test SQLite database {url}: {e}"));
    TestStore {
        store,
        url,
        cleanup: Cleanup::Sqlite(dir),
    }
}

/// A new, empty, migrated schema in the test PostgreSQL database.
pub async fn fresh_postgres() -> TestStore {
    fresh_postgres_with_clock(Arc::new(SystemClock)).await
}

/// [`fresh_postgres`] writing times by `clock`.
pub async fn fresh_postgres_with_clock(clock: Arc<dyn Clock>) -> TestStore {
    let admin_url = std::env::var("JUMPGATE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned());
    let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
        panic!(
            "connect to the test PostgreSQL at {admin_url} (set JUMPGATE_TEST_DATABASE_URL): {e}"
        )
    });
    sweep_stale_schemas(&mut admin).await;

    #[allow(clippy::disallowed_methods)] // names the schema; old ones are swept by age
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let schema = format!("t_{secs}_{}", uuid::Uuid::new_v4().simple());
    // The name is generated here from digits and hex only, so it is safe to splice.
    admin
        .execute(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .await
        .unwrap_or_else(|e| panic!("create test schema {schema}: {e}"));
    let _ = admin.close().await;

    let url = with_search_path(&admin_url, &schema);
    let store = connect_with_clock(&url, &test_options(), TEST_AUDIT_KEY, clock.clone())
        .await
        .unwrap_or_else(|e| panic!("open test PostgreSQL schema {schema}: {e}"));
    TestStore {
        store,
        url,
        cleanup: Cleanup::Postgres { admin_url, schema },
    }
}

/// A consistent copy (`VACUUM INTO`) of the SQLite database at `url`, written to `to`, while its
/// store keeps it open: SQLite allows one Jumpgate process per database, so a test that starts
/// another on it (or migrates an older state of it) works on a copy. Returns the copy's URL.
pub async fn copy_sqlite(url: &str, to: &std::path::Path) -> String {
    let mut live = sqlx::SqliteConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    sqlx::query("VACUUM INTO $1")
        .bind(to.to_string_lossy().as_ref())
        .execute(&mut live)
        .await
        .unwrap_or_else(|e| panic!("copy {url} to {}: {e}", to.display()));
    let _ = live.close().await;
    format!("sqlite://{}", to.display())
}

/// One fresh store per backend, named `sqlite` and `postgres`.
pub async fn both() -> Vec<(&'static str, TestStore)> {
    vec![
        ("sqlite", fresh_sqlite().await),
        ("postgres", fresh_postgres().await),
    ]
}

/// Points every connection of `url` at `schema` first, so that unqualified names (and the
/// migrations) land there.
fn with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options[search_path]={schema}")
}

async fn drop_schema(conn: &mut PgConnection, schema: &str) -> sqlx::Result<()> {
    if !is_test_schema(schema) {
        return Ok(());
    }
    conn.execute(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .await
    .map(|_| ())
}

/// `t_<unix seconds>_<32 hex digits>`, as `fresh_postgres` names them; returns the seconds.
fn test_schema_time(name: &str) -> Option<u64> {
    let (secs, id) = name.strip_prefix("t_")?.split_once('_')?;
    let valid_id = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    if valid_id && !secs.is_empty() && secs.bytes().all(|b| b.is_ascii_digit()) {
        secs.parse().ok()
    } else {
        None
    }
}

fn is_test_schema(name: &str) -> bool {
    test_schema_time(name).is_some()
}

/// Once per process: drops test schemas that killed runs left behind.
async fn sweep_stale_schemas(conn: &mut PgConnection) {
    static SWEPT: AtomicBool = AtomicBool::new(false);
    if SWEPT.swap(true, Ordering::SeqCst) {
        return;
    }
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 't\\_%'",
    )
    .fetch_all(&mut *conn)
    .await
    else {
        return;
    };
    #[allow(clippy::disallowed_methods)] // the age of left-over schemas, in real time
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for name in names {
        if test_schema_time(&name)
            .is_some_and(|t| now.saturating_sub(t) > STALE_SCHEMA_AGE.as_secs())
        {
            let _ = drop_schema(conn, &name).await;
        }
    }
}

/// Defines one test per backend: `$name::sqlite` and `$name::postgres`.
///
/// `|store|` binds an `Arc<Store>`; `|t: TestStore|` binds a `&TestStore` (for its URL).
/// The body is an async block. The test database is removed when the body returns.
#[macro_export]
macro_rules! store_test {
    ($name:ident, |$t:ident : TestStore| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::store_test!(@run $crate::testing::fresh_sqlite, $t, $body);
            }

            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::store_test!(@run $crate::testing::fresh_postgres, $t, $body);
            }
        }
    };
    ($name:ident, |$store:ident| $body:expr) => {
        $crate::store_test!($name, |__test_store: TestStore| async move {
            let $store = ::std::sync::Arc::clone(&__test_store.store);
            $body.await;
        });
    };
    (@run $fresh:path, $t:ident, $body:expr) => {
        let test_store = $fresh().await;
        {
            let $t = &test_store;
            $body.await;
        }
        test_store.close().await;
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_schema_names_are_recognised() {
        let name = format!("t_1700000000_{}", uuid::Uuid::new_v4().simple());
        assert_eq!(test_schema_time(&name), Some(1_700_000_000));
        assert!(!is_test_schema("public"));
        assert!(!is_test_schema("t_x_abc"));
        assert!(!is_test_schema("t_1_abc; DROP TABLE x"));
    }

    #[test]
    fn search_path_is_added_to_the_url() {
        assert_eq!(
            with_search_path("postgres://p@h/db", "t_1_a"),
            "postgres://p@h/db?options[search_path]=t_1_a"
        );
        assert_eq!(
            with_search_path("postgres://p@h/db?sslmode=disable", "t_1_a"),
            "postgres://p@h/db?sslmode=disable&options[search_path]=t_1_a"
        );
    }
}
