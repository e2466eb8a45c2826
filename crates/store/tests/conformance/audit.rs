//! The audit log: a keyed hash chain that never forks, reads back exactly, and exposes
//! tampering; entries from before the chain was keyed keep verifying.

use crate::support::*;
use jumpgate_domain::audit::{
    Actor, AuditEntry, ChainBreak, GENESIS_HASH, HashVersion, NewAuditEntry, plain_entry_hash,
    verify_chain,
};
use jumpgate_store::testing::{TEST_AUDIT_KEY, TestStore};
use jumpgate_store::{AuditFilter, Backend, Store, store_test};
use serde_json::json;
use sqlx::Connection;

fn entry(actor: Actor, action: &str, target: &str, details: serde_json::Value) -> NewAuditEntry {
    NewAuditEntry {
        actor,
        action: action.to_owned(),
        target: target.to_owned(),
        details,
    }
}

async fn whole_log(store: &Store) -> Vec<AuditEntry> {
    store.audit_after(0, 10_000).await.expect("read the log")
}

store_test!(
    appended_entries_form_a_chain_that_reads_back_exactly,
    |store| async move {
        let mut written = Vec::new();
        for i in 0..25 {
            let details = json!({
                "z": i, "a": [1.5, -0.0, 1e20, "ünïcødé ✓"], "m": {"y": null, "b": true},
                "big": u64::MAX, "neg": i64::MIN,
            });
            let e = entry(
                Actor::Account(i),
                "character.added",
                &format!("character:{i}"),
                details,
            );
            written.push(store.append_audit(&e).await.unwrap());
        }
        assert_eq!(written[0].prev_hash, GENESIS_HASH);
        assert_eq!(
            written.iter().map(|e| e.id).collect::<Vec<_>>(),
            (1..=25).collect::<Vec<_>>()
        );
        assert!(
            written.iter().all(|e| e.hash_version == HashVersion::Keyed),
            "every entry is keyed"
        );

        let read = whole_log(&store).await;
        assert_eq!(read, written);
        let checked = verify_chain(store.audit_key(), &read).unwrap();
        assert_eq!(checked.head, Some((25, written[24].hash.clone())));
        assert_eq!(checked.keyed_from, Some(1));
        assert_eq!(store.audit_after(20, 100).await.unwrap(), written[20..]);
        assert_eq!(store.audit_after(0, 3).await.unwrap().len(), 3);
    }
);

// A sweep's many entries appended in one transaction (in chunks of 1,000 on PostgreSQL) link
// into the same chain as single appends made meanwhile, and commit with the transaction or not
// at all.
store_test!(
    many_entries_appended_in_a_transaction_join_the_chain_whole_or_not_at_all,
    |store| async move {
        let many: Vec<NewAuditEntry> = (0..2_500)
            .map(|n| {
                entry(
                    Actor::System("sweep".into()),
                    "group.member_added",
                    "account:1",
                    json!({"n": n}),
                )
            })
            .collect();
        store
            .append_audit(&entry(
                Actor::Cli("first".into()),
                "x.before",
                "x",
                json!({}),
            ))
            .await
            .unwrap();
        let mut tx = store.transaction().await.unwrap();
        tx.append_audit_many(&many[..10]).await.unwrap();
        drop(tx); // rolled back: nothing of it stays
        assert_eq!(whole_log(&store).await.len(), 1);

        let mut tx = store.transaction().await.unwrap();
        tx.append_audit_many(&many).await.unwrap();
        tx.commit().await.unwrap();
        store
            .append_audit(&entry(Actor::Cli("last".into()), "x.after", "x", json!({})))
            .await
            .unwrap();
        let log = whole_log(&store).await;
        assert_eq!(log.len(), 2_502);
        assert_eq!(
            log.iter().map(|e| e.id).collect::<Vec<_>>(),
            (1..=2_502).collect::<Vec<_>>()
        );
        assert_eq!(log[1].details, json!({"n": 0}));
        assert_eq!(log[2_500].details, json!({"n": 2_499}));
        verify_chain(&TEST_AUDIT_KEY, &log).unwrap();
    }
);

