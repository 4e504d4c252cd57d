//! CLI tests: the real `trace` binary against a local ledger, and the QR labels it draws.

#![allow(unreachable_pub, missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod backends;
mod basics;
mod hygiene;
mod outbox;
mod outputs;
mod qr;
mod readme;
