//! Bulk operations: CSV and contacts imports, bulk decisions on the queues and bulk deletes of
//! entries. Starting one checks what can be checked at once (permission, the whole CSV, the
//! reading character's token, a reason for rejections) and refuses with the reason, changing
//! nothing; the work itself runs as a job that records its progress after every item, so the
//! page that started it (on any instance) shows how far it got, and a worker that dies hands
//! the rest to the next one.

use super::entity_target;
use super::entries::standings_csv_rows;
use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::jobs::{JobError, JobRegistry};
use jumpgate_domain::BulkOperationId;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{Entity, Standing};
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_domain::{RequestId, RevocationId};
use jumpgate_eve::EsiError;
use jumpgate_store::{
    BulkOperation, BulkProgress, BulkStatus, NewBulkOperation, NewJob, NewStandingsEntry,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The job that carries out one bulk operation (payload `{"operation": id}`).
pub const BULK_JOB: &str = "standings-bulk";

/// More items than this in one operation is a mistake, not a plan.
pub const MAX_BULK_ITEMS: usize = 10_000;

/// What a bulk operation does. Stored as the operation's input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "work", rename_all = "snake_case")]
pub enum BulkWork {
    ImportCsv {
        csv: String,
    },
    ImportContacts {
        source: Entity,
        reader: CharacterId,
    },
    DecideRequests {
        ids: Vec<i64>,
        decision: BulkDecision,
    },
    DecideRevocations {
        ids: Vec<i64>,
        decision: BulkDecision,
    },
    DeleteEntries {
        ids: Vec<i64>,
        notes: String,
    },
}

/// The decision taken for every ticked queue item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum BulkDecision {
    /// `standing` only matters for requests (`None`: the configured default).
    Approve {
        standing: Option<Standing>,
        notes: String,
    },
    Reject {
        reason: String,
    },
}

impl BulkWork {
    /// The operation's `kind` in the store.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ImportCsv { .. } => "import_csv",
            Self::ImportContacts { .. } => "import_contacts",
            Self::DecideRequests { .. } => "decide_requests",
            Self::DecideRevocations { .. } => "decide_revocations",
            Self::DeleteEntries { .. } => "delete_entries",
        }
    }

    /// The permission needed to start it, or to watch someone else's.
    pub fn permission(&self) -> &'static str {
        match self {
            Self::DecideRequests { .. } | Self::DecideRevocations { .. } => {
                Permission::STANDINGS_APPROVE
            }
            _ => Permission::STANDINGS_MANAGE,
        }
    }

    /// What the page calls it.
    pub fn title(&self) -> String {
        match self {
            Self::ImportCsv { .. } => "Import from CSV".to_owned(),
            Self::ImportContacts { source, .. } => {
                format!(
                    "Import of the contacts of {} {}",
                    source.kind.as_str(),
                    source.id
                )
            }
            Self::DecideRequests { ids, decision } => match decision {
                BulkDecision::Approve { .. } => format!("Approving {} request(s)", ids.len()),
                BulkDecision::Reject { .. } => format!("Rejecting {} request(s)", ids.len()),
            },
            Self::DecideRevocations { ids, decision } => match decision {
                BulkDecision::Approve { .. } => {
                    format!("Removing {} standing(s) (revocations)", ids.len())
                }
                BulkDecision::Reject { .. } => {
                    format!("Keeping {} standing(s) (revocations)", ids.len())
                }
            },
            Self::DeleteEntries { ids, .. } => format!("Deleting {} entries", ids.len()),
        }
    }

    /// Where the person goes back to when it is over, and the link's words.
    pub fn return_to(&self) -> (&'static str, &'static str) {
        match self {
            Self::DecideRequests { .. } | Self::DecideRevocations { .. } => {
                ("/standings/queue", "Back to the approvals")
            }
            _ => ("/standings/entries", "Back to the standings database"),
        }
    }

    fn ids(&self) -> Option<&[i64]> {
        match self {
            Self::DecideRequests { ids, .. }
            | Self::DecideRevocations { ids, .. }
            | Self::DeleteEntries { ids, .. } => Some(ids),
            Self::ImportCsv { .. } | Self::ImportContacts { .. } => None,
        }
    }
}

/// An operation as a page shows it.
#[derive(Debug, Clone)]
pub struct BulkView {
    pub operation: BulkOperation,
    pub work: BulkWork,
}

