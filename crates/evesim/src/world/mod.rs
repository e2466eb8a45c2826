//! The simulated New Eden: alliances, corporations, characters, their EVE accounts (owner
//! hashes), contacts, labels, notifications and mail. Pure data plus the mutations CCP's game
//! would perform; HTTP lives elsewhere.

mod generate;
mod names;

use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

pub use generate::{Shape, generate};

/// CCP's graveyard corporation: biomassed characters end up here.
pub const DOOMHEIM_CORPORATION_ID: i64 = 1_000_001;
/// The most contacts a character may have, as enforced in game.
pub const MAX_CONTACTS: usize = 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimCharacter {
    pub character_id: i64,
    pub name: String,
    pub corporation_id: i64,
    pub alliance_id: Option<i64>,
    /// CCP's CharacterOwnerHash: changes when the character moves to another EVE account.
    pub owner_hash: String,
    #[serde(with = "time::serde::rfc3339")]
    pub birthday: OffsetDateTime,
    pub gender: String,
    pub race_id: i64,
    pub bloodline_id: i64,
    pub security_status: f64,
    /// Corporation roles (names as in the spec's enum, e.g. "Director").
    pub roles: Vec<String>,
    pub biomassed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimCorporation {
    pub corporation_id: i64,
    pub name: String,
    pub ticker: String,
    pub alliance_id: Option<i64>,
    pub ceo_id: i64,
    pub creator_id: i64,
    pub member_count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub date_founded: OffsetDateTime,
    pub npc: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimAlliance {
    pub alliance_id: i64,
    pub name: String,
    pub ticker: String,
    pub creator_corporation_id: i64,
    pub creator_id: i64,
    pub executor_corporation_id: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub date_founded: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContactType {
    Character,
    Corporation,
    Alliance,
    Faction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimContact {
    pub contact_id: i64,
    pub contact_type: ContactType,
    pub standing: f64,
    #[serde(default)]
    pub label_ids: Vec<i64>,
    #[serde(default)]
    pub is_watched: bool,
    #[serde(default)]
    pub is_blocked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimNotification {
    pub notification_id: i64,
    pub sender_id: i64,
    pub sender_type: String,
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    pub is_read: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimMail {
    pub mail_id: i64,
    pub from: i64,
    pub recipients: Vec<(i64, String)>,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
}

/// A character's last logon and logoff, as member tracking reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimLogon {
    #[serde(with = "time::serde::rfc3339")]
    pub logon_date: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub logoff_date: OffsetDateTime,
}

/// The station and ship type member tracking puts everyone in, with CCP's ids and names, so
/// that `/universe/names` can name them as it does in game.
pub const PLACES_AND_TYPES: &[(i64, &str, &str)] = &[
    (
        60_003_760,
        "station",
        "Jita IV - Moon 4 - Caldari Navy Assembly Plant",
    ),
    (30_000_142, "solar_system", "Jita"),
    (670, "inventory_type", "Capsule"),
];

/// Player structures' ids start here (CCP's are all above 10^12).
pub const FIRST_STRUCTURE_ID: i64 = 1_000_000_000_000;

/// Every corporation owns one structure, whose id is derived from the corporation's: member
/// tracking places some members in it and `/universe/structures` describes it, without any
/// state of its own.
pub fn structure_of(corporation_id: i64) -> i64 {
    FIRST_STRUCTURE_ID + corporation_id
}

/// Something an id can name, for `/universe/names` and contact types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    Character,
    Corporation,
    Alliance,
    Faction,
}

pub struct World {
    pub alliances: BTreeMap<i64, SimAlliance>,
    pub corporations: BTreeMap<i64, SimCorporation>,
    pub characters: BTreeMap<i64, SimCharacter>,
    /// Contacts by owner id (character, corporation or alliance).
    pub contacts: HashMap<i64, Vec<SimContact>>,
    /// Contact labels by owner id.
    pub labels: HashMap<i64, Vec<(i64, String)>>,
    pub notifications: HashMap<i64, Vec<SimNotification>>,
    pub mails: Vec<SimMail>,
    /// Logon and logoff times set through the control API (member tracking); characters
    /// without one get plausible times derived from their id.
    pub logons: HashMap<i64, SimLogon>,
    pub next_id: i64,
    pub started: OffsetDateTime,
    /// Drives later mutations (new owner hashes) deterministically from the seed.
    pub rng: StdRng,
}

/// NPC factions a contact may point at (ids as in CCP's data).
pub const FACTIONS: &[(i64, &str)] = &[
    (500_001, "Caldari State"),
    (500_002, "Minmatar Republic"),
    (500_003, "Amarr Empire"),
    (500_004, "Gallente Federation"),
];

impl World {
    pub fn empty(seed: u64) -> Self {
        Self {
            alliances: BTreeMap::new(),
            corporations: BTreeMap::new(),
            characters: BTreeMap::new(),
            contacts: HashMap::new(),
            labels: HashMap::new(),
            notifications: HashMap::new(),
            mails: Vec::new(),
            logons: HashMap::new(),
            next_id: 1,
            started: OffsetDateTime::now_utc(),
            rng: StdRng::seed_from_u64(seed ^ 0x005e_ed0f_d00d),
        }
    }

    pub fn kind_of(&self, id: i64) -> Option<EntityKind> {
        if self.characters.contains_key(&id) {
            Some(EntityKind::Character)
        } else if self.corporations.contains_key(&id) {
            Some(EntityKind::Corporation)
        } else if self.alliances.contains_key(&id) {
            Some(EntityKind::Alliance)
        } else if FACTIONS.iter().any(|(f, _)| *f == id) {
            Some(EntityKind::Faction)
        } else {
            None
        }
    }

    pub fn name_of(&self, id: i64) -> Option<String> {
        match self.kind_of(id)? {
            EntityKind::Character => self.characters.get(&id).map(|c| c.name.clone()),
            EntityKind::Corporation => self.corporations.get(&id).map(|c| c.name.clone()),
            EntityKind::Alliance => self.alliances.get(&id).map(|a| a.name.clone()),
            EntityKind::Faction => FACTIONS
                .iter()
                .find(|(f, _)| *f == id)
                .map(|(_, n)| (*n).to_owned()),
        }
    }

    pub fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// Keeps `alliance_id` on characters and `member_count` on corporations in step after moves.
    pub fn reconcile(&mut self) {
        let mut counts: HashMap<i64, i64> = HashMap::new();
        for ch in self.characters.values_mut() {
            *counts.entry(ch.corporation_id).or_default() += 1;
            ch.alliance_id = self
                .corporations
                .get(&ch.corporation_id)
                .and_then(|c| c.alliance_id);
        }
        for corp in self.corporations.values_mut() {
            corp.member_count = counts.get(&corp.corporation_id).copied().unwrap_or(0);
        }
    }

    /// Moves a character to another corporation at `now` (the simulated EVE's time), with the
    /// notification its old corporation gets.
    pub fn move_character(&mut self, character_id: i64, corporation_id: i64, now: OffsetDateTime) {
        let Some(ch) = self.characters.get_mut(&character_id) else {
            return;
        };
        if !self.corporations.contains_key(&corporation_id) {
            return;
        }
        let old = ch.corporation_id;
        ch.corporation_id = corporation_id;
        // Roles are per corporation: they don't follow the character.
        ch.roles.clear();
        self.reconcile();
        if old != corporation_id {
            let text = format!("charID: {character_id}\ncorpID: {old}\n");
            self.notify(
                character_id,
                old,
                "corporation",
                "CharLeftCorpMsg",
                text,
                now,
            );
        }
    }

    pub fn move_corporation(&mut self, corporation_id: i64, alliance_id: Option<i64>) {
        if let Some(a) = alliance_id
            && !self.alliances.contains_key(&a)
        {
            return;
        }
        if let Some(corp) = self.corporations.get_mut(&corporation_id) {
            corp.alliance_id = alliance_id;
        }
        self.reconcile();
    }

    /// Moves the character to a fresh EVE account and returns the new owner hash.
    pub fn transfer_character(&mut self, character_id: i64) -> Option<String> {
        let mut seed = [0u8; 16];
        self.rng.fill_bytes(&mut seed);
        let hash = owner_hash(&seed);
        let ch = self.characters.get_mut(&character_id)?;
        ch.owner_hash = hash.clone();
        Some(hash)
    }

    pub fn biomass_character(&mut self, character_id: i64) {
        if let Some(ch) = self.characters.get_mut(&character_id) {
            ch.corporation_id = DOOMHEIM_CORPORATION_ID;
            ch.roles.clear();
            ch.biomassed = true;
        }
        self.reconcile();
    }

    pub fn notify(
        &mut self,
        character_id: i64,
        sender_id: i64,
        sender_type: &str,
        kind: &str,
        text: String,
        timestamp: OffsetDateTime,
    ) {
        let notification_id = self.next_id();
        self.notifications
            .entry(character_id)
            .or_default()
            .push(SimNotification {
                notification_id,
                sender_id,
                sender_type: sender_type.to_owned(),
                timestamp,
                kind: kind.to_owned(),
                text,
                is_read: false,
            });
    }

    /// Characters grouped by EVE account, for the SSO character picker.
    pub fn accounts(&self) -> BTreeMap<String, Vec<SimCharacter>> {
        let mut out: BTreeMap<String, Vec<SimCharacter>> = BTreeMap::new();
        for ch in self.characters.values().filter(|c| !c.biomassed) {
            out.entry(ch.owner_hash.clone())
                .or_default()
                .push(ch.clone());
        }
        out
    }
}

/// CharacterOwnerHash-shaped string: base64 of 20 bytes (CCP's are 28 characters with `=`).
pub fn owner_hash(seed: &[u8]) -> String {
    let digest = Sha256::digest(seed);
    base64::engine::general_purpose::STANDARD.encode(&digest[..20])
}
