//! Groups, their permissions, their managers (accounts) and their manager groups (whose members
//! manage them).

use crate::db::{DbTime, on_conn, on_db};
use crate::support::{conflict, missing, not_found_if_zero};
use crate::{Result, Store, StoreError, Transaction};
use jumpgate_domain::groups::{Group, GroupRules, Visibility};
use jumpgate_domain::{AccountId, AllianceId, CorporationId, GroupId};
use std::collections::BTreeMap;

/// Builds the groups from their rows, sorted by name ignoring case (the backends collate names
/// differently, so the order is decided here).
fn assemble_groups(rows: GroupRows) -> Result<Vec<Group>> {
    let GroupRows {
        groups,
        permissions,
        managers,
        manager_groups,
        affiliation_rules,
        group_rules,
        conditions,
        state_rules,
    } = rows;
    let mut by_id = BTreeMap::new();
    for (id, name, description, visibility, auto_accept, is_default) in groups {
        let visibility = Visibility::parse(&visibility).map_err(|_| {
            StoreError::Corrupt(format!(
                "group {id} has the unknown visibility '{visibility}'"
            ))
        })?;
        by_id.insert(
            id,
            Group {
                id: GroupId(id),
                description,
                visibility,
                auto_accept,
                rules: GroupRules {
                    default: is_default,
                    ..GroupRules::default()
                },
                ..Group::new(name)
            },
        );
    }
    for (group, permission) in permissions {
        if let Some(g) = by_id.get_mut(&group) {
            g.permissions.insert(permission);
        }
    }
    for (group, account) in managers {
        if let Some(g) = by_id.get_mut(&group) {
            g.managers.insert(AccountId(account));
        }
    }
    for (group, manager_group) in manager_groups {
        if let Some(g) = by_id.get_mut(&group) {
            g.manager_groups.insert(GroupId(manager_group));
        }
    }
    for (group, kind, entity) in affiliation_rules {
        let Some(g) = by_id.get_mut(&group) else {
            continue;
        };
        match kind.as_str() {
            "corporation" => g.rules.corporations.insert(CorporationId(entity)),
            "alliance" => g.rules.alliances.insert(AllianceId(entity)),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "group {group} has a rule of the unknown kind '{other}'"
                )));
            }
        };
    }
    for (group, kind, other) in group_rules {
        let Some(g) = by_id.get_mut(&group) else {
            continue;
        };
        match kind.as_str() {
            "required" => g.rules.required.insert(GroupId(other)),
            "forbidden" => g.rules.forbidden.insert(GroupId(other)),
            unknown => {
                return Err(StoreError::Corrupt(format!(
                    "group {group} has a rule of the unknown kind '{unknown}'"
                )));
            }
        };
    }
    for (group, state) in state_rules {
        if let Some(g) = by_id.get_mut(&group) {
            g.rules.states.insert(state);
        }
    }
    for (group, kind, value) in conditions {
        let Some(g) = by_id.get_mut(&group) else {
            continue;
        };
        let id = || {
            value.parse::<i64>().map_err(|_| {
                StoreError::Corrupt(format!("group {group} has the condition {kind} '{value}'"))
            })
        };
        let c = &mut g.conditions;
        match kind.as_str() {
            "state" => c.states.insert(value.clone()),
            "corporation" => c.corporations.insert(CorporationId(id()?)),
            "alliance" => c.alliances.insert(AllianceId(id()?)),
            "group" => c.groups.insert(GroupId(id()?)),
            other => {
                return Err(StoreError::Corrupt(format!(
                    "group {group} has a condition of the unknown kind '{other}'"
                )));
            }
        };
    }
    let mut groups: Vec<Group> = by_id.into_values().collect();
    groups.sort_by_cached_key(|g| (g.name.to_lowercase(), g.id));
    Ok(groups)
}

/// The rows every group is built from, read in one transaction.
struct GroupRows {
    groups: Vec<(i64, String, String, String, bool, bool)>,
    permissions: Vec<(i64, String)>,
    managers: Vec<(i64, i64)>,
    manager_groups: Vec<(i64, i64)>,
    affiliation_rules: Vec<(i64, String, i64)>,
    group_rules: Vec<(i64, String, i64)>,
    conditions: Vec<(i64, String, String)>,
    state_rules: Vec<(i64, String)>,
}

