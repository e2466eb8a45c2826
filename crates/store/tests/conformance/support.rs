//! Builders shared by the conformance tests.

use jumpgate_domain::audit::to_micros;
use jumpgate_domain::groups::MembershipSource;
use jumpgate_domain::{AccountId, GroupId, JobId};
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use jumpgate_store::{
    JobLease, JobOverviewQuery, JobSummary, NewCharacter, NewJob, NewMembership, NewToken,
    RunReport, Store,
};
use time::OffsetDateTime;

pub const CORP: CorporationId = CorporationId(98_000_001);
pub const ALLIANCE: AllianceId = AllianceId(99_000_001);

pub fn now() -> OffsetDateTime {
    // The stores under test write by the system clock (`connect` gives them one).
    #[allow(clippy::disallowed_methods)]
    to_micros(OffsetDateTime::now_utc())
}

pub fn secs(n: i64) -> time::Duration {
    time::Duration::seconds(n)
}

pub fn character(id: i64, name: &str) -> NewCharacter {
    NewCharacter {
        id: CharacterId(id),
        name: name.to_owned(),
        owner_hash: format!("owner-{id}"),
        corporation: CORP,
        alliance: Some(ALLIANCE),
        faction: None,
    }
}

pub fn token(character: CharacterId, login: &str, expires_at: OffsetDateTime) -> NewToken {
    NewToken {
        character,
        login: login.to_owned(),
        access_token: format!("access-{login}").into_bytes(),
        refresh_token: Some(format!("refresh-{login}").into_bytes()),
        expires_at,
        scopes: "publicData esi-characters.read_corporation_roles.v1".to_owned(),
        owner_hash: format!("owner-{}", character.get()),
    }
}

pub fn job(kind: &str, run_at: OffsetDateTime, dedupe_key: Option<&str>) -> NewJob {
    NewJob {
        kind: kind.to_owned(),
        payload: serde_json::json!({"kind": kind, "n": 1}),
        run_at,
        dedupe_key: dedupe_key.map(str::to_owned),
        max_attempts: 5,
    }
}

/// A run that started now, took a second and counted nothing.
pub fn ran() -> RunReport {
    RunReport {
        started_at: now(),
        duration: std::time::Duration::from_secs(1),
        summary: JobSummary::new(),
    }
}

/// The lease that holds running job `id` now (its worker and generation).
pub async fn held(store: &Store, id: JobId) -> JobLease {
    store
        .job(id)
        .await
        .expect("read the job")
        .and_then(|j| j.lease())
        .unwrap_or_else(|| panic!("job {id} is not running"))
}

/// Queues a job of `kind` due now and has worker `worker` run it to success; the job's id.
/// The queue must hold no other job due now.
pub async fn run_once(store: &Store, worker: &str, kind: &str, dedupe_key: Option<&str>) -> JobId {
    let id = store
        .enqueue_job(&job(kind, now(), dedupe_key))
        .await
        .expect("queue the job")
        .expect("a new job");
    let minute = std::time::Duration::from_secs(60);
    store
        .lease_jobs(worker, &[], minute, 1)
        .await
        .expect("lease");
    let done = store.complete_job(&held(store, id).await, &ran()).await;
    assert!(done.expect("complete the job"), "job {id} was not held");
    id
}

/// How many job runs are kept, counted up to `cap`, as the jobs page reads it.
pub async fn kept_runs(store: &Store, cap: i64) -> i64 {
    let query = JobOverviewQuery {
        status: None,
        jobs: 0,
        jobs_offset: 0,
        finished: 0,
        finished_cap: cap,
        periodic: Vec::new(),
        next_due_keys: Vec::new(),
    };
    store
        .job_overview(&query)
        .await
        .expect("the jobs overview")
        .finished_total
}

/// A new account with `name` (id `id`) as its main, in the default corporation and alliance.
pub async fn account(store: &Store, id: i64, name: &str) -> AccountId {
    store
        .create_account(&character(id, name))
        .await
        .expect("a new account")
        .0
        .id
}

/// The permissions `account` holds through the one grants query (directly, by state, by group).
pub async fn permissions_of(
    store: &Store,
    account: AccountId,
) -> std::collections::BTreeSet<String> {
    store
        .account_grants(account)
        .await
        .expect("grants are read")
        .expect("the account exists")
        .permissions
}

/// A membership a manager (`by`) or an administrator added by hand.
pub fn manual(group: GroupId, account: AccountId, by: Option<AccountId>) -> NewMembership {
    NewMembership {
        group,
        account,
        source: MembershipSource::Manual,
        source_ref: None,
        added_by: by,
    }
}
