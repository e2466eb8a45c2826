//! The `Store` and `StandingsStore` traits on [`SqlStore`], while the store moves to one body
//! per method (see `crate::db`): converted topics call their `SqlStore` method, the others the
//! old function of the backend in use (`twin!`). Goes away with the traits once every topic is
//! converted.

use crate::db::{Db, SqlStore};
use crate::*;
use async_trait::async_trait;
use jumpgate_domain::account::{Account, Character, RemovalReason, RemovedCharacter, TokenStatus};
use jumpgate_domain::audit::{AuditEntry, NewAuditEntry};
use jumpgate_domain::standings::LedgerEntry;
use jumpgate_domain::states::{Affiliation, State};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId};
use std::collections::BTreeSet;
use std::time::Duration;
use time::OffsetDateTime;

/// Calls `$topic::$f` of the backend in use, for a topic not yet written once.
macro_rules! twin {
    ($store:expr, $topic:ident :: $f:ident ($($arg:expr),* $(,)?)) => {
        match &$store.db {
            Db::Sqlite(db) => crate::sqlite::$topic::$f(db, $($arg),*).await,
            Db::Postgres(db) => crate::postgres::$topic::$f(db, $($arg),*).await,
        }
    };
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        SqlStore::backend(self)
    }

    async fn schema_columns(&self) -> Result<Vec<(String, Vec<String>)>> {
        twin!(self, misc::schema_columns())
    }

    async fn create_account(&self, main: &NewCharacter) -> Result<(Account, Character)> {
        twin!(self, accounts::create_account(main))
    }

    async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        twin!(self, accounts::account(id))
    }

    async fn accounts_by_ids(&self, ids: &[AccountId]) -> Result<Vec<Account>> {
        twin!(self, accounts::accounts_by_ids(ids))
    }

    async fn count_accounts(&self) -> Result<i64> {
        twin!(self, accounts::count_accounts())
    }

    async fn search_accounts(
        &self,
        query: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AccountSummary>> {
        twin!(self, accounts::search_accounts(query, limit, offset))
    }

    async fn account_ids(&self) -> Result<Vec<AccountId>> {
        twin!(self, accounts::account_ids())
    }

    async fn set_main(&self, account: AccountId, character: CharacterId) -> Result<()> {
        twin!(self, accounts::set_main(account, character))
    }

    async fn set_superuser(&self, account: AccountId, superuser: bool) -> Result<()> {
        twin!(self, accounts::set_superuser(account, superuser))
    }

    async fn set_account_state(&self, account: AccountId, state: &str) -> Result<()> {
        twin!(self, accounts::set_account_state(account, state))
    }

    async fn set_account_email(
        &self,
        account: AccountId,
        email: Option<&str>,
        verified: bool,
    ) -> Result<()> {
        twin!(self, accounts::set_account_email(account, email, verified))
    }

    async fn set_account_timezone(&self, account: AccountId, timezone: Option<&str>) -> Result<()> {
        twin!(self, accounts::set_account_timezone(account, timezone))
    }

    async fn character(&self, id: CharacterId) -> Result<Option<Character>> {
        twin!(self, characters::character(id))
    }

    async fn characters_by_ids(&self, ids: &[CharacterId]) -> Result<Vec<Character>> {
        twin!(self, characters::characters_by_ids(ids))
    }

    async fn character_by_name(&self, name: &str) -> Result<Option<Character>> {
        twin!(self, characters::character_by_name(name))
    }

    async fn characters_of(&self, account: AccountId) -> Result<Vec<Character>> {
        twin!(self, characters::characters_of(account))
    }

    async fn search_characters(&self, query: &str, limit: i64) -> Result<Vec<Character>> {
        twin!(self, characters::search_characters(query, limit))
    }

    async fn character_ids(&self) -> Result<Vec<CharacterId>> {
        twin!(self, characters::character_ids())
    }

    async fn add_character(
        &self,
        account: AccountId,
        character: &NewCharacter,
    ) -> Result<Character> {
        twin!(self, characters::add_character(account, character))
    }

    async fn move_character(
        &self,
        character: CharacterId,
        to: AccountId,
        reason: RemovalReason,
        actor: Option<AccountId>,
    ) -> Result<RemovedCharacter> {
        twin!(
            self,
            characters::move_character(character, to, reason, actor)
        )
    }

    async fn remove_character(
        &self,
        character: CharacterId,
        reason: RemovalReason,
        actor: Option<AccountId>,
    ) -> Result<RemovedCharacter> {
        twin!(self, characters::remove_character(character, reason, actor))
    }

    async fn update_character_identity(
        &self,
        character: CharacterId,
        name: &str,
        owner_hash: &str,
    ) -> Result<()> {
        twin!(
            self,
            characters::update_character_identity(character, name, owner_hash)
        )
    }

    async fn update_affiliations(
        &self,
        affiliations: &[Affiliation],
        checked_at: OffsetDateTime,
    ) -> Result<u64> {
        twin!(
            self,
            characters::update_affiliations(affiliations, checked_at)
        )
    }

    async fn removed_characters(
        &self,
        account: Option<AccountId>,
        limit: i64,
    ) -> Result<Vec<RemovedCharacter>> {
        twin!(self, characters::removed_characters(account, limit))
    }

    async fn upsert_corporation(&self, corp: &CorporationInfo) -> Result<()> {
        twin!(self, orgs::upsert_corporation(corp))
    }

    async fn corporation(&self, id: CorporationId) -> Result<Option<CorporationInfo>> {
        twin!(self, orgs::corporation(id))
    }

    async fn corporations_by_ids(&self, ids: &[CorporationId]) -> Result<Vec<CorporationInfo>> {
        twin!(self, orgs::corporations_by_ids(ids))
    }

    async fn upsert_alliance(&self, alliance: &AllianceInfo) -> Result<()> {
        twin!(self, orgs::upsert_alliance(alliance))
    }

    async fn alliance(&self, id: AllianceId) -> Result<Option<AllianceInfo>> {
        twin!(self, orgs::alliance(id))
    }

    async fn alliances_by_ids(&self, ids: &[AllianceId]) -> Result<Vec<AllianceInfo>> {
        twin!(self, orgs::alliances_by_ids(ids))
    }

    async fn stale_corporations(
        &self,
        now: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<CorporationId>> {
        twin!(self, orgs::stale_corporations(now, limit))
    }

    async fn stale_alliances(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<AllianceId>> {
        twin!(self, orgs::stale_alliances(now, limit))
    }

    async fn upsert_token(&self, token: &NewToken) -> Result<TokenRecord> {
        twin!(self, tokens::upsert_token(token))
    }

    async fn token(&self, character: CharacterId, login: &str) -> Result<Option<TokenRecord>> {
        twin!(self, tokens::token(character, login))
    }

    async fn tokens_of_character(&self, character: CharacterId) -> Result<Vec<TokenRecord>> {
        twin!(self, tokens::tokens_of_character(character))
    }

    async fn tokens_of_account(&self, account: AccountId) -> Result<Vec<TokenRecord>> {
        twin!(self, tokens::tokens_of_account(account))
    }

    async fn record_refresh(
        &self,
        token_id: i64,
        refreshed: &RefreshedToken,
        holder: &str,
    ) -> Result<()> {
        twin!(self, tokens::record_refresh(token_id, refreshed, holder))
    }

    async fn set_token_status(
        &self,
        token_id: i64,
        status: TokenStatus,
        reason: Option<&str>,
    ) -> Result<()> {
        twin!(self, tokens::set_token_status(token_id, status, reason))
    }

    async fn tokens_expiring_before(
        &self,
        before: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<TokenRecord>> {
        twin!(self, tokens::tokens_expiring_before(before, limit))
    }

    async fn try_lease_token(&self, token_id: i64, holder: &str, lease: Duration) -> Result<bool> {
        twin!(self, tokens::try_lease_token(token_id, holder, lease))
    }

    async fn release_token(&self, token_id: i64, holder: &str) -> Result<()> {
        twin!(self, tokens::release_token(token_id, holder))
    }

    async fn all_tokens(&self) -> Result<Vec<TokenRecord>> {
        twin!(self, tokens::all_tokens())
    }

    async fn replace_token_ciphertexts(
        &self,
        token_id: i64,
        access: &[u8],
        refresh: Option<&[u8]>,
    ) -> Result<()> {
        twin!(
            self,
            tokens::replace_token_ciphertexts(token_id, access, refresh)
        )
    }

    async fn states(&self) -> Result<Vec<State>> {
        SqlStore::states(self).await
    }

    async fn save_state(&self, state: &State) -> Result<State> {
        SqlStore::save_state(self, state).await
    }

    async fn delete_state(&self, id: i64) -> Result<()> {
        SqlStore::delete_state(self, id).await
    }

    async fn account_grants(&self, account: AccountId) -> Result<Option<AccountAccess>> {
        SqlStore::account_grants(self, account).await
    }

    async fn account_permissions(&self, account: AccountId) -> Result<BTreeSet<String>> {
        SqlStore::account_permissions(self, account).await
    }

    async fn grant_permission(&self, account: AccountId, permission: &str) -> Result<()> {
        SqlStore::grant_permission(self, account, permission).await
    }

    async fn revoke_permission(&self, account: AccountId, permission: &str) -> Result<()> {
        SqlStore::revoke_permission(self, account, permission).await
    }

    async fn load_session(&self, id: &str, now: OffsetDateTime) -> Result<Option<SessionRecord>> {
        twin!(self, misc::load_session(id, now))
    }

    async fn load_session_with_grants(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SessionAccess>> {
        twin!(self, misc::load_session_with_grants(id, now))
    }

    async fn save_session(&self, session: &SessionRecord) -> Result<()> {
        twin!(self, misc::save_session(session))
    }

    async fn delete_session(&self, id: &str) -> Result<()> {
        twin!(self, misc::delete_session(id))
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64> {
        twin!(self, misc::delete_expired_sessions(now))
    }

    async fn delete_sessions_of(&self, account: AccountId) -> Result<u64> {
        twin!(self, misc::delete_sessions_of(account))
    }

    async fn enqueue_job(&self, job: &NewJob) -> Result<Option<i64>> {
        twin!(self, jobs::enqueue_job(job))
    }

    async fn lease_jobs(
        &self,
        worker: &str,
        kinds: &[&str],
        lease: Duration,
        limit: i64,
    ) -> Result<Vec<Job>> {
        twin!(self, jobs::lease_jobs(worker, kinds, lease, limit))
    }

    async fn heartbeat_job(&self, job_id: i64, worker: &str, lease: Duration) -> Result<bool> {
        twin!(self, jobs::heartbeat_job(job_id, worker, lease))
    }

    async fn complete_job(&self, job_id: i64, worker: &str) -> Result<bool> {
        twin!(self, jobs::complete_job(job_id, worker))
    }

    async fn fail_job(
        &self,
        job_id: i64,
        worker: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<bool> {
        twin!(self, jobs::fail_job(job_id, worker, error, retry_at))
    }

    async fn postpone_job(
        &self,
        job_id: i64,
        worker: &str,
        reason: &str,
        run_at: OffsetDateTime,
    ) -> Result<bool> {
        twin!(self, jobs::postpone_job(job_id, worker, reason, run_at))
    }

    async fn jobs(&self, status: Option<JobStatus>, limit: i64) -> Result<Vec<Job>> {
        twin!(self, jobs::jobs(status, limit))
    }

    async fn job(&self, id: i64) -> Result<Option<Job>> {
        twin!(self, jobs::job(id))
    }

    async fn retry_job(&self, job_id: i64) -> Result<bool> {
        twin!(self, jobs::retry_job(job_id))
    }

    async fn job_counts(&self) -> Result<JobCounts> {
        twin!(self, jobs::job_counts())
    }

    async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry> {
        twin!(self, audit::append_audit(entry))
    }

    async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        twin!(self, audit::audit_entries(filter))
    }

    async fn audit_after(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        twin!(self, audit::audit_after(after_id, limit))
    }

    async fn kv_get(&self, key: &str) -> Result<Option<String>> {
        twin!(self, misc::kv_get(key))
    }

    async fn kv_set(&self, key: &str, value: &str) -> Result<()> {
        twin!(self, misc::kv_set(key, value))
    }

    async fn kv_set_if_absent(&self, key: &str, value: &str) -> Result<bool> {
        twin!(self, misc::kv_set_if_absent(key, value))
    }

    async fn cache_get(&self, key: &str) -> Result<Option<CacheEntry>> {
        twin!(self, misc::cache_get(key))
    }

    async fn cache_put(&self, key: &str, entry: &CacheEntry) -> Result<()> {
        twin!(self, misc::cache_put(key, entry))
    }

    async fn characters_in_corporation(
        &self,
        corporation: CorporationId,
    ) -> Result<Vec<Character>> {
        twin!(self, sync_scale::characters_in_corporation(corporation))
    }

    async fn cache_revalidated(
        &self,
        key: &str,
        etag: Option<&str>,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<bool> {
        twin!(self, sync_scale::cache_revalidated(key, etag, expires_at))
    }
}

#[async_trait]
impl StandingsStore for SqlStore {
    async fn standings(&self, filter: &StandingsFilter) -> Result<Vec<StandingsEntry>> {
        SqlStore::standings(self, filter).await
    }

    async fn all_standings(&self) -> Result<Vec<StandingsEntry>> {
        SqlStore::all_standings(self).await
    }

    async fn standing(&self, entity_id: i64) -> Result<Option<StandingsEntry>> {
        SqlStore::standing(self, entity_id).await
    }

    async fn count_standings(&self) -> Result<i64> {
        SqlStore::count_standings(self).await
    }

    async fn upsert_standing(&self, entry: &NewStandingsEntry) -> Result<StandingsEntry> {
        SqlStore::upsert_standing(self, entry).await
    }

    async fn delete_standing(&self, entity_id: i64) -> Result<bool> {
        SqlStore::delete_standing(self, entity_id).await
    }

    async fn import_standings(&self, entries: &[NewStandingsEntry]) -> Result<u64> {
        SqlStore::import_standings(self, entries).await
    }

    async fn create_request(&self, request: &NewStandingRequest) -> Result<StandingRequest> {
        SqlStore::create_request(self, request).await
    }

    async fn request(&self, id: i64) -> Result<Option<StandingRequest>> {
        SqlStore::request(self, id).await
    }

    async fn requests(&self, filter: &WorkflowFilter) -> Result<Vec<StandingRequest>> {
        SqlStore::requests(self, filter).await
    }

    async fn decide_request(&self, id: i64, decision: &RequestDecision) -> Result<StandingRequest> {
        SqlStore::decide_request(self, id, decision).await
    }

    async fn create_revocation(&self, revocation: &NewRevocation) -> Result<Revocation> {
        SqlStore::create_revocation(self, revocation).await
    }

    async fn revocation(&self, id: i64) -> Result<Option<Revocation>> {
        SqlStore::revocation(self, id).await
    }

    async fn revocations(&self, filter: &WorkflowFilter) -> Result<Vec<Revocation>> {
        SqlStore::revocations(self, filter).await
    }

    async fn decide_revocation(
        &self,
        id: i64,
        decision: &RevocationDecision,
    ) -> Result<Revocation> {
        SqlStore::decide_revocation(self, id, decision).await
    }

    async fn approval_queue(&self) -> Result<ApprovalQueue> {
        SqlStore::approval_queue(self).await
    }

    async fn change_counter(&self, name: &str) -> Result<i64> {
        SqlStore::change_counter(self, name).await
    }

    async fn queue_item(&self, kind: QueueKind, id: i64) -> Result<Option<QueueItem>> {
        SqlStore::queue_item(self, kind, id).await
    }

    async fn create_bulk_operation(&self, op: &NewBulkOperation) -> Result<BulkOperation> {
        SqlStore::create_bulk_operation(self, op).await
    }

    async fn bulk_operation(&self, id: i64) -> Result<Option<BulkOperation>> {
        SqlStore::bulk_operation(self, id).await
    }

    async fn record_bulk_progress(&self, id: i64, progress: &BulkProgress) -> Result<bool> {
        SqlStore::record_bulk_progress(self, id, progress).await
    }

    async fn enrol_sync(
        &self,
        character: CharacterId,
        account: AccountId,
    ) -> Result<SyncedCharacter> {
        SqlStore::enrol_sync(self, character, account).await
    }

    async fn leave_sync(&self, character: CharacterId) -> Result<bool> {
        SqlStore::leave_sync(self, character).await
    }

    async fn synced_character(&self, character: CharacterId) -> Result<Option<SyncedCharacter>> {
        SqlStore::synced_character(self, character).await
    }

    async fn synced_characters(&self, account: Option<AccountId>) -> Result<Vec<SyncedCharacter>> {
        SqlStore::synced_characters(self, account).await
    }

    async fn sync_counts(&self) -> Result<SyncCounts> {
        SqlStore::sync_counts(self).await
    }

    async fn set_sync_status(
        &self,
        character: CharacterId,
        status: SyncStatus,
        message: Option<&str>,
        success: bool,
    ) -> Result<()> {
        SqlStore::set_sync_status(self, character, status, message, success).await
    }

    async fn lease_sync(
        &self,
        character: CharacterId,
        holder: &str,
        lease: Duration,
    ) -> Result<crate::SyncLease> {
        SqlStore::lease_sync(self, character, holder, lease).await
    }

    async fn release_sync(&self, character: CharacterId, holder: &str) -> Result<()> {
        SqlStore::release_sync(self, character, holder).await
    }

    async fn ledger(&self, character: CharacterId) -> Result<Vec<LedgerEntry>> {
        SqlStore::ledger(self, character).await
    }

    async fn replace_ledger(&self, character: CharacterId, entries: &[LedgerEntry]) -> Result<()> {
        SqlStore::replace_ledger(self, character, entries).await
    }

    async fn notify(
        &self,
        account: AccountId,
        message: &str,
        link: Option<&str>,
    ) -> Result<Notification> {
        SqlStore::notify(self, account, message, link).await
    }

    async fn notifications(
        &self,
        account: AccountId,
        unread_only: bool,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        SqlStore::notifications(self, account, unread_only, limit).await
    }

    async fn mark_notifications_read(&self, account: AccountId) -> Result<u64> {
        SqlStore::mark_notifications_read(self, account).await
    }

    async fn apply_ledger_changes(
        &self,
        character: CharacterId,
        upserts: &[LedgerEntry],
        removals: &[i64],
    ) -> Result<()> {
        SqlStore::apply_ledger_changes(self, character, upserts, removals).await
    }

    async fn record_sync_writes(
        &self,
        character: CharacterId,
        upserts: &[LedgerEntry],
        removals: &[i64],
        pending_writes: &str,
    ) -> Result<()> {
        SqlStore::record_sync_writes(self, character, upserts, removals, pending_writes).await
    }

    async fn pending_writes(&self, character: CharacterId) -> Result<Option<String>> {
        SqlStore::pending_writes(self, character).await
    }

    async fn ledger_of_contact(&self, contact_id: i64) -> Result<Vec<(CharacterId, LedgerEntry)>> {
        SqlStore::ledger_of_contact(self, contact_id).await
    }
}
