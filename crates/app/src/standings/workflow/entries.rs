//! The standings database as administrators edit it: direct edits, CSV import and export, and
//! importing an alliance's or corporation's current contact list through ESI.

use super::{IMPORT_LOGIN, entity_target};
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{ContactKind, Entity, EntityKind, Standing};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId};
use jumpgate_eve::esi::ContactType;
use jumpgate_store::{NewStandingsEntry, StandingsEntry};
use serde_json::json;
use std::collections::BTreeMap;

/// The CSV columns, in order. `name` and `notes` may be empty.
pub const CSV_HEADER: [&str; 5] = ["type", "id", "standing", "name", "notes"];

/// An organisation's contact list as entries to import.
pub(crate) struct ContactsForImport {
    pub rows: Vec<NewStandingsEntry>,
    /// Contacts that cannot hold a standing (factions).
    pub skipped: u64,
    pub source_name: String,
}

/// One exported row.
#[derive(Debug, Clone, PartialEq)]
pub struct StandingsCsvRow {
    pub entry: StandingsEntry,
}

impl App {
    /// Adds or changes an entry directly (name looked up when empty). Needs `standings.manage`.
    pub async fn set_standing_entry(
        &self,
        caller: &Caller,
        entity: Entity,
        name: &str,
        standing: Standing,
        notes: &str,
    ) -> AppResult<StandingsEntry> {
        caller.require(Permission::STANDINGS_MANAGE)?;
        if entity.id <= 0 {
            return Err(AppError::Invalid(format!(
                "'{}' is not an EVE id: expected a positive whole number",
                entity.id
            )));
        }
        let before = self.store().standing(entity.id).await?;
        if let Some(b) = &before
            && b.entity.kind != entity.kind
        {
            return Err(AppError::Invalid(format!(
                "id {} is already in the database as a {}, not a {}",
                entity.id, b.entity.kind, entity.kind
            )));
        }
        let name = match name.trim() {
            "" => match &before {
                Some(b) => b.name.clone(),
                None => self.entity_name(entity).await,
            },
            n => n.to_owned(),
        };
        let notes = notes.trim().to_owned();
        let mut tx = self.store().transaction().await?;
        let saved = tx
            .upsert_standing(&NewStandingsEntry {
                entity,
                name: name.clone(),
                standing,
                notes: notes.clone(),
                source: "admin".to_owned(),
                added_by: before
                    .as_ref()
                    .and_then(|b| b.added_by)
                    .or(caller.account()),
            })
            .await?;
        let by = caller.actor();
        let (action, details) = match &before {
            None => (
                "standings.entry.created",
                json!({"kind": entity.kind.as_str(), "name": name, "standing": standing.value(), "notes": notes}),
            ),
            Some(b) => (
                "standings.entry.updated",
                json!({"kind": entity.kind.as_str(), "name": name, "standing": standing.value(), "previous": b.standing.value(), "notes": notes}),
            ),
        };
        audit_in(
            &mut tx,
            by.clone(),
            action,
            entity_target(entity.id),
            details,
        )
        .await?;
        tx.commit().await?;
        self.workflow_propagate(entity.id, &by).await;
        Ok(saved)
    }

    /// Deletes an entry directly, with a note for the audit log. Needs `standings.manage`.
    pub async fn delete_standing_entry(
        &self,
        caller: &Caller,
        entity_id: i64,
        notes: &str,
    ) -> AppResult<StandingsEntry> {
        caller.require(Permission::STANDINGS_MANAGE)?;
        let entry = self.store().standing(entity_id).await?.ok_or_else(|| {
            AppError::NotFound(format!(
                "entity {entity_id} is not in the standings database"
            ))
        })?;
        let mut tx = self.store().transaction().await?;
        tx.delete_standing(entity_id).await?;
        let by = caller.actor();
        audit_in(&mut tx,
            by.clone(),
            "standings.entry.deleted",
            entity_target(entity_id),
            json!({"kind": entry.entity.kind.as_str(), "name": entry.name, "standing": entry.standing.value(), "notes": notes.trim()}),
        ).await?;
        tx.commit().await?;
        if let Some(owner) = entry.added_by
            && entry.source == "request"
        {
            self.notify_account(
                owner,
                "Standing removed",
                &format!("An administrator removed the standing of {}.", entry.name),
                Some(super::STANDINGS_PAGE),
            )
            .await?;
        }
        self.workflow_propagate(entity_id, &by).await;
        Ok(entry)
    }

