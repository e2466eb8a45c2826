//! Contact sync, against the EVE simulator, on both databases: Jumpgate writes the approved
//! standings into every enrolled character's contacts with CCP's batches, only ever touches the
//! contacts it wrote, never loses a personal contact, and writes nothing when nothing changed.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::support::{Browser, TestApp, location};
use jumpgate_app::AppError;
use jumpgate_app::Caller;
use jumpgate_app::jobs::JobError;
use jumpgate_app::standings::StandingsSettings;
use jumpgate_app::standings::sync::{SyncOutcome, SyncReport};
use jumpgate_domain::standings::{CollisionPolicy, Entity, EntityKind, LedgerEntry, Standing};
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_eve::{EsiConfig, EsiError};
use jumpgate_evesim::{ContactType, LoggedRequest, SimContact};
use jumpgate_store::{NewStandingsEntry, SyncStatus};
use std::time::Duration;

/// The id of the org label in every test character.
const LABEL: i64 = 7;

// ----- helpers ---------------------------------------------------------------------------------

pub(crate) struct Member {
    pub(crate) id: i64,
    pub(crate) account: AccountId,
    corporation: i64,
    alliance: Option<i64>,
}

impl Member {
    pub(crate) fn cid(&self) -> CharacterId {
        CharacterId(self.id)
    }
}

/// Logs in with the sync scopes ("Add scopes").
async fn grant_sync_scopes(t: &TestApp, b: &Browser, id: i64) {
    let r = b.get("/sso/login?login=standings.sync").await;
    let authorize = location(&r);
    let callback = t.sim.authorize_for_test(&authorize, id).await.unwrap();
    let r = b.client.get(callback).send().await.unwrap();
    assert!(r.status().is_redirection(), "sync login of {id} failed");
}

/// A member (not superuser, with `standings.request`) whose character `nth` (in the simulated
/// universe, with an alliance) has granted the sync scopes, holds a standing, has the org label
/// in game and is enrolled.
pub(crate) async fn member(t: &TestApp, nth: usize) -> Member {
    let ch = t
        .sim
        .characters()
        .into_iter()
        .filter(|c| c.alliance_id.is_some())
        .nth(nth)
        .unwrap();
    let b = t.browser();
    b.login_ok(ch.character_id).await;
    grant_sync_scopes(t, &b, ch.character_id).await;
    let account = t
        .store
        .character(CharacterId(ch.character_id))
        .await
        .unwrap()
        .unwrap()
        .account;
    t.store.set_superuser(account, false).await.unwrap();
    t.store
        .grant_permission(account, "standings.request")
        .await
        .unwrap();
    stand(t, EntityKind::Character, ch.character_id, 10).await;
    t.sim
        .set_labels(ch.character_id, vec![(LABEL, "Jumpgate".into())]);
    t.store
        .enrol_sync(CharacterId(ch.character_id), account)
        .await
        .unwrap();
    Member {
        id: ch.character_id,
        account,
        corporation: ch.corporation_id,
        alliance: ch.alliance_id,
    }
}

pub(crate) async fn stand(t: &TestApp, kind: EntityKind, id: i64, tenths_of_ten: i16) {
    t.store
        .upsert_standing(&NewStandingsEntry {
            entity: Entity { kind, id },
            name: format!("entity {id}"),
            standing: Standing::from_tenths(tenths_of_ten * 10).unwrap(),
            notes: String::new(),
            source: "admin".into(),
            added_by: None,
        })
        .await
        .unwrap();
}

async fn stand_exact(t: &TestApp, kind: EntityKind, id: i64, standing: &str) {
    t.store
        .upsert_standing(&NewStandingsEntry {
            entity: Entity { kind, id },
            name: format!("entity {id}"),
            standing: Standing::parse(standing).unwrap(),
            notes: String::new(),
            source: "admin".into(),
            added_by: None,
        })
        .await
        .unwrap();
}

/// Simulated characters that are not `m` (nor in its corporation), `n` of them.
pub(crate) fn other_characters(t: &TestApp, m: &Member, n: usize) -> Vec<i64> {
    t.sim
        .characters()
        .into_iter()
        .filter(|c| c.character_id != m.id && c.corporation_id != m.corporation)
        .map(|c| c.character_id)
        .take(n)
        .collect()
}

fn personal(id: i64, standing: f64, labels: Vec<i64>) -> SimContact {
    SimContact {
        contact_id: id,
        contact_type: ContactType::Character,
        standing,
        label_ids: labels,
        is_watched: false,
        is_blocked: false,
    }
}

/// ESI write calls (POST, PUT, DELETE of contacts) since the log was cleared.
fn writes(t: &TestApp) -> Vec<LoggedRequest> {
    t.sim
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path.contains("/contacts"))
        .collect()
}

fn calls(t: &TestApp, method: &str) -> Vec<String> {
    writes(t)
        .into_iter()
        .filter(|r| r.method == method)
        .map(|r| r.query.unwrap_or_default())
        .collect()
}

async fn status(t: &TestApp, m: &Member) -> (SyncStatus, Option<String>) {
    let s = t.store.synced_character(m.cid()).await.unwrap().unwrap();
    (s.status, s.message)
}

pub(crate) fn contact(t: &TestApp, m: &Member, id: i64) -> Option<SimContact> {
    t.sim
        .contacts(m.id)
        .into_iter()
        .find(|c| c.contact_id == id)
}

async fn sync(t: &TestApp, m: &Member) -> SyncReport {
    t.app
        .sync_character(&Caller::system("standings-sync-character"), m.cid())
        .await
        .unwrap()
}

async fn sync_with(t: &TestApp, m: &Member, policy: CollisionPolicy) -> SyncReport {
    let settings = StandingsSettings {
        collision: policy,
        ..StandingsSettings::default()
    };
    t.app
        .sync_character_with(
            &Caller::system("standings-sync-character"),
            m.cid(),
            &settings,
            None,
            None,
        )
        .await
        .unwrap()
}

async fn notifications(t: &TestApp, m: &Member) -> Vec<String> {
    t.store
        .notifications(m.account, false, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.message)
        .collect()
}

// ----- the specs -------------------------------------------------------------------------------

