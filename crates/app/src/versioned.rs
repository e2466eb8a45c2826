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
    slot: Mutex<(i64, HashMap<K, Arc<T>>)>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, T> VersionedByKey<K, T> {
    pub fn new(capacity: usize) -> Self {
        Self {
            slot: Mutex::new((i64::MIN, HashMap::new())),
            capacity,
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
            slot.1.insert(key.clone(), value.clone());
        }
        Ok(value)
    }

    fn get(&self, version: i64, key: &K) -> Option<Arc<T>> {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        (slot.0 == version).then(|| slot.1.get(key).cloned())?
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
}
