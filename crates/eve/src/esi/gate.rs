//! A pause shared by every instance of the app, so that one instance hitting the error limit
//! or downtime stops all of them (the error limit is counted per IP and app, not per process).

use async_trait::async_trait;
use time::OffsetDateTime;

/// Shared pause state so every instance stops together (the app implements it over the
/// database).
#[async_trait]
pub trait SharedGate: Send + Sync {
    async fn paused_until(&self) -> Option<OffsetDateTime>;
    async fn pause_until(&self, until: OffsetDateTime, reason: &str);
}
