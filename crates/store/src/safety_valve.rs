//! The SSO safety valve, shared by every instance (ADR 0021): one row saying whether it is
//! tripped (and since when, by which instance), how many refreshes succeeded (the order the
//! recent answers are judged in) and until when refreshing is paused; and every "this token is
//! dead" answer with what was done with it, the valve's memory and its evidence. The rule itself
//! is `jumpgate_domain::safety_valve`.

use crate::db::{Cols, DbTime, on_conn, on_db};
use crate::{Result, Store, Transaction};
use jumpgate_domain::safety_valve::RefreshFailure;
use jumpgate_domain::{AccountId, CharacterId, TokenId};
use time::OffsetDateTime;

/// The valve as every instance sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValveState {
    /// Successful refreshes counted, by every instance.
    pub successes: i64,
    /// Set while tripped: until an administrator clears it.
    pub tripped_at: Option<OffsetDateTime>,
    /// The instance whose refresh tripped it.
    pub tripped_by: Option<String>,
    /// The first of the invalid answers that tripped it: where its evidence starts.
    pub evidence_from: Option<OffsetDateTime>,
    /// The SSO refused our client or asked us to wait: no instance refreshes before then.
    pub paused_until: Option<OffsetDateTime>,
}

impl ValveState {
    pub fn is_tripped(&self) -> bool {
        self.tripped_at.is_some()
    }

    pub fn refreshing_paused(&self, now: OffsetDateTime) -> bool {
        self.paused_until.is_some_and(|until| until > now)
    }
}

/// What was done with an invalid answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureVerdict {
    /// The token was marked invalid.
    Invalidated,
    /// This answer tripped the valve; the token was kept.
    Tripped,
    /// The valve was tripped already; the token was kept.
    Held,
}

impl FailureVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invalidated => "invalidated",
            Self::Tripped => "tripped",
            Self::Held => "held",
        }
    }
}

/// One invalid answer to record.
#[derive(Debug, Clone)]
pub struct NewRefreshFailure<'a> {
    pub token: TokenId,
    pub failure: RefreshFailure,
    /// How the SSO said it: `invalid_grant`, `wrong_character`.
    pub kind: &'a str,
    pub verdict: FailureVerdict,
    pub instance: &'a str,
}

/// What tripped the valve and what came after: the invalid answers since its evidence starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValveEvidence {
    /// Invalid answers by kind (`invalid_grant`, …), by kind's name.
    pub kinds: Vec<(String, i64)>,
    pub failures: i64,
    pub first_at: Option<OffsetDateTime>,
    pub last_at: Option<OffsetDateTime>,
    /// Different accounts (a character on none counts as its own) and characters concerned.
    pub accounts: i64,
    pub characters: i64,
    /// Tokens marked invalid among them (before the valve tripped).
    pub invalidated: i64,
}

const STATE_COLS: &str = "successes, tripped_at, tripped_by, evidence_from, paused_until";

pub(crate) fn read_state<R: Cols>(r: &R) -> Result<ValveState> {
    Ok(ValveState {
        successes: r.get("successes")?,
        tripped_at: r.time_opt("tripped_at")?,
        tripped_by: r.get("tripped_by")?,
        evidence_from: r.time_opt("evidence_from")?,
        paused_until: r.time_opt("paused_until")?,
    })
}

fn read_failure<R: Cols>(r: &R) -> Result<RefreshFailure> {
    Ok(RefreshFailure {
        at: r.time("at")?,
        character: CharacterId(r.get("character_id")?),
        account: r.get::<Option<i64>>("account_id")?.map(AccountId),
        successes_before: r.get("successes_before")?,
    })
}

impl Store {
    /// The valve as every instance sees it.
    pub async fn safety_valve(&self) -> Result<ValveState> {
        on_db!(self, |db| read_state(
            &sqlx::query(const_format::concatcp!(
                "SELECT ",
                STATE_COLS,
                " FROM sso_safety_valve WHERE id = 1"
            ))
            .fetch_one(db.reader())
            .await?
        ))
    }

    /// Counts one successful refresh.
    pub async fn count_refresh_success(&self) -> Result<()> {
        on_db!(self, |db| sqlx::query(
            "UPDATE sso_safety_valve SET successes = successes + 1 WHERE id = 1"
        )
        .execute(db.writer())
        .await?
        .rows_affected());
        Ok(())
    }

    /// The SSO refused our client or asked us to wait: no instance refreshes before `until`. A
    /// pause is never shortened (a short `Retry-After` does not end an `invalid_client` pause).
    pub async fn pause_refreshing(&self, until: OffsetDateTime) -> Result<()> {
        on_db!(self, |db| sqlx::query(
            "UPDATE sso_safety_valve SET paused_until = $1
             WHERE id = 1 AND (paused_until IS NULL OR paused_until < $1)"
        )
        .bind(DbTime(until))
        .execute(db.writer())
        .await?
        .rows_affected());
        Ok(())
    }