    /// The whole database as CSV (`type,id,standing,name,notes`). Needs `standings.manage`.
    pub async fn export_standings_csv(&self, caller: &Caller) -> AppResult<String> {
        caller.require(Permission::STANDINGS_MANAGE)?;
        let entries = self.store().all_standings().await?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| AppError::Internal(anyhow::anyhow!("writing CSV: {e}"));
        w.write_record(CSV_HEADER).map_err(fail)?;
        for e in &entries {
            w.write_record([
                e.entity.kind.as_str().to_owned(),
                e.entity.id.to_string(),
                e.standing.to_string(),
                spreadsheet_safe(&e.name),
                spreadsheet_safe(&e.notes),
            ])
            .map_err(fail)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("writing CSV: {e}")))?;
        String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
    }

    /// Checks that `actor` may import `source`'s contacts with `reader` and holds the token
    /// to read them: `reader` must be one of the actor's characters, a member of that
    /// organisation, with a `standings.import` token, which is returned (refreshed if it was
    /// about to expire). Nothing is read from ESI yet.
    pub(crate) async fn check_contacts_import(
        &self,
        actor: AccountId,
        source: Entity,
        reader: CharacterId,
    ) -> AppResult<String> {
        let character = self
            .store()
            .character(reader)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("there is no character {reader}")))?;
        if character.account != actor {
            return Err(AppError::Forbidden(format!(
                "{} is not one of your characters",
                character.name
            )));
        }
        let member = match source.kind {
            EntityKind::Alliance => character.alliance == Some(AllianceId(source.id)),
            EntityKind::Corporation => character.corporation == CorporationId(source.id),
            EntityKind::Character => {
                return Err(AppError::Invalid(
                    "contacts can be imported from an alliance or a corporation".to_owned(),
                ));
            }
        };
        if !member {
            return Err(AppError::Invalid(format!(
                "{} is not in {} {}: the reading character must be a member",
                character.name,
                source.kind.as_str(),
                source.id
            )));
        }
        let token = self.fresh_access_token(reader, IMPORT_LOGIN).await.map_err(|e| match e {
            AppError::NotFound(_) => AppError::Invalid(format!(
                "{} has no '{IMPORT_LOGIN}' token: log in with it through \"Grant import scopes\" first",
                character.name
            )),
            other => other,
        })?;
        Ok(secrecy::ExposeSecret::expose_secret(&token).to_owned())
    }

    /// Reads `source`'s contact list through ESI with the token [`Self::check_contacts_import`]
    /// returned, as entries to import (names still empty).
    pub(crate) async fn read_contacts_for_import(
        &self,
        actor: AccountId,
        source: Entity,
        reader: CharacterId,
        token: &str,
    ) -> AppResult<ContactsForImport> {
        let contacts = match source.kind {
            EntityKind::Alliance => {
                self.esi()
                    .alliance_contacts(AllianceId(source.id), reader, token)
                    .await?
                    .value
            }
            _ => {
                self.esi()
                    .corporation_contacts(CorporationId(source.id), reader, token)
                    .await?
                    .value
            }
        };
        let mut skipped = 0u64;
        let mut wanted = Vec::new();
        for c in &contacts {
            let kind = match c.contact_type {
                ContactType::Character => ContactKind::Character,
                ContactType::Corporation => ContactKind::Corporation,
                ContactType::Alliance => ContactKind::Alliance,
                ContactType::Faction => ContactKind::Faction,
            };
            match kind.entity_kind() {
                Some(k) => wanted.push((
                    Entity {
                        kind: k,
                        id: c.contact_id,
                    },
                    Standing::from_esi(c.standing),
                )),
                None => skipped += 1,
            }
        }
        let source_name = self.entity_name(source).await;
        let rows = wanted
            .into_iter()
            .map(|(entity, standing)| NewStandingsEntry {
                entity,
                name: String::new(),
                standing,
                notes: format!("imported from the contacts of {source_name}"),
                source: "import".to_owned(),
                added_by: Some(actor),
            })
            .collect();
        Ok(ContactsForImport {
            rows,
            skipped,
            source_name,
        })
    }

    /// Fills in the names left empty, in one ESI call per 1,000 ids; an id ESI does not know
    /// keeps its id as its name.
    pub(crate) async fn name_import_rows(&self, rows: &mut [NewStandingsEntry]) {
        let ids: Vec<i64> = rows
            .iter()
            .filter(|r| r.name.is_empty())
            .map(|r| r.entity.id)
            .collect();
        let names: BTreeMap<i64, String> = if ids.is_empty() {
            BTreeMap::new()
        } else {
            match self.esi().universe_names(&ids).await {
                Ok(found) => found.into_iter().map(|n| (n.id, n.name)).collect(),
                Err(e) => {
                    tracing::warn!(error = %e, "could not look up the names of imported entries");
                    BTreeMap::new()
                }
            }
        };
        for r in rows.iter_mut().filter(|r| r.name.is_empty()) {
            r.name = names
                .get(&r.entity.id)
                .cloned()
                .unwrap_or_else(|| r.entity.to_string());
        }
    }

    /// Saves imported entries and the import's audit entry (`details`, with how many were
    /// imported added) in one transaction, all or nothing, then queues everyone's contact sync.
    /// How many were saved.
    pub(crate) async fn save_import(
        &self,
        caller: &Caller,
        rows: &[NewStandingsEntry],
        target: String,
        mut details: serde_json::Value,
    ) -> AppResult<u64> {
        let by = caller.actor();
        let mut tx = self.store().transaction().await?;
        let imported = tx.import_standings(rows).await?;
        details["imported"] = json!(imported);
        audit_in(&mut tx, by.clone(), "standings.import", target, details).await?;
        tx.commit().await?;
        self.workflow_reconcile_all(&by).await;
        Ok(imported)
    }
}

