//! The narrow handle a web session layer holds: it loads, saves and deletes session rows by their
//! hashed id, and nothing else. Sessions are how a person becomes a `Caller` in the first place,
//! so these calls take none; what a session may do is decided by the use cases it reaches.

mod ending;
mod lifetime;

pub use lifetime::SessionSettings;

use crate::App;
use crate::error::AppResult;
use jumpgate_store::SessionRecord;
use time::OffsetDateTime;

/// Session rows, by hashed id (`App::sessions`).
#[derive(Clone)]
pub struct Sessions {
    app: App,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sessions")
    }
}

impl Sessions {
    /// The live session `id` (already hashed); `None` when unknown or expired at `now`.
    /// Now, by the application's clock: when a stored session counts as expired.
    pub fn now(&self) -> OffsetDateTime {
        self.app.now()
    }

    pub async fn load(&self, id: &str, now: OffsetDateTime) -> AppResult<Option<SessionRecord>> {
        Ok(self.app.store().load_session(id, now).await?)
    }

    /// Writes a new session.
    pub async fn create(&self, record: &SessionRecord) -> AppResult<()> {
        Ok(self.app.store().save_session(record).await?)
    }

    /// Writes a session that still exists. One deleted meanwhile (logged out, signed out
    /// everywhere, its account emptied) stays deleted: a request in flight cannot revive it.
    pub async fn save(&self, record: &SessionRecord) -> AppResult<()> {
        if !self.app.store().update_session(record).await? {
            tracing::debug!("a session ended while a request was using it; it stays ended");
        }
        Ok(())
    }

    /// Ends the session `id` (already hashed).
    pub async fn delete(&self, id: &str) -> AppResult<()> {
        Ok(self.app.store().delete_session(id).await?)
    }
}

impl App {
    /// The session rows, for the web's session layer.
    pub fn sessions(&self) -> Sessions {
        Sessions { app: self.clone() }
    }
}
