//! Integration tests of trace-node: one binary.

#![allow(unreachable_pub, missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api;
mod common;
mod errors;
mod log;
mod openapi;
mod scan;
mod socket;
