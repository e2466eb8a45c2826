//! The groups of an account with why it has each: a card on the account's own page and on an
//! administrator's view of it (`_components/held_groups.html`).

use crate::ui::format::when;
use jumpgate_app::groups::member::HeldGroup;
use jumpgate_domain::groups::MembershipSource;

/// One group an account is in, as the card lists it.
#[derive(Debug, Clone)]
pub struct HeldGroupRow {
    pub id: i64,
    pub name: String,
    /// Why the account has it: "application accepted by Anna", "added by hand by Bob".
    pub why: String,
    pub since: String,
    /// Given by the group's rules: it cannot be left.
    pub automatic: bool,
}

pub fn held_rows(held: &[HeldGroup]) -> Vec<HeldGroupRow> {
    held.iter()
        .map(|h| HeldGroupRow {
            id: h.group.id.get(),
            name: h.group.name.clone(),
            why: why(h),
            since: when(Some(h.membership.added_at)),
            automatic: h.membership.source == MembershipSource::Automatic,
        })
        .collect()
}

/// Why the account has the group, in words: who added it, or which rule gives it.
fn why(h: &HeldGroup) -> String {
    let m = &h.membership;
    if m.source == MembershipSource::Automatic {
        let rule = m.source_ref.as_deref().unwrap_or_default();
        return match rule.split_once(':') {
            Some(("corporation", id)) => format!("a character is in corporation #{id}"),
            Some(("alliance", id)) => format!("a character is in alliance #{id}"),
            _ if rule == "default" => "every account gets it".to_owned(),
            _ => m.source.describe().to_owned(),
        };
    }
    match &h.added_by {
        Some((_, by)) => format!("{} by {by}", m.source.describe()),
        None => m.source.describe().to_owned(),
    }
}
