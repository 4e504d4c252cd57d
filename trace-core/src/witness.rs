//! Witnesses: [`Cosigner`] makes C2SP `cosignature/v1` cosignatures (<https://c2sp.org/tlog-cosignature>);
//! [`Witness`] keeps the last checkpoint it cosigned per log and follows the `add-checkpoint` rules of
//! <https://c2sp.org/tlog-witness>, so it never cosigns a view of a log that is not an append-only extension
//! of the view it cosigned before; [`detect_fork`] reports two checkpoints of one log that cannot both be
//! true, with both notes as evidence.
//!
//! A witness's state is one small JSON file in a directory of its own, replaced atomically (write a temporary
//! file, fsync it, rename it over the old one, fsync the directory) *before* a cosignature is returned, so a
//! crash can lose a cosignature but never make the witness forget a size it vouched for.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::checkpoint::{CheckpointError, SignedCheckpoint};
use crate::encoding;
use crate::keys::SecretKey;
use crate::merkle::{self, Hash, ProofError};
use crate::note::{NoteError, NoteKeyType, NoteSignature, VerifierKey};

/// The state file's name inside the witness directory.
pub const WITNESS_STATE_FILE: &str = "witness-state.json";

/// Most consistency proof lines an `add-checkpoint` request may carry (tlog-witness).
pub const MAX_WITNESS_PROOF_LINES: usize = 63;

/// Why a witness refuses, or why two checkpoints are not both true.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The checkpoint's origin is not a log this witness follows (tlog-witness: 404).
    #[error("unknown log '{origin}'")]
    UnknownLog {
        /// The origin line.
        origin: String,
    },
    /// The checkpoint note is malformed or not signed by the log's key (tlog-witness: 400 or 403).
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The `add-checkpoint` request body is malformed (tlog-witness: 400).
    #[error("malformed add-checkpoint request: {why}")]
    MalformedRequest {
        /// What is wrong.
        why: &'static str,
    },
    /// The old size is larger than the checkpoint's size: the log would be going backwards (400).
    #[error("old size {old_size} is larger than the checkpoint size {size}")]
    OldSizeTooLarge {
        /// The old size given.
        old_size: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The old size is not the size this witness last cosigned (tlog-witness: 409, answering `latest`).
    #[error("old size does not match; the witness last cosigned size {latest}")]
    Conflict {
        /// The size of the latest checkpoint the witness cosigned for this log.
        latest: u64,
    },
    /// The consistency proof from the witnessed checkpoint to the new one does not verify (422).
    #[error("consistency proof from size {old_size} to {size} does not verify: {why}")]
    InconsistentProof {
        /// The witnessed size.
        old_size: u64,
        /// The new size.
        size: u64,
        /// Why it fails.
        why: ProofError,
    },
    /// Two checkpoints of one log that cannot both be true: a split view (409 for a witness).
    #[error("{0}")]
    Fork(Box<Fork>),
    /// Two checkpoints given to [`detect_fork`] are of different logs.
    #[error("checkpoints of different logs: '{first}' and '{second}'")]
    DifferentLogs {
        /// The first origin.
        first: String,
        /// The second origin.
        second: String,
    },
    /// The cosignature time is past 2^63 - 1 seconds.
    #[error("cosignature timestamp {0} is out of range")]
    BadTimestamp(u64),
    /// The state file does not hold together; the witness refuses to run rather than forget what it signed.
    #[error("witness state {path}: {why}")]
    CorruptState {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The state file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// How two checkpoints of one log contradict each other.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForkKind {
    /// The same size with different roots.
    SameSizeDifferentRoot {
        /// The size.
        size: u64,
    },
    /// The smaller tree is not a prefix of the larger one: the consistency proof fails.
    NotConsistent {
        /// The smaller size.
        old_size: u64,
        /// The larger size.
        new_size: u64,
        /// Why the proof fails.
        why: ProofError,
    },
    /// The log showed a smaller tree after a larger one. An append-only log never shrinks; a log that shows
    /// one reader an older, smaller tree may be hiding the entries between the two from it.
    Rollback {
        /// The size seen first.
        old_size: u64,
        /// The smaller size seen after it.
        new_size: u64,
    },
}

/// Evidence of a split view: two checkpoints the log signed that cannot both be true, as their exact notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fork {
    /// The log's origin.
    pub origin: String,
    /// The note of the smaller (or earlier-seen) checkpoint.
    pub first: String,
    /// The note of the other checkpoint.
    pub second: String,
    /// How they contradict each other.
    pub kind: ForkKind,
}

