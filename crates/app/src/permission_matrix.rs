//! The permission matrix one layer below the web: every public method of `App` × every kind of
//! caller, on both databases, asserting who is refused (`AppError::Forbidden`) and who is not.
//!
//! How it cannot be forgotten: `every_public_method_of_app_has_a_row` reads the app crate's
//! source and lists every `pub fn` / `pub async fn` inside an `impl App` block; each must have a
//! row in `ROWS` (its rule) and an arm in `call` (how to call it). A new use case without both
//! fails that test, with a message saying what to add.
//!
//! "Allowed" means the use case did not refuse: it may still answer `NotFound` or `Invalid` for
//! the fixture's data (a request id that does not exist), which is fine here; what it may not do
//! is let a refused caller get that far. So a use case must check its caller before it reads
//! anything, or a refused caller would see "not found" instead of "forbidden" and fail this test.

use crate::caller::Caller;
use crate::error::{AppError, AppResult};
use crate::esi_adapters::StoreCache;
use crate::groups::admin::GroupSettings;
use crate::groups::automatic::GroupLinks;
use crate::jobs::JobError;
use crate::standings::workflow::StandingsFilter;
use crate::standings::workflow::bulk::BulkWork;
use crate::tokens::secrets::KeyRing;
use crate::{App, AppSettings};
use jumpgate_domain::groups::{Group, Visibility};
use jumpgate_domain::permissions::Permission;
use jumpgate_domain::standings::{Entity, Standing};
use jumpgate_domain::states::StateCriteria;
use jumpgate_domain::{AccountId, AllianceId, CharacterId, CorporationId, EveLogin, states::State};
use jumpgate_domain::{BulkOperationId, JobId, RequestId, RevocationId, StateId};
use jumpgate_domain::{DivisionId, GroupApplicationId, GroupId, SpecialtyId};
use jumpgate_eve::{COMPATIBILITY_DATE, EsiClient, EveSettings, SsoClient};
use jumpgate_evesim::{EveSim, SimConfig};
use jumpgate_store::testing::{TestStore, fresh_postgres, fresh_sqlite};
use jumpgate_store::{AuditFilter, NewCharacter, NewToken, TokenRecord};
use secrecy::SecretString;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use url::Url;

/// Who may call a use case.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Anyone, signed in or not, and background work: logging in, a verification link, health.
    Open,
    /// A signed-in person, for their own account (system and CLI own none).
    Person,
    /// A person holding one of these permissions (the decision or request is recorded as
    /// theirs, so system and CLI are refused).
    PersonWith(&'static [&'static str]),
    /// Anyone holding one of these permissions: persons by their grants, system and CLI always.
    Holds(&'static [&'static str]),
    /// Background work: system jobs and the command line, never a person.
    Background,
    /// Any signed-in person (who may be answered "not found" for what is not theirs), and
    /// anyone holding one of these permissions.
    PersonOrHolds(&'static [&'static str]),
    /// Any signed-in person (refused when it is not theirs) and the command line.
    PersonOrCli,
    /// An application calling the application API (by its roles; the matrix's holds all).
    Application,
    /// The command line only.
    Cli,
    /// Not a use case (construction, accessors, how an edge makes a caller); says why.
    NotAUseCase(&'static str),
}

const REQUEST: &str = Permission::STANDINGS_REQUEST;
const APPROVE: &str = Permission::STANDINGS_APPROVE;
const MANAGE: &str = Permission::STANDINGS_MANAGE;
const GROUPS: &str = Permission::ADMIN_GROUPS;
const ROLES: &str = Permission::ADMIN_ROLES;
const APPS: &str = Permission::ADMIN_APPS;

