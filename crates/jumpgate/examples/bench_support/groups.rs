//! Issue 11's benchmark groups: 200 groups, 50 of them given by rules (30 by corporation, 19 by
//! alliance, the default group); ten plain groups require the default group and five forbid one
//! of the corporations' groups.

use jumpgate_domain::groups::{Group, GroupRules, Visibility};
use jumpgate_domain::{AllianceId, CorporationId, GroupId};
use jumpgate_store::Store;

pub const GROUPS: usize = 200;

/// Saves the 200 groups (`Group 000` … `Group 199`, ids in that order on a fresh database) over
/// the first 30 of `corporations` and, in turn, `alliances`; every tenth plain group is public.
pub async fn seed_groups(
    store: &Store,
    corporations: &[i64],
    alliances: &[i64],
) -> anyhow::Result<Vec<GroupId>> {
    anyhow::ensure!(
        corporations.len() >= 31 && !alliances.is_empty(),
        "too small a universe for the benchmark's groups"
    );
    let mut ids: Vec<GroupId> = Vec::with_capacity(GROUPS);
    for n in 0..GROUPS {
        let mut group = Group::new(format!("Group {n:03}"));
        group.description = format!("Benchmark group {n}");
        group.rules = match n {
            0 => GroupRules {
                default: true,
                ..GroupRules::default()
            },
            1..=30 => GroupRules {
                corporations: [CorporationId(corporations[n])].into(),
                ..GroupRules::default()
            },
            31..=49 => GroupRules {
                alliances: [AllianceId(alliances[(n - 31) % alliances.len()])].into(),
                ..GroupRules::default()
            },
            50..=59 => GroupRules {
                required: [ids[0]].into(),
                ..GroupRules::default()
            },
            60..=64 => GroupRules {
                forbidden: [ids[n - 59]].into(),
                ..GroupRules::default()
            },
            _ => GroupRules::default(),
        };
        if n >= 50 && n % 10 == 0 {
            group.visibility = Visibility::Public;
        }
        ids.push(store.save_group(&group).await?.id);
    }
    Ok(ids)
}
