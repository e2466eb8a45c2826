//! Rebuilds the store when a migration is added or changed: `sqlx::migrate!` embeds the files
//! when the crate compiles, and Cargo does not otherwise notice a new file in `migrations/`
//! (a stale binary then fails with "change counter 'groups' not found" and the like).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