/// Every public method of `App`, by name, with who may call it.
const ROWS: &[(&str, Rule)] = &[
    // construction and accessors
    ("new", Rule::NotAUseCase("builds the app")),
    (
        "with_mailer",
        Rule::NotAUseCase("wiring: sets the mail transport"),
    ),
    ("mailer", Rule::NotAUseCase("accessor")),
    (
        "now",
        Rule::NotAUseCase("the time on the app's clock, not anyone's data"),
    ),
    (
        "settings",
        Rule::NotAUseCase("the configuration, not anyone's data"),
    ),
    ("logins", Rule::NotAUseCase("the configured EVE logins")),
    ("login", Rule::NotAUseCase("one configured EVE login")),
    (
        "is_biomassed",
        Rule::NotAUseCase("a rule about corporation ids"),
    ),
    (
        "caller",
        Rule::NotAUseCase("how an edge makes a person's Caller"),
    ),
    (
        "session_caller",
        Rule::NotAUseCase("how the web makes a session's Caller"),
    ),
    (
        "sessions",
        Rule::NotAUseCase("the session layer's narrow handle: sessions make callers"),
    ),
    (
        "application_caller",
        Rule::NotAUseCase("how the API edge makes an application's Caller"),
    ),
    (
        "login_number",
        Rule::NotAUseCase("a configured EVE login's number"),
    ),
    (
        "count_app_request",
        Rule::NotAUseCase("the API edge counting an authenticated application's call"),
    ),
    (
        "save_app_requests",
        Rule::NotAUseCase("this process's bookkeeping: the counted calls to the database"),
    ),
    // applications (the application API)
    ("own_application", Rule::Application),
    ("character_groups_for_app", Rule::Application),
    ("characters_groups_for_app", Rule::Application),
    ("main_character_for_app", Rule::Application),
    ("player_for_app", Rule::Application),
    ("players_for_app", Rule::Application),
    ("account_characters_for_app", Rule::Application),
    ("accounts_characters_for_app", Rule::Application),
    ("character_list_for_app", Rule::Application),
    ("player_characters_for_app", Rule::Application),
    ("player_with_characters_for_app", Rule::Application),
    ("removed_characters_for_app", Rule::Application),
    ("incoming_characters_for_app", Rule::Application),
    ("corporation_players_for_app", Rule::Application),
    ("corporation_characters_for_app", Rule::Application),
    ("member_tracking_for_app", Rule::Application),
    ("esi_proxy", Rule::Application),
    ("corporation_groups_for_app", Rule::Application),
    ("alliance_groups_for_app", Rule::Application),
    ("corporations_groups_for_app", Rule::Application),
    ("alliances_groups_for_app", Rule::Application),
    ("groups_with_fallback_for_app", Rule::Application),
    ("group_members_for_app", Rule::Application),
    ("login_characters_for_app", Rule::Application),
    ("login_token_holders_for_app", Rule::Application),
    ("access_token_for_app", Rule::Application),
    // application administrators and managers
    ("create_app", Rule::Holds(&[APPS])),
    ("rename_app", Rule::Holds(&[APPS])),
    ("delete_app", Rule::Holds(&[APPS])),
    ("set_app_roles", Rule::Holds(&[APPS])),
    ("set_app_groups", Rule::Holds(&[APPS])),
    ("set_app_eve_logins", Rule::Holds(&[APPS])),
    ("add_app_manager", Rule::Holds(&[APPS])),
    ("remove_app_manager", Rule::Holds(&[APPS])),
    ("grant_app", Rule::Holds(&[APPS])),
    ("apps_overview", Rule::PersonOrHolds(&[APPS])),
    ("app_details", Rule::PersonOrHolds(&[APPS])),
    ("make_app_secret", Rule::PersonOrCli),
    ("set_app_webhook", Rule::PersonOrHolds(&[APPS])),
    ("clear_app_webhook", Rule::PersonOrHolds(&[APPS])),
    ("make_app_webhook_secret", Rule::PersonOrHolds(&[APPS])),
    ("app_webhook_overview", Rule::PersonOrHolds(&[APPS])),
    ("retry_app_webhook_delivery", Rule::PersonOrHolds(&[APPS])),
    ("send_app_webhook_test", Rule::PersonOrHolds(&[APPS])),
    ("scan_app_webhooks", Rule::Background),
    ("deliver_app_webhook", Rule::Background),
    // open to anyone
    ("begin_login", Rule::Open),
    ("pending_login", Rule::Open),
    ("complete_login", Rule::Open),
    ("verify_email", Rule::Open),
    ("email_link", Rule::Open),
    ("readiness", Rule::Open),
    ("gauges", Rule::Open),
    // a person's own account
    ("own_characters", Rule::Person),
    ("set_main", Rule::Person),
    ("remove_alt", Rule::Person),
    ("set_email", Rule::Person),
    ("resend_email_verification", Rule::Person),
    ("set_timezone", Rule::Person),
    ("end_own_sessions", Rule::Person),
    ("mark_notifications_read", Rule::Person),
    ("notifications", Rule::Person),
    ("unread_notifications", Rule::Person),
    ("cancel_request", Rule::Person),
    ("cancel_revocation", Rule::Person),
    ("leave_sync_of", Rule::Person),
    // administrators
    ("account_view", Rule::Holds(&[Permission::ADMIN_USERS])),
    ("search_accounts", Rule::Holds(&[Permission::ADMIN_USERS])),
    ("search_characters", Rule::Holds(&[Permission::ADMIN_USERS])),
    ("search_everything", Rule::Holds(&[Permission::ADMIN_USERS])),
    ("accounts_by", Rule::Holds(&[Permission::ADMIN_USERS])),
    (
        "direct_permissions",
        Rule::Holds(&[Permission::ADMIN_USERS]),
    ),
    (
        "removed_characters",
        Rule::Holds(&[Permission::ADMIN_USERS]),
    ),
    // Someone else's; their own is open to every person.
    ("session_count", Rule::Holds(&[Permission::ADMIN_USERS])),
    // A superuser's need superuser besides (tested in the black-box sessions tests).
    ("end_sessions_of", Rule::Holds(&[Permission::ADMIN_USERS])),
    ("grant_permission", Rule::Holds(&[Permission::ADMIN_STATES])),
    (
        "revoke_permission",
        Rule::Holds(&[Permission::ADMIN_STATES]),
    ),
    ("state_overviews", Rule::Holds(&[Permission::ADMIN_STATES])),
    ("state_overview", Rule::Holds(&[Permission::ADMIN_STATES])),
    ("create_state", Rule::Holds(&[Permission::ADMIN_STATES])),
    ("update_state", Rule::Holds(&[Permission::ADMIN_STATES])),
    (
        "add_state_criterion",
        Rule::Holds(&[Permission::ADMIN_STATES]),
    ),
    (
        "remove_state_criterion",
        Rule::Holds(&[Permission::ADMIN_STATES]),
    ),
    ("delete_state", Rule::Holds(&[Permission::ADMIN_STATES])),
    ("job_overview", Rule::Holds(&[Permission::ADMIN_JOBS])),
    ("retry_job", Rule::Holds(&[Permission::ADMIN_JOBS])),
    ("run_periodic_now", Rule::Holds(&[Permission::ADMIN_JOBS])),
    ("reset_safety_valve", Rule::Holds(&[Permission::ADMIN_JOBS])),
    (
        "audit_entries",
        Rule::Holds(&[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT]),
    ),
    (
        "audit_names",
        Rule::Holds(&[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT]),
    ),
    (
        "audit_page",
        Rule::Holds(&[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT]),
    ),
    (
        "audit_reference",
        Rule::Holds(&[Permission::ADMIN_AUDIT, Permission::STANDINGS_AUDIT]),
    ),
    ("grant_superuser", Rule::Cli),
    ("rotate_token_keys", Rule::Cli),
    // standings: members
    ("standings_overview", Rule::PersonWith(&[REQUEST])),
    ("request_standing", Rule::PersonWith(&[REQUEST])),
    ("request_standings", Rule::PersonWith(&[REQUEST])),
    ("request_revocation", Rule::PersonWith(&[REQUEST])),
    ("member_sync_rows", Rule::PersonWith(&[REQUEST])),
    ("enrol_in_sync", Rule::PersonWith(&[REQUEST])),
    ("request_sync_now", Rule::PersonWith(&[REQUEST])),
    // standings: approvers
    ("approval_queue", Rule::Holds(&[APPROVE])),
    ("pending_request", Rule::Holds(&[APPROVE])),
    ("pending_revocation", Rule::Holds(&[APPROVE])),
    ("pending_requests", Rule::Holds(&[APPROVE])),
    ("pending_revocations", Rule::Holds(&[APPROVE])),
    ("approve_request", Rule::PersonWith(&[APPROVE])),
    ("reject_request", Rule::PersonWith(&[APPROVE])),
    ("approve_revocation", Rule::PersonWith(&[APPROVE])),
    ("reject_revocation", Rule::PersonWith(&[APPROVE])),
    ("preview_change", Rule::Holds(&[APPROVE, MANAGE])),
    ("standings_page", Rule::Holds(&[MANAGE, APPROVE])),
    ("queue_propagation", Rule::Holds(&[MANAGE, APPROVE])),
    ("queue_reconcile_all", Rule::Holds(&[MANAGE, APPROVE])),
    // standings: managers
    ("set_standing_entry", Rule::Holds(&[MANAGE])),
    ("delete_standing_entry", Rule::Holds(&[MANAGE])),
    ("export_standings_csv", Rule::Holds(&[MANAGE])),
    ("start_bulk", Rule::PersonWith(&[MANAGE])),
    ("bulk_operation", Rule::Holds(&[MANAGE])),
    ("enrolment_page", Rule::Holds(&[MANAGE])),
    ("force_sync", Rule::Holds(&[MANAGE])),
    ("validate_sync", Rule::Holds(&[MANAGE])),
    ("sync_all", Rule::Holds(&[MANAGE])),
    ("sync_progress", Rule::Holds(&[MANAGE])),
    ("sync_jobs", Rule::Holds(&[MANAGE])),
    ("sync_eligibility", Rule::Holds(&[MANAGE])),
    // background work
    ("refresh_affiliations", Rule::Background),
    ("verify_audit_log", Rule::Background),
    ("check_tokens", Rule::Background),
    ("refresh_token", Rule::Background),
    ("access_token", Rule::Background),
    ("email_signing_key", Rule::Background),
    ("sync_character", Rule::Background),
    ("sync_character_with", Rule::Background),
    ("propagate_entity", Rule::Background),
    ("queue_reconcile", Rule::Background),
    ("validate_standings", Rule::Background),
    ("run_bulk_operation", Rule::Background),
    ("recompute_groups", Rule::Background),
    // managed accounts and soft deactivation
    (
        "set_account_status",
        Rule::Holds(&[Permission::ADMIN_USERS]),
    ),
    ("check_tokens_now", Rule::Background),
    ("send_deactivation_mails", Rule::Background),
    // groups: every member (what is visible to them)
    ("groups_overview", Rule::Person),
    ("group_view", Rule::Person),
    ("apply_to_group", Rule::Person),
    ("cancel_group_application", Rule::Person),
    ("leave_group", Rule::Person),
    // Someone else's; their own is open to every person.
    ("groups_of_account", Rule::Holds(&[Permission::ADMIN_USERS])),
    // groups: managers (the fixture's group has none, so only `admin.groups` manages it);
    // a decision is recorded as a person's
    ("accept_group_application", Rule::PersonWith(&[GROUPS])),
    ("deny_group_application", Rule::PersonWith(&[GROUPS])),
    ("add_member_to_group", Rule::Holds(&[GROUPS])),
    ("remove_member_from_group", Rule::Holds(&[GROUPS])),
    // groups: administrators
    ("group_summaries", Rule::Holds(&[GROUPS])),
    ("create_group", Rule::Holds(&[GROUPS])),
    ("update_group", Rule::Holds(&[GROUPS])),
    ("delete_group", Rule::Holds(&[GROUPS])),
    ("add_group_manager", Rule::Holds(&[GROUPS])),
    ("remove_group_manager", Rule::Holds(&[GROUPS])),
    ("add_manager_group", Rule::Holds(&[GROUPS])),
    ("remove_manager_group", Rule::Holds(&[GROUPS])),
    ("set_group_links", Rule::Holds(&[GROUPS])),
    ("add_group_affiliation", Rule::Holds(&[GROUPS])),
    ("remove_group_affiliation", Rule::Holds(&[GROUPS])),
    ("group_affiliations", Rule::Holds(&[GROUPS])),
    ("set_group_conditions", Rule::Holds(&[GROUPS])),
    // roles: every person sees their dashboard; appointing is decided by the caller's roles,
    // and the fixture's people hold none, so only superusers, jobs and the command line may
    ("roles_dashboard", Rule::Person),
    // Someone else's; their own is open to every person.
    ("roles_of_account", Rule::Holds(&[Permission::ADMIN_USERS])),
    ("appoint_role", Rule::Holds(&[])),
    ("dismiss_role", Rule::Holds(&[])),
    ("revoke_role", Rule::Holds(&[])),
    ("refresh_corporation_roles", Rule::Background),
    // roles: administrators
    ("roles_admin", Rule::Holds(&[ROLES])),
    ("create_division", Rule::Holds(&[ROLES])),
    ("delete_division", Rule::Holds(&[ROLES])),
    ("create_specialty", Rule::Holds(&[ROLES])),
    ("delete_specialty", Rule::Holds(&[ROLES])),
    ("set_role_permissions", Rule::Holds(&[ROLES])),
    ("set_leading_entities", Rule::Holds(&[ROLES])),
    // member tracking: a corporation's page is its viewer groups' (anyone else: not found)
    ("tracking_overview", Rule::Person),
    ("tracking_page", Rule::Person),
    ("tracking_csv", Rule::Person),
    ("tracking_admin", Rule::Holds(&[Permission::ADMIN_TRACKING])),
    (
        "set_tracking_groups",
        Rule::Holds(&[Permission::ADMIN_TRACKING]),
    ),
    ("stop_tracking", Rule::Holds(&[Permission::ADMIN_TRACKING])),
    ("update_member_tracking", Rule::Background),
];