/// The entries a CSV holds, checked, in the name of `actor`: every problem, one per bad row,
/// and nothing when any row is bad.
pub(crate) fn standings_csv_rows(
    text: &str,
    actor: AccountId,
) -> Result<Vec<NewStandingsEntry>, AppError> {
    parse_csv(text, actor).map_err(|errors| {
        AppError::Invalid(format!(
            "the CSV was not imported (nothing changed): {}",
            errors.join("; ")
        ))
    })
}

/// Checks a CSV for import without importing: every problem, one per bad row.
pub fn check_standings_csv(text: &str) -> Result<usize, Vec<String>> {
    parse_csv(text, AccountId(0)).map(|rows| rows.len())
}

/// The characters that make a spreadsheet read a cell as a formula (or, for tab and carriage
/// return, shift it), whatever follows.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell for the exported CSV that no spreadsheet runs as a formula: names come from EVE
/// (corporation and alliance names may start with `-`) and notes from people, so a cell starting
/// with a formula character gets a leading `'`, which spreadsheets show as text.
pub(crate) fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A text cell as it was before [`spreadsheet_safe`], so that an exported file imports as it was.
fn as_written(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// Parses and checks every row; returns every problem, one per bad row.
fn parse_csv(text: &str, actor: AccountId) -> Result<Vec<NewStandingsEntry>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("row {line}: not valid CSV ({e})"));
                continue;
            }
        };
        let field = |n: usize| rec.get(n).unwrap_or("").to_owned();
        if rec.iter().all(str::is_empty) {
            continue;
        }
        if line == 1 && field(0).eq_ignore_ascii_case("type") {
            continue;
        }
        if rec.len() < 3 || rec.len() > 5 {
            errors.push(format!(
                "row {line}: expected 3 to 5 columns (type,id,standing[,name[,notes]]), got {}",
                rec.len()
            ));
            continue;
        }
        let kind = match EntityKind::parse(&field(0)) {
            Ok(k) => k,
            Err(e) => {
                errors.push(format!("row {line}: {e}"));
                continue;
            }
        };
        let id = match field(1).parse::<i64>() {
            Ok(v) if v > 0 => v,
            _ => {
                errors.push(format!(
                    "row {line}: '{}' is not an EVE id (a positive whole number)",
                    field(1)
                ));
                continue;
            }
        };
        let standing = match Standing::parse(&field(2)) {
            Ok(s) => s,
            Err(e) => {
                errors.push(format!("row {line}: {e}"));
                continue;
            }
        };
        if let Some(first) = seen.insert(id, line) {
            errors.push(format!("row {line}: id {id} is already on row {first}"));
            continue;
        }
        out.push(NewStandingsEntry {
            entity: Entity { kind, id },
            name: as_written(&field(3)).to_owned(),
            standing,
            notes: as_written(&field(4)).to_owned(),
            source: "import".to_owned(),
            added_by: Some(actor),
        });
    }
    if errors.is_empty() && out.is_empty() {
        errors.push("the CSV holds no rows".to_owned());
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_text_that_a_spreadsheet_would_run_is_quoted_and_imports_as_it_was() {
        for (text, cell) in [
            ("-A-", "'-A-"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("Goonswarm", "Goonswarm"),
            ("'quoted'", "'quoted'"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(text), cell, "{text:?}");
            assert_eq!(as_written(cell), text, "{cell:?}");
        }
        let rows =
            standings_csv_rows("corporation,98000001,-5,'-A-,'=1+1\n", AccountId(1)).unwrap();
        assert_eq!(rows[0].name, "-A-");
        assert_eq!(rows[0].notes, "=1+1");
        assert_eq!(rows[0].standing.tenths(), -50, "numbers are not text cells");
    }

    #[test]
    fn csv_rows_are_all_checked_and_each_error_named() {
        let a = AccountId(1);
        let ok = parse_csv(
            "type,id,standing,name,notes\nalliance,99000001,10,Foo,\ncorporation,98000001,-5\n",
            a,
        )
        .expect("valid");
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].standing.tenths(), -50);
        let err = parse_csv(
            "alliance,99000001,10\nplanet,1,5\ncharacter,x,5\ncharacter,5,11\nalliance,99000001,1\n",
            a,
        )
        .expect_err("invalid");
        assert_eq!(err.len(), 4, "{err:?}");
        assert!(err[0].starts_with("row 2:"), "{err:?}");
        assert!(err[1].contains("'x' is not an EVE id"), "{err:?}");
        assert!(err[2].contains("between -10 and 10"), "{err:?}");
        assert!(err[3].contains("already on row 1"), "{err:?}");
        assert!(parse_csv("", a).is_err());
    }
}
