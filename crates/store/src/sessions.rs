//! Web sessions. A session's `id` is already a hash of the cookie value: the store never sees
//! the cookie itself.

use crate::db::{Cols, Conn, DbTime, on_conn, on_db};
use crate::states::{GrantRow, SESSION_GRANTS, account_access};
use crate::support::conflict;
use crate::{Result, SessionAccess, SessionRecord, StoreError};
use crate::{Store, Transaction};
use jumpgate_domain::AccountId;
use time::OffsetDateTime;

fn read_session<R: Cols>(r: &R) -> Result<SessionRecord> {
    Ok(SessionRecord {
        id: r.get("id")?,
        account: r.get::<Option<i64>>("account_id")?.map(AccountId),
        data: r.get("data")?,
        expires_at: r.time("expires_at")?,
    })
}

/// A session with its account's grants from its `SESSION_GRANTS` rows; `None` without rows (no
/// live session).
fn read_session_access<R: Cols>(rows: &[R]) -> Result<Option<SessionAccess>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let grants = rows
        .iter()
        .map(read_session_grant)
        .collect::<Result<Option<Vec<_>>>>()?;
    let counters: &str = first.str("counters")?;
    Ok(Some(SessionAccess {
        session: read_session(first)?,
        access: grants.and_then(account_access),
        counters: serde_json::from_str(counters).map_err(|e| {
            StoreError::Corrupt(format!("the change counters read with a session: {e}"))
        })?,
    }))
}

/// The grants columns of a `SESSION_GRANTS` row; `None` when the session has no (existing)
/// account.
fn read_session_grant<R: Cols>(r: &R) -> Result<Option<GrantRow>> {
    let Some(superuser) = r.get::<Option<bool>>("superuser")? else {
        return Ok(None);
    };
    Ok(Some((
        superuser,
        r.get("state")?,
        r.get("main_character_id")?,
        r.get("main_name")?,
        r.get("permission")?,
    )))
}

