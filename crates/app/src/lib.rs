//! Jumpgate's use cases: what happens when someone logs in, adds an alt, loses a token, leaves
//! the alliance. Combines the domain's rules with the store and the EVE clients; knows nothing of
//! HTTP.

//!
//! One folder (or, while it is small, one file) per feature, named as in the store and the web:
//! `accounts/` (login, alts, email, time zone, the admin's reads), `states/` (states, grants and
//! the `Caller` they make), `tokens/` (refresh, the safety valve, encryption at rest),
//! `standings/`, `audit/`, `sessions.rs`, and `jobs/` (the runner, the job registry and the
//! periodic jobs). The files beside them only compose or serve every feature: `caller.rs`,
//! `error.rs`, `settings.rs`, `mail.rs` and `esi_adapters.rs` (transports), `versioned.rs`,
//! `health.rs`, `key_file.rs` and `private_file.rs` (the secrets kept in the data directory).

pub mod access;
pub mod accounts;
pub mod apps;
pub mod audit;
pub mod caller;
mod change_counters;
pub mod deactivation;
pub mod error;
pub mod esi_adapters;
pub mod groups;
pub mod health;
pub mod jobs;
mod key_file;
pub mod mail;
pub mod notifications;
#[cfg(test)]
mod permission_matrix;
mod private_file;
pub mod roles;
pub mod sessions;
pub mod settings;
pub mod standings;
pub mod states;
pub mod tokens;
pub mod tracking;
mod typed;
pub mod versioned;

pub use caller::Caller;
pub use error::AppError;
pub use settings::AppSettings;

use jumpgate_domain::EveLogin;
use jumpgate_eve::{EsiClient, SsoClient};
use jumpgate_store::Store;
use mail::{Mailer, NoMailer};
use std::sync::Arc;
use time::OffsetDateTime;
use tokens::secrets::KeyRing;
use tokio::sync::RwLock;

/// Everything a use case needs, cheap to clone.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    sso: SsoClient,
    esi: EsiClient,
    keys: RwLock<KeyRing>,
    settings: AppSettings,
    logins: Vec<EveLogin>,
    /// Replaceable after construction (`with_mailer`), so it sits behind a lock.
    mailer: std::sync::RwLock<Arc<dyn Mailer>>,
    /// The standings contact sync writes, shared by every sync of this process.
    desired: standings::sync::DesiredCache,
    /// The standings database as its page lists it, while no entry changed.
    standings_list: standings::workflow::listing::StandingsListCache,
    /// The administrators' list of accounts, while no account or character changed.
    account_list: accounts::admin::AccountListCache,
    /// The administrators' character search's list, while no character or removal changed.
    character_list: accounts::admin::CharacterListCache,
    /// The administrators' list of enrolled characters, while no enrolment changed.
    enrolment: standings::sync::EnrolmentCache,
    /// The approver queue last read, while no request or revocation changed.
    approval_queue: standings::workflow::approval_queue::ApprovalQueueCache,
    /// Members' own requests and revocations, while no request or revocation changed.
    member_history: standings::workflow::eligibility::MemberHistoryCache,
    /// Members' notifications, while no notification changed.
    member_notifications: standings::workflow::eligibility::MemberNotificationsCache,
    /// What the groups pages read, while no group table changed.
    groups: groups::GroupCaches,
    roles: roles::kept::RoleCaches,
    /// What the application API reads on every call, and each application's calls.
    apps: apps::AppCaches,
    /// The audit log's entries its page read (they never change).
    audit_entries: audit::kept::KeptEntries,
    audit_names: audit::names::KeptNames,
    /// The jobs page's reads, for a moment and while this process began no write.
    job_overviews: jobs::admin::JobOverviewCache,
    /// When the database last answered the readiness probe.
    readiness_seen: std::sync::Mutex<Option<OffsetDateTime>>,
}

impl App {
    pub fn new(
        store: Arc<Store>,
        sso: SsoClient,
        esi: EsiClient,
        keys: KeyRing,
        settings: AppSettings,
    ) -> Self {
        let mut logins = vec![
            EveLogin::core_default(),
            settings.standings.sync_login(),
            standings::workflow::import_login(),
            roles::eve::leadership_login(),
            jumpgate_domain::tracking::tracking_login(),
        ];
        if settings.accounts.no_scopes_login {
            logins.push(EveLogin::core_no_scopes());
        }
        if settings.deactivation.eve_mail_from.is_some() {
            logins.push(EveLogin::core_mail());
        }
        Self {
            inner: Arc::new(Inner {
                store,
                sso,
                esi,
                keys: RwLock::new(keys),
                settings,
                logins,
                mailer: std::sync::RwLock::new(Arc::new(NoMailer)),
                desired: standings::sync::DesiredCache::new(None),
                standings_list: standings::workflow::listing::StandingsListCache::new(None),
                account_list: accounts::admin::AccountListCache::new(None),
                character_list: accounts::admin::CharacterListCache::new(None),
                enrolment: standings::sync::EnrolmentCache::new(None),
                approval_queue: standings::workflow::approval_queue::ApprovalQueueCache::new(Some(
                    standings::workflow::approval_queue::QUEUE_DETAILS_MAX_AGE,
                )),
                member_history: standings::workflow::eligibility::MemberHistoryCache::new(
                    standings::workflow::eligibility::MEMBER_HISTORIES_KEPT,
                ),
                member_notifications:
                    standings::workflow::eligibility::MemberNotificationsCache::new(
                        standings::workflow::eligibility::MEMBER_HISTORIES_KEPT,
                    ),
                groups: groups::GroupCaches::default(),
                roles: roles::kept::RoleCaches::default(),
                apps: apps::AppCaches::default(),
                audit_entries: audit::kept::KeptEntries::default(),
                audit_names: audit::names::KeptNames::default(),
                job_overviews: jobs::admin::JobOverviewCache::with_max_age(
                    jobs::admin::JOB_OVERVIEWS_KEPT,
                    Some(jobs::admin::JOB_OVERVIEW_MAX_AGE),
                ),
                readiness_seen: std::sync::Mutex::new(None),
            }),
        }
    }

