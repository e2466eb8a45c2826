//! Sessions in the database (tower-sessions over Jumpgate's store), so every instance sees them.
//! The store keeps a SHA-256 of the session id, never the cookie value itself: a leaked database
//! does not hand out live sessions.

use async_trait::async_trait;
use jumpgate_app::error::AppResult;
use jumpgate_app::sessions::Sessions;
use jumpgate_app::{App, Caller};
use jumpgate_domain::AccountId;
use jumpgate_store::SessionRecord;
use serde::Deserialize;
use serde::de::IgnoredAny;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tower_sessions::cookie::SameSite;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};
use tower_sessions::{Expiry, Session, SessionManagerLayer};

/// The session cookie's name over plain HTTP (this machine only: `server.insecure_http` aside,
/// Jumpgate refuses plain HTTP where others can reach it).
pub const COOKIE_NAME: &str = "jumpgate_session";
/// Its name over HTTPS. Browsers accept a `__Host-` cookie only when it is `Secure`, has
/// `Path=/` and no `Domain`, so another site on a sibling subdomain (a forum at
/// forum.example.org beside auth.example.org) can neither set nor overwrite it.
pub const SECURE_COOKIE_NAME: &str = "__Host-jumpgate_session";

/// The session cookie's name when served over HTTPS (`secure`) or not.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}
/// The signed-in account.
pub const ACCOUNT_KEY: &str = "account";
/// A one-shot message for the next page.
pub const FLASH_KEY: &str = "flash";
/// When the account signed in (Unix seconds): the session ends a lifetime after it
/// (`[sessions] lifetime`, shorter for privileged accounts), however busy it is.
const SIGNED_IN_KEY: &str = "signed_in";

/// A session without an account (a flash message for someone signed out) is kept this long,
/// not the idle timeout: anonymous requests cost nothing lasting.
const ANONYMOUS_LIFETIME: time::Duration = time::Duration::minutes(10);

/// The session layer: sessions end after `idle` without use.
pub fn layer(
    sessions: Sessions,
    secure: bool,
    idle: std::time::Duration,
) -> SessionManagerLayer<DbSessions> {
    let idle = time::Duration::try_from(idle).unwrap_or(time::Duration::days(7));
    SessionManagerLayer::new(DbSessions { sessions, idle })
        .with_name(cookie_name(secure))
        .with_http_only(true)
        // Lax, not Strict: the SSO callback is a cross-site redirect that must carry the cookie.
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
}

#[derive(Clone)]
pub struct DbSessions {
    sessions: Sessions,
    /// How long a signed-in session lasts unused.
    idle: time::Duration,
}

impl std::fmt::Debug for DbSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessions")
    }
}

fn hashed(id: &Id) -> String {
    hex::encode(Sha256::digest(id.to_string().as_bytes()))
}

impl DbSessions {
    /// The stored form of a session written now: its hashed id, its account, its data as JSON
    /// and its expiry: the idle timeout from now by Jumpgate's clock (tower-sessions' own
    /// expiry reads the system clock), [`ANONYMOUS_LIFETIME`] for a session without an account.
    fn row(&self, record: &Record) -> session_store::Result<SessionRecord> {
        let account = record
            .data
            .get(ACCOUNT_KEY)
            .and_then(serde_json::Value::as_i64)
            .map(AccountId);
        let lasts = match account {
            Some(_) => self.idle,
            None => ANONYMOUS_LIFETIME,
        };
        Ok(SessionRecord {
            id: hashed(&record.id),
            account,
            data: serde_json::to_string(&record.data).map_err(backend)?,
            expires_at: self.sessions.now() + lasts,
        })
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessions {
    /// A new session never takes over an existing one, however unlikely a 128-bit collision.
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while self
            .sessions
            .load(&hashed(&record.id), self.sessions.now())
            .await
            .map_err(backend)?
            .is_some()
        {
            record.id = Id::default();
        }
        self.sessions
            .create(&self.row(record)?)
            .await
            .map_err(backend)
    }

    /// Writes a session that still exists: one a logout deleted while this request was running
    /// stays deleted (security review L5).
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.sessions
            .save(&self.row(record)?)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = self
            .sessions
            .load(&hashed(id), self.sessions.now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data).map_err(backend)?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: row.expires_at,
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.sessions.delete(&hashed(id)).await.map_err(backend)
    }
}

/// The signed-in account of a session, if any.
pub async fn account(session: &Session) -> Option<AccountId> {
    session
        .get::<i64>(ACCOUNT_KEY)
        .await
        .ok()
        .flatten()
        .map(AccountId)
}

/// Signs `account` in on this browser at `now`, under a new session id (a session id known
/// before the login, planted by someone else, is worth nothing after it).
pub async fn sign_in(
    session: &Session,
    account: AccountId,
    now: OffsetDateTime,
) -> Result<(), tower_sessions::session::Error> {
    session.cycle_id().await?;
    session.insert(ACCOUNT_KEY, account.get()).await?;
    session.insert(SIGNED_IN_KEY, now.unix_timestamp()).await
}

