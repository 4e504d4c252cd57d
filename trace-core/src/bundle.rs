//! Audit bundles and proof files: the log as bytes an auditor can check offline (docs/formats.md, "Audit bundle").
//!
//! An audit bundle is JSON Lines. Line 1 is the signed checkpoint and the log key:
//! `{"type":"checkpoint","note":<signed note>,"log_key":<vkey>}`. Then one line per entry, in order from 0:
//! `{"type":"entry","index":N,"leaf_data":b64,"record":{"author":b64,"signed_bytes":b64,"signature":b64},
//! "id":hex,"hash":hex,"prev":hex,"accepted":ms}`, where `leaf_data` is exactly what the Merkle leaf hashes and
//! every other field is derived from it. Every line is in canonical form: compact JSON in exactly this key
//! order, as [`write_bundle`] writes it, so a bundle has one byte string and any change to it is detected.
//!
//! [`verify_bundle`] checks a bundle from its bytes alone, streaming, and names the first entry that fails and
//! why. [`inclusion_proof_file`] and [`verify_proof_file`] do the same for one record: its entry, inclusion
//! proof and the checkpoint, in one JSON file.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{self, BufRead, Write};
use std::sync::{Mutex, mpsc};
use std::thread;

use crate::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
use crate::encoding::{self, base64_decode, base64_encode};
use crate::error::{DecodeError, Error};
use crate::ids::{EntryHash, RecordId};
use crate::keys::PublicKey;
use crate::ledger::Ledger;
use crate::merkle::{self, Hash, ProofError};
use crate::note::{NoteKeyType, VerifiedSignature, VerifierKey};
use crate::record::{LogEntry, MAX_RECORD_BYTES, Record};
use crate::values::Time;

/// Longest bundle line accepted, in bytes (the largest entry line is under 200 KiB).
pub const MAX_BUNDLE_LINE: usize = 1 << 20;

/// Largest leaf data: a record of [`MAX_RECORD_BYTES`] and the 48 bytes of index, accepted time and previous
/// entry hash.
const MAX_LEAF_BYTES: usize = MAX_RECORD_BYTES + 48;

/// Entries whose signatures are checked together on one core.
const SIGNATURE_CHUNK: usize = 256;

/// Entries read from the ledger at a time when writing a bundle.
const WRITE_CHUNK: u64 = 1024;

/// What a verifier trusts about who signed a checkpoint.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// The log key the checkpoint must be signed by. `None` accepts the key the bundle or proof file names,
    /// which proves the file holds together but not whose log it is: pin the key to prove that.
    pub log_key: Option<VerifierKey>,
    /// Witness keys whose cosignatures count.
    pub witnesses: Vec<VerifierKey>,
    /// How many of `witnesses` must have cosigned.
    pub quorum: usize,
}

impl Trust {
    /// Trust exactly this log key, with no witness requirement.
    pub fn pinned(log_key: VerifierKey) -> Trust {
        Trust { log_key: Some(log_key), witnesses: Vec::new(), quorum: 0 }
    }
}

/// Why the checkpoint of a bundle or proof file is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// The note is malformed, or not signed by the log key it names.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The log key named is not the pinned one.
    #[error("log key {found} is not the trusted key {expected}")]
    UntrustedLogKey {
        /// The pinned key.
        expected: String,
        /// The key the file names.
        found: String,
    },
    /// Fewer trusted witnesses cosigned than required.
    #[error("{have} trusted witness cosignatures; {need} required")]
    Quorum {
        /// Required.
        need: usize,
        /// Present and valid.
        have: usize,
    },
}

