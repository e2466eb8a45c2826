//! The approver queue's rows as HTML, rendered once per queue read and shared by every page view.
//!
//! Turning 200 items into rows and escaping them into 200 KiB of HTML was three quarters of the
//! page's CPU (docs/benchmarks.md). The rows depend on nothing but the queue, the process's
//! settings (image server, default standing) and the clock through the age badges, which count
//! whole days. `App::approval_queue` returns the same `Arc` while the queue's change counter is
//! unchanged (and for at most 30 s), so the HTML is kept with the `Arc` it was rendered from and
//! reused while it is that same queue and no badge has moved to its next day. Everything that
//! depends on the viewer (navigation, flash message, the permission check) is rendered around it
//! on every request (ADR 0010).

use crate::error::{WebError, WebResult};
use crate::ui::{Layout, when};
use askama::Template;
use jumpgate_domain::standings::EntityKind;
use jumpgate_store::{ApprovalQueue, QueueItem};
use std::sync::{Arc, Mutex, PoisonError};
use time::OffsetDateTime;

/// One pending request or revocation in the approver's queue.
#[derive(Debug, Clone)]
pub struct ApprovalRow {
    pub id: i64,
    /// `character`, `corporation` or `alliance`.
    pub kind: &'static str,
    pub entity_id: i64,
    pub name: String,
    pub image: String,
    pub requester: String,
    /// The requester's main with the account's state, e.g. "Ava (Member)".
    pub main: String,
    pub affiliation: String,
    /// `today`, `1-2d`, `3-6d`, `7d`.
    pub age_class: &'static str,
    pub age: String,
    pub created: String,
    pub details: String,
    /// Revocations: why.
    pub reason: String,
    /// Revocations: the standing in force.
    pub current: String,
}

/// The queue's request rows, without the page around them.
#[derive(Template)]
#[template(path = "standings/approval_queue_requests.html")]
pub struct RequestRows<'a> {
    pub rows: &'a [ApprovalRow],
    pub default_standing: &'a str,
}

/// The queue's removal rows, without the page around them.
#[derive(Template)]
#[template(path = "standings/approval_queue_revocations.html")]
pub struct RevocationRows<'a> {
    pub rows: &'a [ApprovalRow],
}

/// Both lists of the queue as HTML, rendered once per queue read and shared by every page view
/// until the queue or a row's age changes.
#[derive(Debug)]
pub struct ApprovalRowsHtml {
    pub request_count: usize,
    pub revocation_count: usize,
    pub requests: String,
    pub revocations: String,
}

/// The rows rendered last, with the queue they were rendered from.
#[derive(Default)]
pub struct ApprovalRowsCache {
    slot: Mutex<Option<Kept>>,
}

struct Kept {
    /// Held, so that no other queue can take its address while it is compared by pointer.
    queue: Arc<ApprovalQueue>,
    /// When the first age badge moves to its next day (`None`: no badge at all).
    until: Option<OffsetDateTime>,
    html: Arc<ApprovalRowsHtml>,
}

impl ApprovalRowsCache {
    /// The rows of `queue` as HTML at `now`: the kept ones if they were rendered from this very
    /// queue and no badge has aged since, else rendered (and kept).
    pub fn rows(
        &self,
        layout: &Layout,
        default_standing: &str,
        queue: &Arc<ApprovalQueue>,
        now: OffsetDateTime,
    ) -> WebResult<Arc<ApprovalRowsHtml>> {
        if let Some(kept) = self
            .slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|k| Arc::ptr_eq(&k.queue, queue) && k.until.is_none_or(|t| now < t))
        {
            return Ok(kept.html.clone());
        }
        // Rendered outside the lock: a page view never waits for another one's rendering.
        let html = Arc::new(render(layout, default_standing, queue, now)?);
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Kept {
            queue: queue.clone(),
            until: badges_valid_until(queue, now),
            html: html.clone(),
        });
        Ok(html)
    }
}

fn render(
    layout: &Layout,
    default_standing: &str,
    queue: &ApprovalQueue,
    now: OffsetDateTime,
) -> WebResult<ApprovalRowsHtml> {
    let rows = |items: &[QueueItem]| -> Vec<ApprovalRow> {
        items
            .iter()
            .map(|item| approval_row(layout, now, item))
            .collect()
    };
    let failed = |e: askama::Error| WebError::Internal(format!("the queue's rows: {e}"));
    Ok(ApprovalRowsHtml {
        request_count: queue.requests.len(),
        revocation_count: queue.revocations.len(),
        requests: RequestRows {
            rows: &rows(&queue.requests),
            default_standing,
        }
        .render()
        .map_err(failed)?,
        revocations: RevocationRows {
            rows: &rows(&queue.revocations),
        }
        .render()
        .map_err(failed)?,
    })
}

/// The first moment after `now` at which an item's age badge (`age`) would read differently.
fn badges_valid_until(queue: &ApprovalQueue, now: OffsetDateTime) -> Option<OffsetDateTime> {
    queue
        .requests
        .iter()
        .chain(&queue.revocations)
        .filter_map(|item| {
            // Whole days so far; anything under one day (or in the future) reads "Today".
            let days = (now - item.created_at).whole_days().max(0);
            item.created_at
                .checked_add(time::Duration::days(days.saturating_add(1)))
        })
        .min()
}

/// `(age class, age label)`: `today`, `1-2d`, `3-6d`, `7d` drive the badge's colour.
fn age(now: OffsetDateTime, created: OffsetDateTime) -> (&'static str, String) {
    match (now - created).whole_days() {
        d if d < 1 => ("today", "Today".to_owned()),
        d if d < 3 => ("1-2d", format!("{d} d")),
        d if d < 7 => ("3-6d", format!("{d} d")),
        d => ("7d", format!("{d} d")),
    }
}