on_both_backends!(
    a_missing_label_writes_nothing_and_says_how_to_create_it,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        t.sim.set_labels(m.id, vec![(3, "Friends".into())]);
        for id in other_characters(&t, &m, 5) {
            stand(&t, EntityKind::Character, id, 5).await;
        }
        t.sim.clear_requests();

        let report = sync(&t, &m).await;

        assert_eq!(report.outcome, SyncOutcome::LabelMissing);
        assert!(writes(&t).is_empty());
        let (s, msg) = status(&t, &m).await;
        assert_eq!(s, SyncStatus::LabelMissing);
        assert!(msg.unwrap().contains("People & Places → Contacts → Labels"));
        assert_eq!(notifications(&t, &m).await.len(), 1);
        // Told once, not at every sync.
        sync(&t, &m).await;
        assert_eq!(notifications(&t, &m).await.len(), 1);
    }
);

on_both_backends!(
    an_empty_character_gets_posts_grouped_by_standing_with_exact_queries,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let others = other_characters(&t, &m, 150);
        for id in &others[..130] {
            stand(&t, EntityKind::Character, *id, 10).await;
        }
        for id in &others[130..] {
            stand_exact(&t, EntityKind::Character, *id, "9.9").await;
        }
        let alliance = t
            .sim
            .alliances()
            .into_iter()
            .find(|a| Some(a.alliance_id) != m.alliance)
            .unwrap()
            .alliance_id;
        stand(&t, EntityKind::Alliance, alliance, -10).await;
        t.sim.clear_requests();

        let report = sync(&t, &m).await;

        assert_eq!(report.outcome, SyncOutcome::Synced);
        assert_eq!(report.added, 151);
        let posts = calls(&t, "POST");
        assert_eq!(
            posts,
            vec![
                "standing=-10&label_ids=7&watched=false".to_owned(),
                "standing=9.9&label_ids=7&watched=false".to_owned(),
                "standing=10&label_ids=7&watched=false".to_owned(),
                "standing=10&label_ids=7&watched=false".to_owned(),
            ]
        );
        assert!(calls(&t, "PUT").is_empty() && calls(&t, "DELETE").is_empty());
        let contacts = t.sim.contacts(m.id);
        assert_eq!(contacts.len(), 151);
        assert!(contacts.iter().all(|c| c.label_ids == vec![LABEL]));
        assert_eq!(
            contact(&t, &m, alliance).unwrap().standing,
            -10.0,
            "the alliance got its standing"
        );
        assert_eq!(t.store.ledger(m.cid()).await.unwrap().len(), 151);
        assert_eq!(status(&t, &m).await.0, SyncStatus::InSync);

        // Second run with nothing changed: no writes at all.
        t.sim.clear_requests();
        let again = sync(&t, &m).await;
        assert_eq!(again.outcome, SyncOutcome::Synced);
        assert!(writes(&t).is_empty(), "{:?}", writes(&t));
        assert_eq!(again.write_calls, 0);
    }
);

on_both_backends!(
    a_standing_removed_from_the_database_is_deleted_20_per_call_and_personal_contacts_stay,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let others = other_characters(&t, &m, 50);
        for id in &others[..45] {
            stand(&t, EntityKind::Character, *id, 5).await;
        }
        // Personal contacts: one plain, one carrying the org label by the player's hand.
        t.sim.set_contacts(
            m.id,
            vec![
                personal(others[45], -3.0, vec![]),
                personal(others[46], 2.0, vec![LABEL]),
            ],
        );
        sync(&t, &m).await;
        assert_eq!(t.sim.contacts(m.id).len(), 47);

        for id in &others[..45] {
            t.store.delete_standing(*id).await.unwrap();
        }
        t.sim.clear_requests();
        let report = sync(&t, &m).await;

        assert_eq!(report.deleted, 45);
        let deletes = calls(&t, "DELETE");
        assert_eq!(deletes.len(), 3);
        for q in &deletes {
            assert!(q.matches("contact_ids=").count() <= 20, "{q}");
        }
        assert!(calls(&t, "POST").is_empty() && calls(&t, "PUT").is_empty());
        let left = t.sim.contacts(m.id);
        assert_eq!(
            left,
            vec![
                personal(others[45], -3.0, vec![]),
                personal(others[46], 2.0, vec![LABEL])
            ]
        );
        assert!(t.store.ledger(m.cid()).await.unwrap().is_empty());
    }
);

on_both_backends!(
    a_changed_value_is_put_for_that_id_only_keeping_watched,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let others = other_characters(&t, &m, 3);
        // Jumpgate wrote these two at +5 before; the player watches the first.
        let mut watched = personal(others[0], 5.0, vec![LABEL]);
        watched.is_watched = true;
        t.sim
            .set_contacts(m.id, vec![watched, personal(others[1], 5.0, vec![LABEL])]);
        let ledger: Vec<LedgerEntry> = others[..2]
            .iter()
            .map(|id| LedgerEntry {
                contact_id: *id,
                standing: Standing::from_tenths(50).unwrap(),
                label_ids: vec![LABEL],
                replaced_personal: None,
            })
            .collect();
        t.store.replace_ledger(m.cid(), &ledger).await.unwrap();
        stand(&t, EntityKind::Character, others[0], 10).await;
        stand(&t, EntityKind::Character, others[1], 5).await;
        t.sim.clear_requests();

        let report = sync(&t, &m).await;

        assert_eq!(report.edited, 1);
        assert_eq!(
            calls(&t, "PUT"),
            vec!["standing=10&label_ids=7&watched=true".to_owned()]
        );
        assert!(calls(&t, "POST").is_empty() && calls(&t, "DELETE").is_empty());
        let c = contact(&t, &m, others[0]).unwrap();
        assert_eq!((c.standing, c.is_watched), (10.0, true));
        assert_eq!(contact(&t, &m, others[1]).unwrap().standing, 5.0);
    }
);

