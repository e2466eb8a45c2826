//! Who a use case acts for, and the checks every use case makes against it before it reads or
//! writes anything (kanidm's `Identity`).
//!
//! Every edge (the web pages, the job runner, the command line; later the application API and
//! the OIDC provider) turns its request into a `Caller` and hands it to the use case FIRST. The
//! use case is the authority: it refuses by itself, whatever the edge checked. What each kind may
//! do:
//! - a **person**: what their grants allow (superuser: everything), and what they own (their own
//!   account, characters, requests). Only the store's grants make one (`App::caller`,
//!   `App::session_caller`), so a person never carries grants the database does not hold.
//! - **system** (a background job, by kind) and **cli** (an operator's command, by name): every
//!   permission, as they had before `Caller` existed. Jobs only do what the code queued, and
//!   whoever runs the command line already holds the server and its configuration. They own no
//!   account, so what only a person can do for themselves (choosing a main, a request they will
//!   be told about, a decision recorded as theirs) is refused to them.
//!
//! `Caller::actor` is the audit log's name for the caller (`account:12`, `system:<job>`,
//! `cli:<command>`): every use case records what it did under it.

use crate::error::{AppError, AppResult};
use jumpgate_domain::apps::{AppRole, Application};
use jumpgate_domain::audit::Actor;
use jumpgate_domain::permissions::Grants;
use jumpgate_domain::{AccountId, CharacterId};
use jumpgate_store::AccountAccess;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What applications hold of a person's permissions: none (the application API checks their
/// application roles instead).
static NO_AUTHORITY: Grants = Grants {
    superuser: false,
    permissions: BTreeSet::new(),
};

/// What system and CLI callers hold: every permission.
static FULL_AUTHORITY: Grants = Grants {
    superuser: true,
    permissions: BTreeSet::new(),
};

/// Who a use case acts for. Cheap to clone; the web edge reads it once per request.
#[derive(Debug, Clone)]
pub struct Caller {
    who: Who,
    /// The change counters read with the caller's session (`App::session_caller`).
    seen: Option<Arc<SeenCounters>>,
}

/// Callers are the same when they are the same who: what was read with them is not part of it.
impl PartialEq for Caller {
    fn eq(&self, other: &Self) -> bool {
        self.who == other.who
    }
}

/// The change counters (ADR 0010) as read in the same statement as a person's session at the
/// start of a request, and how many writes this process had begun by then
/// (`Store::local_writes`). A use case's kept list is checked against them instead of reading
/// the counter again, as long as this process began no write since: then nothing the request
/// did itself can be missing from them (`App::change_counters_seen_by`).
#[derive(Debug)]
pub(crate) struct SeenCounters {
    pub(crate) counters: BTreeMap<String, i64>,
    pub(crate) local_writes: u64,
}

/// The kinds of caller. An OIDC client will be a further kind, with its own rule in `require`
/// and its own audit actor.
#[derive(Debug, Clone, PartialEq)]
enum Who {
    Person(Person),
    /// A background job, by kind (`refresh-affiliations`).
    System(String),
    /// A command-line operation, by command (`admin grant-superuser`).
    Cli(String),
    /// An application calling the application API, with what it may do.
    App(Arc<Application>),
}

/// A signed-in person: the account with its grants, state and main, read together.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    account: AccountId,
    grants: Grants,
    state: String,
    main: Option<(CharacterId, String)>,
}

impl Caller {
    /// The person of `account` as the store describes it (only `App::caller` and
    /// `App::session_caller` call this).
    pub(crate) fn person(account: AccountId, access: AccountAccess) -> Self {
        Self {
            seen: None,
            who: Who::Person(Person {
                account,
                grants: Grants {
                    superuser: access.superuser,
                    permissions: access.permissions,
                },
                state: access.state,
                main: access.main,
            }),
        }
    }

    /// This caller with the change counters read with its session (`App::session_caller`).
    pub(crate) fn having_seen(mut self, seen: SeenCounters) -> Self {
        self.seen = Some(Arc::new(seen));
        self
    }

    /// This caller with change counters read for many callers at once (the application API's).
    pub(crate) fn having_seen_shared(mut self, seen: Arc<SeenCounters>) -> Self {
        self.seen = Some(seen);
        self
    }

