//! C2SP signed notes (<https://c2sp.org/signed-note>): [`Note`], its [`NoteSignature`] lines, the
//! [`VerifierKey`] text form `name+hex(keyID)+base64(type‖key)`, and [`NoteSigner`].
//!
//! A note is UTF-8 text ending in a newline, a blank line, and one or more signature lines
//! `— <key name> base64(key ID ‖ signature)`. Verification follows the spec: signatures from keys the caller
//! does not know are ignored, every signature from a known key must verify (one that does not rejects the
//! whole note), and at least one must. Two signature types are understood, both Ed25519: plain note
//! signatures (type 0x01) and `cosignature/v1` witness cosignatures (type 0x04, c2sp.org/tlog-cosignature).
//! The bytes of every line are built in [`encoding`](crate::encoding).

use std::fmt;
use std::str::FromStr;

use crate::encoding::{self, NOTE_SIGNATURE_PREFIX, NOTE_TYPE_COSIGNATURE_V1, NOTE_TYPE_ED25519};
use crate::keys::{PublicKey, SecretKey, Signature};

/// Largest note accepted, in bytes.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

/// Most signature lines accepted in one note (the spec requires at least 16; Go's sumdb/note allows 100).
pub const MAX_NOTE_SIGNATURES: usize = 100;

/// Why a note, a signature line or a verifier key is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note is larger than [`MAX_NOTE_BYTES`].
    #[error("note of {len} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The note is not valid UTF-8.
    #[error("note is not valid UTF-8")]
    NotUtf8,
    /// The note holds an ASCII control character other than newline.
    #[error("control character at byte {offset} of the note")]
    ControlCharacter {
        /// Byte offset of the first one.
        offset: usize,
    },
    /// The note text is empty or does not end in a newline.
    #[error("note text must be non-empty and end in a newline")]
    BadText,
    /// There is no blank line followed by signature lines.
    #[error("note has no signature lines after a blank line")]
    NoSignatures,
    /// A signature line is malformed.
    #[error("note line {line}: {why}")]
    MalformedSignatureLine {
        /// 1-based line number in the note.
        line: usize,
        /// What is wrong with it.
        why: &'static str,
    },
    /// More than [`MAX_NOTE_SIGNATURES`] signature lines.
    #[error("note has more than {limit} signatures")]
    TooManySignatures {
        /// The limit.
        limit: usize,
    },
    /// A key name is empty or holds a space, a plus sign or a control character.
    #[error("invalid key name {name:?}: must be non-empty, without spaces, '+' or control characters")]
    InvalidKeyName {
        /// The offending name.
        name: String,
    },
    /// A verifier key string does not parse.
    #[error("invalid verifier key '{key}': {why}")]
    InvalidVerifierKey {
        /// The string, shortened to 120 characters.
        key: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// Two different trusted keys share a name and key id, so a signature cannot be attributed.
    #[error("ambiguous key {name}+{key_id}")]
    AmbiguousKey {
        /// The key name.
        name: String,
        /// The key id in hex.
        key_id: String,
    },
    /// A signature from a known key does not verify, which rejects the whole note.
    #[error("signature by {name}+{key_id} does not verify")]
    BadSignature {
        /// The key name.
        name: String,
        /// The key id in hex.
        key_id: String,
    },
    /// No signature from any known key.
    #[error("no signature by a known key")]
    NoVerifiedSignature,
}

/// The signature types this crate verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NoteKeyType {
    /// Type 0x01: an Ed25519 signature over the note text. Logs sign checkpoints with it.
    Ed25519,
    /// Type 0x04: a timestamped Ed25519 `cosignature/v1` (c2sp.org/tlog-cosignature). Witnesses sign with it.
    CosignatureV1,
}

impl NoteKeyType {
    /// The signature type byte.
    pub fn byte(self) -> u8 {
        match self {
            NoteKeyType::Ed25519 => NOTE_TYPE_ED25519,
            NoteKeyType::CosignatureV1 => NOTE_TYPE_COSIGNATURE_V1,
        }
    }

