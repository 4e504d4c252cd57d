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
//! | `S` | `S` ‖ substance | (empty): on the banned list |
//! | `L` | `L` ‖ index u64 | (empty): a late entry (claimed time long before acceptance) |

use crate::ids::{BatchId, RecordId};
use crate::keys::PublicKey;

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

pub(crate) fn actor(key: &PublicKey) -> Vec<u8> {
    cat(b'A', &[key.as_bytes()])
}

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

pub(crate) fn banned(substance: &str) -> Vec<u8> {
    cat(b'S', &[substance.as_bytes()])
}

pub(crate) const BANNED_PREFIX: &[u8] = b"S";

pub(crate) fn late_entry(index: u64) -> Vec<u8> {
    cat(b'L', &[&index.to_be_bytes()])
}

pub(crate) const LATE_PREFIX: &[u8] = b"L";

/// The last 8 bytes of a key as a big-endian u64 (batch ids and indices at the end of edge keys).
pub(crate) fn tail_u64(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    if key.len() >= 8 {
        b.copy_from_slice(&key[key.len() - 8..]);
    }
    u64::from_be_bytes(b)
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
