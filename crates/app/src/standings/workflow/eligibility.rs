//! Who may hold a standing: a member's characters (a valid sync token with the required scopes)
//! and corporations (the coverage rule), and the member page's model built from it.

use super::approval_queue::QUEUE_COUNTER;
use super::listing::STANDINGS_COUNTER;
use crate::App;
use crate::error::{AppError, AppResult};
use crate::notifications::NOTIFICATIONS_COUNTER;
use crate::standings::SYNC_LOGIN;
use crate::versioned::VersionedByKey;
use jumpgate_domain::account::{Character, TokenStatus};
use jumpgate_domain::standings::{
    CoverageReport, CoverageRule, Entity, EntityKind, MemberStatus, Standing, evaluate,
};
use jumpgate_domain::{AccountId, CharacterId, CorporationId, ScopeSet};
use jumpgate_domain::{RequestId, RevocationId};
use jumpgate_store::{
    Notification, QueueItem, Revocation, StandingRequest, TokenRecord, WorkflowFilter,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Why a character's token does not allow a standing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// No token of the sync login.
    Missing,
    /// The token is invalid or revoked.
    Unusable(&'static str),
    /// The token lacks these scopes.
    MissingScopes(Vec<String>),
}

impl TokenProblem {
    pub fn describe(&self) -> String {
        match self {
            Self::Missing => {
                "no token with the standings scopes: use \"Add scopes\" to grant them".to_owned()
            }
            Self::Unusable(status) => format!(
                "its standings token is {status}: use \"Add scopes\" to log in with it again"
            ),
            Self::MissingScopes(s) => format!(
                "its standings token lacks {}: use \"Add scopes\" to grant them",
                s.join(", ")
            ),
        }
    }
}

/// A member's character or corporation and what it may do.
#[derive(Debug, Clone, PartialEq)]
pub enum SubjectStatus {
    /// It holds a standing; `revocation_id` when a revocation is waiting.
    Approved {
        standing: Standing,
        revocation_id: Option<RevocationId>,
    },
    /// A request is waiting for an approver.
    Pending {
        request_id: RequestId,
    },
    /// The character's token must be (re)granted first: "Add scopes".
    MissingScopes {
        reason: String,
    },
    CanRequest,
    NotEligible {
        reason: String,
    },
}

impl SubjectStatus {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Approved { .. } => "Approved",
            Self::Pending { .. } => "Pending",
            Self::MissingScopes { .. } => "Missing scopes",
            Self::CanRequest => "Can request",
            Self::NotEligible { .. } => "Not eligible",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubjectRow {
    pub entity: Entity,
    pub name: String,
    pub status: SubjectStatus,
    /// Corporations only.
    pub coverage: Option<CorporationCoverage>,
}

/// A corporation against the coverage rule, with who is missing by name.
#[derive(Debug, Clone, PartialEq)]
pub struct CorporationCoverage {
    pub rule: CoverageRule,
    pub report: CoverageReport,
    /// Known members that do not count, with their name and why.
    pub missing: Vec<(CharacterId, String, String)>,
}

impl CorporationCoverage {
    /// One paragraph for the page and for refusals.
    pub fn summary(&self) -> String {
        let r = &self.report;
        let mut s = format!(
            "{} of {} members covered, {} needed ({})",
            r.covered,
            r.member_count,
            r.required,
            self.rule.describe()
        );
        if !self.missing.is_empty() {
            let names: Vec<String> = self
                .missing
                .iter()
                .map(|(_, name, why)| format!("{name} ({why})"))
                .collect();
            s.push_str(&format!("; missing: {}", names.join(", ")));
        }
        if r.unknown_members > 0 {
            s.push_str(&format!(
                "; {} member(s) are not registered in Jumpgate",
                r.unknown_members
            ));
        }
        s
    }
}

/// The member page: own characters and corporations, recent requests, notifications.
#[derive(Debug, Clone)]
pub struct MemberOverview {
    pub characters: Vec<SubjectRow>,
    pub corporations: Vec<SubjectRow>,
    pub history: Arc<MemberHistory>,
    pub notifications: Arc<Vec<Notification>>,
    pub coverage_rule: CoverageRule,
}

/// A member's own requests and removal requests, newest first, as the member page lists them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberHistory {
    pub requests: Vec<StandingRequest>,
    pub revocations: Vec<Revocation>,
}

/// How many requests and how many removal requests the member page lists.
const HISTORY_LIMIT: i64 = 50;

/// Each member's history as last read, kept while the `approval_queue` counter stays the same
/// (ADR 0010): one counter covers every account's, so any request or decision drops them all.
pub type MemberHistoryCache = VersionedByKey<AccountId, MemberHistory>;

/// How many members' histories (and notification lists) a process keeps at most.
pub const MEMBER_HISTORIES_KEPT: usize = 1_000;

/// Each member's notifications as last read, kept while the `notifications` counter stays the
/// same (new ones, marking them read and deleting them all move it).
pub type MemberNotificationsCache = VersionedByKey<AccountId, Vec<Notification>>;

impl App {
    /// Whether the character has a usable sync token with the scopes a member in `state` needs.
    pub(crate) async fn sync_token_problem(
        &self,
        character: CharacterId,
        state: &str,
    ) -> AppResult<Option<TokenProblem>> {
        let token = self.store().token(character, SYNC_LOGIN).await?;
        Ok(self.token_problem(token.as_ref(), state))
    }

    /// [`App::sync_token_problem`] of several characters, read in one query.
    async fn sync_token_problems(
        &self,
        characters: &[CharacterId],
        state: &str,
    ) -> AppResult<BTreeMap<CharacterId, Option<TokenProblem>>> {
        let tokens: BTreeMap<CharacterId, TokenRecord> = self
            .store()
            .tokens_of_login(SYNC_LOGIN, characters)
            .await?
            .into_iter()
            .map(|t| (t.character, t))
            .collect();
        Ok(characters
            .iter()
            .map(|c| (*c, self.token_problem(tokens.get(c), state)))
            .collect())
    }

    /// What keeps `token` (the character's sync token, if any) from allowing a standing.
    fn token_problem(&self, token: Option<&TokenRecord>, state: &str) -> Option<TokenProblem> {
        let Some(token) = token else {
            return Some(TokenProblem::Missing);
        };
        if token.status != TokenStatus::Valid {
            return Some(TokenProblem::Unusable(token.status.as_str()));
        }
        let required = self.settings().standings.required_scopes(state);
        let missing = ScopeSet::parse(&token.scopes).missing(&required);
        (!missing.is_empty())
            .then(|| TokenProblem::MissingScopes(missing.iter().map(str::to_owned).collect()))
    }

    async fn account_state(&self, account: AccountId) -> AppResult<String> {
        Ok(self
            .store()
            .account(account)
            .await?
            .map(|a| a.state)
            .unwrap_or_default())
    }

    /// Every character Jumpgate knows in a corporation (from affiliation data).
    pub(crate) async fn known_members(
        &self,
        corporation: CorporationId,
    ) -> AppResult<Vec<Character>> {
        // One indexed query: scanning every character for a corporation's few members cost a
        // full read of 10,000 characters per coverage check.
        Ok(self.store().characters_in_corporation(corporation).await?)
    }

    /// Checks a corporation against the coverage rule for `requester`: ESI's member count (cached
    /// per its `Expires`) against the members Jumpgate knows with a usable sync token carrying
    /// the scopes the requester's state needs.
    pub(crate) async fn corporation_coverage(
        &self,
        requester: AccountId,
        corporation: CorporationId,
    ) -> AppResult<CorporationCoverage> {
        let state = self.account_state(requester).await?;
        self.corporation_coverage_in(requester, &state, corporation)
            .await
    }

    /// [`App::corporation_coverage`] for a requester whose state is known (a page's caller).
    async fn corporation_coverage_in(
        &self,
        requester: AccountId,
        state: &str,
        corporation: CorporationId,
    ) -> AppResult<CorporationCoverage> {
        let rule = self.settings().standings.coverage_rule;
        let fresh = self.esi().corporation(corporation).await?;
        let member_count = u32::try_from(fresh.value.member_count.max(0)).unwrap_or(u32::MAX);
        let mut statuses = Vec::new();
        let mut names = BTreeMap::new();
        let mut why = BTreeMap::new();
        let members = self.known_members(corporation).await?;
        let ids: Vec<CharacterId> = members.iter().map(|c| c.id).collect();
        let mut problems = self.sync_token_problems(&ids, state).await?;
        for c in members {
            let problem = problems.remove(&c.id).flatten();
            let owned = c.account == requester;
            let m = MemberStatus {
                character: c.id,
                owned_by_requester: owned,
                registered_with_scopes: problem.is_none(),
            };
            let reason = match (&problem, owned) {
                (Some(TokenProblem::Missing), _) => "no standings token".to_owned(),
                (Some(TokenProblem::Unusable(s)), _) => format!("standings token {s}"),
                (Some(TokenProblem::MissingScopes(s)), _) => {
                    format!("token lacks {}", s.join(", "))
                }
                (None, false) => "belongs to another account".to_owned(),
                (None, true) => String::new(),
            };
            names.insert(c.id, c.name.clone());
            why.insert(c.id, reason);
            statuses.push(m);
        }
        let report = evaluate(rule, member_count, &statuses);
        let missing = report
            .missing
            .iter()
            .map(|id| {
                (
                    *id,
                    names.get(id).cloned().unwrap_or_else(|| id.to_string()),
                    why.get(id).cloned().unwrap_or_default(),
                )
            })
            .collect();
        Ok(CorporationCoverage {
            rule,
            report,
            missing,
        })
    }

    /// The member page's model: the caller's own characters and corporations. Needs
    /// `standings.request`.
    pub async fn standings_overview(&self, caller: &crate::Caller) -> AppResult<MemberOverview> {
        let account =
            caller.person_with(jumpgate_domain::permissions::Permission::STANDINGS_REQUEST)?;
        // The caller's state was read with the session, moments ago.
        let state = caller.state().to_owned();
        // The characters with their corporations and tokens in one read; what stands and what
        // waits from the lists this process keeps, checked against their change counters in
        // one more (ADR 0010): a change by any instance shows on the next view.
        let characters = self.characters_with_details(account).await?;
        let corporations: BTreeSet<CorporationId> = characters
            .iter()
            .map(|c| c.character.corporation)
            .filter(|c| !crate::App::is_biomassed(*c))
            .collect();
        let subjects: BTreeSet<i64> = characters
            .iter()
            .map(|c| c.character.id.get())
            .chain(corporations.iter().map(|c| c.get()))
            .collect();
        let [standings_version, queue_version, notifications_version] = self
            .change_counters_seen_by(
                caller,
                [STANDINGS_COUNTER, QUEUE_COUNTER, NOTIFICATIONS_COUNTER],
            )
            .await?;
        let standings: BTreeMap<i64, Standing> = self
            .all_standings_at(standings_version)
            .await?
            .iter()
            .filter(|e| subjects.contains(&e.entity.id))
            .map(|e| (e.entity.id, e.standing))
            .collect();
        let queue = self.approval_queue_at(queue_version).await?;
        let about_subjects = |items: &[QueueItem]| -> BTreeMap<i64, i64> {
            items
                .iter()
                .filter(|x| subjects.contains(&x.entity.id))
                .map(|x| (x.entity.id, x.id))
                .collect()
        };
        let pending_requests = about_subjects(&queue.requests);
        let pending_revocations = about_subjects(&queue.revocations);
        let mut corp_names: BTreeMap<CorporationId, String> = characters
            .iter()
            .filter_map(|c| c.corporation.as_ref())
            .map(|c| (c.id, c.name.clone()))
            .collect();
        let mut token_problems: BTreeMap<CharacterId, Option<TokenProblem>> = characters
            .iter()
            .map(|c| {
                let token = c.tokens.iter().find(|t| t.login == SYNC_LOGIN);
                (c.character.id, self.token_problem(token, &state))
            })
            .collect();
        let characters: Vec<&Character> = characters.iter().map(|c| &c.character).collect();

        let mut char_rows = Vec::new();
        for c in &characters {
            let entity = Entity::character(c.id);
            let status = if let Some(standing) = standings.get(&c.id.get()) {
                SubjectStatus::Approved {
                    standing: *standing,
                    revocation_id: pending_revocations
                        .get(&c.id.get())
                        .map(|id| RevocationId(*id)),
                }
            } else if let Some(id) = pending_requests.get(&c.id.get()) {
                SubjectStatus::Pending {
                    request_id: RequestId(*id),
                }
            } else if let Some(p) = token_problems.remove(&c.id).flatten() {
                SubjectStatus::MissingScopes {
                    reason: p.describe(),
                }
            } else if crate::App::is_biomassed(c.corporation) {
                SubjectStatus::NotEligible {
                    reason: "the character was biomassed".to_owned(),
                }
            } else {
                SubjectStatus::CanRequest
            };
            char_rows.push(SubjectRow {
                entity,
                name: c.name.clone(),
                status,
                coverage: None,
            });
        }

        let mut corp_rows = Vec::new();
        for corp in corporations {
            let entity = Entity::corporation(corp);
            let name = match corp_names.remove(&corp) {
                Some(name) => name,
                None => self.entity_name(entity).await,
            };
            let (status, coverage) = if let Some(standing) = standings.get(&corp.get()) {
                (
                    SubjectStatus::Approved {
                        standing: *standing,
                        revocation_id: pending_revocations
                            .get(&corp.get())
                            .map(|id| RevocationId(*id)),
                    },
                    None,
                )
            } else if let Some(id) = pending_requests.get(&corp.get()) {
                (
                    SubjectStatus::Pending {
                        request_id: RequestId(*id),
                    },
                    None,
                )
            } else if is_npc_corporation(corp) {
                (
                    SubjectStatus::NotEligible {
                        reason: "NPC corporations cannot hold a standing".to_owned(),
                    },
                    None,
                )
            } else {
                match self.corporation_coverage_in(account, &state, corp).await {
                    Ok(cov) if cov.report.eligible => (SubjectStatus::CanRequest, Some(cov)),
                    Ok(cov) => (
                        SubjectStatus::NotEligible {
                            reason: cov.summary(),
                        },
                        Some(cov),
                    ),
                    Err(AppError::Esi(e)) => (
                        SubjectStatus::NotEligible {
                            reason: format!(
                                "EVE's API did not say how many members it has ({e}); try again later"
                            ),
                        },
                        None,
                    ),
                    Err(e) => return Err(e),
                }
            };
            corp_rows.push(SubjectRow {
                entity,
                name,
                status,
                coverage,
            });
        }

        // Every write to requests and revocations moves the `approval_queue` counter, and their
        // rows are all the history shows: kept per account while the counter stays the same.
        let history = self
            .member_history_cache()
            .get_or_read(queue_version, &account, || async {
                let mine = WorkflowFilter {
                    requester: Some(account),
                    limit: HISTORY_LIMIT,
                    ..WorkflowFilter::default()
                };
                Ok(MemberHistory {
                    requests: self.store().requests(&mine).await?,
                    revocations: self.store().revocations(&mine).await?,
                })
            })
            .await?;
        let notifications = self
            .kept_notifications_at(notifications_version, account)
            .await?;
        Ok(MemberOverview {
            characters: char_rows,
            corporations: corp_rows,
            history,
            notifications,
            coverage_rule: self.settings().standings.coverage_rule,
        })
    }

    /// Separation of duties (unless `standings.allow_self_approval`): an approver does not
    /// decide their own request or removal, nor one about their own characters or
    /// corporations.
    pub(crate) async fn refuse_self_approval(
        &self,
        approver: AccountId,
        requester: Option<AccountId>,
        subject: Entity,
    ) -> AppResult<()> {
        if self.settings().standings.allow_self_approval {
            return Ok(());
        }
        if requester == Some(approver) || self.owns_subject(approver, subject).await? {
            return Err(AppError::Forbidden(
                "another approver must decide this: it is your own, or about one of your \
                 characters or corporations"
                    .to_owned(),
            ));
        }
        Ok(())
    }

    /// Whether `entity` is one of the account's own characters or the corporation of one.
    pub(crate) async fn owns_subject(&self, account: AccountId, entity: Entity) -> AppResult<bool> {
        let mine = self.store().characters_of(account).await?;
        Ok(match entity.kind {
            EntityKind::Character => mine.iter().any(|c| c.id.get() == entity.id),
            EntityKind::Corporation => mine.iter().any(|c| c.corporation.get() == entity.id),
            EntityKind::Alliance => false,
        })
    }
}

/// NPC corporations have ids from 1 000 000 to 2 000 000 (CCP's documented range).
pub fn is_npc_corporation(corp: CorporationId) -> bool {
    (1_000_000..2_000_000).contains(&corp.get())
}
