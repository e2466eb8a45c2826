//! The groups as the application API reads them (Neucore's `app-groups` endpoints): which
//! groups a character's account has, for one character or many. An application sees only the
//! groups it was given; a deactivated account has none (its groups are kept but do not count,
//! ADR 0029). Answered from what the API keeps (`apps::directory`), so a call costs no query
//! while nothing changed.

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::apps::{AppRole, Application};
use jumpgate_domain::deactivation::Deactivation;
use jumpgate_domain::groups::Group;
use jumpgate_domain::{AccountId, CharacterId, CorporationId};
use jumpgate_store::{AllianceInfo, CorporationInfo};
use std::collections::{BTreeSet, HashMap};

/// The most character ids one call may ask about.
pub const MAX_CHARACTERS_PER_CALL: usize = 1000;

/// A character as the bulk answer names it: id, name and corporation (with its alliance).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedCharacter {
    pub id: CharacterId,
    pub name: String,
    /// `None` until its name was read from ESI.
    pub corporation: Option<CorporationInfo>,
    pub alliance: Option<AllianceInfo>,
}

/// A character's account's groups the application sees, with where the account stands.
#[derive(Debug, Clone, PartialEq)]
pub struct CharacterGroups {
    pub character: NamedCharacter,
    /// Empty while the account is deactivated.
    pub groups: Vec<Group>,
    pub deactivation: Deactivation,
}

/// `Invalid` for more than `MAX_CHARACTERS_PER_CALL` ids: one call may not make Jumpgate read
/// the whole database.
pub(crate) fn within_bulk_limit<T>(ids: &[T]) -> AppResult<()> {
    if ids.len() > MAX_CHARACTERS_PER_CALL {
        return Err(AppError::Invalid(format!(
            "at most {MAX_CHARACTERS_PER_CALL} character ids per call, not {}",
            ids.len()
        )));
    }
    Ok(())
}

/// Neucore's reason phrase for a character Jumpgate does not know.
pub fn character_not_found() -> AppError {
    AppError::NotFound("Character not found.".to_owned())
}

impl App {
    /// The groups of `character`'s account that the calling application sees (by name); none
    /// while the account is deactivated. Needs `app-groups`; `NotFound` ("Character not
    /// found.") for a character Jumpgate does not know.
    pub async fn character_groups_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<Vec<Group>> {
        let app = caller.require_app_role(AppRole::Groups)?;
        let owners = self.character_owners(caller).await?;
        let account = *owners.get(&character).ok_or_else(character_not_found)?;
        let deactivation = self.deactivations(caller).await?;
        self.visible_groups(caller, app, account, deactivation(account))
            .await
    }

    /// For each of `characters` that Jumpgate knows (the others are skipped, duplicates
    /// answered once), its account's groups the calling application sees and where the account
    /// stands. Needs `app-groups`; at most `MAX_CHARACTERS_PER_CALL` ids.
    pub async fn characters_groups_for_app(
        &self,
        caller: &Caller,
        characters: &[CharacterId],
    ) -> AppResult<Vec<CharacterGroups>> {
        let app = caller.require_app_role(AppRole::Groups)?;
        within_bulk_limit(characters)?;
        let owners = self.character_owners(caller).await?;
        let mut seen = BTreeSet::new();
        let known: Vec<CharacterId> = characters
            .iter()
            .copied()
            .filter(|c| owners.contains_key(c) && seen.insert(*c))
            .collect();
        let named = self.named_characters(&known).await?;
        let deactivation = self.deactivations(caller).await?;
        let mut out = Vec::with_capacity(known.len());
        for id in known {
            let (Some(account), Some(character)) = (owners.get(&id), named.get(&id)) else {
                continue;
            };
            let state = deactivation(*account);
            out.push(CharacterGroups {
                character: character.clone(),
                groups: self.visible_groups(caller, app, *account, state).await?,
                deactivation: state,
            });
        }
        Ok(out)
    }

    /// `account`'s groups that `app` sees, by name; none when `deactivation` says so.
    async fn visible_groups(
        &self,
        caller: &Caller,
        app: &Application,
        account: AccountId,
        deactivation: Deactivation,
    ) -> AppResult<Vec<Group>> {
        if deactivation.is_deactivated() {
            return Ok(Vec::new());
        }
        let memberships = self.accounts_groups(caller).await?;
        let Some(held) = memberships.get(&account) else {
            return Ok(Vec::new());
        };
        let catalogue = self.group_catalogue(Some(caller)).await?;
        Ok(catalogue
            .iter()
            .filter(|g| app.groups.contains(&g.id) && held.binary_search(&g.id).is_ok())
            .cloned()
            .collect())
    }

    /// `characters` with their names and organisations, in three queries.
    async fn named_characters(
        &self,
        characters: &[CharacterId],
    ) -> AppResult<HashMap<CharacterId, NamedCharacter>> {
        let found = self.store().characters_by_ids(characters).await?;
        let corporations: BTreeSet<CorporationId> = found.iter().map(|c| c.corporation).collect();
        let corporations: HashMap<CorporationId, CorporationInfo> = self
            .store()
            .corporations_by_ids(&corporations.into_iter().collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let alliances: BTreeSet<_> = found.iter().filter_map(|c| c.alliance).collect();
        let alliances: HashMap<_, AllianceInfo> = self
            .store()
            .alliances_by_ids(&alliances.into_iter().collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        Ok(found
            .into_iter()
            .map(|c| {
                (
                    c.id,
                    NamedCharacter {
                        id: c.id,
                        corporation: corporations.get(&c.corporation).cloned(),
                        alliance: c.alliance.and_then(|a| alliances.get(&a).cloned()),
                        name: c.name,
                    },
                )
            })
            .collect())
    }
}
