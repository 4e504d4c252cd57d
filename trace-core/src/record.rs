//! Signed records: [`RecordBody`], [`Record`] and the log's [`LogEntry`].

use crate::encoding;
use crate::error::{DecodeError, VerifyError};
use crate::event::Event;
use crate::ids::{EntryHash, RecordId};
use crate::keys::{PublicKey, SecretKey, Signature};
use crate::values::{Origin, Time, TimePrecision};

/// Largest encoded record accepted, in bytes. Chosen so that a whole log entry (the record plus 48 bytes)
/// fits the 16-bit length prefix of a C2SP tlog-tiles entry bundle.
pub const MAX_RECORD_BYTES: usize = 60 * 1024;

/// The signed part of a record.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// The ledger this record is for.
    pub origin: Origin,
    /// The signing actor.
    pub author: PublicKey,
    /// Claimed event time.
    pub time: Time,
    /// How precisely `time` is known (JSON: absent means minute).
    #[serde(default)]
    pub precision: TimePrecision,
    /// Records this one builds on: the current heads of every batch it acts on.
    pub parents: Vec<RecordId>,
    /// What happened.
    pub event: Event,
    /// Fields appended after version 2, as tagged values in increasing tag order (JSON: absent means none).
    /// No tag is defined yet, so a ledger refuses any (`docs/formats.md`, "Extensions").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
}

/// A field appended to the record format after version 2: a registered tag and the canonical encoding of the
/// value registered for it. How a field is added without a version 3 (`docs/format-v2.md`, section 2).
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    /// The registered tag.
    pub tag: u32,
    /// The value's canonical encoding.
    pub value: Vec<u8>,
}

impl RecordBody {
    /// Canonical encoding of the body.
    pub fn encode(&self) -> Vec<u8> {
        encoding::encode(self)
    }
}

/// A body with its author's signature. Immutable; keeps its canonical bytes and id alongside.
///
/// Encoding: the canonical body encoding followed by the 64 signature bytes.
/// Id: SHA-256 of that encoding.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
    body: RecordBody,
    signature: Signature,
    encoded: Vec<u8>,
    body_len: usize,
    id: RecordId,
}

impl std::fmt::Debug for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record").field("id", &self.id).field("body", &self.body).finish()
    }
}

impl Record {
    /// Signs `body` with `key`. The body's author must be `key`'s public key for the record to verify.
    pub fn sign(body: RecordBody, key: &SecretKey) -> Record {
        let body_bytes = body.encode();
        let signature = key.sign(&encoding::signed_bytes(&body_bytes));
        Record::assemble(body, body_bytes, signature)
    }

    /// Joins a body and a signature that was made elsewhere (a client's JSON submission).
    pub fn from_parts(body: RecordBody, signature: Signature) -> Record {
        let body_bytes = body.encode();
        Record::assemble(body, body_bytes, signature)
    }

    fn assemble(body: RecordBody, mut encoded: Vec<u8>, signature: Signature) -> Record {
        let body_len = encoded.len();
        encoded.extend_from_slice(&signature.0);
        let id = RecordId(encoding::sha256(&encoded));
        Record { body, signature, encoded, body_len, id }
    }

    /// Decodes the canonical record encoding. Does not check the signature.
    pub fn decode(bytes: &[u8]) -> Result<Record, DecodeError> {
        if bytes.len() > MAX_RECORD_BYTES {
            return Err(DecodeError::TooLarge { len: bytes.len(), limit: MAX_RECORD_BYTES });
        }
        if bytes.len() < 64 {
            return Err(DecodeError::Malformed("shorter than a signature".into()));
        }
        let (body_bytes, sig) = bytes.split_at(bytes.len() - 64);
        let body: RecordBody = encoding::decode(body_bytes)?;
        let mut s = [0u8; 64];
        s.copy_from_slice(sig);
        Ok(Record::assemble(body, body_bytes.to_vec(), Signature(s)))
    }

