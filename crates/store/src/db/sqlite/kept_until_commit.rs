//! Reads kept until the database's next commit (ADR 0034).
//!
//! SQLite is one process's database (the lock file), and every commit it makes is counted as it
//! begins and as it becomes visible (`Commits`). A value read while no commit was on its way and
//! none began is what a read would answer again until the next commit begins: it is kept under
//! that count and served without a round trip to a connection's thread. Any commit forgets
//! every kept value.

use crate::{AccountWithCharacters, ApplicationFilter, AuditFilter, GroupMember, JobCounts};
use crate::{AuditNameIds, AuditNameRows};
use crate::{Result, SessionAccess, Store};
use jumpgate_domain::account::Character;
use jumpgate_domain::groups::GroupApplication;
use jumpgate_domain::states::State;
use jumpgate_domain::{AccountId, GroupId};
use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use time::OffsetDateTime;

/// The reads the signed-in pages make, kept until the next commit. Each is bounded: a page
/// view keeps one value of each it reads, and any commit forgets them all.
pub(crate) struct KeptReads {
    /// Sessions with their grants and change counters by session id
    /// (`Store::load_session_with_grants`).
    pub(crate) sessions: KeptUntilCommit<String, Option<SessionAccess>>,
    /// Accounts with their characters (`Store::account_with_characters`).
    pub(crate) accounts: KeptUntilCommit<AccountId, Option<AccountWithCharacters>>,
    /// An account's characters alone (`Store::characters_of`).
    pub(crate) characters: KeptUntilCommit<AccountId, Vec<Character>>,
    /// When each of an account's sessions expires (`Store::count_sessions_of`).
    pub(crate) session_expiries: KeptUntilCommit<AccountId, Vec<OffsetDateTime>>,
    /// The states with their criteria and permissions (`Store::states`).
    pub(crate) states: KeptUntilCommit<(), Vec<State>>,
    /// How many members each group has (`Store::group_sizes`).
    pub(crate) group_sizes: KeptUntilCommit<(), BTreeMap<GroupId, usize>>,
    /// A group's members with their mains (`Store::group_members`).
    pub(crate) group_members: KeptUntilCommit<GroupId, Vec<GroupMember>>,
    /// Group applications by the filter that listed them (`Store::group_applications`).
    pub(crate) group_applications: KeptUntilCommit<ApplicationFilter, Vec<GroupApplication>>,
    /// How many jobs of each kind are queued, running and failed (`Store::job_counts_by_kind`).
    pub(crate) job_counts: KeptUntilCommit<(), BTreeMap<String, JobCounts>>,
    /// The audit log's entry ids by filter (`Store::audit_entry_ids`).
    pub(crate) audit_entry_ids: KeptUntilCommit<AuditFilter, Vec<i64>>,
    /// The names an audit page refers to (`Store::audit_names`).
    pub(crate) audit_names: KeptUntilCommit<AuditNameIds, AuditNameRows>,
}

impl KeptReads {
    pub(crate) fn new() -> Self {
        Self {
            sessions: KeptUntilCommit::new(1024),
            // Larger values (characters, tokens), fewer of them.
            accounts: KeptUntilCommit::new(256),
            characters: KeptUntilCommit::new(256),
            session_expiries: KeptUntilCommit::new(256),
            states: KeptUntilCommit::new(1),
            group_sizes: KeptUntilCommit::new(1),
            // A large group lists thousands of members: a few groups at a time.
            group_members: KeptUntilCommit::new(8),
            group_applications: KeptUntilCommit::new(256),
            job_counts: KeptUntilCommit::new(1),
            audit_entry_ids: KeptUntilCommit::new(16),
            audit_names: KeptUntilCommit::new(16),
        }
    }

    /// Forgets every value and the memory that held them (a quiet process, ADR 0025).
    pub(crate) fn forget_all(&self) {
        self.sessions.forget_all();
        self.accounts.forget_all();
        self.characters.forget_all();
        self.session_expiries.forget_all();
        self.states.forget_all();
        self.group_sizes.forget_all();
        self.group_members.forget_all();
        self.group_applications.forget_all();
        self.job_counts.forget_all();
        self.audit_entry_ids.forget_all();
        self.audit_names.forget_all();
    }
}

