//! What members and administrators do with contact sync: enrol their own characters, see each
//! one's status, sync now, leave; force syncs, sync everyone and watch the progress.

use super::eligibility::CleanUp;
use super::engine::{missing_scopes, status_label};
use crate::App;
use crate::audit::character_target;
use crate::error::{AppError, AppResult};
use crate::standings::settings::SYNC_LOGIN;
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::LeavePolicy;
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_store::{SyncCounts, SyncLease, SyncStatus, SyncedCharacter};
use serde_json::json;
use std::time::Duration;

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
    /// A full sync of it is queued or running.
    pub syncing: bool,
}

impl MemberSyncRow {
    /// The status to show: "syncing" while a job for it waits or runs.
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncProgress {
    pub queued: usize,
    pub running: usize,
    pub counts: SyncCounts,
}

impl SyncProgress {
    pub fn done(&self) -> bool {
        self.queued == 0 && self.running == 0
    }
}

impl App {
    /// The characters of an account with their sync enrolment.
    pub async fn member_sync_rows(&self, account: AccountId) -> AppResult<Vec<MemberSyncRow>> {
        let enrolled = self.store().synced_characters(Some(account)).await?;
        let (_, _, busy) = self.sync_jobs().await?;
        let mut rows = Vec::new();
        for ch in self.store().characters_of(account).await? {
            let has_token = self.has_sync_token(ch.id).await?;
            rows.push(MemberSyncRow {
                character: ch.id,
                name: ch.name,
                enrolment: enrolled.iter().find(|e| e.character == ch.id).cloned(),
                has_token,
                syncing: busy.contains(&ch.id.get()),
            });
        }
        Ok(rows)
    }

    async fn has_sync_token(&self, character: CharacterId) -> AppResult<bool> {
        Ok(self
            .store()
            .token(character, SYNC_LOGIN)
            .await?
            .is_some_and(|t| {
                t.status == TokenStatus::Valid && missing_scopes(&t.scopes).is_empty()
            }))
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

    /// Enrols one of the member's own characters and queues its first sync.
    pub async fn enrol_in_sync(&self, account: AccountId, character: CharacterId) -> AppResult<()> {
        if !self
            .grants(account)
            .await?
            .allows(Permission::STANDINGS_REQUEST)
        {
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
        self.store().enrol_sync(character, account).await?;
        self.restore_pending_writes(character).await?;
        self.audit(
            Actor::Account(account.get()),
            "standings.sync.enrolled",
            character_target(character),
            json!({}),
        )
        .await?;
        self.queue_syncs(&[character], Duration::ZERO).await?;
        Ok(())
    }

    /// Queues a full sync of one of the member's enrolled characters ("sync now").
    pub async fn request_sync_now(
        &self,
        account: AccountId,
        character: CharacterId,
    ) -> AppResult<()> {
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
    /// left, per `leave_policy`) first, then the enrolment and its ledger.
    pub async fn leave_sync_of(
        &self,
        account: AccountId,
        character: CharacterId,
    ) -> AppResult<LeaveReport> {
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
        self.store().leave_sync(character).await?;
        self.audit(
            Actor::Account(account.get()),
            "standings.sync.left",
            character_target(character),
            json!({ "policy": settings.leave_policy.as_str() }),
        )
        .await?;
        Ok(LeaveReport { message })
    }

    fn require_manage(grants: &jumpgate_domain::permissions::Grants) -> AppResult<()> {
        if grants.allows(Permission::STANDINGS_MANAGE) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "you do not have the permission to manage standings".into(),
            ))
        }
    }

    /// Every enrolled character, for the admin page.
    pub async fn all_synced(&self, actor: AccountId) -> AppResult<Vec<SyncedCharacter>> {
        Self::require_manage(&self.grants(actor).await?)?;
        Ok(self.store().synced_characters(None).await?)
    }

    /// Queues a full sync of chosen enrolled characters now (admin); returns how many.
    pub async fn force_sync(
        &self,
        actor: AccountId,
        characters: &[CharacterId],
    ) -> AppResult<usize> {
        Self::require_manage(&self.grants(actor).await?)?;
        let queued = self.queue_syncs(characters, Duration::ZERO).await?;
        self.audit(
            Actor::Account(actor.get()),
            "standings.sync.forced",
            "standings",
            json!({ "characters": characters.iter().map(|c| c.get()).collect::<Vec<_>>() }),
        )
        .await?;
        Ok(queued)
    }

    /// Checks the eligibility of chosen characters now (admin): those not eligible are stopped
    /// at once (contacts removed per policy). Returns (character, reason) of those stopped.
    pub async fn validate_sync(
        &self,
        actor: AccountId,
        characters: &[CharacterId],
    ) -> AppResult<Vec<(CharacterId, String)>> {
        Self::require_manage(&self.grants(actor).await?)?;
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
    pub async fn sync_all(&self, actor: AccountId) -> AppResult<usize> {
        Self::require_manage(&self.grants(actor).await?)?;
        self.queue_reconcile(&Actor::Account(actor.get()), Duration::from_secs(30))
            .await
    }

    /// Progress of bulk syncs: jobs waiting and running, and the status counts.
    pub async fn sync_progress(&self) -> AppResult<SyncProgress> {
        let (queued, running, _) = self.sync_jobs().await?;
        Ok(SyncProgress {
            queued,
            running,
            counts: self.store().sync_counts().await?,
        })
    }
}