on_both_backends!(
    a_personal_contact_collision_follows_each_policy_and_is_never_lost,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let x = other_characters(&t, &m, 1)[0];
        stand(&t, EntityKind::Character, x, 10).await;
        let mine = personal(x, -5.0, vec![3]);
        t.sim.set_labels(
            m.id,
            vec![(3, "Friends".into()), (LABEL, "Jumpgate".into())],
        );
        t.sim.set_contacts(m.id, vec![mine.clone()]);

        // Skip and report: untouched, and the member is told.
        t.sim.clear_requests();
        let r = sync_with(&t, &m, CollisionPolicy::SkipAndReport).await;
        assert!(writes(&t).is_empty());
        assert_eq!(r.collisions.len(), 1);
        let (s, msg) = status(&t, &m).await;
        assert_eq!(s, SyncStatus::InSync);
        assert!(msg.unwrap().contains(&x.to_string()));
        assert_eq!(t.sim.contacts(m.id), vec![mine.clone()]);

        // Leave personal: untouched, no problem reported.
        let r = sync_with(&t, &m, CollisionPolicy::LeavePersonal).await;
        assert!(writes(&t).is_empty());
        assert_eq!(r.collisions.len(), 1);
        assert_eq!(status(&t, &m).await.1, None);
        assert_eq!(t.sim.contacts(m.id), vec![mine.clone()]);

        // Take over: written with the org value, its own label kept, the personal value kept
        // in the ledger …
        let r = sync_with(&t, &m, CollisionPolicy::TakeOver).await;
        assert_eq!(r.edited, 1);
        assert_eq!(
            calls(&t, "PUT"),
            vec!["standing=10&label_ids=3&label_ids=7&watched=false".to_owned()]
        );
        let c = contact(&t, &m, x).unwrap();
        assert_eq!((c.standing, c.label_ids.clone()), (10.0, vec![3, LABEL]));
        let ledger = t.store.ledger(m.cid()).await.unwrap();
        assert_eq!(ledger[0].replaced_personal, Some(-5.0));

        // … and given back when the standing goes.
        t.store.delete_standing(x).await.unwrap();
        t.sim.clear_requests();
        sync_with(&t, &m, CollisionPolicy::TakeOver).await;
        assert_eq!(
            calls(&t, "PUT"),
            vec!["standing=-5&label_ids=3&watched=false".to_owned()]
        );
        assert!(calls(&t, "DELETE").is_empty());
        assert_eq!(t.sim.contacts(m.id), vec![mine]);
        assert!(t.store.ledger(m.cid()).await.unwrap().is_empty());
    }
);

on_both_backends!(
    the_character_itself_is_never_sent,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let others = other_characters(&t, &m, 2);
        for id in &others {
            stand(&t, EntityKind::Character, *id, 5).await;
        }
        let settings = StandingsSettings {
            exclude_own_organisation: false,
            ..StandingsSettings::default()
        };
        stand(&t, EntityKind::Corporation, m.corporation, 10).await;

        let r = t
            .app
            .sync_character_with(
                &Caller::system("standings-sync-character"),
                m.cid(),
                &settings,
                None,
                None,
            )
            .await
            .unwrap();

        // Its own standing (it holds one to be eligible) is the only one left out.
        assert_eq!(r.added, 3);
        let ledger: Vec<i64> = t
            .store
            .ledger(m.cid())
            .await
            .unwrap()
            .iter()
            .map(|l| l.contact_id)
            .collect();
        assert!(!ledger.contains(&m.id));
        assert!(ledger.contains(&m.corporation));
        assert!(contact(&t, &m, m.id).is_none());

        // With the default settings its corporation is left out as well.
        let t2 = sync(&t, &m).await;
        assert_eq!(t2.deleted, 1);
        assert!(contact(&t, &m, m.corporation).is_none());
    }
);

on_both_backends!(
    more_than_1024_contacts_is_refused_whole_with_the_numbers,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let others = other_characters(&t, &m, 425);
        for id in &others {
            stand(&t, EntityKind::Character, *id, 5).await;
        }
        // 600 personal contacts (ids that are not the organisation's).
        let mine: Vec<SimContact> = (0..600)
            .map(|i| personal(3_000_000_000 + i, 1.0, vec![]))
            .collect();
        t.sim.set_contacts(m.id, mine);
        t.sim.clear_requests();

        let r = sync(&t, &m).await;

        assert_eq!(
            r.outcome,
            SyncOutcome::OverLimit {
                needed: 1025,
                limit: 1024,
                personal: 600
            }
        );
        assert!(writes(&t).is_empty(), "no partial writes");
        let (s, msg) = status(&t, &m).await;
        assert_eq!(s, SyncStatus::ContactListFull);
        let msg = msg.unwrap();
        assert!(msg.contains("1025") && msg.contains("1024"), "{msg}");
        assert!(t.store.ledger(m.cid()).await.unwrap().is_empty());
    }
);

on_both_backends!(
    eve_refusing_an_add_with_520_shows_contact_list_full,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let others = other_characters(&t, &m, 30);
        stand(&t, EntityKind::Character, others[0], 5).await;
        sync(&t, &m).await;
        // The player fills the list in game; ESI still serves the list it cached.
        let mut full: Vec<SimContact> = t.sim.contacts(m.id);
        full.extend((0..1020).map(|i| personal(3_000_000_000 + i, 1.0, vec![])));
        t.sim.set_contacts(m.id, full);
        for id in &others[1..] {
            stand(&t, EntityKind::Character, *id, 5).await;
        }
        t.sim.clear_requests();

        let r = sync(&t, &m).await;

        assert!(
            matches!(r.outcome, SyncOutcome::ContactListFull(_)),
            "{r:?}"
        );
        let (s, msg) = status(&t, &m).await;
        assert_eq!(s, SyncStatus::ContactListFull);
        assert!(msg.unwrap().contains("1024"));
        // What was not added is not in the ledger.
        assert_eq!(t.store.ledger(m.cid()).await.unwrap().len(), 1);
    }
);

