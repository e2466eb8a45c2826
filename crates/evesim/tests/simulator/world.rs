//! The generated universe is deterministic and EVE-shaped; the `/_sim` controls steer it.

// Test helpers outside #[test] fns unwrap too (allowed in tests by the workspace rules).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashSet};

use crate::support::*;
use jumpgate_evesim::SimConfig;
use serde_json::{Value, json};

#[tokio::test]
async fn the_same_seed_gives_the_same_universe() {
    let a = start().await;
    let b = start().await;
    assert_eq!(a.characters(), b.characters());
    assert_eq!(a.alliances(), b.alliances());
    let c = start_with(SimConfig {
        seed: 7,
        ..SimConfig::default()
    })
    .await;
    assert_ne!(a.characters(), c.characters());
}

#[tokio::test]
async fn the_default_universe_has_ccp_shaped_ids_names_and_accounts() {
    let sim = start().await;
    let chars = sim.characters();
    let corps = sim.corporations();
    let alliances = sim.alliances();
    assert_eq!((chars.len(), corps.len(), alliances.len()), (500, 20, 3));
    assert!(
        chars
            .iter()
            .all(|c| (90_000_000..98_000_000).contains(&c.character_id)
                || (2_112_000_000..2_200_000_000).contains(&c.character_id))
    );
    assert!(
        corps
            .iter()
            .all(|c| (98_000_000..99_000_000).contains(&c.corporation_id))
    );
    assert!(
        alliances
            .iter()
            .all(|a| (99_000_000..100_000_000).contains(&a.alliance_id))
    );
    let names: HashSet<&str> = chars.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), chars.len(), "unique names");
    let independent = corps.iter().filter(|c| c.alliance_id.is_none()).count();
    assert!(independent > 0 && independent < corps.len() / 2);

    let mut accounts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &chars {
        *accounts.entry(c.owner_hash.as_str()).or_default() += 1;
    }
    assert_eq!(accounts.len(), 200);
    assert!(accounts.values().all(|n| (1..=3).contains(n)));
    let hash = chars[0].owner_hash.clone();
    assert_eq!(
        sim.characters_of_account(&hash).len(),
        accounts[hash.as_str()]
    );
}

#[tokio::test]
async fn moving_characters_and_corporations_shows_in_affiliation() {
    let sim = start().await;
    let ch = sim.characters()[0].clone();
    let target = sim
        .corporations()
        .into_iter()
        .find(|c| c.corporation_id != ch.corporation_id && c.alliance_id.is_none())
        .unwrap();
    sim.move_character(ch.character_id, target.corporation_id);
    let moved = sim.character(ch.character_id).unwrap();
    assert_eq!(
        (moved.corporation_id, moved.alliance_id),
        (target.corporation_id, None)
    );
    let alliance = sim.alliances()[0].alliance_id;
    sim.move_corporation(target.corporation_id, Some(alliance));
    let rows: Vec<Value> = http()
        .post(sim.esi_base_url().join("characters/affiliation").unwrap())
        .json(&json!([ch.character_id]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rows[0]["alliance_id"], alliance);
}

#[tokio::test]
async fn the_http_controls_mirror_the_rust_api() {
    let sim = start().await;
    let base = sim.base_url();
    let id = sim.characters()[0].character_id;
    let resp: Value = http()
        .post(
            base.join(&format!("_sim/characters/{id}/transfer"))
                .unwrap(),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resp["owner_hash"], sim.character(id).unwrap().owner_hash);
    let status = http()
        .post(base.join("_sim/controls").unwrap())
        .json(&json!({"downtime": true}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 204);
    assert_eq!(esi_get(&sim, "/status", None).await.status(), 503);
    let log: Vec<Value> = http()
        .get(base.join("_sim/requests").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(log.len(), 1, "control calls are not logged");
    assert_eq!(log[0]["path"], "/status");
}