impl fmt::Display for Fork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ForkKind::SameSizeDifferentRoot { size } => {
                writeln!(f, "FORK of log '{}': two different roots for size {size}", self.origin)?
            }
            ForkKind::NotConsistent { old_size, new_size, why } => writeln!(
                f,
                "FORK of log '{}': size {old_size} is not a prefix of size {new_size} ({why})",
                self.origin
            )?,
            ForkKind::Rollback { old_size, new_size } => {
                writeln!(f, "FORK of log '{}': it went back from size {old_size} to size {new_size}", self.origin)?
            }
        }
        write!(f, "--- first checkpoint ---\n{}--- second checkpoint ---\n{}", self.first, self.second)
    }
}

/// Checks two signed checkpoints of one log against each other. `proof` is the consistency proof from the
/// smaller to the larger (empty for equal sizes). Returns [`WitnessError::Fork`] with both notes when they
/// contradict each other: same size and different roots, or a consistency proof that fails. The log must
/// be able to prove any two of its checkpoints consistent, so a proof it cannot give is treated as a fork.
pub fn detect_fork(first: &SignedCheckpoint, second: &SignedCheckpoint, proof: &[Hash]) -> Result<(), WitnessError> {
    let (a, b) = (first.checkpoint(), second.checkpoint());
    if a.origin() != b.origin() || first.log_key() != second.log_key() {
        return Err(WitnessError::DifferentLogs { first: a.origin().to_owned(), second: b.origin().to_owned() });
    }
    let (small, large) = if a.size() <= b.size() { (first, second) } else { (second, first) };
    let (s, l) = (small.checkpoint(), large.checkpoint());
    let kind = if s.size() == l.size() {
        if s.root() == l.root() {
            return Ok(());
        }
        ForkKind::SameSizeDifferentRoot { size: s.size() }
    } else {
        match merkle::verify_consistency(s.size(), l.size(), s.root(), l.root(), proof) {
            Ok(()) => return Ok(()),
            Err(why) => ForkKind::NotConsistent { old_size: s.size(), new_size: l.size(), why },
        }
    };
    Err(WitnessError::Fork(Box::new(Fork {
        origin: s.origin().to_owned(),
        first: small.note().to_string(),
        second: large.note().to_string(),
        kind,
    })))
}

/// Makes `cosignature/v1` cosignatures (signature type 0x04) under a witness name.
#[derive(Clone, Debug)]
pub struct Cosigner {
    key: SecretKey,
    verifier: VerifierKey,
}

impl Cosigner {
    /// A cosigner named `name` (a schema-less URL is recommended, e.g. `witness.example/w1`).
    pub fn new(name: &str, key: SecretKey) -> Result<Cosigner, NoteError> {
        let verifier = VerifierKey::new(name, NoteKeyType::CosignatureV1, key.public())?;
        Ok(Cosigner { key, verifier })
    }

    /// The verifier key of its cosignatures.
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.verifier
    }

    /// Cosigns a checkpoint's note text as of `timestamp` (seconds since the Unix epoch). This only signs;
    /// [`Witness`] decides whether it should.
    pub fn cosign(&self, note_text: &str, timestamp: u64) -> Result<NoteSignature, WitnessError> {
        if timestamp > i64::MAX as u64 {
            return Err(WitnessError::BadTimestamp(timestamp));
        }
        let sig = self.key.sign(&encoding::cosignature_message(timestamp, note_text));
        let bytes = encoding::cosignature_bytes(timestamp, &sig.0);
        NoteSignature::new(self.verifier.name(), self.verifier.key_id(), bytes.to_vec())
            .map_err(|e| WitnessError::Checkpoint(e.into()))
    }
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Witnessed {
    /// Tree size.
    pub size: u64,
    /// Root hash.
    pub root: Hash,
    /// The checkpoint note as it was presented, kept as evidence should the log ever contradict it.
    pub note: String,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    version: u32,
    witness: String,
    logs: BTreeMap<String, StoredHead>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredHead {
    size: u64,
    root: String,
    note: String,
}

/// The body of a tlog-witness `add-checkpoint` request: `old <size>`, the consistency proof one base64 hash
/// per line, a blank line, then the checkpoint note.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness last cosigned (0 for none).
    pub old_size: u64,
    /// The consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub note: Vec<u8>,
}

