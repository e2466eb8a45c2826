//! States: Member, Blue, Guest … decided by who a person's characters are affiliated with.
//!
//! A state matches by character, corporation, alliance or faction. The matching state with the
//! highest priority wins; an account that matches nothing is Guest. Whether only the main
//! character or any character counts is a setting (`StateMatchMode`).

use crate::ids::{AllianceId, CharacterId, CorporationId, FactionId, StateId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The state every account has when no other state matches.
pub const GUEST: &str = "Guest";

/// Who belongs to a state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCriteria {
    pub characters: BTreeSet<CharacterId>,
    pub corporations: BTreeSet<CorporationId>,
    pub alliances: BTreeSet<AllianceId>,
    pub factions: BTreeSet<FactionId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub id: StateId,
    pub name: String,
    /// Higher wins when several states match.
    pub priority: i32,
    pub criteria: StateCriteria,
    pub permissions: BTreeSet<String>,
}

/// Where a character stands in EVE, as last read from ESI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Affiliation {
    pub character: CharacterId,
    pub corporation: CorporationId,
    pub alliance: Option<AllianceId>,
    pub faction: Option<FactionId>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateMatchMode {
    /// Only the main character decides the state (Alliance Auth's behaviour).
    #[default]
    MainOnly,
    /// Any character of the account may qualify it.
    AnyCharacter,
}

impl StateCriteria {
    pub fn matches(&self, a: &Affiliation) -> bool {
        self.characters.contains(&a.character)
            || self.corporations.contains(&a.corporation)
            || a.alliance.is_some_and(|id| self.alliances.contains(&id))
            || a.faction.is_some_and(|id| self.factions.contains(&id))
    }
}

/// Picks the state of an account. `main` is the main character's affiliation, `all` every
/// character's (the main included). Returns `None` for Guest.
pub fn resolve_state<'s>(
    states: &'s [State],
    mode: StateMatchMode,
    main: Option<&Affiliation>,
    all: &[Affiliation],
) -> Option<&'s State> {
    let counts = |state: &State| match mode {
        StateMatchMode::MainOnly => main.is_some_and(|m| state.criteria.matches(m)),
        StateMatchMode::AnyCharacter => all.iter().any(|a| state.criteria.matches(a)),
    };
    states
        .iter()
        .filter(|s| s.name != GUEST && counts(s))
        // Ties are broken by name so the result never depends on row order.
        .max_by(|a, b| {
            a.priority
                .cmp(&b.priority)
                .then_with(|| b.name.cmp(&a.name))
        })
}

/// The longest state name, in characters.
pub const MAX_STATE_NAME: usize = 32;

/// Why a state cannot be created or changed as asked. Messages say what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateRuleError {
    #[error("a state needs a name")]
    EmptyName,
    #[error("a state name may have at most {MAX_STATE_NAME} characters; '{0}' has {1}")]
    NameTooLong(String, usize),
    #[error("a state name may not contain control characters")]
    NameHasControlCharacters,
    #[error("a state named '{0}' already exists (names are compared ignoring case)")]
    NameTaken(String),
    #[error("the priority must be a whole number such as 100 (higher wins), not '{0}'")]
    BadPriority(String),
    #[error("'{0}' is not a kind of criterion: choose character, corporation, alliance or faction")]
    BadCriterionKind(String),
    #[error(
        "{GUEST} is whoever matches no other state, so it takes no criteria; add them to another state"
    )]
    GuestHasNoCriteria,
    #[error("{GUEST} cannot be deleted: it is the state of every account that matches no other")]
    GuestCannotBeDeleted,
}

/// Checks a new state's name: trimmed, 1 to 32 characters, no control characters, and not the
/// name of an existing state (ignoring case, so "member" cannot sit beside "Member").
/// Returns the trimmed name.
pub fn validate_state_name(name: &str, existing: &[State]) -> Result<String, StateRuleError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StateRuleError::EmptyName);
    }
    let length = name.chars().count();
    if length > MAX_STATE_NAME {
        return Err(StateRuleError::NameTooLong(name.to_owned(), length));
    }
    if name.chars().any(char::is_control) {
        return Err(StateRuleError::NameHasControlCharacters);
    }
    if let Some(taken) = existing
        .iter()
        .find(|s| s.name.to_lowercase() == name.to_lowercase())
    {
        return Err(StateRuleError::NameTaken(taken.name.clone()));
    }
    Ok(name.to_owned())
}

/// Reads a priority as typed into a form.
pub fn parse_priority(text: &str) -> Result<i32, StateRuleError> {
    text.trim()
        .parse()
        .map_err(|_| StateRuleError::BadPriority(text.trim().to_owned()))
}

/// Whether a state may be deleted: every state but Guest.
pub fn check_deletable(state: &State) -> Result<(), StateRuleError> {
    if state.name == GUEST {
        Err(StateRuleError::GuestCannotBeDeleted)
    } else {
        Ok(())
    }
}

/// What a criterion matches on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionKind {
    Character,
    Corporation,
    Alliance,
    Faction,
}

impl CriterionKind {
    pub const ALL: [Self; 4] = [
        Self::Character,
        Self::Corporation,
        Self::Alliance,
        Self::Faction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Character => "character",
            Self::Corporation => "corporation",
            Self::Alliance => "alliance",
            Self::Faction => "faction",
        }
    }

    pub fn parse(text: &str) -> Result<Self, StateRuleError> {
        let t = text.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| StateRuleError::BadCriterionKind(text.trim().to_owned()))
    }
}