on_both_backends!(
    esi_trouble_is_waited_out_or_reported_never_half_written,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        for id in other_characters(&t, &m, 3) {
            stand(&t, EntityKind::Character, id, 5).await;
        }
        let try_sync = || async {
            t.app
                .sync_character(&Caller::system("standings-sync-character"), m.cid())
                .await
                .unwrap_err()
        };
        // A plain 500, which may be the request's own fault: reported, and the job is retried
        // with back-off, spending an attempt.
        t.sim.force_answer("/contacts", 0, 500, 0);
        let e = try_sync().await;
        assert!(
            matches!(e, AppError::Esi(EsiError::Server { status: 500, .. })),
            "{e}"
        );
        let (s, msg) = status(&t, &m).await;
        assert_eq!(s, SyncStatus::Error);
        assert!(msg.unwrap().contains("tried again later"));
        assert!(t.store.ledger(m.cid()).await.unwrap().is_empty());
        assert!(matches!(JobError::from(e), JobError::Retry(_)));

        // Gateway errors on every try: retried by the client, then reported, and the job waits
        // the outage out without spending an attempt.
        let tries = 1 + EsiConfig::new(url::Url::parse("http://esi.invalid/").unwrap(), "tests")
            .max_retries;
        for _ in 0..tries {
            t.sim.force_answer("/contacts", 0, 503, 0);
        }
        let e = try_sync().await;
        assert!(
            matches!(e, AppError::Esi(EsiError::Server { status: 503, .. })),
            "{e}"
        );
        assert_eq!(status(&t, &m).await.0, SyncStatus::Error);
        assert!(t.store.ledger(m.cid()).await.unwrap().is_empty());
        assert!(matches!(JobError::from(e), JobError::PostponeFor { .. }));

        assert_eq!(sync(&t, &m).await.outcome, SyncOutcome::Synced);
        assert_eq!(status(&t, &m).await.0, SyncStatus::InSync);

        // Rate and error limits postpone the job rather than fail the character.
        for e in [
            EsiError::RateLimited {
                retry_after: Duration::from_secs(5),
                group: None,
            },
            EsiError::ErrorLimited { until: t.app.now() },
        ] {
            assert!(matches!(
                JobError::from(AppError::Esi(e)),
                JobError::Postpone { .. } | JobError::PostponeFor { .. }
            ));
        }

        // Downtime: nothing changes, the job waits.
        t.sim.set_downtime(true);
        t.store
            .delete_standing(other_characters(&t, &m, 1)[0])
            .await
            .unwrap();
        let before = t.store.ledger(m.cid()).await.unwrap();
        let e = t
            .app
            .sync_character(&Caller::system("standings-sync-character"), m.cid())
            .await
            .unwrap_err();
        assert!(matches!(JobError::from(e), JobError::Postpone { .. }));
        assert_eq!(status(&t, &m).await.0, SyncStatus::InSync);
        assert_eq!(t.store.ledger(m.cid()).await.unwrap(), before);
    }
);

on_both_backends!(two_triggers_at_once_run_one_sync, |t: TestApp| async move {
    let m = member(&t, 0).await;
    for id in other_characters(&t, &m, 20) {
        stand(&t, EntityKind::Character, id, 5).await;
    }
    t.sim.set_latency(Duration::from_millis(150));
    t.sim.clear_requests();

    let job = Caller::system("standings-sync-character");
    let (a, b) = tokio::join!(
        t.app.sync_character(&job, m.cid()),
        t.app.sync_character(&job, m.cid())
    );

    let outcomes = [a.unwrap().outcome, b.unwrap().outcome];
    assert!(outcomes.contains(&SyncOutcome::Synced), "{outcomes:?}");
    assert!(
        outcomes.contains(&SyncOutcome::AlreadySyncing),
        "{outcomes:?}"
    );
    assert_eq!(calls(&t, "POST").len(), 1);
    assert_eq!(t.sim.contacts(m.id).len(), 20);
});

on_both_backends!(
    without_a_valid_token_the_sync_stops_and_the_member_is_told_once,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        for id in other_characters(&t, &m, 2) {
            stand(&t, EntityKind::Character, id, 5).await;
        }
        // An alt of the same account that never granted the contact scopes.
        let alt = other_characters(&t, &m, 3)[2];
        t.store
            .add_character(
                m.account,
                &jumpgate_store::NewCharacter {
                    id: CharacterId(alt),
                    name: "Alt".into(),
                    owner_hash: "alt-hash".into(),
                    corporation: jumpgate_domain::CorporationId(m.corporation),
                    alliance: m.alliance.map(jumpgate_domain::AllianceId),
                    faction: None,
                },
            )
            .await
            .unwrap();
        stand(&t, EntityKind::Character, alt, 10).await;
        t.store
            .enrol_sync(CharacterId(alt), m.account)
            .await
            .unwrap();
        t.sim.clear_requests();

        let r = t
            .app
            .sync_character(
                &Caller::system("standings-sync-character"),
                CharacterId(alt),
            )
            .await
            .unwrap();

        assert!(matches!(r.outcome, SyncOutcome::TokenInvalid(_)), "{r:?}");
        assert!(t.sim.requests().is_empty(), "nothing is asked of ESI");
        let s = t
            .store
            .synced_character(CharacterId(alt))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.status, SyncStatus::TokenInvalid);
        assert!(
            s.message
                .unwrap()
                .contains("/sso/login?login=standings.sync")
        );
        t.app
            .sync_character(
                &Caller::system("standings-sync-character"),
                CharacterId(alt),
            )
            .await
            .unwrap();
        assert_eq!(notifications(&t, &m).await.len(), 1, "told once");
    }
);

on_both_backends!(
    a_revoked_character_stops_receiving_contacts_and_loses_the_managed_ones,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let others = other_characters(&t, &m, 25);
        for id in &others[..24] {
            stand(&t, EntityKind::Character, *id, 5).await;
        }
        let mine = personal(others[24], 3.0, vec![]);
        t.sim.set_contacts(m.id, vec![mine.clone()]);
        sync(&t, &m).await;
        assert_eq!(t.sim.contacts(m.id).len(), 25);

        // Its standing is revoked.
        t.store.delete_standing(m.id).await.unwrap();
        assert!(
            t.app
                .sync_eligibility(&Caller::cli("tests"), m.cid())
                .await
                .unwrap()
                .is_err()
        );
        t.sim.clear_requests();
        let r = sync(&t, &m).await;

        assert!(matches!(r.outcome, SyncOutcome::NotEligible(_)), "{r:?}");
        assert_eq!(calls(&t, "DELETE").len(), 2);
        assert_eq!(t.sim.contacts(m.id), vec![mine]);
        assert!(t.store.ledger(m.cid()).await.unwrap().is_empty());
        assert_eq!(status(&t, &m).await.0, SyncStatus::NotEligible);
        assert_eq!(notifications(&t, &m).await.len(), 1);

        // A new standing reaches it no more.
        stand(&t, EntityKind::Character, others[24], 10).await;
        t.sim.clear_requests();
        sync(&t, &m).await;
        assert!(writes(&t).is_empty());
    }
);

