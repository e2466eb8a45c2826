//! Specifications of the sync diff, one rule per test, plus the small ESI simulator the property
//! tests share.

use super::contacts::*;
use super::entity::{ContactKind, Entity, EntityKind, Standing};
use super::plan::{leave_plan, plan_sync};
use crate::ids::{AllianceId, CharacterId, CorporationId};
use std::collections::{BTreeMap, BTreeSet};

pub(super) const ME: i64 = 90_000_001;
pub(super) const MY_CORP: i64 = 98_000_001;
pub(super) const MY_ALLIANCE: i64 = 99_000_001;
pub(super) const LABEL: i64 = 7;

pub(super) fn st(s: &str) -> Standing {
    Standing::parse(s).expect("valid standing")
}

fn want(id: i64, standing: &str) -> DesiredContact {
    DesiredContact {
        entity: Entity {
            kind: EntityKind::Character,
            id,
        },
        standing: st(standing),
    }
}

fn want_kind(kind: EntityKind, id: i64, standing: &str) -> DesiredContact {
    DesiredContact {
        entity: Entity { kind, id },
        standing: st(standing),
    }
}

fn has(id: i64, standing: f64, labels: &[i64]) -> CurrentContact {
    CurrentContact {
        contact_id: id,
        kind: ContactKind::Character,
        standing,
        label_ids: labels.to_vec(),
        is_watched: false,
        is_blocked: false,
    }
}

fn watched(mut c: CurrentContact) -> CurrentContact {
    c.is_watched = true;
    c
}

fn wrote(id: i64, standing: &str, labels: &[i64]) -> LedgerEntry {
    LedgerEntry {
        contact_id: id,
        standing: st(standing),
        label_ids: labels.to_vec(),
        replaced_personal: None,
    }
}

fn input() -> SyncInput {
    SyncInput {
        character: CharacterId(ME),
        corporation: CorporationId(MY_CORP),
        alliance: Some(AllianceId(MY_ALLIANCE)),
        desired: Vec::new(),
        current: Vec::new(),
        ledger: Vec::new(),
        label_id: Some(LABEL),
        settings: SyncSettings::default(),
        only: None,
    }
}

/// Applies a plan the way ESI would: DELETE removes, POST creates, PUT sets standing, labels
/// (replacing them) and watched. Contacts come back sorted by id.
pub(super) fn apply(current: &[CurrentContact], plan: &SyncPlan) -> Vec<CurrentContact> {
    let mut by_id: BTreeMap<i64, CurrentContact> =
        current.iter().map(|c| (c.contact_id, c.clone())).collect();
    for id in plan.deletes.iter().flatten() {
        by_id.remove(id);
    }
    for b in &plan.adds {
        for id in &b.ids {
            by_id.insert(
                *id,
                CurrentContact {
                    contact_id: *id,
                    kind: ContactKind::Character,
                    standing: b.standing.value(),
                    label_ids: b.label_ids.clone(),
                    is_watched: b.watched,
                    is_blocked: false,
                },
            );
        }
    }
    for b in &plan.edits {
        for id in &b.ids {
            let c = by_id.get_mut(id).expect("PUT only existing contacts");
            c.standing = b.standing.value();
            c.label_ids = b.label_ids.clone();
            c.is_watched = b.watched;
        }
    }
    by_id.into_values().collect()
}

/// The next run's input after a plan was executed.
pub(super) fn after(input: &SyncInput, plan: &SyncPlan) -> SyncInput {
    let mut next = input.clone();
    next.current = apply(&input.current, plan);
    next.ledger = plan.ledger_after.clone();
    next
}

fn batch_shape(batches: &[WriteBatch]) -> Vec<(String, Vec<i64>, bool, usize)> {
    batches
        .iter()
        .map(|b| {
            (
                b.standing.to_query(),
                b.label_ids.clone(),
                b.watched,
                b.ids.len(),
            )
        })
        .collect()
}

#[test]
fn label_missing_means_no_writes() {
    let mut i = input();
    i.label_id = None;
    i.desired = vec![want(1, "10"), want(2, "-5")];
    i.current = vec![has(3, 5.0, &[LABEL])];
    i.ledger = vec![wrote(3, "5", &[LABEL])];
    let plan = plan_sync(&i);
    assert_eq!(plan.outcome, PlanOutcome::LabelMissing);
    assert_eq!(plan.write_calls(), 0);
    assert_eq!(plan.ledger_after, i.ledger, "the ledger is kept for later");
}

