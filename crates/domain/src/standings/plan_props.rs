//! Property tests of the sync diff: for random characters, ledgers and standings databases, the
//! plan respects CCP's limits, touches only what Jumpgate owns (or takes over by policy), reaches
//! the desired state, and a second run has nothing to do.

use super::contacts::*;
use super::entity::{ContactKind, Entity, EntityKind, Standing};
use super::plan::plan_sync;
use super::plan_tests::{LABEL, ME, MY_ALLIANCE, MY_CORP, after, apply};
use crate::ids::{AllianceId, CharacterId, CorporationId};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const TENTHS: [i16; 7] = [-100, -50, 0, 50, 75, 99, 100];

fn standing() -> impl Strategy<Value = Standing> {
    prop::sample::select(TENTHS.to_vec()).prop_map(|t| Standing::from_tenths(t).expect("in range"))
}

fn labels() -> impl Strategy<Value = Vec<i64>> {
    prop::sample::subsequence(vec![LABEL, 8, 9], 0..=3)
}

fn contact_id() -> impl Strategy<Value = i64> {
    prop_oneof![
        20 => 1i64..400,
        1 => Just(ME),
        1 => Just(MY_CORP),
        1 => Just(MY_ALLIANCE),
    ]
}

/// One contact id: maybe desired, maybe in game, maybe in the ledger.
#[derive(Debug, Clone)]
struct Slot {
    desired: Option<Standing>,
    current: Option<(Standing, Vec<i64>, bool, bool, bool)>,
    ledger: Option<(Standing, Vec<i64>, Option<Standing>)>,
}

fn slot() -> impl Strategy<Value = Slot> {
    let current = (
        standing(),
        labels(),
        any::<bool>(),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
    );
    let ledger = (
        standing(),
        labels(),
        prop::option::weighted(0.2, standing()),
    );
    (
        prop::option::of(standing()),
        prop::option::of(current),
        prop::option::weighted(0.6, ledger),
    )
        .prop_map(|(desired, current, ledger)| Slot {
            desired,
            current,
            ledger,
        })
}

fn kind_of(id: i64) -> EntityKind {
    match id {
        MY_CORP => EntityKind::Corporation,
        MY_ALLIANCE => EntityKind::Alliance,
        _ => EntityKind::Character,
    }
}

fn sync_input() -> impl Strategy<Value = SyncInput> {
    let slots = prop::collection::btree_map(contact_id(), slot(), 0..300);
    let settings = (
        prop::sample::select(vec![
            CollisionPolicy::SkipAndReport,
            CollisionPolicy::TakeOver,
            CollisionPolicy::LeavePersonal,
        ]),
        any::<bool>(),
        prop::sample::select(vec![60usize, 200, CONTACT_LIMIT]),
    )
        .prop_map(
            |(collision, exclude_own_organisation, contact_limit)| SyncSettings {
                collision,
                exclude_own_organisation,
                contact_limit,
            },
        );
    let label = prop_oneof![9 => Just(Some(LABEL)), 1 => Just(None)];
    let only = prop_oneof![
        3 => Just(None),
        1 => prop::collection::btree_set(contact_id(), 0..60).prop_map(Some),
    ];
    (slots, settings, label, only, any::<bool>()).prop_map(
        |(slots, settings, label_id, only, in_alliance)| {
            let mut input = SyncInput {
                character: CharacterId(ME),
                corporation: CorporationId(MY_CORP),
                alliance: in_alliance.then_some(AllianceId(MY_ALLIANCE)),
                desired: Vec::new(),
                current: Vec::new(),
                ledger: Vec::new(),
                label_id,
                settings,
                only,
            };
            for (id, s) in slots {
                if let Some(standing) = s.desired {
                    let entity = Entity {
                        kind: kind_of(id),
                        id,
                    };
                    input.desired.push(DesiredContact { entity, standing });
                }
                if let Some((standing, label_ids, is_watched, is_blocked, faction)) = s.current {
                    input.current.push(CurrentContact {
                        contact_id: id,
                        kind: if faction {
                            ContactKind::Faction
                        } else {
                            kind_of(id).into()
                        },
                        standing: standing.value(),
                        label_ids,
                        is_watched,
                        is_blocked,
                    });
                }
                if let Some((standing, label_ids, personal)) = s.ledger {
                    input.ledger.push(LedgerEntry {
                        contact_id: id,
                        standing,
                        label_ids,
                        replaced_personal: personal.map(Standing::value),
                    });
                }
            }
            input
        },
    )
}

/// The desired set after leaving out the character and (if configured) its organisation.
fn effective_desired(input: &SyncInput) -> BTreeMap<i64, Standing> {
    input
        .desired
        .iter()
        .filter(|d| {
            let id = d.entity.id;
            id != ME
                && !(input.settings.exclude_own_organisation
                    && (id == MY_CORP || input.alliance.is_some_and(|a| a.0 == id)))
        })
        .map(|d| (d.entity.id, d.standing))
        .collect()
}

