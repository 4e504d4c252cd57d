//! End-to-end suites across crates: one binary.

#![allow(unreachable_pub, missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod bench;
mod browser;
mod crash;
mod fuzz_seeds;
mod hostile;
mod soak;
mod tamper;
