//! RFC 6962 / RFC 9162 Merkle tree hashing over log entries: roots, inclusion and consistency proofs, and
//! their verification (RFC 9162 section 2.1.3.2 and 2.1.4.2).
//!
//! The tree is stored as the hashes of its *complete* subtrees: node `(level, index)` covers leaves
//! `[index·2^level, (index+1)·2^level)`. Appending leaf `n` writes node `(0, n)` and then one node per level
//! while the new node is a right child, so appends cost O(log n) writes (two on average). Any other subtree
//! hash is the fold of at most log n complete ones, so proofs never read the whole log.
//!
//! [`Frontier`] is the other way round: the right edge of a tree (one complete-subtree hash per set bit of
//! its size), which is all a verifier needs to extend the root with new leaves without the old ones.

use crate::encoding::{node_hash, sha256};
use crate::error::Error;

/// A 32-byte tree hash.
pub type Hash = [u8; 32];

/// Reads the hash of a complete subtree `(level, index)`.
pub trait NodeSource {
    /// The stored hash of the complete subtree at `level` and `index`.
    fn node(&self, level: u8, index: u64) -> Result<Hash, Error>;
}

impl<F: Fn(u8, u64) -> Result<Hash, Error>> NodeSource for F {
    fn node(&self, level: u8, index: u64) -> Result<Hash, Error> {
        self(level, index)
    }
}

/// The root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    sha256(b"")
}

/// The nodes to write when leaf `index` with hash `leaf` is appended: `(level, index, hash)` for the leaf and
/// every complete subtree it finishes. `src` must already hold the nodes of the first `index` leaves.
pub fn append_nodes(src: &impl NodeSource, index: u64, leaf: Hash) -> Result<Vec<(u8, u64, Hash)>, Error> {
    let mut out = vec![(0u8, index, leaf)];
    let (mut level, mut i, mut h) = (0u8, index, leaf);
    while i & 1 == 1 {
        let left = src.node(level, i - 1)?;
        h = node_hash(&left, &h);
        level += 1;
        i >>= 1;
        out.push((level, i, h));
    }
    Ok(out)
}

