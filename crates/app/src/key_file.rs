//! `<data dir>/keys.json` (mode 0600): the secrets Jumpgate keeps itself when the configuration
//! does not give them: the token key ring (`tokens::secrets`) and the audit chain key
//! (`audit::key`). Each reads and rewrites only its own fields, so rotating the token keys keeps
//! the audit key, and a file from before the audit key existed gets one added.

use crate::private_file::write_private;
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
/// and writes it back only if something changed. Returns the file as written.
pub(crate) fn update(
    path: &Path,
    change: impl FnOnce(&mut KeyFile) -> Result<(), SecretsError>,
) -> Result<KeyFile, SecretsError> {
    let before = read(path)?;
    let mut file = before.clone().unwrap_or_default();
    change(&mut file)?;
    if before.as_ref() != Some(&file) {
        let text = serde_json::to_string_pretty(&file)
            .map_err(|e| SecretsError::BadKeyFile(path.to_owned(), e.to_string()))?;
        write_private(path, text.as_bytes()).map_err(|source| SecretsError::Io {
            path: path.to_owned(),
            source,
        })?;
    }
    Ok(file)
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
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| SecretsError::BadKeyFile(path.to_owned(), e.to_string()))
}
