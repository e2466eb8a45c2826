//! A fake ESI on wiremock, a manual clock and a recording shared gate.

use async_trait::async_trait;
use jumpgate_eve::{EsiClient, EsiConfig, ManualClock, MemoryCache, SharedGate};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use time::macros::datetime;
use url::Url;
use wiremock::MockServer;

/// Noon UTC: well away from the 11:00 downtime.
pub const NOON: OffsetDateTime = datetime!(2026-08-18 12:00 UTC);
pub const USER_AGENT: &str = "jumpgate-tests/0.1 (admin@example.org)";
pub const CHARACTER: i64 = 2_112_000_001;

pub struct Esi {
    pub server: MockServer,
    pub clock: Arc<ManualClock>,
    pub cache: Arc<MemoryCache>,
    pub gate: Arc<RecordingGate>,
    pub client: EsiClient,
}

impl Esi {
    pub async fn start() -> Self {
        Self::start_at(NOON, |_| {}).await
    }

    pub async fn start_at(now: OffsetDateTime, tune: impl FnOnce(&mut EsiConfig)) -> Self {
        let server = MockServer::start().await;
        let mut config = EsiConfig::new(Url::parse(&server.uri()).expect("url"), USER_AGENT);
        config.timeout = Duration::from_millis(300);
        tune(&mut config);
        let clock = Arc::new(ManualClock::new(now));
        let cache = Arc::new(MemoryCache::new());
        let gate = Arc::new(RecordingGate::default());
        let client = EsiClient::new(config, reqwest::Client::new(), cache.clone())
            .with_clock(clock.clone())
            .with_shared_gate(gate.clone());
        Self {
            server,
            clock,
            cache,
            gate,
            client,
        }
    }

    pub async fn requests(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .len()
    }

    pub async fn bodies(&self) -> Vec<Value> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }
}

/// A shared gate that remembers every pause, as the app's database-backed one would.
#[derive(Default)]
pub struct RecordingGate {
    pub pauses: Mutex<Vec<(OffsetDateTime, String)>>,
}

impl RecordingGate {
    pub fn pauses(&self) -> Vec<(OffsetDateTime, String)> {
        self.pauses.lock().expect("lock").clone()
    }
}

#[async_trait]
impl SharedGate for RecordingGate {
    async fn paused_until(&self) -> Option<OffsetDateTime> {
        self.pauses.lock().expect("lock").iter().map(|p| p.0).max()
    }

    async fn pause_until(&self, until: OffsetDateTime, reason: &str) {
        self.pauses
            .lock()
            .expect("lock")
            .push((until, reason.to_owned()));
    }
}

pub fn http_date(at: OffsetDateTime) -> String {
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.format(f).expect("format")
}

pub fn character_json() -> Value {
    json!({
        "name": "Some Bloke",
        "corporation_id": 98000001,
        "alliance_id": 99000001,
        "birthday": "2015-03-24T11:37:00Z",
        "bloodline_id": 3,
        "race_id": 2,
        "gender": "male",
        "security_status": 1.5,
        "achievement_score": 12
    })
}