/// Why one entry of a bundle (or the entry of a proof file) fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryFault {
    /// The line is longer than [`MAX_BUNDLE_LINE`].
    #[error("line is longer than {MAX_BUNDLE_LINE} bytes")]
    LineTooLong,
    /// The last line does not end in a newline.
    #[error("line does not end in a newline")]
    MissingNewline,
    /// The line is not a JSON entry object with exactly the expected fields.
    #[error("not a well-formed entry line: {0}")]
    Json(String),
    /// The line's `type` is not `entry`.
    #[error("type is not \"entry\"")]
    WrongType,
    /// The line's `index` is not the next index.
    #[error("index {found} where the next entry is expected")]
    WrongIndex {
        /// The index on the line.
        found: u64,
    },
    /// There are more entries than the checkpoint covers.
    #[error("entry beyond the checkpoint's tree size")]
    BeyondCheckpoint,
    /// `leaf_data` is not canonical base64.
    #[error("leaf_data is not canonical base64")]
    LeafDataBase64,
    /// `leaf_data` is not the canonical encoding of a log entry.
    #[error("leaf_data does not decode: {0}")]
    LeafDecode(DecodeError),
    /// The entry inside `leaf_data` carries another index.
    #[error("leaf_data holds entry {found}")]
    LeafIndex {
        /// The index inside the leaf data.
        found: u64,
    },
    /// A field beside `leaf_data` does not match what `leaf_data` holds.
    #[error("field {field} does not match leaf_data")]
    FieldMismatch {
        /// The field, e.g. `record.signature`.
        field: &'static str,
    },
    /// Every field matches, but the line is not in canonical form (key order, spacing or escapes).
    #[error("line is not in canonical form")]
    NotCanonical,
    /// The record is larger than [`MAX_RECORD_BYTES`].
    #[error("record of {len} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Its length (of the leaf data, when refused before decoding).
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// `prev` is not the hash of the entry before.
    #[error("previous-entry hash does not match the entry before it")]
    BrokenChain,
    /// The accepted time is earlier than the entry before's.
    #[error("accepted time {found} is before the previous entry's {previous}")]
    TimeBackwards {
        /// The previous entry's accepted time.
        previous: u64,
        /// This entry's.
        found: u64,
    },
    /// The record is for another ledger than the checkpoint's origin.
    #[error("record is for ledger '{found}', not the checkpoint's origin")]
    WrongOrigin {
        /// The record's origin.
        found: String,
    },
    /// The record already appeared at an earlier index.
    #[error("record {id} appears twice")]
    DuplicateRecord {
        /// Its id.
        id: RecordId,
    },
    /// A parent is not the record of an earlier entry.
    #[error("parent {parent} is not an earlier entry")]
    UnknownParent {
        /// The parent id.
        parent: RecordId,
    },
    /// The record's signature does not verify under its author's key (strict Ed25519).
    #[error("signature does not verify for author {author}")]
    BadSignature {
        /// The claimed author.
        author: PublicKey,
    },
}

/// Why a bundle does not verify. Entry failures name the first entry that fails.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// Reading the bundle failed.
    #[error("reading the bundle: {0}")]
    Io(#[from] io::Error),
    /// The bundle has no lines.
    #[error("the bundle is empty")]
    Empty,
    /// Line 1 is not a well-formed checkpoint line.
    #[error("line 1: {0}")]
    BadHeader(String),
    /// The checkpoint is not trusted.
    #[error("line 1: {0}")]
    Trust(#[from] TrustError),
    /// The first entry that fails, and why.
    #[error("entry {index} (line {line}): {fault}", line = index + 2)]
    Entry {
        /// Its index (the line number minus 2).
        index: u64,
        /// Why it fails.
        fault: EntryFault,
    },
    /// Fewer entries than the checkpoint's tree size.
    #[error("the checkpoint covers {checkpoint} entries but the bundle holds {entries}")]
    MissingEntries {
        /// The checkpoint's tree size.
        checkpoint: u64,
        /// Entries found.
        entries: u64,
    },
    /// Every entry checks, but together they do not make the checkpoint's root.
    #[error("the Merkle root of the {size} entries does not match the checkpoint")]
    RootMismatch {
        /// The tree size.
        size: u64,
    },
}

impl BundleError {
    /// The index of the entry that fails, when the failure is an entry's.
    pub fn entry_index(&self) -> Option<u64> {
        match self {
            BundleError::Entry { index, .. } => Some(*index),
            _ => None,
        }
    }
}

/// What a verified bundle holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleReport {
    /// The checkpoint every entry was checked against.
    pub checkpoint: Checkpoint,
    /// The log key it is signed by.
    pub log_key: VerifierKey,
    /// Trusted witness cosignatures on it.
    pub cosignatures: Vec<VerifiedSignature>,
    /// Entries checked (the checkpoint's size).
    pub entries: u64,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    note: Cow<'a, str>,
    #[serde(borrow)]
    log_key: Cow<'a, str>,
}

