//! `trace-node`: the HTTP node of the trace ledger.
//!
//! The main types: [`Node`] (the ledger, log key, metrics and limits the handlers share), [`app`] (the axum
//! router: the `/v1` JSON API, the QR scan pages, `/healthz`, `/metrics`), [`ApiError`] (every error answer),
//! [`wire`] (the JSON shapes, also used by the CLI's client) and [`serve`] (binding, graceful shutdown).
//! The node is a thin shell: every rule and query lives in `trace-core`.

mod api;
pub mod auth;
mod error;
mod metrics;
pub mod scan;
mod serve;
pub mod wire;

pub use api::{AppState, Limits, Node, app, batch_rows, batch_view, lineage};
pub use error::{ApiError, rule_status};
pub use metrics::Metrics;
pub use serve::{ServeConfig, serve, shutdown_signal};