on_both_backends!(
    losing_the_permission_stops_the_sync_too,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        stand(&t, EntityKind::Character, other_characters(&t, &m, 1)[0], 5).await;
        sync(&t, &m).await;
        t.store
            .revoke_permission(m.account, "standings.request")
            .await
            .unwrap();
        let r = sync(&t, &m).await;
        assert!(matches!(r.outcome, SyncOutcome::NotEligible(_)), "{r:?}");
        assert_eq!(r.deleted, 1);
        assert!(t.sim.contacts(m.id).is_empty());
    }
);

on_both_backends!(
    an_approval_propagates_one_contact_to_every_enrolled_character,
    |t: TestApp| async move {
        let a = member(&t, 0).await;
        let b = member(&t, 40).await;
        let others = other_characters(&t, &a, 60);
        let others: Vec<i64> = others.into_iter().filter(|id| *id != b.id).collect();
        for id in &others[..10] {
            stand(&t, EntityKind::Character, *id, 5).await;
        }
        sync(&t, &a).await;
        sync(&t, &b).await;

        let x = others[20];
        stand(&t, EntityKind::Character, x, 10).await;
        t.sim.clear_requests();
        let summary = t
            .app
            .propagate_entity(&Caller::system("standings-propagate"), x)
            .await
            .unwrap();

        assert_eq!(summary.characters, 2);
        let posts: Vec<LoggedRequest> = writes(&t);
        assert_eq!(posts.len(), 2, "one POST per character: {posts:?}");
        assert!(posts.iter().all(|p| p.method == "POST"));
        assert_eq!(contact(&t, &a, x).unwrap().standing, 10.0);
        assert_eq!(contact(&t, &b, x).unwrap().standing, 10.0);

        // The preview (ledgers only) of removing it.
        let preview = t
            .app
            .preview_change(
                &Caller::cli("tests"),
                Entity::character(CharacterId(x)),
                None,
            )
            .await
            .unwrap();
        assert_eq!((preview.characters, preview.deletes), (2, 2));

        // Revoked: deleted everywhere, nothing else written.
        t.store.delete_standing(x).await.unwrap();
        t.sim.clear_requests();
        t.app
            .propagate_entity(&Caller::system("standings-propagate"), x)
            .await
            .unwrap();
        let deletes = calls(&t, "DELETE");
        assert_eq!(deletes, vec![format!("contact_ids={x}"); 2]);
        assert!(contact(&t, &a, x).is_none() && contact(&t, &b, x).is_none());
    }
);

on_both_backends!(
    members_enrol_sync_now_and_leave_from_their_page_and_admins_see_everyone,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        t.store.leave_sync(m.cid()).await.unwrap();
        let x = other_characters(&t, &m, 1)[0];
        stand(&t, EntityKind::Character, x, 5).await;
        let b = t.browser();
        b.login_ok(m.id).await;

        let (code, page) = b.get_text("/standings/sync").await;
        assert_eq!(code, 200);
        assert!(
            page.contains("not enrolled") && page.contains("Enrol"),
            "{page}"
        );

        let r = b
            .post_form(&format!("/standings/sync/{}/enrol", m.id), &[])
            .await;
        assert_eq!(r.status(), 303);
        assert!(t.store.synced_character(m.cid()).await.unwrap().is_some());
        // Its first sync is queued; a second trigger does not queue another.
        let r = b
            .post_form(&format!("/standings/sync/{}/now", m.id), &[])
            .await;
        assert_eq!(r.status(), 303);
        let (queued, _, busy) = t.app.sync_jobs(&Caller::cli("tests")).await.unwrap();
        assert_eq!(queued, 1);
        assert!(busy.contains(&m.id));
        let (_, page) = b.get_text("/standings/sync").await;
        assert!(page.contains("syncing"), "{page}");

        t.app
            .sync_character(&Caller::system("standings-sync-character"), m.cid())
            .await
            .unwrap();
        assert!(contact(&t, &m, x).is_some());

        // Someone else's character cannot be touched.
        let r = b
            .post_form(&format!("/standings/sync/{x}/leave"), &[])
            .await;
        assert_eq!(r.status(), 403);
        // Admin pages need standings.manage.
        assert_eq!(b.get("/standings/sync/admin").await.status(), 403);
        t.store
            .grant_permission(m.account, "standings.manage")
            .await
            .unwrap();
        let (code, admin) = b.get_text("/standings/sync/admin").await;
        assert_eq!(code, 200);
        assert!(
            admin.contains("hx-get=\"/standings/sync/admin/progress\""),
            "{admin}"
        );
        // A selection is bounded: each check may call ESI.
        let ids: Vec<String> = (0..1_001).map(|n| (m.id + n).to_string()).collect();
        let mut form: Vec<(&str, &str)> = ids.iter().map(|id| ("character", id.as_str())).collect();
        form.push(("action", "sync"));
        let r = b.post_form("/standings/sync/admin/selected", &form).await;
        assert_eq!(r.status(), 400);
        let body = r.text().await.unwrap();
        assert!(body.contains("at most 1000 characters"), "{body}");
        let r = b
            .post_form(
                "/standings/sync/admin/selected",
                &[("character", &m.id.to_string()), ("action", "validate")],
            )
            .await;
        assert_eq!(r.status(), 303);

        // Leaving removes what Jumpgate wrote.
        let r = b
            .post_form(&format!("/standings/sync/{}/leave", m.id), &[])
            .await;
        assert_eq!(r.status(), 303);
        assert!(contact(&t, &m, x).is_none());
        assert!(t.store.synced_character(m.cid()).await.unwrap().is_none());
    }
);

