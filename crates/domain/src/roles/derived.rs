//! The roles EVE gives: a character that is its corporation's CEO (`GET /corporations/{id}`
//! `ceo_id`) holds the CEO role, one whose corporation roles include Director (`GET
//! /characters/{id}/roles`, read while it was in that corporation) the Director role, for the
//! corporations administrators chose to be led from Jumpgate (by corporation or by alliance).
//! Any corporation's CEO otherwise: a one-man corporation would make its founder a CEO here.

use super::Role;
use crate::ids::{AllianceId, CharacterId, CorporationId};
use std::collections::BTreeSet;

/// The corporations whose CEOs and Directors hold their roles in Jumpgate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeadingEntities {
    pub corporations: BTreeSet<CorporationId>,
    pub alliances: BTreeSet<AllianceId>,
}

impl LeadingEntities {
    pub fn includes(&self, corporation: CorporationId, alliance: Option<AllianceId>) -> bool {
        self.corporations.contains(&corporation)
            || alliance.is_some_and(|a| self.alliances.contains(&a))
    }
}

/// What EVE says of one character's place in its corporation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharacterLeadership {
    pub character: CharacterId,
    pub corporation: CorporationId,
    pub alliance: Option<AllianceId>,
    /// The corporation's `ceo_id` names it.
    pub is_ceo: bool,
    /// Its corporation roles, read while it was in this corporation, include Director.
    pub is_director: bool,
}

/// The roles EVE gives an account's characters, each with the character that holds it.
pub fn derived_roles(
    characters: &[CharacterLeadership],
    leading: &LeadingEntities,
) -> BTreeSet<(Role, CharacterId)> {
    let mut roles = BTreeSet::new();
    for c in characters {
        if !leading.includes(c.corporation, c.alliance) {
            continue;
        }
        if c.is_ceo {
            roles.insert((Role::Ceo(c.corporation), c.character));
        }
        if c.is_director {
            roles.insert((Role::Director(c.corporation), c.character));
        }
    }
    roles
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORP: CorporationId = CorporationId(98_000_001);
    const ALLIANCE: AllianceId = AllianceId(99_000_001);

    fn character(
        id: i64,
        corporation: CorporationId,
        alliance: Option<AllianceId>,
    ) -> CharacterLeadership {
        CharacterLeadership {
            character: CharacterId(id),
            corporation,
            alliance,
            is_ceo: false,
            is_director: false,
        }
    }

    #[test]
    fn the_ceo_and_directors_of_a_leading_corporation_hold_their_roles() {
        let leading = LeadingEntities {
            alliances: [ALLIANCE].into(),
            ..Default::default()
        };
        let ceo = CharacterLeadership {
            is_ceo: true,
            is_director: true,
            ..character(1, CORP, Some(ALLIANCE))
        };
        let director = CharacterLeadership {
            is_director: true,
            ..character(2, CORP, Some(ALLIANCE))
        };
        let roles = derived_roles(
            &[ceo, director, character(3, CORP, Some(ALLIANCE))],
            &leading,
        );
        let expected: BTreeSet<_> = [
            (Role::Ceo(CORP), CharacterId(1)),
            (Role::Director(CORP), CharacterId(1)),
            (Role::Director(CORP), CharacterId(2)),
        ]
        .into();
        assert_eq!(roles, expected);
    }

    #[test]
    fn a_corporation_nobody_chose_gives_no_role() {
        let ceo = CharacterLeadership {
            is_ceo: true,
            ..character(1, CORP, None)
        };
        assert!(derived_roles(&[ceo], &LeadingEntities::default()).is_empty());
        let leading = LeadingEntities {
            corporations: [CORP].into(),
            ..Default::default()
        };
        assert_eq!(derived_roles(&[ceo], &leading).len(), 1);
    }
}
