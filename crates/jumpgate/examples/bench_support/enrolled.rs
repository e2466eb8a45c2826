//! Characters enrolled in contact sync, seeded as their logins would have left them, and the
//! standings database they receive: for the contact-sync benchmark, the outage soak and its
//! black-box test (which includes this file with `#[path]`, so it names only the crates).

use anyhow::{Context, ensure};
use jumpgate_app::App;
use jumpgate_app::standings::{SYNC_LOGIN, StandingsSettings};
use jumpgate_app::tokens::secrets::token_aad;
use jumpgate_domain::standings::{Entity, EntityKind, Standing};
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId};
use jumpgate_evesim::{EveSim, SimCharacter};
use jumpgate_store::{NewCharacter, NewStandingsEntry, NewToken, Store};
use secrecy::SecretString;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Who is enrolled, what the standings database holds, and characters of the universe in
/// neither (for approvers, and for standings added later).
pub struct Enrolled {
    pub characters: Vec<SimCharacter>,
    pub entries: Vec<NewStandingsEntry>,
    pub spare: Vec<SimCharacter>,
}

impl Enrolled {
    /// The first `n` characters (by id) are enrolled. The entries: every alliance and every
    /// independent corporation with enrolled members at +10 (members are eligible because
    /// their alliance or corporation holds a standing), then characters outside sync, so that
    /// the database holds 40 % +10, 25 % +5, 15 % −5 and 20 % −10 (a coalition's blues and
    /// reds; 0 is never written into contacts, so no entry has it).
    pub fn pick(sim: &EveSim, n: usize, m: usize) -> anyhow::Result<Enrolled> {
        let mut all: Vec<SimCharacter> = sim
            .characters()
            .into_iter()
            .filter(|c| !c.biomassed)
            .collect();
        all.sort_by_key(|c| c.character_id);
        ensure!(all.len() > n + 2, "the simulated universe is too small");
        let rest = all.split_off(n);
        let characters = all;
        let member_corps: BTreeSet<i64> = characters.iter().map(|c| c.corporation_id).collect();
        let mut entries = Vec::new();
        for a in sim.alliances() {
            entries.push(entry(EntityKind::Alliance, a.alliance_id, 100));
        }
        for c in sim.corporations() {
            if c.alliance_id.is_none() && member_corps.contains(&c.corporation_id) {
                entries.push(entry(EntityKind::Corporation, c.corporation_id, 100));
            }
        }
        ensure!(
            entries.len() <= m,
            "--standings must be at least {} (the members' alliances and corporations)",
            entries.len()
        );
        let shares = [(100, 40), (50, 25), (-50, 15), (-100, 20)];
        let mut wanted: Vec<(i16, usize)> =
            shares.iter().map(|(v, pct)| (*v, m * pct / 100)).collect();
        let assigned: usize = wanted.iter().map(|(_, c)| c).sum();
        wanted[0].1 += m - assigned;
        wanted[0].1 = wanted[0].1.saturating_sub(entries.len());
        let mut others = rest.into_iter();
        for (tenths, count) in wanted {
            for _ in 0..count {
                let c = others
                    .next()
                    .context("not enough characters for --standings")?;
                entries.push(entry(EntityKind::Character, c.character_id, tenths));
            }
        }
        Ok(Enrolled {
            characters,
            entries,
            spare: others.collect(),
        })
    }

    /// What `c` must hold: every entry but itself, its corporation and its alliance
    /// (`exclude_own_organisation`, the default).
    pub fn desired(&self, c: &SimCharacter) -> Vec<&NewStandingsEntry> {
        self.entries
            .iter()
            .filter(|e| {
                e.entity.id != c.character_id
                    && e.entity.id != c.corporation_id
                    && Some(e.entity.id) != c.alliance_id
            })
            .collect()
    }

    /// Characters whose in-game contacts are not exactly what they must hold, with what they
    /// hold and what they should (of those in `sample`: every `sample`th character).
    pub fn out_of_sync(&self, sim: &EveSim, sample: usize) -> Vec<(i64, usize, usize)> {
        let mut wrong = Vec::new();
        for c in self.characters.iter().step_by(sample.max(1)) {
            let want: BTreeMap<i64, f64> = self
                .desired(c)
                .into_iter()
                .map(|e| (e.entity.id, e.standing.value()))
                .collect();
            let have: BTreeMap<i64, f64> = sim
                .contacts(c.character_id)
                .into_iter()
                .map(|x| (x.contact_id, x.standing))
                .collect();
            if want != have {
                wrong.push((c.character_id, have.len(), want.len()));
            }
        }
        wrong
    }