fn alliance_label(item: &QueueItem) -> String {
    match (&item.alliance_name, item.alliance) {
        (Some(name), _) => name.clone(),
        (None, Some(id)) => id.to_string(),
        (None, None) => "no alliance".to_owned(),
    }
}

/// `(affiliation, details)` of the subject, as the row shows them.
fn describe_subject(item: &QueueItem) -> (String, String) {
    match item.entity.kind {
        EntityKind::Character => match item.subject_account {
            Some(account) => {
                let corporation = match (&item.corporation_name, item.corporation) {
                    (Some(name), _) => name.clone(),
                    (None, Some(id)) => id.to_string(),
                    (None, None) => String::new(),
                };
                let owner = if Some(account) == item.requester {
                    "owned by the requester".to_owned()
                } else {
                    format!("on account {account}")
                };
                (
                    format!("{corporation} / {}", alliance_label(item)),
                    format!("character, added {}, {owner}", when(item.subject_added_at)),
                )
            }
            None => (
                String::new(),
                "character not registered in Jumpgate".to_owned(),
            ),
        },
        EntityKind::Corporation => match &item.corporation_ticker {
            Some(ticker) => (
                format!("[{ticker}] / {}", alliance_label(item)),
                format!(
                    "corporation, {} members",
                    item.corporation_members
                        .map_or_else(|| "?".to_owned(), |n| n.to_string())
                ),
            ),
            None => (String::new(), "corporation".to_owned()),
        },
        EntityKind::Alliance => (String::new(), "alliance".to_owned()),
    }
}

pub(super) fn approval_row(layout: &Layout, now: OffsetDateTime, item: &QueueItem) -> ApprovalRow {
    let (requester, main) = match item.requester {
        None => ("Jumpgate (automatic)".to_owned(), String::new()),
        Some(account) => match &item.requester_main {
            Some(name) => (
                name.clone(),
                format!(
                    "{name} ({})",
                    item.requester_state.as_deref().unwrap_or_default()
                ),
            ),
            None => (format!("Account {account}"), String::new()),
        },
    };
    let (affiliation, details) = describe_subject(item);
    let (age_class, age) = age(now, item.created_at);
    ApprovalRow {
        id: item.id,
        kind: item.entity.kind.as_str(),
        entity_id: item.entity.id,
        name: item.name.clone(),
        image: layout.entity_image(item.entity),
        requester,
        main,
        affiliation,
        age_class,
        age,
        created: when(Some(item.created_at)),
        details,
        reason: item
            .reason
            .map(|r| r.describe().to_owned())
            .unwrap_or_default(),
        current: item.current.map(|s| s.to_string()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jumpgate_domain::standings::Entity;
    use time::macros::datetime;

    fn queue(created_at: OffsetDateTime) -> Arc<ApprovalQueue> {
        Arc::new(ApprovalQueue {
            requests: vec![QueueItem {
                id: 7,
                entity: Entity {
                    kind: EntityKind::Alliance,
                    id: 99_000_001,
                },
                name: "Tiny <Alliance>".to_owned(),
                created_at,
                requester: None,
                requester_main: None,
                requester_state: None,
                reason: None,
                current: None,
                subject_account: None,
                subject_added_at: None,
                corporation: None,
                corporation_name: None,
                corporation_ticker: None,
                corporation_members: None,
                alliance: None,
                alliance_name: None,
            }],
            revocations: Vec::new(),
        })
    }

    #[test]
    fn rows_are_rendered_again_only_for_another_queue_or_when_a_badge_ages() {
        let cache = ApprovalRowsCache::default();
        let layout = Layout::anonymous();
        let created = datetime!(2026-11-20 10:00 UTC);
        let q = queue(created);
        let rows = |q: &Arc<ApprovalQueue>, now| cache.rows(&layout, "5", q, now).unwrap();

        let first = rows(&q, created + time::Duration::hours(1));
        assert!(first.requests.contains("request-7"), "{}", first.requests);
        assert!(
            first.requests.contains("Tiny &#60;Alliance&#62;"),
            "escaped: {}",
            first.requests
        );
        assert!(first.requests.contains(">Today<"), "{}", first.requests);
        assert_eq!((first.request_count, first.revocation_count), (1, 0));
        assert!(first.revocations.contains("No pending removals"));

        let later_that_day = rows(&q, created + time::Duration::hours(23));
        assert!(
            Arc::ptr_eq(&first, &later_that_day),
            "same queue, same day: reused"
        );

        let next_day = rows(&q, created + time::Duration::days(1));
        assert!(
            !Arc::ptr_eq(&first, &next_day),
            "the badge aged: rendered again"
        );
        assert!(next_day.requests.contains(">1 d<"), "{}", next_day.requests);

        let reread = queue(created);
        let other = rows(&reread, created + time::Duration::days(1));
        assert!(
            !Arc::ptr_eq(&next_day, &other),
            "a queue read again is rendered again, even when equal"
        );
    }

    #[test]
    fn badges_change_at_the_next_whole_day_of_the_youngest_boundary() {
        let created = datetime!(2026-11-20 10:00 UTC);
        let q = queue(created);
        assert_eq!(
            badges_valid_until(&q, created + time::Duration::days(3)),
            Some(created + time::Duration::days(4))
        );
        // Created "in the future" (clock skew): it reads "Today" until a day after creation.
        assert_eq!(
            badges_valid_until(&q, created - time::Duration::hours(5)),
            Some(created + time::Duration::days(1))
        );
        assert_eq!(badges_valid_until(&ApprovalQueue::default(), created), None);
    }
}
