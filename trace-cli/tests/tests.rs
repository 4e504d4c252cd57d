//! Integration tests of trace-cli: one binary (see Cargo.toml `autotests = false`).

#![allow(unreachable_pub, missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod qr;