impl Store {
    /// Every group with its permissions, managers and rules, by name ignoring case.
    pub async fn groups(&self) -> Result<Vec<Group>> {
        on_db!(self, |db| {
            // One read transaction, so a concurrent save never shows half a group.
            let mut tx = db.begin_read().await?;
            let groups = sqlx::query_as(
                "SELECT id, name, description, visibility, auto_accept, is_default FROM groups",
            )
            .fetch_all(&mut *tx)
            .await?;
            let permissions = sqlx::query_as("SELECT group_id, permission FROM group_permissions")
                .fetch_all(&mut *tx)
                .await?;
            let managers = sqlx::query_as("SELECT group_id, account_id FROM group_managers")
                .fetch_all(&mut *tx)
                .await?;
            let manager_groups =
                sqlx::query_as("SELECT group_id, manager_group_id FROM group_manager_groups")
                    .fetch_all(&mut *tx)
                    .await?;
            let affiliation_rules =
                sqlx::query_as("SELECT group_id, kind, entity_id FROM group_affiliation_rules")
                    .fetch_all(&mut *tx)
                    .await?;
            let group_rules =
                sqlx::query_as("SELECT group_id, kind, other_group_id FROM group_group_rules")
                    .fetch_all(&mut *tx)
                    .await?;
            let conditions = sqlx::query_as("SELECT group_id, kind, value FROM group_conditions")
                .fetch_all(&mut *tx)
                .await?;
            let state_rules = sqlx::query_as("SELECT group_id, state FROM group_state_rules")
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            assemble_groups(GroupRows {
                groups,
                permissions,
                managers,
                manager_groups,
                affiliation_rules,
                group_rules,
                conditions,
                state_rules,
            })
        })
    }

    /// One group, or `None` when there is no such group.
    pub async fn group(&self, id: GroupId) -> Result<Option<Group>> {
        Ok(self.groups().await?.into_iter().find(|g| g.id == id))
    }

