//! The groups as the application API reads them (Neucore's `app-groups` endpoints): which
//! groups a character's account has, for one character or many; which groups a corporation or
//! an alliance gives its members; the groups of a character with its corporation and alliance
//! as the fallback; and a group's members. An application sees only the groups it was given; a
//! deactivated account has none (its groups are kept but do not count, ADR 0029). Answered
//! from what the API keeps (`apps::directory`, the groups' catalogue), so a call costs no query
//! while nothing changed, but the names of corporations and alliances (one query per call).
//!
//! Neucore binds groups to corporations and alliances for automatic assignment; Jumpgate's
//! equivalent is a group's rules (`GroupRules::corporations`, `alliances`): the groups "of a
//! corporation" are those whose rules give them to its members. The default group is given to
//! everyone, not by a corporation, and so is not among them (Neucore's default groups are not
//! either).

use crate::App;
use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use jumpgate_domain::apps::{AppRole, Application};
use jumpgate_domain::deactivation::Deactivation;
use jumpgate_domain::groups::{Group, GroupRules};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId, GroupId};
use jumpgate_store::{AllianceInfo, CorporationInfo};
use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;
use std::sync::Arc;

/// The most ids (characters, corporations, alliances) one call may ask about.
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
    pub groups: SeenGroups,
    pub deactivation: Deactivation,
}

/// A corporation or an alliance with the groups it gives that the application sees (the bulk
/// answers: Neucore's `Corporation` without its alliance, and `Alliance`, each with `groups`).
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationGroups<Id> {
    pub id: Id,
    /// `None` for one only a group's rules name, whose name was never read from EVE.
    pub name: Option<String>,
    pub ticker: Option<String>,
    pub groups: SeenGroups,
}

/// Groups of the catalogue an answer names, by their places in it, in the catalogue's order (by
/// name): every call of every tool names groups, and a copy of each (its rules, managers and
/// permissions) per character of a bulk answer cost more than the rest of the call.
#[derive(Debug, Clone)]
pub struct SeenGroups {
    catalogue: Arc<Vec<Group>>,
    at: Vec<usize>,
}

impl SeenGroups {
    /// No group.
    fn none() -> Self {
        Self {
            catalogue: Arc::default(),
            at: Vec::new(),
        }
    }