/// The callers of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Anonymous,
    /// A person without any grant.
    Guest,
    Member,
    Approver,
    StandingsAdmin,
    Admin,
    Superuser,
    System,
    Cli,
    /// An application holding every application role (and no person's permission).
    Application,
}

impl Kind {
    const ALL: [Kind; 10] = [
        Kind::Anonymous,
        Kind::Guest,
        Kind::Member,
        Kind::Approver,
        Kind::StandingsAdmin,
        Kind::Admin,
        Kind::Superuser,
        Kind::System,
        Kind::Cli,
        Kind::Application,
    ];

    /// The permissions granted to this kind's account (superuser: none, it holds all).
    fn granted(self) -> &'static [&'static str] {
        match self {
            Kind::Member => &[REQUEST],
            Kind::Approver => &[APPROVE],
            Kind::StandingsAdmin => &[MANAGE],
            Kind::Admin => &[
                Permission::ADMIN_USERS,
                Permission::ADMIN_JOBS,
                Permission::ADMIN_STATES,
                Permission::ADMIN_AUDIT,
                Permission::ADMIN_GROUPS,
                Permission::ADMIN_ROLES,
                Permission::ADMIN_TRACKING,
                Permission::ADMIN_APPS,
            ],
            _ => &[],
        }
    }

    fn is_person(self) -> bool {
        !matches!(
            self,
            Kind::Anonymous | Kind::System | Kind::Cli | Kind::Application
        )
    }

    fn holds_any(self, permissions: &[&str]) -> bool {
        match self {
            Kind::Superuser | Kind::System | Kind::Cli => true,
            Kind::Anonymous | Kind::Application => false,
            k => permissions.iter().any(|p| k.granted().contains(p)),
        }
    }
}