    fn from_byte(b: u8) -> Option<NoteKeyType> {
        match b {
            NOTE_TYPE_ED25519 => Some(NoteKeyType::Ed25519),
            NOTE_TYPE_COSIGNATURE_V1 => Some(NoteKeyType::CosignatureV1),
            _ => None,
        }
    }
}

/// Whether `name` may be a key name: non-empty, no Unicode white space, no `+`, no control characters.
pub(crate) fn valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

fn check_key_name(name: &str) -> Result<(), NoteError> {
    if valid_key_name(name) { Ok(()) } else { Err(NoteError::InvalidKeyName { name: shorten(name) }) }
}

fn shorten(s: &str) -> String {
    if s.len() <= 120 {
        return s.to_owned();
    }
    let mut cut = 117;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}...", &s[..cut])
}

/// A public key that verifies note signatures, named as in its signature lines.
///
/// Text form (a *vkey*): `name+hex(key ID)+base64(type byte ‖ 32-byte Ed25519 key)`, for example
/// `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`. Parsing checks that the key id is
/// the one the name, type and key derive to.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct VerifierKey {
    name: String,
    key_id: [u8; 4],
    key_type: NoteKeyType,
    key: PublicKey,
}

impl VerifierKey {
    /// The verifier key of `key` under `name` for signatures of `key_type`.
    pub fn new(name: &str, key_type: NoteKeyType, key: PublicKey) -> Result<VerifierKey, NoteError> {
        check_key_name(name)?;
        let key_id = encoding::note_key_id_of_type(name, key_type.byte(), key.as_bytes());
        Ok(VerifierKey { name: name.to_owned(), key_id, key_type, key })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 4-byte key id: `SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]`.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The signature type.
    pub fn key_type(&self) -> NoteKeyType {
        self.key_type
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// Verifies the signature bytes of one line (after the key id) over `text` with the strict Ed25519 rules.
    /// Returns the cosignature timestamp for [`NoteKeyType::CosignatureV1`].
    pub fn verify(&self, text: &str, signature: &[u8]) -> Result<Option<u64>, NoteError> {
        let bad = || NoteError::BadSignature { name: self.name.clone(), key_id: hex::encode(self.key_id) };
        match self.key_type {
            NoteKeyType::Ed25519 => {
                let sig: [u8; 64] = signature.try_into().map_err(|_| bad())?;
                self.key.verify_strict(text.as_bytes(), &Signature(sig)).map_err(|_| bad())?;
                Ok(None)
            }
            NoteKeyType::CosignatureV1 => {
                if signature.len() != 72 {
                    return Err(bad());
                }
                let (ts, sig) = signature.split_at(8);
                let ts = u64::from_be_bytes(ts.try_into().map_err(|_| bad())?);
                // The spec caps the timestamp at 2^63 - 1.
                if ts > i64::MAX as u64 {
                    return Err(bad());
                }
                let sig: [u8; 64] = sig.try_into().map_err(|_| bad())?;
                let message = encoding::cosignature_message(ts, text);
                self.key.verify_strict(&message, &Signature(sig)).map_err(|_| bad())?;
                Ok(Some(ts))
            }
        }
    }

    fn matches(&self, sig: &NoteSignature) -> bool {
        self.name == sig.name && self.key_id == sig.key_id
    }
}

impl fmt::Display for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut material = Vec::with_capacity(33);
        material.push(self.key_type.byte());
        material.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{}+{}", self.name, hex::encode(self.key_id), encoding::base64_encode(&material))
    }
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl FromStr for VerifierKey {
    type Err = NoteError;

    fn from_str(s: &str) -> Result<VerifierKey, NoteError> {
        let invalid = |why| NoteError::InvalidVerifierKey { key: shorten(s), why };
        // The name holds no '+', so the first two '+' separate the fields; base64 may hold more.
        let (name, rest) = s.split_once('+').ok_or_else(|| invalid("expected name+keyid+key"))?;
        let (id_hex, material) = rest.split_once('+').ok_or_else(|| invalid("expected name+keyid+key"))?;
        check_key_name(name)?;
        let mut key_id = [0u8; 4];
        if id_hex.len() != 8 || hex::decode_to_slice(id_hex, &mut key_id).is_err() {
            return Err(invalid("key id must be 8 hex digits"));
        }
        let raw = encoding::base64_decode(material).ok_or_else(|| invalid("key is not canonical base64"))?;
        let (&type_byte, key) = raw.split_first().ok_or_else(|| invalid("empty key"))?;
        let key_type = NoteKeyType::from_byte(type_byte).ok_or_else(|| invalid("unsupported signature type"))?;
        let key: [u8; 32] = key.try_into().map_err(|_| invalid("an Ed25519 key is 32 bytes"))?;
        let key = PublicKey::from_bytes(key).map_err(|_| invalid("not a usable Ed25519 public key"))?;
        let vkey = VerifierKey::new(name, key_type, key)?;
        if vkey.key_id != key_id {
            return Err(invalid("key id does not match the name, type and key"));
        }
        Ok(vkey)
    }
}

crate::macros::serde_via_str!(VerifierKey);

/// One signature line of a note: key name, key id, and the signature bytes that follow the key id.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NoteSignature {
    name: String,
    key_id: [u8; 4],
    signature: Vec<u8>,
}

