//! Where the audit chain's anchors go (ADR 0016): every check writes the newest entry it found
//! intact outside the database, and the next check requires that entry to be there still, with
//! the same hash. That catches a cut-off tail, which leaves a shorter chain that is intact.
//!
//! The anchor kept for comparison is a file (default `<data dir>/audit-anchor.json`, written
//! whole, mode 0600); each process compares with the file in its own data directory. A copy can
//! also go to a webhook (`[audit] anchor_webhook`, POSTed as JSON) and goes to the log, so that
//! one survives the host: a failed POST is reported, never fatal to the check.

use crate::private_file::write_private;
use jumpgate_domain::audit::Anchor;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// The default anchor file's name in the data directory.
pub const ANCHOR_FILE: &str = "audit-anchor.json";

/// How long a webhook may take to accept an anchor.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// The `[audit]` section of the configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSection {
    /// Where checks keep their anchor. Default: `<data_dir>/audit-anchor.json`.
    pub anchor_file: Option<PathBuf>,
    /// An `https://` URL every check also POSTs its anchor to (JSON). It may hold a token, so it
    /// is treated as a secret and never logged.
    pub anchor_webhook: Option<SecretString>,
}

impl AuditSection {
    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if let Some(url) = &self.anchor_webhook
            && webhook_url(url).is_none()
        {
            problems.push(
                "audit.anchor_webhook must be an https:// URL (http:// only to this machine, e.g. http://127.0.0.1:9000/anchor)"
                    .to_owned(),
            );
        }
    }

    /// The settings of the use cases, with the anchor file placed in `data_dir` unless given.
    pub fn settings(&self, data_dir: &Path) -> AuditSettings {
        AuditSettings {
            anchor_file: Some(
                self.anchor_file
                    .clone()
                    .unwrap_or_else(|| data_dir.join(ANCHOR_FILE)),
            ),
            anchor_webhook: self.anchor_webhook.as_ref().and_then(webhook_url),
        }
    }
}

fn webhook_url(url: &SecretString) -> Option<Url> {
    let url = Url::parse(url.expose_secret().trim()).ok()?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    (url.scheme() == "https" || (url.scheme() == "http" && loopback)).then_some(url)
}

/// Where this process's checks anchor the chain.
#[derive(Clone, Default)]
pub struct AuditSettings {
    /// The anchor file. `None` only where nothing is anchored: tests of single use cases (the
    /// binary always sets it).
    pub anchor_file: Option<PathBuf>,
    pub anchor_webhook: Option<Url>,
}

impl std::fmt::Debug for AuditSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditSettings")
            .field("anchor_file", &self.anchor_file)
            .field("anchor_webhook", &self.anchor_webhook.as_ref().map(origin))
            .finish()
    }
}

/// A webhook's scheme, host and port: what may be shown of it.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The anchor file's content: an anchor, and what it is.
#[derive(Serialize, Deserialize)]
struct AnchorFile {
    /// Says what the file is to whoever opens it.
    about: String,
    #[serde(flatten)]
    anchor: Anchor,
}

const ABOUT: &str = "Jumpgate audit anchor: the newest audit log entry a check found intact. \
     The next check fails if this entry is gone or has another hash. See docs/operations.md §5.";

/// The anchor the last check wrote, if any. An anchor file that cannot be read is an error:
/// the check must not go on as if there were none.
pub(crate) fn read(path: &Path) -> Result<Option<Anchor>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "cannot read the audit anchor {}: {e}",
                path.display()
            ));
        }
    };
    serde_json::from_str::<AnchorFile>(&text)
        .map(|f| Some(f.anchor))
        .map_err(|e| {
            format!(
                "the audit anchor {} is not valid ({e}): restore it from a copy, or move it \
                 aside to start a new one",
                path.display()
            )
        })
}

/// Replaces the anchor file with `anchor`.
pub(crate) fn write(path: &Path, anchor: &Anchor) -> Result<(), String> {
    let file = AnchorFile {
        about: ABOUT.to_owned(),
        anchor: anchor.clone(),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
    write_private(path, text.as_bytes())
        .map_err(|e| format!("cannot write the audit anchor {}: {e}", path.display()))
}

/// What a webhook receives: the anchor, and who sent it.
#[derive(Serialize)]
struct WebhookAnchor<'a> {
    kind: &'static str,
    instance: &'a str,
    #[serde(flatten)]
    anchor: &'a Anchor,
}

/// POSTs `anchor` to the webhook; `Err` says why it was not accepted.
pub(crate) async fn post(url: &Url, anchor: &Anchor, instance: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(WEBHOOK_TIMEOUT)
        .user_agent(concat!("Jumpgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let body = WebhookAnchor {
        kind: "jumpgate.audit_anchor",
        instance,
        anchor,
    };
    let response = client
        .post(url.clone())
        .json(&body)
        .send()
        .await
        // Without the URL: it may hold a token.
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("it answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn anchor() -> Anchor {
        Anchor {
            last_id: 7,
            last_hash: "ab".repeat(32),
            count: 7,
            keyed_from: Some(3),
            at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn an_anchor_reads_back_from_its_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(ANCHOR_FILE);
        assert_eq!(read(&path), Ok(None), "no anchor yet");
        write(&path, &anchor()).unwrap();
        assert_eq!(read(&path), Ok(Some(anchor())));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("Jumpgate audit anchor"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_anchor_file_is_an_error_not_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(ANCHOR_FILE);
        std::fs::write(&path, "{\"last_id\": ").unwrap();
        let err = read(&path).unwrap_err();
        assert!(
            err.contains("is not valid") && err.contains("move it aside"),
            "{err}"
        );
    }

    #[test]
    fn the_anchor_file_defaults_to_the_data_directory_and_webhooks_must_be_https() {
        let s = AuditSection::default().settings(Path::new("/srv/jumpgate"));
        assert_eq!(
            s.anchor_file.as_deref(),
            Some(Path::new("/srv/jumpgate/audit-anchor.json"))
        );
        for (url, ok) in [
            ("https://audit.example.org/anchor?token=s3cret", true),
            ("http://127.0.0.1:9000/anchor", true),
            ("http://audit.example.org/anchor", false),
            ("not a url", false),
        ] {
            let section = AuditSection {
                anchor_file: None,
                anchor_webhook: Some(SecretString::from(url)),
            };
            let mut problems = Vec::new();
            section.validate(&mut problems);
            assert_eq!(problems.is_empty(), ok, "{url}: {problems:?}");
            let debug = format!("{:?}", section.settings(Path::new("/d")));
            assert!(!debug.contains("s3cret"), "{debug}");
        }
    }
}
