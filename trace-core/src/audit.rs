//! Incremental audits of a log: [`Auditor`] follows a log checkpoint by checkpoint, verifying every new entry
//! and keeping only O(log n) Merkle state plus the ids of the records seen, in a directory of its own.
//!
//! Each step ([`Auditor::begin`], [`Pending::push`], [`Pending::finish`]) takes a signed checkpoint, the
//! consistency proof from the last audited size, and the leaf data of every entry between the two:
//!
//! 1. the checkpoint note must verify under the pinned log key and name the audited origin;
//! 2. a smaller size, the same size with another root, or a consistency proof that fails is a **fork**:
//!    [`AuditError::Fork`] carries both signed notes as evidence ([`detect_fork`] decides);
//! 3. every new entry must decode canonically and carry the next index, the previous entry's hash, an accepted
//!    time no earlier than the previous entry's, the audited origin, parents that are records of earlier
//!    entries, a record id not seen before, and a valid strict Ed25519 signature by its author;
//! 4. the new leaves, folded into the kept [`Frontier`], must give exactly the checkpoint's root.
//!
//! Only then is the new state written: the new record ids are appended to `audit-record-ids.bin` and fsynced,
//! then `audit-state.json` is replaced atomically (temporary file, fsync, rename, directory fsync). A crash
//! between the two leaves ids past the state's size, which [`Auditor::open`] cuts off. A new audit
//! ([`Auditor::create`]) writes nothing until its first step finishes, so a first run that fails (a checkpoint
//! of another log, signed by another key, a node that stops answering) leaves no state that would pin it.
//!
//! **Parents.** The parent check needs every earlier record id. The auditor keeps them, 32 bytes each, in an
//! append-only file and in memory (as [`verify_bundle`](crate::verify_bundle) does), rather than asking the
//! node for an inclusion proof of each parent: one file read at start-up instead of a round trip per record,
//! and no trust in the node's answers. A ledger of ten million records needs 320 MB of ids.

use std::collections::HashSet;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::bundle::EntryFault;
use crate::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
use crate::encoding;
use crate::ids::{EntryHash, RecordId};
use crate::merkle::{Frontier, Hash};
use crate::note::VerifierKey;
use crate::record::{LogEntry, MAX_RECORD_BYTES, Record};
use crate::values::Time;
use crate::witness::{Fork, ForkKind, WitnessError, detect_fork};

/// The audit state's file name inside the state directory.
pub const AUDIT_STATE_FILE: &str = "audit-state.json";

/// The file of every audited record id (32 bytes each, in log order) inside the state directory.
pub const AUDIT_IDS_FILE: &str = "audit-record-ids.bin";

/// Largest leaf data: a record of [`MAX_RECORD_BYTES`] and 48 bytes of index, accepted time and previous hash.
const MAX_LEAF_BYTES: usize = MAX_RECORD_BYTES + 48;