    /// Whether `account` manages `group`: directly, or as a member of one of its manager groups.
    pub async fn manages_group(&self, account: AccountId, group: GroupId) -> Result<bool> {
        let count: i64 = on_db!(self, |db| {
            sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM group_managers WHERE group_id = $1 AND account_id = $2)
                  + (SELECT COUNT(*) FROM group_manager_groups mg
                     JOIN group_members gm ON gm.group_id = mg.manager_group_id
                     WHERE mg.group_id = $1 AND gm.account_id = $2)"
        )
        .bind(group.get())
        .bind(account.get())
        .fetch_one(db.reader())
        .await?
        });
        Ok(count > 0)
    }

    /// Inserts (id 0) or updates a group with its permissions (its managers have their own
    /// methods). Names are unique ignoring case.
    pub async fn save_group(&self, group: &Group) -> Result<Group> {
        let mut tx = self.transaction().await?;
        let saved = tx.save_group(group).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Deletes a group with its memberships, permissions, managers and applications.
    pub async fn delete_group(&self, id: GroupId) -> Result<()> {
        let mut tx = self.transaction().await?;
        tx.delete_group(id).await?;
        tx.commit().await
    }

    pub async fn add_group_manager(&self, group: GroupId, account: AccountId) -> Result<bool> {
        let mut tx = self.transaction().await?;
        let added = tx.add_group_manager(group, account).await?;
        tx.commit().await?;
        Ok(added)
    }

    pub async fn remove_group_manager(&self, group: GroupId, account: AccountId) -> Result<bool> {
        let mut tx = self.transaction().await?;
        let removed = tx.remove_group_manager(group, account).await?;
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn add_manager_group(&self, group: GroupId, manager_group: GroupId) -> Result<bool> {
        let mut tx = self.transaction().await?;
        let added = tx.add_manager_group(group, manager_group).await?;
        tx.commit().await?;
        Ok(added)
    }

    pub async fn remove_manager_group(
        &self,
        group: GroupId,
        manager_group: GroupId,
    ) -> Result<bool> {
        let mut tx = self.transaction().await?;
        let removed = tx.remove_manager_group(group, manager_group).await?;
        tx.commit().await?;
        Ok(removed)
    }
}

/// The group writes a use case combines with its audit entry in one transaction; the `Store`
/// methods of the same names run each in its own.
impl Transaction {
    /// Inserts (id 0) or updates a group and replaces its permissions with the given ones. Its
    /// `managers` and `manager_groups` are not written here.
    pub async fn save_group(&mut self, group: &Group) -> Result<Group> {
        let name_taken = || format!("a group named '{}' already exists", group.name);
        let now = DbTime(self.now());
        let id: i64 = on_conn!(self.conn(), |tx| {
            let id = if group.id == GroupId::UNSAVED {
                sqlx::query_scalar(
                    "INSERT INTO groups (name, description, visibility, auto_accept, is_default,
                                         created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&group.name)
                .bind(&group.description)
                .bind(group.visibility.as_str())
                .bind(group.auto_accept)
                .bind(group.rules.default)
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict(e, name_taken))?
            } else {
                let done = sqlx::query(
                    "UPDATE groups SET name = $1, description = $2, visibility = $3,
                     auto_accept = $4, is_default = $5 WHERE id = $6",
                )
                .bind(&group.name)
                .bind(&group.description)
                .bind(group.visibility.as_str())
                .bind(group.auto_accept)
                .bind(group.rules.default)
                .bind(group.id.get())
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict(e, name_taken))?;
                not_found_if_zero(done.rows_affected(), || format!("group {}", group.id))?;
                group.id.get()
            };
            // Permissions are replaced as a whole: the group is saved as the caller sees it.
            sqlx::query("DELETE FROM group_permissions WHERE group_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for permission in &group.permissions {
                sqlx::query("INSERT INTO group_permissions (group_id, permission) VALUES ($1, $2)")
                    .bind(id)
                    .bind(permission)
                    .execute(&mut *tx)
                    .await?;
            }
            // So are its rules.
            sqlx::query("DELETE FROM group_affiliation_rules WHERE group_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let affiliations = (group
                .rules
                .corporations
                .iter()
                .map(|c| ("corporation", c.get())))
            .chain(group.rules.alliances.iter().map(|a| ("alliance", a.get())));
            for (kind, entity) in affiliations {
                sqlx::query(
                    "INSERT INTO group_affiliation_rules (group_id, kind, entity_id)
                     VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(kind)
                .bind(entity)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("DELETE FROM group_group_rules WHERE group_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let others = (group.rules.required.iter().map(|g| ("required", *g)))
                .chain(group.rules.forbidden.iter().map(|g| ("forbidden", *g)));
            for (kind, other) in others {
                sqlx::query(
                    "INSERT INTO group_group_rules (group_id, kind, other_group_id)
                     VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(kind)
                .bind(other.get())
                .execute(&mut *tx)
                .await
                .map_err(|e| missing(e, || format!("group {other}")))?;
            }
            sqlx::query("DELETE FROM group_state_rules WHERE group_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for state in &group.rules.states {
                sqlx::query("INSERT INTO group_state_rules (group_id, state) VALUES ($1, $2)")
                    .bind(id)
                    .bind(state)
                    .execute(&mut *tx)
                    .await?;
            }
            // And its conditions.
            sqlx::query("DELETE FROM group_conditions WHERE group_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let c = &group.conditions;
            let conditions = (c.states.iter().map(|s| ("state", s.clone())))
                .chain(
                    c.corporations
                        .iter()
                        .map(|x| ("corporation", x.to_string())),
                )
                .chain(c.alliances.iter().map(|x| ("alliance", x.to_string())))
                .chain(c.groups.iter().map(|x| ("group", x.to_string())));
            for (kind, value) in conditions {
                sqlx::query(
                    "INSERT INTO group_conditions (group_id, kind, value) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(kind)
                .bind(value)
                .execute(&mut *tx)
                .await?;
            }
            id
        });
        Ok(Group {
            id: GroupId(id),
            ..group.clone()
        })
    }

    /// Deletes a group; its memberships, permissions, managers, manager links (both ways),
    /// applications and the conditions of other groups that name it go with it.
    pub async fn delete_group(&mut self, id: GroupId) -> Result<()> {
        let done = on_conn!(self.conn(), |tx| {
            // Conditions name groups by id as text: no foreign key takes them away.
            sqlx::query("DELETE FROM group_conditions WHERE kind = 'group' AND value = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM groups WHERE id = $1")
                .bind(id.get())
                .execute(&mut *tx)
                .await?
                .rows_affected()
        });
        not_found_if_zero(done, || format!("group {id}"))
    }

    /// Makes `account` a manager of `group`; `false` when it already was one.
    pub async fn add_group_manager(&mut self, group: GroupId, account: AccountId) -> Result<bool> {
        let now = DbTime(self.now());
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "INSERT INTO group_managers (group_id, account_id, added_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING"
        )
        .bind(group.get())
        .bind(account.get())
        .bind(now)
        .execute(c)
        .await
        .map_err(|e| super::group_or_account(e, group, account))?
        .rows_affected());
        Ok(done == 1)
    }

    /// `false` when `account` was no manager of `group`.
    pub async fn remove_group_manager(
        &mut self,
        group: GroupId,
        account: AccountId,
    ) -> Result<bool> {
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM group_managers WHERE group_id = $1 AND account_id = $2"
        )
        .bind(group.get())
        .bind(account.get())
        .execute(c)
        .await?
        .rows_affected());
        Ok(done == 1)
    }

    /// Makes the members of `manager_group` managers of `group`; `false` when they already were.
    pub async fn add_manager_group(
        &mut self,
        group: GroupId,
        manager_group: GroupId,
    ) -> Result<bool> {
        let now = DbTime(self.now());
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "INSERT INTO group_manager_groups (group_id, manager_group_id, added_at)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
        )
        .bind(group.get())
        .bind(manager_group.get())
        .bind(now)
        .execute(c)
        .await
        .map_err(|e| missing(e, || format!("group {group} or group {manager_group}")))?
        .rows_affected());
        Ok(done == 1)
    }

    /// `false` when `manager_group` did not manage `group`.
    pub async fn remove_manager_group(
        &mut self,
        group: GroupId,
        manager_group: GroupId,
    ) -> Result<bool> {
        let done = on_conn!(self.conn(), |c| sqlx::query(
            "DELETE FROM group_manager_groups WHERE group_id = $1 AND manager_group_id = $2"
        )
        .bind(group.get())
        .bind(manager_group.get())
        .execute(c)
        .await?
        .rows_affected());
        Ok(done == 1)
    }
}
