//! The `Store` impl both backends share: every method delegates to the function of the same
//! name in the backend's topic module (`accounts`, `jobs`, …), which the invoking module brings
//! into scope. Only the SQL differs between backends, so only the SQL is written twice.

macro_rules! delegate_store {
    ($store:ty, $backend:expr) => {
        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn schema_columns(&self) -> Result<Vec<(String, Vec<String>)>> {
                misc::schema_columns(self).await
            }

            async fn create_account(&self, main: &NewCharacter) -> Result<(Account, Character)> {
                accounts::create_account(self, main).await
            }

            async fn account(&self, id: AccountId) -> Result<Option<Account>> {
                accounts::account(self, id).await
            }

            async fn accounts_by_ids(&self, ids: &[AccountId]) -> Result<Vec<Account>> {
                accounts::accounts_by_ids(self, ids).await
            }

            async fn count_accounts(&self) -> Result<i64> {
                accounts::count_accounts(self).await
            }

            async fn search_accounts(
                &self,
                query: &str,
                limit: i64,
                offset: i64,
            ) -> Result<Vec<AccountSummary>> {
                accounts::search_accounts(self, query, limit, offset).await
            }

            async fn account_ids(&self) -> Result<Vec<AccountId>> {
                accounts::account_ids(self).await
            }

            async fn set_main(&self, account: AccountId, character: CharacterId) -> Result<()> {
                accounts::set_main(self, account, character).await
            }

            async fn set_superuser(&self, account: AccountId, superuser: bool) -> Result<()> {
                accounts::set_superuser(self, account, superuser).await
            }

            async fn set_account_state(&self, account: AccountId, state: &str) -> Result<()> {
                accounts::set_account_state(self, account, state).await
            }

            async fn set_account_email(
                &self,
                account: AccountId,
                email: Option<&str>,
                verified: bool,
            ) -> Result<()> {
                accounts::set_account_email(self, account, email, verified).await
            }

            async fn set_account_timezone(
                &self,
                account: AccountId,
                timezone: Option<&str>,
            ) -> Result<()> {
                accounts::set_account_timezone(self, account, timezone).await
            }

            async fn character(&self, id: CharacterId) -> Result<Option<Character>> {
                characters::character(self, id).await
            }

            async fn characters_by_ids(&self, ids: &[CharacterId]) -> Result<Vec<Character>> {
                characters::characters_by_ids(self, ids).await
            }

            async fn character_by_name(&self, name: &str) -> Result<Option<Character>> {
                characters::character_by_name(self, name).await
            }

            async fn characters_of(&self, account: AccountId) -> Result<Vec<Character>> {
                characters::characters_of(self, account).await
            }

            async fn search_characters(&self, query: &str, limit: i64) -> Result<Vec<Character>> {
                characters::search_characters(self, query, limit).await
            }

            async fn character_ids(&self) -> Result<Vec<CharacterId>> {
                characters::character_ids(self).await
            }

            async fn add_character(
                &self,
                account: AccountId,
                character: &NewCharacter,
            ) -> Result<Character> {
                characters::add_character(self, account, character).await
            }

            async fn move_character(
                &self,
                character: CharacterId,
                to: AccountId,
                reason: RemovalReason,
                actor: Option<AccountId>,
            ) -> Result<RemovedCharacter> {
                characters::move_character(self, character, to, reason, actor).await
            }

            async fn remove_character(
                &self,
                character: CharacterId,
                reason: RemovalReason,
                actor: Option<AccountId>,
            ) -> Result<RemovedCharacter> {
                characters::remove_character(self, character, reason, actor).await
            }

            async fn update_character_identity(
                &self,
                character: CharacterId,
                name: &str,
                owner_hash: &str,
            ) -> Result<()> {
                characters::update_character_identity(self, character, name, owner_hash).await
            }

            async fn update_affiliations(
                &self,
                affiliations: &[Affiliation],
                checked_at: OffsetDateTime,
            ) -> Result<u64> {
                characters::update_affiliations(self, affiliations, checked_at).await
            }

            async fn removed_characters(
                &self,
                account: Option<AccountId>,
                limit: i64,
            ) -> Result<Vec<RemovedCharacter>> {
                characters::removed_characters(self, account, limit).await
            }

            async fn upsert_corporation(&self, corp: &CorporationInfo) -> Result<()> {
                orgs::upsert_corporation(self, corp).await
            }

            async fn corporation(&self, id: CorporationId) -> Result<Option<CorporationInfo>> {
                orgs::corporation(self, id).await
            }

            async fn corporations_by_ids(
                &self,
                ids: &[CorporationId],
            ) -> Result<Vec<CorporationInfo>> {
                orgs::corporations_by_ids(self, ids).await
            }

            async fn upsert_alliance(&self, alliance: &AllianceInfo) -> Result<()> {
                orgs::upsert_alliance(self, alliance).await
            }

            async fn alliance(&self, id: AllianceId) -> Result<Option<AllianceInfo>> {
                orgs::alliance(self, id).await
            }

            async fn alliances_by_ids(&self, ids: &[AllianceId]) -> Result<Vec<AllianceInfo>> {
                orgs::alliances_by_ids(self, ids).await
            }

            async fn stale_corporations(
                &self,
                now: OffsetDateTime,
                limit: i64,
            ) -> Result<Vec<CorporationId>> {
                orgs::stale_corporations(self, now, limit).await
            }

            async fn stale_alliances(
                &self,
                now: OffsetDateTime,
                limit: i64,
            ) -> Result<Vec<AllianceId>> {
                orgs::stale_alliances(self, now, limit).await
            }

            async fn upsert_token(&self, token: &NewToken) -> Result<TokenRecord> {
                tokens::upsert_token(self, token).await
            }

            async fn token(
                &self,
                character: CharacterId,
                login: &str,
            ) -> Result<Option<TokenRecord>> {
                tokens::token(self, character, login).await
            }

            async fn tokens_of_character(
                &self,
                character: CharacterId,
            ) -> Result<Vec<TokenRecord>> {
                tokens::tokens_of_character(self, character).await
            }

            async fn tokens_of_account(&self, account: AccountId) -> Result<Vec<TokenRecord>> {
                tokens::tokens_of_account(self, account).await
            }

            async fn record_refresh(
                &self,
                token_id: i64,
                refreshed: &RefreshedToken,
                holder: &str,
            ) -> Result<()> {
                tokens::record_refresh(self, token_id, refreshed, holder).await
            }

            async fn set_token_status(
                &self,
                token_id: i64,
                status: TokenStatus,
                reason: Option<&str>,
            ) -> Result<()> {
                tokens::set_token_status(self, token_id, status, reason).await
            }

            async fn tokens_expiring_before(
                &self,
                before: OffsetDateTime,
                limit: i64,
            ) -> Result<Vec<TokenRecord>> {
                tokens::tokens_expiring_before(self, before, limit).await
            }

            async fn try_lease_token(
                &self,
                token_id: i64,
                holder: &str,
                lease: Duration,
            ) -> Result<bool> {
                tokens::try_lease_token(self, token_id, holder, lease).await
            }

            async fn release_token(&self, token_id: i64, holder: &str) -> Result<()> {
                tokens::release_token(self, token_id, holder).await
            }

            async fn all_tokens(&self) -> Result<Vec<TokenRecord>> {
                tokens::all_tokens(self).await
            }

            async fn replace_token_ciphertexts(
                &self,
                token_id: i64,
                access: &[u8],
                refresh: Option<&[u8]>,
            ) -> Result<()> {
                tokens::replace_token_ciphertexts(self, token_id, access, refresh).await
            }

            async fn states(&self) -> Result<Vec<State>> {
                states::states(self).await
            }

            async fn save_state(&self, state: &State) -> Result<State> {
                states::save_state(self, state).await
            }

            async fn delete_state(&self, id: i64) -> Result<()> {
                states::delete_state(self, id).await
            }

            async fn account_grants(&self, account: AccountId) -> Result<Option<AccountAccess>> {
                states::account_grants(self, account).await
            }

            async fn account_permissions(&self, account: AccountId) -> Result<BTreeSet<String>> {
                states::account_permissions(self, account).await
            }

            async fn grant_permission(&self, account: AccountId, permission: &str) -> Result<()> {
                states::grant_permission(self, account, permission).await
            }

            async fn revoke_permission(&self, account: AccountId, permission: &str) -> Result<()> {
                states::revoke_permission(self, account, permission).await
            }

            async fn load_session(
                &self,
                id: &str,
                now: OffsetDateTime,
            ) -> Result<Option<SessionRecord>> {
                misc::load_session(self, id, now).await
            }

            async fn load_session_with_grants(
                &self,
                id: &str,
                now: OffsetDateTime,
            ) -> Result<Option<SessionAccess>> {
                misc::load_session_with_grants(self, id, now).await
            }

            async fn save_session(&self, session: &SessionRecord) -> Result<()> {
                misc::save_session(self, session).await
            }

            async fn delete_session(&self, id: &str) -> Result<()> {
                misc::delete_session(self, id).await
            }

            async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64> {
                misc::delete_expired_sessions(self, now).await
            }

            async fn delete_sessions_of(&self, account: AccountId) -> Result<u64> {
                misc::delete_sessions_of(self, account).await
            }

            async fn enqueue_job(&self, job: &NewJob) -> Result<Option<i64>> {
                jobs::enqueue_job(self, job).await
            }

            async fn lease_jobs(
                &self,
                worker: &str,
                kinds: &[&str],
                lease: Duration,
                limit: i64,
            ) -> Result<Vec<Job>> {
                jobs::lease_jobs(self, worker, kinds, lease, limit).await
            }

            async fn heartbeat_job(
                &self,
                job_id: i64,
                worker: &str,
                lease: Duration,
            ) -> Result<bool> {
                jobs::heartbeat_job(self, job_id, worker, lease).await
            }

            async fn complete_job(&self, job_id: i64, worker: &str) -> Result<bool> {
                jobs::complete_job(self, job_id, worker).await
            }

            async fn fail_job(
                &self,
                job_id: i64,
                worker: &str,
                error: &str,
                retry_at: Option<OffsetDateTime>,
            ) -> Result<bool> {
                jobs::fail_job(self, job_id, worker, error, retry_at).await
            }

            async fn postpone_job(
                &self,
                job_id: i64,
                worker: &str,
                reason: &str,
                run_at: OffsetDateTime,
            ) -> Result<bool> {
                jobs::postpone_job(self, job_id, worker, reason, run_at).await
            }

            async fn jobs(&self, status: Option<JobStatus>, limit: i64) -> Result<Vec<Job>> {
                jobs::jobs(self, status, limit).await
            }

            async fn job(&self, id: i64) -> Result<Option<Job>> {
                jobs::job(self, id).await
            }

            async fn retry_job(&self, job_id: i64) -> Result<bool> {
                jobs::retry_job(self, job_id).await
            }

            async fn job_counts(&self) -> Result<JobCounts> {
                jobs::job_counts(self).await
            }

            async fn append_audit(&self, entry: &NewAuditEntry) -> Result<AuditEntry> {
                audit::append_audit(self, entry).await
            }

            async fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
                audit::audit_entries(self, filter).await
            }

            async fn audit_after(&self, after_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
                audit::audit_after(self, after_id, limit).await
            }

            async fn kv_get(&self, key: &str) -> Result<Option<String>> {
                misc::kv_get(self, key).await
            }

            async fn kv_set(&self, key: &str, value: &str) -> Result<()> {
                misc::kv_set(self, key, value).await
            }

            async fn kv_set_if_absent(&self, key: &str, value: &str) -> Result<bool> {
                misc::kv_set_if_absent(self, key, value).await
            }

            async fn cache_get(&self, key: &str) -> Result<Option<CacheEntry>> {
                misc::cache_get(self, key).await
            }

            async fn cache_put(&self, key: &str, entry: &CacheEntry) -> Result<()> {
                misc::cache_put(self, key, entry).await
            }

            async fn characters_in_corporation(
                &self,
                corporation: CorporationId,
            ) -> Result<Vec<Character>> {
                sync_scale::characters_in_corporation(self, corporation).await
            }

            async fn cache_revalidated(
                &self,
                key: &str,
                etag: Option<&str>,
                expires_at: Option<OffsetDateTime>,
            ) -> Result<bool> {
                sync_scale::cache_revalidated(self, key, etag, expires_at).await
            }
        }
    };
}

