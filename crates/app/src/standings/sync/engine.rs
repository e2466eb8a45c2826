//! One sync of one character.
//!
//! lease (one sync per character across instances) → eligibility → token → GET labels and
//! contacts (conditional, cached by the ESI client) → `plan_sync` → DELETE, POST, PUT in CCP's
//! batches → ledger of what really succeeded → status. A run with nothing to change writes
//! nothing, to ESI or to the database beyond the status.
//!
//! ESI caches a contact list for minutes: right after our own writes it still serves the list
//! as it was. So after writing, the engine keeps what it changed (`pending`, stored with the
//! ledger) and lays it over an unchanged cached answer until that answer expires; otherwise the
//! next run would see its own adds missing and write them again.

use super::eligibility::EntryIds;
use super::pending::Pending;
use crate::App;
use crate::audit::character_target;
use crate::error::{AppError, AppResult};
use crate::standings::settings::{SYNC_LOGIN, StandingsSettings};
use jumpgate_domain::account::TokenStatus;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::standings::{
    Collision, ContactKind, ContactLabel, CurrentContact, DesiredContact, LedgerEntry, PlanOutcome,
    SyncInput, SyncPlan, SyncSettings, WriteBatch, find_label, plan_sync,
};
use jumpgate_domain::{AccountId, CharacterId, ScopeSet};
use jumpgate_eve::EsiError;
use jumpgate_eve::esi::{Contact, ContactType, ContactWrite};
use jumpgate_store::{SyncLease, SyncStatus, SyncedCharacter, TokenRecord};
use rand::Rng;
use secrecy::ExposeSecret;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;
use time::OffsetDateTime;

/// How long one sync may hold a character's lease.
const SYNC_LEASE: Duration = Duration::from_secs(5 * 60);
/// Used when ESI sends no `Expires`: the spec's cache age of a contact list.
const CONTACTS_CACHE: time::Duration = time::Duration::seconds(300);
pub(crate) const SYNC_PAGE: &str = "/standings/sync";

/// How one sync of one character ended.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncOutcome {
    /// Another sync of this character is running (here or on another instance): nothing done.
    AlreadySyncing,
    NotEnrolled,
    /// Stopped: contacts removed per policy; the reason.
    NotEligible(String),
    TokenInvalid(String),
    LabelMissing,
    /// The plan would exceed the contact limit: nothing written.
    OverLimit {
        needed: usize,
        limit: usize,
        personal: usize,
    },
    /// EVE refused an add because the list is full (520): what succeeded before is kept.
    ContactListFull(String),
    /// Some writes failed (the message has the numbers); what succeeded is in the ledger.
    Failed(String),
    /// Everything planned was written.
    Synced,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncReport {
    pub outcome: SyncOutcome,
    /// ESI write calls made (POST, PUT, DELETE).
    pub write_calls: usize,
    pub added: usize,
    pub edited: usize,
    pub deleted: usize,
    pub collisions: Vec<Collision>,
}

impl SyncReport {
    pub(crate) fn only(outcome: SyncOutcome) -> Self {
        Self {
            outcome,
            write_calls: 0,
            added: 0,
            edited: 0,
            deleted: 0,
            collisions: Vec::new(),
        }
    }

    /// Whether this sync wrote anything.
    pub fn wrote(&self) -> bool {
        self.write_calls > 0
    }
}

/// What the writes of one plan came to.
#[derive(Default)]
pub(crate) struct Executed {
    pub calls: usize,
    pub deleted: Vec<i64>,
    /// Contact id → (standing, labels, watched) written.
    pub added: Vec<(i64, WriteBatch)>,
    pub edited: Vec<(i64, WriteBatch)>,
    /// Planned writes that did not happen (failed, not created, or never tried after an
    /// error).
    pub failed: BTreeSet<i64>,
    /// Ids a POST answered without creating.
    not_created: Vec<i64>,
    pub error: Option<EsiError>,
}

