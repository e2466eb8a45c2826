//! The standings database as its page lists it: filtered and paged in memory over the whole
//! database, read once per change of it.
//!
//! The page is opened and reloaded far more often than the database changes, and an alliance's
//! database holds hundreds to a few thousand entries. So each process keeps every entry, in the
//! page's order, with the `standings` change counter read before them (bumped by triggers in every
//! writing transaction, on any instance; ADR 0010), and filters, counts and pages that list: a
//! page view reads the counter, not the entries and two counts.

use crate::App;
use crate::caller::Caller;
use crate::error::AppResult;
use crate::versioned::Versioned;
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{EntityKind, Standing};
use jumpgate_store::StandingsEntry;
use std::sync::Arc;
use time::OffsetDateTime;

/// Every entry, in the page's order, kept while the `standings` counter stays the same.
pub type StandingsListCache = Versioned<Vec<StandingsEntry>>;

/// The change counter the database bumps with every write to the standings entries.
pub(crate) const STANDINGS_COUNTER: &str = "standings";

/// What the standings database page filters by; every field narrows, `None` does not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct StandingsFilter {
    pub kind: Option<EntityKind>,
    /// Inclusive bounds on the standing.
    pub min: Option<Standing>,
    pub max: Option<Standing>,
    /// A part of the name, in any case.
    pub name: Option<String>,
    pub updated_since: Option<OffsetDateTime>,
}

impl StandingsFilter {
    pub fn matches(&self, e: &StandingsEntry) -> bool {
        self.kind.is_none_or(|k| e.entity.kind == k)
            && self.min.is_none_or(|m| e.standing >= m)
            && self.max.is_none_or(|m| e.standing <= m)
            && self.updated_since.is_none_or(|t| e.updated_at >= t)
            && self
                .name
                .as_deref()
                .is_none_or(|part| e.name.to_lowercase().contains(&part.to_lowercase()))
    }
}

/// One page of the entries a filter matches.
#[derive(Debug, Clone, PartialEq)]
pub struct StandingsPage {
    /// The whole database: the same `Arc` while no entry changed (what is rendered from it may be
    /// kept with it).
    pub all: Arc<Vec<StandingsEntry>>,
    /// Where the page's entries are in `all`: at most the page's size, in the database's order
    /// (characters, corporations, alliances, each by name ignoring case).
    pub found: Vec<usize>,
    /// How many entries the filter matches.
    pub matching: usize,
}

impl StandingsPage {
    /// The entries of `all` that `filter` matches, `limit` of them after skipping `offset`.
    fn of(
        all: Arc<Vec<StandingsEntry>>,
        filter: &StandingsFilter,
        offset: usize,
        limit: usize,
    ) -> Self {
        let mut matching = 0;
        let mut found = Vec::with_capacity(limit.min(all.len()));
        for (i, _) in all.iter().enumerate().filter(|(_, e)| filter.matches(e)) {
            if matching >= offset && found.len() < limit {
                found.push(i);
            }
            matching += 1;
        }
        Self {
            all,
            found,
            matching,
        }
    }

    /// The page's entries.
    pub fn entries(&self) -> impl Iterator<Item = &StandingsEntry> {
        self.found.iter().filter_map(|&i| self.all.get(i))
    }

    /// How many entries the database holds.
    pub fn total(&self) -> usize {
        self.all.len()
    }
}

impl App {
    /// The entries `filter` matches, `limit` of them after skipping `offset`, with the counts.
    /// Needs `standings.manage` (or `standings.approve`, who sees the database while deciding).
    pub async fn standings_page(
        &self,
        caller: &Caller,
        filter: &StandingsFilter,
        offset: usize,
        limit: usize,
    ) -> AppResult<StandingsPage> {
        // Approvers read the database too; the refusal names the manager's permission.
        caller.require_any(&[Permission::STANDINGS_MANAGE, Permission::STANDINGS_APPROVE])?;
        Ok(StandingsPage::of(
            self.all_standings(caller).await?,
            filter,
            offset,
            limit,
        ))
    }

