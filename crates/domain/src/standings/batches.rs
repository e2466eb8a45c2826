//! Grouping single contact writes into ESI calls.
//!
//! ESI applies one (standing, labels, watched) tuple to every id of a POST or PUT, so writes are
//! grouped by that tuple and chunked to CCP's limits (100 ids per POST/PUT, 20 per DELETE).
//! Everything is sorted so the same plan always yields the same calls (stable tests, and a retry
//! repeats exactly the same requests).

use super::contacts::{MAX_IDS_PER_DELETE, MAX_IDS_PER_WRITE, WriteBatch};
use super::entity::Standing;
use std::collections::BTreeMap;

/// One contact to POST or PUT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Write {
    pub id: i64,
    pub standing: Standing,
    /// Sorted ascending, no duplicates.
    pub label_ids: Vec<i64>,
    pub watched: bool,
}

/// Groups writes by (standing, labels, watched) in ascending key order, ids ascending, at most
/// 100 ids per batch. Duplicate ids are written once.
pub(crate) fn group_writes(writes: impl IntoIterator<Item = Write>) -> Vec<WriteBatch> {
    let mut groups: BTreeMap<(Standing, Vec<i64>, bool), Vec<i64>> = BTreeMap::new();
    for w in writes {
        groups
            .entry((w.standing, w.label_ids, w.watched))
            .or_default()
            .push(w.id);
    }
    let mut out = Vec::new();
    for ((standing, label_ids, watched), mut ids) in groups {
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(MAX_IDS_PER_WRITE) {
            out.push(WriteBatch {
                standing,
                label_ids: label_ids.clone(),
                watched,
                ids: chunk.to_vec(),
            });
        }
    }
    out
}

/// Sorted ids in chunks of at most 20.
pub(crate) fn chunk_deletes(ids: impl IntoIterator<Item = i64>) -> Vec<Vec<i64>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    ids.chunks(MAX_IDS_PER_DELETE)
        .map(<[i64]>::to_vec)
        .collect()
}

/// Sorted, deduplicated label ids.
pub(crate) fn normalise_labels(labels: impl IntoIterator<Item = i64>) -> Vec<i64> {
    let mut v: Vec<i64> = labels.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(id: i64, tenths: i16, labels: &[i64], watched: bool) -> Write {
        Write {
            id,
            standing: Standing::from_tenths(tenths).expect("in range"),
            label_ids: labels.to_vec(),
            watched,
        }
    }

    #[test]
    fn writes_are_grouped_by_standing_labels_and_watched() {
        let batches = group_writes([
            w(5, 100, &[7], false),
            w(3, 100, &[7], false),
            w(4, 100, &[7], true),
            w(2, -100, &[7], false),
            w(1, 100, &[7, 8], false),
        ]);
        let shape: Vec<(i16, Vec<i64>, bool, Vec<i64>)> = batches
            .into_iter()
            .map(|b| (b.standing.tenths(), b.label_ids, b.watched, b.ids))
            .collect();
        assert_eq!(
            shape,
            vec![
                (-100, vec![7], false, vec![2]),
                (100, vec![7], false, vec![3, 5]),
                (100, vec![7], true, vec![4]),
                (100, vec![7, 8], false, vec![1]),
            ]
        );
    }

    #[test]
    fn batches_hold_at_most_100_ids_and_deletes_at_most_20() {
        let batches = group_writes((1..=250).map(|id| w(id, 50, &[7], false)));
        let sizes: Vec<usize> = batches.iter().map(|b| b.ids.len()).collect();
        assert_eq!(sizes, vec![100, 100, 50]);
        let deletes = chunk_deletes((1..=41).rev());
        let sizes: Vec<usize> = deletes.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![20, 20, 1]);
        assert_eq!(deletes[0][0], 1);
        assert!(chunk_deletes([]).is_empty());
    }
}