impl Executed {
    fn wrote(&self) -> usize {
        self.deleted.len() + self.added.len() + self.edited.len()
    }
}

pub(crate) fn holder(app: &App) -> String {
    let n: u64 = rand::rng().random();
    format!("{}:{n:016x}", app.settings().instance_id)
}

fn contact_kind(t: ContactType) -> ContactKind {
    match t {
        ContactType::Character => ContactKind::Character,
        ContactType::Corporation => ContactKind::Corporation,
        ContactType::Alliance => ContactKind::Alliance,
        ContactType::Faction => ContactKind::Faction,
    }
}

pub(crate) fn current_contact(c: Contact) -> CurrentContact {
    CurrentContact {
        contact_id: c.contact_id,
        kind: contact_kind(c.contact_type),
        standing: c.standing,
        label_ids: c.label_ids,
        is_watched: c.is_watched.unwrap_or(false),
        is_blocked: c.is_blocked.unwrap_or(false),
    }
}

fn write_of(batch: &WriteBatch) -> ContactWrite {
    ContactWrite {
        standing: batch.standing.value(),
        label_ids: batch.label_ids.clone(),
        watched: batch.watched,
    }
}

pub(crate) fn how_to_create_label(label: &str) -> String {
    format!(
        "The contact label '{label}' does not exist in game, so nothing was written. Create a \
         contact label named '{label}' in game: People & Places → Contacts → Labels; the next \
         sync fills it."
    )
}

/// Why a token cannot be used, when it cannot; `None` when the failure may pass by itself.
async fn token_problem(app: &App, character: CharacterId) -> AppResult<Option<String>> {
    let token = app.store().token(character, SYNC_LOGIN).await?;
    Ok(usable(token.as_ref()).err())
}

/// The token, if it can be used for contact sync; otherwise why not.
fn usable(token: Option<&TokenRecord>) -> Result<&TokenRecord, String> {
    let Some(token) = token else {
        return Err(format!(
            "Jumpgate has no contact token for this character: log in with \"Add scopes\" \
             (/sso/login?login={SYNC_LOGIN}) to grant it"
        ));
    };
    if token.status != TokenStatus::Valid {
        return Err(format!(
            "the contact token is {}: log in with \"Add scopes\" (/sso/login?login={SYNC_LOGIN}) \
             again",
            token.status.as_str()
        ));
    }
    let missing = missing_scopes(&token.scopes);
    if !missing.is_empty() {
        return Err(format!(
            "the token lacks the scopes {}: log in with \"Add scopes\" \
             (/sso/login?login={SYNC_LOGIN}) again",
            missing.join(", ")
        ));
    }
    Ok(token)
}

pub(crate) fn missing_scopes(granted: &str) -> Vec<String> {
    let granted = ScopeSet::parse(granted);
    StandingsSettings::contact_scopes()
        .iter()
        .filter(|s| !granted.contains(s))
        .map(str::to_owned)
        .collect()
}

/// What a character's contacts look like, read from ESI.
pub(crate) struct Read {
    pub token: secrecy::SecretString,
    pub labels: Vec<ContactLabel>,
    pub current: Vec<CurrentContact>,
    /// Until when ESI may answer with the list we read.
    pub valid_until: OffsetDateTime,
    /// ESI's `Last-Modified` of the list we read: which answer it was.
    pub answer: Option<String>,
    /// Our earlier writes laid over ESI's answer to make `current`, if any.
    pub pending: Option<Pending>,
}

/// Why reading or writing stopped.
pub(crate) enum Stop {
    /// The token cannot be used: the message says why.
    Token(String),
    Esi(EsiError),
    App(AppError),
}

impl From<AppError> for Stop {
    fn from(e: AppError) -> Self {
        Self::App(e)
    }
}

impl From<jumpgate_store::StoreError> for Stop {
    fn from(e: jumpgate_store::StoreError) -> Self {
        Self::App(e.into())
    }
}

