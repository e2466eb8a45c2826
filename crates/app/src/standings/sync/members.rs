//! What members and administrators do with contact sync: enrol their own characters, see each
//! one's status, sync now, leave; force syncs, sync everyone and watch the progress.

use super::eligibility::CleanUp;
use super::engine::{missing_scopes, status_label};
use super::propagation::sync_key;
use crate::App;
use crate::audit::{audit_in, character_target};
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::standings::settings::SYNC_LOGIN;
use crate::versioned::Versioned;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::LeavePolicy;
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_store::{
    Job, JobStatus, SyncCounts, SyncLease, SyncStatus, SyncedCharacter, TokenRecord,
};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Where a member grants the contact scopes.
pub const ADD_SCOPES_LINK: &str = "/sso/login?login=standings.sync";

/// One of a member's characters on the sync page.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberSyncRow {
    pub character: CharacterId,
    pub name: String,
    /// `None` when not enrolled.
    pub enrolment: Option<SyncedCharacter>,
    /// Has a valid token with the contact scopes.
    pub has_token: bool,
    /// A full sync of it is running, or due (a worker takes it at its next look).
    pub syncing: bool,
    /// When its next full sync is queued for, if later than now (the periodic one).
    pub next_sync: Option<OffsetDateTime>,
    /// Its last full sync failed for good (every attempt used up, until retried or the next
    /// sync succeeds): after how many attempts, and why.
    pub failed: Option<(i32, String)>,
}

impl MemberSyncRow {
    /// The status to show: "syncing" while a job for it is running or due.
    pub fn status(&self) -> Option<SyncStatus> {
        self.enrolment.as_ref().map(|e| {
            if self.syncing {
                SyncStatus::Syncing
            } else {
                e.status
            }
        })
    }

    pub fn status_text(&self) -> &'static str {
        self.status().map_or("not enrolled", status_label)
    }
}

/// What leaving sync did, in words for the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveReport {
    pub message: String,
}

/// Bulk sync progress for the admin page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncProgress {
    pub queued: usize,
    pub running: usize,
    pub counts: SyncCounts,
    /// How many enrolled characters are in each status (statuses without any left out).
    pub by_status: Vec<(SyncStatus, i64)>,
}

impl SyncProgress {
    pub fn done(&self) -> bool {
        self.queued == 0 && self.running == 0
    }
}

/// The counter the database bumps with every change the administrators' list shows.
const ENROLMENT_COUNTER: &str = "sync_enrolment";

/// Every enrolled character with its name, by character id, kept while the `sync_enrolment`
/// counter stays the same.
pub type EnrolmentCache = Versioned<Vec<(SyncedCharacter, String)>>;

/// One page of the administrators' list of enrolled characters.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrolmentPage {
    pub progress: SyncProgress,
    /// Every enrolled character by character id, each with its name: the same `Arc` while
    /// nothing the list shows changed (what is rendered from it may be kept with it).
    pub all: Arc<Vec<(SyncedCharacter, String)>>,
    /// Where this page's characters are in `all`: at most the page's size, in order.
    pub shown: Vec<usize>,
    /// How many enrolled characters the status asked for matches (all when none).
    pub matching: usize,
}

impl EnrolmentPage {
    /// This page's characters with their names.
    pub fn lines(&self) -> impl Iterator<Item = &(SyncedCharacter, String)> {
        self.shown.iter().filter_map(|&i| self.all.get(i))
    }
}

/// The most characters an administrator may select for one "sync" or "check" (checking one may
/// call ESI and clean contacts up; everyone at once is "sync all", which queues jobs).
pub const MAX_SELECTED: usize = 1_000;

fn check_selection(characters: &[CharacterId]) -> AppResult<()> {
    if characters.len() > MAX_SELECTED {
        return Err(AppError::Invalid(format!(
            "at most {MAX_SELECTED} characters can be selected at once, and {} were; nothing \
             was done (\"Sync all\" syncs every enrolled character)",
            characters.len()
        )));
    }
    Ok(())
}

/// Whether a sync token lets Jumpgate write the character's contacts.
fn usable_sync_token(t: &TokenRecord) -> bool {
    t.status == TokenStatus::Valid && missing_scopes(&t.scopes).is_empty()
}

