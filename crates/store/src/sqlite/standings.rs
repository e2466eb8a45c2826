//! The standings database, and the requests and revocations that change it (full history, at
//! most one pending of each per entity).

use super::{SqliteDb, micros, read_standings as read};
use crate::rows::{entry_cols, request_cols, revocation_cols};
use crate::support::{self, contains_pattern, is_foreign_key};
use crate::{
    NewRevocation, NewStandingRequest, NewStandingsEntry, RequestDecision, Result, Revocation,
    RevocationDecision, StandingRequest, StandingsEntry, StandingsFilter, StoreError,
    WorkflowFilter,
};
use jumpgate_domain::AccountId;
use sqlx::SqliteConnection;
use time::OffsetDateTime;

/// SQLite's "no limit" is `LIMIT -1`: a limit of 0 or less means no limit.
pub(crate) fn limit(n: i64) -> i64 {
    if n > 0 { n } else { -1 }
}

/// A foreign key failed on an insert or update naming `account`: that account does not exist.
pub(crate) fn unknown_account(err: sqlx::Error, account: Option<AccountId>) -> StoreError {
    match account {
        Some(a) if is_foreign_key(&err) => StoreError::NotFound(format!("account {a}")),
        _ => StoreError::Database(err),
    }
}

async fn upsert_entry(
    conn: &mut SqliteConnection,
    e: &NewStandingsEntry,
    now: OffsetDateTime,
) -> Result<StandingsEntry> {
    let row = sqlx::query(concat!(
        "INSERT INTO standings_entries (entity_id, entity_kind, name, standing_tenths, notes, \
         source, added_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
         ON CONFLICT (entity_id) DO UPDATE SET entity_kind = excluded.entity_kind, \
         name = excluded.name, standing_tenths = excluded.standing_tenths, \
         notes = excluded.notes, source = excluded.source, added_by = excluded.added_by, \
         updated_at = excluded.updated_at RETURNING ",
        entry_cols!()
    ))
    .bind(e.entity.id)
    .bind(e.entity.kind.as_str())
    .bind(&e.name)
    .bind(e.standing.tenths())
    .bind(&e.notes)
    .bind(&e.source)
    .bind(e.added_by.map(|a| a.get()))
    .bind(micros(now))
    .fetch_one(conn)
    .await
    .map_err(|err| unknown_account(err, e.added_by))?;
    read::entry(&row)
}

pub(crate) async fn standings(s: &SqliteDb, f: &StandingsFilter) -> Result<Vec<StandingsEntry>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        entry_cols!(),
        r" FROM standings_entries
         WHERE ($1 IS NULL OR entity_kind = $1)
           AND ($2 IS NULL OR standing_tenths >= $2)
           AND ($3 IS NULL OR standing_tenths <= $3)
           AND ($4 IS NULL OR lower(name) LIKE $4 ESCAPE '\')
           AND ($5 IS NULL OR updated_at >= $5)
         ORDER BY CASE entity_kind WHEN 'character' THEN 0 WHEN 'corporation' THEN 1 ELSE 2 END,
             lower(name), name, entity_id
         LIMIT $6 OFFSET $7"
    ))
    .bind(f.kind.map(|k| k.as_str()))
    .bind(f.min.map(|m| m.tenths()))
    .bind(f.max.map(|m| m.tenths()))
    .bind(f.name.as_deref().map(contains_pattern))
    .bind(f.updated_since.map(micros))
    .bind(limit(f.limit))
    .bind(f.offset.max(0))
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(read::entry).collect()
}

pub(crate) async fn all_standings(s: &SqliteDb) -> Result<Vec<StandingsEntry>> {
    standings(s, &StandingsFilter::default()).await
}

pub(crate) async fn standing(s: &SqliteDb, entity_id: i64) -> Result<Option<StandingsEntry>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        entry_cols!(),
        " FROM standings_entries WHERE entity_id = $1"
    ))
    .bind(entity_id)
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(read::entry).transpose()
}

pub(crate) async fn count_standings(s: &SqliteDb) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM standings_entries")
        .fetch_one(&s.reader)
        .await?)
}

pub(crate) async fn upsert_standing(
    s: &SqliteDb,
    entry: &NewStandingsEntry,
) -> Result<StandingsEntry> {
    let mut conn = s.writer.acquire().await?;
    upsert_entry(&mut conn, entry, support::now()).await
}

pub(crate) async fn delete_standing(s: &SqliteDb, entity_id: i64) -> Result<bool> {
    let done = sqlx::query("DELETE FROM standings_entries WHERE entity_id = $1")
        .bind(entity_id)
        .execute(&s.writer)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(crate) async fn import_standings(s: &SqliteDb, entries: &[NewStandingsEntry]) -> Result<u64> {
    support::check_import(entries)?;
    let now = support::now();
    let mut tx = s.begin().await?;
    for e in entries {
        upsert_entry(&mut tx, e, now).await?;
    }
    tx.commit().await?;
    Ok(entries.len() as u64)
}

pub(crate) async fn create_request(
    s: &SqliteDb,
    r: &NewStandingRequest,
) -> Result<StandingRequest> {
    let row = sqlx::query(concat!(
        "INSERT INTO standing_requests (entity_id, entity_kind, name, requester, state, \
         created_at) VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING ",
        request_cols!()
    ))
    .bind(r.entity.id)
    .bind(r.entity.kind.as_str())
    .bind(&r.name)
    .bind(r.requester.get())
    .bind(micros(support::now()))
    .fetch_one(&s.writer)
    .await
    .map_err(|e| {
        if is_foreign_key(&e) {
            StoreError::NotFound(format!("account {}", r.requester))
        } else {
            support::conflict(e, || format!("a request for {} is already pending", r.name))
        }
    })?;
    read::request(&row)
}

pub(crate) async fn request(s: &SqliteDb, id: i64) -> Result<Option<StandingRequest>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        request_cols!(),
        " FROM standing_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(read::request).transpose()
}