pub fn register_jobs(registry: &mut JobRegistry) {
    registry.register(BULK_JOB, |app, caller, payload| async move {
        let id = payload
            .get("operation")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| JobError::Fatal(format!("no operation id in {payload}")))?;
        app.run_bulk_operation(&caller, BulkOperationId(id)).await
    });
}

impl App {
    /// Checks `work` and queues it; the operation's page follows its progress. Refusals
    /// (missing permission, a bad CSV row, no token, no reason) change nothing. A person holding
    /// the work's permission starts it (the operation is theirs: they watch it and are told when
    /// it ends).
    pub async fn start_bulk(&self, caller: &Caller, work: BulkWork) -> AppResult<BulkOperation> {
        let actor = caller.person_with(work.permission())?;
        let total = self.check_bulk(actor, &work).await?;
        let op = self
            .store()
            .create_bulk_operation(&NewBulkOperation {
                kind: work.kind().to_owned(),
                account: actor,
                input: serde_json::to_value(&work)
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("bulk input: {e}")))?,
                total,
                step: "Waiting for a worker".to_owned(),
            })
            .await?;
        let job = NewJob {
            kind: BULK_JOB.to_owned(),
            payload: json!({ "operation": op.id }),
            run_at: self.now(),
            dedupe_key: Some(format!("bulk:{}", op.id)),
            max_attempts: 3,
        };
        if let Err(e) = self.store().enqueue_job(&job).await {
            let mut progress = op.progress.clone();
            progress.status = BulkStatus::Failed;
            progress.summary = "Could not be queued: nothing was done.".to_owned();
            let _ = self.store().record_bulk_progress(op.id, &progress).await;
            return Err(e.into());
        }
        Ok(op)
    }

    /// What can be known before any work: returns the number of items.
    async fn check_bulk(&self, actor: AccountId, work: &BulkWork) -> AppResult<i64> {
        if let Some(ids) = work.ids() {
            if ids.is_empty() {
                return Err(AppError::Invalid(
                    "tick at least one item for a bulk action".to_owned(),
                ));
            }
            if ids.len() > MAX_BULK_ITEMS {
                return Err(AppError::Invalid(format!(
                    "{} items ticked: at most {MAX_BULK_ITEMS} at once",
                    ids.len()
                )));
            }
        }
        let reject_reason = match work {
            BulkWork::DecideRequests {
                decision: BulkDecision::Reject { reason },
                ..
            } => Some((reason, "the requesters are told")),
            BulkWork::DecideRevocations {
                decision: BulkDecision::Reject { reason },
                ..
            } => Some((reason, "the members are told")),
            _ => None,
        };
        if let Some((reason, who)) = reject_reason
            && reason.trim().is_empty()
        {
            return Err(AppError::Invalid(format!(
                "give a reason for the rejection: {who}"
            )));
        }
        Ok(match work {
            BulkWork::ImportCsv { csv } => to_i64(standings_csv_rows(csv, actor)?.len()),
            BulkWork::ImportContacts { source, reader } => {
                self.check_contacts_import(actor, *source, *reader).await?;
                0
            }
            other => other.ids().map_or(0, |ids| to_i64(ids.len())),
        })
    }

    /// The operation `id`, for its starter or anyone holding the permission it needs.
    pub async fn bulk_operation(
        &self,
        caller: &Caller,
        id: BulkOperationId,
    ) -> AppResult<BulkView> {
        let missing = || AppError::NotFound(format!("there is no bulk operation {id}"));
        let operation = self.store().bulk_operation(id).await?.ok_or_else(missing)?;
        let work: BulkWork = serde_json::from_value(operation.input.clone())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("bulk operation {id}: {e}")))?;
        if caller.account() != Some(operation.account) {
            caller.require(work.permission())?;
        }
        Ok(BulkView { operation, work })
    }

    /// The job: carries out operation `id` from where it stopped. ESI downtime and limits
    /// postpone it; any other failure ends it as failed, saying why and how far it got.
    /// Background work (the job `standings-bulk`); each item acts as the operation's starter,
    /// whose permission is read again for every item.
    pub async fn run_bulk_operation(
        &self,
        caller: &Caller,
        id: BulkOperationId,
    ) -> Result<(), JobError> {
        caller
            .require_background()
            .map_err(|e| JobError::Fatal(e.to_string()))?;
        let store = self.store();
        let op = store
            .bulk_operation(id)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?
            .ok_or_else(|| JobError::Fatal(format!("there is no bulk operation {id}")))?;
        if op.progress.status.is_over() {
            return Ok(());
        }
        let mut run = Run {
            app: self,
            id,
            actor: op.account,
            progress: op.progress.clone(),
        };
        run.progress.status = BulkStatus::Running;
        let work: BulkWork = match serde_json::from_value(op.input.clone()) {
            Ok(w) => w,
            Err(e) => return run.fail(format!("its input is unreadable ({e})")).await,
        };
        let outcome = match &work {
            BulkWork::ImportCsv { csv } => run.import_csv(csv).await,
            BulkWork::ImportContacts { source, reader } => {
                run.import_contacts(*source, *reader).await
            }
            BulkWork::DecideRequests { ids, decision } => run
                .items(ids, |app, starter, id| {
                    let decision = decision.clone();
                    async move {
                        match decision {
                            BulkDecision::Approve { standing, notes } => app
                                .approve_request(&starter, RequestId(id), standing, &notes)
                                .await
                                .map(drop),
                            BulkDecision::Reject { reason } => app
                                .reject_request(&starter, RequestId(id), &reason)
                                .await
                                .map(drop),
                        }
                    }
                })
                .await
                .map(|n| decided(n, decision, "approved", "rejected")),
            BulkWork::DecideRevocations { ids, decision } => run
                .items(ids, |app, starter, id| {
                    let decision = decision.clone();
                    async move {
                        match decision {
                            BulkDecision::Approve { notes, .. } => app
                                .approve_revocation(&starter, RevocationId(id), &notes)
                                .await
                                .map(drop),
                            BulkDecision::Reject { reason } => app
                                .reject_revocation(&starter, RevocationId(id), &reason)
                                .await
                                .map(drop),
                        }
                    }
                })
                .await
                .map(|n| decided(n, decision, "removed", "kept")),
            BulkWork::DeleteEntries { ids, notes } => run
                .items(ids, |app, starter, id| {
                    let notes = notes.clone();
                    async move {
                        app.delete_standing_entry(&starter, id, &notes)
                            .await
                            .map(drop)
                    }
                })
                .await
                .map(|n| format!("{n} entries deleted.")),
        };
        match outcome {
            Ok(summary) => run.finish(summary).await,
            Err(AppError::Esi(
                e @ (EsiError::Downtime { .. }
                | EsiError::ErrorLimited { .. }
                | EsiError::RateLimited { .. }),
            )) => {
                run.progress.step = format!("Waiting for EVE: {e}");
                run.save_last().await?;
                Err(JobError::from(AppError::Esi(e)))
            }
            Err(e) => run.fail(shown(&e, id)).await,
        }
    }
}