/// Lets the cached contact list of `m` expire, as five minutes would: Jumpgate's copy and ESI's.
async fn expire_cached_contacts(t: &TestApp, m: &Member) {
    t.sim.expire_esi_cache();
    expire_jumpgates_copy(t, m, true).await;
}

/// Lets only Jumpgate's copy of `m`'s contact list expire, so the next read asks ESI while ESI
/// still serves its cached answer (as when Jumpgate's clock runs ahead of CCP's). Without
/// `validator` the copy also loses its ETag: ESI then answers 200 with its cached list.
async fn expire_jumpgates_copy(t: &TestApp, m: &Member, validator: bool) {
    let key = format!("GET /characters/{0}/contacts?page=1 as:{0}", m.id);
    let mut entry = t.store.cache_get(&key).await.unwrap().unwrap();
    entry.expires_at = Some(t.app.now() - time::Duration::seconds(1));
    if !validator {
        entry.etag = None;
    }
    t.store.cache_put(&key, &entry).await.unwrap();
}

/// How ESI answered the reads of `m`'s contact list since the log was cleared.
fn contact_reads(t: &TestApp, m: &Member) -> Vec<u16> {
    let path = format!("/characters/{}/contacts", m.id);
    t.sim
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.trim_end_matches('/') == path)
        .map(|r| r.status)
        .collect()
}

on_both_backends!(
    esi_serves_the_list_from_before_a_sync_until_it_expires_and_the_next_sync_writes_nothing_twice,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let [x, y] = other_characters(&t, &m, 2)[..] else {
            panic!("two other characters")
        };
        stand(&t, EntityKind::Character, x, 5).await;
        let first = sync(&t, &m).await;
        assert_eq!((first.added, first.deleted), (1, 0), "{first:?}");

        // ESI keeps answering the list it cached before that write, even when asked (once with
        // Jumpgate's ETag: 304; once without: 200 with the old list). Each time the sync lays
        // its own writes over it and writes nothing again.
        for validator in [true, false] {
            expire_jumpgates_copy(&t, &m, validator).await;
            t.sim.clear_requests();
            let again = sync(&t, &m).await;
            assert_eq!(
                contact_reads(&t, &m),
                vec![if validator { 304 } else { 200 }],
                "ESI was asked and served its cached list"
            );
            assert!(!again.wrote(), "validator {validator}: {again:?}");
            assert_eq!(status(&t, &m).await, (SyncStatus::InSync, None));
        }

        // A change in between is written once, over the same stale list.
        stand(&t, EntityKind::Character, y, -5).await;
        t.sim.clear_requests();
        let change = sync(&t, &m).await;
        assert_eq!((change.added, change.deleted), (1, 0), "{change:?}");
        expire_jumpgates_copy(&t, &m, false).await;
        assert!(!sync(&t, &m).await.wrote());

        // Once ESI's answer expires, its list agrees with what was written: nothing to do.
        expire_cached_contacts(&t, &m).await;
        t.sim.clear_requests();
        let after = sync(&t, &m).await;
        assert_eq!(contact_reads(&t, &m), vec![200], "a new answer");
        assert!(!after.wrote(), "{after:?}");
        assert_eq!(calls(&t, "POST").len(), 0);
        let mut in_game: Vec<i64> = t.sim.contacts(m.id).iter().map(|c| c.contact_id).collect();
        in_game.sort_unstable();
        let mut expected = vec![x, y];
        expected.sort_unstable();
        assert_eq!(in_game, expected);
        assert_eq!(status(&t, &m).await, (SyncStatus::InSync, None));
    }
);

on_both_backends!(
    enrolling_again_right_after_leaving_writes_the_contacts_again,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        let x = other_characters(&t, &m, 1)[0];
        stand(&t, EntityKind::Character, x, 5).await;
        sync(&t, &m).await;
        // Later: the list read when leaving shows the contact Jumpgate wrote …
        expire_cached_contacts(&t, &m).await;
        let owner = t.app.caller(m.account).await.unwrap().unwrap();
        t.app.leave_sync_of(&owner, m.cid()).await.unwrap();
        assert!(contact(&t, &m, x).is_none());

        // … and ESI serves that list for minutes after the clean-up deleted it. Enrolling again
        // at once must not take the deleted contact for a personal one.
        t.app.enrol_in_sync(&owner, m.cid()).await.unwrap();
        let r = sync(&t, &m).await;

        assert!(r.collisions.is_empty(), "{r:?}");
        assert_eq!(r.added, 1);
        assert!(contact(&t, &m, x).is_some());
        assert_eq!(status(&t, &m).await, (SyncStatus::InSync, None));
    }
);

on_both_backends!(
    approvals_and_reconciles_queue_deduplicated_jobs,
    |t: TestApp| async move {
        let a = member(&t, 0).await;
        let b = member(&t, 40).await;
        let caller = Caller::cli("tests");
        t.app.queue_propagation(&caller, 123).await.unwrap();
        t.app.queue_propagation(&caller, 123).await.unwrap();
        t.app.queue_reconcile_all(&caller).await.unwrap();
        t.app.queue_reconcile_all(&caller).await.unwrap();
        let jobs = t
            .store
            .jobs(Some(jumpgate_store::JobStatus::Queued), 100)
            .await
            .unwrap();
        let kinds: Vec<(String, Option<String>)> =
            jobs.into_iter().map(|j| (j.kind, j.dedupe_key)).collect();
        assert_eq!(
            kinds
                .iter()
                .filter(|(k, _)| k == "standings-propagate")
                .count(),
            1
        );
        for m in [&a, &b] {
            assert_eq!(
                kinds
                    .iter()
                    .filter(|(_, d)| d.as_deref() == Some(&format!("standings-sync:{}", m.id)))
                    .count(),
                1
            );
        }
        let progress = t.app.sync_progress(&Caller::cli("tests")).await.unwrap();
        assert_eq!(progress.queued, 3);
        assert!(!progress.done());
    }
);

// ----- ESI's limits, produced by the simulator ------------------------------------------------

