//! Jumpgate's records read in Neucore's terms, for the application API's answers: the words and
//! flags Neucore's clients expect where Jumpgate keeps the same fact differently.

use crate::account::{RemovalReason, RemovedCharacter, TokenStatus};
use crate::ids::AccountId;
use crate::tracking::FIRST_STRUCTURE_ID;

/// Neucore's `RemovedCharacter.reason` for a character that left an account.
///
/// Jumpgate records why (`RemovalReason`) and, separately, whether the character went to another
/// Jumpgate account (`to_account`); Neucore folds both into one word:
/// - moved at a login: `moved`; moved because its owner hash changed (the buyer logged in while
///   signed in to an account): `moved-owner-changed`;
/// - left because its owner hash changed (the buyer got a new account, or a token refresh saw
///   the new owner): `deleted-owner-changed`;
/// - biomassed: `deleted-biomassed`;
/// - removed by its owner or by an administrator: `deleted-manually` (Neucore's word for "the
///   user deleted it, or an admin for another reason than owner change or lost access").
///   Jumpgate has no "lost access" removal, so `deleted-lost-access` is never said; and where
///   Neucore's admins may delete without a record (`deleted-by-admin`), Jumpgate always keeps
///   one, so tools see every character that left.
pub fn removal_reason(removed: &RemovedCharacter) -> &'static str {
    let moved = removed.to_account.is_some();
    match removed.reason {
        RemovalReason::Moved => "moved",
        RemovalReason::Transferred if moved => "moved-owner-changed",
        RemovalReason::Transferred => "deleted-owner-changed",
        RemovalReason::Biomassed => "deleted-biomassed",
        RemovalReason::RemovedByOwner | RemovalReason::RemovedByAdmin => "deleted-manually",
    }
}

/// Neucore's `RemovedCharacter.deletedBy`: the account of the person who deleted the
/// character. Jumpgate also records who moved one (the account it moved to), which Neucore
/// leaves empty for moves, so only deletions name their actor.
pub fn deleted_by(removed: &RemovedCharacter) -> Option<AccountId> {
    removed.actor.filter(|_| removed.to_account.is_none())
}

/// Neucore's `Character.validToken` from the character's `core.default` token: `null` without a
/// token, or for a valid token without scopes (Neucore says the same for both); `false` for a
/// token EVE refused (`invalid`) or that was revoked (Jumpgate can no longer use either).
pub fn valid_token(status: Option<TokenStatus>, scopes: &str) -> Option<bool> {
    match status? {
        TokenStatus::Valid if scopes.trim().is_empty() => None,
        TokenStatus::Valid => Some(true),
        TokenStatus::Invalid | TokenStatus::Revoked => Some(false),
    }
}

/// Neucore's `EsiLocation.category` of a location id, from EVE's id ranges (Jumpgate keeps a
/// member's location id and name, not the category ESI named it under): solar systems (known
/// space, wormholes, Abyssal and event systems) are 30–39 million, NPC stations 60–64 million,
/// player structures above 10^12. Anything else has none.
pub fn location_category(id: i64) -> Option<&'static str> {
    match id {
        30_000_000..=39_999_999 => Some("system"),
        60_000_000..=64_999_999 => Some("station"),
        FIRST_STRUCTURE_ID.. => Some("structure"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CharacterId;
    use time::OffsetDateTime;

    fn removed(reason: RemovalReason, to: Option<i64>, actor: Option<i64>) -> RemovedCharacter {
        RemovedCharacter {
            id: 1,
            character: CharacterId(2_112_000_001),
            character_name: "Pilot".into(),
            from_account: AccountId(1),
            to_account: to.map(AccountId),
            reason,
            actor: actor.map(AccountId),
            removed_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn every_removal_has_one_of_neucores_reasons() {
        let cases = [
            (RemovalReason::Moved, Some(2), "moved"),
            (RemovalReason::Transferred, Some(2), "moved-owner-changed"),
            (RemovalReason::Transferred, None, "deleted-owner-changed"),
            (RemovalReason::Biomassed, None, "deleted-biomassed"),
            (RemovalReason::RemovedByOwner, None, "deleted-manually"),
            (RemovalReason::RemovedByAdmin, None, "deleted-manually"),
        ];
        for (reason, to, expected) in cases {
            assert_eq!(
                removal_reason(&removed(reason, to, None)),
                expected,
                "{reason}"
            );
        }
    }

    #[test]
    fn only_a_deletion_names_who_deleted() {
        assert_eq!(
            deleted_by(&removed(RemovalReason::RemovedByAdmin, None, Some(7))),
            Some(AccountId(7))
        );
        assert_eq!(
            deleted_by(&removed(RemovalReason::Moved, Some(2), Some(2))),
            None,
            "Neucore names nobody for a move"
        );
        assert_eq!(
            deleted_by(&removed(RemovalReason::Biomassed, None, None)),
            None
        );
    }

    #[test]
    fn a_valid_token_counts_only_with_scopes() {
        assert_eq!(valid_token(None, ""), None);
        assert_eq!(
            valid_token(Some(TokenStatus::Valid), "publicData"),
            Some(true)
        );
        assert_eq!(valid_token(Some(TokenStatus::Valid), " "), None);
        assert_eq!(
            valid_token(Some(TokenStatus::Invalid), "publicData"),
            Some(false)
        );
        assert_eq!(valid_token(Some(TokenStatus::Revoked), ""), Some(false));
    }

    #[test]
    fn locations_are_categorised_by_eves_id_ranges() {
        assert_eq!(location_category(30_000_142), Some("system"));
        assert_eq!(location_category(31_000_005), Some("system"));
        assert_eq!(location_category(60_003_760), Some("station"));
        assert_eq!(location_category(1_035_466_617_946), Some("structure"));
        assert_eq!(location_category(2_112_000_001), None);
        assert_eq!(location_category(0), None);
    }
}
