//! The sync diff: from what a character has, what Jumpgate wrote before and what it should have,
//! to the exact ESI writes.
//!
//! Every contact id falls in one case (D = desired, C = in game, L = in the ledger):
//!
//! | D | C | L | meaning                         | action                                             |
//! |---|---|---|---------------------------------|----------------------------------------------------|
//! | ✓ | ✓ | ✓ | managed                         | PUT if standing or org label differ, else nothing   |
//! | ✓ | ✓ | – | personal contact, collision     | the collision policy decides                        |
//! | ✓ | – | * | missing (new, or player deleted)| POST with the org label, watched = false            |
//! | – | ✓ | ✓ | managed, no longer desired      | DELETE (or PUT back a taken-over personal value)    |
//! | – | ✓ | – | personal                        | never touched (an orphan if it carries the label)   |
//! | – | – | ✓ | gone in game and not desired    | forgotten, no write                                 |
//!
//! A blocked personal contact is never taken over, whatever the policy. A self-contact found in
//! the ledger is deleted, never edited. A managed contact the player deleted in game is added
//! again: the standings database is the truth for managed entities, and the player can opt out
//! only by leaving sync. Any personal value it once replaced is forgotten with it (the player
//! removed that contact themselves).
//!
//! PUTs keep the contact's `watched` flag and send the union of its labels and the org label, so
//! the result is the same whether ESI replaces or merges labels. The one exception is giving a
//! taken-over contact back: the PUT leaves the org label out, which only removes it if ESI
//! replaces labels (if it merges, the contact stays labelled and shows up as an orphan).

use super::batches::{Write, chunk_deletes, group_writes, normalise_labels};
use super::contacts::{
    Collision, CollisionAction, CollisionPolicy, CurrentContact, LeavePolicy, LedgerEntry,
    PlanOutcome, SyncInput, SyncPlan,
};
use super::entity::Standing;
use std::collections::{BTreeMap, BTreeSet};

/// What one contact id needs.
enum Op {
    None,
    Add(Write),
    Edit(Write),
    Delete,
}

/// The decision for one contact id, computed on the full picture; only the ids in scope are
/// written.
struct Decision {
    op: Op,
    ledger_after: Option<LedgerEntry>,
    collision: Option<Collision>,
    orphan: bool,
    unchanged: bool,
    /// The contact exists in game after the plan.
    present_after: bool,
}

impl Decision {
    fn new(op: Op, present_after: bool) -> Self {
        Self {
            op,
            ledger_after: None,
            collision: None,
            orphan: false,
            unchanged: false,
            present_after,
        }
    }
}

/// The desired contacts of this character: every entry except the character itself (and its
/// corporation and alliance when configured). Compared by id alone, because EVE ids are unique
/// across kinds and the id is what would be written. With duplicate ids the first entry wins.
fn effective_desired(input: &SyncInput) -> BTreeMap<i64, Standing> {
    let excluded = |id: i64| {
        id == input.character.0
            || (input.settings.exclude_own_organisation
                && (id == input.corporation.0 || input.alliance.is_some_and(|a| a.0 == id)))
    };
    let mut out = BTreeMap::new();
    for d in &input.desired {
        if !excluded(d.entity.id) {
            out.entry(d.entity.id).or_insert(d.standing);
        }
    }
    out
}

fn current_standing(c: &CurrentContact) -> Standing {
    Standing::from_esi(c.standing)
}

fn with_label(labels: &[i64], label: i64) -> Vec<i64> {
    normalise_labels(labels.iter().copied().chain([label]))
}

fn without_label(labels: &[i64], label: Option<i64>) -> Vec<i64> {
    normalise_labels(labels.iter().copied().filter(|l| Some(*l) != label))
}

/// A write that brings `c` to `standing` with `labels`, keeping its watched flag; `None` when it
/// already is so.
fn edit_if_needed(c: &CurrentContact, standing: Standing, labels: Vec<i64>) -> Option<Write> {
    let same = current_standing(c) == standing && normalise_labels(c.label_ids.clone()) == labels;
    (!same).then_some(Write {
        id: c.contact_id,
        standing,
        label_ids: labels,
        watched: c.is_watched,
    })
}

/// Puts a taken-over personal contact back as it was (its standing, its own labels), or deletes
/// a contact Jumpgate created.
fn release(c: &CurrentContact, l: &LedgerEntry, label: Option<i64>) -> Decision {
    match l.replaced_personal {
        Some(personal) => {
            let labels = without_label(&c.label_ids, label);
            let op =
                edit_if_needed(c, Standing::from_esi(personal), labels).map_or(Op::None, Op::Edit);
            Decision::new(op, true)
        }
        None => Decision::new(Op::Delete, false),
    }
}

