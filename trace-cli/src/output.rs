//! Terminal output: colour only on a terminal and never under `NO_COLOR`, and a progress line on stderr that
//! stays off when stderr is not a terminal.

use std::io::{IsTerminal, Write};

/// Whether to colour stdout.
pub(crate) fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn paint(code: &str, s: &str) -> String {
    if colour() { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_owned() }
}

/// Green.
pub(crate) fn good(s: &str) -> String {
    paint("32", s)
}

/// Bold red.
pub(crate) fn bad(s: &str) -> String {
    paint("1;31", s)
}

/// Yellow.
pub(crate) fn warn(s: &str) -> String {
    paint("33", s)
}

/// Bold.
pub(crate) fn bold(s: &str) -> String {
    paint("1", s)
}

/// A progress line for long work, drawn on stderr only when it is a terminal.
#[derive(Debug)]
pub(crate) struct Progress {
    what: String,
    total: u64,
    done: u64,
    shown: u64,
    on: bool,
}

impl Progress {
    /// A progress line for `total` units of `what`.
    pub(crate) fn new(what: &str, total: u64) -> Progress {
        let on = std::io::stderr().is_terminal() && std::env::var_os("TRACE_NO_PROGRESS").is_none();
        Progress { what: what.to_owned(), total, done: 0, shown: 0, on }
    }

    /// Adds `n` units.
    pub(crate) fn inc(&mut self, n: u64) {
        self.done += n;
        if self.on && (self.done - self.shown > self.total / 100 || self.done == self.total) {
            self.shown = self.done;
            let pct = (self.done * 100).checked_div(self.total).unwrap_or(100);
            let filled = (pct / 4) as usize;
            eprint!(
                "\r{} [{}{}] {pct:3}% {}/{}",
                self.what,
                "#".repeat(filled),
                " ".repeat(25 - filled),
                self.done,
                self.total
            );
            let _ = std::io::stderr().flush();
        }
    }

    /// Clears the line.
    pub(crate) fn finish(&mut self) {
        if self.on {
            eprint!("\r{}\r", " ".repeat(self.what.len() + 60));
            let _ = std::io::stderr().flush();
        }
    }
}
