//! The safety valve: when "this token is dead" answers come in a burst across unrelated
//! accounts, the cause is far more likely CCP's SSO or our configuration than players revoking
//! at once. Alliance Auth lost whole alliances' access this way during an SSO outage.
//!
//! The valve is shared by every instance through the database (ADR 0021): every invalid answer
//! is judged (`jumpgate_domain::safety_valve::ValveRule`) inside the transaction that acts on it,
//! with the valve's row locked, so instances judge one answer after another and a trip seen by
//! any process stops invalidation in all of them, survives restarts and stays until an
//! administrator clears it. While tripped, tokens are kept (still valid, so nobody loses
//! access) and re-checked after it is cleared; every answer is kept as evidence.

use crate::App;
use crate::audit::audit_in;
use crate::error::AppResult;
use jumpgate_domain::AccountId;
use jumpgate_domain::audit::Actor;
use jumpgate_domain::safety_valve::{Judgement, RefreshFailure, ValveRule};
use jumpgate_store::{
    FailureVerdict, NewRefreshFailure, TokenRecord, Transaction, ValveEvidence, ValveState,
};
use serde_json::json;
use std::time::Duration;
use time::OffsetDateTime;

/// When the valve trips and how long the SSO's refusal of our client pauses refreshing
/// (`AppSettings::safety_valve`; the binary uses the defaults, there is no configuration
/// section for it).
#[derive(Debug, Clone)]
pub struct SafetyValveSettings {
    pub rule: ValveRule,
    /// How long no instance refreshes once the SSO said our client id or secret is wrong.
    pub misconfigured_pause: Duration,
}

impl Default for SafetyValveSettings {
    fn default() -> Self {
        Self {
            rule: ValveRule::default(),
            misconfigured_pause: Duration::from_secs(15 * 60),
        }
    }
}

/// A tripped valve, as the jobs page shows it before an administrator clears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrippedValve {
    pub tripped_at: OffsetDateTime,
    /// The instance whose refresh tripped it.
    pub tripped_by: String,
    /// The invalid answers from the first that tripped it until now.
    pub evidence: ValveEvidence,
}

/// What to do with an invalid answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Mark the token invalid.
    Invalidate,
    /// Keep the token as it is: the valve is (or just got) tripped.
    Hold,
}

impl App {
    /// Judges an invalid answer (`kind`: `invalid_grant`, `wrong_character`) about `token`, of a
    /// character on `account`, in `tx`, the transaction that then acts on the verdict: trips the
    /// valve (audited) when the answer completes a burst, and records the answer.
    pub(crate) async fn judge_invalid_answer(
        &self,
        tx: &mut Transaction,
        token: &TokenRecord,
        account: Option<AccountId>,
        kind: &str,
    ) -> AppResult<Verdict> {
        let now = self.now();
        let rule = &self.settings().safety_valve.rule;
        let instance = &self.settings().instance_id;
        let valve = tx.lock_safety_valve().await?;
        let failure = RefreshFailure {
            at: now,
            character: token.character,
            account,
            successes_before: valve.successes,
        };
        let (verdict, recorded) = if valve.is_tripped() {
            (Verdict::Hold, FailureVerdict::Held)
        } else {
            let earlier = tx
                .recent_refresh_failures(now - rule.window, valve.successes, rule.recent_answers)
                .await?;
            match rule.judge(&earlier, &failure, valve.successes) {
                Judgement::Invalidate => (Verdict::Invalidate, FailureVerdict::Invalidated),
                Judgement::Trip { since } => {
                    tx.trip_safety_valve(instance, since).await?;
                    let recent = earlier
                        .iter()
                        .filter(|f| rule.is_recent(f, now, valve.successes))
                        .count()
                        + 1;
                    audit_in(
                        tx,
                        Actor::System("token-refresh".into()),
                        "sso.safety_valve_tripped",
                        "sso",
                        json!({
                            "message": "token refreshes of several accounts in a row failed as invalid; invalidation is suspended on every instance until an administrator clears the valve",
                            "recent_invalid_answers": recent,
                            "since": since.unix_timestamp(),
                            "instance": instance,
                        }),
                    )
                    .await?;
                    tracing::error!(
                        recent,
                        "SAFETY VALVE TRIPPED: {recent} token refreshes of different accounts failed as invalid in a row; token invalidation is suspended on every instance and nobody loses access until an administrator checks EVE's SSO and the configuration and clears it on /admin/jobs"
                    );
                    metrics::counter!("sso_safety_valve_trips_total").increment(1);
                    (Verdict::Hold, FailureVerdict::Tripped)
                }
            }
        };
        tx.record_refresh_failure(&NewRefreshFailure {
            token: token.id,
            failure,
            kind,
            verdict: recorded,
            instance,
        })
        .await?;
        Ok(verdict)
    }

    /// Counts a successful refresh (the order recent answers are judged in). A failure to count
    /// is logged, never the refresh's failure.
    pub(crate) async fn count_refresh_success(&self) {
        if let Err(e) = self.store().count_refresh_success().await {
            tracing::warn!(error = %e, "could not count a successful token refresh for the safety valve");
        }
    }

    /// The SSO said our client id or secret is wrong: no instance refreshes for a while.
    pub(crate) async fn pause_refreshing(&self) -> AppResult<()> {
        let pause = self.settings().safety_valve.misconfigured_pause;
        self.store().pause_refreshing(self.now() + pause).await?;
        metrics::counter!("sso_misconfigured_total").increment(1);
        Ok(())
    }

    /// Whether refreshing is paused on every instance.
    pub(crate) async fn refreshing_paused(&self) -> AppResult<bool> {
        Ok(self
            .store()
            .safety_valve()
            .await?
            .refreshing_paused(self.now()))
    }

    /// The tripped valve and its evidence; `None` when it is closed.
    pub(crate) async fn tripped_valve(&self) -> AppResult<Option<TrippedValve>> {
        self.tripped_valve_of(self.store().safety_valve().await?)
            .await
    }

    /// [`App::tripped_valve`] of a state read already: the evidence is read only when tripped.
    pub(crate) async fn tripped_valve_of(
        &self,
        valve: ValveState,
    ) -> AppResult<Option<TrippedValve>> {
        let Some(tripped_at) = valve.tripped_at else {
            return Ok(None);
        };
        let since = valve.evidence_from.unwrap_or(tripped_at);
        Ok(Some(TrippedValve {
            tripped_at,
            tripped_by: valve.tripped_by.unwrap_or_default(),
            evidence: self.store().valve_evidence(since).await?,
        }))
    }
}

/// The evidence as an audit entry keeps it.
pub(crate) fn evidence_json(v: &TrippedValve) -> serde_json::Value {
    let e = &v.evidence;
    json!({
        "tripped_at": v.tripped_at.unix_timestamp(),
        "tripped_by": v.tripped_by,
        "failures": e.failures,
        "by_kind": e.kinds.iter().map(|(k, n)| json!([k, n])).collect::<Vec<_>>(),
        "first_at": e.first_at.map(OffsetDateTime::unix_timestamp),
        "last_at": e.last_at.map(OffsetDateTime::unix_timestamp),
        "accounts": e.accounts,
        "characters": e.characters,
        "invalidated": e.invalidated,
    })
}
