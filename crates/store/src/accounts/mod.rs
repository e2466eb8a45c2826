//! Accounts and what they are made of: the accounts themselves, their characters, and the
//! corporations and alliances those characters are in.

mod account;
mod account_characters;
mod character_details;
mod characters;
mod orgs;
mod verification_mails;

pub use account_characters::{AccountCharacter, AccountWithCharacters};
pub use character_details::{CharacterDetails, LoginTokenState};