#[test]
fn empty_character_gets_posts_grouped_by_standing_at_most_100_ids() {
    let mut i = input();
    i.desired = (1..=150)
        .map(|id| want(id, "9.9"))
        .chain((1001..=1030).map(|id| want(id, "-10")))
        .collect();
    let plan = plan_sync(&i);
    assert_eq!(plan.outcome, PlanOutcome::Ready);
    assert_eq!(
        batch_shape(&plan.adds),
        vec![
            ("-10".to_owned(), vec![LABEL], false, 30),
            ("9.9".to_owned(), vec![LABEL], false, 100),
            ("9.9".to_owned(), vec![LABEL], false, 50),
        ]
    );
    assert_eq!(
        plan.adds[1].query_pairs(),
        vec![
            ("standing", "9.9".to_owned()),
            ("label_ids", "7".to_owned())
        ]
    );
    assert_eq!(plan.adds[1].ids.first(), Some(&1));
    assert!(plan.deletes.is_empty() && plan.edits.is_empty());
    assert_eq!(plan.ledger_after.len(), 180);
    assert_eq!(plan.contacts_after, 180);
}

#[test]
fn a_managed_contact_gone_from_the_database_is_deleted_20_per_call() {
    let mut i = input();
    i.current = (1..=25).map(|id| has(id, 10.0, &[LABEL])).collect();
    i.current.push(has(500, 10.0, &[]));
    i.ledger = (1..=25).map(|id| wrote(id, "10", &[LABEL])).collect();
    let plan = plan_sync(&i);
    let sizes: Vec<usize> = plan.deletes.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![20, 5]);
    assert!(!plan.written_ids().any(|id| id == 500));
    assert!(plan.ledger_after.is_empty());
    assert_eq!(plan.contacts_after, 1);
}

#[test]
fn personal_contacts_are_never_touched() {
    let mut i = input();
    i.desired = vec![want(1, "10")];
    i.current = vec![
        has(1, 10.0, &[LABEL]),
        has(2, -10.0, &[]),
        watched(has(3, 5.0, &[8, 9])),
        CurrentContact {
            kind: ContactKind::Faction,
            ..has(500_001, -5.0, &[])
        },
        CurrentContact {
            is_blocked: true,
            ..has(4, -10.0, &[])
        },
    ];
    i.ledger = vec![wrote(1, "10", &[LABEL])];
    let plan = plan_sync(&i);
    assert!(plan.is_noop(), "{plan:?}");
    assert_eq!(plan.unchanged, 1);
    assert!(plan.collisions.is_empty() && plan.orphans.is_empty());
    assert_eq!(plan.contacts_after, 5);
}

#[test]
fn a_labelled_contact_jumpgate_did_not_write_is_an_orphan_and_is_left_alone() {
    let mut i = input();
    i.current = vec![has(5, 10.0, &[LABEL]), has(6, 10.0, &[LABEL, 8])];
    let plan = plan_sync(&i);
    assert!(plan.is_noop());
    assert_eq!(plan.orphans, vec![5, 6]);
    assert!(plan.ledger_after.is_empty());
}

#[test]
fn value_change_edits_only_that_contact_and_keeps_watched() {
    let mut i = input();
    i.desired = vec![want(1, "10"), want(2, "7.5"), want(3, "5")];
    i.current = vec![
        has(1, 10.0, &[LABEL]),
        watched(has(2, 10.0, &[LABEL, 9])),
        has(3, 5.0, &[LABEL]),
    ];
    i.ledger = vec![
        wrote(1, "10", &[LABEL]),
        wrote(2, "10", &[LABEL, 9]),
        wrote(3, "5", &[LABEL]),
    ];
    let plan = plan_sync(&i);
    assert_eq!(
        plan.edits,
        vec![WriteBatch {
            standing: st("7.5"),
            label_ids: vec![LABEL, 9],
            watched: true,
            ids: vec![2],
        }]
    );
    assert!(plan.adds.is_empty() && plan.deletes.is_empty());
    assert_eq!(plan.unchanged, 2);
    let entry = plan.ledger_after.iter().find(|l| l.contact_id == 2);
    assert_eq!(entry.map(|l| l.standing), Some(st("7.5")));
}

#[test]
fn a_managed_contact_that_lost_its_label_gets_it_back_with_its_other_labels() {
    let mut i = input();
    i.desired = vec![want(1, "10")];
    i.current = vec![has(1, 10.0, &[9])];
    i.ledger = vec![wrote(1, "10", &[LABEL])];
    let plan = plan_sync(&i);
    assert_eq!(
        batch_shape(&plan.edits),
        vec![("10".to_owned(), vec![LABEL, 9], false, 1)]
    );
}