impl App {
    /// Syncs one character fully, with the configured settings. Background work (the job
    /// `standings-sync-character`).
    pub async fn sync_character(
        &self,
        caller: &crate::Caller,
        character: CharacterId,
    ) -> AppResult<SyncReport> {
        caller.require_background()?;
        let settings = self.settings().standings.clone();
        self.sync_one(character, &settings, None, None).await
    }

    /// Syncs one character with explicit settings (tests and tools), optionally only the
    /// contact ids in `only` (a targeted change) and with the standings already read.
    /// Background work.
    pub async fn sync_character_with(
        &self,
        caller: &crate::Caller,
        character: CharacterId,
        settings: &StandingsSettings,
        only: Option<BTreeSet<i64>>,
        desired: Option<&[DesiredContact]>,
    ) -> AppResult<SyncReport> {
        caller.require_background()?;
        self.sync_one(character, settings, only, desired).await
    }

    /// `sync_character_with` for use cases that already checked their caller.
    pub(crate) async fn sync_one(
        &self,
        character: CharacterId,
        settings: &StandingsSettings,
        only: Option<BTreeSet<i64>>,
        desired: Option<&[DesiredContact]>,
    ) -> AppResult<SyncReport> {
        let holder = holder(self);
        let enrolled = match self
            .store()
            .lease_sync(character, &holder, SYNC_LEASE)
            .await?
        {
            SyncLease::Leased(enrolled) => enrolled,
            SyncLease::Busy => return Ok(SyncReport::only(SyncOutcome::AlreadySyncing)),
            SyncLease::NotEnrolled => return Ok(SyncReport::only(SyncOutcome::NotEnrolled)),
        };
        let result = self.sync_leased(&enrolled, settings, only, desired).await;
        if let Err(e) = self.store().release_sync(character, &holder).await {
            tracing::warn!(character = character.get(), error = %e, "could not release a sync lease");
        }
        result
    }

