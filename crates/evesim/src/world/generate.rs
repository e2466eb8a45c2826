//! Builds a deterministic universe from a seed: the same seed always yields the same ids,
//! names, memberships and accounts, so tests can rely on them.

use std::collections::HashSet;

use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use time::{Duration, OffsetDateTime};

use super::names::NameForge;
use super::{
    ContactType, DOOMHEIM_CORPORATION_ID, FACTIONS, SimAlliance, SimCharacter, SimContact,
    SimCorporation, World, owner_hash,
};

/// Shape of the universe to generate.
pub struct Shape {
    pub seed: u64,
    pub alliances: usize,
    pub corporations: usize,
    pub characters: usize,
    pub accounts: usize,
}

/// Label ids in game are bit flags (1, 2, 4, …); every generated owner gets these.
const DEFAULT_LABELS: &[(i64, &str)] = &[(1, "Blue"), (2, "Red"), (4, "WT")];

pub fn generate(shape: &Shape) -> World {
    let mut rng = StdRng::seed_from_u64(shape.seed);
    let mut forge = NameForge::new();
    let mut world = World::empty(shape.seed);
    let mut ids = IdSource::default();
    let epoch = OffsetDateTime::UNIX_EPOCH;
    let day = |rng: &mut StdRng, from_year: i64, to_year: i64| {
        // 2003-05-06 is EVE's launch; keep dates inside plausible spans.
        let from = (from_year - 1970) * 365;
        let to = (to_year - 1970) * 365;
        epoch
            + Duration::days(rng.random_range(from..to))
            + Duration::seconds(rng.random_range(0..86_400))
    };

    world.corporations.insert(
        DOOMHEIM_CORPORATION_ID,
        SimCorporation {
            corporation_id: DOOMHEIM_CORPORATION_ID,
            name: "Doomheim".to_owned(),
            ticker: "666".to_owned(),
            alliance_id: None,
            ceo_id: 3_000_001,
            creator_id: 1,
            member_count: 0,
            date_founded: epoch + Duration::days(33 * 365),
            npc: true,
        },
    );

    let alliance_ids: Vec<i64> = (0..shape.alliances)
        .map(|_| ids.fresh(&mut rng, 99_000_000..99_015_000))
        .collect();
    for &alliance_id in &alliance_ids {
        let (name, ticker) = forge.alliance(&mut rng);
        world.alliances.insert(
            alliance_id,
            SimAlliance {
                alliance_id,
                name,
                ticker,
                creator_corporation_id: 0,
                creator_id: 0,
                executor_corporation_id: None,
                date_founded: day(&mut rng, 2008, 2024),
            },
        );
    }

    // Most corporations sit in an alliance; about one in five is independent.
    let independent = if shape.alliances == 0 {
        shape.corporations
    } else {
        (shape.corporations / 5).max(usize::from(shape.corporations > shape.alliances))
    };
    let mut corp_ids = Vec::new();
    for i in 0..shape.corporations {
        let corporation_id = ids.fresh(&mut rng, 98_000_000..98_800_000);
        let alliance_id = (i < shape.corporations - independent && !alliance_ids.is_empty())
            .then(|| alliance_ids[i % alliance_ids.len()]);
        let (name, ticker) = forge.corporation(&mut rng);
        world.corporations.insert(
            corporation_id,
            SimCorporation {
                corporation_id,
                name,
                ticker,
                alliance_id,
                ceo_id: 0,
                creator_id: 0,
                member_count: 0,
                date_founded: day(&mut rng, 2005, 2025),
                npc: false,
            },
        );
        corp_ids.push(corporation_id);
    }

    // Accounts: everyone gets one character, then the rest fill up to three slots each.
    let accounts = shape.accounts.max(1);
    let hashes: Vec<String> = (0..accounts)
        .map(|i| owner_hash(format!("{}:{i}", shape.seed).as_bytes()))
        .collect();
    let mut slots: Vec<usize> = (0..shape.characters).map(|i| i % accounts).collect();
    if shape.characters > accounts {
        let mut rest: Vec<usize> = (0..accounts).flat_map(|a| [a, a]).collect();
        rest.shuffle(&mut rng);
        for (slot, account) in slots.iter_mut().skip(accounts).zip(rest.iter().cycle()) {
            *slot = *account;
        }
    }

    for &account in &slots {
        // Old characters carry the 9xxxxxxx ids, newer ones 21xxxxxxxx.
        let old = rng.random_ratio(1, 3);
        let character_id = if old {
            ids.fresh(&mut rng, 90_000_000..98_000_000)
        } else {
            ids.fresh(&mut rng, 2_112_000_000..2_125_000_000)
        };
        let corporation_id = *corp_ids
            .choose(&mut rng)
            .unwrap_or(&DOOMHEIM_CORPORATION_ID);
        let (race_id, bloodline_id) = *[(1, 1), (2, 4), (4, 5), (8, 7), (1, 2), (2, 3)]
            .choose(&mut rng)
            .unwrap_or(&(1, 1));
        let birthday = if old {
            day(&mut rng, 2004, 2016)
        } else {
            day(&mut rng, 2016, 2026)
        };
        let name = forge.character(&mut rng);
        world.characters.insert(
            character_id,
            SimCharacter {
                character_id,
                name,
                corporation_id,
                alliance_id: None,
                owner_hash: hashes[account].clone(),
                birthday,
                gender: if rng.random_bool(0.5) {
                    "male"
                } else {
                    "female"
                }
                .to_owned(),
                race_id,
                bloodline_id,
                security_status: (rng.random_range(-100..=50) as f64) / 10.0,
                roles: Vec::new(),
                biomassed: false,
            },
        );
    }

    assign_leadership(&mut world, &mut rng);
    world.reconcile();
    seed_contacts(&mut world, &mut rng);
    world
}