store_test!(
    twenty_concurrent_appenders_never_fork_the_chain,
    |store| async move {
        let mut writers = tokio::task::JoinSet::new();
        for w in 0..20 {
            let store = store.clone();
            writers.spawn(async move {
                for n in 0..3 {
                    let e = entry(
                        Actor::System(format!("worker-{w}")),
                        "job.ran",
                        "job:x",
                        json!({"n": n}),
                    );
                    store.append_audit(&e).await.unwrap();
                }
            });
        }
        writers.join_all().await;
        let log = whole_log(&store).await;
        assert_eq!(log.len(), 60);
        assert_eq!(
            log.iter().map(|e| e.id).collect::<Vec<_>>(),
            (1..=60).collect::<Vec<_>>()
        );
        verify_chain(&TEST_AUDIT_KEY, &log).unwrap();
    }
);

store_test!(
    filters_select_by_actor_action_prefix_target_time_and_page,
    |store| async move {
        let a = store
            .append_audit(&entry(
                Actor::Account(1),
                "character.added",
                "character:1",
                json!({}),
            ))
            .await
            .unwrap();
        let b = store
            .append_audit(&entry(
                Actor::Account(2),
                "character.removed",
                "character:2",
                json!({}),
            ))
            .await
            .unwrap();
        let c = store
            .append_audit(&entry(
                Actor::Cli("grant".into()),
                "account.superuser",
                "account:1",
                json!({}),
            ))
            .await
            .unwrap();
        let ids = |v: Vec<AuditEntry>| v.into_iter().map(|e| e.id).collect::<Vec<_>>();
        let all = AuditFilter {
            limit: 100,
            ..Default::default()
        };

        assert_eq!(
            ids(store.audit_entries(&all).await.unwrap()),
            [c.id, b.id, a.id]
        );
        let f = AuditFilter {
            actor: Some("account:2".into()),
            ..all.clone()
        };
        assert_eq!(ids(store.audit_entries(&f).await.unwrap()), [b.id]);
        let f = AuditFilter {
            action_prefix: Some("character.".into()),
            ..all.clone()
        };
        assert_eq!(ids(store.audit_entries(&f).await.unwrap()), [b.id, a.id]);
        // A prefix is literal text, not a pattern, and case matters.
        let f = AuditFilter {
            action_prefix: Some("CHARACTER".into()),
            ..all.clone()
        };
        assert!(store.audit_entries(&f).await.unwrap().is_empty());
        let f = AuditFilter {
            action_prefix: Some("%".into()),
            ..all.clone()
        };
        assert!(store.audit_entries(&f).await.unwrap().is_empty());
        let f = AuditFilter {
            target: Some("account:1".into()),
            ..all.clone()
        };
        assert_eq!(ids(store.audit_entries(&f).await.unwrap()), [c.id]);
        let f = AuditFilter {
            since: Some(b.at),
            until: Some(b.at),
            ..all.clone()
        };
        assert!(ids(store.audit_entries(&f).await.unwrap()).contains(&b.id));
        let f = AuditFilter {
            since: Some(c.at + secs(1)),
            ..all.clone()
        };
        assert!(store.audit_entries(&f).await.unwrap().is_empty());
        let f = AuditFilter {
            until: Some(a.at - secs(1)),
            ..all.clone()
        };
        assert!(store.audit_entries(&f).await.unwrap().is_empty());
        let f = AuditFilter {
            limit: 1,
            ..all.clone()
        };
        assert_eq!(ids(store.audit_entries(&f).await.unwrap()), [c.id]);
        // The next page, newest first: entries older than the last one shown.
        let f = AuditFilter {
            before: Some(c.id),
            ..all.clone()
        };
        assert_eq!(ids(store.audit_entries(&f).await.unwrap()), [b.id, a.id]);
        let f = AuditFilter {
            before: Some(a.id),
            ..all.clone()
        };
        assert!(store.audit_entries(&f).await.unwrap().is_empty());
    }
);

store_test!(
    editing_a_row_behind_the_stores_back_is_detected,
    |t: TestStore| async move {
        let store = t.store.clone();
        for i in 0..5 {
            store
                .append_audit(&entry(
                    Actor::Account(i),
                    "account.state_changed",
                    "account:1",
                    json!({"to": "Member"}),
                ))
                .await
                .unwrap();
        }
        verify_chain(store.audit_key(), &whole_log(&store).await).unwrap();

        let tamper = "UPDATE audit_log SET target = 'account:2' WHERE id = 3";
        behind_the_back(t, tamper, tamper, &[]).await;
        assert_eq!(
            verify_chain(store.audit_key(), &whole_log(&store).await),
            Err(ChainBreak::Edited { id: 3 })
        );
    }
);