#[test]
fn a_managed_contact_the_player_deleted_is_added_again() {
    let mut i = input();
    i.desired = vec![want(1, "10")];
    i.ledger = vec![LedgerEntry {
        replaced_personal: Some(-5.0),
        ..wrote(1, "10", &[LABEL])
    }];
    let plan = plan_sync(&i);
    assert_eq!(
        batch_shape(&plan.adds),
        vec![("10".to_owned(), vec![LABEL], false, 1)]
    );
    assert_eq!(plan.ledger_after, vec![wrote(1, "10", &[LABEL])]);
}

#[test]
fn ledger_rows_for_contacts_gone_from_game_and_database_are_dropped_without_writes() {
    let mut i = input();
    i.ledger = vec![wrote(1, "10", &[LABEL])];
    let plan = plan_sync(&i);
    assert!(plan.is_noop());
    assert_eq!(plan.outcome, PlanOutcome::Ready);
    assert!(plan.ledger_after.is_empty());
}

#[test]
fn a_standing_reported_with_float_noise_is_not_a_change() {
    let mut i = input();
    i.desired = vec![want(1, "9.9")];
    i.current = vec![has(1, 9.899_999_9, &[LABEL])];
    i.ledger = vec![wrote(1, "9.9", &[LABEL])];
    assert!(plan_sync(&i).is_noop());
}

fn collision_input(policy: CollisionPolicy) -> SyncInput {
    let mut i = input();
    i.settings.collision = policy;
    i.desired = vec![want(1, "10")];
    i.current = vec![watched(has(1, -5.0, &[9]))];
    i
}

#[test]
fn collision_skip_and_report_writes_nothing_and_reports() {
    let plan = plan_sync(&collision_input(CollisionPolicy::SkipAndReport));
    assert!(plan.is_noop());
    assert_eq!(
        plan.collisions,
        vec![Collision {
            contact_id: 1,
            personal_standing: -5.0,
            desired: st("10"),
            action: CollisionAction::Skipped,
        }]
    );
    assert_eq!(plan.problems().count(), 1);
    assert!(plan.ledger_after.is_empty());
}

#[test]
fn collision_take_over_edits_keeps_watched_and_remembers_the_personal_value() {
    let plan = plan_sync(&collision_input(CollisionPolicy::TakeOver));
    assert_eq!(
        plan.edits,
        vec![WriteBatch {
            standing: st("10"),
            label_ids: vec![LABEL, 9],
            watched: true,
            ids: vec![1],
        }]
    );
    assert_eq!(plan.collisions[0].action, CollisionAction::TakenOver);
    assert_eq!(plan.problems().count(), 0);
    assert_eq!(
        plan.ledger_after,
        vec![LedgerEntry {
            contact_id: 1,
            standing: st("10"),
            label_ids: vec![LABEL, 9],
            replaced_personal: Some(-5.0),
        }]
    );
}

#[test]
fn collision_leave_personal_writes_nothing_and_is_no_problem() {
    let plan = plan_sync(&collision_input(CollisionPolicy::LeavePersonal));
    assert!(plan.is_noop());
    assert_eq!(plan.collisions[0].action, CollisionAction::KeptPersonal);
    assert_eq!(plan.problems().count(), 0);
    assert!(plan.ledger_after.is_empty());
}

#[test]
fn a_blocked_contact_is_never_taken_over() {
    let mut i = collision_input(CollisionPolicy::TakeOver);
    i.current[0].is_blocked = true;
    let plan = plan_sync(&i);
    assert!(plan.is_noop());
    assert_eq!(plan.collisions[0].action, CollisionAction::SkippedBlocked);
    assert_eq!(plan.problems().count(), 1);
}

#[test]
fn a_taken_over_contact_gets_its_personal_value_back_when_the_standing_goes() {
    let first = collision_input(CollisionPolicy::TakeOver);
    let plan = plan_sync(&first);
    let mut second = after(&first, &plan);
    second.desired.clear();
    let plan = plan_sync(&second);
    assert!(plan.deletes.is_empty());
    assert_eq!(
        plan.edits,
        vec![WriteBatch {
            standing: st("-5"),
            label_ids: vec![9],
            watched: true,
            ids: vec![1],
        }]
    );
    assert!(plan.ledger_after.is_empty());
    let restored = apply(&second.current, &plan);
    assert_eq!(
        restored, first.current,
        "the personal contact is back as it was"
    );
}

