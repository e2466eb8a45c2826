//! Divisions, specialty roles, the permissions each role carries and the corporations whose
//! leaders hold their roles: read together as one `RoleCatalogue`.

use crate::db::{DbTime, on_conn, on_db};
use crate::support::{conflict, not_found_if_zero};
use crate::{Result, Store, StoreError, Transaction};
use jumpgate_domain::roles::{Division, LeadingEntities, Role, RoleKind, Specialty};
use jumpgate_domain::{AllianceId, CorporationId, DivisionId, SpecialtyId};
use std::collections::{BTreeMap, BTreeSet};

/// Which role a set of permissions belongs to: every role of a kind carries the same (every
/// Division FC, whatever the division), but each specialty its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RolePermissionKey {
    pub kind: RoleKind,
    /// The specialty's id for specialty roles; 0 otherwise.
    pub specialty: i64,
}

impl RolePermissionKey {
    pub fn of(role: Role) -> Self {
        Self {
            kind: role.kind(),
            specialty: match role {
                Role::Specialty(s) => s.get(),
                _ => 0,
            },
        }
    }
}

/// Everything about roles but who holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleCatalogue {
    /// By name ignoring case.
    pub divisions: Vec<Division>,
    /// By name ignoring case.
    pub specialties: Vec<Specialty>,
    pub permissions: BTreeMap<RolePermissionKey, BTreeSet<String>>,
    pub leading: LeadingEntities,
}

impl RoleCatalogue {
    pub fn division(&self, id: DivisionId) -> Option<&Division> {
        self.divisions.iter().find(|d| d.id == id)
    }

    pub fn specialty(&self, id: SpecialtyId) -> Option<&Specialty> {
        self.specialties.iter().find(|s| s.id == id)
    }

    pub fn specialties_by_id(&self) -> BTreeMap<SpecialtyId, Specialty> {
        self.specialties.iter().map(|s| (s.id, s.clone())).collect()
    }

    /// Whether `role`'s scope exists (its division or specialty; any corporation does).
    pub fn has_scope_of(&self, role: Role) -> bool {
        match role {
            Role::DivisionHeadFc(d) | Role::DivisionFc(d) => self.division(d).is_some(),
            Role::Specialty(s) => self.specialty(s).is_some(),
            _ => true,
        }
    }

    /// How people read `role`: "Division FC (Capitals)", "Capital FC".
    pub fn role_name(&self, role: Role) -> String {
        match role {
            Role::DivisionHeadFc(d) | Role::DivisionFc(d) => match self.division(d) {
                Some(division) => format!("{} ({})", role.kind().label(), division.name),
                None => format!("{} (division #{d})", role.kind().label()),
            },
            Role::Specialty(s) => match self.specialty(s) {
                Some(specialty) => specialty.name.clone(),
                None => format!("specialty role #{s}"),
            },
            Role::Ceo(c) | Role::Director(c) => {
                format!("{} of corporation #{c}", role.kind().label())
            }
            _ => role.kind().label().to_owned(),
        }
    }

    /// The permissions `role` carries.
    pub fn permissions_of(&self, role: Role) -> BTreeSet<String> {
        self.permissions
            .get(&RolePermissionKey::of(role))
            .cloned()
            .unwrap_or_default()
    }
}

/// The catalogue's rows as read: divisions, specialties, permissions, leading entities.
type CatalogueRows = (
    Vec<(i64, String)>,
    Vec<(i64, String, String, bool)>,
    Vec<(String, i64, String)>,
    Vec<(String, i64)>,
);

impl Store {
    /// The divisions, specialties, role permissions and leading corporations, read in one
    /// transaction.
    pub async fn role_catalogue(&self) -> Result<RoleCatalogue> {
        let (divisions, specialties, permissions, leading): CatalogueRows = on_db!(self, |db| {
            let mut tx = db.begin_read().await?;
            let divisions = sqlx::query_as("SELECT id, name FROM divisions")
                .fetch_all(&mut *tx)
                .await?;
            let specialties =
                sqlx::query_as("SELECT id, name, description, fleet FROM specialty_roles")
                    .fetch_all(&mut *tx)
                    .await?;
            let permissions =
                sqlx::query_as("SELECT kind, scope_id, permission FROM role_permissions")
                    .fetch_all(&mut *tx)
                    .await?;
            let leading = sqlx::query_as("SELECT kind, entity_id FROM role_leading_entities")
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            (divisions, specialties, permissions, leading)
        });
        let mut catalogue = RoleCatalogue {
            divisions: divisions
                .into_iter()
                .map(|(id, name)| Division {
                    id: DivisionId(id),
                    name,
                })
                .collect(),
            specialties: specialties
                .into_iter()
                .map(|(id, name, description, fleet)| Specialty {
                    id: SpecialtyId(id),
                    name,
                    description,
                    fleet,
                })
                .collect(),
            ..RoleCatalogue::default()
        };
        catalogue
            .divisions
            .sort_by_cached_key(|d| (d.name.to_lowercase(), d.id));
        catalogue
            .specialties
            .sort_by_cached_key(|s| (s.name.to_lowercase(), s.id));
        for (kind, specialty, permission) in permissions {
            let kind = RoleKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            catalogue
                .permissions
                .entry(RolePermissionKey { kind, specialty })
                .or_default()
                .insert(permission);
        }
        for (kind, entity) in leading {
            match kind.as_str() {
                "corporation" => catalogue.leading.corporations.insert(CorporationId(entity)),
                "alliance" => catalogue.leading.alliances.insert(AllianceId(entity)),
                other => {
                    return Err(StoreError::Corrupt(format!(
                        "a leading entity of the unknown kind '{other}'"
                    )));
                }
            };
        }
        Ok(catalogue)
    }
}