/// CEOs are Directors; a few members get Diplomat / Personnel_Manager; alliances get creators.
fn assign_leadership(world: &mut World, rng: &mut StdRng) {
    let corp_ids: Vec<i64> = world.corporations.keys().copied().collect();
    for corp_id in corp_ids {
        let mut members: Vec<i64> = world
            .characters
            .values()
            .filter(|c| c.corporation_id == corp_id)
            .map(|c| c.character_id)
            .collect();
        members.sort_unstable();
        let Some(&ceo) = members.first() else {
            continue;
        };
        if let Some(corp) = world.corporations.get_mut(&corp_id) {
            if corp.npc {
                continue;
            }
            corp.ceo_id = ceo;
            corp.creator_id = ceo;
        }
        for (i, id) in members.iter().enumerate() {
            let roles: &[&str] = match i {
                0 => &["Director"],
                1 => &["Diplomat", "Personnel_Manager"],
                _ if rng.random_ratio(1, 15) => &["Diplomat"],
                _ => &[],
            };
            if let Some(ch) = world.characters.get_mut(id) {
                ch.roles = roles.iter().map(|r| (*r).to_owned()).collect();
            }
        }
    }
    let alliance_ids: Vec<i64> = world.alliances.keys().copied().collect();
    for alliance_id in alliance_ids {
        let first = world
            .corporations
            .values()
            .find(|c| c.alliance_id == Some(alliance_id))
            .map(|c| (c.corporation_id, c.ceo_id));
        if let (Some((corp, ceo)), Some(a)) = (first, world.alliances.get_mut(&alliance_id)) {
            a.creator_corporation_id = corp;
            a.executor_corporation_id = Some(corp);
            a.creator_id = ceo;
        }
    }
}

/// Gives alliances a standings list (other alliances, some corporations, characters and a
/// faction) and every owner the default labels, so contact sync has something to copy.
fn seed_contacts(world: &mut World, rng: &mut StdRng) {
    let owners: Vec<i64> = world
        .alliances
        .keys()
        .chain(
            world
                .corporations
                .keys()
                .filter(|id| **id != DOOMHEIM_CORPORATION_ID),
        )
        .chain(world.characters.keys())
        .copied()
        .collect();
    for owner in owners {
        let labels = DEFAULT_LABELS
            .iter()
            .map(|(id, name)| (*id, (*name).to_owned()))
            .collect();
        world.labels.insert(owner, labels);
    }
    let alliance_ids: Vec<i64> = world.alliances.keys().copied().collect();
    let corp_ids: Vec<i64> = world.corporations.keys().copied().collect();
    let char_ids: Vec<i64> = world.characters.keys().copied().collect();
    for &alliance_id in &alliance_ids {
        let mut list = Vec::new();
        let mut seen = HashSet::new();
        for &other in alliance_ids.iter().filter(|a| **a != alliance_id) {
            let friendly = rng.random_bool(0.5);
            seen.insert(other);
            list.push(contact(
                other,
                ContactType::Alliance,
                if friendly { 10.0 } else { -10.0 },
                friendly,
            ));
        }
        let outsiders = corp_ids.iter().filter(|c| {
            world
                .corporations
                .get(c)
                .is_some_and(|c| c.alliance_id != Some(alliance_id) && !c.npc)
        });
        for &corp in outsiders {
            if rng.random_ratio(1, 3) && seen.insert(corp) {
                let standing = *[-10.0, -5.0, 5.0].choose(rng).unwrap_or(&-5.0);
                list.push(contact(
                    corp,
                    ContactType::Corporation,
                    standing,
                    standing > 0.0,
                ));
            }
        }
        for _ in 0..12 {
            let Some(&ch) = char_ids.choose(rng) else {
                break;
            };
            let outsider = world
                .characters
                .get(&ch)
                .is_some_and(|c| c.alliance_id != Some(alliance_id));
            if outsider && seen.insert(ch) {
                let standing = *[-10.0, -5.0, 5.0, 10.0].choose(rng).unwrap_or(&-10.0);
                list.push(contact(
                    ch,
                    ContactType::Character,
                    standing,
                    standing > 0.0,
                ));
            }
        }
        let (faction, _) = FACTIONS[rng.random_range(0..FACTIONS.len())];
        list.push(contact(faction, ContactType::Faction, -5.0, false));
        world.contacts.insert(alliance_id, list);
    }
}

fn contact(id: i64, contact_type: ContactType, standing: f64, friendly: bool) -> SimContact {
    SimContact {
        contact_id: id,
        contact_type,
        standing,
        label_ids: vec![if friendly { 1 } else { 2 }],
        is_watched: false,
        is_blocked: false,
    }
}

#[derive(Default)]
struct IdSource {
    used: HashSet<i64>,
}

impl IdSource {
    fn fresh(&mut self, rng: &mut StdRng, range: std::ops::Range<i64>) -> i64 {
        loop {
            let id = rng.random_range(range.clone());
            if self.used.insert(id) {
                return id;
            }
        }
    }
}
