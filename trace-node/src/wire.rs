//! The JSON shapes of the HTTP API. Core types convert to and from these explicitly here, at the edge; the
//! CLI's client uses these same types. Field names are stable: scripts depend on them (see `docs/api.md`).

use base64::Engine;
use serde::{Deserialize, Serialize};
use trace_core::{
    Actor, Appended, BatchId, BatchState, Event, LogEntry, PublicKey, Record, RecordBody, RecordId, Signature, Status,
    Summary,
};

/// A signed record as submitted: either the JSON body and its signature, or the canonical bytes in base64.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRecord {
    /// The body (JSON form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<RecordBody>,
    /// The signature over the canonical signed bytes of `body`, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    /// Alternatively: the canonical record bytes (body then signature), base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoded: Option<String>,
}

impl WireRecord {
    /// The JSON form of a record.
    pub fn from_record(r: &Record) -> WireRecord {
        WireRecord { body: Some(r.body().clone()), signature: Some(*r.signature()), encoded: None }
    }

    /// The base64 form of a record.
    pub fn encoded(r: &Record) -> WireRecord {
        WireRecord {
            body: None,
            signature: None,
            encoded: Some(base64::engine::general_purpose::STANDARD.encode(r.encoded())),
        }
    }

    /// The record, or why it is not one.
    pub fn into_record(self) -> Result<Record, String> {
        match (self.body, self.signature, self.encoded) {
            (Some(body), Some(sig), None) => Ok(Record::from_parts(body, sig)),
            (None, None, Some(b64)) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| format!("encoded is not base64: {e}"))?;
                Record::decode(&bytes).map_err(|e| format!("encoded is not a canonical record: {e}"))
            }
            _ => Err("a record is either {\"body\", \"signature\"} or {\"encoded\"}".into()),
        }
    }
}

/// Bulk submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkSubmit {
    /// Records, appended in order.
    pub records: Vec<WireRecord>,
}

/// The answer to an accepted (or duplicate) record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitOk {
    /// Entry index.
    pub index: u64,
    /// Record id.
    pub id: RecordId,
    /// Acceptance time, unix ms.
    pub accepted: u64,
    /// True if it was already in the log.
    pub duplicate: bool,
    /// Batches or lots it created.
    pub created: Vec<BatchId>,
    /// Log size after the append.
    pub tree_size: u64,
}

impl SubmitOk {
    /// From the ledger's outcome.
    pub fn from_appended(a: &Appended, tree_size: u64) -> SubmitOk {
        SubmitOk {
            index: a.index,
            id: a.id,
            accepted: a.accepted.0,
            duplicate: a.duplicate,
            created: a.created.clone(),
            tree_size,
        }
    }
}

/// One result of a bulk submission.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BulkResult {
    /// Accepted or duplicate.
    Ok(SubmitOk),
    /// Refused.
    Err {
        /// `{"code","message"}`.
        error: ErrorBody,
    },
}

/// The inside of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
}

/// An error answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// The error.
    pub error: ErrorBody,
}

/// Bulk answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BulkResponse {
    /// One per submitted record, in order.
    pub results: Vec<BulkResult>,
    /// Log size after the call.
    pub tree_size: u64,
}

/// A log entry, for people and scripts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntryView {
    /// Entry index.
    pub index: u64,
    /// Record id.
    pub id: RecordId,
    /// Acceptance time.
    pub accepted: u64,
    /// Event kind.
    pub kind: String,
    /// Author key.
    pub author: PublicKey,
    /// Author name, when admitted.
    pub author_name: String,
    /// Claimed time.
    pub time: u64,
    /// Parents.
    pub parents: Vec<RecordId>,
    /// The event.
    pub event: Event,
    /// The signature.
    pub signature: Signature,
}

impl EntryView {
    /// From a log entry and its author's name.
    pub fn new(e: &LogEntry, author_name: String) -> EntryView {
        let b = e.record.body();
        EntryView {
            index: e.index,
            id: e.record.id(),
            accepted: e.accepted.0,
            kind: b.event.kind().to_owned(),
            author: b.author,
            author_name,
            time: b.time.0,
            parents: b.parents.clone(),
            event: b.event.clone(),
            signature: *e.record.signature(),
        }
    }

    /// The record again, for re-verification.
    pub fn record(&self, origin: &trace_core::Origin) -> Record {
        Record::from_parts(
            RecordBody {
                origin: origin.clone(),
                author: self.author,
                time: trace_core::Time(self.time),
                parents: self.parents.clone(),
                event: self.event.clone(),
            },
            self.signature,
        )
    }
}