    /// The change counters read with this caller's session, if it was read with them.
    pub(crate) fn seen(&self) -> Option<&SeenCounters> {
        self.seen.as_deref()
    }

    /// A background job of `kind` (the job registry makes one per job it runs).
    pub fn system(kind: &str) -> Self {
        Self {
            who: Who::System(kind.to_owned()),
            seen: None,
        }
    }

    /// An operator's `command` at the command line (`admin grant-superuser`).
    pub fn cli(command: &str) -> Self {
        Self {
            who: Who::Cli(command.to_owned()),
            seen: None,
        }
    }

    /// An application that proved who it is (only `App::application_caller` makes one).
    pub(crate) fn application(app: Arc<Application>) -> Self {
        Self {
            who: Who::App(app),
            seen: None,
        }
    }

    /// The caller's account, when the caller is a person.
    pub fn account(&self) -> Option<AccountId> {
        match &self.who {
            Who::Person(p) => Some(p.account),
            Who::System(_) | Who::Cli(_) | Who::App(_) => None,
        }
    }

    /// The application, when the caller is one.
    pub fn app(&self) -> Option<&Application> {
        match &self.who {
            Who::App(app) => Some(app),
            Who::Person(_) | Who::System(_) | Who::Cli(_) => None,
        }
    }

    /// The calling application when it holds `role`; `Forbidden` naming the role otherwise, and
    /// for every caller that is not an application (the application API's reads are theirs).
    pub fn require_app_role(&self, role: AppRole) -> AppResult<&Application> {
        let app = self.app().ok_or_else(|| {
            AppError::Forbidden(format!(
                "only an application can do this ({} is none)",
                self.actor().to_text()
            ))
        })?;
        app.require(role)
            .map_err(|e| AppError::Forbidden(e.to_string()))?;
        Ok(app)
    }

    /// What the caller may do: a person's grants; every permission for system and CLI; none
    /// for an application.
    pub fn grants(&self) -> &Grants {
        match &self.who {
            Who::Person(p) => &p.grants,
            Who::System(_) | Who::Cli(_) => &FULL_AUTHORITY,
            Who::App(_) => &NO_AUTHORITY,
        }
    }

    /// Whether the caller holds `permission`.
    pub fn allows(&self, permission: &str) -> bool {
        self.grants().allows(permission)
    }

    /// A person's state (e.g. `Member`); empty for system and CLI.
    pub fn state(&self) -> &str {
        match &self.who {
            Who::Person(p) => &p.state,
            Who::System(_) | Who::Cli(_) | Who::App(_) => "",
        }
    }

    /// A person's main character (id and name), if it has one.
    pub fn main(&self) -> Option<&(CharacterId, String)> {
        match &self.who {
            Who::Person(p) => p.main.as_ref(),
            Who::System(_) | Who::Cli(_) | Who::App(_) => None,
        }
    }

    /// The audit log's name for the caller.
    pub fn actor(&self) -> Actor {
        match &self.who {
            Who::Person(p) => Actor::Account(p.account.get()),
            Who::System(kind) => Actor::System(kind.clone()),
            Who::Cli(command) => Actor::Cli(command.clone()),
            Who::App(app) => Actor::App(app.id.get()),
        }
    }

    /// `Forbidden` naming the permission when the caller lacks it.
    pub fn require(&self, permission: &str) -> AppResult<()> {
        require(self.grants(), permission)
    }

    /// `Forbidden` naming the first permission unless the caller holds one of `permissions`.
    pub fn require_any(&self, permissions: &[&str]) -> AppResult<()> {
        match permissions.iter().find(|p| self.allows(p)) {
            Some(_) => Ok(()),
            None => self.require(permissions.first().copied().unwrap_or_default()),
        }
    }

    /// The caller's own account, for what a person does for themselves; `Forbidden` for system
    /// and CLI, which have none.
    pub fn own_account(&self) -> AppResult<AccountId> {
        self.account().ok_or_else(|| {
            AppError::Forbidden(format!(
                "only a signed-in person can do this for their own account ({} has none)",
                self.actor().to_text()
            ))
        })
    }

