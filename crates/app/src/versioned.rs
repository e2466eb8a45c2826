//! A value read from the store and kept while the database's change counter for it stays the
//! same (`Store::change_counter`, bumped by triggers in the writing transaction on every
//! instance; ADR 0010). The counter is read before the value, so a change in between makes the
//! next call read again rather than keep stale data.

use crate::error::AppResult;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

pub struct Versioned<T> {
    slot: Mutex<Option<(i64, Instant, Arc<T>)>>,
    /// Also read again after this long: for values that show details of other tables, which
    /// the counter does not follow.
    max_age: Option<Duration>,
}

impl<T> Versioned<T> {
    pub fn new(max_age: Option<Duration>) -> Self {
        Self {
            slot: Mutex::new(None),
            max_age,
        }
    }

    /// The value kept for `version`, or what `read` returns (then kept).
    pub async fn get_or_read<F, Fut>(&self, version: i64, read: F) -> AppResult<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        if let Some(kept) = self.get(version) {
            return Ok(kept);
        }
        let value = Arc::new(read().await?);
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((version, Instant::now(), value.clone()));
        Ok(value)
    }

    fn get(&self, version: i64) -> Option<Arc<T>> {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .filter(|(v, at, _)| *v == version && self.max_age.is_none_or(|max| at.elapsed() < max))
            .map(|(_, _, value)| value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_read_again_only_when_its_version_moves_or_it_is_too_old() {
        let v: Versioned<u32> = Versioned::new(None);
        assert_eq!(*v.get_or_read(1, || async { Ok(10) }).await.unwrap(), 10);
        assert_eq!(*v.get_or_read(1, || async { Ok(11) }).await.unwrap(), 10);
        assert_eq!(*v.get_or_read(2, || async { Ok(12) }).await.unwrap(), 12);

        let aged: Versioned<u32> = Versioned::new(Some(Duration::ZERO));
        assert_eq!(*aged.get_or_read(1, || async { Ok(1) }).await.unwrap(), 1);
        assert_eq!(*aged.get_or_read(1, || async { Ok(2) }).await.unwrap(), 2);
    }
}