#[derive(serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct RecordFields<'a> {
    #[serde(borrow)]
    author: Cow<'a, str>,
    #[serde(borrow)]
    signed_bytes: Cow<'a, str>,
    #[serde(borrow)]
    signature: Cow<'a, str>,
}

#[derive(serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct EntryLine<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    index: u64,
    #[serde(borrow)]
    leaf_data: Cow<'a, str>,
    #[serde(borrow)]
    record: RecordFields<'a>,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    hash: Cow<'a, str>,
    #[serde(borrow)]
    prev: Cow<'a, str>,
    accepted: u64,
}

impl EntryLine<'static> {
    fn of(entry: &LogEntry, leaf_data: &[u8]) -> EntryLine<'static> {
        let r = &entry.record;
        EntryLine {
            kind: "entry".into(),
            index: entry.index,
            leaf_data: base64_encode(leaf_data).into(),
            record: RecordFields {
                author: base64_encode(r.body().author.as_bytes()).into(),
                signed_bytes: base64_encode(&r.signed_bytes()).into(),
                signature: base64_encode(&r.signature().0).into(),
            },
            id: r.id().to_string().into(),
            hash: hex::encode(encoding::leaf_hash(leaf_data)).into(),
            prev: entry.prev.to_string().into(),
            accepted: entry.accepted.0,
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Our line types hold only strings and integers, which serde_json always serializes.
    match serde_json::to_string(value) {
        Ok(s) => s,
        Err(e) => unreachable!("serializing a bundle line failed: {e}"),
    }
}

fn header_line(note: &str, log_key: &VerifierKey) -> String {
    to_json(&HeaderLine { kind: "checkpoint".into(), note: note.into(), log_key: log_key.to_string().into() })
}

/// Opens a checkpoint note under the key a file names, applying the caller's trust.
fn open_trusted(
    note: &str,
    log_key: &str,
    trust: &Trust,
) -> Result<(SignedCheckpoint, Vec<VerifiedSignature>), TrustError> {
    let key: VerifierKey = log_key.parse().map_err(CheckpointError::from)?;
    if let Some(pinned) = &trust.log_key {
        if pinned != &key {
            return Err(TrustError::UntrustedLogKey { expected: pinned.to_string(), found: key.to_string() });
        }
    }
    let signed = SignedCheckpoint::open_with_witnesses(note.as_bytes(), &key, &trust.witnesses)?;
    let cosignatures: Vec<VerifiedSignature> =
        signed.cosignatures().filter(|c| c.key.key_type() == NoteKeyType::CosignatureV1).cloned().collect();
    if cosignatures.len() < trust.quorum {
        return Err(TrustError::Quorum { need: trust.quorum, have: cosignatures.len() });
    }
    Ok((signed, cosignatures))
}

/// Decodes the entry a line carries and checks every field beside `leaf_data` against it. Does not check the
/// signature, the chain or the canonical form.
fn decode_entry(line: &EntryLine<'_>) -> Result<(LogEntry, Vec<u8>, EntryLine<'static>), EntryFault> {
    if line.kind != "entry" {
        return Err(EntryFault::WrongType);
    }
    let leaf = base64_decode(&line.leaf_data).ok_or(EntryFault::LeafDataBase64)?;
    if leaf.len() > MAX_LEAF_BYTES {
        return Err(EntryFault::TooLarge { len: leaf.len(), limit: MAX_LEAF_BYTES });
    }
    let entry = LogEntry::decode(&leaf).map_err(EntryFault::LeafDecode)?;
    if entry.index != line.index {
        return Err(EntryFault::LeafIndex { found: entry.index });
    }
    let len = entry.record.encoded().len();
    if len > MAX_RECORD_BYTES {
        return Err(EntryFault::TooLarge { len, limit: MAX_RECORD_BYTES });
    }
    let expected = EntryLine::of(&entry, &leaf);
    let mismatch = |field| Err(EntryFault::FieldMismatch { field });
    if line.record.author != expected.record.author {
        return mismatch("record.author");
    }
    if line.record.signed_bytes != expected.record.signed_bytes {
        return mismatch("record.signed_bytes");
    }
    if line.record.signature != expected.record.signature {
        return mismatch("record.signature");
    }
    if line.id != expected.id {
        return mismatch("id");
    }
    if line.hash != expected.hash {
        return mismatch("hash");
    }
    if line.prev != expected.prev {
        return mismatch("prev");
    }
    if line.accepted != expected.accepted {
        return mismatch("accepted");
    }
    Ok((entry, leaf, expected))
}

