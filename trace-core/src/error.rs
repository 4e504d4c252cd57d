//! The error types of `trace-core`: one enum for the crate, [`Error`], nesting typed sub-errors.

use std::fmt;

use crate::ids::RecordId;
use crate::keys::PublicKey;

/// A value of a domain type could not be parsed from text or bytes.
///
/// An empty `input` is left out of the message (the key file parser never gives its input, see
/// [`crate::SecretKey::from_file_text`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// What was being parsed ("GTIN", "batch id", ...).
    pub what: &'static str,
    /// The offending input, shortened to 80 characters.
    pub input: String,
    /// Why it was refused.
    pub why: String,
}

impl ParseError {
    /// A parse error for `what` from `input`, saying `why`.
    pub fn new(what: &'static str, input: impl Into<String>, why: impl Into<String>) -> ParseError {
        let mut input: String = input.into();
        if input.len() > 80 {
            let mut cut = 77;
            while !input.is_char_boundary(cut) {
                cut -= 1;
            }
            input.truncate(cut);
            input.push_str("...");
        }
        ParseError { what, input, why: why.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.input.is_empty() {
            write!(f, "invalid {}: {}", self.what, self.why)
        } else {
            write!(f, "invalid {} '{}': {}", self.what, self.input, self.why)
        }
    }
}

/// Bytes that are not the canonical encoding of a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The decoder refused the bytes (truncated, invalid tag, invalid UTF-8, a field that does not parse).
    #[error("malformed encoding: {0}")]
    Malformed(String),
    /// The value ended before the input did.
    #[error("{trailing} trailing bytes after the value")]
    TrailingBytes {
        /// How many bytes were left over.
        trailing: usize,
    },
    /// The bytes decode, but are not the encoding the value re-encodes to.
    #[error("not the canonical encoding")]
    NonCanonical,
    /// The input is larger than the limit for its kind.
    #[error("{len} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        limit: usize,
    },
}

/// A cryptographic or structural check of a record or log failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature does not verify under the author's key (strict ed25519 rules).
    #[error("signature does not verify for author {author}")]
    BadSignature {
        /// The claimed author.
        author: PublicKey,
    },
    /// The record names another ledger.
    #[error("record is for ledger '{found}', not '{expected}'")]
    WrongOrigin {
        /// This ledger's origin.
        expected: String,
        /// The record's origin.
        found: String,
    },
    /// A stored or exported log does not hold together at an entry.
    #[error("entry {index}: {why}")]
    BrokenChain {
        /// The first entry that fails.
        index: u64,
        /// What is wrong with it.
        why: String,
    },
}

/// Stable, machine-readable codes for the rules a record can break. Their text form is the `code` of HTTP
/// errors and CLI refusals; scripts match on it, so a code is never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The record's encoding, size or fields are malformed.
    Malformed,
    /// The record is for another ledger.
    WrongOrigin,
    /// The signature does not verify.
    BadSignature,
    /// The first record of a ledger must be the authority admitting itself.
    Genesis,
    /// The author is not an admitted actor.
    UnknownAuthor,
    /// The author's key was revoked or rotated away.
    RevokedAuthor,
    /// The author's roles do not permit this event kind.
    RoleNotPermitted,
    /// A parent record does not exist in this ledger.
    UnknownParent,
    /// The parents do not name the current heads of the batches acted on (as git refuses a non-fast-forward).
    StaleHead,
    /// A batch or input lot named does not exist.
    UnknownBatch,
    /// An actor named does not exist or has the wrong role.
    UnknownActor,
    /// Two batches would get the same id.
    BatchIdCollision,
    /// The event time is too far in the future, or before the batch's last event.
    BadTime,
    /// A withdrawal period or pre-harvest interval has not ended.
    WithdrawalPeriod,
    /// A banned substance.
    BannedSubstance,
    /// A high-toxicity pesticide on a crop where it is forbidden.
    HighToxicityPesticide,
    /// The batch or an ancestor is on hold, recalled or failed inspection.
    BatchBlocked,
    /// More than is held would be shipped, sold, consumed or disposed of.
    QuantityExceeded,
    /// The author does not hold the batch.
    NotHolder,
    /// A prescription-only drug without a prescribing vet.
    PrescriptionRequired,
    /// An inspection verdict contradicts its value and limit.
    InconsistentVerdict,
    /// The event contradicts the batch's state (receiving an unknown shipment, releasing what is not held).
    InvalidState,
    /// A limit on sizes or counts.
    LimitExceeded,
}

