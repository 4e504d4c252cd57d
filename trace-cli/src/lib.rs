//! `trace-cli`: the `trace` command's library. `main.rs` only parses arguments and maps errors to exit
//! codes; everything else is here so tests can call it.
//!
//! The main pieces: [`cli::Cli`] (the command line), `backend::Backend` (a node over HTTP or a local ledger),
//! [`client::Client`] (the signing HTTP client), [`commands::run`], and [`qr`]: QR labels for batches and
//! vet-drug packages (the terminal rendering, PNG and SVG labels with the human-readable caption, printable
//! sheets). The payload each code holds is [`trace_core::Payload`]'s, specified in `docs/qr.md`. The auditor's
//! commands (`export --bundle`, `verify`, `audit`, `witness`) are in `verify`, `trace scan` in `scan`.
//! Records for a node go through the signing key's `outbox`, so a retry after a lost answer cannot record
//! twice. Only what the binary and the tests use is public (`cli`, `client`, `commands`, `qr`,
//! [`WITNESS_LOG_KEY_FILE`]); the backend, the printing helpers, the outbox and the auditor's and scan commands
//! are crate-private.

mod backend;
pub mod cli;
pub mod client;
pub mod commands;
mod demo;
mod labels;
mod outbox;
mod output;
pub mod qr;
mod scan;
mod show;
mod verify;
pub use verify::WITNESS_LOG_KEY_FILE;
