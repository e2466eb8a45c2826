//! Reading the change counters that say whether a kept list is still current (ADR 0010).
//!
//! A signed-in page's caller comes with every counter, read in the same statement as its
//! session (`App::session_caller`); a use case takes its counters from there instead of reading
//! them again, which saves every such page a round trip to the database. They are only taken
//! while this process has begun no write since they were read (`Store::local_writes`): a request
//! that changed something itself then reads the counters afresh and sees its own change. What
//! other requests and instances write meanwhile is as current as if the counter had been read at
//! the start of the request.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;

impl App {
    /// The change counters `names` as `caller`'s request saw them, or as the database holds
    /// them now when that is not known to be current.
    pub(crate) async fn change_counters_seen_by<const N: usize>(
        &self,
        caller: &Caller,
        names: [&str; N],
    ) -> AppResult<[i64; N]> {
        let seen = caller
            .seen()
            .filter(|seen| seen.local_writes == self.store().local_writes())
            .and_then(|seen| {
                let mut values = [0; N];
                for (value, name) in values.iter_mut().zip(names) {
                    *value = *seen.counters.get(name)?;
                }
                Some(values)
            });
        match seen {
            Some(values) => Ok(values),
            None => Ok(self.store().change_counters(names).await?),
        }
    }

    /// One change counter (`change_counters_seen_by`).
    pub(crate) async fn change_counter_seen_by(
        &self,
        caller: &Caller,
        name: &str,
    ) -> AppResult<i64> {
        let [value] = self.change_counters_seen_by(caller, [name]).await?;
        Ok(value)
    }
}
