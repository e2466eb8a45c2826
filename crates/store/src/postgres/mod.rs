//! The PostgreSQL store: for running several Jumpgate instances on one database.
//!
//! Every cross-instance rule is enforced by the database itself: conditional updates for leases,
//! `FOR UPDATE SKIP LOCKED` for the job queue, the primary key for the audit chain, and
//! unique indexes for dedupe.

mod accounts;
mod audit;
mod bulk;
mod characters;
mod jobs;
mod misc;
mod notifications;
mod orgs;
mod queue;
mod standings;
mod states;
mod store;
mod sync;
mod sync_scale;
mod tokens;

use crate::{ConnectOptions, Result, StoreError};
use jumpgate_domain::audit::to_micros;
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPool, PgRow};
use std::str::FromStr;
use time::OffsetDateTime;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

crate::rows::row_readers!(
    sqlx::postgres::PgRow,
    crate::postgres::time_col,
    crate::postgres::time_col_opt
);

crate::rows::standings_row_readers!(
    sqlx::postgres::PgRow,
    crate::postgres::time_col,
    crate::postgres::time_col_opt
);

pub struct PgStore {
    pub(crate) pool: PgPool,
    pub(crate) audit: audit::AuditChain,
}

impl PgStore {
    /// Connects a pool to the database a `postgres://` URL names and migrates it. Objects live
    /// in the first schema of the connection's `search_path` (e.g. `?options[search_path]=x`).
    pub async fn connect(url: &str, opts: &ConnectOptions) -> Result<Self> {
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
        let pool = crate::pool::pool_options::<sqlx::Postgres>()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await?;
        // sqlx serializes concurrent migrators with an advisory lock, so instances starting
        // together are safe.
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            audit: audit::AuditChain::default(),
        })
    }

    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }
}

/// Times are written truncated to microseconds, the precision both backends keep, so a value
/// reads back equal to what was written.
pub(crate) fn tm(t: OffsetDateTime) -> OffsetDateTime {
    to_micros(t)
}

pub(crate) fn time_col(r: &PgRow, col: &str) -> Result<OffsetDateTime> {
    Ok(r.try_get(col)?)
}

pub(crate) fn time_col_opt(r: &PgRow, col: &str) -> Result<Option<OffsetDateTime>> {
    Ok(r.try_get(col)?)
}