/// 250 standings for `m` in three POST batches (100 at +5, 100 at −5, 50 at +10).
async fn three_batches(t: &TestApp, m: &Member) {
    let others = other_characters(t, m, 250);
    assert_eq!(others.len(), 250);
    for (i, id) in others.iter().enumerate() {
        let v = match i {
            0..100 => 5,
            100..200 => -5,
            _ => 10,
        };
        stand(t, EntityKind::Character, *id, v).await;
    }
}

fn answered(t: &TestApp, status: u16) -> usize {
    t.sim
        .requests()
        .iter()
        .filter(|r| r.status == status)
        .count()
}

/// The ledger names exactly the contacts that are in game: nothing half-written.
async fn ledger_matches_game(t: &TestApp, m: &Member) -> usize {
    let ledger: Vec<i64> = t
        .store
        .ledger(m.cid())
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.contact_id)
        .collect();
    let mut game: Vec<i64> = t.sim.contacts(m.id).iter().map(|c| c.contact_id).collect();
    game.sort_unstable();
    assert_eq!(ledger, game, "the ledger is what ESI really did");
    ledger.len()
}

on_both_backends!(
    a_sync_whose_token_cannot_be_refreshed_in_an_sso_outage_waits_it_out_without_spending_an_attempt,
    |t: TestApp| async move {
        use jumpgate_evesim::sso::SsoFault;
        use jumpgate_store::JobStatus;

        let m = member(&t, 0).await;
        stand(&t, EntityKind::Character, other_characters(&t, &m, 1)[0], 5).await;
        t.expire_access_tokens().await;
        t.sim.clear_requests();
        let sync_job = || {
            t.run_job(
                jumpgate_app::standings::sync::SYNC_CHARACTER,
                serde_json::json!({ "character_id": m.id }),
            )
        };
        let waits = |job: &jumpgate_store::Job| {
            assert_eq!(job.status, JobStatus::Queued, "{job:?}");
            assert_eq!(job.attempts, 0, "an outage is not held against the job: {job:?}");
            let error = job.last_error.as_deref().unwrap_or_default();
            assert!(error.contains("cannot be refreshed now"), "{job:?}");
            Duration::try_from(job.run_at - t.app.now()).unwrap_or_default()
        };

        // The SSO answers 503 without saying for how long: the job comes back in about a
        // minute.
        t.sim.set_sso_fault(Some(SsoFault::Unavailable));
        let job = sync_job().await.expect("the job is kept");
        let wait = waits(&job);
        assert!(
            (40..=80).contains(&wait.as_secs()),
            "about a minute: {wait:?}"
        );

        // A 429 with Retry-After: the job comes back when the SSO asked (refreshing is paused
        // on every instance until then).
        t.sim.set_sso_fault(Some(SsoFault::TooManyRequests {
            retry_after_secs: 600,
        }));
        let job = sync_job().await.expect("the job is kept");
        let wait = waits(&job);
        assert!(
            (590..=600).contains(&wait.as_secs()),
            "the SSO's Retry-After: {wait:?}"
        );

        // Nothing was lost or judged meanwhile, and nothing was written without a token.
        let token = t
            .store
            .token(m.cid(), "standings.sync")
            .await
            .unwrap()
            .expect("the token is kept");
        assert_eq!(token.status, jumpgate_domain::account::TokenStatus::Valid);
        assert!(writes(&t).is_empty());
    }
);

on_both_backends!(
    a_small_bucket_is_never_overrun_the_sync_waits_for_its_tokens,
    |t: TestApp| async move {
        use jumpgate_store::JobStatus;

        let m = member(&t, 0).await;
        three_batches(&t, &m).await;
        // A bucket of 10 tokens: labels (2), contacts (2) and one POST (2) leave 4, less than
        // an error would cost.
        t.sim.set_bucket_max("char-social", Some(10));
        t.sim.clear_requests();
        let postponed = t
            .run_job(
                jumpgate_app::standings::sync::SYNC_CHARACTER,
                serde_json::json!({ "character_id": m.id }),
            )
            .await
            .expect("the job is kept");

        assert_eq!(answered(&t, 429), 0, "the client never earns a 429");
        assert_eq!(
            calls(&t, "POST").len(),
            1,
            "it stopped before the bucket ran dry"
        );
        assert_eq!(postponed.status, JobStatus::Queued, "{postponed:?}");
        assert_eq!(postponed.attempts, 0, "waiting is not held against the job");
        assert!(
            postponed.run_at > t.app.now() + Duration::from_secs(10 * 60),
            "until the spent tokens flow back: {postponed:?}"
        );
        assert!(
            postponed
                .last_error
                .as_deref()
                .unwrap()
                .contains("rate limited"),
            "{postponed:?}"
        );
        let written = ledger_matches_game(&t, &m).await;
        assert!((50..=100).contains(&written), "one batch: {written}");
        assert_ne!(status(&t, &m).await.0, SyncStatus::Error);

        // Once the tokens are back (a fresh process here, as 15 minutes would), it completes
        // without writing the first batch again.
        t.sim.set_bucket_max("char-social", None);
        let later = jumpgate::wiring::build_app(&t.settings, t.store.clone())
            .await
            .unwrap();
        let r = later
            .sync_character(&Caller::system("standings-sync-character"), m.cid())
            .await
            .unwrap();
        assert_eq!(r.outcome, SyncOutcome::Synced, "{r:?}");
        assert_eq!(calls(&t, "POST").len(), 3);
        assert_eq!(ledger_matches_game(&t, &m).await, 250);
        assert_eq!(answered(&t, 429), 0);
    }
);