    /// The caller's own account when the caller is a person holding `permission`: for decisions
    /// recorded as a person's.
    pub fn person_with(&self, permission: &str) -> AppResult<AccountId> {
        let account = self.own_account()?;
        self.require(permission)?;
        Ok(account)
    }

    /// `Ok` when the caller acts on its own `account`, or holds `permission` (an administrator
    /// looking at someone else's).
    pub fn require_self_or(&self, account: AccountId, permission: &str) -> AppResult<()> {
        if self.account() == Some(account) {
            Ok(())
        } else {
            self.require(permission)
        }
    }

    /// `Ok` for background work: a system job or the command line. People never start it
    /// directly; a page queues it through a use case that checks their permission.
    pub fn require_background(&self) -> AppResult<()> {
        match &self.who {
            Who::System(_) | Who::Cli(_) => Ok(()),
            Who::Person(_) | Who::App(_) => Err(AppError::Forbidden(
                "this is background work Jumpgate runs by itself; nobody starts it from a page"
                    .to_owned(),
            )),
        }
    }

    /// `Ok` for a superuser, the command line and system work (which hold every permission);
    /// `Forbidden` saying what needs it otherwise.
    pub fn require_superuser(&self, what: &str) -> AppResult<()> {
        if self.grants().superuser {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!("only a superuser can {what}")))
        }
    }

    /// `Ok` only for the command line: what even a superuser's page may not do.
    pub fn require_cli(&self) -> AppResult<()> {
        match &self.who {
            Who::Cli(_) => Ok(()),
            Who::Person(_) | Who::System(_) | Who::App(_) => Err(AppError::Forbidden(
                "only an operator at the server's command line can do this".to_owned(),
            )),
        }
    }
}

/// `Forbidden` naming the permission unless `grants` allow it: the one refusal every use case
/// gives.
pub(crate) fn require(grants: &Grants, permission: &str) -> AppResult<()> {
    if grants.allows(permission) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "this needs the '{permission}' permission, which your account does not have"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jumpgate_domain::permissions::Permission;

    fn person(superuser: bool, permissions: &[&str]) -> Caller {
        Caller::person(
            AccountId(7),
            AccountAccess {
                superuser,
                permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
                state: "Member".to_owned(),
                main: None,
            },
        )
    }

    #[test]
    fn each_kind_of_caller_is_named_in_the_audit_log() {
        assert_eq!(person(false, &[]).actor(), Actor::Account(7));
        assert_eq!(
            Caller::system("check-tokens").actor(),
            Actor::System("check-tokens".into())
        );
        assert_eq!(
            Caller::cli("admin grant-superuser").actor(),
            Actor::Cli("admin grant-superuser".into())
        );
    }

    #[test]
    fn system_and_cli_hold_every_permission_but_own_no_account() {
        for c in [Caller::system("job"), Caller::cli("command")] {
            assert!(c.require(Permission::ADMIN_STATES).is_ok());
            assert!(c.require_background().is_ok());
            assert!(matches!(c.own_account(), Err(AppError::Forbidden(_))));
            assert!(matches!(
                c.person_with(Permission::STANDINGS_APPROVE),
                Err(AppError::Forbidden(_))
            ));
        }
        assert!(Caller::cli("c").require_cli().is_ok());
        assert!(Caller::system("j").require_cli().is_err());
    }

    #[test]
    fn a_person_may_do_what_their_grants_allow_and_act_on_their_own_account() {
        let member = person(false, &[Permission::STANDINGS_REQUEST]);
        assert!(member.require(Permission::STANDINGS_REQUEST).is_ok());
        assert!(member.require(Permission::STANDINGS_APPROVE).is_err());
        assert!(
            member
                .require_any(&[Permission::STANDINGS_APPROVE, Permission::STANDINGS_REQUEST])
                .is_ok()
        );
        assert!(
            member
                .require_self_or(AccountId(7), Permission::ADMIN_USERS)
                .is_ok()
        );
        assert!(
            member
                .require_self_or(AccountId(8), Permission::ADMIN_USERS)
                .is_err()
        );
        assert!(member.require_background().is_err());
        assert!(person(true, &[]).require_cli().is_err());
        assert!(person(true, &[]).require(Permission::ADMIN_STATES).is_ok());
    }
}
