//! EVE entity ids and Jumpgate's own ids (accounts, jobs, tokens, states, requests,
//! revocations, bulk operations).
//!
//! EVE ids are 64-bit: character ids above 2^31 exist (e.g. 2112000000+), so every id is an
//! `i64`, matching `BIGINT` in both databases. Distinct newtypes stop a corporation id from being
//! passed where a character id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim().parse::<i64>() {
                    Ok(v) if v > 0 => Ok(Self(v)),
                    _ => Err(InvalidId(s.to_owned())),
                }
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }
    };
}

id_type!(
    /// An EVE character id.
    CharacterId
);
id_type!(
    /// An EVE corporation id.
    CorporationId
);
id_type!(
    /// An EVE alliance id.
    AllianceId
);
id_type!(
    /// An EVE faction id (factional warfare).
    FactionId
);
id_type!(
    /// A Jumpgate account ("player" in Neucore, "user" in Alliance Auth).
    AccountId
);
id_type!(
    /// A job in Jumpgate's queue.
    JobId
);
id_type!(
    /// A stored SSO token (one per character and EVE login).
    TokenId
);
id_type!(
    /// A state (Member, Blue, Guest, …). `StateId::UNSAVED` (0) is a state not yet stored.
    StateId
);
id_type!(
    /// A group of accounts (FC, Head FC, Capitals, …). `GroupId::UNSAVED` (0) is a group not yet
    /// stored.
    GroupId
);
id_type!(
    /// An application to join a group.
    GroupApplicationId
);
id_type!(
    /// A tool beside Jumpgate that calls the application API (Neucore's "app").
    AppId
);

impl GroupId {
    /// The id of a group that is not stored yet: saving it inserts it.
    pub const UNSAVED: Self = Self(0);
}
id_type!(
    /// A division of the fleet (Capitals, Frigates, …), created by administrators; its FCs are
    /// led by its Division Head FC.
    DivisionId
);
id_type!(
    /// A specialty role an administrator defined (Capital FC, Diplomat, Logistician, …).
    SpecialtyId
);
id_type!(
    /// A standing request.
    RequestId
);
id_type!(
    /// A standing revocation.
    RevocationId
);
id_type!(
    /// A bulk standings operation (an import or a mass change).
    BulkOperationId
);

impl StateId {
    /// The id of a state that is not stored yet: saving it inserts it.
    pub const UNSAVED: Self = Self(0);
}

/// Any EVE entity id, when the kind is carried separately.
pub type EveId = i64;

/// The text could not be read as a positive id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a valid id: expected a positive whole number")]
pub struct InvalidId(pub String);

/// The corporation EVE moves biomassed characters into.
pub const DOOMHEIM_ID: i64 = 1_000_001;
pub const DOOMHEIM: CorporationId = CorporationId(DOOMHEIM_ID);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_64_bit_values() {
        let id: CharacterId = "2112000001".parse().expect("parses");
        assert_eq!(id.get(), 2_112_000_001);
    }

    #[test]
    fn ids_refuse_zero_negative_and_text() {
        for bad in ["0", "-5", "abc", ""] {
            assert!(
                bad.parse::<CharacterId>().is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn ids_serialise_as_plain_numbers() {
        let json = serde_json::to_string(&AllianceId(99_000_001)).expect("serialises");
        assert_eq!(json, "99000001");
    }
}
