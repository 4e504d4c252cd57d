//! `trace-cli`: the `trace` command's library. `main.rs` only parses arguments and maps errors to exit
//! codes; everything else is here so tests can call it.
//!
//! The main pieces: [`cli::Cli`] (the command line), [`backend::Backend`] (a node over HTTP or a local ledger),
//! [`client::Client`] (the signing HTTP client), [`commands::run`].

pub mod backend;
pub mod cli;
pub mod client;
pub mod commands;
pub mod output;
mod show;