    async fn sync_leased(
        &self,
        enrolled: &SyncedCharacter,
        settings: &StandingsSettings,
        only: Option<BTreeSet<i64>>,
        desired: Option<&[DesiredContact]>,
    ) -> AppResult<SyncReport> {
        let character = enrolled.character;
        let owned;
        let desired = match desired {
            Some(d) => d,
            None => {
                owned = self.desired_contacts().await?;
                owned.as_slice()
            }
        };
        let entry_ids = EntryIds::from_desired(desired);
        let ch = match self
            .eligibility_of(character, Some(enrolled.account), Some(&entry_ids))
            .await?
        {
            Ok(ch) => ch,
            Err(reason) => return self.stop_ineligible(enrolled, settings, reason).await,
        };
        let read = match self.read_contacts(character).await {
            Ok(r) => r,
            Err(stop) => return self.sync_stopped(enrolled, stop).await,
        };
        let ledger = self.store().ledger(character).await?;
        let label_id = find_label(&read.labels, &settings.label_name);
        let input = SyncInput {
            character,
            corporation: ch.corporation,
            alliance: ch.alliance,
            desired: desired.to_vec(),
            current: read.current.clone(),
            ledger: ledger.clone(),
            label_id,
            settings: SyncSettings {
                collision: settings.collision,
                exclude_own_organisation: settings.exclude_own_organisation,
                ..SyncSettings::default()
            },
            only,
        };
        let plan = plan_sync(&input);
        match plan.outcome {
            PlanOutcome::Ready => {}
            PlanOutcome::LabelMissing => {
                let msg = how_to_create_label(&settings.label_name);
                self.set_status_notify(enrolled, SyncStatus::LabelMissing, &msg)
                    .await?;
                return Ok(SyncReport::only(SyncOutcome::LabelMissing));
            }
            PlanOutcome::OverLimit {
                needed,
                limit,
                personal,
            } => {
                let msg = format!(
                    "Contact list full: {} Remove personal contacts in game to make room.",
                    plan.outcome.message()
                );
                self.set_status_notify(enrolled, SyncStatus::ContactListFull, &msg)
                    .await?;
                return Ok(SyncReport {
                    collisions: plan.collisions.clone(),
                    ..SyncReport::only(SyncOutcome::OverLimit {
                        needed,
                        limit,
                        personal,
                    })
                });
            }
        }
        let kinds: HashMap<i64, ContactKind> = desired
            .iter()
            .map(|d| (d.entity.id, d.entity.kind.into()))
            .collect();
        let done = self
            .write_plan(character, &read, &plan, ledger, &kinds)
            .await?;
        let mut report = SyncReport {
            outcome: SyncOutcome::Synced,
            write_calls: done.calls,
            added: done.added.len(),
            edited: done.edited.len(),
            deleted: done.deleted.len(),
            collisions: plan.collisions.clone(),
        };
        if report.wrote() {
            self.audit(
                Actor::System(super::SYNC_CHARACTER.to_owned()),
                "standings.sync.completed",
                character_target(character),
                json!({
                    "added": report.added,
                    "edited": report.edited,
                    "deleted": report.deleted,
                    "write_calls": report.write_calls,
                    "failed": done.failed.len(),
                    "targeted": input.only.is_some(),
                }),
            )
            .await?;
        }
        let planned_adds: usize = plan.adds.iter().map(|b| b.ids.len()).sum();
        match done.error {
            None if done.not_created.is_empty() => {
                let msg = status_message(&plan);
                self.store()
                    .set_sync_status(character, SyncStatus::InSync, msg.as_deref(), true)
                    .await?;
                Ok(report)
            }
            None => {
                let msg = format!(
                    "EVE created {} of {planned_adds} contacts; these were not added: {}. \
                     They are tried again at the next sync.",
                    planned_adds - done.not_created.len(),
                    ids_text(&done.not_created)
                );
                self.store()
                    .set_sync_status(character, SyncStatus::Error, Some(&msg), false)
                    .await?;
                report.outcome = SyncOutcome::Failed(msg);
                Ok(report)
            }
            Some(EsiError::Server { status: 520, .. }) => {
                let msg = format!(
                    "Contact list full: EVE refused to add contacts (error 520). The character \
                     has about {} contacts and EVE allows {}; {} of {planned_adds} contacts were \
                     added. Remove personal contacts in game to make room.",
                    read.current.len() + done.added.len() - done.deleted.len(),
                    jumpgate_domain::standings::CONTACT_LIMIT,
                    done.added.len()
                );
                self.set_status_notify(enrolled, SyncStatus::ContactListFull, &msg)
                    .await?;
                report.outcome = SyncOutcome::ContactListFull(msg);
                Ok(report)
            }
            Some(e) => {
                let r = self.sync_stopped(enrolled, Stop::Esi(e)).await;
                r.map(|stopped| SyncReport {
                    outcome: stopped.outcome,
                    ..report
                })
            }
        }
    }

    /// The token, labels and contacts of a character.
    pub(crate) async fn read_contacts(&self, character: CharacterId) -> Result<Read, Stop> {
        let record = self.store().token(character, SYNC_LOGIN).await?;
        let record = usable(record.as_ref()).map_err(Stop::Token)?;
        let token = match self.access_token_of(record).await {
            Ok(t) => t,
            // A refresh may just have found the token revoked: say why, if it cannot be used.
            Err(e) => {
                return Err(match token_problem(self, character).await? {
                    Some(msg) => Stop::Token(msg),
                    None => Stop::App(e),
                });
            }
        };
        let esi = self.esi();
        // Two reads of the same character that do not depend on each other: at once, which
        // takes one round trip to ESI off every sync.
        let (labels, contacts) = tokio::join!(
            esi.character_contact_labels(character, token.expose_secret()),
            esi.character_contacts(character, token.expose_secret()),
        );
        let labels = labels.map_err(Stop::Esi)?;
        let contacts = contacts.map_err(Stop::Esi)?;
        let now = self.now();
        let valid_until = contacts.expires_at.unwrap_or(now + CONTACTS_CACHE);
        let mut current: Vec<CurrentContact> =
            contacts.value.into_iter().map(current_contact).collect();
        // ESI may still serve the list from before our last writes (a new answer shows them).
        let text = self.store().pending_writes(character).await?;
        let pending = Pending::over_answer(
            text.as_deref(),
            contacts.last_modified.as_deref(),
            contacts.not_modified,
            now,
        );
        if let Some(p) = &pending {
            current = p.apply(current);
        }
        Ok(Read {
            token,
            labels: labels
                .value
                .into_iter()
                .map(|l| ContactLabel {
                    label_id: l.label_id,
                    label_name: l.label_name,
                })
                .collect(),
            current,
            valid_until,
            answer: contacts.last_modified,
            pending,
        })
    }

