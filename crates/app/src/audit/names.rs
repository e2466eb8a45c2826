//! The audit log by name: the people and things its entries name as `account:12`,
//! `character:2114354743`, `entity:99000001` or `state:3`, and names typed into its filters
//! turned back into those ids. The entries themselves keep ids: names change, ids do not.
//!
//! The names a view needs are kept between views while the change counters that follow them
//! (`account_list`: characters' names and accounts, accounts' mains; `standings`: the standings
//! entities; `states`) stay where they were: the log is read page after page with the same few
//! hundred people and things in it, and looking them up was one of a view's two reads
//! (docs/benchmarks.md, "The audit log"). Only ids not asked about before are read
//! (`Store::audit_names`, one statement), and an id that was not found is remembered as such.

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::audit::{Actor, AuditEntry};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::{AccountId, CharacterId, StateId};
use jumpgate_store::{AuditNameIds, AuditNameRows};
use std::borrow::{Borrow, Cow};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

/// What one actor or target of an entry is, borrowed from the entry and the kept names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named<'a> {
    /// A person's account, by its main character when it has one.
    Account {
        id: AccountId,
        main: Option<(CharacterId, &'a str)>,
    },
    /// A character Jumpgate knows, with the account it is on.
    Character {
        id: CharacterId,
        name: &'a str,
        account: AccountId,
    },
    /// A standings entity (character, corporation or alliance) by the name its entry gives.
    Entity {
        id: i64,
        kind: &'a str,
        name: &'a str,
    },
    State {
        id: StateId,
        name: &'a str,
    },
    /// Anything else (a job, a token, background work, an id no longer known): as written.
    Other(Cow<'a, str>),
}

/// The change counters the names follow, as `App::change_counters_seen_by` names them.
const FOLLOWED: [&str; 3] = ["account_list", "standings", "states"];

/// Names of more ids than this are not kept: they hold what views named, which an export or an
/// operator paging through years of log could make large.
const IDS_KEPT: usize = 20_000;

/// Names by id, and which ids were asked about: `None` is an id that was asked about and not
/// found (an account without a main, a character no longer known).
#[derive(Debug, Default, Clone)]
pub struct AuditNames {
    accounts: HashMap<AccountId, Option<(CharacterId, String)>>,
    characters: HashMap<CharacterId, Option<(String, AccountId)>>,
    entities: HashMap<i64, Option<(String, String)>>,
    /// Every state, once any entry named one (there are few).
    states: Option<HashMap<StateId, String>>,
}

/// The names kept between views, with the counters they were read at.
#[derive(Default)]
pub struct KeptNames {
    kept: Mutex<Option<([i64; FOLLOWED.len()], Arc<AuditNames>)>>,
}

/// `kind:id` split, the id a number.
fn reference(text: &str) -> Option<(&str, i64)> {
    let (kind, id) = text.split_once(':')?;
    Some((kind, id.parse().ok()?))
}

impl AuditNames {
    pub fn actor<'a>(&'a self, actor: &'a Actor) -> Named<'a> {
        match actor {
            Actor::Account(id) => self.account(AccountId(*id)),
            other => Named::Other(Cow::Owned(other.to_text())),
        }
    }

    fn account(&self, id: AccountId) -> Named<'_> {
        Named::Account {
            id,
            main: self
                .accounts
                .get(&id)
                .and_then(Option::as_ref)
                .map(|(c, name)| (*c, name.as_str())),
        }
    }

    pub fn target<'a>(&'a self, target: &'a str) -> Named<'a> {
        let other = || Named::Other(Cow::Borrowed(target));
        let Some((kind, id)) = reference(target) else {
            return other();
        };
        match kind {
            "account" => self.account(AccountId(id)),
            "character" => match self
                .characters
                .get(&CharacterId(id))
                .and_then(Option::as_ref)
            {
                Some((name, account)) => Named::Character {
                    id: CharacterId(id),
                    name,
                    account: *account,
                },
                None => other(),
            },
            "entity" => match self.entities.get(&id).and_then(Option::as_ref) {
                Some((kind, name)) => Named::Entity { id, kind, name },
                None => other(),
            },
            "state" => match self.states.as_ref().and_then(|s| s.get(&StateId(id))) {
                Some(name) => Named::State {
                    id: StateId(id),
                    name,
                },
                None => other(),
            },
            _ => other(),
        }
    }

    /// Of the ids `entries` name, those not asked about yet.
    fn missing(&self, entries: &[impl Borrow<AuditEntry>]) -> AuditNameIds {
        let mut wanted: HashMap<&str, BTreeSet<i64>> = HashMap::new();
        for e in entries {
            let e = e.borrow();
            if let Actor::Account(id) = e.actor {
                wanted.entry("account").or_default().insert(id);
            }
            if let Some((kind, id)) = reference(&e.target) {
                wanted.entry(kind).or_default().insert(id);
            }
        }
        let mut ids = |kind: &str| wanted.remove(kind).unwrap_or_default().into_iter();
        AuditNameIds {
            accounts: ids("account")
                .map(AccountId)
                .filter(|a| !self.accounts.contains_key(a))
                .collect(),
            characters: ids("character")
                .map(CharacterId)
                .filter(|c| !self.characters.contains_key(c))
                .collect(),
            entities: ids("entity")
                .filter(|e| !self.entities.contains_key(e))
                .collect(),
            states: self.states.is_none() && ids("state").next().is_some(),
        }
    }

    /// How many ids were asked about.
    fn len(&self) -> usize {
        self.accounts.len()
            + self.characters.len()
            + self.entities.len()
            + self.states.as_ref().map_or(0, HashMap::len)
    }

    /// What a read of `asked` found: each asked id is known from now on, found or not.
    fn add(&mut self, asked: &AuditNameIds, found: AuditNameRows) {
        for id in &asked.accounts {
            self.accounts.insert(*id, None);
        }
        for id in &asked.characters {
            self.characters.insert(*id, None);
        }
        for id in &asked.entities {
            self.entities.insert(*id, None);
        }
        for (id, name, account) in found.characters {
            self.characters.insert(id, Some((name, account)));
        }
        for (id, main) in found.accounts {
            let main = main.map(|(main, name, account)| {
                // A main is a character the page knows too.
                self.characters.insert(main, Some((name.clone(), account)));
                (main, name)
            });
            self.accounts.insert(id, main);
        }
        for (id, kind, name) in found.entities {
            self.entities.insert(id, Some((kind, name)));
        }
        if asked.states {
            self.states = Some(found.states.into_iter().collect());
        }
    }
}