/// Whether a session that signed in at `signed_in` (Unix seconds) may still be used at `now` by
/// `caller`. A session from before sign-in times were recorded has none; it counts from now.
fn within_lifetime(app: &App, caller: &Caller, signed_in: i64, now: OffsetDateTime) -> bool {
    let lifetime = app.settings().sessions.lifetime_of(caller);
    let age = now.unix_timestamp().saturating_sub(signed_in);
    u64::try_from(age).unwrap_or(0) < lifetime.as_secs()
}

/// Ends the signed-in `session` of `caller` if it has outlived its lifetime (true then), with a
/// message saying why. A session without a recorded sign-in time gets one now.
pub async fn expire_if_outlived(app: &App, session: &Session, caller: &Caller) -> bool {
    let now = app.now();
    let Some(signed_in) = session.get::<i64>(SIGNED_IN_KEY).await.ok().flatten() else {
        let _ = session.insert(SIGNED_IN_KEY, now.unix_timestamp()).await;
        return false;
    };
    if within_lifetime(app, caller, signed_in, now) {
        return false;
    }
    let lifetime = app.settings().sessions.lifetime_of(caller);
    signed_out(
        session,
        format!(
            "You were signed out: a sign-in lasts {} for your account. Log in again with EVE Online to go on.",
            humantime_serde::re::humantime::format_duration(lifetime)
        ),
    )
    .await;
    true
}

/// Ends this browser's session and leaves `message` for the next page (in a new session without
/// an account: the ended one is never written again).
pub async fn signed_out(session: &Session, message: impl Into<String>) {
    let _ = session.flush().await;
    flash(session, message).await;
}

/// Leaves a message for the next page.
pub async fn flash(session: &Session, message: impl Into<String>) {
    let _ = session.insert(FLASH_KEY, message.into()).await;
}

/// Takes the message left for this page. Only a page that has one changes the session: a
/// changed session is written to the database, and a write per page view would serialise every
/// signed-in request on SQLite's single writer.
pub async fn take_flash(session: &Session) -> Option<String> {
    let flash = session.get::<String>(FLASH_KEY).await.ok().flatten()?;
    let _ = session.remove::<String>(FLASH_KEY).await;
    Some(flash)
}

/// When the signed-in session was last written to push its inactivity expiry forward.
const TOUCHED_KEY: &str = "touched";
/// How often an active session's expiry moves forward (it only moves when the session is saved).
const TOUCH_EVERY: i64 = 60 * 60;

/// Whether a session last touched at `last` (Unix seconds) is due to move its expiry at `now`.
fn touch_due(last: Option<i64>, now: i64) -> bool {
    last.is_none_or(|t| now - t >= TOUCH_EVERY)
}

/// Keeps an active session alive without a write per request: its inactivity expiry moves at
/// most once an hour.
pub async fn keep_alive(session: &Session, now: OffsetDateTime) {
    let now = now.unix_timestamp();
    let last = session.get::<i64>(TOUCHED_KEY).await.ok().flatten();
    if touch_due(last, now) {
        let _ = session.insert(TOUCHED_KEY, now).await;
    }
}

/// What `signed_in_as_is` looks at in a session's data.
#[derive(Deserialize)]
struct Glance {
    account: Option<i64>,
    flash: Option<IgnoredAny>,
    touched: Option<i64>,
    signed_in: Option<i64>,
}

/// The caller of a signed-in session that this request leaves as it is (no flash message to
/// show, no keep-alive due, within its lifetime), read with the session in one query (`App::session_caller`) instead
/// of loading the session and then the caller: one round trip less on every page view. `None`
/// when any of that does not hold; the request then goes through the `Session` as usual.
///
/// The `Session` is not loaded here, so it stays unmodified and is not written back; a handler
/// that changes it (a flash message) loads it then. The session's row is read on every request,
/// so a sign-out or a flash message from another instance shows at once.
pub async fn signed_in_as_is(app: &App, session: &Session) -> AppResult<Option<Caller>> {
    let Some(id) = session.id() else {
        return Ok(None);
    };
    let now = app.now();
    let Some(found) = app.session_caller(&hashed(&id), now).await? else {
        return Ok(None);
    };
    let Some(caller) = found.caller else {
        return Ok(None);
    };
    let Ok(glance) = serde_json::from_str::<Glance>(&found.session.data) else {
        return Ok(None);
    };
    let as_is = glance.account.is_some()
        && glance.account == caller.account().map(AccountId::get)
        && glance.flash.is_none()
        && !touch_due(glance.touched, now.unix_timestamp())
        && glance
            .signed_in
            .is_some_and(|at| within_lifetime(app, &caller, at, now));
    Ok(as_is.then_some(caller))
}
