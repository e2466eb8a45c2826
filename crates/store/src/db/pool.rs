//! Connection pool settings shared by both backends.

use sqlx::pool::{PoolConnectionMetadata, PoolOptions};
use sqlx::{Connection, Database};
use std::time::Duration;

/// A connection idle for longer than this is checked before it is handed out.
const CHECK_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);

/// Pool options that check a pooled connection only after it sat idle.
///
/// sqlx's default pings every connection on every acquire: one extra round trip per statement.
/// Under a contact-sync round (64 syncs, ~25 statements each) that doubled the database's round
/// trips. A connection in steady use has just proved itself; one that sat idle may have been
/// closed by the server or a proxy in between, so it still gets the ping.
pub(crate) fn pool_options<DB: Database>() -> PoolOptions<DB> {
    PoolOptions::<DB>::new()
        .test_before_acquire(false)
        .before_acquire(|conn, meta: PoolConnectionMetadata| {
            Box::pin(async move {
                if meta.idle_for > CHECK_WHEN_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}
