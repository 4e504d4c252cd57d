//! The key layout of the ledger in its [`Store`](crate::store::Store): one ordered keyspace, each kind of
//! key behind a one-byte prefix. Integers in keys are big-endian so keys sort numerically.
//!
//! | prefix | key | value |
//! |---|---|---|
//! | `H` | `H` | [`Head`]: size, last entry hash, last accepted time, root |
//! | `E` | `E` ‖ index u64 | leaf data (encoded [`LogEntry`](crate::record::LogEntry)) |
//! | `I` | `I` ‖ record id | index u64 of the entry holding the record |
//! | `T` | `T` ‖ level u8 ‖ index u64 | hash of the complete Merkle subtree |
//! | `A` | `A` ‖ public key | actor state |
//! | `B` | `B` ‖ batch id u64 | batch state |
//! | `h` | `h` ‖ batch id ‖ index u64 | (empty): the batch's history, in log order |
//! | `c` | `c` ‖ parent batch ‖ child batch | (empty): lineage edge, parent to child |
//! | `p` | `p` ‖ child batch ‖ parent batch | (empty): lineage edge, child to parent |
//! | `a` | `a` ‖ input lot ‖ batch | (empty): the lot was applied to the batch |
//! | `v` | `v` ‖ vet-drug code | input lot id u64 |
//! | `g` | `g` ‖ GTIN ‖ 0 ‖ lot | batch id u64 |
//! | `x` | `x` ‖ target record id ‖ index | (empty): a correction of the target |
//! | `R` | `R` | the substance registry in force: version, local additions, removals |
//! | `L` | `L` ‖ index u64 | (empty): a late entry (claimed time long before acceptance) |
//! | `n` | `n` ‖ handle | the actor's public key (32 bytes) |
//! | `r` | `r` ‖ inspection record id | (empty): the failed inspection has been re-tested |
//! | `k` | `k` ‖ record id | index u64 of the entry that countersigned the record |
//! | `f` | `f` ‖ index u64 | (empty): the entry is a failed inspection (a positive result) |
//! | `P` | `P` ‖ public key ‖ batch id u64 | (empty): the key wrote or is named in a record on the batch (the read model) |
//!
//! Every key is built, and every key or u64 value taken apart, by a function of this module: no other module
//! spells a prefix byte. A key or value of the wrong shape is [`Error::CorruptKey`], naming the key.

use crate::error::Error;
use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;
use crate::store::prefix_range;

/// The log head.
pub(crate) const HEAD: &[u8] = b"H";

pub(crate) fn entry(index: u64) -> Vec<u8> {
    cat(b'E', &[&index.to_be_bytes()])
}

pub(crate) fn record_index(id: &RecordId) -> Vec<u8> {
    cat(b'I', &[id.as_bytes()])
}

pub(crate) fn tree_node(level: u8, index: u64) -> Vec<u8> {
    cat(b'T', &[&[level], &index.to_be_bytes()])
}

/// The prefix of every actor key.
pub(crate) const ACTOR_PREFIX: &[u8] = b"A";

pub(crate) fn actor(key: &PublicKey) -> Vec<u8> {
    cat(b'A', &[key.as_bytes()])
}

/// The prefix of every batch key.
pub(crate) const BATCH_PREFIX: &[u8] = b"B";

pub(crate) fn batch(id: BatchId) -> Vec<u8> {
    cat(b'B', &[&id.value().to_be_bytes()])
}

pub(crate) fn history(id: BatchId, index: u64) -> Vec<u8> {
    cat(b'h', &[&id.value().to_be_bytes(), &index.to_be_bytes()])
}

pub(crate) fn history_prefix(id: BatchId) -> Vec<u8> {
    cat(b'h', &[&id.value().to_be_bytes()])
}

pub(crate) fn child_edge(parent: BatchId, child: BatchId) -> Vec<u8> {
    cat(b'c', &[&parent.value().to_be_bytes(), &child.value().to_be_bytes()])
}

pub(crate) fn children_prefix(parent: BatchId) -> Vec<u8> {
    cat(b'c', &[&parent.value().to_be_bytes()])
}

pub(crate) fn parent_edge(child: BatchId, parent: BatchId) -> Vec<u8> {
    cat(b'p', &[&child.value().to_be_bytes(), &parent.value().to_be_bytes()])
}

pub(crate) fn parents_prefix(child: BatchId) -> Vec<u8> {
    cat(b'p', &[&child.value().to_be_bytes()])
}

pub(crate) fn applied(lot: BatchId, batch: BatchId) -> Vec<u8> {
    cat(b'a', &[&lot.value().to_be_bytes(), &batch.value().to_be_bytes()])
}

pub(crate) fn vet_drug_code(code: &str) -> Vec<u8> {
    cat(b'v', &[code.as_bytes()])
}

pub(crate) fn gtin_lot(gtin: &str, lot: &str) -> Vec<u8> {
    cat(b'g', &[gtin.as_bytes(), &[0], lot.as_bytes()])
}

pub(crate) fn correction(target: &RecordId, index: u64) -> Vec<u8> {
    cat(b'x', &[target.as_bytes(), &index.to_be_bytes()])
}

pub(crate) fn corrections_prefix(target: &RecordId) -> Vec<u8> {
    cat(b'x', &[target.as_bytes()])
}

pub(crate) fn registry() -> Vec<u8> {
    b"R".to_vec()
}

pub(crate) fn handle(handle: &str) -> Vec<u8> {
    cat(b'n', &[handle.as_bytes()])
}

