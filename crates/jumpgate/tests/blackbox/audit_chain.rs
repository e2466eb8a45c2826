//! The audit log's tamper evidence as an operator meets it (ADR 0016): `jumpgate audit verify`
//! and the periodic `verify-audit` job check the keyed chain, compare it with the anchor the last
//! check left outside the database, and anchor it anew. Someone with write access to the
//! database edits, deletes, cuts off and re-hashes entries here, on both backends.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use crate::cli::{Ran, configured_on, open, run, sqlite_url};
use crate::support::{Backend, TestApp};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use jumpgate_app::Caller;
use jumpgate_app::jobs::periodic;
use jumpgate_domain::audit::{
    Actor, AuditEntry, ChainKey, HashVersion, NewAuditEntry, keyed_entry_hash, plain_entry_hash,
};
use jumpgate_store::Store;
use jumpgate_store::testing::{TEST_AUDIT_KEY, fresh_postgres};
use secrecy::SecretString;
use sqlx::{AssertSqlSafe, Connection};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A scenario (`async fn <name>(url: &str)`) run by the `jumpgate` binary on a fresh database
/// that holds `entries` audit entries, on each backend: `<name>::sqlite`, `<name>::postgres`.
macro_rules! scenario_on_both_backends {
    ($scenario:ident, entries: $n:expr) => {
        mod $scenario {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let url = sqlite_url(dir.path());
                let store = open(&url).await;
                write_audit_entries(store.as_ref(), $n).await;
                // The SQLite store holds the database's lock file until its last handle is gone.
                drop(store);
                super::$scenario(&url).await;
            }

            #[tokio::test]
            async fn postgres() {
                let db = fresh_postgres().await;
                write_audit_entries(db.store.as_ref(), $n).await;
                super::$scenario(&db.url).await;
                db.close().await;
            }
        }
    };
}

async fn write_audit_entries(store: &Store, n: usize) {
    for i in 0..n {
        store
            .append_audit(&NewAuditEntry {
                actor: Actor::System("cli-test".into()),
                action: "test.entry".into(),
                target: format!("test:{i}"),
                details: serde_json::json!({"n": i}),
            })
            .await
            .unwrap();
    }
}

/// The database reached directly with SQL, not through Jumpgate: as someone with access to the
/// database would tamper with it.
enum Direct {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Direct {
    async fn connect(url: &str) -> Self {
        if url.starts_with("sqlite:") {
            Self::Sqlite(sqlx::SqliteConnection::connect(url).await.unwrap())
        } else {
            Self::Postgres(sqlx::PgConnection::connect(url).await.unwrap())
        }
    }

    /// Runs `statement`, binding `args` to `$1`, `$2` …
    async fn execute(&mut self, statement: &str, args: &[&str]) {
        match self {
            Self::Sqlite(db) => {
                let mut q = sqlx::query(AssertSqlSafe(statement.to_owned()));
                for a in args {
                    q = q.bind((*a).to_owned());
                }
                q.execute(db).await.unwrap();
            }
            Self::Postgres(db) => {
                let mut q = sqlx::query(AssertSqlSafe(statement.to_owned()));
                for a in args {
                    q = q.bind((*a).to_owned());
                }
                q.execute(db).await.unwrap();
            }
        }
    }

    /// The details of an audit entry exactly as stored.
    async fn audit_details(&mut self, id: i64) -> String {
        match self {
            Self::Sqlite(db) => sqlx::query_scalar("SELECT details FROM audit_log WHERE id = $1")
                .bind(id)
                .fetch_one(db)
                .await
                .unwrap(),
            Self::Postgres(db) => {
                sqlx::query_scalar("SELECT details::text FROM audit_log WHERE id = $1")
                    .bind(id)
                    .fetch_one(db)
                    .await
                    .unwrap()
            }
        }
    }

    /// Sets the details of an audit entry to `json`, exactly as given.
    async fn set_audit_details(&mut self, id: i64, json: &str) {
        let statement = match self {
            Self::Sqlite(_) => "UPDATE audit_log SET details = $1 WHERE id = CAST($2 AS INTEGER)",
            Self::Postgres(_) => "UPDATE audit_log SET details = $1::json WHERE id = $2::bigint",
        };
        self.execute(statement, &[json, &id.to_string()]).await;
    }

