//! Sending mail: one small interface, a file transport (every mail becomes an `.eml` file: the
//! demo and tests) and SMTP through lettre, chosen by the `[mail]` section (`MailSettings`).
//! Credentials in the SMTP URL are never logged.

use async_trait::async_trait;
use jumpgate_domain::clock::{Clock, SystemClock};
use jumpgate_domain::verification_mail::MailLimits;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("'{0}' is not a mail address mail can be sent to or from: {1}")]
    Address(String, String),
    #[error("the mail could not be built: {0}")]
    Build(String),
    #[error("the mail could not be written to {path}: {error}")]
    File { path: String, error: std::io::Error },
    #[error("the mail server refused or failed: {0}")]
    Smtp(String),
    #[error("smtp_url is not valid: {0}")]
    Config(String),
    #[error("no mail transport is configured")]
    NotConfigured,
    #[error(
        "the mail directory {dir} already holds {files} mails (mail.max_files): an administrator should move or delete them"
    )]
    DirectoryFull { dir: String, files: usize },
}

/// Where mail goes. Implementations must not log secrets or message bodies at info level.
#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError>;
}

/// Parses a sender such as `Jumpgate <auth@example.org>` (checked at start by the config).
pub fn parse_mailbox(address: &str) -> Result<Mailbox, MailError> {
    address
        .trim()
        .parse::<Mailbox>()
        .map_err(|e| MailError::Address(address.trim().to_owned(), e.to_string()))
}

fn message(from: &Mailbox, to: &str, subject: &str, body: &str) -> Result<Message, MailError> {
    Message::builder()
        .from(from.clone())
        .to(parse_mailbox(to)?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(plain_body(body))
        .map_err(|e| MailError::Build(e.to_string()))
}

/// Plain ASCII text with lines under RFC 5322's 998 characters goes as it is (7bit), so long
/// links stay whole and clickable even in the raw .eml; anything else is encoded by lettre.
fn plain_body(text: &str) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if crlf.is_ascii() && !crlf.contains('\0') && crlf.split("\r\n").all(|l| l.len() < 998) {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::SevenBit)
    } else {
        Body::new(text.to_owned())
    }
}

/// Refuses every mail: the default until a transport is configured.
pub struct NoMailer;

#[async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _to: &str, _subject: &str, _body: &str) -> Result<(), MailError> {
        Err(MailError::NotConfigured)
    }
}

/// Writes each mail as an `.eml` file (RFC 5322, readable in any mail program) into a folder,
/// at most `max_files` of them: the folder is usually beside the database, which a full disk
/// would stop.
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
    max_files: usize,
}

impl FileMailer {
    pub fn new(dir: impl Into<PathBuf>, from: &str) -> Result<Self, MailError> {
        Ok(Self {
            dir: dir.into(),
            from: parse_mailbox(from)?,
            max_files: MailSettings::default().max_files,
        })
    }

    /// The same, holding at most `max_files` mails.
    pub fn with_max_files(mut self, max_files: usize) -> Self {
        self.max_files = max_files;
        self
    }

    /// Refuses when the folder already holds `max_files` mails.
    async fn check_room(&self) -> Result<(), MailError> {
        let Ok(mut entries) = tokio::fs::read_dir(&self.dir).await else {
            return Ok(()); // Not there yet: created on the first mail.
        };
        let mut files = 0;
        while let Ok(Some(entry)) = entries.next_entry().await {
            if entry.path().extension().is_some_and(|e| e == "eml") {
                files += 1;
            }
        }
        if files >= self.max_files {
            return Err(MailError::DirectoryFull {
                dir: self.dir.display().to_string(),
                files,
            });
        }
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let msg = message(&self.from, to, subject, body)?;
        self.check_room().await?;
        // Files sort by when they were written, in real time.
        let now = SystemClock.now();
        let name = format!(
            "{}-{}.eml",
            now.unix_timestamp_nanos(),
            uuid::Uuid::new_v4().simple()
        );
        let path = self.dir.join(name);
        let file_error = |error| MailError::File {
            path: path.display().to_string(),
            error,
        };
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(file_error)?;
        tokio::fs::write(&path, msg.formatted())
            .await
            .map_err(file_error)?;
        tracing::info!(
            to_domain = recipient_domain(to),
            path = %path.display(),
            "mail written to {}",
            path.display()
        );
        Ok(())
    }
}

/// SMTP through lettre, e.g. `smtps://user:pass@mail.example.org:465` (implicit TLS) or
/// `smtp://user:pass@mail.example.org:587?tls=required` (STARTTLS).
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// Needs a Tokio runtime (the connection pool runs on it).
    pub fn new(url: &SecretString, from: &str) -> Result<Self, MailError> {
        let from = parse_mailbox(from)?;
        let transport = smtp_builder(url)?.build();
        Ok(Self { transport, from })
    }
}