impl App {
    /// The names of everyone and everything `entries` name. Needs what reading them needs.
    pub async fn audit_names(
        &self,
        caller: &Caller,
        entries: &[impl Borrow<AuditEntry>],
    ) -> AppResult<Arc<AuditNames>> {
        caller.require_any(&[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT])?;
        let counters = self.change_counters_seen_by(caller, FOLLOWED).await?;
        let kept = &self.inner.audit_names;
        let current = {
            let kept = kept.kept.lock().unwrap_or_else(PoisonError::into_inner);
            kept.as_ref()
                .filter(|(at, _)| *at == counters)
                .map(|(_, names)| names.clone())
        };
        let current = current.unwrap_or_default();
        let missing = current.missing(entries);
        if missing == AuditNameIds::default() {
            return Ok(current);
        }
        let found = self.store().audit_names(&missing).await?;
        let mut names = Arc::unwrap_or_clone(current);
        names.add(&missing, found);
        let names = Arc::new(names);
        // A read of many (the CSV export's) is answered but not kept: it would push out the
        // names the pages keep using and be copied whole at the next view's miss.
        if names.len() <= IDS_KEPT {
            *kept.kept.lock().unwrap_or_else(PoisonError::into_inner) =
                Some((counters, names.clone()));
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
        names.add(
            &AuditNameIds {
                accounts: vec![AccountId(12)],
                characters: vec![CharacterId(91)],
                entities: vec![],
                states: true,
            },
            AuditNameRows {
                accounts: vec![(
                    AccountId(12),
                    Some((CharacterId(90), "Pilot".into(), AccountId(12))),
                )],
                ..AuditNameRows::default()
            },
        );
        assert_eq!(
            names.target("account:12"),
            Named::Account {
                id: AccountId(12),
                main: Some((CharacterId(90), "Pilot"))
            }
        );
        assert_eq!(names.actor(&Actor::Account(12)), names.target("account:12"));
        assert!(
            matches!(
                names.target("character:90"),
                Named::Character { name: "Pilot", .. }
            ),
            "a main is a character the page knows"
        );
        for kept in [
            "character:91",
            "state:1",
            "job:7",
            "standings",
            "system:check-tokens",
            "account:x",
        ] {
            assert_eq!(names.target(kept), Named::Other(kept.into()), "{kept}");
        }
    }

    fn entry(actor: Actor, target: &str) -> AuditEntry {
        AuditEntry {
            id: 1,
            at: time::OffsetDateTime::UNIX_EPOCH,
            actor,
            action: "test".into(),
            target: target.into(),
            details: serde_json::Value::Null,
            prev_hash: String::new(),
            hash: String::new(),
            hash_version: jumpgate_domain::audit::HashVersion::Keyed,
        }
    }

    #[test]
    fn only_ids_never_asked_about_are_read_again_found_or_not() {
        let entries = [
            entry(Actor::Account(12), "character:90"),
            entry(Actor::System("sweep".into()), "character:91"),
            entry(Actor::Account(13), "state:2"),
            entry(Actor::Cli("grant".into()), "entity:99000001"),
        ];
        let mut names = AuditNames::default();
        let first = names.missing(&entries);
        assert_eq!(
            first,
            AuditNameIds {
                accounts: vec![AccountId(12), AccountId(13)],
                characters: vec![CharacterId(90), CharacterId(91)],
                entities: vec![99000001],
                states: true,
            }
        );
        // Character 91 and account 13's main are not found: asked about all the same.
        names.add(
            &first,
            AuditNameRows {
                characters: vec![(CharacterId(90), "Pilot".into(), AccountId(12))],
                states: vec![(StateId(2), "Member".into())],
                ..AuditNameRows::default()
            },
        );
        assert_eq!(names.missing(&entries), AuditNameIds::default());
        assert_eq!(
            names.missing(&[entry(Actor::Account(14), "character:90")]),
            AuditNameIds {
                accounts: vec![AccountId(14)],
                ..AuditNameIds::default()
            }
        );
        assert_eq!(
            names.target("state:2"),
            Named::State {
                id: StateId(2),
                name: "Member"
            }
        );
    }
}