/// Why an audit step fails.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The directory holds no audit state yet.
    #[error("no audit state in {path}")]
    NoState {
        /// The directory.
        path: PathBuf,
    },
    /// The directory already holds audit state.
    #[error("audit state already exists in {path}")]
    StateExists {
        /// The directory.
        path: PathBuf,
    },
    /// The checkpoint note is malformed or not signed by the pinned log key.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The log key is named otherwise than the log: a log key signs under its log's origin
    /// (`docs/formats.md`, "Signed notes"), so this key is not the audited log's.
    #[error("the log key {key} is named '{name}', but the log's origin is '{origin}': it is not this log's key")]
    KeyNotForOrigin {
        /// The origin to audit.
        origin: String,
        /// The key's name.
        name: String,
        /// The key.
        key: String,
    },
    /// The checkpoint is of another log.
    #[error("checkpoint is for log '{found}', not the audited '{expected}'")]
    WrongOrigin {
        /// The audited origin.
        expected: String,
        /// The checkpoint's.
        found: String,
    },
    /// The log key given is not the one pinned when the audit began.
    #[error("log key {given} is not the key {pinned} pinned in the audit state")]
    KeyMismatch {
        /// The pinned key.
        pinned: String,
        /// The key given.
        given: String,
    },
    /// Two checkpoints of the log that cannot both be true, with both notes: the log forked or was rewritten.
    #[error("{0}")]
    Fork(Box<Fork>),
    /// An entry fails, named by its index.
    #[error("entry {index}: {fault}")]
    Entry {
        /// The entry's index.
        index: u64,
        /// Why it fails.
        fault: EntryFault,
    },
    /// Fewer entries were given than the checkpoint covers.
    #[error("the checkpoint covers {expected} entries but only {got} were verified")]
    MissingEntries {
        /// The checkpoint's size.
        expected: u64,
        /// The size reached.
        got: u64,
    },
    /// Every new entry verifies, but together with the audited tree they do not make the checkpoint's root:
    /// the entries served are not the ones the checkpoint signs.
    #[error("entries {from}..{to} verify one by one but do not make the checkpoint's root")]
    RootMismatch {
        /// First new entry.
        from: u64,
        /// The checkpoint's size.
        to: u64,
    },
    /// The state files do not hold together; the auditor refuses to run rather than forget what it saw.
    #[error("audit state {path}: {why}")]
    CorruptState {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Reading or writing the state failed.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl AuditError {
    /// The fork evidence, when this is a fork.
    pub fn fork(&self) -> Option<&Fork> {
        match self {
            AuditError::Fork(f) => Some(f),
            _ => None,
        }
    }

    /// The index of the entry that fails, when an entry fails.
    pub fn entry_index(&self) -> Option<u64> {
        match self {
            AuditError::Entry { index, .. } => Some(*index),
            _ => None,
        }
    }
}

fn io_err(context: String) -> impl FnOnce(std::io::Error) -> AuditError {
    move |source| AuditError::Io { context, source }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    version: u32,
    origin: String,
    log_key: String,
    size: u64,
    root: String,
    last_entry_hash: String,
    frontier: Vec<String>,
    last_note: Option<String>,
    last_accepted: u64,
    entries_verified: u64,
}

/// What one audit step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    /// The size audited before.
    pub old_size: u64,
    /// The checkpoint now audited.
    pub checkpoint: Checkpoint,
    /// Its signed note.
    pub note: String,
    /// Entries verified in this step.
    pub new_entries: u64,
    /// Entries verified since the audit began.
    pub entries_verified: u64,
}

/// A log followed checkpoint by checkpoint. See the module documentation. One process at a time may use a
/// state directory.
#[derive(Debug)]
pub struct Auditor {
    dir: PathBuf,
    origin: String,
    log_key: VerifierKey,
    frontier: Frontier,
    root: Hash,
    last_hash: EntryHash,
    last_accepted: Time,
    last_note: Option<SignedCheckpoint>,
    entries_verified: u64,
    ids: HashSet<RecordId>,
}

impl Auditor {
    /// Whether `dir` holds audit state.
    pub fn exists(dir: &Path) -> bool {
        dir.join(AUDIT_STATE_FILE).exists()
    }

    /// Starts auditing the log `origin` whose checkpoints `log_key` signs, at size 0, with state in `dir`.
    /// Refuses a key named otherwise than `origin` and a directory that already holds audit state.
    ///
    /// Nothing is written yet: the directory and its state files are created when the first step
    /// [finishes](Pending::finish), so an audit whose first step fails leaves nothing behind.
    pub fn create(dir: &Path, origin: &str, log_key: VerifierKey) -> Result<Auditor, AuditError> {
        if log_key.key_type() != crate::note::NoteKeyType::Ed25519 {
            return Err(CheckpointError::NotALogKey { key: log_key.to_string() }.into());
        }
        if log_key.name() != origin {
            return Err(AuditError::KeyNotForOrigin {
                origin: origin.to_owned(),
                name: log_key.name().to_owned(),
                key: log_key.to_string(),
            });
        }
        if Auditor::exists(dir) {
            return Err(AuditError::StateExists { path: dir.to_owned() });
        }
        let frontier = Frontier::new();
        Ok(Auditor {
            dir: dir.to_owned(),
            origin: origin.to_owned(),
            log_key,
            root: frontier.root(),
            frontier,
            last_hash: EntryHash::ZERO,
            last_accepted: Time(0),
            last_note: None,
            entries_verified: 0,
            ids: HashSet::new(),
        })
    }

