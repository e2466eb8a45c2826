//! The safety valve: when an unusual share of token refreshes fails as "invalid" in a short
//! window, the cause is far more likely CCP's SSO or our configuration than thousands of players
//! revoking at once. Alliance Auth lost whole alliances' access this way during an SSO outage.
//! While tripped, tokens are not invalidated and nobody loses access; an alert is raised.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// When the valve trips and for how long (`AppSettings::safety_valve`; the binary uses the
/// defaults, there is no configuration section for it).
#[derive(Debug, Clone)]
pub struct SafetyValveSettings {
    /// The window over which refresh outcomes are counted.
    pub window: Duration,
    /// Fewer invalid answers than this never trip the valve.
    pub min_invalid: u32,
    /// The share of refreshes answered "invalid" within the window that trips the valve.
    pub max_invalid_share: f64,
    /// How long invalidation stays suspended once tripped (an admin can clear it sooner).
    pub hold: Duration,
}

impl Default for SafetyValveSettings {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(10 * 60),
            min_invalid: 10,
            max_invalid_share: 0.2,
            hold: Duration::from_secs(60 * 60),
        }
    }
}

#[derive(Debug)]
pub struct SafetyValve {
    settings: SafetyValveSettings,
    inner: Mutex<Window>,
}

#[derive(Debug, Default)]
struct Window {
    /// (when, was it an invalid answer)
    outcomes: VecDeque<(Instant, bool)>,
    tripped_until: Option<Instant>,
    /// Set when the SSO said our client itself is wrong: stop refreshing altogether.
    misconfigured_until: Option<Instant>,
}

/// What to do with an "invalid" answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Mark the token invalid.
    Invalidate,
    /// Keep the token as it is: the valve is open. `just_tripped` is true exactly once per trip.
    Hold { just_tripped: bool },
}

impl SafetyValve {
    pub fn new(settings: SafetyValveSettings) -> Self {
        Self {
            settings,
            inner: Mutex::new(Window::default()),
        }
    }

    fn window(&self) -> std::sync::MutexGuard<'_, Window> {
        // A poisoned lock only means another thread panicked mid-update of counters.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn record_success(&self) {
        self.record_success_at(Instant::now());
    }

    pub fn record_success_at(&self, now: Instant) {
        let mut w = self.window();
        w.outcomes.push_back((now, false));
        self.prune(&mut w, now);
    }

    /// Records an "invalid" answer and says whether to act on it.
    pub fn record_invalid(&self) -> Verdict {
        self.record_invalid_at(Instant::now())
    }

    pub fn record_invalid_at(&self, now: Instant) -> Verdict {
        let mut w = self.window();
        w.outcomes.push_back((now, true));
        self.prune(&mut w, now);
        if w.tripped_until.is_some_and(|t| t > now) {
            return Verdict::Hold {
                just_tripped: false,
            };
        }
        let invalid = w.outcomes.iter().filter(|(_, bad)| *bad).count();
        let total = w.outcomes.len();
        let share = invalid as f64 / total.max(1) as f64;
        if invalid >= self.settings.min_invalid as usize && share >= self.settings.max_invalid_share
        {
            w.tripped_until = Some(now + self.settings.hold);
            tracing::error!(
                invalid,
                total,
                "SAFETY VALVE TRIPPED: {invalid} of {total} token refreshes failed as invalid within the window; token invalidation is suspended and nobody loses access until an administrator checks EVE's SSO and the configuration"
            );
            metrics::counter!("sso_safety_valve_trips_total").increment(1);
            return Verdict::Hold { just_tripped: true };
        }
        Verdict::Invalidate
    }

    pub fn is_tripped(&self) -> bool {
        self.window()
            .tripped_until
            .is_some_and(|t| t > Instant::now())
    }

    /// An administrator checked and clears the valve.
    pub fn reset(&self) {
        let mut w = self.window();
        w.tripped_until = None;
        w.misconfigured_until = None;
        w.outcomes.clear();
    }

    /// The SSO says our client id or secret is wrong: stop refreshing for a while, touch nothing.
    pub fn record_misconfigured(&self, pause: Duration) {
        let mut w = self.window();
        w.misconfigured_until = Some(Instant::now() + pause);
        metrics::counter!("sso_misconfigured_total").increment(1);
    }

    pub fn refreshing_paused(&self) -> bool {
        self.window()
            .misconfigured_until
            .is_some_and(|t| t > Instant::now())
    }

    fn prune(&self, w: &mut Window, now: Instant) {
        while let Some((at, _)) = w.outcomes.front() {
            if now.duration_since(*at) > self.settings.window {
                w.outcomes.pop_front();
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valve() -> SafetyValve {
        SafetyValve::new(SafetyValveSettings {
            window: Duration::from_secs(600),
            min_invalid: 5,
            max_invalid_share: 0.2,
            hold: Duration::from_secs(3600),
        })
    }

    #[test]
    fn a_few_invalid_tokens_among_many_are_invalidated() {
        let v = valve();
        let now = Instant::now();
        for _ in 0..100 {
            v.record_success_at(now);
        }
        for _ in 0..4 {
            assert_eq!(v.record_invalid_at(now), Verdict::Invalidate);
        }
    }

    #[test]
    fn a_wave_of_invalid_answers_trips_the_valve_once_and_holds() {
        let v = valve();
        let now = Instant::now();
        for _ in 0..10 {
            v.record_success_at(now);
        }
        let verdicts: Vec<_> = (0..10).map(|_| v.record_invalid_at(now)).collect();
        // 4 invalid out of 14 answers (28 %) is below min_invalid=5; the 5th (5/15 = 33 %) trips.
        assert_eq!(verdicts[..4], [Verdict::Invalidate; 4]);
        assert_eq!(verdicts[4], Verdict::Hold { just_tripped: true });
        assert!(verdicts[5..].iter().all(|v| *v
            == Verdict::Hold {
                just_tripped: false
            }));
        assert!(v.is_tripped());
        v.reset();
        assert!(!v.is_tripped());
    }

    #[test]
    fn old_outcomes_leave_the_window() {
        let v = valve();
        let start = Instant::now();
        for _ in 0..4 {
            v.record_invalid_at(start);
        }
        let later = start + Duration::from_secs(601);
        for _ in 0..100 {
            v.record_success_at(later);
        }
        assert_eq!(v.record_invalid_at(later), Verdict::Invalidate);
    }
}