impl App {
    /// The caller's own characters with their sync enrolment. Needs `standings.request`.
    pub async fn member_sync_rows(&self, caller: &Caller) -> AppResult<Vec<MemberSyncRow>> {
        let account = caller.person_with(Permission::STANDINGS_REQUEST)?;
        // From the list of every enrolment this process keeps (its counter came with the
        // session), not a read of its own.
        let enrolled = self.all_enrolments(caller).await?;
        let now = self.now();
        // The characters with their tokens in one read, their sync jobs in one more, not two
        // per character.
        let characters = self.characters_with_details(account).await?;
        let keys: Vec<String> = characters
            .iter()
            .map(|c| sync_key(c.character.id))
            .collect();
        let all_jobs = self.store().jobs_with_keys(&keys).await?;
        let mut rows = Vec::new();
        for (c, key) in characters.into_iter().zip(keys) {
            let has_token = c
                .tokens
                .iter()
                .any(|t| t.login == SYNC_LOGIN && usable_sync_token(t));
            let ch = c.character;
            let jobs: Vec<&Job> = all_jobs
                .iter()
                .filter(|j| j.dedupe_key.as_deref() == Some(key.as_str()))
                .collect();
            let pending = jobs.iter().find(|j| j.status != JobStatus::Failed);
            rows.push(MemberSyncRow {
                character: ch.id,
                name: ch.name,
                enrolment: enrolled
                    .iter()
                    .map(|(e, _)| e)
                    .find(|e| e.account == account && e.character == ch.id)
                    .cloned(),
                has_token,
                syncing: pending.is_some_and(|j| j.status == JobStatus::Running || j.run_at <= now),
                next_sync: pending.map(|j| j.run_at).filter(|at| *at > now),
                failed: jobs
                    .iter()
                    .find(|j| j.status == JobStatus::Failed)
                    .map(|j| (j.attempts, j.last_error.clone().unwrap_or_default())),
            });
        }
        Ok(rows)
    }

    async fn has_sync_token(&self, character: CharacterId) -> AppResult<bool> {
        Ok(self
            .store()
            .token(character, SYNC_LOGIN)
            .await?
            .is_some_and(|t| usable_sync_token(&t)))
    }

    /// A character of `account`, or `Forbidden`.
    async fn own_sync_character(
        &self,
        account: AccountId,
        character: CharacterId,
    ) -> AppResult<jumpgate_domain::account::Character> {
        match self.store().character(character).await? {
            Some(c) if c.account == account => Ok(c),
            _ => Err(AppError::Forbidden(
                "you can only manage the contact sync of your own characters".into(),
            )),
        }
    }

