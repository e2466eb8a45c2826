//! A value read from the store and kept while the database's change counter for it stays the
//! same (`Store::change_counter`, bumped by triggers in the writing transaction on every
//! instance; ADR 0010). The counter is read before the value, so a change in between makes the
//! next call read again rather than keep stale data.

use crate::error::AppResult;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
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

/// Values read per key (an account's own rows), all kept while the database's change counter
/// for them stays the same: any change drops every key's value, as one counter covers them all.
/// At most `capacity` keys are kept; beyond that every kept value is dropped and read again on
/// its next view.
pub struct VersionedByKey<K, T> {
    /// The version the values were read at, and each key's value with when it was read.
    slot: Mutex<(i64, KeptAt<K, T>)>,
    capacity: usize,
    /// Each key's value is also read again after this long.
    max_age: Option<Duration>,
}

type KeptAt<K, T> = HashMap<K, (Instant, Arc<T>)>;

impl<K: Eq + Hash + Clone, T> VersionedByKey<K, T> {
    pub fn new(capacity: usize) -> Self {
        Self::with_max_age(capacity, None)
    }

    /// Values that are also read again once they are `max_age` old: for what changes on other
    /// instances without a change counter.
    pub fn with_max_age(capacity: usize, max_age: Option<Duration>) -> Self {
        Self {
            slot: Mutex::new((i64::MIN, HashMap::new())),
            capacity,
            max_age,
        }
    }

    /// The value kept for `key` at `version`, or what `read` returns (then kept, unless a
    /// newer version was kept meanwhile).
    pub async fn get_or_read<F, Fut>(&self, version: i64, key: &K, read: F) -> AppResult<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        if let Some(kept) = self.get(version, key) {
            return Ok(kept);
        }
        let value = Arc::new(read().await?);
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if version > slot.0 {
            *slot = (version, HashMap::new());
        }
        if version == slot.0 {
            if slot.1.len() >= self.capacity {
                slot.1.clear();
            }
            slot.1.insert(key.clone(), (Instant::now(), value.clone()));
        }
        Ok(value)
    }

    fn get(&self, version: i64, key: &K) -> Option<Arc<T>> {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.0 != version {
            return None;
        }
        slot.1
            .get(key)
            .filter(|(at, _)| self.max_age.is_none_or(|max| at.elapsed() < max))
            .map(|(_, value)| value.clone())
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

    #[tokio::test]
    async fn values_by_key_are_read_again_once_the_version_moves() {
        let v: VersionedByKey<u8, u32> = VersionedByKey::new(2);
        assert_eq!(
            *v.get_or_read(1, &1, || async { Ok(10) }).await.unwrap(),
            10
        );
        assert_eq!(
            *v.get_or_read(1, &2, || async { Ok(20) }).await.unwrap(),
            20
        );
        assert_eq!(
            *v.get_or_read(1, &1, || async { Ok(11) }).await.unwrap(),
            10
        );
        // Any change of the version drops every key's value.
        assert_eq!(
            *v.get_or_read(2, &2, || async { Ok(21) }).await.unwrap(),
            21
        );
        assert_eq!(
            *v.get_or_read(2, &1, || async { Ok(12) }).await.unwrap(),
            12
        );
        // A read that raced a newer version is returned, not kept.
        assert_eq!(*v.get_or_read(1, &1, || async { Ok(0) }).await.unwrap(), 0);
        assert_eq!(
            *v.get_or_read(2, &1, || async { Ok(13) }).await.unwrap(),
            12
        );
        // Beyond its capacity the kept values go and are read again.
        assert_eq!(
            *v.get_or_read(2, &3, || async { Ok(30) }).await.unwrap(),
            30
        );
        assert_eq!(
            *v.get_or_read(2, &1, || async { Ok(14) }).await.unwrap(),
            14
        );
    }

    #[tokio::test]
    async fn values_by_key_with_a_max_age_are_read_again_once_that_old() {
        let aged: VersionedByKey<u8, u32> = VersionedByKey::with_max_age(2, Some(Duration::ZERO));
        assert_eq!(
            *aged.get_or_read(1, &1, || async { Ok(1) }).await.unwrap(),
            1
        );
        assert_eq!(
            *aged.get_or_read(1, &1, || async { Ok(2) }).await.unwrap(),
            2
        );

        let young: VersionedByKey<u8, u32> =
            VersionedByKey::with_max_age(2, Some(Duration::from_secs(3600)));
        assert_eq!(
            *young.get_or_read(1, &1, || async { Ok(1) }).await.unwrap(),
            1
        );
        assert_eq!(
            *young.get_or_read(1, &1, || async { Ok(2) }).await.unwrap(),
            1
        );
    }
}
