//! Who is in a group (with how they came to be), and applications to join one.

use super::group_or_account;
use crate::db::{Cols, DbTime, Limit, on_conn, on_db};
use crate::support::{conflict, is_foreign_key};
use crate::{Result, Store, StoreError, Transaction};
use const_format::concatcp;
use jumpgate_domain::groups::{ApplicationStatus, GroupApplication, Membership, MembershipSource};
use jumpgate_domain::{AccountId, CharacterId, GroupApplicationId, GroupId};
use std::collections::BTreeMap;

/// A membership to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMembership {
    pub group: GroupId,
    pub account: AccountId,
    pub source: MembershipSource,
    /// Which one within the source: the application's id.
    pub source_ref: Option<String>,
    /// Who added it, when someone did.
    pub added_by: Option<AccountId>,
}

/// A member as a group's page lists it: the membership and the account's main.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMember {
    pub membership: Membership,
    pub main: Option<(CharacterId, String)>,
}

/// Which applications to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ApplicationFilter {
    pub group: Option<GroupId>,
    pub account: Option<AccountId>,
    pub pending_only: bool,
    /// 0 or less: all of them.
    pub limit: i64,
}

/// How a pending application ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationDecision {
    /// `by`: `None` when nobody decided (auto-accept).
    Accept {
        by: Option<AccountId>,
        note: Option<String>,
    },
    Deny {
        by: AccountId,
        reason: String,
    },
    /// Withdrawn by the applicant.
    Cancel {
        by: AccountId,
    },
}

impl ApplicationDecision {
    fn status(&self) -> ApplicationStatus {
        match self {
            Self::Accept { .. } => ApplicationStatus::Accepted,
            Self::Deny { .. } => ApplicationStatus::Denied,
            Self::Cancel { .. } => ApplicationStatus::Cancelled,
        }
    }

    fn by(&self) -> Option<AccountId> {
        match self {
            Self::Accept { by, .. } => *by,
            Self::Deny { by, .. } | Self::Cancel { by } => Some(*by),
        }
    }

    fn reason(&self) -> Option<&str> {
        match self {
            Self::Accept { note, .. } => note.as_deref(),
            Self::Deny { reason, .. } => Some(reason),
            Self::Cancel { .. } => None,
        }
    }
}

const MEMBERSHIP_COLS: &str = "group_id, account_id, source, source_ref, added_by, added_at";
const APPLICATION_COLS: &str = "id, group_id, account_id, message, status, created_at, \
     decided_at, decided_by, decision_reason";

fn read_membership<R: Cols>(r: &R) -> Result<Membership> {
    let source: String = r.get("source")?;
    Ok(Membership {
        group: GroupId(r.get("group_id")?),
        account: AccountId(r.get("account_id")?),
        source: MembershipSource::parse(&source).ok_or_else(|| {
            StoreError::Corrupt(format!("unknown group membership source '{source}'"))
        })?,
        source_ref: r.get("source_ref")?,
        added_by: r.get::<Option<i64>>("added_by")?.map(AccountId),
        added_at: r.time("added_at")?,
    })
}

fn read_application<R: Cols>(r: &R) -> Result<GroupApplication> {
    let status: String = r.get("status")?;
    Ok(GroupApplication {
        id: GroupApplicationId(r.get("id")?),
        group: GroupId(r.get("group_id")?),
        account: AccountId(r.get("account_id")?),
        message: r.get("message")?,
        status: ApplicationStatus::parse(&status).ok_or_else(|| {
            StoreError::Corrupt(format!("unknown group application status '{status}'"))
        })?,
        created_at: r.time("created_at")?,
        decided_at: r.time_opt("decided_at")?,
        decided_by: r.get::<Option<i64>>("decided_by")?.map(AccountId),
        decision_reason: r.get("decision_reason")?,
    })
}

impl Store {
    /// A group's members with their mains, by main name ignoring case (accounts without a main
    /// last, by id); kept on SQLite until the next commit (ADR 0034).
    pub async fn group_members(&self, group: GroupId) -> Result<Vec<GroupMember>> {
        self.kept_until_commit(
            |kept| &kept.group_members,
            &group,
            |_| true,
            || self.read_group_members(group),
        )
        .await
    }

