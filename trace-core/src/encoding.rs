//! The one place that produces bytes which are hashed or signed.
//!
//! Every such byte string in `trace` is built here: the canonical bincode encoding of records and log entries,
//! the domain-separated signed bytes, record ids, Merkle leaf and node hashes, batch-id derivation and the text
//! of signed notes. Keeping them together is what lets the golden vectors in `tests/data/` pin the whole format,
//! and what will let a later replacement of bincode be proven byte-identical.
//!
//! The bincode configuration is fixed: little-endian, fixed-width integers (so `u64` is 8 bytes and every
//! length prefix is a `u64`), enum variants as `u32`. Decoding is canonical: the input must be consumed exactly
//! and must re-encode to the same bytes, so no two byte strings decode to the same value.

use bincode::config::{Configuration, Fixint, Limit, LittleEndian};
use sha2::{Digest, Sha256};

use crate::error::DecodeError;

/// Upper bound on any single decoded value, so hostile input cannot make the decoder allocate without limit.
pub const MAX_DECODE_BYTES: usize = 1 << 20;

type Config = Configuration<LittleEndian, Fixint, Limit<MAX_DECODE_BYTES>>;

const CONFIG: Config =
    bincode::config::standard().with_little_endian().with_fixed_int_encoding().with_limit::<MAX_DECODE_BYTES>();

/// Domain-separation tag prefixed to the encoded record body before signing.
pub const RECORD_SIGNING_TAG: &[u8] = b"trace/v2/record\n";

/// Domain-separation tag for deriving a batch id from the record that created the batch.
pub const BATCH_ID_TAG: &[u8] = b"trace/v2/batch\n";

/// Domain-separation tag prefixed to HTTP request signatures (see `docs/api.md`).
pub const REQUEST_SIGNING_TAG: &[u8] = b"trace/v1/request\n";

/// RFC 6962 prefix of a Merkle leaf hash.
pub const LEAF_PREFIX: u8 = 0x00;
/// RFC 6962 prefix of a Merkle interior node hash.
pub const NODE_PREFIX: u8 = 0x01;

/// Encodes a value with the canonical configuration.
pub fn encode<T: bincode::Encode>(value: &T) -> Vec<u8> {
    // Encoding into a Vec cannot fail for our types: they hold no floats, maps or values the encoder refuses,
    // and a Vec writer never runs out of space. The limit applies to decoding only.
    match bincode::encode_to_vec(value, CONFIG) {
        Ok(bytes) => bytes,
        Err(e) => unreachable!("canonical encoding of an in-memory value failed: {e}"),
    }
}

/// Decodes a value, requiring that `bytes` is consumed exactly and is the canonical encoding of the result.
pub fn decode<T: bincode::Encode + bincode::Decode<()>>(bytes: &[u8]) -> Result<T, DecodeError> {
    let (value, used): (T, usize) =
        bincode::decode_from_slice(bytes, CONFIG).map_err(|e| DecodeError::Malformed(e.to_string()))?;
    if used != bytes.len() {
        return Err(DecodeError::TrailingBytes { trailing: bytes.len() - used });
    }
    if encode(&value) != bytes {
        return Err(DecodeError::NonCanonical);
    }
    Ok(value)
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SHA-256 over the concatenation of `parts`.
pub fn sha256_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// The bytes an author signs: [`RECORD_SIGNING_TAG`] followed by the encoded body.
pub fn signed_bytes(encoded_body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(RECORD_SIGNING_TAG.len() + encoded_body.len());
    out.extend_from_slice(RECORD_SIGNING_TAG);
    out.extend_from_slice(encoded_body);
    out
}

/// RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf data).
pub fn leaf_hash(leaf_data: &[u8]) -> [u8; 32] {
    sha256_parts(&[&[LEAF_PREFIX], leaf_data])
}

/// RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    sha256_parts(&[&[NODE_PREFIX], left, right])
}

/// The 32 bytes a batch id is cut from: SHA-256(tag ‖ creating record id ‖ output index as u32 LE).
pub fn batch_id_digest(record_id: &[u8; 32], output_index: u32) -> [u8; 32] {
    sha256_parts(&[BATCH_ID_TAG, record_id, &output_index.to_le_bytes()])
}

