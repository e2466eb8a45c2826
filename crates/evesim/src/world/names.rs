//! EVE-flavoured names built from syllables, so a seeded universe reads plausibly without
//! shipping (or inventing) real players' names.

use std::collections::HashSet;

use rand::Rng;
use rand::seq::IndexedRandom;

const GIVEN_HEAD: &[&str] = &[
    "Ka", "Vel", "Zor", "Mi", "Ar", "Tel", "Ny", "Ro", "Sa", "Dra", "Ela", "Jo", "Ke", "Lu", "Ma",
    "Ori", "Pa", "Qui", "Re", "Si", "Tho", "Ul", "Va", "Xe", "Ya", "Ze", "Bri", "Cor", "Dae",
    "Fen", "Ga", "Hal", "Iv", "Ky",
];
const GIVEN_TAIL: &[&str] = &[
    "ran", "lis", "tha", "rek", "na", "vin", "dor", "mir", "sa", "kel", "ria", "tos", "len", "vik",
    "rah", "nor", "ssa", "dan", "ro", "lia",
];
const FAMILY_HEAD: &[&str] = &[
    "Aur", "Bel", "Cas", "Dev", "Ers", "Fal", "Gor", "Hak", "Ish", "Jar", "Kor", "Lam", "Mor",
    "Nek", "Oth", "Pry", "Quo", "Ras", "Sten", "Tor", "Ukk", "Vor", "Wex", "Yrr", "Zan", "Ald",
    "Brun", "Crux",
];
const FAMILY_TAIL: &[&str] = &[
    "anen", "ieux", "ovski", "ard", "ellis", "onen", "ayi", "umbra", "ek", "otte", "ara", "isson",
    "ul", "ine", "ovic", "ado", "enko", "ix", "amura", "ey",
];
const CORP_WORDS: &[&str] = &[
    "Obsidian",
    "Crimson",
    "Silent",
    "Iron",
    "Void",
    "Stellar",
    "Quantum",
    "Northern",
    "Ashen",
    "Cobalt",
    "Hollow",
    "Radiant",
    "Feral",
    "Amber",
    "Black",
    "Shattered",
    "Gilded",
    "Frozen",
    "Distant",
    "Vigilant",
    "Sable",
    "Ember",
    "Azure",
    "Vanguard",
];
const CORP_NOUNS: &[&str] = &[
    "Industries",
    "Holdings",
    "Collective",
    "Syndicate",
    "Logistics",
    "Reclamation",
    "Expeditionary Corps",
    "Mining Cooperative",
    "Heavy Industries",
    "Security Services",
    "Exploration",
    "Tactical",
    "Research",
    "Enterprises",
    "Salvage",
    "Armada",
];
const ALLIANCE_NOUNS: &[&str] = &[
    "Coalition",
    "Federation",
    "Pact",
    "Alliance",
    "Directorate",
    "Consortium",
    "Accord",
    "Dominion",
    "Conclave",
];

/// Hands out names that are unique across the whole universe (CCP names are unique too).
pub struct NameForge {
    used: HashSet<String>,
    tickers: HashSet<String>,
}

impl NameForge {
    pub fn new() -> Self {
        Self {
            used: HashSet::new(),
            tickers: HashSet::new(),
        }
    }

    pub fn character(&mut self, rng: &mut impl Rng) -> String {
        loop {
            let given = format!("{}{}", pick(rng, GIVEN_HEAD), pick(rng, GIVEN_TAIL));
            let family = format!("{}{}", pick(rng, FAMILY_HEAD), pick(rng, FAMILY_TAIL));
            // Some EVE names are a single word, some two; keep mostly two.
            let name = if rng.random_ratio(1, 12) {
                given
            } else {
                format!("{given} {family}")
            };
            if self.used.insert(name.clone()) {
                return name;
            }
        }
    }

    pub fn corporation(&mut self, rng: &mut impl Rng) -> (String, String) {
        // 24 × 16 names: a large universe (benchmarks) numbers them once they run out, as the
        // game's many "… Corp 2" do, instead of drawing forever.
        for attempt in 0usize.. {
            let mut name = format!("{} {}", pick(rng, CORP_WORDS), pick(rng, CORP_NOUNS));
            if attempt >= 100 {
                name = format!("{name} {}", attempt / 100 + 1);
            }
            if self.used.insert(name.clone()) {
                let ticker = self.ticker(rng, &name);
                return (name, ticker);
            }
        }
        // `0usize..` only ends at usize::MAX attempts, long after every numbered name.
        (String::from("Corporation"), self.ticker(rng, "Corporation"))
    }

    pub fn alliance(&mut self, rng: &mut impl Rng) -> (String, String) {
        loop {
            let head = format!("{}{}", pick(rng, FAMILY_HEAD), pick(rng, GIVEN_TAIL));
            let name = format!("{head} {}", pick(rng, ALLIANCE_NOUNS));
            if self.used.insert(name.clone()) {
                let ticker = self.ticker(rng, &name);
                return (name, ticker);
            }
        }
    }

    /// Initials of the name, padded with random letters until unique (2–5 characters like CCP's).
    fn ticker(&mut self, rng: &mut impl Rng, name: &str) -> String {
        let initials: String = name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .collect::<String>()
            .to_uppercase();
        let mut ticker = initials;
        loop {
            if ticker.len() >= 2 && self.tickers.insert(ticker.clone()) {
                return ticker;
            }
            if ticker.len() >= 5 {
                ticker.truncate(2);
            }
            ticker.push(char::from(b'A' + rng.random_range(0..26u8)));
        }
    }
}

fn pick<'a>(rng: &mut impl Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("X")
}