    /// Enrols one of the member's own characters and queues its first sync. Needs
    /// `standings.request`.
    pub async fn enrol_in_sync(&self, caller: &Caller, character: CharacterId) -> AppResult<()> {
        let account = caller.own_account()?;
        if !caller.allows(Permission::STANDINGS_REQUEST) {
            return Err(AppError::Forbidden(
                "you do not have the permission to use standings".into(),
            ));
        }
        let ch = self.own_sync_character(account, character).await?;
        if !self.has_sync_token(character).await? {
            return Err(AppError::Invalid(format!(
                "Jumpgate needs permission to read and write the contacts of {}: log in with it \
                 through \"Add scopes\" ({ADD_SCOPES_LINK}) first",
                ch.name
            )));
        }
        if let Err(reason) = self.eligibility_of(character, None, None).await? {
            return Err(AppError::Invalid(format!(
                "{} cannot receive the organisation's contacts: {reason}",
                ch.name
            )));
        }
        let kept = self.pending_writes_kept(character).await?;
        let mut tx = self.store().transaction().await?;
        tx.enrol_sync(character, account).await?;
        if let Some(text) = kept {
            tx.set_pending_writes(character, &text).await?;
        }
        audit_in(
            &mut tx,
            caller.actor(),
            "standings.sync.enrolled",
            character_target(character),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        self.queue_syncs(&[character], Duration::ZERO).await?;
        Ok(())
    }

    /// Queues a full sync of one of the member's enrolled characters, due now ("sync now", and
    /// "retry" after a sync failed for good): a sync already queued for later (the periodic
    /// one) is moved to now rather than left waiting. Needs `standings.request`.
    pub async fn request_sync_now(&self, caller: &Caller, character: CharacterId) -> AppResult<()> {
        let account = caller.person_with(Permission::STANDINGS_REQUEST)?;
        self.own_sync_character(account, character).await?;
        if self.store().synced_character(character).await?.is_none() {
            return Err(AppError::Invalid(
                "this character is not enrolled in contact sync".into(),
            ));
        }
        self.queue_syncs(&[character], Duration::ZERO).await?;
        Ok(())
    }

    /// Takes one of the member's characters out of sync: Jumpgate's contacts are removed (or
    /// left, per `leave_policy`) first, then the enrolment and its ledger. Any owner may leave,
    /// with or without `standings.request` (someone who lost it must be able to stop the sync).
    pub async fn leave_sync_of(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<LeaveReport> {
        let account = caller.own_account()?;
        let ch = self.own_sync_character(account, character).await?;
        let settings = self.settings().standings.clone();
        if self.store().synced_character(character).await?.is_none() {
            return Err(AppError::Invalid(format!(
                "{} is not enrolled in contact sync",
                ch.name
            )));
        }
        let holder = super::engine::holder(self);
        let lease = self
            .store()
            .lease_sync(character, &holder, Duration::from_secs(300))
            .await?;
        if !matches!(lease, SyncLease::Leased(_)) {
            return Err(AppError::Invalid(format!(
                "{} is being synced right now; try again in a minute",
                ch.name
            )));
        }
        let clean = self.clean_up_contacts(character, &settings).await;
        let _ = self.store().release_sync(character, &holder).await;
        let message = match clean? {
            CleanUp::Done { .. } if settings.leave_policy == LeavePolicy::Keep => format!(
                "{} left contact sync; the contacts Jumpgate wrote stay in game and are yours now.",
                ch.name
            ),
            CleanUp::Done {
                deleted, restored, ..
            } => format!(
                "{} left contact sync; {deleted} contact(s) Jumpgate wrote were removed and \
                 {restored} personal contact(s) got their own standing back.",
                ch.name
            ),
            CleanUp::Blocked(why) => format!(
                "{} left contact sync, but Jumpgate could not remove its contacts ({why}): \
                 remove the contacts labelled '{}' in game.",
                ch.name, settings.label_name
            ),
        };
        self.keep_pending_writes(character).await?;
        let mut tx = self.store().transaction().await?;
        tx.leave_sync(character).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "standings.sync.left",
            character_target(character),
            json!({ "policy": settings.leave_policy.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(LeaveReport { message })
    }

    fn require_manage(caller: &Caller) -> AppResult<()> {
        if caller.allows(Permission::STANDINGS_MANAGE) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "you do not have the permission to manage standings".into(),
            ))
        }
    }

    /// One page of the enrolled characters (of `status`, or all), by character id, with their
    /// names, how many `status` matches, and the progress of bulk syncs (admin). The list is
    /// kept per process while the `sync_enrolment` counter stays the same (every write of an
    /// enrolment but its lease, and every rename, moves it, on any instance): a view reads the
    /// counter and the jobs' counts, and filters, counts and pages in memory.
    pub async fn enrolment_page(
        &self,
        caller: &Caller,
        status: Option<SyncStatus>,
        limit: usize,
        offset: usize,
    ) -> AppResult<EnrolmentPage> {
        Self::require_manage(caller)?;
        let all = self.all_enrolments(caller).await?;
        let mut by_status: Vec<(SyncStatus, i64)> = SyncStatus::ALL.map(|s| (s, 0)).to_vec();
        for (e, _) in all.iter() {
            if let Some((_, n)) = by_status.iter_mut().find(|(s, _)| *s == e.status) {
                *n += 1;
            }
        }
        by_status.retain(|&(_, n)| n > 0);
        let mut matching = 0;
        let mut shown = Vec::with_capacity(limit.min(all.len()));
        for (i, (e, _)) in all.iter().enumerate() {
            if status.is_none_or(|s| e.status == s) {
                if matching >= offset && shown.len() < limit {
                    shown.push(i);
                }
                matching += 1;
            }
        }
        Ok(EnrolmentPage {
            progress: self.progress_of(by_status).await?,
            all,
            shown,
            matching,
        })
    }

    /// Every enrolment with its character's name, read again only when the `sync_enrolment`
    /// counter moved (ADR 0010). The caller's permission is checked by the use case that asks.
    async fn all_enrolments(
        &self,
        caller: &Caller,
    ) -> AppResult<Arc<Vec<(SyncedCharacter, String)>>> {
        let version = self
            .change_counter_seen_by(caller, ENROLMENT_COUNTER)
            .await?;
        self.enrolment_cache()
            .get_or_read(version, || async {
                Ok(self.store().enrolment_list().await?)
            })
            .await
    }

    /// Queues a full sync of chosen enrolled characters now (admin); returns how many.
    pub async fn force_sync(
        &self,
        caller: &Caller,
        characters: &[CharacterId],
    ) -> AppResult<usize> {
        Self::require_manage(caller)?;
        check_selection(characters)?;
        let mut tx = self.store().transaction().await?;
        let queued = self
            .queue_syncs_in(&mut tx, characters, Duration::ZERO)
            .await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "standings.sync.forced",
            "standings",
            json!({ "characters": characters.iter().map(|c| c.get()).collect::<Vec<_>>() }),
        )
        .await?;
        tx.commit().await?;
        Ok(queued)
    }

