//! Column lists and row readers shared by both backends: the schemas use the same names, and
//! only the way times are stored differs, so each backend instantiates the readers with its own
//! time decoding.

macro_rules! account_cols {
    () => {
        "id, main_character_id, superuser, state, email, email_verified, timezone, created_at"
    };
}

macro_rules! character_cols {
    () => {
        "id, account_id, name, owner_hash, corporation_id, alliance_id, faction_id, added_at, \
         last_checked_at"
    };
}

macro_rules! removed_cols {
    () => {
        "id, character_id, character_name, from_account_id, to_account_id, reason, \
         actor_account_id, removed_at"
    };
}

macro_rules! token_cols {
    () => {
        "id, character_id, login, access_token, refresh_token, expires_at, scopes, owner_hash, \
         status, status_reason, created_at, last_checked_at"
    };
}

macro_rules! job_cols {
    () => {
        "id, kind, CAST(payload AS TEXT) AS payload, status, run_at, dedupe_key, attempts, \
         max_attempts, locked_by, locked_until, last_error, created_at"
    };
}

macro_rules! audit_cols {
    () => {
        "id, at, actor, action, target, CAST(details AS TEXT) AS details, prev_hash, hash"
    };
}

/// Defines the row readers for one backend. `$row` is its row type; `$time`/`$time_opt` read a
/// (nullable) time column by name as `Result<OffsetDateTime>`.
macro_rules! row_readers {
    ($row:ty, $time:path, $time_opt:path) => {
        pub(crate) mod read {
            use crate::support;
            use crate::{
                AccountSummary, AllianceInfo, CacheEntry, CorporationInfo, Job, Result,
                SessionAccess, SessionRecord, TokenRecord,
            };
            use jumpgate_domain::account::{Account, Character, RemovedCharacter};
            use jumpgate_domain::audit::AuditEntry;
            use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId, FactionId};
            use sqlx::Row;

            pub(crate) fn account(r: &$row) -> Result<Account> {
                Ok(Account {
                    id: AccountId(r.try_get("id")?),
                    main_character: r
                        .try_get::<Option<i64>, _>("main_character_id")?
                        .map(CharacterId),
                    superuser: r.try_get("superuser")?,
                    state: r.try_get("state")?,
                    email: r.try_get("email")?,
                    email_verified: r.try_get("email_verified")?,
                    timezone: r.try_get("timezone")?,
                    created_at: $time(r, "created_at")?,
                })
            }

            pub(crate) fn character(r: &$row) -> Result<Character> {
                Ok(Character {
                    id: CharacterId(r.try_get("id")?),
                    account: AccountId(r.try_get("account_id")?),
                    name: r.try_get("name")?,
                    owner_hash: r.try_get("owner_hash")?,
                    corporation: CorporationId(r.try_get("corporation_id")?),
                    alliance: r.try_get::<Option<i64>, _>("alliance_id")?.map(AllianceId),
                    faction: r.try_get::<Option<i64>, _>("faction_id")?.map(FactionId),
                    added_at: $time(r, "added_at")?,
                    last_checked_at: $time_opt(r, "last_checked_at")?,
                })
            }

            pub(crate) fn account_summary(r: &$row) -> Result<AccountSummary> {
                Ok(AccountSummary {
                    id: AccountId(r.try_get("id")?),
                    main_character: r
                        .try_get::<Option<i64>, _>("main_character_id")?
                        .map(CharacterId),
                    main_name: r.try_get("main_name")?,
                    state: r.try_get("state")?,
                    superuser: r.try_get("superuser")?,
                    character_count: r.try_get("character_count")?,
                    created_at: $time(r, "created_at")?,
                })
            }

            pub(crate) fn removed(r: &$row) -> Result<RemovedCharacter> {
                Ok(RemovedCharacter {
                    id: r.try_get("id")?,
                    character: CharacterId(r.try_get("character_id")?),
                    character_name: r.try_get("character_name")?,
                    from_account: AccountId(r.try_get("from_account_id")?),
                    to_account: r.try_get::<Option<i64>, _>("to_account_id")?.map(AccountId),
                    reason: support::removal_reason(r.try_get("reason")?)?,
                    actor: r
                        .try_get::<Option<i64>, _>("actor_account_id")?
                        .map(AccountId),
                    removed_at: $time(r, "removed_at")?,
                })
            }

            pub(crate) fn corporation(r: &$row) -> Result<CorporationInfo> {
                Ok(CorporationInfo {
                    id: CorporationId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    ticker: r.try_get("ticker")?,
                    alliance: r.try_get::<Option<i64>, _>("alliance_id")?.map(AllianceId),
                    member_count: r.try_get("member_count")?,
                    expires_at: $time(r, "expires_at")?,
                })
            }

            pub(crate) fn alliance(r: &$row) -> Result<AllianceInfo> {
                Ok(AllianceInfo {
                    id: AllianceId(r.try_get("id")?),
                    name: r.try_get("name")?,
                    ticker: r.try_get("ticker")?,
                    expires_at: $time(r, "expires_at")?,
                })
            }

            pub(crate) fn token(r: &$row) -> Result<TokenRecord> {
                Ok(TokenRecord {
                    id: r.try_get("id")?,
                    character: CharacterId(r.try_get("character_id")?),
                    login: r.try_get("login")?,
                    access_token: r.try_get("access_token")?,
                    refresh_token: r.try_get("refresh_token")?,
                    expires_at: $time(r, "expires_at")?,
                    scopes: r.try_get("scopes")?,
                    owner_hash: r.try_get("owner_hash")?,
                    status: support::token_status(r.try_get("status")?)?,
                    status_reason: r.try_get("status_reason")?,
                    created_at: $time(r, "created_at")?,
                    last_checked_at: $time_opt(r, "last_checked_at")?,
                })
            }

            pub(crate) fn session(r: &$row) -> Result<SessionRecord> {
                Ok(SessionRecord {
                    id: r.try_get("id")?,
                    account: r.try_get::<Option<i64>, _>("account_id")?.map(AccountId),
                    data: r.try_get("data")?,
                    expires_at: $time(r, "expires_at")?,
                })
            }

            /// A session with its account's grants from its `SESSION_GRANTS` rows; `None`
            /// without rows (no live session).
            pub(crate) fn session_access(rows: &[$row]) -> Result<Option<SessionAccess>> {
                let Some(first) = rows.first() else {
                    return Ok(None);
                };
                let grants = rows
                    .iter()
                    .map(session_grant)
                    .collect::<Result<Option<Vec<_>>>>()?;
                Ok(Some(SessionAccess {
                    session: session(first)?,
                    access: grants.and_then(support::account_access),
                }))
            }

            /// The grants columns of a `SESSION_GRANTS` row; `None` when the session has no
            /// (existing) account.
            fn session_grant(r: &$row) -> Result<Option<support::GrantRow>> {
                let Some(superuser) = r.try_get::<Option<bool>, _>("superuser")? else {
                    return Ok(None);
                };
                Ok(Some((
                    superuser,
                    r.try_get("state")?,
                    r.try_get("main_character_id")?,
                    r.try_get("main_name")?,
                    r.try_get("permission")?,
                )))
            }

            pub(crate) fn job(r: &$row) -> Result<Job> {
                Ok(Job {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    payload: support::json(r.try_get("payload")?, "job payload")?,
                    status: support::job_status(r.try_get("status")?)?,
                    run_at: $time(r, "run_at")?,
                    dedupe_key: r.try_get("dedupe_key")?,
                    attempts: r.try_get("attempts")?,
                    max_attempts: r.try_get("max_attempts")?,
                    locked_by: r.try_get("locked_by")?,
                    locked_until: $time_opt(r, "locked_until")?,
                    last_error: r.try_get("last_error")?,
                    created_at: $time(r, "created_at")?,
                })
            }

            pub(crate) fn audit(r: &$row) -> Result<AuditEntry> {
                Ok(AuditEntry {
                    id: r.try_get("id")?,
                    at: $time(r, "at")?,
                    actor: support::actor(r.try_get("actor")?)?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    details: support::json(r.try_get("details")?, "audit details")?,
                    prev_hash: r.try_get("prev_hash")?,
                    hash: r.try_get("hash")?,
                })
            }

            pub(crate) fn cache(r: &$row) -> Result<CacheEntry> {
                Ok(CacheEntry {
                    etag: r.try_get("etag")?,
                    expires_at: $time_opt(r, "expires_at")?,
                    last_modified: r.try_get("last_modified")?,
                    pages: r.try_get("pages")?,
                    body: r.try_get("body")?,
                })
            }

            /// Reads every row with `f`, stopping at the first error.
            pub(crate) fn all<T>(rows: &[$row], f: fn(&$row) -> Result<T>) -> Result<Vec<T>> {
                rows.iter().map(f).collect()
            }
        }
    };
}

pub(crate) use {
    account_cols, audit_cols, character_cols, job_cols, removed_cols, row_readers, token_cols,
};