/// The key a handle's value holds.
pub(crate) fn read_handle_value(key: &[u8], value: &[u8]) -> Result<PublicKey, Error> {
    let bytes: [u8; 32] = value
        .try_into()
        .map_err(|_| corrupt(key, format!("a {}-byte value where a 32-byte key belongs", value.len())))?;
    PublicKey::from_bytes(bytes).map_err(|e| corrupt(key, e.to_string()))
}

pub(crate) fn party(key: &PublicKey, batch: BatchId) -> Vec<u8> {
    cat(b'P', &[key.as_bytes(), &batch.value().to_be_bytes()])
}

pub(crate) fn party_prefix(key: &PublicKey) -> Vec<u8> {
    cat(b'P', &[key.as_bytes()])
}

pub(crate) fn positive(index: u64) -> Vec<u8> {
    cat(b'f', &[&index.to_be_bytes()])
}

pub(crate) fn positives_prefix() -> Vec<u8> {
    vec![b'f']
}

pub(crate) fn applied_prefix(lot: BatchId) -> Vec<u8> {
    cat(b'a', &[&lot.value().to_be_bytes()])
}

pub(crate) fn retest(first: &RecordId) -> Vec<u8> {
    cat(b'r', &[first.as_bytes()])
}

pub(crate) fn countersigned(target: &RecordId) -> Vec<u8> {
    cat(b'k', &[target.as_bytes()])
}

pub(crate) fn late_entry(index: u64) -> Vec<u8> {
    cat(b'L', &[&index.to_be_bytes()])
}

const LATE_PREFIX: &[u8] = b"L";

/// The `[from, to)` range of late-entry keys from entry `index` on.
pub(crate) fn late_entries_from(index: u64) -> (Vec<u8>, Vec<u8>) {
    let (_, to) = prefix_range(LATE_PREFIX);
    (late_entry(index), to)
}

/// The last 8 bytes of a key as a big-endian u64 (batch ids and indices at the end of edge keys). A key too
/// short to end in one is corrupt, never read as 0.
pub(crate) fn tail_u64(key: &[u8]) -> Result<u64, Error> {
    key.len()
        .checked_sub(8)
        .and_then(|start| <[u8; 8]>::try_from(&key[start..]).ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| corrupt(key, format!("{} bytes, too short to end in a u64", key.len())))
}

/// A u64 stored as a value (an entry index under `I`, a batch id under `g` and `v`): exactly 8 bytes.
pub(crate) fn u64_value(value: u64) -> Vec<u8> {
    value.to_be_bytes().to_vec()
}

/// Reads back a [`u64_value`] stored at `key`; any other length is corrupt.
pub(crate) fn read_u64_value(key: &[u8], value: &[u8]) -> Result<u64, Error> {
    <[u8; 8]>::try_from(value)
        .map(u64::from_be_bytes)
        .map_err(|_| corrupt(key, format!("a {}-byte value where an 8-byte number belongs", value.len())))
}

/// A key for messages: its prefix as a character, then the rest in hex (`B0123abcd...`).
pub(crate) fn describe(key: &[u8]) -> String {
    match key.split_first() {
        Some((&p, rest)) if p.is_ascii_graphic() => format!("{}{}", char::from(p), hex::encode(rest)),
        _ => hex::encode(key),
    }
}

/// [`Error::CorruptKey`] for `key`.
pub(crate) fn corrupt(key: &[u8], why: impl Into<String>) -> Error {
    Error::CorruptKey { key: describe(key), why: why.into() }
}

/// The store key of entry `index`, for tools and tests that read or damage a store directly (the store and
/// bundle tampering suites). The ledger reads entries through [`crate::Ledger::entry`].
pub fn entry_key(index: u64) -> Vec<u8> {
    entry(index)
}

/// The store key of a batch's state, for tools that read a store directly (the benchmark's raw-read
/// baseline). The ledger reads batches through [`crate::Ledger::batch`].
pub fn batch_key(id: BatchId) -> Vec<u8> {
    batch(id)
}

fn cat(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len = 1 + parts.iter().map(|p| p.len()).sum::<usize>();
    let mut k = Vec::with_capacity(len);
    k.push(prefix);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_u64_reads_the_last_eight_bytes() {
        assert_eq!(tail_u64(&entry(7)).unwrap(), 7);
        let id = BatchId::from_value(42).unwrap();
        assert_eq!(tail_u64(&child_edge(id, id)).unwrap(), 42);
    }

    /// Regression: a key shorter than 8 bytes used to read as 0, so a damaged edge pointed at batch 0 and a
    /// damaged history key at entry 0.
    #[test]
    fn tail_u64_of_a_short_key_is_corrupt_not_zero() {
        let e = tail_u64(b"h\x01\x02").unwrap_err();
        assert!(matches!(&e, Error::CorruptKey { key, .. } if key == "h0102"), "{e:?}");
        assert_eq!(e.to_string(), "corrupt store at key h0102: 3 bytes, too short to end in a u64");
        assert!(tail_u64(b"").is_err());
    }

    #[test]
    fn u64_values_must_be_exactly_eight_bytes() {
        let key = record_index(&RecordId([1; 32]));
        assert_eq!(read_u64_value(&key, &u64_value(9)).unwrap(), 9);
        for bad in [&[][..], &[0; 7][..], &[0; 9][..]] {
            let e = read_u64_value(&key, bad).unwrap_err();
            assert!(e.to_string().starts_with("corrupt store at key I0101"), "{e}");
        }
    }

    #[test]
    fn late_ranges_hold_exactly_their_entries() {
        let (from, to) = late_entries_from(5);
        assert!(from < late_entry(6) && late_entry(u64::MAX) < to);
        assert!(late_entry(4) < from);
    }
}
