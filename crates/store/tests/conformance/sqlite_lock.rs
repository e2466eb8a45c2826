//! One process per SQLite file: a second one is refused with the holder's pid, in-memory
//! databases need no lock, and the lock goes away with the store.

use jumpgate_store::{ConnectOptions, StoreError, connect, testing};
use std::process::Command;

const CHILD_URL: &str = "JUMPGATE_LOCK_TEST_URL";
const CHILD_PARENT: &str = "JUMPGATE_LOCK_TEST_PARENT";

#[tokio::test]
async fn a_second_process_is_refused_with_the_holders_pid() {
    if let (Ok(url), Ok(parent)) = (std::env::var(CHILD_URL), std::env::var(CHILD_PARENT)) {
        return second_process(&url, &parent).await;
    }
    let t = testing::fresh_sqlite().await;
    // Re-run this test binary as the second process, running only this test (named by its path
    // in the binary, without the crate), which sees the variables and plays the second process.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let this = format!("{module}::a_second_process_is_refused_with_the_holders_pid");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", this.as_str(), "--nocapture", "--test-threads=1"])
        .env(CHILD_URL, &t.url)
        .env(CHILD_PARENT, std::process::id().to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("CHILD-WAS-REFUSED"),
        "child did not run:\n{stdout}"
    );
    // The refused attempt did not disturb the holder.
    t.store.kv_set("still", "works").await.unwrap();
}

/// The second process's half of the test above (not a test of its own: it runs only in the
/// process that test starts).
#[allow(clippy::print_stdout)] // stdout is how the child tells the parent it really ran
async fn second_process(url: &str, parent: &str) {
    match connect(url, &ConnectOptions::default(), testing::TEST_AUDIT_KEY).await {
        Err(StoreError::Locked { path, holder }) => {
            assert_eq!(holder, parent);
            assert!(url.ends_with(&path), "{path} vs {url}");
            let message = StoreError::Locked { path, holder }.to_string();
            assert!(message.contains("PostgreSQL"), "{message}");
            println!("CHILD-WAS-REFUSED");
        }
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("a second process opened a locked SQLite database"),
    }
}

#[tokio::test]
async fn a_second_store_in_the_same_process_is_refused_too() {
    let t = testing::fresh_sqlite().await;
    match connect(&t.url, &ConnectOptions::default(), testing::TEST_AUDIT_KEY).await {
        Err(StoreError::Locked { holder, .. }) => {
            assert_eq!(holder, std::process::id().to_string())
        }
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("opened twice"),
    }
}

#[tokio::test]
async fn the_lock_is_released_with_the_store_and_data_persists() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("nested/dir/j.db").display());
    let first = connect(&url, &ConnectOptions::default(), testing::TEST_AUDIT_KEY)
        .await
        .unwrap();
    first.kv_set("k", "v").await.unwrap();
    drop(first);
    let second = connect(&url, &ConnectOptions::default(), testing::TEST_AUDIT_KEY)
        .await
        .unwrap();
    assert_eq!(second.kv_get("k").await.unwrap().as_deref(), Some("v"));
}

#[tokio::test]
async fn in_memory_databases_need_no_lock() {
    let a = connect(
        "sqlite::memory:",
        &ConnectOptions::default(),
        testing::TEST_AUDIT_KEY,
    )
    .await
    .unwrap();
    let b = connect(
        "sqlite::memory:",
        &ConnectOptions::default(),
        testing::TEST_AUDIT_KEY,
    )
    .await
    .unwrap();
    a.kv_set("k", "a").await.unwrap();
    assert_eq!(
        b.kv_get("k").await.unwrap(),
        None,
        "each in-memory store is its own"
    );
    a.create_account(&jumpgate_store::NewCharacter {
        id: jumpgate_domain::CharacterId(1),
        name: "Mem".into(),
        owner_hash: "h".into(),
        corporation: jumpgate_domain::CorporationId(1),
        alliance: None,
        faction: None,
    })
    .await
    .unwrap();
    assert_eq!(a.count_accounts().await.unwrap(), 1);
    assert_eq!(a.states().await.unwrap().len(), 3);
}
