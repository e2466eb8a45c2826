//! The records the store reads and writes, beside the domain's own types.

use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::{
    AccountId, AllianceId, CharacterId, CorporationId, FactionId, JobId, TokenId,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A character about to be added to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCharacter {
    pub id: CharacterId,
    pub name: String,
    pub owner_hash: String,
    pub corporation: CorporationId,
    pub alliance: Option<AllianceId>,
    pub faction: Option<FactionId>,
}

/// One row of the admin's account list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub id: AccountId,
    pub main_character: Option<CharacterId>,
    pub main_name: Option<String>,
    pub state: String,
    pub superuser: bool,
    pub character_count: i64,
    pub created_at: OffsetDateTime,
}

/// An account in the administrators' list, with the names of its characters (what the list
/// is searched by).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAccount {
    pub summary: AccountSummary,
    /// By character id.
    pub character_names: Vec<String>,
}

/// A character as the administrators' character search shows it: what the `account_list`
/// change counter follows for it (migrations 0016 / 0017 and 0017 / 0018), nothing it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCharacter {
    pub id: CharacterId,
    pub name: String,
    pub account: AccountId,
    pub corporation: CorporationId,
    pub alliance: Option<AllianceId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorporationInfo {
    pub id: CorporationId,
    pub name: String,
    pub ticker: String,
    pub alliance: Option<AllianceId>,
    pub member_count: Option<i64>,
    /// Its CEO as ESI last said (none for a closed corporation, or not read yet).
    pub ceo: Option<CharacterId>,
    /// When ESI says the data may have changed (`Expires`).
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllianceInfo {
    pub id: AllianceId,
    pub name: String,
    pub ticker: String,
    pub expires_at: OffsetDateTime,
}

/// A valid token of one EVE login with its character as Jumpgate last saw it (the application
/// API's `token-data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginTokenHolder {
    pub character: CharacterId,
    pub name: String,
    pub corporation: CorporationId,
    pub alliance: Option<AllianceId>,
    /// When the token was last refreshed or judged.
    pub last_checked: Option<OffsetDateTime>,
}

/// A token to store. The byte fields are AEAD ciphertexts produced above the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub character: CharacterId,
    /// The EVE login (named scope set) this token was granted for, e.g. `core.default`.
    pub login: String,
    pub access_token: Vec<u8>,
    pub refresh_token: Option<Vec<u8>>,
    pub expires_at: OffsetDateTime,
    /// Space-separated scopes from the JWT.
    pub scopes: String,
    pub owner_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: TokenId,
    pub character: CharacterId,
    pub login: String,
    pub access_token: Vec<u8>,
    pub refresh_token: Option<Vec<u8>>,
    pub expires_at: OffsetDateTime,
    pub scopes: String,
    pub owner_hash: String,
    pub status: TokenStatus,
    pub status_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_checked_at: Option<OffsetDateTime>,
}

impl TokenRecord {
    /// The token's ciphertexts as stored, for a write that checks they are unchanged.
    pub fn ciphertexts(&self) -> TokenCiphertexts<'_> {
        TokenCiphertexts {
            access: &self.access_token,
            refresh: self.refresh_token.as_deref(),
        }
    }
}

/// A token's access and refresh ciphertexts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCiphertexts<'a> {
    pub access: &'a [u8],
    pub refresh: Option<&'a [u8]>,
}

/// A key that sealed stored tokens, and how many ciphertexts (access and refresh tokens count
/// one each) it sealed: `Store::token_key_ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenKeyUse {
    /// `None`: ciphertexts that are not in Jumpgate's format (they name no key).
    pub key_id: Option<String>,
    pub ciphertexts: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshedToken {
    pub access_token: Vec<u8>,
    /// The rotated refresh token, if the SSO sent a new one.
    pub refresh_token: Option<Vec<u8>>,
    pub expires_at: OffsetDateTime,
    pub scopes: String,
}

/// A live session with what its account may do, read together (`Store::load_session_with_grants`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionAccess {
    pub session: SessionRecord,
    /// The account's grants; `None` when the session has no account or it no longer exists.
    pub access: Option<AccountAccess>,
    /// Every change counter (`Store::change_counters`) by name, read in the same statement.
    pub counters: std::collections::BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// A hash of the cookie value.
    pub id: String,
    pub account: Option<AccountId>,
    /// Serialized session data (JSON).
    pub data: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Failed]
            .into_iter()
            .find(|j| j.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// What to run, e.g. `refresh-affiliations`.
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: OffsetDateTime,
    pub dedupe_key: Option<String>,
    pub max_attempts: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub run_at: OffsetDateTime,
    pub dedupe_key: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    pub locked_by: Option<String>,
    pub locked_until: Option<OffsetDateTime>,
    /// Counts the job's leases: the last one's fencing token (see [`JobLease`]).
    pub lease_generation: i64,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
}

impl Job {
    /// The hold of the worker running this job, as leased; `None` when it does not run.
    pub fn lease(&self) -> Option<JobLease> {
        match (&self.status, &self.locked_by) {
            (JobStatus::Running, Some(worker)) => Some(JobLease {
                job: self.id,
                worker: worker.clone(),
                generation: self.lease_generation,
            }),
            _ => None,
        }
    }
}

/// A worker's hold on a running job, which every write that extends or ends the run carries.
/// Each lease of a job takes the next generation, so a holder whose lease expired and was taken
/// over (by another instance, or by its own) is refused, even under the same worker name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobLease {
    pub job: JobId,
    /// The instance that holds it (`locked_by`).
    pub worker: String,
    pub generation: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub failed: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AuditFilter {
    /// Actor text, e.g. `account:12`.
    pub actor: Option<String>,
    /// Prefix of the action, e.g. `character.` for every character action.
    pub action_prefix: Option<String>,
    /// Exact target, e.g. `character:90000001`.
    pub target: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Only entries older than this id: the next page of a list newest first.
    pub before: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    pub etag: Option<String>,
    pub expires_at: Option<OffsetDateTime>,
    pub last_modified: Option<String>,
    /// X-Pages, for paged routes.
    pub pages: Option<i32>,
    pub body: Vec<u8>,
}

/// What every page needs about the signed-in account, in one read: its superuser flag, state,
/// main character (id and name) and every permission it holds, directly or through its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAccess {
    pub superuser: bool,
    pub state: String,
    pub main: Option<(CharacterId, String)>,
    pub permissions: std::collections::BTreeSet<String>,
}
