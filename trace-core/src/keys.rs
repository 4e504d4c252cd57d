//! Ed25519 keys and signatures as parsed newtypes, and the secret-key file format.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{OnceLock, RwLock};

use ed25519_dalek::{Signer, VerifyingKey};

use crate::error::{ParseError, VerifyError};
use crate::ids::parse_hex32;

/// An ed25519 public key that decompresses to a curve point and is not of small order.
///
/// Actors are named by their public key; shown as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, bincode::Encode)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// Checks that `bytes` is a usable ed25519 public key.
    pub fn from_bytes(bytes: [u8; 32]) -> Result<PublicKey, ParseError> {
        if checked_keys::get(&bytes).is_some() {
            return Ok(PublicKey(bytes));
        }
        let vk = VerifyingKey::from_bytes(&bytes)
            .map_err(|_| ParseError::new("public key", hex::encode(bytes), "not a point on the curve"))?;
        if vk.is_weak() {
            return Err(ParseError::new("public key", hex::encode(bytes), "a weak (small-order) key"));
        }
        checked_keys::put(bytes, vk);
        Ok(PublicKey(bytes))
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The first eight hex digits, for people (never for lookups).
    pub fn short(&self) -> String {
        hex::encode(&self.0[..4])
    }

    /// Verifies `signature` over `message` with the strict rules (no malleable or small-order inputs).
    pub fn verify_strict(&self, message: &[u8], signature: &Signature) -> Result<(), VerifyError> {
        let vk = self.verifying_key();
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        vk.verify_strict(message, &sig).map_err(|_| VerifyError::BadSignature { author: *self })
    }

    /// The dalek verifying key. The bytes were checked at construction, so decompression succeeds.
    pub fn verifying_key(&self) -> VerifyingKey {
        if let Some(vk) = checked_keys::get(&self.0) {
            return vk;
        }
        match VerifyingKey::from_bytes(&self.0) {
            Ok(vk) => {
                checked_keys::put(self.0, vk);
                vk
            }
            Err(_) => unreachable!("PublicKey holds only bytes that decompressed at construction"),
        }
    }
}

/// Keys that decompressed to a curve point which is not of small order, with that point.
///
/// Every stored actor, batch and entry names keys, and each is checked again whenever it is decoded: a point
/// decompression (a field exponentiation) each time, which made key checks the largest single cost of reading
/// state and of lineage walks, and a second decompression in every signature check. The check is a pure
/// function of the 32 bytes, so remembering its result changes no answer. The cache is bounded: a ledger has
/// thousands of actors, not millions, and when it fills it is simply emptied (a hostile stream of distinct
/// keys costs the check it always cost).
mod checked_keys {
    use super::*;

    /// Most keys remembered (about 200 bytes each).
    const LIMIT: usize = 16 * 1024;

    type Cache = RwLock<HashMap<[u8; 32], VerifyingKey>>;

    fn cache() -> &'static Cache {
        static CACHE: OnceLock<Cache> = OnceLock::new();
        CACHE.get_or_init(|| RwLock::new(HashMap::new()))
    }

    pub(super) fn get(bytes: &[u8; 32]) -> Option<VerifyingKey> {
        let c = match cache().read() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        c.get(bytes).copied()
    }

    /// Remembers a key that passed the check.
    pub(super) fn put(bytes: [u8; 32], vk: VerifyingKey) {
        let mut c = match cache().write() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        if c.len() >= LIMIT {
            c.clear();
        }
        c.insert(bytes, vk);
    }
}

impl<C> bincode::Decode<C> for PublicKey {
    fn decode<D: bincode::de::Decoder<Context = C>>(d: &mut D) -> Result<Self, bincode::error::DecodeError> {
        let bytes: [u8; 32] = bincode::Decode::decode(d)?;
        PublicKey::from_bytes(bytes).map_err(|e| bincode::error::DecodeError::OtherString(e.to_string()))
    }
}
bincode::impl_borrow_decode!(PublicKey);

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.0))
    }
}

impl FromStr for PublicKey {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        PublicKey::from_bytes(parse_hex32(s.trim(), "public key")?)
    }
}

crate::macros::serde_via_str!(PublicKey);