/// Several instances on one PostgreSQL database (SQLite has one process by design): each
/// appends from its own pool while the others do, and the chain stays one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_appending_at_once_never_fork_the_chain() {
    let t = jumpgate_store::testing::fresh_postgres().await;
    // This instance knows the head after its first append; the others move it on.
    t.store
        .append_audit(&entry(Actor::Account(1), "before", "x", json!({})))
        .await
        .unwrap();
    let mut writers = tokio::task::JoinSet::new();
    for instance in 0..3 {
        let store = jumpgate_store::connect(&t.url, &Default::default(), TEST_AUDIT_KEY)
            .await
            .unwrap();
        for w in 0..5 {
            let store = store.clone();
            writers.spawn(async move {
                for n in 0..6 {
                    let e = entry(
                        Actor::System(format!("instance-{instance}-worker-{w}")),
                        "job.ran",
                        "job:x",
                        json!({"n": n}),
                    );
                    store.append_audit(&e).await.unwrap();
                }
            });
        }
    }
    writers.join_all().await;
    // Its head is 89 entries old: the append finds its place taken and reads the head again.
    t.store
        .append_audit(&entry(Actor::Account(1), "after", "x", json!({})))
        .await
        .unwrap();
    let log = whole_log(&t.store).await;
    assert_eq!(
        log.iter().map(|e| e.id).collect::<Vec<_>>(),
        (1..=92).collect::<Vec<_>>()
    );
    verify_chain(&TEST_AUDIT_KEY, &log).unwrap();
    t.close().await;
}

/// Runs a statement on the store's database behind its back, as someone with write access to
/// the database would. Arguments are text; the statement casts them.
async fn behind_the_back(t: &TestStore, sqlite: &str, postgres: &str, args: &[String]) {
    match t.backend() {
        Backend::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&t.url)
                .await
                .expect("connect behind the store's back");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sqlite.to_owned()));
            for a in args {
                q = q.bind(a.clone());
            }
            q.execute(&mut conn).await.expect("the statement runs");
        }
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&t.url)
                .await
                .expect("connect behind the store's back");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(postgres.to_owned()));
            for a in args {
                q = q.bind(a.clone());
            }
            q.execute(&mut conn).await.expect("the statement runs");
        }
    }
}