fn strictly_ascending(v: &[i64]) -> bool {
    v.windows(2).all(|w| w[0] < w[1])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn batches_respect_ccp_limits_and_no_id_is_written_twice(input in sync_input()) {
        let plan = plan_sync(&input);
        for d in &plan.deletes {
            prop_assert!(!d.is_empty() && d.len() <= MAX_IDS_PER_DELETE);
            prop_assert!(strictly_ascending(d));
        }
        for b in plan.adds.iter().chain(&plan.edits) {
            prop_assert!(!b.ids.is_empty() && b.ids.len() <= MAX_IDS_PER_WRITE);
            prop_assert!(strictly_ascending(&b.ids));
            prop_assert!(strictly_ascending(&b.label_ids));
        }
        let written: Vec<i64> = plan.written_ids().collect();
        let unique: BTreeSet<i64> = written.iter().copied().collect();
        prop_assert_eq!(written.len(), unique.len());
        if plan.outcome != PlanOutcome::Ready {
            prop_assert_eq!(plan.write_calls(), 0);
        }
        prop_assert_eq!(input.label_id.is_none(), plan.outcome == PlanOutcome::LabelMissing);
    }

    #[test]
    fn only_owned_or_taken_over_contacts_are_written(input in sync_input()) {
        let plan = plan_sync(&input);
        let desired = effective_desired(&input);
        let current: BTreeMap<i64, &CurrentContact> =
            input.current.iter().map(|c| (c.contact_id, c)).collect();
        let ledger: BTreeSet<i64> = input.ledger.iter().map(|l| l.contact_id).collect();
        for id in plan.deletes.iter().flatten() {
            prop_assert!(ledger.contains(id) && current.contains_key(id));
            prop_assert!(!desired.contains_key(id));
        }
        for b in &plan.adds {
            prop_assert_eq!(&b.label_ids, &vec![LABEL]);
            prop_assert!(!b.watched);
            for id in &b.ids {
                prop_assert_eq!(desired.get(id), Some(&b.standing));
                prop_assert!(!current.contains_key(id));
            }
        }
        for b in &plan.edits {
            for id in &b.ids {
                let c = current.get(id).expect("PUT only existing contacts");
                prop_assert_eq!(b.watched, c.is_watched, "watched is kept");
                let taken_over = desired.contains_key(id)
                    && input.settings.collision == CollisionPolicy::TakeOver
                    && !c.is_blocked;
                prop_assert!(ledger.contains(id) || taken_over);
            }
        }
        for id in plan.written_ids() {
            prop_assert!(input.only.as_ref().is_none_or(|o| o.contains(&id)));
            if plan.adds.iter().chain(&plan.edits).any(|b| b.ids.contains(&id)) {
                prop_assert!(id != ME);
            }
        }
    }

    #[test]
    fn applying_the_plan_reaches_the_desired_state_and_leaves_personal_contacts(input in sync_input()) {
        let plan = plan_sync(&input);
        prop_assume!(plan.outcome == PlanOutcome::Ready);
        let result: BTreeMap<i64, CurrentContact> = apply(&input.current, &plan)
            .into_iter()
            .map(|c| (c.contact_id, c))
            .collect();
        prop_assert_eq!(result.len(), plan.contacts_after);
        prop_assert!(result.len() <= input.settings.contact_limit);
        let desired = effective_desired(&input);
        let ledger: BTreeMap<i64, &LedgerEntry> =
            input.ledger.iter().map(|l| (l.contact_id, l)).collect();
        let collisions: BTreeMap<i64, CollisionAction> =
            plan.collisions.iter().map(|c| (c.contact_id, c.action)).collect();
        let in_scope = |id: &i64| input.only.as_ref().is_none_or(|o| o.contains(id));
        for c in &input.current {
            let id = c.contact_id;
            let untouched = !in_scope(&id)
                || (!ledger.contains_key(&id) && !desired.contains_key(&id))
                || collisions.get(&id).is_some_and(|a| *a != CollisionAction::TakenOver);
            if untouched {
                prop_assert_eq!(result.get(&id), Some(c), "contact {} must be untouched", id);
            }
        }
        for (id, standing) in desired.iter().filter(|(id, _)| in_scope(id)) {
            if collisions.get(id).is_some_and(|a| *a != CollisionAction::TakenOver) {
                continue;
            }
            let c = result.get(id).expect("desired contact present");
            prop_assert_eq!(Standing::from_esi(c.standing), *standing);
            prop_assert!(c.label_ids.contains(&LABEL));
        }
        for (id, l) in ledger.iter().filter(|(id, _)| in_scope(id) && !desired.contains_key(id)) {
            match (l.replaced_personal, result.get(id)) {
                (None, present) => prop_assert!(present.is_none(), "managed {} removed", id),
                (Some(_), present) if *id == ME => prop_assert!(present.is_none()),
                (Some(p), Some(c)) => prop_assert_eq!(Standing::from_esi(c.standing), Standing::from_esi(p)),
                (Some(_), None) => {}
            }
        }
        for l in &plan.ledger_after {
            if let Some(c) = result.get(&l.contact_id) {
                if in_scope(&l.contact_id) {
                    prop_assert_eq!(Standing::from_esi(c.standing), l.standing);
                    prop_assert_eq!(&c.label_ids, &l.label_ids);
                }
            } else {
                prop_assert!(!in_scope(&l.contact_id), "in-scope ledger rows exist in game");
            }
        }
    }

    #[test]
    fn running_the_diff_again_on_the_result_changes_nothing(input in sync_input()) {
        let plan = plan_sync(&input);
        prop_assume!(plan.outcome == PlanOutcome::Ready);
        let next = after(&input, &plan);
        let again = plan_sync(&next);
        prop_assert_eq!(again.outcome, PlanOutcome::Ready);
        prop_assert!(again.is_noop(), "second run wants {:?}", again);
        prop_assert_eq!(&again.ledger_after, &next.ledger);
    }
}
