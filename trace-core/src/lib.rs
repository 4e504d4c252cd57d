//! `trace-core`: the domain model and ledger of `trace`, a farm-produce traceability ledger.
//!
//! The main types:
//! - [`Record`]: a [`RecordBody`] (origin, author, time, parents, [`Event`]) signed with ed25519; its
//!   [`RecordId`] is the SHA-256 of its canonical encoding ([`encoding`]).
//! - [`Ledger`]: the append-only log of records in a [`Store`] ([`SledStore`] by default; readers get only
//!   its [`ReadStore`] side), with a hash chain of [`LogEntry`]s, an RFC 6962 Merkle tree ([`merkle`]), the
//!   derived state of actors and batches, and the food-safety rules ([`rules`]) enforced at append.
//! - Typed values that parse: [`BatchId`], [`Gtin`], [`Lot`], [`VetDrugCode`], [`Quantity`], [`Origin`].
//! - The verifiable log: [`Checkpoint`]s as C2SP signed [`Note`]s under a [`VerifierKey`]; [`Witness`] and
//!   [`Cosigner`] for `cosignature/v1` cosignatures and [`detect_fork`] for split views; [`Tile`]s for static
//!   mirrors (C2SP tlog-tiles); audit bundles ([`write_bundle`], [`verify_bundle`]) and per-record proof files
//!   ([`inclusion_proof_file`], [`verify_proof_file`]) that an auditor checks offline; [`Auditor`], which follows
//!   a live log checkpoint by checkpoint with O(log n) Merkle state. See `docs/formats.md` and
//!   `docs/threat-model.md`.
//!
//! **Invariant**: this crate does no network I/O and knows nothing of HTTP, HTML or terminals.

mod access;
mod audit;
mod bundle;
mod checkpoint;
mod clock;
mod datadir;
pub mod demo;
pub mod encoding;
pub mod epcis;
mod error;
mod event;
mod facts;
pub mod fsma;
mod ids;
mod keys;
mod ledger;
mod macros;
pub mod merkle;
mod note;
mod parallel;
mod payload;
pub mod privacy;
mod query;
mod record;
pub mod registry;
pub mod rules;
mod schema;
mod shared;
mod sled_store;
mod state;
mod store;
mod summary;
mod tiles;
mod values;
pub mod vault;
mod views;
mod witness;

pub use access::named_parties;
pub use audit::{AUDIT_IDS_FILE, AUDIT_STATE_FILE, AuditError, AuditReport, Auditor, Pending};
pub use bundle::{
    BundleError, BundleReport, EntryFault, MAX_BUNDLE_LINE, ProofFileError, Trust, TrustError, VerifiedProof,
    VerifiedWithheld, inclusion_proof_file, verify_bundle, verify_proof_file, verify_withheld_proof,
    withheld_proof_file, write_bundle,
};
pub use checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
pub use clock::{Clock, StoryClock};
pub use datadir::{DataDir, LedgerConfig, genesis_records, read_key_file, write_key_file};
pub use error::{DecodeError, Error, ErrorClass, ParseError, Refusal, Result, Rule, VerifyError};
pub use event::*;
pub use facts::{Action, BatchHead, Facts, Interval, Side, Take};
pub use ids::{BatchId, EntryHash, RecordId};
pub use keys::{PublicKey, SecretKey, Signature};
pub use ledger::{Appended, Ledger, TAIL_CHECK, verify_stateless};
pub use note::{
    MAX_NOTE_BYTES, MAX_NOTE_SIGNATURES, Note, NoteError, NoteKeyType, NoteSignature, NoteSigner, VerifiedSignature,
    VerifierKey,
};
pub use payload::{MAX_PAYLOAD_LEN, Payload, PayloadError};
pub use query::{AtRisk, AtRiskLot, Direction, ImpactHolder, Reached, RecallImpact};
pub use record::{Extension, LogEntry, MAX_RECORD_BYTES, Record, RecordBody, claimed_order, sign_event};
pub use schema::{batch_key, entry_key};
pub use shared::{
    CertRef, ContentHash, Department, ExternalCert, Licence, LicenceKind, Measurement, OutsideParty, PERSONAL_TAG,
    Party, Periods, Personal,
};
pub use sled_store::SledStore;
pub use state::{Actor, BatchKind, BatchState, Block, BlockKind, Head, Holding, Status, Transit, Withdrawal};
pub use store::{CountingStore, Pair, ReadStore, Reads, Store, Writes};
pub use summary::{
    CertificateView, CorrectionView, CustodyView, HolderView, InputView, InspectionView, OriginView, Summary,
    WarningView,
};
pub use tiles::{
    MAX_TILE_LEVEL, TILE_HEIGHT, TILE_WIDTH, Tile, TileError, TileKind, read_entry_bundle, read_hash_tile, read_tile,
    tiles, write_tiles,
};
pub use values::{
    DISPLAY_OFFSET_MS, Gtin, HANDLE_MAX, Handle, InputKind, Lot, Origin, ProductClass, Quantity, Role, Time,
    TimePrecision, Unit, VetDrugCode, format_milli,
};
pub use views::{ActorView, AtRiskView, BatchRow, BatchView, EntryView, LineageRow, LineageView};
pub use witness::{
    AddCheckpoint, Cosigner, Fork, ForkKind, MAX_WITNESS_PROOF_LINES, WITNESS_STATE_FILE, Witness, WitnessError,
    Witnessed, detect_fork,
};
