//! One process per SQLite file: an exclusive OS lock on `<database>.lock`, holding the pid of
//! its owner so that the refusal can say who holds it.
//!
//! SQLite itself would let a second process in, and then two schedulers, two job runners and two
//! audit writers would work on one file. The OS releases the lock when the process dies, so a
//! crash never leaves a stale lock behind.

use crate::{Result, StoreError};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub(crate) struct LockFile {
    _file: File,
}

impl LockFile {
    pub(crate) fn acquire(database: &Path) -> Result<Self> {
        let path = lock_path(database);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0).map_err(io)?;
                file.seek(SeekFrom::Start(0)).map_err(io)?;
                write!(file, "{}", std::process::id()).map_err(io)?;
                file.flush().map_err(io)?;
                Ok(Self { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                // The holder may not have written its pid yet; "unknown" beats failing here.
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                Err(StoreError::Locked {
                    path: database.display().to_string(),
                    holder: if holder.is_empty() {
                        "unknown".to_owned()
                    } else {
                        holder.to_owned()
                    },
                })
            }
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Io(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_file_is_refused_with_the_holder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("j.db");
        let first = LockFile::acquire(&db).expect("first lock");
        match LockFile::acquire(&db) {
            Err(StoreError::Locked { path, holder }) => {
                assert_eq!(path, db.display().to_string());
                assert_eq!(holder, std::process::id().to_string());
            }
            other => panic!("expected Locked, got {:?}", other.err()),
        }
        drop(first);
        LockFile::acquire(&db).expect("free again once released");
    }
}
