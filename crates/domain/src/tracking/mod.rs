//! Corporation member tracking (issue 11; Neucore §12): a Director's `core.tracking` token reads
//! `/corporations/{id}/membertracking`, and the groups an administrator chose per corporation
//! see its members with their logons, locations, ships and whether each is registered here.
//!
//! This module holds the login, the Director rule, what a tracked member is, and the filters
//! the page and its CSV export apply (`filter`). No I/O.

mod filter;

pub use filter::{AppMemberFilter, MemberFilter, MemberOrder};

use crate::account::TokenStatus;
use crate::scopes::{EveLogin, ScopeSet};
use crate::{AccountId, CharacterId, CorporationId};
use time::OffsetDateTime;

/// The EVE login of a corporation's Director that lets Jumpgate track its members.
pub const TRACKING_LOGIN: &str = "core.tracking";

/// The in-game corporation role `/corporations/{id}/membertracking` requires.
pub const DIRECTOR_ROLE: &str = "Director";

/// The `core.tracking` login: member tracking, the roles that prove the Director role, and the
/// structures members sit in (Neucore asks for the same three).
pub fn tracking_login() -> EveLogin {
    EveLogin {
        name: TRACKING_LOGIN.to_owned(),
        description: "Directors: let Jumpgate track your corporation's members".to_owned(),
        scopes: ScopeSet::new([
            "esi-corporations.track_members.v1",
            "esi-characters.read_corporation_roles.v1",
            "esi-universe.read_structures.v1",
        ]),
    }
}

/// Whether a character's corporation roles make it a Director. Only the general roles count:
/// Director is never granted "at HQ" or "at base" in game.
pub fn is_director(roles: &[String]) -> bool {
    roles.iter().any(|r| r == DIRECTOR_ROLE)
}

/// What the last check of a tracking token found, for the admin page and the job's choice of
/// token. Anything but `Director` means the token is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DirectorCheck {
    /// The character holds the Director role in the corporation it is tracked for.
    Director,
    /// EVE says the character lacks the Director role.
    NotDirector,
    /// The character has left the corporation its token was recorded for.
    LeftCorporation,
}

impl DirectorCheck {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Director => "director",
            Self::NotDirector => "not_director",
            Self::LeftCorporation => "left_corporation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Director, Self::NotDirector, Self::LeftCorporation]
            .into_iter()
            .find(|c| c.as_str() == s)
    }

    /// Why a token is not used, in words for the pages; `None` for a Director.
    pub fn problem(self) -> Option<&'static str> {
        match self {
            Self::Director => None,
            Self::NotDirector => Some(
                "this character is not a Director of its corporation: member tracking needs a Director's login",
            ),
            Self::LeftCorporation => Some(
                "this character has left the corporation it tracked: a Director of that corporation must log in",
            ),
        }
    }
}

/// Ids from here on are player structures (CCP's are all above 10^12): `/universe/names`
/// cannot name them, `/universe/structures/{id}` can for those who may dock there.
pub const FIRST_STRUCTURE_ID: i64 = 1_000_000_000_000;

/// A place as member tracking shows it: its id and, when ESI named it, its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub name: Option<String>,
}

impl Named {
    /// The name, or the id when ESI could not name it (a structure the Director may not dock
    /// in is said to be one).
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None if self.id >= FIRST_STRUCTURE_ID => format!("structure {}", self.id),
            None => self.id.to_string(),
        }
    }
}

/// One member as `/membertracking` listed it, with the names resolved at the same update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedMember {
    pub character: CharacterId,
    /// `None` when ESI could not name the character (it drops unknown ids).
    pub name: Option<String>,
    pub location: Option<Named>,
    pub ship: Option<Named>,
    pub logon_at: Option<OffsetDateTime>,
    pub logoff_at: Option<OffsetDateTime>,
    /// When the character joined the corporation.
    pub start_at: Option<OffsetDateTime>,
}

/// Who a member is in Jumpgate, when it is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub account: AccountId,
    /// The account's main character.
    pub main: Option<(CharacterId, String)>,
    /// Its `core.default` token; `None` when it has none.
    pub token: Option<TokenStatus>,
}

impl Registration {
    /// Whether Jumpgate cannot keep this character checked: its login token is missing or dead.
    pub fn token_is_bad(&self) -> bool {
        self.token != Some(TokenStatus::Valid)
    }

    /// The token's state in words.
    pub fn token_label(&self) -> &'static str {
        match self.token {
            Some(TokenStatus::Valid) => "valid",
            Some(TokenStatus::Invalid) => "invalid",
            Some(TokenStatus::Revoked) => "revoked",
            None => "no token",
        }
    }
}

/// A row of a tracked corporation's page: the member and who it is here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub member: TrackedMember,
    pub registration: Option<Registration>,
}

/// A corporation whose members are tracked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackedCorporation {
    pub id: CorporationId,
    /// From the corporations Jumpgate has named; `None` until the affiliation sweep did.
    pub name: Option<String>,
    pub ticker: Option<String>,
    /// When its member list was last replaced.
    pub updated_at: Option<OffsetDateTime>,
    /// The last update's failure, kept until an update succeeds (the list stays as it was).
    pub last_error: Option<String>,
    pub members: usize,
}

impl TrackedCorporation {
    pub fn label(&self) -> String {
        match (&self.name, &self.ticker) {
            (Some(n), Some(t)) => format!("{n} [{t}]"),
            (Some(n), None) => n.clone(),
            _ => format!("Corporation {}", self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_director_role_makes_a_director() {
        assert!(is_director(&["Accountant".into(), "Director".into()]));
        assert!(!is_director(&["Personnel_Manager".into()]));
        assert!(!is_director(&[]));
    }

    #[test]
    fn director_checks_round_trip_through_text() {
        for c in [
            DirectorCheck::Director,
            DirectorCheck::NotDirector,
            DirectorCheck::LeftCorporation,
        ] {
            assert_eq!(DirectorCheck::parse(c.as_str()), Some(c));
            assert_eq!(c.problem().is_none(), c == DirectorCheck::Director);
        }
        assert_eq!(DirectorCheck::parse("ceo"), None);
    }

    #[test]
    fn the_tracking_login_asks_for_member_tracking_roles_and_structures() {
        let login = tracking_login();
        assert!(EveLogin::validate_name(&login.name).is_ok());
        assert_eq!(
            login.scopes.to_space_separated(),
            "esi-characters.read_corporation_roles.v1 esi-corporations.track_members.v1 esi-universe.read_structures.v1"
        );
    }

    #[test]
    fn an_unnamed_place_is_shown_by_id_and_a_structure_says_so() {
        let place = |id, name: Option<&str>| Named {
            id,
            name: name.map(str::to_owned),
        };
        assert_eq!(place(60_003_760, Some("Jita IV")).label(), "Jita IV");
        assert_eq!(place(670, None).label(), "670");
        assert_eq!(
            place(1_035_466_617_946, None).label(),
            "structure 1035466617946"
        );
    }

    #[test]
    fn a_missing_or_dead_token_is_bad() {
        let reg = |token| Registration {
            account: AccountId(1),
            main: None,
            token,
        };
        assert!(!reg(Some(TokenStatus::Valid)).token_is_bad());
        assert!(reg(Some(TokenStatus::Invalid)).token_is_bad());
        assert!(reg(None).token_is_bad());
        assert_eq!(reg(None).token_label(), "no token");
    }
}