    /// Opens the audit state in `dir`, checking that it holds together: the kept note verifies under the pinned
    /// key and names the kept size and root, the frontier makes that root, and the ids file covers the size.
    pub fn open(dir: &Path) -> Result<Auditor, AuditError> {
        let path = dir.join(AUDIT_STATE_FILE);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(AuditError::NoState { path: dir.to_owned() });
            }
            Err(e) => return Err(io_err(format!("reading {}", path.display()))(e)),
        };
        let corrupt = |why: String| AuditError::CorruptState { path: path.clone(), why };
        let file: StateFile = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if file.version != 1 {
            return Err(corrupt(format!("unknown version {}", file.version)));
        }
        let log_key: VerifierKey = file.log_key.parse().map_err(|e| corrupt(format!("log_key: {e}")))?;
        let hash = |s: &str, what: &str| -> Result<Hash, AuditError> {
            encoding::base64_decode(s)
                .and_then(|h| h.try_into().ok())
                .ok_or_else(|| corrupt(format!("{what} is not the base64 of a 32-byte hash")))
        };
        let root = hash(&file.root, "root")?;
        let hashes = file.frontier.iter().map(|h| hash(h, "a frontier hash")).collect::<Result<Vec<_>, _>>()?;
        let frontier = Frontier::from_parts(file.size, hashes)
            .ok_or_else(|| corrupt(format!("the frontier does not have one hash per set bit of {}", file.size)))?;
        if frontier.root() != root {
            return Err(corrupt("the frontier does not make the root".into()));
        }
        let mut last = [0u8; 32];
        hex::decode_to_slice(&file.last_entry_hash, &mut last)
            .map_err(|_| corrupt("last_entry_hash is not 64 hex digits".into()))?;
        let last_hash = EntryHash(last);
        // With an odd size the last complete subtree is the last leaf itself.
        if file.size % 2 == 1 && frontier.hashes().last() != Some(&last) {
            return Err(corrupt("last_entry_hash is not the last leaf of the frontier".into()));
        }
        let last_note = match &file.last_note {
            None if file.size == 0 => None,
            None => return Err(corrupt("no checkpoint note for a non-empty audited tree".into())),
            Some(n) => {
                let signed =
                    SignedCheckpoint::open(n.as_bytes(), &log_key).map_err(|e| corrupt(format!("last_note: {e}")))?;
                let cp = signed.checkpoint();
                if cp.origin() != file.origin || cp.size() != file.size || cp.root() != &root {
                    return Err(corrupt("last_note does not match the origin, size and root".into()));
                }
                Some(signed)
            }
        };
        let ids = read_ids(&dir.join(AUDIT_IDS_FILE), file.size)?;
        Ok(Auditor {
            dir: dir.to_owned(),
            origin: file.origin,
            log_key,
            frontier,
            root,
            last_hash,
            last_accepted: Time(file.last_accepted),
            last_note,
            entries_verified: file.entries_verified,
            ids,
        })
    }

    /// Opens the state in `dir` and checks that it pins `log_key`.
    pub fn open_pinned(dir: &Path, log_key: &VerifierKey) -> Result<Auditor, AuditError> {
        let a = Auditor::open(dir)?;
        if &a.log_key != log_key {
            return Err(AuditError::KeyMismatch { pinned: a.log_key.to_string(), given: log_key.to_string() });
        }
        Ok(a)
    }

    /// The audited log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The pinned log key.
    pub fn log_key(&self) -> &VerifierKey {
        &self.log_key
    }

    /// The audited tree size.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// The audited root.
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// The last checkpoint note accepted, if any.
    pub fn last_note(&self) -> Option<String> {
        self.last_note.as_ref().map(|s| s.note().to_string())
    }

    /// The accepted time of the last audited entry.
    pub fn last_accepted(&self) -> Time {
        self.last_accepted
    }

    /// Entries verified since the audit began.
    pub fn entries_verified(&self) -> u64 {
        self.entries_verified
    }

    /// Begins a step to the checkpoint `note`, given the consistency proof from [`Auditor::size`] to its size
    /// (empty when either is 0 or they are equal). Checks steps 1 and 2 of the module documentation; the
    /// entries follow with [`Pending::push`].
    pub fn begin(&mut self, note: &[u8], proof: &[Hash]) -> Result<Pending<'_>, AuditError> {
        let signed = SignedCheckpoint::open(note, &self.log_key)?;
        let cp = signed.checkpoint();
        if cp.origin() != self.origin {
            return Err(AuditError::WrongOrigin { expected: self.origin.clone(), found: cp.origin().to_owned() });
        }
        if let Some(old) = &self.last_note {
            if cp.size() < self.size() {
                return Err(AuditError::Fork(Box::new(Fork {
                    origin: self.origin.clone(),
                    first: old.note().to_string(),
                    second: signed.note().to_string(),
                    kind: ForkKind::Rollback { old_size: self.size(), new_size: cp.size() },
                })));
            }
            match detect_fork(old, &signed, proof) {
                Ok(()) => {}
                Err(WitnessError::Fork(f)) => return Err(AuditError::Fork(f)),
                Err(e) => {
                    return Err(AuditError::CorruptState { path: self.dir.clone(), why: e.to_string() });
                }
            }
        }
        // With nothing audited yet, the empty tree is a prefix of every tree: there is nothing to prove.
        Ok(Pending {
            target: cp.size(),
            frontier: self.frontier.clone(),
            last_hash: self.last_hash,
            last_accepted: self.last_accepted,
            new_ids: Vec::new(),
            new_set: HashSet::new(),
            checkpoint: signed,
            auditor: self,
        })
    }

    /// One whole step: [`Auditor::begin`], [`Pending::push`] of every leaf, [`Pending::finish`].
    pub fn advance(&mut self, note: &[u8], proof: &[Hash], leaves: &[Vec<u8>]) -> Result<AuditReport, AuditError> {
        self.begin(note, proof)?.push(leaves)?.finish()
    }

    fn state_file(&self) -> StateFile {
        StateFile {
            version: 1,
            origin: self.origin.clone(),
            log_key: self.log_key.to_string(),
            size: self.frontier.size(),
            root: encoding::base64_encode(&self.root),
            last_entry_hash: self.last_hash.to_string(),
            frontier: self.frontier.hashes().iter().map(|h| encoding::base64_encode(h)).collect(),
            last_note: self.last_note(),
            last_accepted: self.last_accepted.0,
            entries_verified: self.entries_verified,
        }
    }

    fn write_state(&self, file: &StateFile) -> Result<(), AuditError> {
        let path = self.dir.join(AUDIT_STATE_FILE);
        let mut json = serde_json::to_vec_pretty(file)
            .map_err(|e| AuditError::CorruptState { path: path.clone(), why: e.to_string() })?;
        json.push(b'\n');
        let tmp = self.dir.join(format!("{AUDIT_STATE_FILE}.tmp"));
        let ctx = |what: &str| format!("{what} {}", tmp.display());
        let mut f = fs::File::create(&tmp).map_err(io_err(ctx("creating")))?;
        f.write_all(&json).map_err(io_err(ctx("writing")))?;
        f.sync_all().map_err(io_err(ctx("syncing")))?;
        drop(f);
        fs::rename(&tmp, &path).map_err(io_err(format!("renaming {} to {}", tmp.display(), path.display())))?;
        // The rename is durable only once the directory entry is.
        fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(format!("syncing directory {}", self.dir.display())))
    }
}