    /// Executes a plan, then stores the ledger of what really succeeded and, when it wrote, the
    /// changes ESI's cached list does not show yet (see the module docs), in one transaction.
    pub(crate) async fn write_plan(
        &self,
        character: CharacterId,
        read: &Read,
        plan: &SyncPlan,
        ledger: Vec<LedgerEntry>,
        kinds: &HashMap<i64, ContactKind>,
    ) -> AppResult<Executed> {
        let done = self.execute_plan(character, &read.token, plan).await;
        let ledger_after = adjusted_ledger(plan, &ledger, &done);
        // Only the rows that changed: an approval changes one row of a thousand.
        let (upserts, removals) = ledger_changes(&ledger, &ledger_after);
        if done.wrote() > 0 {
            let touched = done
                .deleted
                .iter()
                .copied()
                .chain(done.added.iter().map(|(id, _)| *id))
                .chain(done.edited.iter().map(|(id, _)| *id));
            let pending = Pending::after_writes(
                read.pending.as_ref(),
                read.answer.as_deref(),
                read.valid_until,
                touched,
                &apply(&read.current, &done, kinds),
            );
            self.store()
                .record_sync_writes(character, &upserts, &removals, &pending.to_text())
                .await?;
        } else {
            self.store()
                .apply_ledger_changes(character, &upserts, &removals)
                .await?;
        }
        Ok(done)
    }

    /// Executes a plan's writes in ESI's order (deletes, adds, edits), stopping at the first
    /// failed call; records what really happened.
    async fn execute_plan(
        &self,
        character: CharacterId,
        token: &secrecy::SecretString,
        plan: &SyncPlan,
    ) -> Executed {
        let esi = self.esi();
        let token = token.expose_secret();
        let mut done = Executed::default();
        for chunk in &plan.deletes {
            if done.error.is_some() {
                done.failed.extend(chunk.iter().copied());
                continue;
            }
            done.calls += 1;
            match esi.delete_contacts(character, token, chunk).await {
                Ok(()) => done.deleted.extend(chunk.iter().copied()),
                Err(e) => {
                    done.failed.extend(chunk.iter().copied());
                    done.error = Some(e);
                }
            }
        }
        for batch in &plan.adds {
            if done.error.is_some() {
                done.failed.extend(batch.ids.iter().copied());
                continue;
            }
            done.calls += 1;
            match esi
                .add_contacts(character, token, &batch.ids, &write_of(batch))
                .await
            {
                Ok(created) => {
                    let created: BTreeSet<i64> = created.into_iter().collect();
                    for id in &batch.ids {
                        if created.contains(id) {
                            done.added.push((*id, batch.clone()));
                        } else {
                            done.failed.insert(*id);
                            done.not_created.push(*id);
                        }
                    }
                }
                Err(e) => {
                    done.failed.extend(batch.ids.iter().copied());
                    done.error = Some(e);
                }
            }
        }
        for batch in &plan.edits {
            if done.error.is_some() {
                done.failed.extend(batch.ids.iter().copied());
                continue;
            }
            done.calls += 1;
            match esi
                .edit_contacts(character, token, &batch.ids, &write_of(batch))
                .await
            {
                Ok(()) => done
                    .edited
                    .extend(batch.ids.iter().map(|id| (*id, batch.clone()))),
                Err(e) => {
                    done.failed.extend(batch.ids.iter().copied());
                    done.error = Some(e);
                }
            }
        }
        done
    }