    /// The body.
    pub fn body(&self) -> &RecordBody {
        &self.body
    }

    /// The signature.
    pub fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The id.
    pub fn id(&self) -> RecordId {
        self.id
    }

    /// The canonical encoding: body then signature.
    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }

    /// The canonical body encoding.
    pub fn body_bytes(&self) -> &[u8] {
        &self.encoded[..self.body_len]
    }

    /// The bytes the author signed.
    pub fn signed_bytes(&self) -> Vec<u8> {
        encoding::signed_bytes(self.body_bytes())
    }

    /// Checks the signature with the strict ed25519 rules.
    pub fn verify_signature(&self) -> Result<(), VerifyError> {
        self.body.author.verify_strict(&self.signed_bytes(), &self.signature)
    }
}

impl bincode::Encode for Record {
    fn encode<E: bincode::enc::Encoder>(&self, e: &mut E) -> Result<(), bincode::error::EncodeError> {
        bincode::Encode::encode(&self.body, e)?;
        bincode::Encode::encode(&self.signature, e)
    }
}

impl<C> bincode::Decode<C> for Record {
    fn decode<D: bincode::de::Decoder<Context = C>>(d: &mut D) -> Result<Self, bincode::error::DecodeError> {
        let body: RecordBody = bincode::Decode::decode(d)?;
        let signature: Signature = bincode::Decode::decode(d)?;
        Ok(Record::from_parts(body, signature))
    }
}
bincode::impl_borrow_decode!(Record);

/// One entry of the log. Its canonical encoding is the Merkle *leaf data*; the leaf hash of an entry is its
/// [`EntryHash`], and each entry names the previous one's, so the entries form a hash chain as well as a tree.
#[derive(Clone, PartialEq, Eq, Debug, bincode::Encode, bincode::Decode)]
pub struct LogEntry {
    /// Position in the log, from 0.
    pub index: u64,
    /// When the node accepted it; never decreases along the log.
    pub accepted: Time,
    /// Hash of the previous entry ([`EntryHash::ZERO`] for the first).
    pub prev: EntryHash,
    /// The record.
    pub record: Record,
}

impl LogEntry {
    /// Whether it was accepted more than [`crate::rules::LATE_ENTRY_MS`] after its claimed time: a late entry
    /// (补录), marked as such wherever it is shown in claimed-time order.
    pub fn is_late(&self) -> bool {
        let body = self.record.body();
        crate::rules::is_late(&body.event, body.time, body.precision, self.accepted)
    }

    /// The leaf data: the canonical encoding of the entry.
    pub fn leaf_data(&self) -> Vec<u8> {
        encoding::encode(self)
    }

    /// Decodes leaf data.
    pub fn decode(leaf_data: &[u8]) -> Result<LogEntry, DecodeError> {
        encoding::decode(leaf_data)
    }

    /// The entry hash of leaf data: its RFC 6962 leaf hash.
    pub fn hash_of(leaf_data: &[u8]) -> EntryHash {
        EntryHash(encoding::leaf_hash(leaf_data))
    }
}

/// Builds and signs a record body in one step: the usual way clients make records.
pub fn sign_event(key: &SecretKey, origin: &Origin, time: Time, parents: Vec<RecordId>, event: Event) -> Record {
    let body = RecordBody {
        origin: origin.clone(),
        author: key.public(),
        time,
        precision: TimePrecision::Minute,
        parents,
        event,
        extensions: Vec::new(),
    };
    Record::sign(body, key)
}

/// Sorts entries into **claimed-time order**, the order every view for people uses (histories, the public summary
/// and scan page, EPCIS and FSMA exports): by claimed time, and by log index among equal times. The log and each
/// batch's hash chain stay in log order; a late entry keeps its place by claimed time and is marked
/// ([`LogEntry::is_late`]).
pub fn claimed_order(entries: &mut [LogEntry]) {
    entries.sort_by_key(|e| (e.record.body().time, e.index));
}