/// Reads the ids file, cutting off ids past `size` (written by a step that crashed before its state was).
fn read_ids(path: &Path, size: u64) -> Result<HashSet<RecordId>, AuditError> {
    let mut f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(io_err(format!("opening {}", path.display())))?;
    let len = f.metadata().map_err(io_err(format!("reading {}", path.display())))?.len();
    let want = size
        .checked_mul(32)
        .ok_or_else(|| AuditError::CorruptState { path: path.to_owned(), why: format!("size {size} is too large") })?;
    if len < want {
        return Err(AuditError::CorruptState {
            path: path.to_owned(),
            why: format!("holds {} ids; the audited size is {size}", len / 32),
        });
    }
    if len > want {
        f.set_len(want).map_err(io_err(format!("truncating {}", path.display())))?;
        f.sync_all().map_err(io_err(format!("syncing {}", path.display())))?;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(want).unwrap_or(0));
    f.read_to_end(&mut bytes).map_err(io_err(format!("reading {}", path.display())))?;
    bytes.truncate(usize::try_from(want).unwrap_or(usize::MAX));
    let mut ids = HashSet::with_capacity(bytes.len() / 32);
    for chunk in bytes.chunks_exact(32) {
        let mut id = [0u8; 32];
        id.copy_from_slice(chunk);
        if !ids.insert(RecordId(id)) {
            return Err(AuditError::CorruptState { path: path.to_owned(), why: "a record id appears twice".into() });
        }
    }
    Ok(ids)
}