    /// Records why a sync stopped before or while writing. Transient ESI trouble (downtime,
    /// limits, timeouts) changes no status and is returned as an error, so the job waits and
    /// tries again; a server error after the client's retries marks the character `error`.
    pub(crate) async fn sync_stopped(
        &self,
        enrolled: &SyncedCharacter,
        stop: Stop,
    ) -> AppResult<SyncReport> {
        let character = enrolled.character;
        match stop {
            Stop::Token(msg) => {
                self.set_status_notify(enrolled, SyncStatus::TokenInvalid, &msg)
                    .await?;
                Ok(SyncReport::only(SyncOutcome::TokenInvalid(msg)))
            }
            Stop::Esi(EsiError::Forbidden { message, .. }) => {
                let msg = format!(
                    "EVE refused the contact token ({message}): log in with \"Add scopes\" \
                     (/sso/login?login={SYNC_LOGIN}) again"
                );
                self.set_status_notify(enrolled, SyncStatus::TokenInvalid, &msg)
                    .await?;
                Ok(SyncReport::only(SyncOutcome::TokenInvalid(msg)))
            }
            Stop::Esi(e @ EsiError::Server { .. }) => {
                let msg = format!("EVE's API failed ({e}); the sync is tried again later");
                self.store()
                    .set_sync_status(character, SyncStatus::Error, Some(&msg), false)
                    .await?;
                Err(AppError::Esi(e))
            }
            Stop::Esi(e) if e.is_transient() => Err(AppError::Esi(e)),
            Stop::Esi(e) => {
                let msg = format!("EVE's API refused the sync: {e}");
                self.store()
                    .set_sync_status(character, SyncStatus::Error, Some(&msg), false)
                    .await?;
                Ok(SyncReport::only(SyncOutcome::Failed(msg)))
            }
            Stop::App(e) => Err(e),
        }
    }

    /// Sets a status and tells the owner, once: only when the status changes.
    pub(crate) async fn set_status_notify(
        &self,
        enrolled: &SyncedCharacter,
        status: SyncStatus,
        message: &str,
    ) -> AppResult<()> {
        self.store()
            .set_sync_status(enrolled.character, status, Some(message), false)
            .await?;
        if enrolled.status != status {
            let name = self
                .store()
                .character(enrolled.character)
                .await?
                .map_or_else(|| enrolled.character.to_string(), |c| c.name);
            self.notify_owner(
                enrolled.account,
                &format!("Contact sync of {name}: {}", status_label(status)),
                &format!("Contact sync of {name}: {message}"),
            )
            .await;
        }
        Ok(())
    }

    /// A notification that must not fail the sync.
    pub(crate) async fn notify_owner(&self, account: AccountId, subject: &str, message: &str) {
        if let Err(e) = self
            .notify_account(account, subject, message, Some(SYNC_PAGE))
            .await
        {
            tracing::warn!(account = account.get(), error = %e, "could not notify about sync");
        }
    }
}

impl EntryIds {
    pub(crate) fn from_desired(desired: &[DesiredContact]) -> Self {
        Self::from_ids(desired.iter().map(|d| d.entity.id))
    }
}

/// A status in words, for notifications and pages.
pub fn status_label(status: SyncStatus) -> &'static str {
    match status {
        SyncStatus::Pending => "waiting for its first sync",
        SyncStatus::InSync => "in sync",
        SyncStatus::Syncing => "syncing",
        SyncStatus::LabelMissing => "label missing",
        SyncStatus::TokenInvalid => "token invalid",
        SyncStatus::ContactListFull => "contact list full",
        SyncStatus::NotEligible => "stopped: not eligible",
        SyncStatus::Error => "error",
    }
}

