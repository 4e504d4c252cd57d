//! Integration tests of trace-core: one binary (see Cargo.toml `autotests = false`).

#![allow(unreachable_pub, missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod architecture;
mod audit;
mod blocks;
mod bundle;
mod common;
mod cost;
mod crash;
mod demo;
mod export;
mod golden;
mod ledger;
mod lineage;
mod merkle;
mod model;
mod notes;
mod order;
mod payload;
mod scenarios;
mod tiles;
mod witness;