    /// Seeds the standings database, one account per EVE account (as logins would make
    /// them) with `standings.request`, the characters, contact tokens of the application
    /// `client_id` whose access tokens have expired (the first sync refreshes each, as a
    /// periodic round does), and enrolment.
    pub async fn seed(
        &self,
        app: &App,
        store: &Arc<Store>,
        sim: &EveSim,
        client_id: &str,
    ) -> anyhow::Result<()> {
        store.import_standings(&self.entries).await?;
        let mut by_owner: BTreeMap<String, Vec<SimCharacter>> = BTreeMap::new();
        for c in &self.characters {
            by_owner
                .entry(c.owner_hash.clone())
                .or_default()
                .push(c.clone());
        }
        let groups: Vec<Vec<SimCharacter>> = by_owner.into_values().collect();
        let mut tasks = tokio::task::JoinSet::new();
        for chunk in groups.chunks(groups.len().div_ceil(8).max(1)) {
            let chunk = chunk.to_vec();
            let (app, store, sim) = (app.clone(), store.clone(), sim.clone());
            let client_id = client_id.to_owned();
            tasks.spawn(async move {
                for group in chunk {
                    let mut account: Option<AccountId> = None;
                    for c in &group {
                        let acc = match account {
                            None => {
                                let (a, _) = store.create_account(&new_character(c)).await?;
                                store.grant_permission(a.id, "standings.request").await?;
                                a.id
                            }
                            Some(a) => {
                                store.add_character(a, &new_character(c)).await?;
                                a
                            }
                        };
                        account = Some(acc);
                        seed_contact_token(&app, &store, &sim, &client_id, c).await?;
                        store.enrol_sync(CharacterId(c.character_id), acc).await?;
                    }
                }
                anyhow::Ok(())
            });
        }
        while let Some(r) = tasks.join_next().await {
            r??;
        }
        Ok(())
    }
}

/// A standings entry as an import leaves it.
fn entry(kind: EntityKind, id: i64, tenths: i16) -> NewStandingsEntry {
    NewStandingsEntry {
        entity: Entity { kind, id },
        name: format!("entity {id}"),
        standing: Standing::from_tenths(tenths).unwrap_or(Standing::MAX),
        notes: String::new(),
        source: "import".into(),
        added_by: None,
    }
}

/// A character of the simulated universe as Jumpgate stores it after a login.
pub fn new_character(c: &SimCharacter) -> NewCharacter {
    NewCharacter {
        id: CharacterId(c.character_id),
        name: c.name.clone(),
        owner_hash: c.owner_hash.clone(),
        corporation: CorporationId(c.corporation_id),
        alliance: c.alliance_id.map(AllianceId),
        faction: None,
    }
}

/// The contact-sync token a `standings.sync` login of `c` would have stored, its access token
/// already expired.
async fn seed_contact_token(
    app: &App,
    store: &Store,
    sim: &EveSim,
    client_id: &str,
    c: &SimCharacter,
) -> anyhow::Result<()> {
    let scopes = StandingsSettings::contact_scopes();
    let scope_list: Vec<&str> = scopes.iter().collect();
    let refresh = sim.refresh_token_for_test(client_id, c.character_id, &scope_list)?;
    let (access, refresh) = {
        let keys = jumpgate_app::testing::keys(app).read().await;
        let aad = |kind| token_aad(c.character_id, SYNC_LOGIN, kind);
        (
            keys.seal_str(&SecretString::from("expired"), &aad("access"))?,
            keys.seal_str(&SecretString::from(refresh), &aad("refresh"))?,
        )
    };
    store
        .upsert_token(&NewToken {
            character: CharacterId(c.character_id),
            login: SYNC_LOGIN.to_owned(),
            access_token: access,
            refresh_token: Some(refresh),
            expires_at: app.now() - time::Duration::minutes(1),
            scopes: scopes.to_space_separated(),
            owner_hash: c.owner_hash.clone(),
        })
        .await?;
    Ok(())
}
