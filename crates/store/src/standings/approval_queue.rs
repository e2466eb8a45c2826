//! The approver queue as one read: every pending request and revocation with what the queue page
//! shows about it (the requester's main and state, the subject's account, corporation and
//! alliance, the standing in force), one joined row per item.
//!
//! The page lists every pending item, so its cost is per item. Reading requests, then their
//! accounts, characters, corporations and alliances cost five queries and three rows per item;
//! one joined query still cost the drivers a row per item with 20 values each (on SQLite a
//! channel message per row and a copied value per column: two thirds of the page's CPU). So the
//! database builds the queue as one JSON array, which arrives as one value and is parsed here
//! (docs/benchmarks.md, ADR 0010). The SQL differs between backends only in the JSON function
//! names and in how a time becomes microseconds: each backend's statement is composed from the
//! same shared parts (`queue_statement`).

use super::corrupt;
use crate::Store;
use crate::db::{Db, Dialects, ValueList, on_db, where_in_ids};
use crate::{Result, StoreError};
use const_format::concatcp;
use jumpgate_domain::standings::{Entity, EntityKind, RevocationReason, Standing};
use jumpgate_domain::{AccountId, AllianceId, CorporationId};
use serde::Deserialize;
use time::OffsetDateTime;

/// One pending item of the approver queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    /// The request's or the revocation's id.
    pub id: i64,
    pub entity: Entity,
    pub name: String,
    pub created_at: OffsetDateTime,
    /// Who asked; `None` for a revocation raised automatically.
    pub requester: Option<AccountId>,
    /// The requester's main character's name, if the account has one.
    pub requester_main: Option<String>,
    /// The requester's state (e.g. `Member`).
    pub requester_state: Option<String>,
    /// Revocations only: why the standing should go.
    pub reason: Option<RevocationReason>,
    /// Revocations only: the standing in force, if the entry still exists.
    pub current: Option<Standing>,
    /// Character subjects registered in Jumpgate: the account that holds the character.
    pub subject_account: Option<AccountId>,
    /// Character subjects registered in Jumpgate: when the character was added.
    pub subject_added_at: Option<OffsetDateTime>,
    /// The subject's corporation: the character's, or the corporation itself.
    pub corporation: Option<CorporationId>,
    pub corporation_name: Option<String>,
    pub corporation_ticker: Option<String>,
    pub corporation_members: Option<i64>,
    /// The subject's alliance: the character's, or the corporation's.
    pub alliance: Option<AllianceId>,
    pub alliance_name: Option<String>,
}

/// The two queues an approver works through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    Request,
    Revocation,
}

/// The approver queue: pending requests and pending revocations, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApprovalQueue {
    pub requests: Vec<QueueItem>,
    pub revocations: Vec<QueueItem>,
}

/// The fields of one item up to its creation time, which each backend turns into microseconds
/// its own way (`x`: the request or revocation).
const ITEM_HEAD: &str = "
                'id', x.id, 'entity_id', x.entity_id, 'entity_kind', x.entity_kind,
                'name', x.name, 'created_at', ";

/// The requester's fields, up to the subject's time added (another time to convert).
const ITEM_REQUESTER: &str = ", 'requester', x.requester,
                'requester_main', m.name, 'requester_state', a.state,
                'subject_account', c.account_id, 'subject_added_at', ";

/// The subject's corporation and alliance.
const ITEM_SUBJECT: &str = ",
                'corporation_id', CASE WHEN x.entity_kind = 'corporation' THEN x.entity_id
                                       ELSE c.corporation_id END,
                'corporation_name', co.name, 'corporation_ticker', co.ticker,
                'corporation_members', co.member_count,
                'alliance_id', CASE WHEN x.entity_kind = 'character' THEN c.alliance_id
                                    ELSE co.alliance_id END,
                'alliance_name', al.name";

/// The fields only revocations have.
const REVOCATION_FIELDS: &str = ", 'reason', x.reason, 'current_tenths', se.standing_tenths";

/// Who asked and what about, joined to the pending item `x`.
const JOINS: &str = " x
             LEFT JOIN accounts a ON a.id = x.requester
             LEFT JOIN characters m ON m.id = a.main_character_id
             LEFT JOIN characters c ON x.entity_kind = 'character' AND c.id = x.entity_id
             LEFT JOIN corporations co ON co.id = CASE WHEN x.entity_kind = 'corporation'
                                                 THEN x.entity_id ELSE c.corporation_id END
             LEFT JOIN alliances al ON al.id = CASE WHEN x.entity_kind = 'character'
                                              THEN c.alliance_id ELSE co.alliance_id END ";