impl NoteSignature {
    /// A signature line from its parts. The name must be a valid key name and the signature non-empty.
    pub fn new(name: &str, key_id: [u8; 4], signature: Vec<u8>) -> Result<NoteSignature, NoteError> {
        check_key_name(name)?;
        if signature.is_empty() {
            return Err(NoteError::MalformedSignatureLine { line: 0, why: "empty signature" });
        }
        Ok(NoteSignature { name: name.to_owned(), key_id, signature })
    }

    /// Parses one signature line, with or without its final newline.
    pub fn parse_line(line: &str) -> Result<NoteSignature, NoteError> {
        parse_signature_line(line.strip_suffix('\n').unwrap_or(line), 1)
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key id.
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The signature bytes after the key id (for a cosignature: timestamp ‖ Ed25519 signature).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The line, newline included.
    pub fn line(&self) -> String {
        encoding::note_signature_line(&self.name, self.key_id, &self.signature)
    }
}

fn parse_signature_line(line: &str, line_no: usize) -> Result<NoteSignature, NoteError> {
    let malformed = |why| NoteError::MalformedSignatureLine { line: line_no, why };
    let rest = line.strip_prefix(NOTE_SIGNATURE_PREFIX).ok_or_else(|| malformed("does not start with '— '"))?;
    let (name, b64) = rest.split_once(' ').ok_or_else(|| malformed("no space between key name and signature"))?;
    check_key_name(name)?;
    let raw = encoding::base64_decode(b64).ok_or_else(|| malformed("signature is not canonical base64"))?;
    if raw.len() < 5 {
        return Err(malformed("signature is shorter than a key id and one byte"));
    }
    let (id, sig) = raw.split_at(4);
    let key_id = [id[0], id[1], id[2], id[3]];
    Ok(NoteSignature { name: name.to_owned(), key_id, signature: sig.to_vec() })
}

/// A signing key under a key name, producing plain Ed25519 note signatures (type 0x01).
#[derive(Clone, Debug)]
pub struct NoteSigner {
    key: SecretKey,
    verifier: VerifierKey,
}

impl NoteSigner {
    /// A signer named `name` (for a log: its origin).
    pub fn new(name: &str, key: SecretKey) -> Result<NoteSigner, NoteError> {
        let verifier = VerifierKey::new(name, NoteKeyType::Ed25519, key.public())?;
        Ok(NoteSigner { key, verifier })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        self.verifier.name()
    }

    /// The verifier key that checks this signer's signatures.
    pub fn verifier_key(&self) -> &VerifierKey {
        &self.verifier
    }

