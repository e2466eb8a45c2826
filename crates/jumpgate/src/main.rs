//! The `jumpgate` command. All the work happens in the library crates; this only parses the
//! command line and hands over.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = jumpgate::cli::Cli::parse();
    jumpgate::telemetry::init(cli.log_json);
    match jumpgate::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the whole chain of causes on one line, e.g. the setting that is wrong.
            tracing::error!("{e:#}");
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {e:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}