impl Store {
    /// `read`'s answer for `key`: on a SQLite file kept (in the map `which` picks) until the next
    /// commit and served from memory meanwhile, while `holds` says the value still answers (ADR
    /// 0034); a value that does not hold is neither served nor kept. On PostgreSQL, which other
    /// instances write too, and on an in-memory database, `read` runs every time.
    ///
    /// `key` is borrowed: a page view that finds its value kept copies no key (a session id, an
    /// audit page's ids); only a value that is kept takes one.
    pub(crate) async fn kept_until_commit<K, Q, V, Fut>(
        &self,
        which: impl FnOnce(&KeptReads) -> &KeptUntilCommit<K, V>,
        key: &Q,
        holds: impl Fn(&V) -> bool,
        read: impl FnOnce() -> Fut,
    ) -> Result<V>
    where
        K: Eq + Hash + Borrow<Q>,
        Q: Eq + Hash + ToOwned<Owned = K> + ?Sized,
        V: Clone,
        Fut: Future<Output = Result<V>>,
    {
        let Some((db, commits)) = self.db.counting_commits() else {
            return read().await;
        };
        let kept = which(&db.kept);
        if let Some(value) = kept.get(key, commits.begun())
            && holds(&value)
        {
            return Ok(value);
        }
        // Kept only when every commit begun before the read was visible to it, and none began
        // while it ran.
        let before = commits.settled();
        let value = read().await?;
        if let Some(before) = before
            && holds(&value)
        {
            kept.keep(key.to_owned(), value.clone(), before, commits.begun());
        }
        Ok(value)
    }
}

/// Values by key, all read while the commit count stood at `as_of`.
pub(crate) struct KeptUntilCommit<K, V> {
    kept: Mutex<Kept<K, V>>,
    /// At most this many values are kept; a full map starts again empty (a bound, not an
    /// eviction policy: a commit empties it far more often).
    capacity: usize,
}

struct Kept<K, V> {
    as_of: u64,
    values: HashMap<K, V>,
}

impl<K, V> Kept<K, V> {
    /// The values that hold at count `commits`, forgetting those kept under an older one;
    /// `None` for a count older than what is kept (a caller that counted before a commit another
    /// request has already seen): its view is past, and it must not empty the newer values.
    fn at(&mut self, commits: u64) -> Option<&mut HashMap<K, V>> {
        if commits < self.as_of {
            return None;
        }
        if commits > self.as_of {
            self.values.clear();
            self.as_of = commits;
        }
        Some(&mut self.values)
    }
}

impl<K: Eq + Hash, V: Clone> KeptUntilCommit<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            kept: Mutex::new(Kept {
                as_of: 0,
                values: HashMap::new(),
            }),
            capacity,
        }
    }

    /// The value kept for `key`, if it was read when the count was `commits` (now).
    pub(crate) fn get<Q>(&self, key: &Q, commits: u64) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.lock().at(commits)?.get(key).cloned()
    }

    /// Keeps `value`, read after the count was `before`, if the count is still the same `after`
    /// the read: then no commit came between, and the value holds until the next.
    pub(crate) fn keep(&self, key: K, value: V, before: u64, after: u64) {
        if before != after {
            return;
        }
        let mut kept = self.lock();
        let capacity = self.capacity;
        let Some(values) = kept.at(after) else {
            return;
        };
        if values.len() >= capacity {
            values.clear();
        }
        values.insert(key, value);
    }

    /// Forgets every value and the memory that held them (a quiet process, ADR 0025).
    pub(crate) fn forget_all(&self) {
        let mut kept = self.lock();
        kept.values = HashMap::new();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept<K, V>> {
        // A panic while holding the lock leaves at worst a value that is correct for its count.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_served_until_the_next_commit() {
        let kept = KeptUntilCommit::new(8);
        kept.keep("session", 1, 5, 5);

        assert_eq!(kept.get("session", 5), Some(1));
        assert_eq!(kept.get("session", 6), None, "a commit forgets it");
        assert_eq!(kept.get("session", 5), None, "and it does not come back");
    }

    #[test]
    fn a_value_read_across_a_commit_is_not_kept() {
        let kept = KeptUntilCommit::new(8);
        kept.keep("session", 1, 5, 6);

        assert_eq!(kept.get("session", 6), None);
    }

    #[test]
    fn a_value_kept_under_a_newer_count_forgets_the_older_ones() {
        let kept = KeptUntilCommit::new(8);
        kept.keep("a", 1, 5, 5);
        kept.keep("b", 2, 6, 6);

        assert_eq!(kept.get("b", 6), Some(2));
        assert_eq!(kept.get("a", 6), None);
    }

    #[test]
    fn a_caller_that_counted_before_a_commit_neither_reads_nor_forgets_the_newer_values() {
        let kept = KeptUntilCommit::new(8);
        kept.keep("a", 1, 6, 6);

        assert_eq!(kept.get("a", 5), None);
        kept.keep("a", 0, 5, 5);
        assert_eq!(kept.get("a", 6), Some(1));
    }

    #[test]
    fn a_full_map_starts_again() {
        let kept = KeptUntilCommit::new(2);
        kept.keep("a", 1, 5, 5);
        kept.keep("b", 2, 5, 5);
        kept.keep("c", 3, 5, 5);

        assert_eq!(kept.get("a", 5), None);
        assert_eq!(kept.get("c", 5), Some(3));
    }

    #[test]
    fn forgetting_all_empties_it() {
        let kept = KeptUntilCommit::new(8);
        kept.keep("a", 1, 5, 5);
        kept.forget_all();

        assert_eq!(kept.get("a", 5), None);
    }
}
