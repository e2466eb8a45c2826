//! The commits made to a SQLite database, counted as they begin and as they become visible.
//!
//! SQLite calls a commit hook on the committing connection as a commit begins (before readers can
//! see it) and a write-ahead-log hook "after the commit has taken place and the associated
//! write-lock on the database released" (ADR 0034). A commit is counted as *begun* by the first
//! and *settled* by the second; while the two counts differ, a commit is on its way and no read
//! may be kept. When they are equal before a read and the begun count is unchanged after it,
//! nothing was committed in between: what the read saw holds until the begun count moves.
//!
//! Only a transaction that changed rows (SQLite's update hook) is counted as it begins; the WAL
//! hook counts again as it settles (see `follow`).
//!
//! The WAL hook is not called for every commit when it happens: a statement that commits as it
//! is reset rather than stepped to its end (sqlx's `fetch_one` of an `INSERT … RETURNING`) has its
//! hook called only when the connection next finishes a statement. Counting the commits as they
//! begin keeps that safe: until then the counts differ, and nothing is kept. sqlx wraps the commit
//! hook; the WAL hook is set through SQLite's C.
//!
//! Setting a WAL hook replaces SQLite's own, which is what `wal_autocheckpoint` sets: the hook does
//! that job too, with the writer's threshold (see `checkpoint`).

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;
use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicU64, Ordering};

/// A connection checkpoints by itself, as SQLite's default hook does, once the WAL holds this
/// many pages (64 MiB): only when the background checkpointer has stalled (`checkpoint`).
const CHECKPOINT_AT_PAGES: c_int = 16_384;

/// One database's counts, shared by the hooks of all of its connections.
#[derive(Debug, Default)]
struct Counts {
    /// Commits begun (the commit hook).
    begun: AtomicU64,
    /// The highest begun commit known to be visible (the WAL hook): commits are begun and made
    /// visible in one order, as SQLite lets one connection write at a time.
    settled: AtomicU64,
}

thread_local! {
    /// The number of the last commit the connection on this thread began. sqlx runs each SQLite
    /// connection on a thread of its own, and its hooks run there.
    static LAST_BEGUN: Cell<u64> = const { Cell::new(0) };
    /// Whether the transaction under way on this thread's connection changed a row.
    static CHANGED_ROWS: Cell<bool> = const { Cell::new(false) };
}

/// One database's commit counts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Commits(&'static Counts);

impl Commits {
    /// Counts for a database being opened. They are never freed (16 bytes per database opened):
    /// a connection's hook may still run while its pool closes it, after the store is gone.
    pub(crate) fn new() -> Self {
        Self(Box::leak(Box::default()))
    }

    /// How many commits have begun.
    pub(crate) fn begun(self) -> u64 {
        self.0.begun.load(Ordering::SeqCst)
    }

    /// How many commits have begun, if every one of them is visible now; `None` while one is on
    /// its way.
    pub(crate) fn settled(self) -> Option<u64> {
        let settled = self.0.settled.load(Ordering::SeqCst);
        let begun = self.begun();
        (settled == begun).then_some(begun)
    }

    /// Counts every commit of `connection` (locked out of its worker thread by sqlx while this
    /// runs) from now on.
    ///
    /// A commit is counted as begun only when its transaction changed a row (SQLite's update
    /// hook): a write transaction that changed nothing (the job worker's `BEGIN IMMEDIATE` that
    /// found no job due, every poll) writes no page, so SQLite never calls the WAL hook for it,
    /// and counted it would stay on its way for good. What the update hook does not see (schema
    /// changes, the truncate optimisation's `DELETE` of a whole table) is counted by the WAL hook
    /// itself, as it settles: late, but before anything is kept again.
    pub(crate) fn follow(self, connection: &mut LockedSqliteHandle<'_>) {
        let counts = self.0;
        connection.set_update_hook(|_| CHANGED_ROWS.set(true));
        connection.set_rollback_hook(|| CHANGED_ROWS.set(false));
        connection.set_commit_hook(move || {
            if CHANGED_ROWS.replace(false) {
                LAST_BEGUN.set(counts.begin());
            }
            true // let it commit
        });
        let db = connection.as_raw_handle();
        let counts: *const Counts = counts;
        // SAFETY: `db` is an open connection that this thread alone uses while the lock is held;
        // the user data points to counts that are never freed, only ever used through atomic
        // operations (so from any thread), and `settled` matches SQLite's `sqlite3_wal_hook`
        // callback signature.
        #[allow(unsafe_code)]
        unsafe {
            ffi::sqlite3_wal_hook(db.as_ptr(), Some(settled), counts.cast_mut().cast());
        }
    }
}

impl Counts {
    /// Counts a commit as begun; its number.
    fn begin(&self) -> u64 {
        self.begun.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// The WAL hook: runs on the committing connection's thread once its commits are visible.
extern "C" fn settled(
    counts: *mut c_void,
    db: *mut ffi::sqlite3,
    database: *const c_char,
    pages_in_wal: c_int,
) -> c_int {
    // SAFETY: `counts` is the never-freed counts `follow` registered with this hook.
    #[allow(unsafe_code)]
    let counts = unsafe { &*counts.cast::<Counts>() };
    // Counted again now that it is visible: this also counts a commit the update hook did not
    // see, and forgets whatever was kept while it was becoming visible.
    let number = counts.begin();
    LAST_BEGUN.set(number);
    counts.settled.fetch_max(number, Ordering::SeqCst);
    if pages_in_wal >= CHECKPOINT_AT_PAGES {
        // SAFETY: SQLite's own hook does the same with the arguments it passes here (the
        // connection that committed and the name of the database it wrote), from this callback.
        #[allow(unsafe_code)]
        unsafe {
            ffi::sqlite3_wal_checkpoint(db, database);
        }
    }
    ffi::SQLITE_OK
}