pub(crate) use delegate_store;

/// The `StandingsStore` impl both backends share, delegating like `delegate_store` to the
/// backend's `standings`, `sync` and `notifications` modules.
macro_rules! delegate_standings_store {
    ($store:ty) => {
        #[async_trait]
        impl StandingsStore for $store {
            async fn standings(&self, filter: &StandingsFilter) -> Result<Vec<StandingsEntry>> {
                standings::standings(self, filter).await
            }

            async fn all_standings(&self) -> Result<Vec<StandingsEntry>> {
                standings::all_standings(self).await
            }

            async fn standing(&self, entity_id: i64) -> Result<Option<StandingsEntry>> {
                standings::standing(self, entity_id).await
            }

            async fn count_standings(&self) -> Result<i64> {
                standings::count_standings(self).await
            }

            async fn upsert_standing(&self, entry: &NewStandingsEntry) -> Result<StandingsEntry> {
                standings::upsert_standing(self, entry).await
            }

            async fn delete_standing(&self, entity_id: i64) -> Result<bool> {
                standings::delete_standing(self, entity_id).await
            }

            async fn import_standings(&self, entries: &[NewStandingsEntry]) -> Result<u64> {
                standings::import_standings(self, entries).await
            }

            async fn create_request(
                &self,
                request: &NewStandingRequest,
            ) -> Result<StandingRequest> {
                standings::create_request(self, request).await
            }

            async fn request(&self, id: i64) -> Result<Option<StandingRequest>> {
                standings::request(self, id).await
            }

            async fn requests(&self, filter: &WorkflowFilter) -> Result<Vec<StandingRequest>> {
                standings::requests(self, filter).await
            }

            async fn decide_request(
                &self,
                id: i64,
                decision: &RequestDecision,
            ) -> Result<StandingRequest> {
                standings::decide_request(self, id, decision).await
            }

            async fn create_revocation(&self, revocation: &NewRevocation) -> Result<Revocation> {
                standings::create_revocation(self, revocation).await
            }

            async fn revocation(&self, id: i64) -> Result<Option<Revocation>> {
                standings::revocation(self, id).await
            }

            async fn revocations(&self, filter: &WorkflowFilter) -> Result<Vec<Revocation>> {
                standings::revocations(self, filter).await
            }

            async fn decide_revocation(
                &self,
                id: i64,
                decision: &RevocationDecision,
            ) -> Result<Revocation> {
                standings::decide_revocation(self, id, decision).await
            }

            async fn approval_queue(&self) -> Result<ApprovalQueue> {
                queue::approval_queue(self).await
            }

            async fn change_counter(&self, name: &str) -> Result<i64> {
                queue::change_counter(self, name).await
            }

            async fn queue_item(&self, kind: QueueKind, id: i64) -> Result<Option<QueueItem>> {
                queue::queue_item(self, kind, id).await
            }

            async fn create_bulk_operation(&self, op: &NewBulkOperation) -> Result<BulkOperation> {
                bulk::create_bulk_operation(self, op).await
            }

            async fn bulk_operation(&self, id: i64) -> Result<Option<BulkOperation>> {
                bulk::bulk_operation(self, id).await
            }

            async fn record_bulk_progress(&self, id: i64, progress: &BulkProgress) -> Result<bool> {
                bulk::record_bulk_progress(self, id, progress).await
            }

            async fn enrol_sync(
                &self,
                character: CharacterId,
                account: AccountId,
            ) -> Result<SyncedCharacter> {
                sync::enrol_sync(self, character, account).await
            }

            async fn leave_sync(&self, character: CharacterId) -> Result<bool> {
                sync::leave_sync(self, character).await
            }

            async fn synced_character(
                &self,
                character: CharacterId,
            ) -> Result<Option<SyncedCharacter>> {
                sync::synced_character(self, character).await
            }

            async fn synced_characters(
                &self,
                account: Option<AccountId>,
            ) -> Result<Vec<SyncedCharacter>> {
                sync::synced_characters(self, account).await
            }

            async fn sync_counts(&self) -> Result<SyncCounts> {
                sync::sync_counts(self).await
            }

            async fn set_sync_status(
                &self,
                character: CharacterId,
                status: SyncStatus,
                message: Option<&str>,
                success: bool,
            ) -> Result<()> {
                sync::set_sync_status(self, character, status, message, success).await
            }

            async fn lease_sync(
                &self,
                character: CharacterId,
                holder: &str,
                lease: Duration,
            ) -> Result<crate::SyncLease> {
                sync::lease_sync(self, character, holder, lease).await
            }

            async fn release_sync(&self, character: CharacterId, holder: &str) -> Result<()> {
                sync::release_sync(self, character, holder).await
            }

            async fn ledger(&self, character: CharacterId) -> Result<Vec<LedgerEntry>> {
                sync::ledger(self, character).await
            }

            async fn replace_ledger(
                &self,
                character: CharacterId,
                entries: &[LedgerEntry],
            ) -> Result<()> {
                sync::replace_ledger(self, character, entries).await
            }

            async fn notify(
                &self,
                account: AccountId,
                message: &str,
                link: Option<&str>,
            ) -> Result<Notification> {
                notifications::notify(self, account, message, link).await
            }

            async fn notifications(
                &self,
                account: AccountId,
                unread_only: bool,
                limit: i64,
            ) -> Result<Vec<Notification>> {
                notifications::notifications(self, account, unread_only, limit).await
            }

            async fn mark_notifications_read(&self, account: AccountId) -> Result<u64> {
                notifications::mark_notifications_read(self, account).await
            }

            async fn apply_ledger_changes(
                &self,
                character: CharacterId,
                upserts: &[LedgerEntry],
                removals: &[i64],
            ) -> Result<()> {
                sync_scale::apply_ledger_changes(self, character, upserts, removals).await
            }

            async fn record_sync_writes(
                &self,
                character: CharacterId,
                upserts: &[LedgerEntry],
                removals: &[i64],
                pending_writes: &str,
            ) -> Result<()> {
                sync_scale::record_sync_writes(
                    self,
                    character,
                    upserts,
                    removals,
                    Some(pending_writes),
                )
                .await
            }

            async fn pending_writes(&self, character: CharacterId) -> Result<Option<String>> {
                sync_scale::pending_writes(self, character).await
            }

            async fn ledger_of_contact(
                &self,
                contact_id: i64,
            ) -> Result<Vec<(CharacterId, LedgerEntry)>> {
                sync_scale::ledger_of_contact(self, contact_id).await
            }
        }
    };
}

pub(crate) use delegate_standings_store;