/// Checks an SMTP URL without connecting (for the configuration check at start).
pub fn check_smtp_url(url: &SecretString) -> Result<(), MailError> {
    smtp_builder(url).map(|_| ())
}

fn smtp_builder(
    url: &SecretString,
) -> Result<lettre::transport::smtp::AsyncSmtpTransportBuilder, MailError> {
    refuse_cleartext_password(url.expose_secret())?;
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
        // lettre's message may quote the URL, so only the kind of problem is kept.
        .map_err(|e| MailError::Config(describe_url_error(&e)))
}

/// `smtp://` without `tls=required` or `tls=opportunistic` talks in the clear (lettre's
/// default), so a password in it would cross the network readable.
fn refuse_cleartext_password(url: &str) -> Result<(), MailError> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Ok(()); // lettre names the problem.
    };
    let has_password = !parsed.username().is_empty() || parsed.password().is_some();
    let encrypted = parsed.scheme() == "smtps"
        || parsed
            .query_pairs()
            .any(|(k, v)| k == "tls" && (v == "required" || v == "opportunistic"));
    if has_password && !encrypted {
        return Err(MailError::Config(
            "it would send the password unencrypted: use smtps://user:password@host:465, or \
             add ?tls=required to smtp://"
                .to_owned(),
        ));
    }
    Ok(())
}

/// Where a mail went, for the log: the domain only (an address is personal data; the account's
/// audit entries say whose it is).
fn recipient_domain(to: &str) -> &str {
    to.rsplit_once('@')
        .map_or("(no domain)", |(_, domain)| domain)
}

