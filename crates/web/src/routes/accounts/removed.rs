//! Characters removed from an account (moved, biomassed, removed by hand) as a table
//! (`templates/_components/removed_table.html`): on an account's page and the character search.

use crate::ui::{Layout, when};
use jumpgate_domain::AccountId;
use jumpgate_domain::account::RemovedCharacter;

#[derive(Debug, Clone)]
pub struct RemovedRow {
    pub character_id: i64,
    pub name: String,
    pub portrait: String,
    pub from_account: i64,
    pub to_account: Option<i64>,
    pub reason: String,
    pub actor: Option<i64>,
    pub when: String,
}

pub fn removed_row(layout: &Layout, r: &RemovedCharacter) -> RemovedRow {
    RemovedRow {
        character_id: r.character.get(),
        name: r.character_name.clone(),
        portrait: layout.portrait(r.character.get(), 64),
        from_account: r.from_account.get(),
        to_account: r.to_account.map(AccountId::get),
        reason: r.reason.describe().to_owned(),
        actor: r.actor.map(AccountId::get),
        when: when(Some(r.removed_at)),
    }
}
