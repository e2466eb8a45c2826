//! Jumpgate's store: one interface (`Store`) over SQLite (the embedded default) or PostgreSQL
//! (several instances), each with its own migrations. Method bodies are being moved to one body
//! for both backends (`db`, one file per topic); the rest still live in `sqlite/` and `postgres/`.
//!
//! The backend is chosen by the database URL (`sqlite://…` or `postgres://…`), see [`connect`].
//! Everything above this crate sees only `Arc<dyn Store>`; the same conformance tests run on both
//! implementations.

mod accounts;
mod audit;
pub mod bulk;
mod contact_sync;
mod db;
mod delegate;
mod esi_cache;
mod jobs;
mod kv;
mod model;
mod notifications;
mod open;
mod schema;
mod sessions;
mod settings;
pub mod standings;
mod states;
mod support;
pub mod testing;
mod tokens;

pub use bulk::{BulkOperation, BulkProgress, BulkStatus, NewBulkOperation};
pub use contact_sync::{SyncCounts, SyncLease, SyncStatus, SyncedCharacter};
pub use model::*;
pub use notifications::Notification;
pub use open::{Backend, ConnectOptions, connect};
pub use settings::DatabaseSettings;
pub use standings::*;

use async_trait::async_trait;
use jumpgate_domain::account::{Account, Character, RemovalReason, RemovedCharacter, TokenStatus};
use jumpgate_domain::audit::{AuditEntry, NewAuditEntry};
use jumpgate_domain::states::{Affiliation, State};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId};
use std::collections::BTreeSet;
use std::time::Duration;
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