/// Writes the audit bundle of `ledger` for a signed checkpoint, streaming entries in chunks: line 1 the
/// checkpoint and log key, then every entry of the checkpoint's tree. Refuses a checkpoint that is not
/// signed by `log_key` or does not describe this ledger. Returns the number of entries written.
pub fn write_bundle(
    ledger: &Ledger,
    checkpoint_note: &str,
    log_key: &VerifierKey,
    out: impl Write,
) -> Result<u64, Error> {
    let signed = SignedCheckpoint::open(checkpoint_note.as_bytes(), log_key)?;
    let cp = signed.checkpoint();
    check_describes(ledger, cp)?;
    let mut out = io::BufWriter::new(out);
    let io_err = |source| Error::Io { context: "writing the audit bundle".into(), source };
    writeln!(out, "{}", header_line(checkpoint_note, log_key)).map_err(io_err)?;
    let mut index = 0;
    while index < cp.size() {
        let to = (index + WRITE_CHUNK).min(cp.size());
        let leaves = ledger.leaf_range(index, to, WRITE_CHUNK as usize)?;
        if leaves.len() as u64 != to - index {
            return Err(Error::Corrupt { index: index + leaves.len() as u64, why: "entry missing".into() });
        }
        // Decoding and JSON take most of the time, so lines are made on every core and written in order.
        let first = index;
        let lines = crate::parallel::map(
            &leaves,
            64,
            |pos, leaf| {
                let index = first + pos as u64;
                let entry = LogEntry::decode(leaf).map_err(|e| Error::Corrupt { index, why: e.to_string() })?;
                if entry.index != index {
                    return Err(Error::Corrupt { index, why: format!("entry claims index {}", entry.index) });
                }
                Ok(to_json(&EntryLine::of(&entry, leaf)))
            },
            || Err(Error::Storage("bundle encoder thread panicked".into())),
        );
        for line in lines {
            writeln!(out, "{}", line?).map_err(io_err)?;
        }
        index = to;
    }
    out.flush().map_err(io_err)?;
    Ok(cp.size())
}

fn check_describes(ledger: &Ledger, cp: &Checkpoint) -> Result<(), Error> {
    let mismatch = |why: String| Error::Checkpoint(CheckpointError::LedgerMismatch { why });
    if cp.origin() != ledger.origin().as_str() {
        return Err(mismatch(format!("origin '{}' is not the ledger's '{}'", cp.origin(), ledger.origin())));
    }
    if cp.size() > ledger.size() {
        return Err(mismatch(format!("size {} is past the ledger's {}", cp.size(), ledger.size())));
    }
    if &ledger.root_at(cp.size())? != cp.root() {
        return Err(mismatch(format!("root at size {} is not the ledger's", cp.size())));
    }
    Ok(())
}

enum Line {
    Eof,
    Complete,
    Unterminated,
    TooLong,
}

/// Reads one line into `buf`, without its newline.
fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Line> {
    buf.clear();
    let n = io::Read::take(&mut *input, MAX_BUNDLE_LINE as u64 + 1).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(Line::Eof);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        return Ok(Line::Complete);
    }
    Ok(if buf.len() > MAX_BUNDLE_LINE { Line::TooLong } else { Line::Unterminated })
}

/// The sequential state of a bundle check: the next index, the chain, the ids seen, the Merkle frontier.
struct Chain {
    origin: String,
    size: u64,
    next: u64,
    prev: EntryHash,
    last_accepted: Time,
    ids: HashSet<RecordId>,
    /// The right edge of the tree of the leaves so far.
    frontier: merkle::Frontier,
}