    /// The read of `group_members`, from the database.
    async fn read_group_members(&self, group: GroupId) -> Result<Vec<GroupMember>> {
        let mut members: Vec<GroupMember> = on_db!(self, |db| sqlx::query(
            "SELECT gm.group_id, gm.account_id, gm.source, gm.source_ref, gm.added_by,
                    gm.added_at, m.id AS main_id, m.name AS main_name
             FROM group_members gm
             JOIN accounts a ON a.id = gm.account_id
             LEFT JOIN characters m ON m.id = a.main_character_id
             WHERE gm.group_id = $1"
        )
        .bind(group.get())
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(|r| {
            Ok(GroupMember {
                membership: read_membership(r)?,
                main: r
                    .get::<Option<i64>>("main_id")?
                    .map(CharacterId)
                    .zip(r.get::<Option<String>>("main_name")?),
            })
        })
        .collect::<Result<_>>()?);
        // Sorted here: the backends order names (and NULLs) differently.
        members.sort_by_cached_key(|m| {
            (
                m.main.is_none(),
                m.main.as_ref().map(|(_, n)| n.to_lowercase()),
                m.membership.account,
            )
        });
        Ok(members)
    }

    /// How many members each group has (groups without members are left out); kept on SQLite
    /// until the next commit (ADR 0034).
    pub async fn group_sizes(&self) -> Result<BTreeMap<GroupId, usize>> {
        self.kept_until_commit(
            |kept| &kept.group_sizes,
            &(),
            |_| true,
            || self.read_group_sizes(),
        )
        .await
    }

