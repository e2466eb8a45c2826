//! The audit log by name: the people and things its entries name as `account:12`,
//! `character:2114354743`, `entity:99000001` or `state:3`, looked up in one read per page
//! (`Store::audit_names`), and names typed into its filters turned back into those ids. The
//! entries themselves keep ids: names change, ids do not.

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::audit::{Actor, AuditEntry};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, CharacterId, StateId};
use jumpgate_store::AuditNameIds;
use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap};

/// What one actor or target of an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// A person's account, by its main character when it has one.
    Account {
        id: AccountId,
        main: Option<(CharacterId, String)>,
    },
    /// A character Jumpgate knows, with the account it is on.
    Character {
        id: CharacterId,
        name: String,
        account: AccountId,
    },
    /// A standings entity (character, corporation or alliance) by the name its entry gives.
    Entity {
        id: i64,
        kind: String,
        name: String,
    },
    State {
        id: StateId,
        name: String,
    },
    /// Anything else (a job, a token, background work, an id no longer known): as written.
    Other(String),
}

/// The names an entry list needs.
#[derive(Debug, Default)]
pub struct AuditNames {
    accounts: HashMap<AccountId, Option<(CharacterId, String)>>,
    characters: HashMap<CharacterId, (String, AccountId)>,
    entities: HashMap<i64, (String, String)>,
    states: HashMap<StateId, String>,
}

/// `kind:id` split, the id a number.
fn reference(text: &str) -> Option<(&str, i64)> {
    let (kind, id) = text.split_once(':')?;
    Some((kind, id.parse().ok()?))
}

impl AuditNames {
    pub fn actor(&self, actor: &Actor) -> Named {
        self.target(&actor.to_text())
    }

    pub fn target(&self, target: &str) -> Named {
        let other = || Named::Other(target.to_owned());
        let Some((kind, id)) = reference(target) else {
            return other();
        };
        match kind {
            "account" => Named::Account {
                id: AccountId(id),
                main: self.accounts.get(&AccountId(id)).cloned().flatten(),
            },
            "character" => match self.characters.get(&CharacterId(id)) {
                Some((name, account)) => Named::Character {
                    id: CharacterId(id),
                    name: name.clone(),
                    account: *account,
                },
                None => other(),
            },
            "entity" => match self.entities.get(&id) {
                Some((kind, name)) => Named::Entity {
                    id,
                    kind: kind.clone(),
                    name: name.clone(),
                },
                None => other(),
            },
            "state" => match self.states.get(&StateId(id)) {
                Some(name) => Named::State {
                    id: StateId(id),
                    name: name.clone(),
                },
                None => other(),
            },
            _ => other(),
        }
    }
}

impl App {
    /// The names of everyone and everything `entries` name. Needs what reading them needs.
    pub async fn audit_names(
        &self,
        caller: &Caller,
        entries: &[impl Borrow<AuditEntry>],
    ) -> AppResult<AuditNames> {
        caller.require_any(&[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT])?;
        let mut wanted: HashMap<&str, BTreeSet<i64>> = HashMap::new();
        let actors: Vec<String> = entries.iter().map(|e| e.borrow().actor.to_text()).collect();
        for text in actors
            .iter()
            .map(String::as_str)
            .chain(entries.iter().map(|e| e.borrow().target.as_str()))
        {
            if let Some((kind, id)) = reference(text) {
                wanted.entry(kind).or_default().insert(id);
            }
        }
        let ids = |kind: &str| wanted.get(kind).cloned().unwrap_or_default();
        let found = self
            .store()
            .audit_names(&AuditNameIds {
                accounts: ids("account").into_iter().map(AccountId).collect(),
                characters: ids("character").into_iter().map(CharacterId).collect(),
                entities: ids("entity").into_iter().collect(),
                states: !ids("state").is_empty(),
            })
            .await?;
        let mut names = AuditNames::default();
        for (id, name, account) in found.characters {
            names.characters.insert(id, (name, account));
        }
        for (id, main) in found.accounts {
            let main = main.map(|(main, name, account)| {
                // A main is a character the page knows too.
                names.characters.insert(main, (name.clone(), account));
                (main, name)
            });
            names.accounts.insert(id, main);
        }
        for (id, kind, name) in found.entities {
            names.entities.insert(id, (kind, name));
        }
        for (id, name) in found.states {
            names.states.insert(id, name);
        }
        Ok(names)
    }

    /// An audit filter's actor or target as the log writes it: `kind:id` as typed, or a
    /// character's name, which becomes `character:<id>`, or for an actor, the `account:<id>` of
    /// its account (people act as accounts). Empty stays empty.
    pub async fn audit_reference(
        &self,
        caller: &Caller,
        typed: &str,
        as_actor: bool,
    ) -> AppResult<String> {
        caller.require_any(&[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT])?;
        let typed = typed.trim();
        if typed.is_empty() || typed.contains(':') {
            return Ok(typed.to_owned());
        }
        let character = self.store().character_by_name(typed).await?.ok_or_else(|| {
            AppError::Invalid(format!(
                "no character is named '{typed}': type a character's name as in game, or an id as the log writes it (account:12, character:2114354743)"
            ))
        })?;
        Ok(if as_actor {
            format!("account:{}", character.account)
        } else {
            format!("character:{}", character.id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_what_is_known_and_keep_the_rest_as_written() {
        let mut names = AuditNames::default();
        names
            .accounts
            .insert(AccountId(12), Some((CharacterId(90), "Pilot".into())));
        names
            .characters
            .insert(CharacterId(90), ("Pilot".into(), AccountId(12)));
        assert_eq!(
            names.target("account:12"),
            Named::Account {
                id: AccountId(12),
                main: Some((CharacterId(90), "Pilot".into()))
            }
        );
        assert_eq!(names.actor(&Actor::Account(12)), names.target("account:12"));
        assert!(matches!(
            names.target("character:90"),
            Named::Character { .. }
        ));
        for kept in [
            "character:91",
            "job:7",
            "standings",
            "system:check-tokens",
            "account:x",
        ] {
            assert_eq!(names.target(kept), Named::Other(kept.to_owned()), "{kept}");
        }
    }
}