impl Store {
    /// `id` is already a hash of the cookie value; the store never sees the cookie itself.
    pub async fn load_session(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SessionRecord>> {
        on_db!(self, |db| {
            sqlx::query(
            "SELECT id, account_id, data, expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id)
        .bind(DbTime(now))
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_session)
        .transpose()
        })
    }

    /// `load_session` and `account_grants` of its account in one query (one round trip): what
    /// every signed-in page reads first; with every change counter as of that read. On a SQLite
    /// file the answer is kept until the next commit (ADR 0034): a page view then costs no
    /// round trip to a connection's thread.
    pub async fn load_session_with_grants(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SessionAccess>> {
        self.kept_until_commit(
            |kept| &kept.sessions,
            id,
            |found| found.as_ref().is_some_and(|f| f.session.expires_at > now),
            || self.read_session_with_grants(id, now),
        )
        .await
    }

    /// The read of `load_session_with_grants`, from the database.
    async fn read_session_with_grants(
        &self,
        id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<SessionAccess>> {
        on_db!(self, |db| read_session_access(
            &sqlx::query(db.sql(&SESSION_GRANTS))
                .bind(id)
                .bind(DbTime(now))
                .fetch_all(db.reader())
                .await?
        ))
    }

    /// Writes a session, new or not.
    pub async fn save_session(&self, session: &SessionRecord) -> Result<()> {
        self.write_session(
            "INSERT INTO sessions (id, account_id, data, expires_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id,
                 data = excluded.data, expires_at = excluded.expires_at",
            session,
        )
        .await?;
        Ok(())
    }

    /// Writes a session that exists; false (and nothing written) when its row is gone: a
    /// request that loaded a session before a logout deleted it must not bring it back.
    pub async fn update_session(&self, session: &SessionRecord) -> Result<bool> {
        let done = self
            .write_session(
                "UPDATE sessions SET account_id = $2, data = $3, expires_at = $4 WHERE id = $1",
                session,
            )
            .await?;
        Ok(done > 0)
    }

    /// Runs `statement` with the session's id, account, data and expiry as `$1`..`$4`; the rows
    /// it wrote.
    async fn write_session(&self, statement: &'static str, session: &SessionRecord) -> Result<u64> {
        Ok(on_db!(self, |db| sqlx::query(statement)
            .bind(&session.id)
            .bind(session.account.map(|a| a.get()))
            .bind(&session.data)
            .bind(DbTime(session.expires_at))
            .execute(db.writer())
            .await
            .map_err(|e| {
                conflict(e, || {
                    format!(
                        "session for an unknown account {:?}",
                        session.account.map(|a| a.get())
                    )
                })
            })?
            .rows_affected()))
    }

    pub async fn delete_session(&self, id: &str) -> Result<()> {
        on_db!(self, |db| {
            sqlx::query("DELETE FROM sessions WHERE id = $1")
                .bind(id)
                .execute(db.writer())
                .await?;
        });
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64> {
        let done = on_db!(self, |db| sqlx::query(
            "DELETE FROM sessions WHERE expires_at <= $1"
        )
        .bind(DbTime(now))
        .execute(db.writer())
        .await?
        .rows_affected());
        Ok(done)
    }

    /// Signs an account out everywhere (e.g. when it is deleted); the sessions it ended.
    pub async fn delete_sessions_of(&self, account: AccountId) -> Result<u64> {
        on_db!(self, |db| delete_of(
            &mut *db.writer().acquire().await?,
            account
        )
        .await)
    }

    /// How many sessions of `account` are live at `now` (browsers it is signed in on). Their
    /// expiries are kept until the next commit (ADR 0034): only a commit adds or removes one,
    /// and the count at a later `now` is theirs still.
    pub async fn count_sessions_of(&self, account: AccountId, now: OffsetDateTime) -> Result<u64> {
        let expiries = self
            .kept_until_commit(
                |kept| &kept.session_expiries,
                &account,
                |_| true,
                || self.session_expiries_of(account),
            )
            .await?;
        Ok(expiries.iter().filter(|at| **at > now).count() as u64)
    }

    /// When each session of `account` expires (or expired, until it is deleted).
    async fn session_expiries_of(&self, account: AccountId) -> Result<Vec<OffsetDateTime>> {
        on_db!(self, |db| sqlx::query(
            "SELECT expires_at FROM sessions WHERE account_id = $1"
        )
        .bind(account.get())
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| r.time("expires_at"))
        .collect())
    }
}

/// The writes a use case combines with others (and its audit entry) in one transaction.
impl Transaction {
    /// Signs an account out everywhere, as [`Store::delete_sessions_of`].
    pub async fn delete_sessions_of(&mut self, account: AccountId) -> Result<u64> {
        delete_of(self.conn(), account).await
    }
}

/// The one body of `delete_sessions_of`, on a pool connection or a transaction's.
pub(crate) async fn delete_of<'c>(conn: impl Into<Conn<'c>>, account: AccountId) -> Result<u64> {
    Ok(on_conn!(conn, |c| sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1"
    )
    .bind(account.get())
    .execute(c)
    .await?
    .rows_affected()))
}

#[cfg(test)]
mod tests {
    use crate::testing::fresh_sqlite;
    use crate::{SessionRecord, Store};
    use sqlx::Connection;
    use time::OffsetDateTime;

    fn now(store: &Store) -> OffsetDateTime {
        store.now()
    }

    /// What makes a signed-in page cost no round trip on SQLite (ADR 0034): the answer is served
    /// from memory until the next commit. Shown by changing the row behind the store's back,
    /// through a connection of its own that the store does not count, then through the store.
    #[tokio::test]
    async fn on_sqlite_a_session_is_served_from_memory_until_the_next_commit() {
        let test = fresh_sqlite().await;
        let store = &test.store;
        let session = SessionRecord {
            id: "live".into(),
            account: None,
            data: "{}".into(),
            expires_at: now(store) + time::Duration::hours(1),
        };
        store.save_session(&session).await.expect("saved");
        let kept = store
            .load_session_with_grants("live", now(store))
            .await
            .expect("read");

        let mut unseen = sqlx::SqliteConnection::connect(&test.url)
            .await
            .expect("a connection the store does not count");
        sqlx::query("UPDATE sessions SET data = '{\"unseen\":1}' WHERE id = 'live'")
            .execute(&mut unseen)
            .await
            .expect("changed behind the store's back");
        let again = store
            .load_session_with_grants("live", now(store))
            .await
            .expect("read");
        assert_eq!(again, kept, "served from memory");

        store.kv_set("any", "write").await.expect("a commit");
        let read = store
            .load_session_with_grants("live", now(store))
            .await
            .expect("read")
            .expect("live");
        assert_eq!(
            read.session.data, r#"{"unseen":1}"#,
            "read after the commit"
        );
        unseen.close().await.expect("closed");
        test.close().await;
    }
}
