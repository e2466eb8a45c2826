//! The permission checkboxes of the pages that give permissions to many accounts at once (a
//! state, a group): every permission Jumpgate knows, with what it allows, ticked when held
//! (`_components/permission_boxes.html`).

use jumpgate_domain::permissions::Permission;
use std::collections::BTreeSet;

/// One checkbox.
#[derive(Debug, Clone)]
pub struct PermissionBox {
    pub name: String,
    pub what: String,
    pub checked: bool,
}

/// A box for every permission in `Permission::CATALOGUE`, ticked when in `held`.
pub fn permission_boxes(held: &BTreeSet<String>) -> Vec<PermissionBox> {
    Permission::CATALOGUE
        .iter()
        .map(|(name, what)| PermissionBox {
            name: (*name).to_owned(),
            what: (*what).to_owned(),
            checked: held.contains(*name),
        })
        .collect()
}
