//! Administering states: creating them, changing their priority, permissions and criteria,
//! deleting them. Every change is recorded and followed by recomputing every account's state,
//! so access follows at once. The rules themselves live in `domain::states`.

use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::StateId;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::states::{
    CriterionKind, GUEST, State, StateCriteria, StateRuleError, check_deletable, parse_priority,
    validate_state_name,
};
use jumpgate_domain::{AllianceId, CharacterId, CorporationId};
use jumpgate_eve::esi::{IdName, NameCategory};
use jumpgate_store::{AllianceInfo, CorporationInfo};
use serde_json::json;
use std::collections::BTreeSet;

/// How long names read while adding a criterion are kept before the periodic refresh rereads.
const INFO_TTL: time::Duration = time::Duration::hours(1);

/// A criterion as shown on the admin page: its kind, id and a label (the name where known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionView {
    pub kind: CriterionKind,
    pub id: i64,
    pub label: String,
}

/// A state with its criteria named, for the admin pages.
#[derive(Debug, Clone)]
pub struct StateOverview {
    pub state: State,
    pub criteria: Vec<CriterionView>,
}

pub use crate::access::Recomputed;

impl From<StateRuleError> for AppError {
    fn from(e: StateRuleError) -> Self {
        Self::Invalid(e.to_string())
    }
}

fn state_target(id: StateId) -> String {
    format!("state:{id}")
}

impl App {
    /// Every state, highest priority first, with names for their criteria where Jumpgate knows
    /// them (characters it has, corporations and alliances it has read), else ids.
    /// Needs `admin.states`.
    pub async fn state_overviews(&self, caller: &Caller) -> AppResult<Vec<StateOverview>> {
        caller.require(Permission::ADMIN_STATES)?;
        let mut out = Vec::new();
        for state in self.store().states().await? {
            let mut criteria = Vec::new();
            for (kind, id) in state.criteria.entries() {
                criteria.push(CriterionView {
                    kind,
                    id,
                    label: self.criterion_label(kind, id).await?,
                });
            }
            out.push(StateOverview { state, criteria });
        }
        Ok(out)
    }

    /// One state as `state_overviews` shows it. Needs `admin.states`.
    pub async fn state_overview(&self, caller: &Caller, id: StateId) -> AppResult<StateOverview> {
        self.state_overviews(caller)
            .await?
            .into_iter()
            .find(|o| o.state.id == id)
            .ok_or_else(|| AppError::NotFound(format!("there is no state #{id}")))
    }

    pub(crate) async fn criterion_label(&self, kind: CriterionKind, id: i64) -> AppResult<String> {
        let known = match kind {
            CriterionKind::Character => self
                .store()
                .character(CharacterId(id))
                .await?
                .map(|c| c.name),
            CriterionKind::Corporation => self
                .store()
                .corporation(CorporationId(id))
                .await?
                .map(|c| format!("{} [{}]", c.name, c.ticker)),
            CriterionKind::Alliance => self
                .store()
                .alliance(AllianceId(id))
                .await?
                .map(|a| format!("{} <{}>", a.name, a.ticker)),
            CriterionKind::Faction => None,
        };
        Ok(known.unwrap_or_else(|| format!("{} #{id}", capitalised(kind))))
    }

