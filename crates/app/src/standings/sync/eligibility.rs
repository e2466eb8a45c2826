//! Who may receive the organisation's contacts.
//!
//! The rule: an enrolled character is eligible while
//! 1. it is still registered in Jumpgate, on the account that enrolled it;
//! 2. that account has the permission `standings.request` (through its state or directly);
//! 3. the character itself, its corporation or its alliance holds an entry in the standings
//!    database (any standing): the organisation's contacts go to those the organisation stands
//!    with, so revoking a member's standing stops their sync.
//!
//! A character that stops being eligible stops syncing: its Jumpgate contacts are removed (or
//! left to the player, per `leave_policy`), its ledger is emptied, its status becomes
//! `not_eligible` with the reason, and its owner is told once. It stays enrolled, so it syncs
//! again by itself once eligible again.

use super::engine::{Stop, SyncOutcome, SyncReport};
use crate::App;
use crate::error::{AppError, AppResult};
use crate::standings::settings::StandingsSettings;
use jumpgate_domain::account::Character;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{LeavePolicy, find_label, leave_plan};
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_store::{SyncStatus, SyncedCharacter};
use std::collections::{HashMap, HashSet};

/// What removing Jumpgate's contacts from a character came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CleanUp {
    /// Done, or nothing to do: contacts deleted, personal contacts given back.
    Done {
        deleted: usize,
        restored: usize,
        calls: usize,
    },
    /// The contacts could not be removed (the ledger is kept, so a later try can): why.
    Blocked(String),
}

/// The ids of every entity with an entry, for checking many characters against one read.
pub(crate) struct EntryIds(HashSet<i64>);

impl EntryIds {
    pub fn from_ids(ids: impl IntoIterator<Item = i64>) -> Self {
        Self(ids.into_iter().collect())
    }
}

impl App {
    /// Whether a character may receive the organisation's contacts; `Err(reason)` says why not.
    /// Needs `standings.manage`.
    pub async fn sync_eligibility(
        &self,
        caller: &crate::Caller,
        character: CharacterId,
    ) -> AppResult<Result<(), String>> {
        caller.require(jumpgate_domain::permissions::Permission::STANDINGS_MANAGE)?;
        let enrolled = self.store().synced_character(character).await?;
        Ok(self
            .eligibility_of(character, enrolled.map(|e| e.account), None)
            .await?
            .map(|_| ()))
    }

    /// The eligibility rule (module docs). With `entries` the standings are not read again.
    /// Returns the character (its corporation and alliance are needed next).
    pub(crate) async fn eligibility_of(
        &self,
        character: CharacterId,
        enrolled_by: Option<AccountId>,
        entries: Option<&EntryIds>,
    ) -> AppResult<Result<Character, String>> {
        let Some(ch) = self.store().character(character).await? else {
            return Ok(Err(format!(
                "character {character} is no longer registered in Jumpgate"
            )));
        };
        if enrolled_by.is_some_and(|a| a != ch.account) {
            return Ok(Err(format!(
                "{} moved to another Jumpgate account",
                ch.name
            )));
        }
        if !self
            .grants(ch.account)
            .await?
            .allows(Permission::STANDINGS_REQUEST)
        {
            return Ok(Err(format!(
                "the account of {} no longer has the permission to use standings",
                ch.name
            )));
        }
        let ids = [
            Some(ch.id.get()),
            Some(ch.corporation.get()),
            ch.alliance.map(|a| a.get()),
        ];
        let holds = match entries {
            Some(e) => ids.iter().flatten().any(|id| e.0.contains(id)),
            None => {
                let mut found = false;
                for id in ids.iter().flatten() {
                    if self.store().standing(*id).await?.is_some() {
                        found = true;
                        break;
                    }
                }
                found
            }
        };
        if !holds {
            return Ok(Err(format!(
                "neither {} nor its corporation or alliance holds a standing in the \
                 organisation's standings database",
                ch.name
            )));
        }
        Ok(Ok(ch))
    }
}

impl App {
    /// Removes (or, with `leave_policy = keep`, forgets) the contacts Jumpgate wrote into a
    /// character: `leave_plan` executed, the ledger emptied of what is gone. Transient ESI
    /// trouble is returned as an error (try again later).
    pub(crate) async fn clean_up_contacts(
        &self,
        character: CharacterId,
        settings: &StandingsSettings,
    ) -> AppResult<CleanUp> {
        let ledger = self.store().ledger(character).await?;
        if ledger.is_empty() {
            return Ok(CleanUp::Done {
                deleted: 0,
                restored: 0,
                calls: 0,
            });
        }
        if settings.leave_policy == LeavePolicy::Keep {
            self.store().replace_ledger(character, &[]).await?;
            return Ok(CleanUp::Done {
                deleted: 0,
                restored: 0,
                calls: 0,
            });
        }
        let read = match self.read_contacts(character).await {
            Ok(r) => r,
            Err(Stop::Token(msg)) => return Ok(CleanUp::Blocked(msg)),
            Err(Stop::Esi(e)) if e.is_transient() => return Err(AppError::Esi(e)),
            Err(Stop::Esi(e)) => return Ok(CleanUp::Blocked(e.to_string())),
            Err(Stop::App(e)) => return Err(e),
        };
        let label = find_label(&read.labels, &settings.label_name);
        let plan = leave_plan(&read.current, &ledger, label, settings.leave_policy);
        let done = self
            .write_plan(character, &read, &plan, ledger, &HashMap::new())
            .await?;
        match done.error {
            None => Ok(CleanUp::Done {
                deleted: done.deleted.len(),
                restored: done.edited.len(),
                calls: done.calls,
            }),
            Some(e) if e.is_transient() => Err(AppError::Esi(e)),
            Some(e) => Ok(CleanUp::Blocked(e.to_string())),
        }
    }

    /// Stops the sync of a character that is not eligible any more (module docs).
    pub(crate) async fn stop_ineligible(
        &self,
        enrolled: &SyncedCharacter,
        settings: &StandingsSettings,
        reason: String,
    ) -> AppResult<SyncReport> {
        let clean = self.clean_up_contacts(enrolled.character, settings).await?;
        let msg = match &clean {
            CleanUp::Done { .. } if settings.leave_policy == LeavePolicy::Keep => format!(
                "Sync stopped: {reason}. The contacts Jumpgate wrote were left in game and are \
                 yours now."
            ),
            CleanUp::Done { .. } => {
                format!("Sync stopped: {reason}. The contacts Jumpgate wrote were removed.")
            }
            CleanUp::Blocked(why) => format!(
                "Sync stopped: {reason}. Jumpgate could not remove its contacts yet ({why}); \
                 it tries again later, or remove the contacts labelled '{}' in game.",
                settings.label_name
            ),
        };
        self.set_status_notify(enrolled, SyncStatus::NotEligible, &msg)
            .await?;
        let (deleted, edited, write_calls) = match clean {
            CleanUp::Done {
                deleted,
                restored,
                calls,
            } => (deleted, restored, calls),
            CleanUp::Blocked(_) => (0, 0, 0),
        };
        Ok(SyncReport {
            deleted,
            edited,
            write_calls,
            ..SyncReport::only(SyncOutcome::NotEligible(reason))
        })
    }
}
