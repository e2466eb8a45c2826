//! A conditioned group's conditions (`admin.groups`): the states, corporations, alliances and
//! groups whose people see it and may apply. Saved whole with the group, audited on it.

use super::group_target;
use crate::App;
use crate::audit::audit_in;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::typed::{items, positive_ids as ids};
use jumpgate_domain::groups::{Group, GroupConditions};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AllianceId, CorporationId, GroupId};
use serde_json::json;

/// The conditions as typed: names or ids separated by commas or new lines.
#[derive(Debug, Clone, Default)]
pub struct ConditionsForm {
    pub states: String,
    pub corporations: String,
    pub alliances: String,
    /// Group names or ids.
    pub groups: String,
}

impl App {
    /// Replaces group `id`'s conditions. Unknown states and groups refuse the whole change.
    pub async fn set_group_conditions(
        &self,
        caller: &Caller,
        id: GroupId,
        form: &ConditionsForm,
    ) -> AppResult<Group> {
        caller.require(Permission::ADMIN_GROUPS)?;
        let groups = self.store().groups().await?;
        let before = super::group_in(&groups, id)?;
        let states = self.store().states().await?;
        let known_state = |typed: &str| super::known_state(&states, typed);
        let known_group = |typed: &str| {
            groups
                .iter()
                .find(|g| g.name.eq_ignore_ascii_case(typed) || g.id.to_string() == typed)
                .map(|g| g.id)
                .ok_or_else(|| {
                    AppError::Invalid(format!("there is no group '{typed}'; nothing was changed"))
                })
        };
        let conditions = GroupConditions {
            states: items(&form.states)
                .map(known_state)
                .collect::<AppResult<_>>()?,
            corporations: ids(&form.corporations, "corporation")?
                .into_iter()
                .map(CorporationId)
                .collect(),
            alliances: ids(&form.alliances, "alliance")?
                .into_iter()
                .map(AllianceId)
                .collect(),
            groups: items(&form.groups)
                .map(known_group)
                .collect::<AppResult<_>>()?,
        };
        if conditions.groups.contains(&id) {
            return Err(AppError::Invalid(format!(
                "{} cannot require itself to be seen; nothing was changed",
                before.name
            )));
        }
        if conditions == before.conditions {
            return Ok(before);
        }
        let after = Group {
            conditions,
            ..before.clone()
        };
        let mut tx = self.store().transaction().await?;
        let saved = tx.save_group(&after).await?;
        audit_in(
            &mut tx,
            caller.actor(),
            "group.conditions_changed",
            group_target(id),
            json!({"name": saved.name, "conditions": saved.conditions}),
        )
        .await?;
        tx.commit().await?;
        Ok(saved)
    }
}