/// The standing in force, which only revocations show.
const REVOCATION_JOIN: &str = "LEFT JOIN standings_entries se ON se.entity_id = x.entity_id";

const PENDING: &str = " WHERE x.state = 'pending' ";

/// Narrows a queue statement to one item.
const BY_ID: &str = "AND x.id = $1";

// The queue statements of each backend. They differ in the JSON functions' names (SQLite's
// `json_object`/`json_group_array`, PostgreSQL's `json_build_object`/`json_agg`) and in the two
// times: SQLite stores microseconds already, PostgreSQL a TIMESTAMPTZ it converts. The rest is
// the consts above, shared.

const SQLITE_ITEM: &str = concatcp!(
    "json_object(",
    ITEM_HEAD,
    "x.created_at",
    ITEM_REQUESTER,
    "c.added_at",
    ITEM_SUBJECT
);
const SQLITE_REQUESTS: &str = concatcp!(
    "SELECT CAST(COALESCE(json_group_array(",
    SQLITE_ITEM,
    ")), '[]') AS TEXT) AS queue
             FROM standing_requests",
    JOINS,
    PENDING
);
const SQLITE_REVOCATIONS: &str = concatcp!(
    "SELECT CAST(COALESCE(json_group_array(",
    SQLITE_ITEM,
    REVOCATION_FIELDS,
    ")), '[]') AS TEXT) AS queue
             FROM standing_revocations",
    JOINS,
    REVOCATION_JOIN,
    PENDING
);

const POSTGRES_ITEM: &str = concatcp!(
    "json_build_object(",
    ITEM_HEAD,
    "(EXTRACT(EPOCH FROM x.created_at) * 1000000)::bigint",
    ITEM_REQUESTER,
    "(EXTRACT(EPOCH FROM c.added_at) * 1000000)::bigint",
    ITEM_SUBJECT
);
const POSTGRES_REQUESTS: &str = concatcp!(
    "SELECT CAST(COALESCE(json_agg(",
    POSTGRES_ITEM,
    ")), '[]'::json) AS TEXT) AS queue
             FROM standing_requests",
    JOINS,
    PENDING
);
const POSTGRES_REVOCATIONS: &str = concatcp!(
    "SELECT CAST(COALESCE(json_agg(",
    POSTGRES_ITEM,
    REVOCATION_FIELDS,
    ")), '[]'::json) AS TEXT) AS queue
             FROM standing_revocations",
    JOINS,
    REVOCATION_JOIN,
    PENDING
);

/// The statement that builds the `kind` queue as one JSON array in no particular order
/// (`parse_queue` sorts it); with `one`, only the item `$1`.
fn queue_statement(db: &Db, kind: QueueKind, one: bool) -> &'static str {
    match (db, kind, one) {
        (Db::Sqlite(_), QueueKind::Request, false) => SQLITE_REQUESTS,
        (Db::Sqlite(_), QueueKind::Request, true) => concatcp!(SQLITE_REQUESTS, BY_ID),
        (Db::Sqlite(_), QueueKind::Revocation, false) => SQLITE_REVOCATIONS,
        (Db::Sqlite(_), QueueKind::Revocation, true) => concatcp!(SQLITE_REVOCATIONS, BY_ID),
        (Db::Postgres(_), QueueKind::Request, false) => POSTGRES_REQUESTS,
        (Db::Postgres(_), QueueKind::Request, true) => concatcp!(POSTGRES_REQUESTS, BY_ID),
        (Db::Postgres(_), QueueKind::Revocation, false) => POSTGRES_REVOCATIONS,
        (Db::Postgres(_), QueueKind::Revocation, true) => concatcp!(POSTGRES_REVOCATIONS, BY_ID),
    }
}

impl Store {
    /// The `kind` queue (only the item `id` when given), oldest first.
    async fn read_queue(&self, kind: QueueKind, id: Option<i64>) -> Result<Vec<QueueItem>> {
        let sql = queue_statement(&self.db, kind, id.is_some());
        let json: String = on_db!(self, |db| {
            let mut query = sqlx::query_scalar(sql);
            if let Some(id) = id {
                query = query.bind(id);
            }
            query.fetch_one(db.reader()).await?
        });
        parse_queue(&json)
    }

    /// Every pending request and revocation, oldest first, with the requester's main and state
    /// and the subject's account, corporation and alliance (one joined query each).
    pub async fn approval_queue(&self) -> Result<ApprovalQueue> {
        Ok(ApprovalQueue {
            requests: self.read_queue(QueueKind::Request, None).await?,
            revocations: self.read_queue(QueueKind::Revocation, None).await?,
        })
    }