    /// Sets where mail goes (the binary's wiring does, from `[mail]`). Until then every mail is
    /// refused with "no mail transport is configured".
    pub fn with_mailer(self, mailer: Arc<dyn Mailer>) -> Self {
        *self
            .inner
            .mailer
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = mailer;
        self
    }

    pub fn mailer(&self) -> Arc<dyn Mailer> {
        self.inner
            .mailer
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Now, by the clock the store writes times by (one clock for the store, the use cases, the
    /// web and the EVE clients: `jumpgate_domain::clock`).
    pub fn now(&self) -> OffsetDateTime {
        self.inner.store.clock().now()
    }

    pub(crate) fn desired_cache(&self) -> &standings::sync::DesiredCache {
        &self.inner.desired
    }

    pub(crate) fn standings_list_cache(&self) -> &standings::workflow::listing::StandingsListCache {
        &self.inner.standings_list
    }

    pub(crate) fn job_overview_cache(&self) -> &jobs::admin::JobOverviewCache {
        &self.inner.job_overviews
    }

    pub(crate) fn group_caches(&self) -> &groups::GroupCaches {
        &self.inner.groups
    }

    pub(crate) fn role_caches(&self) -> &roles::kept::RoleCaches {
        &self.inner.roles
    }

    pub(crate) fn account_list_cache(&self) -> &accounts::admin::AccountListCache {
        &self.inner.account_list
    }

    pub(crate) fn character_list_cache(&self) -> &accounts::admin::CharacterListCache {
        &self.inner.character_list
    }

    pub(crate) fn enrolment_cache(&self) -> &standings::sync::EnrolmentCache {
        &self.inner.enrolment
    }

    pub(crate) fn approval_queue_cache(
        &self,
    ) -> &standings::workflow::approval_queue::ApprovalQueueCache {
        &self.inner.approval_queue
    }

    pub(crate) fn member_history_cache(
        &self,
    ) -> &standings::workflow::eligibility::MemberHistoryCache {
        &self.inner.member_history
    }

    pub(crate) fn member_notifications_cache(
        &self,
    ) -> &standings::workflow::eligibility::MemberNotificationsCache {
        &self.inner.member_notifications
    }

    pub(crate) fn readiness_seen(&self) -> &std::sync::Mutex<Option<OffsetDateTime>> {
        &self.inner.readiness_seen
    }

    /// The store, for use cases only: edges go through a use case that checks its caller (or
    /// the narrow `sessions()` and `health` handles), so the compiler finds any page that would
    /// read around them.
    pub(crate) fn store(&self) -> &Arc<Store> {
        &self.inner.store
    }

    /// The EVE clients and the key ring are the use cases' own: the web and
    /// the CLI act through use cases (tests and benchmarks reach them through [`testing`]).
    pub(crate) fn sso(&self) -> &SsoClient {
        &self.inner.sso
    }

    pub(crate) fn esi(&self) -> &EsiClient {
        &self.inner.esi
    }

    pub fn settings(&self) -> &AppSettings {
        &self.inner.settings
    }

    pub(crate) fn keys(&self) -> &RwLock<KeyRing> {
        &self.inner.keys
    }

    /// The EVE logins (named scope sets) a character can be asked to grant.
    pub fn logins(&self) -> &[EveLogin] {
        &self.inner.logins
    }

    pub fn login(&self, name: &str) -> Option<&EveLogin> {
        self.inner.logins.iter().find(|l| l.name == name)
    }
}

/// What tests and benchmarks may reach past the use cases in a running `App`: its ESI client,
/// key ring. Only with the `testing` feature, which the binary's
/// dev-dependencies turn on, so the web and the CLI cannot.
#[cfg(feature = "testing")]
pub mod testing {
    use super::*;

    pub fn esi(app: &App) -> &EsiClient {
        app.esi()
    }

    pub fn keys(app: &App) -> &RwLock<KeyRing> {
        app.keys()
    }
}