on_both_backends!(
    a_429_mid_sync_postpones_it_and_the_next_run_completes,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        three_batches(&t, &m).await;
        t.sim.clear_requests();
        // Labels, contacts and the first POST pass; the second POST meets the game server's
        // own limiter (a 429 no bucket header announced), with Retry-After: 2.
        t.sim.force_answer("/contacts", 3, 429, 2);

        let e = t
            .app
            .sync_character(&Caller::system("standings-sync-character"), m.cid())
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Esi(EsiError::RateLimited { .. })),
            "{e}"
        );
        assert!(matches!(JobError::from(e), JobError::PostponeFor { .. }));
        assert_eq!(answered(&t, 429), 1);
        let written = ledger_matches_game(&t, &m).await;
        assert!((50..=100).contains(&written), "one batch: {written}");
        assert_ne!(status(&t, &m).await.0, SyncStatus::Error);

        // Retry-After is honoured: nothing is sent to that bucket before it passes.
        let sent = t.sim.requests().len();
        let e = t
            .app
            .sync_character(&Caller::system("standings-sync-character"), m.cid())
            .await
            .unwrap_err();
        assert!(matches!(JobError::from(e), JobError::PostponeFor { .. }));
        assert_eq!(t.sim.requests().len(), sent, "nothing sent while blocked");

        tokio::time::sleep(Duration::from_millis(2100)).await;
        let r = sync(&t, &m).await;
        assert_eq!(r.outcome, SyncOutcome::Synced, "{r:?}");
        assert_eq!(ledger_matches_game(&t, &m).await, 250);
        assert_eq!(
            calls(&t, "POST").len(),
            4,
            "the first batch is not written twice"
        );
        assert_eq!(status(&t, &m).await.0, SyncStatus::InSync);
    }
);

on_both_backends!(
    a_420_mid_sync_pauses_esi_and_the_next_run_completes,
    |t: TestApp| async move {
        let m = member(&t, 0).await;
        three_batches(&t, &m).await;
        t.sim.clear_requests();
        t.sim.force_answer("/contacts", 3, 420, 2);

        let e = t
            .app
            .sync_character(&Caller::system("standings-sync-character"), m.cid())
            .await
            .unwrap_err();
        assert!(
            matches!(e, AppError::Esi(EsiError::ErrorLimited { .. })),
            "{e}"
        );
        assert!(matches!(JobError::from(e), JobError::Postpone { .. }));
        assert_eq!(answered(&t, 420), 1);
        let written = ledger_matches_game(&t, &m).await;
        assert!((50..=100).contains(&written), "one batch: {written}");
        assert_ne!(status(&t, &m).await.0, SyncStatus::Error);

        // Every route waits for the reset, not only the one that met the 420.
        let sent = t.sim.requests().len();
        let e = t
            .app
            .sync_character(&Caller::system("standings-sync-character"), m.cid())
            .await
            .unwrap_err();
        assert!(matches!(JobError::from(e), JobError::Postpone { .. }));
        assert_eq!(
            t.sim.requests().len(),
            sent,
            "nothing sent during the pause"
        );

        tokio::time::sleep(Duration::from_millis(2100)).await;
        let r = sync(&t, &m).await;
        assert_eq!(r.outcome, SyncOutcome::Synced, "{r:?}");
        assert_eq!(ledger_matches_game(&t, &m).await, 250);
        assert_eq!(
            calls(&t, "POST").len(),
            4,
            "the first batch is not written twice"
        );
        assert_eq!(answered(&t, 420), 1);
    }
);

/// Character `95_000_000 + i`, "Pilot {i:03}", on an account of its own, enrolled in sync.
async fn enrolled_pilot(t: &TestApp, i: i64) -> CharacterId {
    let id = CharacterId(95_000_000 + i);
    let (account, _) = t
        .store
        .create_account(&jumpgate_store::NewCharacter {
            id,
            name: format!("Pilot {i:03}"),
            owner_hash: format!("owner-{i}"),
            corporation: jumpgate_domain::CorporationId(98_000_001),
            alliance: None,
            faction: None,
        })
        .await
        .unwrap();
    t.store.enrol_sync(id, account.id).await.unwrap();
    id
}

on_both_backends!(
    the_admin_list_shows_enrolled_characters_by_name_a_page_at_a_time_and_by_status,
    |t: TestApp| async move {
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        for i in 0..250_i64 {
            let id = enrolled_pilot(&t, i).await;
            if i % 100 == 7 {
                t.store
                    .set_sync_status(id, SyncStatus::TokenInvalid, Some("log in again"), false)
                    .await
                    .unwrap();
            }
        }
        let rows = |page: &str| page.matches("name=\"character\" value=").count();

        let (status, first) = admin.get_text("/standings/sync/admin").await;
        assert_eq!(status, 200);
        assert_eq!(rows(&first), 200);
        assert!(first.contains("1–200 of 250"), "{first}");
        assert!(first.contains("Pilot 000"), "names, joined in the query");
        let (_, second) = admin.get_text("/standings/sync/admin?page=2").await;
        assert_eq!(rows(&second), 50);
        assert!(second.contains("Pilot 249"));

        let (_, failing) = admin
            .get_text("/standings/sync/admin?status=token_invalid")
            .await;
        assert_eq!(rows(&failing), 3, "Pilot 007, 107, 207");
        assert!(failing.contains("Pilot 107") && failing.contains("log in again"));

        let (status, page) = admin.get_text("/standings/sync/admin?status=bogus").await;
        assert_eq!(status, 400);
        assert!(page.contains("not a sync status"), "{page}");
    }
);

on_both_backends!(
    the_admin_list_shows_what_another_instance_changed_on_the_next_view,
    |t: TestApp| async move {
        let admin = t.browser();
        admin.login_ok(t.sim.characters()[0].character_id).await;
        let first = enrolled_pilot(&t, 1).await;
        let (_, page) = admin.get_text("/standings/sync/admin").await;
        assert!(page.contains("Pilot 001") && !page.contains("log in again"));

        // Each written straight into the database, as another instance's worker would.
        t.store
            .set_sync_status(first, SyncStatus::TokenInvalid, Some("log in again"), false)
            .await
            .unwrap();
        let (_, page) = admin
            .get_text("/standings/sync/admin?status=token_invalid")
            .await;
        assert!(page.contains("log in again"), "its new status: {page}");
        t.store
            .update_character_identity(first, "Pilot One", "owner-1")
            .await
            .unwrap();
        enrolled_pilot(&t, 2).await;
        let (_, page) = admin.get_text("/standings/sync/admin").await;
        assert!(page.contains("Pilot One"), "its new name: {page}");
        assert!(page.contains("Pilot 002"), "the new enrolment: {page}");
        t.store.leave_sync(first).await.unwrap();
        let (_, page) = admin.get_text("/standings/sync/admin").await;
        assert!(!page.contains("Pilot One"), "gone once it left: {page}");
    }
);
