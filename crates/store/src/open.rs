//! Choosing and opening a backend from a database URL.

use crate::db::{Db, PgDb, SqliteDb, on_db};
use crate::{Result, Store, StoreError};
use jumpgate_domain::audit::ChainKey;
use jumpgate_domain::clock::{Clock, SystemClock};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, by its scheme.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// PostgreSQL: the pool size (default 10). SQLite: the number of reader connections beside
    /// the one writer (default 4).
    pub max_connections: Option<u32>,
}

impl ConnectOptions {
    /// The PostgreSQL pool's size: connections are cheap to the process and queries wait on
    /// the server, so more than the cores help.
    pub(crate) fn postgres_pool(&self) -> u32 {
        self.max_connections.unwrap_or(10).max(1)
    }

    /// SQLite's readers: each one is a thread and a page cache of its own. On two cores four
    /// serve the pages within a tenth of what ten do, in half the memory at peak
    /// (docs/benchmarks.md); a machine with more cores may want more.
    pub(crate) fn sqlite_readers(&self) -> u32 {
        self.max_connections.unwrap_or(4).max(1)
    }
}

/// Opens the store a URL names and brings its schema up to date. Audit entries are keyed with
/// `audit_key`, which every process on one database must share (ADR 0016).
///
/// Accepted: `sqlite://path/to/file.db`, `sqlite:file.db`, `sqlite::memory:`,
/// `postgres://user:password@host/db`, `postgresql://…`.
pub async fn connect(url: &str, opts: &ConnectOptions, audit_key: ChainKey) -> Result<Arc<Store>> {
    connect_with_clock(url, opts, audit_key, Arc::new(SystemClock)).await
}

/// [`connect`] with the clock the store writes times by (tests pass a `ManualClock`).
pub async fn connect_with_clock(
    url: &str,
    opts: &ConnectOptions,
    audit_key: ChainKey,
    clock: Arc<dyn Clock>,
) -> Result<Arc<Store>> {
    let db = match Backend::from_url(url) {
        Some(Backend::Sqlite) => Db::Sqlite(SqliteDb::open(url, opts).await?),
        Some(Backend::Postgres) => Db::Postgres(PgDb::connect(url, opts).await?),
        None => {
            return Err(StoreError::Invalid(format!(
                "unsupported database URL '{}': use sqlite://path/to/jumpgate.db, sqlite::memory: \
                 or postgres://user:password@host/database",
                redact(url)
            )));
        }
    };
    Ok(Arc::new(Store {
        db,
        clock,
        audit_key,
    }))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// Whether the database answers: one trivial query, whatever the tables hold.
    pub async fn ping(&self) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query("SELECT 1").execute(db.reader()).await?;
        });
        Ok(())
    }

    /// Closes every connection: what is running fails, and nothing more is asked of the
    /// database (tests of what an unreachable database does; the processes do not call it yet).
    pub async fn close(&self) {
        on_db!(self, |db| {
            db.reader().close().await;
            db.writer().close().await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_are_chosen_by_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://a@b/c"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://a@b/c"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://a@b/c"), None);
        assert_eq!(Backend::from_url("jumpgate.db"), None);
    }

    #[test]
    fn passwords_are_hidden_in_messages() {
        assert_eq!(redact("mysql://u:secret@h/db"), "mysql://u:***@h/db");
        assert_eq!(redact("mysql://h/db"), "mysql://h/db");
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused_with_the_accepted_forms() {
        let err = connect(
            "mysql://u:secret@h/db",
            &ConnectOptions::default(),
            crate::testing::TEST_AUDIT_KEY,
        )
        .await
        .err()
        .expect("refused");
        let msg = err.to_string();
        assert!(matches!(err, StoreError::Invalid(_)));
        assert!(
            msg.contains("sqlite://") && msg.contains("postgres://"),
            "{msg}"
        );
        assert!(!msg.contains("secret"), "{msg}");
    }
}
