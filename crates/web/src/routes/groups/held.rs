//! The groups of an account with why it has each: a card on the account's own page and on an
//! administrator's view of it (`_components/held_groups.html`).

use crate::ui::format::when;
use jumpgate_app::groups::member::HeldGroup;

/// One group an account is in, as the card lists it.
#[derive(Debug, Clone)]
pub struct HeldGroupRow {
    pub id: i64,
    pub name: String,
    /// Why the account has it: "application accepted by Anna", "added by hand by Bob".
    pub why: String,
    pub since: String,
}

pub fn held_rows(held: &[HeldGroup]) -> Vec<HeldGroupRow> {
    held.iter()
        .map(|h| HeldGroupRow {
            id: h.group.id.get(),
            name: h.group.name.clone(),
            why: match &h.added_by {
                Some((_, by)) => format!("{} by {by}", h.membership.source.describe()),
                None => h.membership.source.describe().to_owned(),
            },
            since: when(Some(h.membership.added_at)),
        })
        .collect()
}
