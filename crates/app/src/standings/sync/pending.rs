//! Our own writes that ESI's contact list does not show yet.
//!
//! ESI caches a contact list for up to 5 minutes: right after our writes it still serves the
//! list as it was (and the ESI client serves that answer from its cache without asking). The
//! next sync must not see its own adds missing and write them again, nor judge its own deletes
//! as still there. So after writing, the engine keeps what it changed since that cached answer
//! (the contacts as it left them, the ids it deleted) and lays it over that same answer
//! whenever ESI serves it again: recognised by its `Last-Modified`, not by the clock, since ESI
//! may serve it a little after our clock says it expired, and Jumpgate may have lost its own
//! copy (a 200 with the old list is as stale as a 304). Only the changes are kept, with the
//! enrolment, not the whole list: an approval's is one contact, and ids written with the same
//! values share one group.

use crate::App;
use crate::error::AppResult;
use jumpgate_domain::CharacterId;
use jumpgate_domain::standings::{ContactKind, CurrentContact};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Changes made since ESI's cached contact list (module docs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Pending {
    /// Unix seconds until which ESI may still serve the list from before these changes.
    valid_until: i64,
    /// ESI's `Last-Modified` of the list these changes were laid over: while ESI answers with
    /// it, it does not show them. Absent in changes stored before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    answer: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    deleted: Vec<i64>,
    /// The contacts as written, grouped by identical values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    written: Vec<Group>,
}

/// Contacts that share every value but their id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Group {
    kind: ContactKind,
    standing: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    label_ids: Vec<i64>,
    #[serde(default, skip_serializing_if = "is_false")]
    watched: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    blocked: bool,
    ids: Vec<i64>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn is_false(b: &bool) -> bool {
    !*b
}

/// Contact id → the contact as it now is, or `None` when deleted.
type Changes = BTreeMap<i64, Option<CurrentContact>>;

impl Pending {
    /// The stored form, if it parses and still applies at `now`; anything else means ESI's
    /// answer is to be taken as it is.
    pub fn parse(text: Option<&str>, now: OffsetDateTime) -> Option<Self> {
        let pending: Self = serde_json::from_str(text?).ok()?;
        (pending.valid_until > now.unix_timestamp()).then_some(pending)
    }

    /// The stored changes if they are to be laid over ESI's answer: the answer they were laid
    /// over (its `last_modified`); for changes stored without it, an answer Jumpgate already had
    /// (`not_modified`) before they expire.
    pub fn over_answer(
        text: Option<&str>,
        last_modified: Option<&str>,
        not_modified: bool,
        now: OffsetDateTime,
    ) -> Option<Self> {
        let pending: Self = serde_json::from_str(text?).ok()?;
        let same = match (pending.answer.as_deref(), last_modified) {
            (Some(ours), Some(served)) => ours == served,
            _ => not_modified && pending.valid_until > now.unix_timestamp(),
        };
        same.then_some(pending)
    }

    pub fn to_text(&self) -> String {
        // Plain numbers, strings and booleans: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// ESI's cached list with these changes laid over it, by contact id.
    pub fn apply(&self, cached: Vec<CurrentContact>) -> Vec<CurrentContact> {
        let mut by_id: BTreeMap<i64, CurrentContact> =
            cached.into_iter().map(|c| (c.contact_id, c)).collect();
        for (id, change) in self.changes() {
            match change {
                Some(c) => by_id.insert(id, c),
                None => by_id.remove(&id),
            };
        }
        by_id.into_values().collect()
    }

    /// The changes after new writes to the ids `touched`: `previous` (when it was laid over the
    /// list these writes started from, ESI's answer `answer`, served until `valid_until`) plus
    /// each touched id as it is in `after`, the list now.
    pub fn after_writes(
        previous: Option<&Pending>,
        answer: Option<&str>,
        valid_until: OffsetDateTime,
        touched: impl IntoIterator<Item = i64>,
        after: &[CurrentContact],
    ) -> Self {
        let mut changes = previous.map(Self::changes).unwrap_or_default();
        for id in touched {
            let now = after
                .binary_search_by_key(&id, |c| c.contact_id)
                .ok()
                .map(|i| after[i].clone());
            changes.insert(id, now);
        }
        let mut pending = Self::from_changes(valid_until.unix_timestamp(), changes);
        pending.answer = answer.map(str::to_owned);
        pending
    }

    fn changes(&self) -> Changes {
        let mut out = Changes::new();
        for id in &self.deleted {
            out.insert(*id, None);
        }
        for g in &self.written {
            for id in &g.ids {
                out.insert(
                    *id,
                    Some(CurrentContact {
                        contact_id: *id,
                        kind: g.kind,
                        standing: g.standing,
                        label_ids: g.label_ids.clone(),
                        is_watched: g.watched,
                        is_blocked: g.blocked,
                    }),
                );
            }
        }
        out
    }

    fn from_changes(valid_until: i64, changes: Changes) -> Self {
        let mut deleted = Vec::new();
        let mut written: Vec<Group> = Vec::new();
        for (id, change) in changes {
            let Some(c) = change else {
                deleted.push(id);
                continue;
            };
            let same = |g: &&mut Group| {
                g.kind == c.kind
                    && g.standing.to_bits() == c.standing.to_bits()
                    && g.label_ids == c.label_ids
                    && g.watched == c.is_watched
                    && g.blocked == c.is_blocked
            };
            match written.iter_mut().find(same) {
                Some(g) => g.ids.push(id),
                None => written.push(Group {
                    kind: c.kind,
                    standing: c.standing,
                    label_ids: c.label_ids,
                    watched: c.is_watched,
                    blocked: c.is_blocked,
                    ids: vec![id],
                }),
            }
        }
        Self {
            valid_until,
            answer: None,
            deleted,
            written,
        }
    }
}

/// Where the changes of a character that left sync wait for it to enrol again: the enrolment
/// (and its column) is deleted, but ESI may serve the list from before the clean-up for minutes,
/// and a sync right after enrolling again would take the contacts just deleted for personal ones.
fn left_key(character: CharacterId) -> String {
    format!("standings.sync.pending_after_leave.{character}")
}

impl App {
    /// Before a character's enrolment is deleted: its pending writes, kept aside.
    pub(crate) async fn keep_pending_writes(&self, character: CharacterId) -> AppResult<()> {
        if let Some(text) = self.store().pending_writes(character).await? {
            self.store().kv_set(&left_key(character), &text).await?;
        }
        Ok(())
    }