impl Chain {
    fn check(&mut self, line: &[u8]) -> Result<Record, EntryFault> {
        if self.next >= self.size {
            return Err(EntryFault::BeyondCheckpoint);
        }
        let parsed: EntryLine<'_> = serde_json::from_slice(line).map_err(|e| EntryFault::Json(e.to_string()))?;
        if parsed.kind != "entry" {
            return Err(EntryFault::WrongType);
        }
        if parsed.index != self.next {
            return Err(EntryFault::WrongIndex { found: parsed.index });
        }
        let (entry, leaf, expected) = decode_entry(&parsed)?;
        if to_json(&expected).as_bytes() != line {
            return Err(EntryFault::NotCanonical);
        }
        if entry.prev != self.prev {
            return Err(EntryFault::BrokenChain);
        }
        if entry.accepted < self.last_accepted {
            return Err(EntryFault::TimeBackwards { previous: self.last_accepted.0, found: entry.accepted.0 });
        }
        let body = entry.record.body();
        if body.origin.as_str() != self.origin {
            return Err(EntryFault::WrongOrigin { found: body.origin.to_string() });
        }
        if let Some(parent) = body.parents.iter().find(|p| !self.ids.contains(*p)) {
            return Err(EntryFault::UnknownParent { parent: *parent });
        }
        let id = entry.record.id();
        if !self.ids.insert(id) {
            return Err(EntryFault::DuplicateRecord { id });
        }
        let hash = encoding::leaf_hash(&leaf);
        self.prev = EntryHash(hash);
        self.last_accepted = entry.accepted;
        self.frontier.push(hash);
        self.next += 1;
        Ok(entry.record)
    }
}

type SignatureJob = Vec<(u64, Record)>;

/// Keeps the failure with the lowest index.
fn keep_first(failure: (u64, PublicKey), first: &mut Option<(u64, PublicKey)>) {
    if first.is_none_or(|f| failure.0 < f.0) {
        *first = Some(failure);
    }
}

/// Verifies chunks of signatures until the job channel closes, reporting the first failure of each chunk.
fn signature_worker(jobs: &Mutex<mpsc::Receiver<SignatureJob>>, failures: &mpsc::Sender<(u64, PublicKey)>) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(chunk) = job else { return };
        if let Some((index, record)) = chunk.iter().find(|(_, r)| r.verify_signature().is_err()) {
            let _ = failures.send((*index, record.body().author));
        }
    }
}

