//! Administering roles (`admin.roles`): divisions, specialty roles, what each role carries
//! (an `admin.*` permission only by a superuser, as for states and groups) and the corporations
//! and alliances whose CEOs and Directors hold their roles here.

use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::typed::positive_ids;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::roles::{
    Division, LeadingEntities, MAX_ROLE_DESCRIPTION, RoleKind, Specialty, validate_role_name,
};
use jumpgate_domain::{AllianceId, CorporationId, DivisionId, SpecialtyId};
use jumpgate_store::{RoleCatalogue, RolePermissionKey};
use serde_json::json;
use std::collections::BTreeSet;

/// One row of the permissions table: a kind of role (or one specialty) and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePermissionsRow {
    /// The form's key: `general_fc`, `specialty:3`.
    pub key: String,
    pub name: String,
    pub permissions: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolesAdmin {
    pub catalogue: RoleCatalogue,
    pub permissions: Vec<RolePermissionsRow>,
    /// Leading corporations and alliances with their names when known.
    pub leading_corporations: Vec<(CorporationId, Option<String>)>,
    pub leading_alliances: Vec<(AllianceId, Option<String>)>,
}

fn key_text(key: RolePermissionKey) -> String {
    match key.specialty {
        0 => key.kind.as_str().to_owned(),
        s => format!("{}:{s}", key.kind.as_str()),
    }
}

/// How people read the roles of `key`: the kind's label, or the specialty's name.
fn key_name(catalogue: &RoleCatalogue, key: RolePermissionKey) -> String {
    match key.kind {
        RoleKind::Specialty => catalogue
            .specialty(SpecialtyId(key.specialty))
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        kind => kind.label().to_owned(),
    }
}

/// A permissions row's key as typed back (`division_fc`, `specialty:3`).
fn parse_key(catalogue: &RoleCatalogue, text: &str) -> AppResult<RolePermissionKey> {
    let (kind, specialty) = text.trim().split_once(':').unwrap_or((text.trim(), "0"));
    let kind = RoleKind::parse(kind).map_err(|e| AppError::Invalid(e.to_string()))?;
    let specialty: i64 = specialty
        .parse()
        .map_err(|_| AppError::Invalid(format!("'{text}' is not a role")))?;
    let known = match kind {
        RoleKind::Specialty => catalogue.specialty(SpecialtyId(specialty)).is_some(),
        _ => specialty == 0,
    };
    if !known {
        return Err(AppError::NotFound(format!("there is no role '{text}'")));
    }
    Ok(RolePermissionKey { kind, specialty })
}

impl App {
    pub async fn roles_admin(&self, caller: &Caller) -> AppResult<RolesAdmin> {
        caller.require(Permission::ADMIN_ROLES)?;
        let catalogue = self.kept_role_catalogue(caller).await?;
        let mut keys: Vec<RolePermissionKey> = RoleKind::ALL
            .into_iter()
            .filter(|k| *k != RoleKind::Specialty)
            .map(|kind| RolePermissionKey { kind, specialty: 0 })
            .collect();
        keys.extend(catalogue.specialties.iter().map(|s| RolePermissionKey {
            kind: RoleKind::Specialty,
            specialty: s.id.get(),
        }));
        let permissions = keys
            .into_iter()
            .map(|key| RolePermissionsRow {
                key: key_text(key),
                name: key_name(&catalogue, key),
                permissions: catalogue.permissions.get(&key).cloned().unwrap_or_default(),
            })
            .collect();
        let corporations: Vec<CorporationId> =
            catalogue.leading.corporations.iter().copied().collect();
        let corporation_names = self.store().corporations_by_ids(&corporations).await?;
        let mut leading_alliances = Vec::new();
        for id in &catalogue.leading.alliances {
            let name = self.store().alliance(*id).await?.map(|a| a.name);
            leading_alliances.push((*id, name));
        }
        Ok(RolesAdmin {
            leading_corporations: corporations
                .iter()
                .map(|id| {
                    let name = corporation_names.iter().find(|c| c.id == *id);
                    (*id, name.map(|c| c.name.clone()))
                })
                .collect(),
            leading_alliances,
            permissions,
            catalogue: (*catalogue).clone(),
        })
    }

