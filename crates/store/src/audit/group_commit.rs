//! PostgreSQL's audit append (ADR 0012): several instances append to one chain, so it differs
//! from SQLite's serialized append in how it takes its place in the chain and how it commits.
//!
//! An entry's id is its predecessor's id + 1 and is part of its hash, so the primary key alone
//! keeps the chain from forking: two instances that read the same head both try to insert the
//! same id, and the second finds it taken (after waiting for the first to commit), reads the new
//! head and seals again. No lock is held across round trips.
//!
//! Within one process, appends are committed in groups: whoever gets the turn writes every entry
//! waiting at that moment in one statement (one commit, the rows as arrays through `UNNEST`),
//! and the others find theirs written when their turn comes. One append per commit made a sync
//! round (an entry per character) queue behind the database's WAL flushes.

use super::{CHAIN_HEAD, MAX_APPEND_ATTEMPTS, chain_contended};
use crate::Result;
use crate::db::PgDb;
use jumpgate_domain::audit::{AuditEntry, ChainKey, NewAuditEntry, seal, to_micros};
use jumpgate_domain::clock::Clock;
use tokio::sync::oneshot;

/// An entry waiting to be appended, and where its sealed form goes (`None`: the group it was in
/// failed, so its writer appends it again).
type Waiting = (NewAuditEntry, oneshot::Sender<Option<AuditEntry>>);

/// This process's side of the chain.
#[derive(Default)]
pub(crate) struct AuditChain {
    waiting: std::sync::Mutex<Vec<Waiting>>,
    /// The turn to write, and the head as this process last wrote or read it.
    head: tokio::sync::Mutex<Option<(i64, String)>>,
}

pub(super) async fn append(
    s: &PgDb,
    entry: &NewAuditEntry,
    clock: &dyn Clock,
    key: &ChainKey,
) -> Result<AuditEntry> {
    loop {
        let (sent, mut written) = oneshot::channel();
        s.audit.queue().push((entry.clone(), sent));
        let mut head = s.audit.head.lock().await;
        match written.try_recv() {
            Ok(Some(e)) => return Ok(e),
            // The group failed; its writer got the error. Try again, probably leading.
            Ok(None) => continue,
            // Still waiting: this turn writes every waiting entry, this one among them.
            Err(_) => {}
        }
        let group = std::mem::take(&mut *s.audit.queue());
        let (entries, senders): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        let sealed = append_group(s, &mut head, &entries, clock, key).await;
        let sealed = match sealed {
            Ok(sealed) => sealed,
            Err(e) => {
                for sender in senders {
                    let _ = sender.send(None);
                }
                return Err(e);
            }
        };
        for (sender, e) in senders.into_iter().zip(sealed) {
            let _ = sender.send(Some(e));
        }
        if let Ok(Some(e)) = written.try_recv() {
            return Ok(e);
        }
    }
}

impl AuditChain {
    fn queue(&self) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
        // Nothing panics while holding it (push and take only).
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Seals `entries` after the head and inserts them in one statement, all or none.
async fn append_group(
    s: &PgDb,
    head: &mut Option<(i64, String)>,
    entries: &[NewAuditEntry],
    clock: &dyn Clock,
    key: &ChainKey,
) -> Result<Vec<AuditEntry>> {
    for _ in 0..MAX_APPEND_ATTEMPTS {
        let mut last = match head.take() {
            Some(known) => Some(known),
            None => sqlx::query_as(CHAIN_HEAD).fetch_optional(&s.pool).await?,
        };
        let at = to_micros(clock.now());
        let sealed: Vec<AuditEntry> = entries
            .iter()
            .map(|entry| {
                let e = seal(key, last.take(), entry, at);
                last = Some((e.id, e.hash.clone()));
                e
            })
            .collect();
        match insert_all(&s.pool, &sealed).await {
            Ok(()) => {
                *head = last;
                return Ok(sealed);
            }
            // Another instance wrote one of these ids first: read the head again.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(chain_contended())
}

/// Inserts sealed entries in one statement (`UNNEST` of one array per column), through `db`:
/// the pool (the group commit) or a transaction's connection (`append_audit_many`).
pub(super) async fn insert_all<'e, E>(
    db: E,
    sealed: &[AuditEntry],
) -> std::result::Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    sqlx::query(
        "INSERT INTO audit_log
             (id, at, actor, action, target, details, prev_hash, hash, hash_version)
         SELECT id, at, actor, action, target, details::json, prev_hash, hash, hash_version
         FROM UNNEST($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
             $6::text[], $7::text[], $8::text[], $9::integer[])
             AS u (id, at, actor, action, target, details, prev_hash, hash, hash_version)",
    )
    .bind(sealed.iter().map(|e| e.id).collect::<Vec<_>>())
    .bind(sealed.iter().map(|e| to_micros(e.at)).collect::<Vec<_>>())
    .bind(sealed.iter().map(|e| e.actor.to_text()).collect::<Vec<_>>())
    .bind(sealed.iter().map(|e| e.action.clone()).collect::<Vec<_>>())
    .bind(sealed.iter().map(|e| e.target.clone()).collect::<Vec<_>>())
    .bind(
        sealed
            .iter()
            .map(|e| e.details.to_string())
            .collect::<Vec<_>>(),
    )
    .bind(
        sealed
            .iter()
            .map(|e| e.prev_hash.clone())
            .collect::<Vec<_>>(),
    )
    .bind(sealed.iter().map(|e| e.hash.clone()).collect::<Vec<_>>())
    .bind(
        sealed
            .iter()
            .map(|e| e.hash_version.code())
            .collect::<Vec<_>>(),
    )
    .execute(db)
    .await?;
    Ok(())
}
