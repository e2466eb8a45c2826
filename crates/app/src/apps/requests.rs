//! Each application's calls: limited per application (`[apps] rate_limit_*`, Neucore's fixed
//! window) and counted per hour for its statistics. Both live in this process's memory; the
//! counts go to the database about once a minute and when the process stops, where every
//! instance's counts add up.

use crate::App;
use crate::error::AppResult;
use jumpgate_domain::AppId;
use jumpgate_domain::apps::rate_limit::{Verdict, Window};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use time::{Date, Duration, OffsetDateTime, Time};

/// Calls counted and windows open in this process.
#[derive(Default)]
pub struct AppRequestCounter {
    windows: Mutex<HashMap<AppId, Option<Window>>>,
    /// Calls per application and hour (its start) not yet saved.
    unsaved: Mutex<HashMap<(AppId, OffsetDateTime), u64>>,
}

/// An application's calls as its page shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestStatistics {
    /// Per hour, the last two days, newest first (hours without calls left out).
    pub hourly: Vec<(OffsetDateTime, u64)>,
    /// Per day, the last 31 days, newest first.
    pub daily: Vec<(Date, u64)>,
    /// Per month (year, month), the last year, newest first.
    pub monthly: Vec<((i32, u8), u64)>,
}

fn hour_of(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_time(Time::from_hms(t.hour(), 0, 0).unwrap_or(Time::MIDNIGHT))
}

impl RequestStatistics {
    /// Sums `hours` (hour start, calls) as the page shows them at `now`.
    pub fn from_hours(hours: &[(OffsetDateTime, u64)], now: OffsetDateTime) -> Self {
        let mut daily: BTreeMap<Date, u64> = BTreeMap::new();
        let mut monthly: BTreeMap<(i32, u8), u64> = BTreeMap::new();
        let mut hourly = Vec::new();
        for (hour, n) in hours {
            if now - *hour < Duration::days(2) {
                hourly.push((*hour, *n));
            }
            if now - *hour < Duration::days(31) {
                *daily.entry(hour.date()).or_default() += n;
            }
            *monthly
                .entry((hour.year(), u8::from(hour.month())))
                .or_default() += n;
        }
        hourly.sort_by_key(|(hour, _)| std::cmp::Reverse(*hour));
        Self {
            hourly,
            daily: daily.into_iter().rev().collect(),
            monthly: monthly.into_iter().rev().collect(),
        }
    }
}

impl App {
    /// Counts a call of `app` at `now` and judges it against `[apps]`'s limit; `None` when
    /// there is no limit.
    pub fn count_app_request(&self, app: AppId, now: OffsetDateTime) -> Option<Verdict> {
        let counter = &self.inner.apps.requests;
        *counter
            .unsaved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((app, hour_of(now)))
            .or_default() += 1;
        let limit = self.settings().apps.rate_limit()?;
        let mut windows = counter
            .windows
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Some(limit.count(windows.entry(app).or_default(), now))
    }

    /// Adds the calls counted since the last save to the database. What cannot be saved is
    /// counted again with the next save.
    pub async fn save_app_requests(&self) -> AppResult<()> {
        let counter = &self.inner.apps.requests;
        let taken: Vec<(AppId, OffsetDateTime, u64)> = counter
            .unsaved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|((app, hour), n)| (app, hour, n))
            .collect();
        if let Err(e) = self.store().add_app_requests(&taken).await {
            let mut unsaved = counter
                .unsaved
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for (app, hour, n) in taken {
                *unsaved.entry((app, hour)).or_default() += n;
            }
            return Err(e.into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn hours_add_up_to_days_and_months_newest_first() {
        let now = datetime!(2026-12-06 12:30 UTC);
        let hours = [
            (datetime!(2026-10-01 00:00 UTC), 5),
            (datetime!(2026-12-05 23:00 UTC), 2),
            (datetime!(2026-12-06 11:00 UTC), 3),
            (datetime!(2026-12-06 12:00 UTC), 4),
        ];
        let s = RequestStatistics::from_hours(&hours, now);
        assert_eq!(
            s.hourly,
            vec![
                (datetime!(2026-12-06 12:00 UTC), 4),
                (datetime!(2026-12-06 11:00 UTC), 3),
                (datetime!(2026-12-05 23:00 UTC), 2),
            ]
        );
        assert_eq!(
            s.daily,
            vec![
                (time::macros::date!(2026 - 12 - 06), 7),
                (time::macros::date!(2026 - 12 - 05), 2),
            ]
        );
        assert_eq!(s.monthly, vec![((2026, 12), 9), ((2026, 10), 5)]);
    }

    #[test]
    fn a_time_counts_in_the_hour_it_falls_in() {
        assert_eq!(
            hour_of(datetime!(2026-12-06 12:59:59.9 UTC)),
            datetime!(2026-12-06 12:00 UTC)
        );
    }
}