impl AddCheckpoint {
    /// Parses a request body.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, WitnessError> {
        let bad = |why| WitnessError::MalformedRequest { why };
        let mut rest = body;
        let mut next_line = || -> Result<&[u8], WitnessError> {
            let end = rest.iter().position(|&b| b == b'\n').ok_or_else(|| bad("a line does not end in a newline"))?;
            let line = &rest[..end];
            rest = &rest[end + 1..];
            Ok(line)
        };
        let first = std::str::from_utf8(next_line()?).map_err(|_| bad("old size line is not UTF-8"))?;
        let digits = first.strip_prefix("old ").ok_or_else(|| bad("first line must be 'old <size>'"))?;
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || (digits.len() > 1 && digits.starts_with('0'))
        {
            return Err(bad("old size is not a decimal number without leading zeros"));
        }
        let old_size = digits.parse::<u64>().map_err(|_| bad("old size does not fit in 64 bits"))?;
        let mut proof = Vec::new();
        loop {
            let line = next_line()?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_WITNESS_PROOF_LINES {
                return Err(bad("more than 63 consistency proof lines"));
            }
            let text = std::str::from_utf8(line).map_err(|_| bad("proof line is not UTF-8"))?;
            let hash: Hash = encoding::base64_decode(text)
                .and_then(|h| h.try_into().ok())
                .ok_or_else(|| bad("proof line is not the base64 of a 32-byte hash"))?;
            proof.push(hash);
        }
        if old_size == 0 && !proof.is_empty() {
            return Err(bad("the proof must be empty when the old size is 0"));
        }
        Ok(AddCheckpoint { old_size, proof, note: rest.to_vec() })
    }

    /// The request body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size).into_bytes();
        for h in &self.proof {
            out.extend_from_slice(encoding::base64_encode(h).as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&self.note);
        out
    }
}

/// A witness: a [`Cosigner`], the logs it follows (origin → log key), and the latest checkpoint it cosigned
/// for each, persisted in its directory. One process at a time may use a directory.
#[derive(Debug)]
pub struct Witness {
    cosigner: Cosigner,
    dir: PathBuf,
    logs: BTreeMap<String, VerifierKey>,
    state: BTreeMap<String, Witnessed>,
}

fn io_err(context: String) -> impl FnOnce(std::io::Error) -> WitnessError {
    move |source| WitnessError::Io { context, source }
}

impl Witness {
    /// Opens (creating if needed) the witness state in `dir`, cosigning as `name` with `key`.
    pub fn open(dir: &Path, name: &str, key: SecretKey) -> Result<Witness, WitnessError> {
        let cosigner = Cosigner::new(name, key).map_err(CheckpointError::from)?;
        fs::create_dir_all(dir).map_err(io_err(format!("creating {}", dir.display())))?;
        let path = dir.join(WITNESS_STATE_FILE);
        let mut state = BTreeMap::new();
        match fs::read(&path) {
            Ok(bytes) => {
                let corrupt = |why: String| WitnessError::CorruptState { path: path.clone(), why };
                let file: StateFile = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
                if file.version != 1 {
                    return Err(corrupt(format!("unknown version {}", file.version)));
                }
                for (origin, head) in file.logs {
                    let root: Hash = encoding::base64_decode(&head.root)
                        .and_then(|r| r.try_into().ok())
                        .ok_or_else(|| corrupt(format!("root of '{origin}' is not a base64 hash")))?;
                    // The kept note must be the checkpoint it claims to be.
                    let note = crate::note::Note::parse(head.note.as_bytes())
                        .map_err(|e| corrupt(format!("note of '{origin}': {e}")))?;
                    let cp = crate::checkpoint::Checkpoint::parse(note.text())
                        .map_err(|e| corrupt(format!("note of '{origin}': {e}")))?;
                    if cp.origin() != origin || cp.size() != head.size || cp.root() != &root {
                        return Err(corrupt(format!("note of '{origin}' does not match its size and root")));
                    }
                    state.insert(origin, Witnessed { size: head.size, root, note: head.note });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(format!("reading {}", path.display()))(e)),
        }
        Ok(Witness { cosigner, dir: dir.to_owned(), logs: BTreeMap::new(), state })
    }

    /// Follows the log `origin`, whose checkpoints `log_key` signs.
    pub fn follow(&mut self, origin: &str, log_key: VerifierKey) -> Result<(), WitnessError> {
        if log_key.key_type() != NoteKeyType::Ed25519 {
            return Err(CheckpointError::NotALogKey { key: log_key.to_string() }.into());
        }
        self.logs.insert(origin.to_owned(), log_key);
        Ok(())
    }

    /// The witness's verifier key (type 0x04).
    pub fn verifier_key(&self) -> &VerifierKey {
        self.cosigner.verifier_key()
    }

    /// The latest checkpoint cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Option<&Witnessed> {
        self.state.get(origin)
    }

