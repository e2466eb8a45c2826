//! The `jumpgate` binary's wiring: command line, configuration, and starting the parts.

pub mod admin_socket;
pub mod cli;
pub mod commands;
pub mod config;
pub mod server;
pub mod telemetry;
pub mod wiring;

// The allocator of every binary that links Jumpgate (the server, the examples, the tests) is
// set in `jumpgate_memory`, which this names so that it is linked.
use jumpgate_memory as _;

use cli::{
    AccountsCommand, AdminCommand, AuditCommand, Cli, Command, GroupsCommand, KeysCommand,
    RolesCommand, TokensCommand, TrackingCommand,
};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            server::serve(settings, server::Role::WebAndWorkers).await
        }
        Command::Worker => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            server::serve(settings, server::Role::WorkersOnly).await
        }
        Command::Demo(args) => commands::demo::run(args).await,
        Command::Evesim(args) => commands::evesim::run(args).await,
        Command::Migrate => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::migrate::run(&settings).await
        }
        Command::Admin(AdminCommand::GrantSuperuser { who }) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::admin::grant_superuser(&settings, &who).await
        }
        Command::Audit(AuditCommand::Verify) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::audit::verify(&settings).await
        }
        Command::Groups(GroupsCommand::Recompute { account }) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::groups::recompute(&settings, account).await
        }
        Command::Roles(RolesCommand::Grant { role, who }) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::admin::grant_role(&settings, &role, &who).await
        }
        Command::Roles(RolesCommand::Revoke { role, who }) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::admin::revoke_role(&settings, &role, &who).await
        }
        Command::Tracking(TrackingCommand::Update { corporation }) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::tracking::update(&settings, corporation).await
        }
        Command::Tokens(TokensCommand::Check { character }) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::admin::check_tokens(&settings, character).await
        }
        Command::Accounts(AccountsCommand::SendDeactivationMail) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::admin::send_deactivation_mail(&settings).await
        }
        Command::Apps(command) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::apps::run(&settings, command).await
        }
        Command::Keys(KeysCommand::Rotate { skip_undecryptable }) => {
            let settings = config::Settings::load(cli.config.as_deref())?;
            commands::keys::rotate(&settings, skip_undecryptable).await
        }
    }
}