/// MTH(D[start, end)), computed from stored complete subtrees by splitting at the largest power of two below
/// the length. Valid for the ranges RFC 9162's recursion produces, where `start` is a multiple of that power of
/// two (of the length itself when it is a power of two), so the left part is always one stored subtree.
pub fn subtree_hash(src: &impl NodeSource, start: u64, end: u64) -> Result<Hash, Error> {
    let len = end - start;
    if len == 0 {
        return Ok(empty_root());
    }
    if len.is_power_of_two() && start % len == 0 {
        return src.node(len.trailing_zeros() as u8, start / len);
    }
    let k = largest_pow2_below(len);
    let left = subtree_hash(src, start, start + k)?;
    let right = subtree_hash(src, start + k, end)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of the first `size` leaves.
pub fn root(src: &impl NodeSource, size: u64) -> Result<Hash, Error> {
    subtree_hash(src, 0, size)
}

/// The largest power of two strictly less than `n` (n ≥ 2).
fn largest_pow2_below(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 PATH), leaf-side first.
pub fn inclusion_proof(src: &impl NodeSource, index: u64, size: u64) -> Result<Vec<Hash>, Error> {
    if index >= size {
        return Err(Error::NotFound(format!("leaf {index} is not in a tree of size {size}")));
    }
    let mut path = Vec::new();
    path_rec(src, index, 0, size, &mut path)?;
    Ok(path)
}

fn path_rec(src: &impl NodeSource, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) -> Result<(), Error> {
    let n = end - start;
    if n <= 1 {
        return Ok(());
    }
    let k = largest_pow2_below(n);
    if m - start < k {
        path_rec(src, m, start, start + k, out)?;
        out.push(subtree_hash(src, start + k, end)?);
    } else {
        path_rec(src, m, start + k, end, out)?;
        out.push(subtree_hash(src, start, start + k)?);
    }
    Ok(())
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` leaves (RFC 9162 PROOF).
pub fn consistency_proof(src: &impl NodeSource, old: u64, new: u64) -> Result<Vec<Hash>, Error> {
    if old > new {
        return Err(Error::NotFound(format!("cannot prove size {old} consistent with smaller size {new}")));
    }
    let mut out = Vec::new();
    if old == 0 || old == new {
        return Ok(out);
    }
    subproof(src, old, 0, new, true, &mut out)?;
    Ok(out)
}

fn subproof(src: &impl NodeSource, m: u64, start: u64, end: u64, b: bool, out: &mut Vec<Hash>) -> Result<(), Error> {
    let n = end - start;
    if m == n {
        if !b {
            out.push(subtree_hash(src, start, end)?);
        }
        return Ok(());
    }
    let k = largest_pow2_below(n);
    if m <= k {
        subproof(src, m, start, start + k, b, out)?;
        out.push(subtree_hash(src, start + k, end)?);
    } else {
        subproof(src, m - k, start + k, end, false, out)?;
        out.push(subtree_hash(src, start, start + k)?);
    }
    Ok(())
}

/// The right edge of a tree (its *compact range* from 0): the roots of the complete subtrees that make up the
/// first `size` leaves, largest first, one per set bit of `size`. It is enough to extend the tree by new
/// leaves and to compute its root, without the leaves themselves; an auditor keeps one so that it can follow a
/// log of any size with O(log n) state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Complete subtree roots, left to right; the i-th covers `2^height` leaves, heights strictly decreasing.
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// A frontier from its size and hashes (left to right), as [`Frontier::hashes`] gave them. Refuses a
    /// number of hashes that is not the number of set bits of `size`.
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Option<Frontier> {
        (hashes.len() == size.count_ones() as usize).then_some(Frontier { size, hashes })
    }

    /// The frontier of the first `size` leaves of a stored tree: one stored node per set bit of `size`.
    pub fn of(src: &impl NodeSource, size: u64) -> Result<Frontier, Error> {
        let mut hashes = Vec::with_capacity(size.count_ones() as usize);
        let mut start = 0u64;
        for level in (0..64u8).rev() {
            let width = 1u64 << level;
            if size & width != 0 {
                hashes.push(src.node(level, start >> level)?);
                start += width;
            }
        }
        Ok(Frontier { size, hashes })
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The complete subtree roots, left (largest) to right.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends the leaf whose leaf hash is `leaf`, merging equal-sized subtrees as RFC 6962 does.
    pub fn push(&mut self, leaf: Hash) {
        let mut h = leaf;
        // Each trailing one bit of the old size is a complete subtree that the new leaf completes.
        let mut merges = self.size.trailing_ones();
        while merges > 0 {
            // The size has `merges` trailing ones, so at least that many hashes are on the edge.
            let Some(left) = self.hashes.pop() else { break };
            h = node_hash(&left, &h);
            merges -= 1;
        }
        self.hashes.push(h);
        self.size += 1;
    }

    /// The RFC 6962 root of the leaves so far: the subtree roots folded from the right.
    pub fn root(&self) -> Hash {
        let mut it = self.hashes.iter().rev();
        let Some(&last) = it.next() else { return empty_root() };
        it.fold(last, |acc, left| node_hash(left, &acc))
    }
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The leaf index is not below the tree size, or the sizes are out of order.
    #[error("index or sizes out of range")]
    OutOfRange,
    /// The proof has the wrong number of hashes for these sizes.
    #[error("proof has the wrong length")]
    WrongLength,
    /// The proof does not lead to the expected root.
    #[error("computed root does not match")]
    RootMismatch,
}

/// Verifies an inclusion proof (RFC 9162 section 2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange);
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if &r != root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof between two tree heads (RFC 9162 section 2.1.4.2).
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OutOfRange);
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root { Ok(()) } else { Err(ProofError::RootMismatch) };
    }
    if old_size == 0 {
        // Every tree extends the empty tree; RFC 9162 leaves this case to the caller, and an empty proof is
        // the only sensible encoding of it.
        return if proof.is_empty() { Ok(()) } else { Err(ProofError::WrongLength) };
    }
    let mut path: Vec<Hash> = proof.to_vec();
    if old_size.is_power_of_two() {
        path.insert(0, *old_root);
    }
    let (mut fn_, mut sn) = (old_size - 1, new_size - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let mut iter = path.iter();
    let first = iter.next().ok_or(ProofError::WrongLength)?;
    let (mut fr, mut sr) = (*first, *first);
    for c in iter {
        if sn == 0 {
            return Err(ProofError::WrongLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength);
    }
    if &fr != old_root || &sr != new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}