/// Verifies an audit bundle from its bytes alone, streaming, with signatures checked on all cores:
///
/// 1. line 1: the checkpoint note is signed by the log key it names (which must be `trust.log_key` when
///    pinned), with the witness quorum `trust` asks for;
/// 2. every entry line, in order: canonical form, `type`, `index` contiguous from 0, `leaf_data` decodes to
///    the entry of that index, every other field equals what `leaf_data` holds, the record's size, `prev` is
///    the previous entry's hash, accepted times never decrease, the record's origin is the checkpoint's,
///    every parent is an earlier entry's record, no record appears twice, and the author's signature verifies
///    under the strict Ed25519 rules;
/// 3. there are exactly as many entries as the checkpoint's size, and their Merkle root is its root.
///
/// Fails with the first entry (lowest index) that fails, and why. Memory grows only with the number of
/// records (32 bytes of id each, for the parent check), never with their size.
pub fn verify_bundle(mut input: impl BufRead, trust: &Trust) -> Result<BundleReport, BundleError> {
    let mut buf = Vec::new();
    match read_line(&mut input, &mut buf)? {
        Line::Eof => return Err(BundleError::Empty),
        Line::TooLong => return Err(BundleError::BadHeader("line is too long".into())),
        Line::Unterminated => return Err(BundleError::BadHeader("line does not end in a newline".into())),
        Line::Complete => {}
    }
    let header: HeaderLine<'_> =
        serde_json::from_slice(&buf).map_err(|e| BundleError::BadHeader(format!("not a checkpoint line: {e}")))?;
    if header.kind != "checkpoint" {
        return Err(BundleError::BadHeader("type is not \"checkpoint\"".into()));
    }
    let (signed, cosignatures) = open_trusted(&header.note, &header.log_key, trust)?;
    if header_line(&header.note, signed.log_key()).as_bytes() != buf.as_slice() {
        return Err(BundleError::BadHeader("line is not in canonical form".into()));
    }
    let cp = signed.checkpoint().clone();
    let mut chain = Chain {
        origin: cp.origin().to_owned(),
        size: cp.size(),
        next: 0,
        prev: EntryHash::ZERO,
        last_accepted: Time(0),
        ids: HashSet::new(),
        frontier: merkle::Frontier::new(),
    };

    let threads = thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let (job_tx, job_rx) = mpsc::sync_channel::<SignatureJob>(2 * threads);
    let job_rx = Mutex::new(job_rx);
    let (stopped, bad_signature) = thread::scope(|s| {
        let (fail_tx, fail_rx) = mpsc::channel::<(u64, PublicKey)>();
        for _ in 0..threads {
            let (jobs, failures) = (&job_rx, fail_tx.clone());
            s.spawn(move || signature_worker(jobs, &failures));
        }
        drop(fail_tx);

        // Signature failures arrive out of order; the first one is the lowest index.
        let mut bad: Option<(u64, PublicKey)> = None;
        let mut stopped: Option<BundleError> = None;
        let mut chunk: SignatureJob = Vec::with_capacity(SIGNATURE_CHUNK);
        loop {
            while let Ok(f) = fail_rx.try_recv() {
                keep_first(f, &mut bad);
            }
            // A failed signature ends the read: every entry after it is later than it.
            if bad.is_some() {
                break;
            }
            let index = chain.next;
            let fault = match read_line(&mut input, &mut buf) {
                Err(e) => {
                    stopped = Some(BundleError::Io(e));
                    break;
                }
                Ok(Line::Eof) => break,
                Ok(Line::TooLong) => EntryFault::LineTooLong,
                Ok(Line::Unterminated) => EntryFault::MissingNewline,
                Ok(Line::Complete) => match chain.check(&buf) {
                    Ok(record) => {
                        chunk.push((index, record));
                        if chunk.len() == SIGNATURE_CHUNK {
                            let full = std::mem::replace(&mut chunk, Vec::with_capacity(SIGNATURE_CHUNK));
                            if job_tx.send(full).is_err() {
                                break;
                            }
                        }
                        continue;
                    }
                    Err(fault) => fault,
                },
            };
            stopped = Some(BundleError::Entry { index, fault });
            break;
        }
        if !chunk.is_empty() {
            let _ = job_tx.send(chunk);
        }
        drop(job_tx);
        // Waits for every worker: they hang up once the jobs run out.
        for f in fail_rx {
            keep_first(f, &mut bad);
        }
        (stopped, bad)
    });
    // Every entry before a structural failure passed its structural checks, so a bad signature among them
    // is the earlier failure.
    if let Some((index, author)) = bad_signature {
        return Err(BundleError::Entry { index, fault: EntryFault::BadSignature { author } });
    }
    if let Some(e) = stopped {
        return Err(e);
    }
    if chain.next != cp.size() {
        return Err(BundleError::MissingEntries { checkpoint: cp.size(), entries: chain.next });
    }
    if &chain.frontier.root() != cp.root() {
        return Err(BundleError::RootMismatch { size: cp.size() });
    }
    Ok(BundleReport { checkpoint: cp, log_key: signed.log_key().clone(), cosignatures, entries: chain.next })
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofFileJson<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    checkpoint: Cow<'a, str>,
    #[serde(borrow)]
    log_key: Cow<'a, str>,
    tree_size: u64,
    #[serde(borrow)]
    entry: EntryLine<'a>,
    #[serde(borrow)]
    inclusion_proof: Vec<Cow<'a, str>>,
}

const PROOF_FILE_TYPE: &str = "inclusion-proof";

/// Why a proof file does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofFileError {
    /// The file is not a JSON proof object with exactly the expected fields.
    #[error("not a proof file: {0}")]
    Json(String),
    /// The checkpoint is not trusted.
    #[error("checkpoint: {0}")]
    Trust(#[from] TrustError),
    /// `tree_size` is not the checkpoint's size.
    #[error("tree_size {file} is not the checkpoint's size {checkpoint}")]
    SizeMismatch {
        /// The file's tree_size.
        file: u64,
        /// The checkpoint's.
        checkpoint: u64,
    },
    /// The entry fails.
    #[error("entry: {0}")]
    Entry(EntryFault),
    /// The entry's index is not inside the checkpoint's tree.
    #[error("entry {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A proof hash is not the base64 of 32 bytes.
    #[error("inclusion proof hash {0} is not the base64 of 32 bytes")]
    BadProofHash(usize),
    /// The inclusion proof does not lead to the checkpoint's root.
    #[error("inclusion proof: {0}")]
    Proof(ProofError),
}

