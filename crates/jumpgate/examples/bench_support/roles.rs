//! Issue 11's roles for the pages benchmark: 10 divisions, 10 specialty roles, and holders the
//! size of a large alliance's leadership: a Head FC, 50 General FCs, a head and 10 FCs per
//! division, 5 holders per specialty (176 appointed roles), given to the first accounts.

use jumpgate_domain::AccountId;
use jumpgate_domain::roles::{Division, Role, Specialty};
use jumpgate_domain::{DivisionId, SpecialtyId};
use jumpgate_store::Store;

pub async fn seed_roles(store: &Store, accounts: &[AccountId]) -> anyhow::Result<usize> {
    let mut tx = store.transaction().await?;
    let mut roles = vec![Role::HeadFc];
    roles.extend(std::iter::repeat_n(Role::GeneralFc, 50));
    for n in 0..10 {
        let division = tx
            .save_division(&Division {
                id: DivisionId(0),
                name: format!("Division {n}"),
            })
            .await?;
        roles.push(Role::DivisionHeadFc(division.id));
        roles.extend(std::iter::repeat_n(Role::DivisionFc(division.id), 10));
        let specialty = tx
            .save_specialty(&Specialty {
                id: SpecialtyId(0),
                name: format!("Specialty {n}"),
                description: "A benchmark's role".to_owned(),
                fleet: n % 2 == 0,
            })
            .await?;
        roles.extend(std::iter::repeat_n(Role::Specialty(specialty.id), 5));
    }
    // Each holder a different account, so that no role is held twice by one.
    for (role, account) in roles.iter().zip(accounts) {
        tx.appoint(*role, *account, "cli:bench").await?;
    }
    tx.commit().await?;
    Ok(roles.len())
}
