//! The command line.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "jumpgate", version, about = "EVE Online alliance auth and standings, in one binary", long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). Every setting can also come from the environment, e.g.
    /// JUMPGATE__EVE__CLIENT_SECRET for eve.client_secret.
    #[arg(long, short, global = true, env = "JUMPGATE_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log as JSON lines (for log collectors) instead of human-readable text.
    #[arg(long, global = true, env = "JUMPGATE_LOG_JSON")]
    pub log_json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server and the background workers in one process.
    Serve,
    /// Run only the background workers (to scale out on PostgreSQL).
    Worker,
    /// Run an offline demo: Jumpgate plus a simulated EVE (SSO and ESI) on this machine.
    Demo(DemoArgs),
    /// Run the EVE simulator alone.
    Evesim(EvesimArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Administrative tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Audit log tasks.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Token encryption keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Groups.
    #[command(subcommand)]
    Groups(GroupsCommand),
    /// Leadership roles (also while Jumpgate runs).
    #[command(subcommand)]
    Roles(RolesCommand),
    /// Corporation member tracking.
    #[command(subcommand)]
    Tracking(TrackingCommand),
    /// ESI tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Applications that call the application API (also while Jumpgate runs).
    #[command(subcommand)]
    Apps(AppsCommand),
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Create an application (no roles, groups, EVE logins or secret yet) and print its id.
    Create { name: String },
    /// List every application with its roles, groups and EVE logins.
    List,
    /// Make a new secret for an application and print it: it is shown this once, and the old
    /// secret stops working.
    Secret { id: i64 },
    /// Give an application roles (app-groups, app-chars, app-tracking, app-esi-login,
    /// app-esi-proxy, app-esi-token), groups (id or exact name) and EVE logins, keeping what it
    /// has.
    Grant {
        id: i64,
        #[arg(long = "role")]
        roles: Vec<String>,
        #[arg(long = "group")]
        groups: Vec<String>,
        #[arg(long = "login")]
        logins: Vec<String>,
    },
    /// Set an application's webhook URL (turned on; the first time a signing secret is made
    /// and printed once), turn it off with --off, or remove it with --clear. The URL must be
    /// https:// to a public address (see `[apps] webhook_allow_private`).
    Webhook {
        id: i64,
        /// The receiver's URL (not with --clear).
        #[arg(required_unless_present = "clear", conflicts_with = "clear")]
        url: Option<String>,
        /// Remove the webhook (deliveries still waiting are marked failed).
        #[arg(long)]
        clear: bool,
        /// Keep the webhook but send nothing.
        #[arg(long, conflicts_with = "clear")]
        off: bool,
    },
    /// Make a new signing secret for an application's webhook and print it: it is shown this
    /// once, and deliveries are signed with it from now on.
    WebhookSecret { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// Give a role to the account of a character (it must have logged in once). ROLE is
    /// administrator, head_fc, general_fc, division_head_fc:ID, division_fc:ID or specialty:ID
    /// (ids as on /admin/roles). A unique role held by someone else moves. CEO and Director
    /// follow EVE and cannot be given.
    Grant {
        role: String,
        /// Character id or exact character name.
        who: String,
    },
    /// Take a role from the account of a character.
    Revoke {
        role: String,
        /// Character id or exact character name.
        who: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrackingCommand {
    /// Read the members of every tracked corporation from EVE now, or of one, with a Director's
    /// tracking token, and say what changed. The update job does the same every hour.
    Update {
        /// Only this corporation (its EVE id).
        #[arg(long)]
        corporation: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Check the tokens that are due now (refresh them at EVE's login, as the periodic
    /// check-tokens job does), or every token of one character, then judge deactivation
    /// ([deactivation]) on what was found. Only EVE saying a token is dead (invalid_grant)
    /// counts: an outage changes nothing.
    Check {
        /// Only this character (its id), whatever its tokens' expiry.
        #[arg(long)]
        character: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Send the deactivation mails that are due now: one per episode of a bad login token, to
    /// the account (by email when its address is verified, and as a notice on its page).
    SendDeactivationMail,
}

#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// Apply the states and every group's rules (default group, corporations and alliances,
    /// required and forbidden groups) to every account now, or to one, and say what changed.
    /// The affiliation sweep does the same on its schedule.
    Recompute {
        /// Only this account (its id, as on its admin page).
        #[arg(long)]
        account: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make the account of a character superuser. The character must have logged in once.
    GrantSuperuser {
        /// Character id or exact character name.
        who: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's keyed hash chain: finds any edited, inserted or deleted entry, and
    /// (against the anchor the last check left in the data directory) a cut-off tail; then
    /// anchor the chain anew.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Re-encrypt every stored token with the primary token key, while Jumpgate runs. With
    /// configured keys (secrets.token_keys), first add the new key beside the old one on every
    /// instance and make it secrets.primary_key; remove the old one once this reports that no
    /// token is sealed with it. With keys.json, a new key is made primary first and the old one
    /// retired at the end.
    Rotate {
        /// Mark tokens that no key opens (damaged or changed outside Jumpgate) invalid, so that
        /// their owners log in again, instead of only listing them. Audited.
        #[arg(long)]
        skip_undecryptable: bool,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where Jumpgate listens.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Where the EVE simulator listens.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub sim_listen: std::net::SocketAddr,
    /// The demo's data directory; its database is reset at every start because the simulator
    /// forgets its tokens when it stops.
    #[arg(long, default_value = "data/demo")]
    pub data_dir: PathBuf,
    /// Seed of the simulated universe.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Allow listening on an address other machines reach. In the demo anyone who can open the
    /// page logs in as any simulated character, and the first login becomes superuser.
    #[arg(long)]
    pub public: bool,
}

#[derive(Debug, Args)]
pub struct EvesimArgs {
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: std::net::SocketAddr,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Register an SSO application: client id.
    #[arg(long, default_value = "jumpgate-demo")]
    pub client_id: String,
    /// Register an SSO application: client secret.
    #[arg(long, default_value = "jumpgate-demo-secret")]
    pub client_secret: String,
    /// Register an SSO application: callback URL.
    #[arg(long, default_value = "http://127.0.0.1:8080/sso/callback")]
    pub callback_url: String,
    /// Register an SSO application: the scopes it may ask for, space-separated (as at CCP, a
    /// login asking for any other is refused). Default: the scopes Jumpgate asks for without
    /// `standings.state_scopes`.
    #[arg(long)]
    pub scopes: Option<String>,
}