/// What a verified proof file proves: this entry is at this index of the log the checkpoint describes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedProof {
    /// The entry, with its record.
    pub entry: LogEntry,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The log key that signed it.
    pub log_key: VerifierKey,
    /// Trusted witness cosignatures on the checkpoint.
    pub cosignatures: Vec<VerifiedSignature>,
}

/// The proof file of entry `index`: its entry (as a bundle entry line), its inclusion proof in the tree of the
/// checkpoint, the signed checkpoint and the log key, as pretty-printed JSON.
pub fn inclusion_proof_file(
    ledger: &Ledger,
    index: u64,
    checkpoint_note: &str,
    log_key: &VerifierKey,
) -> Result<String, Error> {
    let (size, leaf, entry, proof) = proof_parts(ledger, index, checkpoint_note, log_key)?;
    let file = ProofFileJson {
        kind: PROOF_FILE_TYPE.into(),
        checkpoint: checkpoint_note.into(),
        log_key: log_key.to_string().into(),
        tree_size: size,
        entry: EntryLine::of(&entry, &leaf),
        inclusion_proof: proof.iter().map(|h| base64_encode(h).into()).collect(),
    };
    match serde_json::to_string_pretty(&file) {
        Ok(s) => Ok(s + "\n"),
        Err(e) => unreachable!("serializing a proof file failed: {e}"),
    }
}

/// What a proof file of entry `index` is made of: the checkpoint's tree size, the entry's leaf data and decoded
/// entry, and its inclusion proof, after checking the checkpoint is this ledger's and holds the entry.
fn proof_parts(
    ledger: &Ledger,
    index: u64,
    checkpoint_note: &str,
    log_key: &VerifierKey,
) -> Result<(u64, Vec<u8>, LogEntry, Vec<Hash>), Error> {
    let signed = SignedCheckpoint::open(checkpoint_note.as_bytes(), log_key)?;
    let cp = signed.checkpoint();
    check_describes(ledger, cp)?;
    if index >= cp.size() {
        return Err(Error::NotFound(format!("entry {index} is not in the checkpoint's tree of size {}", cp.size())));
    }
    let leaf = ledger.leaf_data(index)?;
    let entry = LogEntry::decode(&leaf).map_err(|e| Error::Corrupt { index, why: e.to_string() })?;
    let proof = ledger.inclusion_proof(index, cp.size())?;
    Ok((cp.size(), leaf, entry, proof))
}

/// A proof file's checkpoint, trusted under `trust`, whose size is the file's `tree_size`.
fn open_proof_checkpoint(
    note: &str,
    log_key: &str,
    tree_size: u64,
    trust: &Trust,
) -> Result<(SignedCheckpoint, Vec<VerifiedSignature>), ProofFileError> {
    let (signed, cosignatures) = open_trusted(note, log_key, trust)?;
    let size = signed.checkpoint().size();
    if tree_size != size {
        return Err(ProofFileError::SizeMismatch { file: tree_size, checkpoint: size });
    }
    Ok((signed, cosignatures))
}

/// Checks that the leaf hash `leaf` is at `index` of the checkpoint's tree by a proof file's base64 hashes.
fn check_inclusion(leaf: &Hash, index: u64, cp: &Checkpoint, hashes: &[Cow<'_, str>]) -> Result<(), ProofFileError> {
    if index >= cp.size() {
        return Err(ProofFileError::IndexOutOfRange { index, size: cp.size() });
    }
    let proof = hashes
        .iter()
        .enumerate()
        .map(|(i, h)| base64_decode(h).and_then(|h| Hash::try_from(h).ok()).ok_or(ProofFileError::BadProofHash(i)))
        .collect::<Result<Vec<Hash>, _>>()?;
    merkle::verify_inclusion(leaf, index, cp.size(), &proof, cp.root()).map_err(ProofFileError::Proof)
}

/// The public proof of entry `index` whose record carries restricted fields (`crate::privacy`): the leaf's hash and
/// its inclusion proof under the signed checkpoint, the record's kind and the names of the fields withheld, and
/// not the record. It proves that the log holds an entry at that index, not what the entry says; parties and
/// regulators read the record itself. Pretty-printed JSON.
pub fn withheld_proof_file(
    ledger: &Ledger,
    index: u64,
    checkpoint_note: &str,
    log_key: &VerifierKey,
) -> Result<String, Error> {
    let (size, leaf, entry, proof) = proof_parts(ledger, index, checkpoint_note, log_key)?;
    let file = WithheldProofJson {
        kind: WITHHELD_PROOF_TYPE.into(),
        checkpoint: checkpoint_note.into(),
        log_key: log_key.to_string().into(),
        tree_size: size,
        index,
        leaf_hash: base64_encode(&encoding::leaf_hash(&leaf)).into(),
        event: entry.record.body().event.kind().into(),
        withheld: crate::privacy::restricted_fields(&entry.record.body().event)
            .into_iter()
            .map(Cow::Borrowed)
            .collect(),
        inclusion_proof: proof.iter().map(|h| base64_encode(h).into()).collect(),
    };
    match serde_json::to_string_pretty(&file) {
        Ok(s) => Ok(s + "\n"),
        Err(e) => unreachable!("serializing a proof file failed: {e}"),
    }
}

/// What a verified withheld proof proves: the log the checkpoint describes holds an entry with this leaf hash at
/// this index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedWithheld {
    /// The entry's index.
    pub index: u64,
    /// The record's kind, as the file says (not proven).
    pub event: String,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
}

