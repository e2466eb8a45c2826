//! The log's entries as its page shows them, kept by id. An entry never changes once written
//! (the chain would show it), so what one read found stays true for as long as the process
//! lives, on every instance, without a change counter: a page reads the ids of the entries it
//! shows (one query of integers) and only the entries it does not hold yet. Reading and
//! decoding a hundred whole entries a view (their details are JSON) was half of the page's
//! time (docs/benchmarks.md, "The audit log").

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use jumpgate_domain::audit::AuditEntry;
use jumpgate_store::AuditFilter;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

/// How many entries are kept: the newest ten pages. Older ones are read when shown.
const ENTRIES_KEPT: usize = 1_000;

/// Entries by id, the newest `ENTRIES_KEPT` of those read.
#[derive(Default)]
pub struct KeptEntries {
    by_id: Mutex<BTreeMap<i64, Arc<AuditEntry>>>,
}

impl KeptEntries {
    /// Those of `ids` that are kept.
    fn find(&self, ids: &[i64]) -> HashMap<i64, Arc<AuditEntry>> {
        let kept = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        ids.iter()
            .filter_map(|id| kept.get(id).map(|e| (*id, e.clone())))
            .collect()
    }

    /// Keeps `entries`, then drops the oldest beyond `ENTRIES_KEPT` (which may be some of
    /// these: a view of old pages does not push the newest out).
    fn keep(&self, entries: &[Arc<AuditEntry>]) {
        let mut kept = self.by_id.lock().unwrap_or_else(PoisonError::into_inner);
        for e in entries {
            kept.insert(e.id, e.clone());
        }
        while kept.len() > ENTRIES_KEPT {
            kept.pop_first();
        }
    }
}

impl App {
    /// `audit_entries` for showing: the same entries, newest first, those read before taken
    /// from what this process keeps. Needs what `audit_entries` needs.
    pub async fn audit_page(
        &self,
        caller: &Caller,
        filter: AuditFilter,
    ) -> AppResult<Vec<Arc<AuditEntry>>> {
        let filter = super::readable(caller, filter)?;
        let ids = self.store().audit_entry_ids(&filter).await?;
        let kept = &self.inner.audit_entries;
        let mut found = kept.find(&ids);
        let missing: Vec<i64> = ids
            .iter()
            .filter(|id| !found.contains_key(id))
            .copied()
            .collect();
        if !missing.is_empty() {
            let read: Vec<Arc<AuditEntry>> = (self.store().audit_entries_by_ids(&missing).await?)
                .into_iter()
                .map(Arc::new)
                .collect();
            kept.keep(&read);
            found.extend(read.into_iter().map(|e| (e.id, e)));
        }
        Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumpgate_domain::audit::{Actor, HashVersion};

    fn entry(id: i64) -> Arc<AuditEntry> {
        Arc::new(AuditEntry {
            id,
            at: time::OffsetDateTime::UNIX_EPOCH,
            actor: Actor::System("test".into()),
            action: "test".into(),
            target: String::new(),
            details: serde_json::Value::Null,
            prev_hash: String::new(),
            hash: String::new(),
            hash_version: HashVersion::Keyed,
        })
    }

    #[test]
    fn the_newest_entries_stay_kept_when_old_pages_are_read() {
        let kept = KeptEntries::default();
        let newest: Vec<_> = (5_001..=5_000 + ENTRIES_KEPT as i64).map(entry).collect();
        kept.keep(&newest);
        kept.keep(&[entry(3), entry(4)]);
        assert_eq!(kept.find(&[3, 4]).len(), 0, "older than every kept entry");
        let ids: Vec<i64> = newest.iter().map(|e| e.id).collect();
        assert_eq!(kept.find(&ids).len(), ENTRIES_KEPT);
        kept.keep(&[entry(9_000)]);
        assert_eq!(kept.find(&[5_001]).len(), 0, "the oldest made room");
        assert_eq!(kept.find(&[9_000, 5_002]).len(), 2);
    }
}
