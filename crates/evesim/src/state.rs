//! State shared by every handler of one simulator instance.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use rand::SeedableRng;
use rand::rngs::StdRng;
use url::Url;

use crate::esi::cache::CacheState;
use crate::esi::limits::Limits;
use crate::log::LoggedRequest;
use crate::sso::SsoState;
use crate::sso::keys::{Keys, SigningAlg};
use crate::world::World;

/// Knobs tests and `jumpgate evesim` turn at runtime.
pub struct Controls {
    pub downtime: bool,
    pub fault_rate: f64,
    pub latency: Duration,
    pub garbage: Option<String>,
    /// Items per page on paged routes (contacts).
    pub page_size: usize,
    /// `None` alternates RS256 and ES256 so clients exercise both.
    pub signing: Option<SigningAlg>,
    pub fault_rng: StdRng,
    /// Bucket sizes that replace the spec's `max-tokens` of a rate-limit group (tests of the
    /// client's limiter with a bucket small enough to empty).
    pub bucket_max: HashMap<String, u32>,
    /// Answers forced onto the next ESI requests whose path contains the text, in order.
    pub forced: VecDeque<Forced>,
    /// A faulty SSO: every refresh answers with a token for this character instead of the
    /// refresh token's own.
    pub refresh_answers_for: Option<i64>,
    /// A faulty token endpoint.
    pub sso_fault: Option<crate::sso::SsoFault>,
}

/// One forced ESI answer: 429 (with `Retry-After`), 420 (with the error-limit reset) or a 5xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forced {
    pub route_contains: String,
    /// Matching requests to answer normally first.
    pub skip: usize,
    pub status: u16,
    /// Seconds: `Retry-After` of a 429, `X-ESI-Error-Limit-Reset` of a 420.
    pub wait_secs: u64,
}

impl Controls {
    pub fn new(seed: u64, fault_rate: f64, latency: Duration) -> Self {
        Self {
            downtime: false,
            fault_rate,
            latency,
            garbage: None,
            page_size: 1000,
            signing: None,
            fault_rng: StdRng::seed_from_u64(seed.wrapping_add(7)),
            bucket_max: HashMap::new(),
            forced: VecDeque::new(),
            refresh_answers_for: None,
            sso_fault: None,
        }
    }
}

/// The time the simulated EVE runs by: the wall clock, or (`EveSim::set_time`) a clock that runs
/// `speed` times as fast from a given date, for a soak whose client runs on that same clock, so
/// that "100 errors a minute", "15 minutes" and a token's 20 minutes mean the same to both sides.
#[derive(Debug, Clone, Copy)]
pub struct SimTime {
    wall_epoch: Instant,
    date_epoch: OffsetDateTime,
    /// How far ahead of the wall clock instants were at `wall_epoch`.
    ahead: Duration,
    speed: f64,
}

impl Default for SimTime {
    fn default() -> Self {
        Self {
            wall_epoch: Instant::now(),
            date_epoch: OffsetDateTime::now_utc(),
            ahead: Duration::ZERO,
            speed: 1.0,
        }
    }
}

impl SimTime {
    /// From now on, `date` and `speed` (at least 1) times as fast as the wall clock; instants
    /// keep going forward from where they were.
    pub fn reset(&self, date: OffsetDateTime, speed: f64) -> Self {
        let instant = self.instant();
        let wall_epoch = Instant::now();
        Self {
            wall_epoch,
            date_epoch: date,
            ahead: instant.saturating_duration_since(wall_epoch),
            speed: speed.max(1.0),
        }
    }

    fn elapsed(&self) -> Duration {
        self.wall_epoch.elapsed().mul_f64(self.speed)
    }

    pub fn now_utc(&self) -> OffsetDateTime {
        self.date_epoch + self.elapsed()
    }

    /// For windows and deadlines counted in instants.
    pub fn instant(&self) -> Instant {
        self.wall_epoch + self.ahead + self.elapsed()
    }
}

pub struct Shared {
    /// Advertised origin, always with a trailing slash.
    pub base_url: Url,
    pub world: Mutex<World>,
    pub sso: Mutex<SsoState>,
    pub keys: &'static Keys,
    pub limits: Mutex<Limits>,
    pub cache: Mutex<CacheState>,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub controls: Mutex<Controls>,
    /// What "now" is (the limiters keep a copy beside their windows).
    pub time: Mutex<SimTime>,
    /// What applications registered without their own scope list are registered with.
    pub registered_scopes: Vec<String>,
    /// Counts issued access tokens, to alternate signing algorithms.
    pub issued: AtomicU64,
}

impl Shared {
    /// The base URL without its trailing slash.
    pub fn origin(&self) -> String {
        self.base_url.as_str().trim_end_matches('/').to_owned()
    }

    pub fn now_utc(&self) -> OffsetDateTime {
        lock(&self.time).now_utc()
    }

    /// An absolute URL on this origin; `path` starts with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }
}

/// Locks a mutex, recovering from poisoning: a panicking handler must not wedge the simulator.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