fn decide(
    id: i64,
    desired: Option<Standing>,
    current: Option<&CurrentContact>,
    ledger: Option<&LedgerEntry>,
    label: i64,
    policy: CollisionPolicy,
) -> Decision {
    match (desired, current, ledger) {
        (Some(d), Some(c), l) => {
            let action = match (l, policy) {
                (Some(_), _) => None,
                _ if c.is_blocked => Some(CollisionAction::SkippedBlocked),
                (None, CollisionPolicy::SkipAndReport) => Some(CollisionAction::Skipped),
                (None, CollisionPolicy::LeavePersonal) => Some(CollisionAction::KeptPersonal),
                (None, CollisionPolicy::TakeOver) => Some(CollisionAction::TakenOver),
            };
            let mut dec = Decision::new(Op::None, true);
            dec.collision = action.map(|action| Collision {
                contact_id: id,
                personal_standing: c.standing,
                desired: d,
                action,
            });
            if matches!(action, None | Some(CollisionAction::TakenOver)) {
                let labels = with_label(&c.label_ids, label);
                let write = edit_if_needed(c, d, labels.clone());
                dec.unchanged = write.is_none();
                dec.op = write.map_or(Op::None, Op::Edit);
                dec.ledger_after = Some(LedgerEntry {
                    contact_id: id,
                    standing: d,
                    label_ids: labels,
                    // A managed contact keeps what it replaced; a taken-over one starts now.
                    replaced_personal: l.map_or(Some(c.standing), |l| l.replaced_personal),
                });
            }
            dec
        }
        (Some(d), None, _) => {
            let labels = vec![label];
            let mut dec = Decision::new(
                Op::Add(Write {
                    id,
                    standing: d,
                    label_ids: labels.clone(),
                    watched: false,
                }),
                true,
            );
            dec.ledger_after = Some(LedgerEntry {
                contact_id: id,
                standing: d,
                label_ids: labels,
                replaced_personal: None,
            });
            dec
        }
        (None, Some(c), Some(l)) => release(c, l, Some(label)),
        (None, Some(c), None) => {
            let mut dec = Decision::new(Op::None, true);
            dec.orphan = c.label_ids.contains(&label);
            dec
        }
        (None, None, _) => Decision::new(Op::None, false),
    }
}

/// Keeps the old ledger and nothing else: the plan must not be executed.
fn refused(outcome: PlanOutcome, ledger: &[LedgerEntry], contacts_after: usize) -> SyncPlan {
    let mut ledger_after = ledger.to_vec();
    ledger_after.sort_by_key(|l| l.contact_id);
    SyncPlan {
        outcome,
        deletes: Vec::new(),
        adds: Vec::new(),
        edits: Vec::new(),
        collisions: Vec::new(),
        orphans: Vec::new(),
        ledger_after,
        unchanged: 0,
        contacts_after,
    }
}