    /// For enrolling again: the pending writes kept when it left, unless they expired.
    pub(crate) async fn pending_writes_kept(
        &self,
        character: CharacterId,
    ) -> AppResult<Option<String>> {
        let kept = self.store().kv_get(&left_key(character)).await?;
        Ok(kept.filter(|text| Pending::parse(Some(text), self.now()).is_some()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn contact(id: i64, standing: f64, kind: ContactKind) -> CurrentContact {
        CurrentContact {
            contact_id: id,
            kind,
            standing,
            label_ids: vec![7],
            is_watched: false,
            is_blocked: false,
        }
    }

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).unwrap()
    }

    #[test]
    fn changes_lay_over_the_cached_list_until_it_expires() {
        let cached = vec![
            contact(1, 5.0, ContactKind::Character),
            contact(2, 5.0, ContactKind::Character),
        ];
        // Written: 2 deleted, 3 added, 1 edited.
        let after = vec![
            contact(1, 10.0, ContactKind::Character),
            contact(3, -10.0, ContactKind::Alliance),
        ];
        let p = Pending::after_writes(None, None, at(1_000), [1, 2, 3], &after);
        let text = p.to_text();

        let back = Pending::parse(Some(&text), at(999)).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.apply(cached.clone()), after);
        assert!(Pending::parse(Some(&text), at(1_000)).is_none(), "expired");
        assert!(Pending::parse(Some("garbage"), at(0)).is_none());
        assert!(Pending::parse(None, at(0)).is_none());
    }

    #[test]
    fn later_writes_add_to_earlier_ones_and_ids_with_equal_values_share_a_group() {
        let many: Vec<CurrentContact> = (0..1000)
            .map(|i| {
                contact(
                    100 + i,
                    [10.0, -5.0][(i % 2) as usize],
                    ContactKind::Character,
                )
            })
            .collect();
        let first = Pending::after_writes(None, None, at(1_000), 100..1100, &many);
        assert_eq!(first.written.len(), 2);
        assert!(first.to_text().len() < 12_000, "{}", first.to_text().len());

        // An approval: one more contact, one removed; the list the writes started from is the
        // cached one with `first` laid over it.
        let mut now = first.apply(Vec::new());
        now.retain(|c| c.contact_id != 100);
        now.push(contact(5, 2.5, ContactKind::Corporation));
        now.sort_by_key(|c| c.contact_id);
        let second = Pending::after_writes(Some(&first), None, at(1_000), [5, 100], &now);

        assert_eq!(second.apply(Vec::new()), now);
        assert_eq!(second.deleted, vec![100]);
        // Without an earlier set of changes only the new writes are kept.
        let alone = Pending::after_writes(None, None, at(2_000), [5], &now);
        assert_eq!(alone.written.len(), 1);
        assert_eq!(alone.written[0].ids, vec![5]);
    }

    #[test]
    fn changes_lay_over_the_answer_they_were_laid_over_whatever_the_clock_says() {
        let after = vec![contact(3, -10.0, ContactKind::Alliance)];
        const OLD: &str = "Sun, 06 Dec 2026 03:00:00 GMT";
        let text = Pending::after_writes(None, Some(OLD), at(1_000), [3], &after).to_text();

        // ESI serves that answer again, even after our clock says it expired, even as a 200.
        for not_modified in [true, false] {
            let p = Pending::over_answer(Some(&text), Some(OLD), not_modified, at(5_000));
            assert_eq!(p.unwrap().apply(Vec::new()), after);
        }
        // A new answer shows the writes.
        let new = Some("Sun, 06 Dec 2026 03:05:00 GMT");
        assert!(Pending::over_answer(Some(&text), new, true, at(999)).is_none());

        // Changes stored without the answer: an answer Jumpgate had, until they expire.
        let old = Pending::after_writes(None, None, at(1_000), [3], &after).to_text();
        assert!(Pending::over_answer(Some(&old), new, true, at(999)).is_some());
        assert!(Pending::over_answer(Some(&old), new, false, at(999)).is_none());
        assert!(Pending::over_answer(Some(&old), new, true, at(1_000)).is_none());
    }
}