    /// Signs a note text.
    pub fn sign(&self, text: &str) -> NoteSignature {
        let sig = self.key.sign(text.as_bytes());
        NoteSignature { name: self.verifier.name.clone(), key_id: self.verifier.key_id, signature: sig.0.to_vec() }
    }
}

/// A signature that verified, and under which key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifiedSignature {
    /// The key it verified under.
    pub key: VerifierKey,
    /// For a cosignature: the time it claims to have been made, in seconds since the Unix epoch.
    pub timestamp: Option<u64>,
}

/// A signed note: text and signature lines. Its `Display` is the note's exact bytes.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::BadText);
    }
    if let Some(offset) = text.bytes().position(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter { offset });
    }
    Ok(())
}

impl Note {
    /// An unsigned note over `text`, which must end in a newline and hold no control characters but newlines.
    pub fn new(text: impl Into<String>) -> Result<Note, NoteError> {
        let text = text.into();
        check_text(&text)?;
        Ok(Note { text, signatures: Vec::new() })
    }

    /// Parses a signed note. Signatures are not checked here; see [`Note::verify`].
    pub fn parse(bytes: &[u8]) -> Result<Note, NoteError> {
        if bytes.len() > MAX_NOTE_BYTES {
            return Err(NoteError::TooLarge { len: bytes.len(), limit: MAX_NOTE_BYTES });
        }
        let s = std::str::from_utf8(bytes).map_err(|_| NoteError::NotUtf8)?;
        if let Some(offset) = s.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(NoteError::ControlCharacter { offset });
        }
        // The text ends at the last blank line; the text may itself hold blank lines.
        let split = s.rfind("\n\n").ok_or(NoteError::NoSignatures)?;
        let (text, sigs) = (&s[..split + 1], &s[split + 2..]);
        if sigs.is_empty() {
            return Err(NoteError::NoSignatures);
        }
        let first_line = text.matches('\n').count() + 2;
        let Some(body) = sigs.strip_suffix('\n') else {
            let line = first_line + sigs.matches('\n').count();
            return Err(NoteError::MalformedSignatureLine { line, why: "does not end in a newline" });
        };
        let mut signatures = Vec::new();
        for (n, line) in body.split('\n').enumerate() {
            if n == MAX_NOTE_SIGNATURES {
                return Err(NoteError::TooManySignatures { limit: MAX_NOTE_SIGNATURES });
            }
            signatures.push(parse_signature_line(line, first_line + n)?);
        }
        Ok(Note { text: text.to_owned(), signatures })
    }

    /// The signed text, final newline included.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line, replacing any line with the same key name and id.
    pub fn add_signature(&mut self, sig: NoteSignature) {
        self.signatures.retain(|s| !(s.name == sig.name && s.key_id == sig.key_id));
        self.signatures.push(sig);
    }

    /// Signs the note with `signer`, replacing an earlier signature by the same key.
    pub fn sign(&mut self, signer: &NoteSigner) {
        let sig = signer.sign(&self.text);
        self.add_signature(sig);
    }

    /// Verifies the note against the keys the caller trusts, as the spec requires: lines from unknown keys
    /// are ignored, every line from a known key must verify, and at least one must. Returns each key that
    /// verified, once, in the order its first line appears.
    pub fn verify(&self, keys: &[VerifierKey]) -> Result<Vec<VerifiedSignature>, NoteError> {
        let mut verified: Vec<VerifiedSignature> = Vec::new();
        for sig in &self.signatures {
            let mut known = keys.iter().filter(|k| k.matches(sig));
            let Some(key) = known.next() else { continue };
            if known.any(|other| other != key) {
                return Err(NoteError::AmbiguousKey { name: sig.name.clone(), key_id: hex::encode(sig.key_id) });
            }
            let timestamp = key.verify(&self.text, &sig.signature)?;
            if !verified.iter().any(|v| &v.key == key) {
                verified.push(VerifiedSignature { key: key.clone(), timestamp });
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoVerifiedSignature);
        }
        Ok(verified)
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.signatures.iter().map(NoteSignature::line).collect();
        f.write_str(&encoding::signed_note(&self.text, lines.iter().map(String::as_str)))
    }
}