#[test]
fn the_character_itself_is_never_sent() {
    let mut i = input();
    i.desired = vec![want(ME, "10"), want(1, "10")];
    let plan = plan_sync(&i);
    assert!(!plan.written_ids().any(|id| id == ME));
    // Even a self-contact a buggy earlier version wrote is removed.
    i.current = vec![has(ME, 10.0, &[LABEL])];
    i.ledger = vec![wrote(ME, "10", &[LABEL])];
    let plan = plan_sync(&i);
    assert_eq!(plan.deletes, vec![vec![ME]]);
    assert!(
        !plan
            .adds
            .iter()
            .chain(&plan.edits)
            .any(|b| b.ids.contains(&ME))
    );
}

#[test]
fn own_corporation_and_alliance_are_left_out_only_when_configured() {
    let mut i = input();
    i.desired = vec![
        want_kind(EntityKind::Corporation, MY_CORP, "10"),
        want_kind(EntityKind::Alliance, MY_ALLIANCE, "10"),
        want_kind(EntityKind::Corporation, 2, "5"),
    ];
    let ids = |plan: &SyncPlan| plan.written_ids().collect::<BTreeSet<i64>>();
    assert_eq!(
        ids(&plan_sync(&i)),
        BTreeSet::from([2, MY_CORP, MY_ALLIANCE])
    );
    i.settings.exclude_own_organisation = true;
    assert_eq!(ids(&plan_sync(&i)), BTreeSet::from([2]));
}

#[test]
fn with_duplicate_entries_the_first_wins() {
    let mut i = input();
    i.desired = vec![want(1, "10"), want(1, "-10")];
    let plan = plan_sync(&i);
    assert_eq!(
        batch_shape(&plan.adds),
        vec![("10".to_owned(), vec![LABEL], false, 1)]
    );
}

#[test]
fn with_1025_desired_contacts_nothing_is_written() {
    let mut i = input();
    i.desired = (1..=1025).map(|id| want(id, "10")).collect();
    i.current = vec![has(1, 10.0, &[LABEL])];
    i.ledger = vec![wrote(1, "5", &[LABEL])];
    let plan = plan_sync(&i);
    assert_eq!(
        plan.outcome,
        PlanOutcome::OverLimit {
            needed: 1025,
            limit: 1024,
            personal: 0
        }
    );
    assert_eq!(plan.write_calls(), 0);
    assert_eq!(plan.ledger_after, i.ledger);
    i.desired.pop();
    assert_eq!(plan_sync(&i).outcome, PlanOutcome::Ready);
}

#[test]
fn personal_contacts_count_against_the_budget() {
    let mut i = input();
    i.desired = (1..=1000).map(|id| want(id, "10")).collect();
    i.current = (5001..=5030).map(|id| has(id, 5.0, &[])).collect();
    let plan = plan_sync(&i);
    assert_eq!(
        plan.outcome,
        PlanOutcome::OverLimit {
            needed: 1030,
            limit: 1024,
            personal: 30
        }
    );
}

#[test]
fn deletes_make_room_for_adds() {
    let mut i = input();
    i.current = (1..=1024).map(|id| has(id, 10.0, &[LABEL])).collect();
    i.ledger = (1..=1024).map(|id| wrote(id, "10", &[LABEL])).collect();
    i.desired = (11..=1034).map(|id| want(id, "10")).collect();
    let plan = plan_sync(&i);
    assert_eq!(plan.outcome, PlanOutcome::Ready);
    assert_eq!(plan.contacts_after, 1024);
    assert_eq!(plan.deletes.concat(), (1..=10).collect::<Vec<i64>>());
}

#[test]
fn a_second_run_changes_nothing() {
    let mut i = input();
    i.settings.collision = CollisionPolicy::TakeOver;
    i.desired = vec![
        want(1, "10"),
        want(2, "-10"),
        want(3, "7.5"),
        want(ME, "10"),
    ];
    i.current = vec![
        watched(has(2, 0.0, &[8])),
        has(3, 10.0, &[LABEL]),
        has(4, 5.0, &[LABEL]),
        has(5, 5.0, &[]),
    ];
    i.ledger = vec![wrote(3, "10", &[LABEL]), wrote(4, "5", &[LABEL])];
    let plan = plan_sync(&i);
    assert!(!plan.is_noop());
    let next = after(&i, &plan);
    let again = plan_sync(&next);
    assert!(again.is_noop(), "{again:?}");
    assert_eq!(again.ledger_after, next.ledger);
}