/// Plans one sync of one character. Pure: the app reads ESI and the ledger, calls this, then
/// executes `deletes`, `adds`, `edits` in that order and stores `ledger_after` if all succeeded.
///
/// Rules, in order:
/// 1. no org label in game → `LabelMissing`, no writes (the ledger is kept);
/// 2. the desired set leaves out the character itself (and optionally its corporation and
///    alliance);
/// 3. each contact id is decided as in the module table;
/// 4. if the character would have more contacts than the budget → `OverLimit`, no writes at all
///    (never a partial sync);
/// 5. with `only`, the same decisions are made on the full picture (so the budget counts
///    everything) but only the listed ids are written, reported and updated in the ledger; the
///    result must fit the budget both right after this plan and once fully synced.
pub fn plan_sync(input: &SyncInput) -> SyncPlan {
    let Some(label) = input.label_id else {
        return refused(
            PlanOutcome::LabelMissing,
            &input.ledger,
            input.current.len(),
        );
    };
    let desired = effective_desired(input);
    let current: BTreeMap<i64, &CurrentContact> =
        input.current.iter().map(|c| (c.contact_id, c)).collect();
    let ledger: BTreeMap<i64, &LedgerEntry> =
        input.ledger.iter().map(|l| (l.contact_id, l)).collect();
    let ids: BTreeSet<i64> = desired
        .keys()
        .chain(current.keys())
        .chain(ledger.keys())
        .copied()
        .collect();
    let in_scope = |id: &i64| input.only.as_ref().is_none_or(|only| only.contains(id));

    // Contacts once everything is in sync (the full picture) …
    let mut full_after = 0;
    let mut managed_after = 0;
    // … and once just this plan's writes are done (differs only with `only`).
    let mut plan_after = current.len();
    let mut adds = Vec::new();
    let mut edits = Vec::new();
    let mut deletes = Vec::new();
    let mut collisions = Vec::new();
    let mut orphans = Vec::new();
    let mut ledger_after = Vec::new();
    let mut unchanged = 0;
    for id in ids {
        let mut dec = decide(
            id,
            desired.get(&id).copied(),
            current.get(&id).copied(),
            ledger.get(&id).copied(),
            label,
            input.settings.collision,
        );
        if id == input.character.0 && current.contains_key(&id) && ledger.contains_key(&id) {
            // A self-contact Jumpgate once wrote is removed, never restored or edited: the
            // character is not written into its own contacts.
            dec = Decision::new(Op::Delete, false);
        }
        if dec.present_after {
            full_after += 1;
            if dec.ledger_after.is_some() {
                managed_after += 1;
            }
        }
        if !in_scope(&id) {
            // Out of scope: nothing written, the ledger row (if any) stays as it was.
            ledger_after.extend(ledger.get(&id).map(|l| (*l).clone()));
            continue;
        }
        match dec.op {
            Op::None => {}
            Op::Add(w) => {
                plan_after += 1;
                adds.push(w);
            }
            Op::Edit(w) => edits.push(w),
            Op::Delete => {
                plan_after -= 1;
                deletes.push(id);
            }
        }
        collisions.extend(dec.collision);
        if dec.orphan {
            orphans.push(id);
        }
        ledger_after.extend(dec.ledger_after);
        unchanged += usize::from(dec.unchanged);
    }

    // A targeted plan must fit both as written now and once everything is in sync: the
    // deletes that would make room may be outside its scope.
    let limit = input.settings.contact_limit;
    let needed = full_after.max(plan_after);
    if needed > limit {
        return refused(
            PlanOutcome::OverLimit {
                needed,
                limit,
                personal: full_after - managed_after,
            },
            &input.ledger,
            input.current.len(),
        );
    }
    SyncPlan {
        outcome: PlanOutcome::Ready,
        deletes: chunk_deletes(deletes),
        adds: group_writes(adds),
        edits: group_writes(edits),
        collisions,
        orphans,
        ledger_after,
        unchanged,
        contacts_after: plan_after,
    }
}

/// Plans the clean-up when a character leaves sync or loses eligibility.
///
/// With `RemoveManaged`, every ledger contact still in game is deleted, except taken-over
/// personal contacts, which get their personal standing back (with their own labels, without the
/// org label `label_id` if known, watched kept). Ledger rows whose contact is already gone are
/// dropped. With `Keep`, nothing is written and the ledger is emptied: the contacts become the
/// player's. Either way `ledger_after` is empty. A missing label does not block the clean-up: the
/// ledger, not the label, says what is ours.
pub fn leave_plan(
    current: &[CurrentContact],
    ledger: &[LedgerEntry],
    label_id: Option<i64>,
    policy: LeavePolicy,
) -> SyncPlan {
    let current_by_id: BTreeMap<i64, &CurrentContact> =
        current.iter().map(|c| (c.contact_id, c)).collect();
    let mut deletes = Vec::new();
    let mut edits = Vec::new();
    if policy == LeavePolicy::RemoveManaged {
        let ledger_by_id: BTreeMap<i64, &LedgerEntry> =
            ledger.iter().map(|l| (l.contact_id, l)).collect();
        for (id, l) in ledger_by_id {
            let Some(c) = current_by_id.get(&id) else {
                continue;
            };
            match release(c, l, label_id).op {
                Op::Delete => deletes.push(id),
                Op::Edit(w) => edits.push(w),
                Op::None | Op::Add(_) => {}
            }
        }
    }
    SyncPlan {
        outcome: PlanOutcome::Ready,
        contacts_after: current_by_id.len() - deletes.len(),
        deletes: chunk_deletes(deletes),
        adds: Vec::new(),
        edits: group_writes(edits),
        collisions: Vec::new(),
        orphans: Vec::new(),
        ledger_after: Vec::new(),
        unchanged: 0,
    }
}
