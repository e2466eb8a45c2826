//! Jumpgate's store: one [`Store`] over SQLite (the embedded default) or PostgreSQL (several
//! instances), each backend with its own migrations and a test that keeps their schemas alike.
//!
//! The backend is chosen by the database URL (`sqlite://…` or `postgres://…`), see [`connect`].
//! Each feature adds its methods to `Store` in its own file or folder (`accounts/`, `standings/`,
//! `jobs.rs`, …), every method body written once and compiled for both backends (`db`, ADR 0013);
//! the same conformance tests run on both.

mod accounts;
mod apps;
pub use accounts::{AccountCharacter, AccountWithCharacters, CharacterDetails, LoginTokenState};
pub use apps::{DeliveryAttempt, DeliveryOverview};
mod audit;
pub mod bulk;
mod db;
mod deactivation;
mod esi_cache;
mod groups;
mod roles;
pub use groups::{ApplicationDecision, ApplicationFilter, GroupMember, NewMembership};
pub use roles::{EveRoleChanges, RoleCatalogue, RolePermissionKey};
mod job_overview;
mod job_runs;
mod jobs;
mod kv;
mod model;
mod notifications;
mod open;
mod safety_valve;
mod schema;
pub use schema::{ColumnShape, SchemaShape};
mod sessions;
mod settings;
pub mod standings;
mod states;
mod support;
pub mod testing;
mod tokens;
mod tracking;
pub use tracking::TrackingDirector;
mod transaction;

pub use audit::{AuditNameIds, AuditNameRows, NamedCharacter};
pub use bulk::{BulkOperation, BulkProgress, BulkStatus, NewBulkOperation};
pub use job_overview::{JobOverviewQuery, JobOverviewRows, ListedJob};
pub use job_runs::{JobRun, JobSummary, RunFilter, RunOutcome, RunReport};
pub use model::*;
pub use notifications::Notification;
pub use open::{Backend, ConnectOptions, connect, connect_with_clock};
pub use safety_valve::{FailureVerdict, NewRefreshFailure, ValveEvidence, ValveState};
pub use settings::DatabaseSettings;
pub use standings::sync::{SyncCounts, SyncLease, SyncStatus, SyncedCharacter};
pub use standings::*;
pub use transaction::Transaction;

use db::{Db, on_db};
use jumpgate_domain::audit::{ChainKey, to_micros};
use jumpgate_domain::clock::Clock;
use std::sync::Arc;
use time::OffsetDateTime;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The change would break a rule the database enforces (unique, foreign key …).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request makes no sense for the data (e.g. making a character main of another account).
    #[error("{0}")]
    Invalid(String),
    /// Another process already uses this SQLite database.
    #[error(
        "the SQLite database {path} is already used by another Jumpgate process (pid {holder}); SQLite allows one process: stop the other one, or use PostgreSQL to run several instances"
    )]
    Locked { path: String, holder: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Everything Jumpgate keeps, on the database a URL names (see [`connect`]). All times are UTC
/// and truncated to whole microseconds on write.
///
/// Each feature adds its methods in its own file (`impl Store` blocks across the crate).
pub struct Store {
    pub(crate) db: Db,
    /// Where every write reads "now": shared with the use cases and the EVE clients.
    pub(crate) clock: Arc<dyn Clock>,
    /// What every appended audit entry is keyed with (ADR 0016); checks read it here too.
    pub(crate) audit_key: ChainKey,
}

impl Store {
    /// How many writes this process has begun on this store (every statement or transaction on
    /// the writer counts, before it runs). A value that is the same before and after something
    /// was read proves this process wrote nothing in between: what a request read at its start
    /// (the change counters with its session) still holds for what it did itself.
    pub fn local_writes(&self) -> u64 {
        on_db!(self, |db| db.writes.get())
    }

    /// Gives back the memory the database connections keep for what they read last, where
    /// that memory is this process's: SQLite's page caches and idle readers (closed, opened
    /// again when needed). PostgreSQL keeps its caches in its own server. For a quiet process
    /// (ADR 0025).
    pub async fn release_memory(&self) -> Result<()> {
        match &self.db {
            db::Db::Sqlite(db) => db.release_memory().await,
            db::Db::Postgres(_) => Ok(()),
        }
    }

    /// The clock the store writes times by; the use cases and the EVE clients read the same one.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The key the audit chain is sealed with, to check the chain with the same one.
    pub fn audit_key(&self) -> &ChainKey {
        &self.audit_key
    }

    /// Now, truncated to the microseconds both backends keep, so that callers' times compare
    /// with stored ones.
    pub(crate) fn now(&self) -> OffsetDateTime {
        to_micros(self.clock.now())
    }

    pub fn backend(&self) -> Backend {
        match &self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }
}