    /// Every entry, read again only when the database changed.
    async fn all_standings(&self, caller: &Caller) -> AppResult<Arc<Vec<StandingsEntry>>> {
        let version = self
            .change_counter_seen_by(caller, STANDINGS_COUNTER)
            .await?;
        self.all_standings_at(version).await
    }

    /// Every entry as of the `standings` counter's `version`, read just before (by a page that
    /// reads several counters at once).
    pub(crate) async fn all_standings_at(
        &self,
        version: i64,
    ) -> AppResult<Arc<Vec<StandingsEntry>>> {
        self.standings_list_cache()
            .get_or_read(version, || async {
                Ok(self.store().all_standings().await?)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumpgate_domain::standings::Entity;
    use time::macros::datetime;

    fn entry(kind: EntityKind, id: i64, name: &str, tenths: i16) -> StandingsEntry {
        let at = datetime!(2026-11-01 12:00 UTC);
        StandingsEntry {
            entity: Entity { kind, id },
            name: name.to_owned(),
            standing: Standing::from_tenths(tenths).unwrap(),
            notes: String::new(),
            source: "admin".to_owned(),
            added_by: None,
            created_at: at,
            updated_at: at + time::Duration::days(id % 10),
        }
    }

    fn database() -> Vec<StandingsEntry> {
        vec![
            entry(EntityKind::Character, 90_000_100, "Some_Pilot", 5),
            entry(EntityKind::Corporation, 98_000_100, "Alpha Corp", 50),
            entry(EntityKind::Corporation, 98_000_202, "beta corp", -50),
            entry(EntityKind::Alliance, 99_000_103, "Zeta Alliance", 100),
            entry(EntityKind::Character, 90_000_101, "Ünal Öztürk", -100),
        ]
    }

    fn names(filter: &StandingsFilter) -> Vec<String> {
        let page = StandingsPage::of(Arc::new(database()), filter, 0, usize::MAX);
        page.entries().map(|e| e.name.clone()).collect()
    }

    #[test]
    fn a_page_holds_its_share_of_the_matches_and_counts_them_all() {
        let corporations = StandingsFilter {
            kind: Some(EntityKind::Corporation),
            ..StandingsFilter::default()
        };
        let second = StandingsPage::of(Arc::new(database()), &corporations, 1, 1);
        let names: Vec<_> = second.entries().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["beta corp"]);
        assert_eq!((second.matching, second.total()), (2, 5));

        let beyond = StandingsPage::of(Arc::new(database()), &corporations, 2, 1);
        assert!(beyond.found.is_empty());
        assert_eq!(beyond.matching, 2, "counted past the last page too");
    }

    #[test]
    fn an_empty_filter_matches_every_entry() {
        assert_eq!(names(&StandingsFilter::default()).len(), 5);
    }

    #[test]
    fn a_filter_narrows_by_kind_standing_name_and_change() {
        let by_kind = StandingsFilter {
            kind: Some(EntityKind::Corporation),
            ..StandingsFilter::default()
        };
        assert_eq!(names(&by_kind), ["Alpha Corp", "beta corp"]);

        let bounds = StandingsFilter {
            min: Some(Standing::from_tenths(5).unwrap()),
            max: Some(Standing::from_tenths(50).unwrap()),
            ..StandingsFilter::default()
        };
        assert_eq!(names(&bounds), ["Some_Pilot", "Alpha Corp"], "inclusive");

        let since = StandingsFilter {
            updated_since: Some(datetime!(2026-11-04 00:00 UTC)),
            ..StandingsFilter::default()
        };
        assert_eq!(
            names(&since),
            ["Zeta Alliance"],
            "changed on the 4th or later"
        );
    }

    #[test]
    fn a_name_matches_any_part_in_any_case_and_takes_no_wildcards() {
        let named = |part: &str| {
            names(&StandingsFilter {
                name: Some(part.to_owned()),
                ..StandingsFilter::default()
            })
        };
        assert_eq!(named("CORP"), ["Alpha Corp", "beta corp"]);
        assert_eq!(named("_"), ["Some_Pilot"], "an underscore is a character");
        assert!(named("%").is_empty(), "a percent sign is a character");
        assert_eq!(named("öZT"), ["Ünal Öztürk"], "beyond ASCII too");
    }
}
