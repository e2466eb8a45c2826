//! `<data dir>/keys.json` (mode 0600): the secrets Jumpgate keeps itself when the configuration
//! does not give them: the token key ring (`tokens::secrets`) and the audit chain key
//! (`audit::key`). Each reads and rewrites only its own fields, so rotating the token keys keeps
//! the audit key, and a file from before the audit key existed gets one added.
//!
//! Every change is read-modify-write under a lock beside the file, and the first write creates
//! the file exclusively and reads it back: two first starts on one data directory (or a start and
//! a `keys rotate`) never end up holding different keys (security review L6).

use crate::private_file::{create_private, lock_beside, readable_by_others, write_private};
use crate::tokens::secrets::SecretsError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) const FILE_NAME: &str = "keys.json";

/// The file's content; a field is missing until its owner first needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KeyFile {
    /// The token key that seals new tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// Token keys by id, base64.
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
    /// The audit chain key, base64. Never rotated (ADR 0016).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_key: Option<String>,
}

pub(crate) fn path_in(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// Reads the file (empty if it does not exist yet), lets `change` fill in or replace fields,
/// and writes it back only if something changed. Returns the file as it is on disk afterwards.
///
/// Holds the lock beside the file throughout, so writers take turns. A missing file is created
/// exclusively: if another writer (one that does not take the lock) created it meanwhile,
/// `change` runs again on what that writer wrote, and its keys are the ones kept.
pub(crate) fn update(
    path: &Path,
    mut change: impl FnMut(&mut KeyFile) -> Result<(), SecretsError>,
) -> Result<KeyFile, SecretsError> {
    let io = |source| SecretsError::Io {
        path: path.to_owned(),
        source,
    };
    let _writers = lock_beside(path).map_err(io)?;
    loop {
        let before = read(path)?;
        let mut file = before.clone().unwrap_or_default();
        change(&mut file)?;
        if before.as_ref() == Some(&file) {
            return Ok(file);
        }
        let text = serde_json::to_string_pretty(&file)
            .map_err(|e| SecretsError::BadKeyFile(path.to_owned(), e.to_string()))?;
        if before.is_some() {
            write_private(path, text.as_bytes()).map_err(io)?;
        } else if !create_private(path, text.as_bytes()).map_err(io)? {
            continue;
        }
        // What is on disk is what every later reader gets, so that is what this one uses.
        return read(path)?.ok_or_else(|| {
            SecretsError::BadKeyFile(
                path.to_owned(),
                "it vanished right after it was written".into(),
            )
        });
    }
}

fn read(path: &Path) -> Result<Option<KeyFile>, SecretsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SecretsError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    if let Some(mode) = readable_by_others(path) {
        tracing::warn!(
            "the key file {} can be read by other users of this machine (mode {mode}): it holds the keys that decrypt the stored ESI tokens and key the audit log; run `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| SecretsError::BadKeyFile(path.to_owned(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill_token_key(file: &mut KeyFile) -> Result<(), SecretsError> {
        if file.primary.is_none() {
            let id = format!("k{:08x}", rand::random::<u32>());
            file.keys.insert(id.clone(), "key".into());
            file.primary = Some(id);
        }
        Ok(())
    }

    fn fill_audit_key(file: &mut KeyFile) -> Result<(), SecretsError> {
        if file.audit_key.is_none() {
            file.audit_key = Some(format!("{:08x}", rand::random::<u32>()));
        }
        Ok(())
    }

    #[test]
    fn first_starts_racing_on_one_data_directory_all_end_up_with_the_same_keys() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = path_in(dir.path());
            let start = std::sync::Barrier::new(6);
            // Each start adds the audit key (opening the store), then the token key (the key
            // ring), as `serve` does; each uses what its own calls returned.
            let seen: Vec<(Option<String>, Option<String>)> = std::thread::scope(|s| {
                let starts: Vec<_> = (0..6)
                    .map(|_| {
                        let (path, start) = (&path, &start);
                        s.spawn(move || {
                            start.wait();
                            let audit = update(path, fill_audit_key).unwrap().audit_key;
                            let token = update(path, fill_token_key).unwrap().primary;
                            (audit, token)
                        })
                    })
                    .collect();
                starts.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let on_disk = read(&path).unwrap().unwrap();
            for (audit, token) in &seen {
                assert_eq!(audit, &on_disk.audit_key, "{seen:?}");
                assert_eq!(token, &on_disk.primary, "{seen:?}");
            }
            assert_eq!(on_disk.keys.len(), 1, "{on_disk:?}");
        }
    }

    #[test]
    fn a_file_created_meanwhile_by_another_writer_is_kept_and_completed() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        let mut first_look = true;
        let file = update(&path, |file| {
            if first_look {
                first_look = false;
                // Another writer (one that takes no lock) creates the file right now.
                std::fs::write(&path, r#"{"audit_key": "theirs"}"#).unwrap();
            }
            fill_audit_key(file)?;
            fill_token_key(file)
        })
        .unwrap();
        assert_eq!(file.audit_key.as_deref(), Some("theirs"));
        assert!(file.primary.is_some());
        assert_eq!(read(&path).unwrap(), Some(file));
    }

    /// What `during` logs at warn level or above, as text.
    fn warnings_of(during: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Buffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, during);
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_warned_about_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = path_in(dir.path());
        let quiet = warnings_of(|| {
            update(&path, fill_token_key).unwrap();
            update(&path, fill_token_key).unwrap();
        });
        assert_eq!(quiet, "", "a private file is read without a word");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let warned = warnings_of(|| {
            update(&path, fill_token_key).unwrap();
        });
        assert!(warned.contains("can be read by other users"), "{warned}");
        assert!(warned.contains("mode 0644"), "{warned}");
        assert!(
            warned.contains(&format!("chmod 600 {}", path.display())),
            "{warned}"
        );
    }
}