/// What the page may say of `e`: a person's error as it is, an internal one only as such
/// (logged with the details).
fn shown(e: &AppError, operation: BulkOperationId) -> String {
    if e.is_user_facing() {
        e.to_string()
    } else {
        tracing::warn!(operation = operation.get(), error = %e, "bulk operation: internal error");
        "an internal error (see the server log)".to_owned()
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn decided(n: i64, decision: &BulkDecision, approve: &str, reject: &str) -> String {
    let verb = match decision {
        BulkDecision::Approve { .. } => approve,
        BulkDecision::Reject { .. } => reject,
    };
    format!("{n} item(s) {verb}.")
}

/// One run of an operation: its progress as last written.
struct Run<'a> {
    app: &'a App,
    id: BulkOperationId,
    actor: AccountId,
    progress: BulkProgress,
}

impl Run<'_> {
    async fn save(&self) -> AppResult<()> {
        self.app
            .store()
            .record_bulk_progress(self.id, &self.progress)
            .await?;
        Ok(())
    }

    /// Saves at the end of a run: if even that fails, the job is retried.
    async fn save_last(&self) -> Result<(), JobError> {
        self.save()
            .await
            .map_err(|e| JobError::Retry(e.to_string()))
    }

    async fn step(&mut self, step: impl Into<String>) -> AppResult<()> {
        self.progress.step = step.into();
        self.save().await
    }

    /// The operation's starter as a caller, with their grants as they are now (so a permission
    /// taken away stops the rest of the items).
    async fn starter(&self) -> AppResult<Caller> {
        self.app.caller(self.actor).await?.ok_or_else(|| {
            AppError::Forbidden(
                "the account that started this operation no longer exists".to_owned(),
            )
        })
    }

    /// Does `act` for each id not done yet (a run after a lost worker goes on where the last
    /// one wrote its progress), as the starter with their current grants; one item's refusal is
    /// noted and the rest go on. Returns how many were done.
    async fn items<F, Fut>(&mut self, ids: &[i64], act: F) -> AppResult<i64>
    where
        F: Fn(App, Caller, i64) -> Fut,
        Fut: std::future::Future<Output = AppResult<()>>,
    {
        self.progress.total = to_i64(ids.len());
        let start = usize::try_from(self.progress.done + self.progress.failed).unwrap_or(0);
        for (n, &id) in ids.iter().enumerate().skip(start) {
            self.progress.step = format!("Item {} of {}", n + 1, ids.len());
            let result = match self.starter().await {
                Ok(starter) => act(self.app.clone(), starter, id).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => self.progress.done += 1,
                Err(e) => {
                    self.progress.failed += 1;
                    let why = shown(&e, self.id);
                    self.progress.problems.push(format!("#{id}: {why}"));
                }
            }
            self.save().await?;
        }
        Ok(self.progress.done)
    }

    /// Saves imported rows with the import's audit entry, in one transaction (an import is
    /// repeated whole after a lost worker: saving an entry again changes nothing).
    async fn save_import(
        &mut self,
        rows: &[NewStandingsEntry],
        target: String,
        details: serde_json::Value,
    ) -> AppResult<u64> {
        self.progress.total = to_i64(rows.len());
        self.progress.done = 0;
        self.step(format!("Saving {} entries", rows.len())).await?;
        let saved = self
            .app
            .save_import(&self.starter().await?, rows, target, details)
            .await?;
        self.progress.done = i64::try_from(saved).unwrap_or(i64::MAX);
        Ok(saved)
    }

    async fn import_csv(&mut self, csv: &str) -> AppResult<String> {
        let mut rows = standings_csv_rows(csv, self.actor)?;
        self.step("Looking up the names left empty").await?;
        self.app.name_import_rows(&mut rows).await;
        let imported = self
            .save_import(
                &rows,
                "standings".to_owned(),
                json!({"source": "csv", "rows": rows.len()}),
            )
            .await?;
        Ok(format!("{imported} standing(s) imported from CSV."))
    }

    async fn import_contacts(&mut self, source: Entity, reader: CharacterId) -> AppResult<String> {
        self.step("Reading the contact list through ESI").await?;
        let token = self
            .app
            .check_contacts_import(self.actor, source, reader)
            .await?;
        let mut read = self
            .app
            .read_contacts_for_import(self.actor, source, reader, &token)
            .await?;
        self.step("Looking up names").await?;
        self.app.name_import_rows(&mut read.rows).await;
        let imported = self
            .save_import(
                &read.rows,
                entity_target(source.id),
                json!({"source": format!("{}_contacts", source.kind.as_str()), "from": read.source_name, "reader": reader.get(), "skipped": read.skipped}),
            )
            .await?;
        let mut summary = format!("{imported} standing(s) imported from the contacts.");
        if read.skipped > 0 {
            summary.push_str(&format!(
                " {} contact(s) skipped (factions cannot hold a standing).",
                read.skipped
            ));
        }
        Ok(summary)
    }

    /// Marks the operation over and tells its starter (who may have left the page).
    async fn finish(&mut self, mut summary: String) -> Result<(), JobError> {
        if self.progress.failed > 0 {
            summary.push_str(&format!(
                " {} not done: see the list below.",
                self.progress.failed
            ));
        }
        self.progress.status = BulkStatus::Finished;
        self.progress.step = "Finished".to_owned();
        self.progress.summary = summary;
        self.save_last().await?;
        self.tell_starter().await;
        Ok(())
    }

    async fn tell_starter(&self) {
        let page = format!("/standings/operations/{}", self.id);
        let told = self
            .app
            .store()
            .notify(self.actor, &self.progress.summary, Some(&page))
            .await;
        if let Err(e) = told {
            tracing::warn!(operation = self.id.get(), error = %e, "could not notify the end of a bulk operation");
        }
    }

    /// Ends the operation as failed with `why`; retrying the job cannot help.
    async fn fail(&mut self, why: String) -> Result<(), JobError> {
        self.progress.status = BulkStatus::Failed;
        self.progress.step = "Stopped".to_owned();
        self.progress.summary = format!(
            "Stopped after {} of {} item(s): {why}",
            self.progress.done + self.progress.failed,
            self.progress.total
        );
        self.save_last().await?;
        self.tell_starter().await;
        Err(JobError::Fatal(why))
    }
}