/// A 64-byte ed25519 signature, shown as 128 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, bincode::Encode, bincode::Decode)]
pub struct Signature(pub [u8; 64]);

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.0))
    }
}

impl FromStr for Signature {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let mut out = [0u8; 64];
        hex::decode_to_slice(s.trim(), &mut out)
            .map_err(|_| ParseError::new("signature", s, "expected 128 hex digits"))?;
        Ok(Signature(out))
    }
}

crate::macros::serde_via_str!(Signature);

/// A secret signing key. Its `Debug` output never shows the secret.
#[derive(Clone)]
pub struct SecretKey {
    inner: ed25519_dalek::SigningKey,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public())
    }
}

const KEY_FILE_HEADER: &str = "trace secret key v1";

impl SecretKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<SecretKey, std::io::Error> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(SecretKey::from_seed(seed))
    }

    /// The key for a 32-byte seed (RFC 8032 private key). Used by tests and golden vectors.
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey { inner: ed25519_dalek::SigningKey::from_bytes(&seed) }
    }

    /// The 32-byte seed.
    pub fn seed(&self) -> [u8; 32] {
        self.inner.to_bytes()
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        // A key derived from a seed is a valid, non-weak point (it is a multiple of the base point).
        PublicKey(self.inner.verifying_key().to_bytes())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.inner.sign(message).to_bytes())
    }

    /// The key file text: a header line, the public key, the secret seed, each on its own line.
    pub fn to_file_text(&self) -> String {
        format!(
            "{KEY_FILE_HEADER}\n# Keep this file secret: it signs records in your name.\npublic {}\nsecret {}\n",
            self.public(),
            hex::encode(self.seed())
        )
    }

    /// Parses key file text written by [`SecretKey::to_file_text`], checking the public line matches.
    ///
    /// No error from here carries any text of the file: a damaged or misplaced secret (pasted on the public
    /// line, say, or on a line of its own) would otherwise be echoed on stderr and in logs. Errors name the
    /// line and say what is wrong with it instead.
    pub fn from_file_text(text: &str) -> Result<SecretKey, ParseError> {
        let refuse = |why: String| ParseError::new("key file", "", why);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
        if lines.next().map(|(_, l)| l.trim()) != Some(KEY_FILE_HEADER) {
            return Err(refuse(format!("first line must be '{KEY_FILE_HEADER}'")));
        }
        let mut public = None;
        let mut secret = None;
        for (n, line) in lines {
            match line.split_once(' ') {
                Some(("public", v)) => {
                    let bytes = hex32_quiet(v.trim()).map_err(|why| refuse(format!("line {n} (public): {why}")))?;
                    // The value may be a secret pasted on the wrong line, so it is not echoed either.
                    let p = PublicKey::from_bytes(bytes)
                        .map_err(|e| refuse(format!("line {n} (public): not a usable public key: {}", e.why)))?;
                    public = Some(p);
                }
                Some(("secret", v)) => {
                    secret = Some(hex32_quiet(v.trim()).map_err(|why| refuse(format!("line {n} (secret): {why}")))?);
                }
                _ => return Err(refuse(format!("line {n} is neither a 'public' nor a 'secret' line"))),
            }
        }
        let seed = secret.ok_or_else(|| refuse("no 'secret' line".to_owned()))?;
        let key = SecretKey::from_seed(seed);
        if let Some(p) = public {
            if p != key.public() {
                return Err(refuse(format!(
                    "the public line does not match the secret (whose public key is {})",
                    key.public()
                )));
            }
        }
        Ok(key)
    }
}

/// Parses 64 hex digits into 32 bytes. The error says what is wrong (the length, or which character is not a
/// hex digit) and never contains the input, so it is safe for secrets.
fn hex32_quiet(s: &str) -> Result<[u8; 32], String> {
    if let Some((i, _)) = s.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        let pos = s[..i].chars().count() + 1;
        return Err(format!("character {pos} is not a hex digit"));
    }
    if s.len() != 64 {
        return Err(format!("expected 64 hex digits, found {}", s.len()));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| "expected 64 hex digits".to_owned())?;
    Ok(out)
}