/// Writes `n` entries as Jumpgate did before the chain was keyed: plain SHA-256 hashes, and an
/// insert that does not name `hash_version` (the migration marks such rows as plain).
async fn write_entries_from_before_keying(t: &TestStore, n: i64) {
    let mut last = None;
    for i in 1..=n {
        let mut e = jumpgate_domain::audit::seal(
            &TEST_AUDIT_KEY,
            last.take(),
            &entry(
                Actor::Account(i),
                "character.added",
                "account:1",
                json!({"n": i}),
            ),
            now(),
        );
        e.hash = plain_entry_hash(&e);
        let args = [
            e.id.to_string(),
            (e.at.unix_timestamp_nanos() / 1_000).to_string(),
            e.actor.to_text(),
            e.action.clone(),
            e.target.clone(),
            e.details.to_string(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        behind_the_back(
            t,
            "INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash)
             VALUES (CAST($1 AS INTEGER), CAST($2 AS INTEGER), $3, $4, $5, $6, $7, $8)",
            "INSERT INTO audit_log (id, at, actor, action, target, details, prev_hash, hash)
             VALUES (CAST($1 AS BIGINT), to_timestamp(CAST($2 AS BIGINT) / 1e6), $3, $4, $5,
                     CAST($6 AS JSON), $7, $8)",
            &args,
        )
        .await;
        last = Some((e.id, e.hash));
    }
}

/// Overwrites a stored entry's target, links and hash as given.
async fn overwrite(t: &TestStore, e: &AuditEntry) {
    let args = [
        e.target.clone(),
        e.prev_hash.clone(),
        e.hash.clone(),
        e.hash_version.code().to_string(),
        e.id.to_string(),
    ];
    behind_the_back(
        t,
        "UPDATE audit_log SET target = $1, prev_hash = $2, hash = $3,
             hash_version = CAST($4 AS INTEGER) WHERE id = CAST($5 AS INTEGER)",
        "UPDATE audit_log SET target = $1, prev_hash = $2, hash = $3,
             hash_version = CAST($4 AS INTEGER) WHERE id = CAST($5 AS BIGINT)",
        &args,
    )
    .await;
}

store_test!(
    entries_from_before_the_chain_was_keyed_verify_and_keyed_ones_follow_them,
    |t: TestStore| async move {
        write_entries_from_before_keying(t, 3).await;
        for i in 0..2 {
            t.store
                .append_audit(&entry(Actor::Account(i), "after.keying", "x", json!({})))
                .await
                .unwrap();
        }
        let log = whole_log(&t.store).await;
        assert_eq!(
            log.iter().map(|e| e.hash_version).collect::<Vec<_>>(),
            [
                HashVersion::Plain,
                HashVersion::Plain,
                HashVersion::Plain,
                HashVersion::Keyed,
                HashVersion::Keyed
            ]
        );
        assert_eq!(
            log[3].prev_hash, log[2].hash,
            "the keyed part continues the chain"
        );
        let checked = verify_chain(t.store.audit_key(), &log).unwrap();
        assert_eq!((checked.entries, checked.plain), (5, 3));
        assert_eq!(checked.keyed_from, Some(4));
    }
);

store_test!(
    a_keyed_entry_rewritten_in_the_unkeyed_form_is_caught,
    |t: TestStore| async move {
        write_entries_from_before_keying(t, 2).await;
        for i in 0..3 {
            t.store
                .append_audit(&entry(
                    Actor::Account(i),
                    "permission.granted",
                    "x",
                    json!({}),
                ))
                .await
                .unwrap();
        }
        // Entry 4 edited, then it and every later one re-hashed the way the old entries are:
        // no key needed, and the column says "from before keying".
        let mut log = whole_log(&t.store).await;
        log[3].target = "account:42".into();
        for i in 3..log.len() {
            log[i].prev_hash = log[i - 1].hash.clone();
            log[i].hash_version = HashVersion::Plain;
            log[i].hash = plain_entry_hash(&log[i]);
            overwrite(t, &log[i]).await;
        }
        assert_eq!(whole_log(&t.store).await, log, "the rewrite is stored");
        assert_eq!(
            verify_chain(t.store.audit_key(), &log),
            Err(ChainBreak::Downgraded { id: 4 })
        );
    }
);

store_test!(
    the_names_an_audit_page_refers_to_are_read_together_and_unknown_ids_are_left_out,
    |store| async move {
        use jumpgate_domain::standings::{Entity, EntityKind, Standing};
        use jumpgate_domain::{AccountId, CharacterId};
        use jumpgate_store::{AuditNameIds, AuditNameRows, NewStandingsEntry};
        let (with_main, _) = store
            .create_account(&character(1, "Main One"))
            .await
            .unwrap();
        store
            .add_character(with_main.id, &character(2, "Alt Two"))
            .await
            .unwrap();
        let (emptied, _) = store.create_account(&character(3, "Gone")).await.unwrap();
        store
            .remove_character(
                CharacterId(3),
                jumpgate_domain::account::RemovalReason::Biomassed,
                None,
            )
            .await
            .unwrap();
        store
            .upsert_standing(&NewStandingsEntry {
                entity: Entity {
                    kind: EntityKind::Alliance,
                    id: 99_000_050,
                },
                name: "Friends".to_owned(),
                standing: Standing::new(5.0).unwrap(),
                notes: String::new(),
                source: "admin".to_owned(),
                added_by: None,
            })
            .await
            .unwrap();

        assert_eq!(
            store.audit_names(&AuditNameIds::default()).await.unwrap(),
            AuditNameRows::default(),
            "nothing asked, nothing read"
        );
        let mut found = store
            .audit_names(&AuditNameIds {
                accounts: vec![with_main.id, emptied.id, AccountId(999)],
                characters: vec![CharacterId(2), CharacterId(3)],
                entities: vec![99_000_050, 99_000_051],
                states: true,
            })
            .await
            .unwrap();
        found.accounts.sort_by_key(|(id, _)| *id);
        assert_eq!(
            found.accounts,
            [
                (
                    with_main.id,
                    Some((CharacterId(1), "Main One".to_owned(), with_main.id))
                ),
                (emptied.id, None),
            ]
        );
        assert_eq!(
            found.characters,
            [(CharacterId(2), "Alt Two".to_owned(), with_main.id)]
        );
        assert_eq!(
            found.entities,
            [(99_000_050, "alliance".to_owned(), "Friends".to_owned())]
        );
        let mut states: Vec<_> = found.states.into_iter().map(|(_, name)| name).collect();
        states.sort();
        let mut all: Vec<_> = store
            .states()
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.name)
            .collect();
        all.sort();
        assert_eq!(states, all, "every state when any is named");
    }
);