fn ids_text(ids: &[i64]) -> String {
    let shown: Vec<String> = ids.iter().take(10).map(i64::to_string).collect();
    if ids.len() > 10 {
        format!("{} and {} more", shown.join(", "), ids.len() - 10)
    } else {
        shown.join(", ")
    }
}

/// What an in-sync character's status says: the problems worth a look, if any.
fn status_message(plan: &SyncPlan) -> Option<String> {
    let problems: Vec<i64> = plan.problems().map(|c| c.contact_id).collect();
    let mut parts = Vec::new();
    if !problems.is_empty() {
        parts.push(format!(
            "{} personal contact(s) differ from the organisation's standings and were left \
             unchanged: {}",
            problems.len(),
            ids_text(&problems)
        ));
    }
    if !plan.orphans.is_empty() {
        parts.push(format!(
            "{} contact(s) carry the organisation's label but were not written by Jumpgate and \
             were left alone: {}",
            plan.orphans.len(),
            ids_text(&plan.orphans)
        ));
    }
    (!parts.is_empty()).then(|| parts.join(". "))
}

/// What turns ledger `old` into `new`: rows to insert or replace, and ids to delete.
fn ledger_changes(old: &[LedgerEntry], new: &[LedgerEntry]) -> (Vec<LedgerEntry>, Vec<i64>) {
    let before: HashMap<i64, &LedgerEntry> = old.iter().map(|l| (l.contact_id, l)).collect();
    let after: BTreeSet<i64> = new.iter().map(|l| l.contact_id).collect();
    let upserts = new
        .iter()
        .filter(|l| before.get(&l.contact_id).is_none_or(|b| *b != *l))
        .cloned()
        .collect();
    let removals = old
        .iter()
        .map(|l| l.contact_id)
        .filter(|id| !after.contains(id))
        .collect();
    (upserts, removals)
}

/// The plan's ledger, corrected for writes that did not happen: a contact not added is not
/// ours; a contact not deleted or not edited keeps its old row (or none, for a personal
/// contact not taken over).
fn adjusted_ledger(plan: &SyncPlan, old: &[LedgerEntry], done: &Executed) -> Vec<LedgerEntry> {
    if done.failed.is_empty() {
        return plan.ledger_after.clone();
    }
    let old: BTreeMap<i64, &LedgerEntry> = old.iter().map(|l| (l.contact_id, l)).collect();
    let mut out: BTreeMap<i64, LedgerEntry> = plan
        .ledger_after
        .iter()
        .filter(|l| !done.failed.contains(&l.contact_id))
        .map(|l| (l.contact_id, l.clone()))
        .collect();
    let added: BTreeSet<i64> = plan
        .adds
        .iter()
        .flat_map(|b| b.ids.iter().copied())
        .collect();
    for id in &done.failed {
        if added.contains(id) {
            continue;
        }
        if let Some(l) = old.get(id) {
            out.insert(*id, (*l).clone());
        }
    }
    out.into_values().collect()
}

/// The contact list after the writes that succeeded.
fn apply(
    current: &[CurrentContact],
    done: &Executed,
    kinds: &HashMap<i64, ContactKind>,
) -> Vec<CurrentContact> {
    let mut by_id: BTreeMap<i64, CurrentContact> =
        current.iter().map(|c| (c.contact_id, c.clone())).collect();
    for id in &done.deleted {
        by_id.remove(id);
    }
    for (id, b) in &done.added {
        let kind = kinds.get(id).copied().unwrap_or(ContactKind::Character);
        by_id.insert(
            *id,
            CurrentContact {
                contact_id: *id,
                kind,
                standing: b.standing.value(),
                label_ids: b.label_ids.clone(),
                is_watched: b.watched && kind == ContactKind::Character,
                is_blocked: false,
            },
        );
    }
    for (id, b) in &done.edited {
        if let Some(c) = by_id.get_mut(id) {
            c.standing = b.standing.value();
            c.label_ids = b.label_ids.clone();
            c.is_watched = b.watched && c.kind == ContactKind::Character;
        }
    }
    by_id.into_values().collect()
}