#[test]
fn only_restricts_writes_to_the_approved_contact() {
    let mut i = input();
    i.desired = vec![want(1, "10"), want(2, "5"), want(3, "-10")];
    i.current = vec![has(2, 10.0, &[LABEL]), has(4, 10.0, &[LABEL])];
    i.ledger = vec![
        wrote(2, "10", &[LABEL]),
        wrote(4, "10", &[LABEL]),
        wrote(9, "5", &[LABEL]),
    ];
    i.only = Some(BTreeSet::from([1]));
    let plan = plan_sync(&i);
    assert_eq!(plan.written_ids().collect::<Vec<i64>>(), vec![1]);
    let ledger_ids: Vec<i64> = plan.ledger_after.iter().map(|l| l.contact_id).collect();
    assert_eq!(
        ledger_ids,
        vec![1, 2, 4, 9],
        "other ledger rows are kept as they were"
    );
    assert_eq!(plan.ledger_after[1], wrote(2, "10", &[LABEL]));
}

#[test]
fn a_targeted_revocation_deletes_only_that_contact() {
    let mut i = input();
    i.desired = vec![want(2, "5")];
    i.current = vec![has(1, 10.0, &[LABEL]), has(2, 10.0, &[LABEL])];
    i.ledger = vec![wrote(1, "10", &[LABEL]), wrote(2, "10", &[LABEL])];
    i.only = Some(BTreeSet::from([1]));
    let plan = plan_sync(&i);
    assert_eq!(plan.deletes, vec![vec![1]]);
    assert!(plan.adds.is_empty() && plan.edits.is_empty());
}

#[test]
fn a_targeted_change_still_checks_the_full_budget() {
    let mut i = input();
    i.desired = (1..=1025).map(|id| want(id, "10")).collect();
    i.only = Some(BTreeSet::from([1]));
    let plan = plan_sync(&i);
    assert!(matches!(
        plan.outcome,
        PlanOutcome::OverLimit { needed: 1025, .. }
    ));
    assert_eq!(plan.write_calls(), 0);
}

#[test]
fn a_targeted_add_waits_when_the_room_comes_from_deletes_outside_its_scope() {
    let mut i = input();
    i.current = (1..=1024).map(|id| has(id, 10.0, &[LABEL])).collect();
    i.ledger = (1..=1024).map(|id| wrote(id, "10", &[LABEL])).collect();
    i.desired = (2..=1025).map(|id| want(id, "10")).collect();
    i.only = Some(BTreeSet::from([1025]));
    let plan = plan_sync(&i);
    assert!(matches!(
        plan.outcome,
        PlanOutcome::OverLimit { needed: 1025, .. }
    ));
    assert_eq!(plan.write_calls(), 0);
    i.only = Some(BTreeSet::from([1, 1025]));
    assert_eq!(plan_sync(&i).outcome, PlanOutcome::Ready);
}

#[test]
fn leaving_sync_deletes_managed_contacts_and_restores_personal_ones() {
    let current = vec![
        has(1, 10.0, &[LABEL]),
        watched(has(2, 10.0, &[LABEL, 9])),
        has(3, 5.0, &[LABEL]),
        has(4, -10.0, &[]),
    ];
    let ledger = vec![
        wrote(1, "10", &[LABEL]),
        LedgerEntry {
            replaced_personal: Some(-5.0),
            ..wrote(2, "10", &[LABEL, 9])
        },
        wrote(8, "10", &[LABEL]),
    ];
    let plan = leave_plan(&current, &ledger, Some(LABEL), LeavePolicy::RemoveManaged);
    assert_eq!(plan.deletes, vec![vec![1]]);
    assert_eq!(
        batch_shape(&plan.edits),
        vec![("-5".to_owned(), vec![9], true, 1)]
    );
    assert!(plan.ledger_after.is_empty());
    assert_eq!(plan.contacts_after, 3);

    let keep = leave_plan(&current, &ledger, Some(LABEL), LeavePolicy::Keep);
    assert!(keep.is_noop());
    assert!(keep.ledger_after.is_empty());
}

#[test]
fn leaving_sync_works_without_the_label() {
    let current = vec![has(1, 10.0, &[])];
    let ledger = vec![wrote(1, "10", &[LABEL])];
    let plan = leave_plan(&current, &ledger, None, LeavePolicy::RemoveManaged);
    assert_eq!(plan.deletes, vec![vec![1]]);
}