/// Verifies a withheld proof file offline: the checkpoint under the log key (and `trust`) and the inclusion of the
/// leaf hash at the index.
pub fn verify_withheld_proof(json: &[u8], trust: &Trust) -> Result<VerifiedWithheld, ProofFileError> {
    let file: WithheldProofJson<'_> = serde_json::from_slice(json).map_err(|e| ProofFileError::Json(e.to_string()))?;
    if file.kind != WITHHELD_PROOF_TYPE {
        return Err(ProofFileError::Json(format!("type is not \"{WITHHELD_PROOF_TYPE}\"")));
    }
    let (signed, _) = open_proof_checkpoint(&file.checkpoint, &file.log_key, file.tree_size, trust)?;
    let cp = signed.checkpoint();
    let leaf = base64_decode(&file.leaf_hash)
        .and_then(|h| Hash::try_from(h).ok())
        .ok_or_else(|| ProofFileError::Json("leaf_hash is not the base64 of 32 bytes".into()))?;
    check_inclusion(&leaf, file.index, cp, &file.inclusion_proof)?;
    Ok(VerifiedWithheld { index: file.index, event: file.event.into_owned(), checkpoint: cp.clone() })
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WithheldProofJson<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    checkpoint: Cow<'a, str>,
    #[serde(borrow)]
    log_key: Cow<'a, str>,
    tree_size: u64,
    index: u64,
    #[serde(borrow)]
    leaf_hash: Cow<'a, str>,
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow)]
    withheld: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    inclusion_proof: Vec<Cow<'a, str>>,
}

const WITHHELD_PROOF_TYPE: &str = "withheld-inclusion-proof";

/// Verifies a proof file offline: the checkpoint under the log key (and `trust`), the entry's fields against
/// its leaf data, the record's origin and strict signature, and the inclusion proof against the root.
pub fn verify_proof_file(json: &[u8], trust: &Trust) -> Result<VerifiedProof, ProofFileError> {
    let file: ProofFileJson<'_> = serde_json::from_slice(json).map_err(|e| ProofFileError::Json(e.to_string()))?;
    if file.kind != PROOF_FILE_TYPE {
        return Err(ProofFileError::Json(format!("type is not \"{PROOF_FILE_TYPE}\"")));
    }
    let (signed, cosignatures) = open_proof_checkpoint(&file.checkpoint, &file.log_key, file.tree_size, trust)?;
    let cp = signed.checkpoint();
    let (entry, leaf, _) = decode_entry(&file.entry).map_err(ProofFileError::Entry)?;
    let body = entry.record.body();
    if body.origin.as_str() != cp.origin() {
        return Err(ProofFileError::Entry(EntryFault::WrongOrigin { found: body.origin.to_string() }));
    }
    entry
        .record
        .verify_signature()
        .map_err(|_| ProofFileError::Entry(EntryFault::BadSignature { author: body.author }))?;
    check_inclusion(&encoding::leaf_hash(&leaf), entry.index, cp, &file.inclusion_proof)?;
    Ok(VerifiedProof { entry, checkpoint: cp.clone(), log_key: signed.log_key().clone(), cosignatures })
}