impl std::fmt::Display for CriterionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StateCriteria {
    /// Adds a criterion; false if it was there already.
    pub fn insert(&mut self, kind: CriterionKind, id: i64) -> bool {
        match kind {
            CriterionKind::Character => self.characters.insert(CharacterId(id)),
            CriterionKind::Corporation => self.corporations.insert(CorporationId(id)),
            CriterionKind::Alliance => self.alliances.insert(AllianceId(id)),
            CriterionKind::Faction => self.factions.insert(FactionId(id)),
        }
    }

    /// Removes a criterion; false if it was not there.
    pub fn remove(&mut self, kind: CriterionKind, id: i64) -> bool {
        match kind {
            CriterionKind::Character => self.characters.remove(&CharacterId(id)),
            CriterionKind::Corporation => self.corporations.remove(&CorporationId(id)),
            CriterionKind::Alliance => self.alliances.remove(&AllianceId(id)),
            CriterionKind::Faction => self.factions.remove(&FactionId(id)),
        }
    }

    /// Every criterion as (kind, id), characters first.
    pub fn entries(&self) -> Vec<(CriterionKind, i64)> {
        let mut out = Vec::new();
        out.extend(
            self.characters
                .iter()
                .map(|i| (CriterionKind::Character, i.get())),
        );
        out.extend(
            self.corporations
                .iter()
                .map(|i| (CriterionKind::Corporation, i.get())),
        );
        out.extend(
            self.alliances
                .iter()
                .map(|i| (CriterionKind::Alliance, i.get())),
        );
        out.extend(
            self.factions
                .iter()
                .map(|i| (CriterionKind::Faction, i.get())),
        );
        out
    }

    pub fn is_empty(&self) -> bool {
        self.characters.is_empty()
            && self.corporations.is_empty()
            && self.alliances.is_empty()
            && self.factions.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_are_trimmed_bounded_and_unique_ignoring_case() {
        let existing = [state("Member", 100, &[], &[])];
        assert_eq!(
            validate_state_name("  Allies ", &existing),
            Ok("Allies".to_owned())
        );
        assert_eq!(
            validate_state_name("   ", &existing),
            Err(StateRuleError::EmptyName)
        );
        assert!(matches!(
            validate_state_name(&"x".repeat(33), &existing),
            Err(StateRuleError::NameTooLong(_, 33))
        ));
        assert!(validate_state_name(&"é".repeat(32), &existing).is_ok());
        assert_eq!(
            validate_state_name("member", &existing),
            Err(StateRuleError::NameTaken("Member".into()))
        );
        assert_eq!(
            validate_state_name("a\tb", &existing),
            Err(StateRuleError::NameHasControlCharacters)
        );
    }

    #[test]
    fn priorities_are_whole_numbers() {
        assert_eq!(parse_priority(" 75 "), Ok(75));
        assert_eq!(parse_priority("-5"), Ok(-5));
        assert!(parse_priority("high").is_err());
        assert!(parse_priority("1.5").is_err());
        assert!(parse_priority("").is_err());
    }

    #[test]
    fn only_guest_cannot_be_deleted() {
        assert!(check_deletable(&state(GUEST, 0, &[], &[])).is_err());
        assert!(check_deletable(&state("Member", 100, &[], &[])).is_ok());
    }

    #[test]
    fn criteria_are_added_and_removed_by_kind() {
        let mut c = StateCriteria::default();
        assert!(c.is_empty());
        assert!(c.insert(CriterionKind::Alliance, 99));
        assert!(!c.insert(CriterionKind::Alliance, 99));
        assert!(c.insert(CriterionKind::Character, 1));
        assert_eq!(
            c.entries(),
            vec![(CriterionKind::Character, 1), (CriterionKind::Alliance, 99)]
        );
        assert!(c.remove(CriterionKind::Alliance, 99));
        assert!(!c.remove(CriterionKind::Corporation, 1));
        assert_eq!(
            CriterionKind::parse(" Alliance"),
            Ok(CriterionKind::Alliance)
        );
        assert!(CriterionKind::parse("region").is_err());
    }

    fn state(name: &str, priority: i32, alliances: &[i64], corps: &[i64]) -> State {
        State {
            id: StateId(priority.into()),
            name: name.into(),
            priority,
            criteria: StateCriteria {
                alliances: alliances.iter().map(|&a| AllianceId(a)).collect(),
                corporations: corps.iter().map(|&c| CorporationId(c)).collect(),
                ..Default::default()
            },
            permissions: BTreeSet::new(),
        }
    }

    fn aff(ch: i64, corp: i64, alliance: Option<i64>) -> Affiliation {
        Affiliation {
            character: CharacterId(ch),
            corporation: CorporationId(corp),
            alliance: alliance.map(AllianceId),
            faction: None,
        }
    }

    #[test]
    fn highest_priority_matching_state_wins() {
        let states = [
            state("Blue", 50, &[2], &[]),
            state("Member", 100, &[1], &[10]),
        ];
        let main = aff(1, 10, Some(2));
        let got = resolve_state(&states, StateMatchMode::MainOnly, Some(&main), &[main]);
        assert_eq!(got.map(|s| s.name.as_str()), Some("Member"));
    }

    #[test]
    fn nothing_matching_means_guest() {
        let states = [state("Member", 100, &[1], &[])];
        let main = aff(1, 10, Some(3));
        assert!(resolve_state(&states, StateMatchMode::MainOnly, Some(&main), &[main]).is_none());
    }

    #[test]
    fn main_only_mode_ignores_alts_any_mode_counts_them() {
        let states = [state("Member", 100, &[1], &[])];
        let main = aff(1, 10, None);
        let alt = aff(2, 11, Some(1));
        let all = [main, alt];
        assert!(resolve_state(&states, StateMatchMode::MainOnly, Some(&main), &all).is_none());
        assert!(resolve_state(&states, StateMatchMode::AnyCharacter, Some(&main), &all).is_some());
    }
}