    async fn existing_state(&self, id: StateId) -> AppResult<State> {
        self.store()
            .states()
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| AppError::NotFound(format!("there is no state #{id}")))
    }

    /// Creates a state without criteria or permissions. `priority` is the text as typed.
    pub async fn create_state(
        &self,
        caller: &Caller,
        name: &str,
        priority: &str,
    ) -> AppResult<State> {
        caller.require(Permission::ADMIN_STATES)?;
        let existing = self.store().states().await?;
        let name = validate_state_name(name, &existing)?;
        let priority = parse_priority(priority)?;
        let mut tx = self.store().transaction().await?;
        let state = tx
            .save_state(&State {
                id: StateId::UNSAVED,
                name: name.clone(),
                priority,
                criteria: StateCriteria::default(),
                permissions: BTreeSet::new(),
            })
            .await
            .map_err(|e| match e {
                jumpgate_store::StoreError::Conflict(m) => AppError::Invalid(m),
                other => other.into(),
            })?;
        audit_in(
            &mut tx,
            caller.actor(),
            "state.created",
            state_target(state.id),
            json!({"name": name, "priority": priority}),
        )
        .await?;
        tx.commit().await?;
        Ok(state)
    }

    /// Sets a state's priority and its permissions (the whole set, names from
    /// `Permission::CATALOGUE`; an unknown name refuses the whole change). Adding or removing an
    /// `admin.*` permission needs superuser.
    pub async fn update_state(
        &self,
        caller: &Caller,
        id: StateId,
        priority: &str,
        permissions: &[String],
    ) -> AppResult<Recomputed> {
        caller.require(Permission::ADMIN_STATES)?;
        let mut state = self.existing_state(id).await?;
        let priority = parse_priority(priority)?;
        let permissions = permissions
            .iter()
            .map(|p| Permission::parse(p).map(|p| p.as_str().to_owned()))
            .collect::<Result<BTreeSet<String>, _>>()
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        let added: Vec<&String> = permissions.difference(&state.permissions).collect();
        let removed: Vec<&String> = state.permissions.difference(&permissions).collect();
        // A state gives its permissions to everyone in it: an `admin.*` one is a superuser's
        // to give or take, as when granted directly.
        if let Some(p) = added
            .iter()
            .chain(&removed)
            .find(|p| Permission::parse(p).is_ok_and(|p| p.is_administrative()))
        {
            caller.require_superuser(&format!("give or take '{p}' through a state"))?;
        }
        if priority == state.priority && added.is_empty() && removed.is_empty() {
            return Ok(Recomputed::default());
        }
        let details = json!({
            "name": state.name,
            "priority": {"from": state.priority, "to": priority},
            "permissions_added": added,
            "permissions_removed": removed,
        });
        state.priority = priority;
        state.permissions = permissions;
        let mut tx = self.store().transaction().await?;
        tx.save_state(&state).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "state.updated",
            state_target(id),
            details,
        )
        .await?;
        tx.commit().await?;
        self.recompute_all_access(&caller.actor()).await
    }

    /// Adds a criterion by id or by exact name (resolved through ESI). Nothing changes when EVE
    /// knows no such entity.
    pub async fn add_state_criterion(
        &self,
        caller: &Caller,
        id: StateId,
        kind: &str,
        entity: &str,
    ) -> AppResult<(CriterionView, Recomputed)> {
        caller.require(Permission::ADMIN_STATES)?;
        let mut state = self.existing_state(id).await?;
        if state.name == GUEST {
            return Err(StateRuleError::GuestHasNoCriteria.into());
        }
        let kind = CriterionKind::parse(kind)?;
        let (entity_id, name) = self.resolve_entity(kind, entity).await?;
        if !state.criteria.insert(kind, entity_id) {
            return Err(AppError::Invalid(format!(
                "{name} is already a criterion of {}",
                state.name
            )));
        }
        self.remember_name(kind, entity_id).await;
        let added = CriterionView {
            kind,
            id: entity_id,
            label: name,
        };
        self.save_criterion_change(caller, &state, "criterion_added", added)
            .await
    }

    pub async fn remove_state_criterion(
        &self,
        caller: &Caller,
        id: StateId,
        kind: &str,
        entity_id: &str,
    ) -> AppResult<(CriterionView, Recomputed)> {
        caller.require(Permission::ADMIN_STATES)?;
        let mut state = self.existing_state(id).await?;
        let kind = CriterionKind::parse(kind)?;
        let entity_id = parse_entity_id(entity_id)?;
        if !state.criteria.remove(kind, entity_id) {
            return Err(AppError::Invalid(format!(
                "{kind} #{entity_id} is not a criterion of {}",
                state.name
            )));
        }
        let removed = CriterionView {
            kind,
            id: entity_id,
            label: self.criterion_label(kind, entity_id).await?,
        };
        self.save_criterion_change(caller, &state, "criterion_removed", removed)
            .await
    }

    /// Saves `state` with one criterion (`criterion`) added or removed, records it (`change`:
    /// `criterion_added`, `criterion_removed`) and recomputes every account's state.
    async fn save_criterion_change(
        &self,
        caller: &Caller,
        state: &State,
        change: &str,
        criterion: CriterionView,
    ) -> AppResult<(CriterionView, Recomputed)> {
        let mut tx = self.store().transaction().await?;
        tx.save_state(state).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "state.updated",
            state_target(state.id),
            json!({
                "name": state.name,
                change: {"kind": criterion.kind.as_str(), "id": criterion.id, "name": criterion.label},
            }),
        )
        .await?;
        tx.commit().await?;
        let recomputed = self.recompute_all_access(&caller.actor()).await?;
        Ok((criterion, recomputed))
    }

    /// Deletes any state but Guest; its accounts fall to whatever else they match.
    pub async fn delete_state(
        &self,
        caller: &Caller,
        id: StateId,
    ) -> AppResult<(State, Recomputed)> {
        caller.require(Permission::ADMIN_STATES)?;
        let state = self.existing_state(id).await?;
        check_deletable(&state)?;
        let mut tx = self.store().transaction().await?;
        tx.delete_state(id).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "state.deleted",
            state_target(id),
            json!({
                "name": state.name,
                "priority": state.priority,
                "permissions": state.permissions,
                "criteria": state.criteria.entries().iter()
                    .map(|(k, i)| json!({"kind": k.as_str(), "id": i}))
                    .collect::<Vec<_>>(),
            }),
        )
        .await?;
        tx.commit().await?;
        let recomputed = self.recompute_all_access(&caller.actor()).await?;
        Ok((state, recomputed))
    }

    /// The id and name of the entity an administrator typed: an id (checked with
    /// `POST /universe/names`) or an exact name (`POST /universe/ids`).
    pub(crate) async fn resolve_entity(
        &self,
        kind: CriterionKind,
        entity: &str,
    ) -> AppResult<(i64, String)> {
        let entity = entity.trim();
        if entity.is_empty() {
            return Err(AppError::Invalid(format!(
                "type the id or the exact name of {}",
                a_kind(kind)
            )));
        }
        if entity.chars().all(|c| c.is_ascii_digit()) {
            let id = parse_entity_id(entity)?;
            let named = self.esi().universe_names(&[id]).await?;
            let Some(found) = named.into_iter().find(|n| n.id == id) else {
                return Err(AppError::Invalid(format!(
                    "EVE knows no {kind} with id {id}; nothing was changed"
                )));
            };
            if category_kind(found.category) != Some(kind) {
                return Err(AppError::Invalid(format!(
                    "{id} is {} ({:?}), not {}; nothing was changed",
                    found.name,
                    found.category,
                    a_kind(kind)
                )));
            }
            return Ok((id, found.name));
        }
        if entity.chars().count() > 100 {
            return Err(AppError::Invalid(format!(
                "EVE names have at most 100 characters; check the {kind} name"
            )));
        }
        let ids = self.esi().universe_ids(&[entity.to_owned()]).await?;
        let group: &[IdName] = match kind {
            CriterionKind::Character => &ids.characters,
            CriterionKind::Corporation => &ids.corporations,
            CriterionKind::Alliance => &ids.alliances,
            CriterionKind::Faction => &ids.factions,
        };
        let wanted = entity.to_lowercase();
        group
            .iter()
            .find_map(|n| match (n.id, &n.name) {
                (Some(id), Some(name)) if name.to_lowercase() == wanted => Some((id, name.clone())),
                _ => None,
            })
            .ok_or_else(|| {
                AppError::Invalid(format!(
                    "EVE knows no {kind} named '{entity}' (names must match exactly); nothing was changed"
                ))
            })
    }

    /// Reads and keeps the name of a corporation or alliance just added as a criterion, so the
    /// admin page can show it. Best effort: the periodic refresh fills it in otherwise.
    pub(crate) async fn remember_name(&self, kind: CriterionKind, id: i64) {
        let now = self.now();
        let result: AppResult<()> = async {
            match kind {
                CriterionKind::Corporation => {
                    let fresh = self.esi().corporation(CorporationId(id)).await?;
                    self.store()
                        .upsert_corporation(&CorporationInfo {
                            id: CorporationId(id),
                            name: fresh.value.name.clone(),
                            ticker: fresh.value.ticker.clone(),
                            alliance: fresh.value.alliance_id,
                            member_count: Some(fresh.value.member_count),
                            ceo: fresh.value.ceo_id,
                            expires_at: fresh.expires_at.unwrap_or(now + INFO_TTL),
                        })
                        .await?;
                }
                CriterionKind::Alliance => {
                    let fresh = self.esi().alliance(AllianceId(id)).await?;
                    self.store()
                        .upsert_alliance(&AllianceInfo {
                            id: AllianceId(id),
                            name: fresh.value.name.clone(),
                            ticker: fresh.value.ticker.clone(),
                            expires_at: fresh.expires_at.unwrap_or(now + INFO_TTL),
                        })
                        .await?;
                }
                CriterionKind::Character | CriterionKind::Faction => {}
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(kind = kind.as_str(), id, error = %e, "could not read the name of a new criterion");
        }
    }
}

pub(crate) fn parse_entity_id(text: &str) -> AppResult<i64> {
    match text.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(AppError::Invalid(format!(
            "'{}' is not a valid EVE id: expected a positive whole number",
            text.trim()
        ))),
    }
}

fn category_kind(category: NameCategory) -> Option<CriterionKind> {
    match category {
        NameCategory::Character => Some(CriterionKind::Character),
        NameCategory::Corporation => Some(CriterionKind::Corporation),
        NameCategory::Alliance => Some(CriterionKind::Alliance),
        NameCategory::Faction => Some(CriterionKind::Faction),
        _ => None,
    }
}

fn capitalised(kind: CriterionKind) -> &'static str {
    match kind {
        CriterionKind::Character => "Character",
        CriterionKind::Corporation => "Corporation",
        CriterionKind::Alliance => "Alliance",
        CriterionKind::Faction => "Faction",
    }
}

fn a_kind(kind: CriterionKind) -> &'static str {
    match kind {
        CriterionKind::Character => "a character",
        CriterionKind::Corporation => "a corporation",
        CriterionKind::Alliance => "an alliance",
        CriterionKind::Faction => "a faction",
    }
}
