//! Identifiers that parse: [`RecordId`], [`EntryHash`] and the hand-typeable [`BatchId`].

use std::fmt;
use std::str::FromStr;

use crate::encoding;
use crate::error::ParseError;

macro_rules! hex32_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, bincode::Encode, bincode::Decode)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// The raw 32 bytes.
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), hex::encode(self.0))
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                parse_hex32(s, $what).map($name)
            }
        }

        $crate::macros::serde_via_str!($name);
    };
}

pub(crate) use hex32_id;

/// Parses 64 lowercase or uppercase hex digits into 32 bytes.
pub(crate) fn parse_hex32(s: &str, what: &'static str) -> Result<[u8; 32], ParseError> {
    if s.len() != 64 {
        return Err(ParseError::new(what, s, "expected 64 hex digits"));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| ParseError::new(what, s, "expected 64 hex digits"))?;
    Ok(out)
}

hex32_id!(
    /// SHA-256 of a record's canonical encoding (body and signature). Shown as 64 lowercase hex digits.
    RecordId,
    "record id"
);

hex32_id!(
    /// The hash that chains log entries: the RFC 6962 leaf hash of the entry's leaf data.
    EntryHash,
    "entry hash"
);

impl EntryHash {
    /// The `prev` of the first entry in a log.
    pub const ZERO: EntryHash = EntryHash([0; 32]);
}

/// Crockford base32 alphabet: no I, L, O or U, so labels survive being read aloud and typed by hand.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn crockford_value(c: char) -> Option<u8> {
    let c = c.to_ascii_uppercase();
    let c = match c {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    CROCKFORD.iter().position(|&a| a as char == c).map(|p| p as u8)
}

/// Luhn mod 32 check symbol over base32 digits: catches every single-symbol error and most adjacent swaps.
fn luhn32(digits: &[u8]) -> u8 {
    let mut factor = 2u32;
    let mut sum = 0u32;
    for &d in digits.iter().rev() {
        let addend = factor * u32::from(d);
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / 32 + addend % 32;
    }
    ((32 - (sum % 32)) % 32) as u8
}

/// A batch or input-lot id: 60 bits cut from SHA-256 of the record that created it, written as twelve
/// Crockford base32 symbols plus one Luhn mod 32 check symbol, grouped `XXXX-XXXX-XXXXC` for labels.
///
/// Parsing is case-insensitive, ignores hyphens and spaces, reads `O` as `0` and `I`/`L` as `1`, and rejects a
/// wrong check symbol, so a mistyped label is refused instead of resolving to another batch.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, bincode::Encode, bincode::Decode)]
pub struct BatchId(u64);

impl BatchId {
    const BITS: u32 = 60;
    const SYMBOLS: usize = 12;

    /// The id of output `output_index` of the record `record` (0 for a plain registration).
    pub fn derive(record: &RecordId, output_index: u32) -> BatchId {
        let d = encoding::batch_id_digest(record.as_bytes(), output_index);
        let mut first = [0u8; 8];
        first.copy_from_slice(&d[..8]);
        BatchId(u64::from_be_bytes(first) >> (64 - Self::BITS))
    }

    /// The 60-bit value, used as the storage key.
    pub fn value(&self) -> u64 {
        self.0
    }

    /// Rebuilds an id from its storage value; refuses values wider than 60 bits.
    pub fn from_value(v: u64) -> Option<BatchId> {
        (v >> Self::BITS == 0).then_some(BatchId(v))
    }

    fn digits(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        for (i, d) in out.iter_mut().enumerate() {
            let shift = 5 * (Self::SYMBOLS - 1 - i);
            *d = ((self.0 >> shift) & 31) as u8;
        }
        out
    }

    /// The thirteen symbols without grouping, as used in URLs (`/b/{id}`).
    pub fn compact(&self) -> String {
        let digits = self.digits();
        let mut s: String = digits.iter().map(|&d| CROCKFORD[d as usize] as char).collect();
        s.push(CROCKFORD[luhn32(&digits) as usize] as char);
        s
    }
}

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.compact();
        write!(f, "{}-{}-{}", &c[0..4], &c[4..8], &c[8..13])
    }
}

impl fmt::Debug for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BatchId({self})")
    }
}

impl FromStr for BatchId {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let mut digits = Vec::with_capacity(13);
        for c in s.chars() {
            if c == '-' || c == ' ' {
                continue;
            }
            match crockford_value(c) {
                Some(v) => digits.push(v),
                None => return Err(ParseError::new("batch id", s, format!("'{c}' is not a base32 symbol"))),
            }
        }
        if digits.len() != Self::SYMBOLS + 1 {
            return Err(ParseError::new("batch id", s, "expected 13 symbols, like 7K3M-Q9TA-C2XVR"));
        }
        let (body, check) = digits.split_at(Self::SYMBOLS);
        if luhn32(body) != check[0] {
            return Err(ParseError::new("batch id", s, "check symbol does not match; is a symbol mistyped?"));
        }
        let v = body.iter().fold(0u64, |acc, &d| (acc << 5) | u64::from(d));
        Ok(BatchId(v))
    }
}

crate::macros::serde_via_str!(BatchId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_id_round_trips_and_forgives_case_and_lookalikes() {
        let id = BatchId::derive(&RecordId([7; 32]), 0);
        let shown = id.to_string();
        assert_eq!(shown.len(), 15);
        assert_eq!(shown.parse::<BatchId>().unwrap(), id);
        assert_eq!(shown.to_lowercase().parse::<BatchId>().unwrap(), id);
        assert_eq!(id.compact().parse::<BatchId>().unwrap(), id);
        let with_lookalikes = shown.replace('0', "o").replace('1', "l");
        assert_eq!(with_lookalikes.parse::<BatchId>().unwrap(), id);
    }

    #[test]
    fn batch_id_check_symbol_catches_every_single_substitution() {
        let id = BatchId::derive(&RecordId([42; 32]), 3);
        let compact = id.compact();
        for pos in 0..13 {
            for &sym in CROCKFORD {
                let mut chars: Vec<char> = compact.chars().collect();
                if chars[pos] == sym as char {
                    continue;
                }
                chars[pos] = sym as char;
                let typo: String = chars.into_iter().collect();
                assert!(typo.parse::<BatchId>().is_err(), "typo {typo} accepted");
            }
        }
    }

    #[test]
    fn distinct_outputs_get_distinct_ids() {
        let r = RecordId([1; 32]);
        assert_ne!(BatchId::derive(&r, 0), BatchId::derive(&r, 1));
    }
}