    /// The groups of `catalogue` for which `wanted` says yes.
    fn of(catalogue: &Arc<Vec<Group>>, wanted: impl Fn(&Group) -> bool) -> Self {
        Self {
            at: (catalogue.iter().enumerate())
                .filter(|(_, g)| wanted(g))
                .map(|(at, _)| at)
                .collect(),
            catalogue: catalogue.clone(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Group> {
        self.at.iter().filter_map(|at| self.catalogue.get(*at))
    }
}

impl PartialEq for SeenGroups {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

/// `Invalid` for more than `MAX_CHARACTERS_PER_CALL` character ids: one call may not make
/// Jumpgate read the whole database.
pub(crate) fn within_bulk_limit<T>(ids: &[T]) -> AppResult<()> {
    at_most_per_call("character", ids.len())
}

/// Neucore's reason phrase for a character Jumpgate does not know.
pub fn character_not_found() -> AppError {
    AppError::NotFound("Character not found.".to_owned())
}

/// Neucore's reason phrase for a group that does not exist or that the application does not
/// see (the two are not told apart).
pub fn group_not_found() -> AppError {
    AppError::NotFound("Group not found.".to_owned())
}

/// A corporation or an alliance, as the group answers ask about them.
pub(crate) trait Organisation: Copy + Eq + Ord + Hash {
    /// Neucore's reason phrase for one Jumpgate does not know.
    fn not_found() -> AppError;
    /// Whether `rules` give their group to this one's members.
    fn gives(self, rules: &GroupRules) -> bool;
    /// The names and tickers of those of `ids` whose names Jumpgate read, in one query.
    async fn names(app: &App, ids: &[Self]) -> AppResult<HashMap<Self, (String, String)>>;
}

impl Organisation for CorporationId {
    fn not_found() -> AppError {
        AppError::NotFound("Corporation not found.".to_owned())
    }

    fn gives(self, rules: &GroupRules) -> bool {
        rules.corporations.contains(&self)
    }

    async fn names(app: &App, ids: &[Self]) -> AppResult<HashMap<Self, (String, String)>> {
        let found = app.store().corporations_by_ids(ids).await?;
        Ok(found
            .into_iter()
            .map(|c| (c.id, (c.name, c.ticker)))
            .collect())
    }
}

impl Organisation for AllianceId {
    fn not_found() -> AppError {
        AppError::NotFound("Alliance not found.".to_owned())
    }

    fn gives(self, rules: &GroupRules) -> bool {
        rules.alliances.contains(&self)
    }

    async fn names(app: &App, ids: &[Self]) -> AppResult<HashMap<Self, (String, String)>> {
        let found = app.store().alliances_by_ids(ids).await?;
        Ok(found
            .into_iter()
            .map(|a| (a.id, (a.name, a.ticker)))
            .collect())
    }
}

/// `Invalid` when one call asks about more than `MAX_CHARACTERS_PER_CALL` ids.
fn at_most_per_call(what: &str, asked: usize) -> AppResult<()> {
    if asked > MAX_CHARACTERS_PER_CALL {
        return Err(AppError::Invalid(format!(
            "at most {MAX_CHARACTERS_PER_CALL} {what} ids per call, not {asked}"
        )));
    }
    Ok(())
}

/// The groups of `catalogue` (in its order) that `app` sees and `wanted` says yes to.
fn seen_groups(
    catalogue: &Arc<Vec<Group>>,
    app: &Application,
    wanted: impl Fn(&Group) -> bool,
) -> SeenGroups {
    SeenGroups::of(catalogue, |g| app.groups.contains(&g.id) && wanted(g))
}

/// `account`'s groups (of `memberships`) that `app` sees, in the catalogue's order; none when
/// `deactivation` says so. Every call of every tool comes here: the account's few groups the
/// application sees, then those in the catalogue's order, stopping once all are found.
fn groups_seen_by(
    app: &Application,
    memberships: &HashMap<AccountId, Vec<GroupId>>,
    catalogue: &Arc<Vec<Group>>,
    account: AccountId,
    deactivation: Deactivation,
) -> SeenGroups {
    let held = match memberships.get(&account) {
        Some(held) if !deactivation.is_deactivated() => held,
        _ => return SeenGroups::none(),
    };
    let seen: Vec<GroupId> = held
        .iter()
        .filter(|g| app.groups.contains(g))
        .copied()
        .collect();
    if seen.is_empty() {
        return SeenGroups::none();
    }
    SeenGroups {
        at: (catalogue.iter().enumerate())
            .filter(|(_, g)| seen.binary_search(&g.id).is_ok())
            .take(seen.len())
            .map(|(at, _)| at)
            .collect(),
        catalogue: catalogue.clone(),
    }
}

impl App {
    /// The groups of `character`'s account that the calling application sees (by name); none
    /// while the account is deactivated. Needs `app-groups`; `NotFound` ("Character not
    /// found.") for a character Jumpgate does not know.
    pub async fn character_groups_for_app(
        &self,
        caller: &Caller,
        character: CharacterId,
    ) -> AppResult<SeenGroups> {
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
        // Every map is read once for the whole call: the counters behind them are read again
        // after any write of this process (the workers lease jobs every two seconds), and a
        // read per character then cost 500 round trips (docs/benchmarks.md).
        let deactivation = self.deactivations(caller).await?;
        let memberships = self.accounts_groups(caller).await?;
        let catalogue = self.group_catalogue(Some(caller)).await?;
        let mut out = Vec::with_capacity(known.len());
        for id in known {
            let (Some(account), Some(character)) = (owners.get(&id), named.get(&id)) else {
                continue;
            };
            let state = deactivation(*account);
            out.push(CharacterGroups {
                character: character.clone(),
                groups: groups_seen_by(app, &memberships, &catalogue, *account, state),
                deactivation: state,
            });
        }
        Ok(out)
    }

    /// The groups the corporation gives its members (by its rules) that the calling
    /// application sees. Needs `app-groups`; `NotFound` ("Corporation not found.") for a
    /// corporation Jumpgate neither read from EVE nor names in a group's rules.
    pub async fn corporation_groups_for_app(
        &self,
        caller: &Caller,
        corporation: CorporationId,
    ) -> AppResult<SeenGroups> {
        let app = caller.require_app_role(AppRole::Groups)?;
        self.organisation_groups(caller, app, corporation).await
    }

    /// `corporation_groups_for_app` for an alliance ("Alliance not found.").
    pub async fn alliance_groups_for_app(
        &self,
        caller: &Caller,
        alliance: AllianceId,
    ) -> AppResult<SeenGroups> {
        let app = caller.require_app_role(AppRole::Groups)?;
        self.organisation_groups(caller, app, alliance).await
    }

    /// For each of `corporations` Jumpgate knows (the others are skipped, duplicates answered
    /// once), its name and the groups it gives that the calling application sees. Needs
    /// `app-groups`; at most `MAX_CHARACTERS_PER_CALL` ids.
    pub async fn corporations_groups_for_app(
        &self,
        caller: &Caller,
        corporations: &[CorporationId],
    ) -> AppResult<Vec<OrganisationGroups<CorporationId>>> {
        let app = caller.require_app_role(AppRole::Groups)?;
        at_most_per_call("corporation", corporations.len())?;
        self.organisations_groups(caller, app, corporations).await
    }

    /// `corporations_groups_for_app` for alliances.
    pub async fn alliances_groups_for_app(
        &self,
        caller: &Caller,
        alliances: &[AllianceId],
    ) -> AppResult<Vec<OrganisationGroups<AllianceId>>> {
        let app = caller.require_app_role(AppRole::Groups)?;
        at_most_per_call("alliance", alliances.len())?;
        self.organisations_groups(caller, app, alliances).await
    }

    /// The groups of `character`'s account the calling application sees (none while it is
    /// deactivated) when Jumpgate knows the character, even if that is none; else the groups
    /// `corporation` and `alliance` give, corporation's first (Neucore's order). Whether the
    /// three belong together is not checked, as in Neucore: a tool passes what EVE told it of
    /// someone who never logged in. Needs `app-groups`.
    pub async fn groups_with_fallback_for_app(
        &self,
        caller: &Caller,
        character: Option<CharacterId>,
        corporation: Option<CorporationId>,
        alliance: Option<AllianceId>,
    ) -> AppResult<SeenGroups> {
        let app = caller.require_app_role(AppRole::Groups)?;
        if let Some(character) = character {
            let owners = self.character_owners(caller).await?;
            if let Some(account) = owners.get(&character) {
                let deactivation = self.deactivations(caller).await?;
                return self
                    .visible_groups(caller, app, *account, deactivation(*account))
                    .await;
            }
        }
        let catalogue = self.group_catalogue(Some(caller)).await?;
        let mut groups = seen_groups(&catalogue, app, |g| {
            corporation.is_some_and(|c| c.gives(&g.rules))
        });
        let by_alliance = seen_groups(&catalogue, app, |g| {
            alliance.is_some_and(|a| a.gives(&g.rules))
        });
        let not_yet: Vec<usize> = (by_alliance.at.into_iter())
            .filter(|at| !groups.at.contains(at))
            .collect();
        groups.at.extend(not_yet);
        Ok(groups)
    }

    /// The main characters of the accounts in `group`, by id; only those whose main is in
    /// `corporation` when one is given. Needs `app-groups`; `NotFound` ("Group not found.")
    /// for a group that does not exist or that the application does not see.
    ///
    /// A deactivated account is left out: its groups do not count anywhere in Jumpgate (ADR
    /// 0029), and a tool that syncs a group's members (chat roles, mailing lists) must not
    /// find someone whose groups `GET /groups/{cid}` answers as none. Neucore lists them.
    pub async fn group_members_for_app(
        &self,
        caller: &Caller,
        group: GroupId,
        corporation: Option<CorporationId>,
    ) -> AppResult<Vec<CharacterId>> {
        let app = caller.require_app_role(AppRole::Groups)?;
        let catalogue = self.group_catalogue(Some(caller)).await?;
        if !app.groups.contains(&group) || !catalogue.iter().any(|g| g.id == group) {
            return Err(group_not_found());
        }
        let memberships = self.accounts_groups(caller).await?;
        let mains = self.account_mains(caller).await?;
        let deactivation = self.deactivations(caller).await?;
        let mut members: Vec<CharacterId> = memberships
            .iter()
            .filter(|(_, held)| held.binary_search(&group).is_ok())
            .filter(|(account, _)| !deactivation(**account).is_deactivated())
            .filter_map(|(account, _)| mains.get(account))
            .filter(|main| corporation.is_none_or(|c| main.corporation == c))
            .map(|main| main.character)
            .collect();
        members.sort_unstable();
        Ok(members)
    }

    /// The groups `organisation` gives that `app` sees; `NotFound` when Jumpgate does not know
    /// it: no group's rules name it (no query) and its name was never read (one query).
    async fn organisation_groups<O: Organisation>(
        &self,
        caller: &Caller,
        app: &Application,
        organisation: O,
    ) -> AppResult<SeenGroups> {
        let catalogue = self.group_catalogue(Some(caller)).await?;
        let named_by_rules = catalogue.iter().any(|g| organisation.gives(&g.rules));
        if !named_by_rules && O::names(self, &[organisation]).await?.is_empty() {
            return Err(O::not_found());
        }
        Ok(seen_groups(&catalogue, app, |g| {
            organisation.gives(&g.rules)
        }))
    }

    /// `organisation_groups` for many, in the order asked, with their names (one query); the
    /// unknown are skipped.
    async fn organisations_groups<O: Organisation>(
        &self,
        caller: &Caller,
        app: &Application,
        organisations: &[O],
    ) -> AppResult<Vec<OrganisationGroups<O>>> {
        let mut seen = BTreeSet::new();
        let asked: Vec<O> = organisations
            .iter()
            .copied()
            .filter(|o| seen.insert(*o))
            .collect();
        let catalogue = self.group_catalogue(Some(caller)).await?;
        let mut names = O::names(self, &asked).await?;
        Ok(asked
            .into_iter()
            .filter_map(|o| {
                let named = names.remove(&o);
                let named_by_rules = catalogue.iter().any(|g| o.gives(&g.rules));
                (named.is_some() || named_by_rules).then(|| {
                    let (name, ticker) = named.unzip();
                    OrganisationGroups {
                        id: o,
                        name,
                        ticker,
                        groups: seen_groups(&catalogue, app, |g| o.gives(&g.rules)),
                    }
                })
            })
            .collect())
    }

    /// `account`'s groups that `app` sees, by name; none when `deactivation` says so.
    async fn visible_groups(
        &self,
        caller: &Caller,
        app: &Application,
        account: AccountId,
        deactivation: Deactivation,
    ) -> AppResult<SeenGroups> {
        let memberships = self.accounts_groups(caller).await?;
        let catalogue = self.group_catalogue(Some(caller)).await?;
        Ok(groups_seen_by(
            app,
            &memberships,
            &catalogue,
            account,
            deactivation,
        ))
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