    pub async fn create_division(&self, caller: &Caller, name: &str) -> AppResult<Division> {
        caller.require(Permission::ADMIN_ROLES)?;
        let name = validate_role_name(name).map_err(|e| AppError::Invalid(e.to_string()))?;
        let mut tx = self.store().transaction().await?;
        let division = tx
            .save_division(&Division {
                id: DivisionId(0),
                name,
            })
            .await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "role.division_created",
            format!("division:{}", division.id),
            json!({"name": division.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(division)
    }

    /// Deletes a division; its Division Head FC and FCs lose those roles.
    pub async fn delete_division(&self, caller: &Caller, id: DivisionId) -> AppResult<Division> {
        caller.require(Permission::ADMIN_ROLES)?;
        let division = (self.store().role_catalogue().await?)
            .division(id)
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("there is no division #{id}")))?;
        let mut tx = self.store().transaction().await?;
        tx.delete_division(id).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "role.division_deleted",
            format!("division:{id}"),
            json!({"name": division.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(division)
    }

    pub async fn create_specialty(
        &self,
        caller: &Caller,
        name: &str,
        description: &str,
        fleet: bool,
    ) -> AppResult<Specialty> {
        caller.require(Permission::ADMIN_ROLES)?;
        let name = validate_role_name(name).map_err(|e| AppError::Invalid(e.to_string()))?;
        let description = description.trim();
        if description.chars().count() > MAX_ROLE_DESCRIPTION {
            return Err(AppError::Invalid(format!(
                "a description is at most {MAX_ROLE_DESCRIPTION} characters long"
            )));
        }
        let mut tx = self.store().transaction().await?;
        let specialty = tx
            .save_specialty(&Specialty {
                id: SpecialtyId(0),
                name,
                description: description.to_owned(),
                fleet,
            })
            .await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "role.specialty_created",
            format!("specialty:{}", specialty.id),
            json!({"name": specialty.name, "fleet": fleet}),
        )
        .await?;
        tx.commit().await?;
        Ok(specialty)
    }

    /// Deletes a specialty role; its holders lose it.
    pub async fn delete_specialty(&self, caller: &Caller, id: SpecialtyId) -> AppResult<Specialty> {
        caller.require(Permission::ADMIN_ROLES)?;
        let specialty = (self.store().role_catalogue().await?)
            .specialty(id)
            .cloned()
            .ok_or_else(|| AppError::NotFound(format!("there is no specialty role #{id}")))?;
        let mut tx = self.store().transaction().await?;
        tx.delete_specialty(id).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "role.specialty_deleted",
            format!("specialty:{id}"),
            json!({"name": specialty.name}),
        )
        .await?;
        tx.commit().await?;
        Ok(specialty)
    }

    /// Replaces what the roles of `key` (`general_fc`, `specialty:3`) carry; an unknown
    /// permission refuses the whole change, and giving or taking an `admin.*` one needs a
    /// superuser. Returns the role's name.
    pub async fn set_role_permissions(
        &self,
        caller: &Caller,
        key: &str,
        permissions: &[String],
    ) -> AppResult<String> {
        caller.require(Permission::ADMIN_ROLES)?;
        let catalogue = self.store().role_catalogue().await?;
        let key = parse_key(&catalogue, key)?;
        let after = permissions
            .iter()
            .map(|p| Permission::parse(p).map(|p| p.as_str().to_owned()))
            .collect::<Result<BTreeSet<String>, _>>()
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        let before = catalogue.permissions.get(&key).cloned().unwrap_or_default();
        let added: Vec<&String> = after.difference(&before).collect();
        let removed: Vec<&String> = before.difference(&after).collect();
        if let Some(p) = added
            .iter()
            .chain(&removed)
            .find(|p| p.starts_with("admin."))
        {
            caller.require_superuser(&format!("give or take '{p}' through a role"))?;
        }
        let name = key_name(&catalogue, key);
        if added.is_empty() && removed.is_empty() {
            return Ok(name);
        }
        let mut tx = self.store().transaction().await?;
        tx.set_role_permissions(key, &after).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "role.permissions_changed",
            format!("role:{}", key_text(key)),
            json!({"role_name": name, "added": added, "removed": removed}),
        )
        .await?;
        tx.commit().await?;
        Ok(name)
    }

    /// Replaces the corporations and alliances (ids as typed) whose CEOs and Directors hold
    /// their roles, then recomputes every account so the roles follow at once.
    pub async fn set_leading_entities(
        &self,
        caller: &Caller,
        corporations: &str,
        alliances: &str,
    ) -> AppResult<LeadingEntities> {
        caller.require(Permission::ADMIN_ROLES)?;
        let leading = LeadingEntities {
            corporations: positive_ids(corporations, "corporation")?
                .into_iter()
                .map(CorporationId)
                .collect(),
            alliances: positive_ids(alliances, "alliance")?
                .into_iter()
                .map(AllianceId)
                .collect(),
        };
        let mut tx = self.store().transaction().await?;
        tx.set_leading_entities(&leading).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "role.leading_changed",
            "roles",
            json!({"corporations": leading.corporations, "alliances": leading.alliances}),
        )
        .await?;
        tx.commit().await?;
        self.recompute_all_access(&caller.actor()).await?;
        Ok(leading)
    }
}