/// Whether `kind` may call a use case of `rule`; `None` when it cannot even be asked (an
/// anonymous caller of a use case that takes a `&Caller`).
fn allowed(rule: Rule, kind: Kind) -> Option<bool> {
    if kind == Kind::Anonymous && !matches!(rule, Rule::Open) {
        return None;
    }
    Some(match rule {
        Rule::Open => true,
        Rule::Person => kind.is_person(),
        Rule::PersonWith(p) => kind.is_person() && kind.holds_any(p),
        Rule::Holds(p) => kind.holds_any(p),
        Rule::Background => matches!(kind, Kind::System | Kind::Cli),
        Rule::PersonOrHolds(p) => kind.is_person() || kind.holds_any(p),
        Rule::PersonOrCli => kind.is_person() || kind == Kind::Cli,
        Rule::Application => kind == Kind::Application,
        Rule::Cli => kind == Kind::Cli,
        Rule::NotAUseCase(_) => return None,
    })
}

/// An app on a fresh store with the simulator, one account per kind of person, and data the
/// use cases can be pointed at.
struct World {
    app: App,
    _sim: EveSim,
    _db: TestStore,
    callers: BTreeMap<Kind, Caller>,
    /// Each person's own character (their main).
    own: BTreeMap<AccountId, CharacterId>,
    /// An account none of the callers owns.
    target: AccountId,
    target_character: CharacterId,
    state: StateId,
    bulk: BulkOperationId,
    token: TokenRecord,
    /// A public group nobody manages, and the target's pending application to it.
    group: GroupId,
    application: GroupApplicationId,
}

const CORPORATION: CorporationId = CorporationId(98_000_001);

impl World {
    async fn new(db: TestStore) -> Self {
        let store = db.store.clone();
        let sim = EveSim::start(SimConfig::default(), "127.0.0.1:0".parse().expect("addr"))
            .await
            .expect("the simulator starts");
        let eve = EveSettings {
            client_id: "matrix".into(),
            client_secret: SecretString::from("matrix-secret"),
            callback_url: None,
            contact: "tests@jumpgate.invalid".into(),
            sso_base_url: sim.sso_base_url(),
            esi_base_url: sim.esi_base_url(),
            image_base_url: sim.image_base_url(),
            compatibility_date: COMPATIBILITY_DATE.into(),
            sso_timeout: jumpgate_eve::DEFAULT_SSO_TIMEOUT,
        };
        let http = reqwest::Client::new();
        let callback = Url::parse("http://127.0.0.1/sso/callback").expect("url");
        let sso = SsoClient::new(eve.sso_config(callback, "matrix".into()), http.clone());
        let esi = EsiClient::new(
            eve.esi_config("matrix".into()),
            http,
            Arc::new(StoreCache(store.clone())),
        );
        let app = App::new(
            store.clone(),
            sso,
            esi,
            KeyRing::ephemeral(),
            AppSettings::default(),
        );

        let mut next = 2_112_000_001;
        let mut account = |name: &str| {
            let id = CharacterId(next);
            next += 1;
            let store = store.clone();
            let name = name.to_owned();
            async move {
                let (acc, _) = store
                    .create_account(&NewCharacter {
                        id,
                        name,
                        owner_hash: format!("owner-{id}"),
                        corporation: CORPORATION,
                        alliance: None,
                        faction: None,
                    })
                    .await
                    .expect("account");
                (acc.id, id)
            }
        };
        let mut callers = BTreeMap::new();
        let mut own = BTreeMap::new();
        for kind in Kind::ALL.into_iter().filter(|k| k.is_person()) {
            let (id, character) = account(&format!("{kind:?} Pilot")).await;
            for p in kind.granted() {
                store.grant_permission(id, p).await.expect("grant");
            }
            if kind == Kind::Superuser {
                store.set_superuser(id, true).await.expect("superuser");
            }
            let caller = app.caller(id).await.expect("caller").expect("exists");
            callers.insert(kind, caller);
            own.insert(id, character);
        }
        callers.insert(Kind::System, Caller::system("matrix-job"));
        callers.insert(Kind::Cli, Caller::cli("matrix command"));
        callers.insert(
            Kind::Application,
            Caller::application(Arc::new(jumpgate_domain::apps::Application {
                id: jumpgate_domain::AppId(1),
                name: "Matrix tool".to_owned(),
                roles: jumpgate_domain::apps::AppRole::ALL.into_iter().collect(),
                groups: BTreeSet::new(),
                eve_logins: BTreeSet::new(),
                managers: BTreeSet::new(),
                has_secret: true,
                created_at: time::OffsetDateTime::UNIX_EPOCH,
            })),
        );
        let (target, target_character) = account("Target Pilot").await;
        let state = store
            .save_state(&State {
                id: StateId::UNSAVED,
                name: "Matrix".into(),
                priority: 50,
                criteria: StateCriteria::default(),
                permissions: BTreeSet::new(),
            })
            .await
            .expect("state")
            .id;
        let bulk = app
            .start_bulk(
                &callers[&Kind::StandingsAdmin],
                BulkWork::DeleteEntries {
                    ids: vec![999_999],
                    notes: "matrix".into(),
                },
            )
            .await
            .expect("bulk operation")
            .id;
        let token = store
            .upsert_token(&NewToken {
                character: target_character,
                login: EveLogin::DEFAULT.into(),
                access_token: Vec::new(),
                refresh_token: None,
                expires_at: app.now(),
                scopes: String::new(),
                owner_hash: format!("owner-{target_character}"),
            })
            .await
            .expect("token");
        let mut group = Group::new("Matrix group");
        group.visibility = Visibility::Public;
        let group = store.save_group(&group).await.expect("group").id;
        let application = store
            .create_group_application(group, target, "")
            .await
            .expect("application")
            .id;
        Self {
            group,
            application,
            app,
            _sim: sim,
            _db: db,
            callers,
            own,
            target,
            target_character,
            state,
            bulk,
            token,
        }
    }

