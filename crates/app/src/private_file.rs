//! Writing a file only its owner may read, never half-written: the key file and the audit anchor.

use std::fs::File;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a new temporary file beside it, created with mode 0600 (it
/// must not exist yet, so no file left by someone else with a wider mode is reused), synced,
/// and renamed over `path`: a reader sees the old content or the new, and nobody else can read
/// either. Several processes may write the same path at once; the last rename wins.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = write_temp_beside(path, bytes)?;
    let renamed = std::fs::rename(&tmp, path);
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed?;
    sync_dir_of(path)
}

/// Creates `path` with `bytes` (mode 0600) only if it does not exist yet: written to a new
/// temporary file beside it and then linked to `path`, which fails when `path` exists. A reader
/// sees the whole file or none, and of several processes creating it at once exactly one
/// succeeds. `Ok(false)`: it existed already, and nothing was written.
pub(crate) fn create_private(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    let tmp = write_temp_beside(path, bytes)?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => sync_dir_of(path).map(|()| true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

/// An exclusive lock shared by every process that writes `path`, held until the returned file is
/// dropped: an OS lock on `.<name>.lock` beside it (mode 0600, left in place). Waits for the
/// holder; the OS releases the lock of a process that dies.
pub(crate) fn lock_beside(path: &Path) -> std::io::Result<File> {
    let lock = open_private(&beside(path, "lock"), false)?;
    lock.lock()?;
    Ok(lock)
}

fn write_temp_beside(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let tmp = beside(
        path,
        &format!("{}-{:08x}.tmp", std::process::id(), rand::random::<u32>()),
    );
    let written = (|| {
        let mut f = open_private(&tmp, true)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map(|()| tmp)
}

/// `.<name>.<suffix>` in `path`'s directory.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{name}.{suffix}"))
}

/// Makes a rename or link into the directory survive a crash (POSIX keeps directory entries in
/// the directory, which has its own sync).
#[cfg(unix)]
fn sync_dir_of(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => File::open(dir)?.sync_all(),
        _ => File::open(".")?.sync_all(),
    }
}

#[cfg(not(unix))]
fn sync_dir_of(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Opens `path` for writing with mode 0600 when it is created; `new`: it must not exist yet.
#[cfg(unix)]
fn open_private(path: &Path, new: bool) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(new)
        .create(!new)
        .truncate(false)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn open_private(path: &Path, new: bool) -> std::io::Result<File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(new)
        .create(!new)
        .truncate(false)
        .open(path)
}

/// Why a file holding secrets is not private, if it is not: group or others may read or write
/// it. A warning, not a refusal: the operator may share it on purpose (a group-readable secret
/// mount).
#[cfg(unix)]
pub(crate) fn readable_by_others(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then(|| format!("{mode:04o}"))
}

#[cfg(not(unix))]
pub(crate) fn readable_by_others(_path: &Path) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_file_is_replaced_whole_and_private_with_nothing_left_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.json");
        std::fs::write(&path, "old").unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(names_in(dir.path()), ["secret.json"]);
    }

    #[test]
    fn creating_never_replaces_a_file_that_exists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.json");
        assert!(create_private(&path, b"first").unwrap());
        assert!(!create_private(&path, b"second").unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        #[cfg(unix)]
        assert_eq!(mode_of(&path), 0o600);
        assert_eq!(names_in(dir.path()), ["secret.json"]);
    }

    #[test]
    fn of_many_creators_at_once_exactly_one_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.json");
        let barrier = std::sync::Barrier::new(8);
        let won: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (path, barrier) = (&path, &barrier);
                    s.spawn(move || {
                        barrier.wait();
                        create_private(path, format!("writer {i}").as_bytes()).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(won.iter().filter(|&&w| w).count(), 1, "{won:?}");
        let winner = won.iter().position(|&w| w).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("writer {winner}")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_may_read_is_named_with_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.json");
        write_private(&path, b"x").unwrap();
        assert_eq!(readable_by_others(&path), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(readable_by_others(&path).as_deref(), Some("0640"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o604)).unwrap();
        assert_eq!(readable_by_others(&path).as_deref(), Some("0604"));
    }
}