/// Everything Jumpgate keeps. All times are UTC and truncated to whole microseconds on write.
///
/// The standings manager's storage is the supertrait [`StandingsStore`]: an `Arc<dyn Store>`
/// reaches its methods too (with `use jumpgate_store::StandingsStore;` in scope).
#[async_trait]
pub trait Store: StandingsStore + Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Tables and their columns (sorted), for the test that keeps both schemas alike.
    async fn schema_columns(&self) -> Result<Vec<(String, Vec<String>)>>;

    // ----- accounts -------------------------------------------------------------------------

    /// Creates an account with `main` as its main (and only) character.
    async fn create_account(&self, main: &NewCharacter) -> Result<(Account, Character)>;
    async fn account(&self, id: AccountId) -> Result<Option<Account>>;
    /// The accounts among `ids` that exist, in no particular order: one query for a page that
    /// shows many (the approver queue).
    async fn accounts_by_ids(&self, ids: &[AccountId]) -> Result<Vec<Account>>;
    async fn count_accounts(&self) -> Result<i64>;
    /// Accounts whose main's or any character's name contains `query` (case-insensitive), or
    /// all when empty; ordered by main name.
    async fn search_accounts(
        &self,
        query: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AccountSummary>>;
    /// Every account id, for periodic recomputation of states.
    async fn account_ids(&self) -> Result<Vec<AccountId>>;
    /// Fails with `Invalid` when the character is not on that account.
    async fn set_main(&self, account: AccountId, character: CharacterId) -> Result<()>;
    async fn set_superuser(&self, account: AccountId, superuser: bool) -> Result<()>;
    async fn set_account_state(&self, account: AccountId, state: &str) -> Result<()>;
    async fn set_account_email(
        &self,
        account: AccountId,
        email: Option<&str>,
        verified: bool,
    ) -> Result<()>;
    async fn set_account_timezone(&self, account: AccountId, timezone: Option<&str>) -> Result<()>;

    // ----- characters -----------------------------------------------------------------------

    async fn character(&self, id: CharacterId) -> Result<Option<Character>>;
    /// The characters among `ids` that exist, in no particular order: one query for a page that
    /// shows many (the approver queue).
    async fn characters_by_ids(&self, ids: &[CharacterId]) -> Result<Vec<Character>>;
    /// Exact, case-insensitive name match.
    async fn character_by_name(&self, name: &str) -> Result<Option<Character>>;
    /// The characters of an account, main first, then by name.
    async fn characters_of(&self, account: AccountId) -> Result<Vec<Character>>;
    /// Characters whose name contains `query` (case-insensitive), by name.
    async fn search_characters(&self, query: &str, limit: i64) -> Result<Vec<Character>>;
    /// Every character id, ascending, for the affiliation sweep.
    async fn character_ids(&self) -> Result<Vec<CharacterId>>;
    /// Adds an alt to an existing account. `Conflict` if the character exists.
    async fn add_character(
        &self,
        account: AccountId,
        character: &NewCharacter,
    ) -> Result<Character>;
    /// Moves a character to another account in one transaction: records a `RemovedCharacter`
    /// (with `to_account`), keeps its tokens, and if it was the old account's main, makes the
    /// old account's oldest remaining character main (or none).
    async fn move_character(
        &self,
        character: CharacterId,
        to: AccountId,
        reason: RemovalReason,
        actor: Option<AccountId>,
    ) -> Result<RemovedCharacter>;
    /// Deletes a character and its tokens in one transaction, records the `RemovedCharacter`,
    /// and re-picks the main as `move_character` does.
    async fn remove_character(
        &self,
        character: CharacterId,
        reason: RemovalReason,
        actor: Option<AccountId>,
    ) -> Result<RemovedCharacter>;
    async fn update_character_identity(
        &self,
        character: CharacterId,
        name: &str,
        owner_hash: &str,
    ) -> Result<()>;
    /// Writes corporation/alliance/faction for each affiliation of a known character (unknown
    /// ids are ignored) and sets `last_checked_at`. Returns how many characters changed corp,
    /// alliance or faction.
    async fn update_affiliations(
        &self,
        affiliations: &[Affiliation],
        checked_at: OffsetDateTime,
    ) -> Result<u64>;
    /// Newest first; only those that left `account` when given.
    async fn removed_characters(
        &self,
        account: Option<AccountId>,
        limit: i64,
    ) -> Result<Vec<RemovedCharacter>>;

    // ----- corporations and alliances (names, tickers, cache times) -------------------------

    async fn upsert_corporation(&self, corp: &CorporationInfo) -> Result<()>;
    async fn corporation(&self, id: CorporationId) -> Result<Option<CorporationInfo>>;
    /// The known corporations among `ids`, in no particular order.
    async fn corporations_by_ids(&self, ids: &[CorporationId]) -> Result<Vec<CorporationInfo>>;
    async fn upsert_alliance(&self, alliance: &AllianceInfo) -> Result<()>;
    async fn alliance(&self, id: AllianceId) -> Result<Option<AllianceInfo>>;
    /// The known alliances among `ids`, in no particular order.
    async fn alliances_by_ids(&self, ids: &[AllianceId]) -> Result<Vec<AllianceInfo>>;
    /// Corporations referenced by characters whose info is missing or expired at `now`.
    async fn stale_corporations(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<CorporationId>>;
    /// Alliances referenced by characters or corporations whose info is missing or expired.
    async fn stale_alliances(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<AllianceId>>;

    // ----- ESI tokens (ciphertexts only; encryption happens above the store) -----------------

    /// Inserts or replaces the token of (character, login).
    async fn upsert_token(&self, token: &NewToken) -> Result<TokenRecord>;
    async fn token(&self, character: CharacterId, login: &str) -> Result<Option<TokenRecord>>;
    async fn tokens_of_character(&self, character: CharacterId) -> Result<Vec<TokenRecord>>;
    async fn tokens_of_account(&self, account: AccountId) -> Result<Vec<TokenRecord>>;
    /// Stores the result of a refresh: new access token and expiry, and the rotated refresh
    /// token when the SSO sent one (the old one is kept otherwise). Ends the refresh lease if
    /// `holder` holds it, in the same statement (one write less per refresh).
    async fn record_refresh(
        &self,
        token_id: i64,
        refreshed: &RefreshedToken,
        holder: &str,
    ) -> Result<()>;
    /// Marks a token valid/invalid/revoked with an optional reason; `last_checked_at` = now.
    async fn set_token_status(
        &self,
        token_id: i64,
        status: TokenStatus,
        reason: Option<&str>,
    ) -> Result<()>;
    /// Valid tokens whose access token expires before `before`, soonest first.
    async fn tokens_expiring_before(
        &self,
        before: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<TokenRecord>>;
    /// Takes the refresh lease of a token for `holder` until `now + lease` if nobody holds it
    /// (or the holder's lease expired). One refresh per token at a time, across instances.
    async fn try_lease_token(&self, token_id: i64, holder: &str, lease: Duration) -> Result<bool>;
    async fn release_token(&self, token_id: i64, holder: &str) -> Result<()>;
    /// Every token, for `keys rotate`.
    async fn all_tokens(&self) -> Result<Vec<TokenRecord>>;
    /// Replaces a token's ciphertexts (re-encryption under a new key).
    async fn replace_token_ciphertexts(
        &self,
        token_id: i64,
        access: &[u8],
        refresh: Option<&[u8]>,
    ) -> Result<()>;

    // ----- states and permissions ------------------------------------------------------------

    /// All states, highest priority first.
    async fn states(&self) -> Result<Vec<State>>;
    /// Inserts (id 0) or updates a state with its criteria and permissions. Names are unique.
    async fn save_state(&self, state: &State) -> Result<State>;
    async fn delete_state(&self, id: i64) -> Result<()>;
    /// Permissions granted to the account directly.
    async fn account_permissions(&self, account: AccountId) -> Result<BTreeSet<String>>;
    /// The superuser flag, state, main and every permission the account holds, directly or
    /// through its state, in one query; `None` for an unknown account.
    async fn account_grants(&self, account: AccountId) -> Result<Option<AccountAccess>>;
    async fn grant_permission(&self, account: AccountId, permission: &str) -> Result<()>;
    async fn revoke_permission(&self, account: AccountId, permission: &str) -> Result<()>;

    // ----- web sessions ----------------------------------------------------------------------

    /// `id` is already a hash of the cookie value; the store never sees the cookie itself.
    async fn load_session(&self, id: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>>;
    /// `load_session` and `account_grants` of its account in one query (one round trip): what
    /// every signed-in page reads first.
    async fn load_session_with_grants(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SessionAccess>>;
    async fn save_session(&self, session: &SessionRecord) -> Result<()>;
    async fn delete_session(&self, id: &str) -> Result<()>;
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64>;
    /// Signs an account out everywhere (e.g. when it is deleted).
    async fn delete_sessions_of(&self, account: AccountId) -> Result<u64>;

    // ----- durable jobs ----------------------------------------------------------------------

    /// Queues a job. With a `dedupe_key`, nothing is queued (returns `None`) while a queued or
    /// running job has the same key: N instances scheduling a periodic job queue it once.
    async fn enqueue_job(&self, job: &NewJob) -> Result<Option<i64>>;
    /// Leases up to `limit` due jobs (queued with `run_at <= now`, or running with an expired
    /// lease) to `worker` until `now + lease`, oldest `run_at` first; increments `attempts`.
    /// Never hands one job to two workers (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
    async fn lease_jobs(
        &self,
        worker: &str,
        kinds: &[&str],
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Job>>;
    /// Extends a lease the worker still holds; false if it lost it.
    async fn heartbeat_job(&self, job_id: i64, worker: &str, lease: Duration) -> Result<bool>;
    /// Deletes a finished job the worker holds; false if it lost the lease.
    async fn complete_job(&self, job_id: i64, worker: &str) -> Result<bool>;
    /// Records a failure: queued again at `retry_at`, or `failed` for good when `None`.
    async fn fail_job(
        &self,
        job_id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<bool>;
    /// Puts a job back in the queue at `run_at` without counting the attempt: EVE's downtime,
    /// the error limit or a `Retry-After` are waited out, not held against the job.
    async fn postpone_job(
        &self,
        job_id: i64,
        worker: &str,
        reason: &str,
        run_at: OffsetDateTime,
    ) -> Result<bool>;
    /// Jobs by status (all when `None`), newest first.
    async fn jobs(&self, status: Option<JobStatus>, limit: i64) -> Result<Vec<Job>>;
    async fn job(&self, id: i64) -> Result<Option<Job>>;
    /// Puts a failed job back in the queue, due now, with attempts reset.
    async fn retry_job(&self, job_id: i64) -> Result<bool>;
    async fn job_counts(&self) -> Result<JobCounts>;

    // ----- audit log (append-only, hash-chained) ----------------------------------------------

    /// Appends an entry: the id, time and hash chain are assigned inside one serialized
    /// transaction so that concurrent writers (several instances) cannot fork the chain.
    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry>;
    /// Entries matching the filter, newest first.
    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
    /// Entries with `id > after_id` in id order, for chain verification and export.
    async fn audit_after(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>>;

    // ----- small shared state ----------------------------------------------------------------

    async fn kv_get(&self, key: &str) -> Result<Option<String>>;
    async fn kv_set(&self, key: &str, value: &str) -> Result<()>;
    /// Sets `key` only if it is absent; true if this call set it.
    async fn kv_set_if_absent(&self, key: &str, value: &str) -> Result<bool>;

    /// ESI response cache shared by every instance: ETag, expiry and body per request key.
    async fn cache_get(&self, key: &str) -> Result<Option<CacheEntry>>;
    async fn cache_put(&self, key: &str, entry: &CacheEntry) -> Result<()>;

    // ----- lookups and cache upkeep for contact sync at scale ---------------------------------

    /// The characters Jumpgate knows in a corporation (from affiliation data), by name: one
    /// indexed query instead of scanning every character.
    async fn characters_in_corporation(&self, corporation: CorporationId)
    -> Result<Vec<Character>>;
    /// After a 304: new validators and expiry for a cached answer, its body left as it is
    /// (rewriting a thousand-contact body to move its expiry cost more than the request).
    /// False when the key is not cached.
    async fn cache_revalidated(
        &self,
        key: &str,
        etag: Option<&str>,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<bool>;
}
