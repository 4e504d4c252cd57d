//! `trace-core`: the domain model and ledger of `trace`, a farm-produce traceability ledger.
//!
//! The main types:
//! - [`Record`]: a [`RecordBody`] (origin, author, time, parents, [`Event`]) signed with ed25519; its
//!   [`RecordId`] is the SHA-256 of its canonical encoding ([`encoding`]).
//! - [`Ledger`]: the append-only log of records in a [`Store`] (sled by default), with a hash chain of
//!   [`LogEntry`]s, an RFC 6962 Merkle tree ([`merkle`]), the derived state of actors and batches, and the
//!   food-safety rules ([`rules`]) enforced at append.
//! - Typed values that parse: [`BatchId`], [`Gtin`], [`Lot`], [`VetDrugCode`], [`Quantity`], [`Origin`].
//!
//! **Invariant**: this crate does no network I/O and knows nothing of HTTP, HTML or terminals.

pub mod demo;
pub mod encoding;
pub mod epcis;
mod error;
mod event;
pub mod fsma;
mod ids;
mod keys;
mod ledger;
pub mod merkle;
mod query;
mod record;
pub mod rules;
mod schema;
mod state;
mod store;
mod values;

pub use error::{DecodeError, Error, ParseError, Refusal, Result, Rule, VerifyError};
pub use event::*;
pub use ids::{BatchId, EntryHash, RecordId};
pub use keys::{PublicKey, SecretKey, Signature};
pub use ledger::{Appended, Ledger, TAIL_CHECK, verify_stateless};
pub use query::{Direction, ImpactHolder, Reached, RecallImpact};
pub use record::{LogEntry, MAX_RECORD_BYTES, Record, RecordBody, sign_event};
pub use state::{Actor, BatchKind, BatchState, Block, BlockKind, Head, Holding, Status, Transit, Withdrawal};
pub use store::{Overlay, Pair, SledStore, Store, Writes, prefix_range};
pub use values::{
    DISPLAY_OFFSET_MS, Gtin, InputKind, Lot, Origin, ProductClass, Quantity, Role, Time, Unit, VetDrugCode,
};
