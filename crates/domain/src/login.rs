//! What an SSO login means for accounts (Neucore's semantics, reference neucore.md §5.2).
//!
//! The decision is pure: given who is signed in (if anyone) and what Jumpgate already knows about
//! the character that just authenticated, it says what must happen. The `app` crate carries it
//! out in one transaction.

use crate::account::Character;
use crate::ids::AccountId;

/// The outcome of an SSO login, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginDecision {
    /// Nobody is signed in and the character is new (or was transferred away from its old
    /// account): create an account with it as main.
    CreateAccount { transferred_from: Option<AccountId> },
    /// Nobody is signed in and the character is known with the same owner: sign in to its account.
    SignIn { account: AccountId },
    /// Someone is signed in and the character is new: add it as an alt.
    AddAlt { account: AccountId },
    /// Someone is signed in and the character belongs to another account with the same owner:
    /// move it to the signed-in account (recorded as `moved`).
    MoveFrom { from: AccountId, to: AccountId },
    /// Someone is signed in and the character was transferred (owner hash changed) from another
    /// account: it leaves that account (recorded as `transferred`) and joins this one.
    TransferFrom { from: AccountId, to: AccountId },
    /// Someone is signed in and the character already belongs to their account: refresh its token.
    AlreadyOwned { account: AccountId },
}

/// Decides what a login does. `owner_hash` is the JWT's `owner` claim.
pub fn decide_login(
    signed_in: Option<AccountId>,
    known: Option<&Character>,
    owner_hash: &str,
) -> LoginDecision {
    match (signed_in, known) {
        (None, None) => LoginDecision::CreateAccount {
            transferred_from: None,
        },
        (None, Some(c)) if c.owner_hash != owner_hash => LoginDecision::CreateAccount {
            transferred_from: Some(c.account),
        },
        (None, Some(c)) => LoginDecision::SignIn { account: c.account },
        (Some(me), None) => LoginDecision::AddAlt { account: me },
        (Some(me), Some(c)) if c.account == me && c.owner_hash == owner_hash => {
            LoginDecision::AlreadyOwned { account: me }
        }
        (Some(me), Some(c)) if c.owner_hash != owner_hash => LoginDecision::TransferFrom {
            from: c.account,
            to: me,
        },
        (Some(me), Some(c)) => LoginDecision::MoveFrom {
            from: c.account,
            to: me,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CharacterId, CorporationId};
    use time::OffsetDateTime;

    fn known(account: i64, owner: &str) -> Character {
        Character {
            id: CharacterId(90_000_001),
            account: AccountId(account),
            name: "Pilot".into(),
            owner_hash: owner.into(),
            corporation: CorporationId(98_000_001),
            alliance: None,
            faction: None,
            added_at: OffsetDateTime::UNIX_EPOCH,
            last_checked_at: None,
        }
    }

    #[test]
    fn first_login_of_a_new_character_creates_an_account() {
        assert_eq!(
            decide_login(None, None, "h"),
            LoginDecision::CreateAccount {
                transferred_from: None
            }
        );
    }

    #[test]
    fn login_of_a_known_character_signs_in_to_its_account() {
        assert_eq!(
            decide_login(None, Some(&known(7, "h")), "h"),
            LoginDecision::SignIn {
                account: AccountId(7)
            }
        );
    }

    #[test]
    fn a_transferred_character_never_signs_in_to_its_old_account() {
        assert_eq!(
            decide_login(None, Some(&known(7, "old")), "new"),
            LoginDecision::CreateAccount {
                transferred_from: Some(AccountId(7))
            }
        );
    }

    #[test]
    fn signed_in_login_with_a_new_character_adds_an_alt() {
        assert_eq!(
            decide_login(Some(AccountId(1)), None, "h"),
            LoginDecision::AddAlt {
                account: AccountId(1)
            }
        );
    }

    #[test]
    fn signed_in_login_with_another_accounts_character_moves_it() {
        assert_eq!(
            decide_login(Some(AccountId(1)), Some(&known(7, "h")), "h"),
            LoginDecision::MoveFrom {
                from: AccountId(7),
                to: AccountId(1)
            }
        );
    }

    #[test]
    fn signed_in_login_with_a_transferred_character_records_a_transfer() {
        assert_eq!(
            decide_login(Some(AccountId(1)), Some(&known(7, "old")), "new"),
            LoginDecision::TransferFrom {
                from: AccountId(7),
                to: AccountId(1)
            }
        );
    }

    #[test]
    fn signed_in_login_with_own_character_only_refreshes() {
        assert_eq!(
            decide_login(Some(AccountId(1)), Some(&known(1, "h")), "h"),
            LoginDecision::AlreadyOwned {
                account: AccountId(1)
            }
        );
    }
}