    /// The caller's own character, or the target's for callers without an account.
    fn character_of(&self, caller: &Caller) -> CharacterId {
        caller
            .account()
            .and_then(|a| self.own.get(&a).copied())
            .unwrap_or(self.target_character)
    }
}

/// Runs use case `name` as `caller` (`None`: anonymous). `None` when this function has no arm for
/// it yet. Results are reduced to "refused or not".
async fn call(name: &str, w: &World, caller: Option<&Caller>) -> Option<AppResult<()>> {
    let app = &w.app;
    let c = || caller.expect("only open use cases are called without a caller");
    let mine = caller
        .map(|c| w.character_of(c))
        .unwrap_or(w.target_character);
    let nobody = 999_999;
    let entity = Entity::character(CharacterId(nobody));
    let r = match name {
        "begin_login" => app.begin_login(EveLogin::DEFAULT).await.map(drop),
        "pending_login" => {
            app.pending_login("not-a-cookie").await;
            Ok(())
        }
        "complete_login" => {
            let begun = app
                .begin_login(EveLogin::DEFAULT)
                .await
                .expect("a login starts");
            let pending = app.pending_login(&begun.cookie).await.expect("and opens");
            app.complete_login(caller, &pending, "not-a-code")
                .await
                .map(drop)
        }
        "verify_email" => app.verify_email("not.a-token").await.map(drop),
        "email_link" => app.email_link("not.a-token").await.map(drop),
        "readiness" => app.readiness().await,
        "gauges" => {
            app.gauges().await;
            Ok(())
        }
        "own_characters" => app.own_characters(c()).await.map(drop),
        "set_main" => app.set_main(c(), w.target_character).await.map(drop),
        "remove_alt" => app.remove_alt(c(), w.target_character).await.map(drop),
        "set_email" => {
            let url = Url::parse("http://127.0.0.1/account/email/verify").expect("url");
            app.set_email(c(), None, &url).await.map(drop)
        }
        "resend_email_verification" => {
            let url = Url::parse("http://127.0.0.1/account/email/verify").expect("url");
            app.resend_email_verification(c(), &url).await.map(drop)
        }
        "set_timezone" => app.set_timezone(c(), Some("UTC")).await.map(drop),
        "end_own_sessions" => app.end_own_sessions(c()).await.map(drop),
        "session_count" => app.session_count(c(), w.target).await.map(drop),
        "end_sessions_of" => app.end_sessions_of(c(), w.target).await.map(drop),
        "notifications" => app.notifications(c()).await.map(drop),
        "unread_notifications" => app.unread_notifications(c()).await.map(drop),
        "mark_notifications_read" => app.mark_notifications_read(c()).await.map(drop),
        "cancel_request" => app.cancel_request(c(), RequestId(nobody)).await.map(drop),
        "cancel_revocation" => app
            .cancel_revocation(c(), RevocationId(nobody))
            .await
            .map(drop),
        "leave_sync_of" => app.leave_sync_of(c(), mine).await.map(drop),
        "account_view" => app.account_view(c(), w.target).await.map(drop),
        "search_accounts" => app.search_accounts(c(), "", 10).await.map(drop),
        "search_characters" => app.search_characters(c(), "Pilot", 10).await.map(drop),
        "search_everything" => app.search_everything(c(), "Pilot").await.map(drop),
        "accounts_by" => app
            .accounts_by(
                c(),
                crate::accounts::search::AccountFilter::Corporation(CorporationId(98_000_001)),
                10,
            )
            .await
            .map(drop),
        "direct_permissions" => app.direct_permissions(c(), w.target).await.map(drop),
        "removed_characters" => app.removed_characters(c(), None, 10).await.map(drop),
        // An `admin.*` permission needs superuser besides (its own test below).
        "grant_permission" => {
            app.grant_permission(c(), w.target, Permission::STANDINGS_AUDIT)
                .await
        }
        "revoke_permission" => {
            app.revoke_permission(c(), w.target, Permission::STANDINGS_AUDIT)
                .await
        }
        "state_overviews" => app.state_overviews(c()).await.map(drop),
        "state_overview" => app.state_overview(c(), w.state).await.map(drop),
        "create_state" => app.create_state(c(), "Matrix", "10").await.map(drop),
        "update_state" => app.update_state(c(), w.state, "50", &[]).await.map(drop),
        "add_state_criterion" => app
            .add_state_criterion(c(), w.state, "faction", "")
            .await
            .map(drop),
        "remove_state_criterion" => app
            .remove_state_criterion(c(), w.state, "corporation", "1")
            .await
            .map(drop),
        "delete_state" => app.delete_state(c(), StateId(nobody)).await.map(drop),
        "job_overview" => {
            let listing = crate::jobs::admin::JobListing {
                status: None,
                jobs: 10,
                jobs_offset: 0,
                finished: 10,
            };
            app.job_overview(c(), listing).await.map(drop)
        }
        "retry_job" => app.retry_job(c(), JobId(nobody)).await,
        "run_periodic_now" => app.run_periodic_now(c(), "no-such-job").await.map(drop),
        "reset_safety_valve" => app.reset_safety_valve(c()).await,
        "audit_entries" => app.audit_entries(c(), ten_entries()).await.map(drop),
        "audit_names" => app
            .audit_names(c(), &[] as &[jumpgate_domain::audit::AuditEntry])
            .await
            .map(drop),
        "audit_page" => app.audit_page(c(), ten_entries()).await.map(drop),
        "audit_reference" => app.audit_reference(c(), "account:1", true).await.map(drop),
        "grant_superuser" => app.grant_superuser(c(), "Nobody Atall").await.map(drop),
        "rotate_token_keys" => app
            .rotate_token_keys(c(), crate::tokens::rotation::RotationOptions::default())
            .await
            .map(drop),
        "standings_overview" => app.standings_overview(c()).await.map(drop),
        "request_standing" => app.request_standing(c(), entity).await.map(drop),
        "request_standings" => app
            .request_standings(c(), &[entity])
            .await
            .and_then(|results| {
                results
                    .into_iter()
                    .map(|(_, r)| r.map(drop))
                    .next()
                    .unwrap_or(Ok(()))
            }),
        "request_revocation" => app.request_revocation(c(), nobody).await.map(drop),
        "member_sync_rows" => app.member_sync_rows(c()).await.map(drop),
        "enrol_in_sync" => app.enrol_in_sync(c(), mine).await,
        "request_sync_now" => app.request_sync_now(c(), mine).await,
        "approval_queue" => app.approval_queue(c()).await.map(drop),
        "pending_request" => app.pending_request(c(), RequestId(nobody)).await.map(drop),
        "pending_revocation" => app
            .pending_revocation(c(), RevocationId(nobody))
            .await
            .map(drop),
        "pending_requests" => app.pending_requests(c()).await.map(drop),
        "pending_revocations" => app.pending_revocations(c()).await.map(drop),
        "approve_request" => app
            .approve_request(c(), RequestId(nobody), None, "")
            .await
            .map(drop),
        "reject_request" => app
            .reject_request(c(), RequestId(nobody), "no")
            .await
            .map(drop),
        "approve_revocation" => app
            .approve_revocation(c(), RevocationId(nobody), "")
            .await
            .map(drop),
        "reject_revocation" => app
            .reject_revocation(c(), RevocationId(nobody), "no")
            .await
            .map(drop),
        "preview_change" => app.preview_change(c(), entity, None).await.map(drop),
        "standings_page" => app
            .standings_page(c(), &StandingsFilter::default(), 0, 10)
            .await
            .map(drop),
        "queue_propagation" => app.queue_propagation(c(), nobody).await,
        "queue_reconcile_all" => app.queue_reconcile_all(c()).await,
        "set_standing_entry" => {
            let standing = Standing::parse("5").expect("standing");
            app.set_standing_entry(c(), entity, "Nobody", standing, "")
                .await
                .map(drop)
        }
        "delete_standing_entry" => app
            .delete_standing_entry(c(), nobody + 1, "")
            .await
            .map(drop),
        "export_standings_csv" => app.export_standings_csv(c()).await.map(drop),
        "start_bulk" => app
            .start_bulk(
                c(),
                BulkWork::DeleteEntries {
                    ids: Vec::new(),
                    notes: String::new(),
                },
            )
            .await
            .map(drop),
        "bulk_operation" => app.bulk_operation(c(), w.bulk).await.map(drop),
        "enrolment_page" => app.enrolment_page(c(), None, 10, 0).await.map(drop),
        "force_sync" => app.force_sync(c(), &[]).await.map(drop),
        "validate_sync" => app.validate_sync(c(), &[]).await.map(drop),
        "sync_all" => app.sync_all(c()).await.map(drop),
        "sync_progress" => app.sync_progress(c()).await.map(drop),
        "sync_jobs" => app.sync_jobs(c()).await.map(drop),
        "sync_eligibility" => app.sync_eligibility(c(), mine).await.map(drop),
        "refresh_affiliations" => app.refresh_affiliations(c()).await.map(drop),
        "verify_audit_log" => app.verify_audit_log(c()).await.map(drop),
        "check_tokens" => app.check_tokens(c(), 10).await.map(drop),
        "refresh_token" => app.refresh_token(c(), &w.token, false).await.map(drop),
        "access_token" => app
            .access_token(c(), w.target_character, EveLogin::DEFAULT)
            .await
            .map(drop),
        "email_signing_key" => app.email_signing_key(c()).await.map(drop),
        "sync_character" => app.sync_character(c(), mine).await.map(drop),
        "sync_character_with" => {
            let settings = app.settings().standings.clone();
            app.sync_character_with(c(), mine, &settings, None, None)
                .await
                .map(drop)
        }
        "propagate_entity" => app.propagate_entity(c(), nobody).await.map(drop),
        "queue_reconcile" => app
            .queue_reconcile(c(), std::time::Duration::ZERO)
            .await
            .map(drop),
        "validate_standings" => app.validate_standings(c()).await.map(drop),
        // A job's handler answers `JobError`; its refusal is a fatal error saying why.
        "run_bulk_operation" => match app.run_bulk_operation(c(), BulkOperationId(nobody)).await {
            Err(JobError::Fatal(m)) if m.contains("background work") => Err(AppError::Forbidden(m)),
            _ => Ok(()),
        },
        "groups_overview" => app.groups_overview(c()).await.map(drop),
        "group_view" => app.group_view(c(), w.group).await.map(drop),
        "apply_to_group" => app.apply_to_group(c(), w.group, "").await.map(drop),
        "cancel_group_application" => app
            .cancel_group_application(c(), GroupApplicationId(nobody))
            .await
            .map(drop),
        "leave_group" => app.leave_group(c(), w.group).await.map(drop),
        "groups_of_account" => app.groups_of_account(c(), w.target).await.map(drop),
        "accept_group_application" => app
            .accept_group_application(c(), w.application, "")
            .await
            .map(drop),
        "deny_group_application" => app
            .deny_group_application(c(), w.application, "no")
            .await
            .map(drop),
        "add_member_to_group" => app
            .add_member_to_group(c(), w.group, &w.target_character.to_string())
            .await
            .map(drop),
        "remove_member_from_group" => app
            .remove_member_from_group(c(), w.group, w.target, "")
            .await
            .map(drop),
        "group_summaries" => app.group_summaries(c()).await.map(drop),
        "create_group" => app
            .create_group(
                c(),
                &GroupSettings {
                    name: "Matrix created".into(),
                    visibility: "private".into(),
                    ..GroupSettings::default()
                },
            )
            .await
            .map(drop),
        "update_group" => app
            .update_group(
                c(),
                w.group,
                &GroupSettings {
                    name: "Matrix group".into(),
                    visibility: "public".into(),
                    ..GroupSettings::default()
                },
            )
            .await
            .map(drop),
        "delete_group" => app.delete_group(c(), GroupId(nobody)).await.map(drop),
        "add_group_manager" => app
            .add_group_manager(c(), w.group, &w.target_character.to_string())
            .await
            .map(drop),
        "remove_group_manager" => app
            .remove_group_manager(c(), w.group, w.target)
            .await
            .map(drop),
        "add_manager_group" => app
            .add_manager_group(c(), w.group, GroupId(nobody))
            .await
            .map(drop),
        "remove_manager_group" => app
            .remove_manager_group(c(), w.group, GroupId(nobody))
            .await
            .map(drop),
        "set_group_links" => app
            .set_group_links(c(), w.group, &GroupLinks::default())
            .await
            .map(drop),
        "add_group_affiliation" => app
            .add_group_affiliation(c(), w.group, "corporation", "")
            .await
            .map(drop),
        "remove_group_affiliation" => app
            .remove_group_affiliation(c(), w.group, "corporation", "1")
            .await
            .map(drop),
        "group_affiliations" => app.group_affiliations(c(), w.group).await.map(drop),
        "recompute_groups" => app.recompute_groups(c(), Some(w.target)).await.map(drop),
        "roles_dashboard" => app.roles_dashboard(c()).await.map(drop),
        "roles_of_account" => app.roles_of_account(c(), w.target).await.map(drop),
        "set_group_conditions" => app
            .set_group_conditions(c(), w.group, &Default::default())
            .await
            .map(drop),
        "appoint_role" => app
            .appoint_role(c(), "general_fc", &w.target_character.to_string(), false)
            .await
            .map(drop),
        "dismiss_role" => app
            .dismiss_role(c(), "general_fc", w.target)
            .await
            .map(drop),
        "revoke_role" => app
            .revoke_role(c(), "general_fc", &w.target_character.to_string())
            .await
            .map(drop),
        "refresh_corporation_roles" => app.refresh_corporation_roles(c()).await.map(drop),
        "roles_admin" => app.roles_admin(c()).await.map(drop),
        "create_division" => app.create_division(c(), "Capitals").await.map(drop),
        "delete_division" => app.delete_division(c(), DivisionId(nobody)).await.map(drop),
        "create_specialty" => app
            .create_specialty(c(), "Diplomat", "", false)
            .await
            .map(drop),
        "delete_specialty" => app
            .delete_specialty(c(), SpecialtyId(nobody))
            .await
            .map(drop),
        "set_role_permissions" => app
            .set_role_permissions(c(), "general_fc", &[])
            .await
            .map(drop),
        "set_leading_entities" => app.set_leading_entities(c(), "", "").await.map(drop),
        "tracking_overview" => app.tracking_overview(c()).await.map(drop),
        "tracking_page" => app
            .tracking_page(c(), CORPORATION, &Default::default(), Default::default())
            .await
            .map(drop),
        "tracking_csv" => app
            .tracking_csv(c(), CORPORATION, &Default::default(), Default::default())
            .await
            .map(drop),
        "tracking_admin" => app.tracking_admin(c()).await.map(drop),
        "set_tracking_groups" => app
            .set_tracking_groups(c(), CORPORATION, &[w.group])
            .await
            .map(drop),
        "stop_tracking" => app.stop_tracking(c(), CORPORATION).await.map(drop),
        "update_member_tracking" => app
            .update_member_tracking(c(), Some(CORPORATION))
            .await
            .map(drop),
        // A status that does not exist: an allowed caller is answered "invalid", nothing changes.
        "set_account_status" => app
            .set_account_status(c(), w.target, "retired")
            .await
            .map(drop),
        "check_tokens_now" => app
            .check_tokens_now(c(), Some(CharacterId(999_999)))
            .await
            .map(drop),
        "send_deactivation_mails" => app.send_deactivation_mails(c()).await.map(drop),
        "own_application" => app.own_application(c()).await.map(drop),
        "character_groups_for_app" => app
            .character_groups_for_app(c(), w.target_character)
            .await
            .map(drop),
        "esi_proxy" => app
            .esi_proxy(c(), crate::apps::ProxyRequest::default())
            .await
            .map(drop),
        "characters_groups_for_app" => app
            .characters_groups_for_app(c(), &[w.target_character])
            .await
            .map(drop),
        "corporation_groups_for_app" => app
            .corporation_groups_for_app(c(), CORPORATION)
            .await
            .map(drop),
        "alliance_groups_for_app" => app
            .alliance_groups_for_app(c(), AllianceId(99_000_001))
            .await
            .map(drop),
        "corporations_groups_for_app" => app
            .corporations_groups_for_app(c(), &[CORPORATION])
            .await
            .map(drop),
        "alliances_groups_for_app" => app
            .alliances_groups_for_app(c(), &[AllianceId(99_000_001)])
            .await
            .map(drop),
        "groups_with_fallback_for_app" => app
            .groups_with_fallback_for_app(c(), Some(w.target_character), None, None)
            .await
            .map(drop),
        "group_members_for_app" => app
            .group_members_for_app(c(), w.group, None)
            .await
            .map(drop),
        // An EVE login that does not exist: an allowed caller is answered "not found".
        "login_characters_for_app" => app.login_characters_for_app(c(), NO_LOGIN).await.map(drop),
        "login_token_holders_for_app" => app
            .login_token_holders_for_app(c(), NO_LOGIN)
            .await
            .map(drop),
        "access_token_for_app" => app
            .access_token_for_app(c(), w.target_character, NO_LOGIN)
            .await
            .map(drop),
        "main_character_for_app" => app
            .main_character_for_app(c(), w.target_character)
            .await
            .map(drop),
        "player_for_app" => app.player_for_app(c(), w.target_character).await.map(drop),
        "players_for_app" => app
            .players_for_app(c(), &[w.target_character])
            .await
            .map(drop),
        "account_characters_for_app" => app
            .account_characters_for_app(c(), w.target_character)
            .await
            .map(drop),
        "accounts_characters_for_app" => app
            .accounts_characters_for_app(c(), &[w.target_character])
            .await
            .map(drop),
        "character_list_for_app" => app
            .character_list_for_app(c(), &[w.target_character])
            .await
            .map(drop),
        "player_characters_for_app" => app.player_characters_for_app(c(), w.target).await.map(drop),
        "player_with_characters_for_app" => app
            .player_with_characters_for_app(c(), w.target_character)
            .await
            .map(drop),
        "removed_characters_for_app" => app
            .removed_characters_for_app(c(), w.target_character)
            .await
            .map(drop),
        "incoming_characters_for_app" => app
            .incoming_characters_for_app(c(), w.target_character)
            .await
            .map(drop),
        "corporation_players_for_app" => app
            .corporation_players_for_app(c(), CORPORATION)
            .await
            .map(drop),
        "corporation_characters_for_app" => app
            .corporation_characters_for_app(c(), CORPORATION)
            .await
            .map(drop),
        "member_tracking_for_app" => app
            .member_tracking_for_app(
                c(),
                CORPORATION,
                &jumpgate_domain::tracking::AppMemberFilter::default(),
            )
            .await
            .map(drop),
        // An application that does not exist: an allowed caller is answered "not found".
        "create_app" => app.create_app(c(), "Matrix app").await.map(drop),
        "rename_app" => app.rename_app(c(), NO_APP, "Renamed").await.map(drop),
        "delete_app" => app.delete_app(c(), NO_APP).await.map(drop),
        "set_app_roles" => app.set_app_roles(c(), NO_APP, &[]).await.map(drop),
        "set_app_groups" => app.set_app_groups(c(), NO_APP, &[]).await.map(drop),
        "set_app_eve_logins" => app.set_app_eve_logins(c(), NO_APP, &[]).await.map(drop),
        "add_app_manager" => app
            .add_app_manager(c(), NO_APP, &w.target_character.to_string())
            .await
            .map(drop),
        "remove_app_manager" => app
            .remove_app_manager(c(), NO_APP, w.target)
            .await
            .map(drop),
        "grant_app" => app
            .grant_app(c(), NO_APP, &crate::apps::AppGrant::default())
            .await
            .map(drop),
        "apps_overview" => app.apps_overview(c()).await.map(drop),
        "app_details" => app.app_details(c(), NO_APP, app.now()).await.map(drop),
        "make_app_secret" => app.make_app_secret(c(), NO_APP).await.map(drop),
        "set_app_webhook" => app
            .set_app_webhook(c(), NO_APP, "https://127.0.0.1/hook", true)
            .await
            .map(drop),
        "clear_app_webhook" => app.clear_app_webhook(c(), NO_APP).await.map(drop),
        "make_app_webhook_secret" => app.make_app_webhook_secret(c(), NO_APP).await.map(drop),
        "app_webhook_overview" => app.app_webhook_overview(c(), NO_APP).await.map(drop),
        "retry_app_webhook_delivery" => app
            .retry_app_webhook_delivery(c(), NO_APP, 1)
            .await
            .map(drop),
        "send_app_webhook_test" => app.send_app_webhook_test(c(), NO_APP).await.map(drop),
        "scan_app_webhooks" => app.scan_app_webhooks(c()).await.map(drop),
        "deliver_app_webhook" => app.deliver_app_webhook(c(), NO_APP).await.map(drop),
        _ => return None,
    };
    Some(r)
}