/// A row of the batch listing: `trace batches --json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchRow {
    /// Id.
    pub id: BatchId,
    /// Product or input name.
    pub product: String,
    /// Status.
    pub status: Status,
    /// Main holder's name (the one holding most), empty when nobody holds any.
    pub holder: String,
    /// Whether this is an input lot.
    pub input_lot: bool,
}

/// The full view of one batch: `trace show BATCH --json`.
#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    /// Derived state.
    pub state: BatchState,
    /// Status.
    pub status: Status,
    /// Provenance summary.
    pub summary: Summary,
    /// Every record on the batch.
    pub history: Vec<EntryView>,
}

/// One batch reached by a lineage walk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineageRow {
    /// Id.
    pub id: BatchId,
    /// Edges from the start.
    pub depth: u32,
    /// Description.
    pub label: String,
    /// Status.
    pub status: Status,
    /// Whether this is an input lot.
    pub input_lot: bool,
    /// Holders and quantities, as "name: quantity".
    pub holders: Vec<String>,
}

/// A lineage answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineageResponse {
    /// Start batch.
    pub start: BatchId,
    /// "back" or "forward".
    pub direction: String,
    /// Reached batches, breadth-first.
    pub reached: Vec<LineageRow>,
}

/// An actor, for listings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActorView {
    /// Key.
    pub key: PublicKey,
    /// Name.
    pub name: String,
    /// Roles.
    pub roles: Vec<trace_core::Role>,
    /// Registration.
    pub registration: String,
    /// Location.
    pub location: String,
    /// Active (not revoked or rotated).
    pub active: bool,
}

impl From<&Actor> for ActorView {
    fn from(a: &Actor) -> ActorView {
        ActorView {
            key: a.key,
            name: a.name.clone(),
            roles: a.roles.clone(),
            registration: a.registration.clone(),
            location: a.location.clone(),
            active: a.active(),
        }
    }
}

/// `/healthz`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Health {
    /// "ok".
    pub status: String,
    /// Origin.
    pub origin: String,
    /// Log size.
    pub tree_size: u64,
}

/// `POST /v1/checkpoint/cosignatures`: a witness's cosignature of a checkpoint the node signed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CosignatureSubmit {
    /// The checkpoint note the witness cosigned, as the node served it.
    pub note: String,
    /// The witness's verifier key, `name+hex(keyID)+base64(0x04‖key)`.
    pub witness_key: String,
    /// The cosignature line, `— <name> base64(keyID‖timestamp‖signature)`.
    pub cosignature: String,
}

/// The answer to an accepted cosignature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CosignatureAccepted {
    /// The size of the checkpoint cosigned.
    pub tree_size: u64,
    /// How many witnesses have cosigned it.
    pub witnesses: usize,
}

/// `GET /v1/proof/inclusion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// Entry index.
    pub index: u64,
    /// The record id, when the proof was asked for by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<RecordId>,
    /// The tree size the proof is for.
    pub tree_size: u64,
    /// The entry's leaf hash, base64.
    pub leaf_hash: String,
    /// RFC 9162 inclusion proof, leaf side first, base64 hashes.
    pub proof: Vec<String>,
}

/// `GET /v1/proof/consistency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The smaller tree size.
    pub old: u64,
    /// The larger tree size.
    pub new: u64,
    /// RFC 9162 consistency proof, base64 hashes (empty when `old` is 0 or equals `new`).
    pub proof: Vec<String>,
}

/// One entry's leaf data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryLeaf {
    /// Entry index.
    pub index: u64,
    /// The leaf data (what the Merkle leaf hashes), base64.
    pub leaf_data: String,
}

/// `GET /v1/entries`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntriesResponse {
    /// The first index asked for.
    pub from: u64,
    /// Entries from `from`, in order, at most the limit.
    pub entries: Vec<EntryLeaf>,
    /// The log's size when read.
    pub tree_size: u64,
}

/// `GET /v1/public/batches/{id}/proofs`: a proof file for every record the batch's summary rests on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchProofs {
    /// The batch.
    pub batch: BatchId,
    /// The signed checkpoint every proof is against.
    pub checkpoint: String,
    /// The log key that signed it.
    pub log_key: String,
    /// Its size.
    pub tree_size: u64,
    /// Proof files (`trace_core::inclusion_proof_file`), one per record, in log order.
    pub proofs: Vec<serde_json::Value>,
}