    async fn close(self) {
        match self {
            Self::Sqlite(db) => db.close().await.unwrap(),
            Self::Postgres(db) => db.close().await.unwrap(),
        }
    }
}

/// Checks that `audit verify` passes on five entries, then edits and deletes entries behind
/// Jumpgate's back and checks it names them.
async fn audit_verify_names_the_edited_or_deleted_entry(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let verify = || run(configured_on(dir.path(), url), &["audit", "verify"]);
    let ran = verify().await;
    ran.assert_success();
    assert!(ran.output().contains("intact"), "{}", ran.output());

    let mut db = Direct::connect(url).await;
    let original = db.audit_details(2).await;
    db.set_audit_details(2, r#"{"n": 99}"#).await;
    verify()
        .await
        .assert_failure_saying(&["audit entry 2 was edited"]);

    // Put back exactly what was there: the chain holds again, so it was the edit that broke it.
    db.set_audit_details(2, &original).await;
    verify().await.assert_success();

    db.execute("DELETE FROM audit_log WHERE id = 3", &[]).await;
    db.close().await;
    verify()
        .await
        .assert_failure_saying(&["broken before entry 4", "deleted"]);
}

scenario_on_both_backends!(audit_verify_names_the_edited_or_deleted_entry, entries: 5);

/// The whole log, read through Jumpgate's store (dropped again at once: a SQLite store holds
/// the database's lock, and the command under test needs it).
async fn read_log(url: &str) -> Vec<AuditEntry> {
    let store = open(url).await;
    store.audit_after(0, 10_000).await.unwrap()
}

impl Direct {
    /// Overwrites a stored entry's target, links, hash and hash version as given.
    async fn overwrite(&mut self, e: &AuditEntry) {
        self.execute(
            "UPDATE audit_log SET target = $1, prev_hash = $2, hash = $3,
                 hash_version = CAST($4 AS INTEGER) WHERE id = CAST($5 AS BIGINT)",
            &[
                &e.target,
                &e.prev_hash,
                &e.hash,
                &e.hash_version.code().to_string(),
                &e.id.to_string(),
            ],
        )
        .await;
    }
}

/// How a forger re-hashes an entry (and sets its hash version).
type Rehash = Box<dyn Fn(&mut AuditEntry)>;

/// `log` with every entry from index `from` on re-linked and re-hashed by `rehash`, as someone
/// who rewrote the chain from there would.
fn rehashed(log: &[AuditEntry], from: usize, rehash: impl Fn(&mut AuditEntry)) -> Vec<AuditEntry> {
    let mut forged = log.to_vec();
    for i in from..forged.len() {
        if i > 0 {
            forged[i].prev_hash = forged[i - 1].hash.clone();
        }
        rehash(&mut forged[i]);
    }
    forged
}

fn anchor_in(data_dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(data_dir.join("audit-anchor.json")).unwrap())
        .unwrap()
}

#[track_caller]
fn assert_says(ran: &Ran, expected: &[&str]) {
    ran.assert_success();
    let output = ran.output();
    for text in expected {
        assert!(output.contains(text), "'{text}' missing from:\n{output}");
    }
}

/// An installation from before the chain was keyed (its first two entries plain) is checked and
/// anchored; then the database loses its tail, and entries written after the cut take the lost
/// ids with other hashes: each check names the anchor and when it was written.
async fn a_cut_off_tail_is_found_by_the_anchor(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let verify = || run(configured_on(dir.path(), url), &["audit", "verify"]);
    let anchor_file = dir.path().join("audit-anchor.json");
    let before_keying = rehashed(&read_log(url).await, 0, |e| {
        if e.id <= 2 {
            e.hash_version = HashVersion::Plain;
            e.hash = plain_entry_hash(e);
        } else {
            e.hash = keyed_entry_hash(&TEST_AUDIT_KEY, e);
        }
    });
    let mut db = Direct::connect(url).await;
    for e in &before_keying {
        db.overwrite(e).await;
    }

    assert_says(
        &verify().await,
        &[
            "the audit log is intact: 5 entries checked (up to entry 5)",
            "2 of them from before the chain was keyed, keyed from entry 3 on",
            "there was no anchor in",
            "anchored entry 5 in",
            &anchor_file.display().to_string(),
        ],
    );
    let anchor = anchor_in(dir.path());
    assert_eq!(anchor["last_id"], 5);
    assert_eq!(
        anchor["last_hash"].as_str(),
        Some(before_keying[4].hash.as_str())
    );
    assert_eq!(anchor["keyed_from"], 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&anchor_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only Jumpgate's user reads the anchor");
    }
    let anchored_at = anchor["at"].as_str().unwrap().to_owned();

    // The check's own record is entry 6. Cut the log back to entry 3.
    db.execute("DELETE FROM audit_log WHERE id > 3", &[]).await;
    db.close().await;
    verify().await.assert_failure_saying(&[
        &format!("the audit log was truncated or rewritten since {anchored_at}"),
        &format!("the anchor {} recorded entry 5", anchor_file.display()),
        "entry 5, which the anchor recorded, is gone: the log now ends at entry 3",
    ]);
    assert_eq!(
        anchor_in(dir.path()),
        anchor,
        "a failed check keeps the anchor"
    );

    let store = open(url).await;
    write_audit_entries(store.as_ref(), 4).await;
    drop(store);
    verify().await.assert_failure_saying(&[
        &format!("truncated or rewritten since {anchored_at}"),
        "entry 5, which the anchor recorded, now has another hash",
    ]);
}

scenario_on_both_backends!(a_cut_off_tail_is_found_by_the_anchor, entries: 5);

/// Entry 3 of an anchored log is edited and every later entry re-hashed: with plain SHA-256 (as
/// keyed, and as from before keying), with a key of the forger's own, and with the audit key
/// itself (stolen). Each rewrite is named at entry 3, or by the anchor when the key was known.
async fn a_rehashed_rewrite_is_named_at_its_first_entry(url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let verify = || run(configured_on(dir.path(), url), &["audit", "verify"]);
    assert_says(
        &verify().await,
        &["6 entries checked", "all keyed", "anchored entry 6"],
    );
    let anchored_at = anchor_in(dir.path())["at"].as_str().unwrap().to_owned();
    let log = read_log(url).await;
    assert_eq!(log.len(), 7, "six entries and the check's own record");

    let forger_key = ChainKey::from_bytes([9; ChainKey::LEN]);
    let forgeries: [(&str, Rehash, Vec<String>); 4] = [
        (
            "plain SHA-256",
            Box::new(|e| e.hash = plain_entry_hash(e)),
            vec!["audit entry 3 was edited after it was written".into()],
        ),
        (
            "plain SHA-256, marked as from before keying",
            Box::new(|e| {
                e.hash_version = HashVersion::Plain;
                e.hash = plain_entry_hash(e);
            }),
            vec!["audit entry 3 has an unkeyed hash where the chain is keyed".into()],
        ),
        (
            "the forger's own key",
            Box::new(move |e| e.hash = keyed_entry_hash(&forger_key, e)),
            vec!["audit entry 3 was edited after it was written".into()],
        ),
        (
            "the audit key itself",
            Box::new(|e| e.hash = keyed_entry_hash(&TEST_AUDIT_KEY, e)),
            vec![
                format!("truncated or rewritten since {anchored_at}"),
                "entry 6, which the anchor recorded, now has another hash".into(),
            ],
        ),
    ];
    for (how, rehash, expected) in forgeries {
        let mut edited = log.clone();
        edited[2].target = "account:42".into();
        let forged = rehashed(&edited, 2, rehash);
        let mut db = Direct::connect(url).await;
        for e in &forged[2..] {
            db.overwrite(e).await;
        }
        db.close().await;
        let ran = verify().await;
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        assert!(
            !ran.status.success(),
            "re-hashed with {how}: passed\n{}",
            ran.output()
        );
        ran.assert_failure_saying(&expected);

        // Put back what was there (and drop the failed check's record, which links to the
        // forgery): the chain holds again, so it was the forgery that broke it.
        let mut db = Direct::connect(url).await;
        for e in &log[2..] {
            db.overwrite(e).await;
        }
        db.execute("DELETE FROM audit_log WHERE id > 7", &[]).await;
        db.close().await;
    }
    assert_says(&verify().await, &["the anchor of", "(entry 6) still holds"]);
}

scenario_on_both_backends!(a_rehashed_rewrite_is_named_at_its_first_entry, entries: 6);

// ----- the periodic job ----------------------------------------------------------------------

/// Runs the `verify-audit` job once, as the scheduler would queue it: `None` if it passed.
async fn run_verify_audit_job(t: &TestApp) -> Option<jumpgate_store::Job> {
    t.run_job(periodic::VERIFY_AUDIT, serde_json::Value::Null)
        .await
}

on_both_backends!(
    the_periodic_job_anchors_the_chain_and_fails_once_its_tail_is_cut,
    |t: TestApp| async move {
        write_audit_entries(&t.store, 4).await;
        assert!(run_verify_audit_job(&t).await.is_none(), "the check passed");
        let anchor = anchor_in(&t.settings.data_dir);
        assert_eq!(anchor["last_id"], 4);
        assert_eq!(anchor["count"], 4);
        let log = t.store.audit_after(0, 100).await.unwrap();
        assert_eq!(anchor["last_hash"].as_str(), Some(log[3].hash.as_str()));
        assert_eq!(log[4].action, "audit.verified");
        assert_eq!(log[4].details["anchored"], 4);

        let mut db = Direct::connect(&t.db.url).await;
        db.execute("DELETE FROM audit_log WHERE id > 2", &[]).await;
        db.close().await;
        let failed = run_verify_audit_job(&t).await.expect("the check fails");
        let error = failed.last_error.unwrap_or_default();
        assert!(
            error.contains("truncated or rewritten since")
                && error.contains("recorded entry 4")
                && error.contains("is gone"),
            "{error}"
        );
        assert_eq!(anchor_in(&t.settings.data_dir), anchor, "the anchor stays");
        let broken = t
            .store
            .audit_entries(&jumpgate_store::AuditFilter {
                action_prefix: Some("audit.chain_broken".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(broken.len(), 1, "the break is recorded in the log itself");
    }
);

// ----- the anchor webhook --------------------------------------------------------------------

/// What the test webhook was sent, and the status it answers with.
#[derive(Clone, Default)]
struct Webhook {
    received: Arc<Mutex<Vec<serde_json::Value>>>,
    answer: Arc<Mutex<Option<StatusCode>>>,
}

/// A webhook on this machine, with a token in its URL as real ones often have.
async fn webhook() -> (String, Webhook) {
    let hook = Webhook::default();
    let app =
        axum::Router::new()
            .route(
                "/anchor",
                post(
                    |State(hook): State<Webhook>,
                     axum::Json(body): axum::Json<serde_json::Value>| async move {
                        hook.received.lock().unwrap().push(body);
                        hook.answer
                            .lock()
                            .unwrap()
                            .unwrap_or(StatusCode::NO_CONTENT)
                    },
                ),
            )
            .with_state(hook.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/anchor?token=webhook-token-Jx8Qe",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, hook)
}

async fn each_check_also_sends_its_anchor_to_the_webhook(backend: Backend) {
    let (url, hook) = webhook().await;
    let t = TestApp::spawn_with(backend, |s| {
        s.audit.anchor_webhook = Some(SecretString::from(url.clone()));
    })
    .await;
    write_audit_entries(&t.store, 3).await;
    let check = || async {
        t.app
            .verify_audit_log(&Caller::system("verify-audit"))
            .await
            .expect("the chain is intact, whatever the webhook says")
            .to_string()
    };

    let report = check().await;
    assert!(
        report.contains("the anchor was sent to http://127.0.0.1"),
        "{report}"
    );
    let anchor = anchor_in(&t.settings.data_dir);
    let received = hook.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["kind"], "jumpgate.audit_anchor");
    for field in ["last_id", "last_hash", "count", "keyed_from", "at"] {
        assert_eq!(received[0][field], anchor[field], "{field}");
    }

    // A webhook that refuses: reported, and the check and the anchor file go on regardless.
    *hook.answer.lock().unwrap() = Some(StatusCode::BAD_GATEWAY);
    let report = check().await;
    assert!(
        report.contains("the anchor could NOT be sent to http://127.0.0.1")
            && report.contains("502"),
        "{report}"
    );
    assert!(
        !report.contains("webhook-token"),
        "the URL's token is never shown: {report}"
    );
    assert_eq!(
        anchor_in(&t.settings.data_dir)["last_id"],
        4,
        "anchored past the first check's record"
    );
    assert_eq!(hook.received.lock().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_also_sends_its_anchor_to_the_webhook_on_sqlite() {
    each_check_also_sends_its_anchor_to_the_webhook(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_also_sends_its_anchor_to_the_webhook_on_postgres() {
    each_check_also_sends_its_anchor_to_the_webhook(Backend::Postgres).await;
}