/// An EVE login Jumpgate does not define.
const NO_LOGIN: &str = "matrix.none";

/// An application that does not exist.
const NO_APP: jumpgate_domain::AppId = jumpgate_domain::AppId(999_999);

/// Runs every row for every kind of caller and collects what differs from the rules.
async fn run_matrix(db: TestStore) {
    let w = World::new(db).await;
    let mut wrong = Vec::new();
    for (name, rule) in ROWS {
        for kind in Kind::ALL {
            let Some(expected) = allowed(*rule, kind) else {
                continue;
            };
            let caller = w.callers.get(&kind);
            let Some(result) = call(name, &w, caller).await else {
                wrong.push(format!("{name}: `call` has no arm for it"));
                break;
            };
            let refused = matches!(result, Err(AppError::Forbidden(_)));
            if refused == expected {
                wrong.push(format!(
                    "{name} as {kind:?}: expected {}, got {result:?}",
                    if expected { "allowed" } else { "forbidden" }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the permission matrix does not hold:\n  {}",
        wrong.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_use_case_refuses_exactly_the_callers_its_rule_refuses_on_sqlite() {
    run_matrix(fresh_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_use_case_refuses_exactly_the_callers_its_rule_refuses_on_postgres() {
    run_matrix(fresh_postgres().await).await;
}

/// Every `pub fn` / `pub async fn` written directly inside an `impl App {` block of this crate
/// (rustfmt puts the block's braces in column 0 and methods at four spaces).
fn public_methods_of_app() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut names = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        let mut in_app = false;
        for line in text.lines() {
            if line.starts_with("impl App {") {
                in_app = true;
            } else if in_app && line.starts_with('}') {
                in_app = false;
            } else if in_app {
                let rest = line
                    .strip_prefix("    pub async fn ")
                    .or_else(|| line.strip_prefix("    pub fn "));
                if let Some(rest) = rest {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn every_public_method_of_app_has_a_row() {
    let found = public_methods_of_app();
    assert!(
        found.len() > 50,
        "the source scan found only {found:?}: did the layout of impl App blocks change?"
    );
    for (name, rule) in ROWS {
        if let Rule::NotAUseCase(why) = rule {
            assert!(!why.is_empty(), "{name}: say why it is not a use case");
        }
    }
    let rows: BTreeSet<String> = ROWS.iter().map(|(n, _)| (*n).to_owned()).collect();
    let missing: Vec<&String> = found.difference(&rows).collect();
    assert!(
        missing.is_empty(),
        "these public methods of App have no row in the permission matrix \
         (crates/app/src/permission_matrix.rs): add each to ROWS with the rule it checks, and an \
         arm to `call`: {missing:?}"
    );
    let stale: Vec<&String> = rows.difference(&found).collect();
    assert!(
        stale.is_empty(),
        "ROWS names methods App no longer has: {stale:?}"
    );
}

/// The newest ten audit entries.
fn ten_entries() -> AuditFilter {
    AuditFilter {
        limit: 10,
        ..AuditFilter::default()
    }
}
