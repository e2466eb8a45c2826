//! Column lists and row readers of the standings topics not yet written once (see `crate::db`):
//! the schemas use the same names, and only the way times are stored differs, so each backend
//! instantiates the readers with its own time decoding.

macro_rules! entry_cols {
    () => {
        "entity_id, entity_kind, name, standing_tenths, notes, source, added_by, created_at, \
         updated_at"
    };
}

macro_rules! request_cols {
    () => {
        "id, entity_id, entity_kind, name, requester, state, created_at, decided_at, decided_by, \
         standing_tenths, decision_note"
    };
}

macro_rules! revocation_cols {
    () => {
        "id, entity_id, entity_kind, name, reason, requester, state, created_at, decided_at, \
         decided_by, decision_note"
    };
}

macro_rules! sync_cols {
    () => {
        "character_id, account_id, status, message, enrolled_at, last_sync_at, last_success_at"
    };
}

macro_rules! notification_cols {
    () => {
        "id, account_id, message, link, created_at, read_at"
    };
}

/// The standings manager's row readers for one backend (`read_standings`), like `row_readers`.
macro_rules! standings_row_readers {
    ($row:ty, $time:path, $time_opt:path) => {
        pub(crate) mod read_standings {
            use crate::{
                Notification, Result, Revocation, StandingRequest, StandingsEntry, StoreError,
                SyncStatus, SyncedCharacter,
            };
            use jumpgate_domain::standings::{
                Entity, EntityKind, LedgerEntry, RequestState, RevocationReason, RevocationState,
                Standing,
            };
            use jumpgate_domain::{AccountId, CharacterId};
            use sqlx::Row;

            fn corrupt(what: &str, value: impl std::fmt::Display) -> StoreError {
                StoreError::Corrupt(format!("unknown {what} '{value}'"))
            }

            fn entity(r: &$row) -> Result<Entity> {
                let kind: String = r.try_get("entity_kind")?;
                Ok(Entity {
                    kind: EntityKind::parse(&kind).map_err(|_| corrupt("entity kind", &kind))?,
                    id: r.try_get("entity_id")?,
                })
            }

            pub(crate) fn standing(tenths: i16) -> Result<Standing> {
                Standing::from_tenths(tenths).map_err(|_| corrupt("standing (tenths)", tenths))
            }

            fn account_opt(r: &$row, col: &str) -> Result<Option<AccountId>> {
                Ok(r.try_get::<Option<i64>, _>(col)?.map(AccountId))
            }

            pub(crate) fn entry(r: &$row) -> Result<StandingsEntry> {
                Ok(StandingsEntry {
                    entity: entity(r)?,
                    name: r.try_get("name")?,
                    standing: standing(r.try_get("standing_tenths")?)?,
                    notes: r.try_get("notes")?,
                    source: r.try_get("source")?,
                    added_by: account_opt(r, "added_by")?,
                    created_at: $time(r, "created_at")?,
                    updated_at: $time(r, "updated_at")?,
                })
            }

            pub(crate) fn request(r: &$row) -> Result<StandingRequest> {
                let state: String = r.try_get("state")?;
                Ok(StandingRequest {
                    id: r.try_get("id")?,
                    entity: entity(r)?,
                    name: r.try_get("name")?,
                    requester: AccountId(r.try_get("requester")?),
                    state: RequestState::parse(&state)
                        .map_err(|_| corrupt("request state", &state))?,
                    created_at: $time(r, "created_at")?,
                    decided_at: $time_opt(r, "decided_at")?,
                    decided_by: account_opt(r, "decided_by")?,
                    standing: r
                        .try_get::<Option<i16>, _>("standing_tenths")?
                        .map(standing)
                        .transpose()?,
                    decision_note: r.try_get("decision_note")?,
                })
            }

            pub(crate) fn revocation(r: &$row) -> Result<Revocation> {
                let state: String = r.try_get("state")?;
                let reason: String = r.try_get("reason")?;
                Ok(Revocation {
                    id: r.try_get("id")?,
                    entity: entity(r)?,
                    name: r.try_get("name")?,
                    reason: RevocationReason::parse(&reason)
                        .map_err(|_| corrupt("revocation reason", &reason))?,
                    requester: account_opt(r, "requester")?,
                    state: RevocationState::parse(&state)
                        .map_err(|_| corrupt("revocation state", &state))?,
                    created_at: $time(r, "created_at")?,
                    decided_at: $time_opt(r, "decided_at")?,
                    decided_by: account_opt(r, "decided_by")?,
                    decision_note: r.try_get("decision_note")?,
                })
            }

            pub(crate) fn synced(r: &$row) -> Result<SyncedCharacter> {
                let status: String = r.try_get("status")?;
                Ok(SyncedCharacter {
                    character: CharacterId(r.try_get("character_id")?),
                    account: AccountId(r.try_get("account_id")?),
                    status: SyncStatus::parse(&status)
                        .ok_or_else(|| corrupt("sync status", &status))?,
                    message: r.try_get("message")?,
                    enrolled_at: $time(r, "enrolled_at")?,
                    last_sync_at: $time_opt(r, "last_sync_at")?,
                    last_success_at: $time_opt(r, "last_success_at")?,
                })
            }

            pub(crate) fn ledger(r: &$row) -> Result<LedgerEntry> {
                let labels: String = r.try_get("label_ids")?;
                Ok(LedgerEntry {
                    contact_id: r.try_get("contact_id")?,
                    standing: standing(r.try_get("standing_tenths")?)?,
                    label_ids: serde_json::from_str(&labels).map_err(|e| {
                        StoreError::Corrupt(format!("ledger label ids {labels:?}: {e}"))
                    })?,
                    replaced_personal: r.try_get("replaced_personal")?,
                })
            }

            pub(crate) fn bulk_operation(r: &$row) -> Result<crate::BulkOperation> {
                let status: String = r.try_get("status")?;
                let input: String = r.try_get("input")?;
                let problems: String = r.try_get("problems")?;
                let json = |what: &str, e: serde_json::Error| {
                    StoreError::Corrupt(format!("bulk operation {what}: {e}"))
                };
                Ok(crate::BulkOperation {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    account: AccountId(r.try_get("account_id")?),
                    input: serde_json::from_str(&input).map_err(|e| json("input", e))?,
                    progress: crate::BulkProgress {
                        status: crate::BulkStatus::parse(&status)
                            .ok_or_else(|| corrupt("bulk operation status", &status))?,
                        step: r.try_get("step")?,
                        total: r.try_get("total")?,
                        done: r.try_get("done")?,
                        failed: r.try_get("failed")?,
                        problems: serde_json::from_str(&problems)
                            .map_err(|e| json("problems", e))?,
                        summary: r.try_get("summary")?,
                    },
                    created_at: $time(r, "created_at")?,
                    updated_at: $time(r, "updated_at")?,
                    finished_at: $time_opt(r, "finished_at")?,
                })
            }

            pub(crate) fn notification(r: &$row) -> Result<Notification> {
                Ok(Notification {
                    id: r.try_get("id")?,
                    account: AccountId(r.try_get("account_id")?),
                    message: r.try_get("message")?,
                    link: r.try_get("link")?,
                    created_at: $time(r, "created_at")?,
                    read_at: $time_opt(r, "read_at")?,
                })
            }
        }
    };
}

pub(crate) use {
    entry_cols, notification_cols, request_cols, revocation_cols, standings_row_readers, sync_cols,
};