pub(crate) async fn requests(s: &SqliteDb, f: &WorkflowFilter) -> Result<Vec<StandingRequest>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        request_cols!(),
        " FROM standing_requests
         WHERE (NOT $1 OR state = 'pending')
           AND ($2 IS NULL OR requester = $2)
           AND ($3 IS NULL OR entity_id = $3)
         ORDER BY created_at DESC, id DESC LIMIT $4"
    ))
    .bind(f.pending_only)
    .bind(f.requester.map(|a| a.get()))
    .bind(f.entity_id)
    .bind(limit(f.limit))
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(read::request).collect()
}

pub(crate) async fn decide_request(
    s: &SqliteDb,
    id: i64,
    decision: &RequestDecision,
) -> Result<StandingRequest> {
    let d = support::request_decision(decision);
    let now = support::now();
    let mut tx = s.begin().await?;
    // Only a pending request changes: the guard makes a second decision match no row.
    let row = sqlx::query(concat!(
        "UPDATE standing_requests SET state = $1, decided_at = $2, decided_by = $3, \
         standing_tenths = $4, decision_note = $5 WHERE id = $6 AND state = 'pending' RETURNING ",
        request_cols!()
    ))
    .bind(d.state)
    .bind(micros(now))
    .bind(d.by.map(|a| a.get()))
    .bind(d.standing)
    .bind(d.note)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(|e| unknown_account(e, d.by))?;
    let Some(row) = row else {
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM standing_requests WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        return Err(support::not_pending("request", id, state));
    };
    let request = read::request(&row)?;
    if let RequestDecision::Approve {
        standing, notes, ..
    } = decision
    {
        let entry = NewStandingsEntry {
            entity: request.entity,
            name: request.name.clone(),
            standing: *standing,
            notes: notes.clone(),
            source: "request".to_owned(),
            added_by: Some(request.requester),
        };
        upsert_entry(&mut tx, &entry, now).await?;
    }
    tx.commit().await?;
    Ok(request)
}

pub(crate) async fn create_revocation(s: &SqliteDb, r: &NewRevocation) -> Result<Revocation> {
    let row = sqlx::query(concat!(
        "INSERT INTO standing_revocations (entity_id, entity_kind, name, reason, requester, \
         state, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6) RETURNING ",
        revocation_cols!()
    ))
    .bind(r.entity.id)
    .bind(r.entity.kind.as_str())
    .bind(&r.name)
    .bind(r.reason.as_str())
    .bind(r.requester.map(|a| a.get()))
    .bind(micros(support::now()))
    .fetch_one(&s.writer)
    .await
    .map_err(|e| {
        if is_foreign_key(&e) {
            unknown_account(e, r.requester)
        } else {
            support::conflict(e, || {
                format!("a revocation for {} is already pending", r.name)
            })
        }
    })?;
    read::revocation(&row)
}

pub(crate) async fn revocation(s: &SqliteDb, id: i64) -> Result<Option<Revocation>> {
    let row = sqlx::query(concat!(
        "SELECT ",
        revocation_cols!(),
        " FROM standing_revocations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(read::revocation).transpose()
}

pub(crate) async fn revocations(s: &SqliteDb, f: &WorkflowFilter) -> Result<Vec<Revocation>> {
    let rows = sqlx::query(concat!(
        "SELECT ",
        revocation_cols!(),
        " FROM standing_revocations
         WHERE (NOT $1 OR state = 'pending')
           AND ($2 IS NULL OR requester = $2)
           AND ($3 IS NULL OR entity_id = $3)
         ORDER BY created_at DESC, id DESC LIMIT $4"
    ))
    .bind(f.pending_only)
    .bind(f.requester.map(|a| a.get()))
    .bind(f.entity_id)
    .bind(limit(f.limit))
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(read::revocation).collect()
}

pub(crate) async fn decide_revocation(
    s: &SqliteDb,
    id: i64,
    decision: &RevocationDecision,
) -> Result<Revocation> {
    let d = support::revocation_decision(decision);
    let now = support::now();
    let mut tx = s.begin().await?;
    let row = sqlx::query(concat!(
        "UPDATE standing_revocations SET state = $1, decided_at = $2, decided_by = $3, \
         decision_note = $4 WHERE id = $5 AND state = 'pending' RETURNING ",
        revocation_cols!()
    ))
    .bind(d.state)
    .bind(micros(now))
    .bind(d.by.map(|a| a.get()))
    .bind(d.note)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(|e| unknown_account(e, d.by))?;
    let Some(row) = row else {
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM standing_revocations WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        return Err(support::not_pending("revocation", id, state));
    };
    let revocation = read::revocation(&row)?;
    if matches!(decision, RevocationDecision::Approve { .. }) {
        sqlx::query("DELETE FROM standings_entries WHERE entity_id = $1")
            .bind(revocation.entity.id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(revocation)
}
