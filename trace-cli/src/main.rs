//! The `trace` command.

use clap::Parser;

fn main() {
    let cli = trace_cli::cli::Cli::parse();
    if let Err(e) = trace_cli::commands::run(cli) {
        eprintln!("{}", trace_cli::commands::describe(&e));
        std::process::exit(trace_cli::commands::exit_code(&e));
    }
}