    /// Checks the eligibility of chosen characters now (admin): those not eligible are stopped
    /// at once (contacts removed per policy). Returns (character, reason) of those stopped.
    pub async fn validate_sync(
        &self,
        caller: &Caller,
        characters: &[CharacterId],
    ) -> AppResult<Vec<(CharacterId, String)>> {
        Self::require_manage(caller)?;
        check_selection(characters)?;
        let settings = self.settings().standings.clone();
        let mut stopped = Vec::new();
        for c in characters {
            let Some(enrolled) = self.store().synced_character(*c).await? else {
                continue;
            };
            if let Err(reason) = self
                .eligibility_of(*c, Some(enrolled.account), None)
                .await?
            {
                let holder = super::engine::holder(self);
                if let SyncLease::Leased(_) = self
                    .store()
                    .lease_sync(*c, &holder, Duration::from_secs(300))
                    .await?
                {
                    let r = self
                        .stop_ineligible(&enrolled, &settings, reason.clone())
                        .await;
                    let _ = self.store().release_sync(*c, &holder).await;
                    r?;
                }
                stopped.push((*c, reason));
            }
        }
        Ok(stopped)
    }

    /// Queues a full sync of every enrolled character now (admin "sync all").
    pub async fn sync_all(&self, caller: &Caller) -> AppResult<usize> {
        Self::require_manage(caller)?;
        self.reconcile_within(&caller.actor(), Duration::from_secs(30))
            .await
    }

    /// Progress of bulk syncs: jobs waiting and running, and the status counts. Needs
    /// `standings.manage`.
    pub async fn sync_progress(&self, caller: &Caller) -> AppResult<SyncProgress> {
        Self::require_manage(caller)?;
        let by_status = self.store().sync_status_counts().await?;
        self.progress_of(by_status).await
    }

    /// The progress with the jobs waiting and running now, and `by_status`.
    async fn progress_of(&self, by_status: Vec<(SyncStatus, i64)>) -> AppResult<SyncProgress> {
        // Counted by the database: reading the waiting jobs cost a row per enrolled character.
        let jobs = self.store().job_counts_by_kind().await?;
        let of = |kind: &str| jobs.get(kind).copied().unwrap_or_default();
        let (sync, propagate) = (
            of(super::propagation::SYNC_CHARACTER),
            of(super::propagation::PROPAGATE),
        );
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        Ok(SyncProgress {
            queued: count(sync.queued + propagate.queued),
            running: count(sync.running + propagate.running),
            counts: SyncCounts::of_statuses(&by_status),
            by_status,
        })
    }
}