impl Rule {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            Rule::Malformed => "malformed",
            Rule::WrongOrigin => "wrong-origin",
            Rule::BadSignature => "bad-signature",
            Rule::Genesis => "genesis",
            Rule::UnknownAuthor => "unknown-author",
            Rule::RevokedAuthor => "revoked-author",
            Rule::RoleNotPermitted => "role-not-permitted",
            Rule::UnknownParent => "unknown-parent",
            Rule::StaleHead => "stale-head",
            Rule::UnknownBatch => "unknown-batch",
            Rule::UnknownActor => "unknown-actor",
            Rule::BatchIdCollision => "batch-id-collision",
            Rule::BadTime => "bad-time",
            Rule::WithdrawalPeriod => "withdrawal-period",
            Rule::BannedSubstance => "banned-substance",
            Rule::HighToxicityPesticide => "high-toxicity-pesticide",
            Rule::BatchBlocked => "batch-blocked",
            Rule::QuantityExceeded => "quantity-exceeded",
            Rule::NotHolder => "not-holder",
            Rule::PrescriptionRequired => "prescription-required",
            Rule::InconsistentVerdict => "inconsistent-verdict",
            Rule::InvalidState => "invalid-state",
            Rule::LimitExceeded => "limit-exceeded",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A record refused at append: the rule it breaks and a message naming the fact that breaks it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}: {message}")]
pub struct Refusal {
    /// The rule.
    pub rule: Rule,
    /// For people: which drug, applied when, allowed from when.
    pub message: String,
}

impl Refusal {
    /// A refusal under `rule`.
    pub fn new(rule: Rule, message: impl Into<String>) -> Refusal {
        Refusal { rule, message: message.into() }
    }
}

/// Errors of `trace-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Text that does not parse as a domain value.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Bytes that are not a canonical encoding.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A signature, origin or chain check failed.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A record breaks a ledger rule.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// Something asked for does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The storage engine failed; the ledger stops accepting writes until reopened.
    #[error("storage: {0}")]
    Storage(String),
    /// The log in the store does not hold together at an entry; the ledger refuses to serve it.
    #[error("corrupt store at entry {index}: {why}")]
    Corrupt {
        /// The first entry at which the store breaks.
        index: u64,
        /// What is wrong.
        why: String,
    },
    /// A stored key or its value is not what the key layout says it is, and no log entry is to blame (the
    /// head, derived state, an index or lookup key).
    #[error("corrupt store at key {key}: {why}")]
    CorruptKey {
        /// The key: its one-byte prefix as a character, then the rest in hex.
        key: String,
        /// What is wrong.
        why: String,
    },
    /// The ledger answered a demo step otherwise than the story expects: the story and the rules disagree.
    #[error("demo story: {0}")]
    StoryMismatch(String),
    /// An earlier storage failure stopped the writer; reopen the ledger.
    #[error("ledger writer stopped after a storage failure; reopen the ledger")]
    WriterStopped,
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A checkpoint or its signed note is malformed, unsigned, or does not describe this ledger.
    #[error(transparent)]
    Checkpoint(#[from] crate::checkpoint::CheckpointError),
}

impl Error {
    /// The stable code for this error when it is the caller's fault, or `None` for internal failures.
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Error::Parse(_) => Some("invalid-value"),
            Error::Decode(_) => Some(Rule::Malformed.code()),
            Error::Verify(VerifyError::BadSignature { .. }) => Some(Rule::BadSignature.code()),
            Error::Verify(VerifyError::WrongOrigin { .. }) => Some(Rule::WrongOrigin.code()),
            Error::Verify(_) => Some("verify-failed"),
            Error::Refused(r) => Some(r.rule.code()),
            Error::NotFound(_) => Some("not-found"),
            Error::Checkpoint(_) => Some("invalid-checkpoint"),
            _ => None,
        }
    }

    /// The refusal rule, when this is one.
    pub fn rule(&self) -> Option<Rule> {
        match self {
            Error::Refused(r) => Some(r.rule),
            Error::Decode(_) => Some(Rule::Malformed),
            Error::Verify(VerifyError::BadSignature { .. }) => Some(Rule::BadSignature),
            Error::Verify(VerifyError::WrongOrigin { .. }) => Some(Rule::WrongOrigin),
            _ => None,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A record id in messages: the first 12 hex digits.
pub(crate) fn short(id: &RecordId) -> String {
    id.to_string()[..12].to_owned()
}