/// C2SP signed-note key id: `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]`, for an ed25519 key.
pub fn note_key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    note_key_id_of_type(name, NOTE_TYPE_ED25519, public_key)
}

/// C2SP signed-note signature type of a plain Ed25519 signature over the note text.
pub const NOTE_TYPE_ED25519: u8 = 0x01;

/// C2SP signed-note signature type of a timestamped Ed25519 witness cosignature (`cosignature/v1`,
/// c2sp.org/tlog-cosignature).
pub const NOTE_TYPE_COSIGNATURE_V1: u8 = 0x04;

/// What begins every signed-note signature line: an em dash (U+2014, bytes E2 80 94) and a space.
pub const NOTE_SIGNATURE_PREFIX: &str = "\u{2014} ";

/// The header line of the message a `cosignature/v1` cosignature signs, newline included.
pub const COSIGNATURE_V1_HEADER: &str = "cosignature/v1\n";

/// C2SP signed-note key id of any signature type: `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`.
pub fn note_key_id_of_type(name: &str, sig_type: u8, public_key: &[u8]) -> [u8; 4] {
    let h = sha256_parts(&[name.as_bytes(), b"\n", &[sig_type], public_key]);
    [h[0], h[1], h[2], h[3]]
}

/// The note text of a C2SP tlog-checkpoint: the origin line, the tree size in decimal, the root in standard
/// base64, then any extension lines, each line ending in a newline. The caller checks that no line is empty
/// or holds a newline.
pub fn checkpoint_text(origin: &str, size: u64, root: &[u8; 32], extensions: &[String]) -> String {
    let mut out = format!("{origin}\n{size}\n{}\n", base64_encode(root));
    for e in extensions {
        out.push_str(e);
        out.push('\n');
    }
    out
}

/// One signed-note signature line: em dash, space, key name, space, base64(key id ‖ signature), newline.
pub fn note_signature_line(name: &str, key_id: [u8; 4], signature: &[u8]) -> String {
    let mut payload = Vec::with_capacity(4 + signature.len());
    payload.extend_from_slice(&key_id);
    payload.extend_from_slice(signature);
    format!("{NOTE_SIGNATURE_PREFIX}{name} {}\n", base64_encode(&payload))
}

/// A whole signed note: the text (ending in a newline), a blank line, then the signature lines.
pub fn signed_note<'a>(text: &str, signature_lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::with_capacity(text.len() + 1 + 128);
    out.push_str(text);
    out.push('\n');
    for line in signature_lines {
        out.push_str(line);
    }
    out
}

/// The message a `cosignature/v1` Ed25519 cosignature signs: the header line, `time <timestamp>` in decimal,
/// then the whole note text of the cosigned checkpoint (its final newline included, no signature lines).
pub fn cosignature_message(timestamp: u64, note_text: &str) -> Vec<u8> {
    format!("{COSIGNATURE_V1_HEADER}time {timestamp}\n{note_text}").into_bytes()
}

/// The signature bytes of a `cosignature/v1` cosignature: the timestamp as 8 big-endian bytes, then the
/// 64-byte Ed25519 signature (the `timestamped_signature` structure).
pub fn cosignature_bytes(timestamp: u64, signature: &[u8; 64]) -> [u8; 72] {
    let mut out = [0u8; 72];
    out[..8].copy_from_slice(&timestamp.to_be_bytes());
    out[8..].copy_from_slice(signature);
    out
}

/// Standard base64 with padding (RFC 4648 section 4), the encoding of every hash and signature in notes,
/// bundles and proof files.
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard base64 with padding, refusing non-canonical encodings (stray trailing bits), so each
/// byte string has exactly one text form.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// The bytes an HTTP request signature covers (see `docs/api.md`).
pub fn request_signed_bytes(method: &str, path_and_query: &str, time_ms: u64, body: &[u8]) -> Vec<u8> {
    let body_hash = hex::encode(sha256(body));
    let mut out = Vec::with_capacity(REQUEST_SIGNING_TAG.len() + method.len() + path_and_query.len() + 96);
    out.extend_from_slice(REQUEST_SIGNING_TAG);
    out.extend_from_slice(format!("{method}\n{path_and_query}\n{time_ms}\n{body_hash}\n").as_bytes());
    out
}