/// An audit step in progress: the checkpoint is accepted so far, and entries are being verified. Nothing is
/// written until [`Pending::finish`]; dropping it abandons the step.
#[derive(Debug)]
pub struct Pending<'a> {
    auditor: &'a mut Auditor,
    checkpoint: SignedCheckpoint,
    target: u64,
    frontier: Frontier,
    last_hash: EntryHash,
    last_accepted: Time,
    new_ids: Vec<RecordId>,
    new_set: HashSet<RecordId>,
}

impl Pending<'_> {
    /// The checkpoint being audited to.
    pub fn checkpoint(&self) -> &Checkpoint {
        self.checkpoint.checkpoint()
    }

    /// The index of the next entry expected.
    pub fn next_index(&self) -> u64 {
        self.frontier.size()
    }

    /// How many entries are still to come.
    pub fn remaining(&self) -> u64 {
        self.target - self.frontier.size()
    }

    /// Verifies the next entries, given as their leaf data, in order. Structure is checked in order, signatures
    /// in parallel; the failure reported is the one at the lowest index.
    pub fn push(mut self, leaves: &[Vec<u8>]) -> Result<Self, AuditError> {
        let start = self.next_index();
        let mut records: Vec<Record> = Vec::with_capacity(leaves.len());
        let mut fault = None;
        for leaf in leaves {
            match self.check(leaf) {
                Ok(record) => records.push(record),
                Err(f) => {
                    fault = Some((start + records.len() as u64, f));
                    break;
                }
            }
        }
        if let Some(index) = first_bad_signature(&records) {
            let author = records[index].body().author;
            return Err(AuditError::Entry { index: start + index as u64, fault: EntryFault::BadSignature { author } });
        }
        match fault {
            Some((index, fault)) => Err(AuditError::Entry { index, fault }),
            None => Ok(self),
        }
    }

    fn check(&mut self, leaf: &[u8]) -> Result<Record, EntryFault> {
        let index = self.next_index();
        if index >= self.target {
            return Err(EntryFault::BeyondCheckpoint);
        }
        if leaf.len() > MAX_LEAF_BYTES {
            return Err(EntryFault::TooLarge { len: leaf.len(), limit: MAX_LEAF_BYTES });
        }
        let entry = LogEntry::decode(leaf).map_err(EntryFault::LeafDecode)?;
        if entry.index != index {
            return Err(EntryFault::LeafIndex { found: entry.index });
        }
        let len = entry.record.encoded().len();
        if len > MAX_RECORD_BYTES {
            return Err(EntryFault::TooLarge { len, limit: MAX_RECORD_BYTES });
        }
        if entry.prev != self.last_hash {
            return Err(EntryFault::BrokenChain);
        }
        if entry.accepted < self.last_accepted {
            return Err(EntryFault::TimeBackwards { previous: self.last_accepted.0, found: entry.accepted.0 });
        }
        let body = entry.record.body();
        if body.origin.as_str() != self.auditor.origin {
            return Err(EntryFault::WrongOrigin { found: body.origin.to_string() });
        }
        let known = |id: &RecordId| self.auditor.ids.contains(id) || self.new_set.contains(id);
        if let Some(parent) = body.parents.iter().find(|p| !known(p)) {
            return Err(EntryFault::UnknownParent { parent: *parent });
        }
        let id = entry.record.id();
        if known(&id) {
            return Err(EntryFault::DuplicateRecord { id });
        }
        self.new_set.insert(id);
        self.new_ids.push(id);
        let hash = encoding::leaf_hash(leaf);
        self.last_hash = EntryHash(hash);
        self.last_accepted = entry.accepted;
        self.frontier.push(hash);
        Ok(entry.record)
    }

    /// Requires every entry of the checkpoint to have been verified and their root to be the checkpoint's,
    /// then makes the new state durable.
    pub fn finish(self) -> Result<AuditReport, AuditError> {
        let Pending { auditor, checkpoint, target, frontier, last_hash, last_accepted, new_ids, .. } = self;
        let old_size = auditor.size();
        if frontier.size() != target {
            return Err(AuditError::MissingEntries { expected: target, got: frontier.size() });
        }
        let root = frontier.root();
        if &root != checkpoint.checkpoint().root() {
            return Err(AuditError::RootMismatch { from: old_size, to: target });
        }
        // A new audit's directory and ids file are made here, by its first step to succeed.
        fs::create_dir_all(&auditor.dir).map_err(io_err(format!("creating {}", auditor.dir.display())))?;
        // The ids first: a crash before the state is replaced leaves extra ids, which open() cuts off. (A crash
        // before a new audit's first state file leaves an ids file alone, which create() does not mind.)
        let path = auditor.dir.join(AUDIT_IDS_FILE);
        let mut bytes = Vec::with_capacity(new_ids.len() * 32);
        for id in &new_ids {
            bytes.extend_from_slice(&id.0);
        }
        let mut f = fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_err(format!("opening {}", path.display())))?;
        let len = f.metadata().map_err(io_err(format!("reading {}", path.display())))?.len();
        // A failed earlier step may have left ids past the state's size: cut them off first.
        if len != old_size * 32 {
            f.set_len(old_size * 32).map_err(io_err(format!("truncating {}", path.display())))?;
        }
        if !bytes.is_empty() {
            f.write_all(&bytes).map_err(io_err(format!("writing {}", path.display())))?;
        }
        f.sync_all().map_err(io_err(format!("syncing {}", path.display())))?;
        let new_entries = target - old_size;
        let mut next = Auditor {
            dir: auditor.dir.clone(),
            origin: auditor.origin.clone(),
            log_key: auditor.log_key.clone(),
            frontier,
            root,
            last_hash,
            last_accepted,
            last_note: Some(checkpoint.clone()),
            entries_verified: auditor.entries_verified + new_entries,
            ids: HashSet::new(),
        };
        next.write_state(&next.state_file())?;
        next.ids = std::mem::take(&mut auditor.ids);
        next.ids.extend(new_ids);
        *auditor = next;
        Ok(AuditReport {
            old_size,
            checkpoint: checkpoint.checkpoint().clone(),
            note: checkpoint.note().to_string(),
            new_entries,
            entries_verified: auditor.entries_verified,
        })
    }
}

/// The position of the first record whose signature does not verify, checking on all cores.
fn first_bad_signature(records: &[Record]) -> Option<usize> {
    // A panicked verifier thread counts as a failure of each record it had, so nothing unverified passes.
    crate::parallel::map(records, 64, |_, r| r.verify_signature().is_err(), || true).iter().position(|bad| *bad)
}
