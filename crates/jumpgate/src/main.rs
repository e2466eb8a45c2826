//! The `jumpgate` command. All the work happens in the library crates; this only parses the
//! command line and hands over.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = jumpgate::cli::Cli::parse();
    jumpgate::telemetry::init(cli.log_json);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Each worker gives back what it freed when it runs out of work: mimalloc collects only
        // the calling thread's heap (crates/memory).
        .on_thread_park(jumpgate_memory::give_back_when_idle)
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(jumpgate::run(cli)),
        Err(e) => Err(anyhow::Error::new(e).context("could not start the async runtime")),
    };
    match result {
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