/// The catalogue's writes, each combined by a use case with its audit entry.
impl Transaction {
    /// Inserts (id 0) or renames a division. Names are unique ignoring case.
    pub async fn save_division(&mut self, division: &Division) -> Result<Division> {
        let taken = || format!("a division named '{}' already exists", division.name);
        let now = DbTime(self.now());
        let id = on_conn!(self.conn(), |tx| {
            if division.id.get() == 0 {
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO divisions (name, created_at) VALUES ($1, $2) RETURNING id",
                )
                .bind(&division.name)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict(e, taken))?
            } else {
                let done = sqlx::query("UPDATE divisions SET name = $1 WHERE id = $2")
                    .bind(&division.name)
                    .bind(division.id.get())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, taken))?;
                not_found_if_zero(done.rows_affected(), || format!("division {}", division.id))?;
                division.id.get()
            }
        });
        Ok(Division {
            id: DivisionId(id),
            name: division.name.clone(),
        })
    }

    /// Deletes a division and every holder of its roles.
    pub async fn delete_division(&mut self, id: DivisionId) -> Result<()> {
        let done = on_conn!(self.conn(), |tx| {
            sqlx::query(
                "DELETE FROM role_holders
                 WHERE kind IN ('division_head_fc', 'division_fc') AND scope_id = $1",
            )
            .bind(id.get())
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM divisions WHERE id = $1")
                .bind(id.get())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        not_found_if_zero(done, || format!("division {id}"))
    }

    /// Inserts (id 0) or updates a specialty role. Names are unique ignoring case.
    pub async fn save_specialty(&mut self, specialty: &Specialty) -> Result<Specialty> {
        let taken = || format!("a specialty role named '{}' already exists", specialty.name);
        let now = DbTime(self.now());
        let id = on_conn!(self.conn(), |tx| {
            if specialty.id.get() == 0 {
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO specialty_roles (name, description, fleet, created_at)
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&specialty.name)
                .bind(&specialty.description)
                .bind(specialty.fleet)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict(e, taken))?
            } else {
                let done = sqlx::query(
                    "UPDATE specialty_roles SET name = $1, description = $2, fleet = $3
                     WHERE id = $4",
                )
                .bind(&specialty.name)
                .bind(&specialty.description)
                .bind(specialty.fleet)
                .bind(specialty.id.get())
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict(e, taken))?;
                not_found_if_zero(done.rows_affected(), || {
                    format!("specialty role {}", specialty.id)
                })?;
                specialty.id.get()
            }
        });
        Ok(Specialty {
            id: SpecialtyId(id),
            ..specialty.clone()
        })
    }

    /// Deletes a specialty role with its holders and permissions.
    pub async fn delete_specialty(&mut self, id: SpecialtyId) -> Result<()> {
        let done = on_conn!(self.conn(), |tx| {
            for delete in [
                "DELETE FROM role_holders WHERE kind = 'specialty' AND scope_id = $1",
                "DELETE FROM role_permissions WHERE kind = 'specialty' AND scope_id = $1",
            ] {
                sqlx::query(delete).bind(id.get()).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM specialty_roles WHERE id = $1")
                .bind(id.get())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        not_found_if_zero(done, || format!("specialty role {id}"))
    }

    /// Replaces what the roles of `key` carry.
    pub async fn set_role_permissions(
        &mut self,
        key: RolePermissionKey,
        permissions: &BTreeSet<String>,
    ) -> Result<()> {
        on_conn!(self.conn(), |tx| {
            sqlx::query("DELETE FROM role_permissions WHERE kind = $1 AND scope_id = $2")
                .bind(key.kind.as_str())
                .bind(key.specialty)
                .execute(&mut *tx)
                .await?;
            for permission in permissions {
                sqlx::query(
                    "INSERT INTO role_permissions (kind, scope_id, permission) VALUES ($1, $2, $3)",
                )
                .bind(key.kind.as_str())
                .bind(key.specialty)
                .bind(permission)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(())
    }

    /// Replaces the corporations and alliances whose CEOs and Directors hold their roles.
    pub async fn set_leading_entities(&mut self, leading: &LeadingEntities) -> Result<()> {
        let rows: Vec<(&str, i64)> = (leading.corporations.iter())
            .map(|c| ("corporation", c.get()))
            .chain(leading.alliances.iter().map(|a| ("alliance", a.get())))
            .collect();
        on_conn!(self.conn(), |tx| {
            sqlx::query("DELETE FROM role_leading_entities")
                .execute(&mut *tx)
                .await?;
            for (kind, entity) in &rows {
                sqlx::query("INSERT INTO role_leading_entities (kind, entity_id) VALUES ($1, $2)")
                    .bind(*kind)
                    .bind(*entity)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }
}
