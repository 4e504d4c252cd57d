//! The `trace` command.

use clap::Parser;

/// Whether `e` is, or was caused by, writing to a pipe whose reader has gone.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .map(std::io::Error::kind)
            .or_else(|| c.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind))
            == Some(std::io::ErrorKind::BrokenPipe)
    })
}

fn main() {
    // `trace show X | head -1`: once the reader has gone there is nobody to tell, so a closed pipe ends the
    // program quietly with success, as ripgrep does. `println!` panics on it, and a panic hook is the one place
    // that panic can be told apart without replacing every print; every other panic keeps the default report.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        // The two writers that panic rather than return the error: `println!` and clap_complete's generator.
        let writing = msg.starts_with("failed printing to stdout") || msg.starts_with("failed to write completion");
        if writing && (msg.contains("Broken pipe") || msg.contains("BrokenPipe")) {
            std::process::exit(0);
        }
        default_hook(info)
    }));
    let cli = trace_cli::cli::Cli::parse();
    let json = cli.global.json;
    if let Err(e) = trace_cli::commands::run(cli) {
        if broken_pipe(&e) {
            return;
        }
        // With --json a refusal is also the node's error object on stdout, for scripts; the line goes to stderr
        // either way.
        if let Some(body) = json.then(|| trace_cli::commands::error_json(&e)).flatten() {
            println!("{body}");
        }
        eprintln!("{}", trace_cli::commands::describe(&e));
        std::process::exit(trace_cli::commands::exit_code(&e));
    }
}