fn describe_url_error(e: &lettre::transport::smtp::Error) -> String {
    let text = e.to_string();
    if text.contains("scheme") {
        "it must start with smtp:// or smtps://".to_owned()
    } else {
        "expected smtps://user:password@host:465 or smtp://user:password@host:587?tls=required"
            .to_owned()
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let msg = message(&self.from, to, subject, body)?;
        self.transport
            .send(msg)
            .await
            .map_err(|e| MailError::Smtp(e.to_string()))?;
        tracing::info!(to_domain = recipient_domain(to), "mail sent over SMTP");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_file_mailer_stops_at_its_cap_instead_of_filling_the_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mailer = FileMailer::new(dir.path(), "Jumpgate <auth@example.org>")
            .expect("mailer")
            .with_max_files(2);
        for _ in 0..2 {
            mailer
                .send("pilot@example.org", "Hello", "Hi")
                .await
                .expect("sent");
        }
        let err = mailer
            .send("pilot@example.org", "Hello", "Hi")
            .await
            .expect_err("full");
        assert!(
            err.to_string()
                .contains("already holds 2 mails (mail.max_files)"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 2);
    }

    #[tokio::test]
    async fn the_file_mailer_writes_a_readable_mail() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mailer = FileMailer::new(dir.path().join("mail"), "Jumpgate <auth@example.org>")
            .expect("mailer");
        mailer
            .send(
                "pilot@example.org",
                "Hello",
                &format!("Open https://x.test/a?token={}\n", "a".repeat(200)),
            )
            .await
            .expect("sent");
        let files: Vec<_> = std::fs::read_dir(dir.path().join("mail"))
            .expect("dir")
            .collect();
        assert_eq!(files.len(), 1);
        let path = files[0].as_ref().expect("entry").path();
        let text = std::fs::read_to_string(path).expect("read");
        assert!(text.contains("To: pilot@example.org"), "{text}");
        assert!(text.contains("Subject: Hello"));
        assert!(
            text.contains(&format!("https://x.test/a?token={}\r\n", "a".repeat(200))),
            "long links stay whole: {text}"
        );
    }

    #[test]
    fn bad_senders_and_urls_are_refused_without_echoing_secrets() {
        assert!(parse_mailbox("not an address").is_err());
        assert!(parse_mailbox("Jumpgate <auth@example.org>").is_ok());
        let err = SmtpMailer::new(
            &SecretString::from("http://user:hunter2@host"),
            "a@example.org",
        )
        .err()
        .expect("refused")
        .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert!(check_smtp_url(&SecretString::from("smtps://u:p@mail.example.org:465")).is_ok());
        assert!(
            check_smtp_url(&SecretString::from(
                "smtp://mail.example.org:587?tls=required"
            ))
            .is_ok()
        );
        let err = check_smtp_url(&SecretString::from("smtps://u:hunter2@"))
            .expect_err("no host")
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn a_password_is_never_sent_over_unencrypted_smtp() {
        let refused = |url: &str| {
            check_smtp_url(&SecretString::from(url))
                .expect_err(url)
                .to_string()
        };
        let err = refused("smtp://user:hunter2@mail.example.org:587");
        assert!(err.contains("unencrypted"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        refused("smtp://user:hunter2@mail.example.org:587?tls=none");
        refused("smtp://user@mail.example.org:25");
        for fine in [
            "smtp://user:pw@mail.example.org:587?tls=required",
            "smtp://user:pw@mail.example.org:587?tls=opportunistic",
            "smtps://user:pw@mail.example.org:465",
            "smtp://localhost:25",
        ] {
            assert!(check_smtp_url(&SecretString::from(fine)).is_ok(), "{fine}");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_log_names_a_recipients_domain_not_the_address() {
        // One global subscriber for the crate's tests: a scoped one misses lines that another
        // test logs at the same moment (the file-mailer test above writes the same line).
        static LOG: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> =
            std::sync::OnceLock::new();
        let log = LOG.get_or_init(|| {
            let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
            let sink = log.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(move || LogSink(sink.clone()))
                .finish();
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other test of this crate installs a subscriber");
            log
        });
        let dir = tempfile::tempdir().expect("tempdir");
        FileMailer::new(dir.path(), "Jumpgate <auth@example.org>")
            .expect("mailer")
            .send("pilot.name@example.org", "Hello", "Hi")
            .await
            .expect("sent");
        let logged = String::from_utf8(log.lock().expect("log").clone()).expect("utf-8");
        assert!(logged.contains("example.org"), "{logged}");
        assert!(!logged.contains("pilot.name"), "{logged}");
        assert_eq!(recipient_domain("no-at-sign"), "(no domain)");
    }

    /// Where the test's log lines go.
    struct LogSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for LogSink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}

/// How mail (email verification links) is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTransport {
    /// Every mail is written as an .eml file under `<data_dir>/mail/` (demo, tests, trying out).
    #[default]
    File,
    /// Sent through the SMTP server of `mail.smtp_url`.
    Smtp,
}

/// The `[mail]` section of the configuration.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// The sender, e.g. `Jumpgate <auth@example.org>`.
    pub from: String,
    /// `smtps://user:password@host:465` or `smtp://user:password@host:587?tls=required`; a
    /// secret (it holds the password), never logged.
    pub smtp_url: Option<SecretString>,
    /// The file transport writes at most this many mails into its folder.
    pub max_files: usize,
    /// Between two verification mails of one account, e.g. "1m".
    #[serde(with = "humantime_serde")]
    pub verification_cooldown: std::time::Duration,
    /// Verification mails one account may send in any 24 hours.
    pub verification_mails_per_account_per_day: usize,
    /// Verification mails one address may receive in any 24 hours.
    pub verification_mails_per_address_per_day: usize,
}

impl Default for MailSettings {
    fn default() -> Self {
        let limits = MailLimits::default();
        Self {
            transport: MailTransport::default(),
            from: "Jumpgate <jumpgate@localhost>".to_owned(),
            smtp_url: None,
            max_files: 10_000,
            verification_cooldown: limits.cooldown,
            verification_mails_per_account_per_day: limits.per_account_per_day,
            verification_mails_per_address_per_day: limits.per_address_per_day,
        }
    }
}

impl MailSettings {
    /// How often verification mail may go out.
    pub fn limits(&self) -> MailLimits {
        MailLimits {
            cooldown: self.verification_cooldown,
            per_account_per_day: self.verification_mails_per_account_per_day,
            per_address_per_day: self.verification_mails_per_address_per_day,
        }
    }

    /// Where the file transport writes.
    pub fn mail_dir(data_dir: &Path) -> PathBuf {
        data_dir.join("mail")
    }

    /// Adds every problem with this section to `problems`, each named with its setting and fix.
    pub fn validate(&self, problems: &mut Vec<String>) {
        if let Err(e) = parse_mailbox(&self.from) {
            problems.push(format!(
                "mail.from: {e}; write it as \"Jumpgate <auth@example.org>\" or auth@example.org"
            ));
        }
        match (self.transport, &self.smtp_url) {
            (MailTransport::Smtp, None) => problems.push(
                "mail.smtp_url is missing: mail.transport = \"smtp\" needs e.g. smtps://user:password@mail.example.org:465 (or set JUMPGATE__MAIL__SMTP_URL)".to_owned(),
            ),
            (MailTransport::Smtp, Some(url)) => {
                // The URL holds a password: only its scheme is ever repeated.
                let scheme = url.expose_secret().split("://").next().unwrap_or_default();
                if !matches!(scheme, "smtp" | "smtps") {
                    problems.push(format!(
                        "mail.smtp_url must start with smtps:// (TLS, usually port 465) or smtp:// (add ?tls=required for STARTTLS on port 587), not {scheme}://"
                    ));
                } else if let Err(e) = check_smtp_url(url) {
                    problems.push(format!("mail.smtp_url is not valid: {e}"));
                }
            }
            (MailTransport::File, _) => {}
        }
        for (name, value) in [
            ("mail.max_files", self.max_files),
            (
                "mail.verification_mails_per_account_per_day",
                self.verification_mails_per_account_per_day,
            ),
            (
                "mail.verification_mails_per_address_per_day",
                self.verification_mails_per_address_per_day,
            ),
        ] {
            if value == 0 {
                problems.push(format!("{name} must be at least 1"));
            }
        }
    }
}