    /// The invalid answers recorded since `since`, summed up.
    pub async fn valve_evidence(&self, since: OffsetDateTime) -> Result<ValveEvidence> {
        let kinds = on_db!(self, |db| {
            let mut kinds = Vec::new();
            for r in sqlx::query(
                "SELECT kind, COUNT(*) AS n FROM sso_refresh_failures WHERE at >= $1
                 GROUP BY kind ORDER BY kind",
            )
            .bind(DbTime(since))
            .fetch_all(db.reader())
            .await?
            {
                kinds.push((r.get::<String>("kind")?, r.get::<i64>("n")?));
            }
            kinds
        });
        let failures: i64 = kinds.iter().map(|(_, n)| n).sum();
        if failures == 0 {
            return Ok(ValveEvidence::default());
        }
        on_db!(self, |db| {
            let r = sqlx::query(
                "SELECT MIN(at) AS first_at, MAX(at) AS last_at,
                        COUNT(DISTINCT COALESCE(account_id, -character_id)) AS accounts,
                        COUNT(DISTINCT character_id) AS characters,
                        COUNT(CASE WHEN verdict = 'invalidated' THEN 1 END) AS invalidated
                 FROM sso_refresh_failures WHERE at >= $1",
            )
            .bind(DbTime(since))
            .fetch_one(db.reader())
            .await?;
            Ok(ValveEvidence {
                kinds,
                failures,
                first_at: r.time_opt("first_at")?,
                last_at: r.time_opt("last_at")?,
                accounts: r.get("accounts")?,
                characters: r.get("characters")?,
                invalidated: r.get("invalidated")?,
            })
        })
    }
}

/// The valve's writes, each in the transaction that also changes the token (or audits the
/// clearing).
impl Transaction {
    /// The valve, locked until the transaction ends: the instances judge invalid answers one
    /// after another, so two of them cannot each act on an answer the other would have counted.
    pub async fn lock_safety_valve(&mut self) -> Result<ValveState> {
        on_conn!(self.conn(), |tx| read_state(
            &sqlx::query(const_format::concatcp!(
                "UPDATE sso_safety_valve SET successes = successes WHERE id = 1 RETURNING ",
                STATE_COLS
            ))
            .fetch_one(&mut *tx)
            .await?
        ))
    }

    /// The invalid answers recorded after `after` and fewer than `within` successes ago (with
    /// `successes` counted now), oldest first: those the rule may still count.
    pub async fn recent_refresh_failures(
        &mut self,
        after: OffsetDateTime,
        successes: i64,
        within: i64,
    ) -> Result<Vec<RefreshFailure>> {
        on_conn!(self.conn(), |tx| sqlx::query(
            "SELECT at, character_id, account_id, successes_before FROM sso_refresh_failures
             WHERE at > $1 AND successes_before > $2 ORDER BY id",
        )
        .bind(DbTime(after))
        .bind(successes - within)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(read_failure)
        .collect())
    }

    /// Records an invalid answer and what was done with it.
    pub async fn record_refresh_failure(&mut self, f: &NewRefreshFailure<'_>) -> Result<()> {
        on_conn!(self.conn(), |tx| sqlx::query(
            "INSERT INTO sso_refresh_failures (at, token_id, character_id, account_id, kind,
                 successes_before, verdict, instance)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(DbTime(f.failure.at))
        .bind(f.token.get())
        .bind(f.failure.character.get())
        .bind(f.failure.account.map(AccountId::get))
        .bind(f.kind)
        .bind(f.failure.successes_before)
        .bind(f.verdict.as_str())
        .bind(f.instance)
        .execute(&mut *tx)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Trips the valve (by `instance`, its evidence starting at `evidence_from`), unless it is
    /// tripped already.
    pub async fn trip_safety_valve(
        &mut self,
        instance: &str,
        evidence_from: OffsetDateTime,
    ) -> Result<()> {
        let now = self.now();
        on_conn!(self.conn(), |tx| sqlx::query(
            "UPDATE sso_safety_valve SET tripped_at = $1, tripped_by = $2, evidence_from = $3
             WHERE id = 1 AND tripped_at IS NULL",
        )
        .bind(DbTime(now))
        .bind(instance)
        .bind(DbTime(evidence_from))
        .execute(&mut *tx)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Clears the valve and the pause, and forgets the invalid answers recorded before
    /// `forget_before` (the rule no longer counts them; the clearing's audit entry keeps the
    /// evidence).
    pub async fn clear_safety_valve(&mut self, forget_before: OffsetDateTime) -> Result<()> {
        on_conn!(self.conn(), |tx| {
            sqlx::query(
                "UPDATE sso_safety_valve SET tripped_at = NULL, tripped_by = NULL,
                     evidence_from = NULL, paused_until = NULL WHERE id = 1",
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM sso_refresh_failures WHERE at < $1")
                .bind(DbTime(forget_before))
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }
}