    /// One queue item, if it is still pending.
    pub async fn queue_item(&self, kind: QueueKind, id: i64) -> Result<Option<QueueItem>> {
        Ok(self.read_queue(kind, Some(id)).await?.into_iter().next())
    }

    /// A change counter (`change_counters`): the database bumps `approval_queue` in the same
    /// transaction as any write to requests or revocations, and `standings` with any write to
    /// the standings entries.
    pub async fn change_counter(&self, name: &str) -> Result<i64> {
        let value: Option<i64> = on_db!(self, |db| sqlx::query_scalar(
            "SELECT value FROM change_counters WHERE name = $1"
        )
        .bind(name)
        .fetch_optional(db.reader())
        .await?);
        value.ok_or_else(|| StoreError::NotFound(format!("change counter '{name}'")))
    }

    /// Every change counter, by name (the application API reads them for all its calls at once).
    pub async fn all_change_counters(&self) -> Result<std::collections::BTreeMap<String, i64>> {
        let found: Vec<(String, i64)> = on_db!(self, |db| sqlx::query_as(
            "SELECT name, value FROM change_counters"
        )
        .fetch_all(db.reader())
        .await?);
        Ok(found.into_iter().collect())
    }

    /// Several change counters in one statement, in the order of `names` (a page that keeps
    /// several lists checks them all with one read).
    pub async fn change_counters<const N: usize>(&self, names: [&str; N]) -> Result<[i64; N]> {
        const BY_NAMES: Dialects =
            where_in_ids!("SELECT name, value FROM change_counters WHERE name");
        let list = ValueList::new(names.iter().map(|n| (*n).to_owned()));
        let found: Vec<(String, i64)> = on_db!(self, |db| sqlx::query_as(db.sql(&BY_NAMES))
            .bind(list)
            .fetch_all(db.reader())
            .await?);
        let mut values = [0; N];
        for (value, name) in values.iter_mut().zip(names) {
            *value = found
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| StoreError::NotFound(format!("change counter '{name}'")))?;
        }
        Ok(values)
    }
}

/// One element of the JSON array, as the database writes it.
#[derive(Deserialize)]
struct JsonItem {
    id: i64,
    entity_id: i64,
    entity_kind: String,
    name: String,
    created_at: i64,
    requester: Option<i64>,
    requester_main: Option<String>,
    requester_state: Option<String>,
    subject_account: Option<i64>,
    subject_added_at: Option<i64>,
    corporation_id: Option<i64>,
    corporation_name: Option<String>,
    corporation_ticker: Option<String>,
    corporation_members: Option<i64>,
    alliance_id: Option<i64>,
    alliance_name: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    current_tenths: Option<i16>,
}

fn time(micros: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .map_err(|_| corrupt("time (microseconds)", micros))
}

impl JsonItem {
    fn into_item(self) -> Result<QueueItem> {
        Ok(QueueItem {
            id: self.id,
            entity: Entity {
                kind: EntityKind::parse(&self.entity_kind)
                    .map_err(|_| corrupt("entity kind", &self.entity_kind))?,
                id: self.entity_id,
            },
            name: self.name,
            created_at: time(self.created_at)?,
            requester: self.requester.map(AccountId),
            requester_main: self.requester_main,
            requester_state: self.requester_state,
            reason: self
                .reason
                .map(|r| RevocationReason::parse(&r).map_err(|_| corrupt("revocation reason", &r)))
                .transpose()?,
            current: self
                .current_tenths
                .map(|t| Standing::from_tenths(t).map_err(|_| corrupt("standing (tenths)", t)))
                .transpose()?,
            subject_account: self.subject_account.map(AccountId),
            subject_added_at: self.subject_added_at.map(time).transpose()?,
            corporation: self.corporation_id.map(CorporationId),
            corporation_name: self.corporation_name,
            corporation_ticker: self.corporation_ticker,
            corporation_members: self.corporation_members,
            alliance: self.alliance_id.map(AllianceId),
            alliance_name: self.alliance_name,
        })
    }
}

/// Parses a queue query's JSON array.
fn parse_queue(json: &str) -> Result<Vec<QueueItem>> {
    let items: Vec<JsonItem> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("the approver queue's JSON: {e}")))?;
    let mut items = items
        .into_iter()
        .map(JsonItem::into_item)
        .collect::<Result<Vec<_>>>()?;
    // Oldest first. Sorted here rather than by the aggregate's ORDER BY: SQLite would build a
    // sorter for it, which cost more than the rest of the query.
    items.sort_by_key(|i| (i.created_at, i.id));
    Ok(items)
}