    /// The read of `group_sizes`, from the database.
    async fn read_group_sizes(&self) -> Result<BTreeMap<GroupId, usize>> {
        let rows: Vec<(i64, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT group_id, COUNT(*) FROM group_members GROUP BY group_id"
        )
        .fetch_all(db.reader())
        .await?);
        Ok(rows
            .into_iter()
            .map(|(group, n)| (GroupId(group), usize::try_from(n).unwrap_or_default()))
            .collect())
    }

    /// Every membership as (account, group), by account then group: what the application API
    /// keeps to answer for any character without a query.
    pub async fn all_group_memberships(&self) -> Result<Vec<(AccountId, GroupId)>> {
        let rows: Vec<(i64, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT account_id, group_id FROM group_members ORDER BY account_id, group_id"
        )
        .fetch_all(db.reader())
        .await?);
        Ok(rows
            .into_iter()
            .map(|(a, g)| (AccountId(a), GroupId(g)))
            .collect())
    }

    /// The groups `account` is in, each with how it came to be, by group id.
    pub async fn account_groups(&self, account: AccountId) -> Result<Vec<Membership>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            MEMBERSHIP_COLS,
            " FROM group_members WHERE account_id = $1 ORDER BY group_id"
        ))
        .bind(account.get())
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_membership)
        .collect())
    }

    pub async fn group_application(
        &self,
        id: GroupApplicationId,
    ) -> Result<Option<GroupApplication>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            APPLICATION_COLS,
            " FROM group_applications WHERE id = $1"
        ))
        .bind(id.get())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(read_application)
        .transpose())
    }

    /// Applications as `filter` asks, newest first; kept on SQLite until the next commit (ADR
    /// 0034).
    pub async fn group_applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<Vec<GroupApplication>> {
        self.kept_until_commit(
            |kept| &kept.group_applications,
            filter,
            |_| true,
            || self.read_group_applications(filter),
        )
        .await
    }

    /// The read of `group_applications`, from the database.
    async fn read_group_applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<Vec<GroupApplication>> {
        on_db!(self, |db| sqlx::query(concatcp!(
            "SELECT ",
            APPLICATION_COLS,
            " FROM group_applications
             WHERE (CAST($1 AS BIGINT) IS NULL OR group_id = $1)
               AND (CAST($2 AS BIGINT) IS NULL OR account_id = $2)
               AND (NOT $3 OR status = 'pending')
             ORDER BY created_at DESC, id DESC LIMIT $4"
        ))
        .bind(filter.group.map(GroupId::get))
        .bind(filter.account.map(AccountId::get))
        .bind(filter.pending_only)
        .bind(Limit::positive_or_all(filter.limit))
        .fetch_all(db.reader())
        .await?
        .iter()
        .map(read_application)
        .collect())
    }

    pub async fn add_group_member(&self, membership: &NewMembership) -> Result<bool> {
        let mut tx = self.transaction().await?;
        let added = tx.add_group_member(membership).await?;
        tx.commit().await?;
        Ok(added)
    }

    pub async fn remove_group_member(
        &self,
        group: GroupId,
        account: AccountId,
    ) -> Result<Option<Membership>> {
        let mut tx = self.transaction().await?;
        let removed = tx.remove_group_member(group, account).await?;
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn create_group_application(
        &self,
        group: GroupId,
        account: AccountId,
        message: &str,
    ) -> Result<GroupApplication> {
        let mut tx = self.transaction().await?;
        let created = tx.create_group_application(group, account, message).await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn decide_group_application(
        &self,
        id: GroupApplicationId,
        decision: &ApplicationDecision,
    ) -> Result<GroupApplication> {
        let mut tx = self.transaction().await?;
        let decided = tx.decide_group_application(id, decision).await?;
        tx.commit().await?;
        Ok(decided)
    }
}

/// The membership writes a use case combines with its audit entry in one transaction; the
/// `Store` methods of the same names run each in its own.
impl Transaction {
    /// Adds a membership; `false` when the account already was a member (its membership keeps
    /// how it came to be).
    pub async fn add_group_member(&mut self, m: &NewMembership) -> Result<bool> {
        let now = DbTime(self.now());
        let done = on_conn!(self.conn(), |c| {
            sqlx::query(
            "INSERT INTO group_members (group_id, account_id, source, source_ref, added_by, added_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (group_id, account_id) DO NOTHING"
        )
        .bind(m.group.get())
        .bind(m.account.get())
        .bind(m.source.as_str())
        .bind(m.source_ref.as_deref())
        .bind(m.added_by.map(AccountId::get))
        .bind(now)
        .execute(c)
        .await
        .map_err(|e| group_or_account(e, m.group, m.account))?
        .rows_affected()
        });
        Ok(done == 1)
    }

    /// Ends a membership: what it was, for the audit entry; `None` when there was none.
    pub async fn remove_group_member(
        &mut self,
        group: GroupId,
        account: AccountId,
    ) -> Result<Option<Membership>> {
        on_conn!(self.conn(), |c| sqlx::query(concatcp!(
            "DELETE FROM group_members WHERE group_id = $1 AND account_id = $2 RETURNING ",
            MEMBERSHIP_COLS
        ))
        .bind(group.get())
        .bind(account.get())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(read_membership)
        .transpose())
    }

    /// Ends a membership the groups' rules gave (source `automatic`) when the rules no longer
    /// give it: a membership of the same group that a manager or an application made meanwhile
    /// stays. What it was; `None` when there was no rule-given one.
    pub async fn remove_rule_given_member(
        &mut self,
        group: GroupId,
        account: AccountId,
    ) -> Result<Option<Membership>> {
        on_conn!(self.conn(), |c| sqlx::query(concatcp!(
            "DELETE FROM group_members
             WHERE group_id = $1 AND account_id = $2 AND source = 'automatic' RETURNING ",
            MEMBERSHIP_COLS
        ))
        .bind(group.get())
        .bind(account.get())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(read_membership)
        .transpose())
    }

    /// A pending application; at most one per account and group is pending at a time.
    pub async fn create_group_application(
        &mut self,
        group: GroupId,
        account: AccountId,
        message: &str,
    ) -> Result<GroupApplication> {
        let now = DbTime(self.now());
        on_conn!(self.conn(), |c| read_application(
            &sqlx::query(concatcp!(
                "INSERT INTO group_applications (group_id, account_id, message, status, created_at)
                 VALUES ($1, $2, $3, 'pending', $4) RETURNING ",
                APPLICATION_COLS
            ))
            .bind(group.get())
            .bind(account.get())
            .bind(message)
            .bind(now)
            .fetch_one(c)
            .await
            .map_err(|e| if is_foreign_key(&e) {
                group_or_account(e, group, account)
            } else {
                conflict(e, || {
                    format!(
                        "an application of account {account} to group {group} is already pending"
                    )
                })
            })?
        ))
    }

    /// Ends a pending application as `decision` says. One that is not pending (any more) is
    /// left as it is: deciding it is an error that says how it ended.
    pub async fn decide_group_application(
        &mut self,
        id: GroupApplicationId,
        decision: &ApplicationDecision,
    ) -> Result<GroupApplication> {
        let now = DbTime(self.now());
        let decided = on_conn!(self.conn(), |c| sqlx::query(concatcp!(
            "UPDATE group_applications SET status = $1, decided_at = $2, decided_by = $3,
                    decision_reason = $4
             WHERE id = $5 AND status = 'pending' RETURNING ",
            APPLICATION_COLS
        ))
        .bind(decision.status().as_str())
        .bind(now)
        .bind(decision.by().map(AccountId::get))
        .bind(decision.reason())
        .bind(id.get())
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(read_application)
        .transpose())?;
        if let Some(decided) = decided {
            return Ok(decided);
        }
        let status: Option<String> = on_conn!(self.conn(), |c| sqlx::query_scalar(
            "SELECT status FROM group_applications WHERE id = $1"
        )
        .bind(id.get())
        .fetch_optional(c)
        .await?);
        Err(match status {
            None => StoreError::NotFound(format!("application {id}")),
            Some(status) => StoreError::Invalid(format!(
                "application {id} is already {status}: only a pending application can be decided"
            )),
        })
    }
}
