//! C2SP tlog-checkpoints (<https://c2sp.org/tlog-checkpoint>): [`Checkpoint`], the signed tree head of the
//! log, and [`SignedCheckpoint`], one whose log signature has been verified.
//!
//! The note text is the origin line, the tree size in decimal (no leading zeros), the root hash in standard
//! base64, and optional non-empty extension lines, each ending in a newline. It is built by
//! [`encoding::checkpoint_text`] and signed as a [`Note`] by the log key.

use crate::encoding;
use crate::error::Error;
use crate::ledger::Ledger;
use crate::merkle::Hash;
use crate::note::{Note, NoteError, NoteKeyType, NoteSigner, VerifiedSignature, VerifierKey};

/// Why a checkpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The signed note is malformed or its signatures do not verify.
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
    /// The text has fewer than the three mandatory lines.
    #[error("checkpoint has {found} lines; origin, size and root are required")]
    TooFewLines {
        /// Lines found.
        found: usize,
    },
    /// The origin line is empty.
    #[error("checkpoint origin is empty")]
    EmptyOrigin,
    /// The origin or an extension line holds a newline or a control character.
    #[error("checkpoint line holds a newline or control character")]
    BadLine,
    /// The size line is not a decimal number without leading zeros that fits in 64 bits.
    #[error("checkpoint size {line:?} is not a decimal number without leading zeros")]
    BadSize {
        /// The line.
        line: String,
    },
    /// The root line is not the canonical base64 of 32 bytes.
    #[error("checkpoint root {line:?} is not the base64 of a 32-byte hash")]
    BadRoot {
        /// The line.
        line: String,
    },
    /// An extension line is empty.
    #[error("checkpoint extension line {line} is empty")]
    EmptyExtension {
        /// 1-based line number.
        line: usize,
    },
    /// The key given as the log key is a witness (cosignature) key.
    #[error("{key} is a cosignature key, not a log key")]
    NotALogKey {
        /// The key.
        key: String,
    },
    /// The note verified under some trusted key, but not under the log key.
    #[error("checkpoint is not signed by the log key {key}")]
    NotSignedByLog {
        /// The log key.
        key: String,
    },
    /// The checkpoint does not describe the ledger it was given with.
    #[error("checkpoint does not match the ledger: {why}")]
    LedgerMismatch {
        /// What differs.
        why: String,
    },
}

/// A log's signed tree head: origin, size and root hash, with optional extension lines.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

fn check_line(line: &str) -> Result<(), CheckpointError> {
    if line.chars().any(char::is_control) { Err(CheckpointError::BadLine) } else { Ok(()) }
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Checkpoint, CheckpointError> {
        Checkpoint::with_extensions(origin, size, root, Vec::new())
    }

    /// A checkpoint with extension lines (discouraged by the spec: monitors cannot audit them).
    pub fn with_extensions(
        origin: &str,
        size: u64,
        root: Hash,
        extensions: Vec<String>,
    ) -> Result<Checkpoint, CheckpointError> {
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        check_line(origin)?;
        for (i, e) in extensions.iter().enumerate() {
            if e.is_empty() {
                return Err(CheckpointError::EmptyExtension { line: i + 4 });
            }
            check_line(e)?;
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions })
    }

    /// The checkpoint of `ledger` at tree size `size`.
    pub fn of_ledger(ledger: &Ledger, size: u64) -> Result<Checkpoint, Error> {
        let root = ledger.root_at(size)?;
        Ok(Checkpoint::new(ledger.origin().as_str(), size, root)?)
    }

    /// The origin: the log's identity.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The RFC 6962 root hash of the first `size` leaves.
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// The extension lines.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The note text.
    pub fn text(&self) -> String {
        encoding::checkpoint_text(&self.origin, self.size, &self.root, &self.extensions)
    }

    /// Parses a note text as a checkpoint. The caller must have verified the note's signature first.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(NoteError::BadText)?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(CheckpointError::TooFewLines { found: lines.len() });
        }
        let size_line = lines[1];
        let digits_ok = !size_line.is_empty()
            && size_line.bytes().all(|b| b.is_ascii_digit())
            && (size_line == "0" || !size_line.starts_with('0'));
        let size = match size_line.parse::<u64>() {
            Ok(n) if digits_ok => n,
            _ => return Err(CheckpointError::BadSize { line: size_line.chars().take(40).collect() }),
        };
        let root: Hash = encoding::base64_decode(lines[2])
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| CheckpointError::BadRoot { line: lines[2].chars().take(60).collect() })?;
        let extensions = lines[3..].iter().map(|s| (*s).to_owned()).collect();
        let cp = Checkpoint::with_extensions(lines[0], size, root, extensions)?;
        debug_assert_eq!(cp.text(), text);
        Ok(cp)
    }

    /// Signs the checkpoint with the log's key, giving the signed note.
    pub fn sign(&self, signer: &NoteSigner) -> Note {
        // The text is built from validated lines: it ends in a newline and holds no control characters.
        let mut note = match Note::new(self.text()) {
            Ok(n) => n,
            Err(e) => unreachable!("a validated checkpoint is a valid note text: {e}"),
        };
        note.sign(signer);
        note
    }
}

/// A checkpoint whose note verified under the log key (and possibly some witness keys).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SignedCheckpoint {
    checkpoint: Checkpoint,
    note: Note,
    log_key: VerifierKey,
    verified: Vec<VerifiedSignature>,
}

impl SignedCheckpoint {
    /// Parses a checkpoint note and verifies it under the log key. Signatures by other keys are ignored.
    pub fn open(note: &[u8], log_key: &VerifierKey) -> Result<SignedCheckpoint, CheckpointError> {
        SignedCheckpoint::open_with_witnesses(note, log_key, &[])
    }

    /// Parses a checkpoint note and verifies it under the log key and, where they signed, the witness keys.
    /// The log key must have signed; a bad signature by any of the keys rejects the note.
    pub fn open_with_witnesses(
        note: &[u8],
        log_key: &VerifierKey,
        witnesses: &[VerifierKey],
    ) -> Result<SignedCheckpoint, CheckpointError> {
        if log_key.key_type() != NoteKeyType::Ed25519 {
            return Err(CheckpointError::NotALogKey { key: log_key.to_string() });
        }
        let note = Note::parse(note)?;
        let mut keys = Vec::with_capacity(1 + witnesses.len());
        keys.push(log_key.clone());
        keys.extend(witnesses.iter().cloned());
        let verified = note.verify(&keys)?;
        if !verified.iter().any(|v| &v.key == log_key) {
            return Err(CheckpointError::NotSignedByLog { key: log_key.to_string() });
        }
        let checkpoint = Checkpoint::parse(note.text())?;
        Ok(SignedCheckpoint { checkpoint, note, log_key: log_key.clone(), verified })
    }

    /// The checkpoint.
    pub fn checkpoint(&self) -> &Checkpoint {
        &self.checkpoint
    }

    /// The signed note, as given.
    pub fn note(&self) -> &Note {
        &self.note
    }

    /// The log key it verified under.
    pub fn log_key(&self) -> &VerifierKey {
        &self.log_key
    }

    /// The witness cosignatures that verified (those by keys other than the log key).
    pub fn cosignatures(&self) -> impl Iterator<Item = &VerifiedSignature> {
        self.verified.iter().filter(move |v| v.key != self.log_key)
    }
}