    /// Handles an `add-checkpoint` request body; see [`Witness::add_checkpoint`].
    pub fn add_checkpoint_request(&mut self, body: &[u8], timestamp: u64) -> Result<NoteSignature, WitnessError> {
        let req = AddCheckpoint::parse(body)?;
        self.add_checkpoint(req.old_size, &req.proof, &req.note, timestamp)
    }

    /// Cosigns a checkpoint note if, and only if, it extends what this witness last cosigned for its log:
    /// the note must be signed by the log's key; `old_size` must be the size last cosigned (0 for none);
    /// `proof` must prove that tree consistent with the new one; at equal sizes the roots must be equal. The
    /// new state is on disk before the cosignature is returned.
    pub fn add_checkpoint(
        &mut self,
        old_size: u64,
        proof: &[Hash],
        note: &[u8],
        timestamp: u64,
    ) -> Result<NoteSignature, WitnessError> {
        // The origin decides which key must have signed; nothing else in the text is read before it verifies.
        let origin = note.split(|&b| b == b'\n').next().and_then(|l| std::str::from_utf8(l).ok()).unwrap_or("");
        let log_key =
            self.logs.get(origin).ok_or_else(|| WitnessError::UnknownLog { origin: origin.to_owned() })?.clone();
        let signed = SignedCheckpoint::open(note, &log_key)?;
        let cp = signed.checkpoint();
        if old_size > cp.size() {
            return Err(WitnessError::OldSizeTooLarge { old_size, size: cp.size() });
        }
        let latest = self.state.get(cp.origin());
        let (known_size, known_root) = match latest {
            Some(w) => (w.size, w.root),
            None => (0, merkle::empty_root()),
        };
        if old_size != known_size {
            return Err(WitnessError::Conflict { latest: known_size });
        }
        if old_size == cp.size() && cp.root() != &known_root {
            if let Some(w) = latest {
                return Err(WitnessError::Fork(Box::new(Fork {
                    origin: cp.origin().to_owned(),
                    first: w.note.clone(),
                    second: signed.note().to_string(),
                    kind: ForkKind::SameSizeDifferentRoot { size: cp.size() },
                })));
            }
        }
        merkle::verify_consistency(old_size, cp.size(), &known_root, cp.root(), proof)
            .map_err(|why| WitnessError::InconsistentProof { old_size, size: cp.size(), why })?;

        let text = signed.note().text().to_owned();
        let cosignature = self.cosigner.cosign(&text, timestamp)?;
        if latest.map(|w| w.size) != Some(cp.size()) {
            let origin = cp.origin().to_owned();
            let new = Witnessed { size: cp.size(), root: *cp.root(), note: signed.note().to_string() };
            let previous = self.state.insert(origin.clone(), new);
            if let Err(e) = self.persist() {
                match previous {
                    Some(p) => self.state.insert(origin, p),
                    None => self.state.remove(&origin),
                };
                return Err(e);
            }
        }
        Ok(cosignature)
    }

    fn persist(&self) -> Result<(), WitnessError> {
        let file = StateFile {
            version: 1,
            witness: self.cosigner.verifier_key().to_string(),
            logs: self
                .state
                .iter()
                .map(|(o, w)| {
                    let head =
                        StoredHead { size: w.size, root: encoding::base64_encode(&w.root), note: w.note.clone() };
                    (o.clone(), head)
                })
                .collect(),
        };
        let mut json = serde_json::to_vec_pretty(&file)
            .map_err(|e| WitnessError::CorruptState { path: self.dir.clone(), why: e.to_string() })?;
        json.push(b'\n');
        let path = self.dir.join(WITNESS_STATE_FILE);
        let tmp = self.dir.join(format!("{WITNESS_STATE_FILE}.tmp"));
        let ctx = |what: &str| format!("{what} {}", tmp.display());
        let mut f = fs::File::create(&tmp).map_err(io_err(ctx("creating")))?;
        f.write_all(&json).map_err(io_err(ctx("writing")))?;
        f.sync_all().map_err(io_err(ctx("syncing")))?;
        drop(f);
        fs::rename(&tmp, &path).map_err(io_err(format!("renaming {} to {}", tmp.display(), path.display())))?;
        // The rename is durable only once the directory entry is.
        fs::File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err(format!("syncing directory {}", self.dir.display())))?;
        Ok(())
    }
}
