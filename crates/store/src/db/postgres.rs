//! The PostgreSQL database: for running several Jumpgate instances on one database.
//!
//! Every cross-instance rule is enforced by the database itself: conditional updates for leases,
//! `FOR UPDATE SKIP LOCKED` for the job queue, the primary key for the audit chain, and
//! unique indexes for dedupe. One pool serves reads and writes.

use crate::{ConnectOptions, Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPool};
use std::str::FromStr;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// The PostgreSQL side of [`crate::db::Db`]: the pool and this process's side of the audit
/// chain's group commit (ADR 0012).
pub(crate) struct PgDb {
    pub(crate) pool: PgPool,
    /// How many times this process asked for the writer (`Store::local_writes`).
    pub(crate) writes: super::LocalWrites,
    pub(crate) audit: crate::audit::AuditChain,
}

impl PgDb {
    /// Connects a pool to the database a `postgres://` URL names and migrates it. Objects live
    /// in the first schema of the connection's `search_path` (e.g. `?options[search_path]=x`).
    pub(crate) async fn connect(url: &str, opts: &ConnectOptions) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        // One direct connection first: a pool retries failed connections until its acquire
        // timeout and then reports only "pool timed out", hiding the cause (refused, bad
        // password, unknown database) that the person starting Jumpgate needs to see.
        let probe = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            <sqlx::PgConnection as sqlx::Connection>::connect_with(&options),
        )
        .await
        .map_err(|_| {
            StoreError::Invalid(
                "PostgreSQL did not answer within 10 seconds: check database.url's host and port"
                    .to_owned(),
            )
        })?;
        sqlx::Connection::close(probe?).await?;
        let pool = super::pool::pool_options::<sqlx::Postgres>()
            .max_connections(opts.postgres_pool())
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await?;
        // sqlx serializes concurrent migrators with an advisory lock, so instances starting
        // together are safe.
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            writes: Default::default(),
            audit: Default::default(),
        })
    }

    /// This backend's text of a statement written in both dialects.
    pub(crate) fn sql(&self, statement: &super::Dialects) -> &'static str {
        statement.postgres
    }

    /// Reads and writes share one pool: PostgreSQL runs them side by side.
    pub(crate) fn reader(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) fn writer(&self) -> &PgPool {
        self.writes.count();
        self.writer_unfollowed()
    }

    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.writes.count();
        Ok(self.pool.begin().await?)
    }

    /// The writer for writes no kept read depends on (the jobs' leases: `LocalWrites`), not counted.
    pub(crate) fn writer_unfollowed(&self) -> &PgPool {
        &self.pool
    }

    /// Starts a read-only transaction that sees one snapshot throughout (PostgreSQL's default,
    /// READ COMMITTED, would take a new snapshot per statement).
    pub(crate) async fn begin_read(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?)
    }
}
