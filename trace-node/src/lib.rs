//! `trace-node`: the HTTP node of the trace ledger.
//!
//! The main types: [`Node`] (the ledger, log key, metrics and limits the handlers share), [`app`] (the axum
//! router: the `/v1` JSON API, the QR scan pages, `/healthz`, `/metrics`), [`ApiError`] (every error answer),
//! [`wire`] (the JSON shapes, also used by the CLI's client), [`Checkpoints`] (the latest signed checkpoint and
//! witness cosignatures, behind the log endpoints: proofs, entries, tiles, the streamed audit bundle) and
//! [`serve`] (binding, the periodic checkpoint task, graceful shutdown).
//! The node is a thin shell: every rule and query lives in `trace-core`.

mod api;
pub mod auth;
mod cache;
mod error;
pub mod exports;
mod log;
mod metrics;
mod personal;
pub mod scan;
mod serve;
pub mod wire;

pub use api::{AppState, Limits, Node, app};
pub use error::{ApiError, AuthFailure, INTERNAL_MESSAGE, class_status};
pub use log::{CHECKPOINT_INTERVAL, Checkpoints, MAX_ENTRIES_PER_CALL, SignedHead};
pub use metrics::Metrics;
pub use serve::{serve, shutdown_signal};
