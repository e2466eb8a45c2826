//! The give-back for SQLite's connection threads.
//!
//! mimalloc keeps the memory a thread freed in that thread's own pages until the thread itself
//! collects (`mi_collect` "cannot really collect process wide, just a theap"). sqlx runs every
//! SQLite connection on a thread of its own, and those threads allocate and free SQLite's page
//! caches, statements and the rows they read; a collect on the thread that runs the give-back
//! timer never reached them. So each connection gets an SQL function that collects on the
//! thread that runs it: `SELECT jumpgate_give_back_freed()` on an idle connection gives back
//! what that connection's thread freed (ADR 0025).

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;
use std::ffi::{CStr, c_int};

/// The statement that gives back what the connection's thread freed (it answers NULL).
pub const GIVE_BACK_FREED_SQL: &str = "SELECT jumpgate_give_back_freed()";
const NAME: &CStr = c"jumpgate_give_back_freed";

/// Adds the function [`GIVE_BACK_FREED_SQL`] calls to a connection (locked out of its worker
/// thread by sqlx while this runs); SQLite's result code if it refused.
pub fn add_give_back_function(connection: &mut LockedSqliteHandle<'_>) -> Result<(), c_int> {
    let db = connection.as_raw_handle();
    // SAFETY: `db` is an open connection that this thread alone uses while the lock is held;
    // the name is a static C string; the function takes no user data and no destructor, and
    // `give_back` matches SQLite's `xFunc` signature. DIRECTONLY keeps it out of triggers and
    // views, which a database file could otherwise carry.
    #[allow(unsafe_code)]
    let code = unsafe {
        ffi::sqlite3_create_function_v2(
            db.as_ptr(),
            NAME.as_ptr(),
            0,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DIRECTONLY,
            std::ptr::null_mut(),
            Some(give_back),
            None,
            None,
            None,
        )
    };
    if code == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(code)
    }
}

/// `jumpgate_give_back_freed()`: runs on the connection's own thread, as SQLite calls it there.
/// Its result is NULL, SQLite's when a function sets none.
extern "C" fn give_back(
    _context: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    crate::give_back_freed();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_calls_the_function_by_its_name() {
        let name = NAME.to_str().expect("the name is ASCII");
        assert_eq!(GIVE_BACK_FREED_SQL, format!("SELECT {name}()"));
    }
}
