//! Accounts, their characters and the history of characters leaving them.

use crate::ids::{AccountId, AllianceId, CharacterId, CorporationId, FactionId};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    /// `None` only transiently, while the last character of an account is being moved away.
    pub main_character: Option<CharacterId>,
    pub superuser: bool,
    /// The state name last computed for this account (`Guest` when nothing matched).
    pub state: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub timezone: Option<String>,
    pub created_at: OffsetDateTime,
    /// Standard, or managed by hand (Neucore's "managed" accounts).
    pub status: AccountStatus,
}

/// Whether an account follows the automatic rules (`Standard`) or is managed by hand
/// (`Managed`: no automatic or default groups, never deactivated for its tokens; required and
/// forbidden groups still apply). Administrators (`admin.users`) change it; a change removes
/// every group the account holds, so that nothing given under the old rules lingers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    #[default]
    Standard,
    Managed,
}

impl AccountStatus {
    pub const ALL: [Self; 2] = [Self::Standard, Self::Managed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Managed => "managed",
        }
    }

    /// Reads a status as stored or typed (trimmed, any case).
    pub fn parse(text: &str) -> Option<Self> {
        let wanted = text.trim().to_lowercase();
        Self::ALL.into_iter().find(|s| s.as_str() == wanted)
    }

    /// What it means, as the admin page says it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Standard => "groups by the rules; deactivated when a token goes bad",
            Self::Managed => {
                "no automatic or default groups, never deactivated; required and forbidden groups still apply"
            }
        }
    }

    /// Whether the groups' automatic rules (corporations, alliances, the default group) give
    /// this account groups.
    pub fn gets_automatic_groups(self) -> bool {
        self == Self::Standard
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Character {
    pub id: CharacterId,
    pub account: AccountId,
    pub name: String,
    /// EVE's CharacterOwnerHash: changes when the character is transferred to another EVE account.
    pub owner_hash: String,
    pub corporation: CorporationId,
    pub alliance: Option<AllianceId>,
    pub faction: Option<FactionId>,
    pub added_at: OffsetDateTime,
    /// When ESI affiliation was last read for this character.
    pub last_checked_at: Option<OffsetDateTime>,
}

/// Why a character left an account. Stored as text; names follow Neucore's where they exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemovalReason {
    /// Logged in while another account was signed in: the character moved to that account.
    Moved,
    /// Its owner hash changed (sold or transferred to another EVE account).
    Transferred,
    /// It was biomassed (EVE moved it into Doomheim).
    Biomassed,
    /// Its owner removed it from their account.
    RemovedByOwner,
    /// An administrator removed it.
    RemovedByAdmin,
}

impl RemovalReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Moved => "moved",
            Self::Transferred => "transferred",
            Self::Biomassed => "biomassed",
            Self::RemovedByOwner => "removed-by-owner",
            Self::RemovedByAdmin => "removed-by-admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Moved,
            Self::Transferred,
            Self::Biomassed,
            Self::RemovedByOwner,
            Self::RemovedByAdmin,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Moved => "moved to another account",
            Self::Transferred => "transferred to another EVE account",
            Self::Biomassed => "biomassed",
            Self::RemovedByOwner => "removed by its owner",
            Self::RemovedByAdmin => "removed by an administrator",
        }
    }
}

impl fmt::Display for RemovalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the history of characters that left an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemovedCharacter {
    pub id: i64,
    pub character: CharacterId,
    pub character_name: String,
    pub from_account: AccountId,
    /// Set when the character moved to another Jumpgate account.
    pub to_account: Option<AccountId>,
    pub reason: RemovalReason,
    /// The account that acted, if a person did.
    pub actor: Option<AccountId>,
    pub removed_at: OffsetDateTime,
}

/// Health of a stored ESI token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Valid,
    /// The SSO said `invalid_grant` (or answered for another character): the refresh token is
    /// dead. Kept for audit.
    Invalid,
    /// The owner removed the character or the token was revoked at CCP by Jumpgate.
    Revoked,
}

impl TokenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Valid, Self::Invalid, Self::Revoked]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_reasons_round_trip_through_text() {
        for r in [
            RemovalReason::Moved,
            RemovalReason::Transferred,
            RemovalReason::Biomassed,
            RemovalReason::RemovedByOwner,
            RemovalReason::RemovedByAdmin,
        ] {
            assert_eq!(RemovalReason::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn account_statuses_round_trip_through_text_in_any_case() {
        for s in AccountStatus::ALL {
            assert_eq!(AccountStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            AccountStatus::parse(" Managed "),
            Some(AccountStatus::Managed)
        );
        assert_eq!(AccountStatus::parse("retired"), None);
    }

    #[test]
    fn token_status_round_trips_through_text() {
        for t in [
            TokenStatus::Valid,
            TokenStatus::Invalid,
            TokenStatus::Revoked,
        ] {
            assert_eq!(TokenStatus::parse(t.as_str()), Some(t));
        }
    }
}
