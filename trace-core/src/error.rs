//! The error types of `trace-core`: one enum for the crate, [`Error`], nesting typed sub-errors.

use std::fmt;

use crate::facts::Facts;
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

/// Whose fault an error is, and of what kind: the one classification of every error the ledger can answer,
/// from which the node derives its HTTP status (one `match` in `trace-node`) and the CLI its exit code. It knows
/// nothing of HTTP: a class names what happened, not how a transport reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The input is not valid: text or bytes that do not parse, a record that is malformed, wrongly signed or
    /// for another ledger, a checkpoint that does not describe the ledger.
    Invalid,
    /// The caller did not prove who they are. Core never answers it; the node's request authentication does.
    Unauthorized,
    /// The author, or the caller, may not do this: not admitted, revoked, without the role, not the holder.
    Forbidden,
    /// Something named does not exist.
    NotFound,
    /// The record lost a race (a stale head) or collides with what is there.
    Conflict,
    /// Well-formed and permitted, but a food-safety or state rule refuses it.
    Unprocessable,
    /// Not the caller's fault: storage, a corrupt store, a stopped writer, a file that could not be read.
    Internal,
}

/// The rule table: each rule's doc, its stable code and its class, in one row, so a code and the status it
/// gets cannot be defined apart. Generates [`Rule`], [`Rule::ALL`], [`Rule::code`] and [`Rule::class`].
macro_rules! rules {
    ($($(#[$meta:meta])* $rule:ident => $code:literal, $class:ident;)*) => {
        /// Stable, machine-readable codes for the rules a record can break. Their text form is the `code` of HTTP
        /// errors and CLI refusals; scripts match on it, so a code is never renamed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Rule {
            $($(#[$meta])* $rule,)*
        }

        impl Rule {
            /// Every rule, in declaration order.
            pub const ALL: &'static [Rule] = &[$(Rule::$rule),*];

            /// The stable code.
            pub fn code(self) -> &'static str {
                match self {
                    $(Rule::$rule => $code,)*
                }
            }

            /// Whose fault a refusal under this rule is, and of what kind.
            pub fn class(self) -> ErrorClass {
                match self {
                    $(Rule::$rule => ErrorClass::$class,)*
                }
            }
        }
    };
}

rules! {
    /// The record's encoding, size or fields are malformed.
    Malformed => "malformed", Invalid;
    /// The record is for another ledger.
    WrongOrigin => "wrong-origin", Invalid;
    /// The signature does not verify.
    BadSignature => "bad-signature", Invalid;
    /// The first record of a ledger must be the authority admitting itself.
    Genesis => "genesis", Invalid;
    /// The author is not an admitted actor.
    UnknownAuthor => "unknown-author", Forbidden;
    /// The author's key was revoked or rotated away.
    RevokedAuthor => "revoked-author", Forbidden;
    /// The author's roles do not permit this event kind.
    RoleNotPermitted => "role-not-permitted", Forbidden;
    /// A parent record does not exist in this ledger.
    UnknownParent => "unknown-parent", Unprocessable;
    /// The parents do not name the current heads of the batches acted on (as git refuses a non-fast-forward).
    StaleHead => "stale-head", Conflict;
    /// A batch or input lot named does not exist.
    UnknownBatch => "unknown-batch", Unprocessable;
    /// An actor named does not exist or has the wrong role.
    UnknownActor => "unknown-actor", Unprocessable;
    /// Two batches would get the same id.
    BatchIdCollision => "batch-id-collision", Conflict;
    /// The event time is too far in the future, or before the batch's last event.
    BadTime => "bad-time", Unprocessable;
    /// A withdrawal period or pre-harvest interval has not ended.
    WithdrawalPeriod => "withdrawal-period", Unprocessable;
    /// A banned substance.
    BannedSubstance => "banned-substance", Unprocessable;
    /// A high-toxicity pesticide on a crop where it is forbidden.
    HighToxicityPesticide => "high-toxicity-pesticide", Unprocessable;
    /// The batch or an ancestor is on hold, recalled or failed inspection.
    BatchBlocked => "batch-blocked", Unprocessable;
    /// More than is held would be shipped, sold, consumed or disposed of.
    QuantityExceeded => "quantity-exceeded", Unprocessable;
    /// The author does not hold the batch.
    NotHolder => "not-holder", Forbidden;
    /// A prescription-only drug without a prescribing vet.
    PrescriptionRequired => "prescription-required", Unprocessable;
    /// An inspection verdict contradicts its value and limit.
    InconsistentVerdict => "inconsistent-verdict", Unprocessable;
    /// The event contradicts the batch's state (receiving an unknown shipment, releasing what is not held).
    InvalidState => "invalid-state", Unprocessable;
    /// A limit on sizes or counts.
    LimitExceeded => "limit-exceeded", Invalid;
    /// Record format 2 defines this event kind or field, but its rules are not built yet.
    NotEnforced => "not-enforced", Unprocessable;
    /// A withdrawal period, discard period or pre-harvest interval outside the bounds of the official lists.
    PeriodOutOfRange => "period-out-of-range", Unprocessable;
}

impl Rule {
    /// The rule whose [`code`](Rule::code) is `code`: how a client reads a refusal's code back into the rule.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A record refused at append: the rule it breaks and the [`Facts`] that break it. Its `Display` is
/// "{code}: {english}".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}: {facts}")]
pub struct Refusal {
    /// The rule, always [`Facts::rule`] of the facts when built by [`Refusal::new`].
    pub rule: Rule,
    /// What happened, as typed data: which drug, applied when, allowed from when, which block and why.
    pub facts: Facts,
}

impl Refusal {
    /// A refusal for `facts`, under the rule they break.
    pub fn new(facts: Facts) -> Refusal {
        Refusal { rule: facts.rule(), facts }
    }
}

impl From<Facts> for Refusal {
    fn from(facts: Facts) -> Refusal {
        Refusal::new(facts)
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
    /// The stable code and the class of this error, in one exhaustive match so that a new kind of error cannot
    /// be added without saying whose fault it is. Refusal-like errors take their rule's row of the rule table.
    fn classify(&self) -> (Option<&'static str>, ErrorClass) {
        let rule = |r: Rule| (Some(r.code()), r.class());
        match self {
            Error::Parse(_) => (Some("invalid-value"), ErrorClass::Invalid),
            Error::Decode(_) => rule(Rule::Malformed),
            Error::Verify(VerifyError::BadSignature { .. }) => rule(Rule::BadSignature),
            Error::Verify(VerifyError::WrongOrigin { .. }) => rule(Rule::WrongOrigin),
            Error::Verify(_) => (Some("verify-failed"), ErrorClass::Invalid),
            Error::Refused(r) => rule(r.rule),
            Error::NotFound(_) => (Some("not-found"), ErrorClass::NotFound),
            // A checkpoint someone gave us that is malformed, unsigned or of another tree: the caller's fault.
            Error::Checkpoint(_) => (Some("invalid-checkpoint"), ErrorClass::Invalid),
            Error::Storage(_)
            | Error::Corrupt { .. }
            | Error::CorruptKey { .. }
            | Error::StoryMismatch(_)
            | Error::WriterStopped
            | Error::Io { .. } => (None, ErrorClass::Internal),
        }
    }

    /// The stable code for this error when it is the caller's fault, or `None` for internal failures (exactly
    /// the errors of class [`ErrorClass::Internal`]).
    pub fn code(&self) -> Option<&'static str> {
        self.classify().0
    }

    /// Whose fault this error is, and of what kind.
    pub fn class(&self) -> ErrorClass {
        self.classify().1
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

    /// The sentence for people that goes with the code: a refusal's facts in English, otherwise the error's
    /// text. The node answers it and the CLI prints it, so both say the same thing.
    pub fn message(&self) -> String {
        match self {
            Error::Refused(r) => r.facts.to_string(),
            other => other.to_string(),
        }
    }

    /// The typed facts of a refusal, and of the signature and origin checks that answer under a rule code;
    /// `None` for every other error. Their English is [`Error::message`].
    pub fn facts(&self) -> Option<Facts> {
        match self {
            Error::Refused(r) => Some(r.facts.clone()),
            Error::Verify(VerifyError::BadSignature { author }) => Some(Facts::BadSignature { author: *author }),
            Error::Verify(VerifyError::WrongOrigin { expected, found }) => {
                Some(Facts::WrongOrigin { expected: expected.clone(), found: found.clone() })
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of every kind, each variant named in an exhaustive match so that a new kind fails to compile
    /// here until it is added.
    fn one_of_each() -> Vec<Error> {
        let key = crate::SecretKey::from_seed([1; 32]).public();
        let all = vec![
            Error::Parse(ParseError::new("GTIN", "x", "too short")),
            Error::Decode(DecodeError::NonCanonical),
            Error::Verify(VerifyError::BadSignature { author: key }),
            Error::Verify(VerifyError::WrongOrigin { expected: "a".into(), found: "b".into() }),
            Error::Verify(VerifyError::BrokenChain { index: 3, why: "x".into() }),
            Error::Refused(Refusal::new(Facts::StaleHead { expected: Vec::new() })),
            Error::NotFound("batch x".into()),
            Error::Storage("x".into()),
            Error::Corrupt { index: 1, why: "x".into() },
            Error::CorruptKey { key: "b/1".into(), why: "x".into() },
            Error::StoryMismatch("x".into()),
            Error::WriterStopped,
            Error::Io { context: "x".into(), source: std::io::Error::other("x") },
            Error::Checkpoint(crate::checkpoint::CheckpointError::EmptyOrigin),
        ];
        for e in &all {
            match e {
                Error::Parse(_)
                | Error::Decode(_)
                | Error::Verify(_)
                | Error::Refused(_)
                | Error::NotFound(_)
                | Error::Storage(_)
                | Error::Corrupt { .. }
                | Error::CorruptKey { .. }
                | Error::StoryMismatch(_)
                | Error::WriterStopped
                | Error::Io { .. }
                | Error::Checkpoint(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_rule_has_one_code_that_reads_back_as_the_rule() {
        let mut seen = std::collections::HashSet::new();
        for &r in Rule::ALL {
            assert!(seen.insert(r.code()), "{} is used twice", r.code());
            assert_eq!(Rule::from_code(r.code()), Some(r));
        }
        assert_eq!(Rule::from_code("forbidden"), None);
        assert_eq!(Rule::from_code("invalid-value"), None);
    }

    #[test]
    fn an_error_has_a_code_exactly_when_it_is_the_callers_fault_and_a_rule_gives_both() {
        for e in one_of_each() {
            assert_eq!(e.code().is_none(), e.class() == ErrorClass::Internal, "{e:?}");
            if let Some(rule) = e.rule() {
                assert_eq!((e.code(), e.class()), (Some(rule.code()), rule.class()), "{e:?}");
            }
            if let Some(code) = e.code() {
                assert_eq!(Rule::from_code(code), e.rule(), "{code} reads back as the error's own rule, or none");
            }
        }
        assert_eq!(Error::Checkpoint(crate::checkpoint::CheckpointError::EmptyOrigin).class(), ErrorClass::Invalid);
        let shipped = Error::Refused(Refusal::new(Facts::ShippedToSelf));
        assert_eq!(shipped.message(), "a batch cannot be shipped to its own holder");
        assert_eq!(shipped.to_string(), "malformed: a batch cannot be shipped to its own holder");
        assert_eq!(shipped.facts(), Some(Facts::ShippedToSelf));
    }
}
